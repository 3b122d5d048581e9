"""The database-backed timer dispatcher: one task per process claims the timers that are due a page at a
time, runs their handlers one after another in due order, and marks each done only after its handler
succeeded.

Several processes may share the timers (PostgreSQL): each claims only the timers of the servers on its
shards (bot.core.shard_slice), and a claim is a lease, renewed while its handler runs, that lapses if the
process dies; then the next process to own the shard claims it again. New timers wake every process's
dispatcher, wherever they were created.

Earlier new timers wake it. Timers that fell due while the bot was down run at start-up, flagged late. A
handler that fails is retried later with growing back-off, so a timer is never lost. The clock is
injected, so the sandbox's `wait` drives it.

Handlers' results are written in batches: a result waits up to 50 ms (`LINGER`) for others to join its
transaction, and a page's results are all written before the next page is read, so a thousand quick
handlers cost about ten transactions instead of a thousand. The guarantee: a timer is marked done only
after its handler succeeded, and runs again (late) after a restart if it was not; a `stop` writes every
result before it returns, so after a clean restart nothing finished runs twice and nothing is lost. Only a
crash can repeat finished timers: those whose results were not yet written, that is those that finished
in the last 50 ms before it, and those of a write under way (before batching, the one timer whose result
was being written). Handlers must therefore tolerate running again, possibly after a later timer of
theirs ran, as the party timers do (they check the party's revision and state, and deliver each message
once).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from bot.core.clock import Clock
from bot.core.processes import instance_name
from bot.core.shard_slice import EVERY_SERVER, ShardSlice
from bot.core.timers_repository import Timer, TimerRepository

log = logging.getLogger(__name__)

# A handler gets the timer and whether it runs late (it fell due before the dispatcher started).
Handler = Callable[[Timer, bool], Awaitable[None]]
MAX_BACKOFF = timedelta(hours=1)
PAGE = 100  # due timers read per query
LINGER = timedelta(milliseconds=50)  # the longest a handler's result waits to be written with others
# How long a claim holds without being renewed: a dead process's timers wait this long for another. Renewed
# every third of it while the page's handlers run.
LEASE = timedelta(seconds=30)


class Results:
    """Handlers' results on their way to the database, many to a transaction: a result waits up to
    `LINGER` for others to join it (each commit flushes to disk), or less when `written` is awaited."""

    def __init__(self, repository: TimerRepository) -> None:
        self._repository = repository
        self._done: list[tuple[int, datetime]] = []
        self._retries: list[tuple[int, datetime]] = []
        self._hurry = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None  # left set when a write failed: `written` raises it

    def done(self, timer_id: int, at: datetime) -> None:
        self._done.append((timer_id, at))
        self._write_soon()

    def retry(self, timer_id: int, at: datetime) -> None:
        self._retries.append((timer_id, at))
        self._write_soon()

    def _write_soon(self) -> None:
        if self._writer is None:
            self._writer = asyncio.create_task(self._write(), name="timer-dispatcher-results")

    async def _write(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._hurry.wait(), LINGER.total_seconds())
        while self._done or self._retries:
            done, retries = self._done, self._retries
            self._done, self._retries = [], []
            await self._repository.settle(done, retries)
        self._hurry.clear()
        self._writer = None

    async def written(self) -> None:
        """Until every result recorded so far is in the database; raises what a write raised. A caller
        cancelled meanwhile leaves the write running, for `stop` to wait on."""
        if self._writer is not None:
            self._hurry.set()
            await asyncio.shield(self._writer)


class TimerDispatcher:
    def __init__(self, repository: TimerRepository, clock: Clock, owner: ShardSlice = EVERY_SERVER) -> None:
        self._repository = repository
        self._clock = clock
        self.owner = owner
        self._claimant = instance_name()
        self._hearing = False  # told of other processes' new timers
        self._handlers: dict[str, Handler] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._results = Results(repository)
        self._started_at: datetime | None = None
        self._stopping = False
        self._resting = False  # the loop waits for a new timer, or for `_resting_until` when that is set
        self._resting_until: datetime | None = None
        # Cancelled timers a page already read may hold (their cancel had not been written when it was
        # read): skipped. Once written, a cancel is forgotten at the next page read, which sees it.
        self._cancelled: set[int] = set()
        self._cancels_written: set[int] = set()

    def register(self, event: str, handler: Handler) -> None:
        """Cogs register in cog_load; a timer whose handler is missing waits (and is retried) instead."""
        self._handlers[event] = handler

    def unregister(self, event: str) -> None:
        self._handlers.pop(event, None)

    async def schedule(self, event: str, due_at: datetime, *, guild_id: int | None, **payload: Any) -> Timer:
        """A timer of this server (None: of none), run by whichever process owns its shard."""
        timer = await self._repository.create(event, due_at, payload, self._clock.now(), guild_id)
        self._wake.set()  # it may be earlier than what the loop sleeps towards
        return timer

    async def cancel(self, timer_id: int) -> None:
        """The timer never fires from now on, even if it is in the page being handled (unless its handler
        is already running: that one finishes)."""
        self._cancelled.add(timer_id)
        try:
            await self._repository.cancel(timer_id, self._clock.now())
        except BaseException:
            self._cancelled.discard(timer_id)
            raise
        self._cancels_written.add(timer_id)
        self._wake.set()

    @property
    def idle(self) -> bool:
        """Nothing is due and nothing is being handled (or the dispatcher is not running): what waits on
        the dispatcher, such as the sandbox's `idle`, checks this instead of letting time pass."""
        if self._task is None or self._task.done():
            return True
        if not self._resting or self._wake.is_set():
            return False
        return self._resting_until is None or self._resting_until > self._clock.now()

    def start(self) -> None:
        if self._task is None:
            self._started_at = self._clock.now()
            self._claimant = instance_name()
            self._results = Results(self._repository)  # a failed write of an earlier run is not this one's
            self._task = asyncio.create_task(self._run(), name="timer-dispatcher")
            self._task.add_done_callback(self._stopped)

    async def stop(self, grace: float = 5.0) -> None:
        """Let the timer being handled finish, write every result, then stop; the rest of its page waits
        for the next start."""
        if self._task is None:
            return
        self._stopping = True
        self._wake.set()
        try:
            await asyncio.wait_for(asyncio.shield(self._task), grace)
        except TimeoutError:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            await self._results.written()  # what the cancelled page left being written
        finally:
            self._task = None
            self._stopping = False

    @staticmethod
    def _stopped(task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.error("The timer dispatcher stopped unexpectedly", exc_info=task.exception())

    async def _run(self) -> None:
        if not self._hearing:
            await self._repository.on_new(self._wake.set)
            self._hearing = True
        while not self._stopping:
            self._wake.clear()
            self._cancelled -= self._cancels_written
            self._cancels_written.clear()
            now = self._clock.now()
            page = await self._repository.claim(now, PAGE, self._claimant, now + LEASE, self.owner)
            if runnable := [timer for timer in page if timer.id not in self._cancelled]:
                await self._handle(runnable)
                continue
            if page:  # all cancelled, their cancels not yet written: each wakes the loop once it is
                await self._repository.release([timer.id for timer in page], self._claimant)
                self._resting, self._resting_until = True, None
                await self._wake.wait()
                self._resting = False
                continue
            claimable = await self._repository.next_claimable(self.owner)
            if claimable is None:
                self._resting, self._resting_until = True, None
                await self._wake.wait()
            elif claimable > self._clock.now():
                self._resting, self._resting_until = True, claimable
                await self._sleep_until(claimable)
            self._resting = False  # (or it became claimable between the two reads: the next claim has it)

    async def _sleep_until(self, when: datetime) -> None:
        """Until `when`, or until a new timer might be earlier."""
        sleeper = asyncio.ensure_future(self._clock.sleep_until(when))
        waker = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in (sleeper, waker):
                waiting.cancel()

    async def _handle(self, page: list[Timer]) -> None:
        """One after another, so a party's timers (or any two due together) keep their order. The page's
        results are all written before the next page is claimed; the claims on those a stop left unrun
        are given back. Meanwhile the page's claims are renewed, so no other process takes them over."""
        unrun = {timer.id for timer in page}
        renewing = asyncio.create_task(self._renew(sorted(unrun)), name="timer-dispatcher-leases")
        try:
            for timer in page:
                if self._stopping:
                    break
                if timer.id not in self._cancelled:
                    await self._fire(timer)
                unrun.discard(timer.id)  # (one cut off by a stop stays, and is given back)
        finally:
            renewing.cancel()
            await self._results.written()
            await self._repository.release(sorted(unrun), self._claimant)

    async def _renew(self, page: list[int]) -> None:
        """Every third of a lease, extend the claims on the page's timers not settled yet."""
        while True:
            await self._clock.sleep_until(self._clock.now() + LEASE / 3)
            await self._repository.renew(page, self._claimant, self._clock.now() + LEASE)

    async def _fire(self, timer: Timer) -> None:
        now = self._clock.now()
        handler = self._handlers.get(timer.event)
        late = self._started_at is not None and timer.due_at < self._started_at
        try:
            if handler is None:
                raise LookupError(f"no handler for {timer.event!r} timers")
            await handler(timer, late)
        except Exception:
            delay = min(timedelta(seconds=30) * 2**timer.attempts, MAX_BACKOFF)
            log.exception("Timer %s (%s) failed; retrying in %s", timer.id, timer.event, delay)
            self._results.retry(timer.id, now + delay)
        else:
            self._results.done(timer.id, self._clock.now())
