"""Commands only the tests load: ones that fail on purpose, and one that suggests as you type."""

from __future__ import annotations

from datetime import timedelta

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import UserFacingError


class Failing(commands.Cog):
    @app_commands.command(name="oops", description="Fails with a message meant for the user.")
    async def oops(self, interaction: discord.Interaction) -> None:
        raise UserFacingError("There's no episode S2E9. Did you mean S2E8?")

    @app_commands.command(name="boom", description="Fails unexpectedly.")
    async def boom(self, interaction: discord.Interaction) -> None:
        raise KeyError("internal detail")

    @app_commands.command(name="slow", description="Defers, then fails.")
    async def slow(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True)
        raise UserFacingError("That took a wrong turn.")

    @app_commands.command(name="late", description="Answers after Discord's 3 seconds.")
    async def late(self, interaction: discord.Interaction) -> None:
        clock = interaction.client.clock  # type: ignore[attr-defined]
        await clock.sleep_until(interaction.created_at + timedelta(seconds=5))
        await interaction.response.send_message("Sorry I'm late.")

    @app_commands.command(name="pick", description="Picks a fruit, with suggestions as you type.")
    @app_commands.describe(fruit="The fruit")
    async def pick(self, interaction: discord.Interaction, fruit: str) -> None:
        await interaction.response.send_message(f"You picked {fruit}.", ephemeral=True)

    @pick.autocomplete("fruit")
    async def suggest(self, interaction: discord.Interaction, typed: str) -> list[app_commands.Choice[str]]:
        fruits = ["apple", "apricot", "banana", "cherry"]
        return [app_commands.Choice(name=f, value=f) for f in fruits if f.startswith(typed.lower())]


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Failing())
