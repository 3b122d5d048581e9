"""Discord's documented limits, each checked at its boundary: at the limit passes, one over fails."""

from __future__ import annotations

from typing import Any

import pytest

from bot.sandbox.limits import (
    autocomplete_problems,
    command_problems,
    component_problems,
    embed_problems,
    message_problems,
    webhook_name_problems,
)


def button(custom_id: str = "b", **extra: Any) -> dict[str, Any]:
    return {"type": 2, "style": 1, "custom_id": custom_id, **extra}


def row(*components: dict[str, Any]) -> dict[str, Any]:
    return {"type": 1, "components": list(components)}


def select(**extra: Any) -> dict[str, Any]:
    return {"type": 3, "custom_id": "s", "options": [{"label": "a", "value": "a"}], **extra}


def slash(name: str = "ping", **extra: Any) -> dict[str, Any]:
    return {"type": 1, "name": name, "description": "Check the bot", **extra}


def option(name: str = "who", kind: int = 3, **extra: Any) -> dict[str, Any]:
    return {"type": kind, "name": name, "description": "An option", **extra}


# Messages ------------------------------------------------------------------------------------------------


def test_content_at_the_limit_passes_and_one_over_fails() -> None:
    assert message_problems({"content": "x" * 2000}) == []
    assert message_problems({"content": "x" * 2001}) == ["content: 2001 characters, limit 2000"]


@pytest.mark.parametrize(
    "body",
    [
        {"content": "hi"},
        {"embeds": [{"title": "t"}]},
        {"components": [row(button())]},
        {"attachments": [{"id": 0, "filename": "a.png"}]},
        {"sticker_ids": ["1"]},
        {"poll": {"question": {"text": "?"}, "answers": [{"poll_media": {"text": "a"}}]}},
        {"message_reference": {"type": 1, "message_id": "1", "channel_id": "2"}},
    ],
)
def test_a_new_message_with_any_one_kind_of_content_passes(body: dict[str, Any]) -> None:
    assert message_problems(body) == []


@pytest.mark.parametrize("body", [{}, {"content": ""}, {"content": "   "}, {"embeds": [], "components": []}])
def test_an_empty_new_message_fails_but_an_empty_edit_passes(body: dict[str, Any]) -> None:
    problems = message_problems(body)
    assert len(problems) == 1
    assert problems[0].startswith("body: a new message needs at least one of content, embeds")
    assert message_problems(body, creating=False) == []


def test_a_reply_reference_alone_is_not_a_message() -> None:
    assert message_problems({"message_reference": {"message_id": "1"}}) != []


def test_sticker_count() -> None:
    assert message_problems({"sticker_ids": ["1", "2", "3"]}) == []
    assert message_problems({"sticker_ids": ["1", "2", "3", "4"]}) == ["sticker_ids: 4 items, limit 3"]


def test_components_v2_messages_carry_only_components() -> None:
    layout = [{"type": 17, "components": [{"type": 10, "content": "hello"}]}]
    assert message_problems({"flags": 1 << 15, "components": layout}) == []
    assert message_problems({"flags": 1 << 15, "components": layout, "content": "hi"}) == [
        "content: not allowed with the IS_COMPONENTS_V2 flag"
    ]


def test_components_v2_lifts_the_row_limit_but_caps_the_total_at_40() -> None:
    rows = [row(button(f"b{i}")) for i in range(20)]  # 40 components: 20 rows of one button
    assert message_problems({"flags": 1 << 15, "components": rows}) == []
    problems = message_problems({"flags": 1 << 15, "components": [*rows, {"type": 14}]})
    assert problems == ["components: 41 components in all, limit 40"]


def test_message_problems_reach_into_embeds_and_components() -> None:
    body = {"embeds": [{"title": "t" * 257}], "components": [row(button(label="x" * 81))]}
    assert message_problems(body) == [
        "embeds[0].title: 257 characters, limit 256",
        "components[0].components[0].label: 81 characters, limit 80",
    ]


def test_a_body_that_is_not_an_object_is_reported_not_raised() -> None:
    assert message_problems([]) == ["body: expected an object, got list"]  # type: ignore[arg-type]
    assert message_problems({"content": 5, "embeds": {}}) == [
        "content: expected a string, got int",
        "embeds: expected a list, got dict",
    ]


# Embeds --------------------------------------------------------------------------------------------------


def test_embed_count() -> None:
    assert embed_problems([{"title": "t"}] * 10) == []
    assert embed_problems([{"title": "t"}] * 11) == ["embeds: 11 embeds, limit 10"]


@pytest.mark.parametrize(
    ("embed", "path", "limit"),
    [
        ({"title": "{}"}, "embeds[0].title", 256),
        ({"description": "{}"}, "embeds[0].description", 4096),
        ({"footer": {"text": "{}"}}, "embeds[0].footer.text", 2048),
        ({"author": {"name": "{}"}}, "embeds[0].author.name", 256),
        (
            {"fields": [{"name": "n", "value": "v"}, {"name": "{}", "value": "v"}]},
            "embeds[0].fields[1].name",
            256,
        ),
        ({"fields": [{"name": "n", "value": "{}"}]}, "embeds[0].fields[0].value", 1024),
    ],
)
def test_each_embed_text_at_its_limit_passes_and_one_over_fails(
    embed: dict[str, Any], path: str, limit: int
) -> None:
    def filled(value: Any, size: int) -> Any:
        if isinstance(value, dict):
            return {key: filled(item, size) for key, item in value.items()}
        if isinstance(value, list):
            return [filled(item, size) for item in value]
        return "x" * size if value == "{}" else value

    assert embed_problems([filled(embed, limit)]) == []
    assert embed_problems([filled(embed, limit + 1)]) == [f"{path}: {limit + 1} characters, limit {limit}"]


def test_embed_lengths_do_not_count_surrounding_whitespace() -> None:
    assert embed_problems([{"title": "  " + "x" * 256 + "\n"}]) == []


def test_field_count_and_required_parts() -> None:
    fields = [{"name": "n", "value": "v"}] * 25
    assert embed_problems([{"fields": fields}]) == []
    assert embed_problems([{"fields": [*fields, {"name": "n", "value": "v"}]}]) == [
        "embeds[0].fields: 26 fields, limit 25"
    ]
    assert embed_problems([{"fields": [{"name": "n"}]}]) == ["embeds[0].fields[0].value: required"]


def test_the_6000_total_is_summed_across_all_embeds() -> None:
    # Three embeds of 2000 characters each are each fine and together exactly at the limit.
    full = [
        {"description": "x" * 1000, "fields": [{"name": "n" * 200, "value": "v" * 800}]} for _ in range(3)
    ]
    assert embed_problems(full) == []
    over = [*full, {"title": "t"}]
    assert embed_problems(over) == ["embeds: 6001 characters of embed text in all, limit 6000"]


def test_the_total_counts_titles_footers_and_authors_too() -> None:
    embeds = [
        {"title": "t" * 256, "description": "d" * 4096, "footer": {"text": "f" * 1000}},
        {"author": {"name": "a" * 256}, "fields": [{"name": "n" * 200, "value": "v" * 193}]},
    ]
    assert sum(map(len, ["t" * 256, "d" * 4096, "f" * 1000, "a" * 256, "n" * 200, "v" * 193])) == 6001
    assert embed_problems(embeds) == ["embeds: 6001 characters of embed text in all, limit 6000"]


def test_embed_problems_use_the_path_they_are_given() -> None:
    assert embed_problems([{"title": "t" * 257}], path="data.embeds") == [
        "data.embeds[0].title: 257 characters, limit 256"
    ]


# Components ----------------------------------------------------------------------------------------------


def test_five_action_rows_pass_and_six_fail() -> None:
    rows = [row(button(f"b{i}")) for i in range(5)]
    assert component_problems(rows) == []
    assert component_problems([*rows, row(button("b5"))]) == ["components: 6 action rows, limit 5"]


def test_five_buttons_in_a_row_pass_and_six_fail() -> None:
    buttons = [button(f"b{i}") for i in range(5)]
    assert component_problems([row(*buttons)]) == []
    assert component_problems([row(*buttons, button("b5"))]) == [
        "components[0].components: 6 buttons, limit 5"
    ]


def test_a_select_menu_must_be_alone_in_its_row() -> None:
    assert component_problems([row(select())]) == []
    expected = ["components[0].components: a select menu must be alone in its action row"]
    assert component_problems([row(select(), button())]) == expected
    assert component_problems([row(select(), select(custom_id="t"))]) == expected


@pytest.mark.parametrize("kind", [5, 6, 7, 8])
def test_auto_populated_selects_take_no_options(kind: int) -> None:
    assert component_problems([row({"type": kind, "custom_id": "s"})]) == []
    assert component_problems([row({"type": kind, "custom_id": "s", "options": []})]) == [
        "components[0].components[0].options: only string selects take options"
    ]


def test_string_select_options() -> None:
    options = [{"label": f"l{i}", "value": f"v{i}"} for i in range(25)]
    assert component_problems([row(select(options=options))]) == []
    too_many = [*options, {"label": "x", "value": "x"}]
    assert component_problems([row(select(options=too_many))]) == [
        "components[0].components[0].options: 26 items, limit 25"
    ]
    assert component_problems([row({"type": 3, "custom_id": "s"})]) == [
        "components[0].components[0].options: required for a string select"
    ]


def test_select_values_and_placeholder() -> None:
    assert component_problems([row(select(min_values=0, max_values=25, placeholder="p" * 150))]) == []
    assert component_problems([row(select(min_values=26, max_values=0, placeholder="p" * 151))]) == [
        "components[0].components[0].placeholder: 151 characters, limit 150",
        "components[0].components[0].min_values: 26, must be 0-25",
        "components[0].components[0].max_values: 0, must be 1-25",
    ]


def test_button_label_and_custom_id_lengths() -> None:
    assert component_problems([row(button("c" * 100, label="l" * 80))]) == []
    assert component_problems([row(button("c" * 101, label="l" * 81))]) == [
        "components[0].components[0].label: 81 characters, limit 80",
        "components[0].components[0].custom_id: 101 characters, limit 100",
    ]
    assert component_problems([row(button(""))]) == [
        "components[0].components[0].custom_id: 0 characters, minimum 1"
    ]


def test_a_link_button_has_a_url_and_no_custom_id() -> None:
    link = {"type": 2, "style": 5, "label": "Docs", "url": "https://example.com"}
    assert component_problems([row(link)]) == []
    assert component_problems([row({**link, "custom_id": "x"})]) == [
        "components[0].components[0].custom_id: not allowed on a link button"
    ]
    assert component_problems([row({"type": 2, "style": 5, "label": "Docs"})]) == [
        "components[0].components[0].url: required"
    ]


def test_other_buttons_need_a_custom_id_and_no_url() -> None:
    assert component_problems([row({"type": 2, "style": 1, "label": "Go"})]) == [
        "components[0].components[0].custom_id: required"
    ]
    assert component_problems([row(button(url="https://example.com"))]) == [
        "components[0].components[0].url: not allowed on a style 1 button"
    ]


def test_premium_buttons_carry_only_an_sku() -> None:
    assert component_problems([row({"type": 2, "style": 6, "sku_id": "1"})]) == []
    assert component_problems([row({"type": 2, "style": 6, "custom_id": "x"})]) == [
        "components[0].components[0].sku_id: required for a premium button",
        "components[0].components[0].custom_id: not allowed on a premium button",
    ]


def test_custom_ids_are_unique_within_a_message() -> None:
    first, second = "components[0].components[0]", "components[1].components[0]"
    assert component_problems([row(button("same")), row(button("same"))]) == [
        f"{second}.custom_id: duplicate custom_id 'same', first at {first}"
    ]


def test_buttons_must_sit_in_a_row_and_rows_do_not_nest() -> None:
    assert component_problems([button()]) == [
        "components[0]: a type 2 component must be inside an action row"
    ]
    assert component_problems([row(row(button()))]) == [
        "components[0].components[0]: an action row cannot contain another action row"
    ]


def test_unknown_component_types_are_left_alone() -> None:
    assert component_problems([{"type": 99, "anything": True}, row({"type": 42})]) == []


# Application commands ------------------------------------------------------------------------------------


def test_a_plain_command_passes() -> None:
    assert command_problems([slash(options=[option(required=True), option("times", 4)])]) == []


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("Ping", "commands[0].name: 'Ping' must be lowercase"),
        ("two words", "commands[0].name: 'two words' has characters a command name cannot: ' '"),
        ("p" * 33, "commands[0].name: 33 characters, limit 32"),
        ("", "commands[0].name: 0 characters, minimum 1"),
        ("hey!", "commands[0].name: 'hey!' has characters a command name cannot: '!'"),
    ],
)
def test_bad_chat_input_names(name: str, problem: str) -> None:
    assert command_problems([slash(name)]) == [problem]


@pytest.mark.parametrize("name", ["p" * 32, "ποκεμον", "नमस्ते", "สวัสดี", "漢字", "set-up_2", "don't", "ß"])
def test_good_chat_input_names(name: str) -> None:
    assert command_problems([slash(name)]) == []


def test_context_menu_names_may_have_capitals_and_spaces() -> None:
    assert command_problems([{"type": 3, "name": "Report Message"}, {"type": 2, "name": "U" * 32}]) == []
    assert command_problems([{"type": 2, "name": "U" * 33}]) == ["commands[0].name: 33 characters, limit 32"]


def test_context_menus_have_an_empty_description_and_no_options() -> None:
    assert command_problems([{"type": 2, "name": "Hug", "description": ""}]) == []
    assert command_problems([{"type": 2, "name": "Hug", "description": "x", "options": [option()]}]) == [
        "commands[0].description: must be empty for a type 2 command",
        "commands[0].options: only chat-input commands take options",
    ]


def test_chat_input_description_is_1_to_100() -> None:
    assert command_problems([slash(description="d" * 100)]) == []
    assert command_problems([slash(description="d" * 101)]) == [
        "commands[0].description: 101 characters, limit 100"
    ]
    assert command_problems([slash(description="")]) == ["commands[0].description: 0 characters, minimum 1"]
    assert command_problems([{"type": 1, "name": "ping"}]) == ["commands[0].description: required"]


def test_localized_names_follow_the_same_rules() -> None:
    command = slash(name_localizations={"de": "Klingeln"}, description_localizations={"de": "d" * 101})
    assert command_problems([command]) == [
        "commands[0].name_localizations.de: 'Klingeln' must be lowercase",
        "commands[0].description_localizations.de: 101 characters, limit 100",
    ]


def test_option_names_and_descriptions_follow_the_command_rules() -> None:
    bad = option("Who Else", description="d" * 101)
    assert command_problems([slash(options=[bad])]) == [
        "commands[0].options[0].name: 'Who Else' has characters a command name cannot: ' '",
        "commands[0].options[0].name: 'Who Else' must be lowercase",
        "commands[0].options[0].description: 101 characters, limit 100",
    ]


def test_option_count() -> None:
    options = [option(f"o{i}") for i in range(25)]
    assert command_problems([slash(options=options)]) == []
    assert command_problems([slash(options=[*options, option("o25")])]) == [
        "commands[0].options: 26 options, limit 25"
    ]


def test_option_names_are_unique() -> None:
    assert command_problems([slash(options=[option("a"), option("a")])]) == [
        "commands[0].options[1].name: duplicate option name 'a', first at commands[0].options[0]"
    ]


def test_required_options_come_before_optional_ones() -> None:
    good = [option("a", required=True), option("b", required=False), option("c")]
    assert command_problems([slash(options=good)]) == []
    bad = [option("a"), option("b", required=True)]
    assert command_problems([slash(options=bad)]) == [
        "commands[0].options[1]: required option after an optional one"
    ]


def test_choices() -> None:
    choices = [{"name": "n" * 100, "value": "v" * 100}] + [{"name": f"c{i}", "value": i} for i in range(24)]
    assert command_problems([slash(options=[option(choices=choices)])]) == []
    too_many = [*choices, {"name": "x", "value": 1.5}]
    assert command_problems([slash(options=[option(choices=too_many)])]) == [
        "commands[0].options[0].choices: 26 choices, limit 25"
    ]
    bad = [{"name": "n" * 101, "value": "v" * 101}, {"name": "", "value": True}]
    assert command_problems([slash(options=[option(choices=bad)])]) == [
        "commands[0].options[0].choices[0].name: 101 characters, limit 100",
        "commands[0].options[0].choices[0].value: 101 characters, limit 100",
        "commands[0].options[0].choices[1].name: 0 characters, minimum 1",
        "commands[0].options[0].choices[1].value: expected a string or a number, got bool",
    ]


def test_choices_only_on_string_integer_and_number_options_without_autocomplete() -> None:
    choice = [{"name": "yes", "value": "yes"}]
    assert command_problems([slash(options=[option(kind=5, choices=choice)])]) == [
        "commands[0].options[0].choices: only string, integer and number options take choices"
    ]
    assert command_problems([slash(options=[option(choices=choice, autocomplete=True)])]) == [
        "commands[0].options[0].autocomplete: cannot be set together with choices"
    ]


def test_string_length_bounds() -> None:
    assert command_problems([slash(options=[option(min_length=0, max_length=6000)])]) == []
    assert command_problems([slash(options=[option(min_length=6001, max_length=0)])]) == [
        "commands[0].options[0].min_length: 6001, must be 0-6000",
        "commands[0].options[0].max_length: 0, must be 1-6000",
    ]


def test_valid_subcommand_nesting() -> None:
    leaf = option("show", 1, options=[option("n", 4, required=True)])
    group = option("volume", 2, options=[leaf])
    assert command_problems([slash("canon", options=[group, option("list", 1)])]) == []


def test_invalid_subcommand_nesting() -> None:
    assert command_problems([slash(options=[option("sub", 1), option("plain")])]) == [
        "commands[0].options: subcommands and groups cannot sit beside other options"
    ]
    group_in_group = option("outer", 2, options=[option("inner", 2, options=[option("leaf", 1)])])
    assert command_problems([slash(options=[group_in_group])]) == [
        "commands[0].options[0].options[0]: a subcommand group can hold only subcommands"
    ]
    group_in_sub = option("sub", 1, options=[option("group", 2, options=[option("leaf", 1)])])
    assert command_problems([slash(options=[group_in_sub])]) == [
        "commands[0].options[0].options[0]: a subcommand cannot hold subcommands or groups"
    ]


def test_command_names_are_unique_per_type() -> None:
    assert command_problems([slash("hug"), {"type": 2, "name": "hug"}]) == []
    assert command_problems([slash("hug"), slash("hug")]) == [
        "commands[1].name: duplicate type 1 command name 'hug', first at commands[0]"
    ]


def test_command_counts_per_type() -> None:
    chat = [slash(f"c{i}") for i in range(100)]
    users = [{"type": 2, "name": f"User {i}"} for i in range(5)]
    messages = [{"type": 3, "name": f"Message {i}"} for i in range(5)]
    assert command_problems(chat + users + messages) == []
    assert command_problems([*chat, slash("c100")]) == ["commands: 101 type 1 commands, limit 100"]
    assert command_problems([*users, {"type": 2, "name": "User 5"}]) == [
        "commands: 6 type 2 commands, limit 5"
    ]


# Autocomplete --------------------------------------------------------------------------------------------


def test_autocomplete_choices() -> None:
    choices = [{"name": f"n{i}", "value": f"v{i}"} for i in range(25)]
    assert autocomplete_problems({"choices": choices}) == []
    assert autocomplete_problems({"choices": []}) == []
    assert autocomplete_problems({"choices": [*choices, {"name": "x", "value": 1}]}) == [
        "choices: 26 choices, limit 25"
    ]
    assert autocomplete_problems({"choices": [{"name": "n" * 101, "value": ""}]}) == [
        "choices[0].name: 101 characters, limit 100",
        "choices[0].value: 0 characters, minimum 1",
    ]
    assert autocomplete_problems({}) == ["choices: required"]


# Webhooks ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Heartbot", "h", "w" * 80, "Nick & Charlie"])
def test_good_webhook_names(name: str) -> None:
    assert webhook_name_problems(name) == []


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("w" * 81, "name: 81 characters, limit 80"),
        ("", "name: 0 characters, minimum 1"),
        ("   ", "name: 0 characters, minimum 1"),
        ("Clyde", "name: 'Clyde' contains 'clyde'"),
        ("my DiScOrD hook", "name: 'my DiScOrD hook' contains 'discord'"),
    ],
)
def test_bad_webhook_names(name: str, problem: str) -> None:
    assert webhook_name_problems(name) == [problem]
