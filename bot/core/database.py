"""The bot's SQLite file: one writer behind a transaction lock, a few readers beside it, and numbered
migrations."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"(\d{4})_[a-z0-9_]+\.sql")


class DatabaseError(Exception):
    """The database cannot be used; the message is safe to show to whoever runs the bot."""


class DatabaseTooNewError(DatabaseError):
    pass


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


# Each feature keeps the tables it stores beside its code, in its own migrations folder; the numbering
# is one sequence across all of them.
MIGRATION_PACKAGES = ("bot.core", "bot.progress", "bot.shield", "bot.times", "bot.parties")


def bundled_migrations() -> list[Migration]:
    """The SQL files in each feature's migrations folder, in order; numbering must have no gaps."""
    migrations = []
    for package in MIGRATION_PACKAGES:
        for entry in resources.files(package).joinpath("migrations").iterdir():
            match = _MIGRATION_NAME.fullmatch(entry.name)
            if match:
                migrations.append(Migration(int(match[1]), entry.name, entry.read_text(encoding="utf-8")))
    migrations.sort(key=lambda m: m.version)
    versions = [m.version for m in migrations]
    if versions != list(range(1, len(versions) + 1)):
        raise DatabaseError(f"migration files must be numbered 0001, 0002, ... without gaps: {versions}")
    return migrations


# Read connections beside the writer. WAL lets each read a committed snapshot while the writer works; each
# has a worker thread of its own. Reads are short (a burst of members is one query), so two will do.
READERS = 2


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


class Database:
    """One writing connection behind a lock, so two coroutines never interleave inside a transaction, and
    a few read-only connections that neither wait for the writer nor for each other.

    Transactions are re-entrant for the task that opened them: inside `async with db.transaction():`,
    that task's own statements, reads and nested transactions run in the open transaction (a nested one
    is a savepoint) instead of waiting on the lock they hold. Any other task's write, even one started
    inside the transaction, waits for it to end (so a transaction must not await such a task: it would
    wait forever); any other task's read does not wait, and sees what was last committed.
    """

    def __init__(
        self, connection: aiosqlite.Connection, path: Path, readers: Sequence[aiosqlite.Connection] = ()
    ) -> None:
        self._connection = connection
        self._readers = list(readers)
        self._queued = [0] * len(self._readers)  # reads waiting on or running in each reader's thread
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[Any] | None = None  # the task whose transaction is open
        self._savepoints = 0  # how deep the owner's nested transactions are
        self._when_ended: list[Callable[[], None]] = []  # see after_transaction
        self.path = path

    @classmethod
    async def open(cls, path: Path, readers: int = READERS) -> Database:
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

    async def __aenter__(self) -> Database:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def schema_version(self) -> int:
        row = await self.fetchone("PRAGMA user_version")
        return int(row[0]) if row else 0

    async def migrate(self, migrations: Sequence[Migration] | None = None) -> int:
        """Apply pending migrations, each in its own transaction; return the resulting version.
        A database from a newer heartbot is refused untouched."""
        migrations = bundled_migrations() if migrations is None else migrations
        latest = migrations[-1].version if migrations else 0
        current = await self.schema_version()
        if current > latest:
            raise DatabaseTooNewError(
                f"the database at {self.path} was written by a newer heartbot (schema version {current}; "
                f"this version knows up to {latest}). Upgrade heartbot, or set DATABASE_PATH to another file."
            )
        for migration in migrations:
            if migration.version <= current:
                continue
            log.info("Applying database migration %s", migration.name)
            async with self._lock:
                try:
                    # executescript runs outside Python's transaction handling: the script brackets itself.
                    script = f"{migration.sql}\n;PRAGMA user_version = {migration.version};"
                    await self._connection.executescript(f"BEGIN IMMEDIATE;\n{script}\nCOMMIT;")
                except Exception as error:
                    if self._connection.in_transaction:
                        await self._connection.execute("ROLLBACK")
                    raise DatabaseError(f"migration {migration.name} failed: {error}") from error
            current = migration.version
        return current

    def in_transaction(self) -> bool:
        """True inside the calling task's own transaction."""
        return self._owner is not None and self._owner is asyncio.current_task()

    def after_transaction(self, callback: Callable[[], None]) -> None:
        """Call `callback` once the calling task's transaction has ended, committed or rolled back (what
        other tasks read then matches the file again); at once outside a transaction. For caches: a read
        by another task meanwhile sees what was committed before."""
        if self.in_transaction():
            self._when_ended.append(callback)
        else:
            callback()

    async def wait_for_writes(self) -> None:
        """Wait until every write opened or queued before this call has ended: a read after it sees them.
        For a read that must not miss a write it may have overtaken (reads do not wait for the writer)."""
        if not self.in_transaction():
            async with self._lock:  # first come, first served: it is ours once those before it are done
                pass

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """`async with db.transaction() as conn:` commits on success and rolls back on error. Opened
        inside the same task's transaction, it is a savepoint: an error undoes only what it did, and
        nothing is committed before the outermost transaction ends."""
        if self.in_transaction():
            async with self._savepoint():
                yield self._connection
            return
        async with self._lock:
            await self._connection.execute("BEGIN IMMEDIATE")
            self._owner = asyncio.current_task()
            try:
                yield self._connection
            except BaseException:
                await self._connection.execute("ROLLBACK")
                raise
            else:
                await self._connection.execute("COMMIT")
            finally:
                self._owner = None
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

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> None:
        if self.in_transaction():
            await self._connection.execute(sql, tuple(params))
            return
        async with self._lock:
            # One statement outside a transaction commits alone (autocommit): one trip to the writer's
            # thread instead of three, and just as atomic.
            await self._connection.execute(sql, tuple(params))

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
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
