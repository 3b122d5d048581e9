"""Reading members' progress on a real SQLite file: a burst of cold members read together, a cache that
stays bounded, and a change never served stale."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from bot.canon import Canon, EpisodeCode
from bot.core.clock import VirtualClock
from bot.core.database import Database
from bot.progress.channel_levels import SpoilerLevelService
from bot.progress.channel_levels_repository import GuildSpoilerSettings, SpoilerLevelRepository
from bot.progress.repository import ProgressRepository, UserProgress
from bot.progress.service import CACHED_FOR, ProgressService
from bot.spoilers import NOTHING_WATCHED as NONE
from bot.spoilers import Mode

S1E2, S2E3, S3E1 = EpisodeCode(1, 2), EpisodeCode(2, 3), EpisodeCode(3, 1)
AT = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


class CountedProgress(ProgressRepository):
    """The real repository, counting its reads; `gate`, when set up, holds each read's answer back."""

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self.reads: list[list[int]] = []
        self.gate: asyncio.Event | None = None

    async def get_many(self, user_ids: Sequence[int]) -> dict[int, UserProgress]:
        self.reads.append(list(user_ids))
        found = await super().get_many(user_ids)
        if self.gate is not None:
            await self.gate.wait()
        return found


async def _stored(db: Database, user_id: int, watched: EpisodeCode | None, mode: Mode = Mode.WRAP) -> None:
    """Progress written straight to the file, as another process (or an earlier run) would."""
    await ProgressRepository(db).save(UserProgress(user_id, watched, mode, False, AT))


async def test_a_burst_of_cold_members_is_read_in_a_few_queries_each_getting_their_own(
    db: Database, canon: Canon
) -> None:
    for user_id in range(0, 100, 3):
        await _stored(db, user_id, EpisodeCode(1 + user_id % 3, 1 + user_id % 8), Mode.HIDE)
    repository = CountedProgress(db)
    progress = ProgressService(repository, canon, VirtualClock())

    got = await asyncio.gather(*(progress.get(user_id) for user_id in range(100)))

    assert len(repository.reads) <= 2
    for user_id, member in enumerate(got):
        assert member.user_id == user_id
        if user_id % 3 == 0:
            assert (member.watched, member.mode) == (EpisodeCode(1 + user_id % 3, 1 + user_id % 8), Mode.HIDE)
        else:
            assert (member.watched, member.mode, member.updated_at) == (None, Mode.WRAP, None)
    await asyncio.gather(*(progress.get(user_id) for user_id in range(100)))
    assert len(repository.reads) <= 2  # and now from memory


async def test_a_member_asking_twice_at_once_is_read_once(db: Database, canon: Canon) -> None:
    await _stored(db, 7, S2E3)
    repository = CountedProgress(db)
    progress = ProgressService(repository, canon, VirtualClock())
    first, second = await asyncio.gather(progress.get(7), progress.get(7))
    assert first.watched == second.watched == S2E3
    assert repository.reads == [[7]]


async def test_a_change_made_while_a_read_is_under_way_is_what_is_read_next(
    db: Database, canon: Canon
) -> None:
    await _stored(db, 7, S1E2)
    repository = CountedProgress(db)
    progress = ProgressService(repository, canon, VirtualClock())
    repository.gate = asyncio.Event()
    slow = asyncio.create_task(progress.get(7))  # reads S1E2, then is slow to come back
    await asyncio.sleep(0.05)
    repository.gate.set()
    repository.gate = None
    await progress.set_watched(7, S3E1)
    assert (await slow).watched in (S1E2, S3E1)  # asked before the change: either is fair
    assert (await progress.get(7)).watched == S3E1
    assert (await ProgressService(ProgressRepository(db), canon, VirtualClock()).get(7)).watched == S3E1


async def test_a_read_that_comes_back_after_an_erase_does_not_bring_the_progress_back(
    db: Database, canon: Canon
) -> None:
    await _stored(db, 7, S1E2)
    repository = CountedProgress(db)
    progress = ProgressService(repository, canon, VirtualClock())
    repository.gate = asyncio.Event()
    slow = asyncio.create_task(progress.get(7))
    await asyncio.sleep(0.05)  # it has read S1E2 and waits at the gate
    gate, repository.gate = repository.gate, None
    assert await progress.erase_member(7)
    after = asyncio.create_task(progress.get(7))  # asked after the erase: must not share the old read
    await asyncio.sleep(0.05)
    gate.set()
    assert (await slow).watched == S1E2  # asked before the erase
    assert (await after).watched is None
    assert (await progress.get(7)).watched is None
    assert repository.reads == [[7], [7]]


async def test_an_erase_inside_a_transaction_is_not_undone_by_a_read_meanwhile(
    db: Database, canon: Canon
) -> None:
    await _stored(db, 7, S2E3)
    progress = ProgressService(ProgressRepository(db), canon, VirtualClock())
    assert (await progress.get(7)).watched == S2E3
    async with db.transaction():  # as /privacy delete erases every feature's part in one
        assert await progress.erase_member(7)
        # another member's command, meanwhile, reads what is committed: the progress not yet erased
        seen = await asyncio.create_task(progress.get(7))
        assert seen.watched == S2E3
    assert (await progress.get(7)).watched is None


async def test_a_change_inside_a_rolled_back_transaction_is_forgotten(db: Database, canon: Canon) -> None:
    await _stored(db, 7, S1E2)
    progress = ProgressService(ProgressRepository(db), canon, VirtualClock())

    async def failing() -> None:
        async with db.transaction():
            await progress.set_watched(7, S3E1)
            assert (await progress.get(7)).watched == S3E1  # its own change, inside it
            raise RuntimeError("a later part failed")

    with pytest.raises(RuntimeError):
        await failing()
    assert (await progress.get(7)).watched == S1E2


async def test_the_cache_keeps_a_bounded_number_of_members(db: Database, canon: Canon) -> None:
    repository = CountedProgress(db)
    progress = ProgressService(repository, canon, VirtualClock(), cached=10)
    for user_id in range(50):
        await progress.get(user_id)
    reads = len(repository.reads)
    for user_id in range(40, 50):  # the last ten are kept
        await progress.get(user_id)
    assert len(repository.reads) == reads
    await progress.get(0)  # the first went long ago
    assert len(repository.reads) == reads + 1


async def test_a_cached_member_is_read_again_once_older_than_the_time_limit(
    db: Database, canon: Canon
) -> None:
    clock = VirtualClock()
    await _stored(db, 7, S1E2)
    progress = ProgressService(ProgressRepository(db), canon, clock)
    assert (await progress.get(7)).watched == S1E2
    await _stored(db, 7, S3E1)  # changed behind this service's back
    clock.advance(CACHED_FOR - timedelta(seconds=1))
    assert (await progress.get(7)).watched == S1E2
    clock.advance(timedelta(seconds=1))
    assert (await progress.get(7)).watched == S3E1


class CountedLevels(SpoilerLevelRepository):
    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self.reads: list[list[int]] = []

    async def get_many(self, guild_ids: Sequence[int]) -> dict[int, GuildSpoilerSettings]:
        self.reads.append(list(guild_ids))
        return await super().get_many(guild_ids)


async def test_servers_settings_are_read_together_and_each_change_is_seen(db: Database) -> None:
    repository = CountedLevels(db)
    levels = SpoilerLevelService(repository, VirtualClock())
    for guild_id in range(1, 6):
        await SpoilerLevelService(SpoilerLevelRepository(db), VirtualClock()).set_baseline(
            guild_id, EpisodeCode(1, guild_id)
        )
    await levels.set_channel(3, 30, S3E1)

    seen = await asyncio.gather(*(levels.channel_level(guild_id, 30) for guild_id in [*range(1, 7)] * 20))

    expected = [EpisodeCode(1, 1), EpisodeCode(1, 2), S3E1, EpisodeCode(1, 4), EpisodeCode(1, 5), NONE]
    assert seen == expected * 20
    assert len(repository.reads) <= 2
    await levels.remove_channel(3, 30)
    assert await levels.channel_level(3, 30) == EpisodeCode(1, 3)
    await levels.set_baseline(6, S2E3)
    assert await levels.channel_level(6, 30) == S2E3
