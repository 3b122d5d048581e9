"""A message as the detector reads it: its plain words, folded, with the lexicon words each one matches.

Text already hidden or not plain prose (||spoilers||, code, links, mentions, custom emoji, as Discord
parses them: bot.spoilers.markdown) is skipped; every other word gets the lexicon words it matches.
Sentences of one or two words ("charlie. fainting.") join their neighbours, as fans write for emphasis.
"his brother" and "nick's aunt" count as naming the relative.
"""

from __future__ import annotations

import re
from bisect import bisect_right, insort
from collections.abc import Sequence

from bot.canon.lexicon import WORD, fold
from bot.shield.detector.rules import CompiledLexicon
from bot.spoilers.markdown import in_regions, markup_regions

_KNOWN_LIMIT = 50_000  # message words remembered with what they match, before starting afresh
_SHORT_SENTENCE = 2  # words: "charlie. fainting." is one thought
_SENTENCE_END = re.compile(r"[.!?…]+(?=\s|$)|\n")
_POSSESSIVES = frozenset({"his", "her", "their"})
_LETTER_RUN = re.compile(r"([^\W\d_])\1*")
_APOSTROPHE_S = re.compile(r"['’ʼ]s$|['’ʼ]")


class Message:
    """A message's plain words: where each is, what lexicon words it matches, which sentence it is in."""

    __slots__ = ("_groups", "_regions", "_text", "ends", "keys", "positions", "public", "starts")

    def __init__(self, text: str = "", regions: Sequence[tuple[int, int, str]] = ()) -> None:
        self._text, self._regions = text, regions
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.keys: list[str] = []
        self._groups: list[int] | None = None
        self.positions: dict[int, list[int]] = {}  # slot -> indexes of the words that match it
        self.public: set[int] | None = None  # the words that cannot say what happens, once looked for

    @property
    def groups(self) -> list[int]:
        """Each word's sentence (`sentence_groups`), found the first time a rule needs them: most messages
        that get past the prefilter are done with before."""
        if self._groups is None:
            self._groups = sentence_groups(self._text, self.starts, self._regions)
        return self._groups


def read(text: str, lexicon: CompiledLexicon) -> Message:
    """The message's plain words, each with the slots of the lexicon words it matches."""
    regions = markup_regions(text)
    message = Message(text, regions)
    # Words inside a spoiler, code, link, mention or custom emoji are left out.
    matches = [
        match for match in WORD.finditer(text) if not regions or not in_regions(match.start(), regions)
    ]
    known = lexicon.known
    found = [known.get(match.group()) or _learn(match.group(), lexicon) for match in matches]
    message.starts = [match.start() for match in matches]
    message.ends = [match.end() for match in matches]
    message.keys = keys = [key for key, _ in found]
    positions = message.positions
    for index, (_, slots) in enumerate(found):
        for slot in slots:
            if slot in positions:
                positions[slot].append(index)
            else:
                positions[slot] = [index]
    if not lexicon.roles.keys().isdisjoint(keys):
        _resolve_roles(message, lexicon)
    return message


def sentence_groups(text: str, starts: Sequence[int], regions: Sequence[tuple[int, int, str]]) -> list[int]:
    """Each word's sentence, where a sentence of one or two words belongs with its neighbours."""
    ends = [m.end() for m in _SENTENCE_END.finditer(text) if not in_regions(m.start(), regions)]
    if not ends:
        return [0] * len(starts)
    sentence = [bisect_right(ends, start) for start in starts]
    sizes: dict[int, int] = {}
    for number in sentence:
        sizes[number] = sizes.get(number, 0) + 1
    group, groups = 0, []
    for index, number in enumerate(sentence):
        previous = sentence[index - 1] if index else number
        if number != previous and min(sizes[previous], sizes[number]) > _SHORT_SENTENCE:
            group += 1
        groups.append(group)
    return groups


def _resolve_roles(message: Message, lexicon: CompiledLexicon) -> None:
    """ "his brother", "nick's aunt", "her girlfriend": the relative or partner counts as named.

    The owner is the name right before the role word, or, after his/her/their, the nearest character
    named earlier in the message who has such a relative; with none named, everyone who has one.
    """
    keys, positions = message.keys, message.positions
    named: list[frozenset[str]] = [frozenset()] * len(keys)
    for slot, indexes in positions.items():
        characters = lexicon.slot_characters.get(slot)
        if characters:
            for index in indexes:
                named[index] = named[index] | characters
    for index, key in enumerate(keys):
        pairs = lexicon.roles.get(key)
        if not pairs or not index:
            continue
        owners = frozenset(owner for owner, _ in pairs)
        before = keys[index - 1]
        if named[index - 1] & owners:
            chosen = named[index - 1] & owners
        elif before in _POSSESSIVES:
            earlier = (named[i] & owners for i in range(index - 2, -1, -1))
            chosen = next((found for found in earlier if found), owners)
        else:
            continue  # "a brother", "my mum": nobody in the show
        for owner, slot in pairs:
            if owner in chosen:
                insort(positions.setdefault(slot, []), index)


def _learn(word: str, lexicon: CompiledLexicon) -> tuple[str, tuple[int, ...]]:
    """A word's folded form and lexicon words, remembered: chat repeats its words all the time."""
    known = lexicon.known
    if len(known) > _KNOWN_LIMIT:
        known.clear()
    key = fold(word)
    slots = lexicon.slots.of(key)
    if slots and not lexicon.name_slots.isdisjoint(slots) and _not_a_name(word, lexicon.doubled):
        slots = tuple(slot for slot in slots if slot not in lexicon.name_slots)
    found = known[word] = (key, slots)
    return found


def _not_a_name(word: str, doubled: frozenset[str]) -> bool:
    """ "been" folds to "ben": a doubled letter that no spelling of a name has makes another word.

    Letters stretched for emphasis ("beeen", "nickk") are three or more, or at the end of the word.
    """
    plain = _APOSTROPHE_S.sub("", word.casefold())
    if plain in doubled or plain[:-1] in doubled:
        return False
    return any(len(run.group()) == 2 and run.end() < len(plain) for run in _LETTER_RUN.finditer(plain))
