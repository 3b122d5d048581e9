"""`python -m bot scan [--watched CODE] [--semantic on|off]`: the spoiler shield on standard input.

One message a line, read by the lexicon and, unless turned off (here or with SHIELD_SEMANTIC=off) or not
installed, the semantic reader; standard error says which readers are at work.

Prints one JSON object a line:
    spoiler  true when the line holds plot details beyond CODE that are not already hidden
    episode  the latest episode the line reveals (whatever CODE is), or null
    spans    every plot detail found: start and end (offsets in code points), episode, rule (a lexicon
             rule's id, or "semantic:<beat>" for a sentence the semantic reader matched to a beat)
    wrapped  the line as the shield would repost it for readers at CODE (unchanged when nothing is beyond)
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from bot.canon import CanonError, EpisodeCode, load_canon
from bot.canon.lexicon import load_lexicon
from bot.core.settings import SettingsError, shield_semantic
from bot.shield.detector import Detector
from bot.shield.semantic import ShieldReader, load_shield_reader
from bot.spoilers.levels import NOTHING_WATCHED

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2
NOTHING = ("nothing", "none", "0")


def scan_lines(
    lines: Iterable[str], detector: Detector | ShieldReader, watched: EpisodeCode
) -> Iterator[dict[str, Any]]:
    """One result per line of input, its line ending removed first."""
    for line in lines:
        text = line.rstrip("\r\n")
        spans = detector.find(text)
        beyond = [span for span in spans if span.reveals > watched]
        yield {
            "spoiler": bool(beyond),
            "episode": str(max(span.reveals for span in spans)) if spans else None,
            "spans": [
                {"start": span.start, "end": span.end, "episode": str(span.reveals), "rule": span.rule}
                for span in spans
            ],
            "wrapped": detector.wrap(text, watched),
        }


def _parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="heartbot scan",
        description="Read messages, one a line, and print what the spoiler shield finds in each as JSON.",
    )
    parser.add_argument(
        "--watched",
        metavar="CODE",
        default="nothing",
        help="the last episode the readers have watched, such as S2E4 (default: nothing)",
    )
    parser.add_argument(
        "--semantic",
        choices=("on", "off"),
        help="use the semantic reader beside the lexicon (default: SHIELD_SEMANTIC, which is on)",
    )
    return parser.parse_args(list(argv))


def _level(text: str, episodes: Sequence[EpisodeCode]) -> EpisodeCode:
    if text.strip().casefold() in NOTHING:
        return NOTHING_WATCHED
    code = EpisodeCode.parse(text)  # ValueError names the mistake
    if code not in episodes:
        raise ValueError(f"{code} is not an episode: they run from {episodes[0]} to {episodes[-1]}")
    return code


def main(argv: Sequence[str]) -> int:
    args = _parse(argv)
    try:
        canon = load_canon()
        lexicon = load_lexicon(canon)
    except CanonError as error:  # LexiconError included
        print(f"heartbot scan: {error}", file=sys.stderr)
        return EXIT_FAILURE
    try:
        watched = _level(args.watched, lexicon.episodes)
    except ValueError as error:
        print(f"heartbot scan: --watched: {error}", file=sys.stderr)
        return EXIT_USAGE
    # Messages are UTF-8 whatever the terminal's locale says, and a stray bad byte must not stop the scan.
    for stream, errors in ((sys.stdin, "replace"), (sys.stdout, "strict")):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(encoding="utf-8", errors=errors)
    try:
        semantic = shield_semantic() if args.semantic is None else args.semantic == "on"
    except SettingsError as error:
        print(f"heartbot scan: {error}", file=sys.stderr)
        return EXIT_USAGE
    detector = load_shield_reader(lexicon, semantic, canon=canon)
    print(f"heartbot scan: readers: {', '.join(detector.active)}", file=sys.stderr)
    interactive = sys.stdin.isatty()
    for result in scan_lines(sys.stdin, detector, watched):
        sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
        if interactive:  # someone typing wants each answer as they press enter
            sys.stdout.flush()
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
