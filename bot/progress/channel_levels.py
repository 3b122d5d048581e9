"""What a channel may show: the server's baseline, raised in the channels admins mark as spoiler channels."""

from __future__ import annotations

from datetime import timedelta

from bot.canon import EpisodeCode
from bot.core.changes import Changes
from bot.core.clock import Clock
from bot.core.memo import CachedReads
from bot.progress.channel_levels_repository import (
    GuildSpoilerSettings,
    SpoilerChannel,
    SpoilerLevelRepository,
)
from bot.spoilers import NOTHING_WATCHED

# Every shielded message and shared answer reads its server's settings: kept for the servers active lately.
CACHED_SERVERS = 1_000
CACHED_FOR = timedelta(hours=1)


class SpoilerLevelService:
    def __init__(
        self, repository: SpoilerLevelRepository, clock: Clock, changes: Changes | None = None
    ) -> None:
        self._repository = repository
        self._clock = clock
        # a burst in one server reads its settings once; several servers' are read together
        self._cache: CachedReads[int, GuildSpoilerSettings] = CachedReads(
            clock,
            CACHED_SERVERS,
            CACHED_FOR,
            repository.get_many,
            repository,
            missing=lambda guild_id: GuildSpoilerSettings(guild_id, None, ()),  # get_many answers for all
            changes=changes,
            topic="spoiler-levels",
        )

    async def settings(self, guild_id: int) -> GuildSpoilerSettings:
        return await self._cache.get(guild_id)

    async def channel_level(
        self, guild_id: int | None, channel_id: int, parent_id: int | None = None
    ) -> EpisodeCode:
        """The level everyone in a channel may read (a thread inherits its parent's)."""
        if guild_id is None:
            return NOTHING_WATCHED
        settings = await self.settings(guild_id)
        level = settings.baseline or NOTHING_WATCHED
        for channel in settings.channels:
            if channel.channel_id in (channel_id, parent_id):
                level = max(level, channel.up_to)
        return level

    async def set_baseline(self, guild_id: int, level: EpisodeCode) -> None:
        await self._repository.set_baseline(guild_id, level, self._clock.now())
        await self._cache.changed(guild_id)

    async def set_channel(self, guild_id: int, channel_id: int, up_to: EpisodeCode) -> None:
        await self._repository.set_channel(SpoilerChannel(guild_id, channel_id, up_to), self._clock.now())
        await self._cache.changed(guild_id)

    async def remove_channel(self, guild_id: int, channel_id: int) -> bool:
        removed = await self._repository.remove_channel(guild_id, channel_id)
        await self._cache.changed(guild_id)
        return removed
