"""Small text helpers for answers that quote what a user typed, and the mentions such answers allow."""

from __future__ import annotations

import re

import discord

_MARKDOWN = re.compile(r"([\\*_`~|>#\[\]()-])")
_MENTION = re.compile(r"@(everyone|here)|<(@[!&]?|#)(\d+)>")
# For anything that carries user text or names members: nobody is pinged who did not ask to be.
NO_PINGS = discord.AllowedMentions.none()


def escape(user_text: str) -> str:
    """User text shown as typed: its markdown shown as characters, its mentions never pinging anyone."""
    text = _MENTION.sub(lambda m: m.group(0).replace("@", "@\u200b").replace("<", "<\u200b"), user_text)
    return _MARKDOWN.sub(r"\\\1", text)


def quote(user_text: str, limit: int = 40) -> str:
    """User text echoed back in quotes: one line, short, and escaped."""
    text = " ".join(user_text.split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return "“" + escape(text) + "”"
