"""The command tree: every error ends in one short, private answer; unexpected ones are logged."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping
from typing import Any

import discord
from discord import app_commands

from bot.core.errors import UserFacingError
from bot.ui.text import quote

log = logging.getLogger(__name__)

UNEXPECTED = "Sorry, something went wrong on my side. It has been logged; please try again in a moment."
OUTDATED = "This command was just updated. Give Discord a minute to catch up, then try again."


def permission_names(names: Iterable[str], joiner: str = ", ") -> str:
    """Permissions as Discord's settings name them: manage_guild -> Manage Server."""
    return joiner.join(name.replace("_", " ").replace("guild", "server").title() for name in names)


def user_message(error: Exception) -> str | None:
    """The answer for a known kind of error, or None when the error is unexpected."""
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    if isinstance(error, app_commands.TransformerError) and isinstance(error.__cause__, UserFacingError):
        error = error.__cause__  # an option's Transformer explained the mistake itself (discord.py wraps it)
    if isinstance(error, UserFacingError):
        return str(error)
    if isinstance(error, app_commands.MissingPermissions):
        return f"You need the {permission_names(error.missing_permissions)} permission to use this command."
    if isinstance(error, app_commands.BotMissingPermissions):
        return (
            f"I need the {permission_names(error.missing_permissions)} permission here. "
            "A server admin can grant it in the channel or role settings."
        )
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This command only works in a server, not in DMs."
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down a little: you can use this again <t:{int(time.time() + error.retry_after) + 1}:R>."
    if isinstance(error, app_commands.MissingRole | app_commands.MissingAnyRole):
        return "This command needs a role you don't have."
    if isinstance(error, app_commands.CheckFailure):
        return "You can't use this command here."
    if isinstance(error, app_commands.TransformerError) and error.__cause__ is None:
        # discord.py's own conversions (a member, a channel, a number) refuse a value without a cause; a cause
        # that is not a UserFacingError is a bug in one of ours, answered and logged as unexpected.
        return f"I couldn't understand {quote(str(error.value), 100)} for that option."
    if isinstance(error, app_commands.CommandNotFound | app_commands.CommandSignatureMismatch):
        return OUTDATED
    return None


async def answer_error(interaction: discord.Interaction[Any], error: Exception) -> None:
    """One short, private answer for any error; an unexpected one is logged with its context first."""
    message = user_message(error)
    if message is None:
        command = interaction.command.qualified_name if interaction.command else _component(interaction)
        log.error(
            "Unexpected error in /%s (interaction %s, user %s, guild %s, channel %s)",
            command,
            interaction.id,
            interaction.user.id,
            interaction.guild_id,
            interaction.channel_id,
            exc_info=getattr(error, "original", error),
        )
        message = UNEXPECTED
    if interaction.type == discord.InteractionType.autocomplete:
        # Suggestions have no room for an apology: offer none, and the user can still type freely.
        if not interaction.response.is_done():
            try:
                await interaction.response.autocomplete([])
            except discord.HTTPException:
                log.warning("Could not answer autocomplete %s", interaction.id, exc_info=True)
        return
    await HeartTree.reply_privately(interaction, message)


def _component(interaction: discord.Interaction[Any]) -> str:
    data: Mapping[str, Any] = interaction.data or {}
    return f"button {data.get('custom_id', '?')}"


class HeartTree(app_commands.CommandTree[Any]):
    async def on_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None:
        await answer_error(interaction, error)

    @staticmethod
    async def reply_privately(interaction: discord.Interaction[Any], message: str) -> None:
        try:
            if interaction.response.is_done():
                await interaction.followup.send(message, ephemeral=True)
            else:
                await interaction.response.send_message(message, ephemeral=True)
        except discord.HTTPException:
            log.warning(
                "Could not deliver an error message for interaction %s", interaction.id, exc_info=True
            )
