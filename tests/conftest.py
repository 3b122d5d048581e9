from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import discord
import pytest

from bot.app import HeartBot
from bot.canon import Canon, load_canon
from bot.settings import Secret, Settings
from bot.storage import Database
from tests.discord_stub import APPLICATION_ID, TOKEN, Recorded, StubDiscord

GUILD_ID = 1100000000000000001
CHANNEL_ID = 1100000000000000002
USER_ID = 1100000000000000003


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(discord_token=Secret(TOKEN), database_path=tmp_path / "heartbot.db")


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with await Database.open(tmp_path / "heartbot.db") as database:
        await database.migrate()
        yield database


@pytest.fixture(scope="session")
def canon() -> Canon:
    return load_canon()


@pytest.fixture
async def stub(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[StubDiscord]:
    server = StubDiscord()
    monkeypatch.setattr(discord.http.Route, "BASE", await server.start())
    yield server
    await server.close()
    assert not server.unknown, f"the bot called routes the stub does not know: {server.unknown}"


@pytest.fixture
async def bot(settings: Settings, db: Database, canon: Canon, stub: StubDiscord) -> AsyncIterator[HeartBot]:
    async with HeartBot(settings=settings, db=db, canon=canon) as client:
        await client.login(TOKEN)
        yield client


def slash_payload(
    name: str, *, interaction_id: int, options: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """An INTERACTION_CREATE for a slash command run by a member in a guild text channel."""
    user = {
        "id": str(USER_ID),
        "username": "alice",
        "discriminator": "0",
        "avatar": None,
        "global_name": "Alice",
    }
    return {
        "id": str(interaction_id),
        "application_id": str(APPLICATION_ID),
        "type": 2,
        "token": f"interaction-token-{interaction_id}",
        "version": 1,
        "attachment_size_limit": 8388608,
        "guild_id": str(GUILD_ID),
        "channel_id": str(CHANNEL_ID),
        "channel": {
            "id": str(CHANNEL_ID),
            "type": 0,
            "guild_id": str(GUILD_ID),
            "name": "general",
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
        },
        "member": {
            "user": user,
            "roles": [],
            "joined_at": "2026-01-01T00:00:00+00:00",
            "deaf": False,
            "mute": False,
            "flags": 0,
            "permissions": str(discord.Permissions.general().value),
        },
        "app_permissions": str(discord.Permissions.all().value),
        "locale": "en-GB",
        "guild_locale": "en-GB",
        "entitlements": [],
        "authorizing_integration_owners": {"0": str(GUILD_ID)},
        "context": 0,
        "data": {"id": "1", "name": name, "type": 1, "options": options or [], "guild_id": str(GUILD_ID)},
    }


async def run_command(bot: HeartBot, stub: StubDiscord, name: str, *, replies: int = 1) -> list[Recorded]:
    """Dispatch /name as the gateway would and return what the bot sent back (callback, follow-ups)."""
    interaction_id = stub.snowflake()
    bot._connection.parse_interaction_create(slash_payload(name, interaction_id=interaction_id))
    prefix_callback = f"/interactions/{interaction_id}/"
    prefix_followup = f"/webhooks/{APPLICATION_ID}/interaction-token-{interaction_id}"
    async with asyncio.timeout(5):
        while True:
            sent = [r for r in stub.requests if r.path.startswith((prefix_callback, prefix_followup))]
            if len(sent) >= replies:
                return sent
            await asyncio.sleep(0.01)
