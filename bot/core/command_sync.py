"""Sync slash commands with Discord only when the tree changed (or when asked to)."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import discord
from discord import app_commands

from bot.core.command_sync_repository import GLOBAL_SCOPE, CommandSyncRepository, SyncRecord

log = logging.getLogger(__name__)


def tree_payload(tree: app_commands.CommandTree, guild: discord.abc.Snowflake | None) -> list[dict[str, Any]]:
    """What `tree.sync(guild=...)` would send, in a stable order."""
    commands = [command.to_dict(tree) for command in tree.get_commands(guild=guild)]
    return sorted(commands, key=lambda c: (c.get("type", 1), c["name"]))


def tree_hash(application_id: int | None, payload: list[dict[str, Any]]) -> str:
    document = json.dumps({"application": application_id, "commands": payload}, sort_keys=True)
    return hashlib.sha256(document.encode()).hexdigest()


async def sync_command_tree(
    tree: app_commands.CommandTree,
    records: CommandSyncRepository,
    *,
    application_id: int | None,
    guild_id: int | None = None,
    force: bool = False,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> bool:
    """Sync globally, or to one guild; return whether anything was sent to Discord."""
    guild = discord.Object(guild_id) if guild_id else None
    if guild is not None:
        tree.copy_global_to(guild=guild)
    payload = tree_payload(tree, guild)
    digest = tree_hash(application_id, payload)
    scope = str(guild_id) if guild_id else GLOBAL_SCOPE
    previous = await records.get(scope)
    where = f"guild {guild_id}" if guild_id else "all servers"
    if not force and previous is not None and previous.tree_hash == digest:
        log.info("Commands for %s unchanged since %s; not syncing", where, previous.synced_at.isoformat())
        return False
    synced = await tree.sync(guild=guild)
    await records.save(SyncRecord(scope, digest, now()))
    log.info("Synced %d commands to %s", len(synced), where)
    return True
