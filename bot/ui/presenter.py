"""Turning rendered documents into Discord messages, for whoever will read them.

An ephemeral answer is rendered to its reader's progress; a shared one to the channel's level, with a
"Reveal for me" button that answers privately at the clicker's progress. A long answer comes in pages
(bot.ui.paging): each page is rendered again for whoever turns to it, at their own progress. Both buttons
are PersistentButtons whose custom ids carry what to rebuild, so they keep working after a restart.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

import discord

from bot.core.errors import NotFound
from bot.lookups.service import KINDS, Lookup
from bot.spoilers import Mode, Reader, Rendered, describe_level, render_pages
from bot.ui import paging
from bot.ui.buttons import PersistentButton

if TYPE_CHECKING:
    from bot.core.app import HeartBot

EMBED_COLOUR = discord.Colour.from_rgb(231, 124, 167)  # the show's pink, on every embed the bot posts
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


PAGES = "lookup"  # the pager's kind for every lookup; the key is "<kind>.<key>", e.g. "episode.S2E3"


def page_key(lookup: Lookup) -> str:
    return f"{lookup.kind}.{lookup.key}"


async def lookup_page(request: paging.PageRequest) -> paging.Page:
    """One page of a lookup, rendered for whoever will read it: the channel, or the one who asked or
    turned the page, at their own progress."""
    bot = request.interaction.client
    kind, _, key = request.key.partition(".")
    if kind not in KINDS:
        raise NotFound("Those page buttons belong to something I no longer know about.")
    lookup = bot.lookups.rebuild(kind, key)
    items: tuple[discord.ui.Item[Any], ...] = ()
    if request.shared:
        interaction = request.interaction
        parent_id = getattr(interaction.channel, "parent_id", None)
        level = await bot.spoiler_levels.channel_level(
            interaction.guild_id, interaction.channel_id or 0, parent_id
        )
        reader = Reader(level, Mode.WRAP)
        footer = f"Shown for this channel: everything up to {describe_level(level)}"
        items = (RevealButton(lookup.kind, lookup.key),)
    else:
        reader = await bot.progress.reader(request.interaction.user.id)
        footer = f"Shown for you: everything up to {describe_level(reader.level)}"
    pages = render_pages(lookup.document, reader)
    index = paging.clamp(request.page, len(pages))
    return paging.Page(embed=embed_for(pages[index], footer), index=index, count=len(pages), items=items)


async def answer(interaction: discord.Interaction[HeartBot], lookup: Lookup, *, share: bool) -> None:
    """The lookup for the one who asked, or with `share` for the whole channel (a server channel only)."""
    shared = share and interaction.guild_id is not None
    await paging.send(interaction, PAGES, page_key(lookup), shared=shared)
    if await interaction.client.progress.take_hint(interaction.user.id):
        await interaction.followup.send(HINT, ephemeral=True)


class RevealButton(
    PersistentButton, custom_id="reveal:{kind}:{key}", fields={"kind": "[a-z]+", "key": "[A-Za-z0-9-]{0,40}"}
):
    """Under a lookup shared in a channel: the same lookup again, privately, at the clicker's progress."""

    def __init__(self, kind: str, key: str) -> None:
        super().__init__("Reveal for me", kind=kind, key=key)
        self.kind, self.key = kind, key

    @classmethod
    def from_fields(cls, **fields: str) -> Self:
        return cls(fields["kind"], fields["key"])

    async def pressed(self, interaction: discord.Interaction[HeartBot]) -> None:
        if self.kind not in KINDS:
            await interaction.response.send_message(
                "That button is from an older version of me.", ephemeral=True
            )
            return
        await answer(interaction, interaction.client.lookups.rebuild(self.kind, self.key), share=False)
