"""Cold members' first reads of their progress, all at once, while progress is being written.

    python -m bench.cold_reads [--members 100 200 500] [--runs 5] [--before REVISION]

Each sample is a new process on a new SQLite file holding 5,000 members' progress (half the cold members
among them), with two writers changing other members' progress throughout (a transaction of one
member's and one of twenty, each writer pausing 2 ms between its transactions). N members who have not
been seen since start-up then each call ProgressService.get at the same moment; a member's latency is the
time from that moment until their progress is back. The code at --before (the last commit with one
connection and one lock for every statement, unless told otherwise) is extracted with `git archive` into a
temporary folder and run the same way, alternating with the current code: A, B, A, B... Prints, per N,
the median, p99 and slowest latency, each as min / median / max over the runs, and the writes done
during the burst.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BEFORE = "d9cead147f261437694f91d7f33e1d7425016421"  # one connection, one lock, an unbounded cache
STORED = 5_000  # members with progress in the file
WRITERS = (1, 20)  # two writers: one member's progress in each transaction, and twenty (a batch job)
WRITE_EVERY = 0.002  # seconds each writer waits between its transactions


async def sample(members: int) -> dict[str, float | str]:
    """One run in this process, with whichever `bot` package is first on the path."""
    from bot.canon import EpisodeCode, load_canon
    from bot.core.clock import SystemClock
    from bot.core.database import Database
    from bot.progress.repository import ProgressRepository, UserProgress
    from bot.progress.service import ProgressService
    from bot.spoilers import Mode

    canon = load_canon()
    episodes = [episode.code for episode in canon.episodes]
    rng = random.Random(members)
    cold = rng.sample(range(1, 2 * STORED), members)  # about half of them have progress stored
    with tempfile.TemporaryDirectory() as scratch:
        async with await Database.open(Path(scratch) / "heartbot.db") as db:
            await db.migrate()
            async with db.transaction() as connection:
                await connection.executemany(
                    "INSERT INTO user_progress (user_id, season, episode, mode, hinted, updated_at) "
                    "VALUES (?, ?, ?, ?, 0, '2026-11-21T12:00:00+00:00')",
                    [
                        (user_id, code.season, code.number, Mode.WRAP.value)
                        for user_id in range(1, 2 * STORED, 2)
                        for code in [episodes[user_id % len(episodes)]]
                    ],
                )
            repository = ProgressRepository(db)
            progress = ProgressService(repository, canon, SystemClock())
            writes = 0
            stop = asyncio.Event()

            async def writer(batch: int) -> None:  # other members' progress changing, `batch` at a time
                nonlocal writes
                while not stop.is_set():
                    async with db.transaction():
                        for _ in range(batch):
                            user_id = 10_000_000 + writes % 50
                            watched = EpisodeCode(1, 1 + writes % 8)
                            now = SystemClock().now()
                            await repository.save(UserProgress(user_id, watched, Mode.WRAP, False, now))
                            writes += 1
                    await asyncio.sleep(WRITE_EVERY)

            writing = [asyncio.create_task(writer(batch)) for batch in WRITERS]
            await asyncio.sleep(0.1)  # the writer is under way
            latencies: list[float] = []
            writes_before = writes
            started = time.perf_counter()

            async def first_read(user_id: int) -> None:
                await progress.get(user_id)
                latencies.append((time.perf_counter() - started) * 1000)

            await asyncio.gather(*(first_read(user_id) for user_id in cold))
            writes_meanwhile = writes - writes_before
            stop.set()
            await asyncio.gather(*writing)
            from bench.stats import percentile

            return {
                "median": percentile(latencies, 0.5),
                "p99": percentile(latencies, 0.99),
                "max": max(latencies),
                "writes": writes_meanwhile,
                "code": str(Path(sys.modules[Database.__module__].__file__ or "").parent.parent.parent),
            }


def run_sample(tree: Path, members: int) -> dict[str, float]:
    """`sample` in a new process with `tree`'s bot package first on the path."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tree), str(ROOT)])}
    done = subprocess.run(
        [sys.executable, __file__, "--sample", str(members)],
        env=env,
        cwd=tempfile.gettempdir(),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"a sample failed in {tree}:\n{done.stderr}")
    figures = json.loads(done.stdout.splitlines()[-1])
    if Path(figures.pop("code")) != tree:  # the editable install must not have won over PYTHONPATH
        raise SystemExit(f"a sample meant for {tree} ran other code")
    return {key: float(value) for key, value in figures.items()}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--members", type=int, nargs="+", default=[100, 200, 500])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--before", default=BEFORE, help="the revision to compare with ('' for none)")
    parser.add_argument("--sample", type=int, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.sample:
        print(json.dumps(asyncio.run(sample(options.sample))))
        return

    from bench.stats import spread

    with tempfile.TemporaryDirectory() as scratch:
        trees = {"now": ROOT}
        if options.before:
            before = Path(scratch) / "before"
            before.mkdir()
            archive = subprocess.run(
                ["git", "archive", options.before, "bot", "data"], cwd=ROOT, capture_output=True, check=True
            )
            subprocess.run(["tar", "-x", "-C", str(before)], input=archive.stdout, check=True)
            trees = {f"before ({options.before[:7]})": before, **trees}
        results: dict[tuple[str, int], list[dict[str, float]]] = {}
        for _ in range(options.runs):
            for members in options.members:
                for name, tree in trees.items():  # interleaved: before, now, before, now...
                    results.setdefault((name, members), []).append(run_sample(tree, members))
    print(f"{options.runs} runs each; per figure: min / median / max over the runs, in ms")
    for members in options.members:
        print(f"{members} cold members at once:")
        for name in trees:
            runs = results[(name, members)]
            figures = "   ".join(
                f"{key} {spread((r[key] for r in runs), ',.1f')}" for key in ("median", "p99", "max")
            )
            print(f"  {name:<18} {figures}   (writes meanwhile {spread(r['writes'] for r in runs)})")
        if len(trees) == 2:
            (old, new) = (results[(name, members)] for name in trees)
            ratios = [a["max"] / b["max"] for a, b in zip(old, new, strict=True)]
            print(f"  slowest first read, before / now in the same round: {spread(ratios, '.1f')}x")


if __name__ == "__main__":
    main()
