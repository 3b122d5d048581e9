"""What the benchmarks report: a percentile, a range over repeated runs, and the process's memory."""

from __future__ import annotations

import statistics
from collections.abc import Iterable


def percentile(samples: Iterable[float], fraction: float) -> float:
    """The nearest-rank value at `fraction` (0.99 for the 99th percentile)."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def rss_mb(pid: int | str = "self") -> float:
    """A process's resident set size (this one's unless `pid` is given), from /proc (Linux)."""
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def spread(samples: Iterable[float], spec: str = ",.0f") -> str:
    """`min / median / max` of the samples, each formatted with `spec`: how every figure is quoted."""
    ordered = sorted(samples)
    middle = statistics.median(ordered)
    return " / ".join(format(value, spec) for value in (ordered[0], middle, ordered[-1]))
