"""Several servers in one sandbox, through the real bot: each guild's members, channels and settings stay its
own, and a server the bot joins while connected is known to it."""

from __future__ import annotations

from pathlib import Path

import discord
import pytest
from discord.http import Route

from bot.canon import Canon
from bot.sandbox.commands import ScriptError
from bot.sandbox.harness import Actor, RunningBot
from bot.sandbox.observe import Observation
from bot.sandbox.server import Sandbox
from bot.sandbox.world import Guild, Interaction

SPOILER = "charlie fainting at the louvre 😭"
WRAPPED = "||charlie fainting at the louvre|| 😭"


@pytest.fixture
def second(sandbox: Sandbox) -> Guild:
    """A second server, added before the bot connects."""
    return sandbox.add_guild("Heartstopper Club", ["general-2"])


async def answer(actor: Actor, command: str, channel: str) -> tuple[Interaction, Observation]:
    await actor.sandbox.idle()  # earlier answers have arrived, so they are not mistaken for this one
    interaction = await actor.run(command, channel)
    return interaction, await actor.reply_to(interaction)


async def moderator(sandbox: Sandbox, name: str, guild: Guild) -> Actor:
    actor = Actor(sandbox, name, guild)
    await sandbox.give_role(name, "Moderators", guild)
    return actor


def answered_in(sandbox: Sandbox, interaction: Interaction) -> tuple[str, int | None]:
    """The channel and guild of the bot's answer to `interaction`, as Discord stored it."""
    message = sandbox.messages[interaction.original_message_id or 0]
    return sandbox.channels[message.channel_id].name, message.guild_id


async def test_each_member_is_answered_in_their_own_guilds_channel(
    sandbox: Sandbox, second: Guild, running: RunningBot
) -> None:
    alice, bea = Actor(sandbox, "alice"), Actor(sandbox, "bea", second)
    cases = ((alice, "general", sandbox.guild, "S2E4"), (bea, "general-2", second, "S1E2"))
    for actor, channel, _guild, episode in cases:
        await answer(actor, f"/progress set episode:{episode}", channel)
    for actor, channel, guild, episode in cases:
        interaction, reply = await answer(actor, "/progress show", channel)
        assert interaction.payload["guild_id"] == str(guild.id)
        assert interaction.payload["member"]["user"]["username"] == actor.name
        assert (reply.channel, reply.visible_to) == (channel, actor.name)
        assert f"You've watched up to **{episode}" in reply.content
        assert answered_in(sandbox, interaction) == (channel, guild.id)


async def test_config_shield_is_answered_in_each_guild_and_needs_its_own_manage_server(
    sandbox: Sandbox, second: Guild, running: RunningBot
) -> None:
    alice = await moderator(sandbox, "alice", sandbox.guild)
    bea = await moderator(sandbox, "bea", second)
    for actor, channel, guild in ((alice, "general", sandbox.guild), (bea, "general-2", second)):
        interaction, reply = await answer(actor, f"/config shield channel:#{channel} mode:wrap", channel)
        assert interaction.payload["guild_id"] == str(guild.id)
        assert "**wrap**" in reply.content
        assert answered_in(sandbox, interaction) == (channel, guild.id)
    # a Moderator of the first server is nobody special in the second, which she joins by acting there
    _, refusal = await answer(alice, "/config shield channel:#general-2 mode:off", "general-2")
    assert refusal.content == "You need the Manage Server permission to use this command."
    assert refusal.channel == "general-2"


async def test_the_shield_turned_on_in_one_guild_leaves_the_other_alone(
    sandbox: Sandbox, second: Guild, running: RunningBot
) -> None:
    bea = await moderator(sandbox, "bea", second)
    await answer(bea, "/config shield channel:#general-2 mode:wrap", "general-2")
    alice = Actor(sandbox, "alice")
    await alice.say(SPOILER, "general")
    await bea.say(SPOILER, "general-2")
    repost = await bea.wait_to_see(lambda o: o.author == "Bea" and o.action == "send")
    assert (repost.channel, repost.content) == ("general-2", WRAPPED)
    await sandbox.idle()
    assert [(o.author, o.action, o.content) for o in sandbox.observations if o.channel == "general"] == [
        ("alice", "send", SPOILER)
    ]
    assert [w.guild_id for w in sandbox.webhooks.values()] == [second.id]  # the repost's, in its server


async def test_commands_synced_to_one_guild_are_there_alone(
    sandbox: Sandbox, second: Guild, tmp_path: Path, canon: Canon
) -> None:
    async with RunningBot(sandbox, tmp_path / "heartbot.db", canon=canon, dev_guild_id=second.id):
        bea, alice = Actor(sandbox, "bea", second), Actor(sandbox, "alice")
        _, reply = await answer(bea, "/help", "general-2")
        with pytest.raises(ScriptError, match="unknown command /help"):
            await alice.run("/help", "general")
    assert [scope for scope, _ in sandbox.command_syncs] == [second.id]
    assert reply.channel == "general-2"


async def test_members_see_only_their_guilds_channels(
    sandbox: Sandbox, second: Guild, running: RunningBot
) -> None:
    alice, bea = Actor(sandbox, "alice"), Actor(sandbox, "bea", second)
    await alice.say("hello from the first server", "general")
    await bea.say("hello from the second", "general-2")
    assert [o.content for o in alice.sees()] == ["hello from the first server"]
    assert [o.content for o in bea.sees()] == ["hello from the second"]
    await alice.say("may I join?", "general-2")  # acting in a channel of the second server joins it
    assert sandbox.user("alice").id in second.members
    assert [o.content for o in alice.sees()] == [
        "hello from the first server",
        "hello from the second",
        "may I join?",
    ]


async def test_everyone_in_a_guild_pings_that_guilds_members_alone(
    sandbox: Sandbox, second: Guild, running: RunningBot
) -> None:
    alice, bea = Actor(sandbox, "alice"), Actor(sandbox, "bea", second)
    await alice.say("morning", "general")
    await bea.say("@everyone the finale is out", "general-2")
    [ping] = [o for o in sandbox.observations if o.content.startswith("@everyone")]
    assert {"bea", "owner-2"} <= set(ping.pings)
    assert not {"alice", "owner"} & set(ping.pings)


async def test_the_bots_role_changes_in_its_own_guild_alone(
    sandbox: Sandbox, second: Guild, running: RunningBot
) -> None:
    assert running.bot is not None
    without = sandbox.bot_role.permissions & ~discord.Permissions(manage_webhooks=True).value
    await sandbox.set_bot_permissions(without, second)
    await sandbox.idle()
    changed, untouched = running.bot.get_guild(second.id), running.bot.get_guild(sandbox.guild.id)
    assert changed is not None
    assert untouched is not None
    assert not changed.me.guild_permissions.manage_webhooks
    assert untouched.me.guild_permissions.manage_webhooks


async def test_a_guild_added_while_the_bot_is_connected_is_known_to_it(
    sandbox: Sandbox, running: RunningBot
) -> None:
    assert running.bot is not None
    third = sandbox.add_guild("Heartstopper Fans 3", ["general-3", "s2-3"])
    await sandbox.idle()
    guild = running.bot.get_guild(third.id)
    assert guild is not None
    assert guild.name == "Heartstopper Fans 3"
    assert sorted(channel.name for channel in guild.text_channels) == ["general-3", "s2-3"]
    first = running.bot.get_guild(sandbox.guild.id)
    assert first is not None
    assert guild.me.guild_permissions == first.me.guild_permissions  # what its invite granted in the first
    cara = Actor(sandbox, "cara", third)
    interaction, reply = await answer(cara, "/progress set episode:S2E3", "general-3")
    assert "S2E3" in reply.content
    assert answered_in(sandbox, interaction) == ("general-3", third.id)


async def test_ready_lists_every_guild_and_each_gets_a_guild_create(
    sandbox: Sandbox, tmp_path: Path, canon: Canon
) -> None:
    added = [sandbox.add_guild(f"Server {n}", [f"general-{n}"]) for n in (2, 3)]
    ids = [str(guild.id) for guild in (sandbox.guild, *added)]
    async with RunningBot(sandbox, tmp_path / "heartbot.db", canon=canon) as running:
        assert running.bot is not None
        [session] = sandbox.gateway.sessions.values()
        ready = next(p["d"] for p in session.backlog if p["t"] == "READY")
        assert ready["guilds"] == [{"id": guild_id, "unavailable": True} for guild_id in ids]
        assert [p["d"]["id"] for p in session.backlog if p["t"] == "GUILD_CREATE"] == ids
        assert sorted(str(guild.id) for guild in running.bot.guilds) == sorted(ids)
        assert (await running.bot.application_info()).approximate_guild_count == 3
        shards, _url, _limit = await running.bot.http.get_bot_gateway()
        assert shards == 1


async def test_a_watch_party_in_the_second_guild_has_its_thread_and_event_there(
    sandbox: Sandbox, second: Guild, running: RunningBot
) -> None:
    bea = Actor(sandbox, "bea", second)
    _, reply = await answer(bea, '/watchparty create episodes:S2E1 start:"in 2 hours"', "general-2")
    assert reply.channel == "general-2"
    await sandbox.idle()
    [event] = sandbox.scheduled_events.values()
    assert event["guild_id"] == str(second.id)
    threads = [c for c in sandbox.channels.values() if c.parent_id == sandbox.channel("general-2").id]
    assert [thread.guild_id for thread in threads] == [second.id]
    assert threads[0].id in second.channels
    assert threads[0].id not in sandbox.guild.channels


async def test_routes_for_a_guild_the_bot_is_not_in_answer_unknown_guild(
    sandbox: Sandbox, running: RunningBot
) -> None:
    assert running.bot is not None
    route = Route("GET", "/guilds/{guild_id}/scheduled-events", guild_id=sandbox.ids.next())
    with pytest.raises(discord.NotFound) as refused:
        await running.bot.http.request(route)
    assert refused.value.code == 10004


async def test_a_channel_name_is_unique_across_guilds(sandbox: Sandbox) -> None:
    with pytest.raises(ScriptError, match="general"):
        sandbox.add_guild("Copycats", ["general"])
    with pytest.raises(ScriptError, match="chat"):
        sandbox.add_guild("Twice", ["chat", "chat"])
    assert len(sandbox.guilds) == 1
