"""Reading the times people type: Discord's @time picker, ISO 8601, and plain phrases in their own zone.

"tomorrow 8pm", "saturday 19:30", "in 2 hours", "2026-12-01 20:00", "<t:1764000000:F>". Pure: the caller
supplies now and the reader's zone.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.errors import BadInput

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_DISCORD = re.compile(r"<t:(-?\d{1,13})(?::[tTdDfFR])?>")
_RELATIVE = re.compile(r"in\s+(\d{1,4})\s*(minutes?|mins?|m|hours?|hrs?|h|days?|d)")
_CLOCK = re.compile(r"(\d{1,2})(?::(\d{2}))?\s*(am|pm)?")
_ZONE_ALIASES = {
    "uk": "Europe/London",
    "bst": "Europe/London",
    "gmt": "Europe/London",
    "utc": "UTC",
    "est": "America/New_York",
    "edt": "America/New_York",
    "pst": "America/Los_Angeles",
    "pdt": "America/Los_Angeles",
    "cet": "Europe/Paris",
    "aest": "Australia/Sydney",
}
_DURATION_PART = re.compile(r"(\d+)([dhms])")
_UNITS = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}
EXAMPLES = "tomorrow 8pm, saturday 19:30, in 2 hours, 2026-12-01 20:00, or Discord's time picker"


def zone(name: str) -> ZoneInfo:
    """An IANA zone from its name or a common alias (UK, EST, CET...)."""
    key = _ZONE_ALIASES.get(name.strip().casefold(), name.strip())
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError):
        raise BadInput(
            f"I don't know the time zone {name.strip()[:40]!r}; try a name like Europe/London."
        ) from None


def zone_choices(typed: str, limit: int = 25) -> list[str]:
    """Zones for autocomplete: aliases and IANA names containing what was typed."""
    wanted = typed.strip().casefold().replace(" ", "_")
    if not wanted:
        return list(dict.fromkeys(_ZONE_ALIASES.values()))
    aliased = [key for alias, key in _ZONE_ALIASES.items() if alias.startswith(wanted)]
    found = [n for n in sorted(available_timezones()) if wanted in n.casefold()]
    return list(dict.fromkeys(aliased + found))[:limit]


def _clock_time(text: str) -> time:
    match = _CLOCK.fullmatch(text.strip())
    if match is None:
        raise BadInput(f"I couldn't read the time {text.strip()[:40]!r}. Try {EXAMPLES}.")
    hour, minute, half = int(match[1]), int(match[2] or 0), match[3]
    if half:
        if not 1 <= hour <= 12:
            raise BadInput("With am or pm, the hour runs from 1 to 12.")
        hour = hour % 12 + (12 if half == "pm" else 0)
    if hour > 23 or minute > 59:
        raise BadInput("That isn't a time of day.")
    return time(hour, minute)


def parse_when(text: str, *, now: datetime, where: ZoneInfo) -> datetime:
    """The moment `text` names, read in `where`, as an aware UTC datetime."""
    phrase = " ".join(text.strip().casefold().split())
    if not phrase:
        raise BadInput(f"Say when: {EXAMPLES}.")
    if match := _DISCORD.fullmatch(phrase):
        return datetime.fromtimestamp(int(match[1]), UTC)
    if match := _RELATIVE.fullmatch(phrase):
        amount, unit = int(match[1]), {"m": "minutes", "h": "hours", "d": "days"}[match[2][0]]
        return now + timedelta(**{unit: amount})
    try:
        moment = datetime.fromisoformat(phrase.upper().replace(" ", "T", 1))
    except ValueError:
        pass
    else:
        return (moment if moment.tzinfo else moment.replace(tzinfo=where)).astimezone(UTC)
    local_now = now.astimezone(where)
    day_word, _, clock = phrase.partition(" ")
    if day_word in ("today", "tonight", "tomorrow"):
        day = local_now.date() + timedelta(days=1 if day_word == "tomorrow" else 0)
    elif day_word in WEEKDAYS or day_word[:3] in [w[:3] for w in WEEKDAYS]:
        index = [w[:3] for w in WEEKDAYS].index(day_word[:3])
        ahead = (index - local_now.weekday()) % 7
        day = local_now.date() + timedelta(days=ahead or 7)
    else:
        day, clock = local_now.date(), phrase  # a bare time: today, or tomorrow if it has passed
        moment = _at(day, _clock_time(clock), where)
        return moment if moment > now else _at(day + timedelta(days=1), _clock_time(clock), where)
    if not clock:
        raise BadInput(f"Add a time of day, like {day_word} 8pm.")
    return _at(day, _clock_time(clock.removeprefix("at ")), where)


def read_duration(text: str) -> timedelta | None:
    """`1h30m`, `45m`, `2d`, `10s`, `1h 30m`; None when the text is not a duration."""
    compact = text.replace(" ", "")
    parts = _DURATION_PART.findall(compact)
    if not parts or "".join(n + u for n, u in parts) != compact:
        return None
    return sum((timedelta(**{_UNITS[unit]: int(n)}) for n, unit in parts), timedelta())


def depends_on_zone(text: str) -> bool:
    """Whether reading `text` needed the reader's zone (a picker time or "in 2 hours" does not)."""
    phrase = " ".join(text.strip().casefold().split())
    if _DISCORD.fullmatch(phrase) or _RELATIVE.fullmatch(phrase):
        return False
    try:
        return datetime.fromisoformat(phrase.upper().replace(" ", "T", 1)).tzinfo is None
    except ValueError:
        return True


def _at(day: date, clock: time, where: ZoneInfo) -> datetime:
    return datetime.combine(day, clock, tzinfo=where).astimezone(UTC)
