"""The guarantee, as a property: at every level, in every form, nothing later than the reader's level
is readable without a click, and nothing at or before it is hidden.

Every lookup command runs through the sandbox for every reader level from nothing watched to S3E8:
privately (wrap and hide modes) at the reader's progress, and shared in a channel at the server's baseline.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.canon import Canon, EpisodeCode, load_canon
from bot.sandbox.harness import Actor, RunningBot, new_sandbox
from bot.sandbox.observe import Observation
from bot.sandbox.server import Sandbox
from bot.spoilers import NOTHING_WATCHED, spoilered_parts, visible_text

CANON = load_canon()
LEVELS = [NOTHING_WATCHED, *(episode.code for episode in CANON.episodes)]


def tagged_pieces(canon: Canon) -> Iterator[tuple[str, EpisodeCode]]:
    """Every piece of plot text the bot can show, with the episode that reveals it, as it is rendered."""
    for episode in canon.episodes:
        for beat in episode.beats:
            yield beat.text, beat.reveals
    for character in canon.characters:
        yield f"**{character.name}**: {character.actor}", character.first_appearance
        yield f"**{character.name}**: {character.description}", character.first_appearance
        for fact in character.facts:
            yield fact.text, fact.reveals
    for item in canon.trivia:
        yield item.text, item.reveals


PIECES = list(tagged_pieces(CANON))


def lookups(canon: Canon) -> list[str]:
    commands = [f"episode episode:{e.code}" for e in canon.episodes]
    commands += [f"season season:{s.number}" for s in canon.show.seasons]
    commands += ["cast", *(f"cast season:{s.number}" for s in canon.show.seasons)]
    commands += [f"character name:{c.id}" for c in canon.characters]
    commands += ["trivia", *(f"trivia episode:{e.code}" for e in canon.episodes)]
    return commands


def check(reply: Observation, level: EpisodeCode, *, hide: bool) -> None:
    readable = visible_text(reply.text)
    hidden = spoilered_parts(reply.text)
    for text, reveals in PIECES:
        if reveals > level:
            assert text not in readable, f"{text!r} ({reveals}) readable at {level}"
            if hide:
                assert text not in reply.text, f"{text!r} ({reveals}) present in hide mode at {level}"
        elif text in reply.text:
            assert not any(text in part for part in hidden), f"{text!r} ({reveals}) wrapped at {level}"


async def ask(actor: Actor, command: str, channel: str = "general") -> Observation:
    interaction = await actor.run(command, channel)
    return await actor.wait_to_see(
        lambda o: o.message == interaction.original_message_id and o.action == "send"
    )


@pytest.mark.parametrize("level", LEVELS, ids=[str(level) for level in LEVELS])
async def test_nothing_later_than_the_level_is_readable(
    level: EpisodeCode, sandbox: Sandbox, running: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    alice, admin = Actor(sandbox, "alice"), Actor(sandbox, "admin")
    if level != NOTHING_WATCHED:
        await ask(alice, f"progress set episode:{level}")
    await ask(admin, f"config baseline episode:{level if level != NOTHING_WATCHED else 'none'}")
    with caplog.at_level(logging.WARNING):
        for command in lookups(CANON):
            check(await ask(alice, command), level, hide=False)
            check(await ask(alice, f"{command} share:true"), level, hide=False)
        await ask(alice, "progress mode mode:hide")
        for command in lookups(CANON):
            check(await ask(alice, command), level, hide=True)
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


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


async def _answers_everything(values: list[str], tmp: Path) -> None:
    async with new_sandbox(check_responses=True) as sandbox:
        async with RunningBot(sandbox, tmp / "fuzz.db", canon=CANON):
            alice = Actor(sandbox, "alice")
            for value in values:
                for command in ("episode", "progress set", "trivia"):
                    words = [*command.split(), f"episode:{value}"]
                    reply = await alice.reply_to(await alice.run(words))  # type: ignore[arg-type]
                    assert reply.visible_to == "alice"
                words = ["character", f"name:{value}"]
                reply = await alice.reply_to(await alice.run(words))  # type: ignore[arg-type]
                assert reply.visible_to == "alice"
            await sandbox.idle()  # follow-ups (the one-time hint) finish before the bot stops
        assert sandbox.violations == []


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(TEXT, min_size=1, max_size=3))
def test_any_input_gets_a_private_answer_in_time(
    values: list[str], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.clear()
    with caplog.at_level(logging.ERROR):
        asyncio.run(_answers_everything([v for v in values if v.strip(":")], tmp_path))
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
