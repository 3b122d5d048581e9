"""The spoiler shield's second, semantic reader, and the shield's readers together.

The lexicon (bot.shield.detector) knows the words fans use; the semantic reader (reader.py) catches
the same plot told in other words, by comparing sentence embeddings with a bank of every episode's beats
written several ways and a bank of what is public (bank.py, data/shield_bank.toml). Importing this
package needs nothing beyond the bot's own dependencies: the model's packages are imported only when the
semantic reader is loaded.

`ShieldReader` has the detector's interface (`find`, `beyond`, `wrap`), so the shield and
`python -m bot scan` can use it in place of a `Detector`:
- every span the lexicon finds is kept, with the episode the lexicon dates it to;
- a sentence the semantic reader flags adds a span over that sentence, unless the lexicon found
  something in the same sentence: there the lexicon's episode wins (its rules are precise; the semantic
  reader's closest beat can be a neighbouring episode's);
- wrapping goes through the detector's own (`wrap_spans`): clauses, markdown and existing spoilers are
  handled in one place.

`load_shield_reader` builds one from the settings: the semantic reader is used when SHIELD_SEMANTIC is
on (the default) and its extra is installed; otherwise the lexicon reads alone, and `active` says so.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from bot.canon import load_canon
from bot.canon.lexicon import Lexicon
from bot.canon.models import Canon, EpisodeCode
from bot.core.cache import cache_dir as kept_files
from bot.core.settings import Settings
from bot.shield.detector import Detector, Span, wrap_spans
from bot.shield.semantic.bank import load_bank
from bot.spoilers.levels import NOTHING_WATCHED

if TYPE_CHECKING:
    from bot.shield.semantic.reader import SemanticReader

log = logging.getLogger(__name__)

LEXICON, SEMANTIC = "lexicon", "semantic"
# Semantic readers loaded in this process, by their bank's digest: the model and the bank's embeddings are
# loaded once, however many shield readers (one per server's detector) use them.
_LOADED: dict[str, SemanticReader] = {}
SEMANTIC_MODULE = "bot.shield.semantic.reader"  # imported only when wanted: it needs the semantic extra


@dataclass(frozen=True, slots=True)
class ShieldReader:
    """The lexicon's detector, and the semantic reader when there is one (see the module docstring)."""

    detector: Detector
    semantic: SemanticReader | None = None
    semantic_missing: str | None = None  # why there is no semantic reader, for /config show

    @property
    def active(self) -> tuple[str, ...]:
        """The readers at work: ("lexicon",) or ("lexicon", "semantic")."""
        return (LEXICON, SEMANTIC) if self.semantic is not None else (LEXICON,)

    def slow(self, text: str) -> bool:
        """Whether reading `text` runs the model (a sentence past its prefilter, not read before)."""
        return self.semantic is not None and self.semantic.embeds(text)

    def with_detector(self, detector: Detector) -> ShieldReader:
        """The same semantic reader over another detector (a server's, with its own terms)."""
        return replace(self, detector=detector)

    def find(self, text: str) -> list[Span]:
        """Every plot detail in the text that is not already hidden, for a reader who has watched nothing."""
        return self._combine(text, self.detector.find(text), NOTHING_WATCHED)

    def beyond(self, text: str, level: EpisodeCode) -> list[Span]:
        """The plot details that reveal an episode after `level`."""
        if self.semantic is None:
            return self.detector.beyond(text, level)
        return [span for span in self._combine(text, self.detector.find(text), level) if span.reveals > level]

    def wrap(self, text: str, level: EpisodeCode) -> str:
        """The text with each clause holding a detail beyond `level` in ||...||; unchanged without any."""
        spans = self.beyond(text, level)
        return wrap_spans(text, spans) if spans else text

    def _combine(self, text: str, lexicon: list[Span], level: EpisodeCode) -> list[Span]:
        if self.semantic is None:
            return lexicon
        added = self.semantic.beyond(text, level, skip=lexicon)  # the lexicon dates what it found
        if not added:
            return lexicon
        return sorted([*lexicon, *added], key=lambda span: (span.start, span.end, span.reveals, span.rule))


def load_shield_reader(
    lexicon: Lexicon,
    enabled: Settings | bool = True,
    *,
    canon: Canon | None = None,
    detector: Detector | None = None,
    cache_dir: Path | None = None,
) -> ShieldReader:
    """The shield's reader: the lexicon's detector, with the semantic reader when it is wanted and can run.

    `enabled` is the bot's Settings (their SHIELD_SEMANTIC) or simply whether to try the semantic
    reader. Its bank's embeddings are kept in `cache_dir` (default: heartbot's cache folder) between
    start-ups. Nothing here raises for a missing or broken semantic extra: the lexicon then reads alone,
    the reason is logged once and kept in `semantic_missing`.
    """
    detector = Detector(lexicon) if detector is None else detector
    wanted = enabled if isinstance(enabled, bool) else enabled.shield_semantic
    if not wanted:
        return ShieldReader(detector, None, "turned off (SHIELD_SEMANTIC=off)")
    try:
        semantic = importlib.import_module(SEMANTIC_MODULE)
    except ImportError as error:
        reason = f"its packages are not installed ({error.name or error}): pip install 'heartbot[semantic]'"
        log.warning("the shield reads with the lexicon alone: the semantic reader's %s", reason)
        return ShieldReader(detector, None, f"not installed ({error.name or error})")
    bank = load_bank(load_canon() if canon is None else canon)
    reader = _LOADED.get(bank.digest())
    if reader is None:
        try:
            reader = semantic.load_semantic_reader(
                bank, cache_dir=kept_files() if cache_dir is None else cache_dir
            )
        except semantic.SemanticUnavailable as error:
            log.warning("the shield reads with the lexicon alone: %s", error)
            return ShieldReader(detector, None, str(error))
        _LOADED[bank.digest()] = reader
    return ShieldReader(detector, reader, None)
