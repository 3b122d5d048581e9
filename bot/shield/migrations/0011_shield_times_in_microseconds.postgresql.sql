-- One encoding for every stored time: UTC microseconds since the epoch, as timers and watch parties
-- always had, instead of ISO 8601 text (Python's isoformat: always an offset, six digits of fraction when
-- there is one). PostgreSQL's own reading of the same text.

ALTER TABLE member_spoilers ADD COLUMN created_us BIGINT NOT NULL DEFAULT 0;
UPDATE member_spoilers SET created_us = (EXTRACT(EPOCH FROM created_at::timestamptz) * 1000000)::bigint;
ALTER TABLE member_spoilers DROP COLUMN created_at;

ALTER TABLE shield_reposts ADD COLUMN created_us BIGINT NOT NULL DEFAULT 0;
UPDATE shield_reposts SET created_us = (EXTRACT(EPOCH FROM created_at::timestamptz) * 1000000)::bigint;
ALTER TABLE shield_reposts DROP COLUMN created_at;
