"""The one place that decides whether plot text is shown, wrapped in ||spoiler|| tags, or left out.

Pure functions over plain data: no discord.py objects, no database. document.py is what services hand in,
levels.py who reads, markdown.py Discord's markdown as the renderer models it, layout.py how an answer is
laid out for a reader (pages within Discord's limits), split.py how a long message is cut.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.spoilers.document import Document, Joined, Section, Tagged
from bot.spoilers.layout import Rendered, RenderedField, render_pages, render_text
from bot.spoilers.levels import NOTHING_WATCHED, Mode, Reader, describe_level
from bot.spoilers.markdown import spoilered_parts, visible_text, wrap

if TYPE_CHECKING:
    from bot.shield.detector import Detector, ServerTerm, Span

# The detector is bot.shield.detector's; these names are kept here for the code that imports them from
# bot.spoilers, and looked up when first used, because the detector itself imports bot.spoilers.markdown.
_DETECTOR_NAMES = frozenset({"Detector", "ServerTerm", "Span"})


def __getattr__(name: str) -> Any:
    if name in _DETECTOR_NAMES:
        from bot.shield import detector

        return getattr(detector, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
    "render_pages",
    "render_text",
    "spoilered_parts",
    "visible_text",
    "wrap",
]
