"""Members' time zones without Discord: the zone each member's typed times are read in."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.times.repository import TimezoneRepository


class TimezoneService:
    def __init__(self, repository: TimezoneRepository) -> None:
        self._repository = repository

    async def get(self, user_id: int) -> str | None:
        """The member's zone key (`Europe/London`), or None when they never set one (times read as UTC)."""
        return await self._repository.get(user_id)

    async def set(self, user_id: int, zone: str, at: datetime) -> None:
        await self._repository.set(user_id, zone, at)

    async def delete(self, user_id: int) -> None:
        await self._repository.delete(user_id)

    async def export_member(self, user_id: int) -> dict[str, Any]:
        """What /privacy export shows: `{"time_zone": "Europe/London"}`, or nothing when none is set."""
        zone = await self._repository.get(user_id)
        return {"time_zone": zone} if zone else {}

    async def erase_member(self, user_id: int) -> None:
        await self._repository.delete(user_id)
