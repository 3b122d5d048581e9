"""Corners of the error handler that the sandbox cannot provoke (their normal paths run end to end)."""

from __future__ import annotations

from unittest.mock import create_autospec

import discord
from discord import app_commands

from bot.core.errors import NotFound
from bot.core.tree import HeartTree, user_message


def _interaction(kind: discord.InteractionType) -> discord.Interaction:
    interaction = create_autospec(discord.Interaction, instance=True)
    interaction.type = kind
    interaction.command = None
    interaction.response = create_autospec(discord.InteractionResponse, instance=True)
    interaction.response.is_done.return_value = False
    interaction.followup = create_autospec(discord.Webhook, instance=True)
    return interaction


async def test_a_failed_autocomplete_offers_no_suggestions_instead_of_a_message() -> None:
    interaction = _interaction(discord.InteractionType.autocomplete)
    tree = HeartTree.__new__(HeartTree)  # on_error uses no tree state
    await tree.on_error(interaction, app_commands.AppCommandError("no focused option"))
    interaction.response.autocomplete.assert_awaited_once_with([])
    interaction.response.send_message.assert_not_awaited()


def test_known_errors_have_short_answers() -> None:
    missing = app_commands.MissingPermissions(["manage_guild"])
    assert user_message(missing) == "You need the Manage Server permission to use this command."
    assert user_message(app_commands.NoPrivateMessage()) == "This command only works in a server, not in DMs."
    assert user_message(RuntimeError("boom")) is None


class EpisodeOption(app_commands.Transformer):
    async def transform(self, interaction: discord.Interaction, value: str) -> str:
        raise NotImplementedError


def _failed_transform(value: str, cause: Exception) -> app_commands.TransformerError:
    """What discord.py raises when an option's Transformer fails: the TransformerError, from the cause."""
    try:
        try:
            raise cause
        except Exception as error:
            raise app_commands.TransformerError(
                value, discord.AppCommandOptionType.string, EpisodeOption()
            ) from error
    except app_commands.TransformerError as wrapped:
        return wrapped


def test_a_transformers_own_explanation_is_the_answer() -> None:
    explained = NotFound("There's no episode S9E1: each of the 3 seasons has 8 episodes (S1E1 to S3E8).")
    assert user_message(_failed_transform("S9E1", explained)) == str(explained)


def test_a_value_discord_py_could_not_convert_is_not_understood() -> None:
    refused = app_commands.TransformerError("*soon*", discord.AppCommandOptionType.integer, EpisodeOption())
    assert user_message(refused) == "I couldn't understand “\\*soon\\*” for that option."


def test_a_transformer_that_crashed_is_unexpected() -> None:
    """A bug in one of the bot's options is logged and apologised for, not blamed on what the member typed."""
    assert user_message(_failed_transform("soonish", ValueError("not a time"))) is None
