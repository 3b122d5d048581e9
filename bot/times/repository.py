"""Members' time zones."""

from __future__ import annotations

from datetime import datetime

from bot.core.database import Database, to_us


class TimezoneRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, user_id: int) -> str | None:
        row = await self._db.fetchone("SELECT zone FROM user_timezones WHERE user_id = ?", (user_id,))
        return row["zone"] if row else None

    async def set(self, user_id: int, zone: str, at: datetime) -> None:
        await self._db.execute(
            "INSERT INTO user_timezones (user_id, zone, updated_us) VALUES (?, ?, ?) "
            "ON CONFLICT (user_id) DO UPDATE SET zone = excluded.zone, updated_us = excluded.updated_us",
            (user_id, zone, to_us(at)),
        )

    async def delete(self, user_id: int) -> None:
        await self._db.execute("DELETE FROM user_timezones WHERE user_id = ?", (user_id,))
