"""The command tree: every interaction acknowledged within Discord's 3 seconds, and every error ends in one
short, private answer (unexpected ones are logged).

Discord forgets an interaction not acknowledged 3 seconds after it created it (error 10062: the member sees
"The application did not respond"). `watch` gives an interaction a response object that defers it by itself
if nothing has answered DEFER_AFTER after that moment, and then turns the handler's own answer
(`send_message`, `edit_message`) into the deferred response's edit or a follow-up: handlers answer as usual
and never need to know. The tree watches every command; PersistentButton watches every button.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

import discord
from discord import app_commands
from discord.utils import MISSING

from bot.core.clock import Clock, SystemClock
from bot.core.errors import UserFacingError
from bot.ui.text import quote

log = logging.getLogger(__name__)

UNEXPECTED = "Sorry, something went wrong on my side. It has been logged; please try again in a moment."
OUTDATED = "This command was just updated. Give Discord a minute to catch up, then try again."

ACK_WINDOW = timedelta(seconds=3)  # Discord's, from the interaction's creation (its snowflake's time)
DEFER_AFTER = timedelta(seconds=2)  # the rest of the window is for the deferral's own trip to Discord
# A command's `extras` keys: its answer is posted for the channel (so a deferral is public), or its work is
# known to be slow (so it defers at once). Without them a command answers privately, or publicly when it
# has `share:true` in a server, the bot's one convention for posting.
PUBLIC = "public"
SLOW = "slow"
# send_message options that an edit of the deferred response can carry; any other sends a follow-up
EDITABLE = frozenset({"embed", "embeds", "file", "files", "view", "allowed_mentions", "poll"})


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

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        # The first thing discord.py runs for a command, before anything can answer it.
        if interaction.type is discord.InteractionType.application_command:
            command = interaction.command
            slow = command is not None and bool(command.extras.get(SLOW))
            watch(interaction, defer_after=timedelta() if slow else DEFER_AFTER)
        return True

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


def watch(interaction: discord.Interaction[Any], *, defer_after: timedelta = DEFER_AFTER) -> None:
    """Make `interaction` unable to miss Discord's deadline (see the module's docstring). Call it before
    anything touches `interaction.response`; calling it again does nothing."""
    if isinstance(interaction.response, DeadlineResponse):
        return
    clock: Clock = getattr(interaction.client, "clock", None) or SystemClock()
    # discord.py builds `response` once per interaction, in this slot; there is no public way to supply it.
    interaction._cs_response = DeadlineResponse(interaction, clock, defer_after)  # type: ignore[attr-defined]


def answers_privately(interaction: discord.Interaction[Any]) -> bool:
    """Whether the command's answer will be private: a deferral decides it before the answer exists."""
    command = interaction.command
    if command is not None and command.extras.get(PUBLIC):
        return False
    return not (interaction.namespace.share is True and interaction.guild_id is not None)


class DeadlineResponse(discord.InteractionResponse[Any]):
    """`interaction.response`, with a watchdog that defers the interaction once it is DEFER_AFTER old.

    A command is deferred with "thinking", private or public as its answer will be (`answers_privately`);
    a button with a deferred update, which shows nothing. The handler's `send_message` then edits the
    deferred response into the answer (or, when the answer's privacy differs from the deferral's, replaces
    it with a follow-up), and `edit_message` edits the button's message. `is_done()` stays False until the
    handler has answered, so code that follows up once a response is done keeps working.
    """

    def __init__(self, parent: discord.Interaction[Any], clock: Clock, defer_after: timedelta) -> None:
        super().__init__(parent)
        self._clock = clock
        self._turn = asyncio.Lock()  # the watchdog's deferral and the handler's answer never cross
        self._deferred_ephemeral: bool | None = None  # set while the watchdog's deferral awaits its answer
        # Time runs from Discord's creation of the interaction (a member queued behind others has less of
        # it); the bot's own clock decides when it started only if it runs behind Discord's.
        started = min(parent.created_at, clock.now())
        self._watchdog: asyncio.Task[None] | None = asyncio.get_running_loop().create_task(
            self._defer_at(started + defer_after, started + ACK_WINDOW), name=f"deadline-{parent.id}"
        )

    def is_done(self) -> bool:
        return super().is_done() and self._deferred_ephemeral is None

    async def defer(self, *, ephemeral: bool = False, thinking: bool = False) -> Any:
        async with self._turn:
            if self._deferred_ephemeral is not None:  # already deferred: the handler takes the deferral over
                self._deferred_ephemeral = None
                return None
            self._stop_watching()
            return await super().defer(ephemeral=ephemeral, thinking=thinking)

    async def send_message(self, content: Any = None, **options: Any) -> Any:
        async with self._turn:
            if self._deferred_ephemeral is None:
                self._stop_watching()
                return await super().send_message(content, **options)
            await self._answer_deferral(content, options)
            self._deferred_ephemeral = None
            return None

    async def edit_message(self, **options: Any) -> Any:
        async with self._turn:
            if self._deferred_ephemeral is None:
                self._stop_watching()
                return await super().edit_message(**options)
            options.pop("delete_after", None)
            options.pop("suppress_embeds", None)
            await self._parent.edit_original_response(**options)  # a deferred update: the button's message
            self._deferred_ephemeral = None
            return None

    async def _answer_deferral(self, content: Any, options: dict[str, Any]) -> None:
        parent = self._parent
        ephemeral = bool(options.pop("ephemeral", False))
        options.pop("delete_after", None)  # follow-ups cannot expire; nothing the bot sends asks them to
        thinking = parent.type is discord.InteractionType.application_command
        editable = all(key in EDITABLE or not value for key, value in options.items())
        if thinking and ephemeral == self._deferred_ephemeral and editable:
            files = [options["file"]] if options.get("file") else []
            files += options.get("files") or []
            edit = {key: value for key, value in options.items() if key in EDITABLE - {"file", "files"}}
            await parent.edit_original_response(content=content, attachments=files or MISSING, **edit)
            return
        if thinking:  # "thinking" in the wrong place: the answer replaces it
            await parent.delete_original_response()
        await parent.followup.send(content or MISSING, ephemeral=ephemeral, **options)

    async def _defer_at(self, when: datetime, closes: datetime) -> None:
        parent = self._parent
        await self._clock.sleep_until(when)
        async with self._turn:
            if self._response_type is not None:
                return
            if self._clock.now() >= closes:  # a deferral now would be refused (10062) as the answer will be
                log.warning("Interaction %s could not be acknowledged within Discord's 3 seconds", parent.id)
                return
            ephemeral = parent.type is discord.InteractionType.component or answers_privately(parent)
            thinking = parent.type is not discord.InteractionType.component
            try:
                await super().defer(ephemeral=ephemeral, thinking=thinking)
            except discord.HTTPException:
                log.warning("Could not defer interaction %s", parent.id, exc_info=True)
                return
            self._deferred_ephemeral = ephemeral
            log.debug("Deferred interaction %s, still unanswered at %s", parent.id, when)

    def _stop_watching(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None
