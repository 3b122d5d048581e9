"""Interaction latency with the bot's data in PostgreSQL against SQLite, through the sandbox, interleaved.

    python -m bench.interactions_backends [--runs 5] [--samples 200] [--postgres URL] [--quick]

Each run starts a new sandbox and a new bot twice, in an order that alternates run by run: once on a new
SQLite file, once in a new PostgreSQL schema (dropped at the end). A few watch parties are planned, the
commands warmed up, then --samples rounds of the commands below are timed, one of each per round in a
shuffled order (bench/interactions.py's rounds: from INTERACTION_CREATE to the acknowledgement, each once
the bot has finished what the one before set off). /progress set writes (and, on PostgreSQL, tells the
other processes), /progress show and /watchparty list read, /ping touches no data. It prints each
command's p50 and p99 on each backend, and PostgreSQL's over SQLite's for the same run, as
min / median / max over the runs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import tempfile
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta
from pathlib import Path

from bench.interactions import TRIVIAL, rounds
from bench.stats import percentile, spread
from bot.core.app import EXTENSIONS
from bot.core.pg_schema import fresh_schema
from bot.sandbox.harness import Actor, RunningBot, new_sandbox
from bot.sandbox.server import Sandbox

POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
COMMANDS = (TRIVIAL, "progress set episode:S2E3", "progress show", "watchparty list")
PARTIES = 5
BACKENDS = ("sqlite", "postgres")
Run = dict[str, list[float]]  # each command's latencies, ms


async def plan_parties(sandbox: Sandbox, count: int) -> None:
    """Parties in #general two days ahead, so /watchparty list has some to list."""
    start = sandbox.clock.now() + timedelta(days=2)
    for number in range(count):
        await Actor(sandbox, f"host{number}").run(
            f'/watchparty create episodes:S2E{number % 8 + 1} start:"{start:%Y-%m-%d} {18 + number}:00"'
        )
        await sandbox.idle()


@contextlib.asynccontextmanager
async def database(backend: str, scratch: Path, server: str) -> AsyncIterator[Path | str]:
    """A new SQLite file in `scratch`, or a new PostgreSQL schema, dropped afterwards."""
    if backend == "sqlite":
        yield scratch / "bench.db"
    else:
        async with fresh_schema(server, prefix="bench") as schema:
            yield schema.url


async def one_run(backend: str, server: str, samples: int, seed: int) -> Run:
    with tempfile.TemporaryDirectory() as scratch:
        async with (
            database(backend, Path(scratch), server) as target,
            new_sandbox(spec=None) as sandbox,
            RunningBot(sandbox, target, extensions=(*EXTENSIONS, "bench.trivial_cog")),
        ):
            await plan_parties(sandbox, PARTIES)
            await rounds(sandbox, 5, seed=0, commands=COMMANDS)  # warm up: first calls build caches
            return await rounds(sandbox, samples, seed=seed, commands=COMMANDS)


def report(runs: dict[str, list[Run]], samples: int) -> None:
    count = len(runs[BACKENDS[0]])
    print(f"{count} runs of {samples} rounds, the backends interleaved; min / median / max over the runs")
    print(f"{'command':<28}{'backend':<10}{'p50 ms':<22}{'p99 ms':<22}")
    for command in COMMANDS:
        for backend in BACKENDS:
            p50 = [percentile(run[command], 0.5) for run in runs[backend]]
            p99 = [percentile(run[command], 0.99) for run in runs[backend]]
            print(f"/{command:<27}{backend:<10}{spread(p50, '.2f'):<22}{spread(p99, '.2f'):<22}")
        pairs = list(zip(runs["postgres"], runs["sqlite"], strict=True))
        ratio50 = [percentile(pg[command], 0.5) / percentile(lite[command], 0.5) for pg, lite in pairs]
        ratio99 = [percentile(pg[command], 0.99) / percentile(lite[command], 0.99) for pg, lite in pairs]
        print(f"{'':<28}{'pg/sqlite':<10}{spread(ratio50, '.2f'):<22}{spread(ratio99, '.2f'):<22}")


async def main(runs: int, samples: int, server: str) -> None:
    logging.basicConfig(level=logging.ERROR)
    measured: dict[str, list[Run]] = {backend: [] for backend in BACKENDS}
    for run in range(runs):
        order: Sequence[str] = BACKENDS if run % 2 == 0 else BACKENDS[::-1]
        for backend in order:
            measured[backend].append(await one_run(backend, server, samples, seed=run + 1))
        print(f"run {run + 1} of {runs} done", flush=True)
    report(measured, samples)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--postgres", default=POSTGRES, help="a server and database; a schema is made there")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 2 runs of 10 rounds")
    arguments = parser.parse_args()
    if arguments.quick:
        arguments.runs, arguments.samples = 2, 10
    asyncio.run(main(arguments.runs, arguments.samples, arguments.postgres))
