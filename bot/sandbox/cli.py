"""`python -m bot sandbox`: the stand-in and the real bot in one process, driven by a script or a person."""

from __future__ import annotations

import asyncio
import sys
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

from bot.sandbox.harness import RunningBot, new_sandbox
from bot.sandbox.script import ScriptRunner
from bot.sandbox.server import GUILD_NAME

BANNER = f"""\
heartbot sandbox: guild "{GUILD_NAME}", channel #general. One action a line, for example:
  alice: /help                 run a slash command as alice (admin has Manage Server)
  alice: click "Reveal for me" press a button alice can see
  alice: hello                 post a message
  peek 3                       uncover the [spoiler]s in message [3]
  in #spoilers | wait 1h30m | down 2h | restart | # comment
help lists every verb; quit (or Ctrl-D) leaves."""


async def _file_lines(path: Path) -> AsyncIterator[tuple[int, str]]:
    text = await asyncio.to_thread(path.read_text, encoding="utf-8")
    for number, line in enumerate(text.splitlines(), start=1):
        yield number, line


async def _stream_lines() -> AsyncIterator[tuple[int, str]]:
    number = 0
    while line := await asyncio.to_thread(sys.stdin.readline):
        number += 1
        yield number, line.rstrip("\n")


async def _prompt_lines() -> AsyncIterator[tuple[int, str]]:
    number = 0
    while True:
        try:
            line = await asyncio.to_thread(input, "sandbox> ")
        except EOFError:
            print(file=sys.stderr)
            return
        number += 1
        yield number, line


async def run_sandbox_session(
    script: Path | None, database: Path | None, *, semantic: bool = True, chat: bool = False
) -> int:
    """Run a script (or a person at the prompt) against the sandbox; `chat` prints a transcript instead of
    JSON lines."""
    interactive = script is None and sys.stdin.isatty()
    with tempfile.TemporaryDirectory(prefix="heartbot-sandbox-") as scratch:
        path = database or Path(scratch) / "sandbox.db"
        async with new_sandbox() as sandbox, RunningBot(sandbox, path, shield_semantic=semantic) as bot:
            runner = ScriptRunner(sandbox, bot, out=sys.stdout, err=sys.stderr, chat=chat)
            if interactive:
                print(BANNER, file=sys.stderr)
                lines = _prompt_lines()
            else:
                lines = _file_lines(script) if script else _stream_lines()
            status = await runner.run(lines)
    return 0 if interactive else status
