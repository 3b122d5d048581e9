"""Rendering tagged text for one reader: shown as is, wrapped in ||spoiler|| tags, or left out.

Discord parses a message left to right, trying its markdown rules at each position; a spoiler is `||`,
then at least one character, then the first `||` after it, matched on the raw text before anything inside
is parsed. So a `||` anywhere inside (even in a code span) ends a spoiler early, and a construct that
starts before a `||` (inline code, an escape, a bare URL) can swallow it. `_tokens` models the rules that
matter for that; `wrap` and `visible_text` are both built on it.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bot.spoilers.document import Document, Joined, Tagged
from bot.spoilers.levels import Mode, Reader

# Discord's embed limits (developer docs, "Embed Limits").
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELDS_MAX = 25
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
TOTAL_MAX = 6000

MARKER = "||"
ZWSP = "\u200b"  # invisible, but enough to keep two characters from forming markup
ELLIPSIS = "…"
BULLET = "• "
# Room the description keeps when facts are long: headings, "…and n more" and the hide notice.
_DESCRIPTION_RESERVE = 1000
_LINE_RESERVE = 400
# Left free of the 6000 total when the document has no footer, for the one a caller adds (e.g. "Shown for
# you: everything up to S2E3").
FOOTER_ROOM = 128

# Discord's markdown rules, anchored at a position; modelled on simple-markdown, which Discord's client uses.
_SPOILER = re.compile(r"\|\|([\s\S]+?)\|\|")
_CODE_BLOCK = re.compile(r"```(?:[a-z0-9_+\-.#]+?\n)?\n*([^\n][\s\S]*?)\n*```", re.IGNORECASE)
_INLINE_CODE = re.compile(r"(`+)([\s\S]*?[^`])\1(?!`)")
_ESCAPE = re.compile(r"\\[^0-9A-Za-z\s]")
_ANGLE = re.compile(
    r"<(?:@[!&]?\d+|#\d+|a?:\w+:\d+|t:-?\d+(?::[tTdDfFR])?|/[\w -]+:\d+|id:\w+|[^: >]+:/[^ >]+)>"
)  # mentions, custom emoji, timestamps, command mentions, autolinks
_LINK = re.compile(
    r"\[((?:\[[^\]]*\]|[^\[\]]|\](?=[^\[]*\]))*)\]"
    r"\(\s*<?((?:\([^)]*\)|[^\s\\]|\\.)*?)>?(?:\s+['\"]([\s\S]*?)['\"])?\s*\)"
)  # masked links [text](url)
# Discord's own URL rule allows `|`, which is how a bare URL swallows a closing `||`; `>` is left out
# here only so that `<url>` stays a clean autolink.
_URL = re.compile(r"https?://[^\s<>]+[^<>.,:;\"')\]\s]")
_BACKTICKS = re.compile(r"`+")
_LINK_REACH = 512  # masked links are looked for this far only, so many "[" cannot make wrapping slow

_RULES: dict[str, tuple[tuple[str, re.Pattern[str]], ...]] = {
    "|": (("spoiler", _SPOILER),),
    "`": (("codeblock", _CODE_BLOCK), ("code", _INLINE_CODE)),
    "\\": (("escape", _ESCAPE),),
    "<": (("angle", _ANGLE),),
    "[": (("link", _LINK),),
    "h": (("url", _URL),),
}


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "text" or the name of the rule that matched
    start: int
    end: int


def _match_at(text: str, pos: int, *, links: bool) -> tuple[str, int] | None:
    for kind, rule in _RULES.get(text[pos], ()):
        if kind == "link" and not links:
            continue
        match = rule.match(text, pos, pos + _LINK_REACH) if kind == "link" else rule.match(text, pos)
        if match is not None:
            return kind, match.end()
    return None


def _tokens(text: str, *, links: bool = False) -> list[_Token]:
    """The text cut into the spans Discord's parser would see at the top level, plain text included.

    Masked links are only recognised on request: their text is parsed again (spoilers inside still work),
    so for deciding what is hidden they are plain text. A link missed for its length is harmless: its
    URL gets angle brackets, which Discord accepts inside a masked link.
    """
    tokens: list[_Token] = []
    plain_start = pos = 0
    while pos < len(text):
        found = _match_at(text, pos, links=links)
        if found is None:
            pos += 1
            continue
        kind, end = found
        if plain_start < pos:
            tokens.append(_Token("text", plain_start, pos))
        tokens.append(_Token(kind, pos, end))
        plain_start = pos = end
    if plain_start < len(text):
        tokens.append(_Token("text", plain_start, len(text)))
    return tokens


def markup_regions(text: str) -> list[tuple[int, int, str]]:
    """The parts of the text that are not plain prose, as Discord parses them: (start, end, kind).

    Kinds are the rule names of the markdown model: "spoiler", "codeblock", "code", "escape", "angle"
    (mentions, custom emoji, timestamps, autolinks), "link" (masked links) and "url". Readers of message
    text skip these: what is inside a spoiler is already hidden, and code and links are not prose. Text
    with none of the characters that start them (most chat) is not parsed at all.
    """
    if _MARKUP_STARTS.search(text) is None:
        return []
    return [(t.start, t.end, t.kind) for t in _tokens(text, links=True) if t.kind != "text"]


_MARKUP_STARTS = re.compile(r"[|`\\<\[]|https?://")


def _rewrite(text: str, change: dict[str, Callable[[str], str]], *, links: bool = False) -> str:
    """The text with the raw source of each token of the given kinds replaced."""
    parts = []
    for token in _tokens(text, links=links):
        raw = text[token.start : token.end]
        parts.append(change[token.kind](raw) if token.kind in change else raw)
    return "".join(parts)


# Reading what Discord shows --------------------------------------------------------------------------------


def visible_text(message_text: str) -> str:
    """The text with every ||...|| span removed: what a reader sees without clicking anything.

    Code blocks inside a spoiler are kept: Discord clients have shown them unhidden.
    """
    parts = []
    for token in _tokens(message_text):
        raw = message_text[token.start : token.end]
        if token.kind != "spoiler":
            parts.append(raw)
            continue
        inside = raw[len(MARKER) : -len(MARKER)]
        parts.extend(inside[t.start : t.end] for t in _tokens(inside) if t.kind == "codeblock")
    return "".join(parts)


def spoilered_parts(message_text: str) -> list[str]:
    """The insides of the ||...|| spans, in order."""
    return [
        message_text[token.start + len(MARKER) : token.end - len(MARKER)]
        for token in _tokens(message_text)
        if token.kind == "spoiler"
    ]


# Wrapping -------------------------------------------------------------------------------------------------


def wrap(text: str) -> str:
    """The whole text as exactly one spoiler that Discord's markdown can neither end early nor bypass."""
    if not text.strip():
        return text
    body = _rewrite(text, {"spoiler": lambda raw: raw[len(MARKER) : -len(MARKER)]})
    if not body.strip():  # it was only spoiler tags around blanks
        return body
    body = _break_markers(body)
    body = _flatten_code_blocks(body)
    body = _rewrite(body, {"url": lambda raw: f"<{raw}>"}, links=True)  # <url>: no link preview
    return f"{MARKER}{_pad_edges(body)}{MARKER}"


def _break_markers(text: str) -> str:
    """A zero-width space between any two adjacent pipes, so no `||` is left to end a spoiler."""
    return re.sub(r"\|(?=\|)", "|" + ZWSP, text)


def _pad_edges(body: str) -> str:
    # A pipe at either edge would merge with a tag; a trailing backslash could escape the closing one.
    if body.startswith("|"):
        body = ZWSP + body
    if body.endswith(("|", "\\")):
        body += ZWSP
    return body


def _flatten_code_blocks(text: str) -> str:
    """Code blocks as inline code, which spoilers do hide; a code block inside one may show unhidden."""
    for _ in range(3):  # a flattened block cannot form a new fence; the bound is only a guard
        if not any(token.kind == "codeblock" for token in _tokens(text)):
            return text
        text = _rewrite(text, {"codeblock": lambda raw: _inline_code(_CODE_BLOCK.fullmatch(raw)[1])})
    return text.replace("`", "ˋ")


def _inline_code(code: str) -> str:
    """One line of inline code, fenced so that no backtick inside can close it or open a block."""
    code = " ".join(line.strip() for line in code.splitlines() if line.strip()) or " "
    runs = {len(run) for run in re.findall(r"`+", code)}
    if any(size >= 3 for size in runs) or {1, 2} <= runs:
        code, runs = code.replace("`", "ˋ"), set()  # a fence of 3 or more would open a block
    fence = "`" if 1 not in runs else "``"
    if code.startswith("`") or code.endswith("`"):
        code = f" {code} "
    return f"{fence}{code}{fence}"


def _seal(text: str) -> str:
    """A piece shown as is, closed so that nothing it opens can swallow a spoiler after it.

    Unmatched backticks and `<` (an autolink may run across lines), and `*`, `_`, `~` of odd count, are
    escaped, which looks the same; a `||` with no partner gets a zero-width space. Only plain text is
    touched.
    """
    text = _pin_code_spans(text)
    tokens = _tokens(text)
    plain = [text[t.start : t.end] for t in tokens if t.kind == "text"]
    odd = "".join(char for char in "*_~" if sum(part.count(char) for part in plain) % 2)
    escape = re.compile(f"[`<{re.escape(odd)}]")
    return _rewrite(text, {"text": lambda raw: escape.sub(r"\\\g<0>", _break_markers(raw))})


def _pin_code_spans(text: str) -> str:
    """Escape backticks until every code span ends where it would whatever text came after the piece.

    Discord's rules prefer a longer backtick opener and a code block with a language line; when that
    preferred form finds no closer inside the piece, a closer in the next piece could still complete it.
    """
    for _ in range(text.count("`")):
        runs = [len(run) for run in _BACKTICKS.findall(text)]
        probe = text + "\n" + "".join(f" a{'`' * size}" for size in range(1, max(runs, default=0) + 2))
        loose = next((t for t in _tokens(text) if _is_code(t) and _moves(probe, t)), None)
        if loose is None:
            break
        text = f"{text[: loose.start]}\\{text[loose.start :]}"
    return text


def _is_code(token: _Token) -> bool:
    return token.kind in ("code", "codeblock")


def _moves(probe: str, token: _Token) -> bool:
    return _match_at(probe, token.start, links=False) != (token.kind, token.end)


# Shortening -----------------------------------------------------------------------------------------------


def _shorten(text: str, limit: int) -> str:
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
    while end > 0 and (_joins(text[end]) or text[end - 1] == "\u200d"):
        end -= 1
    return text[: end or size]


def _joins(char: str) -> bool:
    """True for characters that belong to the one before (accents, ZWJ, variation selectors, skin tones)."""
    code = ord(char)
    return (
        unicodedata.combining(char) != 0
        or char == "\u200d"
        or 0xFE00 <= code <= 0xFE0F
        or 0x1F3FB <= code <= 0x1F3FF
        or 0xE0020 <= code <= 0xE007F
    )


# Rendering ------------------------------------------------------------------------------------------------


def render_text(piece: Tagged, reader: Reader) -> str | None:
    """The piece for this reader: as is, wrapped in spoiler tags, or None when hide mode leaves it out."""
    if reader.can_see(piece.reveals):
        return piece.text
    if reader.mode is Mode.HIDE:
        return None
    return wrap(piece.text)


@dataclass(frozen=True, slots=True)
class RenderedField:
    name: str
    value: str


@dataclass(frozen=True, slots=True)
class Rendered:
    """A document as one reader may see it, within Discord's embed limits.

    `hidden` counts the pieces hide mode left out; `wrapped` counts the wrapped pieces in the result.
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
    dropped: int = 0

    def text(self) -> str:
        rows = [] if self.heading is None else [f"**{self.heading}**"]
        bullet = BULLET if self.bullets else ""
        rows += [bullet + line.text for line in self.lines]
        if self.dropped:
            rows.append(f"{ELLIPSIS}and {self.dropped} more")
        return "\n".join(rows)


@dataclass(slots=True)
class _Parts:
    blocks: list[_Block]
    fields: list[tuple[str, _Line]]
    hidden: int = 0
    more_facts: int = 0


@functools.lru_cache(
    maxsize=4096
)  # pure, and documents and readers are frozen: the same answer twice is free
def render(document: Document, reader: Reader) -> Rendered:
    """The document for this reader, as the parts of an embed."""
    title, footer, fixed, parts = _frame(document, reader)
    budget = min(DESCRIPTION_MAX, TOTAL_MAX - fixed - _fields_size(parts.fields))
    _add_blocks(parts, document, reader, line_limit=max(budget - _LINE_RESERVE, 100))
    description = _fit_description(parts, budget)
    return _rendered(title, description, parts.blocks, parts.fields, footer, parts.hidden)


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
    closing = _description(_Parts(blocks=[], fields=[], hidden=parts.hidden, more_facts=parts.more_facts))
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
    title = _shorten(title, TITLE_MAX)
    footer = None if document.footer is None else _shorten(document.footer, FOOTER_MAX)
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


def _line(piece: Tagged, reader: Reader, limit: int, *, seal: bool) -> _Line | None:
    """The piece rendered within `limit` characters, shortened before wrapping so no tag is cut."""
    visible = reader.can_see(piece.reveals)
    if not visible and reader.mode is Mode.HIDE:
        return None
    budget = limit
    while True:
        short = _shorten(piece.text, budget)
        text = (_seal(short) if seal else short) if visible else wrap(short)
        if len(text) <= limit or budget <= 1:
            return _Line(text, wrapped=not visible)
        budget -= len(text) - limit  # wrapping and sealing add characters; take them off the text


def _add_facts(parts: _Parts, document: Document, reader: Reader) -> None:
    for label, value in document.facts:
        joined = isinstance(value, Joined)
        line = _joined_line(parts, value, reader) if joined else _fact_line(parts, value, reader)
        if line is not None:
            parts.fields.append((_field_name(label), line))


def _fact_line(parts: _Parts, piece: Tagged, reader: Reader) -> _Line | None:
    if not piece.text.strip():
        return _Line(ZWSP, wrapped=False)
    line = _line(piece, reader, FIELD_VALUE_MAX, seal=False)
    if line is None:
        parts.hidden += 1
    return line


def _joined_line(parts: _Parts, value: Joined, reader: Reader) -> _Line | None:
    """Each part rendered on its own (so one is never wrapped with another), within the field's limit."""
    pieces = [piece for piece in value.parts if piece.text.strip()]
    if not pieces:
        return _Line(ZWSP, wrapped=False)
    # Whitespace on both sides, so nothing in one piece (a bare URL, a link, an escape) runs into the next.
    separator = f" {_seal(_shorten(value.separator.strip(), 16))} ".replace("  ", " ")
    room = max((FIELD_VALUE_MAX - (len(separator) + 2) * (len(pieces) - 1)) // len(pieces), 1)
    lines = [_line(piece, reader, room, seal=True) for piece in pieces]
    parts.hidden += sum(line is None for line in lines)
    shown = [line for line in lines if line is not None]
    if not shown:
        return None
    return _Line(separator.join(line.text for line in shown), wrapped=any(line.wrapped for line in shown))


def _field_name(label: str) -> str:
    return _shorten(label, FIELD_NAME_MAX) if label.strip() else ZWSP  # Discord refuses empty names


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
        heading = _seal(_shorten(section.heading.strip(), TITLE_MAX)) or None
        lines = _lines(parts, section.items, reader, line_limit)
        if lines:  # a section whose items were all left out has nothing to head
            parts.blocks.append(_Block(heading=heading, lines=lines))


def _lines(parts: _Parts, pieces: Iterable[Tagged], reader: Reader, limit: int) -> list[_Line]:
    lines = []
    for piece in pieces:
        if not piece.text.strip():
            continue
        line = _line(piece, reader, limit, seal=True)
        if line is None:
            parts.hidden += 1
        else:
            lines.append(line)
    return lines


def _description(parts: _Parts) -> str:
    blocks = [block.text() for block in parts.blocks if block.lines or block.dropped]
    if parts.more_facts:
        blocks.append(f"{ELLIPSIS}and {parts.more_facts} more")
    if parts.hidden:
        blocks.append(_hide_notice(parts.hidden))
    return "\n\n".join(block for block in blocks if block)


def _hide_notice(count: int) -> str:
    # Says how many, never what or from which episode: the count alone spoils nothing.
    details = "detail" if count == 1 else "details"
    return (
        f"_{count} {details} from episodes you haven't watched left out. "
        "Use /progress mode to show them as spoilers instead._"
    )


def _fit_description(parts: _Parts, budget: int) -> str:
    """The description within `budget`, dropping whole lines from the end of the longest block."""
    description = _description(parts)
    while len(description) > budget:
        candidates = [block for block in parts.blocks if block.lines]
        if candidates:
            longest = max(enumerate(candidates), key=lambda pair: (len(pair[1].text()), pair[0]))[1]
            longest.lines.pop()
            longest.dropped += 1
        elif parts.blocks:  # only headings are left: fold the last section into the closing count
            parts.more_facts += parts.blocks.pop().dropped
        else:
            return _shorten(description, budget)
        description = _description(parts)
    return description
