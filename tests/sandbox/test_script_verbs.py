"""The script language's verbs beyond commands and messages: help, quit, roles, permissions, edits,
deletes, threads, closed DMs, message app commands, and time that passes step by step or while the bot is
down. Each through the real bot, asserting on what users see."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest

from bot.sandbox.harness import RunningBot
from bot.sandbox.script import VERBS, ScriptRunner
from bot.sandbox.server import Sandbox

SPOILER = "charlie fainting at the louvre 😭"
PARTY = 'alice: /watchparty create episodes:S2E1-S2E2 start:"in 2 hours"\nbob: click "Going"\n'


async def _lines(text: str) -> AsyncIterator[tuple[int, str]]:
    for number, line in enumerate(text.splitlines(), start=1):
        yield number, line


async def run(
    sandbox: Sandbox, bot: RunningBot, script: str, *, chat: bool = False
) -> tuple[int, list[dict], str]:
    out, err = io.StringIO(), io.StringIO()
    status = await ScriptRunner(sandbox, bot, out=out, err=err, chat=chat).run(_lines(script))
    if chat:
        return status, [{"chat": out.getvalue()}], err.getvalue()
    return status, [json.loads(line) for line in out.getvalue().splitlines()], err.getvalue()


def when(observation: dict) -> datetime:
    return datetime.fromisoformat(observation["at"])


# -- help, quit, typing mistakes -------------------------------------------------------------------------


async def test_help_lists_every_verb(sandbox: Sandbox, running: RunningBot) -> None:
    status, [transcript], err = await run(sandbox, running, "help\n", chat=True)
    assert (status, err) == (0, "")
    for verb in ("wait", "down", "restart", "peek", "give", "take", "permissions", "edits", "quit"):
        assert verb in VERBS
        assert f"  {verb}" in transcript["chat"] or f" {verb} " in transcript["chat"]


async def test_help_keeps_json_output_parseable(sandbox: Sandbox, running: RunningBot) -> None:
    status, seen, err = await run(sandbox, running, "help\nbob: hi\n")
    assert status == 0
    assert [s["content"] for s in seen] == ["hi"]
    assert "wait 2h" in err


async def test_quit_stops_the_script(sandbox: Sandbox, running: RunningBot) -> None:
    status, seen, _ = await run(sandbox, running, "bob: one\nquit\nbob: two\n")
    assert status == 0
    assert [s["content"] for s in seen] == ["one"]


async def test_an_option_value_may_follow_a_space(sandbox: Sandbox, running: RunningBot) -> None:
    status, seen, err = await run(
        sandbox, running, "alice: /progress set episode: S2E3\nalice: /progress show\n"
    )
    assert (status, err) == (0, "")
    assert "S2E3" in seen[-1]["content"] + json.dumps(seen[-1]["embeds"])


async def test_unknown_verbs_and_commands_suggest_the_closest(sandbox: Sandbox, running: RunningBot) -> None:
    status, seen, err = await run(sandbox, running, "wiat 1h\nrestrat\nalice: /progres show\n")
    assert status == 1
    assert seen == []
    wait, restart, progress = err.splitlines()
    assert wait.startswith("line 1: cannot read 'wiat 1h'; did you mean 'wait'?")
    assert restart.startswith("line 2: cannot read 'restrat'; did you mean 'restart'?")
    assert progress.startswith("line 3: unknown command /progres; did you mean /progress?")


async def test_a_known_verb_written_wrongly_shows_how_to_write_it(
    sandbox: Sandbox, running: RunningBot
) -> None:
    status, _, err = await run(sandbox, running, "in general\nrestart now\n")
    assert status == 1
    assert err.splitlines() == [
        "line 1: cannot read 'in general'; write it like: in #spoilers",
        "line 2: cannot read 'restart now'; write it like: restart",
    ]


# -- roles and permissions -------------------------------------------------------------------------------


async def test_roles_are_given_and_taken(sandbox: Sandbox, running: RunningBot) -> None:
    status, seen, err = await run(
        sandbox,
        running,
        "give bob @Moderators\nbob: /config show\ntake bob @Moderators\nbob: /config show\n",
    )
    assert (status, err) == (0, "")
    allowed, refused = (s for s in seen if s["visible_to"] == "bob")
    assert "Shield" in allowed["content"]
    assert "Shield" not in refused["content"]


async def test_the_bots_permissions(sandbox: Sandbox, running: RunningBot) -> None:
    status, seen, err = await run(
        sandbox,
        running,
        "admin: /config shield channel:#general mode:wrap\n"
        "permissions heartbot: -manage_webhooks\nadmin: /config show\n",
    )
    assert (status, err) == (0, "")
    assert "I don't have the Manage Webhooks permission" in seen[-1]["content"]


async def test_a_members_permissions(sandbox: Sandbox, running: RunningBot) -> None:
    wrap = f'alice: {SPOILER}\nbob uses "Spoiler-wrap message" on last\n'
    status, seen, err = await run(sandbox, running, wrap + "permissions bob: +manage_messages\n" + wrap)
    assert (status, err) == (0, "")
    answers = [s["content"] for s in seen if s["visible_to"] == "bob"]
    assert answers[0].startswith("Only the author or a moderator")
    assert answers[1] == "Wrapped and reposted."


async def test_permissions_read_by_discords_names(sandbox: Sandbox, running: RunningBot) -> None:
    status, [transcript], err = await run(
        sandbox, running, "permissions @everyone: -embed_links\n", chat=True
    )
    assert (status, err) == (0, "")
    assert transcript["chat"].startswith("· @everyone may now: add_reactions, view_channel, send_messages")
    assert "read_messages" not in transcript["chat"]


async def test_bad_roles_and_permissions_change_nothing(sandbox: Sandbox, running: RunningBot) -> None:
    before = sandbox.bot_role.permissions
    status, seen, err = await run(
        sandbox,
        running,
        "give bob\npermissions heartbot: -manage_webhook\npermissions heartbot:\ntake bob @Nobody\n",
    )
    assert status == 1
    assert seen == []
    lines = err.splitlines()
    assert lines[0].startswith("line 1: give takes a member and a role")
    assert lines[1].startswith(
        "line 2: there is no permission 'manage_webhook'; did you mean manage_webhooks?"
    )
    assert lines[2].startswith("line 3: say which permissions")
    assert lines[3].startswith("line 4: bob does not have the role @Nobody")
    assert sandbox.bot_role.permissions == before


# -- messages, threads, DMs, app commands ----------------------------------------------------------------


async def test_members_edit_and_delete_their_messages(sandbox: Sandbox, running: RunningBot) -> None:
    status, seen, err = await run(
        sandbox, running, "bob: hi\nbob: second\nbob edits 1: hello\nbob deletes last\n"
    )
    assert (status, err) == (0, "")
    first, second = seen[0]["message"], seen[1]["message"]
    assert [(s["action"], s["message"], s["content"]) for s in seen[2:]] == [
        ("edit", first, "hello"),
        ("delete", second, "second"),
    ]


async def test_the_shield_reads_an_edit(sandbox: Sandbox, running: RunningBot) -> None:
    status, seen, err = await run(
        sandbox,
        running,
        f"admin: /config shield channel:#general mode:wrap\nbob: hi\nbob edits: {SPOILER}\n",
    )
    assert (status, err) == (0, "")
    assert any(s["author"] == "Bob" and s["content"].startswith("||") for s in seen)


async def test_nobody_edits_someone_elses_message(sandbox: Sandbox, running: RunningBot) -> None:
    status, seen, err = await run(sandbox, running, "bob: hi\nalice edits 1: hacked\nalice deletes 1\n")
    assert status == 1
    assert [s["action"] for s in seen] == ["send"]
    assert err.splitlines() == [
        "line 2: alice can only edit their own messages",
        "line 3: alice may delete only their own messages (or needs Manage Messages)",
    ]


async def test_a_thread_is_opened_and_the_script_moves_into_it(sandbox: Sandbox, running: RunningBot) -> None:
    status, seen, err = await run(
        sandbox, running, "bob opens thread: episode chat\nbob: in the thread\nin #general\nbob: back\n"
    )
    assert (status, err) == (0, "")
    assert [(s["channel"], s["content"]) for s in seen] == [
        ("episode chat", "in the thread"),
        ("general", "back"),
    ]


async def test_closed_dms_are_told_to_the_log_channel(sandbox: Sandbox, running: RunningBot) -> None:
    status, seen, err = await run(
        sandbox,
        running,
        "admin: /config log-channel channel:#mod-log\nadmin: /config shield channel:#general mode:warn\n"
        f"bob refuses DMs\nbob: {SPOILER}\n",
    )
    assert (status, err) == (0, "")
    [report] = [s for s in seen if s["channel"] == "mod-log" and s["action"] == "send"]
    assert "couldn't tell them privately (their DMs are closed)" in report["content"]


async def test_a_message_app_command(sandbox: Sandbox, running: RunningBot) -> None:
    status, seen, err = await run(sandbox, running, f'bob: {SPOILER}\nbob uses "Spoiler-wrap message" on 1\n')
    assert (status, err) == (0, "")
    assert any(s["author"] == "Bob" and s["content"].startswith("||") for s in seen)
    assert any(s["visible_to"] == "bob" and s["content"] == "Wrapped and reposted." for s in seen)


# -- time ------------------------------------------------------------------------------------------------


async def test_wait_steps_through_what_falls_due_in_order(sandbox: Sandbox, running: RunningBot) -> None:
    status, seen, err = await run(sandbox, running, PARTY + "wait 3h\n")
    assert (status, err) == (0, "")
    created = when(seen[0])
    reminders = [s for s in seen if "⏰" in s["content"]]
    [countdown] = [s for s in seen if "press play" in s["content"]]
    offsets = [when(s) - created for s in [*reminders, countdown]]
    assert [round(o.total_seconds() / 60) for o in offsets] == [60, 110, 120]
    assert sandbox.now() - created >= timedelta(hours=3)


async def test_the_chat_says_how_much_time_passed(sandbox: Sandbox, running: RunningBot) -> None:
    status, [transcript], _ = await run(sandbox, running, "wait 1d 2h\ndown 2h\n", chat=True)
    assert status == 0
    later, offline, back = transcript["chat"].splitlines()
    assert later.startswith("· 1d 2h later: ")
    assert offline == "· heartbot is offline for 2h"
    assert back.startswith("· heartbot is back at ")


async def test_down_keeps_the_bot_offline_while_time_passes(sandbox: Sandbox, running: RunningBot) -> None:
    status, seen, err = await run(sandbox, running, PARTY + "down 1h30m\nwait 30m\nalice: /help\n")
    assert (status, err) == (0, "")
    created = when(seen[0])
    late, on_time = (s for s in seen if "⏰" in s["content"])
    assert "(Late: I was offline when this was due.)" in late["content"]
    assert when(late) - created >= timedelta(hours=1, minutes=30)
    assert "(Late" not in on_time["content"]
    assert seen[-1]["visible_to"] == "alice"  # the bot answers again


async def test_an_unexpected_failure_is_one_line_and_logged(
    sandbox: Sandbox, running: RunningBot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(sandbox, "start_thread", broken)
    status, seen, err = await run(sandbox, running, "bob opens thread: chat\nbob: still here\n")
    assert status == 1
    assert err == "line 1: the sandbox failed on this line (an unexpected error, logged)\n"
    assert [s["content"] for s in seen] == ["still here"]
    assert "bob opens thread: chat" in caplog.text
    assert "boom" in caplog.text


async def test_a_json_script_names_a_message_by_its_id(sandbox: Sandbox, running: RunningBot) -> None:
    message = await sandbox.say("bob", "hi")
    status, seen, err = await run(sandbox, running, f"bob edits {message.id}: hello\n")
    assert (status, err) == (0, "")
    assert [(s["action"], s["content"]) for s in seen] == [("send", "hi"), ("edit", "hello")]


async def test_a_bot_that_does_not_come_back_is_said_plainly(
    sandbox: Sandbox, running: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def never_ready(*args: object, **kwargs: object) -> None:
        raise TimeoutError("the bot did not become ready in the sandbox")

    monkeypatch.setattr(running, "start", never_ready)
    status, _, err = await run(sandbox, running, "down 1h\nrestart\n")
    assert status == 1
    assert err.splitlines() == [
        "line 1: heartbot did not come back online in time",
        "line 2: heartbot did not come back online in time",
    ]
