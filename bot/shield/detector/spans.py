"""What the detector is given and what it reports: a server's own terms, and the plot details it found."""

from __future__ import annotations

from dataclasses import dataclass

from bot.canon.models import EpisodeCode

REFERENCE_RULE = "episode-reference"
SERVER_TERM_RULE = "server-term"


@dataclass(frozen=True, slots=True)
class Span:
    """A plot detail: text[start:end] reveals the episode `reveals`, found by the lexicon rule `rule`."""

    start: int
    end: int
    reveals: EpisodeCode
    rule: str


@dataclass(frozen=True, slots=True)
class ServerTerm:
    """A server's own spoiler term (/config shield-term add): the phrase reveals the episode."""

    phrase: str
    reveals: EpisodeCode
