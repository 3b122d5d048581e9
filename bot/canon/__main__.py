"""`python -m bot.canon`: validate data/ and print a summary, or every problem found."""

from __future__ import annotations

import sys

from bot.canon.loader import CanonError, load_canon


def main() -> int:
    try:
        canon = load_canon()
    except CanonError as error:
        print(error, file=sys.stderr)
        return 1
    beats = sum(len(episode.beats) for episode in canon.episodes)
    facts = sum(len(character.facts) for character in canon.characters)
    print(
        f"data/ is valid: {len(canon.episodes)} episodes ({beats} plot beats), "
        f"{len(canon.characters)} characters ({facts} facts), {len(canon.trivia)} trivia items, "
        f"{sum(len(s) for s in canon.sources.values())} sources."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
