"""The detector: which plot details a message reveals, and the message with just those hidden.

Reading a message, step by step (each in its own module):
1. Prefilter (prefilter.py). The folded message's words are looked up in the compiled lexicon's word
   filter, and in a server's own terms' filter; most chat stops here. Episode references are looked for only
   when the message also holds an event word (references.py).
2. Words (reading.py): the message's plain words, each with the lexicon words it matches.
3. Rules (matching.py): the rules triggered by those words, matched within their windows.
4. Episode references next to an event word (references.py).
Wrapping (wrapping.py) hides the clauses that hold what was found.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.canon.lexicon import Lexicon
from bot.canon.models import EpisodeCode
from bot.shield.detector.matching import rule_spans
from bot.shield.detector.reading import read
from bot.shield.detector.references import REFERENCE_START, may_refer, reference_spans
from bot.shield.detector.rules import CompiledLexicon, compiled
from bot.shield.detector.spans import ServerTerm, Span
from bot.shield.detector.words import folded_words
from bot.shield.detector.wrapping import wrap_spans

_QUIET_LIMIT = 50_000  # words remembered as starting nothing, before starting afresh
_SHORT = 80  # characters in a message short enough to be remembered with what it holds
_RECENT_LIMIT = 4096  # short messages remembered, before starting afresh


class Detector:
    """Finds the plot details in message text, using the lexicon and a server's own terms."""

    def __init__(self, lexicon: Lexicon, terms: Iterable[ServerTerm] = ()) -> None:
        self.compiled = compiled(lexicon).with_terms(terms)

    @property
    def compiled(self) -> CompiledLexicon:
        """The lexicon as it reads messages, with the server's terms."""
        return self._compiled

    @compiled.setter
    def compiled(self, lexicon: CompiledLexicon) -> None:
        self._compiled = lexicon
        self._recent: dict[str, tuple[Span, ...]] = {}  # short messages already read, with what they hold

    def find(self, text: str) -> list[Span]:
        """Every plot detail in the text that is not already hidden, in order of where it starts.

        Short messages are remembered with what they hold: chat says "omg same" and "lol" over and over.
        """
        if len(text) > _SHORT:
            return self._find(text)
        found = self._recent.get(text)
        if found is None:
            if len(self._recent) >= _RECENT_LIMIT:
                self._recent = {}
            found = self._recent[text] = tuple(self._find(text))
        return list(found)

    def _find(self, text: str) -> list[Span]:
        if not text:
            return []
        lexicon = self._compiled
        words, folded = folded_words(text)
        # Words folded one by one and no underscore: every step below looks at whole words alone.
        by_word = folded is None and "_" not in text
        if by_word and lexicon.quiet.issuperset(words):
            return []  # none of its words starts an entry of a filter or an episode reference: most chat
        rules = lexicon.prefilter.matches(words) or (
            lexicon.term_filter is not None and lexicon.term_filter.matches(words)
        )
        if not rules and (not may_refer(text, words, folded) or not lexicon.event_filter.matches(words)):
            if by_word:
                _learn_quiet(lexicon, words)
            return []
        message = read(text, lexicon)
        spans = rule_spans(lexicon, message) if rules else []
        spans += reference_spans(lexicon, message)
        return sorted(set(spans), key=lambda span: (span.start, span.end, span.reveals, span.rule))

    def beyond(self, text: str, level: EpisodeCode) -> list[Span]:
        """The plot details that reveal an episode after `level`."""
        return [span for span in self.find(text) if span.reveals > level]

    def wrap(self, text: str, level: EpisodeCode) -> str:
        """The text with each clause holding a detail beyond `level` in ||...||; unchanged without any."""
        spans = self.beyond(text, level)
        return wrap_spans(text, spans) if spans else text


def _learn_quiet(lexicon: CompiledLexicon, words: Iterable[str]) -> None:
    """Remember the words that start no entry of the lexicon's filters and no episode reference (and, so as
    to look at each word once, those that do)."""
    if len(lexicon.checked) > _QUIET_LIMIT:
        lexicon.quiet, lexicon.checked = set(), set()
    new = set(words) - lexicon.checked
    if not new:
        return
    filters = [lexicon.prefilter, lexicon.event_filter]
    if lexicon.term_filter is not None:
        filters.append(lexicon.term_filter)
    for word in new:
        if REFERENCE_START.fullmatch(word) is None and not any(found.starts(word) for found in filters):
            lexicon.quiet.add(word)
    lexicon.checked.update(new)
