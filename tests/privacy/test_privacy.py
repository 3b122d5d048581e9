"""/privacy export and delete as members see them, through the sandbox with the real bot."""

from __future__ import annotations

import json
from typing import Any

import discord
import pytest

from bot.sandbox.harness import Actor, RunningBot
from bot.sandbox.server import Sandbox
from tests.parties.test_watch_parties import announcement, ask, create, in_thread, wait


async def erase(actor: Actor) -> None:
    await ask(actor, "/privacy delete")
    await actor.click("Delete my data")
    await actor.wait_to_see(lambda o: o.content.startswith("Done: everything I stored about you is gone."))


def downloads(sandbox: Sandbox) -> list[dict[str, Any]]:
    """The files the bot attached to its messages (the sandbox keeps their text as `content`)."""
    found = []
    for _method, _path, body in sandbox.requests:
        for holder in (body, (body or {}).get("data")) if isinstance(body, dict) else ():
            found += (holder or {}).get("attachments") or []
    return [a for a in found if "content" in a]


def counts(sandbox: Sandbox) -> list[str]:
    return [field["value"] for field in announcement(sandbox).embeds[0]["fields"]]


async def test_an_erased_answer_leaves_the_announcements_count(
    alice: Actor, bob: Actor, sandbox: Sandbox
) -> None:
    await create(alice)
    await bob.click("Going")
    await sandbox.idle()
    assert counts(sandbox) == ["2", "0", "0"]
    await erase(bob)
    await sandbox.idle()
    assert announcement(sandbox).action == "edit"
    assert counts(sandbox) == ["1", "0", "0"]
    assert announcement(sandbox).buttons == ["Going", "Maybe", "Can't"]  # still open to answers


async def test_an_erased_host_is_no_longer_named_and_the_party_stays_for_its_guests(
    alice: Actor, bob: Actor, sandbox: Sandbox
) -> None:
    await create(alice, 'episodes:S2E1-S2E2 start:"in 2 hours" title:"Night one"')
    await bob.click("Going")
    alice_id = str(sandbox.user("alice").id)
    await erase(alice)
    await sandbox.idle()
    latest = announcement(sandbox)
    assert alice_id not in latest.text
    assert "Hosted by a member who has since erased their data" in latest.embeds[0]["description"]
    assert counts(sandbox) == ["1", "0", "0"]  # bob
    info = await ask(bob, "/watchparty info id:1")
    assert alice_id not in info.text
    assert info.pings == []

    exported = await ask(alice, "/privacy export")
    assert "watch_parties" not in exported.text
    assert "Night one" not in exported.text

    await wait(sandbox, hours=1)
    [reminder] = in_thread(sandbox, "⏰")
    assert reminder.pings == ["bob"]


async def test_an_erased_hosts_party_is_managed_by_party_managers_and_manage_events(
    alice: Actor, bob: Actor, sandbox: Sandbox
) -> None:
    await create(alice)
    await erase(alice)
    refused = await ask(alice, '/watchparty edit id:1 start:"in 3 hours"')
    assert refused.content.startswith("Only the host of watch party #1, a party manager or someone with")

    events = sandbox.guild.roles[(await sandbox.give_role("bob", "Events team")).id]
    await sandbox.set_role_permissions(events, discord.Permissions(manage_events=True).value)
    cancelled = await ask(bob, "/watchparty cancel id:1")
    assert cancelled.content.startswith("Watch party #1 is cancelled.")


async def test_the_export_is_a_private_json_file_however_much_is_stored(
    alice: Actor, sandbox: Sandbox
) -> None:
    long = "the ending made me sob, " * 55  # two spoilers near the 1,500-character limit each
    for episode in ("S2E8", "S3E8"):
        await alice.run(f'/spoiler text:"{long.strip()}" episode:{episode}')
    await ask(alice, "/timezone set zone:Europe/London")
    exported = await ask(alice, "/privacy export")
    assert exported.visible_to == "alice"
    assert exported.content.startswith("Everything I store about you is in the attached file")
    assert "the ending made me sob" not in exported.content
    [download] = downloads(sandbox)
    assert download["filename"] == "heartbot-my-data.json"
    stored = json.loads(download["content"])
    assert stored["user_id"] == str(sandbox.user("alice").id)
    assert [s["episode"] for s in stored["spoilers_you_posted"]] == ["S2E8", "S3E8"]
    assert stored["spoilers_you_posted"][0]["text"] == long.strip()
    assert stored["time_zone"] == "Europe/London"


async def test_an_export_after_deletion_shows_nothing(alice: Actor, bob: Actor, sandbox: Sandbox) -> None:
    await create(alice)
    await bob.click("Maybe")
    await ask(bob, "/watchparty notify how:dm")
    await erase(bob)
    exported = await ask(bob, "/privacy export")
    assert exported.content.startswith("I store nothing about you")
    assert downloads(sandbox) == []


async def test_the_export_lists_watch_party_answers_and_hosted_parties(
    alice: Actor, bob: Actor, sandbox: Sandbox
) -> None:
    await create(alice, 'episodes:S2E1-S2E2 start:"in 2 hours" title:"Night one"')
    await bob.click("Maybe")
    await ask(bob, "/privacy export")
    await ask(alice, "/privacy export")
    bobs, alices = (json.loads(d["content"])["watch_parties"] for d in downloads(sandbox))
    assert bobs["rsvps"] == [{"party": 1, "answer": "maybe"}]
    assert bobs["hosted"] == []
    assert alices["rsvps"] == [{"party": 1, "answer": "going"}]
    assert [(p["party"], p["title"]) for p in alices["hosted"]] == [(1, "Night one")]


async def test_the_export_lists_which_party_messages_reached_the_member(
    alice: Actor, bob: Actor, sandbox: Sandbox
) -> None:
    await create(alice)
    await bob.click("Going")
    await wait(sandbox, hours=1)
    await ask(bob, "/privacy export")
    [download] = downloads(sandbox)
    stored = json.loads(download["content"])["watch_parties"]
    assert stored["messages_received"] == [{"party": 1, "message": "reminder:60"}]


async def store_a_bit_of_everything(alice: Actor, bob: Actor) -> None:
    await ask(alice, "/progress set episode:S2E3")
    await ask(alice, "/timezone set zone:Europe/London")
    await alice.run('/spoiler text:"they kiss in the rain" episode:S1E4')
    await create(bob)
    await alice.click("Going")


async def test_an_erase_that_fails_midway_erases_nothing(
    alice: Actor, bob: Actor, sandbox: Sandbox, running: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    await store_a_bit_of_everything(alice, bob)
    bot = running.bot
    assert bot is not None
    alice_id = sandbox.user("alice").id
    before = await bot.privacy.export(alice_id)
    assert list(before) == [  # in the order the file has always had
        "user_id",
        "watched_up_to",
        "spoiler_mode",
        "told_how_to_set_progress",
        "updated_at",
        "spoilers_you_posted",
        "time_zone",
        "watch_parties",
    ]

    async def broken(user_id: int) -> None:  # after progress and the shield have erased their part
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(bot.timezones, "erase_member", broken)
    await ask(alice, "/privacy delete")
    await alice.click("Delete my data")
    await sandbox.idle()
    assert any(o.content.startswith("Sorry, something went wrong") for o in sandbox.observations)
    assert not any(o.content.startswith("Done: everything I stored") for o in sandbox.observations)
    assert await bot.privacy.export(alice_id) == before
    assert (await bot.progress.get(alice_id)).watched is not None  # nor forgotten by its cache
    assert counts(sandbox) == ["2", "0", "0"]  # bob and alice still going


async def test_an_erase_failing_in_its_last_part_leaves_the_earlier_parts_stored(
    alice: Actor, bob: Actor, sandbox: Sandbox, running: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    await store_a_bit_of_everything(alice, bob)
    bot = running.bot
    assert bot is not None
    alice_id = sandbox.user("alice").id
    before = await bot.privacy.export(alice_id)
    erase_parties = bot.parties.erase_member

    async def broken(user_id: int) -> list[Any]:  # every other part ran, and so did this one's deletes
        await erase_parties(user_id)
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(bot.parties, "erase_member", broken)
    with pytest.raises(RuntimeError, match="the disk is full"):
        await bot.privacy.erase(alice_id)
    assert await bot.privacy.export(alice_id) == before
    monkeypatch.undo()
    await bot.privacy.erase(alice_id)  # and once nothing fails, it all goes
    assert await bot.privacy.export(alice_id) == {"user_id": str(alice_id), "stored": "nothing"}
