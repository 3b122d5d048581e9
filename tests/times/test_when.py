"""Reading times as people type them, in their own time zone."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.errors import BadInput
from bot.sandbox.commands import ScriptError
from bot.sandbox.script import parse_duration
from bot.times.when import parse_when, read_duration, read_when
from bot.times.zones import zone, zone_choices

# Friday 20 November 2026, 18:00 in London (UTC+0 in winter); 13:00 in New York.
NOW = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
# The same Friday, 09:00 in London: "friday 8pm" is tonight.
MORNING = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
LONDON, NEW_YORK = zone("Europe/London"), zone("America/New_York")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("typed", "where", "expected"),
    [
        ("tomorrow 8pm", LONDON, utc(2026, 11, 21, 20, 0)),
        ("tomorrow 8pm", NEW_YORK, utc(2026, 11, 22, 1, 0)),
        ("saturday 19:30", LONDON, utc(2026, 11, 21, 19, 30)),
        ("Friday 9pm", LONDON, utc(2026, 11, 20, 21, 0)),  # today is Friday and 9pm is still ahead
        ("Friday 5pm", LONDON, utc(2026, 11, 27, 17, 0)),  # 5pm has passed: next week's
        ("in 2 hours", LONDON, utc(2026, 11, 20, 20, 0)),
        ("in 90 mins", NEW_YORK, utc(2026, 11, 20, 19, 30)),
        ("8pm", LONDON, utc(2026, 11, 20, 20, 0)),
        ("9am", LONDON, utc(2026, 11, 21, 9, 0)),  # already past today: tomorrow
        ("2026-12-01 20:00", LONDON, utc(2026, 12, 1, 20, 0)),
        ("2026-12-01T20:00+01:00", LONDON, utc(2026, 12, 1, 19, 0)),
        ("<t:1764000000:F>", NEW_YORK, datetime.fromtimestamp(1764000000, UTC)),
    ],
)
def test_times_people_type(typed: str, where: ZoneInfo, expected: datetime) -> None:
    assert parse_when(typed, now=NOW, where=where) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("friday 8pm", utc(2026, 11, 20, 20, 0)),  # typed on a Friday morning: tonight, not next week
        ("in an hour", utc(2026, 11, 20, 10, 0)),
        ("in 1.5 hours", utc(2026, 11, 20, 10, 30)),
        ("in 1h30m", utc(2026, 11, 20, 10, 30)),
        ("in an hour and a half", utc(2026, 11, 20, 10, 30)),
        ("in half an hour", utc(2026, 11, 20, 9, 30)),
        ("noon", utc(2026, 11, 20, 12, 0)),
        ("midnight", utc(2026, 11, 21, 0, 0)),  # the coming one
        ("8pm tomorrow", utc(2026, 11, 21, 20, 0)),
        ("next friday 8pm", utc(2026, 11, 27, 20, 0)),
        ("Dec 1 8pm", utc(2026, 12, 1, 20, 0)),
        ("1 December 20:00", utc(2026, 12, 1, 20, 0)),
        ("1st of december at 8 pm", utc(2026, 12, 1, 20, 0)),
        ("8pm on friday", utc(2026, 11, 20, 20, 0)),
        ("tonight 8", utc(2026, 11, 20, 20, 0)),
        ("sunday 6 dec 20:00", utc(2026, 12, 6, 20, 0)),
        ("2026-12-01 8pm", utc(2026, 12, 1, 20, 0)),
        ("25/12 20:00", utc(2026, 12, 25, 20, 0)),  # one reading whatever the language
        ("Nov 1 20:00", utc(2027, 11, 1, 20, 0)),  # already past this year: next year's
    ],
)
def test_the_phrases_members_asked_for(typed: str, expected: datetime) -> None:
    assert parse_when(typed, now=MORNING, where=LONDON, locale="en-GB") == expected


def test_a_reading_is_echoed_in_the_members_zone() -> None:
    reading = read_when("sunday 6 dec 8pm", now=MORNING, where=LONDON)
    assert reading.described(MORNING) == "Sunday 6 December, 20:00 Europe/London"
    later = read_when("Nov 1 20:00", now=MORNING, where=LONDON)
    assert later.described(MORNING) == "Monday 1 November 2027, 20:00 Europe/London"  # not this year


def test_day_and_month_order_follows_the_discord_language_and_is_said() -> None:
    british = read_when("12/01 20:00", now=MORNING, where=LONDON, locale="en-GB")
    assert british.moment == utc(2027, 1, 12, 20, 0)
    assert british.notes == (
        "I read 12/01 day first, as dates are written in en-GB (your Discord language): 12 January. "
        "For 1 December, type “1 Dec”.",
    )
    american = read_when("12/01 20:00", now=MORNING, where=NEW_YORK, locale="en-US")
    assert american.moment == utc(2026, 12, 2, 1, 0)  # 1 December, 20:00 in New York
    assert american.notes[0].startswith("I read 12/01 month first, as dates are written in en-US")
    assert read_when("25/12 20:00", now=MORNING, where=LONDON, locale="en-US").notes == ()


def test_next_weekday_says_which_one_it_took() -> None:
    monday = read_when("next monday 8pm", now=MORNING, where=LONDON)
    assert monday.moment == utc(2026, 11, 23, 20, 0)
    assert "If you meant the one after, say its date instead (30 November)" in monday.notes[0]
    assert read_when("next friday 8pm", now=MORNING, where=LONDON).notes == ()  # a week today: one reading


def test_midnight_after_a_day_is_the_end_of_that_day() -> None:
    reading = read_when("friday midnight", now=MORNING, where=LONDON)
    assert reading.moment == utc(2026, 11, 21, 0, 0)
    assert reading.notes == ("I read midnight as the end of Friday 20 November.",)


def test_daylight_saving_is_the_zones_not_a_fixed_offset() -> None:
    summer = parse_when("2026-07-01 20:00", now=NOW, where=LONDON)
    assert summer == utc(2026, 7, 1, 19, 0)  # BST is UTC+1
    # In New York the clocks go back on 1 November 2026: 8pm on 31 October is EDT, on 1 November EST.
    before = read_when("2026-10-31 20:00", now=datetime(2026, 10, 30, tzinfo=UTC), where=NEW_YORK)
    after = read_when("nov 1 8pm", now=datetime(2026, 10, 30, tzinfo=UTC), where=NEW_YORK)
    assert (before.moment, after.moment) == (utc(2026, 11, 1, 0, 0), utc(2026, 11, 2, 1, 0))


def test_hours_the_clocks_skip_or_repeat_are_pointed_out() -> None:
    spring = read_when("2027-03-28 01:30", now=NOW, where=LONDON)  # the clocks go forward at 01:00
    assert spring.moment == utc(2027, 3, 28, 1, 30)
    assert spring.notes == (
        "01:30 doesn't happen on 28 March in Europe/London (the clocks go forward), so I read it as 02:30.",
    )
    autumn = read_when("2027-10-31 01:30", now=NOW, where=LONDON)  # 01:30 BST, then 01:30 GMT
    assert autumn.moment == utc(2027, 10, 31, 0, 30)
    assert autumn.notes == (
        "01:30 happens twice on 31 October in Europe/London (the clocks go back); I read it as the first, "
        "01:30 BST.",
    )


def test_only_the_members_zone_decides_local_phrases() -> None:
    assert read_when("in 2 hours", now=NOW, where=LONDON).needed_zone is False
    assert read_when("<t:1764000000:F>", now=NOW, where=LONDON).needed_zone is False
    assert read_when("friday 8pm", now=NOW, where=LONDON).needed_zone is True


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        ("", "Say when"),
        ("soonish", "I couldn't read the time 'soonish'"),
        ("tomorrow", "Add a time of day, like tomorrow 8pm"),
        ("2026-12-01", "Add a time of day, like 2026-12-01 20:00"),
        ("dec 1", "Add a time of day"),
        ("25:00", "isn't a time of day"),
        ("13pm", "With am or pm, the hour runs from 1 to 12"),
        ("saturday at noonish", "I couldn't read the time"),
        ("friday 8", "Did you mean 8am or 8pm?"),
        ("31/02 20:00", "There's no 31 February"),
        ("sat 6 dec 8pm", "6 December 2026 is a Sunday, not a Saturday"),
        ("in a while", "I couldn't read how long 'a while' is"),
        ("x" * 500, "too long to be a time"),
    ],
)
def test_unreadable_times_get_a_helpful_answer(typed: str, answer: str) -> None:
    with pytest.raises(BadInput, match=re.escape(answer)):
        parse_when(typed, now=MORNING, where=LONDON)


@pytest.mark.parametrize(
    "typed",
    [
        "<t:9999999999999>",
        "<t:-9999999999999>",
        "<t:99999999999999999999:F>",
        "9999-12-31 23:59-05:00",
        "0001-01-01 00:00+05:00",
        "9999-12-31 23:59",  # in New York, a minute before year 10000 in UTC is past it
        "in 999999 weeks",
    ],
)
def test_dates_beyond_the_calendar_are_refused_politely(typed: str) -> None:
    with pytest.raises(BadInput, match="further off than any date I can plan for"):
        parse_when(typed, now=NOW, where=NEW_YORK)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("1h 30m", timedelta(hours=1, minutes=30)),
        ("45m", timedelta(minutes=45)),
        ("2d", timedelta(days=2)),
        ("10s", timedelta(seconds=10)),
        ("1 hour", timedelta(hours=1)),
        ("90 minutes", timedelta(minutes=90)),
        ("an hour", timedelta(hours=1)),
        ("1.5 hours", timedelta(minutes=90)),
        ("an hour and a half", timedelta(minutes=90)),
        ("1 hour and 30 minutes", timedelta(minutes=90)),
        ("2 weeks", timedelta(days=14)),
    ],
)
def test_durations(typed: str, expected: timedelta) -> None:
    assert read_duration(typed) == expected


@pytest.mark.parametrize(
    "typed", ["", "soon", "1x", "h1", "1h30", "1 month", "99999999999999999999h", "999999w", "600w"]
)
def test_text_that_is_not_a_duration(typed: str) -> None:
    assert read_duration(typed) is None  # never an OverflowError: numbers have at most six digits


def test_a_sandbox_wait_too_long_for_the_clock_is_a_script_error() -> None:
    with pytest.raises(ScriptError, match="cannot read the duration"):
        parse_duration("9999999d")  # the bot's clock would pass year 9999


def test_zone_aliases_and_choices() -> None:
    assert zone("uk").key == "Europe/London"
    assert zone("EST").key == "America/New_York"
    assert "Europe/London" in zone_choices("lond")
    assert zone_choices("uk")[0] == "Europe/London"  # aliases people use come first
    assert zone_choices("pst")[0] == "America/Los_Angeles"
    assert len(zone_choices("a")) == 25
    with pytest.raises(BadInput, match="I don't know the time zone"):
        zone("Middle/Earth")
