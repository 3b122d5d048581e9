-- Each member's progress, the same in every server. No row, or a row with season and episode NULL,
-- means nothing watched.
CREATE TABLE user_progress (
    user_id    INTEGER PRIMARY KEY,
    season     INTEGER,
    episode    INTEGER,
    mode       TEXT NOT NULL DEFAULT 'wrap' CHECK (mode IN ('wrap', 'hide')),
    hinted     INTEGER NOT NULL DEFAULT 0,  -- told once how to set progress
    updated_at TEXT NOT NULL,               -- ISO 8601, UTC
    CHECK ((season IS NULL) = (episode IS NULL))
);

-- What a server's channels may show: the baseline everywhere, raised in spoiler channels.
CREATE TABLE guild_spoiler_baseline (
    guild_id   INTEGER PRIMARY KEY,
    season     INTEGER NOT NULL,
    episode    INTEGER NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE spoiler_channels (
    guild_id   INTEGER NOT NULL,
    channel_id INTEGER NOT NULL,
    season     INTEGER NOT NULL,
    episode    INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (guild_id, channel_id)
);
