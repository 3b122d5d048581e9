"""Load data/lexicon.toml, the spoiler shield's lexicon, reporting every problem with its file and field.

The lexicon says, for each episode, how fans write what happens in it (`rules`), and what the official
promotion made public (`allowed`). Everything is resolved here: `{charlie}` becomes Charlie's names from
cast.toml, `{faint}` the words of that group, and every word is folded the way message text will be
(`fold`), so the detector only has to compare strings.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import string
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import product
from pathlib import Path
from typing import Any

from bot.canon.loader import CanonError, _open, _Problems, _Table
from bot.canon.models import Canon, Character, EpisodeCode
from bot.core.settings import DATA_DIR

DEFAULT_WINDOW = 10
MAX_WINDOW = 40
SENTENCE = 1000  # `window = "sentence"`: anywhere in the sentence (no sentence has a thousand words)
MIN_STEM = 4  # letters before a `*`: shorter stems ("ban*") match too many unrelated words ("band")
MAX_EXPANSION = 2000  # phrases one alternative may expand to; more is a mistake, not a lexicon
STEM = "*"

# A word as fans type it: letters and digits, with inner apostrophes ("nick's", "didn’t").
WORD = re.compile(r"(?:[^\W_]|[\u0300-\u036f])+(?:['’ʼ](?:[^\W_]|[\u0300-\u036f])+)*")
_REF = re.compile(r"\{([a-z0-9]+(?:-[a-z0-9]+)*)\}")
_NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_FOLD = str.maketrans(
    {"’": "'", "‘": "'", "ʼ": "'", "′": "'", "œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d"}
)
_FOLDED = re.compile("[" + "".join(map(chr, _FOLD)) + "]")
# Letters that NFKD changes: accented Latin, combining marks, ligatures, fullwidth forms. Emoji, most of the
# non-ASCII in chat, need none of it, and skipping it keeps folding cheap.
_DECOMPOSABLE = re.compile(r"[\u00c0-\u024f\u0300-\u036f\u1e00-\u1eff\ufb00-\ufb06\uff01-\uff5e]")
_COMBINING = re.compile(r"[\u0300-\u036f]+")
_POSSESSIVE = re.compile(r"'s\b")
# "faaainted" and "fainted", "issac" and "isaac" meet at "fainted" and "isac".
_SQUEEZE = re.compile(r"([^\W\d_])\1+")
# The same for ASCII text, most chat: an alternation of literal pairs is about twice as fast as a
# back-reference, and folding is a fifth of the time the shield spends on a message.
_SQUEEZE_ASCII = re.compile("|".join(f"{letter}{letter}+" for letter in string.ascii_lowercase))
_DOUBLED = re.compile(r"([^\W\d_])\1")


def fold(text: str) -> str:
    """Text as the shield compares it: case, accents, curly quotes, possessive 's and repeated letters gone.

    Works on whole messages and on single words alike, and never joins or splits words, so the words of
    `fold(text)` are the folded words of `text`.
    """
    text = text.casefold()
    ascii_only = text.isascii()
    if not ascii_only:
        if _FOLDED.search(text):
            text = text.translate(_FOLD)
        if _DECOMPOSABLE.search(text):
            text = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
    if "'" in text:
        text = _POSSESSIVE.sub("", text).replace("'", "")
    if ascii_only:
        return _SQUEEZE_ASCII.sub(_first_letter, text)
    return _SQUEEZE.sub(r"\1", text)


def _first_letter(match: re.Match[str]) -> str:
    return match.group()[0]


class LexiconError(CanonError):
    """data/lexicon.toml is invalid. `problems` has one line per problem, naming the file and the field."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(problems)
        self.args = (f"{len(problems)} problem(s) in the spoiler lexicon:\n" + "\n".join(problems),)


@dataclass(frozen=True, slots=True)
class Phrase:
    """One way of writing something: folded words in order; a word ending in `*` matches words it starts."""

    words: tuple[str, ...]
    character: str | None = None  # set when the phrase is one of this character's names (or a ship's)


@dataclass(frozen=True, slots=True)
class Rule:
    """Fires when one phrase of every item occurs within `window` words of the others, in one sentence."""

    id: str
    reveals: EpisodeCode
    about: str
    items: tuple[tuple[Phrase, ...], ...]
    evidence: tuple[bool, ...]  # per item: True when it says what happens, False when it says who or where
    window: int


@dataclass(frozen=True, slots=True)
class Role:
    """A word for someone's relative or partner ("brother"): said of `owner`, it means `character`."""

    words: tuple[str, ...]  # folded single words: "brother", "bro"
    of: tuple[tuple[str, str], ...]  # (owner, character): ("nick", "david")


@dataclass(frozen=True, slots=True)
class Allowance:
    """Something the official promotion made public: its words never count as what happens."""

    id: str
    about: str
    sources: tuple[str, ...]
    words: tuple[Phrase, ...]  # words that are never evidence on their own ("prom", "paris")
    phrases: tuple[Phrase, ...]  # whole public statements: a match inside one is not a spoiler


@dataclass(frozen=True, slots=True)
class LexiconSource:
    id: str
    title: str
    files: tuple[str, ...]  # data files, relative to data/


@dataclass(frozen=True, slots=True)
class Lexicon:
    rules: tuple[Rule, ...]
    allowed: tuple[Allowance, ...]
    events: tuple[Phrase, ...]  # what makes an episode reference ("s2e5") a spoiler
    event_window: int
    not_after: tuple[tuple[str, ...], ...]  # folded words before a name that make it the writer's own person
    frequent: frozenset[str]  # characters fans name so often that their names make poor prefilter triggers
    roles: tuple[Role, ...]  # "his brother", "nick's aunt": relatives and partners resolved in a message
    doubled: frozenset[str]  # names as written with a doubled letter ("isaac", "elle"), casefolded
    everyday: frozenset[str]  # everyday words that look like a typo of a name ("sings", "davis")
    episodes: tuple[EpisodeCode, ...]  # every episode in the canon, in broadcast order
    sources: tuple[LexiconSource, ...]

    @property
    def public_words(self) -> tuple[Phrase, ...]:
        return tuple(phrase for allowance in self.allowed for phrase in allowance.words)

    @property
    def public_phrases(self) -> tuple[Phrase, ...]:
        return tuple(phrase for allowance in self.allowed for phrase in allowance.phrases)


def lexicon_hash(lexicon: Lexicon) -> str:
    """A hash of the lexicon's content, the same in every process: what a compiled lexicon is kept by.

    Each field as its repr, but sets sorted (their order changes from one process to the next).
    """
    digest = hashlib.sha256()
    for field in dataclasses.fields(lexicon):
        value = getattr(lexicon, field.name)
        if isinstance(value, frozenset):
            value = sorted(value)
        digest.update(f"{field.name}={value!r}\n".encode())
    return digest.hexdigest()


# Reading ---------------------------------------------------------------------------------------------------


class _Reader(_Table):
    """The canon loader's typed reads, plus the optional and freely keyed tables the lexicon uses."""

    def child(self, key: str, *, optional: bool = True) -> _Reader:
        value = self._get(key, dict, "a table", optional) or {}
        return _Reader(self.file, f"{self.path}.{key}" if self.path else key, value, self.problems)

    def children(self, key: str) -> Iterator[_Reader]:
        for table in self.tables(key, optional=True):
            yield _Reader(table.file, table.path, table.data, table.problems)

    def names(self) -> list[str]:
        """The keys of a table whose keys are names chosen in the file (characters, groups, ships)."""
        return list(self.data)


class _Names:
    """Each character's names as phrases: cast.toml's name, aliases and actor, the lexicon's spellings."""

    def __init__(self, canon: Canon, root: _Reader) -> None:
        self.characters = {character.id: character for character in canon.characters}
        names = root.child("names")
        self.not_after = tuple(
            tuple(_words(value)) for value in names.texts("not_after", optional=True) if _words(value)
        )
        self.stand_ins = frozenset(fold(value) for value in names.texts("stand_ins", optional=True))
        self.frequent = frozenset(names.texts("frequent", optional=True))
        for character_id in sorted(self.frequent - set(self.characters)):
            names.problem("frequent", f"{character_id!r} is not a character in cast.toml")
        self.doubled: set[str] = set()
        self.ships = self._ships(names.child("ships"))
        self.everyday = frozenset(fold(value) for value in names.texts("everyday", optional=True))
        names.done()
        self.phrases = {
            character_id: self._character(character, root)
            for character_id, character in self.characters.items()
        }
        self._check_unknown(root.child("characters"))

    def _ships(self, table: _Reader) -> dict[str, tuple[str, ...]]:
        ships = {}
        for ship in table.names():
            members = table.texts(ship)
            unknown = [member for member in members if member not in self.characters]
            if unknown:
                table.problem(ship, f"{', '.join(unknown)} not in cast.toml")
            elif len(set(members)) < 2:  # a ship is two or more characters
                table.problem(ship, "a ship names at least two characters")
            ships[fold(ship)] = members
            self._remember_doubled([ship])
        table.done()
        return ships

    def _character(self, character: Character, root: _Reader) -> tuple[Phrase, ...]:
        table = root.child("characters").child(character.id)
        ignore = {fold(name) for name in table.texts("ignore", optional=True)}
        written = [character.name, *character.aliases, character.actor]
        unknown = ignore - {fold(name) for name in written}
        if unknown:
            table.problem("ignore", f"{', '.join(sorted(unknown))} not among the names in cast.toml")
        spellings = table.texts("spellings", optional=True)
        table.done()
        phrases: dict[tuple[str, ...], None] = {}
        self._remember_doubled([*written, *spellings])
        for name in written:
            words = tuple(_words(name))
            if words and fold(name) not in ignore:
                phrases[words] = None
                phrases[(*words[:-1], words[-1] + "s")] = None  # "nicks dad", written without an apostrophe
        for name in spellings:  # as written: "charle" + s would be Charles, someone else
            if _words(name):
                phrases[tuple(_words(name))] = None
        for ship, members in self.ships.items():
            if character.id in members:
                phrases[(ship,)] = None
        return tuple(Phrase(words, character=character.id) for words in phrases)

    def _remember_doubled(self, names: Iterable[str]) -> None:
        """Names written with a doubled letter: "been" is not Ben, but "isaac" is Isaac."""
        self.doubled.update(
            word for name in names for word in WORD.findall(name.casefold()) if _DOUBLED.search(word)
        )

    def _check_unknown(self, table: _Reader) -> None:
        for key in table.names():
            if key not in self.characters:
                table.problem(key, "not a character in cast.toml")


def _words(text: str) -> list[str]:
    return [fold(word) for word in WORD.findall(text)]


class _Expander:
    """Turns alternatives such as "{nick} dad | father" into phrases, resolving names and groups."""

    def __init__(self, names: _Names, groups: Mapping[str, tuple[str, ...]], root: _Reader) -> None:
        self.names = names
        self.raw_groups = groups
        self.groups: dict[str, tuple[Phrase, ...]] = {}
        self.root = root
        self._expanding: list[str] = []

    def group(self, name: str, table: _Reader) -> tuple[Phrase, ...]:
        if name in self.groups:
            return self.groups[name]
        if name in self._expanding:
            table.problem(name, f"refers back to itself through {' > '.join([*self._expanding, name])}")
            return ()
        self._expanding.append(name)
        phrases = []
        for index, alternative in enumerate(self.raw_groups[name]):
            phrases += self.alternative(alternative, table, f"{name}[{index}]")
        self._expanding.pop()
        self.groups[name] = tuple(dict.fromkeys(phrases))
        return self.groups[name]

    def item(self, text: str, table: _Reader, key: str) -> tuple[Phrase, ...]:
        """Every phrase of an item written as "alternative | alternative | ...", in order, without repeats."""
        phrases: list[Phrase] = []
        for alternative in text.split("|"):
            if not alternative.strip():
                table.problem(key, f"{text!r} has an empty alternative (a stray or doubled `|`)")
                continue
            phrases += self.alternative(alternative, table, key)
        return tuple(dict.fromkeys(phrases))

    def alternative(self, text: str, table: _Reader, key: str) -> list[Phrase]:
        options: list[list[tuple[tuple[str, ...], str | None]]] = []
        for piece in text.split():
            ref = _REF.fullmatch(piece)
            if ref is not None:
                resolved = self._ref(ref[1], table, key)
                if not resolved:
                    return []
                options.append([(phrase.words, phrase.character) for phrase in resolved])
                continue
            words = self._literal(piece, table, key)
            if words is None:
                return []
            if words:
                options.append([(tuple(words), None)])
        if not options:
            table.problem(key, f"{text.strip()!r} has no words")
            return []
        if _size(options) > MAX_EXPANSION:
            table.problem(key, f"{text.strip()!r} expands to more than {MAX_EXPANSION} phrases")
            return []
        single_name = len(options) == 1
        return [
            Phrase(
                tuple(word for words, _ in combination for word in words),
                character=combination[0][1] if single_name else None,
            )
            for combination in product(*options)
        ]

    def _ref(self, name: str, table: _Reader, key: str) -> tuple[Phrase, ...]:
        if name in self.names.phrases:
            return self.names.phrases[name]
        if name in self.raw_groups:
            return self.group(name, self.root.child("words"))
        table.problem(key, f"{{{name}}} is neither a character in cast.toml nor a group in [words]")
        return ()

    def _literal(self, piece: str, table: _Reader, key: str) -> list[str] | None:
        """The folded words of a plain piece ("self-harm", "apolog*"); None after reporting a mistake."""
        stem = piece.endswith(STEM)
        body = piece.rstrip(STEM)
        if STEM in body or "{" in body or "}" in body:
            table.problem(key, f"{piece!r}: `*` goes only at the end of a word, and `{{name}}` stands alone")
            return None
        found = WORD.findall(body)
        words = [fold(word) for word in found]
        if stem:
            if not found or len(found[-1]) < MIN_STEM:
                table.problem(
                    key, f"{piece!r} is too short to be a stem: write at least {MIN_STEM} letters before *"
                )
                return None
            words[-1] += STEM
        return words


def _size(options: list[list[Any]]) -> int:
    size = 1
    for option in options:
        size *= len(option)
    return size


# Loading ---------------------------------------------------------------------------------------------------


class _Public:
    """What the promotion made public, to check that every rule says what happens with other words."""

    def __init__(self, allowed: Iterable[Allowance]) -> None:
        words = [phrase.words for allowance in allowed for phrase in allowance.words]
        self.phrases = set(words)
        self.single = {phrase[0] for phrase in words if len(phrase) == 1}

    def covers(self, phrase: Phrase) -> bool:
        if phrase.words in self.phrases:
            return True
        return all(word in self.single or self._stem_covers(word) for word in phrase.words)

    def _stem_covers(self, word: str) -> bool:
        return any(stem.endswith(STEM) and word.rstrip(STEM).startswith(stem[:-1]) for stem in self.single)


def _is_name(phrase: Phrase, stand_ins: frozenset[str]) -> bool:
    return phrase.character is not None or (len(phrase.words) == 1 and phrase.words[0] in stand_ins)


def _load_sources(root: _Reader, data_dir: Path) -> dict[str, LexiconSource]:
    sources: dict[str, LexiconSource] = {}
    for table in root.children("sources"):
        source = LexiconSource(
            id=table.slug("id"), title=table.text_or_empty("title"), files=table.texts("files")
        )
        if not source.files:
            table.problem("files", "list the data files the lexicon's facts come from")
        for name in source.files:
            if not (data_dir / name).is_file():
                table.problem("files", f"{name} is not a file in data/")
        if source.id in sources:
            table.problem("id", f"{source.id!r} is listed twice")
        sources[source.id] = source
        table.done()
    if not sources:
        root.problem("sources", "say where the lexicon's facts come from in [[sources]]")
    return sources


def _load_groups(root: _Reader, names: _Names) -> dict[str, tuple[str, ...]]:
    table = root.child("words")
    groups = {}
    for name in table.names():
        if not _NAME.fullmatch(name):
            table.problem(name, "group names are lowercase letters, digits and dashes")
        elif name in names.phrases:
            table.problem(name, f"{name!r} is a character in cast.toml: {{{name}}} already means their names")
        groups[name] = table.texts(name)
    return groups


def _load_roles(root: _Reader, names: _Names) -> list[Role]:
    table = root.child("roles")
    roles = []
    for key in table.names():
        entry = table.child(key)
        words = tuple(fold(word) for word in entry.texts("words"))
        if any(len(WORD.findall(word)) != 1 for word in words):
            entry.problem("words", "each is one word")
        pairs = entry.child("of")
        of = []
        for owner in pairs.names():
            character = pairs.text(owner)
            for who in (owner, character):
                if who is not None and who not in names.characters:
                    pairs.problem(owner, f"{who!r} is not a character in cast.toml")
            if character is not None:
                of.append((owner, character))
        pairs.done()
        entry.done()
        roles.append(Role(words, tuple(of)))
    return roles


def _load_allowed(root: _Reader, expand: _Expander, sources: Mapping[str, LexiconSource]) -> list[Allowance]:
    allowed: list[Allowance] = []
    for table in root.children("allowed"):
        words: list[Phrase] = []
        for index, text in enumerate(table.texts("words", optional=True)):
            if _REF.search(text):
                table.problem(f"words[{index}]", "public words are plain words; put names in `phrases`")
                continue
            words += expand.item(text, table, f"words[{index}]")
        phrases: list[Phrase] = []
        for index, text in enumerate(table.texts("phrases", optional=True)):
            phrases += expand.item(text, table, f"phrases[{index}]")
        allowance = Allowance(
            id=table.slug("id"),
            about=table.text_or_empty("about"),
            sources=table.texts("sources"),
            words=tuple(words),
            phrases=tuple(phrases),
        )
        for source in allowance.sources:
            if source not in sources:
                table.problem("sources", f"{source!r} is not in this file's [[sources]]")
        if not words and not phrases:
            table.problem("words", "list the public words or phrases")
        if any(other.id == allowance.id for other in allowed):
            table.problem("id", f"{allowance.id!r} is listed twice")
        allowed.append(allowance)
        table.done()
    return allowed


def _load_rules(
    root: _Reader, expand: _Expander, public: _Public, canon: Canon, default_window: int
) -> list[Rule]:
    known = {episode.code for episode in canon.episodes}
    rules: list[Rule] = []
    for table in root.children("rules"):
        reveals = table.code("reveals")
        if reveals.season and reveals not in known:
            table.problem("reveals", f"{reveals} is not an episode in the data")
        written = table.texts("all")
        items = tuple(expand.item(text, table, f"all[{index}]") for index, text in enumerate(written))
        evidence = tuple(_says_what_happens(item, expand.names.stand_ins, public) for item in items)
        if not written:
            table.problem("all", "list at least one item")
        elif all(items) and not any(evidence):  # an empty item has had its own problem reported
            table.problem(
                "all",
                "every item is names, stand-ins such as 'he', or words the official promotion made public: "
                "add an item for what happens",
            )
        window = _window(table, default_window)
        rule = Rule(
            id=table.slug("id"),
            reveals=reveals,
            about=table.text_or_empty("about"),
            items=items,
            evidence=evidence,
            window=window,
        )
        if any(other.id == rule.id for other in rules):
            table.problem("id", f"{rule.id!r} is listed twice")
        rules.append(rule)
        table.done()
    if not rules:
        root.problem("rules", "the lexicon needs at least one rule")
    return rules


def _window(table: _Reader, default: int) -> int:
    if table.data.get("window") == "sentence":
        table.text("window")
        return SENTENCE
    window = table.integer("window", optional=True) or default
    if window > MAX_WINDOW:
        table.problem("window", f'must be at most {MAX_WINDOW} words or "sentence", got {window}')
    return window


def _says_what_happens(item: tuple[Phrase, ...], stand_ins: frozenset[str], public: _Public) -> bool:
    """An item is evidence unless it names someone or only uses words the promotion made public."""
    if not item or any(_is_name(phrase, stand_ins) for phrase in item):
        return False
    return not all(public.covers(phrase) for phrase in item)


def _load_events(root: _Reader, expand: _Expander) -> tuple[tuple[Phrase, ...], int]:
    table = root.child("references")
    events: list[Phrase] = []
    for index, text in enumerate(table.texts("events", optional=True)):
        events += expand.item(text, table, f"events[{index}]")
    window = table.integer("window", optional=True) or DEFAULT_WINDOW
    table.done()
    return tuple(dict.fromkeys(events)), window


def load_lexicon(canon: Canon, path: Path = DATA_DIR / "lexicon.toml") -> Lexicon:
    """Read and validate the lexicon against the canon; raise LexiconError listing every problem found."""
    problems = _Problems()
    table = _open(path, problems)
    root = _Reader(table.file, table.path, table.data, problems)
    sources = _load_sources(root, path.parent)
    defaults = root.child("defaults")
    default_window = defaults.integer("window", optional=True) or DEFAULT_WINDOW
    defaults.done()
    names = _Names(canon, root)
    expand = _Expander(names, _load_groups(root, names), root)
    for group in expand.raw_groups:
        expand.group(group, root.child("words"))
    allowed = _load_allowed(root, expand, sources)
    rules = _load_rules(root, expand, _Public(allowed), canon, default_window)
    events, event_window = _load_events(root, expand)
    roles = _load_roles(root, names)
    root.done()
    if problems.lines:
        raise LexiconError(problems.lines)
    return Lexicon(
        rules=tuple(rules),
        allowed=tuple(allowed),
        events=events,
        event_window=event_window,
        not_after=names.not_after,
        frequent=names.frequent,
        roles=tuple(roles),
        doubled=frozenset(names.doubled),
        everyday=names.everyday,
        episodes=tuple(episode.code for episode in canon.episodes),
        sources=tuple(sources.values()),
    )
