"""Rewriting a message so that the clauses holding plot details are behind ||spoiler|| tags.

Wrapping keeps the author's words: each span grows to its clause (commas, sentence ends, line breaks and
emoji end one) or the quotation it sits in, then to whole markdown emphasis and code spans; adjacent
clauses merge; only `||` and, where a `|` or `\\` would break a marker, zero-width spaces are inserted.
Existing spoilers, code blocks and links are never entered. The result is checked with the markdown model
in bot.spoilers.markdown; if some markdown could still show a spoiler, the whole message is wrapped instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from bot.canon.lexicon import WORD
from bot.shield.detector.spans import Span
from bot.spoilers.markdown import MARKER, ZWSP, in_regions, markup_regions, tokens, wrap

_HARD = frozenset({"spoiler", "codeblock", "url", "link"})  # a spoiler marker must never go inside these
_EMOJI_CHAR = (
    "\u00a9\u00ae\u203c\u2049\u2122\u2139\u2194-\u21aa\u231a-\u23ff\u24c2\u25aa-\u27bf\u2934\u2935"
    "\u2b05-\u2b55\u3030\u303d\u3297\u3299\U0001f000-\U0001faff"
)
_EMOJI_PART = "\ufe0e\ufe0f\u200d\u20e3\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f"
_EMOJI_RUN = re.compile(f"[{_EMOJI_CHAR}][{_EMOJI_CHAR}{_EMOJI_PART} \t]*")
_CLAUSE_GAP = re.compile(r"(?<=[.!?…])[ \t]+|[,;:]+(?:[ \t]+|(?=\n)|$)|[ \t]+[-–—]+[ \t]+|\n")
_QUOTED = re.compile(r"“[^”\n]{1,400}”|\"[^\"\n]{1,400}\"|«[^»\n]{1,400}»")
_EMPHASIS = re.compile(r"(\*\*|__|~~|\*|_)(?=\S)([\s\S]+?)(?<=\S)\1")
_LINE_PREFIX = re.compile(r"(?:>>> |> |-# |#{1,3} |[-*+] |\d{1,3}[.)] )+")
_GLUED = re.compile(r"\S*")
_EDGE = re.compile(f"[\\s{_EMOJI_CHAR}{_EMOJI_PART}]+")


@dataclass(slots=True)
class _Unit:
    start: int
    end: int


def wrap_spans(text: str, spans: Sequence[Span]) -> str:
    """The text with the clause of each span in ||...|| (see the module docstring).

    Used by every reader that finds spans (the lexicon's detector, the semantic reader), so clauses,
    markdown and the fallback to wrapping the whole message are handled in one place.
    """
    regions = markup_regions(text)
    gaps = _gaps(text, regions)
    units = _merge(text, [_unit(text, span, gaps, regions) for span in spans])
    pieces = [piece for unit in units for piece in _pieces(text, unit, regions)]
    wrapped, moved = _insert_markers(text, pieces, regions)
    if _hides(text, wrapped, moved, pieces, spans, regions):
        return wrapped
    return wrap(text)  # some markdown construct would still show a spoiler: hide the whole message


def _gaps(text: str, regions: Sequence[tuple[int, int, str]]) -> list[tuple[int, int]]:
    """Where one clause ends and the next begins, as (start, end) of the text between them."""
    gaps = [m.span() for m in _CLAUSE_GAP.finditer(text) if not in_regions(m.start(), regions)]
    gaps += [m.span() for m in _EMOJI_RUN.finditer(text) if not in_regions(m.start(), regions)]
    gaps += [
        (start, end) for start, end, kind in regions if kind in _HARD or _is_custom_emoji(text[start:end])
    ]
    return sorted(gaps)


def _is_custom_emoji(raw: str) -> bool:
    return re.fullmatch(r"<a?:\w+:\d+>", raw) is not None


def _unit(
    text: str, span: Span, gaps: Sequence[tuple[int, int]], regions: Sequence[tuple[int, int, str]]
) -> _Unit:
    start = max((end for gap_start, end in gaps if end <= span.start), default=0)
    end = min((gap_start for gap_start, gap_end in gaps if gap_start >= span.end), default=len(text))
    unit = _Unit(start, end)
    quoted = next(
        (
            m
            for m in _QUOTED.finditer(text, unit.start, unit.end)
            if m.start() < span.start and span.end < m.end()
        ),
        None,
    )
    if quoted is not None:
        unit = _Unit(*quoted.span())
    _trim(text, unit, keep=span)
    _cover_markdown(text, unit, regions)
    return unit


def _trim(text: str, unit: _Unit, keep: Span) -> None:
    """Whitespace and emoji at the edges, and a line's markdown prefix ("> ", "# "), stay outside."""
    while unit.start < keep.start:
        edge = _EDGE.match(text, unit.start, keep.start)
        prefix = _LINE_PREFIX.match(text, unit.start, keep.start) if _line_start(text, unit.start) else None
        step = max(edge.end() if edge else unit.start, prefix.end() if prefix else unit.start)
        if step == unit.start:
            break
        unit.start = step
    while unit.end > keep.end and _EDGE.fullmatch(text[unit.end - 1]):
        unit.end -= 1


def _line_start(text: str, position: int) -> bool:
    return position == 0 or text[:position].rstrip(" \t").endswith("\n") or not text[:position].strip()


def _cover_markdown(text: str, unit: _Unit, regions: Sequence[tuple[int, int, str]]) -> None:
    """Grow the unit until no emphasis or inline code is cut in two by a spoiler marker."""
    pairs = (
        [(m.start(), m.start(2), m.end(2), m.end()) for m in _EMPHASIS.finditer(text)]
        if any(char in text for char in "*_~")
        else []
    )
    soft = [(start, end) for start, end, kind in regions if kind not in _HARD]
    changed = True
    while changed:
        changed = False
        for outer_start, inner_start, inner_end, outer_end in pairs:
            overlaps = unit.start < outer_end and outer_start < unit.end
            inside = inner_start <= unit.start and unit.end <= inner_end
            covers = unit.start <= outer_start and outer_end <= unit.end
            if overlaps and not inside and not covers:
                unit.start, unit.end = min(unit.start, outer_start), max(unit.end, outer_end)
                changed = True
        for start, end in soft:
            if start < unit.start < end or start < unit.end < end:
                unit.start, unit.end = min(unit.start, start), max(unit.end, end)
                changed = True


def _merge(text: str, units: list[_Unit]) -> list[_Unit]:
    """Overlapping units become one, and so do units with only spaces or , ; : between them."""
    merged: list[_Unit] = []
    for unit in sorted(units, key=lambda u: (u.start, u.end)):
        if merged and (unit.start <= merged[-1].end or _joinable(text[merged[-1].end : unit.start])):
            merged[-1].end = max(merged[-1].end, unit.end)
        else:
            merged.append(_Unit(unit.start, unit.end))
    return merged


def _joinable(between: str) -> bool:
    return re.fullmatch(r"[ \t,;:]*", between) is not None


def _pieces(text: str, unit: _Unit, regions: Sequence[tuple[int, int, str]]) -> Iterator[tuple[int, int]]:
    """The unit cut around existing spoilers, code blocks and links, each piece trimmed of edge blanks."""
    cuts = [
        region for region in regions if region[2] in _HARD and region[0] < unit.end and unit.start < region[1]
    ]
    position, after_url = unit.start, False
    for start, end, kind in [*cuts, (unit.end, unit.end, "")]:
        piece_start, piece_end = position, min(start, unit.end)
        if after_url:  # Discord reads "https://x.com/a,||" as one link: what touches a link stays outside
            glued = _GLUED.match(text, piece_start, piece_end)
            piece_start = glued.end() if glued else piece_start
        edge = _EDGE.match(text, piece_start, piece_end)
        if edge:
            piece_start = edge.end()
        while piece_end > piece_start and _EDGE.fullmatch(text[piece_end - 1]):
            piece_end -= 1
        if piece_end > piece_start:
            yield piece_start, piece_end
        position, after_url = max(position, end), kind == "url"


def _insert_markers(
    text: str, pieces: Sequence[tuple[int, int]], regions: Sequence[tuple[int, int, str]]
) -> tuple[str, list[int]]:
    """The text with ||...|| around each piece: (wrapped text, where each original character now is).

    A zero-width space goes between two pipes that would otherwise read as a marker (a `|` in the text
    next to one of ours, or a stray `||` the text already had), and after a backslash that would escape one.
    """
    insertions: list[tuple[int, str]] = []
    for start, end in pieces:
        before = ZWSP if start and text[start - 1] in "|\\" else ""
        insertions.append((start, before + MARKER + (ZWSP if text[start] == "|" else "")))
        inside_end = ZWSP if text[end - 1] in "|\\" else ""
        after = ZWSP if end < len(text) and text[end] == "|" else ""
        insertions.append((end, inside_end + MARKER + after))
    for match in re.finditer(r"\|(?=\|)", text):  # stray pairs outside existing spoilers
        if not in_regions(match.start(), regions):
            insertions.append((match.start() + 1, ZWSP))
    insertions.sort(key=lambda pair: pair[0])
    parts: list[str] = []
    moved: list[int] = []
    shift = position = 0
    for at, added in insertions:
        parts.append(text[position:at])
        moved.extend(range(position + shift, at + shift))
        parts.append(added)
        shift += len(added)
        position = at
    parts.append(text[position:])
    moved.extend(range(position + shift, len(text) + shift))
    return "".join(parts), moved


def _hides(
    text: str,
    wrapped: str,
    moved: Sequence[int],
    pieces: Sequence[tuple[int, int]],
    spans: Iterable[Span],
    regions: Sequence[tuple[int, int, str]],
) -> bool:
    """True when every prose word of every span is in a piece, and every piece is hidden as Discord parses it.

    Links, code blocks and existing spoilers that a span runs across are left as they were.
    """
    skipped = [region for region in regions if region[2] in _HARD]
    for span in spans:
        for word in WORD.finditer(text, span.start, span.end):
            if not in_regions(word.start(), skipped) and not any(a <= word.start() < b for a, b in pieces):
                return False
    hidden = [(t.start + len(MARKER), t.end - len(MARKER)) for t in tokens(wrapped) if t.kind == "spoiler"]
    return all(any(start <= moved[a] and moved[b - 1] < end for start, end in hidden) for a, b in pieces)
