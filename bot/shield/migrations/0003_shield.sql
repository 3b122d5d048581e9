-- The spoiler shield, per server: how each channel is guarded, who and what is exempt, the server's own
-- terms, where moderators read reports, and the one webhook per channel that reposts wrapped messages.
CREATE TABLE shield_channels (
    guild_id   INTEGER NOT NULL,
    channel_id INTEGER NOT NULL,
    mode       TEXT NOT NULL CHECK (mode IN ('off', 'wrap', 'warn', 'log')),
    PRIMARY KEY (guild_id, channel_id)
);

CREATE TABLE shield_exemptions (
    guild_id  INTEGER NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('role', 'channel')),
    target_id INTEGER NOT NULL,
    PRIMARY KEY (guild_id, kind, target_id)
);

CREATE TABLE shield_terms (
    guild_id INTEGER NOT NULL,
    phrase   TEXT NOT NULL,
    season   INTEGER NOT NULL,
    episode  INTEGER NOT NULL,
    PRIMARY KEY (guild_id, phrase)
);

CREATE TABLE shield_guilds (
    guild_id             INTEGER PRIMARY KEY,
    log_channel_id       INTEGER,
    missing_permissions  TEXT NOT NULL DEFAULT ''  -- already reported to moderators, comma-separated
);

CREATE TABLE shield_webhooks (
    channel_id INTEGER PRIMARY KEY,
    webhook_id INTEGER NOT NULL,
    token      TEXT NOT NULL
);

-- Spoilers members post themselves with /spoiler, shown to each clicker who has watched far enough.
CREATE TABLE member_spoilers (
    id         INTEGER PRIMARY KEY,
    guild_id   INTEGER NOT NULL,
    author_id  INTEGER NOT NULL,
    text       TEXT NOT NULL,
    season     INTEGER NOT NULL,
    episode    INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX member_spoilers_by_author ON member_spoilers (author_id);

-- What a wrapped repost said before it was wrapped, so "Not a spoiler" can restore it exactly. Kept only
-- until restored or the member erases their data.
CREATE TABLE shield_reposts (
    message_id  INTEGER PRIMARY KEY,  -- the repost
    guild_id    INTEGER NOT NULL,
    author_id   INTEGER NOT NULL,
    original    TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX shield_reposts_by_author ON shield_reposts (author_id);
