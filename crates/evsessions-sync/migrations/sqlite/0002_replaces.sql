-- Schema 2: what a row replaces (eMabler: the ongoing transactionId a finished record
-- supersedes), so that an earlier record stored after its replacement is hidden at once.
ALTER TABLE sessions ADD COLUMN replaces TEXT;
CREATE INDEX sessions_by_replaces ON sessions (account, source, replaces);
