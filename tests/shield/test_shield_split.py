"""Cutting long reposts into messages Discord accepts, without showing or losing anything."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.spoilers import spoilered_parts, visible_text
from bot.spoilers.markdown import tokens
from bot.spoilers.split import split_message, split_text, wrap_in_pieces


def words(*texts: str) -> list[str]:
    return " ".join(texts).replace("\u200b", "").replace("||", "").split()


def test_text_that_fits_is_left_exactly_as_it_is() -> None:
    text = "  charlie, at the louvre \n"
    assert split_message(text) == [text]


def test_the_cut_falls_at_the_strongest_break_that_leaves_the_piece_half_full() -> None:
    text = "a" * 1200 + ". " + "b" * 500 + "\n" + "c" * 800
    assert split_message(text) == ["a" * 1200 + ". " + "b" * 500, "c" * 800]


def test_a_line_break_early_on_does_not_make_a_short_piece() -> None:
    text = "hi\n" + "word, " * 500
    first, *_ = split_message(text) or []
    assert len(first) > 1000


def test_spoilers_code_and_links_are_never_cut() -> None:
    spoiler = "||" + "hidden words " * 70 + "||"
    code = "```\n" + "print('x')\n" * 40 + "```"
    link = "[a link with many words " + "in it " * 20 + "](https://example.com/page)"
    text = " ".join(["chat about nothing."] * 80 + [spoiler, code, link] + ["more chat."] * 80)
    pieces = split_message(text)
    assert pieces is not None
    assert all(len(piece) <= 2000 for piece in pieces)
    assert sum(spoiler in piece for piece in pieces) == 1
    assert sum(code in piece for piece in pieces) == 1
    assert sum(link in piece for piece in pieces) == 1
    assert words(*pieces) == words(text)


def test_a_spoiler_longer_than_a_message_cannot_be_split_but_can_be_wrapped_whole_in_pieces() -> None:
    inside = "charlie fainting at the louvre, " * 100
    assert split_message(f"||{inside}||") is None
    pieces = wrap_in_pieces(f"||{inside}||")
    assert len(pieces) == 2
    assert all(len(piece) <= 2000 and len(spoilered_parts(piece)) == 1 for piece in pieces)
    assert all(visible_text(piece).strip() == "" for piece in pieces)
    assert words(*pieces) == words(inside)


def test_text_with_nothing_to_hide_is_cut_even_inside_a_long_code_block() -> None:
    text = "```\n" + "x = 1\n" * 600 + "```"
    pieces = split_text(text)
    assert all(len(piece) <= 2000 for piece in pieces)
    assert words(*pieces) == words(text)


def test_an_emoji_sequence_is_never_cut_in_two() -> None:
    family = "👩\u200d👩\u200d👧\u200d👦"
    pieces = split_text(family * 800, limit=1000)
    assert "".join(pieces) == family * 800
    assert all(not piece.startswith("\u200d") and not piece.endswith("\u200d") for piece in pieces)


FRAGMENTS = st.sampled_from(
    [
        "nick and charlie",
        "||a hidden line||",
        "`code | with a pipe`",
        "https://example.com/a_b",
        "<@123456789012345678>",
        "\\*not bold\\*",
        "[masked](https://example.com)",
        "```\nblock\n```",
        "emoji 🏳️‍🌈",
        "end.",
        "clause,",
        "\n",
        "\n\n",
    ]
)


@settings(max_examples=150, deadline=None)
@given(st.lists(FRAGMENTS, min_size=1, max_size=400), st.integers(min_value=80, max_value=2000))
def test_pieces_fit_keep_every_word_and_hide_exactly_what_was_hidden(
    fragments: list[str], limit: int
) -> None:
    text = " ".join(fragments)
    pieces = split_message(text, limit)
    if pieces is None:  # some construct was longer than the limit
        assert any(t.end - t.start > limit for t in tokens(text, links=True) if t.kind != "text")
        return
    assert all(0 < len(piece) <= limit for piece in pieces)
    assert words(*pieces) == words(text)
    assert [part for piece in pieces for part in spoilered_parts(piece)] == spoilered_parts(text)


@settings(max_examples=100, deadline=None)
@given(st.lists(FRAGMENTS, min_size=1, max_size=400), st.integers(min_value=80, max_value=2000))
def test_wrapped_pieces_fit_and_show_nothing(fragments: list[str], limit: int) -> None:
    text = " ".join(fragments)
    pieces = wrap_in_pieces(text, limit)
    assert all(len(piece) <= limit for piece in pieces)
    assert all(visible_text(piece).strip() == "" for piece in pieces)
