"""Members' watched progress and how they want spoilers shown."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.canon import EpisodeCode
from bot.core.database import Database, Row, from_us, to_us
from bot.spoilers import Mode


@dataclass(frozen=True, slots=True)
class UserProgress:
    user_id: int
    watched: EpisodeCode | None  # None: not set, treated as nothing watched
    mode: Mode
    hinted: bool
    updated_at: datetime | None  # None: nothing stored


class ProgressRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def in_transaction(self) -> bool:
        return self._db.in_transaction()

    def after_transaction(self, callback: Callable[[], None]) -> None:
        self._db.after_transaction(callback)

    async def get(self, user_id: int) -> UserProgress | None:
        return (await self.get_many([user_id])).get(user_id)

    async def get_many(self, user_ids: Sequence[int]) -> dict[int, UserProgress]:
        """The stored progress of each member who has some, in one query."""
        marks = ", ".join("?" * len(user_ids))
        rows = await self._db.fetchall(
            "SELECT user_id, season, episode, mode, hinted, updated_us FROM user_progress "
            f"WHERE user_id IN ({marks})",
            user_ids,
        )
        return {row["user_id"]: _progress(row) for row in rows}

    async def save(self, progress: UserProgress) -> None:
        assert progress.updated_at is not None
        watched = progress.watched
        await self._db.execute(
            "INSERT INTO user_progress (user_id, season, episode, mode, hinted, updated_us) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET season = excluded.season, "
            "episode = excluded.episode, mode = excluded.mode, hinted = excluded.hinted, "
            "updated_us = excluded.updated_us",
            (
                progress.user_id,
                watched.season if watched else None,
                watched.number if watched else None,
                progress.mode.value,
                int(progress.hinted),
                to_us(progress.updated_at),
            ),
        )

    async def delete(self, user_id: int) -> bool:
        return await self._db.execute("DELETE FROM user_progress WHERE user_id = ?", (user_id,)) > 0


def _progress(row: Row) -> UserProgress:
    watched = EpisodeCode(row["season"], row["episode"]) if row["season"] is not None else None
    return UserProgress(
        user_id=row["user_id"],
        watched=watched,
        mode=Mode(row["mode"]),
        hinted=bool(row["hinted"]),
        updated_at=from_us(row["updated_us"]),
    )
