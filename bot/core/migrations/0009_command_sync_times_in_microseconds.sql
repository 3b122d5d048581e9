-- One encoding for every stored time: UTC microseconds since the epoch, as timers and watch parties
-- always had, instead of ISO 8601 text (Python's isoformat: always an offset, six digits of fraction when
-- there is one).

ALTER TABLE command_sync ADD COLUMN synced_us INTEGER NOT NULL DEFAULT 0;
UPDATE command_sync SET synced_us = CAST(strftime('%s', synced_at) AS INTEGER) * 1000000
    + CASE WHEN substr(synced_at, 20, 1) = '.' THEN CAST(substr(synced_at, 21, 6) AS INTEGER) ELSE 0 END;
ALTER TABLE command_sync DROP COLUMN synced_at;
