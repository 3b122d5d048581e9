"""/timezone: the zone the bot reads your typed times in (watch parties)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.times.zones import label, read_zone, zone, zone_choices

if TYPE_CHECKING:
    from bot.core.app import HeartBot


class Timezone(commands.GroupCog, group_name="timezone"):
    """Your time zone, for reading the times you type."""

    def __init__(self, bot: HeartBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="set")
    @app_commands.describe(zone_name="Your city or zone: London, New York, Europe/Paris, India, UTC+2")
    @app_commands.rename(zone_name="zone")
    async def set_(self, interaction: discord.Interaction[HeartBot], zone_name: str) -> None:
        """Set your time zone, so times you type mean your local time."""
        now = self.bot.clock.now()
        found = read_zone(zone_name, now=now)  # a BadInput names the choices; nothing is stored then
        await self.bot.timezones.set(interaction.user.id, found.zone.key, now)
        local = now.astimezone(found.zone)
        text = f"Your time zone is now **{label(found.zone)}** (it's {local:%H:%M} there)."
        await interaction.response.send_message(f"{text} {found.note}".strip(), ephemeral=True)

    @set_.autocomplete("zone_name")
    async def _zones(
        self, interaction: discord.Interaction[HeartBot], current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=name, value=name) for name in zone_choices(current)]

    @app_commands.command(name="show")
    async def show(self, interaction: discord.Interaction[HeartBot]) -> None:
        """Show the time zone I read your times in."""
        stored = await self.bot.timezones.get(interaction.user.id)
        if stored is None:
            text = "You haven't set a time zone, so I read your times as UTC. `/timezone set` changes that."
        else:
            text = f"I read your times in **{label(zone(stored))}**."
        await interaction.response.send_message(text, ephemeral=True)


async def setup(bot: HeartBot) -> None:
    await bot.add_cog(Timezone(bot))
