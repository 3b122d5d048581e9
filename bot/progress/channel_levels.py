"""What a channel may show: the server's baseline, raised in the channels admins mark as spoiler channels."""

from __future__ import annotations

from bot.canon import EpisodeCode
from bot.core.clock import Clock
from bot.progress.channel_levels_repository import (
    GuildSpoilerSettings,
    SpoilerChannel,
    SpoilerLevelRepository,
)
from bot.spoilers import NOTHING_WATCHED


class SpoilerLevelService:
    def __init__(self, repository: SpoilerLevelRepository, clock: Clock) -> None:
        self._repository = repository
        self._clock = clock
        self._cache: dict[int, GuildSpoilerSettings] = {}

    async def settings(self, guild_id: int) -> GuildSpoilerSettings:
        if guild_id not in self._cache:
            self._cache[guild_id] = await self._repository.get(guild_id)
        return self._cache[guild_id]

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
        self._cache.pop(guild_id, None)

    async def set_channel(self, guild_id: int, channel_id: int, up_to: EpisodeCode) -> None:
        await self._repository.set_channel(SpoilerChannel(guild_id, channel_id, up_to), self._clock.now())
        self._cache.pop(guild_id, None)

    async def remove_channel(self, guild_id: int, channel_id: int) -> bool:
        removed = await self._repository.remove_channel(guild_id, channel_id)
        self._cache.pop(guild_id, None)
        return removed
