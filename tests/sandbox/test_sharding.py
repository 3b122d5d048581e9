"""Discord's sharding, as the sandbox's gateway speaks it to raw WebSockets."""

from __future__ import annotations

from collections import Counter
from typing import Any

import aiohttp
import pytest

from bot.sandbox.gateway import Intent, Op, Session, shard_of
from bot.sandbox.harness import new_sandbox
from bot.sandbox.ids import Snowflakes
from bot.sandbox.server import Sandbox
from bot.sandbox.world import Guild
from tests.sandbox.test_gateway import events, raw_socket, receive, receive_close

Payload = dict[str, Any]
EVERYTHING = Intent.GUILDS | Intent.GUILD_MESSAGES | Intent.DIRECT_MESSAGES


def identify(sandbox: Sandbox, shard: Any, intents: int = EVERYTHING) -> Payload:
    properties = {"os": "linux", "browser": "test", "device": "test"}
    data = {"token": sandbox.token, "intents": intents, "properties": properties, "shard": shard}
    return {"op": Op.IDENTIFY, "d": data}


def session_of(sandbox: Sandbox, shard: list[int]) -> Session:
    [session] = [s for s in sandbox.gateway.sessions.values() if list(s.shard) == shard]
    return session


def guild_ids_in(session: Session) -> set[int]:
    """The guilds of every event the session was sent that names one (None for a DM's)."""
    ids = set()
    for payload in session.backlog:
        data = payload["d"]
        if payload["t"] in ("READY", "RESUMED"):
            continue
        guild_id = data.get("guild_id") or (data["id"] if payload["t"] == "GUILD_CREATE" else None)
        ids.add(int(guild_id) if guild_id else None)
    return ids


@pytest.fixture
def two_guilds(sandbox: Sandbox) -> tuple[Guild, Guild]:
    """The default guild and a second, made next: one on each of two shards."""
    second = sandbox.add_guild("Heartstopper Club", ["club"])
    first = sandbox.guild
    assert {shard_of(first.id, 2), shard_of(second.id, 2)} == {0, 1}
    return (first, second) if shard_of(first.id, 2) == 0 else (second, first)


async def test_ready_echoes_the_shard_and_lists_only_its_guilds(
    sandbox: Sandbox, two_guilds: tuple[Guild, Guild]
) -> None:
    _, on_shard_1 = two_guilds
    async with raw_socket(sandbox) as ws:
        await receive(ws)
        await ws.send_json(identify(sandbox, [1, 2]))
        ready, guild_create = await receive(ws), await receive(ws)
        await ws.send_json({"op": Op.HEARTBEAT, "d": 2})
        after = await receive(ws)  # the heartbeat's ACK: no second GUILD_CREATE came first
    assert ready["d"]["shard"] == [1, 2]
    assert ready["d"]["guilds"] == [{"id": str(on_shard_1.id), "unavailable": True}]
    assert (guild_create["t"], guild_create["d"]["id"]) == ("GUILD_CREATE", str(on_shard_1.id))
    assert after["op"] == Op.HEARTBEAT_ACK


async def test_identify_without_a_shard_is_shard_0_of_1(sandbox: Sandbox) -> None:
    async with raw_socket(sandbox) as ws:
        await receive(ws)
        await ws.send_json(identify(sandbox, None))
        ready = await receive(ws)
    assert ready["d"]["shard"] == [0, 1]


async def test_a_shard_receives_none_of_another_shards_guild_events(
    sandbox: Sandbox, two_guilds: tuple[Guild, Guild]
) -> None:
    on_shard_0, on_shard_1 = two_guilds
    async with raw_socket(sandbox) as zero, raw_socket(sandbox) as one:
        for ws, shard in ((zero, [0, 2]), (one, [1, 2])):
            await receive(ws)
            await ws.send_json(identify(sandbox, shard))
            await receive(ws)  # READY
        for guild in (on_shard_0, on_shard_1):
            channel = next(iter(guild.channels.values())).name
            await sandbox.say("alice", "hello", channel)
            await sandbox.start_thread("alice", "episode chat", channel)
            await sandbox.give_role("alice", "Party crew", guild)
            await sandbox.set_bot_permissions(0, guild)
            sandbox.channel(f"new-{guild.id}", guild)
        await sandbox.settle_background()
        zeroth, first = session_of(sandbox, [0, 2]), session_of(sandbox, [1, 2])
    assert guild_ids_in(zeroth) == {on_shard_0.id}
    assert guild_ids_in(first) == {on_shard_1.id}
    kinds = {"GUILD_CREATE", "MESSAGE_CREATE", "THREAD_CREATE", "GUILD_ROLE_CREATE", "GUILD_ROLE_UPDATE"}
    for session in (zeroth, first):
        assert {payload["t"] for payload in session.backlog} >= {*kinds, "CHANNEL_CREATE"}


async def test_direct_messages_reach_shard_0_alone(sandbox: Sandbox) -> None:
    async with raw_socket(sandbox) as zero, raw_socket(sandbox) as one:
        for ws, shard in ((zero, [0, 2]), (one, [1, 2])):
            await receive(ws)
            await ws.send_json(identify(sandbox, shard, Intent.DIRECT_MESSAGES))
            await receive(ws)  # READY
        bob = sandbox.user("bob")
        dm = sandbox.new_message(sandbox.dm_channel(bob), bob.payload(), {"content": "hi heartbot"})
        await sandbox.add_message(dm)
        zeroth, first = session_of(sandbox, [0, 2]), session_of(sandbox, [1, 2])
        assert [p["d"]["content"] for p in events(zeroth, "MESSAGE_CREATE")] == ["hi heartbot"]
        assert events(first, "MESSAGE_CREATE") == []


@pytest.mark.parametrize("shard", [[2, 2], [-1, 2], [0, 0], [0], [0, 1, 2], "0,1", [True, 2], [0.0, 1]])
async def test_an_invalid_shard_closes_with_4010(sandbox: Sandbox, shard: Any) -> None:
    async with raw_socket(sandbox) as ws:
        await receive(ws)
        await ws.send_json(identify(sandbox, shard))
        assert await receive_close(ws) == 4010
    assert sandbox.gateway.sessions == {}


async def test_a_shard_with_more_guilds_than_a_session_may_hold_closes_with_4011() -> None:
    # Discord's limit is 2,500 guilds a shard; this sandbox's is 2, and it has 3 guilds.
    async with new_sandbox(max_guilds_per_shard=2) as sandbox:
        sandbox.add_guild("Second", ["second"])
        sandbox.add_guild("Third", ["third"])
        async with raw_socket(sandbox) as ws:
            await receive(ws)
            await ws.send_json(identify(sandbox, [0, 1]))
            assert await receive_close(ws) == 4011
        async with raw_socket(sandbox) as ws:  # two shards hold them
            await receive(ws)
            await ws.send_json(identify(sandbox, [0, 2]))
            assert (await receive(ws))["t"] == "READY"
        assert sandbox.violations == []


async def test_gateway_bot_recommends_enough_shards_and_says_how_many_may_identify_at_once() -> None:
    async with new_sandbox(max_guilds_per_shard=2, max_concurrency=4) as sandbox:
        for n in range(4):
            sandbox.add_guild(f"Club {n}", [f"club-{n}"])
        url, headers = f"{sandbox.api_url}/gateway/bot", {"Authorization": f"Bot {sandbox.token}"}
        async with aiohttp.ClientSession() as http, http.get(url, headers=headers) as answer:
            body = await answer.json()
    assert body["url"] == sandbox.gateway_url
    assert body["shards"] == 3  # 5 guilds, 2 a shard at most
    assert body["session_start_limit"]["max_concurrency"] == 4


@pytest.mark.parametrize("shards", range(1, 9))
def test_guilds_made_one_after_another_spread_over_every_shard(shards: int) -> None:
    ids = Snowflakes()
    made = [ids.next_guild() for _ in range(shards * 3)]
    per_shard = Counter(shard_of(guild_id, shards) for guild_id in made)
    assert per_shard == dict.fromkeys(range(shards), 3)
