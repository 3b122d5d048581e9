"""How the tests find their PostgreSQL (tests/postgres_server.py): a server named, the machine's own, or one
started from the package; and what a test does when there is none."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from tests import postgres_server
from tests.postgres_server import ENV_CHOICE, ENV_URL, PostgresUnavailable, RunAs, find_server, give_up


@pytest.mark.postgres
async def test_with_nothing_on_the_local_port_a_server_is_started_from_the_package_and_gone_afterwards(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(ENV_CHOICE, raising=False)
    monkeypatch.delenv(ENV_URL, raising=False)
    monkeypatch.setattr(postgres_server, "LOCAL_URL", "postgresql://postgres@127.0.0.1:1/test")
    with contextlib.ExitStack() as stack:
        url = find_server(stack)
        connection = await asyncpg.connect(url)
        try:
            await connection.execute("CREATE TABLE members (id bigint)")
            await connection.execute("INSERT INTO members VALUES (1), (2)")
            assert await connection.fetchval("SELECT count(*) FROM members") == 2
            assert await connection.fetchval("SHOW fsync") == "off"
            folder = Path(await connection.fetchval("SHOW data_directory")).parent
        finally:
            await connection.close()
    assert postgres_server.probe(url) is not None
    assert not folder.exists()


def test_asked_for_the_package_s_server_the_named_and_local_ones_are_passed_over(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    @contextlib.contextmanager
    def started() -> Iterator[str]:
        yield "postgresql://postgres@127.0.0.1:40000/postgres"

    monkeypatch.setattr(postgres_server, "embedded_server", started)
    monkeypatch.setenv(ENV_URL, postgres_server.LOCAL_URL)
    monkeypatch.setenv(ENV_CHOICE, "embedded")
    with contextlib.ExitStack() as stack:
        assert find_server(stack) == "postgresql://postgres@127.0.0.1:40000/postgres"


async def test_a_named_server_is_used(postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_CHOICE, raising=False)
    monkeypatch.setenv(ENV_URL, postgres_url)
    with contextlib.ExitStack() as stack:
        assert find_server(stack) == postgres_url


def test_a_named_server_that_does_not_answer_is_reported_with_its_password_hidden(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(ENV_CHOICE, raising=False)
    monkeypatch.setenv(ENV_URL, "postgresql://heartbot:hunter2@127.0.0.1:1/heartbot")
    with contextlib.ExitStack() as stack, pytest.raises(PostgresUnavailable) as raised:
        find_server(stack)
    shown = "postgresql://heartbot:***@127.0.0.1:1/heartbot"
    assert str(raised.value).startswith(f"{ENV_URL} ({shown}) did not answer:")
    assert "hunter2" not in str(raised.value)


def test_an_unknown_choice_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_CHOICE, "docker")
    with contextlib.ExitStack() as stack, pytest.raises(PostgresUnavailable, match="the one value it takes"):
        find_server(stack)


def test_without_a_server_a_test_is_skipped_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no PostgreSQL: nothing on port 5432"):
        give_up("nothing on port 5432")


def test_under_ci_a_test_without_a_server_fails_instead(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="under CI=true: nothing on port 5432"):
        give_up("nothing on port 5432")


def test_a_folder_only_its_owner_may_open_is_out_of_reach_for_another_user(tmp_path: Path) -> None:
    other = RunAs(uid=os.getuid() + 4242, gid=os.getgid() + 4242)
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    assert RunAs().can_reach(private)
    assert not other.can_reach(private)
    assert other.can_reach(Path("/"))
