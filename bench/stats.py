"""The one percentile the benchmarks report."""

from __future__ import annotations

from collections.abc import Iterable


def percentile(samples: Iterable[float], fraction: float) -> float:
    """The nearest-rank value at `fraction` (0.99 for the 99th percentile)."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]
