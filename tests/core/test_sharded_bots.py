"""The bot sharded: two processes' worth of bots, each running two of four shards, serving one sandbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.canon import Canon
from bot.core.app import EXTENSIONS
from bot.core.shard_slice import shard_of
from bot.sandbox.harness import Actor, RunningBot, new_sandbox
from bot.sandbox.observe import Observation
from bot.sandbox.server import Sandbox
from bot.sandbox.world import Guild

SHARDS = 4
WITH_SHARD_COMMAND = (*EXTENSIONS, "tests.sharding_commands")


def answers(sandbox: Sandbox, member: str) -> list[Observation]:
    """Every message of the bot's that `member` has been shown."""
    return [o for o in sandbox.seen_by(member) if o.author == "heartbot" and o.action == "send"]


@pytest.fixture
def guilds(sandbox: Sandbox) -> list[Guild]:
    """The default guild and three more, made one after another: one on each of the four shards."""
    for n in range(2, SHARDS + 1):
        sandbox.add_guild(f"Heartstopper Club {n}", [f"general-{n}"])
    made = list(sandbox.guilds.values())
    assert sorted(shard_of(guild.id, SHARDS) for guild in made) == list(range(SHARDS))
    return made


@pytest.fixture
async def two_bots(
    sandbox: Sandbox, guilds: list[Guild], tmp_path: Path, canon: Canon
) -> AsyncIterator[tuple[RunningBot, RunningBot]]:
    """Shards 0 and 1 in one bot, 2 and 3 in another, on one SQLite file, as two processes would share it."""
    path = tmp_path / "heartbot.db"
    options = {
        "canon": canon,
        "shard_count": SHARDS,
        "extensions": WITH_SHARD_COMMAND,
        "shield_semantic": False,  # the lexicon alone reads the spoiler below
    }
    async with (
        RunningBot(sandbox, path, shard_ids=(0, 1), **options) as first,
        RunningBot(sandbox, path, shard_ids=(2, 3), **options) as second,
    ):
        yield first, second


def channel_in(guild: Guild) -> str:
    return next(channel.name for channel in guild.channels.values())


async def test_each_guild_is_answered_once_by_the_bot_running_its_shard(
    sandbox: Sandbox, guilds: list[Guild], two_bots: tuple[RunningBot, RunningBot]
) -> None:
    for n, guild in enumerate(guilds):
        member = Actor(sandbox, f"member-{n}", guild)
        reply = await member.reply_to(await member.run("/help", channel_in(guild)))
        assert reply.embeds[0]["title"] == "heartbot commands"
        shard = shard_of(guild.id, SHARDS)
        owner = "0, 1" if shard < 2 else "2, 3"
        which = await member.reply_to(await member.run("/shard", channel_in(guild)))
        assert which.content == f"Answered for shard {shard} of 4 by the process running shards {owner}."
        await sandbox.idle()
        assert len(answers(sandbox, member.name)) == 2  # one for each command: nobody answered twice


async def test_the_shield_guards_every_guild_once_and_idle_waits_for_both_bots(
    sandbox: Sandbox, guilds: list[Guild], two_bots: tuple[RunningBot, RunningBot]
) -> None:
    for guild in guilds:
        channel = channel_in(guild)
        admin, bob = Actor(sandbox, "admin", guild), Actor(sandbox, "bob", guild)
        command = f"/config shield channel:#{channel} mode:wrap"
        turned_on = await admin.reply_to(await admin.run(command, channel))
        assert "**wrap**" in turned_on.content
        await bob.say("charlie fainting at the louvre 😭", channel)
        await sandbox.idle()  # whichever bot runs the guild's shard has read the message and acted on it
        reposts = [o for o in sandbox.observations if o.channel == channel and o.author == "Bob"]
        assert [o.content for o in reposts] == ["||charlie fainting at the louvre|| 😭"]


async def test_a_command_in_a_dm_is_answered_by_the_bot_running_shard_0(
    sandbox: Sandbox, two_bots: tuple[RunningBot, RunningBot]
) -> None:
    alice = Actor(sandbox, "alice")
    reply = await alice.reply_to(await alice.run_in_dm("/shard"))
    assert reply.channel is None  # in the DM
    assert reply.content == "Answered for a DM of 4 by the process running shards 0, 1."
    await sandbox.idle()
    assert len(answers(sandbox, "alice")) == 1


async def test_a_guild_the_bot_joins_is_served_by_the_bot_running_its_shard(
    sandbox: Sandbox, guilds: list[Guild], two_bots: tuple[RunningBot, RunningBot]
) -> None:
    joined = sandbox.add_guild("Heartstopper Club 5", ["general-5"])
    await sandbox.idle()  # its GUILD_CREATE has reached the shard's bot
    member = Actor(sandbox, "eve", joined)
    which = await member.reply_to(await member.run("/shard", "general-5"))
    shard = shard_of(joined.id, SHARDS)
    owner = "0, 1" if shard < 2 else "2, 3"
    assert which.content == f"Answered for shard {shard} of 4 by the process running shards {owner}."


async def test_without_shard_settings_the_bot_runs_the_shards_the_sandbox_recommends(
    tmp_path: Path, canon: Canon
) -> None:
    # A shard may hold one guild here, so two guilds need two shards.
    async with new_sandbox(max_guilds_per_shard=1, check_responses=True) as sandbox:
        second = sandbox.add_guild("Heartstopper Club", ["club"])
        async with RunningBot(sandbox, tmp_path / "db", canon=canon, extensions=WITH_SHARD_COMMAND):
            for member, guild, channel in (("alice", sandbox.guild, "general"), ("bob", second, "club")):
                actor = Actor(sandbox, member, guild)
                which = await actor.reply_to(await actor.run("/shard", channel))
                shard = shard_of(guild.id, 2)
                assert which.content == f"Answered for shard {shard} of 2 by the process running shards 0, 1."
        assert sandbox.violations == []


async def test_every_shard_resumes_after_its_connection_drops(
    sandbox: Sandbox, guilds: list[Guild], two_bots: tuple[RunningBot, RunningBot]
) -> None:
    sessions = list(sandbox.gateway.sessions.values())
    assert sorted(session.shard for session in sessions) == [(shard, SHARDS) for shard in range(SHARDS)]
    await sandbox.gateway.drop_connections()
    await sandbox.wait_for(lambda: all(p["t"] == "RESUMED" for p in (s.backlog[-1] for s in sessions)))
    assert list(sandbox.gateway.sessions.values()) == sessions  # resumed, not identified afresh
    for n, guild in enumerate(guilds):
        member = Actor(sandbox, f"member-{n}", guild)
        which = await member.reply_to(await member.run("/shard", channel_in(guild)))
        assert which.content.startswith(f"Answered for shard {shard_of(guild.id, SHARDS)} of 4")
