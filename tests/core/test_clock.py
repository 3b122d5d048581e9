from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.core.clock import SystemClock, VirtualClock


async def test_virtual_sleepers_wake_when_time_is_advanced() -> None:
    clock = VirtualClock()
    woke = asyncio.Event()

    async def sleeper() -> None:
        await clock.sleep_until(clock.now() + timedelta(hours=2))
        woke.set()

    task = asyncio.create_task(sleeper())
    await asyncio.sleep(0)
    clock.advance(timedelta(hours=1))
    await asyncio.sleep(0.01)
    assert not woke.is_set()  # an hour short
    clock.advance(timedelta(hours=1))
    await asyncio.wait_for(woke.wait(), 1)
    await task


def test_virtual_time_never_runs_backwards() -> None:
    clock = VirtualClock()
    with pytest.raises(ValueError, match="forward"):
        clock.advance(timedelta(seconds=-1))


def test_clocks_are_timezone_aware() -> None:
    assert SystemClock().now().tzinfo is not None
    assert VirtualClock().now().tzinfo is not None


async def test_system_clock_returns_at_once_for_the_past() -> None:
    clock = SystemClock()
    await asyncio.wait_for(clock.sleep_until(clock.now() - timedelta(days=1)), 0.5)
