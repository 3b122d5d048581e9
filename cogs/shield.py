"""The spoiler shield in servers: wrap, warn about or log plot details posted beyond a channel's level.

Also on demand: the "Spoiler-wrap message" context menu, and /spoiler for posting one's own spoiler behind
a Reveal button that checks the clicker's progress.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from enum import Enum
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.errors import BadInput, UserFacingError
from bot.core.timers_repository import Timer
from bot.core.tree import answers_errors, permission_names
from bot.shield.posts import (
    DELIVERY_ERRORS,
    NO_PINGS,
    SPOILER_SYNTAX,
    RepostFailed,
    ShieldPoster,
    describe_failure,
    expected,
    missing_for_repost,
    words_for_author,
)
from bot.shield.repository import ShieldMode
from bot.shield.service import ShieldDecision
from bot.spoilers import describe_level
from bot.spoilers.split import split_text
from bot.ui.presenter import bot_of
from cogs import autocomplete

if TYPE_CHECKING:
    from bot.core.app import HeartBot

log = logging.getLogger(__name__)

MAX_SPOILER = 1500
KEEP_ORIGINALS = timedelta(days=30)  # how long "Not a spoiler" can restore a wrapped message


class Outcome(Enum):
    """What became of a message the shield set out to wrap."""

    WRAPPED = "wrapped"
    KEPT_IN_DM = "kept in a DM to its author"
    KEPT_IN_LOG = "kept in the log channel"
    LEFT = "left up"


ON_REQUEST = {
    Outcome.WRAPPED: "Wrapped and reposted.",
    Outcome.KEPT_IN_DM: (
        "I couldn't repost it wrapped, so I removed it and sent its author their words privately, wrapped."
    ),
    Outcome.KEPT_IN_LOG: (
        "I couldn't repost it wrapped, so I removed it and kept its words, wrapped, in the log channel."
    ),
    Outcome.LEFT: (
        "I couldn't repost it wrapped or keep its words anywhere else, so it's still there; "
        "moderators have been told."
    ),
}


class RestoreButton(discord.ui.DynamicItem[discord.ui.Button], template=r"shield:restore:(?P<author_id>\d+)"):
    """ "Not a spoiler": the author or a moderator puts the original words back."""

    def __init__(self, author_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Not a spoiler",
                style=discord.ButtonStyle.secondary,
                custom_id=f"shield:restore:{author_id}",
            )
        )
        self.author_id = author_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> RestoreButton:
        return cls(int(match["author_id"]))

    @answers_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        if interaction.user.id != self.author_id and not interaction.permissions.manage_messages:
            raise UserFacingError("Only the author or a moderator can say this wasn't a spoiler.")
        cog = interaction.client.get_cog("Shield")  # type: ignore[attr-defined]
        assert isinstance(cog, Shield)
        assert interaction.message is not None
        await cog.restore(interaction, interaction.message, self.author_id)


class SpoilerReveal(discord.ui.DynamicItem[discord.ui.Button], template=r"spoiler:show:(?P<spoiler_id>\d+)"):
    """The Reveal button under a member's /spoiler: shows it only to those who have watched far enough."""

    def __init__(self, spoiler_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Reveal for me",
                style=discord.ButtonStyle.secondary,
                custom_id=f"spoiler:show:{spoiler_id}",
            )
        )
        self.spoiler_id = spoiler_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> SpoilerReveal:
        return cls(int(match["spoiler_id"]))

    @answers_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        bot = bot_of(interaction)
        spoiler = await bot.shield_store.spoiler(self.spoiler_id)
        if spoiler is None:
            raise UserFacingError("Its author has since erased it.")
        reader = await bot.progress.reader(interaction.user.id)
        label = bot.lookups.index.episode_label(spoiler.reveals)
        if not reader.can_see(spoiler.reveals):
            raise UserFacingError(
                f"This is about **{label}** and you're at {describe_level(reader.level)}, "
                "so I'll keep it hidden. "
                f"If you've watched it, `/progress set episode:{spoiler.reveals}` first."
            )
        await interaction.response.send_message(
            f"About **{label}**:\n{spoiler.text}", ephemeral=True, allowed_mentions=NO_PINGS
        )


class Shield(commands.Cog):
    def __init__(self, bot: HeartBot) -> None:
        self.bot = bot
        self.posts = ShieldPoster(bot)
        self.wrap_menu = app_commands.ContextMenu(name="Spoiler-wrap message", callback=self.wrap_on_demand)

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(RestoreButton, SpoilerReveal)
        self.bot.tree.add_command(self.wrap_menu)
        self.bot.timers.register("shield_forget_original", self.forget_original)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(RestoreButton, SpoilerReveal)
        self.bot.tree.remove_command(self.wrap_menu.name, type=self.wrap_menu.type)
        self.bot.timers.unregister("shield_forget_original")

    async def forget_original(self, timer: Timer, late: bool) -> None:
        """A wrapped message's original words are kept for "Not a spoiler" for a while, not for ever."""
        await self.bot.shield.forget_repost(timer.payload["message_id"])

    # -- watching messages ---------------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        await self.guard(message)

    @commands.Cog.listener()
    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        if payload.guild_id is not None and "content" in payload.data:
            await self.guard(payload.message)

    async def guard(self, message: discord.Message) -> None:
        """Check one member's message and carry out the channel's shield mode."""
        if message.guild is None or message.author.bot or message.webhook_id is not None:
            return  # never the bot's own reposts: no loops
        try:
            await self._guard(message)
        except Exception:
            log.exception(
                "The shield failed on message %s by user %s (guild %s, channel %s)",
                message.id,
                message.author.id,
                message.guild.id,
                message.channel.id,
            )

    async def _guard(self, message: discord.Message) -> None:
        guild = message.guild
        assert guild is not None
        channel = message.channel
        roles = frozenset(role.id for role in getattr(message.author, "roles", ()))
        decision = await self.bot.shield.decide(
            guild.id, channel.id, getattr(channel, "parent_id", None), roles, message.content
        )
        if decision is None:
            return
        if decision.mode is ShieldMode.WRAP:
            missing = missing_for_repost(channel, guild.me)  # type: ignore[arg-type]
            if not missing:
                await self.wrap_message(message, decision)
                return
            await self._report_missing(guild, missing)
        if decision.mode is ShieldMode.LOG:
            await self.posts.report(guild, f"🔎 {self._sentence(decision, message)}.")
            return
        warned = await self._warn(message, decision)
        note = "I told them privately" if warned else "I couldn't tell them privately (their DMs are closed)"
        await self.posts.report(guild, f"⚠️ {self._sentence(decision, message)}: {note}.")

    def _sentence(self, decision: ShieldDecision, message: discord.Message) -> str:
        finding = self.posts.finding(decision)
        return f"{finding[0].upper()}{finding[1:]} by {message.author.mention} in {message.jump_url}"

    async def _warn(self, message: discord.Message, decision: ShieldDecision) -> bool:
        assert decision.reveals is not None  # the listener only warns about what it found
        text = (
            f"Heads-up: your message {message.jump_url} mentions something from "
            f"**{self.posts.label(decision.reveals)}** ({words_for_author(decision.words)}), which not "
            "everyone there has seen. Could you edit it and put that part in spoiler tags, "
            f"{SPOILER_SYNTAX}? Thank you!"
        )
        return await self.posts.tell_author(message.author, text)

    async def _report_missing(self, guild: discord.Guild, missing: list[str]) -> None:
        new = await self.bot.shield.first_report_of(guild.id, frozenset(missing))
        if new:
            names = permission_names(sorted(new), " and ")
            await self.posts.tell_moderators(
                guild,
                f"The spoiler shield can't repost wrapped messages without the {names} permission, "
                "so until it has it, it warns authors privately instead.",
            )

    # -- wrapping ------------------------------------------------------------------------------------

    async def wrap_message(
        self, message: discord.Message, decision: ShieldDecision, requested_by: discord.abc.User | None = None
    ) -> Outcome:
        """Repost the message wrapped and remove it; when reposting fails, keep its words elsewhere first."""
        guild = message.guild
        assert guild is not None
        view = discord.ui.View(timeout=None)
        view.add_item(RestoreButton(message.author.id))
        try:
            posted = await self.posts.repost(message, decision.parts, view)
        except RepostFailed as failure:
            self._log_failed_repost(message, failure)
            return await self._keep_elsewhere(message, decision, str(failure))
        await self._remember(message, posted)
        link = posted[0].jump_url
        await self._remove_original(message, f"I reposted it wrapped ({link}) but")
        by = f", on request by {requested_by.mention}" if requested_by else ""
        await self.posts.report(
            guild,
            f"🛡️ Wrapped {self.posts.finding(decision)} by {message.author.mention} in "
            f"{message.channel.mention}{by}: {link}",  # type: ignore[union-attr]
        )
        if requested_by is None or requested_by.id != message.author.id:
            await self.posts.tell_author(message.author, self._why(message, decision, link, requested_by))
        return Outcome.WRAPPED

    def _log_failed_repost(self, message: discord.Message, failure: RepostFailed) -> None:
        log.log(
            logging.WARNING if expected(failure.cause) else logging.ERROR,
            "Could not repost message %s wrapped (guild %s, channel %s): %s",
            message.id,
            message.guild.id,  # type: ignore[union-attr]
            message.channel.id,
            failure,
            exc_info=None if expected(failure.cause) else failure.cause,
        )

    def _why(
        self,
        message: discord.Message,
        decision: ShieldDecision,
        link: str,
        requested_by: discord.abc.User | None,
    ) -> str:
        who = "A moderator asked me to wrap" if requested_by else "I wrapped"
        return (
            f"{who} your message in {message.channel.mention}{self.posts.because(decision)}: {link}\n"  # type: ignore[union-attr]
            f"Next time, put spoilers in spoiler tags: {SPOILER_SYNTAX}. "
            "If it wasn't a spoiler, press **Not a spoiler** under the repost to put your words back."
        )

    async def _remember(self, message: discord.Message, posted: list[discord.WebhookMessage]) -> None:
        """Keep the original for "Not a spoiler"; without it the repost still stands, so only log."""
        now = self.bot.clock.now()
        try:
            await self.bot.shield.keep_repost(
                tuple(part.id for part in posted),
                message.guild.id,  # type: ignore[union-attr]
                message.author.id,
                message.content,
                now,
            )
            await self.bot.timers.schedule(
                "shield_forget_original", now + KEEP_ORIGINALS, message_id=posted[-1].id
            )
        except Exception:
            log.exception("Could not keep the original of wrapped message %s for Not a spoiler", message.id)

    async def _remove_original(self, message: discord.Message, done: str) -> bool:
        """Delete the author's message; if that fails, moderators are asked to (the spoiler still shows)."""
        try:
            await message.delete()
        except discord.NotFound:
            return True  # its author removed it first
        except DELIVERY_ERRORS as error:
            reason = describe_failure(error)
            log.warning("Could not remove message %s after wrapping it: %s", message.id, reason)
            await self.posts.tell_moderators(
                message.guild,  # type: ignore[arg-type]
                f"⚠️ A spoiler by {message.author.mention} is still visible: {done} I couldn't remove the "
                f"original ({reason}). Please remove it: {message.jump_url}",
            )
            return False
        return True

    async def _keep_elsewhere(
        self, message: discord.Message, decision: ShieldDecision, failure: str
    ) -> Outcome:
        guild = message.guild
        assert guild is not None
        kept = await self.posts.keep_elsewhere(message, decision, failure)
        if kept is None:
            log.warning("Message %s keeps showing a spoiler: its words could be kept nowhere", message.id)
            await self.posts.tell_moderators(
                guild,
                f"⚠️ {self._sentence(decision, message)} is still visible: reposting it wrapped failed "
                f"({failure}) and I couldn't keep their words anywhere else, so I left it. "
                "Please wrap or remove it.",
            )
            return Outcome.LEFT
        where = "I sent them their words privately, wrapped" if kept == "dm" else "their words are above"
        await self._remove_original(message, f"{where}, but")
        if kept == "dm":
            await self.posts.report(
                guild,
                f"🛡️ Removed {self.posts.finding(decision)} by {message.author.mention} in "
                f"{message.channel.mention}: reposting it wrapped failed ({failure}), so {where}.",  # type: ignore[union-attr]
            )
        return Outcome.KEPT_IN_DM if kept == "dm" else Outcome.KEPT_IN_LOG

    # -- Not a spoiler -------------------------------------------------------------------------------

    async def restore(self, interaction: discord.Interaction, last: discord.Message, author_id: int) -> None:
        """Put a repost's original words back: into its parts in order, removing the parts left over."""
        repost = await self.bot.shield.repost(last.id)
        if repost is None:
            raise UserFacingError("I no longer have the original of this message.")
        channel = interaction.channel
        assert isinstance(channel, discord.TextChannel | discord.Thread)
        pieces = split_text(repost.original)
        earlier = repost.earlier_parts
        filled = min(len(pieces) - 1, len(earlier))  # earlier parts that get a piece, in order
        try:
            await self.posts.edit_parts(channel, earlier[:filled], pieces[:filled])
        except DELIVERY_ERRORS as error:
            log.warning("Could not restore the parts of repost %s: %s", last.id, describe_failure(error))
            raise UserFacingError(
                "I couldn't put the whole message back just now. Please try again."
            ) from None
        await interaction.response.edit_message(content=pieces[filled], view=None, allowed_mentions=NO_PINGS)
        if pieces[filled + 1 :]:  # the original needs more messages than the repost had
            await self.posts.append_parts(channel, last, pieces[filled + 1 :])
        await self.posts.take_down([channel.get_partial_message(part) for part in earlier[filled:]])
        await self.bot.shield.forget_repost(last.id)
        first = channel.get_partial_message(earlier[0] if filled else last.id)
        whose = "their" if interaction.user.id == author_id else f"<@{author_id}>'s"
        await self.posts.report(
            channel.guild,
            f"↩️ {interaction.user.mention} put back {whose} message (Not a spoiler): {first.jump_url}",
        )

    # -- thread titles -------------------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_thread_create(self, thread: discord.Thread) -> None:
        if thread.parent_id is None:
            return
        spans = await self.bot.shield.check_title(thread.guild.id, thread.parent_id, thread.name)
        if not spans:
            return
        label = self.bot.lookups.index.episode_label(max(span.reveals for span in spans))
        text = (
            f"The title of your new thread {thread.mention} mentions something from **{label}**. "
            "Titles can't be hidden behind spoiler tags, so please rename it."
        )
        owner = thread.owner or (await self.bot.fetch_user(thread.owner_id) if thread.owner_id else None)
        if owner is not None:
            await self.posts.tell_author(owner, text)
        await self.posts.report(
            thread.guild, f"A thread title with a spoiler from **{label}**: {thread.mention}"
        )

    # -- on demand -----------------------------------------------------------------------------------

    async def wrap_on_demand(self, interaction: discord.Interaction, message: discord.Message) -> None:
        """Spoiler-wrap a message: for its author or a moderator; needs no message-content intent."""
        if interaction.guild is None:
            raise BadInput("This only works in a server.")
        if interaction.user.id != message.author.id and not interaction.permissions.manage_messages:
            raise UserFacingError("Only the author or a moderator (Manage Messages) can wrap this message.")
        if message.author.bot or message.webhook_id is not None:
            raise BadInput("That message is from a bot or a webhook; I only wrap members' messages.")
        if not message.content.strip():
            raise BadInput("That message has no text to wrap.")
        missing = missing_for_repost(message.channel, interaction.guild.me)  # type: ignore[arg-type]
        if missing:
            names = permission_names(missing, " and ")
            raise UserFacingError(f"I need the {names} permission here to repost it wrapped.")
        channel = message.channel
        decision = await self.bot.shield.decide_on_request(
            interaction.guild.id, channel.id, getattr(channel, "parent_id", None), message.content
        )
        await interaction.response.defer(ephemeral=True, thinking=True)
        outcome = await self.wrap_message(message, decision, requested_by=interaction.user)
        await interaction.followup.send(ON_REQUEST[outcome], ephemeral=True)

    @app_commands.command(name="spoiler")
    @app_commands.guild_only()
    @app_commands.describe(text="Your spoiler", episode="The episode it reveals: a code like S2E5 or a title")
    @app_commands.autocomplete(episode=autocomplete.episodes)
    async def spoiler(self, interaction: discord.Interaction, text: str, episode: str) -> None:
        """Post your own spoiler behind a button that only shows it to those who've watched that far."""
        assert interaction.guild_id is not None
        if not text.strip():
            raise BadInput("Your spoiler is empty.")
        if len(text) > MAX_SPOILER:
            raise BadInput(f"Keep it under {MAX_SPOILER} characters, please.")
        found = self.bot.lookups.index.episode(episode)
        spoiler_id = await self.bot.shield_store.add_spoiler(
            interaction.guild_id, interaction.user.id, text, found.code, self.bot.clock.now()
        )
        view = discord.ui.View(timeout=None)
        view.add_item(SpoilerReveal(spoiler_id))
        label = self.bot.lookups.index.episode_label(found.code)
        await interaction.response.send_message(
            f"{interaction.user.mention} shared a spoiler about **{label}**. "
            "The button shows it to you if you've watched that far.",
            view=view,
            allowed_mentions=NO_PINGS,
        )


async def setup(bot: HeartBot) -> None:
    await bot.add_cog(Shield(bot))
