"""Snowflake ids and tokens shaped like Discord's, because discord.py reads them."""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime

DISCORD_EPOCH_MS = 1420070400000


class Snowflakes:
    """`((ms - epoch) << 22) | counter`: discord.py reads the timestamp (delete buckets, created_at)."""

    def __init__(self) -> None:
        self._counter = 0
        self._last_guild_ms = 0

    def next(self, at: datetime | None = None) -> int:
        ms = int((at.timestamp() if at else time.time()) * 1000)
        return self._at(ms)

    def next_guild(self) -> int:
        """A guild's id, a millisecond after the last guild's: a guild's shard is `(id >> 22) % shards`, the
        timestamp's milliseconds, so guilds made one after another spread over every shard count evenly
        instead of sharing the millisecond they were made in."""
        self._last_guild_ms = self._last_guild_ms + 1 if self._last_guild_ms else int(time.time() * 1000)
        return self._at(self._last_guild_ms)

    def _at(self, ms: int) -> int:
        self._counter = (self._counter + 1) % (1 << 22)
        return ((ms - DISCORD_EPOCH_MS) << 22) | self._counter


def snowflake_time(snowflake: int) -> datetime:
    return datetime.fromtimestamp(((snowflake >> 22) + DISCORD_EPOCH_MS) / 1000, UTC)


def token(length: int = 68) -> str:
    """Webhook and interaction tokens: 60+ characters of [A-Za-z0-9_-]."""
    return secrets.token_urlsafe(length)[:length]  # one call for the randomness, not one per character
