"""The loader's validation, on a small sample: every problem names its file and field."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bot.canon import CanonError, EpisodeCode, load_canon
from tests.canon_sample import SOURCES, write_sample


def problems(root: Path) -> list[str]:
    with pytest.raises(CanonError) as caught:
        load_canon(root)
    return caught.value.problems


def test_sample_loads(tmp_path: Path) -> None:
    canon = load_canon(write_sample(tmp_path))
    assert [str(e.code) for e in canon.episodes] == ["S1E1", "S1E2"]
    assert canon.episodes[1].runtime_minutes == 28
    assert canon.characters[0].facts[0].reveals == EpisodeCode(1, 2)
    assert canon.publishers == ("Publisher One", "Publisher Two")


def test_loaded_data_is_frozen(tmp_path: Path) -> None:
    canon = load_canon(write_sample(tmp_path))
    with pytest.raises(dataclasses.FrozenInstanceError):
        canon.episodes[0].title = "Changed"  # type: ignore[misc]


def test_episode_codes_compare_in_broadcast_order() -> None:
    assert EpisodeCode.parse("S1E8") < EpisodeCode.parse("S2E1") < EpisodeCode.parse("s2e10")
    assert str(EpisodeCode.parse(" s3e4 ")) == "S3E4"
    with pytest.raises(ValueError, match="not an episode code"):
        EpisodeCode.parse("S0E1")


def test_tag_naming_no_episode(tmp_path: Path) -> None:
    write_sample(tmp_path, trivia=('reveals = "S1E1"', 'reveals = "S1E9"'))
    assert problems(tmp_path) == ["data/trivia.toml: trivia[0].reveals: S1E9 is not an episode in the data"]


def test_beat_tagged_with_another_episode(tmp_path: Path) -> None:
    write_sample(tmp_path, season1=('reveals = "S1E1"', 'reveals = "S1E2"'))
    assert problems(tmp_path) == [
        "data/episodes/season1.toml: episodes[0].beats[0].reveals: a beat of S1E1 must reveal S1E1, not S1E2"
    ]


def test_fact_before_first_appearance(tmp_path: Path) -> None:
    write_sample(
        tmp_path,
        cast=[
            ('first_appearance = "S1E1"', 'first_appearance = "S1E2"'),
            ('reveals = "S1E2"', 'reveals = "S1E1"'),
        ],
    )
    assert problems(tmp_path) == [
        "data/cast.toml: characters[0].facts[0].reveals: "
        "S1E1 is before the character's first appearance (S1E2)"
    ]


def test_duplicate_episode_code(tmp_path: Path) -> None:
    write_sample(tmp_path, season1=('code = "S1E2"', 'code = "S1E1"'))
    found = problems(tmp_path)
    assert "data/episodes: S1E1 appears more than once" in found
    assert any(
        p.startswith("data/episodes/season1.toml: episodes: expected S1E1, S1E2 in order") for p in found
    )


def test_unknown_field_is_reported_as_a_likely_typo(tmp_path: Path) -> None:
    write_sample(tmp_path, season1=('reveals = "S1E1"', 'reveal = "S1E1"'))
    found = problems(tmp_path)
    assert "data/episodes/season1.toml: episodes[0].beats[0].reveals: missing" in found
    assert "data/episodes/season1.toml: episodes[0].beats[0].reveal: unknown field" in found


def test_a_single_source_is_not_enough(tmp_path: Path) -> None:
    write_sample(tmp_path, cast=('sources = ["one", "two"]', 'sources = ["one"]'))
    assert problems(tmp_path) == ["data/cast.toml: characters[0].sources: cite at least 2 different sources"]


def test_citing_a_source_that_is_not_listed(tmp_path: Path) -> None:
    write_sample(tmp_path, trivia=('sources = ["one", "two"]', 'sources = ["one", "three"]'))
    assert problems(tmp_path) == [
        "data/trivia.toml: trivia[0].sources: 'three' is not in this file's [[sources]]"
    ]


def test_wrong_types_and_unknown_warnings(tmp_path: Path) -> None:
    write_sample(
        tmp_path,
        season1=("runtime_minutes = 28", 'runtime_minutes = "28 min"'),
        cast=('reveals = "S1E2"', 'reveals = "S1E2"\nwarnings = ["gore"]'),
    )
    found = problems(tmp_path)
    assert (
        "data/episodes/season1.toml: episodes[1].runtime_minutes: expected a whole number, got str '28 min'"
        in found
    )
    assert any(
        p.startswith("data/cast.toml: characters[0].facts[0].warnings: 'gore' is not one of") for p in found
    )


def test_release_date_must_match_the_season(tmp_path: Path) -> None:
    write_sample(tmp_path, season1=("released = 2022-04-22", "released = 2022-04-29"))
    assert problems(tmp_path) == [
        "data/episodes/season1.toml: episodes[0].released: 2022-04-29 differs from season 1's 2022-04-22"
    ]


def test_missing_file_and_broken_toml(tmp_path: Path) -> None:
    write_sample(tmp_path)
    (tmp_path / "trivia.toml").unlink()
    (tmp_path / "cast.toml").write_text("[[characters]\n")
    found = problems(tmp_path)
    assert "data/trivia.toml: file is missing" in found
    assert any(p.startswith("data/cast.toml: not valid TOML") for p in found)


def test_a_release_date_with_a_time_is_refused(tmp_path: Path) -> None:
    write_sample(tmp_path, season1=("released = 2022-04-22", "released = 2022-04-22T08:00:00Z"))
    assert problems(tmp_path) == [
        "data/episodes/season1.toml: episodes[0].released: "
        "expected a date without a time, got 2022-04-22T08:00:00+00:00"
    ]


# -- announced.toml: the public cast ----------------------------------------------------------------------

ANNOUNCED = (
    """
[[cast]]
character = "charlie"
season = 1
announced = 2021-04-22
role = "an openly gay overthinker"
sources = ["one", "two"]
"""
    + SOURCES
)


def write_announced(root: Path, *edits: tuple[str, str]) -> Path:
    write_sample(root)
    text = ANNOUNCED
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    (root / "announced.toml").write_text(text, encoding="utf-8")
    return root


def test_the_announced_cast_loads_by_character_and_season(tmp_path: Path) -> None:
    canon = load_canon(write_announced(tmp_path))
    assert canon.is_announced("charlie")
    announcement = canon.announcements("charlie")[1]
    assert (announcement.role, announcement.appears, announcement.sources) == (
        "an openly gay overthinker",
        True,
        ("one", "two"),
    )
    assert canon.announcements("nobody") == {}


def test_without_announced_toml_nobody_is_public(tmp_path: Path) -> None:
    canon = load_canon(write_sample(tmp_path))
    assert canon.announced == ()
    assert not canon.is_announced("charlie")


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (
            ('character = "charlie"', 'character = "tao"'),
            "cast[0].character: 'tao' is not a character in cast.toml",
        ),
        (("season = 1", "season = 2"), "cast[0].season: there is no season 2 in show.toml"),
        (
            ("announced = 2021-04-22", "announced = 2022-04-22"),
            "cast[0].announced: 2022-04-22 is not before season 1's release (2022-04-22)",
        ),
        (("role = ", "appears = false\nrole = "), "cast[0].appears: cast.toml has charlie in season 1"),
        (
            ('sources = ["one", "two"]', 'sources = ["one"]'),
            "cast[0].sources: cite at least 2 different sources",
        ),
        (("role = ", "rol = "), "cast[0].rol: unknown field"),
    ],
)
def test_an_announcement_that_does_not_fit_the_canon_is_refused(
    tmp_path: Path, edit: tuple[str, str], problem: str
) -> None:
    assert f"data/announced.toml: {problem}" in problems(write_announced(tmp_path, edit))
