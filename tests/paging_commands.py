"""A command only the pager's tests load: a long list that can be posted privately or for the channel."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.errors import UserFacingError
from bot.ui import paging

NUMBERS = "test-numbers"


class Numbers(commands.Cog):
    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        paging.register(self.bot, NUMBERS, self.page)

    async def cog_unload(self) -> None:
        paging.unregister(self.bot, NUMBERS)

    async def page(self, request: paging.PageRequest) -> paging.Page:
        count = int(request.key)
        if request.interaction.user.name == "mallory":
            raise UserFacingError("Not for you.")
        reader = "the channel" if request.shared else request.interaction.user.name
        lines = [f"Number {n:04} of a list long enough to need several pages of text" for n in range(count)]
        return paging.lines_page(request, f"Numbers, for {reader}:", lines)

    @app_commands.command(name="numbers", description="Lists numbers, in pages.")
    async def numbers(self, interaction: discord.Interaction, count: int, shared: bool = False) -> None:
        await paging.send(interaction, NUMBERS, str(count), shared=shared)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Numbers(bot))
