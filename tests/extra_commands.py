"""Commands only the tests load: ones that fail on purpose, and one that suggests as you type."""

from __future__ import annotations

from datetime import timedelta

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.errors import UserFacingError
from bot.core.timers_repository import Timer


class Failing(commands.Cog):
    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.timers.register("test_later", self.on_later)  # type: ignore[attr-defined]

    async def cog_unload(self) -> None:
        self.bot.timers.unregister("test_later")  # type: ignore[attr-defined]

    async def on_later(self, timer: Timer, late: bool) -> None:
        channel = self.bot.get_channel(timer.payload["channel_id"])
        assert isinstance(channel, discord.TextChannel)
        await channel.send(
            f"Time's up{' (late)' if late else ''}: {timer.payload['minutes']} minutes passed."
        )

    @app_commands.command(name="later", description="Posts a message after some minutes (a timer).")
    async def later(self, interaction: discord.Interaction, minutes: int) -> None:
        due = self.bot.clock.now() + timedelta(minutes=minutes)  # type: ignore[attr-defined]
        await self.bot.timers.schedule(  # type: ignore[attr-defined]
            "test_later",
            due,
            guild_id=interaction.guild_id,
            channel_id=interaction.channel_id,
            minutes=minutes,
        )
        await interaction.response.send_message("Timer set.", ephemeral=True)

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
        # Time jumps with nothing else let run, as when the event loop is blocked: the one way left to miss
        # the deadline, since the tree's watchdog defers any command that merely takes long.
        interaction.client.clock.advance(timedelta(seconds=5))  # type: ignore[attr-defined]
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
    await bot.add_cog(Failing(bot))
