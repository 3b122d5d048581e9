"""The host's own answer, and RSVP replies that promise only what will happen, through the sandbox."""

from __future__ import annotations

from bot.sandbox.harness import Actor
from bot.sandbox.server import Sandbox
from tests.parties.test_watch_parties import announcement, ask, create, in_thread, press, wait


def counts(sandbox: Sandbox) -> list[str]:
    return [field["value"] for field in announcement(sandbox).embeds[0]["fields"]]


async def test_the_host_is_counted_going_and_reminded(alice: Actor, sandbox: Sandbox) -> None:
    reply = await create(alice)
    assert "You're counted as Going" in reply.content
    assert counts(sandbox) == ["1", "0", "0"]
    await wait(sandbox, hours=1)
    [reminder] = in_thread(sandbox, "⏰")
    assert reminder.pings == ["alice"]


async def test_a_host_who_cannot_come_is_not_reminded(alice: Actor, bob: Actor, sandbox: Sandbox) -> None:
    await create(alice)
    answer = await press(alice, "Can't")
    assert answer.content.startswith("Got it: you can't make watch party #1.")
    assert counts(sandbox) == ["0", "0", "1"]
    await bob.click("Going")
    await wait(sandbox, hours=1)
    [reminder] = in_thread(sandbox, "⏰")
    assert reminder.pings == ["bob"]


async def test_the_answer_says_reminders_come_by_dm_for_those_who_chose_it(
    alice: Actor, bob: Actor, sandbox: Sandbox
) -> None:
    await ask(bob, "/watchparty notify how:dm")
    await create(alice)
    answer = await press(bob, "Going")
    assert "I'll remind you 1 hour and 10 minutes before, by DM" in answer.content
    assert "before, in the party's thread" not in answer.content


async def test_the_answer_promises_only_the_reminders_still_ahead(
    alice: Actor, bob: Actor, sandbox: Sandbox
) -> None:
    await create(alice)
    await wait(sandbox, hours=1, minutes=30)  # the hour's reminder has gone, ten minutes' has not
    answer = await press(bob, "Going")
    assert "I'll remind you 10 minutes before, in the party's thread" in answer.content
    assert "1 hour" not in answer.content

    await wait(sandbox, minutes=25)  # five minutes to go: no reminder left
    carol = Actor(sandbox, "carol")
    answer = await press(carol, "Maybe")
    assert "remind you" not in answer.content
    assert "I'll mention you in the party's thread when it starts" in answer.content


async def test_the_answer_after_the_start_says_it_is_on(alice: Actor, bob: Actor, sandbox: Sandbox) -> None:
    await create(alice)
    await wait(sandbox, hours=2, minutes=5)
    answer = await press(bob, "Going")
    assert "which started <t:" in answer.content
    assert "remind you" not in answer.content
    assert "It's on now: join in <#" in answer.content
    await wait(sandbox, hours=1, minutes=5)
    [end] = in_thread(sandbox, "That's S2E1-S2E2 done!")
    assert "bob" in end.pings


async def test_info_names_who_is_coming_without_pinging_them(
    alice: Actor, bob: Actor, sandbox: Sandbox
) -> None:
    carol, dave = Actor(sandbox, "carol"), Actor(sandbox, "dave")
    await create(alice)
    await bob.click("Going")
    await carol.click("Maybe")
    await dave.click("Can't")
    info = await ask(dave, "/watchparty info id:1")
    ids = {name: sandbox.user(name).id for name in ("alice", "bob", "carol", "dave")}
    assert f"Going (2): <@{ids['alice']}>, <@{ids['bob']}>" in info.content
    assert f"Maybe (1): <@{ids['carol']}>" in info.content
    assert "Can't (1)" in info.content
    assert f"<@{ids['dave']}>" not in info.content  # those who can't come are counted, not named
    [body] = [b for _m, path, b in sandbox.requests if path.endswith("/callback") and "Going (2)" in str(b)]
    assert body["data"]["allowed_mentions"]["parse"] == []
    assert body["data"]["allowed_mentions"].get("users", []) == []
