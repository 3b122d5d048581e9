from __future__ import annotations

import asyncio
import hashlib
import sqlite3
import threading
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest

from bot.core.command_sync_repository import CommandSyncRepository, SyncRecord
from bot.core.database import Database, DatabaseError, DatabaseTooNewError, Migration, bundled_migrations
from bot.core.postgres_database import PostgresDatabase
from bot.core.sqlite_database import SQLiteDatabase


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[SQLiteDatabase]:
    async with await SQLiteDatabase.open(tmp_path / "heartbot.db") as database:
        await database.migrate()
        yield database


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def test_fresh_database_is_migrated_to_the_latest_version(tmp_path: Path) -> None:
    async with await SQLiteDatabase.open(tmp_path / "new" / "heartbot.db") as db:
        version = await db.migrate()
        tables = {row[0] for row in await db.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert version == bundled_migrations()[-1].version
    assert "command_sync" in tables
    assert (
        sqlite3.connect(tmp_path / "new" / "heartbot.db").execute("PRAGMA user_version").fetchone()[0]
        == version
    )


async def test_pragmas_are_set(sqlite_db: SQLiteDatabase) -> None:
    assert (await sqlite_db.fetchone("PRAGMA journal_mode"))[0] == "wal"
    assert (await sqlite_db.fetchone("PRAGMA foreign_keys"))[0] == 1


async def test_migrating_again_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "heartbot.db"
    record = SyncRecord("global", "abc", datetime(2026, 1, 1, tzinfo=UTC))
    async with await SQLiteDatabase.open(path) as db:
        first = await db.migrate()
        await CommandSyncRepository(db).save(record)
    async with await SQLiteDatabase.open(path) as db:
        assert await db.migrate() == first
        assert await CommandSyncRepository(db).get("global") == record


async def test_database_from_a_newer_version_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "heartbot.db"
    with sqlite3.connect(path) as raw:
        raw.execute("PRAGMA journal_mode = WAL")
        raw.execute("CREATE TABLE future (x)")
        raw.execute("PRAGMA user_version = 99")
    before = _file_digest(path)
    async with await SQLiteDatabase.open(path) as db:
        with pytest.raises(DatabaseTooNewError, match=r"newer heartbot .*schema version 99"):
            await db.migrate()
        assert await db.schema_version() == 99
    assert _file_digest(path) == before


async def test_failed_migration_is_rolled_back_whole(tmp_path: Path) -> None:
    migrations = [
        Migration(1, "0001_a.sql", "CREATE TABLE a (x INTEGER);"),
        Migration(2, "0002_b.sql", "CREATE TABLE b (x INTEGER); INSERT INTO nowhere VALUES (1);"),
    ]
    async with await SQLiteDatabase.open(tmp_path / "heartbot.db") as db:
        with pytest.raises(DatabaseError, match=r"0002_b\.sql failed"):
            await db.migrate(migrations)
        assert await db.schema_version() == 1
        tables = {row[0] for row in await db.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == {"a", "schema_migrations"}


def test_bundled_migrations_are_numbered_without_gaps() -> None:
    versions = [m.version for m in bundled_migrations()]
    assert versions == list(range(1, len(versions) + 1))


async def test_a_file_that_is_not_a_database_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("these are my notes, not a database" * 100)
    with pytest.raises(DatabaseError, match="not a usable SQLite database"):
        await SQLiteDatabase.open(path)


async def test_transaction_rolls_back_on_error(db: Database) -> None:
    record = SyncRecord("global", "before", datetime(2026, 1, 1, tzinfo=UTC))
    await CommandSyncRepository(db).save(record)

    async def failing_handler() -> None:
        async with db.transaction():
            await db.execute("UPDATE command_sync SET tree_hash = 'after'")
            raise RuntimeError("handler failed")

    with pytest.raises(RuntimeError):
        await failing_handler()
    assert await CommandSyncRepository(db).get("global") == record


async def test_transactions_do_not_interleave(db: Database) -> None:
    await db.execute("CREATE TABLE counter (n INTEGER NOT NULL)")
    await db.execute("INSERT INTO counter VALUES (0)")

    async def increment() -> None:
        async with db.transaction():
            (n,) = await db.fetchone("SELECT n FROM counter")
            await asyncio.sleep(0)  # let the other coroutines try to get in
            await db.execute("UPDATE counter SET n = ?", (n + 1,))

    await asyncio.gather(*(increment() for _ in range(20)))
    assert (await db.fetchone("SELECT n FROM counter"))[0] == 20


async def test_sync_records_round_trip_as_dataclasses(db: Database) -> None:
    repo = CommandSyncRepository(db)
    assert await repo.get("global") is None
    first = SyncRecord("123456789012345678", "hash-1", datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    second = SyncRecord("123456789012345678", "hash-2", datetime(2026, 3, 2, 12, 0, tzinfo=UTC))
    await repo.save(first)
    await repo.save(second)
    assert await repo.get("123456789012345678") == second


async def test_an_unwritable_location_is_refused_clearly(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    with pytest.raises(DatabaseError, match="cannot open the database"):
        await SQLiteDatabase.open(blocker / "heartbot.db")


async def _counter(db: Database) -> None:
    await db.execute("CREATE TABLE counter (n INTEGER NOT NULL)")
    await db.execute("INSERT INTO counter VALUES (0)")


def _count_file(path: Path) -> int:
    with sqlite3.connect(path) as other:
        return int(other.execute("SELECT n FROM counter").fetchone()[0])


async def _committed(db: Database) -> int:
    """The committed value, read through a connection of its own."""
    if isinstance(db, SQLiteDatabase):
        return _count_file(db.path)
    assert isinstance(db, PostgresDatabase)
    other = await asyncpg.connect(db._url)
    try:
        return int(await other.fetchval("SELECT n FROM counter"))
    finally:
        await other.close()


async def test_a_transactions_own_calls_run_inside_it(db: Database) -> None:
    await _counter(db)
    async with db.transaction():
        await db.execute("UPDATE counter SET n = 1")
        assert (await db.fetchone("SELECT n FROM counter"))[0] == 1  # sees its own change
        assert [tuple(row) for row in await db.fetchall("SELECT n FROM counter")] == [(1,)]
        assert await _committed(db) == 0  # nothing committed yet
    assert await _committed(db) == 1


async def test_an_error_undoes_every_call_made_inside_the_transaction(db: Database) -> None:
    await _counter(db)

    async def failing_handler() -> None:
        async with db.transaction():
            await db.execute("UPDATE counter SET n = 1")
            async with db.transaction():
                await db.execute("UPDATE counter SET n = 2")
            raise RuntimeError("failed after both")

    with pytest.raises(RuntimeError):
        await failing_handler()
    assert (await db.fetchone("SELECT n FROM counter"))[0] == 0
    assert await _committed(db) == 0


async def test_a_failed_nested_transaction_undoes_only_its_own_part(db: Database) -> None:
    await _counter(db)

    async def failing_part() -> None:
        async with db.transaction():
            await db.execute("UPDATE counter SET n = 2")
            raise RuntimeError("the inner part failed")

    async with db.transaction():
        await db.execute("UPDATE counter SET n = 1")
        with pytest.raises(RuntimeError):
            await failing_part()
        assert (await db.fetchone("SELECT n FROM counter"))[0] == 1
        async with db.transaction(), db.transaction():  # and savepoints nest deeper
            await db.execute("UPDATE counter SET n = n + 10")
    assert await _committed(db) == 11


async def test_other_tasks_writes_wait_for_the_open_transaction(db: Database) -> None:
    await _counter(db)

    async def writer() -> None:  # started inside the transaction, yet not part of it
        await db.execute("UPDATE counter SET n = n * 10")

    async with db.transaction():
        await db.execute("UPDATE counter SET n = 1")
        task = asyncio.create_task(writer())
        await asyncio.sleep(0.05)
        assert not task.done()  # still waiting on the lock
        await db.execute("UPDATE counter SET n = 2")
    await task
    assert await _committed(db) == 20  # it wrote after the whole transaction, never inside it


async def _read_count(db: Database) -> int:
    row = await db.fetchone("SELECT n FROM counter")
    assert row is not None
    return int(row[0])


async def test_other_tasks_read_what_was_committed_without_waiting_for_the_open_transaction(
    db: Database,
) -> None:
    await _counter(db)
    async with db.transaction():
        await db.execute("UPDATE counter SET n = 1")
        # Were reads waiting on the transaction, this would never finish: the transaction waits for it.
        seen = await asyncio.wait_for(asyncio.create_task(_read_count(db)), timeout=10)
        assert seen == 0  # what was committed, never the half-done state
        assert await _read_count(db) == 1  # while the transaction's own task reads its own change
    assert await asyncio.create_task(_read_count(db)) == 1


async def test_a_read_after_waiting_for_writes_sees_the_transaction_that_was_open(db: Database) -> None:
    await _counter(db)
    opened, finish = asyncio.Event(), asyncio.Event()

    async def slow_writer() -> None:
        async with db.transaction():
            await db.execute("UPDATE counter SET n = 1")
            opened.set()
            await finish.wait()

    async def careful_reader() -> int:
        await db.wait_for_writes()
        return await _read_count(db)

    writing = asyncio.create_task(slow_writer())
    await opened.wait()
    reading = asyncio.create_task(careful_reader())
    assert await _read_count(db) == 0  # an ordinary read does not wait
    finish.set()
    assert await reading == 1
    await writing


async def test_a_read_right_after_a_commit_sees_it(db: Database) -> None:
    await _counter(db)
    for n in range(1, 41):
        if n % 2:
            await db.execute("UPDATE counter SET n = ?", (n,))
        else:
            async with db.transaction():
                await db.execute("UPDATE counter SET n = ?", (n,))
        # several at once, so every read connection answers some
        assert await asyncio.gather(*(_read_count(db) for _ in range(4))) == [n] * 4


async def test_a_slow_read_does_not_hold_up_the_others(sqlite_db: SQLiteDatabase) -> None:
    release = threading.Event()

    def wait_for_release() -> int:
        return int(release.wait(timeout=10))

    for reader in sqlite_db._readers:  # a read that keeps its connection's thread busy until the test is done
        await reader.create_function("wait_for_release", 0, wait_for_release)
    slow = asyncio.create_task(sqlite_db.fetchone("SELECT wait_for_release()"))
    await asyncio.sleep(0)  # it has its connection
    try:
        for n in range(5):
            assert (await asyncio.wait_for(sqlite_db.fetchone("SELECT ?", (n,)), timeout=10))[0] == n
        assert not slow.done()
    finally:
        release.set()
    assert (await slow)[0] == 1


async def test_read_connections_cannot_write(sqlite_db: SQLiteDatabase) -> None:
    await _counter(sqlite_db)
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        await sqlite_db.fetchall("UPDATE counter SET n = 5")
    assert await _committed(sqlite_db) == 0


async def test_commits_are_not_flushed_one_by_one(sqlite_db: SQLiteDatabase) -> None:
    async with sqlite_db.transaction():  # the writer's own setting; readers do not write
        assert (await sqlite_db.fetchone("PRAGMA synchronous"))[0] == 1  # NORMAL


async def test_an_in_memory_database_works_with_one_connection(tmp_path: Path) -> None:
    async with await SQLiteDatabase.open(Path(":memory:")) as db:
        await db.migrate()
        await _counter(db)
        await db.execute("UPDATE counter SET n = 3")
        assert await _read_count(db) == 3
        async with db.transaction():
            await db.execute("UPDATE counter SET n = 4")
            assert await _read_count(db) == 4
        assert await _read_count(db) == 4


async def test_a_callback_after_the_transaction_runs_once_it_has_ended(sqlite_db: SQLiteDatabase) -> None:
    await _counter(sqlite_db)
    seen: list[int] = []

    def record() -> None:
        seen.append(_count_file(sqlite_db.path))

    sqlite_db.after_transaction(record)  # outside a transaction: at once
    async with sqlite_db.transaction():
        await sqlite_db.execute("UPDATE counter SET n = 1")
        async with sqlite_db.transaction():
            sqlite_db.after_transaction(record)
        assert seen == [0]
    assert seen == [0, 1]  # after the commit

    async def rolled_back() -> None:
        async with sqlite_db.transaction():
            await sqlite_db.execute("UPDATE counter SET n = 2")
            sqlite_db.after_transaction(record)
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        await rolled_back()
    assert seen == [0, 1, 1]  # and after a rollback
