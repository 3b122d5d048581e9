"""The OpenAPI checker: route matching, request bodies and response bodies against Discord's description."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import discord
import pytest
from discord import app_commands

from bot.sandbox.openapi import SPEC_PATH, OpenApiSpec

pytestmark = pytest.mark.skipif(
    not SPEC_PATH.is_file(),
    reason=f"Discord's OpenAPI description is absent ({SPEC_PATH}); it lives beside the project, not in it",
)

CHANNEL_ID = "1100000000000000002"
GUILD_ID = "1100000000000000001"
APPLICATION_ID = "1100000000000000005"

MESSAGE: dict[str, Any] = {
    "id": "1100000000000000010",
    "channel_id": CHANNEL_ID,
    "guild_id": GUILD_ID,
    "type": 0,
    "content": "Nick and Charlie, chapter 3",
    "author": {
        "id": "1100000000000000004",
        "username": "heartbot",
        "discriminator": "0000",
        "global_name": None,
        "avatar": None,
        "public_flags": 0,
        "flags": 0,
        "primary_guild": None,
        "bot": True,
    },
    "mentions": [],
    "mention_roles": [],
    "mention_everyone": False,
    "attachments": [],
    "embeds": [{"type": "rich", "title": "Spoiler", "description": "||hidden||", "color": 0xE91E63}],
    "components": [],
    "timestamp": "2024-05-01T12:00:00.000000+00:00",
    "edited_timestamp": None,
    "flags": 0,
    "pinned": False,
    "tts": False,
}

COMMAND: dict[str, Any] = {
    "name": "spoiler",
    "description": "Hide a spoiler",
    "type": 1,
    "options": [{"type": 3, "name": "text", "description": "What to hide", "required": True}],
    "default_member_permissions": None,
    "dm_permission": False,
    "contexts": [0],
    "integration_types": [0],
    "nsfw": False,
}

COMMANDS_PATH = f"/applications/{APPLICATION_ID}/guilds/{GUILD_ID}/commands"
CALLBACK_PATH = "/interactions/1100000000000000020/aW50ZXJhY3Rpb24tdG9rZW4/callback"


@pytest.fixture(scope="module")
def spec() -> OpenApiSpec:
    loaded = OpenApiSpec.load()
    if loaded is None:
        pytest.skip("jsonschema/referencing are not installed; run pip install -e '.[dev]'")
    return loaded


def test_loads_from_beside_the_project(spec: OpenApiSpec) -> None:
    assert SPEC_PATH.is_absolute()
    assert SPEC_PATH.parts[-3:] == ("shared", "discord", "openapi.json")
    assert OpenApiSpec.load() is spec  # parsed once, however many sandboxes ask


def test_load_without_the_file_gives_none(tmp_path: Path) -> None:
    assert OpenApiSpec.load(tmp_path / "openapi.json") is None


def test_a_check_is_kept_for_the_next_process_and_one_damaged_is_made_again(tmp_path: Path) -> None:
    document = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    path, body = f"/channels/{CHANNEL_ID}/messages", {"embeds": {"title": "x"}}
    problems = OpenApiSpec(document, kept_in=tmp_path).request_problems("POST", path, body)
    [kept] = tmp_path.iterdir()
    assert json.loads(kept.read_text(encoding="utf-8")) == problems
    kept.write_text('["as an earlier process found"]', encoding="utf-8")
    later = OpenApiSpec(document, kept_in=tmp_path)
    assert later.request_problems("POST", path, body) == ["as an earlier process found"]
    kept.write_text("[not json", encoding="utf-8")
    assert OpenApiSpec(document, kept_in=tmp_path).request_problems("POST", path, body) == problems
    assert json.loads(kept.read_text(encoding="utf-8")) == problems


@pytest.mark.parametrize(
    ("method", "path", "template"),
    [
        ("POST", f"/channels/{CHANNEL_ID}/messages", "/channels/{channel_id}/messages"),
        ("GET", f"/channels/{CHANNEL_ID}/messages?limit=50", "/channels/{channel_id}/messages"),
        (
            "PATCH",
            "/webhooks/1100000000000000005/dG9rZW4/messages/@original",
            "/webhooks/{webhook_id}/{webhook_token}/messages/@original",
        ),
        (
            "PATCH",
            "/webhooks/1100000000000000005/dG9rZW4/messages/1100000000000000010",
            "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
        ),
        ("POST", CALLBACK_PATH, "/interactions/{interaction_id}/{interaction_token}/callback"),
        ("PUT", COMMANDS_PATH, "/applications/{application_id}/guilds/{guild_id}/commands"),
        ("GET", "/users/@me", "/users/@me"),
        ("GET", "/users/1100000000000000004", "/users/{user_id}"),
        ("GET", "/oauth2/applications/@me", "/oauth2/applications/@me"),
        ("GET", f"/channels/{CHANNEL_ID}/messages/pins", "/channels/{channel_id}/messages/pins"),
        ("GET", "/api/v10/gateway/bot", "/gateway/bot"),
    ],
)
def test_match(spec: OpenApiSpec, method: str, path: str, template: str) -> None:
    assert spec.match(method, path) == template


def test_match_needs_the_method(spec: OpenApiSpec) -> None:
    assert spec.match("POST", "/users/@me") is None
    assert spec.match("GET", "/no/such/route") is None


def test_valid_message_passes(spec: OpenApiSpec) -> None:
    body = {
        "content": "Chapter 3 is out",
        "embeds": [
            {"title": "Spoiler", "description": "||hidden||", "fields": [{"name": "Vol", "value": "1"}]}
        ],
        # discord.py sends integer ids here; Discord accepts them.
        "allowed_mentions": {"parse": ["users"], "roles": [1100000000000000006], "replied_user": False},
        "message_reference": {"message_id": 1100000000000000010, "channel_id": int(CHANNEL_ID)},
        "tts": False,
    }
    assert spec.request_problems("POST", f"/channels/{CHANNEL_ID}/messages", body) == []


def test_embeds_must_be_a_list(spec: OpenApiSpec) -> None:
    problems = spec.request_problems("POST", f"/channels/{CHANNEL_ID}/messages", {"embeds": {"title": "x"}})
    assert len(problems) == 1
    assert problems[0].startswith("embeds: ")


def test_embed_title_length_names_the_field(spec: OpenApiSpec) -> None:
    body = {"embeds": [{"title": "x" * 257}]}
    problems = spec.request_problems("POST", f"/channels/{CHANNEL_ID}/messages", body)
    assert len(problems) == 1
    # Long values are shortened in messages.
    assert problems[0].startswith("embeds[0].title: 'xxx")
    assert problems[0].endswith("... is too long")
    assert len(problems[0]) < 100


def test_bodies_alike_but_where_a_check_can_tell_are_each_checked(spec: OpenApiSpec) -> None:
    # Checks are remembered by a body's shape: its texts by length, as the limits see them; names an enum
    # lists, digits and times as they are.
    route = f"/channels/{CHANNEL_ID}/messages"
    for good, bad in [
        ({"embeds": [{"title": "y" * 256}]}, {"embeds": [{"title": "z" * 257}]}),
        (
            {"content": "a", "allowed_mentions": {"parse": ["users"]}},
            {"content": "b", "allowed_mentions": {"parse": ["userz"]}},
        ),
        (
            {"embeds": [{"timestamp": "2026-12-02T13:10:29+00:00"}]},
            {"embeds": [{"timestamp": "2026-13-02T13:10:29+00:00"}]},
        ),
        ({"embeds": [{"color": 5}]}, {"embeds": [{"color": "#5"}]}),
    ]:
        assert spec.request_problems("POST", route, good) == [], good
        assert spec.request_problems("POST", route, bad) != [], bad


def test_allowed_mentions_parse_values(spec: OpenApiSpec) -> None:
    body = {"content": "hi", "allowed_mentions": {"parse": ["channels"]}}
    problems = spec.request_problems("POST", f"/channels/{CHANNEL_ID}/messages", body)
    assert problems == ["allowed_mentions.parse[0]: 'channels' is not one of ['everyone', 'roles', 'users']"]


def test_snowflakes_are_checked(spec: OpenApiSpec) -> None:
    body = {"content": "hi", "allowed_mentions": {"users": ["nick", -1, 2**64]}}
    problems = spec.request_problems("POST", f"/channels/{CHANNEL_ID}/messages", body)
    assert [p.split(":")[0] for p in problems] == [
        "allowed_mentions.users[0]",
        "allowed_mentions.users[1]",
        "allowed_mentions.users[2]",
    ]
    assert all("snowflake" in p for p in problems)


@pytest.mark.parametrize(
    "body",
    [
        {"type": 4, "data": {"content": "Saved.", "flags": 64, "allowed_mentions": {"parse": []}}},
        {"type": 5, "data": {"flags": 64}},
        {"type": 7, "data": {"content": "Updated", "components": []}},
        {"type": 8, "data": {"choices": [{"name": "Chapter 1", "value": "1"}]}},
    ],
)
def test_valid_interaction_callbacks_pass(spec: OpenApiSpec, body: dict[str, Any]) -> None:
    assert spec.request_problems("POST", CALLBACK_PATH, body) == []


def test_unknown_interaction_callback_type(spec: OpenApiSpec) -> None:
    problems = spec.request_problems("POST", CALLBACK_PATH, {"type": 99, "data": {"content": "hi"}})
    assert problems == ["type: 99 is not one of [1, 4, 5, 6, 7, 8, 9, 12, 13]"]


def test_interaction_callback_errors_come_from_the_chosen_type(spec: OpenApiSpec) -> None:
    body = {"type": 4, "data": {"content": "x" * 2001, "embeds": [{"color": -1}]}}
    problems = spec.request_problems("POST", CALLBACK_PATH, body)
    assert [p.split(":")[0] for p in problems] == ["data.content", "data.embeds[0].color"]


def test_bulk_command_overwrite_passes(spec: OpenApiSpec) -> None:
    existing = {**COMMAND, "id": "1100000000000000030", "name": "chapter"}
    assert spec.request_problems("PUT", COMMANDS_PATH, [COMMAND, existing]) == []


def test_bulk_command_overwrite_from_discord_py_passes(spec: OpenApiSpec) -> None:
    tree = app_commands.CommandTree(discord.Client(intents=discord.Intents.none()))

    @tree.command(name="spoiler", description="Hide a spoiler")
    @app_commands.choices(medium=[app_commands.Choice(name="Book", value="book")])
    @app_commands.default_permissions(manage_messages=True)
    @app_commands.guild_only()
    async def spoiler(
        interaction: discord.Interaction, chapter: app_commands.Range[int, 1, 600], medium: str
    ) -> None: ...

    payload = [command.to_dict(tree) for command in tree.get_commands()]
    assert spec.request_problems("PUT", COMMANDS_PATH, payload) == []


def test_bulk_command_overwrite_rejects_a_bad_id(spec: OpenApiSpec) -> None:
    problems = spec.request_problems("PUT", COMMANDS_PATH, [{**COMMAND, "id": "spoiler"}])
    assert problems == ["[0].id: 'spoiler' is not a 'snowflake'"]


def test_bulk_command_overwrite_rejects_a_bad_option_type(spec: OpenApiSpec) -> None:
    command = copy.deepcopy(COMMAND)
    command["options"][0]["type"] = 12
    problems = spec.request_problems("PUT", COMMANDS_PATH, [command])
    assert problems == ["[0].options[0].type: 12 is not one of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]"]


def test_bodies_where_none_belong(spec: OpenApiSpec) -> None:
    path = f"/channels/{CHANNEL_ID}/messages/1100000000000000010"
    assert spec.request_problems("DELETE", path, None) == []
    assert spec.request_problems("DELETE", path, {"x": 1}) == [
        "DELETE /channels/{channel_id}/messages/{message_id} takes no request body"
    ]
    assert spec.request_problems("PUT", COMMANDS_PATH, None) == [
        "PUT /applications/{application_id}/guilds/{guild_id}/commands requires a request body"
    ]


def test_unknown_route_is_a_problem(spec: OpenApiSpec) -> None:
    assert spec.request_problems("POST", "/heartstopper/volumes", {}) == [
        "POST /heartstopper/volumes: no such route in Discord's API description"
    ]


def test_problems_are_capped(spec: OpenApiSpec) -> None:
    body = {"embeds": [{"title": 1} for _ in range(10)], "tts": "no", "flags": "none"}
    problems = spec.request_problems("POST", f"/channels/{CHANNEL_ID}/messages", body)
    assert len(problems) == 10
    assert problems[-1] == "... and 3 more"


def test_message_response_passes(spec: OpenApiSpec) -> None:
    assert spec.response_problems("POST", f"/channels/{CHANNEL_ID}/messages", 200, MESSAGE) == []


def test_message_response_missing_fields(spec: OpenApiSpec) -> None:
    body = {key: value for key, value in MESSAGE.items() if key not in ("timestamp", "author")}
    problems = spec.response_problems("POST", f"/channels/{CHANNEL_ID}/messages", 200, body)
    assert problems == [
        "(body): 'timestamp' is a required property",
        "(body): 'author' is a required property",
    ]


def test_response_ids_are_strings(spec: OpenApiSpec) -> None:
    body = {**MESSAGE, "id": 1100000000000000010}
    problems = spec.response_problems("POST", f"/channels/{CHANNEL_ID}/messages", 200, body)
    assert problems == ["id: 1100000000000000010 is not of type 'string'"]


def test_response_statuses(spec: OpenApiSpec) -> None:
    path = f"/channels/{CHANNEL_ID}/messages/1100000000000000010"
    assert spec.response_problems("DELETE", path, 204, None) == []
    assert spec.response_problems("POST", CALLBACK_PATH, 204, None) == []
    # 404 falls back to the 4XX entry, Discord's error object.
    assert spec.response_problems("GET", path, 404, {"code": 10008, "message": "Unknown Message"}) == []
    assert spec.response_problems("GET", path, 404, {"message": "Unknown Message"}) == [
        "(body): 'code' is a required property"
    ]
    assert spec.response_problems("DELETE", path, 200, {}) == [
        "DELETE /channels/{channel_id}/messages/{message_id} does not answer with status 200 "
        "(documented: 204, 429, 4XX)"
    ]
    assert spec.response_problems("POST", f"/channels/{CHANNEL_ID}/messages", 200, None) == [
        "POST /channels/{channel_id}/messages answers 200 with a JSON body, got none"
    ]
