"""On a terminal the sandbox prints a chat transcript; `--json` keeps the JSON lines there too."""

from __future__ import annotations

import json
import os
import pty
import sys
from pathlib import Path

import pytest


def on_a_terminal(tmp_path: Path, *args: str) -> str:
    """What `python -m bot sandbox ARGS` shows on a terminal, to its end."""
    pid, fd = pty.fork()
    if pid == 0:  # the child, its output on the terminal
        os.chdir(tmp_path)
        # a home of its own, but the bank cache the other tests' semantic readers use: seconds to make
        cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "XDG_CACHE_HOME": cache}
        os.execve(sys.executable, [sys.executable, "-m", "bot", "sandbox", *args], env)
    seen = bytearray()
    try:
        while True:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            seen.extend(chunk)
        _, status = os.waitpid(pid, 0)
    finally:
        os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0, seen.decode()
    return seen.decode().replace("\r\n", "\n")


@pytest.fixture
def script(tmp_path: Path) -> Path:
    path = tmp_path / "hi.txt"
    path.write_text("bob: hi ||nick's dad||\n", encoding="utf-8")
    return path


def test_a_terminal_gets_the_chat(tmp_path: Path, script: Path) -> None:
    text = on_a_terminal(tmp_path, "--script", str(script))
    assert "#general · bob [1]: hi [spoiler]\n" in text
    assert "dad" not in text
    assert "{" not in text


def test_json_on_a_terminal_when_asked(tmp_path: Path, script: Path) -> None:
    text = on_a_terminal(tmp_path, "--script", str(script), "--json")
    [line] = [line for line in text.splitlines() if line.startswith("{")]
    assert json.loads(line)["content"] == "hi ||nick's dad||"
