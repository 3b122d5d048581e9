"""News of changes to what services keep in memory, for every process sharing the database: a process that
changed a member's progress or a server's settings says so, and the others forget what they kept of it.
Without this, a process would go on showing a member text their new progress should hide, or a channel
the shield was just turned on in unguarded, until its copy aged out."""

from __future__ import annotations

import logging
import secrets
from collections import defaultdict
from collections.abc import Callable

from bot.core.database import Database

log = logging.getLogger(__name__)

CHANNEL = "changes"

# A key changed (an int id), or None: anything may have changed (news was missed), forget it all.
Forget = Callable[[int | None], None]


class Changes:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._origin = secrets.token_hex(4)  # a process does not act on its own news: it knows already
        self._topics: defaultdict[str, list[Forget]] = defaultdict(list)
        self._listening = False

    def subscribe(self, topic: str, forget: Forget) -> None:
        self._topics[topic].append(forget)

    async def start(self) -> None:
        """Hear other processes' news (once)."""
        if self._listening:
            return
        self._listening = True
        await self._db.listen(CHANNEL, self._heard)
        self._db.on_reconnect(self._missed)

    async def announce(self, topic: str, key: int) -> None:
        """Tell the other processes `key` changed: once the caller's transaction is committed (at once
        outside one)."""
        await self._db.notify(CHANNEL, f"{self._origin}:{topic}:{key}")

    def _heard(self, payload: str) -> None:
        origin, topic, key = payload.split(":", 2)
        if origin == self._origin:
            return
        for forget in self._topics.get(topic, ()):
            forget(int(key))

    def _missed(self) -> None:
        log.info("Forgetting every kept progress and setting: changes may have been missed")
        for forgetters in self._topics.values():
            for forget in forgetters:
                forget(None)
