"""`python -m bot` as whoever hosts the bot runs it: real processes, real exit codes, real output."""

from __future__ import annotations

import asyncio
import os
import pty
import select
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.__main__ import sync
from bot.core.database import bundled_migrations
from bot.core.pg_schema import PgSchema
from bot.core.settings import Settings
from bot.sandbox.server import Sandbox

# Runs the real entry point with discord.py's REST base pointed at the local stand-in.
LAUNCH = (
    "import sys, discord.http; discord.http.Route.BASE = sys.argv[1]; "
    "from bot.__main__ import main; sys.exit(main(sys.argv[2:]))"
)


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """No inherited DISCORD_* or other settings: only what the test gives."""
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "xdg"),
        "XDG_CACHE_HOME": os.environ["XDG_CACHE_HOME"],  # the session's semantic bank cache (conftest)
        **extra,
    }


def run_bot(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`python -m bot ARGS`, or with args ("-c", LAUNCH, base_url) the entry point aimed at base_url."""
    command = [sys.executable, *args] if args[:1] == ("-c",) else [sys.executable, "-m", "bot", *args]
    return subprocess.run(
        command,
        cwd=tmp_path,
        env=clean_env(tmp_path, **env),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )


async def run_against_sandbox(
    sandbox: Sandbox, tmp_path: Path, *args: str, **env: str
) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        LAUNCH,
        sandbox.api_url,
        *args,
        cwd=tmp_path,
        env=clean_env(tmp_path, **env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def test_without_token_off_a_terminal_exits_2_with_one_line(tmp_path: Path) -> None:
    result = run_bot(tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert "DISCORD_TOKEN" in line
    assert ".env.example" in line


def _read_until(fd: int, marker: bytes, seen: bytearray, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while marker not in seen:
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            raise AssertionError(f"{marker!r} never appeared; the terminal showed {bytes(seen)!r}")
        seen.extend(os.read(fd, 4096))


def test_without_token_on_a_terminal_starts_the_sandbox(tmp_path: Path) -> None:
    pid, fd = pty.fork()
    if pid == 0:  # the child, on a terminal
        os.chdir(tmp_path)
        os.execve(sys.executable, [sys.executable, "-m", "bot"], clean_env(tmp_path))
    seen = bytearray()
    try:
        _read_until(fd, b"sandbox> ", seen)
        os.write(fd, b"alice: /help\n")
        _read_until(fd, b"heartbot commands", seen)
        _read_until(fd, b"sandbox> ", seen)
        os.write(fd, b"\x04")  # Ctrl-D
        _, status = os.waitpid(pid, 0)
    finally:
        os.close(fd)
    text = seen.decode()
    assert "No Discord bot token is set" in text
    assert "Starting the local sandbox" in text
    assert "Traceback" not in text
    assert os.waitstatus_to_exitcode(status) == 0


@pytest.mark.parametrize(("key", "value"), [("DEV_GUILD_ID", "my-server"), ("LOG_LEVEL", "LOUD")])
def test_malformed_setting_exits_2_naming_it(tmp_path: Path, key: str, value: str) -> None:
    result = run_bot(tmp_path, **{key: value})
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line.startswith(f"heartbot: {key}: ")


def test_settings_are_read_from_dot_env(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("# local settings\nOWNER_IDS=me\n")
    result = run_bot(tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("heartbot: OWNER_IDS: ")


async def test_wrong_token_exits_1_with_one_clear_line(sandbox: Sandbox, tmp_path: Path) -> None:
    wrong = "wrong." + "y" * 60
    status, out, err = await run_against_sandbox(sandbox, tmp_path, DISCORD_TOKEN=wrong)
    assert status == 1
    assert "Traceback" not in err
    assert wrong not in err + out
    assert err.splitlines()[-1] == (
        "heartbot: Discord rejected DISCORD_TOKEN; reset it in the Developer Portal and update .env"
    )
    assert [line for line in err.splitlines() if "DISCORD_TOKEN" in line] == [err.splitlines()[-1]]


def test_unreachable_discord_exits_1_with_one_line(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = run_bot(tmp_path, "-c", LAUNCH, f"http://127.0.0.1:{port}/api/v10", DISCORD_TOKEN="t" * 70)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1].startswith("heartbot: cannot reach Discord")


async def test_database_from_a_newer_version_is_refused(sandbox: Sandbox, tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    with sqlite3.connect(path) as raw:
        raw.execute("PRAGMA user_version = 99")
    status, _, err = await run_against_sandbox(
        sandbox, tmp_path, DISCORD_TOKEN=sandbox.token, DATABASE_PATH=str(path)
    )
    assert status == 1
    assert "Traceback" not in err
    assert "written by a newer heartbot" in err.splitlines()[-1]
    assert sandbox.requests == []  # refused before anything was sent to Discord


async def sync_in_process(
    sandbox: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str], guild_id: int | None = None
) -> str:
    """What `python -m bot sync [--guild ID]` does once it has its settings (those `clean_env` with the
    sandbox's token gives), run in this process (the sandbox points discord.py at itself): its output.
    test_sync_command_to_one_guild runs the command itself."""
    settings = Settings.from_env(clean_env(tmp_path, DISCORD_TOKEN=sandbox.token))
    capsys.readouterr()
    await sync(settings, sandbox.token, guild_id)
    return capsys.readouterr().out


async def test_sync_command_syncs_globally(
    sandbox: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = await sync_in_process(sandbox, tmp_path, capsys)
    assert out.strip() == "Commands synced to all servers."
    [(scope, commands)] = sandbox.command_syncs
    assert scope is None
    assert {"help", "about"} <= {command["name"] for command in commands}


async def test_sync_command_to_one_guild(sandbox: Sandbox, tmp_path: Path) -> None:
    guild = str(sandbox.guild.id)
    status, out, err = await run_against_sandbox(
        sandbox, tmp_path, "sync", "--guild", guild, DISCORD_TOKEN=sandbox.token
    )
    assert status == 0, err
    assert out.strip() == f"Commands synced to server {guild}."
    assert [scope for scope, _ in sandbox.command_syncs] == [sandbox.guild.id]


async def test_sync_is_forced_even_when_nothing_changed(
    sandbox: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for _ in range(2):  # on the same database, which recorded the first sync
        await sync_in_process(sandbox, tmp_path, capsys)
    assert [scope for scope, _ in sandbox.command_syncs] == [None, None]


def test_migrate_then_copy_db_into_postgresql_and_a_second_copy_is_refused(
    tmp_path: Path, pg_schema: PgSchema
) -> None:
    database = str(tmp_path / "heartbot.db")
    migrated = run_bot(tmp_path, "migrate", DATABASE_PATH=database)
    assert migrated.returncode == 0, migrated.stderr
    latest = bundled_migrations()[-1].version
    assert migrated.stdout == f"The database at {database} is at schema version {latest}.\n"
    with sqlite3.connect(database) as raw:  # a member's progress, as the bot stores it
        raw.execute(
            "INSERT INTO user_progress (user_id, season, episode, mode, hinted, updated_us)"
            " VALUES (5, 2, 4, 'wrap', 0, 1795262400000000)"
        )
    copied = run_bot(tmp_path, "copy-db", database, pg_schema.url)
    assert copied.returncode == 0, copied.stderr
    assert "  user_progress                     1 row" in copied.stdout.splitlines()
    assert copied.stdout.splitlines()[-1] == "Copied 1 row; every table's count matches."
    again = run_bot(tmp_path, "copy-db", database, pg_schema.url)
    assert again.returncode == 1
    [line] = again.stderr.splitlines()
    assert "already holds data (user_progress is not empty); copy-db copies into an empty database" in line


def test_copy_db_from_a_file_that_is_not_a_database_says_so_in_one_line(tmp_path: Path) -> None:
    notes = tmp_path / "notes.db"
    notes.write_text("not a database" * 100)
    result = run_bot(tmp_path, "copy-db", str(notes), str(tmp_path / "new.db"))
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert "not a usable SQLite database" in line


def test_sandbox_processes_without_database_url_exits_2_saying_why(tmp_path: Path) -> None:
    result = run_bot(tmp_path, "sandbox", "--processes", "2")
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("heartbot sandbox: --processes: several processes share one PostgreSQL database")
