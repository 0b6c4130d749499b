-- Schema 5: one copy of each thing. A session is stored once, in `doc`: its JSON exactly as
-- `export --format ndjson` writes it (`raw` inside it, byte for byte), compressed with zstd;
-- the typed columns stay for queries. `has_amounts`: the cost has an amount (a total or a
-- component's). The rows of an older store are converted, and `record` and `raw` dropped,
-- by the code that opens it (SQL cannot compress): see docs/sync.md.
ALTER TABLE sessions ADD COLUMN doc BYTEA NOT NULL DEFAULT '\x';
ALTER TABLE sessions ADD COLUMN has_amounts BIGINT NOT NULL DEFAULT 0;

-- The zstd dictionaries documents are packed with: one per vendor, trained from the first
-- records the store keeps of it (a 1.7 KB JSON packs to about a third without one, to a tenth
-- or less with one). `id` is zstd's dictionary id, which every frame packed with it names.
CREATE TABLE dictionaries (
    id               BIGINT PRIMARY KEY,
    source           TEXT NOT NULL,
    dict             BYTEA NOT NULL
);

-- Reads come in (account, started_at, id) order: the index holds it, so that an export walks
-- it instead of sorting every row (the ids of sessions that start at the same instant).
DROP INDEX sessions_by_start;
CREATE INDEX sessions_by_start ON sessions (account, started_at, id);
