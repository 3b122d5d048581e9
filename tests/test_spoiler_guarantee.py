"""The guarantee, as a property: at every level, in every form, nothing later than the reader's level
is readable without a click, and nothing at or before it is hidden.

In-process, on the pure renderer (bot.spoilers), so every case is cheap: every lookup's pages for every
reader level from nothing watched to S3E8, in wrap and hide modes (a lookup shared in a channel is rendered
the same way, at the channel's level); the metamorphic check, that what a reader at a level sees without
clicking is the same whether the canon holds everything or only what is revealed up to that level, for
every field of every lookup, so no field can leak later appearances, absences or facts however it is
worded; and whatever is typed into the lookups' options, drawn by hypothesis. End to end through the
sandbox, at two levels only, the same guarantee for what members are actually sent (privately in wrap and
hide modes at the reader's progress, and shared in a channel at the server's baseline), and any typed input
getting a private answer in time.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.canon import Canon, Character, Episode, EpisodeCode, load_canon
from bot.canon.models import Beat
from bot.core.errors import NotFound, UserFacingError
from bot.lookups.service import Lookup
from bot.lookups.service import LookupService as Lookups
from bot.sandbox.harness import Actor, RunningBot
from bot.sandbox.observe import Observation
from bot.sandbox.server import Sandbox
from bot.spoilers import NOTHING_WATCHED, Mode, Reader, Rendered, render_pages, spoilered_parts, visible_text

CANON = load_canon()
LEVELS = [NOTHING_WATCHED, *(episode.code for episode in CANON.episodes)]


def tagged_pieces(canon: Canon) -> Iterator[tuple[str, EpisodeCode]]:
    """Every piece of plot text the bot can show, with the episode that reveals it, as it is rendered."""
    for episode in canon.episodes:
        for beat in episode.beats:
            yield beat.text, beat.reveals
    for character in canon.characters:
        if not canon.is_announced(character.id):  # the announced cast is public
            yield f"**{character.name}**: {character.actor}", character.first_appearance
        yield f"**{character.name}**: {character.description}", character.first_appearance
        for fact in character.facts:
            yield fact.text, fact.reveals
    for item in canon.trivia:
        yield item.text, item.reveals


PIECES = list(tagged_pieces(CANON))
# In a season's cast list a line also says the character is in that season, which stays wrapped until
# the reader can know it (the metamorphic test checks exactly when): there it may be wrapped after the
# first appearance.
CAST_LINES = {f"**{c.name}**: {c.actor}" for c in CANON.characters}


def lookups(canon: Canon) -> list[str]:
    commands = [f"episode episode:{e.code}" for e in canon.episodes]
    commands += [f"season season:{s.number}" for s in canon.show.seasons]
    commands += ["cast", *(f"cast season:{s.number}" for s in canon.show.seasons)]
    commands += [f"character name:{c.id}" for c in canon.characters]
    commands += ["trivia", *(f"trivia episode:{e.code}" for e in canon.episodes)]
    return commands


def check(text: str, level: EpisodeCode, *, hide: bool, season_cast: bool = False) -> None:
    """Nothing in `text` later than `level` is readable (nor, with `hide`, there at all), and nothing at
    or before it is wrapped."""
    readable = visible_text(text)
    hidden = spoilered_parts(text)
    for piece, reveals in PIECES:
        if reveals > level:
            assert piece not in readable, f"{piece!r} ({reveals}) readable at {level}"
            if hide:
                assert piece not in text, f"{piece!r} ({reveals}) present in hide mode at {level}"
        elif piece in text and not (season_cast and piece in CAST_LINES):
            assert not any(piece in part for part in hidden), f"{piece!r} ({reveals}) wrapped at {level}"


def page_text(page: Rendered) -> str:
    """A rendered page as members read its embed (the same parts the sandbox's `Observation.text` joins)."""
    parts = [page.title, page.description, page.footer or ""]
    parts += [f"{field.name}\n{field.value}" for field in page.fields]
    return "\n".join(part for part in parts if part)


def check_lookup(lookup: Lookup, level: EpisodeCode) -> None:
    """Every page of `lookup`, rendered for a reader at `level` in each mode, keeps the guarantee."""
    season_cast = lookup.kind == "cast" and bool(lookup.key)
    for mode in Mode:
        for page in render_pages(lookup.document, Reader(level, mode)):
            check(page_text(page), level, hide=mode is Mode.HIDE, season_cast=season_cast)


@pytest.mark.parametrize("level", LEVELS, ids=[str(level) for level in LEVELS])
def test_no_lookup_shows_anything_later_than_the_level(level: EpisodeCode) -> None:
    for kind, key in answers(CANON):
        check_lookup(FULL.rebuild(kind, key), level)


async def ask(actor: Actor, command: str, channel: str = "general") -> Observation:
    interaction = await actor.run(command, channel)
    return await actor.wait_to_see(
        lambda o: o.message == interaction.original_message_id and o.action == "send"
    )


# End to end, where the cogs choose the reader (progress, mode, the channel's baseline): nothing watched,
# and a level inside a season, where some of every kind of piece is shown and some wrapped.
E2E_LEVELS = [NOTHING_WATCHED, EpisodeCode(2, 4)]


@pytest.mark.parametrize("level", E2E_LEVELS, ids=[str(level) for level in E2E_LEVELS])
async def test_nothing_later_than_the_level_is_readable(
    level: EpisodeCode, sandbox: Sandbox, running: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    alice, admin = Actor(sandbox, "alice"), Actor(sandbox, "admin")
    if level != NOTHING_WATCHED:
        await ask(alice, f"progress set episode:{level}")
    await ask(admin, f"config baseline episode:{level if level != NOTHING_WATCHED else 'none'}")
    with caplog.at_level(logging.WARNING):
        for command in lookups(CANON):
            season_cast = command.startswith("cast season:")
            check((await ask(alice, command)).text, level, hide=False, season_cast=season_cast)
            shared = await ask(alice, f"{command} share:true")
            check(shared.text, level, hide=False, season_cast=season_cast)
        await ask(alice, "progress mode mode:hide")
        for command in lookups(CANON):
            reply = await ask(alice, command)
            check(reply.text, level, hide=True, season_cast=command.startswith("cast season:"))
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


# -- metamorphic: the canon cut at the reader's level looks the same to them --------------------------------


def redact(text: str) -> str:
    """The same length and markup without a word of it: all a spoiler tag lets anyone know of its text."""
    return re.sub(r"\w", "x", text)


def truncated(canon: Canon, level: EpisodeCode) -> Canon:
    """The canon as someone at `level` knows it: later beats, facts and trivia redacted (their tags kept),
    characters not yet met reduced to what was announced publicly, and only the season appearances (and
    absences) they can know: announced ones, and those of seasons they have watched to the end (the
    first season once they have met the character)."""
    later = lambda code: code > level  # noqa: E731
    last = canon.episodes[-1].code
    ends = {s.number: EpisodeCode(s.number, s.episode_count) for s in canon.show.seasons}
    announced = {(a.character, a.season) for a in canon.announced}
    public = {a.character for a in canon.announced if a.appears}

    def known(character: Character, season: int) -> bool:
        if (character.id, season) in announced:
            return True
        met = character.first_appearance <= level
        return met and (season <= character.first_appearance.season or ends[season] <= level)

    def cut(character: Character) -> Character:
        character = replace(
            character,
            facts=tuple(replace(f, text=redact(f.text)) if later(f.reveals) else f for f in character.facts),
            seasons=tuple(s for s in character.seasons if known(character, s)),
        )
        if not later(character.first_appearance):
            return character
        character = replace(character, first_appearance=last, description=redact(character.description))
        if character.id in public:
            return character
        return replace(character, name=redact(character.name), actor=redact(character.actor), aliases=())

    def beats(episode: Episode) -> tuple[Beat, ...]:
        return tuple(replace(b, text=redact(b.text)) if later(b.reveals) else b for b in episode.beats)

    return replace(
        canon,
        episodes=tuple(replace(e, beats=beats(e)) for e in canon.episodes),
        characters=tuple(cut(c) for c in canon.characters),
        trivia=tuple(replace(t, text=redact(t.text)) if later(t.reveals) else t for t in canon.trivia),
    )


def answers(canon: Canon) -> list[tuple[str, str]]:
    """Every lookup, as the (kind, key) a Reveal button rebuilds it from."""
    keys = [("episode", str(e.code)) for e in canon.episodes]
    keys += [("season", str(s.number)) for s in canon.show.seasons]
    keys += [("cast", ""), *(("cast", str(s.number)) for s in canon.show.seasons)]
    keys += [("character", c.id) for c in canon.characters]
    keys += [("trivia", ""), *(("trivia", str(e.code)) for e in canon.episodes)]
    return keys


# How many pieces were wrapped or left out may show (a bullet with only a spoiler after it, the hide
# notice's count, "…and 3 more"); what they are, or which seasons they concern, may not.
COUNTS = re.compile(r"^\s*•?\s*$|^…and \d+ more$|^_\d+ details? from episodes you haven't watched left out")


def seen(pages: tuple[Rendered, ...]) -> list[str]:
    """Every line the pages show without a click (title, description, each field's name and value,
    footer), without those that only count hidden pieces."""
    texts = [text for page in pages for text in (page.title, page.description, page.footer or "")]
    texts += [f"{field.name}: {field.value}" for page in pages for field in page.fields]
    lines = [line for text in texts for line in visible_text(text).split("\n")]
    return [line for line in lines if not COUNTS.match(line)]


FULL = Lookups(CANON)


@pytest.mark.parametrize("level", LEVELS, ids=[str(level) for level in LEVELS])
def test_a_reader_sees_nothing_the_canon_cut_at_their_level_would_not_show(level: EpisodeCode) -> None:
    cut = Lookups(truncated(CANON, level))
    for kind, key in answers(CANON):
        for mode in Mode:
            reader = Reader(level, mode)
            expected = seen(render_pages(cut.rebuild(kind, key).document, reader))
            assert seen(render_pages(FULL.rebuild(kind, key).document, reader)) == expected, (kind, key, mode)


def typed_answer(lookups: Lookups, typed: str, level: EpisodeCode) -> list[str]:
    """What `/character name:<typed>` shows a reader at `level`: the card's lines, or the short answer."""
    try:
        lookup = lookups.character(typed, visible_at=level)
    except NotFound as error:
        return [str(error)]
    return seen(render_pages(lookup.document, Reader(level)))


@pytest.mark.parametrize("level", LEVELS, ids=[str(level) for level in LEVELS])
def test_typing_a_name_or_actor_tells_nothing_the_canon_cut_at_the_level_would_not(
    level: EpisodeCode,
) -> None:
    cut = Lookups(truncated(CANON, level))
    names = {name for c in CANON.characters for name in (c.name, c.actor, *c.aliases)}
    for typed in sorted(names):
        assert typed_answer(FULL, typed, level) == typed_answer(cut, typed, level), typed


# -- whatever people type: always a quick, private answer, never an error in the log -------------------

TEXT = st.one_of(
    st.sampled_from(
        ["S2E3", "s2e3", "2x03", "S9E9", "S0E0", "Promise", "promis", "Charlie", "Joe Locke", "Geof"]
    ),
    st.text(min_size=1, max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=500),
    st.sampled_from(
        ["**bold**", "||spoiler||", "`code`", "<@123456789012345678>", "@everyone", "<#1>", "x" * 500]
    ),
)


def read_typed(read: Callable[[], Lookup], level: EpisodeCode) -> None:
    """A lookup read from typed text is found and keeps the guarantee, or is refused in words the command
    tree answers privately as they are (a UserFacingError); anything else would be "something went wrong"."""
    try:
        lookup = read()
    except UserFacingError as error:
        refusal = str(error)
        assert refusal.strip(), "a refusal with nothing to say"
    else:
        check_lookup(lookup, level)


@settings(max_examples=300, deadline=None)
@given(value=TEXT, level=st.sampled_from(LEVELS))
def test_whatever_is_typed_is_read_or_refused_in_words(value: str, level: EpisodeCode) -> None:
    """What /episode, /trivia and /progress set (an episode option) and /character (a character option, among
    those the reader has met) make of any text."""
    index = FULL.index
    read_typed(lambda: FULL.episode(str(index.episode(value).code)), level)
    read_typed(lambda: FULL.trivia(str(index.episode(value).code)), level)
    read_typed(lambda: FULL.character_by_id(index.character(value, visible_at=level).id), level)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],  # one bot answers every example
)
@given(values=st.lists(TEXT, min_size=1, max_size=3))
async def test_any_input_gets_a_private_answer_in_time(
    values: list[str], sandbox: Sandbox, running: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    alice = Actor(sandbox, "alice")
    caplog.clear()
    with caplog.at_level(logging.ERROR):
        for value in (v for v in values if v.strip(":")):
            for command in ("episode", "progress set", "trivia"):
                words = [*command.split(), f"episode:{value}"]
                reply = await alice.reply_to(await alice.run(words))  # type: ignore[arg-type]
                assert reply.visible_to == "alice"
            words = ["character", f"name:{value}"]
            reply = await alice.reply_to(await alice.run(words))  # type: ignore[arg-type]
            assert reply.visible_to == "alice"
        await sandbox.idle()  # follow-ups (the one-time hint) are answered too
    assert sandbox.violations == []
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
