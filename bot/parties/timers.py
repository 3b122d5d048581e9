"""What a party's timers do when they fall due: the reminders, the countdown, the end and the notices of a
change, each delivered once (bot.parties.delivery) and kept in step with the party's server event.

The party service schedules these timers (bot.parties.service); the watch-party cog registers the handlers
with the bot's timer dispatcher when it loads and takes them back when it unloads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord.utils import format_dt

from bot.core.timers import Handler
from bot.core.timers_repository import Timer
from bot.parties.delivery import Delivery
from bot.parties.events import EventMirror
from bot.parties.posts import jump_url, refresh_announcement, titled, watched_view, what_changed
from bot.parties.repository import Party, Status
from bot.parties.service import END, NOTICE, NOTICE_STEP, REMINDER, START, Change, codes
from bot.ui.text import escape

if TYPE_CHECKING:
    from bot.core.app import HeartBot

LATE = "(Late: I was offline when this was due.) "


class PartyTimers:
    """The handlers of the four party timers, for the bot's dispatcher."""

    def __init__(self, bot: HeartBot) -> None:
        self.bot = bot
        self.parties = bot.parties
        self.delivery = Delivery(bot)
        self.events = EventMirror(bot)

    @property
    def handlers(self) -> dict[str, Handler]:
        return {REMINDER: self.on_reminder, START: self.on_start, END: self.on_end, NOTICE: self.on_notice}

    def register(self) -> None:
        for event, handler in self.handlers.items():
            self.bot.timers.register(event, handler)

    def unregister(self) -> None:
        for event in self.handlers:
            self.bot.timers.unregister(event)

    def _dm_lead(self, party: Party) -> str:
        guild = self.bot.get_guild(party.guild_id)
        return f"Watch party #{party.id} in **{escape(guild.name) if guild else 'your server'}**"

    async def on_reminder(self, timer: Timer, late: bool) -> None:
        party = await self.parties.current(timer.payload["party"], timer.payload["revision"])
        if party is None:
            return  # cancelled, or changed: its new timers remind
        if await self.parties.overtaken(party, timer.payload["minutes"]):
            return  # after downtime: a later step is due too and says it all, once
        lead = LATE if late else ""

        def text(in_dm: bool) -> str:
            who = self._dm_lead(party) if in_dm else f"Watch party #{party.id}"
            tail = f"\n{jump_url(party, thread=True)}" if in_dm else ""
            return (
                f"{lead}⏰ {who}: {titled(party)} starts {format_dt(party.start, 'R')}, "
                f"at {format_dt(party.start, 't')}.{tail}"
            )

        audience = await self.parties.attendees(party)
        await self.delivery.send(party, f"reminder:{timer.payload['minutes']}", audience, text)

    async def on_start(self, timer: Timer, late: bool) -> None:
        party = await self.parties.current(timer.payload["party"], timer.payload["revision"])
        if party is None or party.ended(self.bot.clock.now()):
            return
        lead = LATE if late else ""
        first = self.bot.lookups.index.episode_label(party.first)

        def text(in_dm: bool) -> str:
            where = f" ({self._dm_lead(party)})" if in_dm else ""
            return (
                f"{lead}🎬 3... 2... 1... press play! **{first}**{where}. Enjoy, and see you back here after."
            )

        await self.delivery.send(party, "start", await self.parties.attendees(party), text)
        await self.events.set_status(party, discord.EventStatus.active)

    async def on_end(self, timer: Timer, late: bool) -> None:
        party = await self.parties.current(timer.payload["party"], timer.payload["revision"])
        if party is None:
            return
        episodes = codes(party.first, party.last)
        lead = LATE if late else ""

        def text(in_dm: bool) -> str:
            where = f" ({self._dm_lead(party)})" if in_dm else ""
            return (
                f"{lead}🎉 That's {episodes} done{where}! Press the button to mark {episodes} watched; it "
                "only ever moves your progress forward. This thread is the place to talk about it."
            )

        audience = await self.parties.attendees(party)
        await self.delivery.send(party, "end", audience, text, view=lambda: watched_view(party))
        await refresh_announcement(self.bot, party, buttons=False)
        await self.events.set_status(party, discord.EventStatus.completed)

    async def on_notice(self, timer: Timer, late: bool) -> None:
        """Attendees hear of an edit or a cancellation (a timer, so it survives failures and restarts)."""
        party = await self.parties.find(timer.payload["party"])
        if party is None or party.revision != timer.payload["revision"] or party.ended(self.bot.clock.now()):
            return  # a later change tells them everything at once
        episodes = codes(party.first, party.last)
        saved = timer.payload.get("change")  # absent from notices scheduled before edits said what changed
        change = Change.from_json(saved) if saved is not None else None

        def text(in_dm: bool) -> str:
            who = self._dm_lead(party) if in_dm else f"Watch party #{party.id}"
            if party.status is Status.CANCELLED:
                return f"❌ {who} ({episodes}, {format_dt(party.start, 'f')}) was cancelled."
            if change is None:
                return (
                    f"📝 {who} changed: it's now {titled(party)}, starting {format_dt(party.start, 'F')} "
                    f"({format_dt(party.start, 'R')}). Your answer still stands."
                )
            still = " Your answer still stands." if change.matters else ""
            return f"📝 {who} changed: {what_changed(party, change)}.{still}"

        audience = await self.parties.attendees(party)
        if party.status is Status.UPCOMING and change is not None and not change.matters:
            audience = []  # a new title: a quiet note in the thread, no pings and no DMs
        await self.delivery.send(party, NOTICE_STEP, audience, text)
