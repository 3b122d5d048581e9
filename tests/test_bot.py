"""The bot against a local HTTP stand-in: login, command sync, and what users see in replies."""

from __future__ import annotations

import logging

import pytest
from discord import app_commands

from bot import __version__
from bot.app import HeartBot
from bot.canon import Canon
from bot.errors import UserFacingError
from bot.settings import Settings
from bot.storage import Database
from bot.tree import UNEXPECTED
from tests.conftest import CHANNEL_ID, GUILD_ID, USER_ID, run_command
from tests.discord_stub import APPLICATION_ID, TOKEN, StubDiscord

EPHEMERAL = 64
GLOBAL_COMMANDS = f"/applications/{APPLICATION_ID}/commands"


async def test_help_lists_every_command_privately(bot: HeartBot, stub: StubDiscord) -> None:
    [reply] = await run_command(bot, stub, "help")
    assert reply.body["type"] == 4
    data = reply.body["data"]
    assert data["flags"] & EPHEMERAL
    lines = data["embeds"][0]["description"].splitlines()
    assert "`/about`: What this bot is, its version, and where its show data comes from." in lines
    assert "`/help`: List every command with what it does." in lines
    assert len(lines) == len([c for c in bot.tree.walk_commands() if isinstance(c, app_commands.Command)])


async def test_about_gives_version_and_sources(bot: HeartBot, stub: StubDiscord, canon: Canon) -> None:
    [reply] = await run_command(bot, stub, "about")
    data = reply.body["data"]
    assert data["flags"] & EPHEMERAL
    embed = data["embeds"][0]
    fields = {field["name"]: field["value"] for field in embed["fields"]}
    assert fields["Version"] == __version__
    assert f"{len(canon.episodes)} episodes" in fields["Show data"]
    assert canon.publishers[0] in fields["Show data"]
    assert "Alice Oseman" in embed["footer"]["text"]


async def test_replies_never_ping(bot: HeartBot, stub: StubDiscord) -> None:
    [reply] = await run_command(bot, stub, "help")
    assert reply.body["data"]["allowed_mentions"] == {"parse": []}


async def test_first_start_syncs_commands_globally(bot: HeartBot, stub: StubDiscord) -> None:
    [sync] = stub.calls("PUT", GLOBAL_COMMANDS)
    assert {command["name"] for command in sync.body} >= {"help", "about"}


async def test_unchanged_tree_is_not_synced_again(
    settings: Settings, db: Database, canon: Canon, stub: StubDiscord
) -> None:
    for _ in range(2):
        async with HeartBot(settings=settings, db=db, canon=canon) as client:
            await client.login(TOKEN)
    assert len(stub.calls("PUT", GLOBAL_COMMANDS)) == 1


async def test_changed_tree_is_synced(
    settings: Settings, db: Database, canon: Canon, stub: StubDiscord
) -> None:
    async with HeartBot(settings=settings, db=db, canon=canon) as client:
        await client.login(TOKEN)

    class Extra(HeartBot):
        async def setup_hook(self) -> None:
            @app_commands.command(name="extra", description="A command added in a new version.")
            async def extra(interaction) -> None: ...

            self.tree.add_command(extra)
            await super().setup_hook()

    async with Extra(settings=settings, db=db, canon=canon) as client:
        await client.login(TOKEN)
    syncs = stub.calls("PUT", GLOBAL_COMMANDS)
    assert len(syncs) == 2
    assert "extra" in {command["name"] for command in syncs[1].body}


async def test_dev_guild_gets_the_commands_instead(
    settings: Settings, db: Database, canon: Canon, stub: StubDiscord
) -> None:
    dev = Settings(
        discord_token=settings.discord_token, database_path=settings.database_path, dev_guild_id=GUILD_ID
    )
    async with HeartBot(settings=dev, db=db, canon=canon) as client:
        await client.login(TOKEN)
    [sync] = stub.calls("PUT", f"/applications/{APPLICATION_ID}/guilds/{GUILD_ID}/commands")
    assert {command["name"] for command in sync.body} >= {"help", "about"}
    assert stub.calls("PUT", GLOBAL_COMMANDS) == []


def _add_failing_command(bot: HeartBot, name: str, error: Exception, *, defer: bool = False) -> None:
    @app_commands.command(name=name, description="Fails on purpose.")
    async def failing(interaction) -> None:
        if defer:
            await interaction.response.defer(ephemeral=True)
        raise error

    bot.tree.add_command(failing)


async def test_user_facing_error_is_answered_privately(bot: HeartBot, stub: StubDiscord) -> None:
    _add_failing_command(bot, "oops", UserFacingError("There's no episode S2E9. Did you mean S2E8?"))
    [reply] = await run_command(bot, stub, "oops")
    assert reply.body["data"]["content"] == "There's no episode S2E9. Did you mean S2E8?"
    assert reply.body["data"]["flags"] & EPHEMERAL


async def test_unexpected_error_is_logged_with_context_and_answered_politely(
    bot: HeartBot, stub: StubDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    _add_failing_command(bot, "boom", KeyError("internal detail"))
    with caplog.at_level(logging.ERROR, logger="bot.tree"):
        [reply] = await run_command(bot, stub, "boom")
    assert reply.body["data"]["content"] == UNEXPECTED
    assert "internal detail" not in reply.body["data"]["content"]
    assert reply.body["data"]["flags"] & EPHEMERAL
    [record] = caplog.records
    assert "/boom (interaction" in record.getMessage()
    assert f"user {USER_ID}, guild {GUILD_ID}, channel {CHANNEL_ID}" in record.getMessage()
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], KeyError)


async def test_error_after_defer_is_sent_as_a_private_follow_up(bot: HeartBot, stub: StubDiscord) -> None:
    _add_failing_command(bot, "slow", UserFacingError("That took a wrong turn."), defer=True)
    defer, follow_up = await run_command(bot, stub, "slow", replies=2)
    assert defer.body["type"] == 5
    assert follow_up.path.startswith(f"/webhooks/{APPLICATION_ID}/")
    assert follow_up.body["content"] == "That took a wrong turn."
    assert follow_up.body["flags"] & EPHEMERAL
