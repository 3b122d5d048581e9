"""Which servers a process serves: those on its shards, or all of them when it runs alone. Discord sends a
server's events to shard `(guild_id >> 22) % shard_count`, and DMs to shard 0; the process holding a shard
also runs that shard's timers."""

from __future__ import annotations

from dataclasses import dataclass

DM_SHARD = 0  # Discord sends DMs, and interactions outside a server, to shard 0 alone


def shard_of(guild_id: int | None, shard_count: int) -> int:
    """The shard that receives a server's events, by Discord's formula (None: a DM's)."""
    return DM_SHARD if guild_id is None else (guild_id >> 22) % shard_count


@dataclass(frozen=True, slots=True)
class ShardSlice:
    count: int | None = None  # None: one process serves every server
    ids: tuple[int, ...] = ()

    @property
    def everything(self) -> bool:
        return self.count is None

    @property
    def dms(self) -> bool:
        """DMs reach shard 0, and so do timers of no server: one process runs those."""
        return self.owns(None)

    def owns(self, guild_id: int | None) -> bool:
        return self.count is None or shard_of(guild_id, self.count) in self.ids

    def sql(self, column: str = "guild_id") -> tuple[str, tuple[int, ...]]:
        """A condition on `column` (a server's id, NULL for none) true for what this slice owns."""
        if self.count is None:
            return "TRUE", ()
        marks = ", ".join("?" * len(self.ids))
        owned = f"(({column} >> 22) % ?) IN ({marks})"
        if self.dms:
            return f"({column} IS NULL OR {owned})", (self.count, *self.ids)
        return f"({column} IS NOT NULL AND {owned})", (self.count, *self.ids)


EVERY_SERVER = ShardSlice()  # a process running alone
