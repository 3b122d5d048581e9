"""Command options naming an episode or a character, each read once with its suggestions.

Use them as option types, and the command gets the episode (or character) itself:

    async def episode(self, interaction, episode: app_commands.Transform[Episode, EpisodeOption]) -> None

Whatever the member typed is read by bot.canon.search (a code like S2E3 or 2x03, or a title, with typos);
what cannot be read raises the index's own UserFacingError, which the command tree answers as it is.
Suggestions answer from memory on every keystroke and never spoil: episode titles are spoiler-free, and
characters are only suggested to readers who have met them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.canon import Character, Episode, EpisodeCode
from bot.spoilers import NOTHING_WATCHED

if TYPE_CHECKING:
    from bot.core.app import HeartBot

NOTHING = ("none", "nothing", "0")  # what a server's level accepts for "no episode at all"
Choices = list[app_commands.Choice[str | int | float]]  # what discord.py's Transformer.autocomplete returns


def episode_choices(interaction: discord.Interaction[HeartBot], current: str) -> Choices:
    """Episodes matching what is typed so far: a code or a title, labelled with both."""
    index = interaction.client.lookups.index
    return [app_commands.Choice(name=label, value=code) for label, code in index.episode_choices(current)]


async def character_choices(interaction: discord.Interaction[HeartBot], current: str) -> Choices:
    """Characters matching what is typed so far, among those this reader has met (or were announced)."""
    bot = interaction.client
    reader = await bot.progress.reader(interaction.user.id)
    choices = bot.lookups.index.character_choices(current, visible_at=reader.level)
    return [app_commands.Choice(name=label, value=key) for label, key in choices]


class _SuggestsEpisodes(app_commands.Transformer["HeartBot"]):
    """The suggestions every option naming an episode offers."""

    async def autocomplete(
        self, interaction: discord.Interaction[HeartBot], value: str | int | float
    ) -> Choices:
        return episode_choices(interaction, str(value))


class EpisodeOption(_SuggestsEpisodes):
    """One episode, by code or title."""

    async def transform(self, interaction: discord.Interaction[HeartBot], value: str) -> Episode:
        return interaction.client.lookups.index.episode(value)


class LevelOption(_SuggestsEpisodes):
    """How far something may show: an episode's code, or `none` for nothing watched (NOTHING_WATCHED)."""

    async def transform(self, interaction: discord.Interaction[HeartBot], value: str) -> EpisodeCode:
        if value.strip().casefold() in NOTHING:
            return NOTHING_WATCHED
        return interaction.client.lookups.index.episode(value).code


class CharacterOption(app_commands.Transformer["HeartBot"]):
    """A character, by name, alias or the actor who plays them, among those the member has met: anyone
    else is answered as a name the show does not have."""

    async def transform(self, interaction: discord.Interaction[HeartBot], value: str) -> Character:
        bot = interaction.client
        reader = await bot.progress.reader(interaction.user.id)
        return bot.lookups.index.character(value, visible_at=reader.level)

    async def autocomplete(
        self, interaction: discord.Interaction[HeartBot], value: str | int | float
    ) -> Choices:
        return await character_choices(interaction, str(value))
