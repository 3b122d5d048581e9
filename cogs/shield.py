"""The spoiler shield in servers: wrap, warn about or log plot details posted beyond a channel's level.

Also on demand: the "Spoiler-wrap message" context menu, and /spoiler for posting one's own spoiler behind
a Reveal button that checks the clicker's progress. ShieldService decides; bot.shield carries it out.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.canon import Episode
from bot.core.errors import BadInput, UserFacingError
from bot.core.timers import Timer
from bot.core.tree import PUBLIC, permission_names
from bot.lookups.options import EpisodeOption
from bot.shield.buttons import RestoreButton, SpoilerReveal
from bot.shield.posts import ShieldPoster, missing_for_repost, server_channel
from bot.shield.responses import ShieldResponses
from bot.shield.service import PostedMessage
from bot.shield.wrapping import FORGET_ORIGINAL, ON_REQUEST, ShieldWrapper
from bot.ui.text import NO_PINGS

if TYPE_CHECKING:
    from bot.core.app import HeartBot

log = logging.getLogger(__name__)

MAX_SPOILER = 1500


def posted(message: discord.Message) -> PostedMessage:
    """A server message as the shield reads it."""
    assert message.guild is not None
    channel = message.channel
    return PostedMessage(
        guild_id=message.guild.id,
        channel_id=channel.id,
        parent_id=getattr(channel, "parent_id", None),
        text=message.content,
        role_ids=frozenset(role.id for role in getattr(message.author, "roles", ())),
        by_member=not message.author.bot and message.webhook_id is None,
    )


class Shield(commands.Cog):
    def __init__(self, bot: HeartBot) -> None:
        self.bot = bot
        posts = ShieldPoster(bot)
        self.wrapper = ShieldWrapper(bot, posts)
        self.responses = ShieldResponses(bot, posts, self.wrapper)
        self.wrap_menu = app_commands.ContextMenu(name="Spoiler-wrap message", callback=self.wrap_on_demand)

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(RestoreButton, SpoilerReveal)
        self.bot.tree.add_command(self.wrap_menu)
        self.bot.timers.register(FORGET_ORIGINAL, self.forget_original)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(RestoreButton, SpoilerReveal)
        self.bot.tree.remove_command(self.wrap_menu.name, type=self.wrap_menu.type)
        self.bot.timers.unregister(FORGET_ORIGINAL)

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
        if message.guild is None:
            return
        try:
            decision = await self.bot.shield.decide(posted(message))
            if decision is not None:
                await self.responses.respond(message, decision)
        except Exception:
            log.exception(
                "The shield failed on message %s by user %s (guild %s, channel %s)",
                message.id,
                message.author.id,
                message.guild.id,
                message.channel.id,
            )

    @commands.Cog.listener()
    async def on_thread_create(self, thread: discord.Thread) -> None:
        if thread.parent_id is None:
            return
        spans = await self.bot.shield.check_title(thread.guild.id, thread.parent_id, thread.name)
        if spans:
            await self.responses.title_found(thread, spans)

    # -- on demand -----------------------------------------------------------------------------------

    async def wrap_on_demand(
        self, interaction: discord.Interaction[HeartBot], message: discord.Message
    ) -> None:
        """Spoiler-wrap a message: for its author or a moderator; needs no message-content intent."""
        if interaction.guild is None:
            raise BadInput("This only works in a server.")
        if interaction.user.id != message.author.id and not interaction.permissions.manage_messages:
            raise UserFacingError("Only the author or a moderator (Manage Messages) can wrap this message.")
        decision = await self.bot.shield.decide(posted(message), requested=True)
        assert decision is not None  # asked on request, the answer is always to wrap
        missing = missing_for_repost(server_channel(message), interaction.guild.me)
        if missing:
            names = permission_names(missing, " and ")
            raise UserFacingError(f"I need the {names} permission here to repost it wrapped.")
        await interaction.response.defer(ephemeral=True, thinking=True)
        outcome = await self.wrapper.wrap(message, decision, requested_by=interaction.user)
        await interaction.followup.send(ON_REQUEST[outcome], ephemeral=True)

    @app_commands.command(name="spoiler", extras={PUBLIC: True})  # a deferral is public too
    @app_commands.guild_only()
    @app_commands.describe(text="Your spoiler", episode="The episode it reveals: a code like S2E5 or a title")
    async def spoiler(
        self,
        interaction: discord.Interaction[HeartBot],
        text: str,
        episode: app_commands.Transform[Episode, EpisodeOption],
    ) -> None:
        """Post your own spoiler behind a button that only shows it to those who've watched that far."""
        assert interaction.guild_id is not None
        if not text.strip():
            raise BadInput("Your spoiler is empty.")
        if len(text) > MAX_SPOILER:
            raise BadInput(f"Keep it under {MAX_SPOILER} characters, please.")
        spoiler_id = await self.bot.shield.share_spoiler(
            interaction.guild_id, interaction.user.id, text, episode.code, self.bot.clock.now()
        )
        view = discord.ui.View(timeout=None)
        view.add_item(SpoilerReveal(spoiler_id))
        label = self.bot.lookups.index.episode_label(episode.code)
        await interaction.response.send_message(
            f"{interaction.user.mention} shared a spoiler about **{label}**. "
            "The button shows it to you if you've watched that far.",
            view=view,
            allowed_mentions=NO_PINGS,
        )


async def setup(bot: HeartBot) -> None:
    await bot.add_cog(Shield(bot))
