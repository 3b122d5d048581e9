"""Typing times and zones as people do, through the sandbox with the real bot: what a member sees."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.sandbox.harness import Actor
from bot.sandbox.server import Sandbox
from tests.parties.test_watch_parties import announcement, ask, stamp_of

UNEXPECTED = "something went wrong"
NOT_SET = "You haven't set a time zone"


@pytest.mark.parametrize("name", ["Brazil", "America", "US"])
async def test_a_folder_of_zones_gets_a_list_to_pick_from(alice: Actor, name: str) -> None:
    reply = await ask(alice, f"/timezone set zone:{name}")
    assert reply.visible_to == "alice"
    assert "time zones" in reply.content
    assert "Which one is yours?" in reply.content
    assert UNEXPECTED not in reply.content
    assert (await ask(alice, "/timezone show")).content.startswith(NOT_SET)  # nothing stored


async def test_brazil_lists_sao_paulo_first(alice: Actor) -> None:
    reply = await ask(alice, "/timezone set zone:Brazil")
    assert reply.content.startswith("Brazil has several time zones: America/Sao_Paulo, ")


async def test_an_overlong_zone_name_is_refused_politely(alice: Actor) -> None:
    reply = await ask(alice, f"/timezone set zone:{'x' * 120}")
    assert reply.content.startswith("That's longer than any time zone name.")
    assert (await ask(alice, "/timezone show")).content.startswith(NOT_SET)


async def test_cities_countries_and_offsets_as_people_type_them(alice: Actor) -> None:
    assert "**America/New_York**" in (await ask(alice, '/timezone set zone:"new york"')).content
    assert "**Asia/Kolkata**" in (await ask(alice, "/timezone set zone:india")).content
    offset = await ask(alice, "/timezone set zone:UTC+2")
    assert "**UTC+2**" in offset.content
    assert "no summer time" in offset.content
    assert "**UTC+2**" in (await ask(alice, "/timezone show")).content


async def test_gmt_is_not_uk_time_and_the_reply_says_so(alice: Actor) -> None:
    reply = await ask(alice, "/timezone set zone:GMT")
    assert "**GMT**" in reply.content
    assert "GMT stays UTC+0 all year. If you mean UK time" in reply.content


async def test_ist_says_which_one_it_picked(alice: Actor) -> None:
    reply = await ask(alice, "/timezone set zone:IST")
    assert "**Asia/Kolkata**" in reply.content
    assert "IST can mean India, Ireland or Israel: I picked India" in reply.content


async def test_zone_autocomplete_knows_countries(sandbox: Sandbox, alice: Actor) -> None:
    choices = await sandbox.autocomplete("alice", "timezone set zone:brazil")
    assert choices[0] == {"name": "America/Sao_Paulo", "value": "America/Sao_Paulo"}


@pytest.mark.parametrize(
    "start", ["<t:9999999999999>", "<t:-9999999999999>", '"9999-12-31 23:59-05:00"', '"in 999999 weeks"']
)
async def test_times_beyond_the_calendar_get_a_short_answer_and_create_nothing(
    alice: Actor, sandbox: Sandbox, start: str
) -> None:
    reply = await ask(alice, f"/watchparty create episodes:S2E1 start:{start}")
    assert reply.visible_to == "alice"
    assert reply.content.startswith("That's further off than any date I can plan for")
    assert (await ask(alice, "/watchparty list")).content.startswith("No watch parties coming up.")


async def test_party_reminders_read_words_and_refuse_huge_numbers(sandbox: Sandbox, running: object) -> None:
    admin = Actor(sandbox, "admin")
    huge = await ask(admin, "/config party-reminders offsets:99999999999999999999h")
    assert huge.content.startswith("I couldn't read")
    assert UNEXPECTED not in huge.content
    words = await ask(admin, '/config party-reminders offsets:"1 hour, 90 minutes"')
    assert words.content.startswith("Watch parties here now get **1 hour 30 minutes and 1 hour before**")


async def test_a_weekday_and_hour_are_read_in_the_members_zone_and_echoed(
    alice: Actor, sandbox: Sandbox
) -> None:
    await ask(alice, "/timezone set zone:london")
    london = ZoneInfo("Europe/London")
    tomorrow = sandbox.now().astimezone(london).date() + timedelta(days=1)
    reply = await ask(alice, f'/watchparty create episodes:S2E1 start:"{tomorrow:%A} 8pm"')
    expected = f"{tomorrow:%A} {tomorrow.day} {tomorrow:%B}"
    assert f"I read “{tomorrow:%A} 8pm” as {expected}" in reply.content
    assert reply.content.count("20:00 Europe/London") == 1
    start = stamp_of(announcement(sandbox).embeds[0]["description"], "F").astimezone(london)
    assert (start.date(), start.hour, start.minute) == (tomorrow, 20, 0)


def _ambiguous_day(today: date) -> date:
    """A day 10 to 60 days ahead whose day and month could swap (3/11 and 11/3 are both dates)."""
    return next(
        day
        for ahead in range(10, 60)
        if (day := today + timedelta(days=ahead)).day <= 12 and day.day != day.month
    )


async def test_a_numeric_date_follows_the_members_discord_language(bob: Actor, sandbox: Sandbox) -> None:
    sandbox.user("bob").locale = "en-US"
    await ask(bob, "/timezone set zone:America/New_York")
    new_york = ZoneInfo("America/New_York")
    day = _ambiguous_day(sandbox.now().astimezone(new_york).date())
    reply = await ask(bob, f'/watchparty create episodes:S2E1 start:"{day.month}/{day.day} 20:00"')
    assert f"I read {day.month}/{day.day} month first, as dates are written in en-US" in reply.content
    start = stamp_of(announcement(sandbox).embeds[0]["description"], "F").astimezone(new_york)
    assert (start.date(), start.hour) == (day, 20)
