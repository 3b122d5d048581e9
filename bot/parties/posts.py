"""Watch parties on Discord: the announcement, its buttons, and the messages that reach attendees.

Nothing here carries plot: a party is named by episode codes and titles only. The buttons are
PersistentButtons whose custom ids carry the party id, so they keep working after a restart.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Self

import discord
from discord.utils import format_dt  # <t:…> timestamps: each reader sees their own zone

from bot.parties.repository import NotifyVia, Party, Rsvp, Status
from bot.parties.service import Change, Plan, codes, describe_offsets
from bot.ui.buttons import PersistentButton
from bot.ui.presenter import EMBED_COLOUR
from bot.ui.text import escape, quote

if TYPE_CHECKING:
    from bot.core.app import HeartBot

log = logging.getLogger(__name__)

LABELS = {Rsvp.GOING: "Going", Rsvp.MAYBE: "Maybe", Rsvp.NO: "Can't"}
STYLES = {
    Rsvp.GOING: discord.ButtonStyle.success,
    Rsvp.MAYBE: discord.ButtonStyle.primary,
    Rsvp.NO: discord.ButtonStyle.secondary,
}
MENTIONS_PER_MESSAGE = 50  # well inside Discord's 2,000 characters with the text
PARTY_ID = r"\d{1,12}"  # in the buttons' custom ids
NAMES_SHOWN = 30  # per answer in /watchparty info: two lists of 30 mentions stay well inside 2,000


def titled(party: Party) -> str:
    """`**Title** (S2E1-S2E2)`, or the codes alone for a party without a title."""
    episodes = codes(party.first, party.last)
    return f"**{escape(party.title)}** ({episodes})" if party.title else f"**{episodes}**"


def jump_url(party: Party, *, thread: bool = False) -> str:
    """A link to the party's thread, or to its announcement."""
    if thread:
        return f"https://discord.com/channels/{party.guild_id}/{party.thread_id or party.channel_id}"
    return f"https://discord.com/channels/{party.guild_id}/{party.channel_id}/{party.message_id}"


def party_name(party: Party) -> str:
    """For places Discord cannot hide (thread and event names): codes only."""
    return f"Watch party #{party.id} · {codes(party.first, party.last)}"


def only_these(user_ids: list[int]) -> discord.AllowedMentions:
    """Pings exactly these members, however the text reads."""
    return discord.AllowedMentions(
        everyone=False, roles=False, replied_user=False, users=[discord.Object(u) for u in user_ids]
    )


def chunks(user_ids: list[int]) -> Iterator[list[int]]:
    for at in range(0, len(user_ids), MENTIONS_PER_MESSAGE):
        yield user_ids[at : at + MENTIONS_PER_MESSAGE]


def announcement(
    party: Party, plan: Plan, counts: dict[Rsvp, int], reminders: tuple[int, ...], now: datetime
) -> discord.Embed:
    state = ""
    if party.status is Status.CANCELLED:
        state = "**This party was cancelled.**\n\n"
    elif party.ended(now):
        state = "**This party has ended.**\n\n"
    episodes = "\n".join(f"{e.code} · {e.title}" for e in plan.episodes)
    length = f"about {plan.minutes} minutes" if plan.estimated else f"{plan.minutes} minutes"
    host = (
        f"Hosted by <@{party.host_id}>"
        if party.host_id is not None
        else "Hosted by a member who has since erased their data"
    )
    lines = [
        f"{state}**{escape(party.title)}**\n{host}" if party.title else f"{state}{host}",
        "",
        f"**Episodes**\n{episodes}",
        "",
        f"**Starts** {format_dt(party.start, 'F')} ({format_dt(party.start, 'R')})",
        f"**Ends** around {format_dt(party.end, 't')} ({length})",
    ]
    embed = discord.Embed(
        title=f"Cancelled: {party_name(party)}" if party.status is Status.CANCELLED else party_name(party),
        description="\n".join(lines),
        colour=EMBED_COLOUR,
    )
    for choice in Rsvp:
        embed.add_field(name=LABELS[choice], value=str(counts[choice]), inline=True)
    footer = "Times show in your own time zone."
    if reminders and party.status is Status.UPCOMING and not party.ended(now):
        footer = f"Going or Maybe? I'll remind you {describe_offsets(reminders)}. {footer}"
    embed.set_footer(text=footer)
    return embed


def what_changed(party: Party, change: Change) -> str:
    """`it now starts <F> (<R>), not <F>; the episodes are now **S2E1-S2E3** (were S2E1-S2E2)`."""
    parts = []
    if change.was_start is not None:
        parts.append(
            f"it now starts {format_dt(party.start, 'F')} ({format_dt(party.start, 'R')}), "
            f"not {format_dt(change.was_start, 'F')}"
        )
    if change.was_episodes is not None:
        parts.append(
            f"the episodes are now **{codes(party.first, party.last)}** (were {change.was_episodes})"
        )
    if change.title:
        parts.append(
            f"it's now called **{escape(party.title)}**" if party.title else "it no longer has a title"
        )
    return "; ".join(parts)


def who_answered(answers: dict[int, Rsvp], most: int = NAMES_SHOWN) -> list[str]:
    """`Going (2): <@1>, <@2>` and `Maybe (1): <@3>`, in the order they answered (send with no mentions
    allowed: Discord shows the names and notifies no one); those who can't come are only counted."""
    lines = []
    for choice in (Rsvp.GOING, Rsvp.MAYBE):
        members = [user for user, answered in answers.items() if answered is choice]
        if members:
            names = ", ".join(f"<@{user}>" for user in members[:most])
            more = f" and {len(members) - most} more" if len(members) > most else ""
            lines.append(f"{LABELS[choice]} ({len(members)}): {names}{more}")
    if cannot := sum(1 for answered in answers.values() if answered is Rsvp.NO):
        lines.append(f"{LABELS[Rsvp.NO]} ({cannot})")
    return lines


def listed(party: Party, going: int, now: datetime) -> str:
    """One line of /watchparty list: number, episodes, title, start, channel and how many are going."""
    when = "on now" if party.started(now) else format_dt(party.start, "R")
    title = f" · {quote(party.title, 60)}" if party.title else ""
    return (
        f"**#{party.id}** {codes(party.first, party.last)}{title} · {format_dt(party.start, 'F')} "
        f"({when}) · <#{party.channel_id}> · {going} going"
    )


def details(party: Party, answers: dict[int, Rsvp], user_id: int) -> str:
    """/watchparty info above the announcement: the member's answer, who answered, and where to find it."""
    answer = answers.get(user_id)
    lines = [f"Your answer: **{LABELS[answer] if answer else 'none yet'}**", *who_answered(answers)]
    if party.message_id:
        lines.append(f"Announcement: {jump_url(party)}")
    if party.thread_id:
        lines.append(f"Thread: <#{party.thread_id}>")
    return "\n".join(lines)


def rsvp_view(party: Party) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for choice in Rsvp:
        view.add_item(RsvpButton(party.id, choice))
    return view


def watched_view(party: Party) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(MarkWatchedButton(party.id, codes(party.first, party.last)))
    return view


async def announcement_for(bot: HeartBot, party: Party) -> discord.Embed:
    counts = await bot.parties.counts(party)
    reminders = await bot.parties.reminder_offsets(party.guild_id)
    return announcement(party, bot.parties.plan_of(party), counts, reminders, bot.clock.now())


async def refresh_announcement(bot: HeartBot, party: Party, *, buttons: bool | None = None) -> None:
    """Show the party as it now stands (after an edit, a cancellation, its end or an erased member).
    `buttons` left out: the RSVP buttons stay while answers still count."""
    if party.message_id is None:
        return
    if buttons is None:
        buttons = party.status is Status.UPCOMING and not party.ended(bot.clock.now())
    message = bot.get_partial_messageable(party.channel_id, guild_id=party.guild_id).get_partial_message(
        party.message_id
    )
    view = rsvp_view(party) if buttons else None
    try:
        await message.edit(embed=await announcement_for(bot, party), view=view)
    except discord.NotFound:
        log.info("Watch party %s: its announcement was deleted", party.id)


def _answer(party: Party, choice: Rsvp, ahead: tuple[int, ...], via: NotifyVia, now: datetime) -> str:
    """What this answer means from now on: only the reminders still to come, where they will arrive."""
    if choice is Rsvp.NO:
        return f"Got it: you can't make watch party #{party.id}. I won't remind you."
    first = "You're going to" if choice is Rsvp.GOING else "You might come to"
    verb = "started" if party.started(now) else "starts"
    text = f"{first} watch party #{party.id} ({codes(party.first, party.last)}), which {verb} "
    text += f"{format_dt(party.start, 'R')}."
    if party.started(now):
        where = f"<#{party.thread_id}>" if party.thread_id else "its thread"
        return f"{text} It's on now: join in {where}. When it's done I'll send a button to mark it watched."
    where, switch = (
        ("by DM", "`/watchparty notify how:thread` switches to mentions in the party's thread")
        if via is NotifyVia.DM
        else ("in the party's thread", "`/watchparty notify how:dm` switches to DMs")
    )
    if ahead:
        return f"{text} I'll remind you {describe_offsets(ahead)}, {where} ({switch})."
    mention = "DM you" if via is NotifyVia.DM else "mention you in the party's thread"
    return f"{text} I'll {mention} when it starts ({switch})."


class RsvpButton(
    PersistentButton,
    custom_id="party:rsvp:{party_id}:{choice}",
    fields={"party_id": PARTY_ID, "choice": "going|maybe|no"},
):
    """Going, Maybe or Can't under a party's announcement."""

    def __init__(self, party_id: int, choice: Rsvp) -> None:
        super().__init__(LABELS[choice], style=STYLES[choice], party_id=party_id, choice=choice.value)
        self.party_id, self.choice = party_id, choice

    @classmethod
    def from_fields(cls, **fields: str) -> Self:
        return cls(int(fields["party_id"]), Rsvp(fields["choice"]))

    async def pressed(self, interaction: discord.Interaction[HeartBot]) -> None:
        bot = interaction.client
        party = await bot.parties.get(interaction.guild_id, self.party_id)
        if party.status is Status.CANCELLED or party.ended(bot.clock.now()):
            ended = "was cancelled" if party.status is Status.CANCELLED else "has ended"
            await interaction.response.send_message(f"Watch party #{party.id} {ended}.", ephemeral=True)
            return
        previous = await bot.parties.rsvp(party, interaction.user.id, self.choice)
        via = await bot.parties.notify_via(interaction.user.id)
        answer = _answer(party, self.choice, await bot.parties.reminders_ahead(party), via, bot.clock.now())
        if previous is self.choice:
            await interaction.response.send_message(
                f"You already answered {LABELS[self.choice]}. {answer}", ephemeral=True
            )
            return
        # Editing the announcement is the acknowledgement: the counts change only when an answer does.
        await interaction.response.edit_message(embed=await announcement_for(bot, party))
        await interaction.followup.send(answer, ephemeral=True)


class MarkWatchedButton(
    PersistentButton,
    custom_id="party:watched:{party_id}:{episodes}",
    fields={"party_id": PARTY_ID, "episodes": r"S\dE\d(?:-S\dE\d)?"},
):
    """Under the end-of-party message: raises the member's progress to the party's last episode."""

    def __init__(self, party_id: int, episodes: str) -> None:
        super().__init__(
            f"Mark {episodes} watched",
            style=discord.ButtonStyle.success,
            party_id=party_id,
            episodes=episodes,
        )
        self.party_id = party_id

    @classmethod
    def from_fields(cls, **fields: str) -> Self:
        return cls(int(fields["party_id"]), fields["episodes"])

    async def pressed(self, interaction: discord.Interaction[HeartBot]) -> None:
        bot = interaction.client
        party = await bot.parties.find(self.party_id)
        if party is None:
            await interaction.response.send_message("That watch party no longer exists.", ephemeral=True)
            return
        progress, raised = await bot.progress.raise_to(interaction.user.id, party.last)
        label = bot.lookups.index.episode_label(party.last)
        if raised:
            text = f"Marked: you've watched up to **{label}**. `/progress show` has the details."
        else:
            text = (
                f"You're already at **{progress.watched}**, so I left your progress as it is "
                "(this button only ever moves it forward)."
            )
        await interaction.response.send_message(text, ephemeral=True)
