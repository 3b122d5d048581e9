"""The real bot, connected to the sandbox, as users see it."""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import timedelta
from pathlib import Path

import pytest

from bot import __version__
from bot.canon import Canon
from bot.core.app import EXTENSIONS, HTTP_CONNECTIONS
from bot.core.tree import UNEXPECTED
from bot.sandbox.harness import Actor, RunningBot
from bot.sandbox.server import GUILD_NAME, Sandbox
from tests import many_commands
from tests.conftest import EXTRA_COMMANDS


async def test_the_bot_logs_in_and_sees_the_guild(running: RunningBot, sandbox: Sandbox) -> None:
    bot = running.bot
    assert bot is not None
    assert bot.user is not None
    assert bot.user.name == "heartbot"
    guild = bot.get_guild(sandbox.guild.id)
    assert guild is not None
    assert guild.name == GUILD_NAME
    assert [channel.name for channel in guild.text_channels] == ["general"]


async def test_help_lists_every_command_only_to_whoever_asked(alice: Actor, bob: Actor) -> None:
    reply = await alice.reply_to(await alice.run("/help"))
    assert reply.visible_to == "alice"
    [embed] = reply.embeds
    lines = embed["description"].splitlines()
    assert "`/about`: What this bot is, its version, and where its show data comes from." in lines
    assert "`/help`: List every command with what it does." in lines
    assert bob.sees() == []


async def test_about_gives_version_and_sources(alice: Actor, canon: Canon) -> None:
    reply = await alice.reply_to(await alice.run("/about"))
    [embed] = reply.embeds
    fields = {field["name"]: field["value"] for field in embed["fields"]}
    assert reply.visible_to == "alice"
    assert fields["Version"] == __version__
    assert f"{len(canon.episodes)} episodes" in fields["Show data"]
    assert "Alice Oseman" in embed["footer"]


async def test_replies_never_ping(alice: Actor, sandbox: Sandbox) -> None:
    await alice.reply_to(await alice.run("/help"))
    [callback] = [body for method, path, body in sandbox.requests if path.endswith("/callback")]
    assert callback["data"]["allowed_mentions"] == {"parse": []}


async def test_first_start_syncs_commands_globally(running: RunningBot, sandbox: Sandbox) -> None:
    [(scope, commands)] = sandbox.command_syncs
    assert scope is None
    assert {"help", "about"} <= {command["name"] for command in commands}


async def test_restart_keeps_working_without_syncing_again(
    running: RunningBot, alice: Actor, sandbox: Sandbox
) -> None:
    await running.restart()
    reply = await alice.reply_to(await alice.run("/help"))
    assert reply.visible_to == "alice"
    assert len(sandbox.command_syncs) == 1


async def test_changed_commands_are_synced_on_the_next_start(
    sandbox: Sandbox, tmp_path: Path, canon: Canon
) -> None:
    async with RunningBot(sandbox, tmp_path / "heartbot.db", canon=canon, extensions=EXTENSIONS):
        pass
    async with RunningBot(
        sandbox, tmp_path / "heartbot.db", canon=canon, extensions=(*EXTENSIONS, EXTRA_COMMANDS)
    ):
        pass
    first, second = sandbox.command_syncs
    assert "oops" not in {command["name"] for command in first[1]}
    assert "oops" in {command["name"] for command in second[1]}


async def test_dev_guild_gets_the_commands_instead(sandbox: Sandbox, tmp_path: Path, canon: Canon) -> None:
    async with RunningBot(sandbox, tmp_path / "heartbot.db", canon=canon, dev_guild_id=sandbox.guild.id):
        alice = Actor(sandbox, "alice")
        reply = await alice.reply_to(await alice.run("/help"))
    [(scope, _)] = sandbox.command_syncs
    assert scope == sandbox.guild.id
    assert reply.visible_to == "alice"


async def test_user_facing_error_is_answered_privately(alice: Actor, bob: Actor) -> None:
    reply = await alice.reply_to(await alice.run("/oops"))
    assert reply.content == "There's no episode S2E9. Did you mean S2E8?"
    assert reply.visible_to == "alice"
    assert bob.sees() == []


async def test_unexpected_error_is_logged_with_context_and_answered_politely(
    alice: Actor, sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="bot.core.tree"):
        interaction = await alice.run("/boom")
        reply = await alice.reply_to(interaction)
    assert reply.content == UNEXPECTED
    assert reply.visible_to == "alice"
    [record] = caplog.records
    message = record.getMessage()
    assert f"/boom (interaction {interaction.id}" in message
    assert f"user {sandbox.user('alice').id}, guild {sandbox.guild.id}" in message
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], KeyError)


async def test_error_after_defer_is_a_private_follow_up(alice: Actor) -> None:
    interaction = await alice.run("/slow")
    reply = await alice.wait_to_see(lambda o: o.content == "That took a wrong turn.")
    assert interaction.response_type == 5
    assert reply.visible_to == "alice"
    assert reply.message != interaction.original_message_id  # a follow-up, not the deferred original


async def test_an_answer_after_three_seconds_is_caught(alice: Actor, sandbox: Sandbox) -> None:
    await sandbox.run_command("alice", "late")
    await sandbox.advance(timedelta(seconds=5))
    # The command's own answer and then the error handler's apology both arrive too late.
    await sandbox.wait_for(lambda: len(sandbox.violations) == 2)
    assert all(v.endswith("was acknowledged after 3 seconds") for v in sandbox.violations)
    assert alice.sees() == []
    sandbox.violations.clear()  # broken on purpose


async def test_autocomplete_suggests_as_the_user_types(running: RunningBot, sandbox: Sandbox) -> None:
    choices = await sandbox.autocomplete("alice", "pick fruit:ap")
    assert choices == [{"name": "apple", "value": "apple"}, {"name": "apricot", "value": "apricot"}]


async def test_timers_fire_when_the_sandbox_moves_the_clock(alice: Actor, sandbox: Sandbox) -> None:
    await alice.reply_to(await alice.run("/later minutes:60"))
    await sandbox.advance(timedelta(minutes=59))
    await sandbox.idle()
    assert not any(o.content.startswith("Time's up") for o in sandbox.observations)
    await sandbox.advance(timedelta(minutes=1))
    done = await alice.wait_to_see(lambda o: o.content.startswith("Time's up"))
    assert (done.content, done.visible_to) == ("Time's up: 60 minutes passed.", "everyone")


async def test_a_timer_due_during_a_restart_fires_once_late(
    alice: Actor, sandbox: Sandbox, running: RunningBot
) -> None:
    await alice.reply_to(await alice.run("/later minutes:30"))
    await running.stop()
    await sandbox.advance(timedelta(hours=1))
    await running.start()
    done = await alice.wait_to_see(lambda o: o.content.startswith("Time's up"))
    assert done.content == "Time's up (late): 30 minutes passed."
    await running.restart()
    await sandbox.idle()
    assert len([o for o in sandbox.observations if o.content.startswith("Time's up")]) == 1


async def test_help_outgrowing_one_embed_comes_in_pages(
    sandbox: Sandbox, tmp_path: Path, canon: Canon
) -> None:
    extensions = (*EXTENSIONS, "tests.many_commands")
    async with RunningBot(sandbox, tmp_path / "heartbot.db", canon=canon, extensions=extensions):
        alice = Actor(sandbox, "alice")
        pages = [await alice.reply_to(await alice.run("/help"))]
        count = int(re.search(r"Page 1 of (\d+)", pages[0].content)[1])  # type: ignore[index]
        for k in range(2, count + 1):
            await alice.click("Next")
            await sandbox.wait_for(lambda k=k: f"Page {k} of {count}" in alice.sees()[-1].content)
            pages.append(alice.sees()[-1])
    assert count >= 2
    assert {page.visible_to for page in pages} == {"alice"}
    listed = [line for page in pages for line in page.embeds[0]["description"].splitlines()]
    assert [line for line in listed if line.startswith("`/extra")] == [
        f"`/{many_commands.name(n)}`: {many_commands.DESCRIPTION.format(n=n)}"
        for n in range(many_commands.COUNT)
    ]
    assert "`/help`: List every command with what it does." in listed
    assert pages[-1].buttons == ["Previous"]


async def test_a_burst_of_answers_shares_a_few_connections(running: RunningBot, sandbox: Sandbox) -> None:
    """Each new connection to Discord is a TLS handshake: a burst reuses a bounded pool instead."""
    interactions = await asyncio.gather(
        *(sandbox.run_command(f"fan{i}", "progress show") for i in range(100))
    )
    await sandbox.wait_for(lambda: all(i.acknowledged_at for i in interactions), timeout=10)
    assert 1 <= len(sandbox.http_connections) <= HTTP_CONNECTIONS < 100
