"""Several bot processes against one sandbox, each `python -m bot` holding a slice of the shards and all
sharing one PostgreSQL database, as a bot past one machine runs: started, stopped, killed (`kill -9`) and
started again, for scripts (`python -m bot sandbox --processes 2`), the tests and the benchmarks."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from dataclasses import dataclass, field
from datetime import datetime

from bot.core.database import Database
from bot.core.shard_slice import shard_of
from bot.core.timers_repository import TimerRepository
from bot.sandbox.server import Sandbox

log = logging.getLogger(__name__)

START_TIMEOUT = 30.0  # seconds for a process to connect every shard it holds
STOP_TIMEOUT = 10.0


def split_shards(shard_count: int, processes: int) -> list[tuple[int, ...]]:
    """Shards 0..count-1 dealt out in runs, as `SHARD_IDS=0,1` and `2,3` for 4 over 2."""
    if not 1 <= processes <= shard_count:
        raise ValueError(f"{processes} processes cannot share {shard_count} shards")
    per, extra = divmod(shard_count, processes)
    slices, first = [], 0
    for index in range(processes):
        size = per + (index < extra)
        slices.append(tuple(range(first, first + size)))
        first += size
    return slices


@dataclass
class BotProcess:
    name: str
    shard_ids: tuple[int, ...]
    process: asyncio.subprocess.Process | None = None


@dataclass
class BotProcesses:
    """The processes, as a script drives one bot: `start`, `stop`, `restart` and `next_timer_due`."""

    sandbox: Sandbox
    database_url: str
    db: Database  # the same database, for what the script asks of it (when the next timer is due)
    shard_count: int
    processes: int
    semantic: bool = False
    env: dict[str, str] = field(default_factory=dict)
    log_folder: str | None = None
    bots: list[BotProcess] = field(init=False)

    def __post_init__(self) -> None:
        self.bots = [
            BotProcess(f"shards-{'-'.join(map(str, ids))}", ids)
            for ids in split_shards(self.shard_count, self.processes)
        ]

    def _environment(self, bot: BotProcess) -> dict[str, str]:
        env = {
            **os.environ,
            **self.env,
            "SANDBOX_URL": self.sandbox.api_url.removesuffix("/api/v10"),
            "SANDBOX_BOT_NAME": bot.name,
            "DISCORD_TOKEN": self.sandbox.token,
            "DATABASE_URL": self.database_url,
            "SHARD_COUNT": str(self.shard_count),
            "SHARD_IDS": ",".join(map(str, bot.shard_ids)),
            "SHIELD_SEMANTIC": "on" if self.semantic else "off",
        }
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # each process would compile every module it imports
        return env

    async def start_one(self, bot: BotProcess) -> None:
        # What the process logs, appended to a file of its own when asked (a kill leaves the file whole).
        out = open(os.path.join(self.log_folder, f"{bot.name}.log"), "ab") if self.log_folder else None  # noqa: SIM115, ASYNC230
        try:
            bot.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                env=self._environment(bot),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=out or asyncio.subprocess.DEVNULL,
                stderr=out or asyncio.subprocess.DEVNULL,
            )
        finally:
            if out is not None:
                out.close()
        waiting = asyncio.create_task(self.sandbox.links.wait_until_ready(bot.name, START_TIMEOUT))
        exited = asyncio.create_task(bot.process.wait())
        done, _ = await asyncio.wait({waiting, exited}, return_when=asyncio.FIRST_COMPLETED)
        for task in (waiting, exited):
            task.cancel()
        if exited in done:
            raise RuntimeError(f"bot process {bot.name} exited with status {bot.process.returncode} on start")
        waiting.result()  # raises TimeoutError if it never became ready

    async def start(self) -> None:
        await asyncio.gather(*(self.start_one(bot) for bot in self.bots if not self.running(bot)))

    def running(self, bot: BotProcess) -> bool:
        return bot.process is not None and bot.process.returncode is None

    async def stop_one(self, bot: BotProcess) -> None:
        """Interrupted as Ctrl-C would: it closes its connections and writes its timers' results."""
        if not self.running(bot):
            return
        assert bot.process is not None
        bot.process.send_signal(signal.SIGINT)
        try:
            await asyncio.wait_for(bot.process.wait(), STOP_TIMEOUT)
        except TimeoutError:
            bot.process.kill()
            await bot.process.wait()
        await self.sandbox.links.wait_until_gone(bot.name, STOP_TIMEOUT)

    async def stop(self) -> None:
        await asyncio.gather(*(self.stop_one(bot) for bot in self.bots))

    async def kill(self, bot: BotProcess) -> None:
        """`kill -9`: no goodbye, no results written; what it held is taken over once its leases lapse."""
        if self.running(bot):
            assert bot.process is not None
            bot.process.send_signal(signal.SIGKILL)
            await bot.process.wait()
        await self.sandbox.links.wait_until_gone(bot.name, STOP_TIMEOUT)

    def serving(self, guild_id: int) -> BotProcess:
        """The process holding the shard Discord sends this server's events to."""
        shard = shard_of(guild_id, self.shard_count)
        return next(bot for bot in self.bots if shard in bot.shard_ids)

    async def restart(self) -> None:
        """The process serving the sandbox's first server is killed, then started again; the others
        carry on."""
        bot = self.serving(self.sandbox.guild.id)
        await self.kill(bot)
        await self.start_one(bot)

    async def next_timer_due(self) -> datetime | None:
        timer = await TimerRepository(self.db).earliest_pending()
        return timer.due_at if timer else None

    async def __aenter__(self) -> BotProcesses:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        with contextlib.suppress(Exception):
            await self.stop()
        for bot in self.bots:  # whatever did not stop
            if self.running(bot):
                assert bot.process is not None
                bot.process.kill()
                await bot.process.wait()
