"""What services keep of what they read: a bounded cache (the entries used most recently, each for a
limited time), and a loader that reads the keys asked for at about the same time in one query."""

from __future__ import annotations

import asyncio
import itertools
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Generic, Protocol, TypeVar

from bot.core.changes import Changes
from bot.core.clock import Clock

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

# Keys per query; SQLite allows 32,766 parameters, and a burst larger than this is split.
BATCH_LIMIT = 500


class _Fetch:
    """One fetch in flight; overtaken once its key is written or discarded."""

    __slots__ = ("overtaken",)

    def __init__(self) -> None:
        self.overtaken = False


class BoundedCache(Generic[K, V]):
    """At most `size` entries, the least recently used dropped first, and none older than `ttl` (by the
    bot's clock, so the sandbox's virtual time ages them too). Values are never None."""

    def __init__(self, clock: Clock, size: int, ttl: timedelta) -> None:
        if size < 1:
            raise ValueError("a cache holds at least one entry")
        self._clock = clock
        self._size = size
        self._ttl = ttl
        self._entries: OrderedDict[K, tuple[datetime, V]] = OrderedDict()
        self._loading: dict[K, list[_Fetch]] = {}  # fetches in flight per key (see load)

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: K) -> V | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        stored_at, value = entry
        if self._clock.now() - stored_at >= self._ttl:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        """Keep what was just written; a fetch of `key` already in flight will not replace it."""
        self._invalidate(key)
        self._store(key, value)

    def discard(self, key: K) -> None:
        """Forget `key`; a fetch of it already in flight will not bring it back."""
        self._invalidate(key)
        self._entries.pop(key, None)

    def clear(self) -> None:
        """Forget everything, fetches in flight included."""
        for fetches in self._loading.values():
            for fetching in fetches:
                fetching.overtaken = True
        self._entries.clear()

    async def load(self, key: K, fetch: Callable[[], Awaitable[V]]) -> V:
        """The cached value, else what `fetch` returns, which is kept unless `key` was put or discarded
        while fetching (the fetch may have read what was there before that write)."""
        cached = self.get(key)
        if cached is not None:
            return cached
        fetching = _Fetch()
        self._loading.setdefault(key, []).append(fetching)
        try:
            value = await fetch()
        finally:
            self._loading[key].remove(fetching)
            if not self._loading[key]:
                del self._loading[key]
        if not fetching.overtaken:
            self._store(key, value)
        return value

    def _invalidate(self, key: K) -> None:
        for fetching in self._loading.get(key, ()):
            fetching.overtaken = True

    def _store(self, key: K, value: V) -> None:
        self._entries[key] = (self._clock.now(), value)
        self._entries.move_to_end(key)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)


class BatchLoader(Generic[K, V]):
    """`load(key)` joins the next query: keys asked for in the same event-loop tick, or while a query is
    running, are read together by `load_many` (which leaves out keys it did not find); a key asked for
    again before its query ends shares it.

    The query runs in a task of its own, so it cannot see the caller's open transaction: while
    `alone()` is true (inside the caller's own transaction), the key is loaded by itself, in the caller's
    task.
    """

    def __init__(
        self,
        load_many: Callable[[Sequence[K]], Awaitable[Mapping[K, V]]],
        alone: Callable[[], bool],
        limit: int = BATCH_LIMIT,
    ) -> None:
        self._load_many = load_many
        self._alone = alone
        self._limit = limit
        self._waiting: dict[K, asyncio.Future[V | None]] = {}
        self._running: dict[K, asyncio.Future[V | None]] = {}
        self._task: asyncio.Task[None] | None = None  # the loop running queries, while there are keys

    async def load(self, key: K) -> V | None:
        if self._alone():
            return (await self._load_many([key])).get(key)
        future = self._running.get(key) or self._waiting.get(key)
        if future is None:
            future = asyncio.get_running_loop().create_future()
            self._waiting[key] = future
            if self._task is None:
                self._task = asyncio.create_task(self._run())
        # shield: one caller giving up must not cancel the answer the others wait for
        return await asyncio.shield(future)

    def forget(self, key: K) -> None:
        """`key` was just written: later loads query again instead of sharing a query already running,
        which may have read it before the write."""
        self._running.pop(key, None)

    async def _run(self) -> None:
        try:
            while self._waiting:
                keys = list(itertools.islice(self._waiting, self._limit))
                batch = {key: self._waiting.pop(key) for key in keys}
                self._running.update(batch)
                try:
                    found = await self._load_many(keys)
                except Exception as error:  # every caller of the batch gets it
                    for future in batch.values():
                        future.set_exception(error)
                else:
                    for key, future in batch.items():
                        future.set_result(found.get(key))
                finally:
                    for key, future in batch.items():
                        if self._running.get(key) is future:
                            del self._running[key]
                        future.cancel()  # only when cancelled midway: the others are done already
        finally:
            for future in self._waiting.values():  # left behind only if this task was cancelled
                future.cancel()
            self._waiting.clear()
            self._task = None


class Transactions(Protocol):
    """What CachedReads needs of its repository: whether the caller is inside its own transaction, and a
    way to hear when it has ended (bot.core.database.Database has both)."""

    def in_transaction(self) -> bool: ...

    def after_transaction(self, callback: Callable[[], None]) -> None: ...


class CachedReads(Generic[K, V]):
    """What a service keeps of what it reads: a BoundedCache filled through a BatchLoader, told of the
    service's own changes and, through `changes` under `topic`, of other processes'. A change made inside
    a transaction is forgotten again once the transaction has ended: until it is committed, other tasks
    read the old value, and may have kept it."""

    def __init__(
        self,
        clock: Clock,
        size: int,
        ttl: timedelta,
        load_many: Callable[[Sequence[K]], Awaitable[Mapping[K, V]]],
        transactions: Transactions,
        missing: Callable[[K], V],
        changes: Changes | None = None,
        topic: str = "",
    ) -> None:
        self._cache: BoundedCache[K, V] = BoundedCache(clock, size, ttl)
        self._loader: BatchLoader[K, V] = BatchLoader(load_many, alone=transactions.in_transaction)
        self._transactions = transactions
        self._missing = missing  # the value of a key `load_many` did not find
        self._changes = changes
        self._topic = topic
        if changes is not None:
            changes.subscribe(topic, self._forget)

    async def get(self, key: K) -> V:
        return await self._cache.load(key, lambda: self._read(key))

    async def _read(self, key: K) -> V:
        found = await self._loader.load(key)
        return self._missing(key) if found is None else found

    async def changed(self, key: K, value: V | None = None) -> None:
        """`key` was just written: keep `value` when given, else read it again next time; and the other
        processes forget theirs (once the caller's transaction is committed)."""
        self._changed_here(key, value)
        if self._changes is not None:
            assert isinstance(key, int)
            await self._changes.announce(self._topic, key)

    def _changed_here(self, key: K, value: V | None = None) -> None:
        self._loader.forget(key)
        if value is None:
            self._cache.discard(key)
        else:
            self._cache.put(key, value)
        if self._transactions.in_transaction():
            self._transactions.after_transaction(lambda: self._changed_here(key))

    def _forget(self, key: int | None) -> None:
        """Another process changed `key` (None: anything)."""
        if key is None:
            self._cache.clear()
        else:
            self._changed_here(key)  # type: ignore[arg-type]  # the keys announced are ints
