"""`python -m bot sandbox`: the stand-in and the real bot in one process, driven by a script or a person."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from bot.core.database import open_database
from bot.core.pg_schema import fresh_schema
from bot.sandbox.harness import RunningBot, new_sandbox
from bot.sandbox.processes import BotProcesses
from bot.sandbox.script import ScriptedBot, ScriptRunner
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


@dataclass(frozen=True)
class Scale:
    """`--processes N --shards M`: N bot processes of their own holding M shards between them."""

    processes: int = 1
    shards: int = 1


async def run_sandbox_session(
    script: Path | None,
    database: Path | None,
    *,
    semantic: bool = True,
    chat: bool = False,
    database_url: str | None = None,
    scale: Scale | None = None,
) -> int:
    """Run a script (or a person at the prompt) against the sandbox; `chat` prints a transcript instead of
    JSON lines. With `database_url` the bot works in a fresh schema of that PostgreSQL database, dropped at
    the end; with `scale`, as several processes sharing it."""
    interactive = script is None and sys.stdin.isatty()
    async with contextlib.AsyncExitStack() as stack:
        scratch = stack.enter_context(tempfile.TemporaryDirectory(prefix="heartbot-sandbox-"))
        target: Path | str = database or Path(scratch) / "sandbox.db"
        if database_url is not None:
            target = (await stack.enter_async_context(fresh_schema(database_url, prefix="sandbox"))).url
        sandbox = await stack.enter_async_context(new_sandbox())
        bot: ScriptedBot
        if scale is None:
            bot = await stack.enter_async_context(RunningBot(sandbox, target, shield_semantic=semantic))
        else:
            assert isinstance(target, str), "several processes share PostgreSQL"
            for index in range(1, 2 * scale.shards):  # servers to spread over the shards
                sandbox.add_guild(f"Heartstopper Fans {index + 1}", [f"general-{index + 1}"])
            db = await stack.enter_async_context(await open_database(target))
            await db.migrate()
            bot = await stack.enter_async_context(
                BotProcesses(sandbox, target, db, scale.shards, scale.processes, semantic=semantic)
            )
        runner = ScriptRunner(sandbox, bot, out=sys.stdout, err=sys.stderr, chat=chat)
        if interactive:
            print(BANNER, file=sys.stderr)
            lines = _prompt_lines()
        else:
            lines = _file_lines(script) if script else _stream_lines()
        status = await runner.run(lines)
    return 0 if interactive else status
