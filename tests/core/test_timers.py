"""The timer dispatcher on a real SQLite file with a virtual clock."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.core.clock import VirtualClock
from bot.core.database import Database
from bot.core.timers import TimerDispatcher
from bot.core.timers_repository import Timer, TimerRepository


class Recorder:
    """A handler that remembers what fired, and can be told to fail."""

    def __init__(self) -> None:
        self.fired: list[tuple[str, bool]] = []
        self.failures = 0
        self.changed = asyncio.Event()

    async def __call__(self, timer: Timer, late: bool) -> None:
        if self.failures:
            self.failures -= 1
            raise RuntimeError("handler failed")
        self.fired.append((timer.payload["name"], late))
        self.changed.set()

    async def until(self, count: int) -> None:
        async with asyncio.timeout(5):
            while len(self.fired) < count:
                self.changed.clear()
                await self.changed.wait()


@pytest.fixture
async def repository(tmp_path: Path) -> AsyncIterator[TimerRepository]:
    async with await Database.open(tmp_path / "timers.db") as db:
        await db.migrate()
        yield TimerRepository(db)


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


async def drained(dispatcher: TimerDispatcher) -> None:
    """Until the dispatcher has nothing due and nothing running: then "it has not fired" means something."""
    async with asyncio.timeout(5):
        while not dispatcher.idle:  # noqa: ASYNC110 - the dispatcher's idle signal is a property
            await asyncio.sleep(0.001)


def started(repository: TimerRepository, clock: VirtualClock, recorder: Recorder) -> TimerDispatcher:
    dispatcher = TimerDispatcher(repository, clock)
    dispatcher.register("reminder", recorder)
    dispatcher.start()
    return dispatcher


async def test_a_timer_fires_when_its_time_comes_and_is_marked_done(
    repository: TimerRepository, clock: VirtualClock
) -> None:
    recorder = Recorder()
    dispatcher = started(repository, clock, recorder)
    timer = await dispatcher.schedule("reminder", clock.now() + timedelta(hours=1), name="one hour")
    clock.advance(timedelta(minutes=59))
    await drained(dispatcher)
    assert recorder.fired == []  # not yet
    clock.advance(timedelta(minutes=1))
    await recorder.until(1)
    await dispatcher.stop()
    assert recorder.fired == [("one hour", False)]
    assert await repository.is_done(timer.id)


async def test_an_earlier_timer_scheduled_later_wakes_the_dispatcher(
    repository: TimerRepository, clock: VirtualClock
) -> None:
    recorder = Recorder()
    dispatcher = started(repository, clock, recorder)
    await dispatcher.schedule("reminder", clock.now() + timedelta(days=1), name="tomorrow")
    await drained(dispatcher)  # the dispatcher is now asleep until tomorrow
    await dispatcher.schedule("reminder", clock.now() + timedelta(minutes=5), name="soon")
    clock.advance(timedelta(minutes=5))
    await recorder.until(1)
    await dispatcher.stop()
    assert recorder.fired == [("soon", False)]


async def test_overdue_timers_run_at_start_up_flagged_late_in_order(
    repository: TimerRepository, clock: VirtualClock
) -> None:
    await repository.create("reminder", clock.now() - timedelta(minutes=30), {"name": "first"}, clock.now())
    await repository.create("reminder", clock.now() - timedelta(minutes=5), {"name": "second"}, clock.now())
    recorder = Recorder()
    dispatcher = started(repository, clock, recorder)
    await recorder.until(2)
    await dispatcher.stop()
    assert recorder.fired == [("first", True), ("second", True)]


async def test_a_failing_handler_is_retried_later_and_the_timer_is_kept(
    repository: TimerRepository, clock: VirtualClock, caplog: pytest.LogCaptureFixture
) -> None:
    recorder = Recorder()
    recorder.failures = 1
    dispatcher = started(repository, clock, recorder)
    with caplog.at_level(logging.ERROR, logger="bot.core.timers"):
        timer = await dispatcher.schedule("reminder", clock.now(), name="flaky")
        async with asyncio.timeout(5):
            while (stored := await repository.get(timer.id)) is not None and stored.attempts == 0:  # noqa: ASYNC110
                await asyncio.sleep(0.01)
    assert not await repository.is_done(timer.id)
    assert "Timer" in caplog.text
    clock.advance(timedelta(seconds=30))
    await recorder.until(1)
    await dispatcher.stop()
    assert recorder.fired == [("flaky", False)]
    assert await repository.is_done(timer.id)


async def test_timers_survive_a_restart_and_never_run_twice(
    repository: TimerRepository, clock: VirtualClock
) -> None:
    first = Recorder()
    dispatcher = started(repository, clock, first)
    await dispatcher.schedule("reminder", clock.now() + timedelta(minutes=1), name="before")
    await dispatcher.schedule("reminder", clock.now() + timedelta(hours=2), name="after")
    clock.advance(timedelta(minutes=1))
    await first.until(1)
    await dispatcher.stop()  # the bot goes down
    clock.advance(timedelta(hours=3))  # and "after" falls due while it is down
    second = Recorder()
    dispatcher = started(repository, clock, second)
    await second.until(1)
    await drained(dispatcher)
    await dispatcher.stop()
    assert first.fired == [("before", False)]
    assert second.fired == [("after", True)]
    assert await repository.pending_count() == 0


async def test_a_cancelled_timer_never_fires(repository: TimerRepository, clock: VirtualClock) -> None:
    recorder = Recorder()
    dispatcher = started(repository, clock, recorder)
    timer = await dispatcher.schedule("reminder", clock.now() + timedelta(minutes=1), name="cancelled")
    await dispatcher.cancel(timer.id)
    clock.advance(timedelta(minutes=2))
    await drained(dispatcher)
    await dispatcher.stop()
    assert recorder.fired == []


async def test_naive_times_are_refused(repository: TimerRepository, clock: VirtualClock) -> None:
    dispatcher = TimerDispatcher(repository, clock)
    with pytest.raises(ValueError, match="timezone-aware"):
        await dispatcher.schedule("reminder", clock.now().replace(tzinfo=None), name="naive")
