"""A fresh schema in a PostgreSQL database, for one run that must start empty and leave nothing behind:
the sandbox with DATABASE_URL set (`python -m bot sandbox`), the tests and the benchmarks."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import asyncpg


def in_schema(url: str, schema: str) -> str:
    """`url`, its connections working in `schema` (asyncpg passes unknown URL parameters on as server
    settings, search_path among them)."""
    parts = urlsplit(url)
    query = [(key, value) for key, value in parse_qsl(parts.query) if key != "search_path"]
    return urlunsplit(parts._replace(query=urlencode([*query, ("search_path", schema)])))


@asynccontextmanager
async def fresh_schema(url: str, prefix: str = "heartbot_run") -> AsyncIterator[str]:
    """A URL for a new, empty schema of `url`'s database, dropped with everything in it afterwards."""
    schema = f"{prefix}_{secrets.token_hex(6)}"
    admin = await asyncpg.connect(url)
    try:
        await admin.execute(f'CREATE SCHEMA "{schema}"')
        try:
            yield in_schema(url, schema)
        finally:
            await admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
    finally:
        await admin.close()
