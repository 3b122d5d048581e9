"""Discord's 3 seconds, end to end: a command whose work runs long is deferred in time, and the member then
sees its answer (never "The application did not respond")."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest

from bot.sandbox.harness import Actor, RunningBot
from bot.sandbox.server import Sandbox
from bot.sandbox.world import Interaction
from bot.spoilers import Reader

SLOW = timedelta(seconds=10)  # how long the patched progress read takes, on the sandbox's clock


@pytest.fixture
def slow_reads(running: RunningBot, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every progress read takes SLOW, as a database stuck behind a long write would: lookups read the
    reader's progress before they answer."""
    bot = running.bot
    read: Callable[[int], Awaitable[Reader]] = bot.progress.reader

    async def slow_read(user_id: int) -> Reader:
        await bot.clock.sleep_until(bot.clock.now() + SLOW)
        return await read(user_id)

    monkeypatch.setattr(bot.progress, "reader", slow_read)


async def deferred(sandbox: Sandbox, command: str, user: str = "alice") -> Interaction:
    """`user` runs `command`; 2.5 s pass and the bot must have acknowledged it, since its work is not done."""
    interaction = await sandbox.run_command(user, command)
    await sandbox.advance(timedelta(seconds=2.5))
    await sandbox.acknowledged(interaction)
    assert interaction.response_type == 5  # deferred: "heartbot is thinking…"
    return interaction


@pytest.mark.usefixtures("slow_reads")
async def test_a_slow_private_answer_is_deferred_privately_and_then_arrives(
    alice: Actor, bob: Actor, sandbox: Sandbox
) -> None:
    interaction = await deferred(sandbox, "episode episode:S2E5")
    assert interaction.ephemeral
    await sandbox.advance(SLOW)
    reply = await alice.reply_to(interaction)
    assert reply.message == interaction.original_message_id  # the deferred response became the answer
    assert (reply.visible_to, reply.embeds[0]["title"]) == ("alice", "S2E5 · Heat")
    assert bob.sees() == []


@pytest.mark.usefixtures("slow_reads")
async def test_a_slow_shared_answer_is_deferred_in_the_channel_and_then_posted(
    alice: Actor, bob: Actor, sandbox: Sandbox
) -> None:
    interaction = await deferred(sandbox, "episode episode:S2E5 share:true")
    assert not interaction.ephemeral
    await sandbox.advance(SLOW)
    reply = await alice.reply_to(interaction)
    assert reply.message == interaction.original_message_id
    assert reply.visible_to == "everyone"
    assert reply.buttons == ["Reveal for me"]
    assert [o.message for o in bob.sees()] == [interaction.original_message_id]


@pytest.mark.usefixtures("slow_reads")
async def test_a_slow_mistake_in_a_shared_command_is_answered_privately(
    alice: Actor, bob: Actor, sandbox: Sandbox
) -> None:
    """Deferred in the channel, for a post; the answer turns out to be a mistake, which only alice sees."""
    interaction = await deferred(sandbox, "character name:Zzyzx share:true")
    await sandbox.advance(SLOW)
    reply = await alice.wait_to_see(lambda o: o.content.startswith("I couldn't find a character"))
    assert reply.visible_to == "alice"
    await sandbox.idle()
    assert interaction.original_message_id not in sandbox.messages  # the channel's "thinking…" is gone
    assert [o.action for o in bob.sees()] == ["delete"]


async def test_a_quick_answer_is_not_deferred(alice: Actor, sandbox: Sandbox) -> None:
    interaction = await alice.run("/episode episode:S2E5")
    reply = await alice.reply_to(interaction)
    assert interaction.response_type == 4  # the answer itself was the acknowledgement
    assert reply.message == interaction.original_message_id
    await sandbox.advance(timedelta(seconds=5))
    await sandbox.idle()
    assert interaction.response_type == 4  # the watchdog was stopped by the answer: no second acknowledgement


@pytest.mark.usefixtures("slow_reads")
async def test_a_slow_button_is_deferred_and_its_answer_then_arrives(
    alice: Actor, bob: Actor, sandbox: Sandbox
) -> None:
    shared = await deferred(sandbox, "episode episode:S2E5 share:true")
    await sandbox.advance(SLOW)
    await alice.reply_to(shared)
    await sandbox.idle()
    press = await sandbox.click("bob", "Reveal for me")
    await sandbox.advance(timedelta(seconds=2.5))
    await sandbox.acknowledged(press)
    assert press.response_type == 6  # a deferred update: nothing shows until the answer
    await sandbox.advance(SLOW)
    reply = await bob.wait_to_see(lambda o: o.visible_to == "bob" and o.message > press.id)
    assert reply.embeds[0]["title"] == "S2E5 · Heat"


@pytest.mark.usefixtures("slow_reads")
async def test_every_slow_command_of_a_crowd_is_deferred_and_answered(sandbox: Sandbox) -> None:
    fans = [f"fan{n}" for n in range(12)]
    crowd = [await sandbox.run_command(fan, "episode episode:S2E5") for fan in fans]
    await sandbox.advance(timedelta(seconds=2.5))
    for interaction in crowd:
        await sandbox.acknowledged(interaction)
    assert [i.response_type for i in crowd] == [5] * len(crowd)
    await sandbox.advance(SLOW)
    for fan, interaction in zip(fans, crowd, strict=True):
        reply = await Actor(sandbox, fan).reply_to(interaction)
        assert (reply.message, reply.visible_to) == (interaction.original_message_id, fan)
