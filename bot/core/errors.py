"""Errors whose message is written for the user and safe to show them."""

from __future__ import annotations


class UserFacingError(Exception):
    """Raised by services and cogs; the command tree sends the message, privately, as it is."""


class BadInput(UserFacingError):
    """The user typed something the bot cannot use; nothing was changed."""


class NotFound(UserFacingError):
    """What the user asked for does not exist (the message should suggest the closest match)."""
