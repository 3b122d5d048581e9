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


class DropVoiceWarnings(logging.Filter):
    """discord.py warns that voice needs PyNaCl and davey; the bot never joins voice, so neither matters."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().endswith("voice will NOT be supported")


_VOICE_WARNINGS = DropVoiceWarnings()


def quiet_voice_warnings() -> None:
    """Call before the first client is made, when discord.py logs them; a second call changes nothing."""
    logging.getLogger("discord.client").addFilter(_VOICE_WARNINGS)


def setup_logging(settings: Settings) -> None:
    handler = logging.StreamHandler()
    token = settings.discord_token.reveal() if settings.discord_token else ""
    handler.addFilter(RedactSecrets(token))
    discord.utils.setup_logging(handler=handler, level=settings.log_level_number, root=True)
