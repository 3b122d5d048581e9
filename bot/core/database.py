"""One aiosqlite connection, its pragmas, a transaction lock and numbered migrations."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Iterable, Sequence
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


class Database:
    """The bot's only connection. Every statement runs under one lock, so two coroutines never
    interleave inside a transaction (they share the connection).

    Transactions are re-entrant for the task that opened them: inside `async with db.transaction():`,
    that task's own statements and nested transactions run in the open transaction (a nested one is a
    savepoint) instead of waiting on the lock they hold. Any other task, even one started inside the
    transaction, waits for it to end (so a transaction must not await such a task: it would wait forever).
    """

    def __init__(self, connection: aiosqlite.Connection, path: Path) -> None:
        self._connection = connection
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[Any] | None = None  # the task whose transaction is open
        self._savepoints = 0  # how deep the owner's nested transactions are
        self.path = path

    @classmethod
    async def open(cls, path: Path) -> Database:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            connection = await aiosqlite.connect(path, isolation_level=None)
        except Exception as error:  # sqlite3 raises several types for unusable paths
            raise DatabaseError(f"cannot open the database at {path}: {error}") from error
        connection.row_factory = aiosqlite.Row
        database = cls(connection, path)
        try:
            await connection.execute("PRAGMA journal_mode = WAL")
            await connection.execute("PRAGMA foreign_keys = ON")
            await connection.execute("PRAGMA busy_timeout = 5000")
        except Exception as error:
            await connection.close()
            raise DatabaseError(f"{path} is not a usable SQLite database: {error}") from error
        return database

    async def close(self) -> None:
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

    def _owns_transaction(self) -> bool:
        return self._owner is not None and self._owner is asyncio.current_task()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """`async with db.transaction() as conn:` commits on success and rolls back on error. Opened
        inside the same task's transaction, it is a savepoint: an error undoes only what it did, and
        nothing is committed before the outermost transaction ends."""
        if self._owns_transaction():
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
        async with self.transaction() as connection:
            await connection.execute(sql, tuple(params))

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        async with self._reading(), self._connection.execute(sql, tuple(params)) as cursor:
            return await cursor.fetchone()

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        async with self._reading(), self._connection.execute(sql, tuple(params)) as cursor:
            return list(await cursor.fetchall())

    @asynccontextmanager
    async def _reading(self) -> AsyncIterator[None]:
        """The lock, unless this task's transaction holds it: then the read sees that transaction."""
        if self._owns_transaction():
            yield
        else:
            async with self._lock:
                yield
