"""The stand-in itself: its guilds (one by default), their users and channels, and what each of them sees.

`Sandbox` owns the state and the user actions (run a command, click a button, post, wait); the
gateway and REST halves (gateway.py, rest.py) talk to the bot.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import re
from collections.abc import Callable, Coroutine, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import discord
import yarl
from aiohttp import web

from bot.core.clock import VirtualClock
from bot.sandbox.commands import ScriptError, command_data
from bot.sandbox.gateway import MAX_GUILDS_PER_SHARD, Gateway, Intent, Session
from bot.sandbox.ids import Snowflakes, token
from bot.sandbox.limits import MEMBER_CONTENT_MAX
from bot.sandbox.links import Links
from bot.sandbox.mentions import pinged
from bot.sandbox.observe import Observation, button_labels, visible_embeds
from bot.sandbox.world import (
    EVERYONE,
    MODERATOR,
    Channel,
    ChannelType,
    Guild,
    Interaction,
    Member,
    Message,
    Role,
    User,
    Webhook,
)

log = logging.getLogger(__name__)

GUILD_NAME = "Heartstopper Fans"
ADMIN = "admin"  # the one scripted user with Manage Server (in every guild they join)
GUILDS_PER_SHARD = 1000  # Discord recommends a shard per this many guilds (GET /gateway/bot's `shards`)
# Identifies allowed at once (GET /gateway/bot's session_start_limit): Discord's value for bots approved for
# large bot sharding, so a bot runs its sandbox shards without waiting 5 s between them (the sandbox does not
# hold clients to the identify rate).
MAX_CONCURRENCY = 16
EPHEMERAL = 1 << 6
LOADING = 1 << 7
ACK_WINDOW = timedelta(seconds=3)
IDLE_TIMEOUT = 10.0  # seconds `idle` waits for the bot to finish before it fails
IDLE_POLL = 0.002  # seconds between looks at what tells no one when it is done (see `idle`)
TOKEN_LIFETIME = timedelta(minutes=15)
# privileged intents the simulated application may have enabled, by their application flag
APPLICATION_FLAGS = {"presences": 1 << 13, "members": 1 << 15, "message_content": 1 << 19}


def numbered(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Components as Discord stores them: each row and child gets an `id`, counting from 1."""
    counter = 0

    def number(component: dict[str, Any]) -> dict[str, Any]:
        nonlocal counter
        counter += 1
        numbered_component = {**component, "id": component.get("id") or counter}
        if "components" in component:
            numbered_component["components"] = [number(child) for child in component["components"]]
        return numbered_component

    return [number(component) for component in components]


def _member_may_post(text: str) -> None:
    if len(text) > MEMBER_CONTENT_MAX:
        raise ScriptError(
            f"a message of {len(text)} characters: members may post {MEMBER_CONTENT_MAX} at most (with Nitro)"
        )


class DiscordError(Exception):
    """An error answer exactly as Discord gives it: HTTP status, JSON error code, message."""

    def __init__(self, status: int, code: int, message: str, errors: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.errors = status, code, message, errors

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors:
            body["errors"] = self.errors
        return body


class Sandbox:
    def __init__(
        self,
        *,
        clock: VirtualClock | None = None,
        privileged_intents: Iterable[str] = ("message_content",),
        bot_permissions: int | None = None,
        spec: Any = None,
        check_responses: bool = False,
        max_guilds_per_shard: int = MAX_GUILDS_PER_SHARD,
        max_concurrency: int = MAX_CONCURRENCY,
    ) -> None:
        self.clock = clock or VirtualClock()
        self.spec = spec  # an OpenApiSpec, or None where the spec file is absent
        self.check_responses = check_responses  # also hold the sandbox's own answers to the spec
        self.max_concurrency = max_concurrency  # GET /gateway/bot's: shards that may identify at once
        self.ids = Snowflakes()
        self.application_id = self.ids.next()
        self.bot_user = User(self.ids.next(), "heartbot", bot=True)
        self.token = (
            base64.b64encode(str(self.bot_user.id).encode()).decode().rstrip("=") + ".sandbox." + token(38)
        )
        self.application_flags = sum(APPLICATION_FLAGS[name] for name in set(privileged_intents))
        self.users: dict[int, User] = {self.bot_user.id: self.bot_user}
        self._users_by_name: dict[str, User] = {self.bot_user.name: self.bot_user}
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        self._channels_by_name: dict[str, Channel] = {}  # text channels and threads (see _find_channel)
        # the default guild: where users join on first use and channels are made unless told otherwise
        self.guild = self._new_guild(GUILD_NAME, self._new_user("owner"), bot_permissions or 0)
        self.moderator_role, self.bot_role = self.guild.moderator_role, self.guild.bot_role
        self.messages: dict[int, Message] = {}
        self.interactions: dict[int, Interaction] = {}
        self.interactions_by_token: dict[str, Interaction] = {}  # callbacks and webhooks name them so
        self.webhooks: dict[int, Webhook] = {}
        self.scheduled_events: dict[int, dict[str, Any]] = {}
        self.commands: dict[int | None, list[dict[str, Any]]] = {}  # by guild id, None = global
        self.command_syncs: list[tuple[int | None, list[dict[str, Any]]]] = []
        self.requests: list[tuple[str, str, Any]] = []  # method, path, body: everything the bot sent
        self.observations: list[Observation] = []
        self.violations: list[str] = []
        self.in_flight = 0  # requests the REST half is still answering
        self.http_connections: set[object] = set()  # every connection a request has come over
        self._changed = asyncio.Event()  # set and replaced on every change; waiters re-check their predicate
        self._watched: list[Callable[[], list[str]]] = []  # what clients report still under way, in words
        self.gateway = Gateway(
            token=lambda: self.token,
            application_flags=lambda: self.application_flags,
            ready=self._ready_payloads,
            violation=self.violation,
            changed=self.changed,
            guild_ids=lambda: self.guilds.keys(),
            max_guilds_per_shard=max_guilds_per_shard,
        )
        self._tasks: set[asyncio.Task[None]] = set()
        self.links = Links(self)  # bots run as processes of their own
        self.channel("general")
        self._runner: web.AppRunner | None = None
        self.rest: Any = None  # the RestApi, once started
        self.api_url = self.gateway_url = ""
        self._restore: Callable[[], None] | None = None

    # -- lifecycle -----------------------------------------------------------------------------------

    async def start(self) -> None:
        from bot.sandbox.rest import RestApi  # rest imports this module

        app = web.Application(client_max_size=32 * 1024 * 1024)
        app.router.add_get("/gateway", self.gateway.handle)
        self.rest = RestApi(self)
        self.links.routes(app)
        app.router.add_route("*", "/api/v10/{tail:.*}", self.rest.handle)
        app.router.add_route("*", "/{tail:.*}", self._unknown)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.api_url = f"http://127.0.0.1:{port}/api/v10"
        self.gateway_url = self.gateway.url = f"ws://127.0.0.1:{port}/gateway"

    async def stop(self) -> None:
        self.disconnect_discord_py()
        self.links.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def connect_discord_py(self) -> None:
        """Point discord.py's REST base and default gateway here (the only two places it needs)."""
        previous = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
        discord.http.Route.BASE = self.api_url
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)

        def restore() -> None:
            discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = previous

        self._restore = restore

    def disconnect_discord_py(self) -> None:
        if self._restore is not None:
            self._restore()
            self._restore = None

    def fail_requests(self, method: str, pattern: str, status: int, *, times: int = 1) -> None:
        """Answer the next `times` requests matching `pattern` with `status` (429, a 4xx with Discord's
        error code for it, or a 5xx), or with no answer at all for `rest.DROP` (a network failure)."""
        from bot.sandbox.rest import Fault

        self.rest.faults.append(Fault(method, re.compile(pattern), status, times))

    async def __aenter__(self) -> Sandbox:
        await self.start()
        self.connect_discord_py()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _unknown(self, request: web.Request) -> web.Response:
        self.violation(f"unknown route {request.method} {request.path}")
        body = b'{"message": "404: Not Found", "code": 0}'
        return web.Response(status=404, body=body, headers={"Content-Type": "application/json"})

    # -- bookkeeping ---------------------------------------------------------------------------------

    def violation(self, text: str) -> None:
        log.info("sandbox: %s", text)
        self.violations.append(text)
        self.changed()

    def note_request(self, method: str, path: str, body: Any) -> None:
        self.requests.append((method, path, body))
        self.changed()

    def changed(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Wait (in real time) until `predicate()` holds; it is re-checked after every change."""
        async with asyncio.timeout(timeout):
            while not predicate():
                await self._changed.wait()

    def watch(self, under_way: Callable[[], list[str]]) -> Callable[[], None]:
        """Count what `under_way()` reports (a connected bot's unread events, running handlers, due timers)
        as work `idle` waits for; the returned function stops watching."""
        self._watched.append(under_way)
        return lambda: self._watched.remove(under_way)

    def under_way(self) -> list[str]:
        """Everything still happening, in words; empty once the sandbox and every watched client are idle."""
        work = [f"{self.in_flight} request(s) being answered"] if self.in_flight else []
        if self._tasks:
            work.append(f"{len(self._tasks)} sandbox dispatch(es) not yet sent")
        for under_way in self._watched:
            work += under_way()
        return work

    async def idle(self, timeout: float = IDLE_TIMEOUT) -> None:
        """Wait until nothing is under way: no request being answered, no gateway event the bot has not
        read, no handler running in it and no timer due. A signal, not a quiet spell: it returns as soon as
        all is done, and raises TimeoutError naming what is still busy after `timeout` seconds."""
        work = self.under_way()
        try:
            async with asyncio.timeout(timeout):
                while work:
                    # A bot reading a frame or finishing a handler tells no one: look again soon.
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._changed.wait(), IDLE_POLL)
                    work = self.under_way()
        except TimeoutError:
            raise TimeoutError(f"still under way after {timeout:g} seconds: {'; '.join(work)}") from None
        self._pending_acks()  # interactions left unanswered are violations by now

    def _pending_acks(self) -> list[Interaction]:
        now = self.clock.now()
        pending = []
        for interaction in self.interactions.values():
            if interaction.acknowledged_at is None and interaction.response_type is None:
                if now - interaction.created_at <= ACK_WINDOW:
                    pending.append(interaction)
                elif not interaction.expired:
                    interaction.expired = True
                    self.violation(f"interaction {interaction.id} was not acknowledged within 3 seconds")
        return pending

    # -- guilds, their people and places -------------------------------------------------------------

    def _new_guild(self, name: str, owner: User, bot_permissions: int) -> Guild:
        """A guild with @everyone, Moderators and the bot holding its own role, as its invite made it."""
        guild_id = self.ids.next_guild()
        guild = Guild(guild_id, name, owner_id=owner.id, created_at=self.clock.now())
        moderators = Role(self.ids.next(), "Moderators", MODERATOR, 2)
        bot_role = Role(self.ids.next(), "heartbot", bot_permissions, 1)
        for role in (Role(guild_id, "@everyone", EVERYONE, 0), moderators, bot_role):
            guild.roles[role.id] = role
        guild.moderator_role_id, guild.bot_role_id = moderators.id, bot_role.id
        self.guilds[guild_id] = guild
        self.join(owner.name, guild)
        guild.members[self.bot_user.id] = Member(self.bot_user, [bot_role.id], self.clock.now())
        return guild

    def add_guild(self, name: str, channels: Sequence[str] = ("general",), owner: str | None = None) -> Guild:
        """Another guild, with its text channels and its owner (`owner-2` for the second guild, unless
        named), the bot in it with the permissions it has in the first. Channels are known by name across
        the sandbox, so a name taken anywhere is refused. A connected bot gets GUILD_CREATE, as when it
        joins a server on Discord."""
        taken = [n for n in channels if self._find_channel(n) is not None or list(channels).count(n) > 1]
        if taken:
            raise ScriptError(f"a channel is already named {taken[0]!r}: channel names are unique here")
        owner_name = owner or f"owner-{len(self.guilds) + 1}"
        owner_user = self._find_user(owner_name) or self._new_user(owner_name)
        guild = self._new_guild(name, owner_user, self.bot_role.permissions)
        for channel_name in channels:
            self._new_channel(channel_name, guild, announce=False)
        if self.gateway.sessions:
            payload = guild.payload(guild.members[self.bot_user.id].joined_at)
            self._background(
                self.gateway.dispatch(
                    "GUILD_CREATE", lambda i: payload if i & Intent.GUILDS else None, guild_id=guild.id
                )
            )
        return guild

    def guild_of(self, channel: Channel) -> Guild | None:
        """The guild a channel or thread is in; None for a DM."""
        return self.guilds.get(channel.guild_id) if channel.guild_id else None

    def guild_of_role(self, role: Role) -> Guild:
        return next(guild for guild in self.guilds.values() if role.id in guild.roles)

    def _new_user(self, name: str) -> User:
        user = User(self.ids.next(), name)
        self.users[user.id] = user
        self._users_by_name.setdefault(name, user)
        return user

    def _find_user(self, name: str) -> User | None:
        return self._users_by_name.get(name)

    def user(self, name: str, guild: Guild | None = None) -> User:
        """A user by name, joining `guild` (the default guild) on first use; `admin` gets Manage Server."""
        user = self._find_user(name)
        if user is None:
            user = self._new_user(name)
            self.join(name, guild or self.guild)
        return user

    def join(self, user_name: str, guild: Guild) -> Member:
        """`user_name` joins `guild` (a new user joins only it); a member already stays as they are. The bot
        is not told: it asks for no GUILD_MEMBERS intent, and interactions and messages carry the member."""
        user = self._find_user(user_name) or self._new_user(user_name)
        if user.id not in guild.members:
            roles = [guild.moderator_role_id] if user_name == ADMIN else []
            guild.members[user.id] = Member(user, roles, self.clock.now())
        return guild.members[user.id]

    def _acting(self, user_name: str, channel_name: str) -> tuple[User, Channel]:
        """The user acting in a channel, who joins its guild first if they are not in it, and the channel
        (a missing one is made in the default guild)."""
        found = self._find_channel(channel_name)
        user = self.join(user_name, (self.guild_of(found) if found else None) or self.guild).user
        return user, found or self.channel(channel_name)

    def _find_channel(self, name: str) -> Channel | None:
        """A text channel or thread by name (names are unique across the sandbox; the first one kept)."""
        return self._channels_by_name.get(name)

    def _named(self, channel: Channel) -> None:
        self.channels[channel.id] = channel
        self._channels_by_name.setdefault(channel.name, channel)

    def channel(self, name: str, guild: Guild | None = None) -> Channel:
        """A text channel (or an existing thread) by name, in whichever guild it is; a missing channel is
        created (in `guild`, else the default guild) and announced."""
        return self._find_channel(name) or self._new_channel(name, guild or self.guild)

    def _new_channel(self, name: str, guild: Guild, *, announce: bool = True) -> Channel:
        channel = Channel(self.ids.next(), name, ChannelType.TEXT, guild.id, position=len(guild.channels))
        self._named(channel)
        guild.channels[channel.id] = channel
        if announce and self.gateway.sessions:
            payload = channel.payload()
            self._background(
                self.gateway.dispatch(
                    "CHANNEL_CREATE", lambda i: payload if i & Intent.GUILDS else None, guild_id=guild.id
                )
            )
        return channel

    async def settle_background(self) -> None:
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def _background(self, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` soon, keeping a reference and logging its failure (for callers that cannot await)."""
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)

        def finished(done: asyncio.Task[None]) -> None:
            self._tasks.discard(done)
            if not done.cancelled() and done.exception() is not None:
                log.error("sandbox background work failed", exc_info=done.exception())

        task.add_done_callback(finished)

    def dm_channel(self, user: User) -> Channel:
        for channel in self.channels.values():
            if channel.type == ChannelType.DM and channel.recipient_id == user.id:
                return channel
        channel = Channel(self.ids.next(), f"@{user.name}", ChannelType.DM, recipient_id=user.id)
        self.channels[channel.id] = channel
        return channel

    def permissions(self, user_id: int, guild: Guild | None = None) -> int:
        """What a user may do in `guild` (the default guild)."""
        return (guild or self.guild).permissions(user_id)

    # Resolver, for command options that name users, channels and roles (in the default guild, or the
    # guild a `GuildResolver` names)
    def resolve_user(
        self, name: str, guild: Guild | None = None
    ) -> tuple[dict[str, Any], dict[str, Any] | None]:
        guild = guild or self.guild
        user = self.user(name, guild)
        if user.id not in guild.members:  # Discord resolves a user who is not in the server without `member`
            return user.payload(), None
        member = guild.members[user.id].payload(with_user=False)
        member["permissions"] = str(self.permissions(user.id, guild))
        return user.payload(), member

    def resolve_channel(self, name: str, guild: Guild | None = None) -> dict[str, Any]:
        return self._with_bot_permissions(self.channel(name, guild))

    def _with_bot_permissions(self, channel: Channel) -> dict[str, Any]:
        """A guild channel as interactions carry it: with what the bot may do there."""
        permissions = self.permissions(self.bot_user.id, self.guild_of(channel))
        return {**channel.payload(), "permissions": str(permissions)}

    def resolve_role(self, name: str, guild: Guild | None = None) -> dict[str, Any] | None:
        role = (guild or self.guild).role_named(name)
        return role.payload() if role else None

    def _ready_payloads(self, session: Session) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """READY and the GUILD_CREATEs for a session: the guilds on its shard alone."""
        guilds = [guild for guild in self.guilds.values() if session.receives(guild.id)]
        ready = {
            "v": 10,
            "user": {**self.bot_user.payload(), "verified": True, "mfa_enabled": False, "flags": 0},
            "guilds": [{"id": str(guild.id), "unavailable": True} for guild in guilds],
            "application": {"id": str(self.application_id), "flags": self.application_flags},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "geo_ordered_rtc_regions": [],
            "_trace": ["heartbot-sandbox"],
        }
        return ready, [guild.payload(guild.members[self.bot_user.id].joined_at) for guild in guilds]

    # -- messages: every change is dispatched to the bot and observed by the users who can see it ----

    def channel_label(self, channel: Channel) -> str | None:
        return None if channel.type == ChannelType.DM else channel.name

    def _audience(self, message: Message, channel: Channel) -> str:
        if message.visible_to is not None:
            return self.users[message.visible_to].name
        if channel.type == ChannelType.DM and channel.recipient_id is not None:
            return self.users[channel.recipient_id].name
        return "everyone"

    async def observe(self, message: Message, action: str) -> None:
        channel = self.channels[message.channel_id]
        guild = self.guild_of(channel)
        pings = [self.users[u].name for u in message.pinged if u in self.users] if action == "send" else []
        self.observations.append(
            Observation(
                at=self.clock.now(),
                channel=self.channel_label(channel),
                visible_to=self._audience(message, channel),
                author=message.author.get("username", "?"),
                action=action,
                message=message.id,
                content=message.content,
                embeds=visible_embeds(message.embeds),
                buttons=button_labels(message.components),
                pings=pings,
                guild_id=guild.id if guild else None,
            )
        )
        self.changed()

    def _gateway_shape(self, message: Message) -> Callable[[int], dict[str, Any] | None]:
        """MESSAGE_CREATE/UPDATE as a session with these intents receives it (the message-content rule)."""
        channel = self.channels[message.channel_id]
        guild = self.guild_of(channel)
        dm = channel.type == ChannelType.DM

        def shape(intents: int) -> dict[str, Any] | None:
            if not intents & (Intent.DIRECT_MESSAGES if dm else Intent.GUILD_MESSAGES):
                return None
            data = message.payload()
            if guild is not None and not dm and message.author_id in guild.members:
                data["member"] = guild.members[message.author_id].payload(with_user=False)
            keeps_content = (
                dm
                or intents & Intent.MESSAGE_CONTENT
                or message.author_id == self.bot_user.id
                or self.bot_user.id in message.mention_ids
            )
            if not keeps_content:
                data.update(content="", embeds=[], attachments=[], components=[])
            return data

        return shape

    async def add_message(self, message: Message) -> Message:
        self.messages[message.id] = message
        if message.visible_to is None and not message.loading:
            await self.gateway.dispatch(
                "MESSAGE_CREATE", self._gateway_shape(message), guild_id=message.guild_id
            )
        if not message.loading:
            await self.observe(message, "send")
        return message

    async def edit_message(self, message: Message, changes: dict[str, Any]) -> Message:
        for key in ("content", "embeds", "components"):
            if key in changes and changes[key] is not None:
                setattr(message, key, numbered(changes[key]) if key == "components" else changes[key])
        if "flags" in changes and changes["flags"] is not None:
            message.flags = (message.flags & EPHEMERAL) | (changes["flags"] & ~EPHEMERAL)
        was_loading, message.loading = message.loading, False
        message.flags &= ~LOADING
        if not was_loading:
            message.edited_at = self.clock.now()
        if message.visible_to is None:
            event = "MESSAGE_CREATE" if was_loading else "MESSAGE_UPDATE"
            await self.gateway.dispatch(event, self._gateway_shape(message), guild_id=message.guild_id)
        await self.observe(message, "send" if was_loading else "edit")
        return message

    async def delete_message(self, message: Message) -> None:
        self.messages.pop(message.id, None)
        if message.visible_to is None:
            channel = self.channels[message.channel_id]
            data = {"id": str(message.id), "channel_id": str(message.channel_id)}
            if channel.guild_id:
                data["guild_id"] = str(channel.guild_id)
            intent = Intent.DIRECT_MESSAGES if channel.type == ChannelType.DM else Intent.GUILD_MESSAGES
            await self.gateway.dispatch(
                "MESSAGE_DELETE", lambda i: data if i & intent else None, guild_id=channel.guild_id
            )
        await self.observe(message, "delete")

    def new_message(
        self, channel: Channel, author: dict[str, Any], body: dict[str, Any], **extra: Any
    ) -> Message:
        flags = body.get("flags") or 0
        content = body.get("content") or ""
        guild = self.guild_of(channel)
        pings = [] if flags & EPHEMERAL else pinged(content, body.get("allowed_mentions"), guild)
        return Message(
            id=self.ids.next(self.clock.now()),
            channel_id=channel.id,
            guild_id=channel.guild_id,
            author=author,
            content=content,
            embeds=body.get("embeds") or [],
            components=numbered(body.get("components") or []),
            flags=flags,
            created_at=self.clock.now(),
            pinged=pings,
            **extra,
        )

    def refuse_dms(self, user_name: str) -> None:
        """`user_name` turns off DMs from server members: the bot's DMs to them fail (50007)."""
        self.user(user_name).accepts_dms = False

    # -- what users do -------------------------------------------------------------------------------

    async def say(self, user_name: str, text: str, channel_name: str = "general") -> Message:
        """`user_name` posts `text` in a channel (up to 4000 characters, as a member with Nitro may)."""
        _member_may_post(text)
        user, channel = self._acting(user_name, channel_name)
        mentions = [self.bot_user.id] if f"<@{self.bot_user.id}>" in text else []
        message = self.new_message(channel, user.payload(), {"content": text}, mention_ids=mentions)
        await self.settle_background()
        return await self.add_message(message)

    async def edit(self, user_name: str, message: Message, text: str) -> Message:
        """`user_name` edits their own message."""
        if message.author_id != self.user(user_name).id:
            raise ScriptError(f"{user_name} can only edit their own messages")
        _member_may_post(text)
        return await self.edit_message(message, {"content": text})

    async def start_thread(self, user_name: str, name: str, channel_name: str = "general") -> Channel:
        """`user_name` starts a public thread in a channel."""
        user, parent = self._acting(user_name, channel_name)
        thread = self.new_thread(parent, name, user)
        payload = {**thread.payload(), "newly_created": True}
        await self.settle_background()
        await self.gateway.dispatch(
            "THREAD_CREATE", lambda i: payload if i & Intent.GUILDS else None, guild_id=thread.guild_id
        )
        return thread

    def new_thread(self, parent: Channel, name: str, owner: User) -> Channel:
        """A public thread under `parent`, in the parent's guild."""
        guild = self.guild_of(parent) or self.guild
        thread = Channel(
            self.ids.next(self.clock.now()),
            name,
            ChannelType.PUBLIC_THREAD,
            guild.id,
            parent_id=parent.id,
            owner_id=owner.id,
        )
        self._named(thread)
        guild.channels[thread.id] = thread
        return thread

    async def set_bot_permissions(self, value: int, guild: Guild | None = None) -> None:
        """Change what the bot's role allows (in the default guild), as a server admin would."""
        await self.set_role_permissions((guild or self.guild).bot_role, value)

    async def set_role_permissions(self, role: Role, value: int) -> None:
        role.permissions = value
        guild = self.guild_of_role(role)
        data = {"guild_id": str(guild.id), "role": role.payload()}
        await self.gateway.dispatch(
            "GUILD_ROLE_UPDATE", lambda i: data if i & Intent.GUILDS else None, guild_id=guild.id
        )

    def member(self, user_name: str, guild: Guild | None = None) -> Member:
        """`user_name` as a member of `guild` (the default guild), for what an admin does to them there."""
        guild = guild or self.guild
        user = self.user(user_name, guild)
        if user.id not in guild.members:
            raise ScriptError(f"{user_name} is not a member of {guild.name}")
        return guild.members[user.id]

    async def give_role(self, user_name: str, role_name: str, guild: Guild | None = None) -> Role:
        """An admin gives `user_name` a role (made, with no permissions, if the server lacks it) in `guild`
        (the default guild)."""
        guild = guild or self.guild
        member = self.member(user_name, guild)
        role = next((r for r in guild.roles.values() if r.name == role_name), None)
        if role is None:
            role = Role(self.ids.next(), role_name, 0, len(guild.roles))
            guild.roles[role.id] = role
            data = {"guild_id": str(guild.id), "role": role.payload()}
            await self.gateway.dispatch(
                "GUILD_ROLE_CREATE", lambda i: data if i & Intent.GUILDS else None, guild_id=guild.id
            )
        member.role_ids.append(role.id)
        return role

    def take_role(self, user_name: str, role_name: str, guild: Guild | None = None) -> Role:
        """An admin takes a role from `user_name` in `guild` (the default guild); the bot hears of it in the
        next interaction's member."""
        guild = guild or self.guild
        roles = self.member(user_name, guild).role_ids
        role = next((guild.roles[r] for r in roles if guild.roles[r].name == role_name), None)
        if role is None:
            raise ScriptError(f"{user_name} does not have the role @{role_name}")
        roles.remove(role.id)
        return role

    def commands_for(self, guild_id: int | None) -> list[dict[str, Any]]:
        return self.commands.get(guild_id, []) + self.commands.get(None, [])

    async def run_command(
        self, user_name: str, text: str | list[str], channel_name: str = "general"
    ) -> Interaction:
        """`user_name` runs a slash command, e.g. `progress set episode:S2E3` (or its words, already split),
        as the Discord client would, in the channel's guild."""
        user, channel = self._acting(user_name, channel_name)
        data = command_data(self.commands_for(channel.guild_id), text, self._resolver(channel))
        return await self._interact(2, user, channel, data)

    async def run_dm_command(self, user_name: str, text: str | list[str]) -> Interaction:
        """`user_name` runs a slash command in their DM with the bot (a global one: there is no guild)."""
        user = self.user(user_name)
        channel = self.dm_channel(user)
        data = command_data(self.commands_for(None), text, self._resolver(channel))
        return await self._interact(2, user, channel, data)

    def _resolver(self, channel: Channel) -> GuildResolver:
        return GuildResolver(self, self.guild_of(channel) or self.guild)

    async def autocomplete(
        self, user_name: str, text: str, channel_name: str = "general"
    ) -> list[dict[str, Any]]:
        """The choices the bot offers while `user_name` types the last option of `text`."""
        user, channel = self._acting(user_name, channel_name)
        data = command_data(
            self.commands_for(channel.guild_id), text, self._resolver(channel), autocomplete=True
        )
        interaction = await self._interact(4, user, channel, data)
        await self.acknowledged(interaction)
        return interaction.autocomplete_choices or []

    async def apply(self, user_name: str, app_command: str, message: Message) -> Interaction:
        """`user_name` picks an app command from a message's menu (Apps > ...), as Discord would."""
        channel = self.channels[message.channel_id]
        guild = self.guild_of(channel)
        user = self.join(user_name, guild).user if guild else self.user(user_name)
        commands = self.commands_for(channel.guild_id)
        command = next((c for c in commands if c["name"] == app_command and c.get("type") == 3), None)
        if command is None:
            raise ScriptError(f"there is no message command {app_command!r}")
        data = {
            "id": command["id"],
            "name": command["name"],
            "type": 3,
            "target_id": str(message.id),
            "resolved": {"messages": {str(message.id): message.payload()}},
        }
        return await self._interact(2, user, channel, data)

    async def delete_webhooks(self) -> None:
        """A server admin deletes every webhook (the shield must make its own again)."""
        self.webhooks.clear()

    async def click(self, user_name: str, label: str, channel_name: str | None = None) -> Interaction:
        """`user_name` presses the button labelled `label` on the newest message they can see with one
        (in `channel_name`, whose guild they join first if need be)."""
        user = self.user(user_name) if channel_name is None else self._acting(user_name, channel_name)[0]
        for message in reversed(list(self.messages.values())):
            channel = self.channels[message.channel_id]
            if channel_name is not None and channel.name != channel_name:
                continue
            if message.visible_to not in (None, user.id) or message.loading:
                continue
            if (guild := self.guild_of(channel)) is not None and user.id not in guild.members:
                continue
            for row in message.components:
                for button in row.get("components", []):
                    if button.get("type") == 2 and button.get("label") == label and "custom_id" in button:
                        if button.get("disabled"):
                            raise ScriptError(f"the button {label!r} is disabled")
                        data = {"custom_id": button["custom_id"], "component_type": 2}
                        return await self._interact(3, user, channel, data, message)
        raise ScriptError(f"{user_name} sees no button labelled {label!r}")

    async def _interact(
        self, kind: int, user: User, channel: Channel, data: dict[str, Any], message: Message | None = None
    ) -> Interaction:
        interaction_id = self.ids.next(self.clock.now())
        guild = self.guild_of(channel)
        # a DM reaches the bot's guild install, which the sandbox files under the default guild
        owner_guild = guild or self.guild
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(self.application_id),
            "type": kind,
            "token": token(),
            "version": 1,
            "attachment_size_limit": 10 * 1024 * 1024,
            "channel_id": str(channel.id),
            "channel": self._with_bot_permissions(channel) if guild else channel.payload(self.users),
            "app_permissions": str(self.permissions(self.bot_user.id, owner_guild)),
            "locale": user.locale,
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(owner_guild.id)},
            "context": 0,
            "data": data,
        }
        if guild is not None:
            member = guild.members[user.id].payload()
            member["permissions"] = str(self.permissions(user.id, guild))
            payload.update(guild_id=str(guild.id), guild_locale="en-GB", member=member)
        else:
            payload.update(user=user.payload(), context=1)
        if message is not None:
            payload["message"] = message.payload()
        interaction = Interaction(
            id=interaction_id,
            token=payload["token"],
            type=kind,
            user_id=user.id,
            channel_id=channel.id,
            guild_id=channel.guild_id,
            created_at=self.clock.now(),
            payload=payload,
            source_message_id=message.id if message else None,
        )
        self.interactions[interaction_id] = interaction
        self.interactions_by_token[interaction.token] = interaction
        await self.settle_background()  # channels the options named reach the bot before the interaction
        await self.gateway.dispatch("INTERACTION_CREATE", payload, guild_id=channel.guild_id)
        return interaction

    async def acknowledged(self, interaction: Interaction, timeout: float = 3.5) -> None:
        """Wait until the bot acknowledged `interaction`; Discord gives it 3 seconds."""
        try:
            await self.wait_for(lambda: interaction.response_type is not None, timeout)
        except TimeoutError:
            self._pending_acks()
            raise

    async def advance(self, delta: timedelta) -> None:
        """Move the bot's clock forward; its timers fire as if the time had passed."""
        self.clock.advance(delta)
        self.changed()

    def seen_by(self, user_name: str) -> list[Observation]:
        """What `user_name` sees: in DMs what is theirs, in guilds what their guilds' channels show (a user
        not made yet would join the default guild)."""
        user = self._find_user(user_name)
        guilds = {g.id for g in self.guilds.values() if user.id in g.members} if user else {self.guild.id}
        return [
            o
            for o in self.observations
            if o.seen_by(user_name) and (o.guild_id is None or o.guild_id in guilds)
        ]

    def now(self) -> datetime:
        return self.clock.now()


@dataclass
class GuildResolver:
    """What command options name, looked up in the guild the command runs in."""

    sandbox: Sandbox
    guild: Guild

    def resolve_user(self, name: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
        return self.sandbox.resolve_user(name, self.guild)

    def resolve_channel(self, name: str) -> dict[str, Any]:
        return self.sandbox.resolve_channel(name, self.guild)

    def resolve_role(self, name: str) -> dict[str, Any] | None:
        return self.sandbox.resolve_role(name, self.guild)
