"""Reading the times people type: Discord's @time picker, ISO 8601, and plain phrases in their own zone.

"friday 8pm", "8pm tomorrow", "next friday 8pm", "Dec 1 8pm", "1 December 20:00", "12/01 20:00", "noon",
"midnight", "in an hour", "in 1h30m", "2026-12-01 20:00", "<t:1764000000:F>". Pure: the caller supplies
now, the reader's zone and their Discord locale.

Why not parsedatetime, as RoboDanny does: tried on these phrases (2.6, its last release, 2020), it reads
"friday 8pm" typed on a Friday morning as next week (the very misreading members reported), takes "13pm"
as 13:00, reads "saturday at noonish" as Saturday at the current time of day, and decides 12/01 by a
process-wide locale rather than the member's. A wrong time for a watch party is worse than a refusal,
so this reader is strict: it reads a small grammar fully or says what it could not read, and every
reading is echoed back ("Saturday 6 December, 20:00 Europe/London") with a note wherever the phrase had
another reading. From RoboDanny it keeps the ideas that hold: the @time picker, bounded numbers (so no
amount can overflow a date), and a time of day already past meaning its next occurrence.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.core.errors import BadInput
from bot.times.zones import label

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
EXAMPLES = "friday 8pm, tomorrow 19:30, in 2 hours, Dec 1 8pm, 2026-12-01 20:00, or Discord's time picker"
# Discord locales whose members write the month first (12/01 is 1 December); the rest write the day first.
MONTH_FIRST = frozenset({"en-US", "ja", "ko", "zh-CN", "zh-TW"})
LONGEST_DURATION = timedelta(days=3660)  # ten years: longer is a typo, and nothing the bot times runs so long
TOO_FAR = "That's further off than any date I can plan for; parties can be up to a year ahead."

_DISCORD = re.compile(r"<t:(-?\d{1,20})(?::[tdfr])?>")
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}(?:[t ].*)?")
_AMOUNT = r"(?P<n>\d{1,6}(?:\.\d{1,3})?|an?|one|two|three|four|five|six|ten|twelve|half\s+an?)"
_UNIT = r"(?P<unit>weeks?|wks?|w|days?|d|hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)(?![a-z])"
_DURATION_PART = re.compile(rf"{_AMOUNT}(?P<half1>\s+and\s+a\s+half)?\s*{_UNIT}(?P<half2>\s+and\s+a\s+half)?")
_JOINER = re.compile(r"\s*(?:,\s*)?(?:and\s+)?")
_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "ten": 10,
    "twelve": 12,
}
_UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes", "s": "seconds"}
_CLOCK = re.compile(
    r"(?:(?P<noon>noon|midday|12\s*noon)|(?P<midnight>midnight|12\s*midnight)"
    r"|(?P<h>\d{1,2})(?:[:.h](?P<m>\d{2}))?\s*(?P<half>[ap]\.?m\.?|[ap])?)"
)
_WEEKDAY = rf"(?P<wd>{'|'.join(w[:3] + '(?:' + w[3:] + ')?' for w in WEEKDAYS)}|tues|thur|thurs)"
_MONTH = rf"(?:{'|'.join(m[:3] + '(?:' + m[3:] + ')?' for m in MONTHS)}|sept)"
_ORDINAL = r"(?:st|nd|rd|th)?"
_NAMED_DATE = re.compile(
    rf"(?:{_WEEKDAY},?\s+)?(?:(?:the\s+)?(?P<d1>\d{{1,2}}){_ORDINAL}(?:\s+of)?\s+(?P<m1>{_MONTH})"
    rf"|(?P<m2>{_MONTH})\s+(?:the\s+)?(?P<d2>\d{{1,2}}){_ORDINAL}),?(?:\s+(?P<y>\d{{4}}))?"
)
_NUMERIC_DATE = re.compile(
    rf"(?:{_WEEKDAY},?\s+)?(?P<a>\d{{1,2}})[/.](?P<b>\d{{1,2}})(?:[/.](?P<y>\d{{4}}|\d{{2}}))?\.?"
)
_RELATIVE_DAY = re.compile(r"(?P<day>today|tonight|this evening|tomorrow|tmrw|tmr)(?:\s+(?:night|evening))?")
_ON_WEEKDAY = re.compile(rf"(?:(?P<which>this|next|coming|on)\s+)?{_WEEKDAY}(?:\s+(?:night|evening))?")


@dataclass(frozen=True, slots=True)
class Reading:
    """How a typed time was read: the moment, the zone that decided it, and what the member should know."""

    moment: datetime  # aware, UTC
    where: ZoneInfo
    needed_zone: bool  # False for the @time picker, "in 2 hours" and ISO times with an offset
    notes: tuple[str, ...] = ()

    def described(self, now: datetime) -> str:
        """ "Saturday 6 December, 20:00 Europe/London" (the year only when it is not this year's)."""
        local = self.moment.astimezone(self.where)
        year = f" {local.year}" if local.year != now.astimezone(self.where).year else ""
        return f"{local:%A} {local.day} {local:%B}{year}, {local:%H:%M} {label(self.where)}"


def parse_when(text: str, *, now: datetime, where: ZoneInfo, locale: str | None = None) -> datetime:
    """The moment `text` names, read in `where`, as an aware UTC datetime."""
    return read_when(text, now=now, where=where, locale=locale).moment


def read_when(text: str, *, now: datetime, where: ZoneInfo, locale: str | None = None) -> Reading:
    """Read `text` as a member typed it; BadInput says what could not be read, and nothing is guessed
    silently: every choice between two readings is in the Reading's notes."""
    phrase = " ".join(text.strip().casefold().split()).rstrip(".!")
    if not phrase:
        raise BadInput(f"Say when: {EXAMPLES}.")
    if len(phrase) > 100:
        raise BadInput(f"That's too long to be a time. Try {EXAMPLES}.")
    try:
        return _read(phrase, now, where, locale)
    except (OverflowError, OSError):  # a date past year 9999 or before year 1, in any of the steps
        raise BadInput(TOO_FAR) from None


def read_duration(text: str, *, longest: timedelta = LONGEST_DURATION) -> timedelta | None:
    """`1h30m`, `45m`, `2d`, `1 hour`, `90 minutes`, `an hour and a half`, `1.5 hours`; None when the text
    is not a duration or is longer than `longest`. Each number has at most six digits, so no duration
    overflows a timedelta, and the default limit keeps a clock moved by it (the sandbox's `wait`) in range."""
    rest = " ".join(text.casefold().split())
    total, parts = timedelta(), 0
    while rest:
        match = _DURATION_PART.match(rest)
        if match is None or parts >= 6:
            return None
        amount = _WORDS.get(match["n"]) or (0.5 if match["n"].startswith("half") else float(match["n"]))
        if match["half1"] or match["half2"]:
            amount += 0.5
        total += timedelta(**{_UNITS[match["unit"][0]]: amount})
        parts += 1
        rest = rest[match.end() :]
        joiner = _JOINER.match(rest)
        assert joiner is not None  # each piece of the joiner is optional, so it always matches
        rest = rest[joiner.end() :] if rest.strip() else ""
    return total if parts and total <= longest else None


# -- the pieces ------------------------------------------------------------------------------------------


def _read(phrase: str, now: datetime, where: ZoneInfo, locale: str | None) -> Reading:
    if match := _DISCORD.fullmatch(phrase):
        try:
            return Reading(datetime.fromtimestamp(int(match[1]), UTC), where, needed_zone=False)
        except ValueError:
            raise BadInput(TOO_FAR) from None
    if relative := _relative(phrase):
        return Reading(now + relative, where, needed_zone=False)
    if _ISO.fullmatch(phrase) and (iso := _iso(phrase, where)) is not None:
        return iso
    return _phrase(phrase, now, where, locale)


def _relative(phrase: str) -> timedelta | None:
    if phrase.startswith("in "):
        body = phrase.removeprefix("in ")
    elif phrase.endswith(" from now"):
        body = phrase.removesuffix(" from now")
    else:
        return None
    delta = read_duration(body, longest=timedelta.max)  # too far ahead is said below, not "unreadable"
    if delta is None:
        raise BadInput(
            f"I couldn't read how long {body[:40]!r} is. Try in 2 hours, in 90 minutes or in 1h30m."
        )
    return delta


def _iso(phrase: str, where: ZoneInfo) -> Reading | None:
    if len(phrase) == 10:
        raise BadInput(f"Add a time of day, like {phrase} 20:00.")
    try:
        moment = datetime.fromisoformat(phrase.upper().replace(" ", "T", 1))
    except ValueError:
        return None  # "2026-12-01 8pm": a date and a phrase, read below
    if moment.tzinfo is not None:
        return Reading(moment.astimezone(UTC), where, needed_zone=False)
    return _local(moment.date(), moment.time(), where, ())


def _phrase(phrase: str, now: datetime, where: ZoneInfo, locale: str | None) -> Reading:
    """A day and a time of day, in either order ("friday 8pm", "8pm tomorrow"), or a time alone."""
    local_now = now.astimezone(where)
    words = phrase.replace(",", " ").split()
    sizes = [k for k in (1, 2, 3) if k <= len(words)]  # "8pm", "8 pm", "at 8 pm"
    splits = [(words[: len(words) - k], words[len(words) - k :]) for k in sizes]  # the time last
    splits += [(words[k:], words[:k]) for k in sizes]  # the time first
    for day_words, clock_words in splits:
        day_text = " ".join(w for w in day_words if w != "on").removesuffix(" at").strip()
        clock_text = " ".join(clock_words).removeprefix("at ").strip()
        if not clock_text or _CLOCK.fullmatch(clock_text) is None:
            continue
        day = _day(day_text, local_now, locale)
        if day is None:
            continue
        evening = day_text.startswith(("tonight", "this evening")) or day_text.endswith(("night", "evening"))
        clock, clock_notes = _clock(clock_text, evening)
        return _resolve(day, clock, clock_notes, local_now, where)
    if _day(phrase, local_now, locale) is not None:
        raise BadInput(f"Add a time of day, like {phrase} 8pm.")
    raise BadInput(f"I couldn't read the time {phrase[:40]!r}. Try {EXAMPLES}.")


@dataclass(frozen=True, slots=True)
class _Day:
    pick: Callable[[time], date]  # the day, once the time of day is known ("friday" depends on it)
    notes: tuple[str, ...] = ()
    midnight_ends_it: bool = True  # "friday midnight" is the night after Friday


def _day(text: str, local_now: datetime, locale: str | None) -> _Day | None:
    today = local_now.date()

    def upcoming(day: date, clock: time) -> bool:
        return datetime.combine(day, clock, tzinfo=local_now.tzinfo) > local_now

    if not text:  # a time alone: its next occurrence
        return _Day(
            lambda clock: today if upcoming(today, clock) else today + timedelta(days=1),
            midnight_ends_it=False,
        )
    if match := _RELATIVE_DAY.fullmatch(text):
        ahead = 1 if match["day"] in ("tomorrow", "tmrw", "tmr") else 0
        return _Day(lambda clock: today + timedelta(days=ahead))
    if match := _ON_WEEKDAY.fullmatch(text):
        index = _weekday(match["wd"])
        if match["which"] == "next":
            day = today + timedelta(days=(index - today.weekday()) % 7 or 7)
            notes: tuple[str, ...] = ()
            if (day - today).days < 7:
                later = day + timedelta(days=7)
                notes = (
                    f"I read “next {WEEKDAYS[index]}” as the coming one. If you meant the one after, say its "
                    f"date instead ({later.day} {MONTHS[later.month - 1].title()}).",
                )
            return _Day(lambda clock: day, notes)

        def weekday(clock: time) -> date:  # "friday 8pm" on a Friday morning is tonight
            day = today + timedelta(days=(index - today.weekday()) % 7)
            return day if upcoming(day, clock) else day + timedelta(days=7)

        return _Day(weekday)
    if match := _NAMED_DATE.fullmatch(text):
        month = _month(match["m1"] or match["m2"])
        return _calendar(int(match["d1"] or match["d2"]), month, match["y"], match["wd"], local_now, ())
    if match := _NUMERIC_DATE.fullmatch(text):
        first, second = int(match["a"]), int(match["b"])
        day_first = (locale or "en-GB") not in MONTH_FIRST
        notes = ()
        if first > 12 or second > 12:  # 25/12 and 12/25 each have one reading
            day_first = first > 12
        elif first != second:
            day_n, month_n = (first, second) if day_first else (second, first)
            read, other = f"{day_n} {MONTHS[month_n - 1].title()}", f"{month_n} {MONTHS[day_n - 1].title()}"
            notes = (
                f"I read {match['a']}/{match['b']} {'day' if day_first else 'month'} first, as dates are "
                f"written in {locale or 'en-GB'} (your Discord language): {read}. For {other}, type "
                f"“{other[: -len(MONTHS[day_n - 1]) + 3]}”.",
            )
        day_n, month_n = (first, second) if day_first else (second, first)
        year = match["y"] and (match["y"] if len(match["y"]) == 4 else f"20{match['y']}")
        return _calendar(day_n, month_n, year, match["wd"], local_now, notes)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return _calendar(int(text[8:]), int(text[5:7]), text[:4], None, local_now, ())
    return None


def _calendar(
    day_n: int,
    month_n: int,
    year: str | None,
    weekday: str | None,
    local_now: datetime,
    notes: tuple[str, ...],
) -> _Day:
    """A date on the calendar; without a year, its next occurrence."""
    if not 1 <= month_n <= 12:
        raise BadInput(f"There's no month {month_n}.")

    def pick(clock: time) -> date:
        try:
            if year:
                found = date(int(year), month_n, day_n)
            else:
                found = date(local_now.year, month_n, day_n)
                if datetime.combine(found, clock, tzinfo=local_now.tzinfo) <= local_now:
                    found = date(local_now.year + 1, month_n, day_n)
        except ValueError:
            raise BadInput(
                f"There's no {day_n} {MONTHS[month_n - 1].title()}{' ' + year if year else ''}."
            ) from None
        if weekday and found.weekday() != _weekday(weekday):
            raise BadInput(
                f"{found.day} {MONTHS[found.month - 1].title()} {found.year} is a "
                f"{WEEKDAYS[found.weekday()].title()}, not a {WEEKDAYS[_weekday(weekday)].title()}."
            )
        return found

    return _Day(pick, notes)


def _clock(text: str, evening: bool) -> tuple[time, tuple[str, ...]]:
    match = _CLOCK.fullmatch(text)
    assert match is not None
    if match["noon"]:
        return time(12), ()
    if match["midnight"]:
        return time(0), ("midnight",)
    hour, minute, half = int(match["h"]), int(match["m"] or 0), (match["half"] or "")[:1]
    if half:
        if not 1 <= hour <= 12:
            raise BadInput("With am or pm, the hour runs from 1 to 12.")
        hour = hour % 12 + (12 if half == "p" else 0)
    elif evening and 1 <= hour <= 11:
        hour += 12  # "tonight 8" is 20:00
    elif match["m"] is None and 1 <= hour <= 12:
        raise BadInput(
            f"Did you mean {hour}am or {hour}pm? Add am or pm, or write it as {hour % 12 + 12}:00."
        )
    if hour > 23 or minute > 59:
        raise BadInput(f"{text} isn't a time of day.")
    return time(hour, minute), ()


def _resolve(
    day: _Day, clock: time, clock_notes: tuple[str, ...], local_now: datetime, where: ZoneInfo
) -> Reading:
    notes = list(day.notes)
    if "midnight" in clock_notes and day.midnight_ends_it:  # "friday midnight": the night after Friday
        chosen = day.pick(time(23, 59, 59))
        notes.append(f"I read midnight as the end of {chosen:%A} {chosen.day} {chosen:%B}.")
        chosen += timedelta(days=1)
    else:
        chosen = day.pick(clock)
    return _local(chosen, clock, where, tuple(notes))


def _local(day: date, clock: time, where: ZoneInfo, notes: tuple[str, ...]) -> Reading:
    """`day` at `clock` on the wall clocks of `where`, minding the hours daylight saving skips or repeats."""
    wall = datetime.combine(day, clock, tzinfo=where)
    moment = wall.astimezone(UTC)
    shown = moment.astimezone(where)
    if shown.replace(tzinfo=None) != wall.replace(tzinfo=None):
        notes += (
            f"{clock:%H:%M} doesn't happen on {day.day} {day:%B} in {label(where)} (the clocks go "
            f"forward), so I read it as {shown:%H:%M}.",
        )
    elif wall.replace(fold=1).utcoffset() != wall.utcoffset():
        notes += (
            f"{clock:%H:%M} happens twice on {day.day} {day:%B} in {label(where)} (the clocks go back); "
            f"I read it as the first, {shown:%H:%M} {shown.tzname()}.",
        )
    return Reading(moment, where, needed_zone=True, notes=notes)


def _weekday(text: str) -> int:
    return [w[:3] for w in WEEKDAYS].index(text[:3])


def _month(text: str) -> int:
    return [m[:3] for m in MONTHS].index(text[:3]) + 1
