"""Find episodes and characters from what fans type: codes, titles, names, actors, with typos."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import TypeVar

from rapidfuzz import fuzz, process, utils

from bot.canon.models import Canon, Character, Episode, EpisodeCode, Season
from bot.core.errors import BadInput, NotFound
from bot.ui.text import quote

MAX_QUERY = 100
MAX_CHOICES = 25  # Discord's limit for autocomplete
_CODE = re.compile(r"s?\s*(\d{1,2})\s*[ex]\s*(\d{1,2})", re.IGNORECASE)  # S2E3, s2e3, 2x03, S2 E3
K = TypeVar("K")


def _clean(query: str, what: str, example: str) -> str:
    text = " ".join(query.split())
    if not text:
        raise BadInput(f"Type {what}, for example {example}.")
    if len(text) > MAX_QUERY:
        raise BadInput(f"That's too long to be {what}; try something like {example}.")
    return text


class CanonIndex:
    """Lookups over the canon, built once; everything answers from memory."""

    def __init__(self, canon: Canon) -> None:
        self.canon = canon
        self._episodes = {episode.code: episode for episode in canon.episodes}
        self._episode_names = {
            episode.code: f"{episode.code} · {episode.title}" for episode in canon.episodes
        }
        self._episode_keys = {code: utils.default_process(name) for code, name in self._episode_names.items()}
        self._characters = {character.id: character for character in canon.characters}
        self._public = {character.id for character in canon.characters if canon.is_announced(character.id)}
        self._character_names = [  # each name, actor and alias on its own, so a typo in one still matches
            (utils.default_process(name), character.id)
            for character in canon.characters
            for name in dict.fromkeys((character.name, character.actor, *character.aliases))
        ]
        self._exact: dict[str, list[str]] = {}  # every way to name a character exactly, casefolded: their ids
        for character in canon.characters:
            for name in (character.id, character.name, character.actor, *character.aliases):
                ids = self._exact.setdefault(name.casefold(), [])
                if character.id not in ids:
                    ids.append(character.id)
        # Per reader level, and per set of characters searched among: few of either exist (one per episode).
        self._known: dict[EpisodeCode, frozenset[str]] = {}
        self._names_among: dict[frozenset[str] | None, tuple[list[str], list[str]]] = {}

    # -- episodes ------------------------------------------------------------------------------------

    def episode_label(self, code: EpisodeCode) -> str:
        return self._episode_names.get(code, str(code))

    def parse_code(self, query: str) -> EpisodeCode | None:
        match = _CODE.fullmatch(query.strip())
        return EpisodeCode(int(match[1]), int(match[2])) if match else None

    def episode(self, query: str) -> Episode:
        text = _clean(query, "an episode code or title", "S2E3 or Promise")
        code = self.parse_code(text)
        if code is not None:
            if code in self._episodes:
                return self._episodes[code]
            raise NotFound(f"There's no episode {code}: each of the 3 seasons has 8 episodes (S1E1 to S3E8).")
        wanted = text.casefold()
        for episode in self.canon.episodes:
            if wanted in (episode.title.casefold(), self._episode_names[episode.code].casefold()):
                return episode
        best = process.extractOne(
            utils.default_process(text), self._episode_keys, scorer=fuzz.WRatio, score_cutoff=85
        )
        if best is not None:
            return self._episodes[best[2]]
        closest = self._closest(text, self._episode_keys, self.episode_label)
        raise NotFound(f"I couldn't find an episode called {quote(text)}.{closest}")

    def episode_choices(self, typed: str) -> list[tuple[str, str]]:
        """Up to 25 (label, code) pairs for autocomplete; episode titles are spoiler-free."""
        text = " ".join(typed.split())[:MAX_QUERY]
        codes: Iterable[EpisodeCode]
        if not text:
            codes = list(self._episodes)[:MAX_CHOICES]
        elif (code := self.parse_code(text)) is not None:
            codes = [code] if code in self._episodes else []
        else:
            prefix = [
                c for c, name in self._episode_names.items() if name.casefold().startswith(text.casefold())
            ]
            ranked = process.extract(
                utils.default_process(text),
                self._episode_keys,
                scorer=fuzz.WRatio,
                limit=MAX_CHOICES,
                score_cutoff=50,
            )
            codes = list(dict.fromkeys([*prefix, *(match[2] for match in ranked)]))[:MAX_CHOICES]
        return [(self._episode_names[code], str(code)) for code in codes]

    def season(self, number: int) -> Season:
        for season in self.canon.show.seasons:
            if season.number == number:
                return season
        count = len(self.canon.show.seasons)
        raise NotFound(f"There's no season {number}; the show has seasons 1 to {count}.")

    def episodes_of(self, season: int) -> list[Episode]:
        return [episode for episode in self.canon.episodes if episode.code.season == season]

    # -- characters ----------------------------------------------------------------------------------

    def known_at(self, level: EpisodeCode) -> frozenset[str]:
        """Ids of the characters a reader at `level` may be told about: those met, and the announced cast."""
        known = self._known.get(level)
        if known is None:
            known = self._known[level] = frozenset(
                c.id for c in self.canon.characters if c.first_appearance <= level or c.id in self._public
            )
        return known

    def character(self, query: str, *, visible_at: EpisodeCode) -> Character:
        """The character named (or played by the actor named), among those the reader has met by
        `visible_at` or that were announced. Anyone else is answered exactly as a name the show does not
        have, so typing an actor's name never confirms a surprise appearance."""
        text = _clean(query, "a character or actor", "Charlie or Joe Locke")
        met = self.known_at(visible_at)
        for character_id in self._exact.get(text.casefold(), ()):
            if character_id in met:
                return self._characters[character_id]
        best = self._rank_characters(text, among=met, limit=1, cutoff=85)
        if best:
            return self._characters[best[0]]
        closest = [self._characters[cid].name for cid in self._rank_characters(text, among=met, limit=3)]
        hint = f" Closest: {', '.join(closest)}." if closest else ""
        raise NotFound(f"I couldn't find a character or actor called {quote(text)}.{hint}")

    def character_choices(self, typed: str, *, visible_at: EpisodeCode) -> list[tuple[str, str]]:
        """Up to 25 (label, id) pairs: only characters the reader has met or that were announced, so a
        suggestion never spoils."""
        known = self.known_at(visible_at)
        met = [c for c in self.canon.characters if c.id in known]
        text = " ".join(typed.split())[:MAX_QUERY]
        if text:
            ranked = self._rank_characters(text, among=known, limit=MAX_CHOICES, cutoff=50)
            met = [self._characters[cid] for cid in ranked]
        return [(f"{c.name} ({c.actor})", c.id) for c in met[:MAX_CHOICES]]

    def _rank_characters(
        self, text: str, *, among: frozenset[str] | None = None, limit: int, cutoff: float = 40
    ) -> list[str]:
        """Ids of the characters best matching `text` by any of their names, best first, each once."""
        keys, ids = self._names_of(among)
        query = utils.default_process(text)
        if limit == 1:  # the best alone: extractOne stops early, and breaks ties as extract does (first)
            best = process.extractOne(query, keys, scorer=fuzz.WRatio, score_cutoff=cutoff)
            return [ids[best[2]]] if best is not None else []
        ranked = process.extract(query, keys, scorer=fuzz.WRatio, limit=None, score_cutoff=cutoff)
        return list(dict.fromkeys(ids[index] for _, _, index in ranked))[:limit]

    def _names_of(self, among: frozenset[str] | None) -> tuple[list[str], list[str]]:
        """The searchable names of the characters `among` (everyone for None), and whose each one is."""
        found = self._names_among.get(among)
        if found is None:
            names = [(key, cid) for key, cid in self._character_names if among is None or cid in among]
            found = self._names_among[among] = ([key for key, _ in names], [cid for _, cid in names])
        return found

    # -- suggestions ---------------------------------------------------------------------------------

    @staticmethod
    def _closest(text: str, keys: Mapping[K, str], label: Callable[[K], str]) -> str:
        ranked = process.extract(
            utils.default_process(text), keys, scorer=fuzz.WRatio, limit=3, score_cutoff=40
        )
        if not ranked:
            return ""
        return " Closest: " + ", ".join(label(match[2]) for match in ranked) + "."
