"""How far a reader has watched, and whether a piece of text tagged with an episode is theirs to see."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.canon.models import EpisodeCode

# Sorts before S1E1, so a reader at this level can see only spoiler-free text.
NOTHING_WATCHED = EpisodeCode(0, 0)


class Mode(StrEnum):
    """What happens to text beyond a reader's level."""

    WRAP = "wrap"  # shown behind Discord's ||spoiler|| tags
    HIDE = "hide"  # left out, with a one-line notice that something was


@dataclass(frozen=True, slots=True)
class Reader:
    """Whoever will read a rendered text: the last episode they may see in full, and their mode."""

    level: EpisodeCode
    mode: Mode = Mode.WRAP

    def can_see(self, reveals: EpisodeCode | None) -> bool:
        """True for spoiler-free text (`None`) and for anything revealed up to this reader's level."""
        return reveals is None or reveals <= self.level


def describe_level(level: EpisodeCode) -> str:
    """A level as users read it: "nothing yet" or an episode code such as "S2E3"."""
    return "nothing yet" if level == NOTHING_WATCHED else str(level)
