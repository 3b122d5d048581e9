-- Several processes share the timers: each timer records its server (NULL: none, such as a DM), is
-- claimed before it runs by the process that owns that server's shard, and the claim is a lease (UTC
-- microseconds, as due_us) that lapses if that process dies, for the next owner to claim.
ALTER TABLE timers ADD COLUMN guild_id BIGINT;
ALTER TABLE timers ADD COLUMN claimed_by TEXT;
ALTER TABLE timers ADD COLUMN lease_us BIGINT;
-- Timers set before this knew their server only through their watch party.
UPDATE timers SET guild_id = (
    SELECT guild_id FROM watch_parties WHERE watch_parties.id = (timers.payload::json ->> 'party')::bigint
) WHERE timers.payload::json ->> 'party' IS NOT NULL;
