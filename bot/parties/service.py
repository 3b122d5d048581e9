"""Watch parties without Discord: what a party plans, who may change it, and the timers that drive it
(scheduled here; bot.parties.timers does what each one asks when it falls due).

A party's timers carry its revision; an edit or a cancellation raises the revision, so the timers already
waiting for the old plan find nothing to do when they fire.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from bot.canon import Episode, EpisodeCode
from bot.canon.search import CanonIndex
from bot.core.clock import Clock
from bot.core.errors import BadInput, UserFacingError
from bot.core.timers import TimerDispatcher
from bot.parties.repository import (
    DMS_REFUSED,
    NotifyVia,
    Party,
    PartyRepository,
    PartySettings,
    Rsvp,
    Status,
)
from bot.times.when import read_duration

DEFAULT_REMINDERS = (60, 10)  # minutes before the start
MAX_REMINDERS = 4
MAX_AHEAD = timedelta(days=365)
MAX_EPISODES = 12
ASSUMED_RUNTIME = 30  # minutes, for episodes whose runtime no source gives (about half an hour each)
TITLE_LIMIT = 80
PER_SERVER = 25  # parties not yet started
PER_MEMBER = 3

REMINDER, START, END, NOTICE = "party_reminder", "party_start", "party_end", "party_notice"
NOTICE_STEP = "notice"  # how an edit's or a cancellation's message is recorded among the deliveries
_RANGE = re.compile(r"\s*(?:-|–|—|\.\.|\bto\b)\s*", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Plan:
    episodes: tuple[Episode, ...]
    minutes: int
    estimated: bool  # some runtime was assumed

    @property
    def first(self) -> EpisodeCode:
        return self.episodes[0].code

    @property
    def last(self) -> EpisodeCode:
        return self.episodes[-1].code


@dataclass(frozen=True, slots=True)
class Change:
    """What an edit changed, told from the party as it was (a timer's payload carries it as JSON)."""

    was_start: datetime | None = None  # set when the start moved
    was_episodes: str | None = None  # the old codes, when the episodes changed
    title: bool = False

    @classmethod
    def between(cls, before: Party, after: Party) -> Change:
        return cls(
            was_start=before.start if after.start != before.start else None,
            was_episodes=codes(before.first, before.last)
            if (after.first, after.last) != (before.first, before.last)
            else None,
            title=after.title != before.title,
        )

    @property
    def matters(self) -> bool:
        """A new time or new episodes concern every attendee (they are pinged); a new title does not."""
        return self.was_start is not None or self.was_episodes is not None

    @property
    def anything(self) -> bool:
        return self.matters or self.title

    def to_json(self) -> dict[str, object]:
        start = self.was_start.isoformat() if self.was_start else None
        return {"start": start, "episodes": self.was_episodes, "title": self.title}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Change:
        start = data.get("start")
        episodes = data.get("episodes")
        return cls(
            was_start=datetime.fromisoformat(start) if isinstance(start, str) else None,
            was_episodes=episodes if isinstance(episodes, str) else None,
            title=bool(data.get("title")),
        )


def codes(first: EpisodeCode, last: EpisodeCode) -> str:
    """S2E1 or S2E1-S2E3: how parties are named wherever Discord cannot hide text."""
    return str(first) if first == last else f"{first}-{last}"


def plan_episodes(index: CanonIndex, text: str) -> Plan:
    """`S2E1`, `S2E1-S2E3` (or titles) into the episodes watched, in order, with their runtime."""
    parts = _RANGE.split(text.strip(), maxsplit=1) if text.strip() else []
    if not parts or not all(part.strip() for part in parts):
        raise BadInput("Name the episodes as one code or a range: `S2E1` or `S2E1-S2E3`.")
    first = index.episode(parts[0]).code
    last = index.episode(parts[-1]).code
    if last < first:
        raise BadInput(f"That range runs backwards: did you mean `{last}-{first}`?")
    return plan_between(index, first, last)


def plan_between(index: CanonIndex, first: EpisodeCode, last: EpisodeCode) -> Plan:
    episodes = tuple(e for e in index.canon.episodes if first <= e.code <= last)
    if len(episodes) > MAX_EPISODES:
        raise BadInput(f"A party can cover up to {MAX_EPISODES} episodes; that range has {len(episodes)}.")
    minutes = sum(e.runtime_minutes or ASSUMED_RUNTIME for e in episodes)
    return Plan(episodes, minutes, any(e.runtime_minutes is None for e in episodes))


def clean_title(text: str | None) -> str:
    """One plain line (or none): a title is shown as text, never as markdown or a ping."""
    title = " ".join((text or "").split())
    if len(title) > TITLE_LIMIT:
        raise BadInput(f"Keep the title to {TITLE_LIMIT} characters (that one has {len(title)}).")
    return title


def check_start(start: datetime, now: datetime) -> None:
    if start <= now:
        raise BadInput(f"That time (<t:{int(start.timestamp())}:f>) has already passed. Pick a later one.")
    if start - now > MAX_AHEAD:
        raise BadInput("That's more than a year away. Parties can be planned up to a year ahead.")


def parse_offsets(text: str) -> tuple[int, ...]:
    """`1h, 10m` into minutes before the start, largest first; `none` for no reminders."""
    cleaned = text.strip().casefold()
    if cleaned in ("none", "off", "0"):
        return ()
    minutes: set[int] = set()
    for part in re.split(r"[,\s]+(?=\d)", cleaned):
        offset = read_duration(part)
        if offset is None or offset % timedelta(minutes=1):  # whole minutes: no seconds
            raise BadInput(f"I couldn't read {part[:20]!r}; write offsets like `1h, 10m` (or `none`).")
        total = offset // timedelta(minutes=1)
        if not 1 <= total <= 7 * 1440:
            raise BadInput("Each reminder must be between 1 minute and 7 days before the start.")
        minutes.add(total)
    if len(minutes) > MAX_REMINDERS:
        raise BadInput(f"Up to {MAX_REMINDERS} reminders per party, please.")
    return tuple(sorted(minutes, reverse=True))


def describe_offset(minutes: int) -> str:
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    parts = [
        f"{n} {unit}{'s' if n != 1 else ''}"
        for n, unit in ((days, "day"), (hours, "hour"), (mins, "minute"))
        if n
    ]
    return " ".join(parts)


def describe_offsets(offsets: tuple[int, ...]) -> str:
    """`1 hour and 10 minutes before`, or `no reminders`."""
    return " and ".join(map(describe_offset, offsets)) + " before" if offsets else "no reminders"


class PartyService:
    def __init__(
        self,
        repository: PartyRepository,
        index: CanonIndex,
        timers: TimerDispatcher,
        clock: Clock,
        instance: str = "",
    ):
        self._repository = repository
        self._index = index
        self._timers = timers
        self._clock = clock
        self._instance = instance  # this process's name (bot.core.processes), on the drafts it makes

    def plan(self, text: str) -> Plan:
        return plan_episodes(self._index, text)

    def plan_of(self, party: Party) -> Plan:
        return plan_between(self._index, party.first, party.last)

    async def draft(
        self, *, guild_id: int, channel_id: int, host_id: int, title: str, plan: Plan, start: datetime
    ) -> Party:
        """A party saved as a draft (not shown anywhere) once every check passed, its host answering Going
        (and so reminded) until they answer otherwise."""
        now = self._clock.now()
        check_start(start, now)
        if await self._repository.count_not_started(guild_id, now) >= PER_SERVER:
            raise UserFacingError(
                f"This server already has {PER_SERVER} parties coming up, the most it can have. "
                "Try again once one has started or been cancelled."
            )
        if await self._repository.count_not_started(guild_id, now, host_id) >= PER_MEMBER:
            raise UserFacingError(
                f"You're already hosting {PER_MEMBER} parties that haven't started, the most one member can "
                "host at once. `/watchparty list` shows them; cancel one to plan another."
            )
        party = Party(
            id=0,
            guild_id=guild_id,
            channel_id=channel_id,
            host_id=host_id,
            title=title,
            first=plan.first,
            last=plan.last,
            start=start,
            end=start + timedelta(minutes=plan.minutes),
            status=Status.DRAFT,
        )
        return await self._repository.create_draft(party, now, self._instance)

    async def discard(self, draft: Party) -> None:
        """A draft whose announcement could not be posted: as if it had never been planned."""
        await self._repository.delete(draft.id)

    async def drop_drafts(self) -> int:
        """Drafts left by a process that stopped before their announcement went out (another process's
        draft, still being posted, stays); how many."""
        return await self._repository.delete_abandoned_drafts()

    async def publish(self, party: Party, *, message_id: int, thread_id: int, event_id: int | None) -> Party:
        await self._repository.publish(party.id, message_id, thread_id, event_id)
        published = replace(
            party, status=Status.UPCOMING, message_id=message_id, thread_id=thread_id, event_id=event_id
        )
        await self.schedule(published)
        return published

    async def reminder_offsets(self, guild_id: int) -> tuple[int, ...]:
        stored = (await self._repository.settings(guild_id)).reminder_minutes
        return DEFAULT_REMINDERS if stored is None else stored

    async def reminders_ahead(self, party: Party) -> tuple[int, ...]:
        """The server's reminder offsets that have not yet come round for this party."""
        now = self._clock.now()
        offsets = await self.reminder_offsets(party.guild_id)
        return tuple(m for m in offsets if party.start - timedelta(minutes=m) > now)

    async def overtaken(self, party: Party, minutes: int) -> bool:
        """Whether a later step of the party is already due (the bot was offline): a reminder `minutes`
        before the start is then skipped, so the members hear one message, not a pile of them."""
        now = self._clock.now()
        if party.started(now):
            return True  # the start (or the end) is due and says it all
        later = [m for m in await self.reminder_offsets(party.guild_id) if m < minutes]
        return any(party.start - timedelta(minutes=m) <= now for m in later)

    async def schedule(self, party: Party) -> None:
        """This revision's timers: each reminder still ahead, the start and the end."""
        now = self._clock.now()
        ids = {"guild_id": party.guild_id, "party": party.id, "revision": party.revision}
        for minutes in await self.reminder_offsets(party.guild_id):
            due = party.start - timedelta(minutes=minutes)
            if due > now:
                await self._timers.schedule(REMINDER, due, minutes=minutes, **ids)
        await self._timers.schedule(START, party.start, **ids)
        await self._timers.schedule(END, party.end, **ids)

    async def current(self, party_id: int, revision: int) -> Party | None:
        """The party a timer was set for, if it is still planned as it was then."""
        party = await self._repository.get(party_id)
        if party is None or party.status is not Status.UPCOMING or party.revision != revision:
            return None
        return party

    async def find(self, party_id: int) -> Party | None:
        """The party with this number in any state (a button or a timer names it), or None once it's gone."""
        return await self._repository.get(party_id)

    async def get(self, guild_id: int | None, party_id: int) -> Party:
        party = await self._repository.get(party_id)
        if party is None or party.guild_id != guild_id or party.status is Status.DRAFT:
            raise BadInput(
                f"There's no watch party #{party_id} in this server. `/watchparty list` shows them."
            )
        return party

    async def upcoming(self, guild_id: int) -> list[Party]:
        """The server's published parties not yet over, soonest first."""
        return await self._repository.upcoming(guild_id, self._clock.now())

    async def with_threads(self, guild_id: int) -> list[Party]:
        """The server's parties that opened a thread, oldest first, whether or not they are over."""
        return await self._repository.with_threads(guild_id)

    async def settings(self, guild_id: int) -> PartySettings:
        return await self._repository.settings(guild_id)

    async def set_manager_role(self, guild_id: int, role_id: int | None) -> None:
        await self._repository.set_manager_role(guild_id, role_id)

    async def may_manage(self, party: Party, user_id: int, role_ids: list[int], manages_server: bool) -> bool:
        """The host, a member with the server's party-manager role, or one with Manage Server or Manage
        Events (`manages_server`). A party whose host erased their data is left to the latter two."""
        if (party.host_id is not None and user_id == party.host_id) or manages_server:
            return True
        manager_role = (await self._repository.settings(party.guild_id)).manager_role_id
        return manager_role is not None and manager_role in role_ids

    async def rsvp(self, party: Party, user_id: int, choice: Rsvp) -> Rsvp | None:
        return await self._repository.set_rsvp(party.id, user_id, choice, self._clock.now())

    async def answers(self, party: Party) -> dict[int, Rsvp]:
        """Every member's answer, in the order they answered."""
        return await self._repository.rsvps(party.id)

    async def counts(self, party: Party) -> dict[Rsvp, int]:
        return await self._repository.counts(party.id)

    async def notify_via(self, user_id: int) -> NotifyVia:
        return await self._repository.notify_via(user_id)

    async def attendees(self, party: Party) -> list[int]:
        """Who answered Going or Maybe, in the order they answered."""
        return [
            user for user, choice in (await self._repository.rsvps(party.id)).items() if choice is not Rsvp.NO
        ]

    async def split_by_preference(self, user_ids: list[int]) -> tuple[list[int], list[int]]:
        """(by DM, in the thread)."""
        by_dm = await self._repository.dm_preferring(user_ids)
        return [u for u in user_ids if u in by_dm], [u for u in user_ids if u not in by_dm]

    async def delivered(self, party: Party, step: str) -> set[int]:
        """Who already has this revision's `step` (the thread message itself is recorded under 0)."""
        return await self._repository.delivered(party, step)

    async def mark_delivered(self, party: Party, step: str, user_ids: list[int]) -> None:
        await self._repository.mark_delivered(party, step, user_ids)

    async def refused_dms(self, party: Party) -> set[int]:
        """Members whose DMs Discord refused for this party: asked once per party, not at every step."""
        return await self._repository.delivered(party, DMS_REFUSED)

    async def mark_dms_refused(self, party: Party, user_id: int) -> None:
        await self._repository.mark_delivered(party, DMS_REFUSED, [user_id])

    async def edit(
        self, party: Party, *, plan: Plan | None, start: datetime | None, title: str | None
    ) -> Party:
        """A new revision with the changes (its timers scheduled afresh); the caller checked rights."""
        now = self._clock.now()
        if party.started(now):
            raise BadInput("That party has already started, so it can't be changed.")
        new_start = start or party.start
        if start is not None:
            check_start(start, now)
        episodes_plan = plan or self.plan_of(party)
        changed = replace(
            party,
            title=title if title is not None else party.title,
            first=episodes_plan.first,
            last=episodes_plan.last,
            start=new_start,
            end=new_start + timedelta(minutes=episodes_plan.minutes),
        )
        if not Change.between(party, changed).anything:
            raise BadInput(f"That's how watch party #{party.id} already is, so nothing changed.")
        saved = await self._repository.update(changed)
        await self.schedule(saved)
        return saved

    async def tell_attendees(self, party: Party, *, by: int, change: Change | None = None) -> None:
        """Attendees hear of this revision's edit (`change`) or cancellation, by a timer so that it
        survives failures and restarts; `by`, who made it, already knows (recorded as told, which
        /privacy delete erases with the member's other deliveries)."""
        await self._repository.mark_delivered(party, NOTICE_STEP, [by])
        extra = {"change": change.to_json()} if change is not None else {}
        await self._timers.schedule(
            NOTICE,
            self._clock.now(),
            guild_id=party.guild_id,
            party=party.id,
            revision=party.revision,
            **extra,
        )

    async def cancel(self, party: Party) -> Party:
        if party.status is Status.CANCELLED:
            raise BadInput(f"Watch party #{party.id} is already cancelled.")
        if party.ended(self._clock.now()):
            raise BadInput(f"Watch party #{party.id} has already ended.")
        await self._repository.cancel(party.id)
        return replace(party, status=Status.CANCELLED, revision=party.revision + 1)

    async def set_reminders(self, guild_id: int, minutes: tuple[int, ...]) -> int:
        """New offsets for the server; parties not yet started are rescheduled. Returns how many."""
        await self._repository.set_reminders(guild_id, minutes)
        now = self._clock.now()
        moved = 0
        for party in await self._repository.upcoming(guild_id, now):
            if not party.started(now):
                await self._repository.update(party)
                await self.schedule(replace(party, revision=party.revision + 1))
                moved += 1
        return moved

    async def export_member(self, user_id: int) -> dict[str, Any]:
        """What /privacy export shows of the member's parties: `{"watch_parties": {...}}`, or nothing
        when all that is stored is the default (reminders in the thread; no answers, messages or hosting)."""
        stored = await self._repository.export_member(user_id)
        defaults_only = stored["reminders_by"] == NotifyVia.THREAD.value and not any(
            value for key, value in stored.items() if key != "reminders_by"
        )
        return {} if defaults_only else {"watch_parties": stored}

    async def erase_member(self, user_id: int) -> list[Party]:
        """Erase what parties store about a member; returns the published parties whose announcement must
        be re-rendered (their answer is off the count, or they are no longer named as the host)."""
        parties = [
            await self._repository.get(party_id) for party_id in await self._repository.delete_member(user_id)
        ]
        return [party for party in parties if party is not None and party.status is not Status.DRAFT]

    async def set_notify_via(self, user_id: int, via: NotifyVia) -> None:
        await self._repository.set_notify_via(user_id, via)
