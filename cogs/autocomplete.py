"""Autocomplete shared by the commands that take an episode or a character: answered from memory."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.ui.presenter import bot_of


async def episodes(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    index = bot_of(interaction).lookups.index
    return [app_commands.Choice(name=label, value=code) for label, code in index.episode_choices(current)]


async def characters(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    bot = bot_of(interaction)
    reader = await bot.progress.reader(interaction.user.id)  # only characters this reader has met
    choices = bot.lookups.index.character_choices(current, visible_at=reader.level)
    return [app_commands.Choice(name=label, value=key) for label, key in choices]


async def episode_ranges(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    """One episode, or a range once a dash is typed: `S2E1-` suggests the episodes to end on."""
    index = bot_of(interaction).lookups.index
    start, dash, rest = current.partition("-")
    if not dash:
        return await episodes(interaction, current)
    first = index.parse_code(start)
    if first is None:
        return []
    return [
        app_commands.Choice(name=f"{first}-{label}", value=f"{first}-{code}")
        for label, code in index.episode_choices(rest)
        if index.parse_code(code) is not None and index.parse_code(code) >= first  # type: ignore[operator]
    ]
