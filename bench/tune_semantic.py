"""Choosing the semantic reader's thresholds: a grid of min_similarity x margin on labelled sentences.

    python -m bench.tune_semantic [FILE] [--min-confidence medium] [--top 12]

FILE is a development set: the fan corpus's dev split (tests/data/fan_corpus/dev.toml, the default:
[[sentences]] with text, source, reveals?, confidence, kind?) or a file of [[messages]] with text and
reveals? (tests/data/shield_corpus.toml). A test split is refused: it is measured, never tuned on.

At readers on S1E8, S2E4 and S3E2, a sentence is a positive when its label is later than the level. For
the lexicon alone and for the lexicon with the semantic reader (combined as bot.shield.semantic's
ShieldReader does: a semantic flag counts only in a sentence where the lexicon found nothing), prints
precision and recall at each level, then the grid's best settings: by F1 over the three levels together,
and by recall among those whose precision is at least the lexicon's (less 0.02), with the current
constants (MIN_SIMILARITY, MARGIN) for comparison.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.canon import EpisodeCode, load_canon
from bot.canon.lexicon import load_lexicon
from bot.core.cache import cache_dir
from bot.shield.detector import Detector, Span
from bot.shield.semantic.bank import load_bank

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT / "tests" / "data" / "fan_corpus" / "dev.toml"
LEVELS = (EpisodeCode(1, 8), EpisodeCode(2, 4), EpisodeCode(3, 2))
CONFIDENCES = ("high", "medium", "low")
SIMILARITIES = tuple(round(0.50 + 0.025 * step, 3) for step in range(15))  # 0.50 ... 0.85
MARGINS = tuple(round(0.01 * step, 2) for step in range(16))  # 0.00 ... 0.15


@dataclass(frozen=True, slots=True)
class Labelled:
    text: str
    reveals: EpisodeCode | None


@dataclass(frozen=True, slots=True)
class Score:
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0

    def __add__(self, other: Score) -> Score:
        return Score(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)

    def __str__(self) -> str:
        return (
            f"precision {self.precision:.3f}  recall {self.recall:.3f}  F1 {self.f1:.3f}  "
            f"(TP {self.tp} FP {self.fp} FN {self.fn})"
        )


def load(path: Path, min_confidence: str) -> list[Labelled]:
    if path.name.startswith("test"):
        sys.exit(f"{path}: a test split is measured, never tuned on; give the dev split")
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    entries = data.get("sentences") or data.get("messages") or []
    allowed = CONFIDENCES[: CONFIDENCES.index(min_confidence) + 1]
    return [
        Labelled(entry["text"], EpisodeCode.parse(entry["reveals"]) if "reveals" in entry else None)
        for entry in entries
        if entry.get("confidence", "high") in allowed
    ]


def score(verdicts: Sequence[bool], labelled: Sequence[Labelled], level: EpisodeCode) -> Score:
    tp = fp = fn = 0
    for flagged, item in zip(verdicts, labelled, strict=True):
        positive = item.reveals is not None and item.reveals > level
        tp += flagged and positive
        fp += flagged and not positive
        fn += positive and not flagged
    return Score(tp, fp, fn)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path, default=DEV)
    parser.add_argument("--min-confidence", choices=CONFIDENCES, default="medium")
    parser.add_argument("--top", type=int, default=12)
    args = parser.parse_args(argv)
    labelled = load(args.file, args.min_confidence)
    from bot.shield.semantic import reader as semantic  # the semantic extra

    canon = load_canon()
    detector = Detector(load_lexicon(canon))
    reader = semantic.load_semantic_reader(load_bank(canon), cache_dir=cache_dir())
    print(
        f"{args.file.name}: {len(labelled)} sentences (confidence {args.min_confidence} or higher), "
        f"{sum(item.reveals is not None for item in labelled)} spoilers; current thresholds "
        f"min_similarity {semantic.MIN_SIMILARITY}, margin {semantic.MARGIN}"
    )
    lexicon: dict[EpisodeCode, list[list[Span]]] = {}
    found = [detector.find(item.text) for item in labelled]
    for item in labelled:
        reader.scores(item.text)  # every sentence embedded once; the grid reuses the scores
    alone = Score(0, 0, 0)
    for level in LEVELS:
        lexicon[level] = found
        result = score([any(span.reveals > level for span in spans) for spans in found], labelled, level)
        alone += result
        print(f"at {level}  lexicon alone        {result}")

    def combined(level: EpisodeCode, least: float, ahead: float) -> list[bool]:
        verdicts = []
        for item, spans in zip(labelled, found, strict=True):
            if any(span.reveals > level for span in spans):
                verdicts.append(True)
                continue
            flags = reader.flags(item.text, level, min_similarity=least, margin=ahead)
            verdicts.append(any(not any(f.start < s.end and s.start < f.end for s in spans) for f in flags))
        return verdicts

    current = Score(0, 0, 0)
    for level in LEVELS:
        result = score(combined(level, semantic.MIN_SIMILARITY, semantic.MARGIN), labelled, level)
        current += result
        print(f"at {level}  lexicon + semantic   {result}")
    print(f"all three   lexicon alone        {alone}")
    print(f"all three   lexicon + semantic   {current}   (current thresholds)")

    grid = []
    for least in SIMILARITIES:
        for ahead in MARGINS:
            total = Score(0, 0, 0)
            for level in LEVELS:
                total += score(combined(level, least, ahead), labelled, level)
            grid.append((least, ahead, total))
    print(f"\nbest by F1 over the three levels ({len(grid)} settings tried):")
    for least, ahead, total in sorted(grid, key=lambda row: (-row[2].f1, -row[0], -row[1]))[: args.top]:
        print(f"  min_similarity {least:.3f}  margin {ahead:.2f}   {total}")
    floor = alone.precision - 0.02
    print(f"\nbest recall with precision at least {floor:.3f} (the lexicon's, less 0.02):")
    kept = [row for row in grid if row[2].precision >= floor]
    for least, ahead, total in sorted(kept, key=lambda row: (-row[2].recall, -row[2].precision))[: args.top]:
        print(f"  min_similarity {least:.3f}  margin {ahead:.2f}   {total}")


if __name__ == "__main__":
    main()
