"""The confirmation button of /privacy delete."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Self

import discord

from bot.core.errors import UserFacingError
from bot.parties.posts import refresh_announcement
from bot.ui.buttons import PersistentButton

if TYPE_CHECKING:
    from bot.core.app import HeartBot

log = logging.getLogger(__name__)
ERASED = "Done: everything I stored about you is gone. Nice to meet you again, any time."


class DeleteMyData(PersistentButton, custom_id="privacy:delete:{user_id}", fields={"user_id": r"\d+"}):
    """Erases everything stored about the member who asked; only they may press it."""

    def __init__(self, user_id: int) -> None:
        super().__init__("Delete my data", style=discord.ButtonStyle.danger, user_id=user_id)
        self.user_id = user_id

    @classmethod
    def from_fields(cls, **fields: str) -> Self:
        return cls(int(fields["user_id"]))

    async def pressed(self, interaction: discord.Interaction[HeartBot]) -> None:
        if interaction.user.id != self.user_id:
            raise UserFacingError("That button is for someone else.")
        bot = interaction.client
        parties = await bot.privacy.erase(self.user_id)
        await interaction.response.edit_message(content=ERASED, view=None)
        for party in parties:  # their answer leaves the counts, their name the parties they hosted
            try:
                await refresh_announcement(bot, party)
            except discord.HTTPException:
                log.warning("Watch party %s: its announcement could not be updated", party.id, exc_info=True)
