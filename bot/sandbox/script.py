"""Scripts for the sandbox: one action a line, answered with one JSON line per message a user sees change.

alice: /progress set episode:S2E3     run a slash command as alice
alice: click "Reveal for me"          press a button alice can see
alice: hello everyone                 post a message as alice
in #spoilers                          later lines happen in #spoilers
wait 1h30m                            move the bot's clock forward
restart                               restart the bot on the same database
# a comment
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import TextIO

from bot.sandbox.commands import ScriptError, split_words
from bot.sandbox.harness import RunningBot
from bot.sandbox.server import Sandbox
from bot.when import read_duration

_ACTOR = re.compile(r"(?P<user>[A-Za-z0-9_.-]{1,32}):\s*(?P<action>.*)")
_CHANNEL = re.compile(r"in\s+#(?P<name>[a-z0-9_-]{1,100})")


def parse_duration(text: str) -> timedelta:
    """`1h30m`, `45m`, `2d`, `10s`, `1h 30m`."""
    delta = read_duration(text)
    if delta is None:
        raise ScriptError(f"cannot read the duration {text!r}; write it like 1h30m, 45m or 2d")
    return delta


@dataclass
class ScriptRunner:
    sandbox: Sandbox
    bot: RunningBot
    out: TextIO
    err: TextIO
    channel: str = "general"
    failed: bool = False
    _printed: int = 0
    _violations: int = 0

    async def run(self, lines: AsyncIterator[tuple[int, str]]) -> int:
        """Run every line; 0 when all went well, 1 after any script error or broken Discord rule."""
        async for number, line in lines:
            await self.run_line(number, line)
        return 1 if self.failed else 0

    async def run_line(self, number: int, line: str) -> None:
        try:
            await self._act(line.strip())
        except ScriptError as error:
            self._fail(number, str(error))
        except TimeoutError:
            self._fail(number, "the bot did not answer within 3 seconds")
        await self.sandbox.idle()
        self._flush(number)

    async def _act(self, line: str) -> None:
        if not line or line.startswith("#"):
            return
        if match := _CHANNEL.fullmatch(line):
            self.channel = match["name"]
            self.sandbox.channel(self.channel)
        elif line.startswith("wait"):
            await self.sandbox.advance(parse_duration(line.removeprefix("wait").strip()))
        elif line == "restart":
            await self.bot.restart()
        elif match := _ACTOR.fullmatch(line):
            await self._as_user(match["user"], match["action"].strip())
        else:
            raise ScriptError(
                f"cannot read {line!r}; expected 'user: action', 'in #channel', 'wait 1h' or 'restart'"
            )

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

    def _fail(self, number: int, message: str) -> None:
        self.failed = True
        print(f"line {number}: {message}", file=self.err, flush=True)

    def _flush(self, number: int) -> None:
        for observation in self.sandbox.observations[self._printed :]:
            print(json.dumps(observation.to_json(), ensure_ascii=False), file=self.out, flush=True)
        self._printed = len(self.sandbox.observations)
        for violation in self.sandbox.violations[self._violations :]:
            self._fail(number, f"the bot broke a Discord rule: {violation}")
        self._violations = len(self.sandbox.violations)
