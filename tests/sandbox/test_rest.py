"""The sandbox's REST half, driven through the real bot's discord.py objects, and raw for wire rules."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import discord
import pytest
from discord.http import Route

from bot.canon import Canon
from bot.sandbox.commands import ScriptError
from bot.sandbox.harness import Actor, RunningBot, new_sandbox
from bot.sandbox.server import Sandbox

WEBHOOK_TOKEN = re.compile(r"[A-Za-z0-9._-]{60,}")


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def general(running: RunningBot, sandbox: Sandbox) -> discord.TextChannel:
    assert running.bot is not None
    channel = running.bot.get_channel(sandbox.channel("general").id)
    assert isinstance(channel, discord.TextChannel)
    return channel


def made_near(snowflake: int, moment: datetime) -> bool:
    """Whether a snowflake's timestamp lies within a minute of `moment`."""
    return abs(discord.utils.snowflake_time(snowflake) - moment) < timedelta(minutes=1)


def is_wire_snowflake(value: Any, moment: datetime) -> bool:
    """An id as Discord sends it: a decimal string, a snowflake made within a minute of `moment`."""
    return isinstance(value, str) and value.isdigit() and made_near(int(value), moment)


def take_violations(sandbox: Sandbox) -> list[str]:
    """The violations a test provoked on purpose, cleared so the `sandbox` fixture does not fail it."""
    found = list(sandbox.violations)
    sandbox.violations.clear()
    return found


def requests_to(sandbox: Sandbox, method: str, path: str) -> int:
    return sum(1 for m, p, _ in sandbox.requests if (m, p) == (method, path))


async def watch_party(guild: discord.Guild, sandbox: Sandbox) -> discord.ScheduledEvent:
    start = (sandbox.now() + timedelta(days=1)).replace(microsecond=0)
    return await guild.create_scheduled_event(
        name="Watch party",
        start_time=start,
        end_time=start + timedelta(hours=2),
        entity_type=discord.EntityType.external,
        location="Truham Grammar",
        privacy_level=discord.PrivacyLevel.guild_only,
    )


# -- interactions: acknowledgement and follow-ups ------------------------------------------------------


async def test_acknowledging_an_interaction_twice_is_refused(
    alice: Actor, sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    interaction = await alice.run("/help")
    url = f"{sandbox.api_url}/interactions/{interaction.id}/{interaction.token}/callback?with_response=1"
    async with http.post(url, json={"type": 4, "data": {"content": "again"}}) as response:
        assert response.status == 400
        assert (await response.json())["code"] == 40060
    assert take_violations(sandbox) == [f"interaction {interaction.id} was acknowledged twice"]
    assert [o for o in alice.sees() if o.content == "again"] == []


async def follow_up(
    http: aiohttp.ClientSession, sandbox: Sandbox, interaction_token: str, body: dict[str, Any]
) -> tuple[int, Any]:
    url = f"{sandbox.api_url}/webhooks/{sandbox.application_id}/{interaction_token}?wait=1"
    async with http.post(url, json=body) as response:
        return response.status, await response.json()


async def test_follow_ups_work_for_fifteen_minutes_only(
    alice: Actor, sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    interaction = await alice.run("/help")
    status, message = await follow_up(http, sandbox, interaction.token, {"content": "one more thing"})
    assert status == 200
    assert message["content"] == "one more thing"
    await sandbox.advance(timedelta(minutes=16))
    status, error = await follow_up(http, sandbox, interaction.token, {"content": "too late"})
    assert (status, error["code"]) == (401, 50027)
    assert [o.content for o in sandbox.observations if o.content == "too late"] == []
    assert take_violations(sandbox) == [f"interaction {interaction.id}: follow-up after the 15-minute window"]


async def test_an_ephemeral_follow_up_is_seen_only_by_the_invoker(
    alice: Actor, bob: Actor, sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    interaction = await alice.run("/help")
    status, _ = await follow_up(http, sandbox, interaction.token, {"content": "psst", "flags": 64})
    assert status == 200
    seen = await alice.wait_to_see(lambda o: o.content == "psst")
    assert seen.visible_to == "alice"
    assert [o for o in bob.sees() if o.content == "psst"] == []


async def test_a_public_follow_up_is_seen_by_everyone(
    alice: Actor, bob: Actor, sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    interaction = await alice.run("/help")
    status, _ = await follow_up(http, sandbox, interaction.token, {"content": "hello all"})
    assert status == 200
    seen = await bob.wait_to_see(lambda o: o.content == "hello all")
    assert seen.visible_to == "everyone"


# -- documented limits ----------------------------------------------------------------------------------


async def test_content_over_2000_characters_is_refused(running: RunningBot, sandbox: Sandbox) -> None:
    with pytest.raises(discord.HTTPException) as refused:
        await general(running, sandbox).send("x" * 2001)
    assert (refused.value.status, refused.value.code) == (400, 50035)
    [violation] = take_violations(sandbox)
    assert violation.endswith("content: 2001 characters, limit 2000")
    assert sandbox.observations == []


async def test_content_of_exactly_2000_characters_is_delivered(running: RunningBot, sandbox: Sandbox) -> None:
    message = await general(running, sandbox).send("x" * 2000)
    [seen] = [o for o in sandbox.observations if o.message == message.id]
    assert (seen.visible_to, len(seen.content)) == ("everyone", 2000)


async def test_a_member_may_post_4000_characters_as_with_nitro_but_no_more(
    running: RunningBot, sandbox: Sandbox
) -> None:
    posted = await sandbox.say("bob", "x" * 4000)
    assert posted.content == "x" * 4000
    with pytest.raises(ScriptError, match="members may post 4000 at most"):
        await sandbox.say("bob", "x" * 4001)
    with pytest.raises(ScriptError, match="members may post 4000 at most"):
        await sandbox.edit("bob", posted, "x" * 4001)
    assert [len(o.content) for o in sandbox.observations] == [4000]


async def test_a_webhook_is_held_to_2000_characters(running: RunningBot, sandbox: Sandbox) -> None:
    webhook = await general(running, sandbox).create_webhook(name="Nick")
    with pytest.raises(discord.HTTPException) as refused:
        await webhook.send("x" * 2001, wait=True)
    assert (refused.value.status, refused.value.code) == (400, 50035)
    [violation] = take_violations(sandbox)  # the API description or the documented limit, whichever is there
    assert "content" in violation
    assert sandbox.observations == []


async def test_an_embed_title_over_256_characters_is_refused(running: RunningBot, sandbox: Sandbox) -> None:
    with pytest.raises(discord.HTTPException) as refused:
        await general(running, sandbox).send(embed=discord.Embed(title="t" * 257))
    assert (refused.value.status, refused.value.code) == (400, 50035)
    [violation] = take_violations(sandbox)
    assert "embeds[0].title" in violation
    assert sandbox.observations == []


# -- permissions ----------------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def bot_with(
    permissions: discord.Permissions, tmp_path: Path, canon: Canon
) -> AsyncIterator[tuple[Sandbox, RunningBot]]:
    """A sandbox whose bot holds only `permissions`, with the bot running in it."""
    async with (
        new_sandbox(bot_permissions=permissions.value) as stand_in,
        RunningBot(stand_in, tmp_path / "heartbot.db", canon=canon) as running,
    ):
        yield stand_in, running


@pytest.fixture
async def powerless(tmp_path: Path, canon: Canon) -> AsyncIterator[tuple[Sandbox, RunningBot]]:
    """The bot may only see channels and send messages."""
    async with bot_with(discord.Permissions(view_channel=True, send_messages=True), tmp_path, canon) as both:
        yield both


async def test_creating_a_webhook_needs_manage_webhooks(powerless: tuple[Sandbox, RunningBot]) -> None:
    sandbox, running = powerless
    with pytest.raises(discord.Forbidden) as refused:
        await general(running, sandbox).create_webhook(name="Nick")
    assert refused.value.code == 50013
    assert take_violations(sandbox) == ["the bot tried something that needs manage_webhooks without it"]
    assert sandbox.webhooks == {}


async def test_deleting_someone_elses_message_needs_manage_messages(
    powerless: tuple[Sandbox, RunningBot],
) -> None:
    sandbox, running = powerless
    posted = await sandbox.say("alice", "Nick and Charlie forever")
    with pytest.raises(discord.Forbidden) as refused:
        await general(running, sandbox).get_partial_message(posted.id).delete()
    assert refused.value.code == 50013
    assert take_violations(sandbox) == ["the bot tried something that needs manage_messages without it"]
    assert posted.id in sandbox.messages
    assert [o.action for o in sandbox.observations] == ["send"]


async def test_creating_a_scheduled_event_needs_create_events(powerless: tuple[Sandbox, RunningBot]) -> None:
    sandbox, running = powerless
    with pytest.raises(discord.Forbidden) as refused:
        await watch_party(general(running, sandbox).guild, sandbox)
    assert refused.value.code == 50013
    assert take_violations(sandbox) == ["the bot tried something that needs create_events without it"]
    assert sandbox.scheduled_events == {}


# -- webhooks -------------------------------------------------------------------------------------------


async def test_a_new_webhook_has_a_long_token_and_a_fresh_snowflake(
    running: RunningBot, sandbox: Sandbox
) -> None:
    webhook = await general(running, sandbox).create_webhook(name="Nick")
    assert webhook.token is not None
    assert WEBHOOK_TOKEN.fullmatch(webhook.token)
    assert made_near(webhook.id, sandbox.now())
    assert (webhook.name, webhook.channel_id) == ("Nick", sandbox.channel("general").id)


async def test_a_channels_webhooks_are_listed(running: RunningBot, sandbox: Sandbox) -> None:
    channel = general(running, sandbox)
    created = [await channel.create_webhook(name=name) for name in ("Nick", "Charlie")]
    listed = await channel.webhooks()
    assert sorted((w.id, w.name) for w in listed) == sorted((w.id, w.name) for w in created)


async def test_a_webhook_message_shows_the_username_it_was_sent_with(
    running: RunningBot, sandbox: Sandbox
) -> None:
    webhook = await general(running, sandbox).create_webhook(name="Nick")
    sent = await webhook.send("Hi", username="Tao Xu", wait=True)
    [seen] = [o for o in sandbox.observations if o.message == sent.id]
    assert (seen.author, seen.channel, seen.content) == ("Tao Xu", "general", "Hi")
    assert sent.author.name == "Tao Xu"


async def test_a_webhook_can_post_into_a_thread(running: RunningBot, sandbox: Sandbox) -> None:
    channel = general(running, sandbox)
    thread = await channel.create_thread(name="Season 2 talk", type=discord.ChannelType.public_thread)
    webhook = await channel.create_webhook(name="Nick")
    sent = await webhook.send("In the thread", thread=thread, wait=True)
    assert sent.channel.id == thread.id
    [seen] = [o for o in sandbox.observations if o.message == sent.id]
    assert (seen.channel, seen.author, seen.visible_to) == ("Season 2 talk", "Nick", "everyone")


async def test_a_webhook_can_be_renamed(running: RunningBot, sandbox: Sandbox) -> None:
    assert running.bot is not None
    webhook = await general(running, sandbox).create_webhook(name="Nick")
    renamed = await webhook.edit(name="Charlie")
    assert renamed is not None
    assert renamed.name == "Charlie"
    assert (await running.bot.fetch_webhook(webhook.id)).name == "Charlie"


async def test_a_deleted_webhook_is_gone(running: RunningBot, sandbox: Sandbox) -> None:
    assert running.bot is not None
    channel = general(running, sandbox)
    webhook = await channel.create_webhook(name="Nick")
    await webhook.delete()
    assert await channel.webhooks() == []
    with pytest.raises(discord.NotFound):
        await running.bot.fetch_webhook(webhook.id)


async def test_a_webhook_name_may_not_contain_discord(running: RunningBot, sandbox: Sandbox) -> None:
    with pytest.raises(discord.HTTPException) as refused:
        await general(running, sandbox).create_webhook(name="Discord fans")
    assert (refused.value.status, refused.value.code) == (400, 50035)
    assert take_violations(sandbox) == ["webhook: name: 'Discord fans' contains 'discord'"]
    assert sandbox.webhooks == {}


# -- channel messages -----------------------------------------------------------------------------------


async def test_a_sent_message_is_seen_and_can_be_fetched(running: RunningBot, sandbox: Sandbox) -> None:
    channel = general(running, sandbox)
    sent = await channel.send("Hi!")
    fetched = await channel.fetch_message(sent.id)
    assert (fetched.id, fetched.content, fetched.author.id) == (sent.id, "Hi!", sandbox.bot_user.id)
    [seen] = sandbox.observations
    assert (seen.action, seen.channel, seen.visible_to, seen.author) == (
        "send",
        "general",
        "everyone",
        "heartbot",
    )


async def test_an_edited_message_is_seen_edited(running: RunningBot, sandbox: Sandbox) -> None:
    sent = await general(running, sandbox).send("Hi!")
    edited = await sent.edit(content="Hi?")
    assert edited.content == "Hi?"
    assert edited.edited_at is not None
    assert [(o.action, o.content) for o in sandbox.observations] == [("send", "Hi!"), ("edit", "Hi?")]


async def test_a_deleted_message_is_seen_deleted(running: RunningBot, sandbox: Sandbox) -> None:
    channel = general(running, sandbox)
    sent = await channel.send("Oops")
    await sent.delete()
    assert [(o.action, o.message) for o in sandbox.observations] == [("send", sent.id), ("delete", sent.id)]
    with pytest.raises(discord.NotFound):
        await channel.fetch_message(sent.id)


async def test_a_direct_message_is_seen_only_by_its_recipient(running: RunningBot, sandbox: Sandbox) -> None:
    assert running.bot is not None
    alice = await running.bot.fetch_user(sandbox.user("alice").id)  # no member cache without that intent
    await alice.send("Your reminder: S2E3 tonight")
    [seen] = sandbox.observations
    assert (seen.channel, seen.visible_to, seen.content) == (None, "alice", "Your reminder: S2E3 tonight")


# -- guild scheduled events -----------------------------------------------------------------------------


async def test_a_created_scheduled_event_can_be_fetched(running: RunningBot, sandbox: Sandbox) -> None:
    guild = general(running, sandbox).guild
    event = await watch_party(guild, sandbox)
    fetched = await guild.fetch_scheduled_event(event.id)
    assert (fetched.id, fetched.name, fetched.location) == (event.id, "Watch party", "Truham Grammar")
    assert fetched.start_time == event.start_time > sandbox.now()
    assert fetched.creator_id == sandbox.bot_user.id


async def test_a_scheduled_event_can_be_renamed(running: RunningBot, sandbox: Sandbox) -> None:
    guild = general(running, sandbox).guild
    event = await watch_party(guild, sandbox)
    edited = await event.edit(name="Season 3 watch party")
    assert edited.name == "Season 3 watch party"
    assert (await guild.fetch_scheduled_event(event.id)).name == "Season 3 watch party"


async def test_a_deleted_scheduled_event_is_gone(running: RunningBot, sandbox: Sandbox) -> None:
    guild = general(running, sandbox).guild
    event = await watch_party(guild, sandbox)
    await event.delete()
    with pytest.raises(discord.NotFound):
        await guild.fetch_scheduled_event(event.id)


async def test_create_events_covers_editing_and_deleting_the_bots_own_events(
    tmp_path: Path, canon: Canon
) -> None:
    permissions = discord.Permissions(view_channel=True, send_messages=True, create_events=True)
    async with bot_with(permissions, tmp_path, canon) as (sandbox, running):
        event = await watch_party(general(running, sandbox).guild, sandbox)
        edited = await event.edit(name="Season 3 watch party")
        await edited.delete()
        assert sandbox.scheduled_events == {}
        assert sandbox.violations == []


# -- the wire -------------------------------------------------------------------------------------------


async def test_every_json_answer_says_exactly_application_json(
    sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    bot_auth = {"Authorization": f"Bot {sandbox.token}"}
    answers = []
    for path, headers in [("/users/@me", bot_auth), ("/channels/1", bot_auth), ("/users/@me", {})]:
        async with http.get(sandbox.api_url + path, headers=headers) as response:
            answers.append((response.status, response.headers["Content-Type"]))
    assert answers == [(200, "application/json"), (404, "application/json"), (401, "application/json")]


async def test_ids_are_snowflakes(running: RunningBot, sandbox: Sandbox, http: aiohttp.ClientSession) -> None:
    channel_id = sandbox.channel("general").id
    headers = {"Authorization": f"Bot {sandbox.token}"}
    async with http.post(
        f"{sandbox.api_url}/channels/{channel_id}/messages", json={"content": "hi"}, headers=headers
    ) as response:
        message = await response.json()
    ids = [message["id"], message["channel_id"], message["guild_id"], message["author"]["id"]]
    assert [value for value in ids if not is_wire_snowflake(value, sandbox.now())] == []


async def test_ids_made_after_the_clock_moved_carry_the_sandboxs_time(
    running: RunningBot, sandbox: Sandbox
) -> None:
    await sandbox.advance(timedelta(days=2))
    channel = general(running, sandbox)
    webhook = await channel.create_webhook(name="Nick")
    thread = await channel.create_thread(name="Later", type=discord.ChannelType.public_thread)
    event = await watch_party(channel.guild, sandbox)
    assert [made.id for made in (webhook, thread, event) if not made_near(made.id, sandbox.now())] == []


@pytest.mark.parametrize("status", [429, 500], ids=["rate-limited", "server-error"])
async def test_a_failed_send_is_retried_and_the_message_still_arrives(
    running: RunningBot, sandbox: Sandbox, status: int
) -> None:
    channel = general(running, sandbox)
    sandbox.fail_requests("POST", r"/channels/\d+/messages$", status)
    sent = await channel.send("Patience")
    assert requests_to(sandbox, "POST", f"/channels/{channel.id}/messages") == 2
    assert [(o.message, o.content) for o in sandbox.observations] == [(sent.id, "Patience")]


@pytest.mark.parametrize(
    ("status", "error", "code"),
    [
        (400, discord.HTTPException, 50035),
        (403, discord.Forbidden, 50013),
        (503, discord.DiscordServerError, 0),
    ],
    ids=["bad-request", "forbidden", "unavailable"],
)
async def test_an_injected_error_reaches_the_bot_as_discord_gives_it(
    running: RunningBot, sandbox: Sandbox, status: int, error: type[discord.HTTPException], code: int
) -> None:
    channel = general(running, sandbox)
    sandbox.fail_requests("POST", r"/channels/\d+/messages$", status)
    with pytest.raises(error) as refused:
        await channel.send("Not today")
    assert (refused.value.status, refused.value.code) == (status, code)
    assert sandbox.observations == []


async def test_an_injected_network_failure_drops_the_connection(
    running: RunningBot, sandbox: Sandbox
) -> None:
    from bot.sandbox.rest import DROP

    channel = general(running, sandbox)
    sandbox.fail_requests("POST", r"/channels/\d+/messages$", DROP)
    with pytest.raises(aiohttp.ClientError):
        await channel.send("Hello?")
    assert sandbox.observations == []
    assert (await channel.send("Back")).content == "Back"  # the next request goes through


async def test_an_unknown_route_is_not_found_and_recorded(running: RunningBot, sandbox: Sandbox) -> None:
    assert running.bot is not None
    with pytest.raises(discord.NotFound):
        await running.bot.http.request(Route("GET", "/guilds/{guild_id}/bans", guild_id=sandbox.guild.id))
    assert take_violations(sandbox) == [f"unknown route GET /guilds/{sandbox.guild.id}/bans"]


@pytest.mark.parametrize("body", [{"content": 5}, {"embeds": "x"}])
async def test_a_body_the_api_description_rejects_is_refused(
    running: RunningBot, sandbox: Sandbox, body: dict[str, Any]
) -> None:
    if sandbox.spec is None:
        pytest.skip("Discord's OpenAPI description (or jsonschema) is absent, so bodies are not checked")
    assert running.bot is not None
    route = Route("POST", "/channels/{channel_id}/messages", channel_id=sandbox.channel("general").id)
    with pytest.raises(discord.HTTPException) as refused:
        await running.bot.http.request(route, json=body)
    assert (refused.value.status, refused.value.code) == (400, 50035)
    [violation] = take_violations(sandbox)
    assert "the API description rejects the body" in violation
    assert sandbox.observations == []


async def test_a_wrong_bot_token_is_unauthorized(sandbox: Sandbox, http: aiohttp.ClientSession) -> None:
    headers = {"Authorization": "Bot not-the-token"}
    async with http.get(f"{sandbox.api_url}/users/@me", headers=headers) as response:
        assert response.status == 401
        assert (await response.json())["message"] == "401: Unauthorized"
