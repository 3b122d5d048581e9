"""The shield's buttons keep the custom ids already in members' messages: old buttons go on working."""

from __future__ import annotations

import pytest

from bot.shield.buttons import RestoreButton, SpoilerReveal
from bot.ui.buttons import PersistentButton


@pytest.mark.parametrize(
    ("button", "custom_id", "label"),
    [
        (RestoreButton(123456789012345678), "shield:restore:123456789012345678", "Not a spoiler"),
        (SpoilerReveal(42), "spoiler:show:42", "Reveal for me"),
    ],
)
def test_a_button_keeps_its_custom_id_and_label(button: PersistentButton, custom_id: str, label: str) -> None:
    assert button.custom_id == custom_id
    assert button.item.label == label


async def test_a_pressed_button_is_rebuilt_from_its_custom_id() -> None:
    for kind, custom_id, field in (
        (RestoreButton, "shield:restore:77", "author_id"),
        (SpoilerReveal, "spoiler:show:9", "spoiler_id"),
    ):
        match = kind.custom_id_pattern.fullmatch(custom_id)
        assert match is not None
        rebuilt = await kind.from_custom_id(None, None, match)  # type: ignore[arg-type]
        assert rebuilt.custom_id == custom_id
        assert getattr(rebuilt, field) == int(custom_id.rsplit(":", 1)[1])
    assert RestoreButton.custom_id_pattern.fullmatch("shield:restore:x") is None
