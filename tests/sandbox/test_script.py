"""Sandbox scripts, as a person or a test writes them: one action a line, JSON lines out."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import NamedTuple

import pytest

from bot.canon import Canon, EpisodeCode
from bot.core.settings import PROJECT_ROOT
from bot.sandbox.cli import run_sandbox_session
from bot.sandbox.commands import ScriptError
from bot.sandbox.harness import RunningBot
from bot.sandbox.script import ScriptRunner, parse_duration
from bot.sandbox.server import Sandbox
from bot.spoilers import visible_text
from tests.conftest import EXTRA_COMMANDS


async def _lines(text: str) -> AsyncIterator[tuple[int, str]]:
    for number, line in enumerate(text.splitlines(), start=1):
        yield number, line


async def run(sandbox: Sandbox, bot: RunningBot, script: str) -> tuple[int, list[dict], str]:
    out, err = io.StringIO(), io.StringIO()
    status = await ScriptRunner(sandbox, bot, out=out, err=err).run(_lines(script))
    return status, [json.loads(line) for line in out.getvalue().splitlines()], err.getvalue()


def sandbox_cli(
    *args: str, stdin: str | None = None, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """`python -m bot sandbox ARGS` as a person runs it, in a clean environment. Seconds each (a process
    loads the show and builds the shield's readers): what only a process shows (the command line, exit
    codes, nothing stray on its output) is checked this way; the scripts below run in this process."""
    return subprocess.run(
        [sys.executable, "-m", "bot", "sandbox", *args],
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={"PATH": "/usr/bin:/bin", **(env or {})},
    )


def test_help_from_standard_input_prints_what_alice_sees() -> None:
    """The acceptance check: `echo 'alice: /help' | python -m bot sandbox`."""
    result = sandbox_cli(stdin="alice: /help\n")
    assert result.returncode == 0, result.stderr
    [line] = result.stdout.splitlines()
    seen = json.loads(line)
    assert seen["visible_to"] == "alice"
    assert seen["channel"] == "general"
    assert seen["author"] == "heartbot"
    assert seen["action"] == "send"
    assert "`/help`: List every command with what it does." in seen["embeds"][0]["description"]
    assert set(seen) == {
        "at",
        "channel",
        "visible_to",
        "author",
        "action",
        "message",
        "content",
        "embeds",
        "buttons",
    }


class Session(NamedTuple):
    returncode: int
    stdout: str
    stderr: str


async def sandbox_session(
    capsys: pytest.CaptureFixture[str], script: Path | None, database: Path | None = None
) -> Session:
    """What `python -m bot sandbox [--script SCRIPT] [--db DATABASE]` runs, in this process: its exit
    status and what it printed, off a terminal (JSON lines). No script: standard input's lines."""
    capsys.readouterr()  # only this session's output
    status = await run_sandbox_session(script, database)
    out, err = capsys.readouterr()
    return Session(status, out, err)


def test_script_file_and_its_errors_with_line_numbers(tmp_path: Path) -> None:
    script = tmp_path / "demo.txt"
    script.write_text("# greet\nalice: /nope\nbob: hi\nwait soon\n")
    result = sandbox_cli("--script", str(script), "--db", str(tmp_path / "s.db"))
    assert result.returncode == 1
    unknown, duration = result.stderr.splitlines()
    assert unknown.startswith("line 2: unknown command /nope; the bot has: help, about, progress")
    assert duration == "line 4: cannot read the duration 'soon'; write it like 1h30m, 45m or 2d"
    [line] = result.stdout.splitlines()
    assert json.loads(line)["content"] == "hi"
    assert (tmp_path / "s.db").exists()


async def test_messages_channels_and_comments(sandbox: Sandbox, running: RunningBot) -> None:
    status, seen, err = await run(
        sandbox, running, "# a comment\nbob: hello\nin #s2-spoilers\nadmin: hi all\n"
    )
    assert (status, err) == (0, "")
    assert [(s["channel"], s["author"], s["content"], s["visible_to"]) for s in seen] == [
        ("general", "bob", "hello", "everyone"),
        ("s2-spoilers", "admin", "hi all", "everyone"),
    ]


async def test_wait_moves_the_clock(sandbox: Sandbox, running: RunningBot) -> None:
    before = sandbox.now()
    status, _, _ = await run(sandbox, running, "wait 1h30m")
    assert status == 0
    assert sandbox.now() - before >= timedelta(hours=1, minutes=30)


async def test_restart_then_commands_still_work(sandbox: Sandbox, running: RunningBot) -> None:
    status, seen, err = await run(sandbox, running, "restart\nalice: /help\n")
    assert (status, err) == (0, "")
    assert [s["visible_to"] for s in seen] == ["alice"]


async def test_bad_lines_fail_the_script_but_the_rest_runs(sandbox: Sandbox, running: RunningBot) -> None:
    status, seen, err = await run(sandbox, running, "just words\nalice: click Going\nbob: hi\n")
    assert status == 1
    assert err.splitlines() == [
        "line 1: cannot read 'just words'; expected 'user: action', 'in #channel', 'wait 1h' or 'restart'; "
        "type help for every verb",
        "line 2: alice sees no button labelled 'Going'",
    ]
    assert [s["content"] for s in seen] == ["hi"]


async def test_a_broken_discord_rule_fails_the_script(sandbox: Sandbox, tmp_path: Path) -> None:
    async with RunningBot(sandbox, tmp_path / "db", extensions=(EXTRA_COMMANDS,)) as bot:
        status, _, err = await run(sandbox, bot, "alice: /late\nwait 5s\n")
    assert status == 1
    assert "line 1: the bot did not answer within 3 seconds" in err
    assert "the bot broke a Discord rule: interaction" in err
    sandbox.violations.clear()  # broken on purpose


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("45m", timedelta(minutes=45)),
        ("2d", timedelta(days=2)),
        ("10s", timedelta(seconds=10)),
        ("1h 30m", timedelta(hours=1, minutes=30)),
    ],
)
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "soon", "1x", "h1", "1h30"])
def test_unreadable_durations(text: str) -> None:
    with pytest.raises(ScriptError, match="cannot read the duration"):
        parse_duration(text)


async def test_the_spoiler_example_script(canon: Canon, capsys: pytest.CaptureFixture[str]) -> None:
    """examples/spoilers.txt: alice on S2E4 looks up S2E5 and S2E3, privately and shared, and reveals."""
    result = await sandbox_session(capsys, PROJECT_ROOT / "examples" / "spoilers.txt")
    assert result.returncode == 0, result.stderr
    seen = [json.loads(line) for line in result.stdout.splitlines()]
    replies = [s for s in seen if s["author"] == "heartbot" and not s["content"].startswith("Got it")]
    private_s2e5, private_s2e3, shared_s2e3, reveal_s2e3, shared_s2e5, reveal_s2e5 = replies

    def text(observation: dict) -> str:
        embed = observation["embeds"][0]
        fields = "\n".join(f"{f['name']}\n{f['value']}" for f in embed["fields"])
        return "\n".join(filter(None, [embed["title"], embed["description"], fields]))

    s2e3, s2e5 = canon.episode(EpisodeCode(2, 3)), canon.episode(EpisodeCode(2, 5))
    assert s2e3 is not None
    assert s2e5 is not None
    assert private_s2e5["visible_to"] == "alice"
    assert private_s2e5["embeds"][0]["title"] == "S2E5 · Heat"
    assert s2e5.logline in visible_text(text(private_s2e5))
    assert all(b.text not in visible_text(text(private_s2e5)) for b in s2e5.beats)
    assert all(b.text in visible_text(text(private_s2e3)) for b in s2e3.beats)
    for shared, episode in [(shared_s2e3, s2e3), (shared_s2e5, s2e5)]:
        assert (shared["visible_to"], shared["channel"], shared["buttons"]) == (
            "everyone",
            "general",
            ["Reveal for me"],
        )
        assert all(b.text not in visible_text(text(shared)) for b in episode.beats)
    assert reveal_s2e3["visible_to"] == "alice"
    assert all(b.text in visible_text(text(reveal_s2e3)) for b in s2e3.beats)
    assert all(b.text not in visible_text(text(reveal_s2e5)) for b in s2e5.beats)


async def test_the_shield_example_script(capsys: pytest.CaptureFixture[str]) -> None:
    """examples/shield.txt: the shield wraps bob's spoiler in #general, not in #s2-spoilers; never prom."""
    result = await sandbox_session(capsys, PROJECT_ROOT / "examples" / "shield.txt")
    assert result.returncode == 0, result.stderr
    seen = [json.loads(line) for line in result.stdout.splitlines()]
    members = [
        (s["channel"], s["author"], s["action"], s["content"]) for s in seen if s["author"] != "heartbot"
    ]
    assert members == [
        ("general", "bob", "send", "charlie fainting at the louvre 😭"),
        ("general", "Bob", "send", "||charlie fainting at the louvre|| 😭"),
        ("general", "bob", "delete", "charlie fainting at the louvre 😭"),
        ("general", "bob", "send", "prom is friday!!"),
        ("s2-spoilers", "bob", "send", "charlie fainting at the louvre 😭"),
        ("s2-spoilers", "bob", "send", "prom is friday!!"),
    ]


def _party_story(seen: list[dict]) -> list[tuple[str, str, list[str]]]:
    """What bob is told in the party's thread or privately, in order: (kind, where, who was pinged)."""
    kinds = {
        "⏰": "reminder",
        "3... 2... 1... press play": "countdown",
        "That's S2E1-S2E2 done!": "prompt",
        "You've watched up to **S2E2 · Family**": "progress",
    }
    story = []
    for s in seen:
        for marker, kind in kinds.items():
            if marker in s["content"] and s["action"] == "send":
                story.append((kind, s["channel"], s.get("pings", [])))
    return story


async def test_the_watch_party_example_script(capsys: pytest.CaptureFixture[str]) -> None:
    """examples/watchparty.txt: bob's two reminders once each, the countdown, the prompt, then S2E2."""
    result = await sandbox_session(capsys, PROJECT_ROOT / "examples" / "watchparty.txt")
    assert result.returncode == 0, result.stderr
    seen = [json.loads(line) for line in result.stdout.splitlines()]
    assert _party_story(seen) == [
        ("reminder", "Watch party #1", ["alice", "bob"]),  # the host is Going unless she says otherwise
        ("reminder", "Watch party #1", ["alice", "bob"]),
        ("countdown", "Watch party #1", ["alice", "bob"]),
        ("prompt", "Watch party #1", ["alice", "bob"]),
        ("progress", "general", []),
    ]
    [prompt] = [s for s in seen if "done!" in s["content"]]
    assert prompt["buttons"] == ["Mark S2E1-S2E2 watched"]


async def test_a_restart_after_every_step_of_the_watch_party_loses_and_repeats_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = (PROJECT_ROOT / "examples" / "watchparty.txt").read_text(encoding="utf-8").splitlines()
    script = tmp_path / "restarts.txt"
    script.write_text("\n".join(f"{line}\nrestart" for line in lines if line and not line.startswith("#")))
    result = await sandbox_session(capsys, script, tmp_path / "party.db")
    assert result.returncode == 0, result.stderr
    seen = [json.loads(line) for line in result.stdout.splitlines()]
    kinds = [kind for kind, _, _ in _party_story(seen)]
    assert kinds == ["reminder", "reminder", "countdown", "prompt", "progress"]


def test_chat_on_request_when_not_on_a_terminal() -> None:
    result = sandbox_cli("--chat", stdin="alice: /help\nbob: hi\n")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("── ")
    assert lines[1] == "#general · heartbot [1] (only alice sees this):"
    assert "  ┃ heartbot commands" in lines
    assert lines[-1] == "#general · bob [2]: hi"


async def test_help_and_quit_from_standard_input(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("help\nquit\nbob: never\n"))  # not a terminal
    result = await sandbox_session(capsys, None)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert "down 2h" in result.stderr


def _as_read(json_lines: str) -> list[dict]:
    """What members saw, without what differs from run to run (ids, times)."""
    seen = []
    for line in json_lines.splitlines():
        message = json.loads(line)
        del message["at"], message["message"]
        seen.append(json.loads(re.sub(r"<t:\d+|\d{15,20}", "#", json.dumps(message))))
    return seen


@pytest.mark.timeout(180)
def test_the_watch_party_walk_through_reads_the_same_from_two_processes_one_killed_midway(
    postgres_url: str,
) -> None:
    """Issue 14's acceptance check: two bot processes holding shards 0,1 and 2,3 of 4, one PostgreSQL
    database, and the script's `restart` killing (kill -9) the one serving the server, then starting it."""
    script = str(PROJECT_ROOT / "examples" / "watchparty.txt")
    alone = sandbox_cli("--script", script, "--json")
    environment = {"DATABASE_URL": postgres_url, "SHIELD_SEMANTIC": "off"}
    shared = sandbox_cli("--script", script, "--json", "--processes", "2", env=environment, timeout=150)
    assert shared.returncode == 0, shared.stderr
    assert alone.returncode == 0, alone.stderr
    assert _as_read(shared.stdout) == _as_read(alone.stdout)
    assert any("Marked: you've watched up to **S2E2" in m["content"] for m in _as_read(shared.stdout))
