"""The shield's per-server settings, its webhooks, and members' own posted spoilers."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.canon import EpisodeCode
from bot.core.database import Database, Row, from_us, to_us


class ShieldMode(StrEnum):
    OFF = "off"
    WRAP = "wrap"
    WARN = "warn"
    LOG = "log"


@dataclass(frozen=True, slots=True)
class ShieldTerm:
    phrase: str
    reveals: EpisodeCode


@dataclass(frozen=True, slots=True)
class GuildShield:
    guild_id: int
    channels: dict[int, ShieldMode]
    exempt_roles: frozenset[int]
    exempt_channels: frozenset[int]
    terms: tuple[ShieldTerm, ...]
    log_channel_id: int | None
    reported_missing: frozenset[str]


@dataclass(frozen=True, slots=True)
class StoredWebhook:
    channel_id: int
    webhook_id: int
    token: str


@dataclass(frozen=True, slots=True)
class StoredRepost:
    """A wrapped repost: its last part carries "Not a spoiler"; `earlier_parts` are the ones before it."""

    message_id: int
    guild_id: int
    author_id: int
    original: str
    earlier_parts: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class MemberSpoiler:
    id: int
    guild_id: int
    author_id: int
    text: str
    reveals: EpisodeCode
    created_at: datetime


class ShieldRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, guild_id: int) -> GuildShield:
        channels = await self._db.fetchall(
            "SELECT channel_id, mode FROM shield_channels WHERE guild_id = ?", (guild_id,)
        )
        exempt = await self._db.fetchall(
            "SELECT kind, target_id FROM shield_exemptions WHERE guild_id = ?", (guild_id,)
        )
        terms = await self._db.fetchall(
            "SELECT phrase, season, episode FROM shield_terms WHERE guild_id = ? ORDER BY phrase", (guild_id,)
        )
        settings = await self._db.fetchone(
            "SELECT log_channel_id, missing_permissions FROM shield_guilds WHERE guild_id = ?", (guild_id,)
        )
        return GuildShield(
            guild_id=guild_id,
            channels={row["channel_id"]: ShieldMode(row["mode"]) for row in channels},
            exempt_roles=frozenset(r["target_id"] for r in exempt if r["kind"] == "role"),
            exempt_channels=frozenset(r["target_id"] for r in exempt if r["kind"] == "channel"),
            terms=tuple(ShieldTerm(r["phrase"], EpisodeCode(r["season"], r["episode"])) for r in terms),
            log_channel_id=settings["log_channel_id"] if settings else None,
            reported_missing=frozenset(
                filter(None, (settings["missing_permissions"] if settings else "").split(","))
            ),
        )

    async def set_channel(self, guild_id: int, channel_id: int, mode: ShieldMode) -> None:
        await self._db.execute(
            "INSERT INTO shield_channels (guild_id, channel_id, mode) VALUES (?, ?, ?) "
            "ON CONFLICT (guild_id, channel_id) DO UPDATE SET mode = excluded.mode",
            (guild_id, channel_id, mode.value),
        )

    async def set_exempt(self, guild_id: int, kind: str, target_id: int, exempt: bool) -> None:
        if exempt:
            sql = (
                "INSERT INTO shield_exemptions (guild_id, kind, target_id) VALUES (?, ?, ?)"
                " ON CONFLICT DO NOTHING"
            )
        else:
            sql = "DELETE FROM shield_exemptions WHERE guild_id = ? AND kind = ? AND target_id = ?"
        await self._db.execute(sql, (guild_id, kind, target_id))

    async def add_term(self, guild_id: int, term: ShieldTerm) -> None:
        await self._db.execute(
            "INSERT INTO shield_terms (guild_id, phrase, season, episode) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (guild_id, phrase) DO UPDATE SET "
            "season = excluded.season, episode = excluded.episode",
            (guild_id, term.phrase, term.reveals.season, term.reveals.number),
        )

    async def remove_term(self, guild_id: int, phrase: str) -> bool:
        removed = await self._db.execute(
            "DELETE FROM shield_terms WHERE guild_id = ? AND phrase = ?", (guild_id, phrase)
        )
        return removed > 0

    async def _upsert_guild(self, guild_id: int, column: str, value: object) -> None:
        assert column in ("log_channel_id", "missing_permissions")  # never user input
        await self._db.execute(
            f"INSERT INTO shield_guilds (guild_id, {column}) VALUES (?, ?) "
            f"ON CONFLICT (guild_id) DO UPDATE SET {column} = excluded.{column}",
            (guild_id, value),
        )

    async def set_log_channel(self, guild_id: int, channel_id: int | None) -> None:
        await self._upsert_guild(guild_id, "log_channel_id", channel_id)

    async def set_reported_missing(self, guild_id: int, permissions: frozenset[str]) -> None:
        await self._upsert_guild(guild_id, "missing_permissions", ",".join(sorted(permissions)))

    async def webhook(self, channel_id: int) -> StoredWebhook | None:
        row = await self._db.fetchone(
            "SELECT channel_id, webhook_id, token FROM shield_webhooks WHERE channel_id = ?", (channel_id,)
        )
        return StoredWebhook(row["channel_id"], row["webhook_id"], row["token"]) if row else None

    async def save_webhook(self, webhook: StoredWebhook) -> None:
        await self._db.execute(
            "INSERT INTO shield_webhooks (channel_id, webhook_id, token) VALUES (?, ?, ?) "
            "ON CONFLICT (channel_id) DO UPDATE SET webhook_id = excluded.webhook_id, token = excluded.token",
            (webhook.channel_id, webhook.webhook_id, webhook.token),
        )

    def one_at_a_time(self, name: str) -> AbstractAsyncContextManager[None]:
        return self._db.exclusive(name)

    async def forget_webhook(self, channel_id: int) -> None:
        await self._db.execute("DELETE FROM shield_webhooks WHERE channel_id = ?", (channel_id,))

    # -- reposts, for "Not a spoiler" ----------------------------------------------------------------

    async def save_repost(
        self,
        message_id: int,
        guild_id: int,
        author_id: int,
        original: str,
        at: datetime,
        earlier_parts: tuple[int, ...] = (),
    ) -> None:
        async with self._db.transaction():
            await self._db.execute(
                "INSERT INTO shield_reposts (message_id, guild_id, author_id, original, created_us) "
                "VALUES (?, ?, ?, ?, ?)",
                (message_id, guild_id, author_id, original, to_us(at)),
            )
            await self._db.executemany(
                "INSERT INTO shield_repost_parts (repost_id, position, message_id) VALUES (?, ?, ?)",
                [(message_id, position, part) for position, part in enumerate(earlier_parts)],
            )

    async def repost(self, message_id: int) -> StoredRepost | None:
        """A repost by the id of its last part (the one with the button)."""
        query = "SELECT message_id, guild_id, author_id, original FROM shield_reposts WHERE message_id = ?"
        row = await self._db.fetchone(query, (message_id,))
        if row is None:  # saved just after it was posted: a click that quick may have overtaken the save
            await self._db.wait_for_writes()
            row = await self._db.fetchone(query, (message_id,))
        if row is None:
            return None
        parts = await self._db.fetchall(
            "SELECT message_id FROM shield_repost_parts WHERE repost_id = ? ORDER BY position", (message_id,)
        )
        return StoredRepost(
            row["message_id"],
            row["guild_id"],
            row["author_id"],
            row["original"],
            tuple(part["message_id"] for part in parts),
        )

    async def forget_repost(self, message_id: int) -> None:
        await self._db.execute("DELETE FROM shield_reposts WHERE message_id = ?", (message_id,))

    async def reposts_by(self, author_id: int) -> int:
        row = await self._db.fetchone("SELECT COUNT(*) FROM shield_reposts WHERE author_id = ?", (author_id,))
        return int(row[0]) if row else 0

    async def delete_reposts_by(self, author_id: int) -> int:
        return await self._db.execute("DELETE FROM shield_reposts WHERE author_id = ?", (author_id,))

    # -- members' own spoilers -----------------------------------------------------------------------

    async def add_spoiler(
        self, guild_id: int, author_id: int, text: str, reveals: EpisodeCode, at: datetime
    ) -> int:
        [row] = await self._db.returning(
            "INSERT INTO member_spoilers (guild_id, author_id, text, season, episode, created_us) "
            "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            (guild_id, author_id, text, reveals.season, reveals.number, to_us(at)),
        )
        return int(row["id"])

    async def spoiler(self, spoiler_id: int) -> MemberSpoiler | None:
        row = await self._db.fetchone("SELECT * FROM member_spoilers WHERE id = ?", (spoiler_id,))
        return _spoiler(row) if row else None

    async def spoilers_by(self, author_id: int) -> list[MemberSpoiler]:
        rows = await self._db.fetchall(
            "SELECT * FROM member_spoilers WHERE author_id = ? ORDER BY id", (author_id,)
        )
        return [_spoiler(row) for row in rows]

    async def delete_spoilers_by(self, author_id: int) -> int:
        return await self._db.execute("DELETE FROM member_spoilers WHERE author_id = ?", (author_id,))


def _spoiler(row: Row) -> MemberSpoiler:
    return MemberSpoiler(
        id=row["id"],
        guild_id=row["guild_id"],
        author_id=row["author_id"],
        text=row["text"],
        reveals=EpisodeCode(row["season"], row["episode"]),
        created_at=from_us(row["created_us"]),
    )
