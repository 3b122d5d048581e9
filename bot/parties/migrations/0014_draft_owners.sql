-- A draft belongs to the process posting its announcement (bot.core.processes names it): with several
-- processes sharing the database, the drafts a start clears are only those whose process is gone.
ALTER TABLE watch_parties ADD COLUMN owner TEXT;
