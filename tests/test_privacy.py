"""/privacy export and delete as members see them, through the sandbox with the real bot."""

from __future__ import annotations

import discord

from bot.sandbox.harness import Actor
from bot.sandbox.server import Sandbox
from tests.test_watch_parties import announcement, ask, create, in_thread, wait


async def erase(actor: Actor) -> None:
    await ask(actor, "/privacy delete")
    await actor.click("Delete my data")
    await actor.wait_to_see(lambda o: o.content.startswith("Done: everything I stored about you is gone."))


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
