"""The Bot subclass: loads the cogs, syncs commands when they changed, carries the services."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

import aiohttp
import discord
from discord.ext import commands

from bot.canon import Canon
from bot.canon.lexicon import Lexicon, load_lexicon
from bot.core.changes import Changes
from bot.core.clock import Clock, SystemClock
from bot.core.command_sync import sync_command_tree
from bot.core.command_sync_repository import CommandSyncRepository
from bot.core.database import Database
from bot.core.logs import quiet_voice_warnings
from bot.core.processes import instance_name
from bot.core.settings import Settings
from bot.core.shard_slice import EVERY_SERVER, ShardSlice
from bot.core.sharding import IdentifyPacer
from bot.core.timers import TimerDispatcher
from bot.core.timers_repository import TimerRepository
from bot.core.tree import HeartTree
from bot.lookups.service import LookupService
from bot.parties.repository import PartyRepository
from bot.parties.service import PartyService
from bot.privacy.service import PrivacyService
from bot.progress.channel_levels import SpoilerLevelService
from bot.progress.channel_levels_repository import SpoilerLevelRepository
from bot.progress.repository import ProgressRepository
from bot.progress.service import ProgressService
from bot.shield.repository import ShieldRepository
from bot.shield.semantic import ShieldReader, load_shield_reader
from bot.shield.service import ShieldService
from bot.times.repository import TimezoneRepository
from bot.times.service import TimezoneService

log = logging.getLogger(__name__)

# Loaded in this order; one failing extension is logged and skipped.
EXTENSIONS: tuple[str, ...] = (
    "cogs.meta",
    "cogs.progress",
    "cogs.lookups",
    "cogs.config",
    "cogs.privacy",
    "cogs.shield",
    "cogs.timezone",
    "cogs.watchparty",
)


# What the invite link asks for (README): channel posts, and later the shield's reposts and watch parties.
INVITE_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    embed_links=True,
    create_public_threads=True,
    manage_messages=True,
    manage_webhooks=True,
    create_events=True,
    manage_events=True,
)


def required_intents() -> discord.Intents:
    """Only what the features use. Message content (privileged) is for the spoiler shield alone: where the
    application has not enabled it, the bot starts without it and without the shield."""
    intents = discord.Intents.none()
    intents.guilds = True  # guild, channel, thread and permission cache behind interactions
    intents.guild_messages = True  # the shield reads new and edited messages
    intents.message_content = True
    return intents


HTTP_CONNECTIONS = 32  # at once, to Discord's API


def shard_slice(settings: Settings) -> ShardSlice:
    if settings.shard_count is None or settings.shard_ids is None:
        return EVERY_SERVER
    return ShardSlice(settings.shard_count, tuple(settings.shard_ids))


def message_content_enabled(application: discord.AppInfo) -> bool:
    """Whether the application may ask for message content: the Developer Portal's switch sets one of these
    flags (the limited one for bots in under 100 servers); Discord refuses the intent (4014) otherwise."""
    flags = application.flags
    return flags.gateway_message_content or flags.gateway_message_content_limited


class HeartBot(commands.AutoShardedBot):
    """The bot, as one or more shards: SHARD_COUNT and SHARD_IDS choose them, else Discord's recommendation
    and every shard in this process."""

    def __init__(
        self,
        *,
        settings: Settings,
        db: Database,
        canon: Canon,
        extensions: Sequence[str] = EXTENSIONS,
        sync_on_start: bool = True,
        clock: Clock | None = None,
        lexicon: Lexicon | None = None,
        shield_reader: ShieldReader | asyncio.Future[ShieldReader] | None = None,
        **options: Any,
    ) -> None:
        quiet_voice_warnings()
        # Kept so connect can drop message content where the application lacks it: discord.py identifies
        # with these.
        self._gateway_intents = required_intents()
        if settings.shard_ids is not None:  # else every shard of shard_count, or of Discord's recommendation
            options["shard_ids"] = list(settings.shard_ids)
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=self._gateway_intents,
            tree_cls=HeartTree,
            owner_ids=set(settings.owner_ids),
            # Nothing the bot posts pings anyone unless a feature opts in explicitly.
            allowed_mentions=discord.AllowedMentions.none(),
            # discord.py's pool has no limit: a burst of answers would open a connection (a TLS handshake
            # with Discord) for each; a bounded pool keeps reusing a few, and the rest wait their turn.
            connector=options.pop("connector", None) or aiohttp.TCPConnector(limit=HTTP_CONNECTIONS),
            shard_count=settings.shard_count,
            **options,
        )
        self.settings = settings
        self.db = db
        self.canon = canon
        self.clock: Clock = clock or SystemClock()
        self.extension_names = tuple(extensions)
        self.failed_extensions: list[str] = []
        self.sync_on_start = sync_on_start
        self._identify_pacer = IdentifyPacer(self._max_concurrency)
        self.command_sync_records = CommandSyncRepository(db)
        # What services keep in memory, forgotten when another process sharing the database changes it.
        self.changes = Changes(db)
        self.lookups = LookupService(canon)
        self.progress = ProgressService(ProgressRepository(db), canon, self.clock, changes=self.changes)
        self.spoiler_levels = SpoilerLevelService(SpoilerLevelRepository(db), self.clock, self.changes)
        # The timers of the servers on this process's shards (all of them, unless SHARD_IDS picks some).
        self.timers = TimerDispatcher(TimerRepository(db), self.clock, shard_slice(settings))
        self.timezones = TimezoneService(TimezoneRepository(db))
        # This run's name, on what it owns (drafts), so other processes can tell when it is gone.
        self.instance = instance_name()
        self.parties = PartyService(
            PartyRepository(db), self.lookups.index, self.timers, self.clock, self.instance
        )
        self._lexicon = lexicon
        # Prebuilt from `lexicon` where many bots start in one process (the sandbox's harness), else loaded.
        self._shield_reader = shield_reader
        self.shield: ShieldService  # set in setup_hook, where reading the lexicon file belongs
        self.privacy: PrivacyService  # set in setup_hook, once the shield is

    @property
    def shield_available(self) -> bool:
        """The shield needs the message-content intent, which the application may not have enabled."""
        return self.intents.message_content

    async def setup_hook(self) -> None:
        lexicon = self._lexicon or load_lexicon(self.canon)
        reader = self._shield_reader
        if reader is None:
            # The semantic reader's model takes a while to load: in a thread, while the bot connects.
            reader = asyncio.ensure_future(
                asyncio.to_thread(load_shield_reader, lexicon, self.settings, canon=self.canon)
            )
        self.shield = ShieldService(
            ShieldRepository(self.db), lexicon, reader, self.spoiler_levels, self.clock, self.changes
        )
        self.privacy = PrivacyService(self.db, self.progress, self.shield, self.timezones, self.parties)
        await self.db.announce_presence(self.instance)
        await self.changes.start()
        await self.load_extensions()  # cogs register their timer handlers as they load
        if self.sync_on_start:
            await self.sync_commands()

    async def load_extensions(self) -> None:
        for name in self.extension_names:
            try:
                await self.load_extension(name)
            except Exception:
                log.exception("Could not load extension %s; starting without it", name)
                self.failed_extensions.append(name)
            else:
                log.debug("Loaded extension %s", name)

    async def sync_commands(self, *, guild_id: int | None = None, force: bool = False) -> bool:
        """Sync to `guild_id`, else to DEV_GUILD_ID when set, else globally: one process at a time, so
        processes starting together sync once (the rest find the tree already synced)."""
        async with self.db.exclusive("command-sync"):
            return await self._sync_commands(guild_id, force)

    async def _sync_commands(self, guild_id: int | None, force: bool) -> bool:
        return await sync_command_tree(
            self.tree,
            self.command_sync_records,
            application_id=self.application_id,
            guild_id=guild_id or self.settings.dev_guild_id,
            force=force,
            now=self.clock.now,
        )

    async def close(self) -> None:
        await self.timers.stop()
        await super().close()

    async def connect(self, *, reconnect: bool = True) -> None:
        # Asked before identifying, from the application read at login: a sharded client closes itself for
        # good when a shard is refused an intent (4014), so it cannot try again without it.
        application = self.application
        if self.intents.message_content and application and not message_content_enabled(application):
            # discord.py offers no setter for a client's intents, but identifies with the Intents it was
            # given: turn message content off there, and check through the public copy that it took.
            self._gateway_intents.message_content = False
            if self.intents.message_content:
                raise discord.PrivilegedIntentsRequired(None)
            log.warning(
                "The application has not enabled the Message Content intent: starting without it, so the "
                "spoiler shield is off (enable it in the Developer Portal, Bot tab, to use the shield)"
            )
        await super().connect(reconnect=reconnect)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        await self._identify_pacer.wait(shard_id or 0)

    async def _max_concurrency(self) -> int:
        return (await self.fetch_session_start_limits()).max_concurrency

    async def on_ready(self) -> None:
        self.timers.start()  # once the cache is filled, so handlers find their channels (idempotent)
        log.info(
            "Connected as %s (id %s) to %d servers, shards %s of %s",
            self.user,
            self.user and self.user.id,
            len(self.guilds),
            ",".join(str(shard) for shard in sorted(self.shards)),
            self.shard_count,
        )
