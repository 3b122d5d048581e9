"""Timers at scale: 1,000,000 pending in PostgreSQL, dispatched by one or two real processes, against one
process on SQLite holding as many, interleaved.

    python -m bench.timers_at_scale [--pending 1000000] [--burst 10000] [--runs 5] [--quick]
                                    [--postgres postgresql://postgres@127.0.0.1:5432/test] [--plans]

The set-up (not timed) loads --pending timers, due from a day ahead over the year after, into a schema of
its own in PostgreSQL (dropped at the end) and into an SQLite file, both with the migrations' indexes
(0015_timer_indexes.sql came from this benchmark's trials). Each run then tries, in an order that
alternates, these set-ups, each in new processes
(bench/timer_worker.py: the real Database and TimerDispatcher, on the system clock, handlers that do
nothing):

  sqlite, 1 process          the baseline
  postgres, 1 process
  postgres, 2 processes      both own every server (ShardSlice()): they compete, FOR UPDATE SKIP LOCKED
  postgres, 2 by shard       2 shards, one each: ShardSlice(2, (0,)) and ShardSlice(2, (1,))

For each: 10 timers fall due just before the processes start: from `start()` to the first handler call,
and to the dispatcher resting (the due ones done, the next one a day away); then one process adds --burst
timers due at once and tells every dispatcher, as a new timer does: the time until the last of them is
written done, claimed and settled timers a second overall and per process, and whether any ran twice or
not at all (from the handlers' own record, checked against the table).

Then the query plans of the claim and of `next_claimable` at --pending rows, as the repository sends
them: on PostgreSQL EXPLAIN ANALYZE with a burst due (rolled back), both the plan picked for the values
(custom) and the one a prepared statement may settle on (generic), and which of the two PostgreSQL does
settle on over 20 runs; on SQLite EXPLAIN QUERY PLAN; and next_claimable's time on each copy.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import re
import statistics
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

from bench import timer_worker
from bench.stats import spread
from bot.core.database import Database, Row, is_postgres_url, open_database, to_us
from bot.core.pg_schema import fresh_schema
from bot.core.postgres_database import numbered
from bot.core.shard_slice import ShardSlice
from bot.core.timers_repository import TimerRepository

POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
STARTUP_DUE = 10  # timers due as the processes start
COLUMNS = ("event", "due_us", "payload", "created_us", "guild_id")
WAIT = 300.0  # seconds a burst may take before the benchmark gives up on it
EVERYTHING, SHARD_0, SHARD_1 = ShardSlice(), ShardSlice(2, (0,)), ShardSlice(2, (1,))


@dataclass(frozen=True)
class Setup:
    name: str
    store: str  # a key of the targets: "sqlite" or "postgres"
    owners: tuple[ShardSlice, ...]  # one process each


SETUPS = (
    Setup("sqlite, 1 process", "sqlite", (EVERYTHING,)),
    Setup("postgres, 1 process", "postgres", (EVERYTHING,)),
    Setup("postgres, 2 processes", "postgres", (EVERYTHING, EVERYTHING)),
    Setup("postgres, 2 by shard", "postgres", (SHARD_0, SHARD_1)),
)


RATIOS = (  # (setup, its baseline)
    ("postgres, 1 process", "sqlite, 1 process"),
    ("postgres, 2 processes", "postgres, 1 process"),
    ("postgres, 2 by shard", "postgres, 1 process"),
)


@dataclass(frozen=True)
class Figures:
    first_ms: list[float]  # per process: start() to its first handler call
    rested_ms: list[float]  # per process: start() to resting
    burst_ms: float  # the burst's news sent to its last result written
    per_process: list[int]  # burst timers each process ran
    per_process_ms: list[float]  # to each process's last result written

    @property
    def rate(self) -> float:
        return sum(self.per_process) / (self.burst_ms / 1000)


def rows(count: int, now: datetime, start: timedelta, span: timedelta) -> list[tuple[Any, ...]]:
    """`count` timers due from `now + start` over `span`, on servers whose shard (of 2) alternates."""
    step = span / max(count, 1)
    created = to_us(now)
    return [
        (
            timer_worker.EVENT,
            to_us(now + start + step * i),
            f'{{"n": {i}}}',
            created,
            timer_worker.guild_id(i),
        )
        for i in range(count)
    ]


async def load(targets: dict[str, str], pending: int) -> None:
    now = datetime.now(UTC)
    loaded = rows(pending, now, timedelta(days=1), timedelta(days=365))
    for store, target in targets.items():
        started = time.perf_counter()
        async with await open_database(target) as db:
            await db.migrate()
            if db.dialect == "sqlite":
                await db.executemany(
                    f"INSERT INTO timers ({', '.join(COLUMNS)}) VALUES (?, ?, ?, ?, ?)", loaded
                )
                await db.execute("ANALYZE")
        if is_postgres_url(target):
            connection = await asyncpg.connect(target)
            await connection.copy_records_to_table("timers", records=loaded, columns=COLUMNS)
            await connection.execute("ANALYZE timers")
            await connection.close()
        print(f"{store}: {pending:,} pending timers loaded in {time.perf_counter() - started:.1f} s")


class Worker:
    def __init__(self, target: str, owner: ShardSlice) -> None:
        context = multiprocessing.get_context("spawn")  # a fresh interpreter, as a second bot would be
        self.pipe, child = context.Pipe()
        self.process = context.Process(
            target=timer_worker.serve, args=(child, target, owner.count, owner.ids), daemon=True
        )
        self.process.start()
        child.close()

    async def ask(self, *command: Any) -> tuple[Any, ...]:
        if command:
            self.pipe.send(command)
        if not await asyncio.to_thread(self.pipe.poll, WAIT):
            raise SystemExit(f"a timer process did not answer {command or 'opening'} in {WAIT:.0f} s")
        answer: tuple[Any, ...] = self.pipe.recv()
        return answer

    async def stop(self) -> None:
        await self.ask("stop")
        await asyncio.to_thread(self.process.join, 10)


async def measure(setup: Setup, target: str, burst: int, key: int) -> Figures:
    async with await open_database(target) as db:
        await db.executemany(
            f"INSERT INTO timers ({', '.join(COLUMNS)}) VALUES (?, ?, ?, ?, ?)",
            rows(STARTUP_DUE, datetime.now(UTC), timedelta(seconds=-1), timedelta(milliseconds=1)),
        )
    workers = [Worker(target, owner) for owner in setup.owners]
    try:
        await asyncio.gather(*(w.ask() for w in workers))  # each has its database open
        ready = await asyncio.gather(*(w.ask("start") for w in workers))
        await asyncio.gather(*(w.ask("expect", key) for w in workers))
        _, sent = await workers[0].ask("burst", burst, key)
        while sum(c[1] for c in await asyncio.gather(*(w.ask("count") for w in workers))) < burst:
            if time.monotonic() - sent > WAIT:
                raise SystemExit(f"{setup.name}: the burst of {burst:,} was not done in {WAIT:.0f} s")
            await asyncio.sleep(0.005)
        reports = await asyncio.gather(*(w.ask("report") for w in workers))
    finally:
        await asyncio.gather(*(w.stop() for w in workers))
    ran = [timer_id for report in reports for timer_id in report[1]]
    async with await open_database(target) as db:
        undone = await db.fetchval(
            "SELECT COUNT(*) FROM timers WHERE payload = ? AND done_us IS NULL", (f'{{"burst": {key}}}',)
        )
    if len(ran) != burst or len(set(ran)) != burst or undone:
        raise SystemExit(
            f"{setup.name}: of {burst:,} timers due, {len(ran):,} handler calls for {len(set(ran)):,} "
            f"timers, {undone:,} not marked done"
        )
    last = [report[2] for report in reports]
    return Figures(
        first_ms=[r[1] for r in ready if r[1] is not None],
        rested_ms=[r[2] for r in ready],
        burst_ms=(max(last) - sent) * 1000,
        per_process=[len(report[1]) for report in reports],
        per_process_ms=[(t - sent) * 1000 for t in last],
    )


class Recording:
    """A Database that notes the statements the repository reads with, to explain them."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self.statements: list[tuple[str, tuple[Any, ...]]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._db, name)

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        self.statements.append((sql, tuple(params)))
        return await self._db.fetchall(sql, params)

    async def returning(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        self.statements.append((sql, tuple(params)))
        return await self._db.returning(sql, params)

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> Row | None:
        found = await self.fetchall(sql, params)
        return found[0] if found else None

    async def fetchval(self, sql: str, params: Iterable[Any] = ()) -> Any:
        row = await self.fetchone(sql, params)
        return row[0] if row is not None else None


async def statements(target: str) -> tuple[int, dict[str, tuple[str, tuple[Any, ...]]]]:
    """The claim and next_claimable as the repository sends them (for every server, and for shard 0 of
    2), with the moment they were sent as: nothing is due then, so the claim claims nothing."""
    found = {}
    now = datetime.now(UTC)
    async with await open_database(target) as db:
        recording = Recording(db)
        repository = TimerRepository(recording)  # type: ignore[arg-type]
        for label, owner in (("every server", ShardSlice()), ("shard 0 of 2", ShardSlice(2, (0,)))):
            await repository.claim(now, 100, "bench", now, owner)
            found[f"claim, {label}"] = recording.statements[-1]
            await repository.next_claimable(owner)
            found[f"next_claimable, {label}"] = recording.statements[-1]
    return to_us(now), found


def summary(plan: Sequence[str]) -> str:
    """The plan's scans and its execution time, in one line."""
    scans = [re.sub(r"\s+\(cost.*", "", line).strip(" ->") for line in plan if "Scan" in line]
    timing = next((line.split(":")[1].strip() for line in plan if line.startswith("Execution Time")), "")
    return f"{'; '.join(scans)} | {timing}"


async def postgres_plans(store: str, url: str, burst: int, full: bool) -> None:
    then, found = await statements(url)
    connection = await asyncpg.connect(url)
    try:
        transaction = connection.transaction()
        await transaction.start()  # rolled back: the burst and the claims leave nothing behind
        await connection.copy_records_to_table(
            "timers",
            records=rows(burst, datetime.now(UTC), timedelta(seconds=-1), timedelta(0)),
            columns=COLUMNS,
        )
        now = to_us(datetime.now(UTC))
        print(f"{store}: query plans with {burst:,} due (EXPLAIN ANALYZE, rolled back):")
        for number, (name, (sql, params)) in enumerate(found.items()):
            values = tuple(now if p == then else p for p in params)  # due by now, the burst among them
            await connection.execute(f"PREPARE bench_{number} AS {numbered(sql)}")
            for mode in ("force_custom_plan", "force_generic_plan"):
                await connection.execute(f"SET LOCAL plan_cache_mode = {mode}")
                listed = f"({', '.join(repr(v) for v in values)})" if values else ""
                await connection.execute("SAVEPOINT explained")
                explained = await connection.fetch(
                    f"EXPLAIN (ANALYZE, BUFFERS) EXECUTE bench_{number}{listed}"
                )
                plan = [row[0] for row in explained]
                await connection.execute("ROLLBACK TO explained")
                kind = mode.split("_")[1]
                print(f"  {name}, {kind}: {summary(plan)}")
                if full:
                    print("\n".join(f"      {line}" for line in plan))
    finally:
        await transaction.rollback()
        await connection.close()


async def sqlite_plans(store: str, path: str) -> None:
    _, found = await statements(path)
    async with await open_database(path) as db:
        print(f"{store}: query plans (EXPLAIN QUERY PLAN):")
        for name, (sql, params) in found.items():
            plan = await db.fetchall(f"EXPLAIN QUERY PLAN {sql}", params)
            print(f"  {name}: {'; '.join(row['detail'] for row in plan)}")


async def next_claimable_ms(target: str, owner: ShardSlice, times: int = 5) -> float:
    async with await open_database(target) as db:
        repository = TimerRepository(db)
        samples = []
        for _ in range(times):
            started = time.perf_counter()
            await repository.next_claimable(owner)
            samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


async def plans_chosen(store: str, url: str, times: int = 20) -> None:
    """Which plans PostgreSQL settles on for the repository's prepared claim and next_claimable, as a
    dispatcher runs them again and again (here with nothing due)."""
    async with await open_database(url, pool_size=1) as db:  # one connection: one session's statements
        repository = TimerRepository(db)
        for _ in range(times):
            for owner in (EVERYTHING, SHARD_0):
                now = datetime.now(UTC)
                await repository.claim(now, 100, "bench", now, owner)
                await repository.next_claimable(owner)
        chosen = await db.fetchall(
            "SELECT statement, custom_plans, generic_plans FROM pg_prepared_statements"
            " WHERE statement LIKE '%FROM timers WHERE done_us IS NULL%'"
            " AND statement NOT LIKE '%pg_prepared_statements%'"
        )
    print(f"{store}: plans chosen over {times} runs of each (custom / generic):")
    for row in chosen:
        kind = "claim" if row["statement"].startswith("UPDATE") else "next_claimable"
        whose = "shard 0 of 2" if ">> 22" in row["statement"] else "every server"
        print(f"  {kind}, {whose}: {row['custom_plans']} / {row['generic_plans']}")


async def next_claimable_times(targets: dict[str, str]) -> None:
    print("next_claimable, median of 5 calls:")
    for store, target in targets.items():
        for label, owner in (("every server", EVERYTHING), ("shard 0 of 2", SHARD_0)):
            print(f"  {store}, {label}: {await next_claimable_ms(target, owner):,.1f} ms")


def report(figures: dict[str, list[Figures]], burst: int) -> None:
    print(f"{len(next(iter(figures.values())))} runs, interleaved; min / median / max")
    for name, measured in figures.items():
        first = spread((min(f.first_ms) for f in measured), ",.1f")
        rested = spread((max(f.rested_ms) for f in measured), ",.0f")
        print(f"{name}: start() to the first handler call {first} ms, to resting {rested} ms")
        print(
            f"{name}: {burst:,} due at once, all done in {spread(f.burst_ms for f in measured)} ms: "
            f"{spread(f.rate for f in measured)} timers claimed and settled a second"
        )
        if len(measured[0].per_process) > 1:
            for index in range(len(measured[0].per_process)):
                shares = [f.per_process[index] for f in measured]
                rates = [f.per_process[index] / f.per_process_ms[index] * 1000 for f in measured]
                print(
                    f"    process {index + 1}: ran {spread(shares)} of them, "
                    f"{spread(rates)} a second until its last was written"
                )
    print(
        f"every setup, every run: each of the {burst:,} ran once (the handlers' record and the table agree)"
    )
    for name, baseline in RATIOS:
        if name in figures and baseline in figures:
            pairs = zip(figures[name], figures[baseline], strict=True)
            ratios = [f.burst_ms / b.burst_ms for f, b in pairs]
            print(f"{name} / {baseline}, the burst's time, same run: {spread(ratios, '.2f')}")


async def main(arguments: argparse.Namespace) -> None:
    tried = list(SETUPS)
    figures: dict[str, list[Figures]] = {setup.name: [] for setup in tried}
    with tempfile.TemporaryDirectory() as scratch:
        async with fresh_schema(arguments.postgres, prefix="bench") as schema:
            url = schema.url
            targets = {"sqlite": str(Path(scratch) / "timers.db"), "postgres": url}
            await load(targets, arguments.pending)
            key = 0
            for run in range(arguments.runs):
                for setup in tried if run % 2 == 0 else tried[::-1]:
                    key += 1
                    figures[setup.name].append(
                        await measure(setup, targets[setup.store], arguments.burst, key)
                    )
                print(f"run {run + 1} of {arguments.runs} done", flush=True)
            print(f"{arguments.pending:,} pending timers, {STARTUP_DUE} due at start-up")
            report(figures, arguments.burst)
            for store, target in targets.items():
                if is_postgres_url(target):
                    await postgres_plans(store, target, arguments.burst, arguments.plans)
                    await plans_chosen(store, target)
                else:
                    await sqlite_plans(store, target)
            await next_claimable_times(targets)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pending", type=int, default=1_000_000)
    parser.add_argument("--burst", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--postgres", default=POSTGRES, help="a server and database; a schema is made there")
    parser.add_argument("--plans", action="store_true", help="print the query plans whole")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 10,000 pending, 500 due, 2 runs")
    arguments = parser.parse_args()
    if arguments.quick:
        arguments.pending, arguments.burst, arguments.runs = 10_000, 500, 2
    asyncio.run(main(arguments))
