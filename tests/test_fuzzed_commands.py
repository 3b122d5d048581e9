"""Every command, button and message command, fed what real members type by accident or on purpose:
each answer is a helpful one, never "something went wrong", and no unexpected error is logged.

The values are drawn from a fixed seed, so a failure replays; the pool holds the inputs that crashed
commands before (tzdata folders, far-off timestamps, huge durations, long text) beside everyday ones.
"""

from __future__ import annotations

import logging
import random
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.canon import Canon
from bot.core.app import EXTENSIONS
from bot.core.tree import UNEXPECTED
from bot.sandbox.commands import (
    BOOLEAN,
    CHANNEL,
    INTEGER,
    MENTIONABLE,
    NUMBER,
    ROLE,
    STRING,
    SUB_COMMAND,
    SUB_COMMAND_GROUP,
    USER,
    ScriptError,
)
from bot.sandbox.harness import Actor, RunningBot
from bot.sandbox.server import Sandbox

ROUNDS = 6  # each command this many times, with fresh values
SEED = 20261201

TEXT = [
    "",
    " ",
    "S1E1",
    "s2e4",
    "S3E8",
    "S9E9",
    "S0E0",
    "S1E1-S1E3",
    "S2E8-S2E1",
    "Out",
    "charlie",
    "Jo Lock",
    "nick nelson",
    "Brazil",
    "America",
    "Europe/London",
    "IST",
    "UTC+2",
    "GMT-5",
    "new york",
    "Etc",
    "../../../etc/passwd",
    "in 2 hours",
    "tomorrow 8pm",
    "friday 8pm",
    "<t:9999999999999>",
    "<t:-9999999999999>",
    "<t:1780000000:F>",
    "9999-12-31 23:59-05:00",
    "0001-01-01 00:00+14:00",
    "2026-02-30 20:00",
    "1h, 10m",
    "99999999999999999999h",
    "none",
    "-5m",
    "@everyone",
    "@here",
    "<@&1>",
    "<@1>",
    "||spoiler||",
    "`code` **bold** ~~x~~",
    "```",
    "🏳️‍🌈💙",
    "\u202eevil",
    "NaN",
    "inf",
    "-1",
    "0",
    "charlie faints at the louvre",
    "nick comes out to his mum",
]
# What a member would usually type in an option of this name, so the value under test is the one that is
# read: a nasty start time behind an unknown episode would never reach the code that reads times.
USUAL = {
    "episode": "S1E8",
    "episodes": "S2E1-S2E2",
    "up-to": "S2E4",
    "start": "in 2 hours",
    "zone": "Europe/London",
    "offsets": "1h, 10m",
    "name": "charlie",
    "phrase": "the ferris wheel",
    "text": "charlie faints at the louvre",
    "title": "Season two, night one",
    "id": "1",
}
CHANNELS = ["general", "spoilers", "season-three", "general"]
USERS = ["alice", "bob", "admin"]


def text_value(rng: random.Random, definition: dict[str, Any]) -> str:
    low = definition.get("min_length", 0)
    high = min(definition.get("max_length", 6000), 6000)
    roll = rng.random()
    if roll < 0.15:
        value = rng.choice("abcxyz?!é ") * rng.choice([high, high // 2 or 1, 120, 300])
    elif roll < 0.25:
        value = " ".join(rng.sample(TEXT, 3))
    else:
        value = rng.choice(TEXT)
    value = value[:high]
    return value if len(value) >= low else value.ljust(low, "x")


def number_value(rng: random.Random, definition: dict[str, Any]) -> str:
    low = definition.get("min_value", -(10**9))
    high = definition.get("max_value", 10**9)
    value = rng.choice([low, high, 0, 1, rng.randint(int(low), int(high))])
    return str(min(max(value, low), high))


def option_word(
    rng: random.Random, definition: dict[str, Any], roles: list[str], usual: bool = False
) -> str | None:
    """The word a member would type for one option, within what Discord's client lets through."""
    kind = definition["type"]
    if usual and definition["name"] in USUAL:
        raw = USUAL[definition["name"]]
    elif definition.get("choices"):
        raw: str = str(rng.choice(definition["choices"])["value"])
    elif kind == STRING:
        raw = text_value(rng, definition)
    elif kind in (INTEGER, NUMBER):
        raw = number_value(rng, definition)
    elif kind == BOOLEAN:
        raw = rng.choice(["true", "false"])
    elif kind == USER:
        raw = rng.choice(USERS)
    elif kind == CHANNEL:
        raw = rng.choice(CHANNELS)
    elif kind in (ROLE, MENTIONABLE):
        raw = rng.choice(roles)
    else:
        return None
    return f"{definition['name']}:{raw}"


def leaves(command: dict[str, Any]) -> list[tuple[list[str], list[dict[str, Any]]]]:
    """Each runnable path of a chat command (its sub-commands), with that path's options."""
    found: list[tuple[list[str], list[dict[str, Any]]]] = []

    def walk(path: list[str], options: list[dict[str, Any]]) -> None:
        subs = [o for o in options if o.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP)]
        if not subs:
            found.append((path, options))
        for sub in subs:
            walk([*path, sub["name"]], sub.get("options", []))

    walk([command["name"]], command.get("options", []))
    return found


@pytest.fixture
async def plain_bot(sandbox: Sandbox, tmp_path: Path, canon: Canon) -> AsyncIterator[RunningBot]:
    """The bot as servers run it: no test-only commands that fail on purpose."""
    async with RunningBot(sandbox, tmp_path / "heartbot.db", canon=canon, extensions=EXTENSIONS) as bot:
        yield bot


def planned_runs(rng: random.Random, commands: list[dict[str, Any]], roles: list[str]) -> list[list[str]]:
    """Every text option of every command gets every value of the pool once (the others drawn at
    random), and every command runs a few times with values drawn at random."""
    runs: list[list[str]] = []
    for command in commands:
        for path, options in leaves(command):

            def words(fixed: dict[str, str], path: list[str] = path, options: list = options) -> list[str]:
                chosen = [o for o in options if o["name"] in fixed or o.get("required") or rng.random() < 0.6]
                usual = bool(fixed) and rng.random() < 0.8
                drawn = [fixed.get(o["name"]) or option_word(rng, o, roles, usual) for o in chosen]
                return [*path, *(w for w in drawn if w is not None)]

            runs += [words({}) for _ in range(ROUNDS)]
            for option in options:
                if option["type"] != STRING or option.get("choices"):
                    continue
                high = min(option.get("max_length", 6000), 6000)
                for value in [*TEXT, "é" * 120, "x" * high]:
                    if option.get("min_length", 0) <= len(value) <= high:
                        runs.append(words({option["name"]: f"{option['name']}:{value}"}))
    rng.shuffle(runs)
    return runs


async def test_no_typed_input_makes_a_command_fail(
    sandbox: Sandbox, plain_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    rng = random.Random(SEED)
    members = [Actor(sandbox, name) for name in USERS]
    roles = [role.name.lstrip("@") for role in sandbox.guild.roles.values()]
    commands = [c for c in sandbox.commands_for(sandbox.guild.id) if c.get("type", 1) == 1]
    runs = planned_runs(rng, commands, roles)
    caplog.set_level(logging.ERROR)
    tried = 0
    for n, words in enumerate(runs):
        member = rng.choice(members) if n % 2 else members[-1]  # half of them with Manage Server
        try:
            interaction = await sandbox.run_command(member.name, words, rng.choice(CHANNELS))
        except ScriptError:
            continue  # Discord's client would not have sent this
        tried += 1
        await sandbox.acknowledged(interaction)  # answered within Discord's 3 seconds, or this raises
        if n % 8 == 0:  # now and then, press one of the buttons the member was shown
            await sandbox.idle()
            shown = [(o.buttons, o.channel) for o in member.sees()[-3:] if o.buttons and o.channel]
            if shown:
                labels, channel = rng.choice(shown)
                try:
                    pressed = await sandbox.click(member.name, rng.choice(labels), channel)
                except ScriptError:
                    continue  # e.g. a disabled button
                await sandbox.acknowledged(pressed)
    await sandbox.idle()
    assert tried > 0.9 * len(runs)
    # Each unexpected error is logged with the command that raised it: that is what to read on failure.
    errors = [
        f"{r.getMessage()}: {r.exc_info[1]!r}" if r.exc_info else r.getMessage() for r in caplog.records
    ]
    assert errors == []
    assert not [o for o in sandbox.observations if UNEXPECTED in o.content]
