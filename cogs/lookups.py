"""Episode, season, cast, character and trivia lookups: private by default, `share:true` to post."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.canon import Character, Episode
from bot.lookups.options import CharacterOption, EpisodeOption
from bot.ui import paging
from bot.ui.presenter import PAGES, RevealButton, answer, lookup_page

if TYPE_CHECKING:
    from bot.core.app import HeartBot

SHARE = "Post it in this channel for everyone (hidden to this channel's spoiler level)"


class Lookups(commands.Cog):
    def __init__(self, bot: HeartBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(RevealButton)  # Reveal and page buttons keep working after a restart
        paging.register(self.bot, PAGES, lookup_page)

    async def cog_unload(self) -> None:
        paging.unregister(self.bot, PAGES)
        self.bot.remove_dynamic_items(RevealButton)

    @app_commands.command(name="episode")
    @app_commands.describe(episode="A code like S2E3 or 2x03, or a title like Promise", share=SHARE)
    async def episode(
        self,
        interaction: discord.Interaction[HeartBot],
        episode: app_commands.Transform[Episode, EpisodeOption],
        share: bool = False,
    ) -> None:
        """An episode: release date, runtime, what happens and trivia, hidden past your progress."""
        await answer(interaction, self.bot.lookups.episode(str(episode.code)), share=share)

    @app_commands.command(name="season")
    @app_commands.describe(season="1, 2 or 3", share=SHARE)
    async def season(
        self,
        interaction: discord.Interaction[HeartBot],
        season: app_commands.Range[int, 1, 3],
        share: bool = False,
    ) -> None:
        """A season's release date and its episodes, with spoiler-free summaries."""
        await answer(interaction, self.bot.lookups.season(season), share=share)

    @app_commands.command(name="cast")
    @app_commands.describe(season="Only this season's cast (1, 2 or 3)", share=SHARE)
    async def cast(
        self,
        interaction: discord.Interaction[HeartBot],
        season: app_commands.Range[int, 1, 3] | None = None,
        share: bool = False,
    ) -> None:
        """Who plays whom; characters you haven't met yet stay hidden."""
        await answer(interaction, self.bot.lookups.cast(season), share=share)

    @app_commands.command(name="character")
    @app_commands.describe(
        name="A character or the actor who plays them, e.g. Charlie or Joe Locke", share=SHARE
    )
    async def character(
        self,
        interaction: discord.Interaction[HeartBot],
        name: app_commands.Transform[Character, CharacterOption],
        share: bool = False,
    ) -> None:
        """A character: who plays them, when they first appear, what we learn; hidden past your progress."""
        await answer(interaction, self.bot.lookups.character_by_id(name.id), share=share)

    @app_commands.command(name="trivia")
    @app_commands.describe(episode="Only this episode's trivia: a code or a title", share=SHARE)
    async def trivia(
        self,
        interaction: discord.Interaction[HeartBot],
        episode: app_commands.Transform[Episode, EpisodeOption] | None = None,
        share: bool = False,
    ) -> None:
        """Behind-the-scenes facts, hidden past your progress."""
        await answer(
            interaction, self.bot.lookups.trivia(str(episode.code) if episode else None), share=share
        )


async def setup(bot: HeartBot) -> None:
    await bot.add_cog(Lookups(bot))
