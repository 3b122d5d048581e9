"""Reading the time zones people type: "london", "New York", "india", "IST", "UTC+2", "Europe/Paris".

Only names that tzdata lists as zones ever reach ZoneInfo: a folder of zones ("Brazil", "America") or an
over-long name made ZoneInfo open a directory or fail on the file name, which members saw as "something
went wrong". Countries and folders with several zones get a short list to pick from instead.

The facts come from the tzdata package the bot depends on: its zone list, zone.tab (each country's zones),
iso3166.tab (country names), zonenow.tab (one zone per set of clocks that agree from now on, "intended as an
aid for users, to help them select timezones") and the links in tzdata.zi (US/Eastern is America/New_York).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo, available_timezones

from bot.core.errors import BadInput

LONGEST_NAME = 60  # the longest IANA name is 30 characters; longer text is not a zone
SHOWN = 8  # zones listed when a name stands for several

# Abbreviations and nicknames with one sensible reading, and what to tell a member who used them.
_ALIASES: dict[str, tuple[str, str]] = {
    "utc": ("UTC", ""),
    "z": ("UTC", ""),
    "zulu": ("UTC", ""),
    "gmt": (
        "Etc/GMT",
        "GMT stays UTC+0 all year. If you mean UK time (GMT in winter, BST in summer), pick Europe/London.",
    ),
    "uk": ("Europe/London", ""),
    "britain": ("Europe/London", ""),
    "england": ("Europe/London", ""),
    "scotland": ("Europe/London", ""),
    "wales": ("Europe/London", ""),
    "bst": ("Europe/London", "I use UK time, Europe/London: BST in summer and GMT in winter."),
    "ist": (
        "Asia/Kolkata",
        "IST can mean India, Ireland or Israel: I picked India (Asia/Kolkata). For Ireland pick "
        "Europe/Dublin, for Israel Asia/Jerusalem.",
    ),
    "est": ("America/New_York", "I use US Eastern time, America/New_York, which moves to EDT in summer."),
    "edt": ("America/New_York", "I use US Eastern time, America/New_York (EDT in summer, EST in winter)."),
    "et": ("America/New_York", ""),
    "eastern": ("America/New_York", ""),
    "cst": (
        "America/Chicago",
        "CST can mean US Central or China Standard Time: I picked US Central (America/Chicago). For China "
        "pick Asia/Shanghai.",
    ),
    "cdt": ("America/Chicago", ""),
    "ct": ("America/Chicago", ""),
    "central": ("America/Chicago", ""),
    "mst": (
        "America/Denver",
        "I use US Mountain time, America/Denver, which moves to MDT in summer; Arizona stays on MST: "
        "pick America/Phoenix there.",
    ),
    "mdt": ("America/Denver", ""),
    "pst": ("America/Los_Angeles", "I use US Pacific time, America/Los_Angeles (PDT in summer)."),
    "pdt": ("America/Los_Angeles", ""),
    "pt": ("America/Los_Angeles", ""),
    "pacific": ("America/Los_Angeles", ""),
    "akst": ("America/Anchorage", ""),
    "hst": ("Pacific/Honolulu", ""),
    "cet": ("Europe/Paris", "I use Central European time, Europe/Paris (CEST in summer)."),
    "cest": ("Europe/Paris", ""),
    "wet": ("Europe/Lisbon", ""),
    "eet": ("Europe/Athens", "I use Eastern European time, Europe/Athens (EEST in summer)."),
    "eest": ("Europe/Athens", ""),
    "msk": ("Europe/Moscow", ""),
    "sast": ("Africa/Johannesburg", ""),
    "aest": (
        "Australia/Sydney",
        "I use Australia/Sydney, which moves to AEDT in summer; Queensland stays on AEST: pick "
        "Australia/Brisbane there.",
    ),
    "aedt": ("Australia/Sydney", ""),
    "acst": ("Australia/Adelaide", ""),
    "awst": ("Australia/Perth", ""),
    "nzst": ("Pacific/Auckland", ""),
    "nzdt": ("Pacific/Auckland", ""),
    "jst": ("Asia/Tokyo", ""),
    "kst": ("Asia/Seoul", ""),
    "hkt": ("Asia/Hong_Kong", ""),
    "sgt": ("Asia/Singapore", ""),
    "pht": ("Asia/Manila", ""),
    "wib": ("Asia/Jakarta", ""),
    "brt": ("America/Sao_Paulo", ""),
}
_COUNTRY_WORDS = {"usa": "US", "unitedstatesofamerica": "US", "holland": "NL", "korea": "KR"}
# Where tzdata's folder names are continents, the zones most members there mean, east to west.
_FOLDERS = {
    "america": (
        "America/New_York",
        "America/Chicago",
        "America/Denver",
        "America/Los_Angeles",
        "America/Mexico_City",
        "America/Sao_Paulo",
    ),
    "europe": (
        "Europe/London",
        "Europe/Lisbon",
        "Europe/Paris",
        "Europe/Berlin",
        "Europe/Athens",
        "Europe/Moscow",
    ),
    "asia": ("Asia/Kolkata", "Asia/Shanghai", "Asia/Tokyo", "Asia/Singapore", "Asia/Manila", "Asia/Dubai"),
    "africa": (
        "Africa/Lagos",
        "Africa/Cairo",
        "Africa/Johannesburg",
        "Africa/Nairobi",
        "Africa/Casablanca",
        "Africa/Abidjan",
    ),
    "pacific": ("Pacific/Auckland", "Pacific/Honolulu", "Pacific/Fiji", "Pacific/Guam"),
    "atlantic": ("Atlantic/Reykjavik", "Atlantic/Azores", "Atlantic/Canary", "Atlantic/Bermuda"),
    "indian": ("Indian/Maldives", "Indian/Mauritius", "Indian/Reunion"),
}
_OFFSET = re.compile(r"(?:utc|gmt)?\s*([+\-−])\s*(\d{1,2})(?:[:.h]?(\d{2}))?")
_NOT_ZONES = {"localtime", "Factory", "posixrules"}
_EXAMPLE_DAY = datetime(2026, 1, 15, tzinfo=UTC)  # autocomplete orders by clocks, which rarely change


@dataclass(frozen=True, slots=True)
class ZoneReading:
    zone: ZoneInfo
    note: str = ""  # how a name with several readings was taken, said in the reply


def label(where: ZoneInfo) -> str:
    """How a zone is named to members: its IANA name, and `UTC+2` for tzdata's back-to-front Etc/GMT-2."""
    key = where.key
    if match := re.fullmatch(r"Etc/GMT([+-])(\d+)", key):
        return f"UTC{'−' if match[1] == '+' else '+'}{match[2]}"  # Etc/GMT+5 is five hours *behind* UTC
    return {"Etc/UTC": "UTC", "Etc/GMT": "GMT"}.get(key, key)


def read_zone(typed: str, *, now: datetime) -> ZoneReading:
    """The zone a member means, or a BadInput that says what to type instead."""
    text = " ".join(typed.split())
    if not text:
        raise BadInput("Name your time zone, like Europe/London, New York or UTC+2.")
    if len(text) > LONGEST_NAME:
        raise BadInput("That's longer than any time zone name. Try a city, like London or New York.")
    word = _normal(text)
    if word in _ALIASES and _ALIASES[word][0]:
        key, note = _ALIASES[word]
        return ZoneReading(ZoneInfo(key), note)
    if match := _OFFSET.fullmatch(text.casefold()):
        return _offset(match, now)
    countries = _countries()
    code = _COUNTRY_WORDS.get(word) or (word.upper() if len(word) == 2 else countries.names.get(word))
    if code and code in countries.zones:
        zones = _representatives(countries.zones[code], now)
        if len(zones) == 1:  # Germany lists Europe/Busingen too, but its clocks agree with Berlin's
            return ZoneReading(ZoneInfo(zones[0]))
        raise BadInput(_several(countries.titles[code], zones))
    if listed := _names().get(word):
        return ZoneReading(ZoneInfo(listed))  # only names tzdata lists: never a folder or a made-up path
    if word in _FOLDERS:
        raise BadInput(_several(text.title(), _FOLDERS[word], many=True))
    raise BadInput(_unknown(text))


def zone(name: str) -> ZoneInfo:
    """The zone for a stored key or a typed name (see read_zone)."""
    if name in _keys() and _normal(name) not in _ALIASES:  # a stored key (EST is US Eastern, see above)
        return ZoneInfo(name)
    return read_zone(name, now=datetime.now(UTC)).zone  # the clock only picks examples for a message


def zone_choices(typed: str, limit: int = 25) -> list[str]:
    """Zones for autocomplete, from memory: aliases first, then countries, then IANA names containing it."""
    wanted = _normal(typed)
    if not wanted:
        return list(dict.fromkeys(key for key, _ in _ALIASES.values() if key and key != "Etc/GMT"))[:limit]
    aliased = [key for alias, (key, _) in _ALIASES.items() if key and alias.startswith(wanted)]
    countries = _countries()
    by_country = [  # the zone most people there mean first
        zone_key
        for name, code in countries.names.items()
        if name.startswith(wanted) and len(wanted) >= 3
        for zone_key in (
            *_representatives(countries.zones.get(code, ()), _EXAMPLE_DAY),
            *countries.zones.get(code, ()),
        )
    ]
    found = [key for normal, key in _searchable() if wanted in normal]
    return list(dict.fromkeys(aliased + by_country + found))[:limit]


# -- the pieces ------------------------------------------------------------------------------------------


def _normal(text: str) -> str:
    """Case, accents, spaces, underscores and hyphens do not matter: "são paulo" is America/Sao_Paulo."""
    plain = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return re.sub(r"[\s_\-'.]+", "", plain)


def _offset(match: re.Match[str], now: datetime) -> ZoneReading:
    sign = -1 if match[1] in "-−" else 1
    hours, minutes = int(match[2]), int(match[3] or 0)
    shown = f"UTC{'+' if sign > 0 else '−'}{hours}" + (f":{minutes:02}" if minutes else "")
    if minutes == 0 and (-12 <= sign * hours <= 14):
        if hours == 0:
            return ZoneReading(ZoneInfo("UTC"))
        # tzdata's Etc/GMT+N is N hours *behind* UTC (the POSIX sign), so UTC+2 is Etc/GMT-2.
        key = f"Etc/GMT{'-' if sign > 0 else '+'}{hours}"
        return ZoneReading(
            ZoneInfo(key),
            f"{shown} stays {shown} all year, with no summer time. If your clocks change, pick your city's "
            "zone instead (like Europe/Berlin).",
        )
    if minutes >= 60 or hours > 14:
        raise BadInput(f"{shown} isn't a UTC offset: they run from UTC−12 to UTC+14.")
    offset = sign * timedelta(hours=hours, minutes=minutes)
    same = [key for key in _representatives(_all_country_zones(), now) if _at(key, now) == offset]
    if not same:
        raise BadInput(f"No zone is at {shown} right now. Try your city, like Asia/Kolkata.")
    others = f" (so is {', '.join(same[1:3])})" if same[1:] else ""
    return ZoneReading(ZoneInfo(same[0]), f"I picked {same[0]}, which is at {shown} now{others}.")


def _at(key: str, moment: datetime) -> timedelta | None:
    return moment.astimezone(ZoneInfo(key)).utcoffset()


def _representatives(zones: tuple[str, ...], now: datetime) -> tuple[str, ...]:
    """One zone per set of clocks that agree now and in six months, the sets that cover most zones first
    (more zones, more places: Brazil's São Paulo before Noronha); tzdata's zonenow.tab names the zone for
    each set, and the first of a country's zones stands in where it names none."""
    later = now + timedelta(days=182)
    groups: dict[tuple[timedelta | None, timedelta | None], list[str]] = {}
    for key in zones:
        groups.setdefault((_at(key, now), _at(key, later)), []).append(key)
    ordered = sorted(groups.items(), key=lambda group: (-len(group[1]), -(group[0][0] or timedelta())))
    return tuple(next((key for key in members if key in _zonenow()), members[0]) for _, members in ordered)


def _several(name: str, zones: tuple[str, ...], many: bool = False) -> str:
    listed = ", ".join(zones[:SHOWN])
    shown = f", such as {listed}" if many or len(zones) > SHOWN else f": {listed}"
    return (
        f"{name} has {'many' if many else 'several'} time zones{shown}. Which one is yours? Type it in "
        "`zone`, or your city's name."
    )


def _unknown(text: str) -> str:
    from rapidfuzz import process  # only on a miss: the lookup above answers from dictionaries

    names = _names()
    best = process.extractOne(_normal(text), list(names), score_cutoff=80)
    hint = f" Did you mean {names[best[0]]}?" if best else ""
    return f"I don't know the time zone {text[:40]!r}.{hint} Try a city, like Europe/London or New York."


@dataclass(frozen=True, slots=True)
class _Countries:
    names: dict[str, str]  # normalised country name -> ISO code
    titles: dict[str, str]  # ISO code -> the name shown
    zones: dict[str, tuple[str, ...]]  # ISO code -> its zones, as zone.tab orders them


def _tzdata(name: str) -> list[list[str]]:
    text = resources.files("tzdata").joinpath("zoneinfo", name).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]


@cache
def _countries() -> _Countries:
    names: dict[str, str] = {}
    titles: dict[str, str] = {}
    for code, title in _tzdata("iso3166.tab"):
        titles[code] = title
        # "Britain (UK)", "Korea (South)": the whole name, the part before the bracket and the part in it
        for part in (title, *re.split(r"\s*[()]\s*", title)):
            if part and _normal(part) not in names:
                names[_normal(part)] = code
    zones: dict[str, list[str]] = {}
    for row in _tzdata("zone.tab"):
        zones.setdefault(row[0], []).append(row[2])
    return _Countries(names, titles, {code: tuple(keys) for code, keys in zones.items()})


@cache
def _all_country_zones() -> tuple[str, ...]:
    return tuple(dict.fromkeys(key for keys in _countries().zones.values() for key in keys))


@cache
def _zonenow() -> frozenset[str]:
    return frozenset(row[2] for row in _tzdata("zonenow.tab"))


@cache
def _links() -> dict[str, str]:
    """Old names to the zone they link to: US/Eastern -> America/New_York."""
    text = resources.files("tzdata").joinpath("zoneinfo", "tzdata.zi").read_text(encoding="utf-8")
    return {parts[2]: parts[1] for line in text.splitlines() if (parts := line.split())[:1] == ["L"]}


@cache
def _keys() -> frozenset[str]:
    return frozenset(available_timezones() - _NOT_ZONES)


@cache
def _names() -> dict[str, str]:
    """Every way to write a zone, normalised, to its key: the full name and its city ("newyork")."""
    keys = sorted(_keys())
    links = _links()
    preferred = set(_all_country_zones())
    names: dict[str, str] = {}
    for key in keys:
        names.setdefault(_normal(key), links.get(key, key))
    for key in sorted(keys, key=lambda k: (k not in preferred, k)):  # a city names its country's zone
        if "/" in key and not key.startswith("Etc/"):
            names.setdefault(_normal(key.rsplit("/", 1)[1]), links.get(key, key))
    return names


@cache
def _searchable() -> tuple[tuple[str, str], ...]:
    """(normalised, key) for autocomplete: zones members pick from (zone.tab, UTC) before old names."""
    primary = ["UTC", *sorted(_all_country_zones())]
    rest = sorted(_keys() - set(primary))
    return tuple((_normal(key), key) for key in primary + rest)
