"""The timer dispatcher under load, on a real SQLite file with a virtual clock.

    python -m bench.timers [--upcoming 100000] [--burst 1000]

With --upcoming timers waiting (spread over the next year): the time from starting the dispatcher to
handling the one timer already due, and the memory it allocates meanwhile (tracemalloc peak); then
--burst timers due in the same second: how long until all are handled. Targets: under 1 s, under 50 MB,
and under 2 s.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

from bot.core.clock import VirtualClock
from bot.core.database import Database
from bot.core.timers import TimerDispatcher
from bot.core.timers_repository import Timer, TimerRepository, to_us


async def fill(db: Database, clock: VirtualClock, count: int) -> None:
    now = clock.now()
    rows = [
        ("party_reminder", to_us(now + timedelta(minutes=10 + i * 5)), f'{{"party": {i}}}', to_us(now))
        for i in range(count)
    ]
    async with db.transaction() as connection:
        await connection.executemany(
            "INSERT INTO timers (event, due_us, payload, created_us) VALUES (?, ?, ?, ?)", rows
        )


async def main(upcoming: int, burst: int) -> None:
    clock = VirtualClock()
    handled: list[Timer] = []
    done = asyncio.Event()
    target = 0

    async def handler(timer: Timer, late: bool) -> None:
        handled.append(timer)
        if len(handled) >= target:
            done.set()

    with tempfile.TemporaryDirectory() as scratch:
        async with await Database.open(Path(scratch) / "timers.db") as db:
            await db.migrate()
            await fill(db, clock, upcoming)
            repository = TimerRepository(db)
            await repository.create("party_reminder", clock.now(), {"party": -1}, clock.now())
            dispatcher = TimerDispatcher(repository, clock)
            dispatcher.register("party_reminder", handler)

            target = 1
            tracemalloc.start()
            started = time.perf_counter()
            dispatcher.start()
            await asyncio.wait_for(done.wait(), 30)
            first = time.perf_counter() - started
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()

            due = clock.now() + timedelta(minutes=1)
            for i in range(burst):
                await repository.create("party_reminder", due, {"party": 10_000_000 + i}, clock.now())
            handled.clear()
            done.clear()
            target = burst
            started = time.perf_counter()
            clock.advance(timedelta(minutes=1))
            await asyncio.wait_for(done.wait(), 60)
            all_due = time.perf_counter() - started
            await dispatcher.stop()
    print(
        f"{upcoming:,} upcoming timers: first due timer handled {first * 1000:.0f} ms after start, "
        f"dispatcher memory peak {peak / 1e6:.1f} MB, one dispatcher task"
    )
    print(f"{burst:,} timers due in the same second: all handled in {all_due * 1000:.0f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upcoming", type=int, default=100_000)
    parser.add_argument("--burst", type=int, default=1000)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.upcoming, arguments.burst))
