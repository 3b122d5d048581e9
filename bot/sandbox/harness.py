"""The real bot, connected to a sandbox, and users who act in it: shared by scripts, tests and benchmarks."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.canon import Canon, load_canon
from bot.canon.lexicon import Lexicon, load_lexicon
from bot.core.app import INVITE_PERMISSIONS, HeartBot
from bot.core.database import Database, open_database
from bot.core.settings import Secret, Settings
from bot.core.timers_repository import TimerRepository
from bot.sandbox.link import read_positions
from bot.sandbox.observe import Observation
from bot.sandbox.server import Sandbox
from bot.sandbox.tasks import handlers_running, task_tree
from bot.sandbox.world import Guild, Interaction
from bot.shield.semantic import ShieldReader, load_shield_reader

log = logging.getLogger(__name__)


def new_sandbox(**options: Any) -> Sandbox:
    """A sandbox with the bot holding the permissions its invite link asks for, and the API description
    checking every request body when the file is there."""
    from bot.sandbox.openapi import OpenApiSpec

    options.setdefault("bot_permissions", INVITE_PERMISSIONS.value)
    options.setdefault("spec", OpenApiSpec.load())
    return Sandbox(**options)


_LEXICONS: dict[int, tuple[Canon, Lexicon]] = {}
# Shield readers by (canon, lexicon, semantic on), with the canon and lexicon kept so their ids stay theirs.
_READERS: dict[tuple[int, int, bool], tuple[Canon, Lexicon, ShieldReader]] = {}


def lexicon_for(canon: Canon) -> Lexicon:
    if id(canon) not in _LEXICONS:
        _LEXICONS[id(canon)] = (canon, load_lexicon(canon))
    return _LEXICONS[id(canon)][1]


def shield_reader_for(canon: Canon, lexicon: Lexicon, semantic: bool) -> ShieldReader:
    """The reader a bot with this canon and lexicon loads at start-up, loaded once for all of them.

    It can be shared: it keeps nothing of a bot's (a server's terms go into a copy, bot.shield.service), and
    what it caches (the lexicon's word readings, the semantic reader's sentence scores) depends on the text
    alone.
    """
    key = (id(canon), id(lexicon), semantic)
    if key not in _READERS:
        _READERS[key] = (canon, lexicon, load_shield_reader(lexicon, semantic, canon=canon))
    return _READERS[key][2]


class RunningBot:
    """The unmodified HeartBot, logged in to the sandbox over HTTP and connected over its gateway.

    Several can share one sandbox, as several processes of one bot share Discord: give each
    `shard_count` and its own `shard_ids` (SHARD_COUNT and SHARD_IDS), and each hears only its shards' guilds.
    """

    def __init__(
        self,
        sandbox: Sandbox,
        database_path: Path | str,  # an SQLite file, or a PostgreSQL URL
        *,
        canon: Canon | None = None,
        dev_guild_id: int | None = None,
        shield_semantic: bool = True,
        shard_count: int | None = None,
        shard_ids: Sequence[int] | None = None,
        **options: Any,
    ) -> None:
        self.sandbox = sandbox
        self.database_path = database_path
        self.dev_guild_id = dev_guild_id
        self.shield_semantic = shield_semantic
        self.shard_count = shard_count
        self.shard_ids = tuple(shard_ids) if shard_ids is not None else None
        self.canon = canon or load_canon()
        self.options = options
        self.options.setdefault("lexicon", lexicon_for(self.canon))  # restarts and tests share one lexicon
        self.bot: HeartBot | None = None
        self._db: Database | None = None
        self._task: asyncio.Task[None] | None = None
        self._unwatch: Callable[[], None] | None = None

    async def start(self, timeout: float = 10.0) -> HeartBot:
        self._db = await open_database(self.database_path)
        await self._db.migrate()
        url = self.database_path if isinstance(self.database_path, str) else None
        settings = Settings(
            discord_token=Secret(self.sandbox.token),
            database_path=Path(self.database_path) if url is None else Path("unused.db"),
            database_url=Secret(url) if url is not None else None,
            dev_guild_id=self.dev_guild_id,
            shield_semantic=self.shield_semantic,
            shard_count=self.shard_count,
            shard_ids=self.shard_ids,
        )
        self.options.setdefault("guild_ready_timeout", 0.05)
        if "shield_reader" not in self.options:  # ... and one shield reader, loaded once per process,
            # beside the rest of the start, as the bot loads its own
            loading = asyncio.to_thread(
                shield_reader_for, self.canon, self.options["lexicon"], self.shield_semantic
            )
            self.options["shield_reader"] = asyncio.ensure_future(loading)
        bot = HeartBot(
            settings=settings, db=self._db, canon=self.canon, clock=self.sandbox.clock, **self.options
        )
        await bot.__aenter__()
        self.bot = bot
        self._unwatch = self.sandbox.watch(self.under_way)
        await bot.login(self.sandbox.token)
        task_tree()  # from here on, what the gateway task starts is known as the bot's
        self._task = asyncio.create_task(bot.connect(reconnect=True), name="heartbot-gateway")
        ready = asyncio.create_task(bot.wait_until_ready())
        done, _ = await asyncio.wait(
            {ready, self._task}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
        )
        if ready not in done:
            ready.cancel()
            if self._task in done:
                self._task.result()  # raises what stopped the connection
            raise TimeoutError("the bot did not become ready in the sandbox")
        return bot

    async def stop(self) -> None:
        if self._unwatch is not None:
            self._unwatch()
            self._unwatch = None
        if self.bot is not None:
            await self.bot.close()
            await self.bot.__aexit__(None, None, None)
            self.bot = None
        if self._task is not None:
            with contextlib.suppress(Exception):
                await self._task
            self._task = None
        if self._db is not None:
            await self._db.close()
            self._db = None

    def under_way(self) -> list[str]:
        """What the bot still has to do, in words: gateway events it has not read yet, handlers running,
        a timer due or being handled. Empty when it is idle, or offline."""
        bot = self.bot
        if bot is None or self._task is None or self._task.done():
            return []
        work = []
        if unread := self.sandbox.gateway.unread(read_positions(bot)):
            work.append(f"{unread} gateway event(s) the bot has not read")
        if handlers := handlers_running(self._task):
            work.append(f"the bot's handlers running: {', '.join(handlers)}")
        if not bot.timers.idle:
            work.append("a timer due or being handled")
        return work

    async def next_timer_due(self) -> datetime | None:
        """When the bot's earliest unfinished timer falls due: None when it has none or is offline."""
        if self._db is None:
            return None
        timer = await TimerRepository(self._db).earliest_pending()
        return timer.due_at if timer else None

    async def restart(self) -> HeartBot:
        await self.stop()
        return await self.start()

    async def __aenter__(self) -> RunningBot:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


class Actor:
    """One member of a sandbox guild (the default one unless given), as a test or script drives them."""

    def __init__(self, sandbox: Sandbox, name: str, guild: Guild | None = None) -> None:
        self.sandbox = sandbox
        self.name = name
        if guild is None:
            sandbox.user(name)
        else:
            sandbox.join(name, guild)

    async def run(self, command: str, channel: str = "general") -> Interaction:
        """Run a slash command and wait until the bot acknowledged it."""
        interaction = await self.sandbox.run_command(self.name, command, channel)
        await self.sandbox.acknowledged(interaction)
        return interaction

    async def run_in_dm(self, command: str) -> Interaction:
        """Run a slash command in this member's DM with the bot and wait until the bot acknowledged it."""
        interaction = await self.sandbox.run_dm_command(self.name, command)
        await self.sandbox.acknowledged(interaction)
        return interaction

    async def click(self, label: str, channel: str | None = None) -> Interaction:
        interaction = await self.sandbox.click(self.name, label, channel)
        await self.sandbox.acknowledged(interaction)
        return interaction

    async def say(self, text: str, channel: str = "general") -> None:
        await self.sandbox.say(self.name, text, channel)

    def sees(self) -> list[Observation]:
        return self.sandbox.seen_by(self.name)

    async def wait_to_see(
        self, predicate: Callable[[Observation], bool], timeout: float = 5.0
    ) -> Observation:
        """The first observation this user can see that matches, waiting for it to happen."""

        def found() -> Observation | None:
            return next((o for o in self.sees() if predicate(o)), None)

        await self.sandbox.wait_for(lambda: found() is not None, timeout)
        observation = found()
        assert observation is not None
        return observation

    async def reply_to(self, interaction: Interaction, timeout: float = 5.0) -> Observation:
        """What this user sees as the bot's answer to `interaction` (the original response or a follow-up)."""
        await self.sandbox.acknowledged(interaction)
        return await self.wait_to_see(
            lambda o: (
                o.message == interaction.original_message_id
                or (o.message > interaction.id and o.author == self.sandbox.bot_user.name)
            ),
            timeout,
        )
