"""10,000 servers across 4 shards in the sandbox: the bot as 1, 2 or 4 processes of its own holding them,
on one PostgreSQL database, interleaved run by run.

    python -m bench.shards_at_scale [--servers 10000] [--shards 4] [--runs 5] [--quick]
                                    [--postgres postgresql://postgres@127.0.0.1:5432/test]

One sandbox holds the servers (each with a channel and the bot in it); each run starts, for each layout in
an order that alternates, fresh `python -m bot` processes (bot/sandbox/processes.py: SANDBOX_URL, the shard
settings, a new schema) and waits until every shard of every process is ready, its servers' GUILD_CREATE
read. It prints the time from the first spawn to the last process ready, and each process's resident memory
once ready (the shield's semantic reader off: its model is the same 100 MB or so in every layout), min /
median / max over the runs, with the sandbox's own memory beside them.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from dataclasses import dataclass

from bench.stats import rss_mb, spread
from bot.core.database import open_database
from bot.core.pg_schema import fresh_schema
from bot.core.shard_slice import shard_of
from bot.sandbox.harness import new_sandbox
from bot.sandbox.processes import BotProcesses
from bot.sandbox.server import Sandbox

POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


@dataclass(frozen=True)
class Figures:
    ready_s: float  # first spawn to every process ready
    rss_mb: list[float]  # each process, once ready
    servers: list[int]  # each process's servers


async def measure(sandbox: Sandbox, server: str, shards: int, processes: int) -> Figures:
    async with fresh_schema(server, prefix="bench") as schema, await open_database(schema.url) as db:
        await db.migrate()
        bots = BotProcesses(sandbox, schema.url, db, shards, processes)
        started = time.perf_counter()
        async with bots:
            ready = time.perf_counter() - started
            pids = [bot.process.pid for bot in bots.bots if bot.process is not None]
            memory = [rss_mb(pid) for pid in pids]
            per_process = [
                sum(1 for guild in sandbox.guilds.values() if shard_of(guild.id, shards) in bot.shard_ids)
                for bot in bots.bots
            ]
    return Figures(ready, memory, per_process)


async def main(servers: int, shards: int, runs: int, server: str) -> None:
    layouts = [n for n in (1, 2, 4) if n <= shards]
    async with new_sandbox(max_guilds_per_shard=max(2500, -(-servers // shards))) as sandbox:
        made = time.perf_counter()
        for index in range(len(sandbox.guilds), servers):
            sandbox.add_guild(f"Fan server {index + 1}", [f"general-{index + 1}"])
        print(
            f"{len(sandbox.guilds):,} servers made in {time.perf_counter() - made:.1f} s; "
            f"the sandbox holds {rss_mb():,.0f} MB"
        )
        figures: dict[int, list[Figures]] = {n: [] for n in layouts}
        for run in range(runs):
            for processes in layouts if run % 2 == 0 else layouts[::-1]:
                figures[processes].append(await measure(sandbox, server, shards, processes))
            print(f"run {run + 1} of {runs} done", flush=True)
        print(f"{servers:,} servers over {shards} shards, {runs} runs, min / median / max over the runs")
        for processes, found in figures.items():
            each = [mb for f in found for mb in f.rss_mb]
            total = [sum(f.rss_mb) for f in found]
            print(
                f"{processes} process(es), {found[0].servers} servers each: every shard ready in "
                f"{spread([f.ready_s for f in found], '.1f')} s; each process {spread(each, ',.0f')} MB, "
                f"all together {spread(total, ',.0f')} MB"
            )
        print(f"the sandbox at the end: {rss_mb():,.0f} MB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=10_000)
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--postgres", default=POSTGRES, help="a server and database; a schema is made there")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 200 servers, 1 run")
    arguments = parser.parse_args()
    if arguments.quick:
        arguments.servers, arguments.runs = 200, 1
    asyncio.run(main(arguments.servers, arguments.shards, arguments.runs, arguments.postgres))
