"""A member's data across the features: exported together, or erased together, each in one transaction.

Each feature's service says what it stores about a member (`export_member`, JSON-ready, empty when
nothing) and forgets it (`erase_member`); this service only puts them together, so an erase that fails
halfway erases nothing and an export never shows a member half-changed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.core.database import Database
    from bot.parties.repository import Party
    from bot.parties.service import PartyService
    from bot.progress.service import ProgressService
    from bot.shield.service import ShieldService
    from bot.times.service import TimezoneService

# The export's own part: who it is about, and the progress store's word for "no progress" (kept in the
# file even when other features store something, as it always has been).
NO_PROGRESS = {"stored": "nothing"}
# The features' parts, in the order the export file has always listed them; anything new goes after.
EXPORT_ORDER = ("spoilers_you_posted", "time_zone", "watch_parties", "messages_kept_for_not_a_spoiler")


def stores_nothing(exported: dict[str, Any]) -> bool:
    """True for an export with nothing in it beyond whom it is about."""
    return exported == {"user_id": exported.get("user_id"), **NO_PROGRESS}


class PrivacyService:
    def __init__(
        self,
        db: Database,
        progress: ProgressService,
        shield: ShieldService,
        timezones: TimezoneService,
        parties: PartyService,
    ) -> None:
        self._db = db
        self._progress = progress
        self._shield = shield
        self._timezones = timezones
        self._parties = parties

    async def export(self, user_id: int) -> dict[str, Any]:
        """Everything stored about the member, JSON-ready (`stores_nothing` tells when that is nothing)."""
        async with self._db.transaction():  # one moment's picture, even while the member uses the bot
            progress = await self._progress.export_member(user_id)
            found: dict[str, Any] = {}
            for feature in (self._shield, self._timezones, self._parties):
                found |= await feature.export_member(user_id)
        ordered = {key: found.pop(key) for key in EXPORT_ORDER if key in found}
        return {"user_id": str(user_id), **(progress or NO_PROGRESS), **ordered, **found}

    async def erase(self, user_id: int) -> list[Party]:
        """Forget the member everywhere, or (if any part fails) nowhere. Returns the watch parties whose
        announcements must be shown again: the member's answer left their counts, or their name the
        parties they hosted."""
        async with self._db.transaction():
            await self._progress.erase_member(user_id)
            await self._shield.erase_member(user_id)
            await self._timezones.erase_member(user_id)
            return await self._parties.erase_member(user_id)
