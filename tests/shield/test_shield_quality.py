"""How well the shield's scan does on a labelled corpus of fan messages (tests/data/shield_corpus.toml).

A message is a positive at a reader level when its label is later than the level: it would spoil a reader
who has watched that far. Precision and recall are printed (run with -s to see them) and asserted.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

import bench.shield_quality
from bot.canon import Canon, EpisodeCode
from bot.canon.lexicon import load_lexicon
from bot.shield.detector import Detector
from bot.shield.scan import scan_lines
from bot.spoilers import NOTHING_WATCHED, describe_level

CORPUS = Path(__file__).parents[1] / "data" / "shield_corpus.toml"
LEVELS = (EpisodeCode(1, 8), EpisodeCode(2, 4))
MIN_RECALL, MIN_PRECISION = 0.9, 0.95
KINDS = frozenset({"promo", "everyday", "own-person", "cw", "question", "chatter", "hidden"})
FIELDS = frozenset({"text", "reveals", "kind", "batch", "note"})


@dataclass(frozen=True, slots=True)
class Message:
    text: str
    reveals: EpisodeCode | None
    kind: str | None
    batch: str | None


def load_corpus() -> list[Message]:
    entries = tomllib.loads(CORPUS.read_text(encoding="utf-8"))["messages"]
    return [
        Message(
            text=entry["text"],
            reveals=EpisodeCode.parse(entry["reveals"]) if "reveals" in entry else None,
            kind=entry.get("kind"),
            batch=entry.get("batch"),
        )
        for entry in entries
    ]


@pytest.fixture(scope="module")
def corpus() -> list[Message]:
    return load_corpus()


@pytest.fixture(scope="module")
def detector(canon: Canon) -> Detector:
    return Detector(load_lexicon(canon))


@dataclass(frozen=True, slots=True)
class Score(bench.shield_quality.Score):
    missed: tuple[str, ...]
    wrongly_flagged: tuple[str, ...]


def score(messages: list[Message], detector: Detector, level: EpisodeCode) -> Score:
    """The scan's verdicts at `level` against the labels."""
    verdicts = [result["spoiler"] for result in scan_lines((m.text for m in messages), detector, level)]
    hits = Counter[str]()
    missed, wrong = [], []
    for message, flagged in zip(messages, verdicts, strict=True):
        positive = message.reveals is not None and message.reveals > level
        hits[f"{'t' if flagged == positive else 'f'}{'p' if flagged else 'n'}"] += 1
        if positive and not flagged:
            missed.append(message.text)
        elif flagged and not positive:
            wrong.append(message.text)
    return Score(hits["tp"], hits["fp"], hits["fn"], tuple(missed), tuple(wrong))


def report(label: str, level: EpisodeCode, result: Score) -> None:
    counts = f"TP {result.true_positives}, FP {result.false_positives}, FN {result.false_negatives}"
    print(
        f"{label:<12} at {describe_level(level)}: "
        f"precision {result.precision:.3f}  recall {result.recall:.3f}  ({counts})"
    )
    for text in result.missed:
        print(f"    missed:  {text}")
    for text in result.wrongly_flagged:
        print(f"    flagged: {text}")


# -- the corpus itself ----------------------------------------------------------------------------------


def test_the_corpus_is_large_and_labelled(canon: Canon) -> None:
    entries = tomllib.loads(CORPUS.read_text(encoding="utf-8"))["messages"]
    known = {episode.code for episode in canon.episodes}
    assert len(entries) >= 150
    for entry in entries:
        assert set(entry) <= FIELDS, entry
        assert entry["text"].strip(), entry
        assert "reveals" not in entry or EpisodeCode.parse(entry["reveals"]) in known, entry
        assert entry.get("kind") is None or entry["kind"] in KINDS, entry
        assert "reveals" not in entry or "kind" not in entry, entry  # a kind names a sort of non-spoiler
    assert len({entry["text"] for entry in entries}) == len(entries), "a message is listed twice"


def test_the_corpus_covers_every_season_two_episode_and_both_other_seasons(corpus: list[Message]) -> None:
    labels = Counter(m.reveals for m in corpus if m.reveals is not None)
    assert all(labels[EpisodeCode(2, number)] >= 8 for number in range(1, 9)), labels
    assert sum(count for code, count in labels.items() if code.season == 1) >= 10
    assert sum(count for code, count in labels.items() if code.season == 3) >= 10
    kinds = Counter(m.kind for m in corpus if m.kind)
    assert set(kinds) == KINDS
    assert kinds["promo"] >= 10


# -- the scores -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("level", LEVELS, ids=str)
def test_precision_and_recall(corpus: list[Message], detector: Detector, level: EpisodeCode) -> None:
    result = score(corpus, detector, level)
    report("corpus", level, result)
    for batch in sorted(
        {m.batch for m in corpus if m.batch}
    ):  # measured once before any tuning: see the corpus
        report(batch, level, score([m for m in corpus if m.batch == batch], detector, level))
    assert result.recall >= MIN_RECALL
    assert result.precision >= MIN_PRECISION


def test_no_promotional_fact_is_flagged_even_for_someone_who_has_watched_nothing(
    corpus: list[Message], detector: Detector
) -> None:
    promotion = [m for m in corpus if m.kind == "promo"]
    result = score(promotion, detector, NOTHING_WATCHED)
    report("promotion", NOTHING_WATCHED, result)
    assert result.wrongly_flagged == ()


def test_hard_non_spoilers_are_not_flagged_for_someone_who_has_watched_nothing(
    corpus: list[Message], detector: Detector
) -> None:
    result = score([m for m in corpus if m.kind], detector, NOTHING_WATCHED)
    report("non-spoilers", NOTHING_WATCHED, result)
    assert len(result.wrongly_flagged) <= 0.05 * len([m for m in corpus if m.kind])


def test_spoilers_are_dated_to_the_episode_they_reveal(corpus: list[Message], detector: Detector) -> None:
    spoilers = [m for m in corpus if m.reveals is not None]
    found = list(scan_lines((m.text for m in spoilers), detector, NOTHING_WATCHED))
    right = sum(result["episode"] == str(m.reveals) for m, result in zip(spoilers, found, strict=True))
    print(f"episode right for {right} of {len(spoilers)} spoilers ({right / len(spoilers):.1%})")
    assert right >= 0.9 * len(spoilers)
