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
import heapq
import itertools
import logging
import time
import weakref
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
    client = interaction.client
    watchdog = _watchdogs.get(client)
    if watchdog is None:
        watchdog = _watchdogs[client] = Watchdog(getattr(client, "clock", None) or SystemClock())
    response = DeadlineResponse(interaction, watchdog)
    # discord.py builds `response` once per interaction, in this slot; there is no public way to supply it.
    interaction._cs_response = response  # type: ignore[attr-defined]
    # Time runs from Discord's creation of the interaction (a member queued behind others has less of it);
    # the bot's own clock decides when it started only if it runs behind Discord's.
    started = min(interaction.created_at, watchdog.clock.now())
    watchdog.add(response, started + defer_after, started + ACK_WINDOW)


def answers_privately(interaction: discord.Interaction[Any]) -> bool:
    """Whether the command's answer will be private: a deferral decides it before the answer exists."""
    command = interaction.command
    if command is not None and command.extras.get(PUBLIC):
        return False
    return not (interaction.namespace.share is True and interaction.guild_id is not None)


class Watchdog:
    """One per bot: a single task that sleeps until the earliest moment an interaction must be deferred,
    and exists only while some interaction is still unanswered (so a quiet bot runs no task at all).
    One task for a burst of hundreds, not one each: a task per interaction costs the burst a third more."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._due: list[tuple[datetime, int, datetime, DeadlineResponse]] = []  # a heap, soonest first
        self._added = itertools.count()  # breaks ties between equal moments without comparing responses
        self._watched = 0  # responses added and not yet released
        self._task: asyncio.Task[None] | None = None
        self._waking_at: datetime | None = None
        self._deferrals: set[asyncio.Task[None]] = set()

    def add(self, response: DeadlineResponse, when: datetime, closes: datetime) -> None:
        heapq.heappush(self._due, (when, next(self._added), closes, response))
        self._watched += 1
        if self._task is None or (self._waking_at is not None and when < self._waking_at):
            if self._task is not None:
                self._task.cancel()  # it sleeps past this one's moment
            self._task = asyncio.get_running_loop().create_task(self._run(), name="deadline-watchdog")

    def release(self) -> None:
        """One watched response needs no deferral any more (it was answered, or deferred)."""
        self._watched -= 1
        if self._watched == 0 and self._task is not None:
            self._task.cancel()
            self._task, self._waking_at = None, None
            self._due.clear()

    async def _run(self) -> None:
        while self._due:
            when, _, closes, response = self._due[0]
            if not response.watched:
                heapq.heappop(self._due)
                continue
            self._waking_at = when
            await self.clock.sleep_until(when)
            self._waking_at = None
            now = self.clock.now()
            while self._due and self._due[0][0] <= now:
                _, _, closes, response = heapq.heappop(self._due)
                if response.watched:
                    deferral = asyncio.get_running_loop().create_task(response.defer_in_time(closes))
                    self._deferrals.add(deferral)  # kept until done: a task nobody holds may vanish
                    deferral.add_done_callback(self._deferrals.discard)
        self._task = None


_watchdogs: weakref.WeakKeyDictionary[discord.Client, Watchdog] = weakref.WeakKeyDictionary()


class DeadlineResponse(discord.InteractionResponse[Any]):
    """`interaction.response`, deferred by its bot's Watchdog once the interaction is DEFER_AFTER old.

    A command is deferred with "thinking", private or public as its answer will be (`answers_privately`);
    a button with a deferred update, which shows nothing. The handler's `send_message` then edits the
    deferred response into the answer (or, when the answer's privacy differs from the deferral's, replaces
    it with a follow-up), and `edit_message` edits the button's message. `is_done()` stays False until the
    handler has answered, so code that follows up once a response is done keeps working.
    """

    def __init__(self, parent: discord.Interaction[Any], watchdog: Watchdog) -> None:
        super().__init__(parent)
        self._watchdog = watchdog
        self.watched = True  # until answered or deferred
        self._turn = asyncio.Lock()  # the watchdog's deferral and the handler's answer never cross
        self._deferred_ephemeral: bool | None = None  # set while the watchdog's deferral awaits its answer

    def is_done(self) -> bool:
        return super().is_done() and self._deferred_ephemeral is None

    async def defer(self, *, ephemeral: bool = False, thinking: bool = False) -> Any:
        async with self._turn:
            if self._deferred_ephemeral is not None:  # already deferred: the handler takes the deferral over
                self._deferred_ephemeral = None
                return None
            self._unwatch()
            return await super().defer(ephemeral=ephemeral, thinking=thinking)

    async def send_message(self, content: Any = None, **options: Any) -> Any:
        async with self._turn:
            if self._deferred_ephemeral is None:
                self._unwatch()
                return await super().send_message(content, **options)
            await self._answer_deferral(content, options)
            self._deferred_ephemeral = None
            return None

    async def edit_message(self, **options: Any) -> Any:
        async with self._turn:
            if self._deferred_ephemeral is None:
                self._unwatch()
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

    async def defer_in_time(self, closes: datetime) -> None:
        """The watchdog's deferral, unless the handler answered first or Discord's window has closed."""
        parent = self._parent
        async with self._turn:
            if not self.watched:
                return
            self._unwatch()
            if self._watchdog.clock.now() >= closes:  # refused (10062) as the answer will be: don't send it
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
            log.debug("Deferred interaction %s, unanswered for %s", parent.id, DEFER_AFTER)

    def _unwatch(self) -> None:
        if self.watched:
            self.watched = False
            self._watchdog.release()
