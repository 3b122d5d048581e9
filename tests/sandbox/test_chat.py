"""The sandbox as a person reads it on a terminal: a chat transcript, spoilers hidden until peeked at."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from bot.sandbox.chat import ChatPrinter, chat_lines
from bot.sandbox.harness import RunningBot
from bot.sandbox.observe import Observation
from bot.sandbox.script import ScriptRunner
from bot.sandbox.server import Sandbox

AT = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)
SPOILER = "charlie fainting at the louvre 😭"


def seen(**fields: object) -> Observation:
    base: dict = dict(
        at=AT,
        channel="general",
        visible_to="everyone",
        author="heartbot",
        action="send",
        message=1,
        content="",
    )
    return Observation(**{**base, **fields})  # type: ignore[arg-type]


def no_names(kind: str, ident: int) -> str | None:
    return None


def test_a_spoiler_is_hidden_until_peeked_at() -> None:
    observation = seen(author="Bob", content="||charlie fainting at the louvre|| 😭")
    hidden = "\n".join(chat_lines(observation, 3, no_names))
    assert hidden.startswith("#general · Bob [3]: [spoiler] 😭")
    assert "louvre" not in hidden
    assert 'type "peek 3" to uncover it' in hidden
    shown = "\n".join(chat_lines(observation, 3, no_names, uncovered=True))
    assert shown == "#general · Bob [3]: ||charlie fainting at the louvre|| 😭"


def test_spoilers_inside_embeds_are_hidden_too() -> None:
    embed = {
        "title": "S2E5 · Heat",
        "description": "Paris.\n||Charlie faints||",
        "fields": [],
        "footer": None,
    }
    lines = chat_lines(seen(embeds=[embed]), 1, no_names)
    assert lines[1:3] == ["  ┃ S2E5 · Heat", "  ┃ Paris."]
    assert "  ┃ [spoiler]" in lines
    assert "faints" not in "\n".join(lines)


def test_one_line_fields_read_on_one_line() -> None:
    fields = [{"name": "Going", "value": "2"}, {"name": "Episodes", "value": "S2E1 · Out\nS2E2 · Family"}]
    lines = chat_lines(seen(embeds=[{"title": None, "description": None, "fields": fields}]), 1, no_names)
    assert lines[1:] == ["  ┃ Going: 2", "  ┃ Episodes:", "  ┃ S2E1 · Out", "  ┃ S2E2 · Family"]


def test_buttons_are_listed_and_a_private_reply_says_who_sees_it() -> None:
    observation = seen(visible_to="alice", content="Here you go", buttons=["Reveal for me", "Not a spoiler"])
    assert chat_lines(observation, 2, no_names) == [
        "#general · heartbot [2] (only alice sees this): Here you go",
        "  [Reveal for me] [Not a spoiler]",
    ]


def test_dms_edits_deletes_and_pings() -> None:
    assert chat_lines(seen(channel=None, visible_to="bob", content="hi", pings=["bob"]), 4, no_names) == [
        "DM to bob · heartbot [4]: hi",
        "  (notifies bob)",
    ]
    assert chat_lines(seen(action="edit", content="new"), 4, no_names) == [
        "#general · heartbot [4] (edited): new"
    ]
    assert chat_lines(seen(author="bob", action="delete", content="x"), 4, no_names) == [
        "#general · bob's message [4] was deleted"
    ]


def test_mentions_and_timestamps_read_as_names_and_times() -> None:
    names = {("user", 111111111111111111): "bob", ("channel", 222222222222222222): "general"}
    start = int(AT.timestamp()) + 2 * 3600
    text = f"<@111111111111111111> in <#222222222222222222>: starts <t:{start}:R>, at <t:{start}:t>"
    [line] = chat_lines(seen(content=text), 1, lambda kind, ident: names.get((kind, ident)))
    assert line.endswith(": @bob in #general: starts in 2h, at 22:00 UTC")


def test_the_clock_is_shown_when_it_moved_on() -> None:
    out = io.StringIO()
    printer = ChatPrinter(out, no_names)
    printer.message(seen(content="one"), 1)
    printer.message(seen(content="two"), 2)
    printer.message(seen(at=AT.replace(hour=21), content="three"), 3)
    assert out.getvalue().splitlines() == [
        "── Tue 01 Dec, 20:00 UTC ──",
        "#general · heartbot [1]: one",
        "#general · heartbot [2]: two",
        "── Tue 01 Dec, 21:00 UTC ──",
        "#general · heartbot [3]: three",
    ]


async def _lines(text: str) -> AsyncIterator[tuple[int, str]]:
    for number, line in enumerate(text.splitlines(), start=1):
        yield number, line


async def test_a_wrapped_spoiler_in_the_chat_then_peek(sandbox: Sandbox, running: RunningBot) -> None:
    out, err = io.StringIO(), io.StringIO()
    script = f"admin: /config shield channel:#general mode:wrap\nbob: {SPOILER}\npeek\n"
    status = await ScriptRunner(sandbox, running, out=out, err=err, chat=True).run(_lines(script))
    assert (status, err.getvalue()) == (0, "")
    text = out.getvalue()
    with_json = [line for line in text.splitlines() if line.startswith("{")]
    assert with_json == []
    before_peek, peeked = text.split(
        "\n#general · Bob (webhook) [3]: ||charlie fainting at the louvre|| 😭\n"
    )
    assert "#general · heartbot [1] (only admin sees this):" in before_peek
    assert f"#general · bob [2]: {SPOILER}" in before_peek  # what bob typed, before the shield took it
    repost = "#general · Bob (webhook) [3]: [spoiler] 😭\n  [Not a spoiler]\n  ([spoiler] is hidden text"
    assert repost in before_peek
    assert "#general · bob's message [2] was deleted" in before_peek
    assert peeked == "  [Not a spoiler]\n"


async def test_json_output_is_unchanged_by_numbering(sandbox: Sandbox, running: RunningBot) -> None:
    out, err = io.StringIO(), io.StringIO()
    status = await ScriptRunner(sandbox, running, out=out, err=err).run(_lines("bob: hi\n"))
    assert status == 0
    [line] = out.getvalue().splitlines()
    assert json.loads(line)["content"] == "hi"
