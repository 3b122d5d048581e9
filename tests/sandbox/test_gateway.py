"""The sandbox's gateway, as a real discord.py client or a raw WebSocket sees it."""

from __future__ import annotations

import asyncio
import json
import socket
import zlib
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import discord
import pytest

from bot.sandbox.gateway import Intent, Op, Session
from bot.sandbox.harness import Actor, RunningBot, new_sandbox
from bot.sandbox.server import Sandbox

TIMEOUT = 5.0
Payload = dict[str, Any]


# Raw sockets -------------------------------------------------------------------------------------------


@asynccontextmanager
async def raw_socket(
    sandbox: Sandbox, query: str = "v=10&encoding=json"
) -> AsyncIterator[aiohttp.ClientWebSocketResponse]:
    async with aiohttp.ClientSession() as http, http.ws_connect(f"{sandbox.gateway_url}?{query}") as ws:
        yield ws


async def receive(ws: aiohttp.ClientWebSocketResponse) -> Payload:
    message = await ws.receive(timeout=TIMEOUT)
    assert message.type == aiohttp.WSMsgType.TEXT, message
    return json.loads(message.data)


async def receive_close(ws: aiohttp.ClientWebSocketResponse) -> int:
    message = await ws.receive(timeout=TIMEOUT)
    assert message.type == aiohttp.WSMsgType.CLOSE, message
    return message.data


def identify(token: str, intents: int) -> Payload:
    properties = {"os": "linux", "browser": "test", "device": "test"}
    return {"op": Op.IDENTIFY, "d": {"token": token, "intents": intents, "properties": properties}}


async def identified(ws: aiohttp.ClientWebSocketResponse, sandbox: Sandbox, wanted: int) -> Payload:
    """HELLO, IDENTIFY, then READY (returned) and the one GUILD_CREATE."""
    assert (await receive(ws))["op"] == Op.HELLO
    await ws.send_json(identify(sandbox.token, wanted))
    ready = await receive(ws)
    assert (await receive(ws))["t"] == "GUILD_CREATE"
    return ready


def resume(sandbox: Sandbox, session_id: str, seq: int) -> Payload:
    return {"op": Op.RESUME, "d": {"token": sandbox.token, "session_id": session_id, "seq": seq}}


def cut(ws: aiohttp.ClientWebSocketResponse) -> None:
    """The connection dies without a close frame, as when the network or the bot's process goes."""
    ws.get_extra_info("socket").shutdown(socket.SHUT_RDWR)


# discord.py clients ------------------------------------------------------------------------------------


def intents(*, message_content: bool = False) -> discord.Intents:
    return discord.Intents(guilds=True, guild_messages=True, message_content=message_content)


@asynccontextmanager
async def connected(sandbox: Sandbox, wanted: discord.Intents) -> AsyncIterator[discord.Client]:
    """A plain discord.Client logged in to the sandbox and ready; closed on the way out."""
    client = discord.Client(intents=wanted, guild_ready_timeout=0.05)
    await client.login(sandbox.token)
    task = asyncio.create_task(client.connect())
    try:
        ready = asyncio.create_task(client.wait_until_ready())
        done, _ = await asyncio.wait({ready, task}, timeout=TIMEOUT, return_when=asyncio.FIRST_COMPLETED)
        if ready not in done:
            ready.cancel()
            if task in done:
                task.result()  # raises what stopped the connection
            raise TimeoutError("the client did not become ready")
        yield client
    finally:
        await client.close()
        await task


def only_session(sandbox: Sandbox) -> Session:
    [session] = sandbox.gateway.sessions.values()
    return session


def events(session: Session, name: str) -> list[Payload]:
    return [payload for payload in session.backlog if payload["t"] == name]


# The protocol ------------------------------------------------------------------------------------------


async def test_hello_then_heartbeat_is_acknowledged(sandbox: Sandbox) -> None:
    async with raw_socket(sandbox) as ws:
        hello = await receive(ws)
        assert hello["op"] == Op.HELLO
        assert isinstance(hello["d"]["heartbeat_interval"], int)
        assert hello["d"]["heartbeat_interval"] > 0
        await ws.send_json({"op": Op.HEARTBEAT, "d": None})
        assert (await receive(ws))["op"] == Op.HEARTBEAT_ACK


async def test_identify_with_a_wrong_token_closes_with_4004(sandbox: Sandbox) -> None:
    async with raw_socket(sandbox) as ws:
        await receive(ws)
        await ws.send_json(identify("not-the-token", Intent.GUILDS))
        assert await receive_close(ws) == 4004
    assert sandbox.gateway.sessions == {}


async def test_an_unknown_opcode_is_a_violation(sandbox: Sandbox) -> None:
    async with raw_socket(sandbox) as ws:
        await receive(ws)
        await ws.send_json({"op": 99, "d": None})
        assert await receive_close(ws) == 4001
    assert sandbox.violations == ["gateway received unknown opcode 99"]
    sandbox.violations.clear()  # sent on purpose


async def test_zlib_stream_frames_share_one_decompressor(sandbox: Sandbox) -> None:
    inflate = zlib.decompressobj()

    async def next_payload(ws: aiohttp.ClientWebSocketResponse) -> Payload:
        message = await ws.receive(timeout=TIMEOUT)
        assert message.type == aiohttp.WSMsgType.BINARY, message
        assert message.data.endswith(b"\x00\x00\xff\xff")  # each frame ends in a sync flush
        return json.loads(inflate.decompress(message.data))

    async with raw_socket(sandbox, "v=10&encoding=json&compress=zlib-stream") as ws:
        hello = await next_payload(ws)
        assert hello["op"] == Op.HELLO
        await ws.send_json(identify(sandbox.token, Intent.GUILDS | Intent.GUILD_MESSAGES))
        ready, guild_create = await next_payload(ws), await next_payload(ws)
        session = only_session(sandbox)

    assert (ready["op"], ready["t"], ready["s"]) == (Op.DISPATCH, "READY", 1)
    data = ready["d"]
    assert data["session_id"] == session.id
    assert data["resume_gateway_url"] == sandbox.gateway_url
    assert data["user"]["id"] == str(sandbox.bot_user.id)
    assert data["guilds"] == [{"id": str(sandbox.guild.id), "unavailable": True}]
    assert data["application"] == {"id": str(sandbox.application_id), "flags": sandbox.application_flags}
    assert (guild_create["t"], guild_create["s"]) == ("GUILD_CREATE", 2)
    assert guild_create["d"]["id"] == str(sandbox.guild.id)
    assert guild_create["d"]["unavailable"] is False


async def test_events_for_a_connection_that_died_unnoticed_are_no_error(sandbox: Sandbox) -> None:
    async with raw_socket(sandbox) as ws:
        await identified(ws, sandbox, Intent.GUILDS | Intent.GUILD_MESSAGES)
        sandbox.gateway.disconnected.clear()
        cut(ws)
        async with asyncio.timeout(TIMEOUT):
            while not sandbox.gateway.disconnected.is_set():
                await sandbox.say("alice", "still there?")  # must not fail on the dead socket
                await asyncio.sleep(0)  # let the gateway notice the loss
    assert sandbox.violations == []


async def test_a_connection_lost_without_a_close_frame_resumes_with_what_it_missed(sandbox: Sandbox) -> None:
    async with raw_socket(sandbox) as ws:
        ready = await identified(ws, sandbox, Intent.GUILDS | Intent.GUILD_MESSAGES)
        sandbox.gateway.disconnected.clear()
        cut(ws)
        await asyncio.wait_for(sandbox.gateway.disconnected.wait(), TIMEOUT)
    await sandbox.say("alice", "while you were away")
    async with raw_socket(sandbox) as ws:
        await receive(ws)
        await ws.send_json(resume(sandbox, ready["d"]["session_id"], 2))
        missed, resumed = await receive(ws), await receive(ws)
    assert (missed["t"], missed["s"], missed["d"]["content"]) == ("MESSAGE_CREATE", 3, "")
    assert (resumed["t"], resumed["s"]) == ("RESUMED", 4)


async def test_a_clean_close_ends_the_session(sandbox: Sandbox) -> None:
    async with raw_socket(sandbox) as ws:
        ready = await identified(ws, sandbox, Intent.GUILDS)
        sandbox.gateway.disconnected.clear()
        await ws.close(code=1000)
    await asyncio.wait_for(sandbox.gateway.disconnected.wait(), TIMEOUT)
    async with raw_socket(sandbox) as ws:
        await receive(ws)
        await ws.send_json(resume(sandbox, ready["d"]["session_id"], 2))
        assert await receive(ws) == {"op": Op.INVALID_SESSION, "d": False}


# Privileged intents ------------------------------------------------------------------------------------


async def test_a_privileged_intent_the_application_lacks_is_refused() -> None:
    async with new_sandbox(privileged_intents=(), check_responses=True) as strict:
        client = discord.Client(intents=intents(message_content=True), guild_ready_timeout=0.05)
        try:
            await client.login(strict.token)
            with pytest.raises(discord.PrivilegedIntentsRequired):
                await asyncio.wait_for(client.connect(), TIMEOUT)
        finally:
            await client.close()
        assert strict.gateway.sessions == {}
    assert strict.violations == []


async def test_an_enabled_privileged_intent_is_granted(sandbox: Sandbox) -> None:
    async with connected(sandbox, intents(message_content=True)) as client:
        assert client.is_ready()
        assert only_session(sandbox).intents & Intent.MESSAGE_CONTENT


# The message-content rule ------------------------------------------------------------------------------


async def first_message(client: discord.Client, post: Awaitable[Any]) -> discord.Message:
    """The next message `client` receives once `post` (which posts one) has run."""
    waiter = client.wait_for("message", timeout=TIMEOUT)
    await post
    return await waiter


async def test_without_message_content_the_content_is_empty(sandbox: Sandbox) -> None:
    async with connected(sandbox, intents()) as client:
        message = await first_message(client, sandbox.say("alice", "hello"))
    assert message.author.name == "alice"
    assert message.content == ""


async def test_a_message_that_mentions_the_bot_keeps_its_content(sandbox: Sandbox) -> None:
    text = f"<@{sandbox.bot_user.id}> hi"
    async with connected(sandbox, intents()) as client:
        message = await first_message(client, sandbox.say("alice", text))
    assert message.content == text


async def test_with_message_content_the_content_arrives(sandbox: Sandbox) -> None:
    async with connected(sandbox, intents(message_content=True)) as client:
        message = await first_message(client, sandbox.say("alice", "hello"))
    assert message.content == "hello"


# Ephemeral and ordinary messages -----------------------------------------------------------------------


async def test_an_ephemeral_reply_never_arrives_as_message_create(
    running: RunningBot, alice: Actor, sandbox: Sandbox
) -> None:
    # A second connection with the message intents, so a MESSAGE_CREATE would have somewhere to go.
    async with connected(sandbox, intents(message_content=True)):
        reply = await alice.reply_to(await alice.run("/help"))
        assert reply.visible_to == "alice"
        sessions = list(sandbox.gateway.sessions.values())
    assert len(sessions) == 2
    assert not [
        payload
        for session in sessions
        for payload in events(session, "MESSAGE_CREATE")
        if payload["d"]["id"] == str(reply.message)
    ]


async def test_a_channel_message_from_the_bot_arrives_as_message_create(
    running: RunningBot, sandbox: Sandbox
) -> None:
    assert running.bot is not None
    general = running.bot.get_channel(sandbox.channel("general").id)
    assert isinstance(general, discord.TextChannel)
    async with connected(sandbox, intents()) as observer:
        received = await first_message(observer, general.send("hi"))
        dispatched = [
            payload["d"]
            for session in sandbox.gateway.sessions.values()
            for payload in events(session, "MESSAGE_CREATE")
        ]
    assert received.author.id == sandbox.bot_user.id
    assert received.content == "hi"  # the bot's own message keeps its content
    # once to each connected client: the observer and the bot itself (which reads messages for the shield)
    assert [data["id"] for data in dispatched] == [str(received.id)] * len(sandbox.gateway.sessions)


# Losing and regaining the connection -------------------------------------------------------------------


async def test_a_dropped_connection_resumes_and_replays_what_was_missed(
    running: RunningBot, alice: Actor, sandbox: Sandbox
) -> None:
    bot = running.bot
    assert bot is not None
    before = only_session(sandbox)
    resumed = bot.wait_for("resumed", timeout=TIMEOUT)
    await sandbox.gateway.drop_connections()
    channel = sandbox.channel("new-channel")  # dispatched while the bot is away
    await resumed

    session = only_session(sandbox)
    assert session is before
    backlog = list(session.backlog)
    [created] = [i for i, p in enumerate(backlog) if p["t"] == "CHANNEL_CREATE"]
    [resume] = [i for i, p in enumerate(backlog) if p["t"] == "RESUMED"]
    assert backlog[created]["d"]["id"] == str(channel.id)
    assert created < resume  # missed while away, so it came by replay
    assert isinstance(bot.get_channel(channel.id), discord.TextChannel)
    assert (await alice.reply_to(await alice.run("/help"))).visible_to == "alice"


async def test_reconnect_request_makes_the_bot_resume(
    running: RunningBot, alice: Actor, sandbox: Sandbox
) -> None:
    assert running.bot is not None
    before = only_session(sandbox)
    resumed = running.bot.wait_for("resumed", timeout=TIMEOUT)
    await sandbox.gateway.request_reconnect()
    await resumed
    session = only_session(sandbox)
    assert session.id == before.id
    assert len(events(session, "RESUMED")) == 1
    assert len(events(session, "READY")) == 1
    assert (await alice.reply_to(await alice.run("/help"))).visible_to == "alice"


async def test_an_invalid_session_makes_the_bot_identify_afresh(
    running: RunningBot, alice: Actor, sandbox: Sandbox
) -> None:
    assert running.bot is not None
    before = only_session(sandbox)

    async def identify_at_once(shard_id: int | None, *, initial: bool = False) -> None:
        """discord.py waits 5 seconds before any IDENTIFY but the first (Discord's identify rate limit,
        which the sandbox does not have): its hook for that wait, made not to wait."""

    running.bot.before_identify_hook = identify_at_once  # type: ignore[method-assign]
    ready = running.bot.wait_for("ready", timeout=TIMEOUT)
    await sandbox.gateway.invalidate_sessions()
    await ready
    session = only_session(sandbox)
    assert session.id != before.id
    assert session.backlog[0]["t"] == "READY"
    assert session.backlog[0]["d"]["session_id"] == session.id
    assert events(session, "RESUMED") == []
    assert (await alice.reply_to(await alice.run("/help"))).visible_to == "alice"
