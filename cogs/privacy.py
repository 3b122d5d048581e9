"""/privacy: see everything stored about you, or erase it."""

from __future__ import annotations

import io
import json
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.privacy.buttons import DeleteMyData
from bot.privacy.service import stores_nothing

if TYPE_CHECKING:
    from bot.core.app import HeartBot

EXPORT_NAME = "heartbot-my-data.json"


class Privacy(commands.GroupCog, group_name="privacy"):
    """What heartbot stores about you, and how to erase it."""

    def __init__(self, bot: HeartBot) -> None:
        self.bot = bot
        super().__init__()

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(DeleteMyData)  # the confirmation keeps working after a restart

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(DeleteMyData)

    @app_commands.command(name="export")
    async def export(self, interaction: discord.Interaction[HeartBot]) -> None:
        """Get everything I store about you."""
        stored = await self.bot.privacy.export(interaction.user.id)
        if stores_nothing(stored):
            await interaction.response.send_message(
                "I store nothing about you: no progress, settings, watch-party answers or spoilers.",
                ephemeral=True,
            )
            return
        # A file, not a message: what a member stored can be far longer than a message may be.
        data = json.dumps(stored, indent=2, ensure_ascii=False).encode("utf-8")
        await interaction.response.send_message(
            "Everything I store about you is in the attached file (only you can see this). "
            "`/privacy delete` erases it.",
            file=discord.File(io.BytesIO(data), filename=EXPORT_NAME),
            ephemeral=True,
        )

    @app_commands.command(name="delete")
    async def delete(self, interaction: discord.Interaction[HeartBot]) -> None:
        """Erase everything I store about you (asks you to confirm first)."""
        view = discord.ui.View(timeout=None)
        view.add_item(DeleteMyData(interaction.user.id))
        await interaction.response.send_message(
            "This erases your progress, settings, watch-party answers and posted spoilers for good, and"
            " takes your name off the watch parties you host (they stay for their guests). Press the button"
            " to confirm, or ignore it.",
            view=view,
            ephemeral=True,
        )


async def setup(bot: HeartBot) -> None:
    await bot.add_cog(Privacy(bot))
