"""/watchparty: planned viewings with RSVPs, reminders, a countdown and progress that follows."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands
from discord.utils import format_dt

from bot.core.errors import BadInput, UserFacingError
from bot.parties.announce import check_channel, checked_title, publish, show_cancelled, show_edit
from bot.parties.events import CANNOT, may_mirror
from bot.parties.options import EpisodesOption, party_choices
from bot.parties.posts import (
    MarkWatchedButton,
    RsvpButton,
    announcement_for,
    details,
    listed,
    what_changed,
)
from bot.parties.service import NotifyVia, Party, Plan, Rsvp, Status, codes
from bot.parties.timers import PartyTimers
from bot.times.options import StartOption, TypedStart
from bot.ui import paging

if TYPE_CHECKING:
    from bot.core.app import HeartBot

log = logging.getLogger(__name__)
LIST = "party-list"  # the pager's kind for /watchparty list


@app_commands.guild_only()
class WatchParty(commands.GroupCog, group_name="watchparty"):
    """Plan a viewing together: RSVPs, reminders and a countdown."""

    def __init__(self, bot: HeartBot) -> None:
        self.bot = bot
        self.parties = bot.parties
        self.timers = PartyTimers(bot)
        super().__init__()

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(RsvpButton, MarkWatchedButton)  # they keep working after a restart
        paging.register(self.bot, LIST, self.list_page)
        self.timers.register()
        if dropped := await self.parties.drop_drafts():
            log.warning("Dropped %d watch parties left half-created by an interrupted start", dropped)

    async def cog_unload(self) -> None:
        paging.unregister(self.bot, LIST)
        self.bot.remove_dynamic_items(RsvpButton, MarkWatchedButton)
        self.timers.unregister()

    # -- checking who asks ---------------------------------------------------------------------------

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
        assert isinstance(interaction.user, discord.Member)
        check_channel(interaction.user, target)
        party = await self.parties.draft(
            guild_id=guild.id,
            channel_id=target.id,
            host_id=interaction.user.id,
            title=await checked_title(self.bot, guild.id, title),
            plan=episodes,
            start=start.moment,
        )
        await interaction.response.defer(ephemeral=True, thinking=True)
        party = await publish(self.bot, target, party, episodes)
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
        lines = [listed(party, (await self.parties.counts(party))[Rsvp.GOING], now) for party in parties]
        return paging.lines_page(request, f"**Watch parties coming up here** ({len(parties)})", lines)

    @app_commands.command(name="info")
    @app_commands.describe(party_id="The party's number (from /watchparty list)")
    @app_commands.rename(party_id="id")
    async def info(self, interaction: discord.Interaction[HeartBot], party_id: int) -> None:
        """One watch party, who is coming, and your answer to it."""
        party = await self.parties.get(interaction.guild_id, party_id)
        answers = await self.parties.answers(party)
        await interaction.response.send_message(
            details(party, answers, interaction.user.id),
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
        new_title = await checked_title(self.bot, interaction.guild_id, title) if title is not None else None
        changed = await self.parties.edit(party, plan=episodes, start=moment, title=new_title)
        await interaction.response.defer(ephemeral=True, thinking=True)
        change, event_kept = await show_edit(self.bot, party, changed, by=interaction.user.id)
        note = "" if event_kept else " I couldn't update its server event."
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
        await show_cancelled(self.bot, cancelled, by=interaction.user.id)
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
        return await party_choices(interaction, current)


async def setup(bot: HeartBot) -> None:
    await bot.add_cog(WatchParty(bot))
