"""The database the repositories share, whichever backend holds it: SQLite (the default, one file, no
set-up) or PostgreSQL (DATABASE_URL, for a bot run as several processes). One interface, one SQL dialect
for the repositories (what both accept: `?` placeholders, `ON CONFLICT`, `RETURNING`), numbered
migrations recorded in a table, and a way to tell every process of a change."""

from __future__ import annotations

import asyncio
import logging
import re
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar, Protocol

log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"(\d{4})_[a-z0-9_]+\.sql")


class DatabaseError(Exception):
    """The database cannot be used; the message is safe to show to whoever runs the bot."""


class DatabaseTooNewError(DatabaseError):
    pass


class Row(Protocol):
    """A result row, by column name or position (sqlite3.Row and asyncpg.Record both are)."""

    def __getitem__(self, key: int | str, /) -> Any: ...

    def keys(self) -> Any: ...


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


# Each feature keeps the tables it stores beside its code, in its own migrations folder; the numbering
# is one sequence across all of them.
MIGRATION_PACKAGES = ("bot.core", "bot.progress", "bot.shield", "bot.times", "bot.parties")
# Beside `0007_name.sql`, a `0007_name.postgresql.sql` replaces it on PostgreSQL, where the two differ
# beyond what `Database.dialect_sql` translates.
DIALECT_SUFFIX = {"sqlite": ".sql", "postgresql": ".postgresql.sql"}


def bundled_migrations(dialect: str = "sqlite") -> list[Migration]:
    """The SQL files in each feature's migrations folder, in order; numbering must have no gaps."""
    migrations = []
    for package in MIGRATION_PACKAGES:
        folder = resources.files(package).joinpath("migrations")
        for entry in folder.iterdir():
            match = _MIGRATION_NAME.fullmatch(entry.name)
            if not match:
                continue
            variant = folder.joinpath(entry.name.removesuffix(".sql") + DIALECT_SUFFIX[dialect])
            source = variant if variant.is_file() else entry
            migrations.append(Migration(int(match[1]), entry.name, source.read_text(encoding="utf-8")))
    migrations.sort(key=lambda m: m.version)
    versions = [m.version for m in migrations]
    if versions != list(range(1, len(versions) + 1)):
        raise DatabaseError(f"migration files must be numbered 0001, 0002, ... without gaps: {versions}")
    return migrations


# One encoding for every stored time: UTC microseconds since the epoch, an integer both backends sort and
# index alike.
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_us(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("stored times need a time zone")
    return (moment - _EPOCH) // timedelta(microseconds=1)


def from_us(value: int) -> datetime:
    return _EPOCH + timedelta(microseconds=value)


Listener = Callable[[str], None]


class NamedLocks:
    """One asyncio lock per name while anyone holds or waits for it (names such as a channel's id come
    and go: a lock nobody wants is dropped)."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, name: str) -> AsyncIterator[None]:
        lock, wanted = self._locks.get(name, (asyncio.Lock(), 0))
        self._locks[name] = (lock, wanted + 1)
        try:
            async with lock:
                yield
        finally:
            lock, wanted = self._locks[name]
            if wanted == 1:
                del self._locks[name]
            else:
                self._locks[name] = (lock, wanted - 1)


class Database(ABC):
    """What the repositories use. Statements take `?` placeholders.

    Transactions are re-entrant for the task that opened them: inside `async with db.transaction():`,
    that task's own statements, reads and nested transactions run in the open transaction (a nested one
    is a savepoint). Transactions never interleave, whichever process opened them (SQLite: one writer;
    PostgreSQL: one advisory lock), so a transaction may read, decide and write. Another task's read does
    not wait for an open transaction: it sees what was last committed.
    """

    dialect: ClassVar[str]
    where: str  # for messages: a file path, or a URL without its password

    def __init__(self) -> None:
        self._lock = asyncio.Lock()  # this process's writes, one at a time (transactions hold it)
        self._owner: asyncio.Task[Any] | None = None  # the task whose transaction is open
        self._when_ended: list[Callable[[], None]] = []  # see after_transaction

    # -- statements --------------------------------------------------------------------------------

    @abstractmethod
    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one statement (alone it commits alone); returns how many rows it changed."""

    @abstractmethod
    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """One statement for each of `rows`, all or none; alone, it takes no lock beyond its rows'."""

    @abstractmethod
    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        """Read rows (a statement that writes and returns them is `returning`'s)."""

    @abstractmethod
    async def returning(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        """One statement that writes and returns rows (`... RETURNING`): alone, it commits alone, and
        takes no lock beyond its rows' (two processes may run it at once); inside the caller's
        transaction, it is part of it."""

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> Row | None:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def fetchval(self, sql: str, params: Iterable[Any] = ()) -> Any:
        """The first column of the first row, or None."""
        row = await self.fetchone(sql, params)
        return row[0] if row is not None else None

    # -- transactions ------------------------------------------------------------------------------

    @abstractmethod
    def transaction(self) -> AbstractAsyncContextManager[None]:
        """`async with db.transaction():` commits on success and rolls back on error."""

    def in_transaction(self) -> bool:
        """True inside the calling task's own transaction."""
        return self._owner is not None and self._owner is asyncio.current_task()

    def after_transaction(self, callback: Callable[[], None]) -> None:
        """Call `callback` once the calling task's transaction has ended, committed or rolled back; at
        once outside a transaction. For caches: a read by another task meanwhile sees what was committed
        before."""
        if self.in_transaction():
            self._when_ended.append(callback)
        else:
            callback()

    async def wait_for_writes(self) -> None:
        """Wait until every write this process opened or queued before the call has ended: a read after
        it sees them. For a read that must not miss a write it may have overtaken."""
        if not self.in_transaction():
            async with self._lock:  # first come, first served: it is ours once those before it are done
                pass

    # -- several processes -------------------------------------------------------------------------

    @abstractmethod
    def exclusive(self, name: str) -> AbstractAsyncContextManager[None]:
        """Held by one holder at a time across every process sharing the database: start-up work that
        must run once (migrations, command sync)."""

    @abstractmethod
    async def notify(self, channel: str, payload: str) -> None:
        """Tell every listener on `channel`, in every process, once the calling task's transaction is
        committed (at once outside one); nothing when it rolls back."""

    @abstractmethod
    async def listen(self, channel: str, listener: Listener) -> None:
        """Call `listener(payload)` for each notification on `channel`, this process's own included."""

    @abstractmethod
    async def announce_presence(self, name: str) -> None:
        """Be known as present under `name` for as long as this process has the database open (a process
        that dies stops being present at once, whatever the clocks say)."""

    @abstractmethod
    async def present(self, name: str) -> bool:
        """Whether the process that announced itself as `name` is still there."""

    @abstractmethod
    def on_reconnect(self, callback: Callable[[], None]) -> None:
        """Call `callback` when notifications may have been missed (the listening connection was lost and
        is back): whatever was kept from earlier reads must be read again."""

    # -- lifecycle ---------------------------------------------------------------------------------

    @abstractmethod
    async def close(self) -> None: ...

    async def __aenter__(self) -> Database:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- migrations --------------------------------------------------------------------------------

    @abstractmethod
    async def _applied(self) -> dict[int, str]:
        """Applied migrations by version, from the migrations table (none before the first)."""

    @abstractmethod
    async def _record_table(self, known: Sequence[Migration], at: datetime) -> None:
        """Create the migrations table where it is missing, recording what is already applied."""

    @abstractmethod
    async def _apply(self, migration: Migration, at: datetime) -> None:
        """Run one migration and record it, in one transaction."""

    def dialect_sql(self, sql: str) -> str:
        """A migration written for SQLite, as this backend runs it."""
        return sql

    async def schema_version(self) -> int:
        return max(await self._applied(), default=0)

    async def migrate(self, migrations: Sequence[Migration] | None = None) -> int:
        """Apply pending migrations, each in its own transaction, once across processes; return the
        resulting version. A database from a newer heartbot is refused untouched."""
        migrations = bundled_migrations(self.dialect) if migrations is None else migrations
        latest = migrations[-1].version if migrations else 0
        async with self.exclusive("migrate"):
            applied = await self._applied()
            current = max(applied, default=0)
            if current > latest:
                raise DatabaseTooNewError(
                    f"the database at {self.where} was written by a newer heartbot (schema version "
                    f"{current}; this version knows up to {latest}). Upgrade heartbot, or point "
                    "DATABASE_PATH or DATABASE_URL at another database."
                )
            await self._record_table(migrations, datetime.now(UTC))
            for migration in migrations:
                if migration.version in applied:
                    continue
                log.info("Applying database migration %s", migration.name)
                try:
                    await self._apply(migration, datetime.now(UTC))
                except DatabaseError:
                    raise
                except Exception as error:
                    raise DatabaseError(f"migration {migration.name} failed: {error}") from error
                current = migration.version
        return current


def is_postgres_url(target: str) -> bool:
    return target.startswith(("postgresql://", "postgres://"))


async def open_database(target: Path | str, **options: Any) -> Database:
    """A PostgreSQL URL opens PostgreSQL; anything else is an SQLite file's path."""
    if isinstance(target, str) and is_postgres_url(target):
        from bot.core.postgres_database import PostgresDatabase

        return await PostgresDatabase.open(target, **options)
    from bot.core.sqlite_database import SQLiteDatabase

    return await SQLiteDatabase.open(Path(target), **options)
