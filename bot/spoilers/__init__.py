"""The one place that decides whether plot text is shown, wrapped in ||spoiler|| tags, or left out.

Pure functions over plain data: no discord.py objects, no database. document.py is what services hand in,
levels.py who reads, markdown.py Discord's markdown as the renderer models it, layout.py how an answer is
laid out for a reader (pages within Discord's limits), split.py how a long message is cut.
"""

from __future__ import annotations

from bot.spoilers.document import Document, Joined, Section, Tagged
from bot.spoilers.layout import Rendered, RenderedField, render_pages, render_text
from bot.spoilers.levels import NOTHING_WATCHED, Mode, Reader, describe_level
from bot.spoilers.markdown import spoilered_parts, visible_text, wrap

__all__ = [
    "NOTHING_WATCHED",
    "Document",
    "Joined",
    "Mode",
    "Reader",
    "Rendered",
    "RenderedField",
    "Section",
    "Tagged",
    "describe_level",
    "render_pages",
    "render_text",
    "spoilered_parts",
    "visible_text",
    "wrap",
]
