"""Load data/ into frozen dataclasses, reporting every problem with its file and field."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from bot.canon.models import (
    CONTENT_WARNINGS,
    FILM_STATUSES,
    ROLES,
    TRIVIA_KINDS,
    Announcement,
    Beat,
    Canon,
    Character,
    Director,
    Episode,
    EpisodeCode,
    Fact,
    Film,
    Season,
    Show,
    Source,
    Trivia,
)
from bot.core.settings import DATA_DIR

_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
MIN_SOURCES = 2


class CanonError(Exception):
    """data/ is invalid. `problems` has one line per problem, each naming the file and the field."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in the show data:\n" + "\n".join(problems))


class _Problems:
    def __init__(self) -> None:
        self.lines: list[str] = []
        # Every episode tag seen, checked once all episodes are known: (code, where).
        self.tags: list[tuple[EpisodeCode, str]] = []

    def add(self, where: str, message: str) -> None:
        self.lines.append(f"{where}: {message}")


class _Table:
    """Typed reads from one TOML table; a bad value is recorded and a placeholder returned."""

    def __init__(self, file: str, path: str, data: Mapping[str, Any], problems: _Problems) -> None:
        self.file, self.path, self.data, self.problems = file, path, data, problems
        self._read: set[str] = set()

    def where(self, key: str | None = None) -> str:
        field = ".".join(p for p in (self.path, key) if p)
        return f"{self.file}: {field}" if field else self.file

    def problem(self, key: str | None, message: str) -> None:
        self.problems.add(self.where(key), message)

    def _get(self, key: str, kind: type | tuple[type, ...], label: str, optional: bool) -> Any:
        self._read.add(key)
        if key not in self.data:
            if not optional:
                self.problem(key, "missing")
            return None
        value = self.data[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            self.problem(key, f"expected {label}, got {type(value).__name__} {value!r}")
            return None
        return value

    def text(self, key: str, *, optional: bool = False) -> str | None:
        value = self._get(key, str, "text", optional)
        if value is not None and not value.strip():
            self.problem(key, "is empty")
            return None
        return value.strip() if value is not None else None

    def text_or_empty(self, key: str) -> str:
        return self.text(key) or ""

    def integer(self, key: str, *, optional: bool = False, minimum: int = 1) -> int | None:
        value = self._get(key, int, "a whole number", optional)
        if value is not None and value < minimum:
            self.problem(key, f"must be at least {minimum}, got {value}")
            return None
        return value

    def flag(self, key: str, *, default: bool) -> bool:
        value = self._get(key, bool, "true or false", True)
        return default if value is None else value

    def day(self, key: str, *, optional: bool = False) -> date | None:
        value = self._get(key, date, "a date such as 2023-08-03 (unquoted)", optional)
        if isinstance(value, datetime):  # TOML datetimes are dates too; a release day has no time
            self.problem(key, f"expected a date without a time, got {value.isoformat()}")
            return None
        return value

    def texts(self, key: str, *, optional: bool = False) -> tuple[str, ...]:
        value = self._get(key, list, "a list of text", optional)
        if value is None:
            return ()
        if not all(isinstance(item, str) and item.strip() for item in value):
            self.problem(key, "every item must be non-empty text")
            return ()
        return tuple(item.strip() for item in value)

    def integers(self, key: str) -> tuple[int, ...]:
        value = self._get(key, list, "a list of whole numbers", False)
        if value is None:
            return ()
        if not value or not all(isinstance(i, int) and not isinstance(i, bool) and i > 0 for i in value):
            self.problem(key, "must be a non-empty list of positive whole numbers")
            return ()
        return tuple(value)

    def choice(self, key: str, allowed: frozenset[str]) -> str:
        value = self.text(key)
        if value is not None and value not in allowed:
            self.problem(key, f"{value!r} is not one of {', '.join(sorted(allowed))}")
        return value or ""

    def slug(self, key: str) -> str:
        value = self.text(key)
        if value is not None and not _SLUG.fullmatch(value):
            self.problem(key, f"{value!r} must be lowercase letters, digits and dashes")
        return value or ""

    def code(self, key: str) -> EpisodeCode:
        """An episode tag; whether the episode exists is checked once all episodes are loaded."""
        value = self.text(key)
        if value is None:
            return EpisodeCode(0, 0)
        try:
            code = EpisodeCode.parse(value)
        except ValueError as error:
            self.problem(key, str(error))
            return EpisodeCode(0, 0)
        if value != str(code):
            self.problem(key, f"write {str(code)!r}, not {value!r}")
        self.problems.tags.append((code, self.where(key)))
        return code

    def warnings(self) -> tuple[str, ...]:
        values = self.texts("warnings", optional=True)
        for value in values:
            if value not in CONTENT_WARNINGS:
                self.problem("warnings", f"{value!r} is not one of {', '.join(sorted(CONTENT_WARNINGS))}")
        return values

    def table(self, key: str) -> _Table:
        value = self._get(key, dict, "a table", False)
        return _Table(self.file, f"{self.path}.{key}" if self.path else key, value or {}, self.problems)

    def tables(self, key: str, *, optional: bool = False) -> Iterator[_Table]:
        value = self._get(key, list, "an array of tables ([[...]])", optional) or []
        for index, item in enumerate(value):
            where = f"{self.path}.{key}[{index}]" if self.path else f"{key}[{index}]"
            if isinstance(item, dict):
                yield _Table(self.file, where, item, self.problems)
            else:
                self.problems.add(f"{self.file}: {where}", "expected a table")

    def cited(self, known: Mapping[str, Source]) -> tuple[str, ...]:
        ids = self.texts("sources")
        for source_id in ids:
            if source_id not in known:
                self.problem("sources", f"{source_id!r} is not in this file's [[sources]]")
        if len(set(ids)) < MIN_SOURCES:
            self.problem("sources", f"cite at least {MIN_SOURCES} different sources")
        return ids

    def done(self) -> None:
        """Unknown keys are almost always typos (`reveal` for `reveals`): report them."""
        for key in sorted(set(self.data) - self._read):
            self.problem(key, "unknown field")


def _open(path: Path, problems: _Problems) -> _Table:
    name = path.relative_to(path.parents[1]).as_posix() if path.parent.name == "episodes" else path.name
    file = f"data/{name}"
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        problems.add(file, "file is missing")
        data = {}
    except tomllib.TOMLDecodeError as error:
        problems.add(file, f"not valid TOML: {error}")
        data = {}
    return _Table(file, "", data, problems)


def _sources(root: _Table) -> dict[str, Source]:
    sources: dict[str, Source] = {}
    for table in root.tables("sources"):
        source = Source(
            id=table.slug("id"),
            title=table.text_or_empty("title"),
            publisher=table.text_or_empty("publisher"),
            url=table.text_or_empty("url"),
        )
        if source.url and not source.url.startswith(("https://", "http://")):
            table.problem("url", "must be a web address")
        if source.id in sources:
            table.problem("id", f"{source.id!r} is listed twice")
        sources[source.id] = source
        table.done()
    return sources


def _load_show(root: _Table) -> tuple[Show, tuple[Source, ...]]:
    sources = _sources(root)
    info = root.table("show")
    directors = []
    for table in root.tables("directors"):
        directors.append(Director(name=table.text_or_empty("name"), seasons=table.integers("seasons")))
        table.done()
    seasons = []
    for table in root.tables("seasons"):
        seasons.append(
            Season(
                number=table.integer("number") or 0,
                released=table.day("released") or date.min,
                episode_count=table.integer("episodes") or 0,
                synopsis=table.text_or_empty("synopsis"),
            )
        )
        table.done()
    numbers = [season.number for season in seasons]
    if numbers != list(range(1, len(numbers) + 1)):
        root.problem("seasons", f"numbers must run 1, 2, 3... in order, got {numbers}")
    film_table = root.table("film")
    film = Film(
        title=film_table.text_or_empty("title"),
        status=film_table.choice("status", FILM_STATUSES),
        release=film_table.text_or_empty("release"),
        release_date=film_table.day("release_date", optional=True),
        synopsis=film_table.text("synopsis", optional=True),
        director=film_table.text("director", optional=True),
        sources=film_table.cited(sources),
        disputed=film_table.text("disputed", optional=True),
    )
    film_table.done()
    show = Show(
        title=info.text_or_empty("title"),
        network=info.text_or_empty("network"),
        creator=info.text_or_empty("creator"),
        based_on=info.text_or_empty("based_on"),
        directors=tuple(directors),
        seasons=tuple(seasons),
        film=film,
        sources=info.cited(sources),
        disputed=info.text("disputed", optional=True),
    )
    info.done()
    root.done()
    return show, tuple(sources.values())


def _load_season(root: _Table, season: Season) -> tuple[list[Episode], tuple[Source, ...]]:
    sources = _sources(root)
    number = root.integer("season")
    if number is not None and number != season.number:
        root.problem("season", f"this file is for season {season.number}, not {number}")
    episodes = []
    for table in root.tables("episodes"):
        code = table.code("code")
        if code.season and code.season != season.number:
            table.problem("code", f"{code} is not in season {season.number}")
        beats = []
        for beat_table in table.tables("beats"):
            beat = Beat(
                text=beat_table.text_or_empty("text"),
                reveals=beat_table.code("reveals"),
                warnings=beat_table.warnings(),
            )
            if beat.reveals.season and code.season and beat.reveals != code:
                beat_table.problem("reveals", f"a beat of {code} must reveal {code}, not {beat.reveals}")
            beats.append(beat)
            beat_table.done()
        if not beats:
            table.problem("beats", "an episode needs at least one plot beat")
        released = table.day("released") or date.min
        if released not in (date.min, season.released):
            table.problem("released", f"{released} differs from season {season.number}'s {season.released}")
        episodes.append(
            Episode(
                code=code,
                title=table.text_or_empty("title"),
                released=released,
                logline=table.text_or_empty("logline"),
                beats=tuple(beats),
                sources=table.cited(sources),
                runtime_minutes=table.integer("runtime_minutes", optional=True),
                disputed=table.text("disputed", optional=True),
            )
        )
        table.done()
    expected = [EpisodeCode(season.number, n) for n in range(1, season.episode_count + 1)]
    found = [episode.code for episode in episodes]
    if found != expected:
        root.problem(
            "episodes",
            f"expected {', '.join(map(str, expected))} in order, got {', '.join(map(str, found))}",
        )
    root.done()
    return episodes, tuple(sources.values())


def _load_cast(root: _Table) -> tuple[list[Character], tuple[Source, ...]]:
    sources = _sources(root)
    characters: list[Character] = []
    for table in root.tables("characters"):
        character_id = table.slug("id")
        first = table.code("first_appearance")
        facts = []
        for fact_table in table.tables("facts", optional=True):
            fact = Fact(
                text=fact_table.text_or_empty("text"),
                reveals=fact_table.code("reveals"),
                warnings=fact_table.warnings(),
            )
            if first.season and fact.reveals.season and fact.reveals < first:
                fact_table.problem(
                    "reveals", f"{fact.reveals} is before the character's first appearance ({first})"
                )
            facts.append(fact)
            fact_table.done()
        seasons = table.integers("seasons")
        if first.season and seasons and first.season not in seasons:
            table.problem("seasons", f"must include season {first.season}, of the first appearance {first}")
        if first.season and seasons and min(seasons) < first.season:
            table.problem("seasons", f"season {min(seasons)} is before the first appearance {first}")
        if any(c.id == character_id for c in characters):
            table.problem("id", f"{character_id!r} is listed twice")
        characters.append(
            Character(
                id=character_id,
                name=table.text_or_empty("name"),
                actor=table.text_or_empty("actor"),
                role=table.choice("role", ROLES),
                aliases=table.texts("aliases", optional=True),
                description=table.text_or_empty("description"),
                first_appearance=first,
                seasons=seasons,
                facts=tuple(facts),
                sources=table.cited(sources),
                disputed=table.text("disputed", optional=True),
            )
        )
        table.done()
    root.done()
    return characters, tuple(sources.values())


def _load_trivia(root: _Table) -> tuple[list[Trivia], tuple[Source, ...]]:
    sources = _sources(root)
    items: list[Trivia] = []
    for table in root.tables("trivia"):
        item = Trivia(
            id=table.slug("id"),
            kind=table.choice("kind", TRIVIA_KINDS),
            text=table.text_or_empty("text"),
            reveals=table.code("reveals"),
            sources=table.cited(sources),
            disputed=table.text("disputed", optional=True),
        )
        if any(other.id == item.id for other in items):
            table.problem("id", f"{item.id!r} is listed twice")
        items.append(item)
        table.done()
    root.done()
    return items, tuple(sources.values())


def _load_announced(
    root: _Table, characters: list[Character], seasons: tuple[Season, ...]
) -> tuple[list[Announcement], tuple[Source, ...]]:
    """The cast as announced before each season's release, checked against cast.toml and show.toml."""
    sources = _sources(root)
    cast = {character.id: character for character in characters}
    released = {season.number: season.released for season in seasons}
    items: list[Announcement] = []
    for table in root.tables("cast", optional=True):
        item = Announcement(
            character=table.slug("character"),
            season=table.integer("season") or 0,
            announced=table.day("announced") or date.min,
            appears=table.flag("appears", default=True),
            role=table.text("role", optional=True),
            sources=table.cited(sources),
            disputed=table.text("disputed", optional=True),
        )
        character = cast.get(item.character)
        if item.character and character is None:
            table.problem("character", f"{item.character!r} is not a character in cast.toml")
        if item.season and item.season not in released:
            table.problem("season", f"there is no season {item.season} in show.toml")
        elif item.season and item.announced != date.min and item.announced >= released[item.season]:
            table.problem(
                "announced",
                f"{item.announced} is not before season {item.season}'s release ({released[item.season]})",
            )
        if character is not None and item.season in released:
            if item.appears and item.season not in character.seasons:
                table.problem("season", f"cast.toml does not have {item.character} in season {item.season}")
            if not item.appears and item.season in character.seasons:
                table.problem("appears", f"cast.toml has {item.character} in season {item.season}")
        if not item.appears and item.role is not None:
            table.problem("role", "a character announced as not appearing has no role in that season")
        if any((other.character, other.season) == (item.character, item.season) for other in items):
            table.problem("season", f"{item.character} is announced for season {item.season} twice")
        items.append(item)
        table.done()
    root.done()
    return items, tuple(sources.values())


def load_canon(data_dir: Path = DATA_DIR) -> Canon:
    """Read and validate every file in data/; raise CanonError listing every problem found."""
    problems = _Problems()
    show, show_sources = _load_show(_open(data_dir / "show.toml", problems))
    sources = {"show.toml": show_sources}
    episodes: list[Episode] = []
    for season in show.seasons:
        name = f"episodes/season{season.number}.toml"
        season_episodes, sources[name] = _load_season(_open(data_dir / name, problems), season)
        episodes.extend(season_episodes)
    characters, sources["cast.toml"] = _load_cast(_open(data_dir / "cast.toml", problems))
    trivia, sources["trivia.toml"] = _load_trivia(_open(data_dir / "trivia.toml", problems))
    announced: list[Announcement] = []
    if (data_dir / "announced.toml").exists():  # optional: without it, no cast is public before it appears
        announced, sources["announced.toml"] = _load_announced(
            _open(data_dir / "announced.toml", problems), characters, show.seasons
        )

    codes = [episode.code for episode in episodes]
    for code in {c for c in codes if codes.count(c) > 1}:
        problems.add("data/episodes", f"{code} appears more than once")
    known = set(codes)
    for code, where in problems.tags:
        if code.season and code not in known:
            problems.add(where, f"{code} is not an episode in the data")

    if problems.lines:
        raise CanonError(problems.lines)
    return Canon(
        show=show,
        episodes=tuple(episodes),
        characters=tuple(characters),
        trivia=tuple(trivia),
        sources=sources,
        announced=tuple(announced),
    )
