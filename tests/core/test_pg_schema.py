"""A fresh schema on a real PostgreSQL: empty, seen only through its own URL, and gone afterwards."""

from __future__ import annotations

import asyncpg
import pytest

from bot.core import pg_schema
from bot.core.pg_schema import PgSchema, fresh_schema, new_schema_name, with_search_path


async def schema_exists(url: str, name: str) -> bool:
    connection = await asyncpg.connect(url)
    try:
        return bool(await connection.fetchval("SELECT count(*) FROM pg_namespace WHERE nspname = $1", name))
    finally:
        await connection.close()


async def test_the_fixture_gives_an_empty_schema_that_its_url_uses(pg_schema: PgSchema) -> None:
    connection = await asyncpg.connect(pg_schema.url)
    try:
        assert await connection.fetchval("SELECT current_schema()") == pg_schema.name
        assert await connection.fetch("SELECT * FROM pg_tables WHERE schemaname = $1", pg_schema.name) == []
        await connection.execute("CREATE TABLE members (id bigint PRIMARY KEY)")
        tables = "SELECT tablename FROM pg_tables WHERE schemaname = $1"
        assert [row["tablename"] for row in await connection.fetch(tables, pg_schema.name)] == ["members"]
    finally:
        await connection.close()


async def test_a_table_made_in_one_schema_is_not_seen_from_another(postgres_url: str) -> None:
    async with fresh_schema(postgres_url) as mine, fresh_schema(postgres_url) as theirs:
        assert mine.name != theirs.name
        connection = await asyncpg.connect(mine.url)
        other = await asyncpg.connect(theirs.url)
        try:
            await connection.execute("CREATE TABLE progress (member bigint)")
            await connection.execute("INSERT INTO progress VALUES (1)")
            assert await connection.fetchval("SELECT count(*) FROM progress") == 1
            with pytest.raises(asyncpg.UndefinedTableError):
                await other.fetchval("SELECT count(*) FROM progress")
        finally:
            await connection.close()
            await other.close()


async def test_the_schema_and_its_tables_are_dropped_even_when_the_block_fails(postgres_url: str) -> None:
    made: list[str] = []

    async def failing_test() -> None:
        async with fresh_schema(postgres_url) as schema:
            made.append(schema.name)
            connection = await asyncpg.connect(schema.url)
            await connection.execute("CREATE TABLE progress (member bigint)")
            await connection.close()
            raise RuntimeError("the test failed")

    with pytest.raises(RuntimeError, match="the test failed"):
        await failing_test()
    assert not await schema_exists(postgres_url, made[0])


async def test_a_connection_left_inside_a_transaction_does_not_keep_the_schema(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pg_schema, "DROP_LOCK_WAIT", "50ms")
    async with fresh_schema(postgres_url) as schema:
        left_open = await asyncpg.connect(schema.url)
        await left_open.execute("CREATE TABLE progress (member bigint)")
        transaction = left_open.transaction()
        await transaction.start()
        await left_open.execute("INSERT INTO progress VALUES (1)")
    assert not await schema_exists(postgres_url, schema.name)
    with pytest.raises((asyncpg.PostgresError, asyncpg.InterfaceError, ConnectionError)):
        await left_open.fetchval("SELECT 1")
    left_open.terminate()


async def test_the_search_path_joins_options_the_url_already_has(postgres_url: str) -> None:
    url = with_search_path(with_search_path(postgres_url, "first"), "second")
    connection = await asyncpg.connect(url)
    try:
        # The later option wins, and the earlier one still reached the server alongside it.
        assert await connection.fetchval("SHOW search_path") == "second"
        assert url.endswith("options=-csearch_path%3Dfirst%20-csearch_path%3Dsecond")
    finally:
        await connection.close()


def test_the_search_path_keeps_a_local_socket_url_as_it_was() -> None:
    assert with_search_path("postgresql:///heartbot?host=/run/postgresql", "s") == (
        "postgresql:///heartbot?host=%2Frun%2Fpostgresql&options=-csearch_path%3Ds"
    )


def test_schema_names_are_new_each_time_and_a_bad_prefix_is_named() -> None:
    assert new_schema_name() != new_schema_name()
    assert new_schema_name("sandbox").startswith("sandbox_")
    with pytest.raises(ValueError, match="'Sandbox; DROP'"):
        new_schema_name("Sandbox; DROP")
