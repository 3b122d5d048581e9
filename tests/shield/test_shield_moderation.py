"""Moderators can audit the shield, and authors learn privately why: reports in the log channel, the
server's terms, the settings overview, and the DMs. Through the sandbox, asserting on what users see."""

from __future__ import annotations

from pathlib import Path

import discord

from bot.sandbox.harness import Actor, RunningBot
from bot.sandbox.observe import Observation
from bot.sandbox.server import Sandbox
from bot.spoilers import spoilered_parts, visible_text
from tests.shield.test_shield_end_to_end import SPOILER, ask, shield_on

PLOT = "louvre"
WORDS_HIDDEN = "||“charlie fainting at the louvre”||"


async def with_log_channel(sandbox: Sandbox, mode: str = "wrap") -> Actor:
    admin = Actor(sandbox, "admin")
    await ask(admin, "/config log-channel channel:#mod-log")
    await shield_on(sandbox, mode=mode)
    return admin


def reports(sandbox: Sandbox) -> list[Observation]:
    return [o for o in sandbox.observations if o.channel == "mod-log" and o.action == "send"]


def private_to(sandbox: Sandbox, user: str) -> list[Observation]:
    return [o for o in sandbox.observations if o.channel is None and o.visible_to == user]


# -- the log channel -------------------------------------------------------------------------------------


async def test_every_wrap_is_reported_with_the_episode_the_hidden_words_and_a_link(
    sandbox: Sandbox, running: RunningBot, bob: Actor
) -> None:
    admin = await with_log_channel(sandbox)
    await bob.say(SPOILER)
    repost = await bob.wait_to_see(lambda o: o.author == "Bob")
    report = await admin.wait_to_see(lambda o: o.channel == "mod-log")
    assert report.content.startswith("🛡️ Wrapped a spoiler from **S2E5 · Heat**")
    assert WORDS_HIDDEN in report.content
    assert PLOT not in visible_text(report.content)
    assert report.content.endswith(f"/{sandbox.channel('general').id}/{repost.message}")
    assert report.pings == []


async def test_not_a_spoiler_is_reported_with_who_put_it_back(
    sandbox: Sandbox, running: RunningBot, bob: Actor
) -> None:
    admin = await with_log_channel(sandbox)
    await bob.say(SPOILER)
    repost = await bob.wait_to_see(lambda o: o.author == "Bob")
    await admin.click("Not a spoiler")
    report = await admin.wait_to_see(lambda o: o.channel == "mod-log" and "put back" in o.content)
    admin_id, bob_id = sandbox.user("admin").id, sandbox.user("bob").id
    assert report.content.startswith(f"↩️ <@{admin_id}> put back <@{bob_id}>'s message (Not a spoiler)")
    assert report.content.endswith(f"/{repost.message}")
    assert report.pings == []


async def test_warn_mode_with_closed_dms_tells_the_log_channel(
    sandbox: Sandbox, running: RunningBot, bob: Actor
) -> None:
    admin = await with_log_channel(sandbox, mode="warn")
    sandbox.refuse_dms("bob")
    await bob.say(SPOILER)
    report = await admin.wait_to_see(lambda o: o.channel == "mod-log")
    assert "couldn't tell them privately (their DMs are closed)" in report.content
    assert WORDS_HIDDEN in report.content
    await sandbox.idle()
    assert [o.author for o in sandbox.observations if o.channel == "general"] == ["heartbot"] * 2 + ["bob"]


async def test_log_mode_without_a_log_channel_is_refused_with_the_fix(
    sandbox: Sandbox, running: RunningBot
) -> None:
    admin = Actor(sandbox, "admin")
    refusal = await ask(admin, "/config shield channel:#general mode:log")
    assert refusal.visible_to == "admin"
    assert "`/config log-channel`" in refusal.content
    assert len(refusal.content) < 200
    settings = await ask(admin, "/config show")
    assert "Shield: off everywhere" in settings.content  # nothing was stored


# -- the server's own terms ------------------------------------------------------------------------------


async def test_shield_terms_are_listed_hidden_and_paged(sandbox: Sandbox, running: RunningBot) -> None:
    admin = Actor(sandbox, "admin")
    empty = await ask(admin, "/config shield-term list")
    assert empty.content.startswith("This server has no spoiler terms of its own")
    terms = [
        f"term {n:02} where nick finally tells his whole family the truth at the big dinner"
        for n in range(30)
    ]
    for term in terms:
        await ask(admin, f'/config shield-term add phrase:"{term}" episode:S2E2')
    first = await ask(admin, "/config shield-term list")
    assert first.visible_to == "admin"
    assert "(30)" in first.content
    assert "Page 1 of 2" in first.content
    assert first.buttons == ["Next"]
    await admin.click("Next")
    second = await admin.wait_to_see(lambda o: o.action == "edit" and "Page 2 of 2" in o.content)
    assert second.buttons == ["Previous"]
    listed = spoilered_parts(first.content) + spoilered_parts(second.content)
    assert listed == [f"“{term}”" for term in terms]  # every term, each behind a spoiler
    assert "nick" not in visible_text(first.content) + visible_text(second.content)
    assert all(len(page.content) <= 2000 for page in (first, second))


# -- /config show ----------------------------------------------------------------------------------------


async def test_config_show_says_when_wrap_falls_back_to_warn(sandbox: Sandbox, running: RunningBot) -> None:
    admin = await shield_on(sandbox)
    settings = await ask(admin, "/config show")
    assert "falls back" not in settings.content
    lacking = discord.Permissions(view_channel=True, send_messages=True, manage_messages=True)
    await sandbox.set_bot_permissions(lacking.value)
    await sandbox.idle()
    settings = await ask(admin, "/config show")
    assert (
        "⚠️ Wrap falls back to warn everywhere: I don't have the Manage Webhooks permission in this server."
        in settings.content
    )


async def test_config_show_says_which_readers_the_shield_uses(sandbox: Sandbox, running: RunningBot) -> None:
    admin = await shield_on(sandbox)
    settings = await ask(admin, "/config show")
    assert "Shield readers: the lexicon and the semantic reader" in settings.content


async def test_with_the_semantic_reader_off_config_show_says_the_lexicon_reads_alone(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    async with RunningBot(sandbox, tmp_path / "off.db", shield_semantic=False):
        admin = await shield_on(sandbox)
        settings = await ask(admin, "/config show")
    assert (
        "Shield readers: the lexicon alone; the semantic reader is turned off (SHIELD_SEMANTIC=off)"
        in settings.content
    )


# -- what the author is told -----------------------------------------------------------------------------


async def test_the_author_of_a_wrapped_message_is_told_privately_why(
    sandbox: Sandbox, running: RunningBot, bob: Actor
) -> None:
    await shield_on(sandbox)
    await bob.say(SPOILER)
    told = await bob.wait_to_see(lambda o: o.channel is None)
    assert told.visible_to == "bob"
    assert "**S2E5 · Heat**" in told.content
    assert "“charlie fainting at the louvre”" in told.content
    assert "`||like this||`" in told.content
    assert spoilered_parts(told.content) == []  # the syntax shows as code, not as a hidden box
    assert "**Not a spoiler**" in told.content


async def test_with_closed_dms_the_author_is_not_pinged_in_the_channel_instead(
    sandbox: Sandbox, running: RunningBot, bob: Actor
) -> None:
    await shield_on(sandbox)
    sandbox.refuse_dms("bob")
    await bob.say(SPOILER)
    await bob.wait_to_see(lambda o: o.author == "bob" and o.action == "delete")
    await sandbox.idle()
    in_general = [(o.author, o.action) for o in sandbox.observations if o.channel == "general"]
    assert in_general == [("heartbot", "send"), ("bob", "send"), ("Bob", "send"), ("bob", "delete")]
    assert not any(o.pings for o in sandbox.observations)
    assert private_to(sandbox, "bob") == []


async def test_the_warning_quotes_the_words_and_shows_spoiler_tags_as_code(
    sandbox: Sandbox, running: RunningBot, bob: Actor
) -> None:
    await shield_on(sandbox, mode="warn")
    await bob.say(SPOILER)
    warning = await bob.wait_to_see(lambda o: o.channel is None)
    assert "“charlie fainting at the louvre”" in warning.content
    assert "`||like this||`" in warning.content
    assert spoilered_parts(warning.content) == []
