"""Commands only /help's tests load: enough of them, with long descriptions, to outgrow one embed."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

COUNT = 60
DESCRIPTION = (
    "A command whose description is as long as Discord allows, to fill the help list quickly: {n:02}"
)


def name(n: int) -> str:
    return f"extra{n // 20} c{n:02}"  # Discord allows 25 commands in a group


def extra_group(number: int) -> app_commands.Group:
    group = app_commands.Group(name=f"extra{number}", description="Many commands")
    for n in range(number * 20, number * 20 + 20):

        async def callback(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("ok", ephemeral=True)

        group.add_command(
            app_commands.Command(
                name=f"c{n:02}", description=DESCRIPTION.format(n=n)[:100], callback=callback
            )
        )
    return group


async def setup(bot: commands.Bot) -> None:
    for number in range(COUNT // 20):
        bot.tree.add_command(extra_group(number))
