"""Watch parties without Discord: plans, offsets, titles, their storage in a real SQLite file, and the
timers they register."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.canon import Canon, EpisodeCode
from bot.canon.search import CanonIndex
from bot.core.clock import VirtualClock
from bot.core.database import Database, bundled_migrations, open_database
from bot.core.errors import BadInput, UserFacingError
from bot.core.timers import Handler, TimerDispatcher
from bot.core.timers_repository import TimerRepository
from bot.parties.repository import Party, PartyRepository, Rsvp, Status
from bot.parties.service import (
    ASSUMED_RUNTIME,
    END,
    NOTICE,
    PER_MEMBER,
    PER_SERVER,
    REMINDER,
    START,
    PartyService,
    check_start,
    clean_title,
    describe_offset,
    parse_offsets,
    plan_episodes,
)
from bot.parties.timers import PartyTimers
from bot.times.when import read_when

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("S2E1", "S2E1", "S2E1"),
        ("S2E1-S2E3", "S2E1", "S2E3"),
        ("s2e1 – s2e3", "S2E1", "S2E3"),
        ("S1E8 to S2E1", "S1E8", "S2E1"),
        ("Out-Family", "S2E1", "S2E2"),
    ],
)
def test_episode_plans(canon: Canon, text: str, first: str, last: str) -> None:
    plan = plan_episodes(CanonIndex(canon), text)
    assert (str(plan.first), str(plan.last)) == (first, last)


def test_runtimes_add_up_and_missing_ones_are_estimated(canon: Canon) -> None:
    index = CanonIndex(canon)
    season_two = plan_episodes(index, "S2E1-S2E2")
    assert (season_two.minutes, season_two.estimated) == (32 + 35, False)
    season_one = plan_episodes(index, "S1E1-S1E2")
    assert (season_one.minutes, season_one.estimated) == (2 * ASSUMED_RUNTIME, True)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("S2E3-S2E1", "runs backwards: did you mean `S2E1-S2E3`?"),
        ("S1E1-S3E8", "up to 12 episodes"),
        ("-", "one code or a range"),
        ("S4E1", "There's no episode S4E1"),
    ],
)
def test_bad_plans(canon: Canon, text: str, message: str) -> None:
    with pytest.raises(UserFacingError, match=re.escape(message)):
        plan_episodes(CanonIndex(canon), text)


def test_offsets() -> None:
    assert parse_offsets("1h, 10m") == (60, 10)
    assert parse_offsets("10m 1h30m 2d") == (2880, 90, 10)
    assert parse_offsets("none") == ()
    assert describe_offset(90) == "1 hour 30 minutes"
    for bad in ("soon", "0m", "8d", "1h, 2h, 3h, 4h, 5h"):
        with pytest.raises(BadInput):
            parse_offsets(bad)


def test_titles_and_start_times() -> None:
    assert clean_title("  Night   one \n") == "Night one"
    assert clean_title(None) == ""
    with pytest.raises(BadInput, match="80 characters"):
        clean_title("x" * 81)
    check_start(NOW + timedelta(minutes=1), NOW)
    for bad in (NOW, NOW - timedelta(days=1), NOW + timedelta(days=366)):
        with pytest.raises(BadInput):
            check_start(bad, NOW)


@pytest.mark.parametrize(
    ("text", "needs_zone"),
    [
        ("tomorrow 8pm", True),
        ("2026-12-01 20:00", True),
        ("2026-12-01T20:00+01:00", False),
        ("in 2 hours", False),
        ("<t:1764000000:F>", False),
    ],
)
def test_which_phrases_depend_on_the_zone(text: str, needs_zone: bool) -> None:
    assert read_when(text, now=NOW, where=ZoneInfo("UTC")).needed_zone is needs_zone


def _party(**changes: object) -> Party:
    base = dict(
        id=0,
        guild_id=1,
        channel_id=2,
        host_id=3,
        title="",
        first=EpisodeCode(2, 1),
        last=EpisodeCode(2, 2),
        start=NOW + timedelta(hours=2),
        end=NOW + timedelta(hours=3),
        status=Status.DRAFT,
    )
    return Party(**{**base, **changes})  # type: ignore[arg-type]


async def test_drafts_rsvps_and_deliveries_are_stored(db: Database) -> None:
    repository = PartyRepository(db)
    draft = await repository.create_draft(_party(), NOW, "this-process")
    assert await repository.upcoming(1, NOW) == []  # a draft is shown nowhere
    await repository.publish(draft.id, message_id=10, thread_id=11, event_id=None)
    [party] = await repository.upcoming(1, NOW)
    assert (party.status, party.message_id, party.thread_id) == (Status.UPCOMING, 10, 11)

    assert await repository.set_rsvp(party.id, 5, Rsvp.GOING, NOW) is None
    assert await repository.set_rsvp(party.id, 5, Rsvp.NO, NOW) is Rsvp.GOING
    await repository.set_rsvp(party.id, 6, Rsvp.MAYBE, NOW)
    assert await repository.counts(party.id) == {Rsvp.GOING: 1, Rsvp.MAYBE: 1, Rsvp.NO: 1}  # 1: the host

    await repository.mark_delivered(party, "reminder:60", [0, 6])
    await repository.mark_delivered(party, "reminder:60", [6])  # again: no error, no duplicate
    assert await repository.delivered(party, "reminder:60") == {0, 6}
    edited = await repository.update(party)
    assert edited.revision == party.revision + 1
    assert await repository.delivered(edited, "reminder:60") == set()  # a new plan is reminded afresh

    assert await repository.delete_member(6)
    assert await repository.rsvps(party.id) == {3: Rsvp.GOING, 5: Rsvp.NO}


async def test_drafts_left_by_a_crash_are_dropped_and_those_still_being_posted_stay(db: Database) -> None:
    repository = PartyRepository(db)
    await db.announce_presence("still-here")
    await repository.create_draft(_party(), NOW, "gone")
    kept = await repository.create_draft(_party(), NOW, "still-here")
    assert await repository.delete_abandoned_drafts() == 1
    assert await repository.count_not_started(1, NOW) == 1
    assert await repository.get(kept.id) is not None


async def test_limits_per_server_and_per_member(db: Database, canon: Canon) -> None:
    clock = VirtualClock()
    service = PartyService(
        PartyRepository(db), CanonIndex(canon), TimerDispatcher(TimerRepository(db), clock), clock
    )
    plan = service.plan("S2E1")
    start = clock.now() + timedelta(days=1)

    async def draft(host: int, guild: int = 1) -> None:
        await service.draft(guild_id=guild, channel_id=2, host_id=host, title="", plan=plan, start=start)

    for _ in range(PER_MEMBER):
        await draft(0)
    with pytest.raises(UserFacingError, match="You're already hosting 3 parties"):
        await draft(0)
    for host in range(1, PER_SERVER - PER_MEMBER + 1):
        await draft(host)
    with pytest.raises(UserFacingError, match="This server already has 25 parties coming up"):
        await draft(999)
    await draft(999, guild=7)  # another server is not affected


async def test_hosts_of_parties_planned_before_the_host_rsvp_count_as_going(tmp_path: Path) -> None:
    async with await open_database(tmp_path / "old.db") as database:
        await database.migrate(bundled_migrations()[:7])  # before hosts answered Going themselves
        for party_id, host in ((1, 3), (2, 4), (3, 0)):  # 0: a host who erased their data
            await database.execute(
                "INSERT INTO watch_parties (id, guild_id, channel_id, host_id, title, first_season,"
                " first_episode, last_season, last_episode, start_us, end_us, status, created_us)"
                " VALUES (?, 1, 2, ?, '', 2, 1, 2, 2, 0, 1, 'upcoming', 0)",
                (party_id, host),
            )
        await database.execute(
            "INSERT INTO party_rsvps (party_id, user_id, choice, updated_us) VALUES (2, 4, 'no', 5)"
        )
        await database.migrate()
        repository = PartyRepository(database)
        assert await repository.rsvps(1) == {3: Rsvp.GOING}
        assert await repository.rsvps(2) == {4: Rsvp.NO}  # a host who answered keeps their answer
        assert await repository.rsvps(3) == {}


async def test_a_members_parties_are_exported_and_erased_by_the_service(db: Database, canon: Canon) -> None:
    clock = VirtualClock()
    service = PartyService(
        PartyRepository(db), CanonIndex(canon), TimerDispatcher(TimerRepository(db), clock), clock
    )
    assert await service.export_member(5) == {}  # nothing but the default: nothing to show
    start = clock.now() + timedelta(days=1)
    draft = await service.draft(
        guild_id=1, channel_id=2, host_id=3, title="Pilot night", plan=service.plan("S2E1"), start=start
    )
    party = await service.publish(draft, message_id=10, thread_id=11, event_id=None)
    await service.rsvp(party, 5, Rsvp.MAYBE)
    assert await service.export_member(5) == {
        "watch_parties": {
            "reminders_by": "thread",
            "rsvps": [{"party": party.id, "answer": "maybe"}],
            "messages_received": [],
            "dms_refused_for_parties": [],
            "hosted": [],
        }
    }
    assert (await service.export_member(3))["watch_parties"]["hosted"] == [
        {"party": party.id, "title": "Pilot night", "start": start.isoformat()}
    ]
    [changed] = await service.erase_member(3)
    assert (changed.id, changed.host_id) == (party.id, None)  # the party stays for its guests, unhosted
    assert await service.export_member(3) == {}
    assert [p.id for p in await service.erase_member(5)] == [party.id]
    assert await service.export_member(5) == {}


def test_the_party_timers_register_their_four_handlers_and_take_them_back() -> None:
    """What the watch-party cog does on load and unload: the dispatcher knows every party timer, then none."""

    class Dispatcher:
        def __init__(self) -> None:
            self.handlers: dict[str, Handler] = {}

        def register(self, event: str, handler: Handler) -> None:
            self.handlers[event] = handler

        def unregister(self, event: str) -> None:
            self.handlers.pop(event, None)

    dispatcher = Dispatcher()
    bot: Any = SimpleNamespace(parties=None, timers=dispatcher)  # only what registering reads
    timers = PartyTimers(bot)
    timers.register()
    assert dispatcher.handlers == {
        REMINDER: timers.on_reminder,
        START: timers.on_start,
        END: timers.on_end,
        NOTICE: timers.on_notice,
    }
    timers.unregister()
    assert dispatcher.handlers == {}
