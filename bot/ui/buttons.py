"""The one base for the bot's buttons: persistent, with the custom id written once, and errors answered.

A button's custom id carries everything its callback needs, so it keeps working after a restart. Each kind
writes its id once, as a format with named fields; the base builds both the id and the pattern discord.py
matches it with, and answers any error the way the command tree answers a command's:

    class RevealButton(PersistentButton, custom_id="reveal:{kind}:{key}",
                       fields={"kind": "[a-z]+", "key": "[A-Za-z0-9-]{0,40}"}):
        def __init__(self, kind: str, key: str) -> None:
            super().__init__("Reveal for me", kind=kind, key=key)
            self.kind, self.key = kind, key

        @classmethod
        def from_fields(cls, kind: str, key: str) -> Self:
            return cls(kind, key)

        async def pressed(self, interaction: discord.Interaction[HeartBot]) -> None: ...

Register each kind once with `bot.add_dynamic_items(RevealButton)`.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Self

import discord

from bot.core.tree import answer_error, watch

if TYPE_CHECKING:
    from bot.core.app import HeartBot

CUSTOM_ID_LIMIT = 100  # Discord's limit on a component's custom id


def id_pattern(custom_id: str, fields: Mapping[str, str]) -> str:
    """The regular expression matching ids made from `custom_id`: its literal text, each field its pattern."""
    parts = []
    for literal, name, _spec, _conversion in string.Formatter().parse(custom_id):
        parts.append(re.escape(literal))
        if name is not None:
            if name not in fields:
                raise TypeError(f"no pattern given for the field {name!r} of {custom_id!r}")
            parts.append(f"(?P<{name}>{fields[name]})")
    return "".join(parts)


class PersistentButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"(?!)"):
    """A button rebuilt from its custom id whenever it is pressed (the base itself matches nothing)."""

    custom_id_format: ClassVar[str]
    custom_id_pattern: ClassVar[re.Pattern[str]]  # what discord.py matches a pressed button's whole id with

    def __init_subclass__(cls, *, custom_id: str, fields: Mapping[str, str]) -> None:
        cls.custom_id_format = custom_id
        cls.custom_id_pattern = re.compile(id_pattern(custom_id, fields))
        super().__init_subclass__(template=cls.custom_id_pattern)

    def __init__(
        self,
        label: str,
        *,
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
        emoji: str | None = None,
        disabled: bool = False,
        **fields: object,
    ) -> None:
        custom_id = self.custom_id_format.format(**fields)
        if len(custom_id) > CUSTOM_ID_LIMIT or not self.custom_id_pattern.fullmatch(custom_id):
            raise ValueError(f"{custom_id!r} is not a valid {type(self).__name__} id")
        super().__init__(
            discord.ui.Button(label=label, style=style, emoji=emoji, disabled=disabled, custom_id=custom_id)
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        return cls.from_fields(**match.groupdict())

    @classmethod
    def from_fields(cls, **fields: str) -> Self:
        """The button again, from the fields of its custom id (as text)."""
        raise NotImplementedError

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        watch(interaction)  # a press whose work runs long is deferred before Discord's deadline
        try:
            await self.pressed(interaction)
        except Exception as error:
            # discord.py would only log it; the member gets the same short answer a command's error gets.
            await answer_error(interaction, error)

    async def pressed(self, interaction: discord.Interaction[HeartBot]) -> None:
        raise NotImplementedError
