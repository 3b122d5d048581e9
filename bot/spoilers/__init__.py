"""The one place that decides whether plot text is shown, wrapped in ||spoiler|| tags, or left out.

Pure functions over plain data: no discord.py objects, no database.
"""

from __future__ import annotations

from bot.shield.detector import Detector, ServerTerm, Span
from bot.spoilers.document import Document, Joined, Section, Tagged
from bot.spoilers.levels import NOTHING_WATCHED, Mode, Reader, describe_level
from bot.spoilers.render import (
    Rendered,
    RenderedField,
    render,
    render_pages,
    render_text,
    spoilered_parts,
    visible_text,
    wrap,
)

__all__ = [
    "NOTHING_WATCHED",
    "Detector",
    "Document",
    "Joined",
    "Mode",
    "Reader",
    "Rendered",
    "RenderedField",
    "Section",
    "ServerTerm",
    "Span",
    "Tagged",
    "describe_level",
    "render",
    "render_pages",
    "render_text",
    "spoilered_parts",
    "visible_text",
    "wrap",
]
