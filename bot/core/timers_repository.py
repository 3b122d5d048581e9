"""Timers in the database: created, read in pages of those due (earliest first), their handlers' results
recorded many at a time, cancelled."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import aiosqlite

from bot.core.database import Database

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_us(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("timers need timezone-aware times")
    return (moment - _EPOCH) // timedelta(microseconds=1)


def from_us(value: int) -> datetime:
    return _EPOCH + timedelta(microseconds=value)


@dataclass(frozen=True, slots=True)
class Timer:
    id: int
    event: str
    due_at: datetime
    created_at: datetime
    payload: dict[str, Any] = field(default_factory=dict)
    attempts: int = 0


def _timer(row: aiosqlite.Row) -> Timer:
    return Timer(
        id=row["id"],
        event=row["event"],
        due_at=from_us(row["due_us"]),
        created_at=from_us(row["created_us"]),
        payload=json.loads(row["payload"]),
        attempts=row["attempts"],
    )


class TimerRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(self, event: str, due_at: datetime, payload: dict[str, Any], now: datetime) -> Timer:
        text = json.dumps(payload, sort_keys=True)
        async with self._db.transaction() as connection:
            cursor = await connection.execute(
                "INSERT INTO timers (event, due_us, payload, created_us) VALUES (?, ?, ?, ?)",
                (event, to_us(due_at), text, to_us(now)),
            )
            assert cursor.lastrowid is not None
            timer_id = cursor.lastrowid
        return Timer(timer_id, event, due_at, now, json.loads(text))

    async def earliest_pending(self) -> Timer | None:
        row = await self._db.fetchone(
            "SELECT * FROM timers WHERE done_us IS NULL ORDER BY due_us, id LIMIT 1"
        )
        return _timer(row) if row else None

    async def due(self, now: datetime, limit: int) -> list[Timer]:
        """Up to `limit` unfinished timers due by `now`, in due order: one indexed query for a page."""
        rows = await self._db.fetchall(
            "SELECT * FROM timers WHERE done_us IS NULL AND due_us <= ? ORDER BY due_us, id LIMIT ?",
            (to_us(now), limit),
        )
        return [_timer(row) for row in rows]

    async def get(self, timer_id: int) -> Timer | None:
        row = await self._db.fetchone("SELECT * FROM timers WHERE id = ?", (timer_id,))
        return _timer(row) if row else None

    async def is_done(self, timer_id: int) -> bool:
        row = await self._db.fetchone("SELECT done_us FROM timers WHERE id = ?", (timer_id,))
        return row is not None and row["done_us"] is not None

    async def settle(
        self, done: Sequence[tuple[int, datetime]], retries: Sequence[tuple[int, datetime]] = ()
    ) -> None:
        """In one transaction: these timers done (at their time), those due again (at theirs) with one
        more attempt counted. A timer already done, such as one cancelled meanwhile, stays as it is."""
        async with self._db.transaction() as connection:
            if done:
                await connection.executemany(
                    "UPDATE timers SET done_us = ? WHERE id = ? AND done_us IS NULL",
                    [(to_us(at), timer_id) for timer_id, at in done],
                )
            if retries:
                await connection.executemany(
                    "UPDATE timers SET due_us = ?, attempts = attempts + 1 WHERE id = ? AND done_us IS NULL",
                    [(to_us(at), timer_id) for timer_id, at in retries],
                )

    async def cancel(self, timer_id: int, at: datetime) -> None:
        await self.settle([(timer_id, at)])

    async def pending_count(self) -> int:
        row = await self._db.fetchone("SELECT COUNT(*) FROM timers WHERE done_us IS NULL")
        return int(row[0]) if row else 0
