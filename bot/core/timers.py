"""One database-backed timer dispatcher: a single task sleeps until the earliest due timer, runs its
handler, and only then marks it done.

Earlier new timers wake it. Timers that fell due while the bot was down run at start-up, flagged late. A
handler that fails is retried later with growing back-off, so a timer is never lost and never runs twice
after it succeeded. The clock is injected, so the sandbox's `wait` drives it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from bot.core.clock import Clock
from bot.core.timers_repository import Timer, TimerRepository

log = logging.getLogger(__name__)

# A handler gets the timer and whether it runs late (it fell due before the dispatcher started).
Handler = Callable[[Timer, bool], Awaitable[None]]
MAX_BACKOFF = timedelta(hours=1)


class TimerDispatcher:
    def __init__(self, repository: TimerRepository, clock: Clock) -> None:
        self._repository = repository
        self._clock = clock
        self._handlers: dict[str, Handler] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._started_at: datetime | None = None
        self._stopping = False
        self._resting = False  # the loop waits for a new timer, or for `_resting_until` when that is set
        self._resting_until: datetime | None = None

    def register(self, event: str, handler: Handler) -> None:
        """Cogs register in cog_load; a timer whose handler is missing waits (and is retried) instead."""
        self._handlers[event] = handler

    def unregister(self, event: str) -> None:
        self._handlers.pop(event, None)

    async def schedule(self, event: str, due_at: datetime, **payload: Any) -> Timer:
        timer = await self._repository.create(event, due_at, payload, self._clock.now())
        self._wake.set()  # it may be earlier than what the loop sleeps towards
        return timer

    async def cancel(self, timer_id: int) -> None:
        await self._repository.cancel(timer_id, self._clock.now())
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
            self._task = asyncio.create_task(self._run(), name="timer-dispatcher")
            self._task.add_done_callback(self._stopped)

    async def stop(self, grace: float = 5.0) -> None:
        """Let a timer being handled finish (and be marked done), then stop."""
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
        self._task = None
        self._stopping = False

    @staticmethod
    def _stopped(task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.error("The timer dispatcher stopped unexpectedly", exc_info=task.exception())

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            timer = await self._repository.earliest_pending()
            if timer is None:
                self._resting, self._resting_until = True, None
                await self._wake.wait()
            elif timer.due_at > self._clock.now():
                self._resting, self._resting_until = True, timer.due_at
                await self._sleep_until(timer.due_at)
            else:
                await self._fire(timer)
            self._resting = False

    async def _sleep_until(self, when: datetime) -> None:
        """Until `when`, or until a new timer might be earlier."""
        sleeper = asyncio.ensure_future(self._clock.sleep_until(when))
        waker = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in (sleeper, waker):
                waiting.cancel()

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
            await self._repository.retry(timer.id, now + delay)
        else:
            await self._repository.finish(timer.id, self._clock.now())
