"""The timer dispatcher under load, on a real SQLite file with a virtual clock, against the dispatcher that
handled timers one at a time (taken from git), interleaved.

    python -m bench.timers [--upcoming 100000] [--burst 1000] [--runs 5] [--baseline REV | --baseline ""]

Each run starts each dispatcher, in turn (the order alternates), on its own copy of one database holding
--upcoming timers (spread over a year ahead), two bursts and one timer already due: the time from start
to handling that one, and the memory allocated meanwhile (tracemalloc peak); then --burst timers fall due
in the same second: how long until all are handled (each exactly once, or the benchmark says so); then
the second burst, with handlers that each read a row first, as real ones read their party. Targets:
start-up under 1 s and under 50 MB; the burst under 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
import types
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from operator import attrgetter
from pathlib import Path
from typing import Any
from unittest.mock import patch

from bench.stats import spread
from bot.core.clock import VirtualClock
from bot.core.database import Database, open_database
from bot.core.timers import TimerDispatcher
from bot.core.timers_repository import TimerRepository, to_us

ROOT = Path(__file__).resolve().parent.parent
ONE_AT_A_TIME = "d9cead147f261437694f91d7f33e1d7425016421"  # the last commit before timers were batched
INSERT = "INSERT INTO timers (event, due_us, payload, created_us) VALUES (?, ?, ?, ?)"


@dataclass(frozen=True)
class Variant:
    name: str
    repository: Callable[[Database], Any]
    dispatcher: Callable[[Any, VirtualClock], Any]


@dataclass(frozen=True)
class Figures:
    first_ms: float
    peak_mb: float
    burst_ms: float
    reading_burst_ms: float  # each handler reads a row first, as real ones read their party


def from_git(revision: str) -> Variant:
    """The dispatcher and its repository as they were at `revision`, loaded from git under other names."""

    def load(path: str, name: str) -> types.ModuleType:
        shown = subprocess.run(
            ["git", "show", f"{revision}:{path}"], cwd=ROOT, capture_output=True, text=True, check=True
        )
        module = types.ModuleType(name)
        sys.modules[name] = module  # dataclasses look their class's module up
        exec(compile(shown.stdout, f"{revision[:7]}:{path}", "exec"), module.__dict__)
        return module

    repository = load("bot/core/timers_repository.py", "bench.baseline_timers_repository")
    with patch.dict(sys.modules, {"bot.core.timers_repository": repository}):
        timers = load("bot/core/timers.py", "bench.baseline_timers")
    return Variant(f"one at a time ({revision[:7]})", repository.TimerRepository, timers.TimerDispatcher)


async def template(path: Path, upcoming: int, burst: int) -> tuple[datetime, datetime]:
    """The database every run copies: one timer due now, `burst` due together tomorrow and as many the
    day after, and `upcoming` spread over the year after that. Returns when the two bursts fall due."""
    now = datetime.now(UTC)
    first, second = now + timedelta(days=1), now + timedelta(days=2)

    def row(due: datetime, party: int) -> tuple[str, int, str, int]:
        return ("party_reminder", to_us(due), f'{{"party": {party}}}', to_us(now))

    rows = [row(now, -1)]
    rows += [row(first, i) for i in range(burst)] + [row(second, burst + i) for i in range(burst)]
    rows += [row(second + timedelta(days=1, minutes=i * 5), 2 * burst + i) for i in range(upcoming)]
    async with await open_database(path) as db:
        await db.migrate()
        async with db.transaction():
            await db.executemany(INSERT, rows)
    return first, second


async def measure(variant: Variant, path: Path, bursts: tuple[datetime, datetime], burst: int) -> Figures:
    handled: list[int] = []
    done = asyncio.Event()
    target = 1
    reading = False
    clock = VirtualClock()

    async def handler(timer: Any, late: bool) -> None:
        if reading:
            await db.fetchone("SELECT payload FROM timers WHERE id = ?", (timer.id,))
        handled.append(timer.id)
        if len(handled) >= target:
            done.set()

    async def all_handled(due: datetime, ids: range) -> float:
        """Milliseconds from `due` coming round until the timers numbered `ids` are handled, each once."""
        nonlocal target
        handled.clear()
        done.clear()
        target = len(ids)
        started = time.perf_counter()
        clock.advance(due - clock.now())
        await asyncio.wait_for(done.wait(), 60)
        elapsed = time.perf_counter() - started
        if sorted(handled) != list(ids):  # a repeat would stand in for one not yet handled
            raise SystemExit(f"{variant.name}: the {len(ids):,} timers due were not each handled once")
        return elapsed * 1000

    async with await open_database(path) as db:
        dispatcher = variant.dispatcher(variant.repository(db), clock)
        dispatcher.register("party_reminder", handler)
        tracemalloc.start()
        started = time.perf_counter()
        dispatcher.start()
        await asyncio.wait_for(done.wait(), 30)
        first = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        quick = await all_handled(bursts[0], range(2, burst + 2))
        reading = True
        reads = await all_handled(bursts[1], range(burst + 2, 2 * burst + 2))
        await dispatcher.stop()
    return Figures(first * 1000, peak / 1e6, quick, reads)


async def main(upcoming: int, burst: int, runs: int, baseline: str) -> None:
    variants = [Variant("batched", TimerRepository, TimerDispatcher)]
    if baseline:
        variants.insert(0, from_git(baseline))
    figures: dict[str, list[Figures]] = {v.name: [] for v in variants}
    with tempfile.TemporaryDirectory() as scratch:
        original = Path(scratch) / "template.db"
        bursts = await template(original, upcoming, burst)
        for run in range(runs):
            for variant in variants if run % 2 == 0 else variants[::-1]:
                copy = Path(scratch) / f"run{run}.db"
                shutil.copyfile(original, copy)
                figures[variant.name].append(await measure(variant, copy, bursts, burst))
                copy.unlink()

    print(f"{runs} runs, interleaved; min / median / max")
    for name, measured in figures.items():
        print(
            f"{name}: {upcoming:,} upcoming timers: first due timer handled "
            f"{spread((f.first_ms for f in measured), ',.1f')} ms after start, dispatcher memory peak "
            f"{spread((f.peak_mb for f in measured), '.1f')} MB, one dispatcher task"
        )
        print(f"{name}: {burst:,} due at once: all handled in {spread(f.burst_ms for f in measured)} ms")
        print(
            f"{name}: {burst:,} due at once, each handler reading a row: all handled in "
            f"{spread(f.reading_burst_ms for f in measured)} ms"
        )
    if baseline:
        old, new = (figures[v.name] for v in variants)
        for label, of in (("", attrgetter("burst_ms")), (", reading", attrgetter("reading_burst_ms"))):
            ratios = [of(n) / of(o) for o, n in zip(old, new, strict=True)]
            print(f"batched / one at a time{label}, same run: {spread(ratios, '.2f')}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upcoming", type=int, default=100_000)
    parser.add_argument("--burst", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--baseline", default=ONE_AT_A_TIME, help='the git revision to compare against; "" for none'
    )
    arguments = parser.parse_args()
    asyncio.run(main(arguments.upcoming, arguments.burst, arguments.runs, arguments.baseline))
