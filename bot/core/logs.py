"""Logging, configured once at the edge, with the token scrubbed from every line."""

from __future__ import annotations

import logging

import discord

from bot.core.settings import Settings


class RedactSecrets(logging.Filter):
    def __init__(self, *secrets: str) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(secret in message for secret in self._secrets):
            for secret in self._secrets:
                message = message.replace(secret, "[redacted]")
            record.msg, record.args = message, ()
        return True


def setup_logging(settings: Settings) -> None:
    handler = logging.StreamHandler()
    token = settings.discord_token.reveal() if settings.discord_token else ""
    handler.addFilter(RedactSecrets(token))
    discord.utils.setup_logging(handler=handler, level=settings.log_level_number, root=True)
