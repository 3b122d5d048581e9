"""The prefilter: whether a folded message holds any of many words and phrases, most chat stopping here.

An entry is a run of words, each either a whole word or a word beginning ("nic" for any word starting so).
A message is split into its words once, as the detector reads them (letters and digits, after folding),
and each distinct word is looked up once per process, since chat repeats its words: a message with no
entry's first word in it is decided by two set operations. Building a filter from the lexicon's twenty
thousand entries takes tens of milliseconds; one regular expression holding them takes over a second to
compile.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

Entry = tuple[tuple[str, bool], ...]  # (word, True when any word it begins counts), in order
_Rest = tuple[tuple[str, bool], ...]  # the words after an entry's first

# The words of a folded message, as bot.canon.lexicon.WORD finds them: folding took out the apostrophes and
# combining marks WORD allows for, and this simpler pattern is about a third faster on every message.
WORDS = re.compile(r"[^\W_]+")
_SEEN_LIMIT = 50_000  # message words remembered, before starting afresh


class WordFilter:
    """Whether a message's words hold one of the entries (`matches`). Safe to share between threads."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        self._whole: dict[str, set[_Rest]] = {}
        self._begins: dict[str, set[_Rest]] = {}
        for entry in entries:
            (word, begins), rest = entry[0], entry[1:]
            (self._begins if begins else self._whole).setdefault(word, set()).add(rest)
        self._lengths = tuple(sorted({len(word) for word in self._begins}))
        # Message words already looked up, and those an entry starts with (with what must follow them).
        self._seen: set[str] = set()
        self._starts: dict[str, tuple[_Rest, ...]] = {}

    def matches(self, words: Sequence[str]) -> bool:
        """Whether the entries hold at some point of `words` (a folded message's words, in order)."""
        seen, starts = self._seen, self._starts  # another thread may start afresh: keep these
        if not seen.issuperset(words):
            self._learn(words, seen, starts)
        if starts.keys().isdisjoint(words):
            return False
        for index, word in enumerate(words):
            for rest in starts.get(word, ()):
                if _follows(words, index + 1, rest):
                    return True
        return False

    def _learn(self, words: Iterable[str], seen: set[str], starts: dict[str, tuple[_Rest, ...]]) -> None:
        if len(seen) > _SEEN_LIMIT:
            self._seen, self._starts = set(), {}
        for word in set(words) - seen:
            rests = set(self._whole.get(word, ()))
            for length in self._lengths:
                if length > len(word):
                    break
                rests.update(self._begins.get(word[:length], ()))
            if rests:
                starts[word] = tuple(sorted(rests, key=len))  # a lone word, the commonest entry, first
            seen.add(word)


def _follows(words: Sequence[str], start: int, rest: _Rest) -> bool:
    if start + len(rest) > len(words):
        return False
    for offset, (wanted, begins) in enumerate(rest):
        word = words[start + offset]
        if word != wanted and not (begins and word.startswith(wanted)):
            return False
    return True
