"""`python -m bot copy-db FROM TO`: a bot's data moved from one database to another (an SQLite file to
PostgreSQL, typically), table by table in one transaction, every count checked before it is committed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.core.database import Database, DatabaseError

# Every table the migrations make, parents before the rows that refer to them.
TABLES = (
    "command_sync",
    "user_progress",
    "guild_spoiler_baseline",
    "spoiler_channels",
    "shield_channels",
    "shield_exemptions",
    "shield_terms",
    "shield_guilds",
    "shield_webhooks",
    "member_spoilers",
    "shield_reposts",
    "shield_repost_parts",
    "timers",
    "user_timezones",
    "watch_parties",
    "party_rsvps",
    "party_deliveries",
    "party_settings",
    "party_notify",
)
NUMBERED = ("member_spoilers", "timers", "watch_parties")  # their ids are the database's to give
BATCH = 1_000


class CopyError(DatabaseError):
    pass


@dataclass(frozen=True, slots=True)
class Copied:
    table: str
    rows: int


async def _count(db: Database, table: str) -> int:
    return int(await db.fetchval(f"SELECT COUNT(*) FROM {table}") or 0)


async def copy_database(
    source: Database, target: Database, progress: Callable[[Copied], None] = lambda _: None
) -> list[Copied]:
    """Copy every table of `source` into `target`, which must hold no data; both are migrated to this
    version first. All or nothing: a count that differs afterwards rolls the whole copy back."""
    await source.migrate()
    await target.migrate()
    for table in TABLES:
        if await _count(target, table):
            raise CopyError(
                f"{target.where} already holds data ({table} is not empty); copy-db copies into an empty "
                "database only"
            )
    copied = []
    async with target.transaction():
        for table in TABLES:
            rows = await source.fetchall(f"SELECT * FROM {table}")
            if rows:
                columns = list(rows[0].keys())
                marks = ", ".join("?" * len(columns))
                insert = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
                for start in range(0, len(rows), BATCH):
                    await target.executemany(
                        insert, [tuple(row[c] for c in columns) for row in rows[start : start + BATCH]]
                    )
            found = await _count(target, table)
            if found != len(rows):
                raise CopyError(
                    f"{table}: {len(rows)} rows in {source.where}, {found} copied; nothing was kept"
                )
            copied.append(Copied(table, found))
            progress(copied[-1])
        if target.dialect == "postgresql":
            for table in NUMBERED:  # new rows are numbered after the copied ones
                await target.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
                )
    return copied
