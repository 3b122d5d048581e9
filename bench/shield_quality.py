"""How well the shield reads real fan text: precision and recall on the fan corpus, by split and reader.

    python -m bench.shield_quality [--misses]

For each split of tests/data/fan_corpus/ (dev, test), each again without the recaps the show data cites
as its sources ("-uncited": the lexicon's beats were written from those pages), and the written corpus
(tests/data/shield_corpus.toml, "written"), at readers on S1E8, S2E4 and S3E2, for the lexicon alone and
with the semantic reader: precision, recall and counts. A sentence is a positive at a level when its
label is later than the level. With --misses, the dev split's misses, grouped by what the lexicon saw;
never the test split's, which is measured, not tuned on.
"""

from __future__ import annotations

import argparse
import tomllib
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.canon import EpisodeCode, load_canon
from bot.canon.lexicon import Lexicon, load_lexicon
from bot.shield.detector import Detector
from bot.shield.detector.reading import read
from tests import fan_corpus

LEVELS = (EpisodeCode(1, 8), EpisodeCode(2, 4), EpisodeCode(3, 2))
WRITTEN = Path(__file__).parent.parent / "tests" / "data" / "shield_corpus.toml"

Labelled = list[tuple[str, EpisodeCode | None]]
Flags = Callable[[str, EpisodeCode], bool]


@dataclass(frozen=True, slots=True)
class Score:
    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float:
        flagged = self.true_positives + self.false_positives
        return self.true_positives / flagged if flagged else 1.0

    @property
    def recall(self) -> float:
        positives = self.true_positives + self.false_negatives
        return self.true_positives / positives if positives else 1.0

    def __str__(self) -> str:
        counts = f"TP {self.true_positives:3} FP {self.false_positives:3} FN {self.false_negatives:3}"
        return f"precision {self.precision:.3f}  recall {self.recall:.3f}  ({counts})"


def corpora() -> dict[str, Labelled]:
    """Each split; each again without the pages the show data cites ("-uncited"); the written corpus."""
    cited = fan_corpus.cited_pages()
    found: dict[str, Labelled] = {}
    for name in fan_corpus.SPLITS:
        sentences = fan_corpus.load(name)
        found[name] = [(s.text, s.reveals) for s in sentences]
        found[f"{name}-uncited"] = [
            (s.text, s.reveals) for s in sentences if fan_corpus.page(s.source) not in cited
        ]
    written = tomllib.loads(WRITTEN.read_text(encoding="utf-8"))["messages"]
    found["written"] = [
        (m["text"], EpisodeCode.parse(m["reveals"]) if "reveals" in m else None) for m in written
    ]
    return found


def score(labelled: Labelled, flags: Flags, level: EpisodeCode) -> tuple[Score, list[str]]:
    """The verdicts at `level` against the labels, and the positives missed."""
    tp = fp = fn = 0
    missed = []
    for text, reveals in labelled:
        positive = reveals is not None and reveals > level
        flagged = flags(text, level)
        tp += positive and flagged
        fp += flagged and not positive
        fn += positive and not flagged
        if positive and not flagged:
            missed.append(text)
    return Score(tp, fp, fn), missed


def miss_kind(detector: Detector, text: str, level: EpisodeCode) -> str:
    """What the lexicon saw in a missed spoiler: the first place where reading it stopped."""
    spans = detector.find(text)
    if spans:
        return "found, but dated at or before the reader's level"
    lexicon = detector.compiled
    message = read(text, lexicon)
    named = any(slot in lexicon.name_slots for slot in message.positions)
    rules = {number for slot in message.positions for number in lexicon.by_trigger.get(slot, ())}
    if not named:
        return "no name, ship or role word"
    if not rules:
        return "a name, but no rule's words"
    return "a rule's words, but not all of its items in reach"


def readers(detector: Detector, lexicon: Lexicon, semantic: bool) -> dict[str, Flags]:
    found: dict[str, Flags] = {"lexicon": lambda text, level: bool(detector.beyond(text, level))}
    if semantic:
        from bot.shield.semantic import load_shield_reader

        reader = load_shield_reader(lexicon, enabled=True)
        if "semantic" in reader.active:
            found["lexicon+semantic"] = lambda text, level: bool(reader.beyond(text, level))
        else:
            print("the semantic reader is not available: lexicon only")
    return found


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="print the dev split's misses, by kind")
    parser.add_argument("--no-semantic", action="store_true", help="the lexicon alone")
    args = parser.parse_args(argv)
    found = corpora()
    for name, labelled in found.items():
        spoilers = sum(reveals is not None for _, reveals in labelled)
        print(f"{name}: {len(labelled)} sentences, {spoilers} spoilers")
    lexicon = load_lexicon(load_canon())
    detector = Detector(lexicon)
    flags = readers(detector, lexicon, not args.no_semantic)
    for corpus, labelled in found.items():
        for level in LEVELS:
            for reader, flag in flags.items():
                result, _ = score(labelled, flag, level)
                print(f"{corpus:<12} at {level}  {reader:<17} {result}")
    if args.misses:
        best = list(flags.values())[-1]
        for level in LEVELS:
            _, missed = score(found["dev"], best, level)
            groups: dict[str, list[str]] = defaultdict(list)
            for text in missed:
                groups[miss_kind(detector, text, level)].append(text)
            print(f"\ndev misses at {level}: {len(missed)}")
            for kind, texts in sorted(groups.items(), key=lambda pair: -len(pair[1])):
                print(f"  {kind}: {len(texts)}")
                for text in texts:
                    print(f"      {text}")


if __name__ == "__main__":
    main()
