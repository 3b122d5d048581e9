"""Two bot processes holding two shards each, on one PostgreSQL database and one sandbox, one of them killed
(`kill -9`) at random moments and started again: every reminder arrives once, no answer is lost, and what one
process records the other shows at once."""

from __future__ import annotations

import asyncio
import os
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import pytest

from bot.core.database import Database, open_database
from bot.core.pg_schema import PgSchema
from bot.core.shard_slice import shard_of
from bot.parties.repository import PartyRepository, Rsvp
from bot.sandbox.harness import Actor, new_sandbox
from bot.sandbox.processes import BotProcesses
from bot.sandbox.server import Sandbox
from bot.sandbox.world import Guild

SHARDS = 4
# Chosen at random each run, printed when a test fails: HEARTBOT_CHAOS_SEED=N repeats a run.
SEED = int(os.environ.get("HEARTBOT_CHAOS_SEED") or random.randrange(10**6))


@dataclass
class World:
    sandbox: Sandbox
    bots: BotProcesses
    db: Database
    low: Guild  # served by the process holding shards 0 and 1
    high: Guild  # by the one holding 2 and 3


@pytest.fixture
async def world(pg_schema: PgSchema) -> AsyncIterator[World]:
    url = pg_schema.url
    async with new_sandbox(check_responses=True) as sandbox, await open_database(url) as db:
        await db.migrate()
        guilds = [sandbox.guild]
        while not {0, 1} & {shard_of(g.id, SHARDS) for g in guilds} or not {2, 3} & {
            shard_of(g.id, SHARDS) for g in guilds
        }:
            guilds.append(sandbox.add_guild(f"Club {len(guilds)}", [f"club-{len(guilds)}"]))
        low = next(g for g in guilds if shard_of(g.id, SHARDS) < 2)
        high = next(g for g in guilds if shard_of(g.id, SHARDS) >= 2)
        async with BotProcesses(sandbox, url, db, SHARDS, processes=2) as bots:
            yield World(sandbox, bots, db, low, high)
        assert sandbox.violations == [], "the bot broke Discord's rules in the sandbox"


def general_of(sandbox: Sandbox, guild: Guild) -> str:
    return next(c.name for c in sandbox.channels.values() if c.guild_id == guild.id and c.parent_id is None)


def thread_messages(sandbox: Sandbox, guild: Guild, text: str) -> list[str]:
    threads = {c.id for c in sandbox.channels.values() if c.guild_id == guild.id and c.parent_id is not None}
    return [
        m.content
        for m in sandbox.messages.values()
        if m.channel_id in threads and text in m.content and m.author_id == sandbox.bot_user.id
    ]


def announcement_of(sandbox: Sandbox, guild: Guild) -> str:
    """Its embed's text, as the server's members read it: the description and every field."""
    message = next(m for m in sandbox.messages.values() if m.guild_id == guild.id and m.payload()["embeds"])
    embed = message.payload()["embeds"][0]
    fields = [f"{field['name']}: {field['value']}" for field in embed.get("fields", [])]
    return "\n".join([embed.get("description", ""), *fields])


def dms_to(sandbox: Sandbox, name: str, text: str) -> list[str]:
    return [o.content for o in sandbox.seen_by(name) if o.channel is None and text in o.content]


@pytest.mark.timeout(180)  # processes started five times over: half a minute on a quiet machine
async def test_every_reminder_arrives_once_while_a_process_is_killed_at_random(world: World) -> None:
    sandbox, bots = world.sandbox, world.bots
    rng = random.Random(SEED)
    print(f"HEARTBOT_CHAOS_SEED={SEED}")
    guests: list[Actor] = []
    for guild, host in ((world.low, "alice"), (world.high, "bob")):
        channel = general_of(sandbox, guild)
        hosting = Actor(sandbox, host, guild)
        plan = '/watchparty create episodes:S2E1 start:"in 2 hours"'
        await hosting.reply_to(await hosting.run(plan, channel))
        for name in ("carol", "dave"):  # in both servers: carol by DM, dave in the threads
            guest = Actor(sandbox, name, guild)
            guests.append(guest)
            await sandbox.idle()
            await guest.click("Going", channel)
    carol = Actor(sandbox, "carol", world.low)
    await sandbox.idle()
    await carol.reply_to(await carol.run("/watchparty notify how:dm", general_of(sandbox, world.low)))
    await sandbox.idle()
    for guild in (world.low, world.high):  # the host and both guests, as everyone sees it
        assert "Going: 3" in announcement_of(sandbox, guild), f"seed {SEED}"

    # The steps fall due at 60 and 10 minutes before the start, the start and the end (28 minutes on):
    # each time, one process or the other is killed a moment after the clock passes it, mid-step or not.
    for minutes in (61, 50, 10, 29):
        await sandbox.advance(timedelta(minutes=minutes))
        await asyncio.sleep(rng.uniform(0, 0.3))
        victim = rng.choice(bots.bots)
        await bots.kill(victim)
        await bots.start_one(victim)
        await sandbox.advance(timedelta(seconds=31))  # the dead process's claims lapse
        await sandbox.idle(timeout=20)

    for guild in (world.low, world.high):
        assert len(thread_messages(sandbox, guild, "⏰")) == 2, f"seed {SEED}"  # the 60- and 10-minute ones
        assert len(thread_messages(sandbox, guild, "press play")) == 1, f"seed {SEED}"
        assert len(thread_messages(sandbox, guild, "done!")) == 1, f"seed {SEED}"
    assert len(dms_to(sandbox, "carol", "⏰")) == 4, f"seed {SEED}"  # two reminders for each party
    for party_id in (1, 2):  # every answer given before the kills is still there
        assert (await PartyRepository(world.db).counts(party_id))[Rsvp.GOING] == 3, f"seed {SEED}"


async def test_progress_set_through_one_process_is_what_the_other_shows(world: World) -> None:
    sandbox = world.sandbox
    here, there = Actor(sandbox, "erin", world.low), Actor(sandbox, "erin", world.high)
    reply = await here.reply_to(await here.run("/progress set episode:S2E4", general_of(sandbox, world.low)))
    assert "S2E4" in reply.content
    async with asyncio.timeout(1):
        shown = await there.reply_to(await there.run("/progress show", general_of(sandbox, world.high)))
    assert "You've watched up to **S2E4" in shown.content
