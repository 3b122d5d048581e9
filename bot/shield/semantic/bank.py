"""Load data/shield_bank.toml, the semantic reader's banks, checked against the canon.

The file holds, for every plot beat in data/episodes/ (by episode and place in that episode's beats), at
least MIN_FAN ways fans write it in chat, tagged with the beat's `reveals`; and what is public: fan
sentences about what the official promotion and casting news said, and everyday opinions. The loader adds
the beats' own text, every season's and the film's official synopsis and every episode's logline to the
banks, so they never drift from data/. Pure Python: no model is needed to load or check it.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.canon.lexicon import WORD, fold
from bot.canon.loader import CanonError
from bot.canon.models import Canon, EpisodeCode
from bot.core.settings import DATA_DIR
from bot.shield.semantic.sentences import lowered

BANK_PATH = DATA_DIR / "shield_bank.toml"
MIN_FAN = 3  # rewordings per beat
# Name words that are titles or everyday words, which alone say nobody is meant.
_NOT_NAMES = frozenset(
    {"mr", "mrs", "ms", "miss", "aunt", "auntie", "dad", "mum", "mom", "hope", "spring", "hand", "self"}
    | {"rich", "ash", "bel", "char", "brown", "jack", "kit"}
)
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# Sentence ends inside official prose (synopses, loglines, beats), which is edited and punctuated.
_PROSE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“])")


class BankError(CanonError):
    """data/shield_bank.toml is invalid; `problems` has one line per problem, naming the file and field."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(problems)
        self.args = (f"{len(problems)} problem(s) in the shield's bank:\n" + "\n".join(problems),)


@dataclass(frozen=True, slots=True)
class BankBeat:
    """One plot beat: its own text first, then its sentences and fan rewordings; all reveal `reveals`."""

    id: str  # "s2e5-8": the episode and the beat's place (from 0) in its beats
    episode: EpisodeCode
    index: int
    reveals: EpisodeCode
    texts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PublicGroup:
    id: str
    about: str
    sentences: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ShieldBank:
    beats: tuple[BankBeat, ...]
    public: tuple[PublicGroup, ...]  # the official text the loader adds comes first, as "official"
    names: frozenset[str]  # lowercased words of the characters' names and actors (cast.toml)
    topics: frozenset[tuple[str, ...]]  # folded places and show words (or phrases): each anchors a sentence
    # and says something
    ordinary: frozenset[str]  # folded words that say nothing about what happens
    episodes: tuple[EpisodeCode, ...]  # the episodes with beats in the bank, in broadcast order

    @property
    def public_sentences(self) -> tuple[str, ...]:
        return tuple(sentence for group in self.public for sentence in group.sentences)

    def digest(self) -> str:
        """A hash of everything the reader embeds: it changes whenever the banks do."""
        lines = [f"{beat.id} {beat.reveals} {text}" for beat in self.beats for text in beat.texts]
        lines += [f"public {text}" for text in self.public_sentences]
        return hashlib.sha256("\n".join(lines).encode()).hexdigest()


class _Problems:
    def __init__(self, file: str) -> None:
        self.file = file
        self.lines: list[str] = []

    def add(self, field: str, message: str) -> None:
        self.lines.append(f"{self.file}: {field}: {message}")


def _texts(table: Mapping[str, Any], key: str, where: str, problems: _Problems) -> list[str]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        problems.add(f"{where}.{key}", "expected a list of strings")
        return []
    for index, item in enumerate(value):
        if not item.strip():
            problems.add(f"{where}.{key}[{index}]", "is empty")
    return [" ".join(item.split()) for item in value if item.strip()]


def _unknown(table: Mapping[str, Any], known: Iterable[str], where: str, problems: _Problems) -> None:
    for key in sorted(set(table) - set(known)):
        problems.add(f"{where}.{key}" if where else key, "unknown field")


def _code(value: Any, where: str, problems: _Problems, known: frozenset[EpisodeCode]) -> EpisodeCode | None:
    if not isinstance(value, str):
        problems.add(where, f"expected an episode code such as S2E5, got {value!r}")
        return None
    try:
        code = EpisodeCode.parse(value)
    except ValueError as error:
        problems.add(where, str(error))
        return None
    if code not in known:
        problems.add(where, f"{code} is not an episode in the data")
        return None
    return code


def prose_sentences(text: str) -> list[str]:
    """Official prose cut into sentences: a synopsis is several statements, each public on its own."""
    return [part.strip() for part in _PROSE_END.split(text) if part.strip()]


def _official(canon: Canon) -> PublicGroup:
    texts: list[str] = []
    for season in canon.show.seasons:
        texts += [season.synopsis, *prose_sentences(season.synopsis)]
    if canon.show.film.synopsis:
        texts += [canon.show.film.synopsis, *prose_sentences(canon.show.film.synopsis)]
    texts += [episode.logline for episode in canon.episodes]
    return PublicGroup(
        "official",
        "The official synopses (data/show.toml) and every episode's logline.",
        tuple(dict.fromkeys(texts)),
    )


def _names(canon: Canon) -> frozenset[str]:
    """The lowercased words of every character's names and actor, but titles ("mr", "coach")."""
    words: set[str] = set()
    for character in canon.characters:
        for name in (character.name, character.actor, *character.aliases):
            words.update(lowered(word) for word in WORD.findall(name))
    return frozenset(word for word in words if len(word) > 2) - _NOT_NAMES


def _first_names(canon: Canon) -> list[str]:
    """How fans name each character: the first of their aliases ("Charlie", "Mr Ajayi", "Coach Singh")."""
    return [character.aliases[0] if character.aliases else character.name for character in canon.characters]


def load_bank(canon: Canon, path: Path = BANK_PATH) -> ShieldBank:
    """Read and check the banks against the canon; raise BankError listing every problem found."""
    problems = _Problems(f"data/{path.name}" if path.parent == DATA_DIR else str(path))
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise BankError([f"{problems.file}: {error}"]) from error
    known = frozenset(episode.code for episode in canon.episodes)
    _unknown(data, ("prefilter", "public", "beats"), "", problems)

    prefilter = data.get("prefilter", {})
    _unknown(prefilter, ("places", "words", "ordinary"), "prefilter", problems)
    places = _texts(prefilter, "places", "prefilter", problems)
    show_words = _texts(prefilter, "words", "prefilter", problems)
    ordinary = _texts(prefilter, "ordinary", "prefilter", problems)
    if not places or not show_words or not ordinary:
        problems.add("prefilter", "list places, words (show words) and ordinary (words that say nothing)")
    everyday = frozenset(fold(word) for text in ordinary for word in WORD.findall(text))
    topics = frozenset(tuple(fold(word) for word in WORD.findall(text)) for text in places + show_words) - {
        ()
    }

    groups = [_official(canon)]
    for index, table in enumerate(data.get("public", [])):
        where = f"public[{index}]"
        _unknown(table, ("id", "about", "sentences", "templates"), where, problems)
        group_id = table.get("id", "")
        if not isinstance(group_id, str) or not _SLUG.fullmatch(group_id):
            problems.add(f"{where}.id", "expected a lowercase slug such as season-2-promotion")
        elif any(group.id == group_id for group in groups):
            problems.add(f"{where}.id", f"{group_id!r} is listed twice")
        about = table.get("about", "")
        if not isinstance(about, str) or not about.strip():
            problems.add(f"{where}.about", "say what made these public")
        sentences = _texts(table, "sentences", where, problems)
        for number, template in enumerate(_texts(table, "templates", where, problems)):
            if "{name}" not in template or template.replace("{name}", "").count("{"):
                problems.add(f"{where}.templates[{number}]", "write {name} where a character's name goes")
                continue
            sentences += [template.replace("{name}", name) for name in _first_names(canon)]
        if not sentences:
            problems.add(f"{where}.sentences", "list at least one sentence")
        groups.append(PublicGroup(str(group_id), str(about), tuple(sentences)))

    episodes = {episode.code: episode for episode in canon.episodes}
    beats: dict[tuple[EpisodeCode, int], BankBeat] = {}
    for index, table in enumerate(data.get("beats", [])):
        where = f"beats[{index}]"
        _unknown(table, ("episode", "beat", "reveals", "fan"), where, problems)
        episode = _code(table.get("episode"), f"{where}.episode", problems, known)
        reveals = _code(table.get("reveals"), f"{where}.reveals", problems, known)
        place = table.get("beat")
        fan = _texts(table, "fan", where, problems)
        if len(fan) < MIN_FAN:
            problems.add(f"{where}.fan", f"write at least {MIN_FAN} ways fans say it, got {len(fan)}")
        if len(set(fan)) < len(fan):
            problems.add(f"{where}.fan", "a sentence is listed twice")
        if episode is None or reveals is None:
            continue
        beats_of = episodes[episode].beats
        if not isinstance(place, int) or isinstance(place, bool) or not 0 <= place < len(beats_of):
            problems.add(f"{where}.beat", f"expected the beat's place in {episode}, 0 to {len(beats_of) - 1}")
            continue
        beat = beats_of[place]
        if reveals != beat.reveals:
            problems.add(
                f"{where}.reveals", f"{reveals}, but the beat in data/episodes reveals {beat.reveals}"
            )
        if (episode, place) in beats:
            problems.add(where, f"{episode} beat {place} is listed twice")
        own = [beat.text, *(s for s in prose_sentences(beat.text) if s != beat.text)]
        beats[(episode, place)] = BankBeat(
            f"{str(episode).lower()}-{place}", episode, place, beat.reveals, tuple(dict.fromkeys(own + fan))
        )
    for listed in canon.episodes:
        for place in range(len(listed.beats)):
            if (listed.code, place) not in beats:
                problems.add("beats", f"{listed.code} beat {place} has no entry")
    if problems.lines:
        raise BankError(problems.lines)
    ordered = tuple(sorted(beats.values(), key=lambda beat: (beat.episode, beat.index)))
    return ShieldBank(
        beats=ordered,
        public=tuple(groups),
        names=_names(canon),
        topics=topics,
        ordinary=everyday,
        episodes=tuple(sorted({beat.reveals for beat in ordered})),
    )
