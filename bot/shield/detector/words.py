"""A message's folded words, as the prefilter reads them: `WORDS.findall(fold(text))`, most of the time
without folding the whole message.

Folding is the same for every word of plain chat (ASCII, emoji, apostrophes only inside words): the message
is split into its words and each distinct word is folded once per process, since chat repeats its words.
Any other message (accents, curly quotes, fullwidth letters, a stray apostrophe) is folded whole, as before:
there folding one word can depend on its neighbours.
"""

from __future__ import annotations

import re
import sys
import unicodedata

from bot.canon.lexicon import fold
from bot.shield.detector.prefilter import WORDS

_ASCII_WORD = re.compile(r"[A-Za-z0-9]+(?:'[A-Za-z0-9]+)*")  # bot.canon.lexicon.WORD, on ASCII text
_INNER_APOSTROPHE = re.compile(r"(?<=[A-Za-z0-9])'(?=[A-Za-z0-9])")
_FOLDED_LIMIT = 50_000  # raw words remembered with their folded form, before starting afresh
# Blocks of symbols and emoji: the characters in them that no step of folding changes or reads as a letter
# are, to folding, what a space is.
_SYMBOL_BLOCKS = ((0x2190, 0x2BFF), (0x1F000, 0x1FAFF), (0xFE00, 0xFE0F), (0x200B, 0x200D))


def _inert(char: str) -> bool:
    return (
        not char.isalnum()
        and char != "_"
        and char.casefold() == char
        and unicodedata.normalize("NFKD", char) == char
        and fold(f"a{char}a") == f"a{char}a"  # neither a quote nor a letter folding translates
    )


def _inert_class() -> str:
    chars = [
        chr(code)
        for first, last in _SYMBOL_BLOCKS
        for code in range(first, last + 1)
        if code <= sys.maxunicode and _inert(chr(code))
    ]
    return "".join(re.escape(char) for char in chars)


# A character that rules out the word-by-word path: outside ASCII and the inert symbols.
_NOT_PLAIN = re.compile(f"[^\\x00-\\x7f{_inert_class()}]")
_folded: dict[str, str] = {}


def folded_words(text: str) -> tuple[list[str], str | None]:
    """`WORDS.findall(fold(text))`, the message's words each folded; and `fold(text)` when it took folding
    the whole message (None when the words were folded one by one)."""
    if not text.isascii() and _NOT_PLAIN.search(text) is not None:
        folded = fold(text)
        return WORDS.findall(folded), folded
    if "'" in text and text.count("'") != len(_INNER_APOSTROPHE.findall(text)):
        folded = fold(text)  # "it''s", "'sup": where an apostrophe goes, folding may join words
        return WORDS.findall(folded), folded
    raw = _ASCII_WORD.findall(text)
    try:
        return list(map(_folded.__getitem__, raw)), None
    except KeyError:
        if len(_folded) > _FOLDED_LIMIT:
            _folded.clear()
        return [_folded.get(word) or _folded.setdefault(word, fold(word)) for word in raw], None
