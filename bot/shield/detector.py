"""The spoiler shield's detector: which plot details a message reveals, and how to hide just those.

Pure functions over text and the lexicon (data/lexicon.toml, loaded by bot.canon.lexicon): no Discord, no
database.

Reading a message:
1. Prefilter. A rule can only match where all its items occur, so each rule is indexed by its least common
   item, and one compiled pattern (a trie) holds the words and phrases of those items with their typos.
   The message, folded (case, accents, curly quotes, possessive 's and repeated letters gone), is searched
   once; a server's own terms have a small pattern of their own. Most chat stops here. (Episode
   references are looked for only when the message also holds an event word: two more searches.)
2. Words. Text already hidden or not plain prose (||spoilers||, code, links, mentions, custom emoji, as
   Discord parses them: bot.spoilers.render) is skipped; every other word gets the lexicon words it matches.
   Sentences of one or two words ("charlie. fainting.") join their neighbours, as fans write for emphasis.
3. Rules. Only rules whose trigger words occurred are tried. A rule matches where one phrase of each of its
   items occurs within its window, in one sentence, without two items sharing a word. Names right after
   "my friend" and the like are the writer's people, not characters; words the official promotion made
   public, and words inside a public statement, never count as what happens.
4. Episode references ("s2e5", "2x05", "season 2 episode 5", "season 3") next to an event word reveal
   that episode.

Wrapping keeps the author's words: each span grows to its clause (commas, sentence ends, line breaks and
emoji end one) or the quotation it sits in, then to whole markdown emphasis and code spans; adjacent
clauses merge; only `||` and, where a `|` or `\\` would break a marker, zero-width spaces are inserted.
Existing spoilers, code blocks and links are never entered. The result is checked with the markdown model
in bot.spoilers.render; if some markdown could still show a spoiler, the whole message is wrapped instead.
"""

from __future__ import annotations

import copy
import re
from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterable, Iterator, Sequence, Set
from dataclasses import dataclass
from itertools import product

from bot.canon.lexicon import STEM, WORD, Lexicon, Phrase, fold
from bot.canon.models import EpisodeCode
from bot.spoilers.render import MARKER, ZWSP, _tokens, markup_regions, wrap

REFERENCE_RULE = "episode-reference"
SERVER_TERM_RULE = "server-term"

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
_KEY_CACHE_LIMIT = 50_000
_SHORT_SENTENCE = 2  # words: "charlie. fainting." is one thought
_NUMBERS = {"one": 1, "two": 2, "thre": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8}
_SEASON_WORDS = frozenset({"season", "series", "s", "szn"})
_EPISODE_WORDS = frozenset({"episode", "ep", "e", "eps", "episodes"})
_CODE_KEY = re.compile(r"s(\d{1,2})e(?:p)?(\d{1,2})|(\d{1,2})x(\d{1,2})")
_SEASON_KEY = re.compile(r"s(\d{1,2})")
_EPISODE_KEY = re.compile(r"e(?:p)?(\d{1,2})")
# Where an episode reference can start, on folded text: "s2e5", "s2", "2x05", "season", "series", "episode".
_REFERENCE = re.compile(r"\b(?:s\d{1,2}(?:ep?\d{1,2})?|\d{1,2}x\d{1,2}|season|series|szn|s|episodes?|eps?)\b")
_SENTENCE_END = re.compile(r"[.!?…]+(?=\s|$)|\n")
_HARD = frozenset({"spoiler", "codeblock", "url", "link"})  # a spoiler marker must never go inside these
_POSSESSIVES = frozenset({"his", "her", "their"})
_LETTER_RUN = re.compile(r"([^\W\d_])\1*")
_APOSTROPHE_S = re.compile(r"['’ʼ]s$|['’ʼ]")


@dataclass(frozen=True, slots=True)
class Span:
    """A plot detail: text[start:end] reveals the episode `reveals`, found by the lexicon rule `rule`."""

    start: int
    end: int
    reveals: EpisodeCode
    rule: str


@dataclass(frozen=True, slots=True)
class ServerTerm:
    """A server's own spoiler term (/config shield-term add): the phrase reveals the episode."""

    phrase: str
    reveals: EpisodeCode


# Compiling the lexicon ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Pattern:
    words: tuple[str, ...]  # the lexicon's folded words ("pased", "out"); a stem ends in `*`
    slots: tuple[int, ...]  # one per word, in order
    joined: int  # the slot of the words written as one ("lovebite"), or -1
    character: str | None
    rarest: int  # the index of the word least likely in everyday chat


@dataclass(frozen=True, slots=True)
class _Item:
    patterns: tuple[_Pattern, ...]
    by_slot: dict[int, tuple[_Pattern, ...]]  # a pattern's rarest word (or joined form) -> the pattern
    evidence: bool
    slots: frozenset[int]  # the keys of by_slot: the item cannot occur without one of them


@dataclass(frozen=True, slots=True)
class _Rule:
    id: str
    reveals: EpisodeCode
    items: tuple[_Item, ...]
    window: int


class _Slots:
    """Every distinct lexicon word, numbered, with the message words that match it (typos included)."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.exact: dict[str, set[int]] = {}
        self.stems: dict[str, set[int]] = {}
        self.stem_lengths: tuple[int, ...] = ()
        self.inflected: set[str] = set()  # keys that are only inflections of a lexicon word

    def slot(self, word: str) -> int:
        if word not in self.ids:
            slot = self.ids[word] = len(self.ids)
            if not word.endswith(STEM):
                self.exact.setdefault(word, set()).add(slot)
                return slot
            stem = word[:-1]
            self.stems.setdefault(stem, set()).add(slot)
            if stem.endswith("e"):  # "race*" also matches "racing": English drops the e before -ing
                for ending in ("ing", "in"):
                    self.exact.setdefault(stem[:-1] + ending, set()).add(slot)
        return self.ids[word]

    def add_typos(self, keys: Iterable[str], keep_apart: Iterable[str]) -> None:
        """Let common typos of these words match: one letter dropped, or two neighbours swapped.

        A typo that is itself a lexicon word or a common word is left out: it means what it says.
        """
        taken = set(self.exact) | set(self.stems) | set(keep_apart) | _COMMON
        for key in list(keys):
            for table in (self.exact, self.stems):
                if key in table:
                    for variant in _typos(key) - taken:
                        table.setdefault(variant, set()).update(table[key])
        self.stem_lengths = tuple(sorted({len(stem) for stem in self.stems}))

    def add_families(self, keys: Iterable[str], keep_apart: Iterable[str]) -> None:
        """Let a word's inflections match it: "confess" also "confesses", "confessed", "confessing".

        Like typos, an inflection that is itself a lexicon word or a common word keeps its own meaning.
        """
        taken = set(self.exact) | set(self.stems) | set(keep_apart) | _COMMON
        for key in list(keys):
            for variant in _family(key) - taken:
                self.exact.setdefault(variant, set()).update(self.exact[key])
                self.inflected.add(variant)

    def copy(self) -> _Slots:
        copied = _Slots()
        copied.ids = dict(self.ids)
        copied.exact = {key: set(slots) for key, slots in self.exact.items()}
        copied.stems = {key: set(slots) for key, slots in self.stems.items()}
        copied.stem_lengths = self.stem_lengths
        copied.inflected = set(self.inflected)
        return copied

    def of(self, key: str) -> tuple[int, ...]:
        found = self.exact.get(key, ())
        if self.stem_lengths:
            prefixed = [self.stems.get(key[:size]) for size in self.stem_lengths if size <= len(key)]
            if any(prefixed):
                return tuple({*found, *(slot for group in prefixed if group for slot in group)})
        return tuple(found)

    def spellings(self) -> dict[int, list[tuple[str, bool]]]:
        """For each slot, every message word that hits it: (word, True when any word it begins counts)."""
        found: dict[int, list[tuple[str, bool]]] = {}
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


class _Compiler:
    """The lexicon as numbered words, patterns, rules and prefilter; a server's terms are added on top."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.frequent = lexicon.frequent
        # Public words ("prom", "paris") are everywhere in chat: like common words, poor ones to index by.
        self.ordinary = _COMMON | {
            phrase.words[0].rstrip(STEM) for phrase in lexicon.public_words if len(phrase.words) == 1
        }
        self.keep_apart = frozenset(word for words in lexicon.not_after for word in words) | lexicon.everyday
        self.slots = _Slots()
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
        spellings = self.slots.spellings()
        self.by_trigger: dict[int, list[int]] = {}
        self.prefilter = _trie(self._index(range(len(self.rules)), spellings))
        self.term_filter: re.Pattern[str] | None = None
        self.event_filter = _trie(
            entry
            for pattern in self.events.patterns
            for entry in _entries(pattern, spellings, self.slots.inflected)
        )

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

    def with_terms(self, terms: Iterable[ServerTerm]) -> _Compiler:
        """A copy that also finds a server's own terms, without compiling the lexicon again."""
        extended = copy.copy(self)
        extended.slots = self.slots.copy()
        extended.rules = list(self.rules)
        extended.by_trigger = {slot: list(numbers) for slot, numbers in self.by_trigger.items()}
        known = set(extended.slots.exact)
        for term in terms:
            words = tuple(fold(word) for word in WORD.findall(term.phrase))
            if words:
                rule_id = f"{SERVER_TERM_RULE}:{' '.join(term.phrase.split())}"
                extended.rules.append(
                    extended._rule(rule_id, term.reveals, ((Phrase(words),),), (True,), len(words))
                )
        if len(extended.rules) == len(self.rules):
            return self
        extended.slots.add_typos([key for key in extended.slots.exact if key not in known], self.keep_apart)
        entries = extended._index(range(len(self.rules), len(extended.rules)), extended.slots.spellings())
        extended.term_filter = _trie(entries)
        return extended

    def _index(self, numbers: Iterable[int], spellings: dict[int, list[tuple[str, bool]]]) -> set[str]:
        """Index each rule by its rarest item; the prefilter entries that let a message reach it."""
        entries: set[str] = set()
        for number in numbers:
            rule = self.rules[number]
            item = min(
                (item for item in rule.items if item.patterns),
                key=lambda i: _cost(i, self.ordinary, self.frequent),
            )
            for pattern in item.patterns:
                for slot in _triggers(pattern):
                    self.by_trigger.setdefault(slot, []).append(number)
                entries.update(_entries(pattern, spellings, self.slots.inflected))
        return entries

    def _rule(
        self,
        rule_id: str,
        reveals: EpisodeCode,
        items: Sequence[Sequence[Phrase]],
        evidence: Sequence[bool],
        window: int,
    ) -> _Rule:
        compiled = tuple(self._item(item, evidence=says) for item, says in zip(items, evidence, strict=True))
        return _Rule(rule_id, reveals, compiled, window)

    def _item(self, phrases: Iterable[Phrase], *, evidence: bool) -> _Item:
        patterns = tuple(self._pattern(phrase) for phrase in phrases)
        by_slot: dict[int, list[_Pattern]] = {}
        for pattern in patterns:
            for slot in _triggers(pattern):
                by_slot.setdefault(slot, []).append(pattern)
        return _Item(
            patterns, {slot: tuple(found) for slot, found in by_slot.items()}, evidence, frozenset(by_slot)
        )

    def _pattern(self, phrase: Phrase) -> _Pattern:
        slots = tuple(self.slots.slot(word) for word in phrase.words)
        if phrase.character is None and len(phrase.words) == 1 and not phrase.words[0].endswith(STEM):
            # Single words: a phrase is written as listed.
            self.family_words.add(phrase.words[0])
        joinable = len(phrase.words) > 1 and not any(word.endswith(STEM) for word in phrase.words)
        joined = self.slots.slot("".join(phrase.words)) if joinable else -1
        rarest = _rarest(phrase.words, self.name_words, self.frequent_words)
        return _Pattern(phrase.words, slots, joined, phrase.character, rarest)


_PHRASE_COST, _WORD_COST, _NAME_COST, _COMMON_COST = 0.5, 1.0, 10.0, 100.0
_MAX_ENTRIES = 24  # prefilter entries for one phrase (its words' spellings multiplied); past that, one word


def _cost(item: _Item, ordinary: frozenset[str], frequent: frozenset[str]) -> float:
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


def _triggers(pattern: _Pattern) -> set[int]:
    """Slots one of which every occurrence of the pattern has: its rarest word, or its joined form."""
    return {pattern.slots[pattern.rarest], pattern.joined} - {-1}


def _entries(
    pattern: _Pattern, spellings: dict[int, list[tuple[str, bool]]], inflected: Set[str] = frozenset()
) -> Iterator[str]:
    """The pattern's prefilter entries: every spelling of its words, in order, coded for `_trie`.

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
    for combination in product(*choices):
        yield _SEPARATOR.join(word + (_ANY_REST if prefix else "") for word, prefix in combination[:-1]) + (
            (_SEPARATOR if len(combination) > 1 else "")
            + combination[-1][0]
            + (_PREFIX_END if combination[-1][1] else _WORD_END)
        )
    if pattern.joined >= 0:
        yield from (word + _WORD_END for word, _ in spellings.get(pattern.joined, []))


_WORD_END, _PREFIX_END, _SEPARATOR, _ANY_REST = "\0", "\1", "\2", "\3"
_TRIE_CODES = {_WORD_END: r"\b", _SEPARATOR: r"[\W_]+", _ANY_REST: r"\w*"}


def _trie(entries: Iterable[str]) -> re.Pattern[str]:
    """One pattern for many words and phrases, factored into a trie so the engine branches once per letter.

    Entries are coded: `_WORD_END` ends a whole word, `_PREFIX_END` a word beginning, `_SEPARATOR` stands
    between two words, `_ANY_REST` finishes a word begun inside a phrase.
    """
    trie: dict[str, dict] = {}
    for entry in entries:
        node = trie
        for char in entry:
            node = node.setdefault(char, {})

    def build(node: dict[str, dict]) -> str:
        if _PREFIX_END in node:
            return ""
        branches = [
            _TRIE_CODES.get(char, re.escape(char)) + build(child) for char, child in sorted(node.items())
        ]
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    return re.compile(r"\b" + build(trie) if trie else r"(?!)")


_COMPILED: dict[int, tuple[Lexicon, _Compiler]] = {}
_COMPILED_KEEP = 4  # lexicons compiled and kept: the bot has one, tests a few


def _compiled(lexicon: Lexicon) -> _Compiler:
    """The lexicon compiled once, however many detectors (one per server, with its terms) are made from it."""
    found = _COMPILED.get(id(lexicon))
    if found is None or found[0] is not lexicon:
        while len(_COMPILED) >= _COMPILED_KEEP:
            del _COMPILED[next(iter(_COMPILED))]
        found = _COMPILED[id(lexicon)] = (lexicon, _Compiler(lexicon))
    return found[1]


# Reading a message --------------------------------------------------------------------------------------


class _Message:
    """A message's plain words: where each is, what lexicon words it matches, which sentence it is in."""

    __slots__ = ("ends", "groups", "keys", "positions", "public", "starts")

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.keys: list[str] = []
        self.groups: list[int] = []
        self.positions: dict[int, list[int]] = {}  # slot -> indexes of the words that match it
        self.public: set[int] | None = None


def sentence_groups(text: str, starts: Sequence[int], regions: Sequence[tuple[int, int, str]]) -> list[int]:
    """Each word's sentence, where a sentence of one or two words belongs with its neighbours."""
    ends = [m.end() for m in _SENTENCE_END.finditer(text) if not _inside(m.start(), regions)]
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


def _inside(position: int, regions: Sequence[tuple[int, int, str]]) -> bool:
    return any(start <= position < end for start, end, _ in regions)


@dataclass(frozen=True, slots=True)
class _Occurrence:
    first: int  # word indexes, inclusive
    last: int
    name: bool


class Detector:
    """Finds the plot details in message text, using the lexicon and a server's own terms."""

    def __init__(self, lexicon: Lexicon, terms: Iterable[ServerTerm] = ()) -> None:
        compiled = _compiled(lexicon).with_terms(terms)
        self._slots = compiled.slots
        self._rules = compiled.rules
        self._by_trigger = compiled.by_trigger
        self._prefilter = compiled.prefilter
        self._term_filter = compiled.term_filter
        self._public = compiled.public
        self._events = compiled.events
        self._event_filter = compiled.event_filter
        self._event_window = lexicon.event_window
        self._not_after = frozenset(lexicon.not_after)
        self._not_after_sizes = tuple(sorted({len(words) for words in lexicon.not_after}))
        self._episodes = frozenset(lexicon.episodes)
        self._keys: dict[str, tuple[str, tuple[int, ...]]] = {}
        self._name_slots = compiled.name_slots
        self._slot_characters = compiled.slot_characters
        self._roles = compiled.roles
        self._doubled = lexicon.doubled

    # -- the interface ------------------------------------------------------------------------------

    def find(self, text: str) -> list[Span]:
        """Every plot detail in the text that is not already hidden, in order of where it starts."""
        if not text:
            return []
        folded = fold(text)
        rules = self._prefilter.search(folded) is not None or (
            self._term_filter is not None and self._term_filter.search(folded) is not None
        )
        if not rules and (_REFERENCE.search(folded) is None or self._event_filter.search(folded) is None):
            return []
        message = self._read(text)
        spans = self._rule_spans(message) if rules else []
        spans += self._reference_spans(message)
        return sorted(set(spans), key=lambda span: (span.start, span.end, span.reveals, span.rule))

    def beyond(self, text: str, level: EpisodeCode) -> list[Span]:
        """The plot details that reveal an episode after `level`."""
        return [span for span in self.find(text) if span.reveals > level]

    def wrap(self, text: str, level: EpisodeCode) -> str:
        """The text with each clause holding a detail beyond `level` in ||...||; unchanged without any."""
        spans = self.beyond(text, level)
        return _wrap_spans(text, spans) if spans else text

    # -- words --------------------------------------------------------------------------------------

    def _read(self, text: str) -> _Message:
        message = _Message()
        regions = markup_regions(text)
        starts, ends, keys, positions = message.starts, message.ends, message.keys, message.positions
        known = self._keys
        region_index = 0
        for match in WORD.finditer(text):
            start, end = match.span()
            if regions:
                while region_index < len(regions) and regions[region_index][1] <= start:
                    region_index += 1
                if region_index < len(regions) and regions[region_index][0] <= start:
                    continue  # inside a spoiler, code, link, mention or custom emoji
            word = match.group()
            key, slots = known.get(word) or self._learn(word)
            for slot in slots:
                if slot in positions:
                    positions[slot].append(len(keys))
                else:
                    positions[slot] = [len(keys)]
            starts.append(start)
            ends.append(end)
            keys.append(key)
        message.groups = sentence_groups(text, starts, regions)
        if not self._roles.keys().isdisjoint(keys):
            self._resolve_roles(message)
        return message

    def _resolve_roles(self, message: _Message) -> None:
        """ "his brother", "nick's aunt", "her girlfriend": the relative or partner counts as named.

        The owner is the name right before the role word, or, after his/her/their, the nearest character
        named earlier in the message who has such a relative; with none named, everyone who has one.
        """
        keys, positions = message.keys, message.positions
        named: list[frozenset[str]] = [frozenset()] * len(keys)
        for slot, indexes in positions.items():
            characters = self._slot_characters.get(slot)
            if characters:
                for index in indexes:
                    named[index] = named[index] | characters
        for index, key in enumerate(keys):
            pairs = self._roles.get(key)
            if not pairs or not index:
                continue
            owners = {owner for owner, _ in pairs}
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

    def _learn(self, word: str) -> tuple[str, tuple[int, ...]]:
        """A word's folded form and lexicon words, remembered: chat repeats its words all the time."""
        if len(self._keys) > _KEY_CACHE_LIMIT:
            self._keys.clear()
        key = fold(word)
        slots = self._slots.of(key)
        if slots and not self._name_slots.isdisjoint(slots) and self._not_a_name(word):
            slots = tuple(slot for slot in slots if slot not in self._name_slots)
        found = self._keys[word] = (key, slots)
        return found

    def _not_a_name(self, word: str) -> bool:
        """ "been" folds to "ben": a doubled letter that no spelling of a name has makes another word.

        Letters stretched for emphasis ("beeen", "nickk") are three or more, or at the end of the word.
        """
        plain = _APOSTROPHE_S.sub("", word.casefold())
        if plain in self._doubled or plain[:-1] in self._doubled:
            return False
        return any(len(run.group()) == 2 and run.end() < len(plain) for run in _LETTER_RUN.finditer(plain))

    def _occurrences(self, pattern: _Pattern, message: _Message) -> list[tuple[int, int]]:
        positions = message.positions
        if len(pattern.slots) == 1:
            return [(index, index) for index in positions.get(pattern.slots[0], ())]
        found = [(index, index) for index in positions.get(pattern.joined, ())]
        first, *rest = pattern.slots
        for index in positions.get(first, ()):
            if all(index + offset in positions.get(slot, ()) for offset, slot in enumerate(rest, start=1)):
                found.append((index, index + len(rest)))
        return found

    def _mine(self, first: int, message: _Message) -> bool:
        """True when the words before a name make it the writer's own person ("my friend charlie")."""
        return any(
            size <= first and tuple(message.keys[first - size : first]) in self._not_after
            for size in self._not_after_sizes
        )

    def _present(self, item: _Item, message: _Message) -> set[_Pattern]:
        """The item's patterns whose rarest word (or joined form) is in the message."""
        return {pattern for slot in message.positions for pattern in item.by_slot.get(slot, ())}

    def _public_words(self, message: _Message) -> set[int]:
        """The words that cannot say what happens: public words, and every word of a public statement."""
        if message.public is None:
            message.public = {
                index
                for pattern in self._present(self._public, message)
                for first, last in self._occurrences(pattern, message)
                for index in range(first, last + 1)
            }
        return message.public

    def _item(self, item: _Item, message: _Message) -> list[_Occurrence]:
        found = []
        for pattern in self._present(item, message):
            for first, last in self._occurrences(pattern, message):
                if pattern.character is not None and self._mine(first, message):
                    continue
                if item.evidence and all(i in self._public_words(message) for i in range(first, last + 1)):
                    continue
                found.append(_Occurrence(first, last, name=pattern.character is not None))
        return found

    # -- rules --------------------------------------------------------------------------------------

    def _rule_spans(self, message: _Message) -> list[Span]:
        candidates = sorted(
            {number for slot in message.positions for number in self._by_trigger.get(slot, ())}
        )
        spans = []
        for number in candidates:
            rule = self._rules[number]
            for first, last in self._matches(rule, message):
                spans.append(Span(message.starts[first], message.ends[last], rule.reveals, rule.id))
        return spans

    def _matches(self, rule: _Rule, message: _Message) -> list[tuple[int, int]]:
        positions = message.positions
        if any(item.slots.isdisjoint(positions) for item in rule.items):
            return []  # some item has none of its first words here: nothing to look at closely
        found = []
        for item in rule.items:
            occurrences = self._item(item, message)
            if not occurrences:
                return []
            found.append(_Sorted(occurrences))
        anchor = min(range(len(found)), key=lambda i: (not rule.items[i].evidence, len(found[i].items)))
        everything = _Sorted([o for item in found for o in item.items])
        matches: list[tuple[int, int]] = []
        for start in found[anchor].items:
            chosen = [start]
            for index, occurrences in enumerate(found):
                if index != anchor:
                    best = _nearest(occurrences, chosen, message.groups, rule.window)
                    if best is None:
                        break
                    chosen.append(best)
            else:
                first, last = _grow(chosen, everything, message.groups, rule.window)
                if matches and first <= matches[-1][1]:  # overlapping matches of one rule are one span
                    matches[-1] = (min(matches[-1][0], first), max(matches[-1][1], last))
                else:
                    matches.append((first, last))
        return matches

    # -- episode references --------------------------------------------------------------------------

    def _reference_spans(self, message: _Message) -> list[Span]:
        references = list(self._references(message))
        if not references:
            return []
        events = _Sorted(self._item(self._events, message))
        spans = []
        for first, last, code in references:
            reference = _Occurrence(first, last, name=False)
            # The window is the gap to the event: "season 3 episode 7" is four words but one reference.
            event = _nearest(events, [reference], message.groups, self._event_window + last - first)
            if event is not None:
                start, end = min(first, event.first), max(last, event.last)
                spans.append(Span(message.starts[start], message.ends[end], code, REFERENCE_RULE))
        return spans

    def _references(self, message: _Message) -> Iterator[tuple[int, int, EpisodeCode]]:
        """Episode references: (first word, last word, episode). A season alone means its first episode."""
        keys = message.keys
        index = 0
        while index < len(keys):
            found = _reference_at(keys, index)
            if found is not None:
                last, code = found
                if code in self._episodes:
                    yield index, last, code
                index = last + 1
            else:
                index += 1


class _Sorted:
    """Occurrences in word order, to find those near a match without looking at all of them."""

    __slots__ = ("firsts", "items")

    def __init__(self, occurrences: Iterable[_Occurrence]) -> None:
        self.items = sorted(occurrences, key=lambda o: (o.first, o.last))
        self.firsts = [o.first for o in self.items]

    def near(self, first: int, last: int, window: int) -> list[_Occurrence]:
        """Those that could join a match spanning first..last and stay within the window."""
        return self.items[bisect_left(self.firsts, last - window) : bisect_right(self.firsts, first + window)]


def _nearest(
    occurrences: _Sorted, chosen: Sequence[_Occurrence], groups: Sequence[int], window: int
) -> _Occurrence | None:
    """The occurrence that keeps the match tightest: same sentence, within the window, sharing no word."""
    group = groups[chosen[0].first]
    first = min(o.first for o in chosen)
    last = max(o.last for o in chosen)
    best, best_width = None, window + 1
    for occurrence in occurrences.near(first, last, window):
        if groups[occurrence.first] != group:
            continue
        if any(
            occurrence.first <= o.last and o.first <= occurrence.last and not (occurrence.name and o.name)
            for o in chosen
        ):
            continue
        width = max(last, occurrence.last) - min(first, occurrence.first)
        if width < best_width:
            best, best_width = occurrence, width
    return best


def _grow(
    chosen: Sequence[_Occurrence], everything: _Sorted, groups: Sequence[int], window: int
) -> tuple[int, int]:
    """A match's extent, taking in the rule's other words nearby: "charlie fainted at the louvre", whole."""
    group = groups[chosen[0].first]
    first = min(o.first for o in chosen)
    last = max(o.last for o in chosen)
    nearby = everything.near(first, last, window)
    for occurrence in sorted(nearby, key=lambda o: abs(o.first - first)):
        if (
            groups[occurrence.first] == group
            and max(last, occurrence.last) - min(first, occurrence.first) <= window
        ):
            first, last = min(first, occurrence.first), max(last, occurrence.last)
    return first, last


def _number(key: str) -> int | None:
    if key.isdigit() and len(key) <= 2:  # seasons and episodes: one or two digits
        return int(key)
    return _NUMBERS.get(key)


def _reference_at(keys: Sequence[str], index: int) -> tuple[int, EpisodeCode] | None:
    """An episode reference starting at keys[index]: (its last word, the episode), or None."""
    key = keys[index]
    whole = _CODE_KEY.fullmatch(key)
    if whole is not None:
        season, episode = (whole[1], whole[2]) if whole[1] else (whole[3], whole[4])
        return index, EpisodeCode(int(season), int(episode))
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


# Wrapping -----------------------------------------------------------------------------------------------

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


def _wrap_spans(text: str, spans: Sequence[Span]) -> str:
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
    gaps = [m.span() for m in _CLAUSE_GAP.finditer(text) if not _inside(m.start(), regions)]
    gaps += [m.span() for m in _EMOJI_RUN.finditer(text) if not _inside(m.start(), regions)]
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
        if not _inside(match.start(), regions):
            insertions.append((match.start() + 1, ZWSP))
    insertions.sort(key=lambda pair: pair[0])
    parts, moved, shift, position = [], [], 0, 0
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
            if not _inside(word.start(), skipped) and not any(a <= word.start() < b for a, b in pieces):
                return False
    hidden = [(t.start + len(MARKER), t.end - len(MARKER)) for t in _tokens(wrapped) if t.kind == "spoiler"]
    return all(any(start <= moved[a] and moved[b - 1] < end for start, end in hidden) for a, b in pieces)


def wrap_spans(text: str, spans: Sequence[Span]) -> str:
    """The text with the clause of each span in ||...||, as `Detector.wrap` wraps its own spans.

    For readers that find spans of their own (the semantic reader): the same clauses, markdown handling
    and fallback to wrapping the whole message.
    """
    return _wrap_spans(text, spans)
