"""Cold members' first reads of their progress, all at once, while progress is being written.

    python -m bench.cold_reads [--members 100 200 500] [--runs 5] [--before REVISION]
                               [--sandbox [--command "progress show"] [--connector-limit N]]

Each sample is a new process on a new SQLite file holding 5,000 members' progress (half the cold members
among them), with two writers changing other members' progress throughout (a transaction of one
member's and one of twenty, each writer pausing 2 ms between its transactions). N members who have not
been seen since start-up then each call ProgressService.get at the same moment; a member's latency is the
time from that moment until their progress is back. With --sandbox, the whole bot instead, through the
sandbox: N members who never used it each run /progress show (or --command) at once, timed from the
interaction's creation to its acknowledgement, with those past Discord's 3 seconds counted, and the HTTP
connections the bot opened meanwhile; --connector-limit hands the bot an aiohttp connector with at most N
connections, to see what a bounded pool would change.

"Before" is this checkout with the database's and progress's files as they were at --before (the last
commit with one connection and one lock for every statement), so nothing else differs; the two run
alternately, A, B, A, B..., each sample in a process of its own. Prints, per N, the median, p99 and
slowest latency, each as min / median / max over the runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BEFORE = "d9cead147f261437694f91d7f33e1d7425016421"  # one connection, one lock, an unbounded cache
STORED = 5_000  # members with progress in the file
CHANGED = (  # what reads that don't queue changed
    "bot/core/database.py",
    "bot/progress/service.py",
    "bot/progress/repository.py",
    "bot/progress/channel_levels.py",
    "bot/progress/channel_levels_repository.py",
)
WRITERS = (1, 20)  # two writers: one member's progress in each transaction, and twenty (a batch job)
WRITE_EVERY = 0.002  # seconds each writer waits between its transactions


async def sample(members: int) -> dict[str, float | str]:
    """One run in this process, with whichever `bot` package is first on the path."""
    from bot.canon import EpisodeCode, load_canon
    from bot.core.clock import SystemClock
    from bot.core.database import Database, open_database
    from bot.progress.repository import ProgressRepository, UserProgress
    from bot.progress.service import ProgressService
    from bot.spoilers import Mode

    canon = load_canon()
    episodes = [episode.code for episode in canon.episodes]
    rng = random.Random(members)
    cold = rng.sample(range(1, 2 * STORED), members)  # about half of them have progress stored
    with tempfile.TemporaryDirectory() as scratch:
        async with await open_database(Path(scratch) / "heartbot.db") as db:
            await db.migrate()
            async with db.transaction():
                await db.executemany(
                    "INSERT INTO user_progress (user_id, season, episode, mode, hinted, updated_us) "
                    "VALUES (?, ?, ?, ?, 0, 1795262400000000)",
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


async def sandbox_sample(members: int, command: str, connector_limit: int) -> dict[str, float | str]:
    """One run through the sandbox: `members` who never used the bot each run `command` at once (their
    first command reads their progress; /progress set then writes it)."""
    import contextlib
    import logging

    import aiohttp

    from bench.stats import percentile
    from bot.core.app import EXTENSIONS
    from bot.core.database import Database
    from bot.sandbox.harness import RunningBot, new_sandbox

    logging.basicConfig(level=logging.CRITICAL)
    connections = 0

    async def opened(*_: object) -> None:
        nonlocal connections
        connections += 1

    trace = aiohttp.TraceConfig()
    trace.on_connection_create_end.append(opened)
    # what the bot would get from a bounded connection pool (discord.py's own has no limit)
    pool = {"connector": aiohttp.TCPConnector(limit=connector_limit)} if connector_limit else {}
    with tempfile.TemporaryDirectory() as scratch:
        async with (
            new_sandbox(spec=None) as sandbox,
            RunningBot(
                sandbox, Path(scratch) / "heartbot.db", extensions=EXTENSIONS, http_trace=trace, **pool
            ),
        ):
            await sandbox.acknowledged(await sandbox.run_command("warmup", "about"))
            sandbox.violations.clear()
            connections = 0
            interactions = await asyncio.gather(
                *(sandbox.run_command(f"fan{i}", command) for i in range(members))
            )
            with contextlib.suppress(TimeoutError):  # what is unacknowledged by then is counted, not raised
                await sandbox.wait_for(lambda: all(i.response_type is not None for i in interactions), 15)
            with contextlib.suppress(TimeoutError):
                await sandbox.idle()
            late = sum(v.endswith("was acknowledged after 3 seconds") for v in sandbox.violations)
            times = [
                (i.acknowledged_at - i.created_at).total_seconds() * 1000
                for i in interactions
                if i.acknowledged_at is not None
            ]
    return {
        "median": percentile(times, 0.5) if times else float("nan"),
        "p99": percentile(times, 0.99) if times else float("nan"),
        "max": max(times, default=float("nan")),
        "late": late,
        "never": members - len(times),
        "connections": connections,
        "code": str(Path(sys.modules[Database.__module__].__file__ or "").parent.parent.parent),
    }


def run_sample(
    tree: Path, members: int, sandbox: bool, command: str, connector_limit: int
) -> dict[str, float]:
    """A sample in a new process with `tree`'s bot package first on the path."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tree), str(ROOT)])}
    mode = ["--sandbox-sample", str(members), "--command", command, "--connector-limit", str(connector_limit)]
    done = subprocess.run(
        [sys.executable, __file__, *(mode if sandbox else ["--sample", str(members)])],
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


def before_tree(scratch: Path, revision: str) -> Path:
    """This checkout's bot and data, with the database's and progress's files as at `revision`: the
    comparison is with those files alone, whatever else has changed since."""
    tree = scratch / "before"
    for folder in ("bot", "data"):
        shutil.copytree(ROOT / folder, tree / folder, ignore=shutil.ignore_patterns("__pycache__"))
    (tree / "bot/core/memo.py").unlink()
    for path in CHANGED:
        shown = subprocess.run(
            ["git", "show", f"{revision}:{path}"], cwd=ROOT, capture_output=True, text=True, check=True
        )
        (tree / path).write_text(shown.stdout, encoding="utf-8")
    return tree


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--members", type=int, nargs="+", default=[100, 200, 500])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--before", default=BEFORE, help="the revision to compare with ('' for none)")
    parser.add_argument("--sandbox", action="store_true", help="through the sandbox, /progress show")
    parser.add_argument("--command", default="progress show", help="with --sandbox: what each member runs")
    parser.add_argument(
        "--connector-limit", type=int, default=0, help="with --sandbox: the bot's HTTP connections at most"
    )
    parser.add_argument("--sample", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--sandbox-sample", type=int, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.sample:
        print(json.dumps(asyncio.run(sample(options.sample))))
        return
    if options.sandbox_sample:
        ran = sandbox_sample(options.sandbox_sample, options.command, options.connector_limit)
        print(json.dumps(asyncio.run(ran)))
        return

    from bench.stats import spread

    with tempfile.TemporaryDirectory() as scratch:
        trees = {"now": ROOT}
        if options.before:
            trees = {f"before ({options.before[:7]})": before_tree(Path(scratch), options.before), **trees}
        results: dict[tuple[str, int], list[dict[str, float]]] = {}
        for _ in range(options.runs):
            for members in options.members:
                for name, tree in trees.items():  # interleaved: before, now, before, now...
                    sampled = run_sample(
                        tree, members, options.sandbox, options.command, options.connector_limit
                    )
                    results.setdefault((name, members), []).append(sampled)
    print(f"{options.runs} runs each; per figure: min / median / max over the runs, in ms")
    for members in options.members:
        print(f"{members} cold members at once:")
        for name in trees:
            runs = results[(name, members)]
            figures = "   ".join(
                f"{key} {spread((r[key] for r in runs), ',.1f')}" for key in ("median", "p99", "max")
            )
            if options.sandbox:
                misses = f"late {spread(r['late'] for r in runs)}, never {spread(r['never'] for r in runs)}"
                opened = spread(r["connections"] for r in runs)
                print(f"  {name:<18} {figures}   (past 3 s: {misses}; HTTP connections opened {opened})")
            else:
                print(f"  {name:<18} {figures}   (writes meanwhile {spread(r['writes'] for r in runs)})")
        if len(trees) == 2:
            (old, new) = (results[(name, members)] for name in trees)
            ratios = [a["max"] / b["max"] for a, b in zip(old, new, strict=True)]
            slowest = "acknowledgement" if options.sandbox else "first read"
            print(f"  slowest {slowest}, before / now in the same round: {spread(ratios, '.1f')}x")


if __name__ == "__main__":
    main()
