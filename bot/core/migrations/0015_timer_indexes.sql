-- Indexes for the claims (bot/core/timers_repository.py), measured with a million pending timers
-- (bench/timers_at_scale.py): without them, "when can I next claim?" read every pending row (54 ms on
-- PostgreSQL, 80 on SQLite), and every claim sorted every due row.
-- When each unfinished timer can next be claimed: the expression must stay exactly next_claimable's.
CREATE INDEX timers_claimable ON timers
    ((CASE WHEN lease_us IS NULL OR lease_us < due_us THEN due_us ELSE lease_us END))
    WHERE done_us IS NULL;
-- The claim's order, so that a page stops after its rows.
DROP INDEX timers_pending;
CREATE INDEX timers_pending ON timers (due_us, id) WHERE done_us IS NULL;
