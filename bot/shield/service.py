"""The shield's decisions: which channels are guarded and how, and what in a message to wrap.

No discord.py objects here: the cog hands in ids and text and carries out the decision.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any, TypeVar

from bot.canon import EpisodeCode
from bot.canon.lexicon import Lexicon
from bot.core.changes import Changes
from bot.core.clock import Clock
from bot.core.errors import BadInput
from bot.core.memo import BoundedCache
from bot.progress.channel_levels import SpoilerLevelService
from bot.shield.detector import Detector, ServerTerm, Span, wrap_spans
from bot.shield.repository import (
    GuildShield,
    MemberSpoiler,
    ShieldMode,
    ShieldRepository,
    ShieldTerm,
    StoredRepost,
    StoredWebhook,
)
from bot.shield.semantic import ShieldReader
from bot.spoilers import wrap
from bot.spoilers.split import CONTENT_MAX, split_message, wrap_in_pieces


@dataclass(frozen=True, slots=True)
class PostedMessage:
    """A message as the shield reads it: where it was posted, by whom, and its text."""

    guild_id: int
    channel_id: int
    parent_id: int | None  # a thread's channel, which guards it
    text: str
    role_ids: frozenset[int] = frozenset()  # its author's
    by_member: bool = True  # False for a bot's or a webhook's: the shield never reads its own reposts


@dataclass(frozen=True, slots=True)
class ShieldDecision:
    mode: ShieldMode
    level: EpisodeCode  # what the channel may show
    spans: tuple[Span, ...]  # what goes beyond it
    wrapped: str  # the text as the shield would repost it
    text: str = ""  # the message as its author wrote it
    parts: tuple[str, ...] = ()  # `wrapped` as messages Discord accepts (wrap mode only)

    @property
    def reveals(self) -> EpisodeCode | None:
        """The latest episode the message reveals; None for a message wrapped on request with none found."""
        return max((span.reveals for span in self.spans), default=None)

    @property
    def words(self) -> tuple[str, ...]:
        """The words found, each once, in the order they were written."""
        found = (" ".join(self.text[span.start : span.end].split()) for span in self.spans)
        return tuple(dict.fromkeys(word for word in found if word))


def repost_parts(detector: ShieldReader, text: str, wrapped: str, level: EpisodeCode) -> tuple[str, ...]:
    """The wrapped text as messages of at most 2,000 characters, none showing what it should hide.

    Cut between clauses where it can; where that is impossible (a spoiler longer than a message) or a cut
    would let the detector read a spoiler again, the whole text is wrapped, in pieces that are each one
    spoiler.
    """
    if len(wrapped) <= CONTENT_MAX:
        return (wrapped,)
    parts = split_message(wrapped)
    if parts is None or any(detector.beyond(part, level) for part in parts):
        return tuple(wrap_in_pieces(text))
    return tuple(parts)


T = TypeVar("T")


def _decision(
    reader: ShieldReader, mode: ShieldMode, level: EpisodeCode, text: str, on_request: bool = False
) -> ShieldDecision:
    """The decision for `text` (with no spans when nothing is beyond `level`); wrapped whole on request."""
    spans = reader.beyond(text, level)
    if not spans and not on_request:
        return ShieldDecision(mode, level, (), text, text)
    wrapped = wrap_spans(text, spans) if spans else wrap(text)  # reader.wrap, without reading it again
    parts = repost_parts(reader, text, wrapped, level) if mode is ShieldMode.WRAP else ()
    return ShieldDecision(mode, level, tuple(spans), wrapped, text, parts)


async def _read(reader: ShieldReader, text: str, call: Callable[[], T]) -> T:
    """`call`, which reads `text`. Reading with the semantic reader's model takes milliseconds (a long
    message, a tenth of a second): then it runs in a worker thread, so no other member waits behind it."""
    return await asyncio.to_thread(call) if reader.slow(text) else call()


CACHED_SERVERS = 1_000
CACHED_FOR = timedelta(hours=1)
TOPIC = "shield"  # in bot.core.changes: a server's shield settings changed


class ShieldService:
    """`reader` reads every message: the lexicon's detector, with the semantic reader when it runs. It may
    still be loading (its model loads beside the bot's connection at start-up): what reads waits for it."""

    def __init__(
        self,
        repository: ShieldRepository,
        lexicon: Lexicon,
        reader: ShieldReader | asyncio.Future[ShieldReader],
        levels: SpoilerLevelService,
        clock: Clock,
        changes: Changes | None = None,
    ) -> None:
        self._repository = repository
        self._changes = changes
        if changes is not None:
            changes.subscribe(TOPIC, self._forget)
        self._lexicon = lexicon
        self._levels = levels
        # Every message reads its server's settings: kept for the servers active lately, and a read that a
        # change overtook is never kept (it would leave a channel guarded as it was before the change).
        self._settings: BoundedCache[int, GuildShield] = BoundedCache(clock, CACHED_SERVERS, CACHED_FOR)
        # per server: the lexicon plus the server's own terms
        self._detectors: BoundedCache[int, ShieldReader] = BoundedCache(clock, CACHED_SERVERS, CACHED_FOR)
        self._reader = reader

    async def reader(self) -> ShieldReader:
        """The shared reader, once it is loaded."""
        if isinstance(self._reader, asyncio.Future):
            self._reader = await self._reader
        return self._reader

    async def settings(self, guild_id: int) -> GuildShield:
        return await self._settings.load(guild_id, lambda: self._repository.get(guild_id))

    async def _changed(self, guild_id: int) -> None:
        self._forget(guild_id)
        if self._changes is not None:
            await self._changes.announce(TOPIC, guild_id)

    def _forget(self, guild_id: int | None) -> None:
        """This server's settings changed (None: any server's, or news of it was missed)."""
        if guild_id is None:
            self._settings.clear()
            self._detectors.clear()
        else:
            self._settings.discard(guild_id)
            self._detectors.discard(guild_id)

    async def detector(self, guild_id: int) -> ShieldReader:
        """The server's reader: the shared one, with a detector that also knows the server's terms."""

        async def build() -> ShieldReader:
            terms = (await self.settings(guild_id)).terms
            reader = await self.reader()
            if not terms:
                return reader
            server_terms = [ServerTerm(t.phrase, t.reveals) for t in terms]
            return reader.with_detector(Detector(self._lexicon, server_terms))

        return await self._detectors.load(guild_id, build)

    async def mode(self, guild_id: int, channel_id: int, parent_id: int | None = None) -> ShieldMode:
        """A thread is guarded as its channel is."""
        channels = (await self.settings(guild_id)).channels
        return channels.get(channel_id) or channels.get(parent_id or 0) or ShieldMode.OFF

    async def decide(self, message: PostedMessage, *, requested: bool = False) -> ShieldDecision | None:
        """What to wrap of a member's message in its channel: the one decision, for the listener and for
        "Spoiler-wrap message".

        The listener asks about every message: None leaves it be (a bot's or a webhook's, one with no text,
        one in a channel the shield does not guard, an exempt channel's or role's, one with nothing beyond
        the channel's level). Asked on request, the channel's mode and exemptions do not count, the answer is
        always to wrap (all of the message when no spoiler is found in it), and a message it cannot wrap is a
        UserFacingError saying why.
        """
        if not message.by_member:
            if requested:
                raise BadInput("That message is from a bot or a webhook; I only wrap members' messages.")
            return None
        if not message.text.strip():
            if requested:
                raise BadInput("That message has no text to wrap.")
            return None
        guild_id, channel_id, parent_id = message.guild_id, message.channel_id, message.parent_id
        if requested:
            mode = ShieldMode.WRAP
        else:
            mode = await self.mode(guild_id, channel_id, parent_id)
            if mode is ShieldMode.OFF or await self._exempt(message):
                return None
        level = await self._levels.channel_level(guild_id, channel_id, parent_id)
        reader = await self.detector(guild_id)
        text = message.text
        decision = await _read(reader, text, partial(_decision, reader, mode, level, text, requested))
        return decision if decision.spans or requested else None

    async def _exempt(self, message: PostedMessage) -> bool:
        settings = await self.settings(message.guild_id)
        return bool(
            {message.channel_id, message.parent_id} & settings.exempt_channels
            or message.role_ids & settings.exempt_roles
        )

    async def check_title(self, guild_id: int, parent_id: int, title: str) -> tuple[Span, ...]:
        """Spoilers in a thread title, which cannot be wrapped."""
        if await self.mode(guild_id, parent_id) is ShieldMode.OFF:
            return ()
        level = await self._levels.channel_level(guild_id, parent_id)
        reader = await self.detector(guild_id)
        return tuple(await _read(reader, title, partial(reader.beyond, title, level)))

    # -- settings ------------------------------------------------------------------------------------

    async def set_mode(self, guild_id: int, channel_id: int, mode: ShieldMode) -> None:
        await self._repository.set_channel(guild_id, channel_id, mode)
        await self._changed(guild_id)

    async def set_exempt(self, guild_id: int, kind: str, target_id: int, exempt: bool) -> None:
        await self._repository.set_exempt(guild_id, kind, target_id, exempt)
        await self._changed(guild_id)

    async def add_term(self, guild_id: int, phrase: str, reveals: EpisodeCode) -> None:
        await self._repository.add_term(guild_id, ShieldTerm(phrase, reveals))
        await self._changed(guild_id)

    async def remove_term(self, guild_id: int, phrase: str) -> bool:
        removed = await self._repository.remove_term(guild_id, phrase)
        await self._changed(guild_id)
        return removed

    async def set_log_channel(self, guild_id: int, channel_id: int | None) -> None:
        await self._repository.set_log_channel(guild_id, channel_id)
        await self._changed(guild_id)

    async def first_report_of(self, guild_id: int, missing: frozenset[str]) -> frozenset[str]:
        """The missing permissions moderators have not been told about yet (and remember telling them)."""
        reported = (await self.settings(guild_id)).reported_missing
        new = missing - reported
        if new:
            await self._repository.set_reported_missing(guild_id, reported | new)
            await self._changed(guild_id)
        return new

    # -- reposts, for "Not a spoiler" ----------------------------------------------------------------

    async def keep_repost(
        self,
        parts: tuple[int, ...],
        guild_id: int,
        author_id: int,
        original: str,
        at: datetime,
    ) -> None:
        """Remember what a repost (its message ids, in order) said before it was wrapped."""
        *earlier, last = parts
        await self._repository.save_repost(last, guild_id, author_id, original, at, tuple(earlier))

    async def repost(self, message_id: int) -> StoredRepost | None:
        return await self._repository.repost(message_id)

    async def forget_repost(self, message_id: int) -> None:
        await self._repository.forget_repost(message_id)

    # -- the webhook it reposts through, one a channel -----------------------------------------------

    async def webhook(self, channel_id: int) -> StoredWebhook | None:
        return await self._repository.webhook(channel_id)

    def making_webhook(self, channel_id: int) -> AbstractAsyncContextManager[None]:
        """Held while a channel's webhook is looked up and, if missing, made: by one task at a time in any
        process, so two messages arriving together make one webhook, not two."""
        return self._repository.one_at_a_time(f"webhook:{channel_id}")

    async def save_webhook(self, webhook: StoredWebhook) -> None:
        await self._repository.save_webhook(webhook)

    async def forget_webhook(self, channel_id: int) -> None:
        await self._repository.forget_webhook(channel_id)

    # -- members' own spoilers, behind a Reveal button -----------------------------------------------

    async def share_spoiler(
        self, guild_id: int, author_id: int, text: str, reveals: EpisodeCode, at: datetime
    ) -> int:
        """Keep a member's /spoiler; its id goes into the Reveal button."""
        return await self._repository.add_spoiler(guild_id, author_id, text, reveals, at)

    async def spoiler(self, spoiler_id: int) -> MemberSpoiler | None:
        """A member's spoiler, or None once its author has erased their data."""
        return await self._repository.spoiler(spoiler_id)

    # -- a member's own data, for /privacy ---------------------------------------------------------

    async def export_member(self, user_id: int) -> dict[str, Any]:
        """What the shield stores about a member, as /privacy export shows it (empty when nothing)."""
        stored: dict[str, Any] = {}
        spoilers = await self._repository.spoilers_by(user_id)
        if spoilers:
            stored["spoilers_you_posted"] = [{"episode": str(s.reveals), "text": s.text} for s in spoilers]
        reposts = await self._repository.reposts_by(user_id)
        if reposts:
            stored["messages_kept_for_not_a_spoiler"] = reposts
        return stored

    async def erase_member(self, user_id: int) -> None:
        """Forget the spoilers a member posted and the originals of their wrapped messages."""
        await self._repository.delete_spoilers_by(user_id)
        await self._repository.delete_reposts_by(user_id)
