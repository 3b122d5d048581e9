"""The spoiler shield's detector: which plot details a message reveals, and how to hide just those.

Pure functions over text and the lexicon (data/lexicon.toml, loaded by bot.canon.lexicon): no Discord, no
database. detector.py reads a message in steps: rules.py (the lexicon compiled, once per process),
reading.py (the message's words), matching.py (the rules), references.py (episode references);
wrapping.py rewrites the text with spoiler tags.
"""

from bot.shield.detector.detector import Detector
from bot.shield.detector.reading import sentence_groups
from bot.shield.detector.spans import REFERENCE_RULE, SERVER_TERM_RULE, ServerTerm, Span
from bot.shield.detector.wrapping import wrap_spans

__all__ = [
    "REFERENCE_RULE",
    "SERVER_TERM_RULE",
    "Detector",
    "ServerTerm",
    "Span",
    "sentence_groups",
    "wrap_spans",
]
