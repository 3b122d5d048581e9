"""Cutting text too long for one Discord message into several, without changing what any reader sees.

A cut falls between paragraphs, lines, sentences or clauses where one lies in the second half of the room
(so no piece is needlessly short), else between words, else anywhere in plain text. It never falls inside a
||spoiler||, code, a link, a mention or an escape (Discord's markdown as bot.spoilers.markdown models it), nor
inside a character sequence such as an emoji with a skin tone. Pure functions: no Discord, no database.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.spoilers.layout import joins_previous
from bot.spoilers.markdown import spoilered_parts, tokens, without_spoiler_tags, wrap

CONTENT_MAX = 2000  # Discord's limit on a message's content for bots and webhooks
ZWJ = "\u200d"
_MARKERS = 4  # the || and || that wrap() puts around a piece

# Where text may be cut, strongest first: each match is the whitespace dropped between two pieces.
_BREAKS = (
    re.compile(r"\n[ \t]*\n\s*"),  # a blank line
    re.compile(r"\n\s*"),
    re.compile(r"(?<=[.!?…])[ \t]+"),  # after a sentence
    re.compile(r"(?<=[,;:])[ \t]+|[ \t]+(?=[-–—][ \t])"),  # after a clause
    re.compile(r"\s+"),  # between words
)

Cut = tuple[int, int]  # the piece ends at the first, the next one starts at the second


def split_message(text: str, limit: int = CONTENT_MAX) -> list[str] | None:
    """The text in pieces of at most `limit` characters, each spoiler, code span, link and mention whole
    in one piece; None when one of them is itself longer than `limit`."""
    if len(text) <= limit:
        return [text]
    pieces = _split(text, limit, keep_whole=True)
    if pieces is None or _spoilers(pieces) != spoilered_parts(text):
        return None  # a cut changed how Discord reads the text: better wrap it whole
    return pieces


def split_text(text: str, limit: int = CONTENT_MAX) -> list[str]:
    """Like split_message, but a construct longer than `limit` is cut too: for text with nothing to hide."""
    return split_message(text, limit) or _split(text, limit, keep_whole=False) or [text]


def wrap_in_pieces(text: str, limit: int = CONTENT_MAX) -> list[str]:
    """The whole text hidden, in pieces of at most `limit` characters that are each one spoiler."""
    # Its own spoilers go inside the one around each piece, so none is cut in two.
    text = without_spoiler_tags(text)
    room = limit - _MARKERS
    while True:
        pieces = [wrap(piece) for piece in split_text(text, room)]
        over = max(len(piece) for piece in pieces) - limit
        if over <= 0 or room == 1:
            return pieces
        room = max(1, room - over)  # wrapping added escapes and zero-width spaces: cut smaller pieces


def _spoilers(pieces: Sequence[str]) -> list[str]:
    return [inside for piece in pieces for inside in spoilered_parts(piece)]


def _split(text: str, limit: int, *, keep_whole: bool) -> list[str] | None:
    whole = [(t.start, t.end) for t in tokens(text, links=True) if t.kind != "text"] if keep_whole else []
    levels = [[gap for match in rule.finditer(text) if _free(gap := match.span(), whole)] for rule in _BREAKS]
    pieces = []
    start = len(text) - len(text.lstrip())
    while len(text) - start > limit:
        cut = _best_cut(levels, start, limit) or _hard_cut(text, start, limit, whole)
        if cut is None:
            if keep_whole:
                return None
            cut = (start + limit, start + limit)  # nothing but one long character sequence: cut it
        pieces.append(text[start : cut[0]])
        start = cut[1]
    pieces.append(text[start:])
    return [piece for piece in pieces if piece.strip()]


def _free(cut: Cut, whole: Sequence[tuple[int, int]]) -> bool:
    """Whether a cut leaves every construct that must stay whole on one side."""
    return not any(start < cut[0] < end or start < cut[1] < end for start, end in whole)


def _best_cut(levels: Sequence[Sequence[Cut]], start: int, limit: int) -> Cut | None:
    """The last cut of the strongest kind in the room, preferring one that leaves the piece half full."""
    for shortest in (limit // 2, 1):
        for cuts in levels:
            fitting = [cut for cut in cuts if shortest <= cut[0] - start <= limit]
            if fitting:
                return fitting[-1]
    return None


def _hard_cut(text: str, start: int, limit: int, whole: Sequence[tuple[int, int]]) -> Cut | None:
    """A cut between two characters, as late as the room allows, outside constructs and sequences."""
    for position in range(start + limit, start, -1):
        if _free((position, position), whole) and not _in_sequence(text, position):
            return position, position
    return None


def _in_sequence(text: str, position: int) -> bool:
    return position < len(text) and (joins_previous(text[position]) or text[position - 1] == ZWJ)
