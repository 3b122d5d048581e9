"""Autocomplete answers, in-process, over the full canon: what every keystroke costs.

    python -m bench.autocomplete [--repeats 5] [--rounds 200]

Times CanonIndex.episode_choices and character_choices for a spread of typed prefixes (codes, titles,
names, actors, typos, empty), at a reader level where every character is met (the most work), the two
interleaved call by call, and prints the median and 99th percentile per call as min / median / max over
--repeats runs. Target: under 2 ms at the 99th percentile.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from bench.stats import percentile, spread
from bot.canon import EpisodeCode, load_canon
from bot.canon.search import CanonIndex

TYPED = [
    "",
    "s",
    "S2",
    "S2E",
    "s2e5",
    "2x0",
    "pro",
    "promis",
    "heat",
    "truth",
    "Ch",
    "char",
    "charlie spr",
    "joe l",
    "kit",
    "Olivia",
    "tarra",
    "isak",
    "mr",
    "zz",
    "e",
    "Geoff",
    "hayley atwell",
]


def run(calls: dict[str, Callable[[str], object]], rounds: int) -> dict[str, list[float]]:
    """Milliseconds per call, each typed text given to every call in turn."""
    samples: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(rounds):
        for typed in TYPED:
            for name, call in calls.items():
                started = time.perf_counter()
                call(typed)
                samples[name].append((time.perf_counter() - started) * 1000)
    return samples


def main(repeats: int, rounds: int) -> None:
    index = CanonIndex(load_canon())
    everyone = EpisodeCode(3, 8)
    calls: dict[str, Callable[[str], object]] = {
        "episode_choices": index.episode_choices,
        "character_choices": lambda typed: index.character_choices(typed, visible_at=everyone),
    }
    runs = [run(calls, rounds) for _ in range(repeats)]
    print(f"{repeats} runs of {rounds * len(TYPED)} calls each; min / median / max over the runs")
    for name in calls:
        medians = [statistics.median(samples[name]) for samples in runs]
        p99s = [percentile(samples[name], 0.99) for samples in runs]
        print(f"{name:<18} median {spread(medians, '.3f')} ms   p99 {spread(p99s, '.3f')} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=200)
    arguments = parser.parse_args()
    main(arguments.repeats, arguments.rounds)
