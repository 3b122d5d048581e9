-- One encoding for every stored time: UTC microseconds since the epoch, as timers and watch parties
-- always had, instead of ISO 8601 text (Python's isoformat: always an offset, six digits of fraction when
-- there is one).

ALTER TABLE member_spoilers ADD COLUMN created_us INTEGER NOT NULL DEFAULT 0;
UPDATE member_spoilers SET created_us = CAST(strftime('%s', created_at) AS INTEGER) * 1000000
    + CASE WHEN substr(created_at, 20, 1) = '.' THEN CAST(substr(created_at, 21, 6) AS INTEGER) ELSE 0 END;
ALTER TABLE member_spoilers DROP COLUMN created_at;

ALTER TABLE shield_reposts ADD COLUMN created_us INTEGER NOT NULL DEFAULT 0;
UPDATE shield_reposts SET created_us = CAST(strftime('%s', created_at) AS INTEGER) * 1000000
    + CASE WHEN substr(created_at, 20, 1) = '.' THEN CAST(substr(created_at, 21, 6) AS INTEGER) ELSE 0 END;
ALTER TABLE shield_reposts DROP COLUMN created_at;
