"""One process of bench/timers_at_scale.py: its own Database and TimerDispatcher (the real ones, on the
system clock), with a handler that does nothing but note which timer it ran, driven over a pipe.

The parent says, in turn: `start` (answered once the dispatcher rests: how long until its first handler
call and until it rested), `burst` (this process adds that many timers due now, then tells every
dispatcher, as a new timer does), `count` (how many of the burst this process has settled so far),
`report` (which burst timers it ran, and when its last result was written), `stop`. Times are
time.monotonic(), one clock for every process on the machine (Linux's CLOCK_MONOTONIC).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from typing import Any

from bot.core.clock import SystemClock
from bot.core.database import Database, open_database, to_us
from bot.core.shard_slice import ShardSlice
from bot.core.timers import TimerDispatcher
from bot.core.timers_repository import NEW_TIMER, Timer, TimerRepository

EVENT = "bench"
SERVERS = 1000  # the timers' servers: ids whose shard (of 2) alternates


def guild_id(number: int) -> int:
    return ((number % SERVERS) + 1) << 22


@dataclass
class Tally:
    """What this process did with the current burst."""

    burst: int | None = None
    ran: list[int] = field(default_factory=list)  # burst timers whose handler ran here, in order
    ran_set: set[int] = field(default_factory=set)
    settled: int = 0
    last_settled: float = 0.0
    first_call: float | None = None  # the first handler call since `start`, any timer


class CountingRepository(TimerRepository):
    """The real repository, noting when this process's results for the burst were written."""

    def __init__(self, db: Database, tally: Tally) -> None:
        super().__init__(db)
        self._tally = tally

    async def settle(
        self, done: Sequence[tuple[int, datetime]], retries: Sequence[tuple[int, datetime]] = ()
    ) -> None:
        await super().settle(done, retries)
        ours = sum(timer_id in self._tally.ran_set for timer_id, _ in done)
        if ours:
            self._tally.settled += ours
            self._tally.last_settled = time.monotonic()


async def add_burst(db: Database, count: int, burst: int) -> float:
    """`count` timers due a moment ago, then the news every dispatcher hears; returns when it was sent."""
    now = datetime.now(UTC)
    due = to_us(now - timedelta(milliseconds=1))
    payload = json.dumps({"burst": burst})
    await db.executemany(
        "INSERT INTO timers (event, due_us, payload, created_us, guild_id) VALUES (?, ?, ?, ?, ?)",
        [(EVENT, due, payload, to_us(now), guild_id(i)) for i in range(count)],
    )
    sent = time.monotonic()
    await db.notify(NEW_TIMER, str(due))
    return sent


async def _serve(pipe: Connection, target: str, owner: ShardSlice) -> None:
    tally = Tally()
    async with await open_database(target) as db:

        async def handler(timer: Timer, late: bool) -> None:
            if tally.first_call is None:
                tally.first_call = time.monotonic()
            if tally.burst is not None and timer.payload.get("burst") == tally.burst:
                tally.ran.append(timer.id)
                tally.ran_set.add(timer.id)

        dispatcher = TimerDispatcher(CountingRepository(db, tally), SystemClock(), owner)
        dispatcher.register(EVENT, handler)
        pipe.send(("open",))
        while True:
            command: tuple[Any, ...] = await asyncio.to_thread(pipe.recv)
            if command[0] == "start":
                started = time.monotonic()
                dispatcher.start()
                while not dispatcher.idle:  # noqa: ASYNC110 (it tells only through this property)
                    await asyncio.sleep(0.001)
                rested = time.monotonic()
                first = None if tally.first_call is None else (tally.first_call - started) * 1000
                pipe.send(("ready", first, (rested - started) * 1000))
            elif command[0] == "expect":
                tally.burst, tally.ran, tally.ran_set, tally.settled = command[1], [], set(), 0
                pipe.send(("expecting",))
            elif command[0] == "burst":
                pipe.send(("sent", await add_burst(db, command[1], command[2])))
            elif command[0] == "count":
                pipe.send(("count", tally.settled))
            elif command[0] == "report":
                pipe.send(("report", tally.ran, tally.last_settled))
            elif command[0] == "stop":
                await dispatcher.stop()
                pipe.send(("stopped",))
                return


def serve(pipe: Connection, target: str, count: int | None, ids: tuple[int, ...]) -> None:
    """The process's entry point (multiprocessing, spawned)."""
    asyncio.run(_serve(pipe, target, ShardSlice(count, ids)))
