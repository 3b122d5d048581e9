"""Episode suggestions for an option still typed as text (answered from memory).

Options naming one episode or a character take bot.lookups.options' EpisodeOption, LevelOption or
CharacterOption instead, whose suggestions come with them; `episodes` is the same suggestions, kept for the
commands that still read their episode themselves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord

from bot.lookups.options import Choices, episode_choices

if TYPE_CHECKING:
    from bot.core.app import HeartBot


async def episodes(interaction: discord.Interaction[HeartBot], current: str) -> Choices:
    return episode_choices(interaction, current)
