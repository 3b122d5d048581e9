"""The built wheel is the bot: installed in a fresh environment, it runs from an empty folder with its
show data and migrations, and no checkout beside it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = "alice: /progress set episode:S1E1\nalice: /episode episode:S1E1\n"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the wheel built from this checkout installed in it (the wheel's
    dependencies are borrowed from the test run's own environment, so nothing is downloaded for them)."""
    place = tmp_path_factory.mktemp("wheel")
    # Built from a copy: setuptools leaves build/ in the source folder and reuses it, so a wheel built in
    # the checkout could carry files since deleted, and would litter it.
    source = place / "source"
    leave_out = shutil.ignore_patterns(".git", ".venv", "build", "*.egg-info", "__pycache__", ".*_cache")
    shutil.copytree(ROOT, source, ignore=leave_out)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(place), str(source)],
        check=True,
        cwd=place,
        timeout=300,
    )
    [wheel] = place.glob("heartbot-*.whl")
    env = place / "env"
    venv.create(env, with_pip=True)
    python = env / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--no-deps", "--quiet", str(wheel)], check=True, timeout=300
    )
    return env


def run_installed(env: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    empty = env.parent / "empty"
    empty.mkdir(exist_ok=True)
    borrowed = sysconfig.get_paths()["purelib"]  # discord.py and the rest, from this test run's environment
    return subprocess.run(
        [str(env / "bin" / "heartbot"), *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=empty,
        env={**os.environ, "PYTHONPATH": borrowed, "XDG_DATA_HOME": str(empty / "share"), "HOME": str(empty)},
        timeout=120,
    )


def test_the_wheel_carries_the_show_data_and_migrations(installed: Path) -> None:
    share = installed / "share" / "heartbot" / "data"
    assert (share / "show.toml").is_file()
    assert (share / "episodes" / "season3.toml").is_file()
    assert (share / "semantic" / "tokenizer.json").is_file()
    site = Path(
        subprocess.check_output(
            [
                str(installed / "bin" / "python"),
                "-c",
                "import sysconfig; print(sysconfig.get_paths()['purelib'])",
            ],
            text=True,
        ).strip()
    )
    assert sorted(p.name for p in (site / "bot" / "storage" / "migrations").glob("*.sql")) == sorted(
        p.name for p in (ROOT / "bot" / "storage" / "migrations").glob("*.sql")
    )


def test_the_installed_bot_runs_the_sandbox_from_an_empty_folder(installed: Path) -> None:
    result = run_installed(installed, "sandbox", "--json", stdin=SCRIPT)
    assert result.returncode == 0, result.stderr
    seen = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    answer = [o for o in seen if o.get("embeds")][-1]
    assert answer["visible_to"] == "alice"
    assert answer["embeds"][0]["title"].startswith("S1E1")
    assert str(ROOT) not in result.stdout + result.stderr  # nothing was read from this checkout


def test_the_installed_bot_is_the_one_that_ran(installed: Path) -> None:
    where = run_installed(installed, "--version")
    assert where.returncode == 0, where.stderr
    found = subprocess.run(
        [
            str(installed / "bin" / "python"),
            "-c",
            "import bot.core.settings as s; print(s.__file__, s.DATA_DIR)",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": sysconfig.get_paths()["purelib"]},
        cwd=installed.parent,
        check=True,
    ).stdout.split()
    assert Path(found[0]).is_relative_to(installed)
    assert Path(found[1]) == installed / "share" / "heartbot" / "data"
