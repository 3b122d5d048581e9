"""Identifying shards at Discord's identify rate: one per bucket (`shard_id % max_concurrency`) every 5 s."""

from __future__ import annotations

import discord

from bot.core.sharding import IdentifyPacer


class FakeTime:
    """A monotonic clock that sleeping moves, and the sleeps asked for."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def pacer(time: FakeTime, max_concurrency: int, asked: list[int] | None = None) -> IdentifyPacer:
    async def fetch() -> int:
        if asked is not None:
            asked.append(max_concurrency)
        return max_concurrency

    return IdentifyPacer(fetch, monotonic=time.monotonic, sleep=time.sleep)


async def test_the_first_identify_waits_for_nothing_and_asks_nothing() -> None:
    time, asked = FakeTime(), []
    await pacer(time, 1, asked).wait(3)
    assert (time.slept, asked) == ([], [])


async def test_shards_in_different_buckets_identify_at_once() -> None:
    time, asked = FakeTime(), []
    identifies = pacer(time, 16, asked)
    for shard in range(4):
        await identifies.wait(shard)
    assert time.slept == []
    assert asked == [16]  # asked once


async def test_shards_in_one_bucket_identify_5_seconds_apart() -> None:
    time = FakeTime()
    identifies = pacer(time, 1)
    for shard in range(3):
        await identifies.wait(shard)
    assert time.slept == [5.0, 5.0]


async def test_a_shard_identifying_again_waits_out_its_buckets_5_seconds() -> None:
    time = FakeTime()
    identifies = pacer(time, 2)
    await identifies.wait(0)
    await identifies.wait(1)  # the other bucket: at once
    time.now += 2.0
    await identifies.wait(2)  # shard 0's bucket, 2 s after it identified
    assert time.slept == [3.0]


async def test_without_discords_figure_shards_identify_one_at_a_time() -> None:
    time = FakeTime()

    async def unreachable() -> int:
        raise discord.GatewayNotFound()

    identifies = IdentifyPacer(unreachable, monotonic=time.monotonic, sleep=time.sleep)
    await identifies.wait(0)
    await identifies.wait(1)
    assert time.slept == [5.0]
