"""The timer dispatcher on a real SQLite file with a virtual clock."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

import pytest

from bot.core.clock import VirtualClock
from bot.core.database import Database
from bot.core.shard_slice import EVERY_SERVER, ShardSlice
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
def repository(db: Database) -> TimerRepository:
    return TimerRepository(db)


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
    timer = await dispatcher.schedule(
        "reminder", clock.now() + timedelta(hours=1), guild_id=None, name="one hour"
    )
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
    await dispatcher.schedule("reminder", clock.now() + timedelta(days=1), guild_id=None, name="tomorrow")
    await drained(dispatcher)  # the dispatcher is now asleep until tomorrow
    await dispatcher.schedule("reminder", clock.now() + timedelta(minutes=5), guild_id=None, name="soon")
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
        timer = await dispatcher.schedule("reminder", clock.now(), guild_id=None, name="flaky")
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
    await dispatcher.schedule("reminder", clock.now() + timedelta(minutes=1), guild_id=None, name="before")
    await dispatcher.schedule("reminder", clock.now() + timedelta(hours=2), guild_id=None, name="after")
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
    timer = await dispatcher.schedule(
        "reminder", clock.now() + timedelta(minutes=1), guild_id=None, name="cancelled"
    )
    await dispatcher.cancel(timer.id)
    clock.advance(timedelta(minutes=2))
    await drained(dispatcher)
    await dispatcher.stop()
    assert recorder.fired == []


async def test_naive_times_are_refused(repository: TimerRepository, clock: VirtualClock) -> None:
    dispatcher = TimerDispatcher(repository, clock)
    with pytest.raises(ValueError, match="time zone"):
        await dispatcher.schedule("reminder", clock.now().replace(tzinfo=None), guild_id=None, name="naive")


class Counting(TimerRepository):
    """The real repository, counting the page reads and the writes of results the dispatcher makes."""

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self.pages = 0
        self.writes = 0

    async def claim(
        self,
        now: datetime,
        limit: int,
        claimant: str,
        lease_until: datetime,
        owner: ShardSlice = EVERY_SERVER,
    ) -> list[Timer]:
        self.pages += 1
        return await super().claim(now, limit, claimant, lease_until, owner)

    async def settle(
        self, done: Sequence[tuple[int, datetime]], retries: Sequence[tuple[int, datetime]] = ()
    ) -> None:
        self.writes += 1
        await super().settle(done, retries)


async def overdue(repository: TimerRepository, clock: VirtualClock, count: int) -> list[Timer]:
    """`count` timers that fell due a minute apart, named 0, 1, ... in due order."""
    start = clock.now() - timedelta(minutes=count)
    return [
        await repository.create("reminder", start + timedelta(minutes=i), {"name": str(i)}, clock.now())
        for i in range(count)
    ]


class Gate:
    """A handler that holds timer `held` until released, and records every timer it finished."""

    def __init__(self, held: str) -> None:
        self.held = held
        self.reached = asyncio.Event()
        self.release = asyncio.Event()
        self.finished: list[str] = []

    async def __call__(self, timer: Timer, late: bool) -> None:
        if timer.payload["name"] == self.held:
            self.reached.set()
            await self.release.wait()
        self.finished.append(timer.payload["name"])


async def test_a_thousand_due_timers_are_each_handled_once_in_due_order(
    repository: TimerRepository, clock: VirtualClock
) -> None:
    await overdue(repository, clock, 1000)
    recorder = Recorder()
    dispatcher = started(repository, clock, recorder)
    await recorder.until(1000)
    await drained(dispatcher)
    await dispatcher.stop()
    assert [name for name, _ in recorder.fired] == [str(i) for i in range(1000)]
    assert await repository.pending_count() == 0


async def test_due_timers_are_read_and_marked_done_in_batches(
    db: Database, repository: TimerRepository, clock: VirtualClock
) -> None:
    await overdue(repository, clock, 1000)
    counting = Counting(db)
    recorder = Recorder()
    dispatcher = started(counting, clock, recorder)
    await recorder.until(1000)
    await drained(dispatcher)
    await dispatcher.stop()
    assert counting.pages <= 11  # ten full pages, and the empty one that says nothing more is due
    assert counting.writes <= 20  # not one per timer
    assert await repository.pending_count() == 0


async def test_a_failing_handler_in_a_batch_is_retried_alone_and_the_others_are_done(
    repository: TimerRepository, clock: VirtualClock
) -> None:
    timers = await overdue(repository, clock, 5)
    fired: list[str] = []

    async def flaky_third(timer: Timer, late: bool) -> None:
        if timer.payload["name"] == "2" and timer.attempts == 0:
            raise RuntimeError("handler failed")
        fired.append(timer.payload["name"])

    dispatcher = TimerDispatcher(repository, clock)
    dispatcher.register("reminder", flaky_third)
    dispatcher.start()
    await drained(dispatcher)
    assert fired == ["0", "1", "3", "4"]
    assert [await repository.is_done(t.id) for t in timers] == [True, True, False, True, True]
    retried = await repository.get(timers[2].id)
    assert retried is not None
    assert retried.attempts == 1
    clock.advance(timedelta(seconds=30))
    await drained(dispatcher)
    await dispatcher.stop()
    assert fired == ["0", "1", "3", "4", "2"]
    assert await repository.pending_count() == 0


async def test_a_stop_in_the_middle_of_a_batch_neither_loses_nor_repeats_a_finished_timer(
    repository: TimerRepository, clock: VirtualClock
) -> None:
    await overdue(repository, clock, 10)
    gate = Gate(held="3")
    dispatcher = TimerDispatcher(repository, clock)
    dispatcher.register("reminder", gate)
    dispatcher.start()
    await gate.reached.wait()  # "3" is being handled when the bot goes down
    stopping = asyncio.create_task(dispatcher.stop())
    await asyncio.sleep(0)
    gate.release.set()
    await stopping
    assert gate.finished == ["0", "1", "2", "3"]
    assert await repository.pending_count() == 6
    recorder = Recorder()
    dispatcher = started(repository, clock, recorder)
    await recorder.until(6)
    await drained(dispatcher)
    await dispatcher.stop()
    assert [name for name, _ in recorder.fired] == ["4", "5", "6", "7", "8", "9"]
    assert await repository.pending_count() == 0


async def test_a_handler_cut_off_by_the_stop_grace_runs_again_and_the_finished_ones_do_not(
    repository: TimerRepository, clock: VirtualClock
) -> None:
    await overdue(repository, clock, 5)
    gate = Gate(held="2")  # never released: it outlasts the grace
    dispatcher = TimerDispatcher(repository, clock)
    dispatcher.register("reminder", gate)
    dispatcher.start()
    await gate.reached.wait()
    await dispatcher.stop(grace=0.05)
    assert gate.finished == ["0", "1"]
    recorder = Recorder()
    dispatcher = started(repository, clock, recorder)
    await recorder.until(3)
    await drained(dispatcher)
    await dispatcher.stop()
    assert [name for name, _ in recorder.fired] == ["2", "3", "4"]


async def test_a_timer_cancelled_while_its_batch_is_handled_never_fires(
    repository: TimerRepository, clock: VirtualClock
) -> None:
    timers = await overdue(repository, clock, 4)
    gate = Gate(held="1")
    dispatcher = TimerDispatcher(repository, clock)
    dispatcher.register("reminder", gate)
    dispatcher.start()
    await gate.reached.wait()  # the page with all four was read before the cancel
    await dispatcher.cancel(timers[2].id)
    gate.release.set()
    await drained(dispatcher)
    await dispatcher.stop()
    assert gate.finished == ["0", "1", "3"]
    assert await repository.pending_count() == 0


async def test_a_handler_can_cancel_a_later_timer_of_its_own_batch(
    repository: TimerRepository, clock: VirtualClock
) -> None:
    timers = await overdue(repository, clock, 3)
    fired: list[str] = []
    dispatcher = TimerDispatcher(repository, clock)

    async def first_cancels_the_last(timer: Timer, late: bool) -> None:
        fired.append(timer.payload["name"])
        if timer.id == timers[0].id:
            await dispatcher.cancel(timers[2].id)

    dispatcher.register("reminder", first_cancels_the_last)
    dispatcher.start()
    await drained(dispatcher)
    await dispatcher.stop()
    assert fired == ["0", "1"]


async def test_a_finished_timer_is_marked_done_while_a_slow_one_after_it_still_runs(
    repository: TimerRepository, clock: VirtualClock
) -> None:
    timers = await overdue(repository, clock, 3)
    gate = Gate(held="1")
    dispatcher = TimerDispatcher(repository, clock)
    dispatcher.register("reminder", gate)
    dispatcher.start()
    await gate.reached.wait()
    async with asyncio.timeout(5):  # written within LINGER, not only once the page is over
        while not await repository.is_done(timers[0].id):  # noqa: ASYNC110 - the database says when
            await asyncio.sleep(0.01)
    assert not await repository.is_done(timers[1].id)
    gate.release.set()
    await drained(dispatcher)
    await dispatcher.stop()
    assert gate.finished == ["0", "1", "2"]


async def test_a_due_timer_whose_cancel_is_still_being_written_is_not_read_over_and_over(
    db: Database, clock: VirtualClock
) -> None:
    counting = Counting(db)
    recorder = Recorder()
    dispatcher = started(counting, clock, recorder)
    timer = await dispatcher.schedule(
        "reminder", clock.now() + timedelta(minutes=1), guild_id=None, name="cancelled"
    )
    await drained(dispatcher)
    asleep = counting.pages
    async with db.transaction():  # the writer is busy: the cancel's write waits for it
        cancelling = asyncio.create_task(dispatcher.cancel(timer.id))
        await asyncio.sleep(0)
        clock.advance(timedelta(minutes=2))
        async with asyncio.timeout(5):
            while counting.pages == asleep:  # noqa: ASYNC110 - until the dispatcher read the due page
                await asyncio.sleep(0.001)
        await asyncio.sleep(0.05)
        assert counting.pages == asleep + 1  # it waits for the cancel instead of reading again and again
    await cancelling
    await drained(dispatcher)
    await dispatcher.stop()
    assert recorder.fired == []
