"""What each server lets its channels show: a baseline, raised in spoiler channels."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.canon import EpisodeCode
from bot.core.database import Database


@dataclass(frozen=True, slots=True)
class SpoilerChannel:
    guild_id: int
    channel_id: int
    up_to: EpisodeCode


@dataclass(frozen=True, slots=True)
class GuildSpoilerSettings:
    guild_id: int
    baseline: EpisodeCode | None  # None: not set, nothing watched
    channels: tuple[SpoilerChannel, ...]


class SpoilerLevelRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, guild_id: int) -> GuildSpoilerSettings:
        baseline = await self._db.fetchone(
            "SELECT season, episode FROM guild_spoiler_baseline WHERE guild_id = ?", (guild_id,)
        )
        rows = await self._db.fetchall(
            "SELECT channel_id, season, episode FROM spoiler_channels WHERE guild_id = ? ORDER BY channel_id",
            (guild_id,),
        )
        return GuildSpoilerSettings(
            guild_id=guild_id,
            baseline=EpisodeCode(baseline["season"], baseline["episode"]) if baseline else None,
            channels=tuple(
                SpoilerChannel(guild_id, row["channel_id"], EpisodeCode(row["season"], row["episode"]))
                for row in rows
            ),
        )

    async def set_baseline(self, guild_id: int, level: EpisodeCode, at: datetime) -> None:
        await self._db.execute(
            "INSERT INTO guild_spoiler_baseline (guild_id, season, episode, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (guild_id) DO UPDATE SET season = excluded.season, episode = excluded.episode, "
            "updated_at = excluded.updated_at",
            (guild_id, level.season, level.number, at.isoformat()),
        )

    async def set_channel(self, channel: SpoilerChannel, at: datetime) -> None:
        await self._db.execute(
            "INSERT INTO spoiler_channels (guild_id, channel_id, season, episode, updated_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (guild_id, channel_id) DO UPDATE SET "
            "season = excluded.season, episode = excluded.episode, updated_at = excluded.updated_at",
            (
                channel.guild_id,
                channel.channel_id,
                channel.up_to.season,
                channel.up_to.number,
                at.isoformat(),
            ),
        )

    async def remove_channel(self, guild_id: int, channel_id: int) -> bool:
        async with self._db.transaction() as connection:
            cursor = await connection.execute(
                "DELETE FROM spoiler_channels WHERE guild_id = ? AND channel_id = ?", (guild_id, channel_id)
            )
            return cursor.rowcount > 0
