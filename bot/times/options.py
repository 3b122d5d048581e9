"""A start time as a command option: read once, in the member's own zone.

    async def create(self, interaction, start: app_commands.Transform[TypedStart, StartOption]) -> None

The phrase is read by bot.times.when in the zone the member set with /timezone (UTC when they set none)
and by their Discord language (12/01); what cannot be read raises its BadInput, which the command tree
answers as it is. The command echoes how it was read (TypedStart.read_as), so a misreading is caught.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.times.when import Reading, read_when
from bot.times.zones import zone
from bot.ui.text import quote

if TYPE_CHECKING:
    from bot.core.app import HeartBot


@dataclass(frozen=True, slots=True)
class TypedStart:
    """What the member typed, how it was read, and whether it was read in UTC only for want of a zone."""

    text: str
    reading: Reading
    assumed_utc: bool

    @property
    def moment(self) -> datetime:
        return self.reading.moment

    def read_as(self, now: datetime) -> list[str]:
        """The reply's lines that say how the time was read, so a member can catch a misreading."""
        if not self.reading.needed_zone:
            return []  # the picker, "in 2 hours", an ISO offset: the timestamp in the reply says it all
        described = self.reading.described(now)
        first = (
            f"I read {quote(self.text)} as UTC because you haven't set a time zone: {described}."
            if self.assumed_utc
            else f"I read {quote(self.text)} as {described}."
        )
        return [first, *self.reading.notes]


class StartOption(app_commands.Transformer["HeartBot"]):
    """A moment typed as a phrase (`friday 8pm`, `in 2 hours`, `2026-12-01 20:00`) or Discord's picker."""

    async def transform(self, interaction: discord.Interaction[HeartBot], value: str) -> TypedStart:
        bot = interaction.client
        stored = await bot.timezones.get(interaction.user.id)
        reading = read_when(
            value, now=bot.clock.now(), where=zone(stored or "UTC"), locale=str(interaction.locale)
        )
        return TypedStart(value, reading, assumed_utc=stored is None and reading.needed_zone)
