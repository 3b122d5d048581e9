"""/config: what this server's channels may show (Manage Server only)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.canon import EpisodeCode
from bot.errors import BadInput
from bot.spoilers import NOTHING_WATCHED
from cogs import autocomplete

if TYPE_CHECKING:
    from bot.app import HeartBot

NOTHING = ("none", "nothing", "0")


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Config(commands.GroupCog, group_name="config"):
    """Server settings for spoilers (needs Manage Server)."""

    spoiler_channel = app_commands.Group(name="spoiler-channel", description="Channels that may show more")

    def __init__(self, bot: HeartBot) -> None:
        self.bot = bot
        super().__init__()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        # default_member_permissions only hides the commands; a server can override it, so check here too.
        permissions = interaction.permissions
        if not (permissions.manage_guild or permissions.administrator):
            raise app_commands.MissingPermissions(["manage_guild"])
        return True

    def _level(self, text: str) -> EpisodeCode:
        if text.strip().casefold() in NOTHING:
            return NOTHING_WATCHED
        return self.bot.lookups.index.episode(text).code

    def _label(self, level: EpisodeCode) -> str:
        return "nothing watched" if level == NOTHING_WATCHED else self.bot.lookups.index.episode_label(level)

    @app_commands.command(name="baseline")
    @app_commands.describe(episode="Every channel may show up to this episode (code or title, or 'none')")
    @app_commands.autocomplete(episode=autocomplete.episodes)
    async def baseline(self, interaction: discord.Interaction, episode: str) -> None:
        """Set what every channel in this server may show without spoiler tags."""
        assert interaction.guild_id is not None
        level = self._level(episode)
        await self.bot.spoiler_levels.set_baseline(interaction.guild_id, level)
        await interaction.response.send_message(
            f"Every channel may now show up to **{self._label(level)}**; later details stay wrapped.",
            ephemeral=True,
        )

    @spoiler_channel.command(name="set")
    @app_commands.describe(
        channel="The spoiler channel", up_to="It may show up to this episode (code or title)"
    )
    @app_commands.rename(up_to="up-to")
    @app_commands.autocomplete(up_to=autocomplete.episodes)
    async def spoiler_channel_set(
        self, interaction: discord.Interaction, channel: discord.TextChannel, up_to: str
    ) -> None:
        """Let one channel show more than the server's baseline."""
        assert interaction.guild_id is not None
        level = self._level(up_to)
        await self.bot.spoiler_levels.set_channel(interaction.guild_id, channel.id, level)
        await interaction.response.send_message(
            f"{channel.mention} may now show up to **{self._label(level)}** "
            "(or the server's baseline, if that is later).",
            ephemeral=True,
        )

    @spoiler_channel.command(name="remove")
    @app_commands.describe(channel="The channel to return to the server's baseline")
    async def spoiler_channel_remove(
        self, interaction: discord.Interaction, channel: discord.TextChannel
    ) -> None:
        """Make a spoiler channel an ordinary channel again."""
        assert interaction.guild_id is not None
        if not await self.bot.spoiler_levels.remove_channel(interaction.guild_id, channel.id):
            raise BadInput(f"{channel.mention} isn't a spoiler channel, so there was nothing to remove.")
        await interaction.response.send_message(
            f"{channel.mention} is back to the server's baseline.", ephemeral=True
        )

    @app_commands.command(name="show")
    async def show(self, interaction: discord.Interaction) -> None:
        """Show this server's spoiler settings."""
        assert interaction.guild_id is not None
        settings = await self.bot.spoiler_levels.settings(interaction.guild_id)
        lines = [f"Baseline (every channel): **{self._label(settings.baseline or NOTHING_WATCHED)}**"]
        if settings.channels:
            lines.append("Spoiler channels:")
            lines += [f"• <#{c.channel_id}>: up to **{self._label(c.up_to)}**" for c in settings.channels]
        else:
            lines.append("No spoiler channels: `/config spoiler-channel set` adds one.")
        await interaction.response.send_message("\n".join(lines), ephemeral=True)


async def setup(bot: HeartBot) -> None:
    await bot.add_cog(Config(bot))
