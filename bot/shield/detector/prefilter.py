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


class _Node:
    """What may follow a message word that entries start with: a trie of the entries' other words."""

    __slots__ = ("begins", "end", "exact")

    def __init__(self) -> None:
        self.end = False  # an entry ends here: the words so far are enough
        self.exact: dict[str, _Node] = {}
        self.begins: list[tuple[str, _Node]] = []  # (a word beginning, the node after a word it begins)

    def add(self, rest: _Rest) -> None:
        node = self
        for word, begins in rest:
            if node.end:
                return  # a shorter entry already holds wherever this one does
            if begins:
                child = next((found for prefix, found in node.begins if prefix == word), None)
                if child is None:
                    child = _Node()
                    node.begins.append((word, child))
            else:
                child = node.exact.setdefault(word, _Node())
            node = child
        node.end = True
        node.exact, node.begins = {}, []

    def holds(self, words: Sequence[str], start: int) -> bool:
        """Whether some entry's rest is the words from `start` on."""
        if self.end:
            return True
        if start >= len(words):
            return False
        word = words[start]
        child = self.exact.get(word)
        if child is not None and child.holds(words, start + 1):
            return True
        return any(word.startswith(prefix) and child.holds(words, start + 1) for prefix, child in self.begins)


class WordFilter:
    """Whether a message's words hold one of the entries (`matches`). Safe to share between threads."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        self._whole: dict[str, set[_Rest]] = {}
        self._begins: dict[str, set[_Rest]] = {}
        for entry in entries:
            (word, begins), rest = entry[0], entry[1:]
            (self._begins if begins else self._whole).setdefault(word, set()).add(rest)
        self._lengths = tuple(sorted({len(word) for word in self._begins}))
        self._forget()

    def _forget(self) -> None:
        # Message words already looked up, and those an entry starts with (with what may follow them).
        self._seen: set[str] = set()
        self._starts: dict[str, _Node] = {}

    def __getstate__(self) -> dict[str, object]:
        """Pickled without the words it has seen (bot.shield.detector.rules keeps compiled lexicons)."""
        return {"_whole": self._whole, "_begins": self._begins, "_lengths": self._lengths}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._forget()

    def starts(self, word: str) -> bool:
        """Whether some entry starts with this (folded) word."""
        return word in self._whole or any(word[:length] in self._begins for length in self._lengths)

    def matches(self, words: Sequence[str]) -> bool:
        """Whether the entries hold at some point of `words` (a folded message's words, in order)."""
        seen, starts = self._seen, self._starts  # another thread may start afresh: keep these
        if not seen.issuperset(words):
            self._learn(words, seen, starts)
        if starts.keys().isdisjoint(words):
            return False
        for index, word in enumerate(words):
            node = starts.get(word)
            if node is not None and node.holds(words, index + 1):
                return True
        return False

    def _learn(self, words: Iterable[str], seen: set[str], starts: dict[str, _Node]) -> None:
        if len(seen) > _SEEN_LIMIT:
            self._forget()
        for word in set(words) - seen:
            rests = set(self._whole.get(word, ()))
            for length in self._lengths:
                if length > len(word):
                    break
                rests.update(self._begins.get(word[:length], ()))
            if rests:
                node = _Node()
                for rest in sorted(rests, key=len):  # the shortest first: it makes longer ones needless
                    node.add(rest)
                starts[word] = node
            seen.add(word)
