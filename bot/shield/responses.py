"""What the listener does about a message ShieldService.decide found a spoiler in, by the channel's mode:
wrap it (or, without the permissions to, warn its author), warn its author privately, or only log it.
Also thread titles, which cannot be wrapped: their owner is asked to rename them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import discord

from bot.core.tree import permission_names
from bot.shield.detector import Span
from bot.shield.posts import (
    SPOILER_SYNTAX,
    ShieldPoster,
    missing_for_repost,
    server_channel,
    words_for_author,
)
from bot.shield.repository import ShieldMode
from bot.shield.service import ShieldDecision
from bot.shield.wrapping import ShieldWrapper

if TYPE_CHECKING:
    from bot.core.app import HeartBot


class ShieldResponses:
    def __init__(self, bot: HeartBot, posts: ShieldPoster, wrapper: ShieldWrapper) -> None:
        self.bot = bot
        self.posts = posts
        self.wrapper = wrapper

    async def respond(self, message: discord.Message, decision: ShieldDecision) -> None:
        """Carry out the channel's shield mode on a message with a spoiler in it."""
        guild = message.guild
        assert guild is not None
        if decision.mode is ShieldMode.WRAP:
            missing = missing_for_repost(server_channel(message), guild.me)
            if not missing:
                await self.wrapper.wrap(message, decision)
                return
            await self._report_missing(guild, missing)
        if decision.mode is ShieldMode.LOG:
            await self.posts.report(guild, f"🔎 {self.posts.sentence(decision, message)}.")
            return
        warned = await self._warn(message, decision)
        note = "I told them privately" if warned else "I couldn't tell them privately (their DMs are closed)"
        await self.posts.report(guild, f"⚠️ {self.posts.sentence(decision, message)}: {note}.")

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

    async def title_found(self, thread: discord.Thread, spans: Sequence[Span]) -> None:
        """A new thread's title holds a spoiler: its owner is asked to rename it, and moderators told."""
        label = self.posts.label(max(span.reveals for span in spans))
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
