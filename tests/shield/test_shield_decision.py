"""ShieldService.decide, the one decision the listener and "Spoiler-wrap message" share: the listener leaves
what is fine where it was posted; asked on request, the shield always wraps, whatever the channel's mode."""

from __future__ import annotations

import pytest

from bot.canon import Canon
from bot.core.database import Database
from bot.core.errors import BadInput
from bot.shield.repository import ShieldMode
from bot.shield.service import PostedMessage, ShieldService
from bot.spoilers import wrap
from tests.shield.test_shield_end_to_end import SPOILER, WRAPPED
from tests.shield.test_shield_storage import shield_service

GUILD, GENERAL, OTHER = 1, 10, 20


def posted(
    text: str, channel_id: int = GENERAL, *, role_ids: frozenset[int] = frozenset(), by_member: bool = True
) -> PostedMessage:
    return PostedMessage(GUILD, channel_id, None, text, role_ids, by_member)


@pytest.fixture
async def service(db: Database, canon: Canon) -> ShieldService:
    service = shield_service(db, canon)
    await service.set_mode(GUILD, GENERAL, ShieldMode.WRAP)
    return service


async def test_the_listener_and_a_request_wrap_a_spoiler_alike(service: ShieldService) -> None:
    heard = await service.decide(posted(SPOILER))
    asked = await service.decide(posted(SPOILER), requested=True)
    assert heard is not None
    assert asked is not None
    assert heard.wrapped == asked.wrapped == WRAPPED
    assert heard.parts == asked.parts == (WRAPPED,)
    assert heard.spans == asked.spans


async def test_on_request_the_channels_mode_and_exemptions_do_not_count(service: ShieldService) -> None:
    assert await service.decide(posted(SPOILER, OTHER)) is None  # not guarded
    await service.set_exempt(GUILD, "role", 5, True)
    assert await service.decide(posted(SPOILER, role_ids=frozenset({5}))) is None
    for message in (posted(SPOILER, OTHER), posted(SPOILER, role_ids=frozenset({5}))):
        decision = await service.decide(message, requested=True)
        assert decision is not None
        assert (decision.mode, decision.wrapped) == (ShieldMode.WRAP, WRAPPED)


async def test_on_request_a_message_with_no_spoiler_found_is_wrapped_whole(service: ShieldService) -> None:
    text = "nothing to see here"
    assert await service.decide(posted(text)) is None
    decision = await service.decide(posted(text), requested=True)
    assert decision is not None
    assert (decision.wrapped, decision.reveals) == (wrap(text), None)


async def test_bots_and_empty_messages_are_left_and_refused_on_request(service: ShieldService) -> None:
    assert await service.decide(posted(SPOILER, by_member=False)) is None
    assert await service.decide(posted("  ")) is None
    with pytest.raises(BadInput, match="from a bot or a webhook"):
        await service.decide(posted(SPOILER, by_member=False), requested=True)
    with pytest.raises(BadInput, match="no text to wrap"):
        await service.decide(posted("  "), requested=True)
