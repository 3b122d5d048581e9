"""Reading the time zones members type: cities, countries, offsets, abbreviations and folders of zones."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from bot.core.database import Database
from bot.core.errors import BadInput
from bot.times.repository import TimezoneRepository
from bot.times.service import TimezoneService
from bot.times.zones import label, read_zone, zone, zone_choices

NOW = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("london", "Europe/London"),
        ("New York", "America/New_York"),
        ("new_york", "America/New_York"),
        ("europe/PARIS", "Europe/Paris"),
        ("são paulo", "America/Sao_Paulo"),
        ("india", "Asia/Kolkata"),
        ("Germany", "Europe/Berlin"),  # tzdata lists Büsingen too, but its clocks agree with Berlin's
        ("uk", "Europe/London"),
        ("US/Eastern", "America/New_York"),  # old names become the zone they link to
        ("Asia/Calcutta", "Asia/Kolkata"),
        ("UTC", "UTC"),
    ],
)
def test_names_people_type(typed: str, key: str) -> None:
    assert read_zone(typed, now=NOW).zone.key == key


@pytest.mark.parametrize(
    ("typed", "key", "shown"),
    [
        ("UTC+2", "Etc/GMT-2", "UTC+2"),  # tzdata's Etc/GMT-2 is two hours *ahead* of UTC
        ("GMT-5", "Etc/GMT+5", "UTC−5"),
        ("utc +10", "Etc/GMT-10", "UTC+10"),
        ("UTC+0", "UTC", "UTC"),
    ],
)
def test_offsets_keep_their_sign(typed: str, key: str, shown: str) -> None:
    found = read_zone(typed, now=NOW)
    assert (found.zone.key, label(found.zone)) == (key, shown)
    assert NOW.astimezone(found.zone).utcoffset() == NOW.astimezone(zone(key)).utcoffset()


def test_a_fixed_offset_says_it_has_no_summer_time() -> None:
    assert "stays UTC+2 all year, with no summer time" in read_zone("UTC+2", now=NOW).note


def test_an_offset_that_is_not_a_whole_hour_picks_a_zone_and_says_so() -> None:
    found = read_zone("UTC+5:30", now=NOW)
    assert found.zone.key == "Asia/Kolkata"
    assert found.note.startswith("I picked Asia/Kolkata, which is at UTC+5:30 now")


def test_gmt_stays_gmt_all_year_and_says_so() -> None:
    found = read_zone("GMT", now=NOW)
    assert NOW.replace(month=7).astimezone(found.zone).utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    assert found.note == (
        "GMT stays UTC+0 all year. If you mean UK time (GMT in winter, BST in summer), pick Europe/London."
    )


def test_ist_picks_india_and_names_the_other_readings() -> None:
    found = read_zone("IST", now=NOW)
    assert found.zone.key == "Asia/Kolkata"
    assert "Europe/Dublin" in found.note
    assert "Asia/Jerusalem" in found.note


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        ("Brazil", "Brazil has several time zones: America/Sao_Paulo, America/Campo_Grande"),
        ("US", "United States has several time zones: America/New_York, America/Chicago"),
        ("Canada", "Canada has several time zones"),
        ("Australia", "Australia has several time zones: Australia/Sydney"),
        ("America", "America has many time zones, such as America/New_York"),
        ("Europe", "Europe has many time zones, such as Europe/London"),
        ("Asia", "Asia has many time zones, such as Asia/Kolkata"),
    ],
)
def test_a_name_with_several_zones_lists_some(typed: str, answer: str) -> None:
    with pytest.raises(BadInput, match=re.escape(answer)) as refusal:
        read_zone(typed, now=NOW)
    assert str(refusal.value).endswith("Which one is yours? Type it in `zone`, or your city's name.")


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        ("x" * 120, "That's longer than any time zone name"),
        ("Middle/Earth", "I don't know the time zone 'Middle/Earth'"),
        ("Lodnon", "Did you mean Europe/London?"),
        ("../../etc/passwd", "I don't know the time zone"),
        ("UTC+15", "UTC+15 isn't a UTC offset"),
        ("", "Name your time zone"),
    ],
)
def test_names_that_are_no_zone(typed: str, answer: str) -> None:
    with pytest.raises(BadInput, match=re.escape(answer)):
        read_zone(typed, now=NOW)


def test_autocomplete_finds_countries_and_cities() -> None:
    assert zone_choices("brazil")[0] == "America/Sao_Paulo"
    assert zone_choices("india")[0] == "Asia/Kolkata"  # then Indiana's, Indian Ocean's...
    assert zone_choices("new y") == ["America/New_York"]
    assert zone_choices("IST")[0] == "Asia/Kolkata"
    assert "UTC" in zone_choices("")


async def test_the_service_exports_and_erases_a_members_zone(db: Database) -> None:
    service = TimezoneService(TimezoneRepository(db))
    assert await service.export_member(5) == {}
    await service.set(5, "Europe/London", NOW)
    assert await service.get(5) == "Europe/London"
    assert await service.export_member(5) == {"time_zone": "Europe/London"}
    await service.erase_member(5)
    assert await service.get(5) is None
    assert await service.export_member(5) == {}
