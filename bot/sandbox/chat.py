"""How a script's observations reach a person: as a chat transcript on a terminal, or as JSON lines.

The chat reads like a Discord client: who posted where and who can see it, embeds as indented blocks,
buttons as `[Label]`, and spoilers as `[spoiler]` until the person types `peek N`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol, TextIO

from bot.sandbox.observe import Observation
from bot.spoilers.markdown import markup_regions

HIDDEN = "[spoiler]"
EMBED_BAR = "  ┃ "
# Discord's angle-bracket markup that a client shows as names and times
_MENTION = re.compile(r"<(?P<kind>@&|@!?|#)(?P<id>\d{15,21})>")
_TIMESTAMP = re.compile(r"<t:(?P<unix>-?\d{1,13})(?::(?P<style>[tTdDfFR]))?>")

# Names for mention ids: (kind, id) -> name, kind being "user", "role" or "channel"
NameOf = Callable[[str, int], str | None]


class Printer(Protocol):
    def message(self, observation: Observation, number: int, *, webhook: bool = False) -> None: ...

    def peek(self, observation: Observation, number: int) -> None: ...

    def note(self, text: str) -> None:
        """Narration (the bot goes offline, comes back): part of the chat only."""

    def info(self, text: str) -> None:
        """What the person asked for (help)."""


class JsonPrinter:
    """One JSON line per observation on `out`, for scripts and tests; what the person asks for goes to `err`,
    so that `out` stays JSON lines only."""

    def __init__(self, out: TextIO, err: TextIO) -> None:
        self.out, self.err = out, err

    def message(self, observation: Observation, number: int, *, webhook: bool = False) -> None:
        print(json.dumps(observation.to_json(), ensure_ascii=False), file=self.out, flush=True)

    def peek(self, observation: Observation, number: int) -> None:
        self.info("peek: the JSON lines already show spoilers as ||text||")

    def note(self, text: str) -> None:
        pass

    def info(self, text: str) -> None:
        print(text, file=self.err, flush=True)


def span(delta: timedelta) -> str:
    """`1d 2h 5m`, to the minute (seconds under a minute: `45s`)."""
    seconds = abs(int(delta.total_seconds()))
    if seconds < 60:
        return f"{seconds}s"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    return " ".join(f"{n}{unit}" for n, unit in ((days, "d"), (hours, "h"), (rest // 60, "m")) if n)


def _relative(delta: timedelta) -> str:
    if abs(delta) < timedelta(minutes=1):
        return "now"
    return f"in {span(delta)}" if delta > timedelta() else f"{span(delta)} ago"


def readable(text: str, at: datetime, name_of: NameOf, *, uncovered: bool = False) -> str:
    """`text` as a Discord client shows it: spoilers hidden (unless `uncovered`), mentions as names,
    timestamps as times in UTC (relative ones counted from `at`)."""
    if not uncovered:
        for start, end, kind in reversed(markup_regions(text)):
            if kind == "spoiler":
                text = text[:start] + HIDDEN + text[end:]

    def mention(match: re.Match[str]) -> str:
        kind = {"@&": "role", "#": "channel"}.get(match["kind"], "user")
        name = name_of(kind, int(match["id"]))
        if name is None:
            return match[0]
        return f"#{name}" if kind == "channel" else f"@{name.lstrip('@')}"

    def timestamp(match: re.Match[str]) -> str:
        moment = datetime.fromtimestamp(int(match["unix"]), at.tzinfo)
        clock = f"{moment:%H:%M} UTC"
        if match["style"] == "R":
            return _relative(moment - at)
        if match["style"] in ("t", "T"):
            return clock
        return f"{moment:%a %d %b %Y} {clock}"

    return _TIMESTAMP.sub(timestamp, _MENTION.sub(mention, text))


def has_spoiler(observation: Observation) -> bool:
    return any(kind == "spoiler" for _, _, kind in markup_regions(observation.text))


def _where(observation: Observation) -> str:
    return f"#{observation.channel}" if observation.channel else f"DM to {observation.visible_to}"


def chat_lines(
    observation: Observation, number: int, name_of: NameOf, *, uncovered: bool = False, webhook: bool = False
) -> list[str]:
    """One observation as the lines of a chat transcript; `webhook`: posted through a webhook under the
    author's name (the shield's reposts), which Discord marks too."""

    def show(text: str) -> str:
        return readable(text, observation.at, name_of, uncovered=uncovered)

    author = f"{observation.author} (webhook)" if webhook else observation.author
    if observation.action == "delete":
        return [f"{_where(observation)} · {author}'s message [{number}] was deleted"]
    header = f"{_where(observation)} · {author} [{number}]"
    if observation.action == "edit":
        header += " (edited)"
    if observation.channel and observation.visible_to != "everyone":
        header += f" (only {observation.visible_to} sees this)"
    content = show(observation.content).splitlines()
    lines = [f"{header}: {content[0]}" if content else f"{header}:"]
    lines += [f"  {line}" for line in content[1:]]
    for embed in observation.embeds:
        block = [embed.get("title"), embed.get("description")]
        for field in embed.get("fields", []):
            name, value = field.get("name") or "", field.get("value") or ""
            block += [f"{name}: {value}"] if "\n" not in value else [f"{name}:", value]
        if embed.get("footer"):
            block.append(f"— {embed['footer']}")
        for part in block:
            lines += [f"{EMBED_BAR}{line}".rstrip() for line in show(part).splitlines()] if part else []
    if observation.buttons:
        lines.append("  " + " ".join(f"[{label}]" for label in observation.buttons))
    if observation.pings:
        lines.append(f"  (notifies {', '.join(observation.pings)})")
    if not uncovered and has_spoiler(observation):
        lines.append(f'  ({HIDDEN} is hidden text: type "peek {number}" to uncover it)')
    return lines


class ChatPrinter:
    """The transcript a person reads on a terminal, with a time line whenever the clock has moved on."""

    def __init__(self, out: TextIO, name_of: NameOf) -> None:
        self.out = out
        self.name_of = name_of
        self._shown_at: datetime | None = None
        self._webhooks: set[int] = set()  # messages posted through a webhook, for peeks after a delete

    def _print(self, lines: list[str]) -> None:
        print("\n".join(lines), file=self.out, flush=True)

    def message(self, observation: Observation, number: int, *, webhook: bool = False) -> None:
        if self._shown_at is None or observation.at - self._shown_at >= timedelta(minutes=1):
            self._shown_at = observation.at
            self._print([f"── {observation.at:%a %d %b, %H:%M} UTC ──"])
        self._print(chat_lines(observation, number, self.name_of, webhook=webhook))
        if webhook:
            self._webhooks.add(observation.message)

    def peek(self, observation: Observation, number: int) -> None:
        webhook = observation.message in self._webhooks
        self._print(chat_lines(observation, number, self.name_of, uncovered=True, webhook=webhook))

    def note(self, text: str) -> None:
        self._print([text])

    def info(self, text: str) -> None:
        self._print([text])
