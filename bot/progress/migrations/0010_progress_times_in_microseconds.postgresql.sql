-- One encoding for every stored time: UTC microseconds since the epoch, as timers and watch parties
-- always had, instead of ISO 8601 text (Python's isoformat: always an offset, six digits of fraction when
-- there is one). PostgreSQL's own reading of the same text.

ALTER TABLE user_progress ADD COLUMN updated_us BIGINT NOT NULL DEFAULT 0;
UPDATE user_progress SET updated_us = (EXTRACT(EPOCH FROM updated_at::timestamptz) * 1000000)::bigint;
ALTER TABLE user_progress DROP COLUMN updated_at;

ALTER TABLE guild_spoiler_baseline ADD COLUMN updated_us BIGINT NOT NULL DEFAULT 0;
UPDATE guild_spoiler_baseline SET updated_us = (EXTRACT(EPOCH FROM updated_at::timestamptz) * 1000000)::bigint;
ALTER TABLE guild_spoiler_baseline DROP COLUMN updated_at;

ALTER TABLE spoiler_channels ADD COLUMN updated_us BIGINT NOT NULL DEFAULT 0;
UPDATE spoiler_channels SET updated_us = (EXTRACT(EPOCH FROM updated_at::timestamptz) * 1000000)::bigint;
ALTER TABLE spoiler_channels DROP COLUMN updated_at;
