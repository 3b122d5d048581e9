"""The lookups as documents: every piece of plot text tagged with the episode that reveals it.

What a reader actually sees is decided later, by bot.spoilers.layout, for whoever reads.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from bot.canon import Canon, Character, Episode, EpisodeCode
from bot.canon.search import CanonIndex
from bot.core.errors import NotFound
from bot.spoilers import Document, Joined, Section, Tagged

WARNING_NAMES = {
    "self-harm": "self-harm",
    "eating-disorder": "eating disorder",
    "homophobia": "homophobia",
    "transphobia": "transphobia",
    "biphobia": "biphobia",
    "bullying": "bullying",
    "outing": "outing",
    "mental-health": "mental health",
    "alcohol": "alcohol",
    "sexual-content": "sexual content",
    "family-conflict": "family conflict",
    "grief": "grief",
    "non-consent": "non-consent",
}
KINDS = ("episode", "season", "cast", "character", "trivia")


def with_note(text: str, warnings: tuple[str, ...]) -> str:
    """A content note goes first, inside the same spoiler, so a reader meets it before the detail."""
    if not warnings:
        return text
    return f"(Content note: {', '.join(WARNING_NAMES.get(w, w) for w in warnings)}) {text}"


def long_date(episode: Episode) -> str:
    return f"{episode.released.day} {episode.released:%B %Y}"


def in_season(canon: Canon, character: Character, season: int) -> EpisodeCode | None:
    """The episode that tells a viewer whether `character` is in `season`; None when that was announced.

    Meeting a character tells you they were not in earlier seasons and are in their first one; any later
    season is only known once watched to its end (so an absence is never revealed early either).
    """
    if season in canon.announcements(character.id):
        return None
    met = character.first_appearance
    if season <= met.season:
        return met
    last = max((e.code for e in canon.episodes if e.code.season == season), default=met)
    return max(met, last)


def seasons_field(canon: Canon, character: Character) -> Joined:
    """One mark per season of the show, each behind what reveals it: the number of marks is always the
    show's, so neither later appearances nor absences show through."""
    marks = []
    for season in canon.show.seasons:
        mark = "✓" if season.number in character.seasons else "✗"
        marks.append(Tagged(f"S{season.number} {mark}", in_season(canon, character, season.number)))
    return Joined(tuple(marks))


@dataclass(frozen=True, slots=True)
class Lookup:
    """A document, and the key that rebuilds it (for the Reveal button after a restart)."""

    kind: str
    key: str
    document: Document


class LookupService:
    """Every lookup answer as a document, built from the canon once and kept."""

    def __init__(self, canon: Canon) -> None:
        self.canon = canon
        self.index = CanonIndex(canon)
        # The canon never changes while the bot runs: build each answer once (misses raise, and are not kept).
        self.episode = functools.lru_cache(maxsize=1024)(self._episode)
        self.trivia = functools.lru_cache(maxsize=1024)(self._trivia)
        self.season = functools.lru_cache(maxsize=16)(self._season)
        self.cast = functools.lru_cache(maxsize=16)(self._cast)
        self.character_by_id = functools.lru_cache(maxsize=256)(self._character_by_id)

    def rebuild(self, kind: str, key: str) -> Lookup:
        """The same lookup again, from the kind and key a Reveal or page button carries."""
        if kind == "episode":
            return self.episode(key)
        if kind == "season" and key.isdigit():
            return self.season(int(key))
        if kind == "cast" and (key.isdigit() or not key):
            return self.cast(int(key) if key else None)
        if kind == "character":
            return self.character_by_id(key)
        if kind == "trivia":
            return self.trivia(key or None)
        raise NotFound("That button belongs to something I no longer know about.")

    def _episode(self, query: str) -> Lookup:
        episode = self.index.episode(query)
        label = self.index.episode_label(episode.code)
        facts = [("Released", Tagged(long_date(episode)))]
        if episode.runtime_minutes:
            facts.append(("Runtime", Tagged(f"{episode.runtime_minutes} minutes")))
        beats = tuple(Tagged(with_note(b.text, b.warnings), b.reveals) for b in episode.beats)
        sections = [Section("What happens", beats)]
        trivia = tuple(Tagged(t.text, t.reveals) for t in self.canon.trivia if t.reveals == episode.code)
        if trivia:
            sections.append(Section("Behind the scenes", trivia))
        document = Document(
            title=Tagged(label),
            title_fallback=label,
            summary=(Tagged(episode.logline),),
            facts=tuple(facts),
            sections=tuple(sections),
        )
        return Lookup("episode", str(episode.code), document)

    def _season(self, number: int) -> Lookup:
        season = self.index.season(number)
        episodes = tuple(
            Tagged(f"**{self.index.episode_label(e.code)}**: {e.logline}")
            for e in self.index.episodes_of(number)
        )
        released = f"{season.released.day} {season.released:%B %Y}"
        document = Document(
            title=Tagged(f"Season {number}"),
            title_fallback=f"Season {number}",
            summary=(Tagged(season.synopsis),),
            facts=(("Released", Tagged(released)), ("Episodes", Tagged(str(season.episode_count)))),
            sections=(Section("Episodes", episodes),),
        )
        return Lookup("season", str(number), document)

    def _cast(self, season: int | None) -> Lookup:
        if season is not None:
            self.index.season(season)  # refuses seasons that do not exist
        title = f"Season {season} cast" if season else "Cast"
        lines = []
        for c in self.canon.characters:
            if season is None:  # who plays whom: public for the announced cast
                tag = None if self.canon.is_announced(c.id) else c.first_appearance
            elif season in c.seasons:  # and who is in this season: public if announced for it
                tag = in_season(self.canon, c, season)
            else:
                continue
            text = f"**{c.name}**: {c.actor}"
            if tag is None and (role := self._role(c)):
                text += f" · {role}"
            lines.append((tag, self._cast_order(c, tag), text))
        lines.sort(key=lambda line: line[1])
        document = Document(
            title=Tagged(title),
            title_fallback=title,
            sections=(Section("Who plays whom", tuple(Tagged(text, tag) for tag, _, text in lines)),),
        )
        return Lookup("cast", str(season or ""), document)

    def _role(self, character: Character) -> str | None:
        """The one-line role as first announced, if one was."""
        announced = self.canon.announcements(character.id)
        return next((announced[s].role for s in sorted(announced) if announced[s].role), None)

    def _cast_order(self, character: Character, tag: EpisodeCode | None) -> tuple[object, ...]:
        """Public lines first, by the season they were announced for; then the rest by what reveals them,
        so a hidden line's place among the others says nothing of when its character appears."""
        main = character.role != "main"
        if tag is None:
            first = min(self.canon.announcements(character.id), default=0)
            return (0, first, main, character.name)
        return (1, tag, main, character.name)

    def character(self, query: str, *, visible_at: EpisodeCode) -> Lookup:
        return self.character_by_id(self.index.character(query, visible_at=visible_at).id)

    def _character_by_id(self, character_id: str) -> Lookup:
        for character in self.canon.characters:
            if character.id == character_id:
                return self._character(character)
        raise NotFound("That button belongs to a character I no longer know about.")

    def _character(self, character: Character) -> Lookup:
        met = character.first_appearance  # what the show tells about a character waits until they appear
        public = None if self.canon.is_announced(character.id) else met  # the announced cast is public
        facts = tuple(Tagged(with_note(f.text, f.warnings), f.reveals) for f in character.facts)
        fields: list[tuple[str, Tagged | Joined]] = [("Played by", Tagged(character.actor, public))]
        if role := self._role(character):
            fields.append(("Announced as", Tagged(role)))
        fields += [
            ("First appears", Tagged(self.index.episode_label(met), met)),
            ("Seasons", seasons_field(self.canon, character)),
        ]
        document = Document(
            title=Tagged(character.name, public),
            title_fallback="Character",
            summary=(Tagged(f"**{character.name}**: {character.description}", met),),
            facts=tuple(fields),
            sections=(Section("What we learn", facts),) if facts else (),
        )
        return Lookup("character", character.id, document)

    def _trivia(self, episode_query: str | None) -> Lookup:
        if episode_query:
            episode = self.index.episode(episode_query)
            items = [t for t in self.canon.trivia if t.reveals == episode.code]
            title, key = f"Behind the scenes: {self.index.episode_label(episode.code)}", str(episode.code)
        else:
            items, title, key = sorted(self.canon.trivia, key=lambda t: t.reveals), "Behind the scenes", ""
        lines = tuple(Tagged(t.text, t.reveals) for t in items) or (
            Tagged("No trivia recorded for this one yet."),
        )
        document = Document(title=Tagged(title), title_fallback=title, sections=(Section("Trivia", lines),))
        return Lookup("trivia", key, document)
