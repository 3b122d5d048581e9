"""What a server admin changes in a sandbox script: members' roles, and what the bot, a role or one member
may do (`permissions heartbot: -manage_webhooks`), in the default guild unless told another."""

from __future__ import annotations

from discord import Permissions

from bot.core.app import INVITE_PERMISSIONS
from bot.sandbox.commands import ScriptError, closest
from bot.sandbox.server import Sandbox
from bot.sandbox.world import Guild

# discord.py knows some permissions by two names; these are the ones Discord's API uses
_API_NAMES = {
    "view_channel",
    "use_external_emojis",
    "manage_roles",
    "manage_expressions",
    "use_external_stickers",
    "send_polls",
}
NAMES = {
    bit: next((n for n in names if n in _API_NAMES), names[0])
    for bit, names in (
        (bit, [n for n, b in Permissions.VALID_FLAGS.items() if b == bit])
        for bit in sorted(set(Permissions.VALID_FLAGS.values()))
    )
}
FLAGS = sorted(NAMES.values())
# whole sets, by name, that a change may start from
PRESETS = {"none": 0, "all": Permissions.all().value, "invite": INVITE_PERMISSIONS.value}


def _flag(name: str) -> int:
    if name not in Permissions.VALID_FLAGS:
        match = closest(name, FLAGS)
        hint = (
            f"did you mean {match}?" if match else "names are discord.py's, e.g. manage_webhooks, embed_links"
        )
        raise ScriptError(f"there is no permission {name!r}; {hint}")
    return Permissions.VALID_FLAGS[name]


def changed_permissions(current: int, words: list[str]) -> int:
    """`current` after `words`: `+flag` adds, `-flag` removes; bare flags or a preset (none, all, invite)
    replace the whole set first."""
    if not words:
        raise ScriptError("say which permissions, e.g. permissions heartbot: -manage_webhooks +embed_links")
    bare = [w for w in words if w[:1] not in "+-"]
    value = 0 if bare else current
    for word in bare:
        value |= PRESETS[word] if word in PRESETS else _flag(word)
    for word in words:
        if word[:1] == "+":
            value |= _flag(word[1:])
        elif word[:1] == "-":
            value &= ~_flag(word[1:])
    return value


def _own_role_name(member: str) -> str:
    return f"{member} (own permissions)"


async def set_permissions(sandbox: Sandbox, who: str, words: list[str], guild: Guild | None = None) -> str:
    """Change what `who` may do in `guild` (the default guild): `heartbot` (the bot's role), `@everyone` or
    `@Role`, or one member (through a role of their own). Nothing changes when the result cannot be had: a
    member who would keep a removed permission through another role is told which. Returns what changed,
    for the chat."""
    guild = guild or sandbox.guild
    if who.startswith("@"):
        role = guild.role_named(who[1:])
        if role is None:
            raise ScriptError(f"there is no role {who}; give it to someone first: give bob {who}")
        value = changed_permissions(role.permissions, words)
        await sandbox.set_role_permissions(role, value)
        return f"{who} may now: {_listed(value)}"
    member = sandbox.member(who, guild)
    user = member.user
    own = guild.bot_role if user.id == sandbox.bot_user.id else guild.role_named(_own_role_name(who))
    value = changed_permissions(own.permissions if own else 0, words)
    others = [guild.roles[guild.id]] + [guild.roles[r] for r in member.role_ids if own is None or r != own.id]
    for word in words:
        if word[:1] == "-":
            kept = next((r for r in others if r.permissions & _flag(word[1:])), None)
            if kept is not None:
                raise ScriptError(
                    f"{who} would still have {word[1:]} from {kept.name}: "
                    f"permissions {'@' + kept.name.lstrip('@')}: {word} changes that role"
                )
    if own is None:
        own = await sandbox.give_role(who, _own_role_name(who), guild)
    await sandbox.set_role_permissions(own, value)
    return f"{who} may now: {_listed(sandbox.permissions(user.id, guild))}"


def _listed(value: int) -> str:
    names = [name for bit, name in NAMES.items() if value & bit]
    return ", ".join(names) or "nothing"


def member_and_role(verb: str, text: str) -> tuple[str, str]:
    """`bob @Party crew` (after `give` or `take`) as (member, role name)."""
    member, _, role = text.strip().partition(" ")
    if not member or not role.strip().lstrip("@"):
        raise ScriptError(f"{verb} takes a member and a role: {verb} bob @Moderators")
    return member, role.strip().lstrip("@")
