"""Episode references ("s2e5", "2x05", "season 2 episode 5", "season 3") next to an event word: they reveal
that episode.

They are looked for only when the folded message has both a word where one can start (`REFERENCE_START`)
and an event word (the compiled lexicon's `event_filter`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from bot.canon.lexicon import fold
from bot.canon.models import EpisodeCode
from bot.shield.detector.matching import Occurrence, Sorted, item_occurrences, nearest
from bot.shield.detector.reading import Message
from bot.shield.detector.rules import CompiledLexicon
from bot.shield.detector.spans import REFERENCE_RULE, Span

_NUMBERS = {"one": 1, "two": 2, "thre": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8}
_SEASON_WORDS = frozenset({"season", "series", "s", "szn"})
_EPISODE_WORDS = frozenset({"episode", "ep", "e", "eps", "episodes"})
_CODE_KEY = re.compile(r"s(\d{1,2})e(?:p)?(\d{1,2})|(\d{1,2})x(\d{1,2})")
_SEASON_KEY = re.compile(r"s(\d{1,2})")
_EPISODE_KEY = re.compile(r"e(?:p)?(\d{1,2})")
# Where an episode reference can start, on folded text: "s2e5", "s2", "2x05", "season", "series", "episode".
REFERENCE_START = re.compile(
    r"\b(?:s\d{1,2}(?:ep?\d{1,2})?|\d{1,2}x\d{1,2}|season|series|szn|s|episodes?|eps?)\b"
)


# A message word where `_reference_at` can find a reference: the words joined by spaces are searched for one.
_KEY_START = re.compile(
    r"\b(?:s\d{1,2}(?:ep?\d{1,2})?|\d{1,2}x\d{1,2}|season|series|szn|s|e|episodes?|eps?)\b"
)


def may_refer(text: str, words: Sequence[str], folded: str | None) -> bool:
    """Whether an episode reference may start in the message (its folded words, and its folded text when
    bot.shield.detector.words folded it whole).

    The words joined by spaces have the same word boundaries as the folded text but where it has an
    underscore (a word character to `\\b`), so the folded text is searched then.
    """
    if folded is None:
        folded = fold(text) if "_" in text else " ".join(words)
    return REFERENCE_START.search(folded) is not None


def reference_spans(lexicon: CompiledLexicon, message: Message) -> list[Span]:
    """The episode references with an event word near them, each spanning both."""
    if _KEY_START.search(" ".join(message.keys)) is None:
        return []  # most messages: no word a reference starts with, found without reading word by word
    references = list(_references(lexicon, message))
    if not references:
        return []
    events = Sorted(item_occurrences(lexicon, lexicon.events, message))
    spans = []
    for first, last, code in references:
        reference = Occurrence(first, last, name=False)
        # The window is the gap to the event: "season 3 episode 7" is four words but one reference.
        event = nearest(events, [reference], message.groups, lexicon.event_window + last - first)
        if event is not None:
            start, end = min(first, event.first), max(last, event.last)
            spans.append(Span(message.starts[start], message.ends[end], code, REFERENCE_RULE))
    return spans


def _references(lexicon: CompiledLexicon, message: Message) -> Iterator[tuple[int, int, EpisodeCode]]:
    """Episode references: (first word, last word, episode). A season alone means its first episode."""
    keys = message.keys
    index = 0
    while index < len(keys):
        found = _reference_at(keys, index)
        if found is not None:
            last, code = found
            if code in lexicon.episodes:
                yield index, last, code
            index = last + 1
        else:
            index += 1


def _number(key: str) -> int | None:
    if key.isdigit() and len(key) <= 2:  # seasons and episodes: one or two digits
        return int(key)
    return _NUMBERS.get(key)


def _reference_at(keys: Sequence[str], index: int) -> tuple[int, EpisodeCode] | None:
    """An episode reference starting at keys[index]: (its last word, the episode), or None."""
    key = keys[index]
    whole = _CODE_KEY.fullmatch(key)
    if whole is not None:
        written = (whole[1], whole[2]) if whole[1] else (whole[3], whole[4])
        return index, EpisodeCode(int(written[0]), int(written[1]))
    season: int | None = None
    last = index
    short = _SEASON_KEY.fullmatch(key)
    if short is not None:
        season = int(short[1])
    elif key in _SEASON_WORDS and index + 1 < len(keys):
        season = _number(keys[index + 1])
        last = index + 1
    elif key in _EPISODE_WORDS and index + 3 < len(keys):  # "episode 5 of season 2"
        episode = _number(keys[index + 1])
        if episode is not None and keys[index + 2] in ("of", "in"):
            found = _reference_at(keys, index + 3)
            if found is not None and found[1].number == 1:
                return found[0], EpisodeCode(found[1].season, episode)
        return None
    if season is None:
        return None
    after = last + 1
    if after < len(keys):
        joined = _EPISODE_KEY.fullmatch(keys[after])
        if joined is not None:
            return after, EpisodeCode(season, int(joined[1]))
        if keys[after] in _EPISODE_WORDS and after + 1 < len(keys):
            episode = _number(keys[after + 1])
            if episode is not None:
                return after + 1, EpisodeCode(season, episode)
    return last, EpisodeCode(season, 1)
