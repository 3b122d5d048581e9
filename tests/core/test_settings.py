from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import pytest

from bot.core.logs import RedactSecrets
from bot.core.settings import DATA_DIR, Secret, Settings, SettingsError

TOKEN = "MTA0" + "a" * 20 + ".Gx1y2z." + "b" * 38


def test_defaults_with_only_a_token(tmp_path: Path) -> None:
    settings = Settings.from_env({"DISCORD_TOKEN": TOKEN, "XDG_DATA_HOME": str(tmp_path)})
    assert settings.discord_token == Secret(TOKEN)
    assert settings.database_path == tmp_path / "heartbot" / "heartbot.db"
    assert settings.dev_guild_id is None
    assert settings.log_level == "INFO"
    assert settings.owner_ids == frozenset()


def test_every_setting_is_read() -> None:
    settings = Settings.from_env(
        {
            "DISCORD_TOKEN": f"  {TOKEN}  ",
            "DATABASE_PATH": "/srv/heartbot/bot.db",
            "DEV_GUILD_ID": "123456789012345678",
            "LOG_LEVEL": "debug",
            "OWNER_IDS": "111111111111111111, 222222222222222222",
        }
    )
    assert settings.discord_token is not None
    assert settings.discord_token.reveal() == TOKEN
    assert settings.database_path == Path("/srv/heartbot/bot.db")
    assert settings.dev_guild_id == 123456789012345678
    assert settings.log_level == "DEBUG"
    assert settings.owner_ids == {111111111111111111, 222222222222222222}


def test_missing_token_is_none_not_an_error() -> None:
    assert Settings.from_env({"DISCORD_TOKEN": "   "}).discord_token is None


def test_default_database_is_outside_data() -> None:
    path = Settings.from_env({}).database_path.resolve()
    assert DATA_DIR not in path.parents


@pytest.mark.parametrize(
    ("key", "value", "named"),
    [
        ("DISCORD_TOKEN", f"Bot {TOKEN}", "DISCORD_TOKEN"),
        ("DISCORD_TOKEN", "short", "DISCORD_TOKEN"),
        ("DISCORD_TOKEN", TOKEN[:30] + " " + TOKEN[30:], "DISCORD_TOKEN"),
        ("DEV_GUILD_ID", "my-server", "DEV_GUILD_ID"),
        ("DEV_GUILD_ID", "12", "DEV_GUILD_ID"),
        ("OWNER_IDS", "111111111111111111;222222222222222222", "OWNER_IDS"),
        ("LOG_LEVEL", "LOUD", "LOG_LEVEL"),
        ("DATABASE_PATH", str(DATA_DIR / "heartbot.db"), "DATABASE_PATH"),
    ],
)
def test_malformed_values_name_the_key(key: str, value: str, named: str) -> None:
    with pytest.raises(SettingsError, match=f"^{named}: "):
        Settings.from_env({"DISCORD_TOKEN": TOKEN, key: value})


def test_database_path_that_is_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"DATABASE_PATH: .* is a folder"):
        Settings.from_env({"DATABASE_PATH": str(tmp_path)})


def test_token_never_shown_in_repr_or_str() -> None:
    settings = Settings.from_env({"DISCORD_TOKEN": TOKEN})
    assert TOKEN not in repr(settings)
    assert TOKEN not in str(settings)
    assert TOKEN not in repr(settings.discord_token)
    assert TOKEN not in f"{settings.discord_token}"


def test_settings_are_frozen() -> None:
    settings = Settings.from_env({})
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.log_level = "DEBUG"  # type: ignore[misc]


def test_log_filter_scrubs_the_token() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "sending %s", (f"Bot {TOKEN}",), None)
    RedactSecrets(TOKEN).filter(record)
    assert record.getMessage() == "sending Bot [redacted]"


def test_no_shard_settings_let_discord_decide() -> None:
    settings = Settings.from_env({"DISCORD_TOKEN": TOKEN})
    assert (settings.shard_count, settings.shard_ids) == (None, None)


def test_a_shard_count_alone_runs_every_shard_here() -> None:
    settings = Settings.from_env({"DISCORD_TOKEN": TOKEN, "SHARD_COUNT": " 4 "})
    assert (settings.shard_count, settings.shard_ids) == (4, None)


def test_shard_ids_pick_some_of_the_shards() -> None:
    settings = Settings.from_env({"DISCORD_TOKEN": TOKEN, "SHARD_COUNT": "4", "SHARD_IDS": "2, 3,"})
    assert (settings.shard_count, settings.shard_ids) == (4, (2, 3))


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SHARD_COUNT": "0"}, "SHARD_COUNT: expected a whole number of shards, 1 or more, got '0'"),
        ({"SHARD_COUNT": "four"}, "SHARD_COUNT: expected a whole number of shards, 1 or more, got 'four'"),
        ({"SHARD_COUNT": "-2"}, "SHARD_COUNT: expected a whole number of shards, 1 or more, got '-2'"),
        ({"SHARD_IDS": "0,1"}, "SHARD_IDS: set SHARD_COUNT too"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "1,4"}, "SHARD_IDS: expected .* from 0 to 3 .SHARD_COUNT is 4.,"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "1;2"}, "SHARD_IDS: expected comma-separated shard numbers"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "1,-1"}, "SHARD_IDS: expected comma-separated shard numbers"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "1, 2, 1"}, "SHARD_IDS: shard 1 is listed twice"),
    ],
)
def test_malformed_shard_settings_name_the_key(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=f"^{message}"):
        Settings.from_env({"DISCORD_TOKEN": TOKEN, **env})
