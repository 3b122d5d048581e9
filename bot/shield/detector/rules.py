"""The lexicon compiled for reading chat: numbered words, the rules over them, and the prefilter.

A rule can only match where all its items occur, so each rule is indexed by its least common item, and
one word filter (bot.shield.detector.prefilter) holds the words and phrases of those items with their
typos: a message's folded words are looked up once, and most chat stops there. A server's own terms are
added on top of a copy (`with_terms`), with a small filter of their own: the copy shares the lexicon's
tables and changes only what the terms add, so adding a term costs about what the term's own words do.

Compiling takes a few tenths of a second, so a lexicon is compiled once per process (`compiled`), however
many detectors (one per server, with its terms) and readers are made from it.
"""

from __future__ import annotations

import copy
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence, Set
from dataclasses import dataclass
from itertools import product

from bot.canon.lexicon import STEM, WORD, Lexicon, Phrase, fold
from bot.canon.models import EpisodeCode
from bot.shield.detector.kept import load_or_build
from bot.shield.detector.prefilter import Entry, WordFilter
from bot.shield.detector.spans import SERVER_TERM_RULE, ServerTerm

# Never chosen as the word that lets a message past the prefilter when a phrase has a rarer one, and never
# produced as a typo of a lexicon word.
_COMMON_WORDS = """
a an the and or but to of in on at by for with from up out off over is was are were be been it i im you
he she we they me him her us them my his our their this that so not no do did does dont didnt doesnt
just get got go went going have has had love said say says tell told back all
what when who why how where here there now then still ever never always much many more most very too
also only even well oh yes yeah ok okay pls please thank thanks guys girl boy man bro sis lol lmao omg
literally actually honestly fr ngl tbh rn idk ive its thats whats cant wont isnt wasnt can will would
should could like know think want need see look looks looked looking watch watching watched show
episode ep season scene part bit moment time day night today tonight week year first last next same
again one two new old good bad best worst great cute hot sad happy real right left big little long
everyone everybody anyone anything everything nothing something someone people friend friends thing
things school home house room party birthday make made take took come came read talk play game hair
feel felt cry crying cried help work class test way life world wait stop
"""
_COMMON = frozenset(_COMMON_WORDS.split())
_TYPO_MIN = 5  # shorter words get no generated typos: too many of them are other words

# Compiling the lexicon ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Pattern:
    words: tuple[str, ...]  # the lexicon's folded words ("pased", "out"); a stem ends in `*`
    slots: tuple[int, ...]  # one per word, in order
    joined: int  # the slot of the words written as one ("lovebite"), or -1
    character: str | None
    rarest: int  # the index of the word least likely in everyday chat


@dataclass(frozen=True, slots=True)
class Item:
    patterns: tuple[Pattern, ...]
    by_slot: dict[int, tuple[Pattern, ...]]  # the word a pattern is looked up by (or joined form) -> it
    evidence: bool
    slots: frozenset[int]  # the keys of by_slot: the item cannot occur without one of them


@dataclass(frozen=True, slots=True)
class CompiledRule:
    id: str
    reveals: EpisodeCode
    items: tuple[Item, ...]
    window: int


_Spellings = dict[int, list[tuple[str, bool]]]  # slot -> (message word, True when any word it begins counts)


class Slots:
    """Every distinct lexicon word, numbered, with the message words that match it (typos included).

    A copy (`copy`) shares its original's tables' sets: it never changes one in place, and it logs what it
    adds, so that its spellings are its original's plus that log (`spellings_since_copy`).
    """

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.exact: dict[str, set[int]] = {}
        self.stems: dict[str, set[int]] = {}
        self.stem_lengths: tuple[int, ...] = ()
        self.inflected: set[str] = set()  # keys that are only inflections of a lexicon word
        self._grown: list[tuple[str, bool, tuple[int, ...]]] | None = None  # a copy's additions, in order
        self._new_exact: list[str] = []  # a copy's new keys in `exact`, in order

    def slot(self, word: str) -> int:
        if word not in self.ids:
            slot = self.ids[word] = len(self.ids)
            if not word.endswith(STEM):
                self._extend(self.exact, word, (slot,))
                return slot
            stem = word[:-1]
            self._extend(self.stems, stem, (slot,))
            if stem.endswith("e"):  # "race*" also matches "racing": English drops the e before -ing
                for ending in ("ing", "in"):
                    self._extend(self.exact, stem[:-1] + ending, (slot,))
        return self.ids[word]

    def _extend(self, table: dict[str, set[int]], key: str, slots: Iterable[int]) -> None:
        """Let `key` match these slots too (in place, but in a copy, where the set is the original's)."""
        if self._grown is None:
            table.setdefault(key, set()).update(slots)
            return
        old = table.get(key)
        grown = set() if old is None else set(old)
        grown.update(slots)
        table[key] = grown
        added = tuple(slot for slot in grown if old is None or slot not in old)
        if added:
            self._grown.append((key, table is self.stems, added))
        if old is None and table is self.exact:
            self._new_exact.append(key)

    def add_typos(self, keys: Iterable[str], keep_apart: Iterable[str]) -> None:
        """Let common typos of these words (keys of the tables) match: one letter dropped, or two
        neighbours swapped.

        A typo that is itself a lexicon word or a common word is left out: it means what it says. Typos are
        looked for first and added after, so a typo of one key never hides another key's.
        """
        keep = frozenset(keep_apart) | _COMMON

        def taken(word: str) -> bool:
            return word in self.exact or word in self.stems or word in keep

        tables = (self.exact, self.stems)
        found: tuple[dict[str, set[int]], dict[str, set[int]]] = ({}, {})
        for key in list(keys):
            for table, variants in zip(tables, found, strict=True):
                if key in table:
                    for variant in _typos(key):
                        if not taken(variant):
                            variants.setdefault(variant, set()).update(table[key])
        for table, variants in zip(tables, found, strict=True):
            for variant, slots in variants.items():
                self._extend(table, variant, slots)
        if self._grown is None:
            self.stem_lengths = tuple(sorted({len(stem) for stem in self.stems}))
        else:  # a copy's stems are its original's and the ones it logged
            grown = {len(key) for key, prefix, _ in self._grown if prefix}
            self.stem_lengths = tuple(sorted(set(self.stem_lengths) | grown))

    def add_families(self, keys: Iterable[str], keep_apart: Iterable[str]) -> None:
        """Let a word's inflections match it: "confess" also "confesses", "confessed", "confessing".

        Like typos, an inflection that is itself a lexicon word or a common word keeps its own meaning.
        """
        taken = set(self.exact) | set(self.stems) | set(keep_apart) | _COMMON
        inflected = set(self.inflected)  # a copy shares its original's
        for key in list(keys):
            for variant in _family(key) - taken:
                self._extend(self.exact, variant, self.exact[key])
                inflected.add(variant)
        self.inflected = inflected

    def copy(self) -> Slots:
        """A copy to add to: it shares this one's sets (see the class docstring); this one stays as it is."""
        copied = Slots()
        copied.ids = dict(self.ids)
        copied.exact = dict(self.exact)
        copied.stems = dict(self.stems)
        copied.stem_lengths = self.stem_lengths
        copied.inflected = self.inflected
        copied._grown = []
        return copied

    def new_exact_keys(self) -> list[str]:
        """A copy's keys in `exact` that its original did not have, in the order they came."""
        return list(self._new_exact)

    def spellings_since_copy(self, original: _Spellings) -> _Spellings:
        """A copy's spellings, from its original's (`original`, its `spellings()`) and what it added."""
        found = dict(original)
        copied: set[int] = set()
        for key, prefix, slots in self._grown or ():
            for slot in slots:
                if slot not in copied:  # the original's list stays as it is
                    found[slot] = list(found.get(slot, ()))
                    copied.add(slot)
                found[slot].append((key, prefix))
        return found

    def of(self, key: str) -> tuple[int, ...]:
        found = self.exact.get(key, ())
        if self.stem_lengths:
            prefixed = [self.stems.get(key[:size]) for size in self.stem_lengths if size <= len(key)]
            if any(prefixed):
                return tuple({*found, *(slot for group in prefixed if group for slot in group)})
        return tuple(found)

    def spellings(self) -> _Spellings:
        """For each slot, every message word that hits it: (word, True when any word it begins counts)."""
        found: _Spellings = {}
        for table, prefix in ((self.exact, False), (self.stems, True)):
            for key, slots in table.items():
                for slot in slots:
                    found.setdefault(slot, []).append((key, prefix))
        return found


def _typos(key: str) -> set[str]:
    if len(key) < _TYPO_MIN or not key.isalpha():
        return set()
    swaps = {key[:i] + key[i + 1] + key[i] + key[i + 2 :] for i in range(len(key) - 1)}
    if len(key) == _TYPO_MIN:
        return swaps - {key}
    drops = {key[:i] + key[i + 1 :] for i in range(len(key))}
    return (swaps | drops) - {key}


_Singles = dict[str, int]  # character -> the slot of one of their one-word names
_SUFFIXES = ("ing", "ed", "es", "s", "d")
_FAMILY_MIN = 3  # letters in a base: "bi" and "ed" have no families


def _family(key: str) -> set[str]:
    """A folded word's inflections: plural and third person, past, -ing, with the base they come from.

    Folding has already squeezed doubled letters, so "stopping" is "stoping": the rules stay simple.
    """
    if len(key) < _FAMILY_MIN or not key.isalpha():
        return set()
    # A base got by taking a suffix off has four letters at least: "leds" (Leeds) is not "led".
    bases = {key} | {
        key[: -len(suffix)] for suffix in _SUFFIXES if key.endswith(suffix) and len(key) - len(suffix) >= 4
    }
    bases |= {base + "e" for base in list(bases) if key.endswith("ing")}  # "loving": "love"
    forms = set()
    for base in bases:
        forms |= {base, base + "s", base + "es", base + "ed", base + "ing"}
        if base.endswith("e"):
            forms |= {base + "d", base[:-1] + "ing"}
        if base.endswith("y") and len(base) > _FAMILY_MIN and base[-2] not in "aeiou":
            forms |= {base[:-1] + "ies", base[:-1] + "ied"}
    return forms - {key}


class CompiledLexicon:
    """The lexicon as numbered words, patterns, rules and prefilter; a server's terms are added on top."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.frequent = lexicon.frequent
        # Public words ("prom", "paris") are everywhere in chat: like common words, poor ones to index by.
        self.ordinary = _COMMON | {
            phrase.words[0].rstrip(STEM) for phrase in lexicon.public_words if len(phrase.words) == 1
        }
        self.keep_apart = frozenset(word for words in lexicon.not_after for word in words) | lexicon.everyday
        self.slots = Slots()
        self.family_words: set[str] = set()  # words of what happens, whose inflections match too
        # Words of names: a phrase such as "{charlie} wants to tell {nick}" is looked for by another word.
        self.name_words = frozenset(
            word
            for rule in lexicon.rules
            for item in rule.items
            for phrase in item
            if phrase.character is not None
            for word in phrase.words
        )
        # The names fans use all the time are as poor a word to look a phrase up by as a common word.
        self.frequent_words = frozenset(
            word
            for rule in lexicon.rules
            for item in rule.items
            for phrase in item
            if phrase.character in lexicon.frequent
            for word in phrase.words
        )
        self.rules = [
            self._rule(rule.id, rule.reveals, rule.items, rule.evidence, rule.window)
            for rule in lexicon.rules
        ]
        self.public = self._item([*lexicon.public_words, *lexicon.public_phrases], evidence=False)
        self.events = self._item(lexicon.events, evidence=True)
        self.slots.add_typos(list(self.slots.exact) + list(self.slots.stems), self.keep_apart)
        self.slots.add_families(sorted(self.family_words), self.keep_apart)
        self.name_slots, self.slot_characters, self.character_slot = self._name_slots(lexicon)
        self.roles = {
            word: tuple((owner, self.character_slot[character]) for owner, character in role.of)
            for role in lexicon.roles
            for word in role.words
        }
        spellings = self.spellings = self.slots.spellings()
        self.by_trigger: dict[int, list[int]] = {}
        self.prefilter = WordFilter(self._index(range(len(self.rules)), spellings))
        self.term_filter: WordFilter | None = None
        self.event_filter = WordFilter(
            entry
            for pattern in self.events.patterns
            for entry in _entries(pattern, spellings, self.slots.inflected)
        )
        # The rest of what reading a message needs from the lexicon.
        self.event_window = lexicon.event_window
        self.not_after = frozenset(lexicon.not_after)
        self.not_after_sizes = tuple(sorted({len(words) for words in lexicon.not_after}))
        self.episodes = frozenset(lexicon.episodes)
        self.doubled = lexicon.doubled
        # Message words already read: their folded form and lexicon words (bot.shield.detector.reading).
        self.known: dict[str, tuple[str, tuple[int, ...]]] = {}
        # Message words that start nothing the filters or episode references look for (detector.py).
        self.quiet: set[str] = set()
        self.checked: set[str] = set()  # the words looked at for that, quiet or not

    def __getstate__(self) -> dict[str, object]:
        """Pickled (bot.shield.detector.kept) without the message words it has met."""
        return {**self.__dict__, "known": {}, "quiet": set(), "checked": set()}

    def _name_slots(self, lexicon: Lexicon) -> tuple[frozenset[int], dict[int, frozenset[str]], _Singles]:
        """The words of names; which characters a one-word name means; one such word for each character."""
        words: set[int] = set()
        characters: dict[int, set[str]] = {}
        single: dict[str, int] = {}
        for rule in self.rules:
            for item in rule.items:
                for pattern in item.patterns:
                    if pattern.character is None:
                        continue
                    words.update(pattern.slots)
                    if len(pattern.slots) == 1 and not pattern.words[0].endswith(STEM):
                        characters.setdefault(pattern.slots[0], set()).add(pattern.character)
                        single.setdefault(pattern.character, pattern.slots[0])
        for role in lexicon.roles:  # a character no rule names yet still gets a word of its own
            for _, character in role.of:
                single.setdefault(character, self.slots.slot(f"@{character}"))
        return frozenset(words), {slot: frozenset(c) for slot, c in characters.items()}, single

    def with_terms(self, terms: Iterable[ServerTerm]) -> CompiledLexicon:
        """A copy that also finds a server's own terms, without compiling the lexicon again: only the
        terms' words, their typos and their rules are added (to tables shared with this one)."""
        phrases = [(term, tuple(fold(word) for word in WORD.findall(term.phrase))) for term in terms]
        phrases = [(term, words) for term, words in phrases if words]
        if not phrases:
            return self
        extended = copy.copy(self)
        extended.slots = self.slots.copy()
        extended.rules = list(self.rules)
        extended.known = {}  # a term's words match more than the lexicon's alone
        extended.quiet, extended.checked = set(), set()
        for term, words in phrases:
            rule_id = f"{SERVER_TERM_RULE}:{' '.join(term.phrase.split())}"
            extended.rules.append(
                extended._rule(rule_id, term.reveals, ((Phrase(words),),), (True,), len(words))
            )
        extended.slots.add_typos(extended.slots.new_exact_keys(), self.keep_apart)
        extended.spellings = extended.slots.spellings_since_copy(self.spellings)
        entries = extended._index(range(len(self.rules), len(extended.rules)), extended.spellings)
        extended.term_filter = WordFilter(entries)
        return extended

    def _index(self, numbers: Iterable[int], spellings: _Spellings) -> set[Entry]:
        """Index each rule by its rarest item; the prefilter entries that let a message reach it.

        `by_trigger`'s lists may be an original's (`with_terms`): a grown one is replaced, not changed.
        """
        entries: set[Entry] = set()
        triggers: dict[int, list[int]] = {}
        for number in numbers:
            rule = self.rules[number]
            item = min(
                (item for item in rule.items if item.patterns),
                key=lambda i: _cost(i, self.ordinary, self.frequent),
            )
            for pattern in item.patterns:
                for slot in _triggers(pattern):
                    triggers.setdefault(slot, []).append(number)
                entries.update(_entries(pattern, spellings, self.slots.inflected))
        self.by_trigger = dict(self.by_trigger)
        for slot, added in triggers.items():
            self.by_trigger[slot] = [*self.by_trigger.get(slot, ()), *added]
        return entries

    def _rule(
        self,
        rule_id: str,
        reveals: EpisodeCode,
        items: Sequence[Sequence[Phrase]],
        evidence: Sequence[bool],
        window: int,
    ) -> CompiledRule:
        compiled = tuple(self._item(item, evidence=says) for item, says in zip(items, evidence, strict=True))
        return CompiledRule(rule_id, reveals, compiled, window)

    def _item(self, phrases: Iterable[Phrase], *, evidence: bool) -> Item:
        patterns = tuple(self._pattern(phrase) for phrase in phrases)
        by_slot: dict[int, list[Pattern]] = {}
        shared = Counter(slot for pattern in patterns for slot in set(pattern.slots))
        for pattern in patterns:
            for slot in _looked_up_by(pattern, shared):
                by_slot.setdefault(slot, []).append(pattern)
        return Item(
            patterns, {slot: tuple(found) for slot, found in by_slot.items()}, evidence, frozenset(by_slot)
        )

    def _pattern(self, phrase: Phrase) -> Pattern:
        slots = tuple(self.slots.slot(word) for word in phrase.words)
        if phrase.character is None and len(phrase.words) == 1 and not phrase.words[0].endswith(STEM):
            # Single words: a phrase is written as listed.
            self.family_words.add(phrase.words[0])
        joinable = len(phrase.words) > 1 and not any(word.endswith(STEM) for word in phrase.words)
        joined = self.slots.slot("".join(phrase.words)) if joinable else -1
        rarest = _rarest(phrase.words, self.name_words, self.frequent_words)
        return Pattern(phrase.words, slots, joined, phrase.character, rarest)


_PHRASE_COST, _WORD_COST, _NAME_COST, _COMMON_COST = 0.5, 1.0, 10.0, 100.0
_MAX_ENTRIES = 24  # prefilter entries for one phrase (its words' spellings multiplied); past that, one word


def _cost(item: Item, ordinary: frozenset[str], frequent: frozenset[str]) -> float:
    """How often an item is likely to turn up in chat that reveals nothing: the rule is indexed by its rarest.

    A phrase is rarer than any of its words; common words and the names fans use all the time are not rare.
    """
    total = 0.0
    for pattern in item.patterns:
        if len(pattern.words) > 1:
            total += _PHRASE_COST
        elif pattern.words[0].rstrip(STEM) in ordinary or pattern.character in frequent:
            total += _COMMON_COST
        else:
            total += _NAME_COST if pattern.character else _WORD_COST
    return total


def _rarest(words: Sequence[str], names: frozenset[str], frequent: frozenset[str] = frozenset()) -> int:
    """The index of the word least likely in everyday chat: the longest that is neither common nor a name."""

    def rarity(index: int) -> tuple[bool, bool, int, int]:
        word = words[index].rstrip(STEM)
        return word not in _COMMON and word not in frequent, word not in names, len(word), -index

    return max(range(len(words)), key=rarity)


def _looked_up_by(pattern: Pattern, shared: Counter[int]) -> set[int]:
    """Slots one of which every occurrence of the pattern has: the word of it that the fewest of its item's
    patterns share (its rarest, of those), or its joined form.

    "{charlie} would like to tell {nick} that he loves him" expands to hundreds of patterns whose rarest
    word is "tell": looked up by that, every message saying "tell" would have all of them tried.
    """
    chosen = min(
        range(len(pattern.slots)), key=lambda index: (shared[pattern.slots[index]], index != pattern.rarest)
    )
    return {pattern.slots[chosen], pattern.joined} - {-1}


def _triggers(pattern: Pattern) -> set[int]:
    """Slots one of which every occurrence of the pattern has: its rarest word, or its joined form."""
    return {pattern.slots[pattern.rarest], pattern.joined} - {-1}


def _entries(pattern: Pattern, spellings: _Spellings, inflected: Set[str] = frozenset()) -> Iterator[Entry]:
    """The pattern's prefilter entries: every spelling of its words, in order.

    A phrase's words are written as listed (inflections are for single words), so that its entries do not
    multiply past `_MAX_ENTRIES`.
    """
    choices = [spellings.get(slot, []) for slot in pattern.slots]
    if len(choices) > 1:
        choices = [[spelling for spelling in choice if spelling[0] not in inflected] for choice in choices]
    size = 1
    for choice in choices:
        size *= len(choice)
    if size > _MAX_ENTRIES:  # one word (its spellings) stands for the phrase
        choices = [choices[pattern.rarest]]
    yield from product(*choices)
    if pattern.joined >= 0:
        yield from (((word, False),) for word, _ in spellings.get(pattern.joined, []))


_COMPILED: dict[Lexicon, CompiledLexicon] = {}
_COMPILED_KEEP = 4  # lexicons compiled and kept: the bot has one, tests a few
_COMPILING = threading.Lock()  # the bot loads its reader in a thread: two threads still compile once


def compiled(lexicon: Lexicon) -> CompiledLexicon:
    """The lexicon compiled once per process, for every detector and reader made from it.

    Keyed by the lexicon's value, so the same lexicon loaded twice (tests, a restarted bot) is compiled once;
    and kept on disk (bot.shield.detector.kept), so that the next process only loads it.
    """
    with _COMPILING:
        found = _COMPILED.get(lexicon)
        if found is None:
            while len(_COMPILED) >= _COMPILED_KEEP:
                del _COMPILED[next(iter(_COMPILED))]
            found = _COMPILED[lexicon] = load_or_build(lexicon, CompiledLexicon, CompiledLexicon)
        return found
