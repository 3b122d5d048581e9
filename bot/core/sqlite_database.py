"""The default backend: one SQLite file, one writer behind a transaction lock, a few readers beside it.

One process only: its notifications reach its own listeners, and `exclusive` holds within the process.
Several processes need PostgreSQL (bot/core/postgres_database.py).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

import aiosqlite

from bot.core.database import Database, DatabaseError, Listener, Migration, NamedLocks, Row, to_us

# Read connections beside the writer. WAL lets each read a committed snapshot while the writer works; each
# has a worker thread of its own. Reads are short (a burst of members is one query), so two will do.
READERS = 2

_MIGRATIONS_TABLE = (
    "CREATE TABLE schema_migrations "
    "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_us INTEGER NOT NULL)"
)


async def _connect(path: Path, *pragmas: str) -> aiosqlite.Connection:
    try:
        connection = await aiosqlite.connect(path, isolation_level=None)
    except Exception as error:  # sqlite3 raises several types for unusable paths
        raise DatabaseError(f"cannot open the database at {path}: {error}") from error
    connection.row_factory = aiosqlite.Row
    try:
        for pragma in pragmas:
            await connection.execute(f"PRAGMA {pragma}")
    except Exception as error:
        await connection.close()
        raise DatabaseError(f"{path} is not a usable SQLite database: {error}") from error
    return connection


def _in_memory(path: Path) -> bool:
    """An in-memory database is private to its connection: a reader would see another, empty one."""
    return str(path) == ":memory:" or "mode=memory" in str(path)


class SQLiteDatabase(Database):
    """One writing connection behind a lock, so two coroutines never interleave inside a transaction, and
    a few read-only connections that neither wait for the writer nor for each other. Another task's
    write, even one started inside a transaction, waits for it to end (so a transaction must not await
    such a task: it would wait forever)."""

    dialect: ClassVar[str] = "sqlite"

    def __init__(
        self, connection: aiosqlite.Connection, path: Path, readers: Sequence[aiosqlite.Connection] = ()
    ) -> None:
        self._connection = connection
        self._readers = list(readers)
        self._queued = [0] * len(self._readers)  # reads waiting on or running in each reader's thread
        super().__init__()
        self._savepoints = 0  # how deep the owner's nested transactions are
        self._when_committed: list[Callable[[], None]] = []  # notifications, delivered on commit only
        self._listeners: defaultdict[str, list[Listener]] = defaultdict(list)
        self._exclusive = NamedLocks()
        self._present: set[str] = set()
        self.path = path
        self.where = str(path)

    @classmethod
    async def open(cls, path: Path, readers: int = READERS) -> SQLiteDatabase:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise DatabaseError(f"cannot open the database at {path}: {error}") from error
        # synchronous = NORMAL in WAL mode: a commit is not flushed to disk until the next checkpoint, so
        # a power cut or OS crash may lose the last commits (never corrupt the file; a crash of the bot
        # alone loses nothing). It saves a disk flush on every commit.
        writer = await _connect(
            path, "journal_mode = WAL", "synchronous = NORMAL", "foreign_keys = ON", "busy_timeout = 5000"
        )
        opened: list[aiosqlite.Connection] = []
        try:
            for _ in range(0 if _in_memory(path) else readers):
                # query_only: a read connection refuses to write, so nothing writes outside the lock.
                reader = await _connect(path, "query_only = ON", "foreign_keys = ON", "busy_timeout = 5000")
                opened.append(reader)
        except BaseException:
            for connection in (*opened, writer):
                await connection.close()
            raise
        return cls(writer, path, opened)

    async def close(self) -> None:
        for reader in self._readers:  # first, so the writer closes last and folds the WAL into the file
            await reader.close()
        await self._connection.close()

    # -- migrations --------------------------------------------------------------------------------

    async def _has_migrations_table(self) -> bool:
        row = await self.fetchone(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
        )
        return row is not None

    async def _applied(self) -> dict[int, str]:
        if await self._has_migrations_table():
            rows = await self.fetchall("SELECT version, name FROM schema_migrations")
            return {row["version"]: row["name"] for row in rows}
        # Before the table, only the newest version was kept, in the file's header.
        version = int(await self.fetchval("PRAGMA user_version") or 0)
        return {number: "" for number in range(1, version + 1)}

    async def _record_table(self, known: Sequence[Migration], at: datetime) -> None:
        if await self._has_migrations_table():
            return
        names = {m.version: m.name for m in known}
        async with self.transaction():
            versions = await self._applied()
            await self.execute(_MIGRATIONS_TABLE)
            await self.executemany(
                "INSERT INTO schema_migrations (version, name, applied_us) VALUES (?, ?, ?)",
                [(version, names.get(version, ""), to_us(at)) for version in sorted(versions)],
            )

    async def _apply(self, migration: Migration, at: datetime) -> None:
        async with self._lock:
            try:
                # executescript runs outside Python's transaction handling: the script brackets itself.
                # user_version too, so an older heartbot, which reads only that, refuses a newer file.
                record = (
                    "INSERT INTO schema_migrations (version, name, applied_us) "
                    f"VALUES ({migration.version}, '{migration.name}', {to_us(at)})"
                )
                script = f"{migration.sql}\n;{record};\nPRAGMA user_version = {migration.version};"
                await self._connection.executescript(f"BEGIN IMMEDIATE;\n{script}\nCOMMIT;")
            except Exception as error:
                if self._connection.in_transaction:
                    await self._connection.execute("ROLLBACK")
                raise DatabaseError(f"migration {migration.name} failed: {error}") from error

    # -- transactions ------------------------------------------------------------------------------

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        if self.in_transaction():
            async with self._savepoint():
                yield
            return
        async with self._lock:
            await self._connection.execute("BEGIN IMMEDIATE")
            self._owner = asyncio.current_task()
            try:
                yield
            except BaseException:
                await self._connection.execute("ROLLBACK")
                raise
            else:
                await self._connection.execute("COMMIT")
                for callback in self._when_committed:
                    callback()
            finally:
                self._owner = None
                self._when_committed = []
                callbacks, self._when_ended = self._when_ended, []
                for callback in callbacks:
                    callback()

    @asynccontextmanager
    async def _savepoint(self) -> AsyncIterator[None]:
        self._savepoints += 1
        name = f"nested_{self._savepoints}"
        await self._connection.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            if self._connection.in_transaction:  # some errors end the whole transaction themselves
                await self._connection.execute(f"ROLLBACK TO {name}")
                await self._connection.execute(f"RELEASE {name}")
            raise
        else:
            await self._connection.execute(f"RELEASE {name}")
        finally:
            self._savepoints -= 1

    # -- statements --------------------------------------------------------------------------------

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        if self.in_transaction():
            cursor = await self._connection.execute(sql, tuple(params))
            return cursor.rowcount
        async with self._lock:
            # One statement outside a transaction commits alone (autocommit): one trip to the writer's
            # thread instead of three, and just as atomic.
            cursor = await self._connection.execute(sql, tuple(params))
            return cursor.rowcount

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = [tuple(row) for row in rows]
        if not rows:
            return
        async with self.transaction():
            await self._connection.executemany(sql, rows)

    async def returning(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        if self.in_transaction():
            return list(await self._connection.execute_fetchall(sql, tuple(params)))
        async with self._lock:  # the writer's: read connections may not write
            return list(await self._connection.execute_fetchall(sql, tuple(params)))

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        """One trip to a worker thread. Inside the task's own transaction the writer reads it; otherwise
        the least busy reader reads what was last committed."""
        if self.in_transaction():
            return list(await self._connection.execute_fetchall(sql, tuple(params)))
        if not self._readers:
            async with self._lock:
                return list(await self._connection.execute_fetchall(sql, tuple(params)))
        index = self._queued.index(min(self._queued))
        self._queued[index] += 1
        try:
            return list(await self._readers[index].execute_fetchall(sql, tuple(params)))
        finally:
            self._queued[index] -= 1

    # -- one process -------------------------------------------------------------------------------

    @asynccontextmanager
    async def exclusive(self, name: str) -> AsyncIterator[None]:
        async with self._exclusive.hold(name):
            yield

    async def notify(self, channel: str, payload: str) -> None:
        def deliver() -> None:
            for listener in list(self._listeners[channel]):
                listener(payload)

        # Only a committed change is news; a rolled-back one changed nothing (what was kept still holds).
        if self.in_transaction():
            self._when_committed.append(deliver)
        else:
            deliver()

    async def listen(self, channel: str, listener: Listener) -> None:
        self._listeners[channel].append(listener)

    async def announce_presence(self, name: str) -> None:
        self._present.add(name)

    async def present(self, name: str) -> bool:
        """One process: any other name is of one that has stopped."""
        return name in self._present

    def on_reconnect(self, callback: Callable[[], None]) -> None:
        """One file, never disconnected: nothing is ever missed."""
