"""How long the shield's listener spends on each message, in the real bot, through the sandbox.

    python -m bench.shield_listener [--messages 2000] [--runs 5]

The shield is on (wrap) in #general. Typical chat that is not a spoiler goes through the listener; the
time inside it is measured per message (median and 99th percentile; target: p99 under 0.2 ms). A few
spoilers are timed separately: those include the repost round trip. Each run is a new sandbox and bot;
the figures are min / median / max over --runs runs.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import tempfile
import time
from pathlib import Path

from bench.stats import percentile, spread
from bot.sandbox.harness import Actor, RunningBot, new_sandbox

CHATTER = [
    "good morning everyone!!",
    "has anyone seen the new trailer",
    "prom is friday and i have nothing to wear",
    "i'm in paris this week, any café tips?",
    "rewatching s1 again lol",
    "please add a cw for self-harm when you post about that",
    "nick and charlie are so cute omg",
    "exams are killing me",
    "what's everyone's favourite episode",
    "the soundtrack is SO good",
]
SPOILERS = ["charlie fainting at the louvre 😭", "nick came out to his mum at the end of s1"]


async def until(count: int, timings: list[float], timeout: float = 30) -> None:
    """Poll: the listener's timings are not sandbox state, so nothing wakes a sandbox waiter for them."""
    async with asyncio.timeout(timeout):
        while len(timings) < count:  # noqa: ASYNC110
            await asyncio.sleep(0.001)


async def one_run(count: int) -> tuple[list[float], list[float]]:
    """The listener's time for each non-spoiler, and for each spoiler."""
    timings: list[float] = []
    with tempfile.TemporaryDirectory() as scratch:
        async with (
            new_sandbox(spec=None) as sandbox,
            RunningBot(sandbox, Path(scratch) / "bench.db") as running,
        ):
            assert running.bot is not None
            cog = running.bot.get_cog("Shield")
            original = cog.guard  # type: ignore[union-attr]

            async def timed(message):  # type: ignore[no-untyped-def]
                started = time.perf_counter()
                await original(message)
                timings.append((time.perf_counter() - started) * 1000)

            cog.guard = timed  # type: ignore[union-attr]
            admin = Actor(sandbox, "admin")
            await admin.reply_to(await admin.run("/config shield channel:#general mode:wrap"))
            await sandbox.say("fan0", "warming up: the first message reads the server's settings into memory")
            await until(1, timings)
            timings.clear()
            for i in range(count):
                await sandbox.say(f"fan{i % 40}", CHATTER[i % len(CHATTER)])
                if i % 200 == 199:  # let the bot keep up, as a real channel would
                    await until(i + 1, timings)
            await until(count, timings)
            chatter = list(timings)
            for text in SPOILERS:
                await sandbox.say("bob", text)
            await until(count + len(SPOILERS), timings)
            await sandbox.idle()
            spoilers = timings[count:]
    return chatter, spoilers


def main(count: int, runs: int) -> None:
    logging.basicConfig(level=logging.ERROR)
    results = [asyncio.run(one_run(count)) for _ in range(runs)]
    medians = [statistics.median(chatter) for chatter, _ in results]
    p99s = [percentile(chatter, 0.99) for chatter, _ in results]
    print(
        f"non-spoilers: {count} messages a run, {runs} runs; in the listener median "
        f"{spread(medians, '.3f')} ms, p99 {spread(p99s, '.3f')} ms (min / median / max)"
    )
    wrapped = [statistics.median(spoilers) for _, spoilers in results]
    print(f"spoilers (wrapped and reposted): median {spread(wrapped, '.1f')} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    arguments = parser.parse_args()
    main(arguments.messages, arguments.runs)
