""" "Not a spoiler": a wrapped repost's original words put back, in its parts in order."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from bot.core.errors import UserFacingError
from bot.shield.posts import DELIVERY_ERRORS, ShieldPoster, describe_failure
from bot.spoilers.split import split_text
from bot.ui.text import NO_PINGS

if TYPE_CHECKING:
    from bot.core.app import HeartBot

log = logging.getLogger(__name__)


async def restore(interaction: discord.Interaction[HeartBot], last: discord.Message, author_id: int) -> None:
    """Put the original back into the repost whose last part (the one with the button) is `last`: its
    earlier parts first, then `last`; the parts left over are removed, and any more the original needs are
    posted after it."""
    bot = interaction.client
    posts = ShieldPoster(bot)
    repost = await bot.shield.repost(last.id)
    if repost is None:
        raise UserFacingError("I no longer have the original of this message.")
    channel = interaction.channel
    assert isinstance(channel, discord.TextChannel | discord.Thread)
    pieces = split_text(repost.original)
    earlier = repost.earlier_parts
    filled = min(len(pieces) - 1, len(earlier))  # earlier parts that get a piece, in order
    try:
        await posts.edit_parts(channel, earlier[:filled], pieces[:filled])
    except DELIVERY_ERRORS as error:
        log.warning("Could not restore the parts of repost %s: %s", last.id, describe_failure(error))
        raise UserFacingError("I couldn't put the whole message back just now. Please try again.") from None
    await interaction.response.edit_message(content=pieces[filled], view=None, allowed_mentions=NO_PINGS)
    if pieces[filled + 1 :]:  # the original needs more messages than the repost had
        await posts.append_parts(channel, last, pieces[filled + 1 :])
    await posts.take_down([channel.get_partial_message(part) for part in earlier[filled:]])
    await bot.shield.forget_repost(last.id)
    first = channel.get_partial_message(earlier[0] if filled else last.id)
    whose = "their" if interaction.user.id == author_id else f"<@{author_id}>'s"
    await posts.report(
        channel.guild,
        f"↩️ {interaction.user.mention} put back {whose} message (Not a spoiler): {first.jump_url}",
    )
