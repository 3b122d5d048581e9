"""What services produce for the renderer: text in which every piece that could spoil carries its tag.

Services decide what to say; only the renderer (`bot.spoilers.layout`) decides what a given reader is shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.canon.models import EpisodeCode


@dataclass(frozen=True, slots=True)
class Tagged:
    """A piece of text and the episode that reveals it (`None`: spoiler-free)."""

    text: str
    reveals: EpisodeCode | None = None


@dataclass(frozen=True, slots=True)
class Joined:
    """Tagged pieces on one line (a fact's value), each rendered on its own: shown, wrapped or left out.

    The separator is shown with a space on each side, whatever spaces it was given.
    """

    parts: tuple[Tagged, ...]
    separator: str = " · "


@dataclass(frozen=True, slots=True)
class Section:
    """A plain, spoiler-free heading over tagged items, rendered as bullet lines."""

    heading: str
    items: tuple[Tagged, ...]


@dataclass(frozen=True, slots=True)
class Document:
    """Everything one embed-shaped answer may say, before it is rendered for a reader.

    The title is shown only to readers who can see it and is never wrapped, because embed titles cannot
    hide text; anyone else gets `title_fallback`. Fact labels, headings and the footer are plain too.
    """

    title: Tagged
    title_fallback: str
    summary: tuple[Tagged, ...] = ()
    facts: tuple[tuple[str, Tagged | Joined], ...] = ()
    sections: tuple[Section, ...] = ()
    footer: str | None = None
