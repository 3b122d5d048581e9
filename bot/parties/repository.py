"""Watch parties, their RSVPs, what has been delivered, and the server and member settings around them."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from bot.canon import EpisodeCode
from bot.core.database import Database, Row, from_us, to_us


class Rsvp(StrEnum):
    GOING = "going"
    MAYBE = "maybe"
    NO = "no"


class Status(StrEnum):
    DRAFT = "draft"
    UPCOMING = "upcoming"
    CANCELLED = "cancelled"


class NotifyVia(StrEnum):
    THREAD = "thread"
    DM = "dm"


# Recorded like a step among the deliveries: members whose DMs Discord refused for a party (asked once).
DMS_REFUSED = "dms-refused"
# Stored as the host of a party whose host erased their data (the column is NOT NULL); read back as None.
NO_HOST = 0


@dataclass(frozen=True, slots=True)
class Party:
    id: int
    guild_id: int
    channel_id: int
    host_id: int | None  # None: the host erased their data; the party stays for its guests
    title: str
    first: EpisodeCode
    last: EpisodeCode
    start: datetime
    end: datetime
    status: Status
    revision: int = 1
    message_id: int | None = None
    thread_id: int | None = None
    event_id: int | None = None

    def ended(self, now: datetime) -> bool:
        return now >= self.end

    def started(self, now: datetime) -> bool:
        return now >= self.start


@dataclass(frozen=True, slots=True)
class PartySettings:
    guild_id: int
    reminder_minutes: tuple[int, ...] | None  # None: the default offsets
    manager_role_id: int | None


def _party(row: Row) -> Party:
    return Party(
        id=row["id"],
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        host_id=row["host_id"] or None,
        title=row["title"],
        first=EpisodeCode(row["first_season"], row["first_episode"]),
        last=EpisodeCode(row["last_season"], row["last_episode"]),
        start=from_us(row["start_us"]),
        end=from_us(row["end_us"]),
        status=Status(row["status"]),
        revision=row["revision"],
        message_id=row["message_id"],
        thread_id=row["thread_id"],
        event_id=row["event_id"],
    )


def _plan_columns(party: Party) -> tuple[object, ...]:
    """title, first_season, first_episode, last_season, last_episode, start_us, end_us."""
    first, last = party.first, party.last
    start, end = to_us(party.start), to_us(party.end)
    return (party.title, first.season, first.number, last.season, last.number, start, end)


class PartyRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- parties -------------------------------------------------------------------------------------

    async def create_draft(self, party: Party, now: datetime, owner: str) -> Party:
        assert party.host_id is not None, "a new party has a host"
        async with self._db.transaction():
            [row] = await self._db.returning(
                "INSERT INTO watch_parties (guild_id, channel_id, host_id, title, first_season,"
                " first_episode, last_season, last_episode, start_us, end_us, status, created_us, owner)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'draft', ?, ?) RETURNING id",
                (
                    party.guild_id,
                    party.channel_id,
                    party.host_id,
                    *_plan_columns(party),
                    to_us(now),
                    owner,
                ),
            )
            party_id = int(row["id"])
            # The host is Going until they answer otherwise; the answer goes with the draft if it is dropped.
            await self._db.execute(
                "INSERT INTO party_rsvps (party_id, user_id, choice, updated_us) VALUES (?, ?, 'going', ?)",
                (party_id, party.host_id, to_us(now)),
            )
        return replace(party, id=party_id, status=Status.DRAFT)

    async def publish(self, party_id: int, message_id: int, thread_id: int, event_id: int | None) -> None:
        await self._db.execute(
            "UPDATE watch_parties SET status = 'upcoming', message_id = ?, thread_id = ?, event_id = ?"
            " WHERE id = ?",
            (message_id, thread_id, event_id, party_id),
        )

    async def delete(self, party_id: int) -> None:
        await self._db.execute("DELETE FROM watch_parties WHERE id = ?", (party_id,))

    async def delete_abandoned_drafts(self) -> int:
        """Drafts whose owner (the process posting them) is gone."""
        rows = await self._db.fetchall("SELECT DISTINCT owner FROM watch_parties WHERE status = 'draft'")
        gone = [
            row["owner"] for row in rows if row["owner"] is None or not await self._db.present(row["owner"])
        ]
        dropped = 0
        params: tuple[str, ...]
        for owner in gone:
            if owner is None:  # made before drafts had owners, by a process long gone
                sql, params = "DELETE FROM watch_parties WHERE status = 'draft' AND owner IS NULL", ()
            else:
                sql, params = "DELETE FROM watch_parties WHERE status = 'draft' AND owner = ?", (owner,)
            dropped += await self._db.execute(sql, params)
        return dropped

    async def get(self, party_id: int) -> Party | None:
        row = await self._db.fetchone("SELECT * FROM watch_parties WHERE id = ?", (party_id,))
        return _party(row) if row else None

    async def update(self, party: Party) -> Party:
        """Save an edited party under the next revision (older timers then do nothing)."""
        await self._db.execute(
            "UPDATE watch_parties SET title = ?, first_season = ?, first_episode = ?, last_season = ?,"
            " last_episode = ?, start_us = ?, end_us = ?, event_id = ?, revision = revision + 1"
            " WHERE id = ?",
            (*_plan_columns(party), party.event_id, party.id),
        )
        return replace(party, revision=party.revision + 1)

    async def set_event(self, party_id: int, event_id: int | None) -> None:
        await self._db.execute("UPDATE watch_parties SET event_id = ? WHERE id = ?", (event_id, party_id))

    async def cancel(self, party_id: int) -> None:
        await self._db.execute(
            "UPDATE watch_parties SET status = 'cancelled', revision = revision + 1 WHERE id = ?", (party_id,)
        )

    async def upcoming(self, guild_id: int, now: datetime) -> list[Party]:
        """Parties in a server that have not ended yet, soonest first."""
        rows = await self._db.fetchall(
            "SELECT * FROM watch_parties WHERE guild_id = ? AND status = 'upcoming' AND end_us > ?"
            " ORDER BY start_us, id",
            (guild_id, to_us(now)),
        )
        return [_party(row) for row in rows]

    async def count_not_started(self, guild_id: int, now: datetime, host_id: int | None = None) -> int:
        sql = (
            "SELECT COUNT(*) FROM watch_parties WHERE guild_id = ? AND status != 'cancelled' AND start_us > ?"
        )
        params: tuple[int, ...] = (guild_id, to_us(now))
        if host_id is not None:
            sql += " AND host_id = ?"
            params += (host_id,)
        row = await self._db.fetchone(sql, params)
        return int(row[0]) if row else 0

    # -- RSVPs ---------------------------------------------------------------------------------------

    async def set_rsvp(self, party_id: int, user_id: int, choice: Rsvp, now: datetime) -> Rsvp | None:
        """Record an answer; returns the member's previous one."""
        async with self._db.transaction():
            row = await self._db.fetchone(
                "SELECT choice FROM party_rsvps WHERE party_id = ? AND user_id = ?", (party_id, user_id)
            )
            await self._db.execute(
                "INSERT INTO party_rsvps (party_id, user_id, choice, updated_us) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (party_id, user_id) DO UPDATE SET choice = excluded.choice,"
                " updated_us = excluded.updated_us",
                (party_id, user_id, choice.value, to_us(now)),
            )
        return Rsvp(row["choice"]) if row else None

    async def rsvps(self, party_id: int) -> dict[int, Rsvp]:
        rows = await self._db.fetchall(
            "SELECT user_id, choice FROM party_rsvps WHERE party_id = ? ORDER BY updated_us, user_id",
            (party_id,),
        )
        return {row["user_id"]: Rsvp(row["choice"]) for row in rows}

    async def counts(self, party_id: int) -> dict[Rsvp, int]:
        rows = await self._db.fetchall(
            "SELECT choice, COUNT(*) AS n FROM party_rsvps WHERE party_id = ? GROUP BY choice", (party_id,)
        )
        found = {Rsvp(row["choice"]): int(row["n"]) for row in rows}
        return {choice: found.get(choice, 0) for choice in Rsvp}

    # -- deliveries ----------------------------------------------------------------------------------

    async def delivered(self, party: Party, step: str) -> set[int]:
        rows = await self._db.fetchall(
            "SELECT user_id FROM party_deliveries WHERE party_id = ? AND step = ? AND revision = ?",
            (party.id, step, party.revision),
        )
        return {row["user_id"] for row in rows}

    async def mark_delivered(self, party: Party, step: str, user_ids: list[int]) -> None:
        await self._db.executemany(
            "INSERT INTO party_deliveries (party_id, step, revision, user_id)"
            " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [(party.id, step, party.revision, user_id) for user_id in user_ids],
        )

    # -- settings ------------------------------------------------------------------------------------

    async def settings(self, guild_id: int) -> PartySettings:
        row = await self._db.fetchone("SELECT * FROM party_settings WHERE guild_id = ?", (guild_id,))
        if row is None:
            return PartySettings(guild_id, None, None)
        minutes = json.loads(row["reminder_minutes"]) if row["reminder_minutes"] is not None else None
        return PartySettings(
            guild_id, tuple(minutes) if minutes is not None else None, row["manager_role_id"]
        )

    async def set_reminders(self, guild_id: int, minutes: tuple[int, ...] | None) -> None:
        text = json.dumps(list(minutes)) if minutes is not None else None
        await self._db.execute(
            "INSERT INTO party_settings (guild_id, reminder_minutes) VALUES (?, ?)"
            " ON CONFLICT (guild_id) DO UPDATE SET reminder_minutes = excluded.reminder_minutes",
            (guild_id, text),
        )

    async def set_manager_role(self, guild_id: int, role_id: int | None) -> None:
        await self._db.execute(
            "INSERT INTO party_settings (guild_id, manager_role_id) VALUES (?, ?)"
            " ON CONFLICT (guild_id) DO UPDATE SET manager_role_id = excluded.manager_role_id",
            (guild_id, role_id),
        )

    # -- members -------------------------------------------------------------------------------------

    async def notify_via(self, user_id: int) -> NotifyVia:
        row = await self._db.fetchone("SELECT via FROM party_notify WHERE user_id = ?", (user_id,))
        return NotifyVia(row["via"]) if row else NotifyVia.THREAD

    async def dm_preferring(self, user_ids: list[int]) -> set[int]:
        if not user_ids:
            return set()
        marks = ",".join("?" * len(user_ids))
        rows = await self._db.fetchall(
            f"SELECT user_id FROM party_notify WHERE via = 'dm' AND user_id IN ({marks})", user_ids
        )
        return {row["user_id"] for row in rows}

    async def set_notify_via(self, user_id: int, via: NotifyVia) -> None:
        await self._db.execute(
            "INSERT INTO party_notify (user_id, via) VALUES (?, ?)"
            " ON CONFLICT (user_id) DO UPDATE SET via = excluded.via",
            (user_id, via.value),
        )

    async def export_member(self, user_id: int) -> dict[str, object]:
        rsvps = await self._db.fetchall(
            "SELECT party_id, choice FROM party_rsvps WHERE user_id = ? ORDER BY party_id", (user_id,)
        )
        hosted = await self._db.fetchall(
            "SELECT id, title, start_us FROM watch_parties"
            " WHERE host_id = ? AND status != 'draft' ORDER BY id",
            (user_id,),
        )
        delivered = await self._db.fetchall(
            "SELECT DISTINCT party_id, step FROM party_deliveries WHERE user_id = ? ORDER BY party_id, step",
            (user_id,),
        )
        return {
            "reminders_by": (await self.notify_via(user_id)).value,
            "rsvps": [{"party": row["party_id"], "answer": row["choice"]} for row in rsvps],
            "messages_received": [
                {"party": row["party_id"], "message": row["step"]}
                for row in delivered
                if row["step"] != DMS_REFUSED
            ],
            "dms_refused_for_parties": [row["party_id"] for row in delivered if row["step"] == DMS_REFUSED],
            "hosted": [
                {"party": row["id"], "title": row["title"], "start": from_us(row["start_us"]).isoformat()}
                for row in hosted
            ],
        }

    async def delete_member(self, user_id: int) -> list[int]:
        """A member's RSVPs, deliveries and notification choice, and their id on the parties they host
        (those stay for their guests, with no host). Returns the parties whose announcement changes."""
        async with self._db.transaction():
            rows = await self._db.fetchall(
                "SELECT party_id FROM party_rsvps WHERE user_id = ?"
                " UNION SELECT id FROM watch_parties WHERE host_id = ? ORDER BY 1",
                (user_id, user_id),
            )
            affected = [row[0] for row in rows]
            await self._db.execute("DELETE FROM party_rsvps WHERE user_id = ?", (user_id,))
            await self._db.execute("DELETE FROM party_notify WHERE user_id = ?", (user_id,))
            await self._db.execute("DELETE FROM party_deliveries WHERE user_id = ?", (user_id,))
            await self._db.execute(
                "UPDATE watch_parties SET host_id = ? WHERE host_id = ?", (NO_HOST, user_id)
            )
        return affected

    # -- for /config show ----------------------------------------------------------------------------

    async def with_threads(self, guild_id: int) -> list[Party]:
        """A server's parties that opened a thread (each thread is a spoiler channel at the party's last
        episode), oldest first, whether or not they have ended or were cancelled."""
        rows = await self._db.fetchall(
            "SELECT * FROM watch_parties WHERE guild_id = ? AND thread_id IS NOT NULL ORDER BY id",
            (guild_id,),
        )
        return [_party(row) for row in rows]
