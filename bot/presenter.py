"""Turning rendered documents into Discord messages, for whoever will read them.

An ephemeral answer is rendered to its reader's progress; a shared one to the channel's level, with a
"Reveal for me" button that answers privately at the clicker's progress. The button is a DynamicItem:
its custom id carries what to rebuild, so it keeps working after a restart.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import discord

from bot.lookups import KINDS, Lookup
from bot.spoilers import Mode, Reader, Rendered, describe_level, render
from bot.tree import answers_errors

if TYPE_CHECKING:
    from bot.app import HeartBot

EMBED_COLOUR = discord.Colour.from_rgb(231, 124, 167)  # the show's pink
HINT = (
    "Tip: you haven't told me how far you've watched, so I'm treating you as having watched nothing and "
    "hiding every plot detail. Set it with `/progress set episode:S1E4` (a code or a title), and "
    "`/progress next` after each episode."
)


def embed_for(rendered: Rendered, footer: str) -> discord.Embed:
    embed = discord.Embed(title=rendered.title, description=rendered.description or None, colour=EMBED_COLOUR)
    for field in rendered.fields:
        embed.add_field(name=field.name, value=field.value, inline=len(field.value) <= 40)
    embed.set_footer(text=rendered.footer or footer)
    return embed


def bot_of(interaction: discord.Interaction) -> HeartBot:
    return interaction.client  # type: ignore[return-value]


async def reply_privately(interaction: discord.Interaction, lookup: Lookup) -> None:
    """The lookup rendered to the person who asked, seen by them alone."""
    bot = bot_of(interaction)
    reader = await bot.progress.reader(interaction.user.id)
    footer = f"Shown for you: everything up to {describe_level(reader.level)}"
    await interaction.response.send_message(
        embed=embed_for(render(lookup.document, reader), footer), ephemeral=True
    )


async def reply_in_channel(interaction: discord.Interaction, lookup: Lookup) -> None:
    """The lookup posted for everyone in the channel, at the channel's level, with a private Reveal."""
    bot = bot_of(interaction)
    channel = interaction.channel
    parent_id = getattr(channel, "parent_id", None)
    level = await bot.spoiler_levels.channel_level(
        interaction.guild_id, interaction.channel_id or 0, parent_id
    )
    rendered = render(lookup.document, Reader(level, Mode.WRAP))
    footer = f"Shown for this channel: everything up to {describe_level(level)}"
    view = discord.ui.View(timeout=None)
    view.add_item(RevealButton(lookup.kind, lookup.key))
    await interaction.response.send_message(embed=embed_for(rendered, footer), view=view)


async def answer(interaction: discord.Interaction, lookup: Lookup, *, share: bool) -> None:
    if share and interaction.guild_id is not None:
        await reply_in_channel(interaction, lookup)
    else:
        await reply_privately(interaction, lookup)
    if await bot_of(interaction).progress.take_hint(interaction.user.id):
        await interaction.followup.send(HINT, ephemeral=True)


class RevealButton(
    discord.ui.DynamicItem[discord.ui.Button], template=r"reveal:(?P<kind>[a-z]+):(?P<key>[A-Za-z0-9-]{0,40})"
):
    def __init__(self, kind: str, key: str) -> None:
        super().__init__(
            discord.ui.Button(
                label="Reveal for me", style=discord.ButtonStyle.secondary, custom_id=f"reveal:{kind}:{key}"
            )
        )
        self.kind, self.key = kind, key

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> RevealButton:
        return cls(match["kind"], match["key"])

    @answers_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        if self.kind not in KINDS:
            await interaction.response.send_message(
                "That button is from an older version of me.", ephemeral=True
            )
            return
        await answer(interaction, bot_of(interaction).lookups.rebuild(self.kind, self.key), share=False)
