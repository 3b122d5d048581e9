"""The gateway half of the stand-in: one WebSocket endpoint speaking Discord's gateway protocol."""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import zlib
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from aiohttp import WSMsgType, web

from bot.core.shard_slice import shard_of

log = logging.getLogger(__name__)

HEARTBEAT_INTERVAL_MS = 41250
BACKLOG = 2000  # events kept per session for RESUME
MAX_GUILDS_PER_SHARD = 2500  # Discord's limit: a session that would hold more is closed with 4011


class Op(IntEnum):
    DISPATCH = 0
    HEARTBEAT = 1
    IDENTIFY = 2
    PRESENCE_UPDATE = 3
    VOICE_STATE_UPDATE = 4
    RESUME = 6
    RECONNECT = 7
    REQUEST_GUILD_MEMBERS = 8
    INVALID_SESSION = 9
    HELLO = 10
    HEARTBEAT_ACK = 11


class Intent:
    GUILDS = 1 << 0
    GUILD_MEMBERS = 1 << 1
    GUILD_PRESENCES = 1 << 8
    GUILD_MESSAGES = 1 << 9
    DIRECT_MESSAGES = 1 << 12
    MESSAGE_CONTENT = 1 << 15
    GUILD_SCHEDULED_EVENTS = 1 << 16
    ALL = (1 << 26) - 1


# privileged intent -> the application flag that enables it (the limited flag counts as well)
PRIVILEGED = {
    Intent.GUILD_PRESENCES: (1 << 12) | (1 << 13),
    Intent.GUILD_MEMBERS: (1 << 14) | (1 << 15),
    Intent.MESSAGE_CONTENT: (1 << 18) | (1 << 19),
}


class Connection:
    """One WebSocket; zlib-stream frames share one compressor for the connection's lifetime."""

    def __init__(self, ws: web.WebSocketResponse, compress: str | None) -> None:
        self.ws = ws
        self._zlib = zlib.compressobj() if compress == "zlib-stream" else None

    async def send(self, payload: dict[str, Any]) -> None:
        text = json.dumps(payload, separators=(",", ":"))
        if self.ws.closed:
            return
        try:
            if self._zlib is not None:
                frame = self._zlib.compress(text.encode()) + self._zlib.flush(zlib.Z_SYNC_FLUSH)
                await self.ws.send_bytes(frame)
            else:
                await self.ws.send_str(text)
        except ConnectionResetError:
            # The peer went away and `Gateway.handle` has not noticed yet: a lost frame, as on Discord.
            # A dispatch stays in its session's backlog for RESUME.
            log.debug("gateway: dropped a frame for a connection that is going away")


def _shard(value: Any) -> tuple[int, int] | None:
    """IDENTIFY's `shard`, `[shard_id, num_shards]` ([0, 1] when left out); None when it is not one."""
    if value is None:
        return (0, 1)
    if isinstance(value, list) and len(value) == 2 and all(type(part) is int for part in value):
        shard_id, count = value
        if 0 <= shard_id < count:
            return (shard_id, count)
    return None


@dataclass
class Session:
    id: str
    intents: int
    shard: tuple[int, int] = (0, 1)  # [shard_id, num_shards], as IDENTIFY gave it
    seq: int = 0
    backlog: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=BACKLOG))
    connection: Connection | None = None

    def receives(self, guild_id: int | None) -> bool:
        """Whether a guild's events (None: a DM's) reach this session's shard."""
        shard_id, count = self.shard
        return shard_of(guild_id, count) == shard_id


# Builds what a dispatch looks like to a session with the given intents, or None to skip it.
Shaper = Callable[[int], dict[str, Any] | None]


class Gateway:
    def __init__(
        self,
        *,
        token: Callable[[], str],
        application_flags: Callable[[], int],
        ready: Callable[[Session], tuple[dict[str, Any], list[dict[str, Any]]]],
        violation: Callable[[str], None],
        changed: Callable[[], None] = lambda: None,
        guild_ids: Callable[[], Iterable[int]] = tuple,
        max_guilds_per_shard: int = MAX_GUILDS_PER_SHARD,
    ) -> None:
        self._token = token
        self._changed = changed  # wakes whoever waits on the sandbox's state
        self._application_flags = application_flags
        self._ready = ready
        self._violation = violation
        self._guild_ids = guild_ids  # every guild the bot is in, for the sharding rule
        if max_guilds_per_shard < 1:
            raise ValueError("a shard holds one guild at least")
        self.max_guilds_per_shard = max_guilds_per_shard
        self.sessions: dict[str, Session] = {}
        self.url = ""
        self.disconnected = asyncio.Event()  # set whenever a connection ends; tests clear it likewise

    # -- dispatching ---------------------------------------------------------------------------------

    async def dispatch(self, event: str, shape: Shaper | dict[str, Any], *, guild_id: int | None) -> None:
        """Send an event of `guild_id` (None: of a DM) to every session of the shard that guild is on."""
        for session in list(self.sessions.values()):
            if not session.receives(guild_id):
                continue
            data = shape(session.intents) if callable(shape) else shape
            if data is not None:
                await self._dispatch_to(session, event, data)

    async def _dispatch_to(self, session: Session, event: str, data: dict[str, Any]) -> None:
        session.seq += 1
        payload = {"op": Op.DISPATCH, "t": event, "s": session.seq, "d": data}
        session.backlog.append(payload)
        if session.connection is not None:
            await session.connection.send(payload)
        self._changed()

    # -- faults on demand ----------------------------------------------------------------------------

    def _live(self) -> list[tuple[Session, Connection]]:
        return [(s, s.connection) for s in self.sessions.values() if s.connection is not None]

    async def drop_connections(self) -> None:
        """The connection dies without goodbye; the client reconnects and resumes."""
        for session, connection in self._live():
            session.connection = None
            await connection.ws.close(code=4000, message=b"connection dropped")

    async def request_reconnect(self) -> None:
        for _, connection in self._live():
            await connection.send({"op": Op.RECONNECT, "d": None})

    async def invalidate_sessions(self) -> None:
        """INVALID_SESSION, not resumable: the client must identify afresh."""
        for session, connection in self._live():
            await connection.send({"op": Op.INVALID_SESSION, "d": False})
            del self.sessions[session.id]

    # -- the socket ----------------------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True, max_msg_size=0)
        await ws.prepare(request)
        if request.query.get("v") != "10" or request.query.get("encoding", "json") != "json":
            self._violation(f"gateway connection with unexpected query {dict(request.query)}")
        connection = Connection(ws, request.query.get("compress"))
        await connection.send({"op": Op.HELLO, "d": {"heartbeat_interval": HEARTBEAT_INTERVAL_MS}})
        session: Session | None = None
        async for message in ws:
            if message.type != WSMsgType.TEXT:
                if message.type == WSMsgType.BINARY:
                    self._violation("gateway received a binary frame from the client")
                continue
            payload = json.loads(message.data)
            session = await self._receive(connection, session, payload)
            if ws.closed:
                break
        if session is not None and session.connection is connection:
            session.connection = None
            if ws.close_code == 1000:  # a clean close ends the session; anything else may resume
                self.sessions.pop(session.id, None)
        self.disconnected.set()
        self._changed()
        return ws

    async def _receive(
        self, connection: Connection, session: Session | None, payload: dict[str, Any]
    ) -> Session | None:
        op, data = payload.get("op"), payload.get("d") or {}
        if op == Op.HEARTBEAT:
            await connection.send({"op": Op.HEARTBEAT_ACK})
        elif op == Op.IDENTIFY:
            return await self._identify(connection, data)
        elif op == Op.RESUME:
            return await self._resume(connection, data)
        elif op in (Op.PRESENCE_UPDATE, Op.VOICE_STATE_UPDATE, Op.REQUEST_GUILD_MEMBERS):
            if session is None:
                await connection.ws.close(code=4003, message=b"Not authenticated")
        else:
            self._violation(f"gateway received unknown opcode {op!r}")
            await connection.ws.close(code=4001, message=b"Unknown opcode")
        return session

    async def _identify(self, connection: Connection, data: dict[str, Any]) -> Session | None:
        if data.get("token") != self._token():
            await connection.ws.close(code=4004, message=b"Authentication failed")
            return None
        intents = data.get("intents")
        if not isinstance(intents, int) or intents & ~Intent.ALL:
            await connection.ws.close(code=4013, message=b"Invalid intent(s)")
            return None
        flags = self._application_flags()
        if any(intents & intent and not flags & enabling for intent, enabling in PRIVILEGED.items()):
            await connection.ws.close(code=4014, message=b"Disallowed intent(s)")
            return None
        shard = _shard(data.get("shard"))
        if shard is None:
            await connection.ws.close(code=4010, message=b"Invalid shard")
            return None
        if self.guilds_on(shard) > self.max_guilds_per_shard:
            await connection.ws.close(code=4011, message=b"Sharding required")
            return None
        session = Session(id=secrets.token_hex(16), intents=intents, shard=shard, connection=connection)
        self.sessions[session.id] = session
        ready, guild_creates = self._ready(session)
        ready = {**ready, "session_id": session.id, "resume_gateway_url": self.url, "shard": list(shard)}
        await self._dispatch_to(session, "READY", ready)
        if intents & Intent.GUILDS:
            for guild in guild_creates:
                await self._dispatch_to(session, "GUILD_CREATE", guild)
        return session

    def unread(self, read: dict[str, int]) -> int:
        """Events sent to live sessions that a bot has not read, from the last sequence it read on each
        (session id -> sequence)."""
        return sum(
            max(0, self.sessions[session_id].seq - sequence)
            for session_id, sequence in read.items()
            if session_id in self.sessions and self.sessions[session_id].connection is not None
        )

    def guilds_on(self, shard: tuple[int, int]) -> int:
        shard_id, count = shard
        return sum(1 for guild_id in self._guild_ids() if shard_of(guild_id, count) == shard_id)

    def most_guilds_on_a_shard(self, count: int) -> int:
        return max(Counter(shard_of(guild_id, count) for guild_id in self._guild_ids()).values(), default=0)

    async def _resume(self, connection: Connection, data: dict[str, Any]) -> Session | None:
        session = self.sessions.get(data.get("session_id", ""))
        if data.get("token") != self._token() or session is None:
            await connection.send({"op": Op.INVALID_SESSION, "d": False})
            return None
        session.connection = connection
        seq = data.get("seq") or 0
        for payload in list(session.backlog):
            if payload["s"] > seq:
                await connection.send(payload)
        await self._dispatch_to(session, "RESUMED", {})
        return session
