"""Mirroring a party as a native Discord scheduled event, when the bot may: best effort, never in the way.

The event's name and description carry codes and titles only; Discord cannot hide anything there.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from bot.parties.posts import jump_url, party_name
from bot.parties.repository import Party
from bot.parties.service import Plan

if TYPE_CHECKING:
    from bot.core.app import HeartBot

log = logging.getLogger(__name__)
CANNOT = (
    "It isn't in the server's Events list: I need the Create Events (or Manage Events) permission for that."
)


def may_mirror(guild: discord.Guild) -> bool:
    permissions = guild.me.guild_permissions
    return permissions.manage_events or permissions.create_events


def _description(party: Party, plan: Plan) -> str:
    episodes = ", ".join(f"{e.code} · {e.title}" for e in plan.episodes)
    return f"{episodes}. Watch along on Netflix; RSVP and chat here: {jump_url(party)}"[:1000]


class EventMirror:
    def __init__(self, bot: HeartBot) -> None:
        self.bot = bot

    async def create(self, guild: discord.Guild, party: Party, plan: Plan) -> int | None:
        """The new event's id, or None when the bot may not (or Discord would not) create it."""
        if not may_mirror(guild):
            return None
        try:
            event = await guild.create_scheduled_event(
                name=party_name(party),
                start_time=party.start,
                end_time=party.end,
                entity_type=discord.EntityType.external,
                privacy_level=discord.PrivacyLevel.guild_only,
                location=f"#{self.bot.get_channel(party.channel_id) or 'watch-party'}"[:100],
                description=_description(party, plan),
            )
        except discord.HTTPException:
            log.warning("Watch party %s: could not create its scheduled event", party.id, exc_info=True)
            return None
        return event.id

    async def _event(self, party: Party) -> discord.ScheduledEvent | None:
        guild = self.bot.get_guild(party.guild_id)
        if guild is None or party.event_id is None:
            return None
        try:
            return await guild.fetch_scheduled_event(party.event_id)
        except discord.NotFound:
            return None  # someone deleted it in Discord: nothing left to keep in step

    async def update(self, party: Party, plan: Plan) -> bool:
        """Keep the event in step after an edit; False when it could not be."""
        try:
            event = await self._event(party)
            if event is None:
                return False
            await event.edit(
                name=party_name(party),
                start_time=party.start,
                end_time=party.end,
                description=_description(party, plan),
            )
        except discord.HTTPException:
            log.warning("Watch party %s: could not update its scheduled event", party.id, exc_info=True)
            return False
        return True

    async def set_status(self, party: Party, status: discord.EventStatus) -> None:
        try:
            event = await self._event(party)
            if event is not None and event.status is not status:
                await event.edit(status=status)
        except discord.HTTPException:
            log.warning("Watch party %s: could not set its event to %s", party.id, status, exc_info=True)
