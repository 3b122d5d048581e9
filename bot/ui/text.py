"""Small text helpers for answers that quote what a user typed."""

from __future__ import annotations

import re

_MARKDOWN = re.compile(r"([\\*_`~|>#\[\]()-])")
_MENTION = re.compile(r"@(everyone|here)|<(@[!&]?|#)(\d+)>")


def quote(user_text: str, limit: int = 40) -> str:
    """User text made safe to echo: one line, short, markdown and mention syntax neutralised."""
    text = " ".join(user_text.split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    text = _MENTION.sub(lambda m: m.group(0).replace("@", "@\u200b").replace("<", "<\u200b"), text)
    return "“" + _MARKDOWN.sub(r"\\\1", text) + "”"
