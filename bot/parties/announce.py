"""A party's public side: what its title and channel must pass, then the announcement, its thread and its
server event (all taken back together when Discord refuses a part of them), kept in step with every edit
and cancellation.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import replace
from typing import TYPE_CHECKING

import discord

from bot.core.errors import BadInput, UserFacingError
from bot.core.tree import permission_names
from bot.parties.events import EventMirror
from bot.parties.posts import announcement_for, refresh_announcement, rsvp_view
from bot.parties.repository import Party
from bot.parties.service import Change, Plan, clean_title

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


async def checked_title(bot: HeartBot, guild_id: int, text: str | None) -> str:
    """The title as it will be shown, once it is one plain line that gives nothing away."""
    title = clean_title(text)
    baseline = await bot.spoiler_levels.channel_level(guild_id, 0)  # titles show in every channel
    spans = (await bot.shield.detector(guild_id)).beyond(title, baseline)
    if spans:
        raise BadInput(
            f"That title seems to give away something from {max(s.reveals for s in spans)}. "
            "Titles show to everyone, so please keep plot out of them."
        )
    return title


def check_channel(member: discord.Member, channel: discord.TextChannel) -> None:
    """The member may post in the channel, and the bot may announce there and open the party's thread."""
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


async def publish(bot: HeartBot, channel: discord.TextChannel, draft: Party, plan: Plan) -> Party:
    """Post the draft's announcement and open its thread (and its event, when the bot may): the party as
    published. On failure what was posted is taken back and the draft discarded, as if never planned."""
    try:
        return await _announce(bot, channel, draft, plan)
    except BaseException:
        await bot.parties.discard(draft)
        raise


async def _announce(bot: HeartBot, channel: discord.TextChannel, party: Party, plan: Plan) -> Party:
    try:
        message = await channel.send(
            embed=await announcement_for(bot, party),
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
        await bot.spoiler_levels.set_channel(channel.guild.id, thread.id, party.last)
        event_id = await EventMirror(bot).create(channel.guild, replace(party, message_id=message.id), plan)
        return await bot.parties.publish(party, message_id=message.id, thread_id=thread.id, event_id=event_id)
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


async def show_edit(bot: HeartBot, before: Party, after: Party, *, by: int) -> tuple[Change, bool]:
    """After an edit by member `by`: the thread allows up to the new last episode, the announcement and the
    event show the party as it now stands, and attendees are told. What changed, and whether the server
    event (when there is one) could be kept in step."""
    if after.thread_id is not None and after.last != before.last:
        await bot.spoiler_levels.set_channel(after.guild_id, after.thread_id, after.last)
    await refresh_announcement(bot, after, buttons=True)
    event_kept = after.event_id is None or await EventMirror(bot).update(after, bot.parties.plan_of(after))
    change = Change.between(before, after)
    await bot.parties.tell_attendees(after, by=by, change=change)
    return change, event_kept


async def show_cancelled(bot: HeartBot, party: Party, *, by: int) -> None:
    """After a cancellation by member `by`: the announcement and the event say so, and attendees are told."""
    await refresh_announcement(bot, party, buttons=False)
    await EventMirror(bot).set_status(party, discord.EventStatus.cancelled)
    await bot.parties.tell_attendees(party, by=by)
