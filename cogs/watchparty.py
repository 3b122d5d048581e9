"""/watchparty: planned viewings with RSVPs, reminders, a countdown and progress that follows."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands
from discord.utils import format_dt

from bot.core.errors import BadInput, UserFacingError
from bot.core.timers_repository import Timer
from bot.core.tree import permission_names
from bot.parties.delivery import Delivery
from bot.parties.events import CANNOT, EventMirror, may_mirror
from bot.parties.options import EpisodesOption
from bot.parties.posts import (
    LABELS,
    MarkWatchedButton,
    RsvpButton,
    announcement_for,
    jump_url,
    plain,
    refresh_announcement,
    rsvp_view,
    titled,
    watched_view,
    what_changed,
    who_answered,
)
from bot.parties.repository import NotifyVia, Party, Rsvp, Status
from bot.parties.service import END, NOTICE, NOTICE_STEP, REMINDER, START, Change, Plan, clean_title, codes
from bot.times.options import StartOption, TypedStart
from bot.times.zones import zone
from bot.ui import paging
from bot.ui.text import quote

if TYPE_CHECKING:
    from bot.core.app import HeartBot

log = logging.getLogger(__name__)
BOT_NEEDS = (
    "view_channel",
    "send_messages",
    "embed_links",
    "create_public_threads",
    "send_messages_in_threads",
)
LATE = "(Late: I was offline when this was due.) "
LIST = "party-list"  # the pager's kind for /watchparty list


@app_commands.guild_only()
class WatchParty(commands.GroupCog, group_name="watchparty"):
    """Plan a viewing together: RSVPs, reminders and a countdown."""

    def __init__(self, bot: HeartBot) -> None:
        self.bot = bot
        self.parties = bot.parties
        self.delivery = Delivery(bot)
        self.events = EventMirror(bot)
        super().__init__()

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(RsvpButton, MarkWatchedButton)  # they keep working after a restart
        paging.register(self.bot, LIST, self.list_page)
        handlers: dict[str, Callable[[Timer, bool], Awaitable[None]]] = {
            REMINDER: self.on_reminder,
            START: self.on_start,
            END: self.on_end,
            NOTICE: self.on_notice,
        }
        for event, handler in handlers.items():
            self.bot.timers.register(event, handler)
        if dropped := await self.parties.drop_drafts():
            log.warning("Dropped %d watch parties left half-created by an interrupted start", dropped)

    async def cog_unload(self) -> None:
        paging.unregister(self.bot, LIST)
        self.bot.remove_dynamic_items(RsvpButton, MarkWatchedButton)
        for event in (REMINDER, START, END, NOTICE):
            self.bot.timers.unregister(event)

    # -- checking what was typed ---------------------------------------------------------------------

    async def _title(self, guild_id: int, text: str | None) -> str:
        title = clean_title(text)
        baseline = await self.bot.spoiler_levels.channel_level(guild_id, 0)  # titles show in every channel
        spans = (await self.bot.shield.detector(guild_id)).beyond(title, baseline)
        if spans:
            raise BadInput(
                f"That title seems to give away something from {max(s.reveals for s in spans)}. "
                "Titles show to everyone, so please keep plot out of them."
            )
        return title

    @staticmethod
    def _check_channel(interaction: discord.Interaction[HeartBot], channel: discord.TextChannel) -> None:
        member = interaction.user
        assert isinstance(member, discord.Member)
        theirs = channel.permissions_for(member)
        if not (theirs.view_channel and theirs.send_messages):
            raise BadInput(f"You can't post in {channel.mention}, so I won't announce a party there.")
        mine = channel.permissions_for(channel.guild.me)
        missing = [name for name in BOT_NEEDS if not getattr(mine, name)]
        if missing:
            raise BadInput(
                f"To announce a party in {channel.mention} I need {permission_names(missing, ' and ')} "
                "there. A server admin can grant it in the channel settings; nothing was saved."
            )

    async def _managed(self, interaction: discord.Interaction[HeartBot], party_id: int) -> Party:
        party = await self.parties.get(interaction.guild_id, party_id)
        member = interaction.user
        roles = [role.id for role in member.roles] if isinstance(member, discord.Member) else []
        rights = interaction.permissions
        manages = rights.manage_guild or rights.manage_events or rights.administrator
        if not await self.parties.may_manage(party, member.id, roles, manages):
            raise UserFacingError(
                f"Only the host of watch party #{party.id}, a party manager or someone with Manage Events "
                "or Manage Server can change it."
            )
        if party.status is Status.CANCELLED:
            raise BadInput(f"Watch party #{party.id} is already cancelled.")
        return party

    # -- commands ------------------------------------------------------------------------------------

    @app_commands.command(name="create")
    @app_commands.describe(
        episodes="One episode or a range: S2E1 or S2E1-S2E3",
        start="When: tomorrow 8pm, saturday 19:30, in 2 hours, 2026-12-01 20:00 or Discord's time picker",
        title="A name for the party (plain text, up to 80 characters)",
        channel="Where to announce it (this channel if left out)",
    )
    async def create(
        self,
        interaction: discord.Interaction[HeartBot],
        episodes: app_commands.Transform[Plan, EpisodesOption],
        start: app_commands.Transform[TypedStart, StartOption],
        title: str | None = None,
        channel: discord.TextChannel | None = None,
    ) -> None:
        """Plan a watch party: an announcement with RSVP buttons, reminders and a countdown."""
        guild = interaction.guild
        assert guild is not None
        target = channel or interaction.channel
        if not isinstance(target, discord.TextChannel):
            raise BadInput("Parties are announced in a text channel: pick one with the `channel` option.")
        self._check_channel(interaction, target)
        party = await self.parties.draft(
            guild_id=guild.id,
            channel_id=target.id,
            host_id=interaction.user.id,
            title=await self._title(guild.id, title),
            plan=episodes,
            start=start.moment,
        )
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            party = await self._publish(guild, target, party, episodes)
        except BaseException:
            await self.parties.discard(party)
            raise
        lines = [
            f"Watch party #{party.id} is planned in {target.mention}: **{codes(party.first, party.last)}**, "
            f"{format_dt(party.start, 'F')} ({format_dt(party.start, 'R')}). You're counted as Going, so "
            "you're reminded too; the buttons on the announcement change your answer."
        ]
        lines += start.read_as(self.bot.clock.now())
        if start.assumed_utc:
            lines.append(
                f"If that's wrong, `/timezone set` and then `/watchparty edit id:{party.id} start:...` put "
                "it right."
            )
        if party.event_id is None:
            lines.append(
                CANNOT if not may_mirror(guild) else "Discord didn't accept the server event for it."
            )
        await interaction.followup.send("\n".join(lines), ephemeral=True)

    async def _publish(
        self, guild: discord.Guild, channel: discord.TextChannel, party: Party, plan: Plan
    ) -> Party:
        """Post the announcement and open its thread; on failure, take back what was posted."""
        try:
            message = await channel.send(
                embed=await announcement_for(self.bot, party),
                view=rsvp_view(party),
                allowed_mentions=discord.AllowedMentions.none(),
            )
        except discord.Forbidden:
            raise UserFacingError(
                f"Discord didn't let me post in {channel.mention}, so nothing was saved. I need View "
                "Channel, Send Messages and Embed Links there."
            ) from None
        except discord.HTTPException:
            log.warning("Watch party %s: the announcement failed", party.id, exc_info=True)
            raise UserFacingError(
                "Discord didn't accept the announcement just now, so nothing was saved. Please try again."
            ) from None
        try:
            thread = await message.create_thread(name=f"Watch party #{party.id}", auto_archive_duration=10080)
            # Talk in the thread is about the episodes just watched: the shield allows up to the last one.
            await self.bot.spoiler_levels.set_channel(guild.id, thread.id, party.last)
            event_id = await self.events.create(guild, replace(party, message_id=message.id), plan)
            return await self.parties.publish(
                party, message_id=message.id, thread_id=thread.id, event_id=event_id
            )
        except BaseException as error:
            with contextlib.suppress(discord.HTTPException):
                await message.delete()
            if isinstance(error, discord.HTTPException):
                log.warning("Watch party %s: its thread could not be opened", party.id, exc_info=True)
                raise UserFacingError(
                    "Discord didn't let me open the party's thread, so nothing was saved. I need Create "
                    "Public Threads in that channel; please try again."
                ) from None
            raise

    @app_commands.command(name="list")
    async def list_(self, interaction: discord.Interaction[HeartBot]) -> None:
        """The watch parties coming up in this server."""
        await paging.send(interaction, LIST)

    async def list_page(self, request: paging.PageRequest) -> paging.Page:
        """A page of the server's parties not yet over (25 with long titles outgrow one message)."""
        guild_id = request.interaction.guild_id
        assert guild_id is not None
        now = self.bot.clock.now()
        parties = await self.parties.upcoming(guild_id)
        if not parties:
            return paging.Page("No watch parties coming up. `/watchparty create` plans one.")
        lines = []
        for party in parties:
            going = (await self.parties.counts(party))[Rsvp.GOING]
            when = "on now" if party.started(now) else format_dt(party.start, "R")
            title = f" · {quote(party.title, 60)}" if party.title else ""
            lines.append(
                f"**#{party.id}** {codes(party.first, party.last)}{title} · {format_dt(party.start, 'F')} "
                f"({when}) · <#{party.channel_id}> · {going} going"
            )
        return paging.lines_page(request, f"**Watch parties coming up here** ({len(parties)})", lines)

    @app_commands.command(name="info")
    @app_commands.describe(party_id="The party's number (from /watchparty list)")
    @app_commands.rename(party_id="id")
    async def info(self, interaction: discord.Interaction[HeartBot], party_id: int) -> None:
        """One watch party, who is coming, and your answer to it."""
        party = await self.parties.get(interaction.guild_id, party_id)
        answers = await self.parties.answers(party)
        answer = answers.get(interaction.user.id)
        lines = [f"Your answer: **{LABELS[answer] if answer else 'none yet'}**"]
        lines += who_answered(answers)
        if party.message_id:
            lines.append(f"Announcement: {jump_url(party)}")
        if party.thread_id:
            lines.append(f"Thread: <#{party.thread_id}>")
        await interaction.response.send_message(
            "\n".join(lines),
            embed=await announcement_for(self.bot, party),
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),  # names shown, nobody notified
        )

    @app_commands.command(name="edit")
    @app_commands.describe(
        party_id="The party's number",
        start="A new start time",
        episodes="New episodes: S2E1 or S2E1-S2E3",
        title="A new name",
    )
    @app_commands.rename(party_id="id")
    async def edit(
        self,
        interaction: discord.Interaction[HeartBot],
        party_id: int,
        start: app_commands.Transform[TypedStart, StartOption] | None = None,
        episodes: app_commands.Transform[Plan, EpisodesOption] | None = None,
        title: str | None = None,
    ) -> None:
        """Change a party's time, episodes or title (host, party managers, Manage Server)."""
        if start is None and episodes is None and title is None:
            raise BadInput("Say what to change: `start`, `episodes` or `title`.")
        assert interaction.guild_id is not None
        party = await self._managed(interaction, party_id)
        moment = start.moment if start is not None else None
        new_title = await self._title(interaction.guild_id, title) if title is not None else None
        changed = await self.parties.edit(party, plan=episodes, start=moment, title=new_title)
        await interaction.response.defer(ephemeral=True, thinking=True)
        if changed.thread_id is not None and changed.last != party.last:
            await self.bot.spoiler_levels.set_channel(changed.guild_id, changed.thread_id, changed.last)
        await refresh_announcement(self.bot, changed, buttons=True)
        note = ""
        if changed.event_id is not None and not await self.events.update(
            changed, self.parties.plan_of(changed)
        ):
            note = " I couldn't update its server event."
        change = Change.between(party, changed)
        await self.parties.tell_attendees(changed, by=interaction.user.id, change=change)
        told = (
            "Everyone who answered Going or Maybe will hear about it."
            if change.matters
            else "I noted it in the party's thread without pinging anyone."
        )
        read_as = start.read_as(self.bot.clock.now()) if start is not None else []
        await interaction.followup.send(
            "\n".join(
                [
                    f"Watch party #{changed.id} changed: {what_changed(changed, change)}. {told}{note}",
                    *read_as,
                ]
            ),
            ephemeral=True,
        )

    @app_commands.command(name="cancel")
    @app_commands.describe(party_id="The party's number")
    @app_commands.rename(party_id="id")
    async def cancel(self, interaction: discord.Interaction[HeartBot], party_id: int) -> None:
        """Cancel a party (host, party managers, Manage Server); attendees are told."""
        party = await self._managed(interaction, party_id)
        cancelled = await self.parties.cancel(party)
        await interaction.response.defer(ephemeral=True, thinking=True)
        await refresh_announcement(self.bot, cancelled, buttons=False)
        await self.events.set_status(cancelled, discord.EventStatus.cancelled)
        await self.parties.tell_attendees(cancelled, by=interaction.user.id)
        await interaction.followup.send(
            f"Watch party #{party.id} is cancelled. Everyone who answered Going or Maybe will hear about it.",
            ephemeral=True,
        )

    @app_commands.command(name="notify")
    @app_commands.describe(how="Where your watch-party reminders reach you")
    @app_commands.choices(
        how=[
            app_commands.Choice(name="in the party's thread (a mention)", value="thread"),
            app_commands.Choice(name="by DM", value="dm"),
        ]
    )
    async def notify(self, interaction: discord.Interaction[HeartBot], how: app_commands.Choice[str]) -> None:
        """Choose whether reminders mention you in the party thread or come by DM."""
        await self.parties.set_notify_via(interaction.user.id, NotifyVia(how.value))
        if how.value == "dm":
            text = (
                "Your watch-party reminders will come by DM. If Discord won't let me DM you, I'll mention "
                "you in the party's thread instead."
            )
        else:
            text = "Your watch-party reminders will mention you in the party's thread."
        await interaction.response.send_message(text, ephemeral=True)

    @info.autocomplete("party_id")
    @edit.autocomplete("party_id")
    @cancel.autocomplete("party_id")
    async def _party_ids(
        self, interaction: discord.Interaction[HeartBot], current: str
    ) -> list[app_commands.Choice[int]]:
        if interaction.guild_id is None:
            return []
        stored = await self.bot.timezones.get(interaction.user.id)
        where = zone(stored or "UTC")
        choices = []
        for party in await self.parties.upcoming(interaction.guild_id):
            local = party.start.astimezone(where)
            name = f"#{party.id} · {codes(party.first, party.last)} · {local:%a %d %b %H:%M} {local.tzname()}"
            if current.strip().lstrip("#") in name:
                choices.append(app_commands.Choice(name=name, value=party.id))
        return choices[:25]

    # -- timers --------------------------------------------------------------------------------------

    def _dm_lead(self, party: Party) -> str:
        guild = self.bot.get_guild(party.guild_id)
        return f"Watch party #{party.id} in **{plain(guild.name) if guild else 'your server'}**"

    async def on_reminder(self, timer: Timer, late: bool) -> None:
        party = await self.parties.current(timer.payload["party"], timer.payload["revision"])
        if party is None:
            return  # cancelled, or changed: its new timers remind
        if await self.parties.overtaken(party, timer.payload["minutes"]):
            return  # after downtime: a later step is due too and says it all, once
        lead = LATE if late else ""

        def text(in_dm: bool) -> str:
            who = self._dm_lead(party) if in_dm else f"Watch party #{party.id}"
            tail = f"\n{jump_url(party, thread=True)}" if in_dm else ""
            return (
                f"{lead}⏰ {who}: {titled(party)} starts {format_dt(party.start, 'R')}, "
                f"at {format_dt(party.start, 't')}.{tail}"
            )

        audience = await self.parties.attendees(party)
        await self.delivery.send(party, f"reminder:{timer.payload['minutes']}", audience, text)

    async def on_start(self, timer: Timer, late: bool) -> None:
        party = await self.parties.current(timer.payload["party"], timer.payload["revision"])
        if party is None or party.ended(self.bot.clock.now()):
            return
        lead = LATE if late else ""
        first = self.bot.lookups.index.episode_label(party.first)

        def text(in_dm: bool) -> str:
            where = f" ({self._dm_lead(party)})" if in_dm else ""
            return (
                f"{lead}🎬 3... 2... 1... press play! **{first}**{where}. Enjoy, and see you back here after."
            )

        await self.delivery.send(party, "start", await self.parties.attendees(party), text)
        await self.events.set_status(party, discord.EventStatus.active)

    async def on_end(self, timer: Timer, late: bool) -> None:
        party = await self.parties.current(timer.payload["party"], timer.payload["revision"])
        if party is None:
            return
        episodes = codes(party.first, party.last)
        lead = LATE if late else ""

        def text(in_dm: bool) -> str:
            where = f" ({self._dm_lead(party)})" if in_dm else ""
            return (
                f"{lead}🎉 That's {episodes} done{where}! Press the button to mark {episodes} watched; it "
                "only ever moves your progress forward. This thread is the place to talk about it."
            )

        audience = await self.parties.attendees(party)
        await self.delivery.send(party, "end", audience, text, view=lambda: watched_view(party))
        await refresh_announcement(self.bot, party, buttons=False)
        await self.events.set_status(party, discord.EventStatus.completed)

    async def on_notice(self, timer: Timer, late: bool) -> None:
        """Attendees hear of an edit or a cancellation (a timer, so it survives failures and restarts)."""
        party = await self.parties.find(timer.payload["party"])
        if party is None or party.revision != timer.payload["revision"] or party.ended(self.bot.clock.now()):
            return  # a later change tells them everything at once
        episodes = codes(party.first, party.last)
        saved = timer.payload.get("change")  # absent from notices scheduled before edits said what changed
        change = Change.from_json(saved) if saved is not None else None

        def text(in_dm: bool) -> str:
            who = self._dm_lead(party) if in_dm else f"Watch party #{party.id}"
            if party.status is Status.CANCELLED:
                return f"❌ {who} ({episodes}, {format_dt(party.start, 'f')}) was cancelled."
            if change is None:
                return (
                    f"📝 {who} changed: it's now {titled(party)}, starting {format_dt(party.start, 'F')} "
                    f"({format_dt(party.start, 'R')}). Your answer still stands."
                )
            still = " Your answer still stands." if change.matters else ""
            return f"📝 {who} changed: {what_changed(party, change)}.{still}"

        audience = await self.parties.attendees(party)
        if party.status is Status.UPCOMING and change is not None and not change.matters:
            audience = []  # a new title: a quiet note in the thread, no pings and no DMs
        await self.delivery.send(party, NOTICE_STEP, audience, text)


async def setup(bot: HeartBot) -> None:
    await bot.add_cog(WatchParty(bot))
