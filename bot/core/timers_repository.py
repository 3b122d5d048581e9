"""Timers in the database: created, claimed a page at a time by the process that owns their server (earliest
first), their handlers' results recorded many at a time, cancelled."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.core.database import Database, Row, from_us, to_us
from bot.core.shard_slice import EVERY_SERVER, ShardSlice

__all__ = ["Timer", "TimerRepository", "from_us", "to_us"]

NEW_TIMER = "timers"  # the notification channel: a timer was created (the payload: when it is due)


@dataclass(frozen=True, slots=True)
class Timer:
    id: int
    event: str
    due_at: datetime
    created_at: datetime
    payload: dict[str, Any] = field(default_factory=dict)
    attempts: int = 0
    guild_id: int | None = None  # the server it belongs to; None: none (a DM, say)


def _timer(row: Row) -> Timer:
    return Timer(
        id=row["id"],
        event=row["event"],
        due_at=from_us(row["due_us"]),
        created_at=from_us(row["created_us"]),
        payload=json.loads(row["payload"]),
        attempts=row["attempts"],
        guild_id=row["guild_id"],
    )


_COLUMNS = "id, event, due_us, created_us, payload, attempts, guild_id"


class TimerRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(
        self,
        event: str,
        due_at: datetime,
        payload: dict[str, Any],
        now: datetime,
        guild_id: int | None = None,
    ) -> Timer:
        text = json.dumps(payload, sort_keys=True)
        [row] = await self._db.returning(
            "INSERT INTO timers (event, due_us, payload, created_us, guild_id) VALUES (?, ?, ?, ?, ?)"
            " RETURNING id",
            (event, to_us(due_at), text, to_us(now), guild_id),
        )
        await self._db.notify(NEW_TIMER, str(to_us(due_at)))  # other processes' dispatchers wake
        return Timer(int(row["id"]), event, due_at, now, json.loads(text), guild_id=guild_id)

    async def on_new(self, callback: Callable[[], None]) -> None:
        """Call `callback` whenever any process creates a timer."""
        await self._db.listen(NEW_TIMER, lambda _due: callback())

    async def next_claimable(self, owner: ShardSlice = EVERY_SERVER) -> datetime | None:
        """When the earliest of the owner's unfinished timers can next be claimed: when it falls due, or
        when another process's claim on it lapses."""
        owned, params = owner.sql()
        value = await self._db.fetchval(
            "SELECT MIN(CASE WHEN lease_us IS NULL OR lease_us < due_us THEN due_us ELSE lease_us END)"
            f" FROM timers WHERE done_us IS NULL AND {owned}",
            params,
        )
        return from_us(value) if value is not None else None

    async def earliest_pending(self) -> Timer | None:
        row = await self._db.fetchone(
            f"SELECT {_COLUMNS} FROM timers WHERE done_us IS NULL ORDER BY due_us, id LIMIT 1"
        )
        return _timer(row) if row else None

    async def claim(
        self,
        now: datetime,
        limit: int,
        claimant: str,
        lease_until: datetime,
        owner: ShardSlice = EVERY_SERVER,
    ) -> list[Timer]:
        """Up to `limit` of the owner's unfinished timers due by `now` and claimed by nobody (or by a
        claim that has lapsed), in due order, now claimed by `claimant` until `lease_until`. Two processes
        claiming at once never get the same timer."""
        owned, params = owner.sql()
        skip_locked = " FOR UPDATE SKIP LOCKED" if self._db.dialect == "postgresql" else ""
        rows = await self._db.returning(
            "UPDATE timers SET claimed_by = ?, lease_us = ? WHERE id IN ("
            " SELECT id FROM timers WHERE done_us IS NULL AND due_us <= ?"
            f" AND (lease_us IS NULL OR lease_us <= ?) AND {owned}"
            f" ORDER BY due_us, id LIMIT ?{skip_locked}"
            f") RETURNING {_COLUMNS}",
            (claimant, to_us(lease_until), to_us(now), to_us(now), *params, limit),
        )
        return sorted((_timer(row) for row in rows), key=lambda t: (t.due_at, t.id))

    async def renew(self, timer_ids: Sequence[int], claimant: str, lease_until: datetime) -> None:
        """Keep the claimant's claims on these (still running) timers until `lease_until`."""
        if timer_ids:
            await self._db.executemany(
                "UPDATE timers SET lease_us = ? WHERE id = ? AND claimed_by = ? AND done_us IS NULL",
                [(to_us(lease_until), timer_id, claimant) for timer_id in timer_ids],
            )

    async def release(self, timer_ids: Sequence[int], claimant: str) -> None:
        """Give back claims on timers that did not run (a stop midway through a page)."""
        if timer_ids:
            await self._db.executemany(
                "UPDATE timers SET claimed_by = NULL, lease_us = NULL WHERE id = ? AND claimed_by = ?",
                [(timer_id, claimant) for timer_id in timer_ids],
            )

    async def get(self, timer_id: int) -> Timer | None:
        row = await self._db.fetchone(f"SELECT {_COLUMNS} FROM timers WHERE id = ?", (timer_id,))
        return _timer(row) if row else None

    async def is_done(self, timer_id: int) -> bool:
        row = await self._db.fetchone("SELECT done_us FROM timers WHERE id = ?", (timer_id,))
        return row is not None and row["done_us"] is not None

    async def settle(
        self, done: Sequence[tuple[int, datetime]], retries: Sequence[tuple[int, datetime]] = ()
    ) -> None:
        """In one transaction: these timers done (at their time), those due again (at theirs) with one
        more attempt counted and their claims given back. A timer already done, such as one cancelled
        meanwhile, stays as it is."""
        statements = [
            (
                "UPDATE timers SET done_us = ?, claimed_by = NULL, lease_us = NULL"
                " WHERE id = ? AND done_us IS NULL",
                [(to_us(at), timer_id) for timer_id, at in done],
            ),
            (
                "UPDATE timers SET due_us = ?, attempts = attempts + 1, claimed_by = NULL, lease_us = NULL"
                " WHERE id = ? AND done_us IS NULL",
                [(to_us(at), timer_id) for timer_id, at in retries],
            ),
        ]
        statements = [(sql, rows) for sql, rows in statements if rows]
        if len(statements) == 1:  # one statement's rows are written all or none by themselves
            await self._db.executemany(*statements[0])
            return
        async with self._db.transaction():
            for sql, rows in statements:
                await self._db.executemany(sql, rows)

    async def cancel(self, timer_id: int, at: datetime) -> None:
        await self.settle([(timer_id, at)])

    async def pending_count(self) -> int:
        return int(await self._db.fetchval("SELECT COUNT(*) FROM timers WHERE done_us IS NULL") or 0)
