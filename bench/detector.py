"""The spoiler shield's detector over a realistic mix of chat: how many messages a second, on one core.

    python -m bench.detector [--messages 100000] [--seed 7] [--repeats 5] [--naive-share 0.05] [--start-up]

The mix is what a busy Heartstopper server's general channel looks like: mostly everyday chat and fan
chatter (half of which names a character), some links, mentions and custom emoji, and about 5% spoilers.
In each of --repeats runs, in this one process (one core; rates are per second of CPU time), it times
Detector.find over the messages, the same with no message remembered (every one read as new), a naive
per-rule loop (each of the lexicon's rules as its own regular expression, run one after the other over the
folded message) over every n-th message (--naive-share: the loop is slow), and one precompiled regex
search (a one-rule detector, the floor any detector is measured against). It prints min / median / max
over the runs of each rate and of the detector's speed against the naive loop's in the same run; then how
many messages got past the prefilter, and the median, 99th percentile and slowest time per non-spoiler
message. Targets: 100,000 messages/s or more, and 10x the naive loop; under 0.2 ms per non-spoiler message
at the 99th percentile. `--start-up` times making the first Detector in fresh processes, compiling the
lexicon against loading it from the disk cache, interleaved.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from bench.stats import percentile, spread
from bot.canon import load_canon
from bot.canon.lexicon import STEM, Lexicon, Phrase, fold, load_lexicon
from bot.shield.detector import Detector
from bot.shield.detector.prefilter import WORDS
from bot.spoilers.levels import NOTHING_WATCHED

NAMES = ["charlie", "nick", "Tao", "elle", "isaac", "tara", "darcy", "imogen", "Mr Ajayi", "tori", "sahar"]
EMOJI = [
    "",
    "",
    "",
    " 😭",
    " 😭😭😭",
    " 🥺",
    " 💀",
    " ❤️",
    " 🥹",
    " lol",
    " lmao",
    " <:sob:81234567890>",
    "!!",
]
EVERYDAY = [
    "good morning everyone",
    "gm",
    "hiii",
    "how is everyone doing today",
    "i'm so tired, school was so long",
    "anyone else have a maths test tomorrow",
    "what are you all doing this weekend?",
    "brb dinner",
    "omg same",
    "LMAOOO",
    "that's so real",
    "no way",
    "yesss",
    "i can't sleep",
    "my cat just knocked my drink over",
    "it's raining again, of course",
    "i need new headphones, any recs?",
    "just got back from practice",
    "does anyone want to vc later?",
    "happy birthday <@412345678901234567>!!",
    "welcome to the server <@398765432109876543>, make sure you read the rules",
    "ok who took my spot in the queue",
    "i'm in paris next week for a school trip",
    "prom is in two weeks and i have nothing to wear",
    "exams are killing me",
    "rugby training got cancelled lol",
    "reading the books again for the 4th time",
    "this song has been stuck in my head all day",
    "check this out https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    "new fanart!! https://i.imgur.com/a1b2c3d.png",
    "https://tenor.com/view/crying-sobbing-gif-12345",
    "can a mod pin the rules",
    "who's watching the premiere tonight",
    "asdfghjkl",
    "i'm literally shaking",
    "we need a rewatch party",
    "what time is it for you guys",
    "ugh mondays",
    "i made pancakes",
    "please use spoiler tags in #general!",
    "can we get a cw for self harm in the s2 channel",
    "is season 2 good?",
    "just started s1, no spoilers please",
    "which episode are you on?",
    "about to start s2e5!!",
    "the soundtrack is so good",
    "alice oseman's art >>>",
    "the books vs the show, go",
    "i love this server so much",
    "back to revision 😩",
]
CHATTER = [
    "{name} is so cute",
    "{name} is literally me",
    "i love {name} so much",
    "{name} deserves the world",
    "{name} and {other} are my favourite duo",
    "{name}'s outfit in that scene >>>",
    "who else thinks {name} is underrated",
    "{name} supremacy",
    "protect {name} at all costs",
    "the way {name} smiles",
    "{name} 🥺🥺🥺",
    "omg {name}",
    "{name} era",
    "i would die for {name}",
    "{name} is so funny in s1",
    "can we talk about {name}'s hair",
    "drew {name} today, what do you think?",
    "{name} and {other} friendship is everything",
]
SPOILERS = [
    "charlie passed out in the louvre 😭",
    "the hickey scene lmaoo everyone blaming james",
    "nick came out to his dad at that dinner",
    "tao finally asked elle to be his girlfriend",
    "nick's dad only stayed five minutes, ugh",
    "imogen dumped ben in front of everyone in paris",
    "charlie telling nick he used to self harm 💔",
    "isaac and james kissed at the party",
    "elle got into lambert!!",
    "charlie goes to a clinic in s3",
    "coach singh catching them kissing lol",
    "tara and darcy finally said i love you",
    "nick posting that insta pic 😭",
    "s2e6 nick tells everyone at truth or dare",
    "darcy's mum is so homophobic",
]
SPOILER_SHARE = 0.05
NAMED_SHARE = 0.45  # of the non-spoilers: fan servers talk about the characters all the time

# A naive one-rule detector: what "one precompiled regex" costs on the same messages.
BASELINE = re.compile(r"\b(?:charlie|nick)\b[^.!?\n]{0,60}\b(?:faint|passed out|collaps)", re.IGNORECASE)


def naive_rules(lexicon: Lexicon) -> Callable[[str], list[str]]:
    """The naive per-rule loop: each rule as its own regex, tried in turn on the folded message.

    A rule's regex holds one lookahead per item (any of its phrases, as whole words, a stem's word any word
    it begins), so it matches a message holding every item anywhere: looser than the rule, never slower.
    """

    def phrase(words: Sequence[str]) -> str:
        parts = [re.escape(word.rstrip(STEM)) + (r"\w*" if word.endswith(STEM) else "") for word in words]
        return r"\W+".join(parts)

    def item(phrases: Sequence[Phrase]) -> str:
        ordered = sorted({phrase(p.words) for p in phrases}, key=len, reverse=True)
        return rf"(?=[\s\S]*?\b(?:{'|'.join(ordered)})\b)"

    rules = [
        (rule.id, re.compile("".join(item(phrases) for phrases in rule.items))) for rule in lexicon.rules
    ]

    def find(text: str) -> list[str]:
        folded = fold(text)
        return [rule for rule, pattern in rules if pattern.match(folded)]

    return find


def chat(count: int, seed: int) -> tuple[list[str], list[bool]]:
    """`count` messages and, for each, whether it was drawn as a spoiler."""
    rng = random.Random(seed)
    messages, spoilers = [], []
    for _ in range(count):
        roll = rng.random()
        if roll < SPOILER_SHARE:
            text, spoiler = rng.choice(SPOILERS), True
        elif roll < SPOILER_SHARE + NAMED_SHARE:
            name, other = rng.sample(NAMES, 2)
            text, spoiler = rng.choice(CHATTER).format(name=name, other=other), False
        else:
            text, spoiler = rng.choice(EVERYDAY), False
        if rng.random() < 0.3:
            text = text.upper() if rng.random() < 0.2 else text.capitalize()
        messages.append(text + rng.choice(EMOJI))
        spoilers.append(spoiler)
    return messages, spoilers


def rate(call: Callable[[str], object], messages: Sequence[str]) -> float:
    """Messages a second of this process's CPU time, over one pass: on a machine that other work shares,
    the wall clock also counts the time spent waiting for the core."""
    started = time.process_time()
    for message in messages:
        call(message)
    return len(messages) / (time.process_time() - started)


def per_message_ms(call: Callable[[str], object], messages: Sequence[str]) -> list[float]:
    clock = time.perf_counter_ns
    samples = []
    for message in messages:
        started = clock()
        call(message)
        samples.append((clock() - started) / 1e6)
    return sorted(samples)


def main(count: int, seed: int, repeats: int, naive_share: float) -> None:
    started = time.perf_counter()
    lexicon = load_lexicon(load_canon())
    detector = Detector(lexicon)
    print(f"lexicon loaded and compiled in {time.perf_counter() - started:.2f} s")
    messages, spoilers = chat(count, seed)
    naive = naive_rules(lexicon)
    sample = messages[:: max(1, round(1 / naive_share))]
    for message in messages:  # each distinct word learnt once, as a running bot will have
        detector.find(message)
    figures: dict[str, list[float]] = {
        name: [] for name in ("find", "new", "naive", "ratio", "ratio new", "regex")
    }
    for _ in range(repeats):  # interleaved: a slow spell on the machine hits every figure of one run
        figures["find"].append(rate(detector.find, messages))
        # Every message read as if never seen: only the short messages the detector remembers are skipped.
        figures["new"].append(rate(detector._find, messages))
        figures["naive"].append(rate(naive, sample))
        figures["ratio"].append(figures["find"][-1] / figures["naive"][-1])
        figures["ratio new"].append(figures["new"][-1] / figures["naive"][-1])
        figures["regex"].append(rate(BASELINE.search, messages))
    print(f"{count} messages, {sum(spoilers)} drawn as spoilers; {repeats} interleaved runs, one core")
    print(f"(min / median / max; the naive loop over every {len(messages) // len(sample)}th message)")
    print(f"Detector.find              {spread(figures['find'])} messages/s")
    print(f"  no message remembered    {spread(figures['new'])} messages/s")
    print(f"naive per-rule loop        {spread(figures['naive'])} messages/s ({len(lexicon.rules)} rules)")
    print(f"ratio                      {spread(figures['ratio'], '.1f')}x the naive loop's speed")
    print(f"  no message remembered    {spread(figures['ratio new'], '.1f')}x")
    print(f"one regex search           {spread(figures['regex'])} messages/s")

    past = sum(detector.compiled.prefilter.matches(WORDS.findall(fold(message))) for message in messages)
    flagged = [bool(detector.find(message)) for message in messages]
    found = sum(hit for hit, spoiler in zip(flagged, spoilers, strict=True) if spoiler)
    wrong = sum(hit for hit, spoiler in zip(flagged, spoilers, strict=True) if not spoiler)
    print(f"past the prefilter   {past / count:>12.1%} of messages")
    print(
        f"spoilers found       {found}/{sum(spoilers)}; non-spoilers flagged {wrong}/{count - sum(spoilers)}"
    )

    quiet = per_message_ms(
        detector.find, [m for m, spoiler in zip(messages, spoilers, strict=True) if not spoiler]
    )
    print(f"non-spoiler message  {_times(quiet)}   slowest {quiet[-1]:.4f} ms")
    loud = [m for m, spoiler in zip(messages, spoilers, strict=True) if spoiler]
    wrapping = per_message_ms(lambda message: detector.wrap(message, NOTHING_WATCHED), loud)
    print(f"spoiler, wrapped     {_times(wrapping)}")


_START_UP = """
import time
from bot.canon import load_canon
from bot.canon.lexicon import load_lexicon
lexicon = load_lexicon(load_canon())
started = time.perf_counter()
from bot.shield.detector import Detector
Detector(lexicon)
print(time.perf_counter() - started)
"""


def start_up(repeats: int) -> None:
    """Making the first Detector in a fresh process: compiling the lexicon (and keeping it), against loading
    it from the cache, interleaved; and the whole process (Python, the canon, the lexicon and that)."""
    times: dict[str, list[float]] = {"cold": [], "cached": [], "cold process": [], "cached process": []}
    with tempfile.TemporaryDirectory() as folder:
        warm = Path(folder) / "warm"
        _first_detector(warm)  # the cache written once
        for run in range(repeats):
            for kind, cache in (("cold", Path(folder) / f"cold-{run}"), ("cached", warm)):
                started = time.perf_counter()
                times[kind].append(_first_detector(cache))
                times[f"{kind} process"].append(time.perf_counter() - started)
    print(f"first Detector in a fresh process, {repeats} interleaved runs (min / median / max, s):")
    for kind in ("cold", "cached"):
        process = spread(times[f"{kind} process"], ".2f")
        print(f"  {kind:<8} {spread(times[kind], '.3f')}   whole process {process}")
    saved = [cold - cached for cold, cached in zip(times["cold"], times["cached"], strict=True)]
    print(f"  saved    {spread(saved, '.3f')}")


def _first_detector(cache: Path) -> float:
    env = {**os.environ, "HEARTBOT_CACHE_DIR": str(cache)}
    done = subprocess.run(
        [sys.executable, "-c", _START_UP], env=env, capture_output=True, text=True, check=True
    )
    return float(done.stdout)


def _times(samples: Sequence[float]) -> str:
    return f"median {statistics.median(samples):.4f} ms   p99 {percentile(samples, 0.99):.4f} ms"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--naive-share", type=float, default=0.05, help="of the messages, for the naive loop")
    parser.add_argument("--start-up", action="store_true", help="only time making the first Detector")
    arguments = parser.parse_args()
    if arguments.start_up:
        start_up(arguments.repeats)
    else:
        main(arguments.messages, arguments.seed, arguments.repeats, arguments.naive_share)
