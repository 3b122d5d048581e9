"""Reading times as people type them, in their own time zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.errors import BadInput
from bot.when import parse_when, zone, zone_choices

# Friday 20 November 2026, 18:00 in London (UTC+0 in winter); 13:00 in New York.
NOW = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
LONDON, NEW_YORK = zone("Europe/London"), zone("America/New_York")


@pytest.mark.parametrize(
    ("typed", "where", "expected"),
    [
        ("tomorrow 8pm", LONDON, datetime(2026, 11, 21, 20, 0, tzinfo=UTC)),
        ("tomorrow 8pm", NEW_YORK, datetime(2026, 11, 22, 1, 0, tzinfo=UTC)),
        ("saturday 19:30", LONDON, datetime(2026, 11, 21, 19, 30, tzinfo=UTC)),
        ("Friday 9pm", LONDON, datetime(2026, 11, 27, 21, 0, tzinfo=UTC)),  # today is Friday: next week's
        ("in 2 hours", LONDON, datetime(2026, 11, 20, 20, 0, tzinfo=UTC)),
        ("in 90 mins", NEW_YORK, datetime(2026, 11, 20, 19, 30, tzinfo=UTC)),
        ("8pm", LONDON, datetime(2026, 11, 20, 20, 0, tzinfo=UTC)),
        ("9am", LONDON, datetime(2026, 11, 21, 9, 0, tzinfo=UTC)),  # already past today: tomorrow
        ("2026-12-01 20:00", LONDON, datetime(2026, 12, 1, 20, 0, tzinfo=UTC)),
        ("2026-12-01T20:00+01:00", LONDON, datetime(2026, 12, 1, 19, 0, tzinfo=UTC)),
        ("<t:1764000000:F>", NEW_YORK, datetime.fromtimestamp(1764000000, UTC)),
    ],
)
def test_times_people_type(typed: str, where: object, expected: datetime) -> None:
    assert parse_when(typed, now=NOW, where=where) == expected  # type: ignore[arg-type]


def test_daylight_saving_is_the_zones_not_a_fixed_offset() -> None:
    summer = parse_when("2026-07-01 20:00", now=NOW, where=LONDON)
    assert summer == datetime(2026, 7, 1, 19, 0, tzinfo=UTC)  # BST is UTC+1


@pytest.mark.parametrize("typed", ["", "soonish", "tomorrow", "25:00", "13pm", "saturday at noonish"])
def test_unreadable_times_get_a_helpful_answer(typed: str) -> None:
    with pytest.raises(BadInput):
        parse_when(typed, now=NOW, where=LONDON)


def test_zone_aliases_and_choices() -> None:
    assert zone("uk").key == "Europe/London"
    assert zone("EST").key == "America/New_York"
    assert "Europe/London" in zone_choices("lond")
    assert zone_choices("uk")[0] == "Europe/London"  # aliases people use come first
    assert zone_choices("pst")[0] == "America/Los_Angeles"
    assert len(zone_choices("a")) == 25
    with pytest.raises(BadInput, match="I don't know the time zone"):
        zone("Middle/Earth")
