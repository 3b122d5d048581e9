"""Discord's markdown as the renderer models it: how a message is cut into spans, and how text is kept safe.

Discord parses a message left to right, trying its markdown rules at each position; a spoiler is `||`,
then at least one character, then the first `||` after it, matched on the raw text before anything inside
is parsed. So a `||` anywhere inside (even in a code span) ends a spoiler early, and a construct that
starts before a `||` (inline code, an escape, a bare URL) can swallow it. `tokens` models the rules that
matter for that; reading what a message shows (`visible_text`, `spoilered_parts`, `markup_regions`),
hiding text whole (`wrap`) and closing a piece shown as is (`seal`) are all built on it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

MARKER = "||"
ZWSP = "\u200b"  # invisible, but enough to keep two characters from forming markup

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
_MARKUP_STARTS = re.compile(r"[|`\\<\[]|https?://")


@dataclass(frozen=True, slots=True)
class Token:
    """text[start:end] as Discord's parser sees it at the top level."""

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


def tokens(text: str, *, links: bool = False) -> list[Token]:
    """The text cut into the spans Discord's parser would see at the top level, plain text included.

    Masked links are only recognised on request: their text is parsed again (spoilers inside still work),
    so for deciding what is hidden they are plain text. A link missed for its length is harmless: its
    URL gets angle brackets, which Discord accepts inside a masked link.
    """
    found: list[Token] = []
    plain_start = pos = 0
    while pos < len(text):
        match = _match_at(text, pos, links=links)
        if match is None:
            pos += 1
            continue
        kind, end = match
        if plain_start < pos:
            found.append(Token("text", plain_start, pos))
        found.append(Token(kind, pos, end))
        plain_start = pos = end
    if plain_start < len(text):
        found.append(Token("text", plain_start, len(text)))
    return found


def markup_regions(text: str) -> list[tuple[int, int, str]]:
    """The parts of the text that are not plain prose, as Discord parses them: (start, end, kind).

    Kinds are the rule names of the markdown model: "spoiler", "codeblock", "code", "escape", "angle"
    (mentions, custom emoji, timestamps, autolinks), "link" (masked links) and "url". Readers of message
    text skip these: what is inside a spoiler is already hidden, and code and links are not prose. Text
    with none of the characters that start them (most chat) is not parsed at all.
    """
    if _MARKUP_STARTS.search(text) is None:
        return []
    return [(t.start, t.end, t.kind) for t in tokens(text, links=True) if t.kind != "text"]


def in_regions(position: int, regions: Sequence[tuple[int, int, str]]) -> bool:
    """Whether the position is inside one of the regions `markup_regions` found."""
    return any(start <= position < end for start, end, _ in regions)


def _rewrite(text: str, change: dict[str, Callable[[str], str]], *, links: bool = False) -> str:
    """The text with the raw source of each token of the given kinds replaced."""
    parts = []
    for token in tokens(text, links=links):
        raw = text[token.start : token.end]
        parts.append(change[token.kind](raw) if token.kind in change else raw)
    return "".join(parts)


# Reading what Discord shows --------------------------------------------------------------------------------


def visible_text(message_text: str) -> str:
    """The text with every ||...|| span removed: what a reader sees without clicking anything.

    Code blocks inside a spoiler are kept: Discord clients have shown them unhidden.
    """
    parts = []
    for token in tokens(message_text):
        raw = message_text[token.start : token.end]
        if token.kind != "spoiler":
            parts.append(raw)
            continue
        inside = raw[len(MARKER) : -len(MARKER)]
        parts.extend(inside[t.start : t.end] for t in tokens(inside) if t.kind == "codeblock")
    return "".join(parts)


def spoilered_parts(message_text: str) -> list[str]:
    """The insides of the ||...|| spans, in order."""
    return [
        message_text[token.start + len(MARKER) : token.end - len(MARKER)]
        for token in tokens(message_text)
        if token.kind == "spoiler"
    ]


def without_spoiler_tags(text: str) -> str:
    """The text without its own spoiler tags (what they held stays)."""
    return _rewrite(text, {"spoiler": lambda raw: raw[len(MARKER) : -len(MARKER)]})


# Hiding text whole ----------------------------------------------------------------------------------------


def wrap(text: str) -> str:
    """The whole text as exactly one spoiler that Discord's markdown can neither end early nor bypass."""
    if not text.strip():
        return text
    body = without_spoiler_tags(text)
    if not body.strip():  # it was only spoiler tags around blanks
        return body
    body = _settle(_break_markers(body))
    return f"{MARKER}{_pad_edges(body)}{MARKER}"


def _settle(text: str) -> str:
    """Code blocks as inline code and bare URLs in angle brackets, until neither undoes the other.

    Spoilers hide inline code, but a code block inside one may show unhidden; a bare URL would swallow the
    closing tag (and `<url>` shows no preview). Brackets around a URL can move where a backtick's code span
    starts, and so let a code block appear: then both are done again.
    """
    for _ in range(3):  # the bound is only a guard
        text = _bracket_urls(_flatten_code_blocks(text))
        if not _has_code_block(text):
            return text
    return _bracket_urls(text.replace("`", "ˋ"))


def _bracket_urls(text: str) -> str:
    return _rewrite(text, {"url": lambda raw: f"<{raw}>"}, links=True)


def _has_code_block(text: str) -> bool:
    return any(token.kind == "codeblock" for token in tokens(text))


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
        if not _has_code_block(text):
            return text
        text = _rewrite(text, {"codeblock": _code_block_inline})
    return text.replace("`", "ˋ")


def _code_block_inline(raw: str) -> str:
    block = _CODE_BLOCK.fullmatch(raw)
    assert block is not None  # the token was matched by this very rule
    return _inline_code(block[1])


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


# Showing a piece as is, next to others ----------------------------------------------------------------------


def seal(text: str) -> str:
    """A piece shown as is, closed so that nothing it opens can swallow a spoiler after it.

    Unmatched backticks and `<` (an autolink may run across lines), and `*`, `_`, `~` of odd count, are
    escaped, which looks the same; a `||` with no partner gets a zero-width space. Only plain text is
    touched.
    """
    text = _pin_code_spans(text)
    plain = [text[t.start : t.end] for t in tokens(text) if t.kind == "text"]
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
        loose = next((t for t in tokens(text) if _is_code(t) and _moves(probe, t)), None)
        if loose is None:
            break
        text = f"{text[: loose.start]}\\{text[loose.start :]}"
    return text


def _is_code(token: Token) -> bool:
    return token.kind in ("code", "codeblock")


def _moves(probe: str, token: Token) -> bool:
    return _match_at(probe, token.start, links=False) != (token.kind, token.end)
