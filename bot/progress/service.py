"""Each member's progress: set, advance, reset, mode, and the one-time hint for members who never set it."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from bot.canon import Canon, EpisodeCode
from bot.core.changes import Changes
from bot.core.clock import Clock
from bot.core.errors import BadInput
from bot.core.memo import CachedReads
from bot.progress.repository import ProgressRepository, UserProgress
from bot.spoilers import NOTHING_WATCHED, Mode, Reader

# Autocomplete reads progress on every keystroke, so members' progress is kept in memory: those active
# lately, a few hundred bytes each. The age limit lets members who went quiet go, size or not.
CACHED_MEMBERS = 10_000
CACHED_FOR = timedelta(hours=1)


class ProgressService:
    def __init__(
        self,
        repository: ProgressRepository,
        canon: Canon,
        clock: Clock,
        *,
        cached: int = CACHED_MEMBERS,
        changes: Changes | None = None,
    ) -> None:
        self._repository = repository
        self._order = [episode.code for episode in canon.episodes]
        self._clock = clock
        # members arriving together (a release-day burst) are read in one query
        self._cache: CachedReads[int, UserProgress] = CachedReads(
            clock,
            cached,
            CACHED_FOR,
            repository.get_many,
            repository,
            missing=lambda user_id: UserProgress(user_id, None, Mode.WRAP, False, None),
            changes=changes,
            topic="progress",
        )

    async def get(self, user_id: int) -> UserProgress:
        return await self._cache.get(user_id)

    async def reader(self, user_id: int) -> Reader:
        progress = await self.get(user_id)
        return Reader(progress.watched or NOTHING_WATCHED, progress.mode)

    async def _save(self, progress: UserProgress) -> UserProgress:
        progress = replace(progress, updated_at=self._clock.now())
        await self._repository.save(progress)
        await self._cache.changed(progress.user_id, progress)
        return progress

    async def set_watched(self, user_id: int, episode: EpisodeCode) -> UserProgress:
        return await self._save(replace(await self.get(user_id), watched=episode))

    async def raise_to(self, user_id: int, episode: EpisodeCode) -> tuple[UserProgress, bool]:
        """Progress up to `episode` unless it is already there or further: it never goes back."""
        progress = await self.get(user_id)
        if progress.watched is not None and progress.watched >= episode:
            return progress, False
        return await self.set_watched(user_id, episode), True

    async def watched_next(self, user_id: int) -> UserProgress:
        current = (await self.get(user_id)).watched
        if current == self._order[-1]:
            raise BadInput(f"You've watched everything up to {current}, the last episode so far.")
        following = self._order[0] if current is None else self._order[self._order.index(current) + 1]
        return await self.set_watched(user_id, following)

    async def reset(self, user_id: int) -> UserProgress:
        return await self._save(replace(await self.get(user_id), watched=None))

    async def set_mode(self, user_id: int, mode: Mode) -> UserProgress:
        return await self._save(replace(await self.get(user_id), mode=mode))

    async def take_hint(self, user_id: int) -> bool:
        """True exactly once for a member who has never set their progress: time to tell them how."""
        progress = await self.get(user_id)
        if progress.watched is not None or progress.hinted:
            return False
        await self._save(replace(progress, hinted=True))
        return True

    async def export_member(self, user_id: int) -> dict[str, Any]:
        """What /privacy export shows of the member's progress, or nothing when none is stored."""
        stored = await self._repository.get(user_id)
        if stored is None:
            return {}
        return {
            "watched_up_to": str(stored.watched) if stored.watched else None,
            "spoiler_mode": stored.mode.value,
            "told_how_to_set_progress": stored.hinted,
            "updated_at": stored.updated_at.isoformat() if stored.updated_at else None,
        }

    async def erase_member(self, user_id: int) -> bool:
        """Forget the member's progress; True if there was any. The cached copy goes first, so a
        rolled-back erase is read again from the database rather than remembered as gone, and again
        once the erase is committed: until then, other tasks still read (and might cache) the old one."""
        await self._cache.changed(user_id)
        try:
            return await self._repository.delete(user_id)
        finally:
            await self._cache.changed(user_id)
