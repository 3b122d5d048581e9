"""The corpus of real fan text (tests/data/fan_corpus/): sentences fans posted, verbatim, with their source.

Split into `dev` (the only text rules and thresholds are tuned on) and `test` (measured once per change,
its misses never read while writing rules) by source: every sentence of one page goes to the same split,
decided by a hash of the page's address, so a page never feeds both and nobody chooses where it goes.

    python -m tests.fan_corpus split COLLECTED.toml...   # (re)write dev.toml and test.toml from collections
    python -m tests.fan_corpus stats                     # counts per split, label and kind
"""

from __future__ import annotations

import hashlib
import re
import sys
import tomllib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bot.canon import EpisodeCode

FOLDER = Path(__file__).parent / "data" / "fan_corpus"
SPLITS = ("dev", "test")
CONFIDENCES = ("high", "medium", "low")
KINDS = frozenset({"opinion", "cast-news", "promo", "question", "everyday", "meta"})
FIELDS = frozenset({"text", "source", "reveals", "confidence", "kind", "note"})


@dataclass(frozen=True, slots=True)
class Sentence:
    text: str
    source: str
    reveals: EpisodeCode | None  # the episode after which a viewer knows all it reveals; None: nothing
    confidence: str
    kind: str | None  # for a non-spoiler: what sort of hard non-spoiler it is


def page(url: str) -> str:
    """A source page's identity: host and path, without scheme, "www.", query or fragment."""
    parts = urlsplit(url.strip())
    host = parts.netloc.lower().removeprefix("www.")
    return host + parts.path.rstrip("/")


def split_of(url: str) -> str:
    """The split a page's sentences belong to, fixed by its address alone."""
    digest = hashlib.sha256(page(url).encode()).digest()
    return SPLITS[digest[0] % 2]


def cited_pages(data: Path = FOLDER.parent.parent.parent / "data") -> frozenset[str]:
    """The pages the show data cites as its sources: recaps whose words the lexicon's beats echo."""
    return frozenset(
        page(url)
        for path in data.rglob("*.toml")
        for url in re.findall(r'^url = "([^"]+)"', path.read_text(encoding="utf-8"), re.MULTILINE)
    )


def parse(entry: dict) -> Sentence:
    return Sentence(
        text=entry["text"],
        source=entry["source"],
        reveals=EpisodeCode.parse(entry["reveals"]) if "reveals" in entry else None,
        confidence=entry["confidence"],
        kind=entry.get("kind"),
    )


def raw(split: str) -> list[dict]:
    return tomllib.loads((FOLDER / f"{split}.toml").read_text(encoding="utf-8"))["sentences"]


def load(split: str) -> list[Sentence]:
    return [parse(entry) for entry in raw(split)]


def _toml_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{escaped}"'


def _write(path: Path, entries: Sequence[dict], header: str) -> None:
    lines = [header, ""]
    for entry in entries:
        lines.append("[[sentences]]")
        lines += [f"{key} = {_toml_string(entry[key])}" for key in FIELDS_ORDER if key in entry]
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")


FIELDS_ORDER = ("text", "source", "reveals", "confidence", "kind", "note")
HEADER = (
    "# Real fan text about Heartstopper, verbatim, each sentence with the page it comes from.\n"
    "# Labelled by tests/data/fan_corpus/GUIDE.md; written by `python -m tests.fan_corpus split`: the split\n"
    "# of a page is fixed by a hash of its address (tests/fan_corpus.py). Split: {split}."
)


def split(collected: Iterable[Path]) -> Counter[str]:
    entries: list[dict] = []
    seen: set[str] = set()
    for path in collected:
        for entry in tomllib.loads(path.read_text(encoding="utf-8"))["sentences"]:
            if entry["text"] not in seen:
                seen.add(entry["text"])
                entries.append(entry)
    entries.sort(key=lambda entry: (page(entry["source"]), entry["text"]))
    counts = Counter[str]()
    for name in SPLITS:
        chosen = [entry for entry in entries if split_of(entry["source"]) == name]
        _write(FOLDER / f"{name}.toml", chosen, HEADER.format(split=name))
        counts[name] = len(chosen)
    return counts


def stats() -> None:
    for name in SPLITS:
        sentences = load(name)
        spoilers = [s for s in sentences if s.reveals is not None]
        seasons = Counter(f"S{s.reveals.season}" for s in spoilers if s.reveals is not None)
        kinds = Counter(s.kind for s in sentences if s.reveals is None)
        pages = {page(s.source) for s in sentences}
        print(
            f"{name}: {len(sentences)} sentences from {len(pages)} pages; {len(spoilers)} spoilers "
            f"({dict(sorted(seasons.items()))}), {len(sentences) - len(spoilers)} non-spoilers {dict(kinds)}"
        )


def main(argv: Sequence[str]) -> int:
    if argv[:1] == ["split"] and len(argv) > 1:
        counts = split(Path(name) for name in argv[1:])
        print(", ".join(f"{name}: {count}" for name, count in counts.items()))
        return 0
    if argv[:1] == ["stats"]:
        stats()
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
