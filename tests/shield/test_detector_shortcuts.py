"""The detector's shortcuts each give what the plain definition they stand for gives, on every corpus and on
generated text: folding word by word, the prefilter's trie, the words that start nothing, the patterns
looked up by one word, the test for episode references, and the short messages remembered."""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.detector import chat
from bot.canon import Canon
from bot.canon.lexicon import Lexicon, fold, load_lexicon
from bot.shield.detector import Detector
from bot.shield.detector.matching import _mine, _occurrences, _public_words, item_occurrences
from bot.shield.detector.prefilter import WORDS, Entry, WordFilter
from bot.shield.detector.reading import Message, read
from bot.shield.detector.references import _KEY_START, REFERENCE_START, _references, may_refer
from bot.shield.detector.rules import CompiledLexicon, Item
from bot.shield.detector.words import folded_words
from tests import fan_corpus

CORPUS = Path(__file__).parents[1] / "data" / "shield_corpus.toml"
# Text that takes every path: ASCII, apostrophes inside and outside words, emoji, accents, curly quotes,
# fullwidth letters, combining marks, underscores, digits and episode codes.
PIECES = [*"abcnick'’ _-.!s2e5x1 \n😭❤\ufe0f\u200déÉßİŉﬁｎ\u0301½", "season", "ep", "charlie"]
ODD = st.lists(st.sampled_from(PIECES), max_size=30).map("".join)


@pytest.fixture(scope="module")
def lexicon(canon: Canon) -> Lexicon:
    return load_lexicon(canon)


@pytest.fixture(scope="module")
def compiled(lexicon: Lexicon) -> CompiledLexicon:
    return Detector(lexicon).compiled


@pytest.fixture(scope="module")
def texts() -> list[str]:
    found = [message["text"] for message in tomllib.loads(CORPUS.read_text())["messages"]]
    found += [sentence.text for split in fan_corpus.SPLITS for sentence in fan_corpus.load(split)]
    found += sorted(set(chat(20_000, seed=11)[0]))
    return found + [text.upper() for text in found[:500]] + [f"{text}’s _{text}_" for text in found[:300]]


def check_folded_words(text: str) -> None:
    words, folded = folded_words(text)
    assert words == WORDS.findall(fold(text)), text
    assert folded in (None, fold(text))
    assert may_refer(text, words, folded) == (REFERENCE_START.search(fold(text)) is not None), text


def test_words_folded_one_by_one_are_the_folded_messages_words(texts: list[str]) -> None:
    for text in texts:
        check_folded_words(text)
    assert sum(folded_words(text)[1] is None for text in texts) > len(texts) / 2  # the shortcut is taken


@settings(max_examples=500, deadline=None)
@given(text=ODD)
def test_any_text_folded_one_word_at_a_time_is_folded_as_a_whole(text: str) -> None:
    check_folded_words(text)


def holds(entries: Sequence[Entry], words: Sequence[str]) -> bool:
    """The prefilter's definition: some entry's words, in order, at some point of the message."""
    return any(
        all(
            start + offset < len(words)
            and (words[start + offset] == wanted or (begins and words[start + offset].startswith(wanted)))
            for offset, (wanted, begins) in enumerate(entry)
        )
        for entry in entries
        for start in range(len(words))
    )


WORD_PARTS = st.sampled_from(["a", "ab", "abc", "b", "ba", "c"])


@settings(max_examples=300, deadline=None)
@given(
    entries=st.lists(st.lists(st.tuples(WORD_PARTS, st.booleans()), min_size=1, max_size=3), max_size=8),
    words=st.lists(WORD_PARTS, max_size=6),
)
def test_the_prefilter_holds_where_an_entry_does(
    entries: list[list[tuple[str, bool]]], words: list[str]
) -> None:
    found = [tuple(entry) for entry in entries]
    word_filter = WordFilter(found)
    assert word_filter.matches(words) == holds(found, words)
    for word in words:
        assert word_filter.starts(word) == any(holds([entry[:1]], [word]) for entry in found)


def every_occurrence(compiled: CompiledLexicon, item: Item, message: Message) -> set[tuple[int, int, bool]]:
    """item_occurrences' definition: every pattern tried, with the same names and public words left out."""
    return {
        (first, last, pattern.character is not None)
        for pattern in item.patterns
        for first, last in _occurrences(pattern, message)
        if not (pattern.character is not None and _mine(compiled, first, message))
        and not (item.evidence and all(i in _public_words(compiled, message) for i in range(first, last + 1)))
    }


def test_patterns_looked_up_by_one_word_are_every_pattern_that_occurs(
    compiled: CompiledLexicon, texts: list[str]
) -> None:
    """Each item finds its patterns by one of their words; trying every pattern finds the same."""
    checked = 0
    for text in texts[::4]:
        message = read(text, compiled)
        items = [compiled.public, compiled.events]
        for slot in message.positions:
            items += [
                item for number in compiled.by_trigger.get(slot, ()) for item in compiled.rules[number].items
            ]
        for item in items:
            found = {(o.first, o.last, o.name) for o in item_occurrences(compiled, item, message)}
            assert found == every_occurrence(compiled, item, message), text
            checked += bool(found)
    assert checked > 500


def test_an_episode_reference_is_always_looked_for(compiled: CompiledLexicon, texts: list[str]) -> None:
    for text in [*texts, "e 5 of season 2 charlie faints", "ep 3 of s2 they kiss", "2x05 the kiss"]:
        message = read(text, compiled)
        if list(_references(compiled, message)):
            assert _KEY_START.search(" ".join(message.keys)), text


def test_a_remembered_message_is_found_as_the_first_time(lexicon: Lexicon, texts: list[str]) -> None:
    detector = Detector(lexicon)
    for text in texts[:1500]:
        detector.find(text).clear()  # what a caller does with its list changes nothing remembered
        assert detector.find(text) == Detector(lexicon).find(text), text


def test_words_that_start_nothing_are_skipped_only_when_nothing_could_be_found(
    lexicon: Lexicon, texts: list[str]
) -> None:
    detector = Detector(lexicon)
    for text in texts:
        detector.find(text)  # the detector learns which words start nothing
    compiled = detector.compiled
    skipped = 0
    for text in texts:
        words, folded = folded_words(text)
        if folded is None and "_" not in text and compiled.quiet.issuperset(words):
            assert not compiled.prefilter.matches(words), text
            assert not (may_refer(text, words, folded) and compiled.event_filter.matches(words)), text
            skipped += 1
    assert skipped > 100
