"""Editing a watch party: attendees hear what changed, and are pinged only when it matters to them."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from bot.sandbox.harness import Actor
from bot.sandbox.server import Sandbox
from tests.parties.test_watch_parties import ask, create, in_thread, wait


async def test_a_new_time_says_from_when_to_when_and_pings_attendees(
    alice: Actor, bob: Actor, sandbox: Sandbox
) -> None:
    await create(alice)
    await bob.click("Going")
    reply = await ask(alice, '/watchparty edit id:1 start:"in 3 hours"')
    assert reply.content.startswith("Watch party #1 changed: it now starts <t:")
    await sandbox.idle()
    [notice] = in_thread(sandbox, "📝")
    assert notice.pings == ["bob"]  # not alice, who made the change
    assert "📝 Watch party #1 changed: it now starts <t:" in notice.content
    new, was = (datetime.fromtimestamp(int(t), UTC) for t in re.findall(r"<t:(\d+):F>", notice.content))
    assert abs(new - (sandbox.now() + timedelta(hours=3))) < timedelta(seconds=5)
    assert abs(was - (sandbox.now() + timedelta(hours=2))) < timedelta(seconds=5)
    assert f"not <t:{int(was.timestamp())}:F>" in notice.content
    assert "episodes" not in notice.content
    assert "Your answer still stands." in notice.content


async def test_new_episodes_say_what_they_were_and_ping_attendees(
    alice: Actor, bob: Actor, sandbox: Sandbox
) -> None:
    await create(alice)
    await bob.click("Maybe")
    await ask(alice, "/watchparty edit id:1 episodes:S2E1-S2E3")
    await sandbox.idle()
    [notice] = in_thread(sandbox, "📝")
    assert notice.pings == ["bob"]
    assert "the episodes are now **S2E1-S2E3** (were S2E1-S2E2)" in notice.content
    assert "starts" not in notice.content


async def test_a_new_title_is_noted_in_the_thread_without_pinging_anyone(
    alice: Actor, bob: Actor, sandbox: Sandbox
) -> None:
    carol = Actor(sandbox, "carol")
    await ask(carol, "/watchparty notify how:dm")
    await create(alice)
    await bob.click("Going")
    await carol.click("Going")
    reply = await ask(alice, '/watchparty edit id:1 title:"Season two, night one"')
    assert "I noted it in the party's thread without pinging anyone" in reply.content
    await sandbox.idle()
    [notice] = in_thread(sandbox, "📝")
    assert notice.pings == []
    assert "it's now called **Season two, night one**" in notice.content
    assert [o for o in sandbox.observations if o.channel is None and "📝" in o.content] == []  # no DM


async def test_an_edit_that_changes_nothing_says_so_and_tells_no_one(
    alice: Actor, bob: Actor, sandbox: Sandbox
) -> None:
    await create(alice)
    await bob.click("Going")
    reply = await ask(alice, "/watchparty edit id:1 episodes:S2E1-S2E2")
    assert reply.content == "That's how watch party #1 already is, so nothing changed."
    await wait(sandbox, minutes=1)
    assert in_thread(sandbox, "📝") == []
