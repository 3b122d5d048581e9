-- A wrapped repost too long for one message is posted as several. Its row in shield_reposts is the last
-- part (the one with "Not a spoiler"); these are the parts before it, in order, so that restoring the
-- original can edit or remove them. Forgotten with the repost.
CREATE TABLE shield_repost_parts (
    repost_id  INTEGER NOT NULL REFERENCES shield_reposts (message_id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    PRIMARY KEY (repost_id, position)
);
