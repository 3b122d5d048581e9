-- Each member's time zone (an IANA name), for reading the times they type.
CREATE TABLE user_timezones (
    user_id    INTEGER PRIMARY KEY,
    zone       TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
