"""/progress: how far each member has watched, and how they want spoilers shown."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.canon import Episode, EpisodeCode
from bot.lookups.options import EpisodeOption
from bot.spoilers import Mode, describe_level

if TYPE_CHECKING:
    from bot.core.app import HeartBot


class Progress(commands.GroupCog, group_name="progress"):
    """Your progress is yours alone: the same in every server, and every answer is private."""

    def __init__(self, bot: HeartBot) -> None:
        self.bot = bot
        super().__init__()

    def _label(self, watched: EpisodeCode | None) -> str:
        return "nothing yet" if watched is None else self.bot.lookups.index.episode_label(watched)

    @app_commands.command(name="set")
    @app_commands.describe(
        episode="The last episode you have watched: a code like S2E3 or a title like Promise"
    )
    async def set_(
        self,
        interaction: discord.Interaction[HeartBot],
        episode: app_commands.Transform[Episode, EpisodeOption],
    ) -> None:
        """Set the last episode you have watched (everything up to it is shown in full)."""
        await self.bot.progress.set_watched(interaction.user.id, episode.code)
        await interaction.response.send_message(
            f"Got it: you've watched up to **{self._label(episode.code)}**. I'll show everything up to there "
            "and keep what comes after behind spoiler tags.",
            ephemeral=True,
        )

    @app_commands.command(name="next")
    async def next_(self, interaction: discord.Interaction[HeartBot]) -> None:
        """Mark the next episode as watched."""
        progress = await self.bot.progress.watched_next(interaction.user.id)
        await interaction.response.send_message(
            f"Marked **{self._label(progress.watched)}** as watched. Enjoy the rest!", ephemeral=True
        )

    @app_commands.command(name="show")
    async def show(self, interaction: discord.Interaction[HeartBot]) -> None:
        """Show how far you've watched and how spoilers are shown to you."""
        progress = await self.bot.progress.get(interaction.user.id)
        mode = "wrapped in spoiler tags" if progress.mode is Mode.WRAP else "left out, with a note"
        if progress.watched is None:
            where = "You haven't set your progress, so I treat you as having watched nothing."
        else:
            where = f"You've watched up to **{self._label(progress.watched)}**."
        await interaction.response.send_message(f"{where} Details after that are {mode}.", ephemeral=True)

    @app_commands.command(name="reset")
    async def reset(self, interaction: discord.Interaction[HeartBot]) -> None:
        """Forget your progress: you'll be treated as having watched nothing."""
        await self.bot.progress.reset(interaction.user.id)
        await interaction.response.send_message(
            "Progress cleared: I'll treat you as having watched nothing.", ephemeral=True
        )

    @app_commands.command(name="mode")
    @app_commands.describe(mode="wrap: show later details as spoilers; hide: leave them out")
    @app_commands.choices(
        mode=[
            app_commands.Choice(name="wrap: spoiler tags you can click", value="wrap"),
            app_commands.Choice(name="hide: leave them out entirely", value="hide"),
        ]
    )
    async def mode(self, interaction: discord.Interaction[HeartBot], mode: app_commands.Choice[str]) -> None:
        """Choose how details after your progress are shown to you: wrapped or left out."""
        chosen = Mode(mode.value)
        await self.bot.progress.set_mode(interaction.user.id, chosen)
        text = (
            "Details after your progress will be wrapped in spoiler tags."
            if chosen is Mode.WRAP
            else "Details after your progress will be left out, with a note saying something was."
        )
        level = describe_level((await self.bot.progress.reader(interaction.user.id)).level)
        await interaction.response.send_message(f"{text} (You're at: {level}.)", ephemeral=True)


async def setup(bot: HeartBot) -> None:
    await bot.add_cog(Progress(bot))
