"""A minimal HTTP stand-in for Discord's REST API: login, command sync, interaction replies.

Enough for the bot's real discord.py HTTP client to log in and answer interactions on 127.0.0.1.
Unknown routes are recorded so the test that caused them fails.
"""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

APPLICATION_ID = 1000000000000000001
BOT_USER_ID = 1000000000000000002
TOKEN = "stub-token." + "x" * 60
_DISCORD_EPOCH_MS = 1420070400000


@dataclass
class Recorded:
    method: str
    path: str
    body: Any


@dataclass
class StubDiscord:
    token: str = TOKEN
    requests: list[Recorded] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    _counter: itertools.count = field(default_factory=itertools.count)
    _runner: web.AppRunner | None = None
    base_url: str = ""

    def snowflake(self) -> int:
        return ((int(time.time() * 1000) - _DISCORD_EPOCH_MS) << 22) | (next(self._counter) % 4096)

    async def start(self) -> str:
        app = web.Application()
        app.router.add_route("*", "/api/v10/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}/api/v10"
        return self.base_url

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def calls(self, method: str, prefix: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and r.path.startswith(prefix)]

    @staticmethod
    def _json(data: Any, status: int = 200) -> web.Response:
        # Exactly "application/json": discord.py compares the header string.
        return web.Response(
            status=status, body=json.dumps(data).encode(), headers={"Content-Type": "application/json"}
        )

    async def _handle(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        body = await request.json() if request.can_read_body else None
        self.requests.append(Recorded(request.method, path, body))
        parts = path.strip("/").split("/")
        if path == "/users/@me" and request.method == "GET":
            if request.headers.get("Authorization") != f"Bot {self.token}":
                return self._json({"message": "401: Unauthorized", "code": 0}, 401)
            return self._json(
                {"id": str(BOT_USER_ID), "username": "heartbot", "discriminator": "0", "avatar": None}
            )
        if path == "/oauth2/applications/@me":
            return self._json(
                {
                    "id": str(APPLICATION_ID),
                    "name": "heartbot",
                    "description": "",
                    "icon": None,
                    "bot_public": True,
                    "bot_require_code_grant": False,
                    "verify_key": "0" * 64,
                    "owner": {"id": "1", "username": "owner", "discriminator": "0", "avatar": None},
                    "interactions_endpoint_url": None,
                }
            )
        if parts[0] == "applications" and parts[-1] == "commands" and request.method == "PUT":
            guild_id = parts[3] if len(parts) == 5 else None
            answer = [
                {
                    **command,
                    "id": str(self.snowflake()),
                    "application_id": str(APPLICATION_ID),
                    "guild_id": guild_id,
                }
                for command in body
            ]
            return self._json(answer)
        if parts[0] == "interactions" and parts[-1] == "callback":
            message_id = str(self.snowflake())
            return self._json(
                {
                    "interaction": {
                        "id": parts[1],
                        "type": 2,
                        "response_message_id": message_id,
                        "response_message_loading": body["type"] == 5,
                        "response_message_ephemeral": bool((body.get("data") or {}).get("flags", 0) & 64),
                    },
                    "resource": {
                        "type": body["type"],
                        "message": self._message(message_id, body.get("data")),
                    },
                }
            )
        if parts[0] == "webhooks" and request.method == "POST" and len(parts) == 3:
            return self._json(self._message(str(self.snowflake()), body))
        self.unknown.append(f"{request.method} {path}")
        return self._json({"message": "Unknown route in the test stub", "code": 0}, 404)

    def _message(self, message_id: str, data: dict[str, Any] | None) -> dict[str, Any]:
        data = data or {}
        return {
            "id": message_id,
            "type": 20,
            "channel_id": "1000000000000000100",
            "content": data.get("content", ""),
            "embeds": data.get("embeds", []),
            "flags": data.get("flags", 0),
            "author": {"id": str(BOT_USER_ID), "username": "heartbot", "discriminator": "0", "avatar": None},
            "attachments": [],
            "mentions": [],
            "mention_roles": [],
            "pinned": False,
            "mention_everyone": False,
            "tts": False,
            "timestamp": "2026-01-01T00:00:00+00:00",
            "edited_timestamp": None,
        }
