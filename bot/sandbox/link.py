"""The bot run as a process of its own against a sandbox (SANDBOX_URL): `python -m bot` with several shard
processes sharing one sandbox, as they would share Discord. Its REST calls go to the sandbox; its clock
follows the sandbox's virtual one, so a script's `wait 1h` moves every process's time; and it reports what
it is still doing (bot/sandbox/links.py), so the sandbox knows when every process is idle."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import aiohttp
import discord
import yarl

from bot.sandbox.tasks import handlers_running, task_tree

if TYPE_CHECKING:
    from bot.core.app import HeartBot
    from bot.core.settings import Settings

log = logging.getLogger(__name__)

REPORT_EVERY = 0.01  # seconds between looks at what the bot is doing (a report is sent when it changed)


class FollowedClock:
    """Real time plus the sandbox clock's offset, kept up to date by a long poll; sleepers wake when it
    moves, as the sandbox's own VirtualClock's do."""

    def __init__(self, http: aiohttp.ClientSession, base: str) -> None:
        self._http = http
        self._url = f"{base}/sandbox/clock"
        self.offset = timedelta()
        self._moved = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def offset_us(self) -> int:
        return self.offset // timedelta(microseconds=1)

    async def start(self) -> None:
        await self._poll(-1)
        self._task = asyncio.create_task(self._follow(), name="sandbox-clock")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _poll(self, known: int) -> None:
        async with self._http.get(self._url, params={"after": str(known)}) as response:
            data = await response.json()
        offset = timedelta(microseconds=int(data["offset_us"]))
        if offset != self.offset:
            self.offset = offset
            self._moved.set()
            self._moved = asyncio.Event()

    async def _follow(self) -> None:
        while True:
            try:
                await self._poll(self.offset_us)
            except (aiohttp.ClientError, TimeoutError) as error:
                log.warning("Lost the sandbox's clock (%s); trying again", error)
                await asyncio.sleep(0.5)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    async def sleep_until(self, when: datetime) -> None:
        while (remaining := (when - self.now()).total_seconds()) > 0:
            moved = self._moved
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(moved.wait(), remaining)


def read_positions(bot: discord.AutoShardedClient) -> dict[str, int]:
    """The last gateway event each of the bot's shards read: session id -> sequence."""
    # discord.py shows a shard's id but not its connection's session id and sequence: its own accessor for
    # a shard's websocket is the one way to them.
    sockets = [bot._get_websocket(shard_id=shard_id) for shard_id in bot.shards]
    return {ws.session_id: ws.sequence or 0 for ws in sockets if ws is not None and ws.session_id}


def report(bot: HeartBot, gateway: asyncio.Task[Any], clock: FollowedClock) -> dict[str, Any]:
    return {
        "ready": bot.is_ready(),
        "sequences": read_positions(bot),
        "handlers": handlers_running(gateway),
        "timers_idle": bot.timers.idle,
        "clock_us": clock.offset_us,
    }


async def _report_forever(
    http: aiohttp.ClientSession,
    base: str,
    name: str,
    bot: HeartBot,
    gateway: asyncio.Task[Any],
    clock: FollowedClock,
) -> None:
    async with http.ws_connect(f"{base}/sandbox/link", params={"name": name}, heartbeat=5.0) as ws:
        last: dict[str, Any] | None = None
        while not gateway.done():
            now = report(bot, gateway, clock)
            if now != last:
                await ws.send_str(json.dumps(now))
                last = now
            await asyncio.sleep(REPORT_EVERY)


async def run_linked(settings: Settings, token: str) -> None:
    """`python -m bot` with SANDBOX_URL set: the bot against that sandbox until it stops or is stopped."""
    from bot.canon import load_canon
    from bot.core.app import HeartBot
    from bot.core.database import open_database

    base = (settings.sandbox_url or "").rstrip("/")
    # The two addresses discord.py has of Discord's (a sharded bot also asks REST for the gateway's).
    discord.http.Route.BASE = f"{base}/api/v10"
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(f"{base.replace('http', 'ws', 1)}/gateway")
    name = os.environ.get("SANDBOX_BOT_NAME") or f"bot-{os.getpid()}"
    async with aiohttp.ClientSession() as http:
        clock = FollowedClock(http, base)
        await clock.start()
        try:
            db = await open_database(settings.database)
            async with db:
                await db.migrate()
                bot = HeartBot(settings=settings, db=db, canon=load_canon(), clock=clock)
                async with bot:
                    await bot.login(token)
                    task_tree()  # from here on, what the gateway task starts is known as the bot's
                    gateway = asyncio.create_task(bot.connect(reconnect=True), name="heartbot-gateway")
                    reporting = asyncio.create_task(_report_forever(http, base, name, bot, gateway, clock))
                    try:
                        await gateway
                    finally:
                        reporting.cancel()
                        with contextlib.suppress(asyncio.CancelledError, aiohttp.ClientError):
                            await reporting
        finally:
            await clock.stop()
