"""The shield never fails open: long messages are reposted in parts, and when reposting fails the author's
words are kept elsewhere before the original goes. Through the sandbox, asserting on what users see."""

from __future__ import annotations

import logging

import pytest

from bot.sandbox.harness import Actor, RunningBot
from bot.sandbox.rest import DROP
from bot.sandbox.server import Sandbox
from bot.sandbox.world import Message
from bot.spoilers import spoilered_parts, visible_text
from tests.shield.test_shield_end_to_end import SPOILER, ask, shield_on

FILLER = "my cat sat on the keyboard again today, which was very rude of her. "
PLOT = "louvre"  # in SPOILER: a reader who has not watched S2E5 must never see it without a click
WEBHOOK_EXECUTE = r"^/webhooks/\d+/[^/]+$"
CONTENT_MAX = 2000


def long_message(length: int) -> str:
    """Exactly `length` characters of everyday chatter with the spoiler on a line in the middle."""
    chatter = FILLER * (length // len(FILLER) + 1)
    head = chatter[: (length - len(SPOILER)) // 2 - 1].rstrip()
    tail = chatter[: length - len(head) - len(SPOILER) - 2]
    text = f"{head}\n{SPOILER}\n{tail}"
    assert len(text) == length
    return text


def words(*texts: str) -> list[str]:
    """The words of some messages, spoiler tags and zero-width spaces aside: what a reader can get at."""
    return " ".join(texts).replace("\u200b", "").replace("||", "").split()


def showing(sandbox: Sandbox, channel: str = "general") -> list[Message]:
    """The messages in a channel now, in order, as everyone there sees them."""
    channel_id = sandbox.channel(channel).id
    return [m for m in sandbox.messages.values() if m.channel_id == channel_id and m.visible_to is None]


def dms(sandbox: Sandbox, user: str) -> list[str]:
    channel_id = sandbox.dm_channel(sandbox.user(user)).id
    return [m.content for m in sandbox.messages.values() if m.channel_id == channel_id]


def by(messages: list[Message], author: str) -> list[Message]:
    return [m for m in messages if m.author.get("username") == author]


def no_spoiler_visible(messages: list[Message]) -> bool:
    return all(PLOT not in visible_text(m.content) for m in messages)


async def posted_and_settled(sandbox: Sandbox, bob: Actor, text: str, timeout: float = 15.0) -> Message:
    """bob posts `text`; returns once the shield has dealt with it (the original gone, or a report made)."""
    original = await sandbox.say("bob", text)
    await sandbox.wait_for(lambda: original.id not in sandbox.messages, timeout)
    await sandbox.idle()
    return original


# -- long messages ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("length", [1999, 4000], ids=["1999", "4000-nitro"])
async def test_a_long_spoiler_is_reposted_in_parts_that_hide_it_and_keep_every_word(
    sandbox: Sandbox, running: RunningBot, bob: Actor, length: int
) -> None:
    await shield_on(sandbox)
    text = long_message(length)
    await posted_and_settled(sandbox, bob, text)
    channel = showing(sandbox)
    parts = by(channel, "Bob")
    assert channel == parts  # the original is gone; only the repost shows
    assert len(parts) >= 2
    assert all(len(part.content) <= CONTENT_MAX for part in parts)
    assert no_spoiler_visible(channel)
    assert words(*(part.content for part in parts)) == words(text)
    assert [bool(part.components) for part in parts] == [False] * (len(parts) - 1) + [True]
    assert sandbox.violations == []


async def test_not_a_spoiler_on_a_1999_character_repost_puts_back_one_message(
    sandbox: Sandbox, running: RunningBot, bob: Actor
) -> None:
    await shield_on(sandbox)
    text = long_message(1999)
    await posted_and_settled(sandbox, bob, text)
    assert len(by(showing(sandbox), "Bob")) == 2
    await bob.click("Not a spoiler")
    await sandbox.wait_for(lambda: len(by(showing(sandbox), "Bob")) == 1)
    [restored] = by(showing(sandbox), "Bob")
    assert (restored.content, restored.components) == (text, [])


async def test_not_a_spoiler_on_a_4000_character_repost_puts_back_every_word_in_order(
    sandbox: Sandbox, running: RunningBot, bob: Actor
) -> None:
    await shield_on(sandbox)
    text = long_message(4000)
    await posted_and_settled(sandbox, bob, text)
    reposted = len(by(showing(sandbox), "Bob"))
    await bob.click("Not a spoiler")
    await sandbox.wait_for(lambda: not any(m.components for m in showing(sandbox)))
    await sandbox.idle()
    restored = by(showing(sandbox), "Bob")
    assert 2 <= len(restored) <= reposted  # 4,000 characters need two messages at least
    assert [spoilered_parts(m.content) for m in restored] == [[]] * len(restored)  # nothing wrapped now
    assert words(*(m.content for m in restored)) == words(text)


# -- when reposting fails --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("length", "status"),
    [(1999, 400), (4000, 503), (len(SPOILER), 403), (len(SPOILER), DROP)],
    ids=["1999-bad-request", "4000-unavailable", "forbidden", "network"],
)
async def test_when_reposting_fails_the_author_gets_their_words_wrapped_and_the_spoiler_goes(
    sandbox: Sandbox, running: RunningBot, bob: Actor, length: int, status: int
) -> None:
    await shield_on(sandbox)
    sandbox.fail_requests("POST", WEBHOOK_EXECUTE, status, times=10)  # every retry fails too
    text = SPOILER if length == len(SPOILER) else long_message(length)
    await posted_and_settled(sandbox, bob, text)
    assert showing(sandbox) == []  # no spoiler left up, and no half-posted repost
    intro, *kept = dms(sandbox, "bob")
    assert "I removed your message" in intro
    assert "S2E5 · Heat" in intro
    assert "`||like this||`" in intro
    assert kept
    assert all(len(part) <= CONTENT_MAX for part in kept)
    assert all(PLOT not in visible_text(part) for part in kept)  # wrapped, as they would repost it
    assert words(*kept) == words(text)


async def test_when_reposting_fails_and_dms_are_closed_moderators_keep_the_words(
    sandbox: Sandbox, running: RunningBot, bob: Actor
) -> None:
    admin = await shield_on(sandbox)
    await ask(admin, "/config log-channel channel:#mod-log")
    sandbox.refuse_dms("bob")
    sandbox.fail_requests("POST", WEBHOOK_EXECUTE, 400)
    text = long_message(1999)
    await posted_and_settled(sandbox, bob, text)
    assert showing(sandbox) == []
    report, *kept = [m.content for m in showing(sandbox, "mod-log")]
    assert report.startswith("🛡️ Removed a spoiler from **S2E5 · Heat**")
    assert "Discord answered 400" in report
    assert PLOT not in visible_text(report)
    assert words(*kept) == words(text)
    assert no_spoiler_visible(showing(sandbox, "mod-log"))


async def test_when_the_words_can_be_kept_nowhere_the_message_stays_and_the_owner_is_told(
    sandbox: Sandbox, running: RunningBot, bob: Actor
) -> None:
    await shield_on(sandbox)
    sandbox.refuse_dms("bob")
    sandbox.fail_requests("POST", WEBHOOK_EXECUTE, 400)
    original = await sandbox.say("bob", SPOILER)
    notice = await Actor(sandbox, "owner").wait_to_see(lambda o: o.channel is None)
    await sandbox.idle()
    assert notice.content.startswith("In **Heartstopper Fans**: ⚠️ A spoiler from **S2E5 · Heat**")
    assert "still visible" in notice.content
    assert PLOT not in visible_text(notice.content)
    assert [m.id for m in showing(sandbox)] == [original.id]  # nothing the author wrote is lost


async def test_a_transient_server_error_is_retried_and_the_repost_arrives(
    sandbox: Sandbox, running: RunningBot, bob: Actor
) -> None:
    await shield_on(sandbox)
    sandbox.fail_requests("POST", WEBHOOK_EXECUTE, 502)
    await posted_and_settled(sandbox, bob, SPOILER)
    [repost] = showing(sandbox)
    assert repost.content == "||charlie fainting at the louvre|| 😭"
    assert not [text for text in dms(sandbox, "bob") if "I removed your message" in text]


async def test_spoiler_wrap_message_that_cannot_repost_says_where_the_words_went(
    sandbox: Sandbox, running: RunningBot, bob: Actor
) -> None:
    message = await sandbox.say("bob", "i can't believe what happened to nick's dad")
    sandbox.fail_requests("POST", WEBHOOK_EXECUTE, 400)
    interaction = await sandbox.apply("bob", "Spoiler-wrap message", message)
    await sandbox.acknowledged(interaction)
    answer = await bob.wait_to_see(lambda o: o.channel == "general" and o.visible_to == "bob" and o.content)
    assert answer.content.startswith("I couldn't repost it wrapped, so I removed it")
    await sandbox.wait_for(lambda: message.id not in sandbox.messages)
    assert showing(sandbox) == []
    assert words(*dms(sandbox, "bob")[1:]) == words(message.content)


async def test_in_a_thread_a_long_repost_and_its_restoring_stay_in_the_thread(
    sandbox: Sandbox, running: RunningBot, bob: Actor
) -> None:
    await shield_on(sandbox)
    thread = await sandbox.start_thread("bob", "episode chat")
    text = long_message(4000)
    original = await sandbox.say("bob", text, thread.name)
    await sandbox.wait_for(lambda: original.id not in sandbox.messages)
    await sandbox.idle()
    parts = showing(sandbox, thread.name)
    assert len(parts) >= 2
    assert no_spoiler_visible(parts)
    await bob.click("Not a spoiler", thread.name)
    await sandbox.wait_for(lambda: not any(m.components for m in showing(sandbox, thread.name)))
    await sandbox.idle()
    assert words(*(m.content for m in showing(sandbox, thread.name))) == words(text)
    assert showing(sandbox) == []  # nothing landed in the channel itself


async def test_a_failed_repost_is_logged_with_ids_never_the_words(
    sandbox: Sandbox, running: RunningBot, bob: Actor, caplog: pytest.LogCaptureFixture
) -> None:
    await shield_on(sandbox)
    sandbox.fail_requests("POST", WEBHOOK_EXECUTE, 400)
    caplog.set_level(logging.INFO)
    original = await posted_and_settled(sandbox, bob, SPOILER)
    [failure] = [r for r in caplog.records if r.getMessage().startswith("Could not repost")]
    assert failure.levelno == logging.WARNING
    assert str(original.id) in failure.getMessage()
    assert "Discord answered 400" in failure.getMessage()
    assert not [r for r in caplog.records if PLOT in r.getMessage()]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
