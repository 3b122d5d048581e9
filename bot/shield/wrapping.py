"""Carrying out a decision to wrap: repost the message wrapped, keep its original for "Not a spoiler", remove
it and say so; when reposting fails, keep the author's words elsewhere first.

The listener and "Spoiler-wrap message" both wrap through here, with the decision ShieldService.decide made.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from enum import Enum
from typing import TYPE_CHECKING

import discord

from bot.shield.buttons import RestoreButton
from bot.shield.posts import (
    DELIVERY_ERRORS,
    SPOILER_SYNTAX,
    RepostFailed,
    ShieldPoster,
    describe_failure,
    expected,
    server_channel,
)
from bot.shield.service import ShieldDecision

if TYPE_CHECKING:
    from bot.core.app import HeartBot

log = logging.getLogger(__name__)

KEEP_ORIGINALS = timedelta(days=30)  # how long "Not a spoiler" can restore a wrapped message
FORGET_ORIGINAL = "shield_forget_original"  # the timer that ends it


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


class ShieldWrapper:
    def __init__(self, bot: HeartBot, posts: ShieldPoster) -> None:
        self.bot = bot
        self.posts = posts

    async def wrap(
        self, message: discord.Message, decision: ShieldDecision, requested_by: discord.abc.User | None = None
    ) -> Outcome:
        """Repost the message wrapped and remove it; when reposting fails, keep its words elsewhere first."""
        guild = message.guild
        assert guild is not None
        channel = server_channel(message)
        view = discord.ui.View(timeout=None)
        view.add_item(RestoreButton(message.author.id))
        try:
            posted = await self.posts.repost(message, decision.parts, view)
        except RepostFailed as failure:
            self._log_failed_repost(message, guild, failure)
            return await self._keep_elsewhere(message, decision, str(failure))
        await self._remember(message, guild, posted)
        link = posted[0].jump_url
        await self._remove_original(message, f"I reposted it wrapped ({link}) but")
        by = f", on request by {requested_by.mention}" if requested_by else ""
        await self.posts.report(
            guild,
            f"🛡️ Wrapped {self.posts.finding(decision)} by {message.author.mention} in "
            f"{channel.mention}{by}: {link}",
        )
        if requested_by is None or requested_by.id != message.author.id:
            await self.posts.tell_author(message.author, self._why(message, decision, link, requested_by))
        return Outcome.WRAPPED

    def _log_failed_repost(
        self, message: discord.Message, guild: discord.Guild, failure: RepostFailed
    ) -> None:
        log.log(
            logging.WARNING if expected(failure.cause) else logging.ERROR,
            "Could not repost message %s wrapped (guild %s, channel %s): %s",
            message.id,
            guild.id,
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
            f"{who} your message in {server_channel(message).mention}{self.posts.because(decision)}: {link}\n"
            f"Next time, put spoilers in spoiler tags: {SPOILER_SYNTAX}. "
            "If it wasn't a spoiler, press **Not a spoiler** under the repost to put your words back."
        )

    async def _remember(
        self, message: discord.Message, guild: discord.Guild, posted: list[discord.WebhookMessage]
    ) -> None:
        """Keep the original for "Not a spoiler"; without it the repost still stands, so only log."""
        now = self.bot.clock.now()
        try:
            await self.bot.shield.keep_repost(
                tuple(part.id for part in posted), guild.id, message.author.id, message.content, now
            )
            await self.bot.timers.schedule(
                FORGET_ORIGINAL, now + KEEP_ORIGINALS, guild_id=guild.id, message_id=posted[-1].id
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
            assert message.guild is not None
            await self.posts.tell_moderators(
                message.guild,
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
                f"⚠️ {self.posts.sentence(decision, message)} is still visible: reposting it wrapped failed "
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
                f"{server_channel(message).mention}: reposting it wrapped failed ({failure}), so {where}.",
            )
        return Outcome.KEPT_IN_DM if kept == "dm" else Outcome.KEPT_IN_LOG
