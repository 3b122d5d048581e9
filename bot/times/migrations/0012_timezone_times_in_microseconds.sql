-- One encoding for every stored time: UTC microseconds since the epoch, as timers and watch parties
-- always had, instead of ISO 8601 text (Python's isoformat: always an offset, six digits of fraction when
-- there is one).

ALTER TABLE user_timezones ADD COLUMN updated_us INTEGER NOT NULL DEFAULT 0;
UPDATE user_timezones SET updated_us = CAST(strftime('%s', updated_at) AS INTEGER) * 1000000
    + CASE WHEN substr(updated_at, 20, 1) = '.' THEN CAST(substr(updated_at, 21, 6) AS INTEGER) ELSE 0 END;
ALTER TABLE user_timezones DROP COLUMN updated_at;
