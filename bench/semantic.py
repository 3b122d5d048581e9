"""The shield with and without its semantic reader, over a realistic mix of chat, on one core.

    python -m bench.semantic [--messages 100000] [--seed 7] [--repeats 5] [--level S1E8] [--sample 2000]

The mix is bench/detector.py's: a busy server's general channel, mostly everyday chat and fan chatter,
about 5% spoilers. Prints:
- start-up the semantic reader adds (the model, and the bank's embeddings computed, or read from the
  disk cache), and the memory it adds (resident set size before and after loading);
- messages/s for the lexicon alone (`Detector.beyond`) and with the semantic reader (`ShieldReader.beyond`),
  runs interleaved, the semantic reader's per-text cache emptied before each of its runs: min, median and
  max of --repeats runs (target: 1,000 messages/s or more with the semantic reader);
- the same with nothing cached at all (every message read as if new): the rate for chat that never repeats;
- per message that reaches the semantic reader (a sentence past its prefilter), the time of one uncached
  reading, for --sample distinct such messages: median, 99th percentile and slowest, min/median/max over the
  runs (target: p99 under 15 ms).
onnxruntime runs on one thread, and so does numpy's BLAS (set before numpy is imported).
"""

from __future__ import annotations

import os

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import argparse  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from pathlib import Path  # noqa: E402

from bench.detector import chat  # noqa: E402
from bench.stats import percentile, rss_mb  # noqa: E402
from bot.canon import EpisodeCode, load_canon  # noqa: E402
from bot.canon.lexicon import load_lexicon  # noqa: E402
from bot.shield.detector import Detector  # noqa: E402
from bot.shield.semantic import ShieldReader  # noqa: E402
from bot.shield.semantic.bank import load_bank  # noqa: E402


def spread(values: Sequence[float], unit: str, digits: int = 0) -> str:
    low, middle, high = min(values), statistics.median(values), max(values)
    return f"min {low:,.{digits}f}  median {middle:,.{digits}f}  max {high:,.{digits}f} {unit}"


def timed_run(call: Callable[[str], object], messages: Sequence[str]) -> float:
    started = time.perf_counter()
    for message in messages:
        call(message)
    return len(messages) / (time.perf_counter() - started)


def main(count: int, seed: int, repeats: int, level: EpisodeCode, sample: int) -> None:
    from bot.shield.semantic import reader as semantic  # the semantic extra: fails here without it

    canon = load_canon()
    lexicon = load_lexicon(canon)
    detector = Detector(lexicon)
    bank = load_bank(canon)
    messages, spoilers = chat(count, seed)
    detector.find(messages[0])

    before = rss_mb()
    with tempfile.TemporaryDirectory() as folder:
        cache = Path(folder)
        started = time.perf_counter()
        cold = semantic.load_semantic_reader(bank, cache_dir=cache)
        cold_s = time.perf_counter() - started
        loaded = rss_mb()
        started = time.perf_counter()
        warm = semantic.load_semantic_reader(bank, cache_dir=cache)
        warm_s = time.perf_counter() - started
    del cold
    sentences = sum(len(beat.texts) for beat in bank.beats) + len(bank.public_sentences)
    print(
        f"start-up added: {cold_s:.2f} s computing the bank's {sentences} embeddings, "
        f"{warm_s:.2f} s with them cached on disk (model load included)"
    )
    print(f"memory: {before:.0f} MB before loading, {loaded:.0f} MB after: {loaded - before:.0f} MB added")

    shield = ShieldReader(detector, warm)
    reaching = [bool(warm.candidates(message)) for message in messages]
    distinct = {m for m, reached in zip(messages, reaching, strict=True) if reached}
    print(
        f"{count} messages ({len(set(messages))} distinct), {sum(spoilers)} drawn as spoilers; "
        f"{sum(reaching) / count:.1%} reach the semantic reader ({len(distinct)} distinct); reader at {level}"
    )

    lexicon_rates, semantic_rates = [], []
    for _ in range(repeats):
        lexicon_rates.append(timed_run(lambda message: detector.beyond(message, level), messages))
        warm.clear_cache()
        semantic_rates.append(timed_run(lambda message: shield.beyond(message, level), messages))
    print(f"lexicon alone        {spread(lexicon_rates, 'messages/s')}")
    print(f"lexicon + semantic   {spread(semantic_rates, 'messages/s')}")
    print(f"after the runs: {rss_mb():.0f} MB (the cache holds up to 8192 sentences' scores)")

    sample_messages = messages[: min(10_000, count)]
    cold_rates = []
    for _ in range(repeats):

        def uncached(message: str) -> object:
            warm.clear_cache()
            return shield.beyond(message, level)

        cold_rates.append(timed_run(uncached, sample_messages))
    print(
        f"lexicon + semantic, nothing cached ({len(sample_messages)} messages)   "
        f"{spread(cold_rates, 'messages/s')}"
    )

    flagged_lexicon = [bool(detector.beyond(m, level)) for m in messages]
    flagged_both = [bool(shield.beyond(m, level)) for m in messages]
    for name, flagged in (("lexicon alone", flagged_lexicon), ("lexicon + semantic", flagged_both)):
        hits = sum(f for f, spoiler in zip(flagged, spoilers, strict=True) if spoiler)
        wrong = sum(f for f, spoiler in zip(flagged, spoilers, strict=True) if not spoiler)
        print(
            f"{name:<20} flags {hits}/{sum(spoilers)} drawn spoilers, {wrong}/{count - sum(spoilers)} others"
        )
    extra = sorted(
        {m for m, a, b in zip(messages, flagged_lexicon, flagged_both, strict=True) if b and not a}
    )
    for message in extra[:5]:
        print(f"    flagged by the semantic reader alone: {message}")

    chosen = random.Random(seed).sample(sorted(distinct), min(sample, len(distinct)))
    medians, p99s, slowest = [], [], []
    clock = time.perf_counter_ns
    for _ in range(repeats):
        samples = []
        for message in chosen:
            warm.clear_cache()
            started = clock()
            shield.beyond(message, level)
            samples.append((clock() - started) / 1e6)
        medians.append(statistics.median(samples))
        p99s.append(percentile(samples, 0.99))
        slowest.append(max(samples))
    print(f"per message reaching the semantic reader, uncached ({len(chosen)} distinct messages):")
    print(f"    median   {spread(medians, 'ms', 2)}")
    print(f"    p99      {spread(p99s, 'ms', 2)}")
    print(f"    slowest  {spread(slowest, 'ms', 2)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--level", type=EpisodeCode.parse, default=EpisodeCode(1, 8))
    parser.add_argument("--sample", type=int, default=2000)
    arguments = parser.parse_args()
    main(arguments.messages, arguments.seed, arguments.repeats, arguments.level, arguments.sample)
