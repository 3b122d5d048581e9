"""The episodes a watch party covers, as a command option: read once, with its suggestions; and the
suggestions for a party's number.

    async def create(self, interaction, episodes: app_commands.Transform[Plan, EpisodesOption]) -> None

`S2E1`, `S2E1-S2E3` or titles are read by the party service's planner (bot.parties.service.plan_episodes);
what cannot be read raises its UserFacingError, which the command tree answers as it is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.lookups.options import Choices, episode_choices
from bot.parties.service import Plan, codes
from bot.times.zones import zone

if TYPE_CHECKING:
    from bot.core.app import HeartBot


def episode_range_choices(interaction: discord.Interaction[HeartBot], current: str) -> Choices:
    """One episode, or a range once a dash is typed: `S2E1-` suggests the episodes to end on."""
    index = interaction.client.lookups.index
    start, dash, rest = current.partition("-")
    if not dash:
        return episode_choices(interaction, current)
    first = index.parse_code(start)
    if first is None:
        return []
    choices: Choices = []
    for label, code in index.episode_choices(rest):
        last = index.parse_code(code)
        if last is not None and last >= first:
            choices.append(app_commands.Choice(name=f"{first}-{label}", value=f"{first}-{code}"))
    return choices


async def party_choices(
    interaction: discord.Interaction[HeartBot], current: str
) -> list[app_commands.Choice[int]]:
    """The server's parties not yet over whose `#id · episodes · start` (in the member's zone) holds what
    was typed."""
    if interaction.guild_id is None:
        return []
    bot = interaction.client
    where = zone(await bot.timezones.get(interaction.user.id) or "UTC")
    choices = []
    for party in await bot.parties.upcoming(interaction.guild_id):
        local = party.start.astimezone(where)
        name = f"#{party.id} · {codes(party.first, party.last)} · {local:%a %d %b %H:%M} {local.tzname()}"
        if current.strip().lstrip("#") in name:
            choices.append(app_commands.Choice(name=name, value=party.id))
    return choices[:25]


class EpisodesOption(app_commands.Transformer["HeartBot"]):
    """One episode or a range (`S2E1-S2E3`), as the party's plan: its episodes and how long they run."""

    async def transform(self, interaction: discord.Interaction[HeartBot], value: str) -> Plan:
        return interaction.client.parties.plan(value)

    async def autocomplete(
        self, interaction: discord.Interaction[HeartBot], value: str | int | float
    ) -> Choices:
        return episode_range_choices(interaction, str(value))
