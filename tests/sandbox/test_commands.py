"""What a user types becomes the interaction data Discord would send, or a clear refusal."""

from __future__ import annotations

from typing import Any

import pytest

from bot.sandbox.commands import ScriptError, command_data

COMMANDS: list[dict[str, Any]] = [
    {"id": "10", "name": "help", "type": 1, "description": "Help.", "options": []},
    {
        "id": "11",
        "name": "progress",
        "type": 1,
        "description": "Progress.",
        "options": [
            {
                "type": 1,
                "name": "set",
                "description": "Set it.",
                "options": [
                    {"type": 3, "name": "episode", "description": "Code.", "required": True},
                    {"type": 5, "name": "quiet", "description": "Quiet."},
                ],
            },
            {"type": 1, "name": "show", "description": "Show it.", "options": []},
        ],
    },
    {
        "id": "12",
        "name": "party",
        "type": 1,
        "description": "Parties.",
        "options": [
            {"type": 3, "name": "title", "description": "Title.", "required": True},
            {"type": 4, "name": "episodes", "description": "How many."},
            {"type": 6, "name": "host", "description": "Who."},
            {"type": 7, "name": "where", "description": "Where."},
            {
                "type": 3,
                "name": "mode",
                "description": "Mode.",
                "choices": [{"name": "Wrap", "value": "wrap"}, {"name": "Hide", "value": "hide"}],
            },
        ],
    },
]


class FakeGuild:
    """Names to payloads, as the sandbox resolves them."""

    def resolve_user(self, name: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
        return {"id": "500", "username": name}, {"roles": []}

    def resolve_channel(self, name: str) -> dict[str, Any]:
        return {"id": "600", "name": name, "type": 0}

    def resolve_role(self, name: str) -> dict[str, Any] | None:
        return None


def data(text: str) -> dict[str, Any]:
    return command_data(COMMANDS, text, FakeGuild())


def test_plain_command() -> None:
    assert data("/help") == {"id": "10", "name": "help", "type": 1, "options": []}


def test_subcommand_with_options() -> None:
    assert data("progress set episode:S2E3 quiet:yes")["options"] == [
        {
            "name": "set",
            "type": 1,
            "options": [
                {"name": "episode", "type": 3, "value": "S2E3"},
                {"name": "quiet", "type": 5, "value": True},
            ],
        }
    ]


def test_quoted_values_users_channels_and_choices() -> None:
    result = data('party title:"Movie night" episodes:3 host:@bob where:#watch-party mode:Hide')
    assert result["options"] == [
        {"name": "title", "type": 3, "value": "Movie night"},
        {"name": "episodes", "type": 4, "value": 3},
        {"name": "host", "type": 6, "value": "500"},
        {"name": "where", "type": 7, "value": "600"},
        {"name": "mode", "type": 3, "value": "hide"},
    ]
    assert result["resolved"]["users"]["500"]["username"] == "bob"
    assert result["resolved"]["channels"]["600"]["name"] == "watch-party"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("/nope", "unknown command /nope; the bot has: help, progress, party"),
        ("/progress", "/progress needs one of: set, show"),
        ("/progress sit", "/progress has no 'sit'; did you mean set? choose one of: set, show"),
        ("/progress set", "/progress set needs episode"),
        ("/progress set episode", "expected option:value after /progress set, got 'episode'"),
        ("/progress set colour:red", "/progress set has no option 'colour'; its options: episode, quiet"),
        ("/progress set episode:S1E1 quiet:maybe", "option quiet takes true or false, got 'maybe'"),
        ("/party title:x episodes:three", "option episodes takes a whole number, got 'three'"),
        ("/party title:x mode:loud", "option mode must be one of: Wrap, Hide"),
        ('/party title:"unclosed', "cannot read"),
    ],
)
def test_mistakes_are_refused_clearly(text: str, message: str) -> None:
    with pytest.raises(ScriptError) as caught:
        data(text)
    assert str(caught.value).startswith(message)


def test_autocomplete_marks_the_option_being_typed() -> None:
    result = command_data(COMMANDS, "progress set episode:S2", FakeGuild(), autocomplete=True)
    assert result["options"][0]["options"] == [{"name": "episode", "type": 3, "value": "S2", "focused": True}]
