"""What command tree was last synced to Discord, per scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.core.database import Database, from_us, to_us

GLOBAL_SCOPE = "global"


@dataclass(frozen=True, slots=True)
class SyncRecord:
    scope: str  # GLOBAL_SCOPE or a guild id
    tree_hash: str
    synced_at: datetime


class CommandSyncRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, scope: str) -> SyncRecord | None:
        row = await self._db.fetchone(
            "SELECT scope, tree_hash, synced_us FROM command_sync WHERE scope = ?", (scope,)
        )
        if row is None:
            return None
        return SyncRecord(row["scope"], row["tree_hash"], from_us(row["synced_us"]))

    async def save(self, record: SyncRecord) -> None:
        await self._db.execute(
            "INSERT INTO command_sync (scope, tree_hash, synced_us) VALUES (?, ?, ?) "
            "ON CONFLICT (scope) DO UPDATE SET "
            "tree_hash = excluded.tree_hash, synced_us = excluded.synced_us",
            (record.scope, record.tree_hash, to_us(record.synced_at)),
        )
