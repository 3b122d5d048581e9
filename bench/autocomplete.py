"""Autocomplete answers, in-process, over the full canon: what every keystroke costs.

    python -m bench.autocomplete [--rounds 200]

Times CanonIndex.episode_choices and character_choices for a spread of typed prefixes (codes, titles,
names, actors, typos, empty), at a reader level where every character is met (the most work), and prints
the median and 99th percentile per call. Target: under 2 ms at the 99th percentile.
"""

from __future__ import annotations

import argparse
import statistics
import time

from bench.stats import percentile
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


def timed(call, rounds: int) -> list[float]:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(rounds):
        for typed in TYPED:
            started = time.perf_counter()
            call(typed)
            samples.append((time.perf_counter() - started) * 1000)
    return samples


def main(rounds: int) -> None:
    index = CanonIndex(load_canon())
    everyone = EpisodeCode(3, 8)
    for name, call in [
        ("episode_choices", index.episode_choices),
        ("character_choices", lambda typed: index.character_choices(typed, visible_at=everyone)),
    ]:
        samples = sorted(timed(call, rounds))
        p99 = percentile(samples, 0.99)
        median = statistics.median(samples)
        print(f"{name:<18} median {median:.3f} ms   p99 {p99:.3f} ms   ({len(samples)} calls)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    main(parser.parse_args().rounds)
