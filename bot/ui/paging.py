"""One pager for every list that can outgrow a Discord message: Previous / Next buttons that keep working
after a restart.

How a feature uses it:

1. Write a page source, ``async def source(request: PageRequest) -> Page``. It builds page
   ``request.page`` (zero-based, possibly past the end if the list shrank: clamp it, e.g. with
   ``lines_page`` or ``clamp``) for ``request.interaction``'s user, and checks that user's rights itself
   (raise ``app_commands.MissingPermissions`` or a ``UserFacingError``: the answer is sent once, privately).
   ``request.shared`` is True only for the first page of an answer posted for the whole channel; a click
   is always answered for the clicker alone.
2. Register it under a kind when the cog loads, ``paging.register(bot, "config-show", source)``, and
   ``paging.unregister(bot, "config-show")`` when it unloads.
3. Answer the command with ``await paging.send(interaction, "config-show", key)``. ``key`` (letters,
   digits, ``_ . -``, up to 60) names the list within its kind, e.g. an episode code; it travels in the
   buttons' custom ids with the page, so a click rebuilds the page from the database, never from memory.

A page is text content, an embed, or both, plus any buttons of the feature's own (``Page.items``, e.g.
Reveal for me); the pager adds "Page n of m" to the content (never to labels or embed parts Discord cannot
hide), Previous / Next, and no pings. A click on an ephemeral page turns that
page in place; a click on a page posted in a channel answers with the page privately, so nobody turns the
channel's copy for everyone else. ``split_lines`` and ``split_sized`` cut lists under Discord's limits.
"""

from __future__ import annotations

import logging
import re
import weakref
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Self, TypeVar

import discord

from bot.ui.buttons import PersistentButton
from bot.ui.text import NO_PINGS

if TYPE_CHECKING:
    from bot.core.app import HeartBot

log = logging.getLogger(__name__)

CONTENT_LIMIT = 2000  # characters of message content
DESCRIPTION_LIMIT = 4096  # characters of an embed description
FIELDS_LIMIT = 25  # fields in one embed
EMBED_LIMIT = 6000  # characters in all of a message's embeds together
PAGE_LINE_ROOM = 24  # what "\n-# Page n of m" takes from the content, with room to spare

KIND = re.compile(r"[a-z][a-z0-9-]{0,19}")
KEY = re.compile(r"[\w.-]{0,60}", re.ASCII)
OUTDATED = "Those page buttons are from an older version of me: run the command again for a fresh list."

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PageRequest:
    interaction: discord.Interaction[HeartBot]  # who asked or clicked; check their rights and render for them
    kind: str
    key: str
    page: int  # zero-based; may be past the end
    shared: bool  # posted for everyone in the channel (render to the channel's level) or for one reader


@dataclass(frozen=True, slots=True)
class Page:
    content: str | None = None  # up to CONTENT_LIMIT - PAGE_LINE_ROOM characters
    embed: discord.Embed | None = None
    index: int = 0  # which page this is, after clamping
    count: int = 1  # how many pages the list has now
    items: tuple[discord.ui.Item[Any], ...] = ()  # the feature's own buttons, after the pager's


PageSource = Callable[[PageRequest], Awaitable[Page]]

_sources: weakref.WeakKeyDictionary[discord.Client, dict[str, PageSource]] = weakref.WeakKeyDictionary()


def register(bot: discord.Client, kind: str, source: PageSource) -> None:
    """Let `kind`'s page buttons work on `bot` (call it in cog_load)."""
    if not KIND.fullmatch(kind):
        raise ValueError(f"a page kind is 1-20 lowercase letters, digits and -, not {kind!r}")
    _sources.setdefault(bot, {})[kind] = source
    bot.add_dynamic_items(PageButton)


def unregister(bot: discord.Client, kind: str) -> None:
    """The mirror of `register` (call it in cog_unload)."""
    sources = _sources.get(bot, {})
    sources.pop(kind, None)
    if not sources:
        bot.remove_dynamic_items(PageButton)


def clamp(page: int, count: int) -> int:
    return max(0, min(page, count - 1))


def split_sized(
    items: Sequence[T], size: Callable[[T], int], limit: int, most: int | None = None
) -> list[list[T]]:
    """The items in order, in pages whose sizes add up to at most `limit` and that hold at most `most`
    items each (for embed fields: `most=FIELDS_LIMIT`). An item too big alone gets a page of its own.
    Always at least one page, empty if there are no items."""
    pages: list[list[T]] = [[]]
    used = 0
    for item in items:
        grown = used + size(item)
        if pages[-1] and (grown > limit or (most is not None and len(pages[-1]) >= most)):
            pages.append([])
            used, grown = 0, size(item)
        pages[-1].append(item)
        used = grown
    return pages


def split_lines(lines: Sequence[str], limit: int = CONTENT_LIMIT - PAGE_LINE_ROOM) -> list[list[str]]:
    """Lines in pages of at most `limit` characters once joined with newlines. A line longer than `limit`
    is cut, after a comma or a space where it can be, into lines that fit."""
    fitted = [part for line in lines for part in _cut(line, limit)]
    return split_sized(fitted, lambda line: len(line) + 1, limit + 1)


def _cut(line: str, limit: int) -> list[str]:
    parts = []
    while len(line) > limit:
        at = max(line.rfind(", ", 0, limit - 1) + 2, line.rfind(" ", 0, limit) + 1)
        if at <= limit // 2:  # no good break near the end: cut mid-word rather than make tiny lines
            at = limit
        parts.append(line[:at].rstrip())
        line = line[at:].lstrip()
    return [*parts, line]


def lines_page(
    request: PageRequest, heading: str, lines: Sequence[str], limit: int = CONTENT_LIMIT - PAGE_LINE_ROOM
) -> Page:
    """The common case, a page of plain text: `heading` on every page, then the requested page's lines."""
    pages = split_lines(lines, limit - len(heading) - 1)
    index = clamp(request.page, len(pages))
    return Page(content="\n".join([heading, *pages[index]]), index=index, count=len(pages))


async def send(
    interaction: discord.Interaction[HeartBot], kind: str, key: str = "", *, shared: bool = False
) -> None:
    """Answer `interaction` with the first page of `kind`'s list `key`: privately, or for the whole
    channel when `shared`."""
    page = await _build(interaction, kind, key, 0, shared=shared)
    content, embed, view = _message(page, kind, key)
    options = {
        "embed": embed or discord.utils.MISSING,
        "view": view or discord.utils.MISSING,
        "ephemeral": not shared,
        "allowed_mentions": NO_PINGS,
    }
    if interaction.response.is_done():
        await interaction.followup.send(content, **options)  # type: ignore[arg-type]
    else:
        await interaction.response.send_message(content, **options)  # type: ignore[arg-type]


async def _build(
    interaction: discord.Interaction[HeartBot], kind: str, key: str, page: int, *, shared: bool
) -> Page:
    source = _sources.get(interaction.client, {}).get(kind)
    if source is None:
        raise LookupError(f"no page source registered for {kind!r}")
    return await source(PageRequest(interaction, kind, key, page, shared))


def _message(
    page: Page, kind: str, key: str
) -> tuple[str | None, discord.Embed | None, discord.ui.View | None]:
    content = page.content
    if page.count > 1:
        where = f"-# Page {page.index + 1} of {page.count}"
        content = f"{content}\n{where}" if content else where
    if content is not None and len(content) > CONTENT_LIMIT:
        raise ValueError(f"page {page.index} of {kind}:{key} has {len(content)} characters")
    view = discord.ui.View(timeout=None)
    if page.index > 0:
        view.add_item(PageButton(kind, key, page.index - 1, forward=False))
    if page.index < page.count - 1:
        view.add_item(PageButton(kind, key, page.index + 1, forward=True))
    for item in page.items:
        view.add_item(item)
    return content, page.embed, view if view.children else None


class PageButton(
    PersistentButton,
    custom_id="page:{kind}:{key}:{page}:{way}",
    fields={"kind": KIND.pattern, "key": r"[\w.-]{0,60}", "page": r"\d{1,5}", "way": "[pn]"},
):
    """Previous or Next under a paged list; its custom id holds everything needed to rebuild the page."""

    def __init__(self, kind: str, key: str, page: int, *, forward: bool) -> None:
        if not KEY.fullmatch(key):
            raise ValueError(f"a page key is up to 60 letters, digits, _ . and -, not {key!r}")
        label = "Next" if forward else "Previous"
        super().__init__(label, kind=kind, key=key, page=page, way="n" if forward else "p")
        self.kind, self.key, self.page = kind, key, page

    @classmethod
    def from_fields(cls, **fields: str) -> Self:
        return cls(fields["kind"], fields["key"], int(fields["page"]), forward=fields["way"] == "n")

    async def pressed(self, interaction: discord.Interaction[HeartBot]) -> None:
        if self.kind not in _sources.get(interaction.client, {}):
            await interaction.response.send_message(OUTDATED, ephemeral=True)
            return
        page = await _build(interaction, self.kind, self.key, self.page, shared=False)
        content, embed, view = _message(page, self.kind, self.key)
        message = interaction.message
        if message is not None and message.flags.ephemeral:
            await interaction.response.edit_message(
                content=content, embed=embed, view=view, allowed_mentions=NO_PINGS
            )
        else:  # the channel's copy stays as it is for everyone else
            await interaction.response.send_message(
                content,
                embed=embed or discord.utils.MISSING,
                view=view or discord.utils.MISSING,
                ephemeral=True,
                allowed_mentions=NO_PINGS,
            )
