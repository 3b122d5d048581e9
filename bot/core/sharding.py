"""Identifying a process's shards as fast as Discord allows, and no faster."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

import aiohttp
import discord

log = logging.getLogger(__name__)

IDENTIFY_WINDOW = 5.0  # seconds: Discord takes one IDENTIFY per rate-limit bucket in this window


class IdentifyPacer:
    """Discord lets `max_concurrency` shards identify at once, one per bucket (`shard_id % max_concurrency`),
    each bucket once every 5 seconds. discord.py's own hook waits 5 s before every identify but the first,
    so a process with several shards took 5 s a shard to start even where Discord lets 16 go together.

    This paces the identifies of one process. Processes whose shards share a bucket do not see each other's:
    where several start together they must agree on who goes first (or start a few seconds apart).
    """

    def __init__(
        self,
        max_concurrency: Callable[[], Awaitable[int]],
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._fetch_max_concurrency = max_concurrency
        self._max_concurrency: int | None = None
        self._monotonic = monotonic
        self._sleep = sleep
        self._identified: dict[int, float] = {}  # shard id -> when it last identified (or will)

    async def wait(self, shard_id: int) -> None:
        """Return once `shard_id` may identify; the first identify of a process waits for nobody."""
        now = self._monotonic()
        start = now
        if self._identified:
            concurrency = await self._concurrency()
            bucket = shard_id % concurrency
            earlier = [at for other, at in self._identified.items() if other % concurrency == bucket]
            start = max([now, *(at + IDENTIFY_WINDOW for at in earlier)])
        self._identified[shard_id] = start  # before sleeping, so a shard asking meanwhile queues behind it
        if start > now:
            log.debug("Shard %d identifies in %.1f s (Discord's identify rate)", shard_id, start - now)
            await self._sleep(start - now)

    async def _concurrency(self) -> int:
        if self._max_concurrency is None:
            try:
                self._max_concurrency = max(1, await self._fetch_max_concurrency())
            except (discord.DiscordException, aiohttp.ClientError, OSError, TimeoutError) as error:
                # Not known: pace as Discord paces most bots, one identify every 5 seconds.
                log.warning("Could not read Discord's identify concurrency (%s); one shard at a time", error)
                return 1
        return self._max_concurrency
