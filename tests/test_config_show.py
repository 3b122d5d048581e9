"""/config show for a server with a long history: it answers in pages that fit Discord's limits, and
the threads of watch parties that have ended don't crowd out the settings. Through the sandbox."""

from __future__ import annotations

import re
from datetime import timedelta

import discord

from bot.sandbox.harness import Actor, RunningBot
from bot.sandbox.observe import Observation
from bot.sandbox.server import Sandbox
from bot.sandbox.world import MODERATOR
from tests.parties.test_watch_parties import ask as ask_privately
from tests.parties.test_watch_parties import create as create_party
from tests.shield.test_shield_end_to_end import ask

MENTION = re.compile(r"<#(\d+)>")


async def read_every_page(admin: Actor, first: Observation) -> list[Observation]:
    """The first page, then each page Next leads to."""
    found = re.search(r"Page 1 of (\d+)", first.content)
    count = int(found[1]) if found else 1
    pages = [first]
    for k in range(2, count + 1):
        await admin.click("Next")
        pages.append(await admin.wait_to_see(lambda o, k=k: f"Page {k} of {count}" in o.content))
    assert "Next" not in pages[-1].buttons
    return pages


async def spoiler_channels(admin: Actor, count: int) -> list[int]:
    for n in range(count):
        await ask(admin, f"/config spoiler-channel set channel:#season-two-chat-{n:02} up-to:S2E4")
    return [admin.sandbox.channel(f"season-two-chat-{n:02}").id for n in range(count)]


async def party_history(sandbox: Sandbox, ended: int) -> None:
    """`ended` watch parties, each planned, held and over, by a few hosts in turn."""
    hosts = [Actor(sandbox, f"host{n}") for n in range(3)]
    for n in range(ended):
        reply = await create_party(hosts[n % 3], 'episodes:S2E4 start:"in 5 minutes"')
        assert reply.content.startswith(f"Watch party #{n + 1} is planned"), reply.content
        if n % 3 == 2 or n == ended - 1:
            await sandbox.idle()
            await sandbox.advance(timedelta(hours=1))
            await sandbox.idle()


async def test_a_long_config_show_answers_in_pages_that_turn_after_a_restart(
    sandbox: Sandbox, running: RunningBot
) -> None:
    admin = Actor(sandbox, "admin")
    channels = await spoiler_channels(admin, 60)
    first = await ask(admin, "/config show")
    assert first.visible_to == "admin"
    assert "Page 1 of " in first.content
    assert first.buttons == ["Next"]
    await running.restart()
    pages = await read_every_page(admin, first)
    assert len(pages) >= 2
    assert all(page.message == first.message for page in pages)
    assert all(len(page.content) <= 2000 for page in pages)
    assert all(page.pings == [] for page in pages)
    listed = [int(m) for page in pages for m in MENTION.findall(page.content)]
    assert sorted(listed) == sorted(channels)  # every spoiler channel once, none lost between pages
    assert "Watch-party reminders:" in pages[-1].content
    assert sandbox.violations == []


async def test_a_shield_on_many_channels_stays_inside_each_page(
    sandbox: Sandbox, running: RunningBot
) -> None:
    admin = Actor(sandbox, "admin")
    for n in range(90):
        await ask(admin, f"/config shield channel:#chat-{n:02} mode:warn")
    pages = await read_every_page(admin, await ask(admin, "/config show"))
    assert all(len(page.content) <= 2000 for page in pages)
    guarded = [m for page in pages for m in re.findall(r"<#(\d+)> \(warn\)", page.content)]
    assert len(guarded) == 90
    assert sandbox.violations == []


async def test_ended_parties_threads_leave_the_spoiler_channel_list(
    sandbox: Sandbox, running: RunningBot
) -> None:
    admin = Actor(sandbox, "admin")
    await ask(admin, "/config spoiler-channel set channel:#s2-spoilers up-to:S2E8")
    await party_history(sandbox, 45)
    open_party = await create_party(admin, 'episodes:S2E1-S2E2 start:"in 2 hours"')
    assert open_party.content.startswith("Watch party #46")
    shown = await ask(admin, "/config show")
    assert shown.buttons == []  # one page: 45 parties' history doesn't make it long
    assert len(shown.content) <= 2000
    thread = sandbox.channel("Watch party #46")
    assert f"• <#{thread.id}>: up to **S2E2 · Family** (watch party #46)" in shown.content
    assert f"• <#{sandbox.channel('s2-spoilers').id}>: up to **S2E8 · Perfect**" in shown.content
    assert len(MENTION.findall(shown.content)) == 2
    assert "Threads of 45 ended watch parties keep their level: up to **S2E4 · Challenge** at most" in (
        shown.content
    )


async def test_a_member_who_lost_manage_server_cannot_turn_the_settings(
    sandbox: Sandbox, running: RunningBot
) -> None:
    admin = Actor(sandbox, "admin")
    await spoiler_channels(admin, 60)
    first = await ask(admin, "/config show")
    assert first.buttons == ["Next"]
    lesser = discord.Permissions(MODERATOR)
    lesser.manage_guild = False
    await sandbox.set_role_permissions(sandbox.moderator_role, lesser.value)
    await sandbox.idle()
    refusal = await admin.reply_to(await admin.click("Next"))
    assert refusal.content == "You need the Manage Server permission to use this command."
    assert refusal.visible_to == "admin"
    await sandbox.idle()
    assert [o.content for o in sandbox.observations if o.message == first.message] == [first.content]


async def test_a_cancelled_partys_thread_joins_the_ended_ones(sandbox: Sandbox, running: RunningBot) -> None:
    admin = Actor(sandbox, "admin")
    await create_party(admin, 'episodes:S2E1-S2E2 start:"in 2 hours"')
    await ask_privately(admin, "/watchparty cancel id:1")
    await sandbox.idle()  # the thread's cancellation notice arrives first, so it is not taken for the answer
    shown = await ask(admin, "/config show")
    assert "No spoiler channels: `/config spoiler-channel set` adds one." in shown.content
    assert (
        "Threads of 1 ended or cancelled watch party keep their level: up to **S2E2 · Family** at most"
        in (shown.content)
    )
    assert MENTION.findall(shown.content) == []
