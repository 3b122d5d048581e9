"""/privacy: see everything stored about you, or erase it."""

from __future__ import annotations

import io
import json
import logging
import re
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.tree import answers_errors
from bot.parties.posts import refresh_announcement
from bot.ui.presenter import bot_of

if TYPE_CHECKING:
    from bot.core.app import HeartBot

log = logging.getLogger(__name__)
EXPORT_NAME = "heartbot-my-data.json"


class DeleteMyData(discord.ui.DynamicItem[discord.ui.Button], template=r"privacy:delete:(?P<user_id>\d+)"):
    """The confirmation for /privacy delete; only the member who asked may press it."""

    def __init__(self, user_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Delete my data",
                style=discord.ButtonStyle.danger,
                custom_id=f"privacy:delete:{user_id}",
            )
        )
        self.user_id = user_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> DeleteMyData:
        return cls(int(match["user_id"]))

    @answers_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        if interaction.user.id != self.user_id:
            await interaction.response.send_message("That button is for someone else.", ephemeral=True)
            return
        bot = bot_of(interaction)
        await bot.progress.delete(self.user_id)
        await bot.shield_store.delete_spoilers_by(self.user_id)
        await bot.shield_store.delete_reposts_by(self.user_id)
        await bot.timezones.delete(self.user_id)
        parties = await bot.parties.forget_member(self.user_id)
        await interaction.response.edit_message(
            content="Done: everything I stored about you is gone. Nice to meet you again, any time.",
            view=None,
        )
        for party in parties:  # their answer leaves the counts, their name the parties they hosted
            try:
                await refresh_announcement(bot, party)
            except discord.HTTPException:
                log.warning("Watch party %s: its announcement could not be updated", party.id, exc_info=True)


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
    async def export(self, interaction: discord.Interaction) -> None:
        """Get everything I store about you."""
        user_id = interaction.user.id
        stored = await self.bot.progress.export(user_id)
        spoilers = await self.bot.shield_store.spoilers_by(user_id)
        if spoilers:
            stored["spoilers_you_posted"] = [{"episode": str(s.reveals), "text": s.text} for s in spoilers]
        time_zone = await self.bot.timezones.get(user_id)
        if time_zone:
            stored["time_zone"] = time_zone
        parties = await self.bot.parties.repository.export_member(user_id)
        if parties["reminders_by"] != "thread" or any(v for k, v in parties.items() if k != "reminders_by"):
            stored["watch_parties"] = parties
        reposts = await self.bot.shield_store.reposts_by(user_id)
        if reposts:
            stored["messages_kept_for_not_a_spoiler"] = reposts
        if set(stored) == {"user_id", "stored"}:  # the progress store's own "nothing", and nothing else
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
    async def delete(self, interaction: discord.Interaction) -> None:
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
