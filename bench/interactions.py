"""Time from INTERACTION_CREATE to the bot's acknowledgement, through the sandbox.

    python -m bench.interactions [--repeats 5] [--samples 100] [--burst 500]

Each of --repeats runs times the trivial /ping and every real command in rounds (one of each per round, in
a shuffled order), --samples rounds, so drift on a shared machine touches them all alike; then --burst real
commands arrive at once. It prints, as min / median / max over the runs: each command's median and its
ratio to /ping's median in the same run; the burst's median, 99th percentile and slowest acknowledgement;
and its deadline misses as figures: acknowledgements Discord would refuse (later than 3 s), interactions
never acknowledged, and how many were acknowledged by a deferral. Request checking against the API
description is off here, so the figures are the bot's and not the checker's.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import random
import statistics
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp

from bench.stats import percentile, spread
from bot.core.app import EXTENSIONS
from bot.sandbox.harness import RunningBot, new_sandbox
from bot.sandbox.server import Sandbox
from bot.sandbox.world import Interaction

TRIVIAL = "ping"
REAL = (
    "help",
    "about",
    "progress show",
    "episode episode:S2E5",
    "episode episode:Promise",
    "season season:2",
    "cast",
    "character name:Charlie",
    'character name:"Jo Lock"',  # a typo: the fuzzy match
    "trivia",
    "episode episode:S2E5 share:true",
)
DEADLINE = timedelta(seconds=3)
BURST_WAIT = 15.0  # seconds a burst may take to be acknowledged before the rest count as never acknowledged


def latency_ms(interaction: Interaction) -> float:
    assert interaction.acknowledged_at is not None
    return (interaction.acknowledged_at - interaction.created_at) / timedelta(milliseconds=1)


async def rounds(
    sandbox: Sandbox, samples: int, seed: int, commands: Sequence[str] = (TRIVIAL, *REAL)
) -> dict[str, list[float]]:
    """`samples` rounds of every command once, in an order shuffled each round (so no command always
    follows the same one), each timed once the bot has finished everything the one before set off."""
    commands = list(commands)
    order = random.Random(seed)
    results: dict[str, list[float]] = {command: [] for command in commands}
    for _ in range(samples):
        order.shuffle(commands)
        for command in commands:
            interaction = await sandbox.run_command("alice", command)
            await sandbox.acknowledged(interaction)
            results[command].append(latency_ms(interaction))
            await sandbox.idle()  # its follow-ups, and the shield reading a shared post
    return results


@dataclass(frozen=True)
class Burst:
    in_time: list[float]  # ms to each acknowledgement Discord accepted
    late: int  # acknowledgements sent after 3 s (Discord answers 10062: "did not respond")
    never: int  # interactions the bot never acknowledged
    deferred: int  # acknowledged by a deferral, the answer following it
    new_connections: int
    reused_connections: int


class Connections:
    """Counts the HTTP connections the bot opens and reuses, through aiohttp's tracing."""

    def __init__(self) -> None:
        self.new = self.reused = 0
        self.trace = aiohttp.TraceConfig()
        self.trace.on_connection_create_end.append(self._created)
        self.trace.on_connection_reuseconn.append(self._reused)

    async def _created(self, *_: Any) -> None:
        self.new += 1

    async def _reused(self, *_: Any) -> None:
        self.reused += 1


async def burst(sandbox: Sandbox, connections: Connections, count: int) -> Burst:
    new, reused = connections.new, connections.reused
    sandbox.violations.clear()
    interactions = await asyncio.gather(
        *(sandbox.run_command(f"fan{i % 50}", REAL[i % len(REAL)]) for i in range(count))
    )
    with contextlib.suppress(TimeoutError):  # what is still unacknowledged then is counted, not raised
        await sandbox.wait_for(lambda: all(i.response_type is not None for i in interactions), BURST_WAIT)
    with contextlib.suppress(TimeoutError):
        await sandbox.idle()  # follow-ups finish before the next run, and unanswered ones are reported
    late_ids = {v.split()[1] for v in sandbox.violations if v.endswith("was acknowledged after 3 seconds")}
    sandbox.violations.clear()  # counted here; the next run starts clean
    answered = [i for i in interactions if i.acknowledged_at is not None]
    late = sum(str(i.id) in late_ids for i in interactions)
    return Burst(
        in_time=[latency_ms(i) for i in answered],
        late=late,
        never=len(interactions) - len(answered) - late,
        deferred=sum(i.response_type == 5 for i in answered),
        new_connections=connections.new - new,
        reused_connections=connections.reused - reused,
    )


def print_commands(runs: Sequence[dict[str, list[float]]], samples: int) -> None:
    print(f"{'command':<34}{'median ms':<22}{'x /ping':<20}({len(runs)} runs of {samples} rounds)")
    for command in (TRIVIAL, *REAL):
        medians = [statistics.median(run[command]) for run in runs]
        ratios = [statistics.median(run[command]) / statistics.median(run[TRIVIAL]) for run in runs]
        print(f"/{command:<33}{spread(medians, '.2f'):<22}{spread(ratios, '.2f'):<20}")


def print_bursts(bursts: Sequence[Burst], count: int) -> None:
    def over(values: Sequence[float], spec: str = ".0f") -> str:
        return spread(values, spec)

    print(
        f"burst of {count} ({len(bursts)} runs): "
        f"acknowledged within 3 s {over([len(b.in_time) for b in bursts])}, "
        f"late {over([b.late for b in bursts])}, never {over([b.never for b in bursts])}, "
        f"by a deferral {over([b.deferred for b in bursts])}"
    )
    timed = [b for b in bursts if b.in_time]
    if timed:
        print(
            f"  acknowledged in: median {over([statistics.median(b.in_time) for b in timed])} ms, "
            f"p99 {over([percentile(b.in_time, 0.99) for b in timed])} ms, "
            f"slowest {over([max(b.in_time) for b in timed])} ms"
        )
    print(
        f"  HTTP connections the bot opened {over([b.new_connections for b in bursts])}, "
        f"reused {over([b.reused_connections for b in bursts])}"
    )


async def main(repeats: int, samples: int, burst_size: int) -> None:
    logging.basicConfig(level=logging.ERROR)
    started = time.perf_counter()
    connections = Connections()
    with tempfile.TemporaryDirectory() as scratch:
        async with (
            new_sandbox(spec=None) as sandbox,
            RunningBot(
                sandbox,
                Path(scratch) / "bench.db",
                extensions=(*EXTENSIONS, "bench.trivial_cog"),
                http_trace=connections.trace,
            ),
        ):
            ready = time.perf_counter() - started
            await rounds(sandbox, 5, seed=0)  # warm up: first calls build caches
            runs, bursts = [], []
            for run in range(1, repeats + 1):
                runs.append(await rounds(sandbox, samples, seed=run))
                bursts.append(await burst(sandbox, connections, burst_size))
    print(f"sandbox and bot ready in {ready:.2f} s")
    print_commands(runs, samples)
    print_bursts(bursts, burst_size)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--burst", type=int, default=500)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.repeats, arguments.samples, arguments.burst))
