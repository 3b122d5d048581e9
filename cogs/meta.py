"""/help and /about."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import __version__
from bot.ui import paging
from bot.ui.presenter import EMBED_COLOUR

if TYPE_CHECKING:
    from bot.core.app import HeartBot

HELP = "help"


def command_lines(tree: app_commands.CommandTree) -> list[str]:
    """One line per runnable slash command, subcommands spelt out, alphabetically."""
    lines = []
    for command in tree.walk_commands():
        if isinstance(command, app_commands.Command):
            lines.append(f"`/{command.qualified_name}`: {command.description}")
    return sorted(lines)


class Meta(commands.Cog):
    def __init__(self, bot: HeartBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        paging.register(self.bot, HELP, self.help_page)

    async def cog_unload(self) -> None:
        paging.unregister(self.bot, HELP)

    async def help_page(self, request: paging.PageRequest) -> paging.Page:
        pages = paging.split_sized(
            command_lines(self.bot.tree), lambda line: len(line) + 1, paging.DESCRIPTION_LIMIT
        )
        index = paging.clamp(request.page, len(pages))
        embed = discord.Embed(
            title="heartbot commands", description="\n".join(pages[index]), colour=EMBED_COLOUR
        )
        return paging.Page(embed=embed, index=index, count=len(pages))

    @app_commands.command(name="help")
    async def help_command(self, interaction: discord.Interaction[HeartBot]) -> None:
        """List every command with what it does."""
        await paging.send(interaction, HELP)

    @app_commands.command(name="about")
    async def about(self, interaction: discord.Interaction[HeartBot]) -> None:
        """What this bot is, its version, and where its show data comes from."""
        canon = self.bot.canon
        publishers = ", ".join(canon.publishers[:6])
        source_count = sum(len(sources) for sources in canon.sources.values())
        embed = discord.Embed(
            title="About heartbot",
            description=(
                f"A spoiler-aware companion for {canon.show.title} fan servers. It remembers how far you "
                "have watched and hides plot details you haven't reached yet."
            ),
            colour=EMBED_COLOUR,
        )
        embed.add_field(name="Version", value=__version__)
        embed.add_field(
            name="Show data",
            value=(
                f"{len(canon.episodes)} episodes, {len(canon.characters)} characters and "
                f"{len(canon.trivia)} behind-the-scenes notes, each checked against at least two published "
                f"sources ({source_count} in all, among them {publishers})."
            ),
            inline=False,
        )
        embed.set_footer(
            text=f"A fan project, not affiliated with Netflix, See-Saw Films or {canon.show.creator}."
        )
        await interaction.response.send_message(embed=embed, ephemeral=True)


async def setup(bot: HeartBot) -> None:
    await bot.add_cog(Meta(bot))
