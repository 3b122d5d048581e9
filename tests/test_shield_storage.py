"""The shield's reposts on a real SQLite file: the parts of a long repost, found by its last part."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.database import Database
from bot.shield.repository import ShieldRepository, StoredRepost

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
