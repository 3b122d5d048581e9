"""What the spoiler shield posts: wrapped reposts (in several parts when long), the author's words kept
elsewhere when reposting fails, what it tells authors privately, and its reports to moderators.

ShieldService decides what to do with a message and bot.shield.wrapping carries out a wrap; this module
delivers what they post. Every delivery failure is logged
with ids only, never message text.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

import aiohttp
import discord

from bot.canon import EpisodeCode
from bot.shield.repository import StoredWebhook
from bot.shield.service import ShieldDecision
from bot.spoilers import wrap
from bot.ui.text import NO_PINGS, quote

if TYPE_CHECKING:
    from bot.core.app import HeartBot

log = logging.getLogger(__name__)

WEBHOOK_NAME = "heartbot shield"
REPOST_NEEDS = ("manage_webhooks", "manage_messages")
# How long one message may take. discord.py retries a 5xx for about 25 seconds, all that time with the
# spoiler still showing; past this the shield gives up on reposting and keeps the words elsewhere.
SEND_DEADLINE = 5.0
SPOILER_SYNTAX = "`||like this||`"  # as code, so the reader sees the bars rather than a hidden box
WORDS_QUOTED = 5
# What a failed delivery raises: Discord's answer, a dropped connection, or no answer in time.
DELIVERY_ERRORS = (discord.HTTPException, aiohttp.ClientError, OSError, TimeoutError)
DMS_CLOSED = 50007  # Discord's code for "Cannot send messages to this user"

Destination = discord.abc.Messageable
WebhookChannel = discord.TextChannel | discord.VoiceChannel | discord.StageChannel | discord.ForumChannel


class RepostFailed(Exception):
    """Reposting wrapped did not work; any part already posted has been taken down again."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(describe_failure(cause))
        self.cause = cause


def describe_failure(error: BaseException) -> str:
    """A failure as moderators can read it: what Discord said, never a traceback."""
    if isinstance(error, discord.HTTPException):
        return f"Discord answered {error.status}" + (f", error {error.code}" if error.code else "")
    if isinstance(error, TimeoutError):
        return "Discord did not answer in time"
    if isinstance(error, aiohttp.ClientError | OSError):
        return "the connection to Discord failed"
    return "an unexpected error"


def expected(error: BaseException) -> bool:
    return isinstance(error, DELIVERY_ERRORS)


def display_name(member: discord.abc.User) -> str:
    """A webhook username Discord accepts: 1-80 characters, never containing "discord" or "clyde"."""
    name = re.sub(
        r"(?i)(disc)(ord)|(cl)(yde)", lambda m: "\u200b".join(g for g in m.groups() if g), member.display_name
    )
    return (name or "member")[:80]


def repost_channel(
    channel: discord.abc.GuildChannel | discord.Thread,
) -> discord.abc.GuildChannel | discord.Thread:
    """Where the webhook lives: a thread posts through its channel's (a thread whose channel is not known
    yet stands for it, so its permissions are still read)."""
    if isinstance(channel, discord.Thread) and channel.parent is not None:
        return channel.parent
    return channel


def webhook_channel(channel: discord.abc.GuildChannel | discord.Thread) -> WebhookChannel:
    """The channel whose webhook reposts in `channel`; a TypeError for one that can have none."""
    target = repost_channel(channel)
    if not isinstance(target, WebhookChannel):
        raise TypeError(f"channel {target.id} can have no webhook")
    return target


def server_channel(message: discord.Message) -> discord.abc.GuildChannel | discord.Thread:
    """The server channel (or thread) of a message the shield reads: it reads no DMs."""
    channel = message.channel
    if not isinstance(channel, discord.abc.GuildChannel | discord.Thread):
        raise TypeError(f"message {message.id} is not in a server channel")
    return channel


def missing_for_repost(channel: discord.abc.GuildChannel | discord.Thread, me: discord.Member) -> list[str]:
    """The permissions wrapping needs in a channel that the bot lacks there."""
    permissions = repost_channel(channel).permissions_for(me)
    return [name for name in REPOST_NEEDS if not getattr(permissions, name)]


# -- words: plain for their author, spoiler-tagged for moderators -----------------------------------------


def words_for_author(words: Sequence[str]) -> str:
    """The words the author wrote, quoted as they are: the author has already read them."""
    return _listed([quote(word, 80) for word in words])


def words_for_moderators(words: Sequence[str]) -> str:
    """The words found, each inside spoiler tags: moderators read reports before they may have watched."""
    return _listed([wrap(quote(word, 80)) for word in words])


def _listed(quoted: list[str]) -> str:
    shown = ", ".join(quoted[:WORDS_QUOTED])
    more = len(quoted) - WORDS_QUOTED
    return f"{shown} and {more} more" if more > 0 else shown


class ShieldPoster:
    def __init__(self, bot: HeartBot) -> None:
        self.bot = bot

    def label(self, code: EpisodeCode) -> str:
        return self.bot.lookups.index.episode_label(code)

    def because(self, decision: ShieldDecision) -> str:
        """Why, for the author: the episode and their words; nothing for a message wrapped on request in
        which nothing was found."""
        if decision.reveals is None:
            return ""
        return (
            f" because it mentions something from **{self.label(decision.reveals)}** "
            f"({words_for_author(decision.words)}), which not everyone there has seen"
        )

    def finding(self, decision: ShieldDecision) -> str:
        """What was found, for moderators: the episode (a title is never plot) and the words, hidden."""
        if decision.reveals is None:
            return "a message"
        return f"a spoiler from **{self.label(decision.reveals)}** ({words_for_moderators(decision.words)})"

    def sentence(self, decision: ShieldDecision, message: discord.Message) -> str:
        """What was found, by whom, where: the start of a report."""
        finding = self.finding(decision)
        return f"{finding[0].upper()}{finding[1:]} by {message.author.mention} in {message.jump_url}"

    # -- reposting ---------------------------------------------------------------------------------

    async def repost(
        self, message: discord.Message, parts: Sequence[str], view: discord.ui.View
    ) -> list[discord.WebhookMessage]:
        """The parts under the author's name and avatar, the last with the attachments and the view: all of
        them, or none (any part posted before a failure is taken down, and RepostFailed raised)."""
        channel = message.channel
        thread = channel if isinstance(channel, discord.Thread) else discord.utils.MISSING
        posted: list[discord.WebhookMessage] = []
        try:
            target = webhook_channel(server_channel(message))
            for index, part in enumerate(parts):
                last = index == len(parts) - 1
                posted.append(
                    await self._send_part(
                        target,
                        thread,
                        message,
                        part,
                        message.attachments if last else [],
                        view if last else discord.utils.MISSING,
                    )
                )
        except Exception as error:
            await self.take_down(posted)
            raise RepostFailed(error) from error
        return posted

    async def _send_part(
        self,
        target: WebhookChannel,
        thread: discord.Thread,
        message: discord.Message,
        content: str,
        attachments: Sequence[discord.Attachment],
        view: discord.ui.View,
    ) -> discord.WebhookMessage:
        for attempt in range(2):  # a webhook someone deleted is made again, once
            webhook = await self.webhook(target)
            files = [await attachment.to_file(spoiler=True) for attachment in attachments]
            try:
                async with asyncio.timeout(SEND_DEADLINE):
                    return await webhook.send(
                        content,
                        username=display_name(message.author),
                        avatar_url=message.author.display_avatar.url,
                        allowed_mentions=NO_PINGS,
                        files=files,
                        view=view,
                        thread=thread,
                        wait=True,
                    )
            except discord.NotFound:
                await self.bot.shield.forget_webhook(target.id)
                if attempt:
                    raise
        raise AssertionError("unreachable")

    async def webhook(self, channel: WebhookChannel) -> discord.Webhook:
        """The bot's one webhook in a channel, made on first use."""
        stored = await self.bot.shield.webhook(channel.id)
        if stored is None:
            async with self.bot.shield.making_webhook(channel.id):
                stored = await self.bot.shield.webhook(channel.id)  # made while this waited its turn?
                if stored is None:
                    made = await channel.create_webhook(
                        name=WEBHOOK_NAME, reason="Reposting spoilers wrapped"
                    )
                    stored = StoredWebhook(channel.id, made.id, made.token or "")
                    await self.bot.shield.save_webhook(stored)
        return discord.Webhook.partial(stored.webhook_id, stored.token, client=self.bot)

    async def edit_parts(
        self, channel: discord.TextChannel | discord.Thread, message_ids: Sequence[int], texts: Sequence[str]
    ) -> None:
        """Give a repost's earlier parts new text (restoring the original), through the channel's webhook."""
        if not message_ids:
            return
        thread = channel if isinstance(channel, discord.Thread) else discord.utils.MISSING
        webhook = await self.webhook(webhook_channel(channel))
        for message_id, text in zip(message_ids, texts, strict=True):
            async with asyncio.timeout(SEND_DEADLINE):
                await webhook.edit_message(message_id, content=text, allowed_mentions=NO_PINGS, thread=thread)

    async def append_parts(
        self, channel: discord.TextChannel | discord.Thread, after: discord.Message, texts: Sequence[str]
    ) -> None:
        """Post the rest of a restored original that needs more messages than its repost had."""
        thread = channel if isinstance(channel, discord.Thread) else discord.utils.MISSING
        try:
            webhook = await self.webhook(webhook_channel(channel))
            for text in texts:
                async with asyncio.timeout(SEND_DEADLINE):
                    await webhook.send(
                        text,
                        username=after.author.display_name,
                        avatar_url=after.author.display_avatar.url,
                        allowed_mentions=NO_PINGS,
                        thread=thread,
                        wait=True,
                    )
        except DELIVERY_ERRORS as error:
            log.warning(
                "Could not post the rest of restored message %s: %s", after.id, describe_failure(error)
            )

    async def take_down(self, posted: Sequence[discord.WebhookMessage | discord.PartialMessage]) -> None:
        for message in posted:
            try:
                await message.delete()
            except discord.NotFound:
                pass
            except DELIVERY_ERRORS as error:
                log.warning(
                    "Could not take down shield message %s in channel %s: %s",
                    message.id,
                    message.channel.id,
                    describe_failure(error),
                )

    # -- when reposting fails ----------------------------------------------------------------------

    async def keep_elsewhere(
        self, message: discord.Message, decision: ShieldDecision, failure: str
    ) -> str | None:
        """The author's words, wrapped, sent to the author, or failing that to the log channel: "dm", "log",
        or None when they could be kept nowhere."""
        where = server_channel(message).mention
        to_author = (
            f"I removed your message in {where}{self.because(decision)}, and I couldn't repost it wrapped "
            "just now. Here are your words with the spoiler wrapped, to post again if you like (spoiler tags "
            f"look like {SPOILER_SYNTAX}):"
        )
        if await self.send_all(message.author, [to_author, *decision.parts], message.attachments):
            return "dm"
        to_moderators = (
            f"🛡️ Removed {self.finding(decision)} by {message.author.mention} in {where}: reposting it "
            f"wrapped failed ({failure}) and I couldn't send it to them privately, so here are their words, "
            "wrapped:"
        )
        assert message.guild is not None  # the shield reads servers' messages only
        channel = await self.log_channel(message.guild)
        if channel is not None and await self.send_all(
            channel, [to_moderators, *decision.parts], message.attachments
        ):
            return "log"
        return None

    async def send_all(
        self, destination: Destination, texts: Sequence[str], attachments: Sequence[discord.Attachment] = ()
    ) -> bool:
        """Every text delivered, in order, the attachments (as spoilers) with the last; False on a failure."""
        try:
            for index, text in enumerate(texts):
                last = index == len(texts) - 1
                files = [await a.to_file(spoiler=True) for a in attachments] if last else []
                async with asyncio.timeout(SEND_DEADLINE):
                    await destination.send(text, allowed_mentions=NO_PINGS, files=files)
        except Exception as error:
            self._log_undelivered(destination, error)
            return False
        return True

    def _log_undelivered(self, destination: Destination, error: BaseException) -> None:
        kind = "user" if isinstance(destination, discord.abc.User) else "channel"
        where = f"{kind} {getattr(destination, 'id', '?')}"
        if isinstance(error, discord.Forbidden) and error.code == DMS_CLOSED:
            log.info("Could not message %s privately: their DMs are closed", where)
        elif expected(error):
            log.warning("Could not deliver a shield message to %s: %s", where, describe_failure(error))
        else:
            log.error("Unexpected error delivering a shield message to %s", where, exc_info=error)

    # -- telling people ----------------------------------------------------------------------------

    async def tell_author(self, author: discord.User | discord.Member, text: str) -> bool:
        return await self.send_all(author, [text])

    async def log_channel(self, guild: discord.Guild) -> discord.TextChannel | None:
        settings = await self.bot.shield.settings(guild.id)
        channel = guild.get_channel(settings.log_channel_id or 0)
        return channel if isinstance(channel, discord.TextChannel) else None

    async def report(self, guild: discord.Guild, text: str) -> bool:
        """A report in the log channel, when the server has one."""
        channel = await self.log_channel(guild)
        return channel is not None and await self.send_all(channel, [text])

    async def tell_moderators(self, guild: discord.Guild, text: str) -> bool:
        """Something moderators must act on: in the log channel, or else to the server owner by DM."""
        if await self.report(guild, text):
            return True
        owner = guild.owner or (await self._fetch_owner(guild))
        if owner is not None and await self.send_all(owner, [f"In **{guild.name}**: {text}"]):
            return True
        log.warning("Could not tell the moderators of guild %s about a shield problem", guild.id)
        return False

    async def _fetch_owner(self, guild: discord.Guild) -> discord.User | None:
        if not guild.owner_id:
            return None
        try:
            return await self.bot.fetch_user(guild.owner_id)
        except DELIVERY_ERRORS as error:
            log.warning("Could not look up the owner of guild %s: %s", guild.id, describe_failure(error))
            return None
