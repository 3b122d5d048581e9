"""A PostgreSQL schema of its own for one run, dropped at its end: each test, and each `python -m bot sandbox`
on a shared server, sees only the tables it made, and leaves none behind."""

from __future__ import annotations

import re
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, urlencode

import asyncpg

CONNECT_TIMEOUT = 5.0  # seconds; a server on this machine or the next answers in milliseconds
# How long the drop waits for a connection still holding a lock in the schema (a test that failed half-way
# through a transaction) before it ends that connection and drops anyway.
DROP_LOCK_WAIT = "1s"
DROP_LOCK_RETRY_WAIT = "10s"  # the ended connections let go at once; this only bounds a surprise
PREFIX = re.compile(r"[a-z_][a-z0-9_]{0,30}")


@dataclass(frozen=True)
class PgSchema:
    """A schema and a URL whose connections use it: `url` sets the search path to `name` alone."""

    name: str
    url: str


def new_schema_name(prefix: str = "heartbot") -> str:
    """A name no other run picks: 64 random bits after the prefix."""
    if not PREFIX.fullmatch(prefix):
        raise ValueError(f"a schema prefix is lower-case letters, digits and _ (up to 31), not {prefix!r}")
    return f"{prefix}_{secrets.token_hex(8)}"


def with_search_path(url: str, schema: str) -> str:
    """`url` with `options=-csearch_path=<schema>` added to any options it has: asyncpg and libpq (psql)
    both pass it to the server at connect time, so every connection opened with the URL uses the schema."""
    # Split by hand: urlunsplit would turn postgresql:///db (a local socket) into postgresql:/db.
    base, _, query_text = url.partition("?")
    query = parse_qsl(query_text, keep_blank_values=True)
    options = " ".join([*(value for key, value in query if key == "options"), f"-csearch_path={schema}"])
    query = [(key, value) for key, value in query if key != "options"] + [("options", options)]
    return f"{base}?{urlencode(query, quote_via=quote)}"  # %20, not +: libpq reads no + as a space


@asynccontextmanager
async def fresh_schema(url: str, *, prefix: str = "heartbot") -> AsyncIterator[PgSchema]:
    """Create an empty schema on the server at `url`, yield it, and drop it with everything in it at the end,
    whether the block finished or failed.

        async with fresh_schema(os.environ["DATABASE_URL"]) as schema:
            ...  # connect with schema.url
    """
    schema = PgSchema(name := new_schema_name(prefix), with_search_path(url, name))
    connection = await asyncpg.connect(url, timeout=CONNECT_TIMEOUT)
    try:
        await connection.execute(f"CREATE SCHEMA {quoted(name)}")
    finally:
        await connection.close()
    try:
        yield schema
    finally:
        await drop_schema(url, name)


async def drop_schema(url: str, name: str) -> None:
    """Drop schema `name` and all in it. A connection that still holds a lock in it would make the drop wait
    for ever: after DROP_LOCK_WAIT, such connections are ended and the drop is tried once more."""
    connection = await asyncpg.connect(url, timeout=CONNECT_TIMEOUT)
    try:
        await connection.execute(f"SET lock_timeout = '{DROP_LOCK_WAIT}'")
        try:
            await connection.execute(f"DROP SCHEMA IF EXISTS {quoted(name)} CASCADE")
        except asyncpg.LockNotAvailableError:
            await connection.execute(
                """
                SELECT pg_terminate_backend(locks.pid)
                FROM pg_locks AS locks
                JOIN pg_class AS tables ON tables.oid = locks.relation
                WHERE tables.relnamespace = $1::text::regnamespace AND locks.pid <> pg_backend_pid()
                """,
                quoted(name),
            )
            await connection.execute(f"SET lock_timeout = '{DROP_LOCK_RETRY_WAIT}'")
            await connection.execute(f"DROP SCHEMA IF EXISTS {quoted(name)} CASCADE")
    finally:
        await connection.close()


def quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'
