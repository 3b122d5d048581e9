"""PersistentButton: a kind's custom id is written once, read back into its fields, errors answered."""

from __future__ import annotations

from typing import Any, Self
from unittest.mock import AsyncMock, create_autospec

import discord
import pytest

from bot.core.errors import UserFacingError
from bot.ui import buttons
from bot.ui.buttons import PersistentButton


class RsvpLike(
    PersistentButton, custom_id="rsvp:{party_id}:{answer}", fields={"party_id": "[0-9]+", "answer": "yes|no"}
):
    def __init__(self, party_id: int, answer: str) -> None:
        super().__init__("Going", party_id=party_id, answer=answer)
        self.party_id, self.answer = party_id, answer

    @classmethod
    def from_fields(cls, party_id: str, answer: str) -> Self:
        return cls(int(party_id), answer)

    async def pressed(self, interaction: discord.Interaction[Any]) -> None:
        raise UserFacingError("That watch party has ended.")


def test_the_custom_id_is_the_format_filled_in_and_matches_its_own_pattern() -> None:
    button = RsvpLike(12, "yes")
    assert button.custom_id == "rsvp:12:yes"
    assert RsvpLike.custom_id_pattern.fullmatch("rsvp:12:yes")
    assert not RsvpLike.custom_id_pattern.fullmatch("rsvp:12:maybe")
    assert not RsvpLike.custom_id_pattern.fullmatch("rsvp:12:yes:extra")


def test_an_id_its_own_pattern_would_refuse_is_never_made() -> None:
    with pytest.raises(ValueError, match="not a valid RsvpLike id"):
        RsvpLike(12, "maybe")


def test_every_field_of_the_format_needs_a_pattern() -> None:
    with pytest.raises(TypeError, match="no pattern given for the field 'answer'"):

        class Incomplete(PersistentButton, custom_id="x:{party_id}:{answer}", fields={"party_id": "[0-9]+"}):
            pass


async def test_a_pressed_button_is_rebuilt_from_the_fields_of_its_id() -> None:
    match = RsvpLike.custom_id_pattern.fullmatch("rsvp:34:no")
    assert match is not None
    rebuilt = await RsvpLike.from_custom_id(
        create_autospec(discord.Interaction), RsvpLike(1, "yes").item, match
    )
    assert (rebuilt.party_id, rebuilt.answer, rebuilt.custom_id) == (34, "no", "rsvp:34:no")


async def test_an_error_in_pressed_gets_the_command_trees_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    answer_error = AsyncMock()
    monkeypatch.setattr(buttons, "answer_error", answer_error)
    watch = create_autospec(buttons.watch)  # the deadline's watchdog is tested end to end (test_deadline)
    monkeypatch.setattr(buttons, "watch", watch)
    interaction = create_autospec(discord.Interaction, instance=True)
    await RsvpLike(5, "yes").callback(interaction)
    watch.assert_called_once_with(interaction)
    [(answered, error)] = [call.args for call in answer_error.await_args_list]
    assert answered is interaction
    assert str(error) == "That watch party has ended."
