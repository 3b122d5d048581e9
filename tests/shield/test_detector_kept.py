"""The compiled lexicon kept on disk: read back by the next process, never an error when it cannot be."""

from __future__ import annotations

import dataclasses
import logging
import os
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from bench.detector import chat
from bot.canon import Canon, EpisodeCode
from bot.canon.lexicon import Lexicon, lexicon_hash, load_lexicon
from bot.shield.detector import Detector, ServerTerm
from bot.shield.detector.kept import kept_path, load_or_build
from bot.shield.detector.rules import CompiledLexicon
from tests import fan_corpus

CORPUS = Path(__file__).parents[1] / "data" / "shield_corpus.toml"


@pytest.fixture(scope="module")
def lexicon(canon: Canon) -> Lexicon:
    return load_lexicon(canon)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HEARTBOT_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def never(lexicon: Lexicon) -> CompiledLexicon:
    raise AssertionError("the lexicon was compiled again instead of read from the cache")


def reading_with(lexicon: Lexicon, compiled: CompiledLexicon) -> Detector:
    detector = Detector(lexicon)
    detector.compiled = compiled
    return detector


def texts() -> list[str]:
    found = [message["text"] for message in tomllib.loads(CORPUS.read_text())["messages"]]
    found += [sentence.text for split in fan_corpus.SPLITS for sentence in fan_corpus.load(split)]
    return found + chat(2000, seed=5)[0]


def test_a_second_load_reads_the_cache_and_finds_the_same(lexicon: Lexicon, cache: Path) -> None:
    built = load_or_build(lexicon, CompiledLexicon, CompiledLexicon)
    assert kept_path(lexicon).is_file()
    assert kept_path(lexicon).is_relative_to(cache)
    read = load_or_build(lexicon, never, CompiledLexicon)
    assert read is not built
    fresh, cached = reading_with(lexicon, built), reading_with(lexicon, read)
    found = 0
    for text in texts():
        assert cached.find(text) == fresh.find(text), text
        found += bool(cached.find(text))
    assert found > 500
    term = [ServerTerm("porcelain cat", EpisodeCode(3, 6))]
    with_term = reading_with(lexicon, read.with_terms(term))
    assert [span.rule for span in with_term.find("the porcelian cat!!")] == ["server-term:porcelain cat"]


def test_a_changed_lexicon_misses_the_cache(lexicon: Lexicon, cache: Path) -> None:
    load_or_build(lexicon, CompiledLexicon, CompiledLexicon)
    changed = dataclasses.replace(lexicon, rules=lexicon.rules[1:])
    assert kept_path(changed) != kept_path(lexicon)
    compiled = load_or_build(changed, CompiledLexicon, CompiledLexicon)
    assert len(compiled.rules) == len(lexicon.rules) - 1
    assert len(list((cache / "shield").iterdir())) == 2


def test_the_lexicons_hash_is_the_same_in_every_process(lexicon: Lexicon) -> None:
    script = "from bot.canon import load_canon; from bot.canon.lexicon import *; "
    script += "print(lexicon_hash(load_lexicon(load_canon())))"
    hashes = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for seed in ("1", "2")
    }
    assert hashes == {lexicon_hash(lexicon)}


def test_an_unwritable_cache_folder_still_compiles(
    lexicon: Lexicon, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would be")
    monkeypatch.setenv("HEARTBOT_CACHE_DIR", str(blocked))
    with caplog.at_level(logging.DEBUG, logger="bot.core.cache"):
        compiled = load_or_build(lexicon, CompiledLexicon, CompiledLexicon)
    assert [str(span.reveals) for span in reading_with(lexicon, compiled).find("charlie fainted")] == ["S2E5"]
    assert any("cannot keep" in record.getMessage() for record in caplog.records)
    assert not any(record.levelno > logging.DEBUG for record in caplog.records)


def test_a_damaged_cache_file_is_compiled_again_and_replaced(lexicon: Lexicon, cache: Path) -> None:
    path = kept_path(lexicon)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\x80\x05not a pickle at all")
    compiled = load_or_build(lexicon, CompiledLexicon, CompiledLexicon)
    assert [str(span.reveals) for span in reading_with(lexicon, compiled).find("charlie fainted")] == ["S2E5"]
    assert isinstance(load_or_build(lexicon, never, CompiledLexicon), CompiledLexicon)


def test_a_kept_lexicon_no_process_read_for_a_week_is_removed(lexicon: Lexicon, cache: Path) -> None:
    load_or_build(lexicon, CompiledLexicon, CompiledLexicon)
    in_use, unused = kept_path(lexicon), cache / "shield" / "lexicon-0123456789abcdef.pickle"
    unused.write_bytes(b"from an older detector")
    week_ago = time.time() - 8 * 24 * 3600
    for path in (in_use, unused):
        os.utime(path, (week_ago, week_ago))
    load_or_build(lexicon, never, CompiledLexicon)  # read: in use again
    load_or_build(dataclasses.replace(lexicon, rules=lexicon.rules[1:]), CompiledLexicon, CompiledLexicon)
    assert in_use.is_file()
    assert not unused.exists()
