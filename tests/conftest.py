from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.canon import Canon, load_canon
from bot.core.app import EXTENSIONS
from bot.core.database import Database, open_database
from bot.core.pg_schema import PgSchema, fresh_schema
from bot.core.settings import Secret, Settings
from bot.sandbox.harness import Actor, RunningBot, new_sandbox
from bot.sandbox.server import Sandbox
from tests import postgres_server

# One cache of the semantic reader's bank (seconds to compute) for every bot the tests start: in this process,
# and in subprocesses that get a home of their own but keep this variable.
os.environ.setdefault("XDG_CACHE_HOME", str(Path.home() / ".cache"))

TOKEN = "test-token." + "x" * 60
# Tests that drive the sandbox are marked `e2e` here, so `-m "not e2e"` runs the fast rest: those using the
# sandbox fixture, those that start one themselves, and these modules, which run it in a subprocess.
E2E_BUILDERS = {"new_sandbox", "RunningBot"}
E2E_MODULES = {"tests/sandbox/test_script.py", "tests/sandbox/test_terminal.py"}
# Tests that use these fixtures are marked `postgres`.
POSTGRES_FIXTURES = {"postgres_url", "pg_schema"}
# Commands that only the tests load (failures on purpose, autocomplete).
EXTRA_COMMANDS = "tests.extra_commands"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(discord_token=Secret(TOKEN), database_path=tmp_path / "heartbot.db")


# Every test taking `db` runs on each backend: the repositories' one interface, held to one suite.
BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(params=BACKENDS)
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated database: an SQLite file, then a PostgreSQL schema of the test's own (pg_schema's)."""
    async with contextlib.AsyncExitStack() as stack:
        target: Path | str = tmp_path / "heartbot.db"
        if request.param == "postgresql":
            url = request.getfixturevalue("postgres_url")
            target = (await stack.enter_async_context(fresh_schema(url, prefix="heartbot_test"))).url
        database = await stack.enter_async_context(await open_database(target))
        await database.migrate()
        yield database


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL server for this test run, by tests/postgres_server.py's order: HEARTBOT_TEST_DATABASE_URL,
    the machine's own on 127.0.0.1:5432, or one started from the package (one per xdist worker, stopped at
    the end). Without one the test is skipped, or under CI=true fails."""
    with contextlib.ExitStack() as stack:
        try:
            url = postgres_server.find_server(stack)
        except postgres_server.PostgresUnavailable as unavailable:
            postgres_server.give_up(str(unavailable))
        yield url


@pytest.fixture
async def pg_schema(postgres_url: str) -> AsyncIterator[PgSchema]:
    """An empty schema of this test's own (`pg_schema.name`): connections opened with `pg_schema.url` use it.
    Dropped with all in it after the test, even one that failed."""
    async with fresh_schema(postgres_url, prefix="heartbot_test") as schema:
        yield schema


@pytest.fixture(scope="session")
def canon() -> Canon:
    return load_canon()


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    """A running stand-in for Discord. A test fails if the bot broke one of Discord's rules in it."""
    async with new_sandbox(check_responses=True) as stand_in:
        yield stand_in
    assert stand_in.violations == [], "the bot broke Discord's rules in the sandbox"


@pytest.fixture
async def running(sandbox: Sandbox, tmp_path: Path, canon: Canon) -> AsyncIterator[RunningBot]:
    """The real bot, connected to the sandbox, with the commands the error tests need."""
    async with RunningBot(
        sandbox, tmp_path / "heartbot.db", canon=canon, extensions=(*EXTENSIONS, EXTRA_COMMANDS)
    ) as bot:
        yield bot


@pytest.fixture
def alice(sandbox: Sandbox, running: RunningBot) -> Actor:
    return Actor(sandbox, "alice")


@pytest.fixture
def bob(sandbox: Sandbox, running: RunningBot) -> Actor:
    return Actor(sandbox, "bob")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        function = getattr(item, "function", None)
        builds = function is not None and E2E_BUILDERS & set(function.__code__.co_names)
        module = Path(item.path).relative_to(Path(__file__).parent.parent).as_posix()
        if "sandbox" in getattr(item, "fixturenames", ()) or builds or module in E2E_MODULES:
            item.add_marker(pytest.mark.e2e)
        callspec = getattr(item, "callspec", None)
        on_postgres = callspec is not None and callspec.params.get("db") == "postgresql"
        if on_postgres or POSTGRES_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.postgres)
