"""What each server lets its channels show: a baseline, raised in spoiler channels."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.canon import EpisodeCode
from bot.core.database import Database, to_us


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

    def in_transaction(self) -> bool:
        return self._db.in_transaction()

    def after_transaction(self, callback: Callable[[], None]) -> None:
        self._db.after_transaction(callback)

    async def get(self, guild_id: int) -> GuildSpoilerSettings:
        return (await self.get_many([guild_id]))[guild_id]

    async def get_many(self, guild_ids: Sequence[int]) -> dict[int, GuildSpoilerSettings]:
        """Each server's settings (a server that set nothing has none), in two queries."""
        marks = ", ".join("?" * len(guild_ids))
        baselines = {
            row["guild_id"]: EpisodeCode(row["season"], row["episode"])
            for row in await self._db.fetchall(
                f"SELECT guild_id, season, episode FROM guild_spoiler_baseline WHERE guild_id IN ({marks})",
                guild_ids,
            )
        }
        channels: dict[int, list[SpoilerChannel]] = {guild_id: [] for guild_id in guild_ids}
        for row in await self._db.fetchall(
            "SELECT guild_id, channel_id, season, episode FROM spoiler_channels "
            f"WHERE guild_id IN ({marks}) ORDER BY guild_id, channel_id",
            guild_ids,
        ):
            channels[row["guild_id"]].append(
                SpoilerChannel(row["guild_id"], row["channel_id"], EpisodeCode(row["season"], row["episode"]))
            )
        return {
            guild_id: GuildSpoilerSettings(guild_id, baselines.get(guild_id), tuple(channels[guild_id]))
            for guild_id in guild_ids
        }

    async def set_baseline(self, guild_id: int, level: EpisodeCode, at: datetime) -> None:
        await self._db.execute(
            "INSERT INTO guild_spoiler_baseline (guild_id, season, episode, updated_us) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (guild_id) DO UPDATE SET season = excluded.season, episode = excluded.episode, "
            "updated_us = excluded.updated_us",
            (guild_id, level.season, level.number, to_us(at)),
        )

    async def set_channel(self, channel: SpoilerChannel, at: datetime) -> None:
        await self._db.execute(
            "INSERT INTO spoiler_channels (guild_id, channel_id, season, episode, updated_us) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (guild_id, channel_id) DO UPDATE SET "
            "season = excluded.season, episode = excluded.episode, updated_us = excluded.updated_us",
            (
                channel.guild_id,
                channel.channel_id,
                channel.up_to.season,
                channel.up_to.number,
                to_us(at),
            ),
        )

    async def remove_channel(self, guild_id: int, channel_id: int) -> bool:
        removed = await self._db.execute(
            "DELETE FROM spoiler_channels WHERE guild_id = ? AND channel_id = ?", (guild_id, channel_id)
        )
        return removed > 0
