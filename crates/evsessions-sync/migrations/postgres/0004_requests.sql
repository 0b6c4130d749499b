-- Schema 4: the HTTP requests a run sent (every attempt, retries and token calls included);
-- NULL for runs logged before this version, or by a source that cannot count them.
ALTER TABLE runs ADD COLUMN requests BIGINT;
