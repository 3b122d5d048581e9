"""Settings read once at start-up from the environment (and `.env`)."""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _data_dir() -> Path:
    """data/ beside the code in a checkout; where the wheel put it (pyproject's data-files) once installed."""
    checkout = PROJECT_ROOT / "data"
    if (checkout / "show.toml").is_file():
        return checkout
    return Path(sys.prefix) / "share" / "heartbot" / "data"


DATA_DIR = _data_dir()

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_SNOWFLAKE = re.compile(r"[0-9]{15,21}")
_NUMBER = re.compile(r"[0-9]{1,9}")


class SettingsError(ValueError):
    """A setting is malformed; the message names the key and is safe to print."""


class Secret:
    """A string that never shows itself in a repr, str or log line."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def default_database_path(env: Mapping[str, str]) -> Path:
    """Outside the clone, so data/ stays read-only and a fresh clone keeps its members' progress."""
    base = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "heartbot" / "heartbot.db"


@dataclass(frozen=True, slots=True)
class Settings:
    discord_token: Secret | None = field(repr=False)
    database_path: Path
    dev_guild_id: int | None = None
    log_level: str = "INFO"
    owner_ids: frozenset[int] = frozenset()
    shield_semantic: bool = True  # the shield's semantic reader, beside the lexicon (SHIELD_SEMANTIC)
    # PostgreSQL instead of the SQLite file, for several processes (it may carry a password)
    database_url: Secret | None = field(default=None, repr=False)
    # a local sandbox (python -m bot sandbox --processes starts processes with it) instead of Discord
    sandbox_url: str | None = None
    # The shards across every process (SHARD_COUNT) and the ones this process runs (SHARD_IDS); None: let
    # discord.py ask Discord for the count and run every shard here.
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        return cls(
            discord_token=_token(env.get("DISCORD_TOKEN", "")),
            database_path=_database_path(env),
            dev_guild_id=_optional_snowflake(env, "DEV_GUILD_ID"),
            log_level=_log_level(env.get("LOG_LEVEL", "")),
            owner_ids=_snowflakes(env, "OWNER_IDS"),
            shield_semantic=shield_semantic(env),
            database_url=_database_url(env.get("DATABASE_URL", "")),
            sandbox_url=_sandbox_url(env.get("SANDBOX_URL", "")),
            **_shards(env),
        )

    @property
    def database(self) -> Path | str:
        """Where the data is: DATABASE_URL's PostgreSQL when set, else the SQLite file."""
        return self.database_url.reveal() if self.database_url else self.database_path

    @property
    def log_level_number(self) -> int:
        return logging.getLevelNamesMapping()[self.log_level]


def _token(raw: str) -> Secret | None:
    value = raw.strip()
    if not value:
        return None
    if value.lower().startswith("bot "):
        raise SettingsError("DISCORD_TOKEN: paste the token alone, without the 'Bot ' prefix")
    if any(ch.isspace() for ch in value) or len(value) < 50:
        raise SettingsError(
            "DISCORD_TOKEN: this does not look like a bot token; copy it again from the "
            "Developer Portal (Bot > Reset Token)"
        )
    return Secret(value)


def _database_path(env: Mapping[str, str]) -> Path:
    raw = env.get("DATABASE_PATH", "").strip()
    path = Path(raw).expanduser() if raw else default_database_path(env)
    resolved = path.resolve()
    if resolved == DATA_DIR or DATA_DIR in resolved.parents:
        raise SettingsError("DATABASE_PATH: data/ holds the read-only show data; keep the database elsewhere")
    if resolved.exists() and resolved.is_dir():
        raise SettingsError(f"DATABASE_PATH: {path} is a folder; name a file such as {path / 'heartbot.db'}")
    return path


def _database_url(raw: str) -> Secret | None:
    value = raw.strip()
    if not value:
        return None
    if not value.startswith(("postgresql://", "postgres://")):
        raise SettingsError(
            "DATABASE_URL: expected a PostgreSQL URL such as postgresql://user@host/database; for the "
            "default SQLite file leave it unset (DATABASE_PATH names the file)"
        )
    return Secret(value)


def _sandbox_url(raw: str) -> str | None:
    value = raw.strip()
    if not value:
        return None
    if not value.startswith("http://127.0.0.1:") and not value.startswith("http://localhost:"):
        raise SettingsError(
            "SANDBOX_URL: expected a local sandbox's address, such as http://127.0.0.1:8765 (the sandbox "
            "only listens on this machine)"
        )
    return value.rstrip("/")


def _optional_snowflake(env: Mapping[str, str], key: str) -> int | None:
    raw = env.get(key, "").strip()
    if not raw:
        return None
    if not _SNOWFLAKE.fullmatch(raw):
        raise SettingsError(f"{key}: expected a Discord id (15 to 21 digits), got {raw!r}")
    return int(raw)


def _snowflakes(env: Mapping[str, str], key: str) -> frozenset[int]:
    raw = env.get(key, "")
    ids = set()
    for part in (p.strip() for p in raw.split(",")):
        if not part:
            continue
        if not _SNOWFLAKE.fullmatch(part):
            raise SettingsError(f"{key}: expected comma-separated Discord ids, got {part!r}")
        ids.add(int(part))
    return frozenset(ids)


def _shards(env: Mapping[str, str]) -> dict[str, Any]:
    """SHARD_COUNT alone runs every shard here; SHARD_IDS picks some of them, for one of several processes."""
    raw_count, raw_ids = env.get("SHARD_COUNT", "").strip(), env.get("SHARD_IDS", "")
    ids = [part.strip() for part in raw_ids.split(",") if part.strip()]
    if not raw_count:
        if ids:
            raise SettingsError(
                "SHARD_IDS: set SHARD_COUNT too (the number of shards across every process), or neither"
            )
        return {}
    if not _NUMBER.fullmatch(raw_count) or int(raw_count) < 1:
        raise SettingsError(f"SHARD_COUNT: expected a whole number of shards, 1 or more, got {raw_count!r}")
    count = int(raw_count)
    if not ids:
        return {"shard_count": count}
    highest = count - 1
    shard_ids: list[int] = []
    for part in ids:
        if not _NUMBER.fullmatch(part) or int(part) > highest:
            raise SettingsError(
                f"SHARD_IDS: expected comma-separated shard numbers from 0 to {highest} (SHARD_COUNT is "
                f"{count}), got {part!r}"
            )
        if int(part) in shard_ids:
            raise SettingsError(f"SHARD_IDS: shard {int(part)} is listed twice")
        shard_ids.append(int(part))
    return {"shard_count": count, "shard_ids": tuple(shard_ids)}


def _log_level(raw: str) -> str:
    value = raw.strip().upper() or "INFO"
    if value not in LOG_LEVELS:
        raise SettingsError(f"LOG_LEVEL: expected one of {', '.join(LOG_LEVELS)}, got {raw!r}")
    return value


def shield_semantic(env: Mapping[str, str] | None = None) -> bool:
    """SHIELD_SEMANTIC alone, for `python -m bot scan`, which needs no other setting."""
    return _switch(os.environ if env is None else env, "SHIELD_SEMANTIC", default=True)


_ON = frozenset({"on", "true", "yes", "1"})
_OFF = frozenset({"off", "false", "no", "0"})


def _switch(env: Mapping[str, str], key: str, *, default: bool) -> bool:
    raw = env.get(key, "").strip()
    if not raw:
        return default
    if raw.lower() in _ON | _OFF:
        return raw.lower() in _ON
    raise SettingsError(f"{key}: expected on or off, got {raw!r}")
