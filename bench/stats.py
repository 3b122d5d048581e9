"""What the benchmarks report: a percentile, and a range over repeated runs."""

from __future__ import annotations

import statistics
from collections.abc import Iterable


def percentile(samples: Iterable[float], fraction: float) -> float:
    """The nearest-rank value at `fraction` (0.99 for the 99th percentile)."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def spread(samples: Iterable[float], spec: str = ",.0f") -> str:
    """`min / median / max` of the samples, each formatted with `spec`: how every figure is quoted."""
    ordered = sorted(samples)
    middle = statistics.median(ordered)
    return " / ".join(format(value, spec) for value in (ordered[0], middle, ordered[-1]))
