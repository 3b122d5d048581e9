-- A party's host now answers Going when they plan it (and so is counted and reminded) until they answer
-- otherwise. Hosts of parties planned before that count as Going too, unless they already answered; a
-- party whose host erased their data (host_id 0) has no host to count.
INSERT INTO party_rsvps (party_id, user_id, choice, updated_us)
SELECT id, host_id, 'going', created_us FROM watch_parties WHERE host_id != 0
ON CONFLICT DO NOTHING;
