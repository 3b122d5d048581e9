"""The built wheel is the bot: installed in a fresh environment, it runs from an empty folder with its
show data and migrations, and no checkout beside it."""

from __future__ import annotations

import fcntl
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
BORROWED = sysconfig.get_paths()["purelib"]  # discord.py and the rest, from this test run's environment
# Where the installed code and its data are, as the installed bot itself sees them.
WHERE = (
    "import sysconfig, bot.core.settings as s; "
    "print(sysconfig.get_paths()['purelib'], s.__file__, s.DATA_DIR)"
)


def build_and_install(place: Path) -> Path:
    """A fresh virtual environment in `place` with the wheel built from this checkout installed in it.

    The build backend and the wheel's dependencies are the test run's own (borrowed from its environment),
    so nothing is downloaded; the installer is the test run's pip, pointed at the new environment.
    """
    # Built from a copy: setuptools leaves build/ in the source folder and reuses it, so a wheel built in
    # the checkout could carry files since deleted, and would litter it.
    source = place / "source"
    leave_out = shutil.ignore_patterns(".git", ".venv", "build", "*.egg-info", "__pycache__", ".*_cache")
    shutil.copytree(ROOT, source, ignore=leave_out)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "--quiet", "-w", str(place), str(source)],
        check=True,
        cwd=place,
        timeout=300,
    )
    [wheel] = place.glob("heartbot-*.whl")
    env = place / "env"
    venv.create(env)
    python = env / "bin" / "python"
    subprocess.run(
        [*pip, "--python", str(python), "install", "--no-deps", "--quiet", str(wheel)],
        check=True,
        timeout=300,
    )
    return env


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The installed wheel's environment, built once per test run: under xdist the first worker to get
    here builds it in the run's shared temporary folder while the others wait on the lock, then use it."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        return build_and_install(tmp_path_factory.mktemp("wheel"))
    shared = tmp_path_factory.getbasetemp().parent  # this run's, common to its workers
    place, built = shared / "wheel", shared / "wheel.built"
    with open(shared / "wheel.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not built.exists():
            shutil.rmtree(place, ignore_errors=True)  # a half-built one, from a worker that failed
            place.mkdir()
            build_and_install(place)
            built.touch()
    return place / "env"


@pytest.fixture(scope="session")
def installed_where(installed: Path) -> tuple[Path, Path, Path]:
    """(site-packages, the installed bot.core.settings file, its DATA_DIR), from the installed Python."""
    found = subprocess.run(
        [str(installed / "bin" / "python"), "-c", WHERE],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": BORROWED},
        cwd=installed.parent,
        check=True,
    ).stdout.split()
    site, settings_file, data_dir = map(Path, found)
    return site, settings_file, data_dir


def run_installed(env: Path, empty: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """The installed `heartbot ARGS`, run from the empty folder `empty`, with it as home."""
    return subprocess.run(
        [str(env / "bin" / "heartbot"), *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=empty,
        env={**os.environ, "PYTHONPATH": BORROWED, "XDG_DATA_HOME": str(empty / "share"), "HOME": str(empty)},
        timeout=120,
    )


def migrations(packages: Path) -> list[str]:
    """Every migration under packages/bot, by its path there."""
    return sorted(p.relative_to(packages).as_posix() for p in (packages / "bot").glob("**/migrations/*.sql"))


def test_the_wheel_carries_the_show_data_and_migrations(
    installed: Path, installed_where: tuple[Path, Path, Path]
) -> None:
    share = installed / "share" / "heartbot" / "data"
    assert (share / "show.toml").is_file()
    assert (share / "episodes" / "season3.toml").is_file()
    assert (share / "semantic" / "tokenizer.json").is_file()
    site, _, _ = installed_where
    assert migrations(ROOT)  # the checkout has some: the comparison below compares something
    assert migrations(site) == migrations(ROOT)


def test_the_installed_bot_runs_the_sandbox_from_an_empty_folder(installed: Path, tmp_path: Path) -> None:
    result = run_installed(installed, tmp_path, "sandbox", "--json", stdin=SCRIPT)
    assert result.returncode == 0, result.stderr
    seen = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    answer = [o for o in seen if o.get("embeds")][-1]
    assert answer["visible_to"] == "alice"
    assert answer["embeds"][0]["title"].startswith("S1E1")
    assert str(ROOT) not in result.stdout + result.stderr  # nothing was read from this checkout


def test_the_installed_bot_is_the_one_that_ran(
    installed: Path, installed_where: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    where = run_installed(installed, tmp_path, "--version")
    assert where.returncode == 0, where.stderr
    _, settings_file, data_dir = installed_where
    assert settings_file.is_relative_to(installed)
    assert data_dir == installed / "share" / "heartbot" / "data"
