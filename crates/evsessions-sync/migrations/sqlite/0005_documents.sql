-- Schema 5: one copy of each thing. A session is stored once, in `doc`: its JSON exactly as
-- `export --format ndjson` writes it (`raw` inside it, byte for byte), compressed with zstd;
-- the typed columns stay for queries. `has_amounts`: the cost has an amount (a total or a
-- component's). The rows of an older store are converted, and `record` and `raw` dropped,
-- by the code that opens it (SQL cannot compress): see docs/sync.md.
ALTER TABLE sessions ADD COLUMN doc BLOB NOT NULL DEFAULT x'';
ALTER TABLE sessions ADD COLUMN has_amounts INTEGER NOT NULL DEFAULT 0;
