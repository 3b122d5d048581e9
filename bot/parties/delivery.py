"""Getting a party's messages to its attendees exactly once: by DM to those who asked, else in its thread.

Every delivery is recorded as it happens (per member, and the thread message itself), so a step that is
retried after a failure, or run again after a restart, sends only what has not arrived yet. A DM that
Discord refuses (DMs closed, no shared server) falls back to a mention in the thread.

A delivery is recorded just after it is sent, so a process killed in between would send it again when the
step reruns: each message carries a nonce made from what it delivers, and Discord (asked to enforce it)
answers a repeat within a few minutes with the message it already made instead of a second one.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

import discord
from discord.utils import MISSING

from bot.parties.posts import chunks, only_these
from bot.parties.repository import Party

if TYPE_CHECKING:
    from bot.core.app import HeartBot

log = logging.getLogger(__name__)


def nonce(party: Party, step: str, to: str) -> str:
    """The same for the same message of the same step, revision and recipient; 24 characters (Discord
    allows 25)."""
    return hashlib.blake2b(f"{party.id}:{party.revision}:{step}:{to}".encode(), digest_size=12).hexdigest()


THREAD = 0  # the user id under which the thread message itself is recorded


class Delivery:
    def __init__(self, bot: HeartBot) -> None:
        self.bot = bot

    def _thread(self, party: Party) -> discord.PartialMessageable:
        assert party.thread_id is not None
        return self.bot.get_partial_messageable(
            party.thread_id, guild_id=party.guild_id, type=discord.ChannelType.public_thread
        )

    async def send(
        self,
        party: Party,
        step: str,
        audience: list[int],
        text: Callable[[bool], str],
        *,
        view: Callable[[], discord.ui.View] | None = None,
    ) -> None:
        """`text(in_dm)` to `audience`. The thread message goes out even with no one to mention: it is the
        party's record of the step for whoever reads the thread."""
        parties = self.bot.parties
        done = await parties.delivered(party, step)
        refused = await parties.refused_dms(party)
        by_dm, in_thread = await parties.split_by_preference([u for u in audience if u not in done])
        for user_id in by_dm:
            if user_id in refused:
                in_thread.append(user_id)
            elif await self._dm(user_id, text(True), view, nonce(party, step, f"dm:{user_id}")):
                await parties.mark_delivered(party, step, [user_id])
            else:
                await parties.mark_dms_refused(party, user_id)
                in_thread.append(user_id)
        if THREAD in done and not in_thread:
            return
        first = THREAD not in done
        for group in list(chunks(in_thread)) or [[]]:
            mentions = " ".join(f"<@{u}>" for u in group)
            content = f"{mentions}\n{text(False)}".strip() if first else f"Also for {mentions}"
            buttons = view() if view is not None and first else MISSING  # MISSING: as if left out
            try:
                await self._thread(party).send(
                    content,
                    allowed_mentions=only_these(group),
                    view=buttons,
                    nonce=nonce(party, step, f"thread:{group[0] if group else 'record'}"),
                )
            except discord.NotFound:
                log.warning("Watch party %s: its thread is gone, so %s was not posted", party.id, step)
                return
            await parties.mark_delivered(party, step, [THREAD, *group] if first else group)
            first = False

    async def _dm(
        self, user_id: int, text: str, view: Callable[[], discord.ui.View] | None, once: str
    ) -> bool:
        """False when Discord will not deliver DMs to this member (the thread is used instead)."""
        try:
            channel = await self.bot.create_dm(discord.Object(user_id))
            buttons = view() if view is not None else MISSING
            await channel.send(
                text, allowed_mentions=discord.AllowedMentions.none(), view=buttons, nonce=once
            )
        except (discord.Forbidden, discord.NotFound):
            log.info("Could not DM member %s a watch-party message; mentioning them in the thread", user_id)
            return False
        return True
