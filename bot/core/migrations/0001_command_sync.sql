-- What was last synced to Discord, per scope ('global' or a guild id), so that start-up syncs only
-- when the command tree changed (Discord allows 200 command creations per guild per day).
CREATE TABLE command_sync (
    scope      TEXT PRIMARY KEY,
    tree_hash  TEXT NOT NULL,
    synced_at  TEXT NOT NULL  -- ISO 8601, UTC
);
