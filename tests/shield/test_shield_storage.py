"""The shield's storage on a real SQLite file: the parts of a long repost, found by its last part, and what
the shield keeps about a member, exported and erased through its service."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from bot.canon import Canon, EpisodeCode
from bot.canon.lexicon import load_lexicon
from bot.core.clock import SystemClock
from bot.core.database import Database
from bot.progress.channel_levels import SpoilerLevelService
from bot.progress.channel_levels_repository import SpoilerLevelRepository
from bot.shield.detector import Detector
from bot.shield.repository import GuildShield, ShieldMode, ShieldRepository, StoredRepost
from bot.shield.semantic import ShieldReader
from bot.shield.service import ShieldService

AT = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


async def test_a_repost_in_parts_is_found_by_its_last_part_with_the_others_in_order(db: Database) -> None:
    shield = ShieldRepository(db)
    await shield.save_repost(30, guild_id=1, author_id=7, original="the words", at=AT, earlier_parts=(10, 20))
    assert await shield.repost(30) == StoredRepost(30, 1, 7, "the words", (10, 20))
    assert await shield.repost(10) is None  # only the part with the button leads to it


async def test_forgetting_a_repost_forgets_its_parts(db: Database) -> None:
    shield = ShieldRepository(db)
    await shield.save_repost(30, guild_id=1, author_id=7, original="the words", at=AT, earlier_parts=(10, 20))
    await shield.forget_repost(30)
    assert await shield.repost(30) is None
    assert await db.fetchall("SELECT * FROM shield_repost_parts") == []


async def test_erasing_a_members_data_erases_their_reposts_parts(db: Database) -> None:
    shield = ShieldRepository(db)
    await shield.save_repost(30, guild_id=1, author_id=7, original="mine", at=AT, earlier_parts=(10,))
    await shield.save_repost(60, guild_id=1, author_id=8, original="theirs", at=AT)
    assert await shield.delete_reposts_by(7) == 1
    assert [row["repost_id"] for row in await db.fetchall("SELECT * FROM shield_repost_parts")] == []
    assert await shield.repost(60) == StoredRepost(60, 1, 8, "theirs", ())


def shield_service(db: Database, canon: Canon) -> ShieldService:
    lexicon = load_lexicon(canon)
    clock = SystemClock()
    levels = SpoilerLevelService(SpoilerLevelRepository(db), clock)
    return ShieldService(ShieldRepository(db), lexicon, ShieldReader(Detector(lexicon)), levels, clock)


async def test_a_members_export_holds_their_spoilers_and_kept_messages(db: Database, canon: Canon) -> None:
    service = shield_service(db, canon)
    store = ShieldRepository(db)
    await store.add_spoiler(1, 7, "the twist", EpisodeCode(2, 3), AT)
    await store.save_repost(30, guild_id=1, author_id=7, original="mine", at=AT)
    await store.save_repost(60, guild_id=1, author_id=8, original="theirs", at=AT)
    assert await service.export_member(7) == {
        "spoilers_you_posted": [{"episode": str(EpisodeCode(2, 3)), "text": "the twist"}],
        "messages_kept_for_not_a_spoiler": 1,
    }
    assert await service.export_member(8) == {"messages_kept_for_not_a_spoiler": 1}
    assert await service.export_member(9) == {}  # nothing stored: no keys at all


async def test_erasing_a_member_leaves_the_shield_nothing_of_theirs(db: Database, canon: Canon) -> None:
    service = shield_service(db, canon)
    store = ShieldRepository(db)
    await store.add_spoiler(1, 7, "the twist", EpisodeCode(2, 3), AT)
    await store.save_repost(30, guild_id=1, author_id=7, original="mine", at=AT)
    await store.save_repost(60, guild_id=1, author_id=8, original="theirs", at=AT)
    await service.erase_member(7)
    assert await service.export_member(7) == {}
    assert await service.export_member(8) == {"messages_kept_for_not_a_spoiler": 1}


class HeldReads(ShieldRepository):
    """Settings reads that wait until the test lets them finish, as a read queued behind others would."""

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self.read = asyncio.Event()  # a read has what was stored
        self.release = asyncio.Event()

    async def get(self, guild_id: int) -> GuildShield:
        settings = await super().get(guild_id)
        self.read.set()
        await self.release.wait()
        return settings


async def test_a_settings_read_overtaken_by_a_change_is_not_kept(db: Database, canon: Canon) -> None:
    """Otherwise a channel the shield was just turned on in would stay unguarded until the bot restarts."""
    lexicon = load_lexicon(canon)
    clock = SystemClock()
    repository = HeldReads(db)
    levels = SpoilerLevelService(SpoilerLevelRepository(db), clock)
    shield = ShieldService(repository, lexicon, ShieldReader(Detector(lexicon)), levels, clock)
    reading = asyncio.create_task(shield.mode(1, 10))
    await repository.read.wait()  # the read has what was stored before the change, and waits
    await shield.set_mode(1, 10, ShieldMode.WRAP)
    repository.release.set()
    assert await reading is ShieldMode.OFF  # it began before the change
    assert await shield.mode(1, 10) is ShieldMode.WRAP
