-- Watch parties. Times are UTC microseconds since the epoch, as in timers. A party is saved as a draft
-- before its announcement is posted (the buttons carry its id) and becomes upcoming only once everything
-- it needs exists; a draft left by a crash is never shown and is removed at start-up.
CREATE TABLE watch_parties (
    id            INTEGER PRIMARY KEY,
    guild_id      INTEGER NOT NULL,
    channel_id    INTEGER NOT NULL,
    host_id       INTEGER NOT NULL,
    title         TEXT NOT NULL,
    first_season  INTEGER NOT NULL,
    first_episode INTEGER NOT NULL,
    last_season   INTEGER NOT NULL,
    last_episode  INTEGER NOT NULL,
    start_us      INTEGER NOT NULL,
    end_us        INTEGER NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('draft', 'upcoming', 'cancelled')),
    revision      INTEGER NOT NULL DEFAULT 1,  -- raised by each edit; timers of older revisions do nothing
    message_id    INTEGER,
    thread_id     INTEGER,
    event_id      INTEGER,
    created_us    INTEGER NOT NULL
);
CREATE INDEX watch_parties_upcoming ON watch_parties (guild_id, start_us) WHERE status = 'upcoming';

CREATE TABLE party_rsvps (
    party_id   INTEGER NOT NULL REFERENCES watch_parties (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL,
    choice     TEXT NOT NULL CHECK (choice IN ('going', 'maybe', 'no')),
    updated_us INTEGER NOT NULL,
    PRIMARY KEY (party_id, user_id)
);
CREATE INDEX party_rsvps_user ON party_rsvps (user_id);

-- Who has had which message of which revision, so a retried or restarted step never repeats one.
CREATE TABLE party_deliveries (
    party_id INTEGER NOT NULL REFERENCES watch_parties (id) ON DELETE CASCADE,
    step     TEXT NOT NULL,     -- 'reminder:60', 'start', 'end', ...
    revision INTEGER NOT NULL,
    user_id  INTEGER NOT NULL,  -- 0: the thread message itself
    PRIMARY KEY (party_id, step, revision, user_id)
);

CREATE TABLE party_settings (
    guild_id         INTEGER PRIMARY KEY,
    reminder_minutes TEXT,      -- JSON list of minutes before the start; NULL: the default
    manager_role_id  INTEGER
);

-- How each member wants reminders: in the party thread (the default) or by DM.
CREATE TABLE party_notify (
    user_id INTEGER PRIMARY KEY,
    via     TEXT NOT NULL CHECK (via IN ('thread', 'dm'))
);
