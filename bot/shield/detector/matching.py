"""Matching the compiled rules against a message that has been read.

Only rules whose trigger words occurred are tried. A rule matches where one phrase of each of its items
occurs within its window, in one sentence, without two items sharing a word. Names right after "my friend"
and the like are the writer's people, not characters; words the official promotion made public, and words
inside a public statement, never count as what happens.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.shield.detector.reading import Message
from bot.shield.detector.rules import CompiledLexicon, CompiledRule, Item, Pattern
from bot.shield.detector.spans import Span


@dataclass(frozen=True, slots=True)
class Occurrence:
    first: int  # word indexes, inclusive
    last: int
    name: bool


class Sorted:
    """Occurrences in word order, to find those near a match without looking at all of them."""

    __slots__ = ("firsts", "items")

    def __init__(self, occurrences: Iterable[Occurrence]) -> None:
        self.items = sorted(occurrences, key=lambda o: (o.first, o.last))
        self.firsts = [o.first for o in self.items]

    def near(self, first: int, last: int, window: int) -> list[Occurrence]:
        """Those that could join a match spanning first..last and stay within the window."""
        return self.items[bisect_left(self.firsts, last - window) : bisect_right(self.firsts, first + window)]


def rule_spans(lexicon: CompiledLexicon, message: Message) -> list[Span]:
    """Where the rules triggered by the message's words match it."""
    candidates = sorted({number for slot in message.positions for number in lexicon.by_trigger.get(slot, ())})
    spans = []
    for number in candidates:
        rule = lexicon.rules[number]
        for first, last in _matches(lexicon, rule, message):
            spans.append(Span(message.starts[first], message.ends[last], rule.reveals, rule.id))
    return spans


def item_occurrences(lexicon: CompiledLexicon, item: Item, message: Message) -> list[Occurrence]:
    """Where the item's phrases occur in the message, but names that are the writer's own people and, for
    what happens, words that are all public."""
    found = []
    for pattern in _present(item, message):
        for first, last in _occurrences(pattern, message):
            if pattern.character is not None and _mine(lexicon, first, message):
                continue
            if item.evidence and all(i in _public_words(lexicon, message) for i in range(first, last + 1)):
                continue
            found.append(Occurrence(first, last, name=pattern.character is not None))
    return found


def nearest(
    occurrences: Sorted, chosen: Sequence[Occurrence], groups: Sequence[int], window: int
) -> Occurrence | None:
    """The occurrence that keeps the match tightest: same sentence, within the window, sharing no word."""
    group = groups[chosen[0].first]
    first = min(o.first for o in chosen)
    last = max(o.last for o in chosen)
    best, best_width = None, window + 1
    for occurrence in occurrences.near(first, last, window):
        if groups[occurrence.first] != group:
            continue
        if any(
            occurrence.first <= o.last and o.first <= occurrence.last and not (occurrence.name and o.name)
            for o in chosen
        ):
            continue
        width = max(last, occurrence.last) - min(first, occurrence.first)
        if width < best_width:
            best, best_width = occurrence, width
    return best


def _matches(lexicon: CompiledLexicon, rule: CompiledRule, message: Message) -> list[tuple[int, int]]:
    positions = message.positions
    if any(item.slots.isdisjoint(positions) for item in rule.items):
        return []  # some item has none of its first words here: nothing to look at closely
    found: list[Sorted] = []
    for item in rule.items:
        occurrences = item_occurrences(lexicon, item, message)
        if not occurrences:
            return []
        found.append(Sorted(occurrences))
    anchor = min(range(len(found)), key=lambda i: (not rule.items[i].evidence, len(found[i].items)))
    everything = Sorted([o for item in found for o in item.items])
    matches: list[tuple[int, int]] = []
    for start in found[anchor].items:
        chosen = [start]
        for index, candidates in enumerate(found):
            if index != anchor:
                best = nearest(candidates, chosen, message.groups, rule.window)
                if best is None:
                    break
                chosen.append(best)
        else:
            first, last = _grow(chosen, everything, message.groups, rule.window)
            if matches and first <= matches[-1][1]:  # overlapping matches of one rule are one span
                matches[-1] = (min(matches[-1][0], first), max(matches[-1][1], last))
            else:
                matches.append((first, last))
    return matches


def _occurrences(pattern: Pattern, message: Message) -> list[tuple[int, int]]:
    positions = message.positions
    if len(pattern.slots) == 1:
        return [(index, index) for index in positions.get(pattern.slots[0], ())]
    found = [(index, index) for index in positions.get(pattern.joined, ())]
    first, *rest = pattern.slots
    for index in positions.get(first, ()):
        if all(index + offset in positions.get(slot, ()) for offset, slot in enumerate(rest, start=1)):
            found.append((index, index + len(rest)))
    return found


def _mine(lexicon: CompiledLexicon, first: int, message: Message) -> bool:
    """True when the words before a name make it the writer's own person ("my friend charlie")."""
    return any(
        size <= first and tuple(message.keys[first - size : first]) in lexicon.not_after
        for size in lexicon.not_after_sizes
    )


def _present(item: Item, message: Message) -> set[Pattern]:
    """The item's patterns whose rarest word (or joined form) is in the message."""
    return {pattern for slot in message.positions for pattern in item.by_slot.get(slot, ())}


def _public_words(lexicon: CompiledLexicon, message: Message) -> set[int]:
    """The words that cannot say what happens: public words, and every word of a public statement."""
    if message.public is None:
        message.public = {
            index
            for pattern in _present(lexicon.public, message)
            for first, last in _occurrences(pattern, message)
            for index in range(first, last + 1)
        }
    return message.public


def _grow(
    chosen: Sequence[Occurrence], everything: Sorted, groups: Sequence[int], window: int
) -> tuple[int, int]:
    """A match's extent, taking in the rule's other words nearby: "charlie fainted at the louvre", whole."""
    group = groups[chosen[0].first]
    first = min(o.first for o in chosen)
    last = max(o.last for o in chosen)
    nearby = everything.near(first, last, window)
    for occurrence in sorted(nearby, key=lambda o: abs(o.first - first)):
        if (
            groups[occurrence.first] == group
            and max(last, occurrence.last) - min(first, occurrence.first) <= window
        ):
            first, last = min(first, occurrence.first), max(last, occurrence.last)
    return first, last
