"""The REST half of the stand-in: Discord's HTTP routes that the bot uses, with Discord's rules."""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from aiohttp import web
from discord import Permissions

from bot.sandbox import limits
from bot.sandbox.ids import token
from bot.sandbox.server import (
    ACK_WINDOW,
    EPHEMERAL,
    GUILDS_PER_SHARD,
    LOADING,
    TOKEN_LIFETIME,
    DiscordError,
)
from bot.sandbox.world import Channel, ChannelType, Guild, Interaction, Message, MessageType, Webhook

if TYPE_CHECKING:
    from bot.sandbox.server import Sandbox

log = logging.getLogger(__name__)

JSON = "application/json"
MAX_WEBHOOKS_PER_CHANNEL = 15
# A message sent with `enforce_nonce` and a nonce the bot used in that channel this recently is not made
# again: Discord answers with the first one ("checked for uniqueness in the past few minutes").
NONCE_WINDOW = timedelta(minutes=5)
Handler = Callable[..., Awaitable[Any]]


DROP = 0  # a Fault status: the connection is dropped with no answer, as a network failure looks
# The error body Discord gives for each status a fault may inject (4xx; 5xx answers have code 0).
FAULT_ERRORS = {
    400: (50035, "Invalid Form Body"),
    401: (0, "401: Unauthorized"),
    403: (50013, "Missing Permissions"),
    404: (10008, "Unknown Message"),
}


@dataclass
class Fault:
    """A failure injected on matching requests: `status` 429, a 4xx, a 5xx or DROP (no answer at all);
    `times` how many requests it hits."""

    method: str
    pattern: re.Pattern[str]
    status: int
    times: int = 1
    retry_after: float = 0.05


def _with_files(payload: Any, files: dict[int, bytes]) -> Any:
    """Uploaded files' text on their attachments (as `content`), so tests can read what members download."""
    if isinstance(payload, dict):
        for holder in (payload, payload.get("data")):
            for attachment in (holder.get("attachments") or []) if isinstance(holder, dict) else []:
                data = files.get(int(attachment.get("id", -1)))
                if data is not None:
                    attachment["content"] = data.decode("utf-8", "replace")
    return payload


def _response(status: int, body: Any = None, headers: dict[str, str] | None = None) -> web.Response:
    # Exactly "application/json": discord.py compares the header string, so no charset suffix.
    if status == 204:
        return web.Response(status=204, headers=headers)
    return web.Response(
        status=status, body=json.dumps(body).encode(), headers={"Content-Type": JSON, **(headers or {})}
    )


def _fault_response(fault: Fault) -> web.Response:
    if fault.status == 429:
        body = {"message": "You are being rate limited.", "retry_after": fault.retry_after, "global": False}
        return _response(429, body, {"Via": "1.1 google", "X-RateLimit-Scope": "user"})
    code, message = FAULT_ERRORS.get(fault.status, (0, "Server error"))
    return _response(fault.status or 500, {"message": message, "code": code})  # DROP: never delivered


def invalid_form(problems: list[str]) -> DiscordError:
    errors = {
        f"problem_{i}": {"_errors": [{"code": "BASE_TYPE_INVALID", "message": p}]}
        for i, p in enumerate(problems)
    }
    return DiscordError(400, 50035, "Invalid Form Body", errors)


def missing_permissions() -> DiscordError:
    return DiscordError(403, 50013, "Missing Permissions")


class RestApi:
    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.faults: list[Fault] = []
        self._nonces: dict[tuple[int, str], int] = {}  # (channel, nonce) -> the message it made
        self.routes: list[tuple[str, re.Pattern[str], Handler, bool]] = []
        bot_auth, path_token = True, False
        table: list[tuple[str, str, Handler, bool]] = [
            ("GET", r"/users/@me", self.get_me, bot_auth),
            ("GET", r"/oauth2/applications/@me", self.get_application, bot_auth),
            ("GET", r"/gateway", self.get_gateway, path_token),
            ("GET", r"/gateway/bot", self.get_gateway_bot, bot_auth),
            ("GET", r"/applications/(\d+)/commands", self.get_commands, bot_auth),
            ("PUT", r"/applications/(\d+)/commands", self.put_commands, bot_auth),
            ("GET", r"/applications/(\d+)/guilds/(\d+)/commands", self.get_commands, bot_auth),
            ("PUT", r"/applications/(\d+)/guilds/(\d+)/commands", self.put_commands, bot_auth),
            ("POST", r"/interactions/(\d+)/([^/]+)/callback", self.callback, path_token),
            ("GET", r"/webhooks/(\d+)/([^/]+)/messages/([^/]+)", self.get_webhook_message, path_token),
            ("PATCH", r"/webhooks/(\d+)/([^/]+)/messages/([^/]+)", self.edit_webhook_message, path_token),
            ("DELETE", r"/webhooks/(\d+)/([^/]+)/messages/([^/]+)", self.delete_webhook_message, path_token),
            ("POST", r"/webhooks/(\d+)/([^/]+)", self.execute_webhook, path_token),
            ("GET", r"/webhooks/(\d+)/([^/]+)", self.get_webhook_with_token, path_token),
            ("GET", r"/webhooks/(\d+)", self.get_webhook, bot_auth),
            ("PATCH", r"/webhooks/(\d+)", self.edit_webhook, bot_auth),
            ("DELETE", r"/webhooks/(\d+)", self.delete_webhook, bot_auth),
            ("POST", r"/channels/(\d+)/webhooks", self.create_webhook, bot_auth),
            ("GET", r"/channels/(\d+)/webhooks", self.channel_webhooks, bot_auth),
            ("GET", r"/guilds/(\d+)/webhooks", self.guild_webhooks, bot_auth),
            ("GET", r"/channels/(\d+)", self.get_channel, bot_auth),
            ("POST", r"/channels/(\d+)/messages", self.create_message, bot_auth),
            ("GET", r"/channels/(\d+)/messages", self.list_messages, bot_auth),
            ("GET", r"/channels/(\d+)/messages/(\d+)", self.get_message, bot_auth),
            ("PATCH", r"/channels/(\d+)/messages/(\d+)", self.edit_message, bot_auth),
            ("DELETE", r"/channels/(\d+)/messages/(\d+)", self.delete_message, bot_auth),
            ("POST", r"/channels/(\d+)/messages/(\d+)/threads", self.create_thread, bot_auth),
            ("POST", r"/channels/(\d+)/threads", self.create_thread, bot_auth),
            ("POST", r"/users/@me/channels", self.create_dm, bot_auth),
            ("GET", r"/users/(\d+)", self.get_user, bot_auth),
            ("GET", r"/guilds/(\d+)/scheduled-events", self.list_events, bot_auth),
            ("POST", r"/guilds/(\d+)/scheduled-events", self.create_event, bot_auth),
            ("GET", r"/guilds/(\d+)/scheduled-events/(\d+)", self.get_event, bot_auth),
            ("PATCH", r"/guilds/(\d+)/scheduled-events/(\d+)", self.edit_event, bot_auth),
            ("DELETE", r"/guilds/(\d+)/scheduled-events/(\d+)", self.delete_event, bot_auth),
        ]
        for method, pattern, handler, auth in table:
            self.routes.append((method, re.compile(pattern + "$"), handler, auth))

    # -- the pipeline every request goes through -----------------------------------------------------

    async def handle(self, request: web.Request) -> web.Response:
        """Answer one request, counted in `Sandbox.in_flight` meanwhile (what `Sandbox.idle` waits for)."""
        self.sandbox.in_flight += 1
        if request.transport is not None:  # which of the client's connections it came over
            self.sandbox.http_connections.add(request.transport.get_extra_info("peername"))
        try:
            return await self._answer(request)
        finally:
            self.sandbox.in_flight -= 1
            self.sandbox.changed()

    async def _answer(self, request: web.Request) -> web.Response:
        sandbox = self.sandbox
        path = "/" + request.match_info["tail"]
        arrived = sandbox.now()  # Discord's clocks start when a request arrives, not when it is handled
        try:
            body = await self._body(request)
        except DiscordError as error:
            sandbox.note_request(request.method, path, None)
            return _response(error.status, error.body())
        sandbox.note_request(request.method, path, body)
        fault = self._fault(request.method, path)
        if fault is not None:
            if fault.status == DROP and request.transport is not None:
                request.transport.close()  # the client sees the server disconnect, and no answer
            return _fault_response(fault)
        for method, pattern, handler, needs_auth in self.routes:
            match = pattern.match(path)
            if match is None or method != request.method:
                continue
            try:
                if needs_auth and request.headers.get("Authorization") != f"Bot {sandbox.token}":
                    raise DiscordError(401, 0, "401: Unauthorized")
                self._check_spec(request.method, path, body)
                result = await handler(*match.groups(), body=body, query=request.query, arrived=arrived)
            except DiscordError as error:
                return _response(error.status, error.body())
            if result is None:
                return _response(204)
            status, payload = result if isinstance(result, tuple) else (200, result)
            if sandbox.check_responses and sandbox.spec is not None:
                problems = sandbox.spec.response_problems(request.method, path, status, payload)
                if problems:
                    sandbox.violation(
                        f"the sandbox answered {request.method} {path} off-spec: {'; '.join(problems)}"
                    )
            return _response(status, payload)
        sandbox.violation(f"unknown route {request.method} {path}")
        return _response(404, {"message": "404: Not Found", "code": 0})

    def _fault(self, method: str, path: str) -> Fault | None:
        """The fault this request meets, if any (each hit uses one of its `times`)."""
        for fault in self.faults:
            if fault.times > 0 and fault.method == method and fault.pattern.search(path):
                fault.times -= 1
                return fault
        return None

    async def _body(self, request: web.Request) -> Any:
        if not request.can_read_body:
            return None
        content_type = request.headers.get("Content-Type", "")
        if content_type.startswith("multipart/form-data"):
            reader = await request.multipart()
            payload, files = None, {}
            async for part in reader:
                name = part.name or ""  # type: ignore[union-attr]
                if name == "payload_json":
                    payload = json.loads(await part.text())  # type: ignore[union-attr]
                elif upload := re.fullmatch(r"files\[(\d+)\]", name):
                    files[int(upload[1])] = await part.read()  # type: ignore[union-attr]
            return _with_files(payload, files)
        if content_type != JSON:
            self.sandbox.violation(f"{request.method} {request.path} sent Content-Type {content_type!r}")
            raise DiscordError(400, 50035, "Invalid Form Body")
        return await request.json()

    def _check_spec(self, method: str, path: str, body: Any) -> None:
        spec = self.sandbox.spec
        if spec is None or (body is None and method in ("GET", "DELETE")):
            return
        problems = spec.request_problems(method, path, body)
        if problems:
            self.sandbox.violation(
                f"{method} {path}: the API description rejects the body: {'; '.join(problems)}"
            )
            raise invalid_form(problems)

    def _check(self, what: str, problems: list[str]) -> None:
        if problems:
            self.sandbox.violation(f"{what}: {'; '.join(problems)}")
            raise invalid_form(problems)

    def _require(self, permission: str, guild: Guild | None) -> None:
        """The bot may do `permission` in `guild` (the default guild, for what no guild holds)."""
        bot_id = self.sandbox.bot_user.id
        if not self.sandbox.permissions(bot_id, guild) & Permissions(**{permission: True}).value:
            self.sandbox.violation(f"the bot tried something that needs {permission} without it")
            raise missing_permissions()

    # -- login and commands --------------------------------------------------------------------------

    async def get_me(self, **_: Any) -> dict[str, Any]:
        return {
            **self.sandbox.bot_user.payload(),
            "verified": True,
            "mfa_enabled": False,
            "flags": 0,
            "premium_type": 0,
            "locale": "en-GB",
        }

    async def get_application(self, **_: Any) -> dict[str, Any]:
        owner = next(u for u in self.sandbox.users.values() if u.name == "owner")
        return {
            "id": str(self.sandbox.application_id),
            "name": self.sandbox.bot_user.name,
            "description": "",
            "icon": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "owner": owner.payload(),
            "team": None,
            "flags": self.sandbox.application_flags,
            "flags_new": str(self.sandbox.application_flags),
            "type": None,
            "redirect_uris": [],
            "role_connections_verification_url": None,
            "approximate_guild_count": len(self.sandbox.guilds),
            "approximate_user_install_count": 0,
            "approximate_user_authorization_count": 0,
            "explicit_content_filter": 0,
            "eligible_oauth2_scopes": ["bot", "applications.commands"],
            "interactions_endpoint_url": None,
            "bot": self.sandbox.bot_user.payload(),
            "summary": "",
            "rpc_origins": [],
        }

    async def get_gateway(self, **_: Any) -> dict[str, Any]:
        return {"url": self.sandbox.gateway_url}

    async def get_gateway_bot(self, **_: Any) -> dict[str, Any]:
        limit = {
            "total": 1000,
            "remaining": 999,
            "reset_after": 0,
            "max_concurrency": self.sandbox.max_concurrency,
        }
        return {"url": self.sandbox.gateway_url, "shards": self._shards(), "session_start_limit": limit}

    def _shards(self) -> int:
        """A shard per 1,000 guilds, as Discord recommends, and more while a shard would hold more guilds than
        the gateway lets one session hold."""
        gateway = self.sandbox.gateway
        count = max(1, math.ceil(len(self.sandbox.guilds) / GUILDS_PER_SHARD))
        while gateway.most_guilds_on_a_shard(count) > gateway.max_guilds_per_shard:
            count += 1
        return count

    def _application(self, application_id: str, guild_id: str | None = None) -> None:
        """The bot's own application, and a guild it is in: Discord answers Missing Access otherwise."""
        if int(application_id) != self.sandbox.application_id:
            raise DiscordError(403, 50001, "Missing Access")
        if guild_id is not None and int(guild_id) not in self.sandbox.guilds:
            raise DiscordError(403, 50001, "Missing Access")

    def _guild(self, guild_id: str) -> Guild:
        guild = self.sandbox.guilds.get(int(guild_id))
        if guild is None:
            raise DiscordError(404, 10004, "Unknown Guild")
        return guild

    async def get_commands(self, application_id: str, guild_id: str | None = None, **_: Any) -> list[dict]:
        self._application(application_id, guild_id)
        return self.sandbox.commands.get(int(guild_id) if guild_id else None, [])

    async def put_commands(
        self, application_id: str, guild_id: str | None = None, *, body: Any, **_: Any
    ) -> Any:
        self._application(application_id, guild_id)
        if not isinstance(body, list):
            raise invalid_form(["body: expected an array of commands"])
        self._check("PUT commands", limits.command_problems(body))
        scope = int(guild_id) if guild_id else None
        previous = {(c["name"], c.get("type", 1)): c for c in self.sandbox.commands.get(scope, [])}
        stored = []
        for command in body:
            old = previous.get((command["name"], command.get("type", 1)))
            if (
                command.get("default_member_permissions") is not None
            ):  # sent as a number, answered as a string
                command = {
                    **command,
                    "default_member_permissions": str(command["default_member_permissions"]),
                }
            stored.append(
                {
                    "type": 1,
                    "description": "",
                    "options": [],
                    "default_member_permissions": None,
                    "nsfw": False,
                    **{key: value for key, value in command.items() if value is not None},
                    "id": old["id"] if old else str(self.sandbox.ids.next()),
                    "application_id": str(self.sandbox.application_id),
                    "version": str(self.sandbox.ids.next()),
                    **({"guild_id": guild_id} if guild_id else {}),
                }
            )
        self.sandbox.commands[scope] = stored
        self.sandbox.command_syncs.append((scope, body))
        return stored

    # -- interactions --------------------------------------------------------------------------------

    def _interaction(self, interaction_id: int, interaction_token: str) -> Interaction:
        interaction = self.sandbox.interactions.get(interaction_id)
        if interaction is None or interaction.token != interaction_token:
            raise DiscordError(404, 10062, "Unknown interaction")
        return interaction

    def _by_token(self, interaction_token: str) -> Interaction | None:
        return self.sandbox.interactions_by_token.get(interaction_token)

    def _token_alive(self, interaction: Interaction) -> None:
        if interaction.response_type is None:
            raise DiscordError(
                404, 10015, "Unknown Webhook"
            )  # nothing to follow up before an acknowledgement
        if self.sandbox.now() - interaction.created_at > TOKEN_LIFETIME:
            self.sandbox.violation(f"interaction {interaction.id}: follow-up after the 15-minute window")
            raise DiscordError(401, 50027, "Invalid Webhook Token")

    async def callback(
        self, interaction_id: str, interaction_token: str, *, body: Any, query: Any, arrived: datetime
    ) -> Any:
        sandbox = self.sandbox
        interaction = self._interaction(int(interaction_id), interaction_token)
        if interaction.response_type is not None:
            sandbox.violation(f"interaction {interaction.id} was acknowledged twice")
            raise DiscordError(400, 40060, "Interaction has already been acknowledged.")
        if arrived - interaction.created_at > ACK_WINDOW:
            sandbox.violation(f"interaction {interaction.id} was acknowledged after 3 seconds")
            raise DiscordError(404, 10062, "Unknown interaction")
        kind, data = body.get("type"), body.get("data") or {}
        allowed = {2: {4, 5, 9}, 3: {4, 5, 6, 7, 9}, 4: {8}, 5: {4, 5, 6, 7}}[interaction.type]
        if kind not in allowed:
            sandbox.violation(f"interaction {interaction.id}: callback {kind} for type {interaction.type}")
            raise DiscordError(400, 40043, "Interaction callback type is not valid for this interaction")
        if kind == 4:
            self._check("interaction reply", limits.message_problems(data))
        elif kind == 7:
            self._check("interaction update", limits.message_problems(data, creating=False))
        elif kind == 8:
            self._check("autocomplete", limits.autocomplete_problems(data))
        interaction.response_type, interaction.acknowledged_at = kind, arrived
        message = await self._respond(interaction, kind, data)
        sandbox.changed()
        if query.get("with_response") not in ("1", "true", "True"):
            return None
        result: dict[str, Any] = {
            "interaction": {
                "id": str(interaction.id),
                "type": interaction.type,
                "activity_instance_id": None,
            }
        }
        if message is not None:
            result["interaction"].update(
                response_message_id=str(message.id),
                response_message_loading=message.loading,
                response_message_ephemeral=bool(message.flags & EPHEMERAL),
            )
        if kind in (4, 7) and message is not None:  # the only kinds that answer with their message
            result["resource"] = {"type": kind, "message": message.payload()}
        return result

    async def _respond(self, interaction: Interaction, kind: int, data: dict[str, Any]) -> Message | None:
        sandbox = self.sandbox
        if kind in (4, 5):
            ephemeral = bool(data.get("flags", 0) & EPHEMERAL)
            channel = sandbox.channels[interaction.channel_id]
            message = sandbox.new_message(
                channel,
                sandbox.bot_user.payload(),
                data if kind == 4 else {"flags": data.get("flags", 0) | LOADING},
                type=MessageType.CHAT_INPUT_COMMAND if interaction.type == 2 else MessageType.DEFAULT,
                visible_to=interaction.user_id if ephemeral else None,
                webhook_id=sandbox.application_id,
                application_id=sandbox.application_id,
                loading=kind == 5,
                interaction_metadata={
                    "id": str(interaction.id),
                    "type": interaction.type,
                    "user": sandbox.users[interaction.user_id].payload(),
                    "authorizing_integration_owners": {"0": str(interaction.guild_id or sandbox.guild.id)},
                    **(
                        {"interacted_message_id": str(interaction.source_message_id)}
                        if interaction.source_message_id
                        else {}
                    ),
                },
            )
            interaction.original_message_id, interaction.ephemeral = message.id, ephemeral
            return await sandbox.add_message(message)
        if kind in (6, 7):
            source = sandbox.messages.get(interaction.source_message_id or 0)
            interaction.original_message_id = source.id if source else None
            if kind == 7 and source is not None:
                return await sandbox.edit_message(source, data)
            return source
        if kind == 8:
            interaction.autocomplete_choices = data.get("choices", [])
        if kind == 9:
            interaction.modal = data
        return None

    # -- webhooks: interaction follow-ups and the original response, and real webhooks ---------------

    def _webhook(self, webhook_id: str, webhook_token: str | None = None) -> Webhook:
        webhook = self.sandbox.webhooks.get(int(webhook_id))
        if webhook is None:
            raise DiscordError(404, 10015, "Unknown Webhook")
        if webhook_token is not None and webhook.token != webhook_token:
            raise DiscordError(401, 50027, "Invalid Webhook Token")
        return webhook

    def _webhook_message(
        self, webhook_id: str, webhook_token: str, message_id: str
    ) -> tuple[Message, Interaction | None]:
        interaction = (
            self._by_token(webhook_token) if int(webhook_id) == self.sandbox.application_id else None
        )
        if interaction is not None:
            self._token_alive(interaction)
            if message_id == "@original":
                message_id = str(interaction.original_message_id or 0)
        else:
            self._webhook(webhook_id, webhook_token)
        message = self.sandbox.messages.get(int(message_id)) if message_id.isdigit() else None
        if message is None or message.webhook_id != int(webhook_id):
            raise DiscordError(404, 10008, "Unknown Message")
        return message, interaction

    async def get_webhook_message(
        self, webhook_id: str, webhook_token: str, message_id: str, **_: Any
    ) -> Any:
        message, _interaction = self._webhook_message(webhook_id, webhook_token, message_id)
        return message.payload()

    async def edit_webhook_message(
        self, webhook_id: str, webhook_token: str, message_id: str, *, body: Any, **_: Any
    ) -> Any:
        message, _interaction = self._webhook_message(webhook_id, webhook_token, message_id)
        self._check("message edit", limits.message_problems(body, creating=False))
        await self.sandbox.edit_message(message, body)
        return message.payload()

    async def delete_webhook_message(
        self, webhook_id: str, webhook_token: str, message_id: str, **_: Any
    ) -> None:
        message, _interaction = self._webhook_message(webhook_id, webhook_token, message_id)
        await self.sandbox.delete_message(message)

    async def execute_webhook(
        self, webhook_id: str, webhook_token: str, *, body: Any, query: Any, **_: Any
    ) -> Any:
        sandbox = self.sandbox
        self._check("message", limits.message_problems(body))
        interaction = self._by_token(webhook_token) if int(webhook_id) == sandbox.application_id else None
        if interaction is not None:  # an interaction follow-up
            self._token_alive(interaction)
            ephemeral = bool(body.get("flags", 0) & EPHEMERAL)
            message = sandbox.new_message(
                sandbox.channels[interaction.channel_id],
                sandbox.bot_user.payload(),
                body,
                visible_to=interaction.user_id if ephemeral else None,
                webhook_id=sandbox.application_id,
                application_id=sandbox.application_id,
            )
        else:
            webhook = self._webhook(webhook_id, webhook_token)
            if body.get("components") and webhook.application_id != sandbox.application_id:
                raise DiscordError(400, 50035, "Only application-owned webhooks can send components")
            channel = sandbox.channels[webhook.channel_id]
            if query.get("thread_id"):
                channel = sandbox.channels.get(int(query["thread_id"])) or channel
                if channel.parent_id != webhook.channel_id:
                    raise DiscordError(400, 10003, "Unknown Channel")
            author = {
                "id": str(webhook.id),
                "username": body.get("username") or webhook.name,
                "avatar": None,
                "discriminator": "0000",
                "global_name": None,
                "public_flags": 0,
                "flags": 0,
                "primary_guild": None,
                "bot": True,
            }
            body = {**body, "flags": body.get("flags", 0) & ~EPHEMERAL}
            message = sandbox.new_message(
                channel, author, body, webhook_id=webhook.id, application_id=webhook.application_id
            )
        await sandbox.add_message(message)
        return message.payload() if query.get("wait") in ("1", "true", "True") else None

    async def get_webhook_with_token(self, webhook_id: str, webhook_token: str, **_: Any) -> Any:
        webhook = self._webhook(webhook_id, webhook_token)
        return webhook.payload(None)

    def _may_manage_webhook(self, webhook_id: str) -> Webhook:
        """The webhook, once the bot is found to have Manage Webhooks in its guild (checked first)."""
        known = self.sandbox.webhooks.get(int(webhook_id))
        self._require("manage_webhooks", self.sandbox.guilds.get(known.guild_id) if known else None)
        return self._webhook(webhook_id)

    async def get_webhook(self, webhook_id: str, **_: Any) -> Any:
        webhook = self._may_manage_webhook(webhook_id)
        return webhook.payload(self.sandbox.users.get(webhook.creator_id))

    async def edit_webhook(self, webhook_id: str, *, body: Any, **_: Any) -> Any:
        webhook = self._may_manage_webhook(webhook_id)
        if "name" in body:
            self._check("webhook", limits.webhook_name_problems(body["name"]))
            webhook.name = body["name"]
        if "channel_id" in body:
            webhook.channel_id = int(body["channel_id"])
        return webhook.payload(self.sandbox.users.get(webhook.creator_id))

    async def delete_webhook(self, webhook_id: str, **_: Any) -> None:
        self._may_manage_webhook(webhook_id)
        del self.sandbox.webhooks[int(webhook_id)]

    async def create_webhook(self, channel_id: str, *, body: Any, **_: Any) -> Any:
        channel = self._channel(channel_id)
        guild = self.sandbox.guild_of(channel) or self.sandbox.guild
        self._require("manage_webhooks", guild)
        self._check("webhook", limits.webhook_name_problems(body.get("name", "")))
        if (
            sum(w.channel_id == channel.id for w in self.sandbox.webhooks.values())
            >= MAX_WEBHOOKS_PER_CHANNEL
        ):
            raise DiscordError(400, 30007, "Maximum number of webhooks reached (15)")
        webhook = Webhook(
            id=self.sandbox.ids.next(self.sandbox.now()),
            token=token(),
            channel_id=channel.id,
            guild_id=guild.id,
            name=body["name"],
            application_id=self.sandbox.application_id,
            creator_id=self.sandbox.bot_user.id,
        )
        self.sandbox.webhooks[webhook.id] = webhook
        return webhook.payload(self.sandbox.bot_user)

    async def channel_webhooks(self, channel_id: str, **_: Any) -> Any:
        channel = self._channel(channel_id)
        self._require("manage_webhooks", self.sandbox.guild_of(channel))
        return [
            w.payload(self.sandbox.users.get(w.creator_id))
            for w in self.sandbox.webhooks.values()
            if w.channel_id == channel.id
        ]

    async def guild_webhooks(self, guild_id: str, **_: Any) -> Any:
        guild = self._guild(guild_id)
        self._require("manage_webhooks", guild)
        return [
            w.payload(self.sandbox.users.get(w.creator_id))
            for w in self.sandbox.webhooks.values()
            if w.guild_id == guild.id
        ]

    # -- channels and messages -----------------------------------------------------------------------

    def _channel(self, channel_id: str) -> Channel:
        channel = self.sandbox.channels.get(int(channel_id))
        if channel is None:
            raise DiscordError(404, 10003, "Unknown Channel")
        return channel

    def _message(self, channel_id: str, message_id: str) -> Message:
        message = self.sandbox.messages.get(int(message_id))
        if message is None or message.channel_id != int(channel_id) or message.visible_to is not None:
            raise DiscordError(404, 10008, "Unknown Message")
        return message

    async def get_channel(self, channel_id: str, **_: Any) -> Any:
        return self._channel(channel_id).payload(self.sandbox.users)

    async def create_message(self, channel_id: str, *, body: Any, **_: Any) -> Any:
        channel = self._channel(channel_id)
        if (guild := self.sandbox.guild_of(channel)) is not None:
            self._require(
                "send_messages_in_threads" if channel.type == ChannelType.PUBLIC_THREAD else "send_messages",
                guild,
            )
        elif channel.recipient_id is not None and not self.sandbox.users[channel.recipient_id].accepts_dms:
            raise DiscordError(403, 50007, "Cannot send messages to this user")
        self._check("message", limits.message_problems(body))
        nonce = (channel.id, str(body["nonce"])) if body.get("enforce_nonce") and body.get("nonce") else None
        if nonce is not None and (earlier := self._recent_nonce(nonce)) is not None:
            return earlier.payload()  # Discord's answer to a repeated nonce: the message it already made
        body = {**body, "flags": body.get("flags", 0) & ~EPHEMERAL}  # only interactions may whisper
        message = self.sandbox.new_message(channel, self.sandbox.bot_user.payload(), body)
        await self.sandbox.add_message(message)
        if nonce is not None:
            self._nonces[nonce] = message.id
        return message.payload()

    def _recent_nonce(self, nonce: tuple[int, str]) -> Message | None:
        """The bot's message made with this nonce in this channel within the last few minutes."""
        message = self.sandbox.messages.get(self._nonces.get(nonce, 0))
        if message is None or self.sandbox.now() - message.created_at > NONCE_WINDOW:
            return None
        return message

    async def list_messages(self, channel_id: str, *, query: Any, **_: Any) -> Any:
        channel = self._channel(channel_id)
        limit = min(int(query.get("limit", 50)), 100)
        found = [
            m for m in self.sandbox.messages.values() if m.channel_id == channel.id and m.visible_to is None
        ]
        return [m.payload() for m in reversed(found[-limit:])]

    async def get_message(self, channel_id: str, message_id: str, **_: Any) -> Any:
        return self._message(channel_id, message_id).payload()

    async def edit_message(self, channel_id: str, message_id: str, *, body: Any, **_: Any) -> Any:
        message = self._message(channel_id, message_id)
        if message.author_id != self.sandbox.bot_user.id:
            raise DiscordError(403, 50005, "Cannot edit a message authored by another user")
        self._check("message edit", limits.message_problems(body, creating=False))
        await self.sandbox.edit_message(message, body)
        return message.payload()

    async def delete_message(self, channel_id: str, message_id: str, **_: Any) -> None:
        message = self._message(channel_id, message_id)
        if message.author_id != self.sandbox.bot_user.id and message.guild_id:
            self._require("manage_messages", self.sandbox.guilds.get(message.guild_id))
        await self.sandbox.delete_message(message)

    async def create_thread(
        self, channel_id: str, message_id: str | None = None, *, body: Any, **_: Any
    ) -> Any:
        parent = self._channel(channel_id)
        self._require("create_public_threads", self.sandbox.guild_of(parent))
        if message_id is not None:
            self._message(channel_id, message_id)
        name = body.get("name", "")
        if not 1 <= len(name) <= 100:
            self._check("thread", [f"name: {len(name)} characters, must be 1 to 100"])
        thread = self.sandbox.new_thread(parent, name, self.sandbox.bot_user)
        payload = thread.payload()
        await self.sandbox.gateway.dispatch(
            "THREAD_CREATE", {**payload, "newly_created": True}, guild_id=thread.guild_id
        )
        return (201, payload)

    async def get_user(self, user_id: str, **_: Any) -> Any:
        user = self.sandbox.users.get(int(user_id))
        if user is None:
            raise DiscordError(404, 10013, "Unknown User")
        return user.payload()

    async def create_dm(self, *, body: Any, **_: Any) -> Any:
        user = self.sandbox.users.get(int(body.get("recipient_id", 0)))
        if user is None:
            raise DiscordError(400, 50035, "Invalid Form Body")
        return self.sandbox.dm_channel(user).payload(self.sandbox.users)

    # -- guild scheduled events ----------------------------------------------------------------------

    def _event(self, guild_id: str, event_id: str) -> dict[str, Any]:
        self._guild(guild_id)
        event = self.sandbox.scheduled_events.get(int(event_id))
        if event is None or event["guild_id"] != guild_id:
            raise DiscordError(404, 10070, "Unknown Guild Scheduled Event")
        return event

    async def list_events(self, guild_id: str, **_: Any) -> Any:
        self._guild(guild_id)
        return [e for e in self.sandbox.scheduled_events.values() if e["guild_id"] == guild_id]

    async def create_event(self, guild_id: str, *, body: Any, **_: Any) -> Any:
        self._require("create_events", self._guild(guild_id))
        name = body.get("name", "")
        if not 1 <= len(name) <= 100:
            self._check("scheduled event", [f"name: {len(name)} characters, must be 1 to 100"])
        event_id = self.sandbox.ids.next(self.sandbox.now())
        event = {
            "id": str(event_id),
            "guild_id": guild_id,
            "channel_id": body.get("channel_id"),
            "creator_id": str(self.sandbox.bot_user.id),
            "creator": self.sandbox.bot_user.payload(),
            "name": name,
            "description": body.get("description"),
            "scheduled_start_time": body.get("scheduled_start_time"),
            "scheduled_end_time": body.get("scheduled_end_time"),
            "privacy_level": body.get("privacy_level", 2),
            "status": 1,
            "entity_type": body.get("entity_type"),
            "entity_id": None,
            "entity_metadata": body.get("entity_metadata"),
            "user_count": 0,
            "image": None,
            "recurrence_rule": None,
            "guild_scheduled_event_exceptions": [],
        }
        self.sandbox.scheduled_events[event_id] = event
        await self.sandbox.gateway.dispatch("GUILD_SCHEDULED_EVENT_CREATE", event, guild_id=int(guild_id))
        return event

    async def get_event(self, guild_id: str, event_id: str, **_: Any) -> Any:
        return self._event(guild_id, event_id)

    def _may_manage(self, event: dict[str, Any]) -> None:
        # Create Events also covers editing and deleting the events the bot created itself.
        bot_id, guild = self.sandbox.bot_user.id, self._guild(event["guild_id"])
        own = event["creator_id"] == str(bot_id)
        may_create = self.sandbox.permissions(bot_id, guild) & Permissions(create_events=True).value
        self._require("create_events" if own and may_create else "manage_events", guild)

    async def edit_event(self, guild_id: str, event_id: str, *, body: Any, **_: Any) -> Any:
        event = self._event(guild_id, event_id)
        self._may_manage(event)
        event.update({k: v for k, v in body.items() if k in event})
        await self.sandbox.gateway.dispatch("GUILD_SCHEDULED_EVENT_UPDATE", event, guild_id=int(guild_id))
        return event

    async def delete_event(self, guild_id: str, event_id: str, **_: Any) -> None:
        event = self._event(guild_id, event_id)
        self._may_manage(event)
        del self.sandbox.scheduled_events[int(event_id)]
        await self.sandbox.gateway.dispatch("GUILD_SCHEDULED_EVENT_DELETE", event, guild_id=int(guild_id))
