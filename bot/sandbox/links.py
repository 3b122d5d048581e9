"""The sandbox's side of bots run as processes of their own (SANDBOX_URL, bot/sandbox/link.py): their
clock follows the sandbox's virtual one, and each reports what it is still doing, so `idle` waits for
them as for a bot in the sandbox's own process.

  GET /sandbox/clock?after=N   the clock's offset from real time in microseconds, once it differs from N
                               (at once when it already does; else when it moves, or after 20 s)
  GET /sandbox/link?name=X     a WebSocket over which bot X sends reports (below) as its work changes
"""

from __future__ import annotations

import contextlib
import json
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

if TYPE_CHECKING:
    from bot.sandbox.server import Sandbox

log = logging.getLogger(__name__)

LONG_POLL = 20.0  # seconds a clock request waits for the clock to move


def offset_us(offset: timedelta) -> int:
    return offset // timedelta(microseconds=1)


@dataclass
class Report:
    """What a linked bot last said it was doing."""

    ready: bool = False  # connected on every shard it holds, its cache filled
    sequences: dict[str, int] = field(default_factory=dict)  # gateway session id -> last event read
    handlers: list[str] = field(default_factory=list)  # its handlers still running, by task name
    timers_idle: bool = True
    clock_us: int = 0  # the sandbox clock's offset as the bot knows it


class Links:
    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.reports: dict[str, Report] = {}  # by the bot's name, while it is linked
        self._closing = False

    def routes(self, app: web.Application) -> None:
        app.router.add_get("/sandbox/clock", self.clock)
        app.router.add_get("/sandbox/link", self.link)

    async def clock(self, request: web.Request) -> web.Response:
        known = int(request.query.get("after", "-1"))
        with contextlib.suppress(TimeoutError):
            await self.sandbox.wait_for(lambda: self._closing or self._offset() != known, LONG_POLL)
        return web.json_response({"offset_us": self._offset()})

    def close(self) -> None:
        """Answer every clock request still waiting (the sandbox is stopping: its server waits for them)."""
        self._closing = True
        self.sandbox.changed()

    def _offset(self) -> int:
        return offset_us(self.sandbox.clock.offset)

    async def link(self, request: web.Request) -> web.WebSocketResponse:
        name = request.query.get("name", "bot")
        ws = web.WebSocketResponse(heartbeat=5.0)
        await ws.prepare(request)
        self.reports[name] = Report()
        unwatch = self.sandbox.watch(lambda: self._under_way(name))
        self.sandbox.changed()
        try:
            async for message in ws:
                if message.type is not WSMsgType.TEXT:
                    break
                data: dict[str, Any] = json.loads(message.data)
                self.reports[name] = Report(
                    ready=bool(data["ready"]),
                    sequences={str(k): int(v) for k, v in data["sequences"].items()},
                    handlers=list(data["handlers"]),
                    timers_idle=bool(data["timers_idle"]),
                    clock_us=int(data["clock_us"]),
                )
                self.sandbox.changed()
        finally:
            unwatch()  # a bot that stopped (or was killed) is waited for no more
            self.reports.pop(name, None)
            self.sandbox.changed()
        return ws

    def _under_way(self, name: str) -> list[str]:
        report = self.reports.get(name)
        if report is None:
            return []
        if not report.ready:
            return [f"{name} is starting"]
        work = []
        if report.clock_us != self._offset():
            work.append(f"{name} has not heard that the clock moved")
        if unread := self.sandbox.gateway.unread(report.sequences):
            work.append(f"{unread} gateway event(s) {name} has not read")
        if report.handlers:
            work.append(f"{name}'s handlers running: {', '.join(sorted(report.handlers))}")
        if not report.timers_idle:
            work.append(f"{name} has a timer due or being handled")
        return work

    def ready(self, name: str) -> bool:
        report = self.reports.get(name)
        return report is not None and report.ready

    async def wait_until_ready(self, name: str, timeout: float) -> None:
        await self.sandbox.wait_for(lambda: self.ready(name), timeout)

    async def wait_until_gone(self, name: str, timeout: float) -> None:
        await self.sandbox.wait_for(lambda: name not in self.reports, timeout)
