"""What a user sees: one record per message that appears, changes or vanishes for them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Observation:
    at: datetime
    channel: str | None  # None for a DM
    visible_to: str  # "everyone", or the one user who can see it
    author: str
    action: str  # send | edit | delete
    message: int
    content: str
    embeds: list[dict[str, Any]] = field(default_factory=list)
    buttons: list[str] = field(default_factory=list)
    pings: list[str] = field(default_factory=list)  # who got a notification from it
    # the guild whose members "everyone" means (None for a DM); scripts print channels, not guilds
    guild_id: int | None = field(default=None, compare=False, repr=False)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        del data["guild_id"]
        data["at"] = self.at.isoformat(timespec="seconds")
        data["message"] = str(self.message)
        if not self.pings:
            del data["pings"]
        return data

    def seen_by(self, user: str) -> bool:
        """Whether `user` is its audience (guild membership is the sandbox's to check: Sandbox.seen_by)."""
        return self.visible_to in ("everyone", user)

    @property
    def text(self) -> str:
        """Everything readable in the message, for assertions."""
        parts = [self.content]
        for embed in self.embeds:
            parts += [embed.get("title") or "", embed.get("description") or "", embed.get("footer") or ""]
            parts += [f"{f['name']}\n{f['value']}" for f in embed.get("fields", [])]
        return "\n".join(part for part in parts if part)


def visible_embeds(embeds: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "title": embed.get("title"),
            "description": embed.get("description"),
            "fields": [{"name": f.get("name"), "value": f.get("value")} for f in embed.get("fields", [])],
            "footer": (embed.get("footer") or {}).get("text"),
        }
        for embed in embeds
    ]


def button_labels(components: list[dict[str, Any]]) -> list[str]:
    return [
        child.get("label") or child.get("emoji", {}).get("name", "")
        for row in components
        for child in row.get("components", [])
        if child.get("type") == 2
    ]
