"""What the stand-in knows: users, guilds with their roles and channels, messages, interactions, webhooks.

Payload builders return the JSON shapes Discord sends, with the fields discord.py reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum
from typing import Any

from discord import Permissions

EVERYONE = Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    create_public_threads=True,
    read_message_history=True,
    embed_links=True,
    attach_files=True,
    add_reactions=True,
    use_application_commands=True,
    use_external_emojis=True,
).value
MODERATOR = Permissions(
    manage_guild=True, manage_messages=True, manage_events=True, manage_threads=True
).value
ALL = Permissions.all().value
ADMINISTRATOR = Permissions(administrator=True).value


class ChannelType(IntEnum):
    TEXT = 0
    DM = 1
    PUBLIC_THREAD = 11


class MessageType(IntEnum):
    DEFAULT = 0
    CHAT_INPUT_COMMAND = 20
    CONTEXT_MENU_COMMAND = 23


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds")


@dataclass
class User:
    id: int
    name: str
    bot: bool = False
    accepts_dms: bool = True  # False: Discord refuses the bot's DMs (privacy settings)
    locale: str = "en-GB"  # the Discord language the member's client sends with each interaction

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "username": self.name,
            "discriminator": "0",
            "global_name": None if self.bot else self.name.capitalize(),
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
            "flags": 0,
            "primary_guild": None,
        }


@dataclass
class Role:
    id: int
    name: str
    permissions: int
    position: int

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "name": self.name,
            "permissions": str(self.permissions),
            "position": self.position,
            "color": 0,
            "hoist": False,
            "managed": False,
            "mentionable": False,
            "icon": None,
            "unicode_emoji": None,
            "flags": 0,
        }


@dataclass
class Member:
    user: User
    role_ids: list[int]
    joined_at: datetime

    def payload(self, *, with_user: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "roles": [str(role_id) for role_id in self.role_ids],
            "joined_at": iso(self.joined_at),
            "nick": None,
            "avatar": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
        }
        if with_user:
            data["user"] = self.user.payload()
        return data


@dataclass
class Channel:
    id: int
    name: str
    type: ChannelType
    guild_id: int | None = None
    parent_id: int | None = None
    recipient_id: int | None = None  # DMs: the user at the other end
    owner_id: int | None = None  # threads
    position: int = 0

    def payload(self, users: dict[int, User] | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {"id": str(self.id), "type": int(self.type), "flags": 0}
        if self.type == ChannelType.DM:
            recipient = users[self.recipient_id] if users and self.recipient_id else None
            data.update(last_message_id=None, recipients=[recipient.payload()] if recipient else [])
            return data
        data.update(
            guild_id=str(self.guild_id),
            name=self.name,
            position=self.position,
            permission_overwrites=[],
            nsfw=False,
            parent_id=str(self.parent_id) if self.parent_id else None,
            topic=None,
            last_message_id=None,
            rate_limit_per_user=0,
        )
        if self.type == ChannelType.PUBLIC_THREAD:
            data.update(
                owner_id=str(self.owner_id),
                message_count=0,
                total_message_sent=0,
                member_count=1,
                thread_metadata={
                    "archived": False,
                    "auto_archive_duration": 1440,
                    "archive_timestamp": "2026-01-01T00:00:00.000+00:00",
                    "locked": False,
                },
            )
        return data


@dataclass
class Guild:
    id: int
    name: str
    owner_id: int
    roles: dict[int, Role] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    channels: dict[int, Channel] = field(default_factory=dict)
    created_at: datetime | None = None
    moderator_role_id: int = 0  # the role with Manage Server that `admin` holds here
    bot_role_id: int = 0  # the bot's own role, what its invite granted

    @property
    def moderator_role(self) -> Role:
        return self.roles[self.moderator_role_id]

    @property
    def bot_role(self) -> Role:
        return self.roles[self.bot_role_id]

    def role_named(self, name: str) -> Role | None:
        """A role by name, `@` or not (`@everyone`, `Moderators`)."""
        return next((r for r in self.roles.values() if r.name.lstrip("@") == name.lstrip("@")), None)

    def permissions(self, user_id: int) -> int:
        """Guild-wide permissions (the sandbox has no channel overwrites)."""
        if user_id == self.owner_id:
            return ALL
        member = self.members.get(user_id)
        value = self.roles[self.id].permissions
        for role_id in member.role_ids if member else []:
            value |= self.roles[role_id].permissions
        return ALL if value & ADMINISTRATOR else value

    def payload(self, joined_at: datetime) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(self.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 1,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "preferred_locale": "en-GB",
            "features": [],
            "roles": [role.payload() for role in self.roles.values()],
            "emojis": [],
            "stickers": [],
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "vanity_url_code": None,
            "application_id": None,
            "max_members": 500000,
            "large": False,
            "unavailable": False,
            "member_count": len(self.members),
            "joined_at": iso(joined_at),
            "members": [member.payload() for member in self.members.values()],
            "channels": [c.payload() for c in self.channels.values() if c.type == ChannelType.TEXT],
            "threads": [c.payload() for c in self.channels.values() if c.type == ChannelType.PUBLIC_THREAD],
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }


@dataclass
class Message:
    id: int
    channel_id: int
    guild_id: int | None
    author: dict[str, Any]
    content: str
    created_at: datetime
    type: MessageType = MessageType.DEFAULT
    embeds: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    flags: int = 0
    visible_to: int | None = None  # an ephemeral message's only reader
    webhook_id: int | None = None
    application_id: int | None = None
    interaction_metadata: dict[str, Any] | None = None
    mention_ids: list[int] = field(default_factory=list)
    pinged: list[int] = field(default_factory=list)  # who Discord notified (bot.sandbox.mentions)
    edited_at: datetime | None = None
    loading: bool = False  # a deferred response nobody can read yet

    @property
    def author_id(self) -> int:
        return int(self.author["id"])

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "type": int(self.type),
            "channel_id": str(self.channel_id),
            "author": self.author,
            "content": self.content,
            "timestamp": iso(self.created_at),
            "edited_timestamp": iso(self.edited_at) if self.edited_at else None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": self.embeds,
            "components": self.components,
            "pinned": False,
            "flags": self.flags,
        }
        if self.guild_id:
            data["guild_id"] = str(self.guild_id)
        if self.webhook_id:
            data["webhook_id"] = str(self.webhook_id)
        if self.application_id:
            data["application_id"] = str(self.application_id)
        if self.interaction_metadata:
            data["interaction_metadata"] = self.interaction_metadata
        return data


@dataclass
class Interaction:
    id: int
    token: str
    type: int
    user_id: int
    channel_id: int
    guild_id: int | None
    created_at: datetime
    payload: dict[str, Any]
    source_message_id: int | None = None  # the message whose component was used
    acknowledged_at: datetime | None = None
    response_type: int | None = None
    original_message_id: int | None = None
    ephemeral: bool = False
    expired: bool = False  # not acknowledged in time, already reported
    autocomplete_choices: list[dict[str, Any]] | None = None
    modal: dict[str, Any] | None = None


@dataclass
class Webhook:
    id: int
    token: str
    channel_id: int
    guild_id: int
    name: str
    application_id: int | None
    creator_id: int
    avatar: str | None = None

    def payload(self, creator: User | None, *, with_token: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "type": 1,
            "channel_id": str(self.channel_id),
            "guild_id": str(self.guild_id),
            "name": self.name,
            "avatar": self.avatar,
            "application_id": str(self.application_id) if self.application_id else None,
        }
        if creator:
            data["user"] = creator.payload()
        if with_token:
            data["token"] = self.token
        return data
