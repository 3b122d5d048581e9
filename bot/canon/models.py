"""Frozen dataclasses for the show's canon, as loaded from data/."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

_CODE = re.compile(r"S([1-9][0-9]?)E([1-9][0-9]?)", re.IGNORECASE)

CONTENT_WARNINGS = frozenset(
    {
        "self-harm",
        "eating-disorder",
        "homophobia",
        "transphobia",
        "biphobia",
        "bullying",
        "outing",
        "mental-health",
        "alcohol",
        "sexual-content",
        "family-conflict",
        "grief",
        "non-consent",
    }
)
TRIVIA_KINDS = frozenset({"improvised", "production", "music", "casting", "adaptation"})
FILM_STATUSES = frozenset({"announced", "filming", "post-production", "released"})
ROLES = frozenset({"main", "recurring"})


@dataclass(frozen=True, order=True, slots=True)
class EpisodeCode:
    """An episode's place in broadcast order; compares in that order."""

    season: int
    number: int

    @classmethod
    def parse(cls, text: str) -> EpisodeCode:
        match = _CODE.fullmatch(text.strip())
        if match is None:
            raise ValueError(f"{text!r} is not an episode code like S2E5")
        return cls(int(match[1]), int(match[2]))

    def __str__(self) -> str:
        return f"S{self.season}E{self.number}"


@dataclass(frozen=True, slots=True)
class Source:
    id: str
    title: str
    publisher: str
    url: str


@dataclass(frozen=True, slots=True)
class Beat:
    """One plot point, hidden from anyone who has not reached `reveals`."""

    text: str
    reveals: EpisodeCode
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Episode:
    code: EpisodeCode
    title: str
    released: date
    logline: str
    beats: tuple[Beat, ...]
    sources: tuple[str, ...]
    runtime_minutes: int | None = None
    disputed: str | None = None


@dataclass(frozen=True, slots=True)
class Fact:
    text: str
    reveals: EpisodeCode
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Character:
    id: str
    name: str
    actor: str
    role: str
    aliases: tuple[str, ...]
    description: str
    first_appearance: EpisodeCode
    seasons: tuple[int, ...]
    facts: tuple[Fact, ...]
    sources: tuple[str, ...]
    disputed: str | None = None


@dataclass(frozen=True, slots=True)
class Announcement:
    """What Netflix announced about one character's part in one season before that season came out.

    Public, so shown to every reader: that the character is in the season (or, with `appears` false,
    that they are not), with their name, actor and the one-line role as announced.
    """

    character: str  # a cast.toml id
    season: int
    announced: date
    sources: tuple[str, ...]
    appears: bool = True
    role: str | None = None
    disputed: str | None = None


@dataclass(frozen=True, slots=True)
class Trivia:
    id: str
    kind: str
    text: str
    reveals: EpisodeCode
    sources: tuple[str, ...]
    disputed: str | None = None


@dataclass(frozen=True, slots=True)
class Director:
    name: str
    seasons: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Season:
    number: int
    released: date
    episode_count: int
    synopsis: str


@dataclass(frozen=True, slots=True)
class Film:
    title: str
    status: str
    release: str
    sources: tuple[str, ...]
    release_date: date | None = None
    synopsis: str | None = None
    director: str | None = None
    disputed: str | None = None


@dataclass(frozen=True, slots=True)
class Show:
    title: str
    network: str
    creator: str
    based_on: str
    directors: tuple[Director, ...]
    seasons: tuple[Season, ...]
    film: Film
    sources: tuple[str, ...]
    disputed: str | None = None


@dataclass(frozen=True)
class Canon:
    """Everything in data/, validated. Episodes are in broadcast order."""

    show: Show
    episodes: tuple[Episode, ...]
    characters: tuple[Character, ...]
    trivia: tuple[Trivia, ...]
    sources: dict[str, tuple[Source, ...]] = field(default_factory=dict)  # by data file name
    announced: tuple[Announcement, ...] = ()  # the public cast, from announced.toml

    @cached_property
    def _announcements(self) -> dict[str, dict[int, Announcement]]:
        by_character: dict[str, dict[int, Announcement]] = {}
        for item in self.announced:
            by_character.setdefault(item.character, {})[item.season] = item
        return by_character

    def announcements(self, character_id: str) -> dict[int, Announcement]:
        """What was announced of this character before each season's release, by season."""
        return self._announcements.get(character_id, {})

    def is_announced(self, character_id: str) -> bool:
        """True when the character's name and actor were announced for some season: public to everyone."""
        return any(item.appears for item in self.announcements(character_id).values())

    @cached_property
    def _episodes_by_code(self) -> dict[EpisodeCode, Episode]:
        return {episode.code: episode for episode in self.episodes}

    def episode(self, code: EpisodeCode) -> Episode | None:
        return self._episodes_by_code.get(code)

    @property
    def publishers(self) -> tuple[str, ...]:
        """Every publisher the data cites, most cited first."""
        counts: dict[str, int] = {}
        for sources in self.sources.values():
            for source in sources:
                counts[source.publisher] = counts.get(source.publisher, 0) + 1
        return tuple(sorted(counts, key=lambda name: (-counts[name], name)))
