"""The real data/ folder: loads, covers the whole show, and every tag and source holds up."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date

from bot.canon import Canon, EpisodeCode

ALL_CODES = [EpisodeCode(season, number) for season in (1, 2, 3) for number in range(1, 9)]


def test_all_24_episodes_in_broadcast_order(canon: Canon) -> None:
    assert [episode.code for episode in canon.episodes] == ALL_CODES


def test_seasons_and_release_dates(canon: Canon) -> None:
    released = {season.number: season.released for season in canon.show.seasons}
    assert released == {1: date(2022, 4, 22), 2: date(2023, 8, 3), 3: date(2024, 10, 3)}
    assert all(season.episode_count == 8 for season in canon.show.seasons)
    for episode in canon.episodes:
        assert episode.released == released[episode.code.season]


def test_show_credits(canon: Canon) -> None:
    assert canon.show.creator == "Alice Oseman"
    assert canon.show.network == "Netflix"
    directed = {season for director in canon.show.directors for season in director.seasons}
    assert directed == {1, 2, 3}
    assert canon.show.film.title == "Heartstopper Forever"


def test_every_tag_names_a_real_episode(canon: Canon) -> None:
    known = set(ALL_CODES)
    tags = [beat.reveals for episode in canon.episodes for beat in episode.beats]
    tags += [fact.reveals for character in canon.characters for fact in character.facts]
    tags += [character.first_appearance for character in canon.characters]
    tags += [item.reveals for item in canon.trivia]
    assert tags
    assert set(tags) <= known


def test_every_beat_belongs_to_its_episode(canon: Canon) -> None:
    for episode in canon.episodes:
        assert episode.beats, f"{episode.code} has no plot beats"
        assert {beat.reveals for beat in episode.beats} == {episode.code}


def test_no_fact_comes_before_the_characters_first_appearance(canon: Canon) -> None:
    for character in canon.characters:
        for fact in character.facts:
            assert fact.reveals >= character.first_appearance, f"{character.id}: {fact.text}"


def test_main_cast_is_present_with_their_actors(canon: Canon) -> None:
    actors = {character.name: character.actor for character in canon.characters}
    expected = {
        "Nick Nelson": "Kit Connor",
        "Charlie Spring": "Joe Locke",
        "Tao Xu": "William Gao",
        "Elle Argent": "Yasmin Finney",
        "Tara Jones": "Corinna Brown",
        "Darcy Olsson": "Kizzy Edgell",
        "Isaac Henderson": "Tobie Donovan",
        "Imogen Heaney": "Rhea Norwood",
        "Sarah Nelson": "Olivia Colman",
    }
    assert {name: actors.get(name) for name in expected} == expected


def test_character_ids_and_aliases_are_usable(canon: Canon) -> None:
    ids = [character.id for character in canon.characters]
    assert len(ids) == len(set(ids))
    for character in canon.characters:
        assert len({alias.casefold() for alias in character.aliases}) == len(character.aliases), character.id


def test_every_item_cites_two_listed_sources(canon: Canon) -> None:
    cited = [("show.toml", canon.show.sources), ("show.toml", canon.show.film.sources)]
    cited += [(f"episodes/season{e.code.season}.toml", e.sources) for e in canon.episodes]
    cited += [("cast.toml", c.sources) for c in canon.characters]
    cited += [("trivia.toml", t.sources) for t in canon.trivia]
    for file, ids in cited:
        listed = {source.id for source in canon.sources[file]}
        assert len(set(ids)) >= 2
        assert set(ids) <= listed, file


def test_sources_are_web_addresses(canon: Canon) -> None:
    for sources in canon.sources.values():
        for source in sources:
            assert source.url.startswith(("https://", "http://")), source.id


def test_season_two_has_the_most_detail(canon: Canon) -> None:
    beats = {season: 0 for season in (1, 2, 3)}
    for episode in canon.episodes:
        beats[episode.code.season] += len(episode.beats)
    assert beats[2] > beats[1]
    assert beats[2] > beats[3]


SENSITIVE = {
    "self-harm": re.compile(r"self-harm|harm(s|ing)? (him|her|them)sel|cut(s|ting)? (him|her|them)sel", re.I),
    "eating-disorder": re.compile(r"eating disorder|anorexi|not eating|skip(s|ping)? meals", re.I),
}


def test_sensitive_plot_text_carries_its_content_warning(canon: Canon) -> None:
    texts = [(beat.text, beat.warnings) for episode in canon.episodes for beat in episode.beats]
    texts += [(fact.text, fact.warnings) for character in canon.characters for fact in character.facts]
    for text, warnings in texts:
        for warning, pattern in SENSITIVE.items():
            if pattern.search(text):
                assert warning in warnings, f"{text!r} needs the {warning!r} warning"


def test_the_improvised_scenes_are_recorded_with_their_episodes(canon: Canon) -> None:
    improvised = [item for item in canon.trivia if item.kind == "improvised"]
    assert len(improvised) >= 3
    assert all(
        item.reveals.season == 2 for item in improvised if "Paris" in item.text or "museum" in item.text
    )


def test_validator_command_reports_the_data_valid() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.canon"], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("data/ is valid: 24 episodes")


def test_plot_text_never_names_a_character_before_their_first_appearance(canon: Canon) -> None:
    """A fan must not meet a character in a beat or fact before the bot would show who they are."""
    plot = [(episode.code, beat.text) for episode in canon.episodes for beat in episode.beats]
    plot += [(fact.reveals, fact.text) for character in canon.characters for fact in character.facts]
    for character in canon.characters:
        names = [alias for alias in character.aliases if "'" not in alias]  # "Nick's mum" is not a name
        pattern = re.compile(r"\b(" + "|".join(map(re.escape, names)) + r")\b")
        early = [
            (str(code), text)
            for code, text in plot
            if code < character.first_appearance and pattern.search(text)
        ]
        assert early == [], f"{character.id} (first seen {character.first_appearance}) is named earlier"
