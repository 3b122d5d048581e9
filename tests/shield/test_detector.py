"""The shield's lexicon and detector: what counts as a plot detail, and how it is hidden."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from unittest.mock import create_autospec

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.detector import chat
from bot.canon import Canon, EpisodeCode
from bot.canon.lexicon import WORD, Lexicon, LexiconError, fold, load_lexicon
from bot.shield.detector import REFERENCE_RULE, SERVER_TERM_RULE, Detector, ServerTerm, Span
from bot.shield.detector.prefilter import WordFilter
from bot.spoilers import NOTHING_WATCHED, spoilered_parts, visible_text
from bot.spoilers.markdown import ZWSP, tokens
from tests import fan_corpus

S1E8, S2E4, S2E5, S2E6 = EpisodeCode(1, 8), EpisodeCode(2, 4), EpisodeCode(2, 5), EpisodeCode(2, 6)


@pytest.fixture(scope="module")
def lexicon(canon: Canon) -> Lexicon:
    return load_lexicon(canon)


@pytest.fixture(scope="module")
def detector(lexicon: Lexicon) -> Detector:
    return Detector(lexicon)


def episodes(detector: Detector, text: str) -> set[str]:
    return {str(span.reveals) for span in detector.find(text)}


def only_markers_added(original: str, wrapped: str) -> bool:
    """True when `wrapped` is `original` with nothing but `||` pairs and zero-width spaces put in."""
    inserted = wrapped.count("|") - original.count("|")
    stripped = wrapped.replace("|", "").replace(ZWSP, "")
    return inserted % 4 == 0 and stripped == original.replace("|", "").replace(ZWSP, "")


# -- the lexicon ----------------------------------------------------------------------------------------


def test_every_rule_reveals_an_episode_in_the_canon(canon: Canon, lexicon: Lexicon) -> None:
    known = {episode.code for episode in canon.episodes}
    assert lexicon.rules
    assert {rule.reveals for rule in lexicon.rules} <= known


def test_every_season_two_episode_has_rules(lexicon: Lexicon) -> None:
    covered = {rule.reveals for rule in lexicon.rules}
    assert {EpisodeCode(2, number) for number in range(1, 9)} <= covered


def test_every_rule_says_what_happens(lexicon: Lexicon) -> None:
    assert all(any(rule.evidence) for rule in lexicon.rules)


def test_the_lexicon_says_where_its_facts_come_from(lexicon: Lexicon) -> None:
    files = {name for source in lexicon.sources for name in source.files}
    assert {"episodes/season2.toml", "cast.toml", "show.toml"} <= files
    assert all(allowance.sources for allowance in lexicon.allowed)


def test_names_come_from_the_cast(lexicon: Lexicon) -> None:
    rule = next(rule for rule in lexicon.rules if rule.id == "charlie-faints")
    names = {phrase.words for phrase in rule.items[0] if phrase.character == "charlie"}
    assert ("charlie", "spring") in names  # cast.toml's name
    assert ("joe", "locke") in names  # the actor
    assert ("charlies",) in names  # "charlies mum", without the apostrophe
    assert ("charli",) in names  # the lexicon's own spelling
    assert ("charles",) not in names  # someone else


def test_fold_forgets_case_accents_quotes_and_stretched_letters() -> None:
    assert fold("STÉPHANE’s Sacré-Cœur") == fold("stephane sacre-coeur")
    assert fold("faaaainted") == fold("fainted")
    assert fold("Issac") == fold("isaac")


MINIMAL = """
[[rules]]
id = "charlie-faints"
reveals = "S2E5"
about = "Charlie faints."
all = ["{charlie}", "faint*"]

[[allowed]]
id = "promotion"
sources = ["notes"]
about = "The announcement."
words = ["prom"]

[[sources]]
id = "notes"
title = "Notes"
files = ["notes.txt"]
"""


def lexicon_problems(canon: Canon, tmp_path: Path, old: str, new: str) -> list[str]:
    (tmp_path / "notes.txt").write_text("notes\n")
    assert old in MINIMAL
    (tmp_path / "lexicon.toml").write_text(MINIMAL.replace(old, new, 1))
    with pytest.raises(LexiconError) as caught:
        load_lexicon(canon, tmp_path / "lexicon.toml")
    return caught.value.problems


def test_the_minimal_lexicon_loads(canon: Canon, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("notes\n")
    (tmp_path / "lexicon.toml").write_text(MINIMAL)
    assert [rule.id for rule in load_lexicon(canon, tmp_path / "lexicon.toml").rules] == ["charlie-faints"]


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        (
            '"{charlie}"',
            '"{charly}"',
            "data/lexicon.toml: rules[0].all[0]: "
            "{charly} is neither a character in cast.toml nor a group in [words]",
        ),
        (
            'reveals = "S2E5"',
            'reveals = "S4E1"',
            "data/lexicon.toml: rules[0].reveals: S4E1 is not an episode in the data",
        ),
        ('reveals = "S2E5"', 'reveal = "S2E5"', "data/lexicon.toml: rules[0].reveal: unknown field"),
        (
            '"faint*"',
            '"fa*"',
            "data/lexicon.toml: rules[0].all[1]: "
            "'fa*' is too short to be a stem: write at least 4 letters before *",
        ),
        (
            '"faint*"',
            '"prom"',
            "data/lexicon.toml: rules[0].all: every item is names, stand-ins such as 'he', "
            "or words the official promotion made public: add an item for what happens",
        ),
        (
            'files = ["notes.txt"]',
            'files = ["missing.txt"]',
            "data/lexicon.toml: sources[0].files: missing.txt is not a file in data/",
        ),
        (
            'sources = ["notes"]',
            'sources = ["gossip"]',
            "data/lexicon.toml: allowed[0].sources: 'gossip' is not in this file's [[sources]]",
        ),
        (
            "[[allowed]]",
            '[characters.charly]\nspellings = ["x"]\n\n[[allowed]]',
            "data/lexicon.toml: characters.charly: not a character in cast.toml",
        ),
        (
            "[[allowed]]",
            '[names]\nfrequent = ["nellie"]\n\n[[allowed]]',
            "data/lexicon.toml: names.frequent: 'nellie' is not a character in cast.toml",
        ),
    ],
)
def test_problems_name_the_file_and_field(
    canon: Canon, tmp_path: Path, old: str, new: str, problem: str
) -> None:
    assert problem in lexicon_problems(canon, tmp_path, old, new)


def test_a_repeated_rule_id_is_reported(canon: Canon, tmp_path: Path) -> None:
    rule = MINIMAL.split("[[allowed]]")[0]
    found = lexicon_problems(canon, tmp_path, "[[allowed]]", rule + "\n[[allowed]]")
    assert "data/lexicon.toml: rules[1].id: 'charlie-faints' is listed twice" in found


def test_a_group_that_refers_to_itself_is_reported(canon: Canon, tmp_path: Path) -> None:
    found = lexicon_problems(canon, tmp_path, "[[allowed]]", '[words]\nloop = ["{loop} | x"]\n\n[[allowed]]')
    assert any(line.startswith("data/lexicon.toml: words.loop: refers back to itself") for line in found)


# -- finding plot details -------------------------------------------------------------------------------


def test_a_plot_detail_is_found_with_its_episode_and_rule(detector: Detector) -> None:
    text = "charlie fainted at the louvre"
    [span] = detector.find(text)
    assert span == Span(0, len(text), S2E5, "charlie-faints")


@pytest.mark.parametrize(
    "text",
    [
        "CHARLIE FAINTED AT THE LOUVRE!!!",
        "charlie fainted at the louvre 😭😭😭",
        "charlieeee faaaainted at the louvre",
        "Charlie’s fainting at the Louvre",
        "omg. charlie. fainting. at the louvre.",
        "chralie fianted at the lourve",
        "charlie feinted in paris",
        "charlie passed out",
        "“charlie fainted” 💀",
        "charlie_fainted_at_the_louvre",
    ],
)
def test_case_punctuation_quotes_emoji_and_typos_do_not_matter(detector: Detector, text: str) -> None:
    assert episodes(detector, text) == {"S2E5"}


def test_a_misspelt_name_is_still_the_character(detector: Detector) -> None:
    assert episodes(detector, "issac kissed james in the corridor") == {"S2E6"}


@pytest.mark.parametrize(
    ("text", "episode"),
    [
        ("s2e5 when they kissed 😭", "S2E5"),
        ("in 2x06 nick tells everyone", "S2E6"),
        ("season 3 episode 7 they finally slept together", "S3E7"),
        ("ep 5 of season 2 when he collapsed", "S2E5"),
    ],
)
def test_an_episode_reference_next_to_an_event_reveals_that_episode(
    detector: Detector, text: str, episode: str
) -> None:
    assert episode in episodes(detector, text)
    assert any(span.rule == REFERENCE_RULE for span in detector.find(text))


@pytest.mark.parametrize(
    "text",
    [
        "is s2e5 good?",
        "just finished s2e4 no spoilers pls",
        "when does season 3 come out??",
        "s2e5 made me cry",
    ],
)
def test_an_episode_reference_alone_reveals_nothing(detector: Detector, text: str) -> None:
    assert detector.find(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "netflix confirmed season 2 has exams, a school trip to paris and prom!!",
        "I'm in Paris this week, any food recs?",
        "prom is on friday",
        "please add a CW for self-harm",
        "the s3 synopsis says charlie wants to tell nick he loves him 😭",
        "jonathan bailey is in season 3 as jack maddox???",
    ],
)
def test_what_the_promotion_made_public_and_everyday_words_are_not_spoilers(
    detector: Detector, text: str
) -> None:
    assert detector.find(text) == []


def test_a_name_after_my_friend_is_the_writers_friend(detector: Detector) -> None:
    assert detector.find("my friend charlie fainted at school today, she's fine now") == []
    assert episodes(detector, "charlie fainted at school today") == {"S2E5"}


def test_words_in_different_sentences_do_not_combine(detector: Detector) -> None:
    assert detector.find("my cousin fainted at the gym yesterday. charlie is so cute though") == []


@pytest.mark.parametrize(
    "text",
    [
        "||charlie fainted at the louvre||",
        "the `charlie fainted at the louvre` bit",
        "```\ncharlie fainted at the louvre\n```",
        "https://example.com/charlie_fainted_at_the_louvre",
        "[charlie fainted at the louvre](https://example.com)",
        "<:charlie_fainted_louvre:123456789012345678>",
    ],
)
def test_text_already_hidden_or_not_prose_is_left_alone(detector: Detector, text: str) -> None:
    assert detector.find(text) == []


def test_spans_are_in_order_and_point_into_the_text(detector: Detector) -> None:
    text = "nick came out to his dad. also charlie fainted at the louvre"
    spans = detector.find(text)
    assert [span.start for span in spans] == sorted(span.start for span in spans)
    assert [text[span.start : span.end] for span in spans] == [
        "nick came out to his dad",
        "charlie fainted at the louvre",
    ]


def test_beyond_keeps_what_a_reader_has_not_watched(detector: Detector) -> None:
    text = "nick came out to his mum, and charlie fainted at the louvre"
    assert {str(span.reveals) for span in detector.beyond(text, NOTHING_WATCHED)} == {"S1E8", "S2E5"}
    assert [str(span.reveals) for span in detector.beyond(text, S2E4)] == ["S2E5"]
    assert detector.beyond(text, S2E5) == []


def test_a_server_term_is_found_with_its_episode(lexicon: Lexicon) -> None:
    detector = Detector(lexicon, [ServerTerm("the big reveal", S2E6), ServerTerm("  🙈  ", S2E6)])
    [span] = detector.find("omg THE BIG REVEAL lol")
    assert (span.start, span.end, span.reveals) == (4, 18, S2E6)
    assert span.rule == f"{SERVER_TERM_RULE}:the big reveal"


def test_one_servers_terms_are_not_found_for_another(lexicon: Lexicon) -> None:
    mine = Detector(lexicon, [ServerTerm("pineapple pizza", S2E6)])
    theirs = Detector(lexicon, [ServerTerm("hockey stick", S2E6)])
    assert [span.rule for span in mine.find("pineapple pizza and a hockey stick")] == [
        f"{SERVER_TERM_RULE}:pineapple pizza"
    ]
    assert [span.rule for span in theirs.find("pineapple pizza and a hockey stick")] == [
        f"{SERVER_TERM_RULE}:hockey stick"
    ]
    assert Detector(lexicon).find("pineapple pizza and a hockey stick") == []


def test_the_lexicon_is_compiled_once_however_often_it_is_loaded(canon: Canon, lexicon: Lexicon) -> None:
    again = load_lexicon(canon)
    assert again is not lexicon
    shared = Detector(lexicon).compiled
    assert Detector(again).compiled is shared
    with_terms = Detector(lexicon, [ServerTerm("pineapple pizza", S2E6)]).compiled
    assert with_terms is not shared  # a server's terms go on a copy: the shared lexicon is left as it was
    assert with_terms.rules[: len(shared.rules)] == shared.rules
    assert len(with_terms.rules) == len(shared.rules) + 1


def test_the_prefilter_stops_only_messages_the_rules_would_not_catch(lexicon: Lexicon) -> None:
    filtered = Detector(lexicon)
    unfiltered = Detector(lexicon)
    unfiltered.compiled = copy.copy(filtered.compiled)
    # A prefilter that stops nothing: every message is read word by word and every rule tried.
    everything = create_autospec(WordFilter, instance=True)
    everything.matches.return_value = True
    unfiltered.compiled.prefilter = unfiltered.compiled.event_filter = everything
    unfiltered.compiled.quiet, unfiltered.compiled.checked = set(), set()  # no word starts nothing
    corpus = tomllib.loads((Path(__file__).parents[1] / "data" / "shield_corpus.toml").read_text())
    texts = [message["text"] for message in corpus["messages"]]
    texts += [sentence.text for split in fan_corpus.SPLITS for sentence in fan_corpus.load(split)]
    texts += chat(3000, seed=3)[0]
    caught = 0
    for text in texts:
        found = filtered.find(text)
        assert found == unfiltered.find(text), text
        caught += bool(found)
    assert 0.05 < caught / len(texts) < 0.95  # both kinds of message were read


def test_a_misspelt_server_term_is_still_found(lexicon: Lexicon) -> None:
    detector = Detector(lexicon, [ServerTerm("porcelain cat", EpisodeCode(3, 6))])
    assert [str(span.reveals) for span in detector.find("the porcelian cat!!")] == ["S3E6"]


# -- wrapping -------------------------------------------------------------------------------------------


def test_an_emoji_after_the_clause_stays_outside(detector: Detector) -> None:
    assert detector.wrap("charlie fainting at the louvre 😭", S2E4) == "||charlie fainting at the louvre|| 😭"


def test_nothing_beyond_the_level_leaves_the_text_unchanged(detector: Detector) -> None:
    text = "nick came out to his mum 🥹"
    assert detector.wrap(text, S1E8) == text


def test_only_the_clause_holding_the_spoiler_is_wrapped(detector: Detector) -> None:
    text = "i loved the paris episodes, charlie fainting at the louvre broke me. anyway hi"
    assert detector.wrap(text, S2E4) == (
        "i loved the paris episodes, ||charlie fainting at the louvre broke me.|| anyway hi"
    )


def test_a_quoted_line_is_wrapped_on_its_own(detector: Detector) -> None:
    text = "“food is the only thing i can control” that line destroyed me"
    assert detector.wrap(text, S2E4) == "||“food is the only thing i can control”|| that line destroyed me"


def test_adjacent_spoiler_clauses_merge(detector: Detector) -> None:
    text = "CHARLIE FAINTED, nick came out to his dad, tao asked elle to be his gf"
    assert detector.wrap(text, S2E4) == f"||{text}||"


def test_a_line_prefix_stays_outside(detector: Detector) -> None:
    assert detector.wrap("> charlie fainted at the louvre", S2E4) == "> ||charlie fainted at the louvre||"


def test_pipes_and_backslashes_cannot_break_the_markers(detector: Detector) -> None:
    assert detector.wrap("lol || charlie fainted", S2E4) == f"||lol |{ZWSP}| charlie fainted||"
    assert detector.wrap("charlie fainted|", S2E4) == f"||charlie fainted|{ZWSP}||"
    assert detector.wrap("charlie fainted\\", S2E4) == f"||charlie fainted\\{ZWSP}||"


def test_existing_spoilers_code_and_links_are_never_entered(detector: Detector) -> None:
    text = "||nick came out|| `x` and charlie fainted at the louvre https://example.com/a"
    wrapped = detector.wrap(text, S2E4)
    assert wrapped == "||nick came out|| ||`x` and charlie fainted at the louvre|| https://example.com/a"
    assert spoilered_parts(wrapped) == ["nick came out", "`x` and charlie fainted at the louvre"]


def test_emphasis_is_never_cut_in_two(detector: Detector) -> None:
    wrapped = detector.wrap("*omg. charlie fainted* at the louvre", S2E4)
    assert wrapped == "||*omg. charlie fainted* at the louvre||"


SPOILERS = [
    "charlie fainted at the louvre",
    "nick came out to his dad at dinner",
    "tao asked elle to be his girlfriend",
    "the hickey 💀 everyone thought it was james",
    "“food is the only thing i can control”",
    "darcy's mum is so homophobic",
]
CHATTER = [
    "omg",
    "anyway",
    "i'm in paris this week",
    "my friend charlie says hi",
    "prom is friday",
    "😭",
    "lol",
]
DECORATIONS = [
    "{}",
    "**{}**",
    "*{}*",
    "_{}_",
    "__{}__",
    "~~{}~~",
    "> {}",
    "- {}",
    "# {}",
    '"{}"',
    "`code` {}",
    "{} https://example.com/x",
    "https://example.com/y {}",
    "||old|| {}",
    "{}\\",
    "\\*{}\\*",
    "<@123456789012345678> {}",
    "{} <:sob:123456789012345678>",
    "[link](https://example.com) {}",
    "```\nblock\n``` {}",
    "{} |",
    "| {}",
]
SEPARATORS = [" ", ". ", ", ", "\n", " 😭 ", "! ", " | "]


@st.composite
def chat_messages(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.sampled_from(SPOILERS + CHATTER), min_size=1, max_size=4))
    decorated = [draw(st.sampled_from(DECORATIONS)).format(part) for part in parts]
    text = decorated[0]
    for part in decorated[1:]:
        text += draw(st.sampled_from(SEPARATORS)) + part
    return text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=chat_messages())
def test_wrapping_hides_every_span_and_keeps_every_word(detector: Detector, text: str) -> None:
    spans = detector.beyond(text, NOTHING_WATCHED)
    wrapped = detector.wrap(text, NOTHING_WATCHED)
    if not spans:
        assert wrapped == text
        return
    assert only_markers_added(text, wrapped), wrapped
    shown = {fold(word) for word in WORD.findall(visible_text(wrapped))}
    for word in words_only_inside(text, spans):
        assert fold(word) not in shown, (word, wrapped)


def words_only_inside(text: str, spans: list[Span]) -> set[str]:
    """The prose words that occur only inside spans: none of them may show once the text is wrapped.

    Links, code and existing spoilers are left as they are, even when a span runs across one.
    """
    prose = [(t.start, t.end) for t in tokens(text, links=True) if t.kind == "text"]
    inside, outside = set(), set()
    for match in WORD.finditer(text):
        if any(start <= match.start() < end for start, end in prose):
            hidden = any(span.start <= match.start() < span.end for span in spans)
            (inside if hidden else outside).add(fold(match.group()))
    return inside - outside


def test_every_corpus_spoiler_wraps_by_adding_markers_only(detector: Detector) -> None:
    corpus = tomllib.loads((Path(__file__).parents[1] / "data" / "shield_corpus.toml").read_text())
    for message in corpus["messages"]:
        wrapped = detector.wrap(message["text"], NOTHING_WATCHED)
        assert only_markers_added(message["text"], wrapped), wrapped


# -- reading as fans write --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("his brother is the worst for outing him like that", "david-outs-nick"),  # a role, no name
        ("nick's brother outing him at dinner", "david-outs-nick"),
        ("charlie self harms", "self-harm"),
        ("nick hits harry", "nick-punches-harry"),  # "hits": the family of "hit"
        ("telle is canon!!", "tao-elle-official"),  # a ship name stands for both
        ("imogen is a lesbian now?!", "imogen-is-queer"),  # a state, no event word
        (
            "at dinner with his dad and david there nick really just went and came out",
            "family-dinner",
        ),
    ],
)
def test_fan_writing_is_read(detector: Detector, text: str, rule: str) -> None:
    assert rule in {span.rule for span in detector.find(text)}


def test_a_role_word_is_the_writers_own_after_my(detector: Detector) -> None:
    assert detector.find("my brother is the worst for outing me like that") == []


def test_a_role_word_follows_the_nearest_owner_named_before_it(detector: Detector) -> None:
    # Darcy's rule needs Darcy: "her girlfriend" after Tara is Darcy, after Charlie nobody
    for text in ("tara and her girlfriend is non binary now", "tara's girlfriend is non binary"):
        assert {s.rule for s in detector.find(text)} == {"darcy-non-binary"}, text
    assert detector.find("charlie's girlfriend is non binary") == []


def test_a_doubled_letter_that_no_name_has_is_another_word(detector: Detector) -> None:
    # "been" folds to "ben": it must not be Ben kissing anyone
    assert detector.find("have you been kissing anyone") == []
    stretched = detector.find("beeen kissed charlie and he didnt want it")
    assert "ben-kisses-charlie" in {s.rule for s in stretched}
    assert detector.find("isaac reading asexuality books") != []  # a name that has the double letter


def test_an_everyday_word_one_letter_from_a_name_is_never_that_name(detector: Detector) -> None:
    assert detector.find("she sings and signs the coach form") == []  # Singh's, one letter off


def test_a_sentence_wide_rule_reaches_across_the_sentence_but_not_past_it(detector: Detector) -> None:
    far = "his brother, who came home from uni for the weekend and ate all the food, was outing him"
    assert {s.rule for s in detector.find(far)} == {"david-outs-nick"}
    apart = "his brother came home from uni. the team was outing him"
    assert "david-outs-nick" not in {s.rule for s in detector.find(apart)}
