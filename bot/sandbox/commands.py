"""Turn what a user types (`/progress set episode:S2E3`) into the interaction data Discord would send."""

from __future__ import annotations

import difflib
import shlex
from typing import Any, Protocol

SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER = 3, 4, 5, 6, 7, 8, 9, 10
_TRUE, _FALSE = {"true", "yes", "on", "1"}, {"false", "no", "off", "0"}


class ScriptError(Exception):
    """Something the script asked for cannot be done, as a Discord client would refuse it."""


class Resolver(Protocol):
    """Looks up the things options can name, creating users and channels on first use."""

    def resolve_user(self, name: str) -> tuple[dict[str, Any], dict[str, Any] | None]: ...

    def resolve_channel(self, name: str) -> dict[str, Any]: ...

    def resolve_role(self, name: str) -> dict[str, Any] | None: ...


def split_words(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError as error:
        raise ScriptError(f"cannot read {text!r}: {error}") from None


def _named(
    definitions: list[dict[str, Any]], name: str, kinds: set[int] | None = None
) -> dict[str, Any] | None:
    for definition in definitions:
        if definition["name"] == name and (kinds is None or definition.get("type") in kinds):
            return definition
    return None


def _names(definitions: list[dict[str, Any]]) -> str:
    return ", ".join(d["name"] for d in definitions) or "none"


def closest(word: str, candidates: list[str]) -> str | None:
    """The candidate `word` was most likely a typo of, if any is close enough."""
    matches = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    return matches[0] if matches else None


def _did_you_mean(word: str, definitions: list[dict[str, Any]], prefix: str = "") -> str:
    match = closest(word, [d["name"] for d in definitions])
    return f"did you mean {prefix}{match}? " if match else ""


def _join_spaced_values(words: list[str], names: set[str]) -> list[str]:
    """`episode: S1E1` as `episode:S1E1`: a known option name with nothing after its colon takes the next
    word, unless that word is itself an option."""
    joined: list[str] = []
    for word in words:
        previous = joined[-1] if joined else ""
        is_option = word.partition(":")[1] and word.partition(":")[0] in names
        if previous.endswith(":") and previous[:-1] in names and not is_option:
            joined[-1] = previous + word
        else:
            joined.append(word)
    return joined


def command_data(
    commands: list[dict[str, Any]], text: str | list[str], resolver: Resolver, *, autocomplete: bool = False
) -> dict[str, Any]:
    """`data` of an APPLICATION_COMMAND interaction for `text`, e.g. `progress set episode:S2E3` (or those
    words already split, for values no quoting could carry); with `autocomplete`, of an
    APPLICATION_COMMAND_AUTOCOMPLETE one, the last option being typed."""
    words = split_words(text.lstrip("/")) if isinstance(text, str) else list(text)
    if not words:
        raise ScriptError("no command given")
    command = next((c for c in commands if c["name"] == words[0] and c.get("type", 1) == 1), None)
    if command is None:
        chat_commands = [c for c in commands if c.get("type", 1) == 1]
        raise ScriptError(
            f"unknown command /{words[0]}; {_did_you_mean(words[0], chat_commands, '/')}"
            f"the bot has: {_names(commands)}"
        )
    data: dict[str, Any] = {"id": command["id"], "name": command["name"], "type": 1, "options": []}
    if command.get("guild_id"):
        data["guild_id"] = command["guild_id"]
    definitions, options, path = command.get("options", []), data["options"], f"/{command['name']}"
    rest = words[1:]
    while any(d.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP) for d in definitions):
        if not rest or ":" in rest[0]:
            raise ScriptError(f"{path} needs one of: {_names(definitions)}")
        sub = _named(definitions, rest[0], {SUB_COMMAND, SUB_COMMAND_GROUP})
        if sub is None:
            raise ScriptError(
                f"{path} has no {rest[0]!r}; {_did_you_mean(rest[0], definitions)}"
                f"choose one of: {_names(definitions)}"
            )
        entry: dict[str, Any] = {"name": sub["name"], "type": sub["type"], "options": []}
        options.append(entry)
        definitions, options, path, rest = (
            sub.get("options", []),
            entry["options"],
            f"{path} {sub['name']}",
            rest[1:],
        )
    rest = _join_spaced_values(rest, {d["name"] for d in definitions})
    resolved: dict[str, dict[str, Any]] = {}
    given = set()
    for index, word in enumerate(rest):
        name, colon, raw = word.partition(":")
        if not colon:
            raise ScriptError(f"expected option:value after {path}, got {word!r}")
        definition = _named(definitions, name)
        if definition is None:
            raise ScriptError(
                f"{path} has no option {name!r}; {_did_you_mean(name, definitions)}"
                f"its options: {_names(definitions)}"
            )
        if autocomplete and index == len(rest) - 1:  # half-typed: sent as text, marked focused
            options.append({"name": name, "type": definition["type"], "value": raw, "focused": True})
            return {**data, "resolved": resolved} if resolved else data
        value = _value(definition, raw, resolver, resolved)
        options.append({"name": name, "type": definition["type"], "value": value})
        given.add(name)
    if autocomplete:
        raise ScriptError(f"say which option is being typed, e.g. {path} name:partial")
    missing = [d["name"] for d in definitions if d.get("required") and d["name"] not in given]
    if missing:
        raise ScriptError(f"{path} needs {', '.join(missing)}")
    if resolved:
        data["resolved"] = resolved
    return data


def _value(
    definition: dict[str, Any], raw: str, resolver: Resolver, resolved: dict[str, dict[str, Any]]
) -> Any:
    kind, name = definition["type"], definition["name"]
    try:
        value: Any = (
            {STRING: str, INTEGER: int, NUMBER: float}[kind](raw)
            if kind in (STRING, INTEGER, NUMBER)
            else raw
        )
    except ValueError:
        raise ScriptError(
            f"option {name} takes a {'whole ' if kind == INTEGER else ''}number, got {raw!r}"
        ) from None
    if kind == BOOLEAN:
        if raw.lower() not in _TRUE | _FALSE:
            raise ScriptError(f"option {name} takes true or false, got {raw!r}")
        return raw.lower() in _TRUE
    if kind in (USER, MENTIONABLE) and (kind == USER or resolver.resolve_role(raw.lstrip("@")) is None):
        user, member = resolver.resolve_user(raw.lstrip("@"))
        resolved.setdefault("users", {})[user["id"]] = user
        if member is not None:
            resolved.setdefault("members", {})[user["id"]] = member
        return user["id"]
    if kind in (ROLE, MENTIONABLE):
        role = resolver.resolve_role(raw.lstrip("@"))
        if role is None:
            raise ScriptError(f"there is no role {raw!r}")
        resolved.setdefault("roles", {})[role["id"]] = role
        return role["id"]
    if kind == CHANNEL:
        channel = resolver.resolve_channel(raw.lstrip("#"))
        resolved.setdefault("channels", {})[channel["id"]] = channel
        return channel["id"]
    if kind in (INTEGER, NUMBER):
        low, high = definition.get("min_value"), definition.get("max_value")
        if (low is not None and value < low) or (high is not None and value > high):
            raise ScriptError(f"option {name} takes a number from {low} to {high}, got {raw}")
    if kind == STRING:
        low, high = definition.get("min_length", 0), min(definition.get("max_length", 6000), 6000)
        if not low <= len(raw) <= high:
            raise ScriptError(f"option {name} takes {low} to {high} characters, got {len(raw)}")
    choices = definition.get("choices")
    if choices:
        for choice in choices:
            if raw in (choice["name"], str(choice["value"])):
                return choice["value"]
        raise ScriptError(f"option {name} must be one of: {', '.join(c['name'] for c in choices)}")
    return value
