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
