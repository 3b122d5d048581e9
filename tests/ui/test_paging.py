"""The one pager: lines cut under Discord's limits, and Previous / Next that turn pages for whoever may
read them, after a restart too. Through the sandbox, asserting on what users see."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import discord
import pytest

from bot.canon import Canon
from bot.core.app import EXTENSIONS
from bot.privacy.buttons import DeleteMyData
from bot.sandbox.harness import Actor, RunningBot
from bot.sandbox.observe import Observation
from bot.sandbox.server import Sandbox
from bot.sandbox.world import MODERATOR
from bot.spoilers import spoilered_parts, visible_text
from bot.ui import paging
from bot.ui.buttons import PersistentButton
from bot.ui.presenter import RevealButton
from tests.shield.test_shield_end_to_end import ask


@pytest.fixture
async def numbers_bot(sandbox: Sandbox, tmp_path: Path, canon: Canon) -> AsyncIterator[RunningBot]:
    """The real bot with one test-only command whose answer is a long paged list."""
    async with RunningBot(
        sandbox, tmp_path / "heartbot.db", canon=canon, extensions=(*EXTENSIONS, "tests.paging_commands")
    ) as bot:
        yield bot


async def edited(actor: Actor, page: str) -> Observation:
    return await actor.wait_to_see(lambda o: o.action == "edit" and f"Page {page}" in o.content)


# -- cutting lists -------------------------------------------------------------------------------------


def test_lines_are_cut_into_pages_under_the_limit_in_order() -> None:
    lines = [f"line {n} " + "x" * (n % 50) for n in range(300)]
    pages = paging.split_lines(lines, 500)
    assert [line for page in pages for line in page] == lines
    assert all(len("\n".join(page)) <= 500 for page in pages)
    assert len(pages) > 1


def test_a_line_longer_than_a_page_is_cut_after_a_comma() -> None:
    line = "Skipped by the shield: " + ", ".join(f"<#{10**17 + n}>" for n in range(200))
    pages = paging.split_lines([line], 400)
    parts = [part for page in pages for part in page]
    assert all(len(part) <= 400 for part in parts)
    assert all(part.endswith((",", ">")) for part in parts)
    assert " ".join(parts) == line


def test_fields_are_cut_by_count_and_size() -> None:
    fields = [("name", "v" * 300)] * 60
    pages = paging.split_sized(fields, lambda f: len(f[0]) + len(f[1]), 6000, most=paging.FIELDS_LIMIT)
    assert [len(page) for page in pages] == [19, 19, 19, 3]
    assert paging.split_sized([], len, 10) == [[]]


# -- turning pages ---------------------------------------------------------------------------------------


async def test_a_long_private_list_turns_in_place_and_says_where_it_is(
    sandbox: Sandbox, numbers_bot: RunningBot
) -> None:
    alice = Actor(sandbox, "alice")
    first = await ask(alice, "/numbers count:100")
    assert first.visible_to == "alice"
    assert first.buttons == ["Next"]
    assert "Page 1 of 4" in first.content
    await alice.click("Next")
    second = await edited(alice, "2 of 4")
    assert second.message == first.message
    assert second.buttons == ["Previous", "Next"]
    assert second.content.startswith("Numbers, for alice:")
    await alice.click("Previous")
    back = await alice.wait_to_see(lambda o: o.action == "edit" and o is not second and "Page 1" in o.content)
    assert back.content == first.content
    shown = [first, second, back]
    assert all(len(page.content) <= 2000 for page in shown)
    assert all(page.pings == [] for page in shown)


async def test_a_short_list_has_no_buttons_and_no_page_line(
    sandbox: Sandbox, numbers_bot: RunningBot
) -> None:
    only = await ask(Actor(sandbox, "alice"), "/numbers count:3")
    assert only.buttons == []
    assert "Page" not in only.content


async def test_pages_still_turn_after_a_restart(sandbox: Sandbox, numbers_bot: RunningBot) -> None:
    alice = Actor(sandbox, "alice")
    await ask(alice, "/numbers count:100")
    await numbers_bot.restart()
    await alice.click("Next")
    second = await edited(alice, "2 of 4")
    assert "Number 0030" in second.content


async def test_a_click_on_a_shared_list_answers_the_clicker_alone(
    sandbox: Sandbox, numbers_bot: RunningBot
) -> None:
    alice, bob = Actor(sandbox, "alice"), Actor(sandbox, "bob")
    posted = await ask(alice, "/numbers count:100 shared:true")
    assert posted.visible_to == "everyone"
    assert posted.content.startswith("Numbers, for the channel:")
    await bob.click("Next")
    private = await bob.wait_to_see(lambda o: o.visible_to == "bob" and "Page 2 of 4" in o.content)
    assert private.content.startswith("Numbers, for bob:")
    assert private.buttons == ["Previous", "Next"]
    await sandbox.idle()
    assert not [o for o in sandbox.observations if o.message == posted.message and o.action == "edit"]


async def test_a_source_that_refuses_the_clicker_answers_once_privately(
    sandbox: Sandbox, numbers_bot: RunningBot
) -> None:
    await ask(Actor(sandbox, "alice"), "/numbers count:100 shared:true")
    mallory = Actor(sandbox, "mallory")
    click = await mallory.click("Next")
    refusal = await mallory.reply_to(click)
    assert refusal.content == "Not for you."
    assert refusal.visible_to == "mallory"
    assert refusal.buttons == []


# -- /config shield-term list, on the pager ------------------------------------------------------------


async def many_terms(admin: Actor, count: int = 30) -> list[str]:
    terms = [
        f"term {n:02} where nick finally tells his whole family the truth at the big dinner"
        for n in range(count)
    ]
    for term in terms:
        await ask(admin, f'/config shield-term add phrase:"{term}" episode:S2E2')
    return terms


async def test_shield_terms_page_through_the_pager_after_a_restart(
    sandbox: Sandbox, running: RunningBot
) -> None:
    admin = Actor(sandbox, "admin")
    terms = await many_terms(admin)
    first = await ask(admin, "/config shield-term list")
    assert first.content.startswith("This server's spoiler terms (30), hidden as they're plot:")
    assert "Page 1 of 2" in first.content
    await running.restart()
    await admin.click("Next")
    second = await edited(admin, "2 of 2")
    assert second.buttons == ["Previous"]
    assert spoilered_parts(first.content) + spoilered_parts(second.content) == [f"“{t}”" for t in terms]
    assert "nick" not in visible_text(first.content) + visible_text(second.content)


async def test_a_moderator_who_lost_manage_server_cannot_turn_the_terms(
    sandbox: Sandbox, running: RunningBot
) -> None:
    admin = Actor(sandbox, "admin")
    await many_terms(admin)
    first = await ask(admin, "/config shield-term list")
    lesser = discord.Permissions(MODERATOR)
    lesser.manage_guild = False
    await sandbox.set_role_permissions(sandbox.moderator_role, lesser.value)
    await sandbox.idle()
    refusal = await admin.reply_to(await admin.click("Next"))
    assert refusal.content == "You need the Manage Server permission to use this command."
    assert refusal.visible_to == "admin"
    await sandbox.idle()
    assert [o.content for o in sandbox.observations if o.message == first.message] == [first.content]


async def test_buttons_of_a_list_the_bot_no_longer_has_say_so(
    sandbox: Sandbox, numbers_bot: RunningBot
) -> None:
    alice = Actor(sandbox, "alice")
    first = await ask(alice, "/numbers count:100")
    assert numbers_bot.bot is not None
    await numbers_bot.bot.unload_extension("tests.paging_commands")
    answer = await alice.reply_to(await alice.click("Next"))
    assert answer.content == paging.OUTDATED
    assert answer.visible_to == "alice"
    assert [o.content for o in sandbox.observations if o.message == first.message] == [first.content]


# -- custom ids already in members' messages -----------------------------------------------------------

# The templates these buttons matched before they were PersistentButtons: old buttons must keep working.
OLD_TEMPLATES = [
    (
        paging.PageButton,
        r"page:(?P<kind>[a-z][a-z0-9-]{0,19}):(?P<key>[\w.-]{0,60}):(?P<page>\d{1,5}):(?P<way>[pn])",
    ),
    (RevealButton, r"reveal:(?P<kind>[a-z]+):(?P<key>[A-Za-z0-9-]{0,40})"),
    (DeleteMyData, r"privacy:delete:(?P<user_id>\d+)"),
]


@pytest.mark.parametrize(("kind", "template"), OLD_TEMPLATES)
def test_buttons_match_the_ids_they_always_matched(kind: type[PersistentButton], template: str) -> None:
    assert kind.custom_id_pattern.pattern == template


async def test_buttons_write_and_read_back_the_same_ids() -> None:
    for button, custom_id in [
        (paging.PageButton("lookup", "episode.S2E3", 2, forward=True), "page:lookup:episode.S2E3:2:n"),
        (paging.PageButton("help", "", 0, forward=False), "page:help::0:p"),
        (RevealButton("cast", ""), "reveal:cast:"),
        (RevealButton("episode", "S2E3"), "reveal:episode:S2E3"),
        (DeleteMyData(123456789012345678), "privacy:delete:123456789012345678"),
    ]:
        assert button.custom_id == custom_id
        match = type(button).custom_id_pattern.fullmatch(custom_id)
        assert match is not None
        rebuilt = await type(button).from_custom_id(None, None, match)  # type: ignore[arg-type]
        assert rebuilt.custom_id == custom_id
        assert rebuilt.item.label == button.item.label


def test_a_page_key_outside_its_alphabet_is_refused() -> None:
    with pytest.raises(ValueError, match="a page key is up to 60"):
        paging.PageButton("lookup", "épisode", 0, forward=True)
