from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot.canon.models import EpisodeCode
from bot.sandbox.limits import embed_problems
from bot.spoilers import (
    NOTHING_WATCHED,
    Document,
    Joined,
    Mode,
    Reader,
    Rendered,
    Section,
    Tagged,
    describe_level,
    render_pages,
    render_text,
    spoilered_parts,
    visible_text,
    wrap,
)
from bot.spoilers.layout import FOOTER_ROOM

S1E8, S2E3, S2E4, S2E5 = (EpisodeCode(1, 8), EpisodeCode(2, 3), EpisodeCode(2, 4), EpisodeCode(2, 5))
ZWSP = "\u200b"
KISS = Tagged("Nick and Charlie kiss at the party", S2E4)


def reader(level: EpisodeCode, mode: Mode = Mode.WRAP) -> Reader:
    return Reader(level=level, mode=mode)


def one_page(document: Document, who: Reader) -> Rendered:
    """The page a document short enough for one is rendered as."""
    [page] = render_pages(document, who)
    return page


def as_embed(rendered: Rendered) -> dict[str, Any]:
    embed: dict[str, Any] = {
        "title": rendered.title,
        "description": rendered.description,
        "fields": [{"name": f.name, "value": f.value} for f in rendered.fields],
    }
    if rendered.footer is not None:
        embed["footer"] = {"text": rendered.footer}
    return embed


def seen(rendered: Rendered) -> str:
    """Everything a reader of the rendered embed sees without clicking a spoiler."""
    texts = [rendered.title, rendered.description, *(f.name for f in rendered.fields)]
    texts += [f.value for f in rendered.fields]
    return "\n".join(visible_text(text) for text in texts)


def is_one_spoiler(text: str) -> bool:
    return len(spoilered_parts(text)) == 1 and not visible_text(text).strip()


# One field, several tags ----------------------------------------------------------------------------------

SEASONS = Joined((Tagged("S1 ✓", S1E8), Tagged("S2 ✓", S2E4), Tagged("S3 ✗", S2E5)))


def test_each_part_of_a_joined_value_is_wrapped_on_its_own() -> None:
    rendered = one_page(Document(Tagged("T"), "T", facts=(("Seasons", SEASONS),)), reader(S2E4))
    assert rendered.fields[0].value == "S1 ✓ · S2 ✓ · ||S3 ✗||"


@pytest.mark.parametrize("separator", ["||", "|", "[a](https://x.io)", "\\", "`"])
def test_no_separator_can_open_or_swallow_the_next_parts_spoiler(separator: str) -> None:
    value = Joined((Tagged("shown |"), Tagged("later", S2E5), Tagged("| also later", S2E5)), separator)
    rendered = one_page(Document(Tagged("T"), "T", facts=(("F", value),)), reader(S2E4))
    assert "later" not in visible_text(rendered.fields[0].value)
    assert spoilered_parts(rendered.fields[0].value)[-2:] == ["later", "\u200b| also later"]


def test_hide_mode_leaves_out_the_later_parts_of_a_joined_value_and_counts_them() -> None:
    rendered = one_page(Document(Tagged("T"), "T", facts=(("Seasons", SEASONS),)), reader(S1E8, Mode.HIDE))
    assert rendered.fields[0].value == "S1 ✓"
    assert rendered.hidden == 2


def test_a_joined_value_left_out_whole_drops_its_field() -> None:
    rendered = one_page(
        Document(Tagged("T"), "T", facts=(("Seasons", SEASONS),)), reader(NOTHING_WATCHED, Mode.HIDE)
    )
    assert rendered.fields == ()
    assert rendered.hidden == 3


# Levels ---------------------------------------------------------------------------------------------------


def test_spoiler_free_text_is_visible_to_someone_who_watched_nothing() -> None:
    assert reader(NOTHING_WATCHED).can_see(None)
    assert not reader(NOTHING_WATCHED).can_see(EpisodeCode(1, 1))


@pytest.mark.parametrize(("level", "expected"), [(S2E3, False), (S2E4, True), (S2E5, True), (S1E8, False)])
def test_a_reader_sees_everything_up_to_their_level(level: EpisodeCode, expected: bool) -> None:
    assert reader(level).can_see(S2E4) is expected


def test_levels_are_described_as_users_read_them() -> None:
    assert describe_level(NOTHING_WATCHED) == "nothing yet"
    assert describe_level(S2E3) == "S2E3"


# render_text ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "mode", "expected"),
    [
        (S2E3, Mode.WRAP, "||Nick and Charlie kiss at the party||"),
        (S2E3, Mode.HIDE, None),
        (S2E4, Mode.WRAP, "Nick and Charlie kiss at the party"),
        (S2E4, Mode.HIDE, "Nick and Charlie kiss at the party"),
        (S2E5, Mode.WRAP, "Nick and Charlie kiss at the party"),
        (S2E5, Mode.HIDE, "Nick and Charlie kiss at the party"),
    ],
)
def test_a_piece_is_shown_wrapped_or_left_out_by_level_and_mode(
    level: EpisodeCode, mode: Mode, expected: str | None
) -> None:
    assert render_text(KISS, reader(level, mode)) == expected


@pytest.mark.parametrize("mode", list(Mode))
def test_spoiler_free_text_is_never_wrapped(mode: Mode) -> None:
    piece = Tagged("Season 2 is about exams, a school trip to Paris and prom")
    assert render_text(piece, reader(NOTHING_WATCHED, mode)) == piece.text


# Titles ---------------------------------------------------------------------------------------------------


def title_document(title: Tagged) -> Document:
    return Document(title=title, title_fallback="Episode S2E4", summary=(Tagged("Runtime: 30 minutes"),))


@pytest.mark.parametrize("mode", list(Mode))
def test_a_title_the_reader_may_not_see_falls_back_and_is_never_wrapped(mode: Mode) -> None:
    rendered = one_page(title_document(Tagged("The Kiss at the Party", S2E4)), reader(S2E3, mode))
    assert rendered.title == "Episode S2E4"
    assert "Kiss" not in rendered.description
    assert rendered.hidden == 0
    assert rendered.wrapped == 0


def test_a_title_the_reader_may_see_is_shown() -> None:
    rendered = one_page(title_document(Tagged("The Kiss at the Party", S2E4)), reader(S2E4))
    assert rendered.title == "The Kiss at the Party"


def test_a_spoiler_free_title_is_shown_to_everyone() -> None:
    rendered = one_page(title_document(Tagged("Heartstopper")), reader(NOTHING_WATCHED))
    assert rendered.title == "Heartstopper"


# Documents ------------------------------------------------------------------------------------------------

BEATS = Section(
    heading="What happens",
    items=(
        Tagged("Charlie starts at Truham", EpisodeCode(1, 1)),
        Tagged("Nick kisses Charlie at Harry's party", S2E4),
        Tagged("They go to Paris together", S2E5),
    ),
)
EPISODE = Document(
    title=Tagged("Episode Four"),
    title_fallback="S2E4",
    summary=(Tagged("Released 3 August 2023"),),
    facts=(("Cast", Tagged("Kit Connor, Joe Locke")), ("Twist", Tagged("Imogen and Ben split", S2E5))),
    sections=(BEATS,),
    footer="Sources: Netflix",
)


def test_the_description_has_summary_then_a_section_with_bullets() -> None:
    rendered = one_page(EPISODE, reader(S2E5))
    assert rendered.description == (
        "Released 3 August 2023\n\n"
        "**What happens**\n"
        "• Charlie starts at Truham\n"
        "• Nick kisses Charlie at Harry's party\n"
        "• They go to Paris together"
    )
    assert rendered.fields[1].name == "Twist"
    assert rendered.footer == "Sources: Netflix"
    assert (rendered.hidden, rendered.wrapped) == (0, 0)


def test_wrap_mode_wraps_each_later_piece_whole_and_counts_them() -> None:
    rendered = one_page(EPISODE, reader(S2E3))
    assert "• ||Nick kisses Charlie at Harry's party||" in rendered.description
    assert "• ||They go to Paris together||" in rendered.description
    assert rendered.fields[1].value == "||Imogen and Ben split||"
    assert (rendered.hidden, rendered.wrapped) == (0, 3)
    assert "Paris together" not in seen(rendered)


def test_hide_mode_leaves_later_pieces_out_with_one_notice() -> None:
    rendered = one_page(EPISODE, reader(S2E3, Mode.HIDE))
    assert [f.name for f in rendered.fields] == ["Cast"]
    assert "Nick kisses" not in rendered.description
    assert "Paris" not in rendered.description
    assert rendered.description.endswith(
        "_3 details from episodes you haven't watched left out. "
        "Use /progress mode to show them as spoilers instead._"
    )
    assert (rendered.hidden, rendered.wrapped) == (3, 0)


def test_the_hide_notice_names_no_episode_and_is_singular_for_one() -> None:
    rendered = one_page(EPISODE, reader(S2E4, Mode.HIDE))
    notice = rendered.description.splitlines()[-1]
    assert notice.startswith("_2 details")
    one = one_page(Document(title=Tagged("x"), title_fallback="x", summary=(KISS,)), reader(S1E8, Mode.HIDE))
    assert one.description.startswith("_1 detail from")
    assert not re.search(r"S\d+E\d+", notice + one.description)


def test_no_notice_when_nothing_was_left_out() -> None:
    assert "left out" not in one_page(EPISODE, reader(S2E5, Mode.HIDE)).description


def test_a_section_with_everything_left_out_loses_its_heading_too() -> None:
    later = Section("Later", (Tagged("They go to Paris", S2E5),))
    document = Document(title=Tagged("x"), title_fallback="x", sections=(BEATS, later))
    rendered = one_page(document, reader(S2E4, Mode.HIDE))
    assert "**What happens**" in rendered.description
    assert "**Later**" not in rendered.description
    assert rendered.hidden == 2


def test_nothing_watched_in_wrap_mode_shows_only_spoiler_free_text() -> None:
    rendered = one_page(EPISODE, reader(NOTHING_WATCHED))
    assert rendered.title == "Episode Four"
    assert "Charlie" not in seen(rendered)
    assert "Released 3 August 2023" in seen(rendered)


# Wrapping and Discord's markdown --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "wrapped"),
    [
        ("Nick and Charlie", "||Nick and Charlie||"),
        ("Nick || Charlie", f"||Nick |{ZWSP}| Charlie||"),
        ("||already wrapped||", "||already wrapped||"),
        ("Nick ||kisses|| Charlie", "||Nick kisses Charlie||"),
        ("a ||| b", f"||a |{ZWSP}|{ZWSP}| b||"),
        ("says `hi` twice", "||says `hi` twice||"),
        ("code `a||b`", f"||code `a|{ZWSP}|b`||"),
        ("```py\nprint('hi')\nx = 1\n```", "||`print('hi') x = 1`||"),
        ("before ```\nsome `tick` here\n``` after", "||before ``some `tick` here`` after||"),
        ("see https://example.com/a_b.", "||see <https://example.com/a_b>.||"),
        ("see <https://example.com>", "||see <https://example.com>||"),
        ("[the post](https://example.com/p)", "||[the post](https://example.com/p)||"),
        ("hi <@123> <@&45> <#67>", "||hi <@123> <@&45> <#67>||"),
        ("so <:heart:123> <a:leaf:456> 💚🍂", "||so <:heart:123> <a:leaf:456> 💚🍂||"),
        ("👩‍❤️‍👨 é", "||👩‍❤️‍👨 é||"),
        ("ends in a backslash \\", f"||ends in a backslash \\{ZWSP}||"),
        ("|leading pipe", f"||{ZWSP}|leading pipe||"),
        ("trailing pipe|", f"||trailing pipe|{ZWSP}||"),
        ("|", f"||{ZWSP}|{ZWSP}||"),
        ("  spaced  ", "||  spaced  ||"),
    ],
)
def test_wrap_survives_markdown(text: str, wrapped: str) -> None:
    assert wrap(text) == wrapped
    assert is_one_spoiler(wrapped)


@pytest.mark.parametrize("text", ["", " ", "\n\t ", "|| ||"])
def test_blank_text_is_not_wrapped(text: str) -> None:
    assert not wrap(text).strip()
    assert spoilered_parts(wrap(text)) == []


def test_wrapping_twice_wraps_once() -> None:
    once = wrap("Nick || Charlie `x||y` https://example.com")
    assert wrap(once) == once


def test_a_bare_url_against_a_tag_would_swallow_it() -> None:
    # Discord's URL rule takes `|` too, which is why wrap turns bare URLs into <url>.
    assert spoilered_parts("see https://example.com||secret||") == []
    assert is_one_spoiler(wrap("https://example.com||secret||"))


def test_brackets_around_a_url_cannot_let_a_code_block_show() -> None:
    # Putting the bare URL in <...> changes which backticks pair up: here into a code block, which wrap
    # must flatten too (found by the property test below).
    text = "[](http://)```<```http://||\x1d```>```"
    assert is_one_spoiler(wrap(text))


def test_a_code_block_inside_a_spoiler_counts_as_visible() -> None:
    assert visible_text("||a ```\nsecret\n``` b||") == "```\nsecret\n```"
    assert is_one_spoiler(wrap("a ```\nsecret\n``` b"))


def test_an_escaped_pipe_does_not_open_a_spoiler() -> None:
    assert spoilered_parts("\\||not a spoiler||") == []
    assert spoilered_parts("a ||b|| c ||d||") == ["b", "d"]


def test_an_unmatched_backtick_in_visible_text_cannot_swallow_the_next_spoiler() -> None:
    document = Document(
        title=Tagged("x"),
        title_fallback="x",
        sections=(Section("Beats", (Tagged("a stray ` backtick"), Tagged("a ` secret ending", S2E5))),),
    )
    rendered = one_page(document, reader(S2E4))
    assert "secret" not in visible_text(rendered.description)
    assert "a stray \\` backtick" in rendered.description


def test_an_unpaired_tag_in_visible_text_cannot_pair_with_the_next_spoiler() -> None:
    document = Document(
        title=Tagged("x"),
        title_fallback="x",
        summary=(Tagged("this || that"), Tagged("the secret ending", S2E5)),
    )
    assert "secret" not in visible_text(one_page(document, reader(S2E4)).description)


# Discord's limits -----------------------------------------------------------------------------------------


def long_beat(number: int) -> Tagged:
    words = " ".join(f"beat{number}word{i}" for i in range(30))
    return Tagged(f"{words} `code` https://example.com/{number}", S2E5)


def test_forty_long_beats_in_pages_keep_every_beat_in_order_within_the_limits() -> None:
    beats = tuple(long_beat(n) for n in range(40))
    facts = (("Released", Tagged("3 August 2023")),)
    document = Document(
        Tagged("Season 2"), "Season 2", (Tagged("Eight episodes"),), facts, (Section("What happens", beats),)
    )
    pages = render_pages(document, reader(S2E4))
    assert len(pages) > 1
    assert all(embed_problems([as_embed(page)]) == [] for page in pages)
    parts = [part for page in pages for part in spoilered_parts(page.description)]
    assert [f"||{part}||" for part in parts] == [wrap(beat.text) for beat in beats]
    assert sum(page.wrapped for page in pages) == len(parts)
    assert all(page.description.startswith("**What happens**") for page in pages[1:])  # heading again
    assert [len(page.fields) for page in pages] == [1] + [0] * (len(pages) - 1)  # facts on the first page
    assert "…and" not in "".join(page.description for page in pages)
    assert pages[0].description.startswith("Eight episodes")


def test_in_hide_mode_the_first_page_says_what_was_left_out_of_all_of_them() -> None:
    beats = (*(long_beat(n) for n in range(30)), Tagged("later", S2E5))
    document = Document(Tagged("T"), "T", sections=(Section("What happens", beats),))
    pages = render_pages(document, reader(S2E4, Mode.HIDE))
    assert len(pages) == 1  # the 31 later beats are all left out
    assert pages[0].hidden == 31
    assert "31 details" in pages[0].description


def test_a_short_document_is_one_page() -> None:
    document = Document(Tagged("T"), "T", summary=(KISS,), sections=(Section("S", (Tagged("x"),)),))
    [page] = render_pages(document, reader(S2E4))
    assert page.description == "Nick and Charlie kiss at the party\n\n**S**\n• x"


def test_a_short_section_before_a_long_one_is_on_the_first_page() -> None:
    short = Section("Short", (Tagged("Nick wins the match", S2E5),))
    long = Section("Long", tuple(long_beat(n) for n in range(40)))
    document = Document(title=Tagged("x"), title_fallback="x", sections=(short, long))
    pages = render_pages(document, reader(S2E4))
    assert "||Nick wins the match||" in pages[0].description
    assert all(len(page.description) <= 4096 for page in pages)


def test_one_value_over_its_limit_is_shortened_at_a_word_before_wrapping() -> None:
    text = " ".join(f"word{i}" for i in range(400))  # about 2700 characters
    document = Document(title=Tagged("x"), title_fallback="x", facts=(("Plot", Tagged(text, S2E5)),))
    value = one_page(document, reader(S2E4)).fields[0].value
    assert len(value) <= 1024
    assert is_one_spoiler(value)
    inside = spoilered_parts(value)[0]
    assert inside.endswith("…")
    assert text.startswith(inside.removesuffix("…") + " ")


def test_a_single_beat_longer_than_the_description_is_shortened_not_cut_inside_its_tag() -> None:
    text = " ".join(f"word{i}" for i in range(1000))
    section = Section("S", (Tagged(text, S2E5),))
    rendered = one_page(Document(title=Tagged("x"), title_fallback="x", sections=(section,)), reader(S2E4))
    assert embed_problems([as_embed(rendered)]) == []
    assert spoilered_parts(rendered.description)[0].endswith("…")
    assert visible_text(rendered.description) == "**S**\n• "


def test_long_titles_labels_footers_and_many_facts_stay_within_limits() -> None:
    facts = tuple((f"Label {n} " + "l" * 300, Tagged("v" * 2000, S2E5)) for n in range(30))
    document = Document(
        title=Tagged("T " * 200), title_fallback="F", facts=facts, footer="f " * 1500, sections=(BEATS,)
    )
    rendered = one_page(document, reader(S2E4))
    assert embed_problems([as_embed(rendered)]) == []
    assert rendered.title.endswith("…")
    assert 0 < len(rendered.fields) <= 25
    assert all(is_one_spoiler(f.value) for f in rendered.fields)
    assert re.search(r"…and \d+ more$", rendered.description)


def test_without_a_footer_room_is_left_for_the_one_the_caller_adds() -> None:
    facts = tuple((f"Fact {n}", Tagged("v " * 500, S2E5)) for n in range(6))
    section = Section("What happens", tuple(long_beat(n) for n in range(40)))
    document = Document(title=Tagged("T " * 200), title_fallback="F", facts=facts, sections=(section,))
    pages = render_pages(document, reader(S2E4))
    footer = {"footer": {"text": "f" * FOOTER_ROOM}}
    assert all(embed_problems([as_embed(page) | footer]) == [] for page in pages)


# Properties -----------------------------------------------------------------------------------------------

MARKDOWN = [
    "||", "|", "`", "``", "```", "```py\n", "\\", "*", "**", "_", "~~", "<", ">", "[", "](", ")", "\n",
    " ", "#", "> ", "<@123>", "<:hs:123>", "[a](https://x.io)", "https://ex.com/p", "💚", "👩‍❤️‍👨",
    "e\u0301", ZWSP, "\u2028",
]  # fmt: skip
fragment = st.one_of(st.sampled_from(MARKDOWN), st.text(max_size=4))
markdownish = st.lists(fragment, max_size=30).map("".join)
long_markdownish = st.lists(fragment, min_size=200, max_size=260).map("".join)  # 500+ characters
any_text = st.one_of(markdownish, long_markdownish, st.text(), st.text(min_size=500, max_size=800))
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(any_text)
def test_wrapped_text_shows_nothing_and_is_one_spoiler(text: str) -> None:
    wrapped = wrap(text)
    assert not visible_text(wrapped).strip()
    assume(text.replace("|", "").strip())  # text that was only tags around blanks stays blank
    assert len(spoilered_parts(wrapped)) == 1


LEVELS = [None, EpisodeCode(1, 1), S1E8, S2E3, S2E4, S2E5, EpisodeCode(3, 8)]
tags = st.sampled_from(LEVELS)
readers = st.builds(
    Reader, level=st.sampled_from([NOTHING_WATCHED, *LEVELS[1:]]), mode=st.sampled_from(list(Mode))
)
noise = st.lists(st.sampled_from(MARKDOWN), max_size=4).map("".join)


@st.composite
def documents(draw: st.DrawFn) -> Document:
    """A small document in which every piece carries a distinct 12-character token between markdown."""
    counter = iter(range(1000))

    def piece() -> Tagged:
        text = f"{draw(noise)} QTOKEN{next(counter):04d}Z {draw(noise)}"
        return Tagged(text, draw(tags))

    def pieces(most: int) -> tuple[Tagged, ...]:
        return tuple(piece() for _ in range(draw(st.integers(0, most))))

    sections = tuple(Section(draw(noise), pieces(4)) for _ in range(draw(st.integers(0, 3))))
    if draw(st.booleans()):  # and now and then one long enough to need pages
        padding = "p" * draw(st.integers(60, 200))
        long = tuple(Tagged(f"{p.text} {padding}", p.reveals) for p in pieces(60))
        sections += (Section(draw(noise), long),)

    def value() -> Tagged | Joined:
        return (
            Joined(pieces(3), draw(st.sampled_from([" · ", ", ", draw(noise)])))
            if draw(st.booleans())
            else piece()
        )

    facts = tuple((draw(noise), value()) for _ in range(draw(st.integers(0, 3))))
    return Document(
        title=piece(),
        title_fallback=f"QFALLBACK00Z {draw(noise)}",
        summary=pieces(3),
        facts=facts,
        sections=sections,
    )


def token(piece: Tagged) -> str:
    found = re.search(r"QTOKEN\d{4}Z", piece.text)
    assert found is not None
    return found[0]


def all_pieces(document: Document) -> list[Tagged]:
    values = [value for _, value in document.facts]
    return [
        *document.summary,
        *(piece for value in values for piece in (value.parts if isinstance(value, Joined) else (value,))),
        *(item for section in document.sections for item in section.items),
    ]


@FAST
@given(documents(), readers)
def test_nothing_beyond_the_readers_level_is_visible(document: Document, who: Reader) -> None:
    for rendered in render_pages(document, who):
        visible = seen(rendered)
        for piece in all_pieces(document):
            if not who.can_see(piece.reveals):
                assert token(piece) not in visible
                assert piece.text not in visible or len(piece.text.strip()) < 12
        if not who.can_see(document.title.reveals):
            assert token(document.title) not in rendered.title
            assert rendered.title.startswith("QFALLBACK00Z")


@FAST
@given(documents(), readers)
def test_pieces_the_reader_may_see_are_not_behind_a_spoiler(document: Document, who: Reader) -> None:
    pages = render_pages(document, who)  # what lookups answer with: every piece is on one of the pages
    visible = "\n".join(seen(page) for page in pages)
    texts = [text for page in pages for text in (page.description, *(f.value for f in page.fields))]
    hidden = "\n".join(part for text in texts for part in spoilered_parts(text))
    for piece in all_pieces(document):
        if who.can_see(piece.reveals) and token(piece) in visible_text(piece.text):
            assert token(piece) in visible  # what the piece shows on its own, it shows on its page
        elif not who.can_see(piece.reveals) and who.mode is Mode.WRAP:
            assert token(piece) in hidden  # wrapped, not lost
    assert all(embed_problems([as_embed(page)]) == [] for page in pages)
