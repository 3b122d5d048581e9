"""The Discord API calls one watch party costs, from /watchparty create to its end, counted in the sandbox.

    python -m bench.party_calls [--members 20]

A party for S2E1-S2E2 is created two hours ahead; --members members answer (most Going, some Maybe, a
few Can't; three of the Going ones asked for reminders by DM beforehand, and one of those has DMs closed,
so their reminders fall back to the thread). The clock then moves through both reminders (an hour and ten
minutes before), the start and the end. Every REST request the bot makes from the create command to the
end is counted, grouped by route (ids and tokens normalised away) and by step. The /watchparty notify
commands run before counting starts, so only the party's own calls are in the figures.

Targets: about 2 calls per RSVP click (the acknowledgement edits the announcement's counts, plus the
ephemeral answer), a handful for each timed step whatever the number of members (mentions are batched),
few GET requests, and no countdown edits: Discord's <t:...:R> timestamps count down in every reader's
client, where a bot refreshing the announcement once a minute would make 120 edits for a party two hours
away. Exits 1 if the bot broke any Discord rule the sandbox checks.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.sandbox.harness import RunningBot, new_sandbox
from bot.sandbox.server import Sandbox
from bot.sandbox.world import ChannelType, Interaction

EPISODES = "S2E1-S2E2"
LEAD = timedelta(hours=2)
HOST = "host"
CHANNEL = "general"
CANT = "Can't"
DM_MEMBERS = 3  # Going members who asked for DMs; the first of them has DMs closed
CALLBACKS = {4: "message", 5: "deferred", 6: "deferred update", 7: "update message", 8: "autocomplete"}
_ID = re.compile(r"^\d+$")
_TOKEN = re.compile(r"^[A-Za-z0-9_.-]{40,}$")


def route(path: str) -> str:
    """The path with numeric ids as {id} and interaction or webhook tokens as {token}."""
    return "/".join(
        "{id}" if _ID.match(part) else "{token}" if _TOKEN.match(part) else part for part in path.split("/")
    )


def kind(sandbox: Sandbox, method: str, path: str, body: Any) -> str:
    """What a request is: its method and route, and where it is not plain from those, a word on what for."""
    label = f"{method} {route(path)}"
    parts = path.split("/")
    if path.endswith("/callback") and isinstance(body, dict) and "type" in body:
        label += f"  [{body['type']}: {CALLBACKS.get(body['type'], '?')}]"
    elif parts[1:2] == ["channels"] and len(parts) > 2 and _ID.match(parts[2]):
        channel = sandbox.channels.get(int(parts[2]))
        if channel is not None and channel.type == ChannelType.DM:
            recipient = sandbox.users[channel.recipient_id] if channel.recipient_id else None
            label += "  [DM]" if recipient is None or recipient.accepts_dms else "  [DM, refused: 403]"
        elif channel is not None:
            label += "  [thread]" if channel.type == ChannelType.PUBLIC_THREAD else "  [channel]"
    elif "scheduled-events" in path and method == "PATCH" and isinstance(body, dict) and "status" in body:
        label += f"  [status {body['status']}]"
    return label


def choices(members: int) -> list[str]:
    """Each member's answer, in the order they click: mostly Going, some Maybe, a few Can't, mixed."""
    cannot = max(1, round(members * 0.1)) if members >= 3 else 0
    maybe = max(1, round(members * 0.2)) if members >= 2 else 0
    order = ["Going"] * (members - maybe - cannot) + ["Maybe"] * maybe + [CANT] * cannot
    return [order[i] for i in sorted(range(members), key=lambda i: (i * 7) % members)]


async def settle(sandbox: Sandbox) -> None:
    """Let the bot finish what it started (timers that fired, follow-ups) before the next step."""
    for _ in range(3):
        await sandbox.idle()


class Steps:
    """The requests the bot made, split into consecutive steps: each starts where the last one ended."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.mark = len(sandbox.requests)
        self.first = self.mark
        self.counts: dict[str, Counter[str]] = {}

    async def run(self, name: str, action: Callable[[], Awaitable[object]]) -> None:
        await action()
        await settle(self.sandbox)
        requests = self.sandbox.requests[self.mark :]
        self.counts[name] = Counter(kind(self.sandbox, *request) for request in requests)
        self.mark += len(requests)

    def requests(self) -> list[tuple[str, str, Any]]:
        return self.sandbox.requests[self.first : self.mark]


async def run(members: int) -> tuple[dict[str, Counter[str]], dict[str, Any], list[str]]:
    answers = choices(members)
    names = [f"member{i:03d}" for i in range(members)]
    by_dm = [name for name, answer in zip(names, answers, strict=True) if answer == "Going"][:DM_MEMBERS]
    facts: dict[str, Any] = {"members": members, "answers": Counter(answers), "by_dm": len(by_dm)}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        async with new_sandbox() as sandbox, RunningBot(sandbox, Path(scratch) / "bench.db") as running:
            assert running.bot is not None
            parties = running.bot.parties
            facts["ready"] = time.perf_counter() - started
            for name in by_dm:  # before counting starts: these are the members' settings, not the party's
                notify = await sandbox.run_command(name, "watchparty notify how:dm", CHANNEL)
                await sandbox.acknowledged(notify)
            if by_dm:
                sandbox.refuse_dms(by_dm[0])
            await settle(sandbox)
            steps = Steps(sandbox)
            facts["created"] = sandbox.now()
            hours = LEAD // timedelta(hours=1)
            command = f'watchparty create episodes:{EPISODES} start:"in {hours} hours"'
            await steps.run("create", lambda: answered(sandbox, sandbox.run_command(HOST, command, CHANNEL)))

            async def rsvps() -> None:
                for name, answer in zip(names, answers, strict=True):
                    await answered(sandbox, sandbox.click(name, answer, CHANNEL))
                    await sandbox.idle()

            await steps.run("RSVPs", rsvps)
            party = (await parties.upcoming(sandbox.guild.id))[0]
            offsets = await parties.reminder_offsets(sandbox.guild.id)
            moments = [(f"remind {m}m", party.start - timedelta(minutes=m)) for m in offsets]
            for name, moment in [*moments, ("start", party.start), ("end", party.end)]:
                past = moment + timedelta(seconds=1)
                await steps.run(name, lambda past=past: sandbox.advance(past - sandbox.now()))
            facts["start"] = party.start
            facts["announcement_edits"] = sum(
                (method == "PATCH" and path.endswith(f"/messages/{party.message_id}"))
                or (path.endswith("/callback") and isinstance(body, dict) and body.get("type") == 7)
                for method, path, body in steps.requests()
            )
            violations = list(sandbox.violations)
    facts["elapsed"] = time.perf_counter() - started
    return steps.counts, facts, violations


async def answered(sandbox: Sandbox, interacting: Awaitable[Interaction]) -> None:
    """Run a command or click and wait for the bot's acknowledgement."""
    await sandbox.acknowledged(await interacting)


def report(steps: dict[str, Counter[str]], facts: dict[str, Any]) -> None:
    total: Counter[str] = Counter()
    for counts in steps.values():
        total.update(counts)
    answers = facts["answers"]
    print(
        f"one party for {EPISODES}, created {LEAD} ahead; {facts['members']} member(s) answered "
        f"({answers['Going']} Going, {answers['Maybe']} Maybe, {answers[CANT]} Can't), "
        f"{facts['by_dm']} of the Going ones by DM{', 1 of those with DMs closed' if facts['by_dm'] else ''}"
    )
    print(f"sandbox and bot ready in {facts['ready']:.2f} s; whole run {facts['elapsed']:.2f} s")
    print()
    width = max((len(label) for label in total), default=20) + 2
    print(f"{'request':<{width}}" + "".join(f"{name:>11}" for name in steps) + f"{'total':>8}")
    for label, count in sorted(total.items(), key=lambda item: (-item[1], item[0])):
        row = "".join(f"{steps[name][label] or '':>11}" for name in steps)
        print(f"{label:<{width}}{row}{count:>8}")
    grand = sum(total.values())
    row = "".join(f"{sum(counts.values()):>11}" for counts in steps.values())
    print(f"{'all requests':<{width}}{row}{grand:>8}")
    print()
    members = facts["members"]
    rsvp = sum(steps["RSVPs"].values())
    timed = sum(sum(counts.values()) for name, counts in steps.items() if name not in ("create", "RSVPs"))
    gets = sum(count for label, count in total.items() if label.startswith("GET "))
    print(f"total for the party: {grand} requests")
    print(f"per RSVP click: {rsvp / members:.2f} ({rsvp} for {members} clicks)" if members else "no RSVPs")
    print(f"timed part (reminders, start and end): {timed}")
    print(f"GET requests: {gets}")
    countdown = int((facts["start"] - facts["created"]) / timedelta(minutes=1))
    print(
        f"announcement edits: {facts['announcement_edits']} (RSVP acknowledgements and the end), "
        "none to count down: Discord's <t:...:R> does that"
    )
    print(
        f"baseline, refreshing the announcement every minute until the start: {countdown} more edits, "
        f"{grand + countdown} requests in all, {(grand + countdown) / grand:.1f}x this party's {grand}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=20, help="members who answer the RSVP (default 20)")
    arguments = parser.parse_args()
    if arguments.members < 0:
        parser.error("--members cannot be negative")
    logging.basicConfig(level=logging.ERROR)
    steps, facts, violations = asyncio.run(run(arguments.members))
    report(steps, facts)
    if violations:
        print(f"{len(violations)} Discord rule(s) broken, first: {violations[0]}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
