"""Who a message notifies, as Discord decides it: mentions in the content, filtered by allowed_mentions.

Mentions inside embeds never notify, and neither do ephemeral messages.
"""

from __future__ import annotations

import re
from typing import Any

from bot.sandbox.world import Guild

_USER = re.compile(r"<@!?(\d+)>")
_ROLE = re.compile(r"<@&(\d+)>")
_EVERYONE = re.compile(r"@(everyone|here)")
_ALL = {"parse": ["users", "roles", "everyone"]}  # what Discord assumes without allowed_mentions


def pinged(content: str, allowed: dict[str, Any] | None, guild: Guild | None) -> list[int]:
    """The ids of the users this content notifies, in order of first mention."""
    rules = allowed if allowed is not None else _ALL
    parse = set(rules.get("parse") or [])
    listed_users = {int(u) for u in rules.get("users") or []}
    listed_roles = {int(r) for r in rules.get("roles") or []}
    found: dict[int, None] = {}
    for match in _USER.finditer(content):
        user_id = int(match[1])
        if "users" in parse or user_id in listed_users:
            found[user_id] = None
    if guild is not None:
        for match in _ROLE.finditer(content):
            role_id = int(match[1])
            if "roles" in parse or role_id in listed_roles:
                found.update((m, None) for m, member in guild.members.items() if role_id in member.role_ids)
        if _EVERYONE.search(content) and "everyone" in parse:
            found.update((m, None) for m in guild.members)
    return list(found)
