"""The spoiler shield in a server, as members and moderators see it through the sandbox."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import discord
import pytest

from bot.canon import Canon
from bot.sandbox.harness import Actor, RunningBot, lexicon_for, new_sandbox, shield_reader_for
from bot.sandbox.observe import Observation
from bot.sandbox.server import Sandbox
from bot.shield.semantic import ShieldReader

SPOILER = "charlie fainting at the louvre 😭"
WRAPPED = "||charlie fainting at the louvre|| 😭"


async def ask(actor: Actor, command: str) -> Observation:
    return await actor.reply_to(await actor.run(command))


async def shield_on(sandbox: Sandbox, mode: str = "wrap", channel: str = "general") -> Actor:
    admin = Actor(sandbox, "admin")
    reply = await ask(admin, f"/config shield channel:#{channel} mode:{mode}")
    assert f"**{mode}**" in reply.content
    return admin


async def test_a_spoiler_is_reposted_wrapped_under_the_authors_name(
    sandbox: Sandbox, running: RunningBot, bob: Actor
) -> None:
    await shield_on(sandbox)
    await bob.say(SPOILER)
    repost = await bob.wait_to_see(lambda o: o.author == "Bob" and o.action == "send")
    assert repost.content == WRAPPED
    assert repost.buttons == ["Not a spoiler"]
    assert repost.visible_to == "everyone"
    original = next(o for o in sandbox.observations if o.author == "bob" and o.action == "send")
    await bob.wait_to_see(lambda o: o.message == original.message and o.action == "delete")
    [execute] = [
        body for method, path, body in sandbox.requests if path.startswith("/webhooks/") and method == "POST"
    ]
    assert execute["allowed_mentions"] == {"parse": []}


async def test_the_same_message_is_left_alone_where_the_level_allows_it(
    sandbox: Sandbox, running: RunningBot, bob: Actor
) -> None:
    admin = await shield_on(sandbox, channel="s2-spoilers")
    await ask(admin, "/config spoiler-channel set channel:#s2-spoilers up-to:S2E8")
    await bob.say(SPOILER, channel="s2-spoilers")
    await sandbox.idle()
    assert [
        o.action for o in sandbox.observations if o.channel == "s2-spoilers" and o.author != "heartbot"
    ] == ["send"]


@pytest.mark.parametrize(
    "text", ["prom is friday!!", "I'm in Paris this week", "please add a CW for self-harm"]
)
async def test_everyday_messages_are_left_alone(
    sandbox: Sandbox, running: RunningBot, bob: Actor, text: str
) -> None:
    await shield_on(sandbox)
    await bob.say(text)
    await sandbox.idle()
    assert [
        (o.author, o.action)
        for o in sandbox.observations
        if o.channel == "general" and o.author != "heartbot"
    ] == [("bob", "send")]


async def test_not_a_spoiler_restores_the_original_words(
    sandbox: Sandbox, running: RunningBot, bob: Actor
) -> None:
    await shield_on(sandbox)
    await bob.say(SPOILER)
    await bob.wait_to_see(lambda o: o.author == "Bob")
    alice = Actor(sandbox, "alice")
    await alice.click("Not a spoiler")
    refusal = await alice.wait_to_see(lambda o: o.visible_to == "alice")
    assert refusal.content == "Only the author or a moderator can say this wasn't a spoiler."
    await bob.click("Not a spoiler")
    restored = await bob.wait_to_see(lambda o: o.author == "Bob" and o.action == "edit")
    assert (restored.content, restored.buttons) == (SPOILER, [])


async def test_warn_mode_tells_the_author_privately_and_keeps_the_message(
    sandbox: Sandbox, running: RunningBot, bob: Actor
) -> None:
    await shield_on(sandbox, mode="warn")
    await bob.say(SPOILER)
    warning = await bob.wait_to_see(lambda o: o.channel is None and o.visible_to == "bob")
    assert "S2E5 · Heat" in warning.content
    assert not any(o.action == "delete" for o in sandbox.observations)


async def test_log_mode_reports_to_moderators_only(sandbox: Sandbox, running: RunningBot, bob: Actor) -> None:
    admin = Actor(sandbox, "admin")
    await ask(admin, "/config log-channel channel:#mod-log")  # log mode needs one
    await shield_on(sandbox, mode="log")
    await bob.say(SPOILER)
    report = await admin.wait_to_see(lambda o: o.channel == "mod-log")
    assert "S2E5 · Heat" in report.content
    assert not any(o.action == "delete" for o in sandbox.observations)
    assert not any(o.channel is None for o in sandbox.observations)  # nobody was messaged privately


async def test_edits_are_checked_too(sandbox: Sandbox, running: RunningBot, bob: Actor) -> None:
    await shield_on(sandbox)
    message = await sandbox.say("bob", "omg episode 5")
    await sandbox.idle()
    await sandbox.edit("bob", message, SPOILER)
    repost = await bob.wait_to_see(lambda o: o.author == "Bob")
    assert repost.content == WRAPPED


async def test_exempt_roles_are_not_checked(sandbox: Sandbox, running: RunningBot) -> None:
    admin = await shield_on(sandbox)
    await ask(admin, "/config shield-exempt add role:@Moderators")
    await admin.say(SPOILER)
    await sandbox.idle()
    assert not any(o.action == "delete" for o in sandbox.observations)


async def test_without_repost_permissions_the_shield_warns_and_tells_moderators_once(
    sandbox: Sandbox, running: RunningBot, bob: Actor
) -> None:
    admin = await shield_on(sandbox)
    await ask(admin, "/config log-channel channel:#mod-log")
    await sandbox.set_bot_permissions(discord.Permissions(view_channel=True, send_messages=True).value)
    for _ in range(2):
        await bob.say(SPOILER)
        await bob.wait_to_see(lambda o: o.channel is None)
        await sandbox.idle()
    reports = [o for o in sandbox.observations if o.channel == "mod-log" and "permission" in o.content]
    assert len(reports) == 1
    assert "Manage Messages and Manage Webhooks" in reports[0].content
    assert not any(o.action == "delete" for o in sandbox.observations)


async def test_a_spoiler_in_a_thread_title_is_reported(
    sandbox: Sandbox, running: RunningBot, bob: Actor
) -> None:
    await shield_on(sandbox)
    await sandbox.start_thread("bob", "charlie fainted at the louvre??")
    notice = await bob.wait_to_see(lambda o: o.channel is None and o.visible_to == "bob")
    assert "rename it" in notice.content


async def test_own_spoilers_reveal_only_to_those_who_watched_that_far(
    sandbox: Sandbox, running: RunningBot, alice: Actor, bob: Actor
) -> None:
    await ask(alice, "/progress set episode:S2E8")
    await alice.run('/spoiler text:"the ending made me sob" episode:S2E8')
    post = await bob.wait_to_see(lambda o: o.visible_to == "everyone" and o.buttons == ["Reveal for me"])
    assert "the ending made me sob" not in post.text
    await bob.click("Reveal for me")
    refusal = await bob.wait_to_see(lambda o: o.visible_to == "bob")
    assert "keep it hidden" in refusal.content
    await alice.click("Reveal for me")
    shown = await alice.wait_to_see(lambda o: o.visible_to == "alice" and "sob" in o.content)
    assert shown.content.endswith("the ending made me sob")


async def test_spoiler_reads_its_episode_as_every_episode_option_does(
    sandbox: Sandbox, running: RunningBot, alice: Actor
) -> None:
    choices = await sandbox.autocomplete("alice", "spoiler episode:prom")
    assert choices[0] == {"name": "S2E3 · Promise", "value": "S2E3"}
    refusal = await ask(alice, '/spoiler text:"the ending made me sob" episode:S9E1')
    assert refusal.content == "There's no episode S9E1: each of the 3 seasons has 8 episodes (S1E1 to S3E8)."


async def test_without_the_message_content_intent_the_bot_starts_without_the_shield(tmp_path, canon) -> None:  # type: ignore[no-untyped-def]
    async with new_sandbox(privileged_intents=(), check_responses=True) as sandbox:
        async with RunningBot(sandbox, tmp_path / "db", canon=canon) as running:
            assert running.bot is not None
            assert not running.bot.shield_available
            admin = Actor(sandbox, "admin")
            settings = await ask(admin, "/config show")
            assert "The shield is off" in settings.content
            reply = await ask(admin, "/help")
            assert reply.visible_to == "admin"
        assert sandbox.violations == []


def webhooks_created(sandbox: Sandbox) -> list[str]:
    return [path for method, path, _ in sandbox.requests if method == "POST" and path.endswith("/webhooks")]


def reposts(sandbox: Sandbox) -> list[Observation]:
    return [o for o in sandbox.observations if o.author == "Bob" and o.action == "send"]


async def test_one_webhook_per_channel_reused_and_made_again_when_deleted(
    sandbox: Sandbox, running: RunningBot, bob: Actor
) -> None:
    await shield_on(sandbox)
    for count in (1, 2):
        await bob.say(SPOILER)
        await sandbox.wait_for(lambda count=count: len(reposts(sandbox)) == count)
    assert len(webhooks_created(sandbox)) == 1
    await sandbox.delete_webhooks()
    await bob.say(SPOILER)
    await sandbox.wait_for(lambda: len(reposts(sandbox)) == 3)
    assert len(webhooks_created(sandbox)) == 2


async def test_spoilers_arriving_together_in_a_new_channel_make_one_webhook(
    sandbox: Sandbox, running: RunningBot, bob: Actor
) -> None:
    await shield_on(sandbox)
    carol = Actor(sandbox, "carol")
    await asyncio.gather(bob.say(SPOILER), carol.say(SPOILER), bob.say(SPOILER))
    await sandbox.idle()
    assert len([o for o in sandbox.observations if o.author in ("Bob", "Carol") and o.action == "send"]) == 3
    assert len(webhooks_created(sandbox)) == 1


async def test_in_a_thread_the_repost_goes_through_the_channel_webhook(
    sandbox: Sandbox, running: RunningBot, bob: Actor
) -> None:
    await shield_on(sandbox)
    thread = await sandbox.start_thread("bob", "episode chat")
    await bob.say(SPOILER, channel=thread.name)
    repost = await bob.wait_to_see(lambda o: o.author == "Bob")
    assert (repost.channel, repost.content) == ("episode chat", WRAPPED)
    assert webhooks_created(sandbox) == [f"/channels/{thread.parent_id}/webhooks"]


async def test_a_servers_own_terms_count_as_spoilers(
    sandbox: Sandbox, running: RunningBot, bob: Actor
) -> None:
    admin = await shield_on(sandbox)
    reply = await ask(admin, '/config shield-term add phrase:"the bench scene" episode:S2E2')
    assert "S2E2 · Family" in reply.content
    await bob.say("i keep thinking about the bench scene")
    repost = await bob.wait_to_see(lambda o: o.author == "Bob")
    assert "||" in repost.content
    assert "bench scene" in repost.content


async def test_exempt_channels_are_not_checked(sandbox: Sandbox, running: RunningBot, bob: Actor) -> None:
    admin = await shield_on(sandbox)
    await ask(admin, "/config shield-exempt add channel:#general")
    await bob.say(SPOILER)
    await sandbox.idle()
    assert not any(o.action == "delete" for o in sandbox.observations)


async def test_spoiler_wrap_message_on_demand(sandbox: Sandbox, running: RunningBot, bob: Actor) -> None:
    message = await sandbox.say("bob", "i can't believe what happened to nick's dad")
    interaction = await sandbox.apply("bob", "Spoiler-wrap message", message)
    await sandbox.acknowledged(interaction)
    repost = await bob.wait_to_see(lambda o: o.author == "Bob")
    assert repost.content.startswith("||")
    confirmation = await bob.wait_to_see(
        lambda o: o.visible_to == "bob" and o.content == "Wrapped and reposted."
    )
    assert confirmation.author == "heartbot"
    await bob.wait_to_see(lambda o: o.message == message.id and o.action == "delete")


async def test_only_the_author_or_a_moderator_may_wrap_a_message(
    sandbox: Sandbox, running: RunningBot
) -> None:
    message = await sandbox.say("bob", "nothing to see here")
    alice = Actor(sandbox, "alice")
    interaction = await sandbox.apply("alice", "Spoiler-wrap message", message)
    refusal = await alice.reply_to(interaction)
    assert refusal.content.startswith("Only the author or a moderator")


async def test_originals_are_kept_for_thirty_days_only(
    sandbox: Sandbox, running: RunningBot, bob: Actor
) -> None:
    await shield_on(sandbox)
    await bob.say(SPOILER)
    await bob.wait_to_see(lambda o: o.author == "bob" and o.action == "delete")  # after the timer is set
    await sandbox.advance(timedelta(days=31))
    await sandbox.idle()
    await bob.click("Not a spoiler")
    answer = await bob.wait_to_see(lambda o: o.visible_to == "bob" and o.channel == "general")
    assert answer.content == "I no longer have the original of this message."


async def test_spoiler_wrap_message_refuses_the_shields_own_repost(
    sandbox: Sandbox, running: RunningBot, bob: Actor
) -> None:
    admin = await shield_on(sandbox)
    await bob.say(SPOILER)
    repost = await bob.wait_to_see(lambda o: o.author == "Bob" and o.action == "send")
    interaction = await sandbox.apply("admin", "Spoiler-wrap message", sandbox.messages[repost.message])
    refusal = await admin.reply_to(interaction)
    assert refusal.content == "That message is from a bot or a webhook; I only wrap members' messages."


async def test_a_message_sent_while_the_reader_still_loads_waits_for_it_and_is_wrapped(
    sandbox: Sandbox, tmp_path: Path, canon: Canon
) -> None:
    """The semantic reader's model loads beside the connection: the bot is ready before it, and the shield
    reads nothing until it is there, rather than letting a message through unread."""
    loading: asyncio.Future[ShieldReader] = asyncio.get_running_loop().create_future()
    async with RunningBot(sandbox, tmp_path / "heartbot.db", canon=canon, shield_reader=loading) as bot:
        await shield_on(sandbox)  # the bot answers commands meanwhile
        bob = Actor(sandbox, "bob")
        await bob.say(SPOILER)
        await sandbox.wait_for(lambda: any("handlers running" in work for work in bot.under_way()))
        assert [o.content for o in sandbox.observations if o.author in ("bob", "Bob")] == [SPOILER]
        loading.set_result(shield_reader_for(canon, lexicon_for(canon), semantic=True))
        repost = await bob.wait_to_see(lambda o: o.author == "Bob" and o.action == "send")
        assert repost.content == WRAPPED
