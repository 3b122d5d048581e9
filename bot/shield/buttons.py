"""The shield's buttons: "Not a spoiler" under a wrapped repost, and "Reveal for me" under a /spoiler.

Both live in members' messages for as long as those stay up, so their custom ids never change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

import discord

from bot.core.errors import UserFacingError
from bot.shield.restore import restore
from bot.spoilers import describe_level
from bot.ui.buttons import PersistentButton
from bot.ui.text import NO_PINGS

if TYPE_CHECKING:
    from bot.core.app import HeartBot

ID = r"\d+"


class RestoreButton(PersistentButton, custom_id="shield:restore:{author_id}", fields={"author_id": ID}):
    """ "Not a spoiler": the author or a moderator puts the original words back."""

    def __init__(self, author_id: int) -> None:
        super().__init__("Not a spoiler", author_id=author_id)
        self.author_id = author_id

    @classmethod
    def from_fields(cls, **fields: str) -> Self:
        return cls(int(fields["author_id"]))

    async def pressed(self, interaction: discord.Interaction[HeartBot]) -> None:
        if interaction.user.id != self.author_id and not interaction.permissions.manage_messages:
            raise UserFacingError("Only the author or a moderator can say this wasn't a spoiler.")
        assert interaction.message is not None  # a button is always under a message
        await restore(interaction, interaction.message, self.author_id)


class SpoilerReveal(PersistentButton, custom_id="spoiler:show:{spoiler_id}", fields={"spoiler_id": ID}):
    """The Reveal button under a member's /spoiler: shows it only to those who have watched far enough."""

    def __init__(self, spoiler_id: int) -> None:
        super().__init__("Reveal for me", spoiler_id=spoiler_id)
        self.spoiler_id = spoiler_id

    @classmethod
    def from_fields(cls, **fields: str) -> Self:
        return cls(int(fields["spoiler_id"]))

    async def pressed(self, interaction: discord.Interaction[HeartBot]) -> None:
        bot = interaction.client
        spoiler = await bot.shield.spoiler(self.spoiler_id)
        if spoiler is None:
            raise UserFacingError("Its author has since erased it.")
        reader = await bot.progress.reader(interaction.user.id)
        label = bot.lookups.index.episode_label(spoiler.reveals)
        if not reader.can_see(spoiler.reveals):
            raise UserFacingError(
                f"This is about **{label}** and you're at {describe_level(reader.level)}, "
                "so I'll keep it hidden. "
                f"If you've watched it, `/progress set episode:{spoiler.reveals}` first."
            )
        await interaction.response.send_message(
            f"About **{label}**:\n{spoiler.text}", ephemeral=True, allowed_mentions=NO_PINGS
        )
