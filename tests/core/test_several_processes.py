"""Two processes sharing one PostgreSQL schema, as two bots holding different shards do: each here is a
Database of its own (its own pool and listening connection), as a second process would open."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.canon import Canon, EpisodeCode
from bot.core.changes import Changes
from bot.core.clock import VirtualClock
from bot.core.copy_db import TABLES, CopyError, copy_database
from bot.core.database import Database, bundled_migrations, open_database
from bot.core.pg_schema import PgSchema
from bot.core.postgres_database import PostgresDatabase
from bot.core.shard_slice import ShardSlice
from bot.core.timers import TimerDispatcher
from bot.core.timers_repository import Timer, TimerRepository
from bot.parties.repository import PartyRepository
from bot.progress.repository import ProgressRepository, UserProgress
from bot.progress.service import ProgressService
from bot.spoilers import Mode
from tests.parties.test_parties import _party

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
async def two(pg_schema: PgSchema) -> AsyncIterator[tuple[Database, Database]]:
    first = await open_database(pg_schema.url)
    second = await open_database(pg_schema.url)
    try:
        await first.migrate()
        await second.migrate()  # finds nothing left to do
        yield first, second
    finally:
        await first.close()
        await second.close()


async def _eventually(check: Callable[[], bool], within: float = 1.0) -> None:
    """Until `check()` holds, for at most `within` seconds (the promise: within a second)."""
    async with asyncio.timeout(within):
        while not check():  # noqa: ASYNC110 - a notification's effect, seen from outside
            await asyncio.sleep(0.005)


async def test_transactions_of_two_processes_never_interleave(two: tuple[Database, Database]) -> None:
    first, second = two
    await first.execute("CREATE TABLE counter (n INTEGER NOT NULL)")
    await first.execute("INSERT INTO counter VALUES (0)")

    async def increment(db: Database) -> None:
        async with db.transaction():
            n = await db.fetchval("SELECT n FROM counter")
            await asyncio.sleep(0)  # let the other process try to get in
            await db.execute("UPDATE counter SET n = ?", (n + 1,))

    await asyncio.gather(*(increment(db) for _ in range(10) for db in (first, second)))
    assert await second.fetchval("SELECT n FROM counter") == 20


async def test_news_reaches_the_other_process_once_committed_and_never_when_rolled_back(
    two: tuple[Database, Database],
) -> None:
    first, second = two
    heard: list[str] = []
    await second.listen("news", heard.append)
    async with first.transaction():
        await first.notify("news", "committed")
        await asyncio.sleep(0.05)
        assert heard == []  # not before the commit

    async def rolled_back() -> None:
        async with first.transaction():
            await first.notify("news", "rolled back")
            raise RuntimeError("undone")

    with pytest.raises(RuntimeError):
        await rolled_back()
    await first.notify("news", "alone")
    await _eventually(lambda: heard == ["committed", "alone"])


async def test_exclusive_work_runs_in_one_process_at_a_time(two: tuple[Database, Database]) -> None:
    inside: list[str] = []
    overlaps = 0

    async def work(db: Database, name: str) -> None:
        nonlocal overlaps
        async with db.exclusive("command-sync"):
            overlaps += bool(inside)
            inside.append(name)
            await asyncio.sleep(0.02)
            inside.remove(name)

    await asyncio.gather(*(work(db, f"{i}") for i in range(3) for db in two))
    assert overlaps == 0


async def test_a_process_is_present_until_it_closes(pg_schema: PgSchema) -> None:
    watcher = await open_database(pg_schema.url)
    other = await open_database(pg_schema.url)
    try:
        await other.announce_presence("shards-2-3")
        assert await watcher.present("shards-2-3")
        assert not await watcher.present("never-started")
        await other.close()  # as if killed: its connections end
        assert not await watcher.present("shards-2-3")
    finally:
        await watcher.close()


async def test_two_processes_claiming_at_once_never_get_the_same_timer(
    two: tuple[Database, Database],
) -> None:
    first, second = TimerRepository(two[0]), TimerRepository(two[1])
    for i in range(200):
        await first.create("reminder", NOW - timedelta(seconds=i), {"n": i}, NOW)
    lease = NOW + timedelta(seconds=30)
    pages = await asyncio.gather(
        *(repo.claim(NOW, 25, name, lease) for _ in range(4) for repo, name in ((first, "a"), (second, "b")))
    )
    claimed = [timer.id for page in pages for timer in page]
    assert len(claimed) == len(set(claimed)) == 200


async def test_a_dead_processes_claims_are_taken_over_once_their_lease_lapses(
    two: tuple[Database, Database],
) -> None:
    first, second = TimerRepository(two[0]), TimerRepository(two[1])
    timer = await first.create("reminder", NOW, {}, NOW)
    [claimed] = await first.claim(NOW, 10, "dead", NOW + timedelta(seconds=30))
    assert claimed.id == timer.id
    assert await second.claim(NOW + timedelta(seconds=29), 10, "alive", NOW + timedelta(minutes=1)) == []
    assert await second.next_claimable() == NOW + timedelta(seconds=30)
    [taken] = await second.claim(NOW + timedelta(seconds=30), 10, "alive", NOW + timedelta(minutes=1))
    assert taken.id == timer.id


async def test_timers_are_claimed_only_by_the_process_owning_their_servers_shard(
    two: tuple[Database, Database],
) -> None:
    repo = TimerRepository(two[0])
    guilds = [(shard << 22) | 7 for shard in range(4)]  # one server on each of 4 shards
    for guild_id in guilds:
        await repo.create("reminder", NOW, {"guild": guild_id}, NOW, guild_id)
    await repo.create("reminder", NOW, {"guild": None}, NOW, None)  # a DM's
    lease = NOW + timedelta(seconds=30)
    low = await repo.claim(NOW, 10, "a", lease, ShardSlice(4, (0, 1)))
    high = await TimerRepository(two[1]).claim(NOW, 10, "b", lease, ShardSlice(4, (2, 3)))
    assert [t.payload["guild"] for t in low] == [guilds[0], guilds[1], None]  # shard 0's owner has DMs
    assert [t.payload["guild"] for t in high] == [guilds[2], guilds[3]]


async def test_progress_set_in_one_process_is_what_the_other_reads_within_a_second(
    two: tuple[Database, Database], canon: Canon
) -> None:
    clock = VirtualClock()
    services = []
    for db in two:
        changes = Changes(db)
        services.append(ProgressService(ProgressRepository(db), canon, clock, changes=changes))
        await changes.start()
    here, there = services
    assert (await there.get(5)).watched is None  # kept by the other process from now on
    await here.set_watched(5, EpisodeCode(2, 4))
    seen: list[EpisodeCode | None] = []

    async def read() -> None:
        seen.append((await there.get(5)).watched)

    async with asyncio.timeout(1):
        while not seen or seen[-1] != EpisodeCode(2, 4):
            await read()
            await asyncio.sleep(0.01)


async def test_copy_db_knows_every_table(tmp_path: Path) -> None:
    async with await open_database(tmp_path / "all.db") as db:
        await db.migrate()
        rows = await db.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")
    assert {row["name"] for row in rows} - {"schema_migrations"} == set(TABLES)


async def _some_of_everything(db: Database) -> None:
    parties = PartyRepository(db)
    draft = await parties.create_draft(_party(), NOW, "copied")
    await parties.publish(draft.id, message_id=10, thread_id=11, event_id=None)
    await TimerRepository(db).create("party_start", NOW, {"party": draft.id}, NOW, 1)
    await ProgressRepository(db).save(UserProgress(5, EpisodeCode(1, 2), Mode.WRAP, False, NOW))


async def test_copy_db_moves_every_row_and_new_rows_are_numbered_after_them(
    tmp_path: Path, pg_schema: PgSchema
) -> None:
    async with (
        await open_database(tmp_path / "old.db") as source,
        await open_database(pg_schema.url) as target,
    ):
        await source.migrate()
        await _some_of_everything(source)
        copied = await copy_database(source, target)
        assert [c.table for c in copied] == list(TABLES)
        rows = {c.table: c.rows for c in copied}
        assert (rows["watch_parties"], rows["party_rsvps"], rows["timers"], rows["user_progress"]) == (
            1,
            1,
            1,
            1,
        )
        party = await PartyRepository(target).get(1)
        assert party is not None
        assert party.message_id == 10
        later = await PartyRepository(target).create_draft(_party(), NOW, "after")
        assert later.id == 2
        with pytest.raises(CopyError, match="already holds data"):
            await copy_database(source, target)


async def test_a_timer_made_in_one_process_wakes_the_dispatcher_of_the_other(
    two: tuple[Database, Database],
) -> None:
    clock = VirtualClock()
    ran: list[int] = []
    elsewhere = TimerDispatcher(TimerRepository(two[1]), clock)

    async def handler(timer: Timer, late: bool) -> None:
        ran.append(timer.payload["n"])

    elsewhere.register("reminder", handler)
    elsewhere.start()
    try:
        await _eventually(lambda: elsewhere.idle)  # asleep, with nothing due
        here = TimerDispatcher(TimerRepository(two[0]), clock)  # never started: it only schedules
        await here.schedule("reminder", clock.now(), guild_id=None, n=1)
        await _eventually(lambda: ran == [1])
    finally:
        await elsewhere.stop()


async def test_two_processes_starting_together_migrate_once(pg_schema: PgSchema) -> None:
    first, second = await open_database(pg_schema.url), await open_database(pg_schema.url)
    try:
        versions = await asyncio.gather(first.migrate(), second.migrate())
        latest = bundled_migrations("postgresql")[-1].version
        assert versions == [latest, latest]
        rows = await first.fetchall("SELECT version FROM schema_migrations ORDER BY version")
        assert [row["version"] for row in rows] == list(range(1, latest + 1))
    finally:
        await first.close()
        await second.close()


async def test_a_lost_listening_connection_comes_back_and_everything_kept_is_forgotten(
    two: tuple[Database, Database],
) -> None:
    first, second = two
    heard: list[str] = []
    missed: list[bool] = []
    await second.listen("news", heard.append)
    second.on_reconnect(lambda: missed.append(True))
    assert isinstance(second, PostgresDatabase)
    listening = second._listening
    assert listening is not None
    await first.execute("SELECT pg_terminate_backend(?)", (listening.get_server_pid(),))
    await _eventually(lambda: missed == [True], within=5)
    await first.notify("news", "after")
    await _eventually(lambda: heard == ["after"])
