"""Finding characters by what fans type: the index's shortcuts (exact names in a table, the best match alone
by extractOne, per-level sets kept) answer exactly as ranking every name would."""

from __future__ import annotations

import pytest
from rapidfuzz import fuzz, process, utils

from bot.canon import Canon, EpisodeCode
from bot.canon.search import CanonIndex
from bot.core.errors import NotFound
from bot.spoilers import NOTHING_WATCHED

LEVELS = (NOTHING_WATCHED, EpisodeCode(1, 1), EpisodeCode(2, 4), EpisodeCode(3, 8))


@pytest.fixture(scope="module")
def index(canon: Canon) -> CanonIndex:
    return CanonIndex(canon)


def ranked_by_every_name(canon: Canon, text: str, level: EpisodeCode) -> str | None:
    """What `character` means, spelt out: an exact name of someone the reader may know, else the best of
    all their names scoring 85 or more (the first character in the canon's order on a tie)."""
    known = [c for c in canon.characters if c.first_appearance <= level or canon.is_announced(c.id)]
    for character in known:
        if text.casefold() in (
            n.casefold() for n in (character.id, character.name, character.actor, *character.aliases)
        ):
            return character.id
    names = [
        (utils.default_process(name), c.id)
        for c in canon.characters
        if c in known
        for name in dict.fromkeys((c.name, c.actor, *c.aliases))
    ]
    ranked = process.extract(
        utils.default_process(text),
        [key for key, _ in names],
        scorer=fuzz.WRatio,
        limit=None,
        score_cutoff=85,
    )
    return names[ranked[0][2]][1] if ranked else None


def typed(canon: Canon) -> list[str]:
    """Every name, actor and alias: whole, with each letter left out, and with each two letters swapped."""
    names = sorted({n for c in canon.characters for n in (c.name, c.actor, *c.aliases)})
    queries = set(names)
    for name in names:
        for i in range(len(name)):
            queries.add(name[:i] + name[i + 1 :])
            queries.add(name[:i] + name[i + 1 : i + 2] + name[i : i + 1] + name[i + 2 :])
    return sorted(q for q in queries if q.strip())


@pytest.mark.parametrize("level", LEVELS, ids=str)
def test_every_typo_finds_whom_ranking_every_name_finds(
    canon: Canon, index: CanonIndex, level: EpisodeCode
) -> None:
    for text in typed(canon):
        expected = ranked_by_every_name(canon, " ".join(text.split()), level)
        try:
            found: str | None = index.character(text, visible_at=level).id
        except NotFound:
            found = None
        assert found == expected, text


def test_a_typo_of_an_actor_finds_their_character(index: CanonIndex) -> None:
    assert index.character("Jo Lock", visible_at=NOTHING_WATCHED).name == "Charlie Spring"


def test_a_name_nobody_has_suggests_the_closest(index: CanonIndex) -> None:
    with pytest.raises(NotFound, match="couldn't find a character or actor called “Zzyzx”"):
        index.character("Zzyzx", visible_at=EpisodeCode(3, 8))


def test_suggestions_only_name_characters_the_reader_may_know(canon: Canon, index: CanonIndex) -> None:
    for level in LEVELS:
        known = index.known_at(level)
        for text in ("", "ch", "mr", "Olivia", "tao", "e"):
            assert {cid for _, cid in index.character_choices(text, visible_at=level)} <= known
