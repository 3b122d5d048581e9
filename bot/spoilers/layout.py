"""How an answer is laid out for one reader: each piece shown, wrapped or left out, in pages within Discord's
embed limits.

What Discord's markdown does to the text is bot.spoilers.markdown's business; here the pieces are placed,
shortened to fit and counted.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from bot.spoilers.document import Document, Joined, Tagged
from bot.spoilers.levels import Mode, Reader
from bot.spoilers.markdown import ZWSP, seal, wrap

# Discord's embed limits (developer docs, "Embed Limits").
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELDS_MAX = 25
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
TOTAL_MAX = 6000

ELLIPSIS = "…"
BULLET = "• "
# Room the description keeps when facts are long: headings, "…and n more" and the hide notice.
_DESCRIPTION_RESERVE = 1000
_LINE_RESERVE = 400
# Left free of the 6000 total when the document has no footer, for the one a caller adds (e.g. "Shown for
# you: everything up to S2E3").
FOOTER_ROOM = 128


# Shortening -----------------------------------------------------------------------------------------------


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters, cut after a whole word and ending in "…" when anything was cut."""
    if len(text) <= limit:
        return text
    if limit <= len(ELLIPSIS):
        return ELLIPSIS[:limit]
    window = text[:limit]
    space = max((match.start() for match in re.finditer(r"\s", window)), default=-1)
    if space > 0 and text[:space].strip():
        return text[:space].rstrip() + ELLIPSIS
    # One word longer than the limit: it has to be cut, but not inside a character sequence.
    return _hard_cut(text, limit - len(ELLIPSIS)).rstrip() + ELLIPSIS


def _hard_cut(text: str, size: int) -> str:
    end = size
    while end > 0 and (joins_previous(text[end]) or text[end - 1] == "\u200d"):
        end -= 1
    return text[: end or size]


def joins_previous(char: str) -> bool:
    """True for characters that belong to the one before (accents, ZWJ, variation selectors, skin tones)."""
    code = ord(char)
    return (
        unicodedata.combining(char) != 0
        or char == "\u200d"
        or 0xFE00 <= code <= 0xFE0F
        or 0x1F3FB <= code <= 0x1F3FF
        or 0xE0020 <= code <= 0xE007F
    )


# One piece ------------------------------------------------------------------------------------------------


def render_text(piece: Tagged, reader: Reader) -> str | None:
    """The piece for this reader: as is, wrapped in spoiler tags, or None when hide mode leaves it out."""
    if reader.can_see(piece.reveals):
        return piece.text
    if reader.mode is Mode.HIDE:
        return None
    return wrap(piece.text)


# A document -----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RenderedField:
    name: str
    value: str


@dataclass(frozen=True, slots=True)
class Rendered:
    """One page of a document as one reader may see it, within Discord's embed limits.

    `hidden` counts the pieces hide mode left out; `wrapped` counts the wrapped pieces on the page.
    Without a footer, FOOTER_ROOM characters of the embed total are left for one the caller adds.
    """

    title: str
    description: str
    fields: tuple[RenderedField, ...]
    footer: str | None
    hidden: int
    wrapped: int


@dataclass(frozen=True, slots=True)
class _Line:
    text: str
    wrapped: bool


@dataclass(slots=True)
class _Block:
    """A run of description lines: the summary (plain lines) or a section (bullets under a heading)."""

    heading: str | None
    lines: list[_Line]
    bullets: bool = True

    def text(self) -> str:
        rows = [] if self.heading is None else [f"**{self.heading}**"]
        bullet = BULLET if self.bullets else ""
        rows += [bullet + line.text for line in self.lines]
        return "\n".join(rows)


@dataclass(slots=True)
class _Parts:
    blocks: list[_Block]
    fields: list[tuple[str, _Line]]
    hidden: int = 0
    more_facts: int = 0


# Pure, and documents and readers are frozen: the same answer twice (a page turned back) is free.
@functools.lru_cache(maxsize=1024)
def render_pages(document: Document, reader: Reader) -> tuple[Rendered, ...]:
    """The document for this reader as one embed per page, each within Discord's limits, nothing cut.

    The first page has the facts and, in hide mode, the notice of what was left out; the description's
    lines follow in order, a section's heading again on each page it continues on. Pages are counted for
    this reader (wrapped text is longer), so a page-turn renders the whole document again, never a slice
    of someone else's.
    """
    title, footer, fixed, parts = _frame(document, reader)
    first = min(DESCRIPTION_MAX, TOTAL_MAX - fixed - _fields_size(parts.fields))
    later = min(DESCRIPTION_MAX, TOTAL_MAX - fixed)
    _add_blocks(parts, document, reader, line_limit=max(min(first, later) - _LINE_RESERVE, 100))
    closing = _closing(parts)
    pages: list[list[_Block]] = [[]]
    budget = first - (len(closing) + 2 if closing else 0)
    for block in parts.blocks:
        current: _Block | None = None
        for line in block.lines:
            if current is None:
                current = _Block(block.heading, [], block.bullets)
                pages[-1].append(current)
            current.lines.append(line)
            if len(_joined(pages[-1])) > budget and sum(len(b.lines) for b in pages[-1]) > 1:
                current.lines.pop()
                if not current.lines:
                    pages[-1].pop()
                current = _Block(block.heading, [line], block.bullets)
                pages.append([current])
                budget = later
    rendered = []
    for index, page in enumerate(pages):
        first_page = index == 0  # the facts and the notice of what was left out go on the first page only
        description = "\n\n".join(text for text in (_joined(page), closing if first_page else "") if text)
        fields = parts.fields if first_page else []
        rendered.append(
            _rendered(title, description, page, fields, footer, parts.hidden if first_page else 0)
        )
    return tuple(rendered)


def _frame(document: Document, reader: Reader) -> tuple[str, str | None, int, _Parts]:
    """The title, the footer, the room they take, and the facts as fields: the same on every page."""
    title = document.title.text if reader.can_see(document.title.reveals) else document.title_fallback
    title = shorten(title, TITLE_MAX)
    footer = None if document.footer is None else shorten(document.footer, FOOTER_MAX)
    fixed = len(title) + (FOOTER_ROOM if footer is None else len(footer))
    parts = _Parts(blocks=[], fields=[])
    _add_facts(parts, document, reader)
    _trim_fields(parts, fixed)
    return title, footer, fixed, parts


def _rendered(
    title: str,
    description: str,
    blocks: list[_Block],
    fields: list[tuple[str, _Line]],
    footer: str | None,
    hidden: int,
) -> Rendered:
    lines = [line for block in blocks for line in block.lines] + [line for _, line in fields]
    return Rendered(
        title=title,
        description=description,
        fields=tuple(RenderedField(name, line.text) for name, line in fields),
        footer=footer,
        hidden=hidden,
        wrapped=sum(line.wrapped for line in lines),
    )


def _joined(blocks: list[_Block]) -> str:
    return "\n\n".join(block.text() for block in blocks if block.lines)


def _line(piece: Tagged, reader: Reader, limit: int, *, sealed: bool) -> _Line | None:
    """The piece rendered within `limit` characters, shortened before wrapping so no tag is cut."""
    visible = reader.can_see(piece.reveals)
    if not visible and reader.mode is Mode.HIDE:
        return None
    budget = limit
    while True:
        short = shorten(piece.text, budget)
        text = (seal(short) if sealed else short) if visible else wrap(short)
        if len(text) <= limit or budget <= 1:
            return _Line(text, wrapped=not visible)
        budget -= len(text) - limit  # wrapping and sealing add characters; take them off the text


def _add_facts(parts: _Parts, document: Document, reader: Reader) -> None:
    for label, value in document.facts:
        if isinstance(value, Joined):
            line = _joined_line(parts, value, reader)
        else:
            line = _fact_line(parts, value, reader)
        if line is not None:
            parts.fields.append((_field_name(label), line))


def _fact_line(parts: _Parts, piece: Tagged, reader: Reader) -> _Line | None:
    if not piece.text.strip():
        return _Line(ZWSP, wrapped=False)
    line = _line(piece, reader, FIELD_VALUE_MAX, sealed=False)
    if line is None:
        parts.hidden += 1
    return line


def _joined_line(parts: _Parts, value: Joined, reader: Reader) -> _Line | None:
    """Each part rendered on its own (so one is never wrapped with another), within the field's limit."""
    pieces = [piece for piece in value.parts if piece.text.strip()]
    if not pieces:
        return _Line(ZWSP, wrapped=False)
    # Whitespace on both sides, so nothing in one piece (a bare URL, a link, an escape) runs into the next.
    separator = f" {seal(shorten(value.separator.strip(), 16))} ".replace("  ", " ")
    room = max((FIELD_VALUE_MAX - (len(separator) + 2) * (len(pieces) - 1)) // len(pieces), 1)
    lines = [_line(piece, reader, room, sealed=True) for piece in pieces]
    parts.hidden += sum(line is None for line in lines)
    shown = [line for line in lines if line is not None]
    if not shown:
        return None
    return _Line(separator.join(line.text for line in shown), wrapped=any(line.wrapped for line in shown))


def _field_name(label: str) -> str:
    return shorten(label, FIELD_NAME_MAX) if label.strip() else ZWSP  # Discord refuses empty names


def _fields_size(fields: Iterable[tuple[str, _Line]]) -> int:
    return sum(len(name) + len(line.text) for name, line in fields)


def _trim_fields(parts: _Parts, fixed: int) -> None:
    """Drop facts from the end past 25 fields, or when they would leave the description too little room."""
    while parts.fields and (
        len(parts.fields) > FIELDS_MAX
        or fixed + _fields_size(parts.fields) > TOTAL_MAX - _DESCRIPTION_RESERVE
    ):
        parts.fields.pop()
        parts.more_facts += 1


def _add_blocks(parts: _Parts, document: Document, reader: Reader, line_limit: int) -> None:
    summary = _Block(heading=None, lines=_lines(parts, document.summary, reader, line_limit), bullets=False)
    parts.blocks.append(summary)
    for section in document.sections:
        heading = seal(shorten(section.heading.strip(), TITLE_MAX)) or None
        lines = _lines(parts, section.items, reader, line_limit)
        if lines:  # a section whose items were all left out has nothing to head
            parts.blocks.append(_Block(heading=heading, lines=lines))


def _lines(parts: _Parts, pieces: Iterable[Tagged], reader: Reader, limit: int) -> list[_Line]:
    lines = []
    for piece in pieces:
        if not piece.text.strip():
            continue
        line = _line(piece, reader, limit, sealed=True)
        if line is None:
            parts.hidden += 1
        else:
            lines.append(line)
    return lines


def _closing(parts: _Parts) -> str:
    """What the first page ends with: how many facts did not fit, and the notice of what was left out."""
    blocks = []
    if parts.more_facts:
        blocks.append(f"{ELLIPSIS}and {parts.more_facts} more")
    if parts.hidden:
        blocks.append(_hide_notice(parts.hidden))
    return "\n\n".join(blocks)


def _hide_notice(count: int) -> str:
    # Says how many, never what or from which episode: the count alone spoils nothing.
    details = "detail" if count == 1 else "details"
    return (
        f"_{count} {details} from episodes you haven't watched left out. "
        "Use /progress mode to show them as spoilers instead._"
    )
