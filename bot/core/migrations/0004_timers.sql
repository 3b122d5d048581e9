-- One table of timers for the one dispatcher (bot/timers.py). Times are UTC microseconds since the epoch,
-- so the earliest pending timer is one indexed lookup however many are waiting.
CREATE TABLE timers (
    id         INTEGER PRIMARY KEY,
    event      TEXT NOT NULL,
    due_us     INTEGER NOT NULL,
    payload    TEXT NOT NULL DEFAULT '{}',  -- JSON, named fields
    created_us INTEGER NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    done_us    INTEGER
);
CREATE INDEX timers_pending ON timers (due_us) WHERE done_us IS NULL;
