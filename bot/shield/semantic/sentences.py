"""Sentences of a message as the shield reads them, and the semantic reader's prefilter. Pure Python."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.canon.lexicon import WORD, fold
from bot.shield.detector import sentence_groups
from bot.spoilers.markdown import in_regions, markup_regions

_POSSESSIVE = re.compile(r"'s$")


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of a message: text[start:end], its prose (hidden parts blanked), its words folded as
    the lexicon folds them, and its words only lowercased (names are matched on these: "been" folds to
    "ben")."""

    start: int
    end: int
    prose: str
    words: tuple[str, ...]
    lowered: tuple[str, ...]


def sentences(text: str) -> list[Sentence]:
    """The message's sentences as the detector reads them (its own grouping), with offsets into the text.

    Text inside ||spoilers||, code, links, mentions and custom emoji is skipped (as Discord parses them:
    bot.spoilers.markdown's model). Sentences end at . ! ? … before a space and at line breaks;
    one of one or two words belongs with its neighbours.
    """
    regions = markup_regions(text)
    words = [m for m in WORD.finditer(text) if not in_regions(m.start(), regions)]
    if not words:
        return []
    numbers = sentence_groups(text, [word.start() for word in words], regions)  # the detector's sentences
    groups: list[list[re.Match[str]]] = [[words[0]]]
    for index in range(1, len(words)):
        if numbers[index] != numbers[index - 1]:
            groups.append([])
        groups[-1].append(words[index])
    found = []
    for group in groups:
        start, end = group[0].start(), group[-1].end()
        prose = text[start:end]
        inside = [(max(a, start), min(b, end)) for a, b, _ in regions if a < end and start < b]
        for a, b in inside:  # blanked, so the encoder never reads what is hidden or not prose
            prose = prose[: a - start] + " " * (b - a) + prose[b - start :]
        folded = tuple(fold(m.group()) for m in group)
        found.append(Sentence(start, end, " ".join(prose.split()), folded, tuple(map(lowered, group))))
    return found


def lowered(word: re.Match[str] | str) -> str:
    """A word lowercased, with a possessive 's and curly apostrophes gone, and nothing else changed."""
    text = word.group() if isinstance(word, re.Match) else word
    return _POSSESSIVE.sub("", text.casefold().replace("’", "'").replace("ʼ", "'"))


class Prefilter:
    """Whether a sentence could tell a plot beat: it holds a place or show word (a topic: a word, or words
    in a row), or it names a character and says something beyond the everyday words fans use about any
    character ("so cute", "omg").
    """

    def __init__(
        self, names: Iterable[str], topics: Iterable[tuple[str, ...]], ordinary: Iterable[str]
    ) -> None:
        self.names = frozenset(names)
        self.ordinary = frozenset(ordinary)
        topics = set(topics)
        self.topic_words = frozenset(topic[0] for topic in topics if len(topic) == 1)
        self.topic_phrases = frozenset(topic for topic in topics if len(topic) > 1)
        self.phrase_sizes = sorted({len(topic) for topic in self.topic_phrases})

    def __call__(self, sentence: Sentence) -> bool:
        words = sentence.words
        anchored = said = False
        for index, word in enumerate(words):
            if word in self.topic_words:
                return True
            for size in self.phrase_sizes:
                if tuple(words[index : index + size]) in self.topic_phrases:
                    return True
            if sentence.lowered[index] in self.names:
                anchored = True
            elif not said and word not in self.ordinary and not word.isdigit():
                said = True
        return anchored and said
