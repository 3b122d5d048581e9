-- One encoding for every stored time: UTC microseconds since the epoch, as timers and watch parties
-- always had, instead of ISO 8601 text (Python's isoformat: always an offset, six digits of fraction when
-- there is one). PostgreSQL's own reading of the same text.

ALTER TABLE command_sync ADD COLUMN synced_us BIGINT NOT NULL DEFAULT 0;
UPDATE command_sync SET synced_us = (EXTRACT(EPOCH FROM synced_at::timestamptz) * 1000000)::bigint;
ALTER TABLE command_sync DROP COLUMN synced_at;
