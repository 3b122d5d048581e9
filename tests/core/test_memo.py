"""The bounded cache and the batch loader services read through."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import timedelta

import pytest

from bot.core.clock import VirtualClock
from bot.core.memo import BatchLoader, BoundedCache

HOUR = timedelta(hours=1)


def test_the_least_recently_used_entry_goes_first_once_the_cache_is_full() -> None:
    cache: BoundedCache[str, int] = BoundedCache(VirtualClock(), size=3, ttl=HOUR)
    for n, key in enumerate("abc"):
        cache.put(key, n)
    assert cache.get("a") == 0  # used: now the most recent
    cache.put("d", 3)
    assert [cache.get(key) for key in "abcd"] == [0, None, 2, 3]
    assert len(cache) == 3


def test_an_entry_is_dropped_once_it_is_older_than_the_time_limit() -> None:
    clock = VirtualClock()
    cache: BoundedCache[str, int] = BoundedCache(clock, size=10, ttl=HOUR)
    cache.put("a", 1)
    clock.advance(HOUR - timedelta(seconds=1))
    assert cache.get("a") == 1  # using it does not make it younger
    clock.advance(timedelta(seconds=1))
    assert cache.get("a") is None
    assert len(cache) == 0


async def test_load_keeps_what_it_fetched_and_fetches_once() -> None:
    cache: BoundedCache[str, int] = BoundedCache(VirtualClock(), size=10, ttl=HOUR)
    fetched: list[str] = []

    async def fetch() -> int:
        fetched.append("a")
        return 7

    assert await cache.load("a", fetch) == 7
    assert await cache.load("a", fetch) == 7
    assert fetched == ["a"]


@pytest.mark.parametrize("write", ["put", "discard"])
async def test_a_fetch_overtaken_by_a_write_is_not_kept(write: str) -> None:
    cache: BoundedCache[str, str] = BoundedCache(VirtualClock(), size=10, ttl=HOUR)
    release = asyncio.Event()

    async def slow_fetch() -> str:  # reads the old value, and is slow to come back
        await release.wait()
        return "old"

    loading = asyncio.create_task(cache.load("a", slow_fetch))
    await asyncio.sleep(0)
    if write == "put":
        cache.put("a", "new")
    else:
        cache.discard("a")
    release.set()
    assert await loading == "old"  # its caller asked before the write
    assert cache.get("a") == ("new" if write == "put" else None)
    assert await cache.load("a", _returns("fresh")) == ("new" if write == "put" else "fresh")


def _returns(value: str) -> Callable[[], Awaitable[str]]:
    async def fetch() -> str:
        return value

    return fetch


class Store:
    """What a repository's get_many answers: the keys it has, each query recorded."""

    def __init__(self, values: Mapping[int, str]) -> None:
        self.values = dict(values)
        self.queries: list[list[int]] = []
        self.gate: asyncio.Event | None = None  # when set up, queries wait for it
        self.fail_next = False

    async def get_many(self, keys: Sequence[int]) -> dict[int, str]:
        self.queries.append(list(keys))
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError("disk on fire")
        found = {key: self.values[key] for key in keys if key in self.values}
        if self.gate is not None:
            await self.gate.wait()
        return found


def _loader(store: Store, alone: bool = False, limit: int = 500) -> BatchLoader[int, str]:
    return BatchLoader(store.get_many, alone=lambda: alone, limit=limit)


async def test_keys_asked_for_together_are_read_in_one_query() -> None:
    store = Store({n: f"v{n}" for n in range(0, 100, 2)})
    loader = _loader(store)
    results = await asyncio.gather(*(loader.load(n) for n in range(100)))
    assert results == [f"v{n}" if n % 2 == 0 else None for n in range(100)]
    assert store.queries == [list(range(100))]


async def test_the_same_key_twice_shares_one_read() -> None:
    store = Store({1: "one"})
    loader = _loader(store)
    assert await asyncio.gather(loader.load(1), loader.load(1)) == ["one", "one"]
    assert store.queries == [[1]]


async def test_keys_asked_for_while_a_query_runs_go_in_the_next_one() -> None:
    store = Store({n: f"v{n}" for n in range(10)})
    store.gate = asyncio.Event()
    loader = _loader(store)
    first = asyncio.create_task(loader.load(0))
    await asyncio.sleep(0.01)  # its query is running
    later = [asyncio.create_task(loader.load(n)) for n in (0, 1, 2, 3)]  # 0 joins the running one
    await asyncio.sleep(0.01)
    store.gate.set()
    assert await first == "v0"
    assert [await task for task in later] == ["v0", "v1", "v2", "v3"]
    assert store.queries == [[0], [1, 2, 3]]


async def test_a_forgotten_key_is_read_again_instead_of_sharing_a_running_query() -> None:
    store = Store({1: "old"})
    store.gate = asyncio.Event()
    loader = _loader(store)
    before = asyncio.create_task(loader.load(1))
    await asyncio.sleep(0.01)
    store.values[1] = "new"  # written meanwhile
    loader.forget(1)
    after = asyncio.create_task(loader.load(1))
    await asyncio.sleep(0.01)
    store.gate.set()
    assert (await before, await after) == ("old", "new")


async def test_a_failed_query_fails_its_callers_and_the_next_one_runs() -> None:
    store = Store({1: "one"})
    store.fail_next = True
    loader = _loader(store)
    results = await asyncio.gather(loader.load(1), loader.load(2), return_exceptions=True)
    assert [type(result) for result in results] == [RuntimeError, RuntimeError]
    assert await loader.load(1) == "one"


async def test_a_caller_giving_up_does_not_cancel_the_others() -> None:
    store = Store({1: "one"})
    store.gate = asyncio.Event()
    loader = _loader(store)
    impatient = asyncio.create_task(loader.load(1))
    patient = asyncio.create_task(loader.load(1))
    await asyncio.sleep(0.01)
    impatient.cancel()
    store.gate.set()
    assert await patient == "one"
    with pytest.raises(asyncio.CancelledError):
        await impatient


async def test_a_large_burst_is_split_into_queries_of_the_limit() -> None:
    store = Store({})
    loader = _loader(store, limit=40)
    await asyncio.gather(*(loader.load(n) for n in range(100)))
    assert [len(keys) for keys in store.queries] == [40, 40, 20]


async def test_inside_a_transaction_each_key_is_read_alone_in_the_callers_task() -> None:
    store = Store({1: "one"})
    callers: list[asyncio.Task[object] | None] = []
    real = store.get_many

    async def recording(keys: Sequence[int]) -> dict[int, str]:
        callers.append(asyncio.current_task())
        return await real(keys)

    loader = BatchLoader(recording, alone=lambda: True)
    task = asyncio.create_task(loader.load(1))
    assert await task == "one"
    assert callers == [task]
