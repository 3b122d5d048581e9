"""Time from INTERACTION_CREATE to the bot's acknowledgement, through the sandbox.

    python -m bench.interactions [--runs 200] [--burst 500]

For the trivial /ping and each real command: median and 99th percentile over --runs sequential runs, and
the ratio of each median to /ping's. Then --burst real commands arrive at once: how many were acknowledged
within Discord's 3 seconds, and the slowest. Request checking against the API description is off here, so
the figures are the bot's and not the checker's.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bench.stats import percentile
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
    "trivia",
    "episode episode:S2E5 share:true",
)


def latency_ms(interaction: Interaction) -> float:
    assert interaction.acknowledged_at is not None
    return (interaction.acknowledged_at - interaction.created_at) / timedelta(milliseconds=1)


async def sequential(sandbox: Sandbox, command: str, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        interaction = await sandbox.run_command("alice", command)
        await sandbox.acknowledged(interaction)
        samples.append(latency_ms(interaction))
    return samples


async def burst(sandbox: Sandbox, count: int) -> list[float]:
    interactions = await asyncio.gather(
        *(sandbox.run_command(f"fan{i % 50}", REAL[i % len(REAL)]) for i in range(count))
    )
    await sandbox.wait_for(lambda: all(i.response_type is not None for i in interactions), timeout=30)
    return [latency_ms(i) for i in interactions]


async def main(runs: int, burst_size: int) -> None:
    logging.basicConfig(level=logging.ERROR)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        async with (
            new_sandbox(spec=None) as sandbox,
            RunningBot(sandbox, Path(scratch) / "bench.db", extensions=(*EXTENSIONS, "bench.trivial_cog")),
        ):
            ready = time.perf_counter() - started
            for command in (TRIVIAL, *REAL):  # warm up: first calls build caches
                await sequential(sandbox, command, 5)
            results = {command: await sequential(sandbox, command, runs) for command in (TRIVIAL, *REAL)}
            burst_samples = await burst(sandbox, burst_size)
            await sandbox.idle()  # let follow-ups finish before the bot stops
            violations = list(sandbox.violations)
    baseline = statistics.median(results[TRIVIAL])
    print(f"sandbox and bot ready in {ready:.2f} s")
    print(f"{'command':<34}{'median ms':>10}{'p99 ms':>9}{'x /ping':>9}   ({runs} sequential runs each)")
    for command, samples in results.items():
        median = statistics.median(samples)
        print(f"/{command:<33}{median:>10.2f}{percentile(samples, 0.99):>9.2f}{median / baseline:>9.2f}")
    within = sum(sample <= 3000 for sample in burst_samples)
    print(
        f"burst of {burst_size}: {within}/{burst_size} acknowledged within 3 s; "
        f"median {statistics.median(burst_samples):.0f} ms, p99 {percentile(burst_samples, 0.99):.0f} ms, "
        f"slowest {max(burst_samples):.0f} ms"
    )
    if violations:
        print(f"{len(violations)} Discord rule(s) broken, first: {violations[0]}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--burst", type=int, default=500)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.runs, arguments.burst))
