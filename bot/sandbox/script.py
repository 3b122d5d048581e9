"""Scripts for the sandbox: one action a line, answered with what each user sees change, as JSON lines
or as a chat transcript (bot/sandbox/chat.py). `help` in a script lists the verbs; `VERBS` below is that
list, and the README's sandbox section describes each.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol, TextIO

from discord import Permissions

from bot.sandbox.admin import member_and_role, set_permissions
from bot.sandbox.chat import ChatPrinter, JsonPrinter, Printer, has_spoiler, span
from bot.sandbox.commands import ScriptError, closest, split_words
from bot.sandbox.server import Sandbox
from bot.sandbox.world import ChannelType, Message
from bot.times.when import read_duration

log = logging.getLogger(__name__)

_ACTOR = re.compile(r"(?P<user>[A-Za-z0-9_.-]{1,32}):\s*(?P<action>.*)")
_CHANNEL = re.compile(r"in\s+#(?P<name>.{1,100})")
_TEXT_CHANNEL = re.compile(r"[a-z0-9_-]{1,100}")
# `bob edits 3: text`, `bob deletes last`, `bob opens thread: name`, `bob refuses DMs`, `bob uses "App" on 3`
_MEMBER_VERB = re.compile(r"(?P<user>[A-Za-z0-9_.-]{1,32})\s+(?P<verb>[a-z]+)\b\s*(?P<rest>.*)", re.DOTALL)
_PERMISSIONS = re.compile(r"permissions\s+(?P<who>[^:]+):(?P<changes>.*)")

# (how a line looks, what it does), as `help` prints them
VERBS: dict[str, tuple[str, str]] = {
    "/": ("alice: /progress set episode:S2E3", "alice runs a slash command (`episode: S2E3` works too)"),
    "click": ('alice: click "Reveal for me"', "alice presses a button she can see"),
    "say": ("alice: hello everyone", "alice posts a message in the current channel"),
    "edits": ("bob edits 3: new text", "bob edits his message [3] (`bob edits: ...`: his last one)"),
    "deletes": (
        "bob deletes 3",
        "bob deletes message [3] (`last`: his last one; others' need Manage Messages)",
    ),
    "uses": (
        'bob uses "Spoiler-wrap message" on 3',
        "bob runs a message app command on message [3] (or last)",
    ),
    "opens": ("bob opens thread: episode chat", "bob starts a thread here; the lines after it happen in it"),
    "refuses": (
        "bob refuses DMs",
        "bob closes his DMs, so the bot's DMs to him fail (`accepts DMs` reopens)",
    ),
    "give": ("give bob @Party crew", "an admin gives bob a role (made if the server has none of that name)"),
    "take": ("take admin @Moderators", "an admin takes a role away"),
    "permissions": (
        "permissions heartbot: -manage_webhooks",
        "what the bot, a @role or a member may do: +flag, -flag, or a whole set (none, all, invite)",
    ),
    "in": ("in #spoilers", "the lines after it happen in #spoilers (or in a thread: in #episode chat)"),
    "wait": ("wait 2h", "time passes; whatever falls due on the way happens in order, at its time"),
    "down": ("down 2h", "the bot is offline while time passes, then starts again on the same database"),
    "restart": (
        "restart",
        "the bot stops and starts again on the same database (with several processes: the one serving "
        "this server is killed, kill -9, and started again)",
    ),
    "peek": ("peek 3", "show message [3] with its spoilers uncovered (no number: the last hidden one)"),
    "help": ("help", "this list"),
    "quit": ("quit", "stop here (Ctrl-D too)"),
}
_LINE_VERBS = ["in", "wait", "down", "restart", "peek", "give", "take", "permissions", "help", "quit"]
_MEMBER_VERBS = ["edits", "deletes", "uses", "opens", "refuses", "accepts"]


def help_text() -> str:
    width = max(len(example) for example, _ in VERBS.values()) + 2
    lines = ["One action a line:"]
    lines += [f"  {example:<{width}}{meaning}" for example, meaning in VERBS.values()]
    lines.append("A line starting with # is a comment. Messages are numbered [N] as they appear.")
    return "\n".join(lines)


def parse_duration(text: str) -> timedelta:
    """`1h30m`, `45m`, `2d`, `10s`, `1h 30m`."""
    delta = read_duration(text)
    if delta is None:
        raise ScriptError(f"cannot read the duration {text!r}; write it like 1h30m, 45m or 2d")
    return delta


class ScriptedBot(Protocol):
    """What a script drives: the bot in the sandbox's process (RunningBot) or several processes of it
    (bot.sandbox.processes.BotProcesses)."""

    async def start(self) -> object: ...

    async def stop(self) -> None: ...

    async def restart(self) -> object: ...

    async def next_timer_due(self) -> datetime | None: ...


@dataclass
class ScriptRunner:
    sandbox: Sandbox
    bot: ScriptedBot
    out: TextIO
    err: TextIO
    chat: bool = False  # a transcript for a person instead of JSON lines
    channel: str = "general"
    failed: bool = False
    printer: Printer = field(init=False)
    _printed: int = 0
    _violations: int = 0
    _line: int = 0
    _quit: bool = False
    _numbers: dict[int, int] = field(default_factory=dict)  # message id -> its [N] in the transcript
    _by_number: dict[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.printer = ChatPrinter(self.out, self._name_of) if self.chat else JsonPrinter(self.out, self.err)

    async def run(self, lines: AsyncIterator[tuple[int, str]]) -> int:
        """Run every line (until `quit`); 0 when all went well, 1 after any script error or broken rule."""
        async for number, line in lines:
            await self.run_line(number, line)
            if self._quit:
                break
        return 1 if self.failed else 0

    async def run_line(self, number: int, line: str) -> None:
        self._line = number
        try:
            await self._act(line.strip())
        except ScriptError as error:
            self._fail(number, str(error))
        except TimeoutError:
            self._fail(number, "the bot did not answer within 3 seconds")
        except Exception:
            log.exception("sandbox script line %d failed: %r", number, line)
            self._fail(number, "the sandbox failed on this line (an unexpected error, logged)")
        try:
            await self.sandbox.idle()
        except TimeoutError as busy:
            self._fail(number, f"the bot did not finish what this line started: {busy}")
        self._flush()

    async def _act(self, line: str) -> None:
        if not line or line.startswith("#"):
            return
        first = line.split(maxsplit=1)[0]
        rest = line[len(first) :].strip()
        if match := _CHANNEL.fullmatch(line):
            self._enter(match["name"].strip())
        elif first == "wait":
            await self.wait(parse_duration(rest))
        elif first == "down":
            await self.down(parse_duration(rest))
        elif line == "restart":
            try:
                await self.bot.restart()
            except TimeoutError:
                raise ScriptError("heartbot did not come back online in time") from None
        elif first == "peek":
            self._peek(rest)
        elif line == "help":
            self.printer.info(help_text())
        elif line in ("quit", "exit"):
            self._quit = True
        elif first in ("give", "take"):
            await self._role(first, rest)
        elif match := _PERMISSIONS.fullmatch(line):
            changed = await set_permissions(self.sandbox, match["who"].strip(), split_words(match["changes"]))
            self.printer.note(f"· {changed}")
        elif match := _ACTOR.fullmatch(line):
            await self._as_user(match["user"], match["action"].strip())
        elif (match := _MEMBER_VERB.fullmatch(line)) and match["verb"] in _MEMBER_VERBS:
            await self._member_verb(match["user"], match["verb"], match["rest"].strip())
        else:
            raise ScriptError(self._unreadable(line))

    @staticmethod
    def _unreadable(line: str) -> str:
        words = line.split()
        if words[0] in _LINE_VERBS:
            return f"cannot read {line!r}; write it like: {VERBS[words[0]][0]}"
        guess = closest(words[0], _LINE_VERBS)
        if guess is None and len(words) > 1 and (member_guess := closest(words[1], _MEMBER_VERBS)):
            guess = f"{words[0]} {member_guess}"
        if guess is not None:
            return f"cannot read {line!r}; did you mean {guess!r}? Type help for every verb"
        return (
            f"cannot read {line!r}; expected 'user: action', 'in #channel', 'wait 1h' or 'restart'; "
            "type help for every verb"
        )

    # -- places and messages -------------------------------------------------------------------------

    def _enter(self, name: str) -> None:
        exists = any(
            c.name == name and c.type in (ChannelType.TEXT, ChannelType.PUBLIC_THREAD)
            for c in self.sandbox.channels.values()
        )
        if not exists and not _TEXT_CHANNEL.fullmatch(name):
            raise ScriptError(
                f"there is no thread {name!r}; a new channel's name is lower-case letters, digits, - and _"
            )
        self.channel = name
        self.sandbox.channel(name)

    def _message(self, ref: str, *, own_of: str | None = None) -> Message:
        """Message [N] (or its id); `last` or nothing: the newest one here, `own_of` that member's."""
        ref = ref.strip().strip("[]")
        if ref in ("", "last"):
            here = self.sandbox.channel(self.channel).id
            author = self.sandbox.user(own_of).id if own_of else None
            for message in reversed(list(self.sandbox.messages.values())):
                if message.channel_id != here or message.visible_to is not None or message.loading:
                    continue
                if author is None or message.author_id == author:
                    return message
            whose = f"{own_of} has" if own_of else "there is"
            raise ScriptError(f"{whose} no message in #{self.channel}")
        if not ref.isdigit():
            raise ScriptError(f"cannot read the message {ref!r}; name it by its number, e.g. 3, or say last")
        message_id = self._by_number.get(int(ref), int(ref))
        found = self.sandbox.messages.get(message_id)
        if found is None:
            raise ScriptError(f"there is no message {ref} (any more)")
        return found

    async def _member_verb(self, user: str, verb: str, rest: str) -> None:
        if verb == "edits":
            ref, colon, text = rest.partition(":")
            if not colon or not text.strip():
                raise ScriptError(f"write the new text after a colon: {user} edits 3: new text")
            message = self._message(ref, own_of=user if ref.strip() in ("", "last") else None)
            await self.sandbox.edit(user, message, text.strip())
        elif verb == "deletes":
            message = self._message(rest, own_of=user if rest in ("", "last") else None)
            member = self.sandbox.user(user)
            where = self.sandbox.guild_of(self.sandbox.channels[message.channel_id])
            may = Permissions(self.sandbox.permissions(member.id, where)).manage_messages
            if message.author_id != member.id and not may:
                raise ScriptError(f"{user} may delete only their own messages (or needs Manage Messages)")
            await self.sandbox.delete_message(message)
        elif verb == "opens":
            kind, _, name = rest.partition(":")
            if kind.strip() != "thread" or not name.strip():
                raise ScriptError(f"name the thread after a colon: {user} opens thread: episode chat")
            thread = await self.sandbox.start_thread(user, name.strip(), self.channel)
            self.channel = thread.name
            self.printer.note(f"· {user} opened the thread #{thread.name}; the next lines happen in it")
        elif verb in ("refuses", "accepts"):
            if rest.lower() != "dms":
                raise ScriptError(f"{user} {verb} DMs is the only thing to {verb.removesuffix('s')}")
            self.sandbox.user(user).accepts_dms = verb == "accepts"
        elif verb == "uses":
            words = split_words(rest)
            if len(words) not in (1, 3) or (len(words) == 3 and words[1] != "on"):
                raise ScriptError(f'name the app and the message: {user} uses "Spoiler-wrap message" on 3')
            message = self._message(words[2] if len(words) == 3 else "last")
            interaction = await self.sandbox.apply(user, words[0], message)
            await self.sandbox.acknowledged(interaction)

    async def _role(self, verb: str, rest: str) -> None:
        member, role = member_and_role(verb, rest)
        if verb == "give":
            await self.sandbox.give_role(member, role)
            self.printer.note(f"· {member} now has @{role}")
        else:
            self.sandbox.take_role(member, role)
            self.printer.note(f"· {member} no longer has @{role}")

    async def _as_user(self, user: str, action: str) -> None:
        if action.startswith("/"):
            interaction = await self.sandbox.run_command(user, action[1:], self.channel)
            await self.sandbox.acknowledged(interaction)
        elif action.startswith("click ") or action == "click":
            words = split_words(action)
            if len(words) != 2:
                raise ScriptError(
                    'click takes one button label; quote labels with spaces: click "Reveal for me"'
                )
            interaction = await self.sandbox.click(user, words[1], None)
            await self.sandbox.acknowledged(interaction)
        elif action:
            await self.sandbox.say(user, action, self.channel)
        else:
            raise ScriptError(f"{user}: says nothing")

    # -- time ------------------------------------------------------------------------------------------

    async def wait(self, delta: timedelta) -> None:
        """Let `delta` pass one due timer at a time, so each runs at its own moment and in order."""
        until = self.sandbox.now() + delta
        while (due := await self.bot.next_timer_due()) is not None and due <= until:
            if due > self.sandbox.now():
                await self.sandbox.advance(due - self.sandbox.now())
            await self._settle_timers()
        if until > self.sandbox.now():
            await self.sandbox.advance(until - self.sandbox.now())
        await self._settle_timers()
        self.printer.note(f"· {span(delta)} later: {self.sandbox.now():%a %d %b, %H:%M} UTC")

    async def down(self, delta: timedelta) -> None:
        """The bot is offline while `delta` passes; it starts again on the same database and runs late
        whatever fell due meanwhile."""
        await self.bot.stop()
        self.printer.note(f"· heartbot is offline for {span(delta)}")
        await self.sandbox.advance(delta)
        await self._start_bot()
        self.printer.note(f"· heartbot is back at {self.sandbox.now():%H:%M} UTC")
        await self._settle_timers()

    async def _start_bot(self) -> None:
        try:
            await self.bot.start()
        except TimeoutError:  # RunningBot.start gives it 10 seconds
            raise ScriptError("heartbot did not come back online in time") from None

    async def _settle_timers(self) -> None:
        """Until the bot has run every timer due by now (a failing one moves later) and is idle, printing
        what users saw so far."""
        try:
            await self.sandbox.idle()
        except TimeoutError as busy:
            raise ScriptError(f"the bot did not settle: {busy}") from None
        if (due := await self.bot.next_timer_due()) is not None and due <= self.sandbox.now():
            raise ScriptError(f"the bot did not run what fell due at {due:%H:%M:%S} UTC")
        self._flush()

    # -- output ----------------------------------------------------------------------------------------

    def _name_of(self, kind: str, ident: int) -> str | None:
        if kind == "user":
            user = self.sandbox.users.get(ident)
            return user.name if user else None
        if kind == "channel":
            channel = self.sandbox.channels.get(ident)
            return channel.name if channel else None
        role = next((g.roles[ident] for g in self.sandbox.guilds.values() if ident in g.roles), None)
        return role.name if role else None

    def _peek(self, ref: str) -> None:
        ref = ref.strip().strip("[]")
        latest = {o.message: o for o in self.sandbox.observations}
        if ref:
            if not ref.isdigit() or int(ref) not in self._by_number:
                raise ScriptError(f"there is no message [{ref}] to peek at")
            message_id = self._by_number[int(ref)]
        else:
            hidden = [m for m, o in latest.items() if has_spoiler(o) and o.action != "delete"]
            if not hidden:
                raise ScriptError("no message has spoilers to peek at")
            message_id = hidden[-1]
        self.printer.peek(latest[message_id], self._numbers[message_id])

    def _through_webhook(self, message_id: int) -> bool:
        """Posted through a channel webhook (not an interaction's answer, which Discord shows as the bot)."""
        message = self.sandbox.messages.get(message_id)
        return message is not None and message.webhook_id not in (None, self.sandbox.application_id)

    def _fail(self, number: int, message: str) -> None:
        self.failed = True
        print(f"line {number}: {message}", file=self.err, flush=True)

    def _flush(self) -> None:
        for observation in self.sandbox.observations[self._printed :]:
            number = self._numbers.setdefault(observation.message, len(self._numbers) + 1)
            self._by_number[number] = observation.message
            self.printer.message(observation, number, webhook=self._through_webhook(observation.message))
        self._printed = len(self.sandbox.observations)
        for violation in self.sandbox.violations[self._violations :]:
            self._fail(self._line, f"the bot broke a Discord rule: {violation}")
        self._violations = len(self.sandbox.violations)
