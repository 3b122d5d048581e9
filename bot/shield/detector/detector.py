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
from bot.shield.detector.references import may_refer, reference_spans
from bot.shield.detector.rules import CompiledLexicon, compiled
from bot.shield.detector.spans import ServerTerm, Span
from bot.shield.detector.words import folded_words
from bot.shield.detector.wrapping import wrap_spans


class Detector:
    """Finds the plot details in message text, using the lexicon and a server's own terms."""

    def __init__(self, lexicon: Lexicon, terms: Iterable[ServerTerm] = ()) -> None:
        self.compiled: CompiledLexicon = compiled(lexicon).with_terms(terms)

    def find(self, text: str) -> list[Span]:
        """Every plot detail in the text that is not already hidden, in order of where it starts."""
        if not text:
            return []
        lexicon = self.compiled
        words, folded = folded_words(text)
        rules = lexicon.prefilter.matches(words) or (
            lexicon.term_filter is not None and lexicon.term_filter.matches(words)
        )
        if not rules and (not may_refer(text, words, folded) or not lexicon.event_filter.matches(words)):
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
