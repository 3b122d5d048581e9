"""Every cog loads into a real bot (no login), and every command is one Discord would accept."""

from __future__ import annotations

import dataclasses
import logging
import re
import sys
from pathlib import Path

import discord
import pytest
from discord import app_commands
from discord.ext import commands

from bot.canon import Canon
from bot.core.app import EXTENSIONS, INVITE_PERMISSIONS, HeartBot, required_intents
from bot.core.database import Database
from bot.core.settings import PROJECT_ROOT, Settings

# Discord: 1-32 characters, lowercase where the script has case, letters, digits, - and _.
COMMAND_NAME = re.compile(r"^[-_\w]{1,32}$")


@pytest.fixture
async def loaded_bot(settings: Settings, db: Database, canon: Canon) -> HeartBot:
    bot = HeartBot(settings=settings, db=db, canon=canon)
    await bot.load_extensions()
    return bot


async def test_every_extension_loads(loaded_bot: HeartBot) -> None:
    assert loaded_bot.failed_extensions == []
    assert set(loaded_bot.extensions) == set(EXTENSIONS)


async def test_command_names_and_descriptions_are_valid(loaded_bot: HeartBot) -> None:
    seen: set[str] = set()
    for command in loaded_bot.tree.walk_commands():
        name = command.qualified_name
        assert name not in seen, f"/{name} is registered twice"
        seen.add(name)
        assert COMMAND_NAME.match(command.name), name
        assert command.name == command.name.lower(), name
        assert 1 <= len(command.description) <= 100, f"/{name}: description must be 1-100 characters"
        if isinstance(command, app_commands.Command):
            assert len(command.parameters) <= 25, f"/{name} has more than 25 options"
            for parameter in command.parameters:
                assert COMMAND_NAME.match(parameter.name)
                assert parameter.name == parameter.name.lower()
                assert 1 <= len(parameter.description) <= 100, (
                    f"/{name} {parameter.name}: needs a description"
                )
                assert len(parameter.choices) <= 25
        else:
            assert len(command.commands) <= 25
    assert {"help", "about"} <= seen


async def test_top_level_command_names_are_unique_per_type(loaded_bot: HeartBot) -> None:
    payload = [command.to_dict(loaded_bot.tree) for command in loaded_bot.tree.get_commands()]
    keys = [(command.get("type", 1), command["name"]) for command in payload]
    assert len(keys) == len(set(keys))
    assert len(payload) <= 100


async def test_a_broken_extension_is_logged_and_the_others_still_load(
    settings: Settings,
    db: Database,
    canon: Canon,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    (tmp_path / "broken_extension.py").write_text("raise RuntimeError('broken on purpose')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "broken_extension", raising=False)
    bot = HeartBot(settings=settings, db=db, canon=canon, extensions=("broken_extension", *EXTENSIONS))
    with caplog.at_level(logging.ERROR, logger="bot.core.app"):
        await bot.load_extensions()
    assert bot.failed_extensions == ["broken_extension"]
    assert "Could not load extension broken_extension" in caplog.text
    assert set(bot.extensions) == set(EXTENSIONS)


def test_only_the_shield_asks_for_a_privileged_intent() -> None:
    intents = required_intents()
    assert intents.guilds
    assert intents.message_content  # the shield; the bot starts without it where it is not enabled
    assert not intents.members
    assert not intents.presences


async def test_discord_py_voice_warnings_are_dropped_and_its_other_warnings_kept(
    settings: Settings,
    db: Database,
    canon: Canon,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # As in a fresh process without the voice libraries: the first client discord.py makes warns about them.
    monkeypatch.setattr(discord.VoiceClient, "warn_nacl", True)
    monkeypatch.setattr(discord.VoiceClient, "warn_dave", True)
    with caplog.at_level(logging.WARNING, logger="discord.client"):
        HeartBot(settings=settings, db=db, canon=canon)
        logging.getLogger("discord.client").warning("something else")
    assert [r.getMessage() for r in caplog.records if r.name == "discord.client"] == ["something else"]


def test_readme_invite_link_asks_for_the_documented_permissions() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text()
    assert f"permissions={INVITE_PERMISSIONS.value}" in readme


@pytest.mark.parametrize(("count", "ids"), [(None, None), (4, None), (4, (2, 3))])
async def test_the_bot_runs_the_shards_its_settings_name(
    settings: Settings, db: Database, canon: Canon, count: int | None, ids: tuple[int, ...] | None
) -> None:
    sharded = dataclasses.replace(settings, shard_count=count, shard_ids=ids)
    bot = HeartBot(settings=sharded, db=db, canon=canon)
    assert isinstance(bot, commands.AutoShardedBot)
    assert (bot.shard_count, bot.shard_ids) == (count, list(ids) if ids else None)
