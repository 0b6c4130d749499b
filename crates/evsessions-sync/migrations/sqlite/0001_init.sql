-- evsessions store, schema 1 (SQLite). Times are UTC text 'YYYY-MM-DDTHH:MM:SS.fffffffffZ'
-- (fixed width, so text order is time order); money and energy are exact decimal text.

CREATE TABLE sessions (
    account          TEXT NOT NULL,
    source           TEXT NOT NULL,
    id               TEXT NOT NULL,
    status           TEXT NOT NULL,
    vendor_status    TEXT,
    started_at       TEXT,
    ended_at         TEXT,
    energy_kwh       TEXT,
    charger_id       TEXT,
    charger_name     TEXT,
    connector_id     TEXT,
    evse_id          TEXT,
    site_id          TEXT,
    site_name        TEXT,
    id_tag           TEXT,
    user_id          TEXT,
    user_name        TEXT,
    currency         TEXT,
    total_excl_vat   TEXT,
    total_incl_vat   TEXT,
    vat_amount       TEXT,
    record           TEXT NOT NULL,
    raw              TEXT NOT NULL,
    content_hash     TEXT NOT NULL,
    revision         INTEGER NOT NULL,
    first_seen_at    TEXT NOT NULL,
    last_seen_at     TEXT NOT NULL,
    last_changed_at  TEXT NOT NULL,
    superseded_by    TEXT,
    superseded_at    TEXT,
    missed_runs      INTEGER NOT NULL DEFAULT 0,
    missing_since    TEXT,
    stale_since      TEXT,
    PRIMARY KEY (account, source, id)
);
CREATE INDEX sessions_by_start ON sessions (account, started_at);
CREATE INDEX sessions_by_status ON sessions (account, status);

CREATE TABLE revisions (
    account          TEXT NOT NULL,
    source           TEXT NOT NULL,
    id               TEXT NOT NULL,
    revision         INTEGER NOT NULL,
    changed_at       TEXT NOT NULL,
    run_id           INTEGER,
    kind             TEXT NOT NULL,
    changed_fields   TEXT NOT NULL,
    before_record    TEXT,
    before_raw       TEXT,
    content_hash     TEXT NOT NULL,
    PRIMARY KEY (account, source, id, revision)
);

CREATE TABLE sync_state (
    account          TEXT PRIMARY KEY,
    source           TEXT NOT NULL,
    watermark        TEXT,
    last_run_at      TEXT,
    last_success_at  TEXT,
    last_error       TEXT,
    last_error_at    TEXT,
    lease_owner      TEXT,
    lease_expires_at TEXT
);

CREATE TABLE runs (
    run_id           INTEGER PRIMARY KEY AUTOINCREMENT,
    account          TEXT NOT NULL,
    source           TEXT NOT NULL,
    worker           TEXT NOT NULL,
    started_at       TEXT NOT NULL,
    finished_at      TEXT,
    result           TEXT NOT NULL,
    window_from      TEXT,
    new_count        INTEGER NOT NULL DEFAULT 0,
    changed_count    INTEGER NOT NULL DEFAULT 0,
    unchanged_count  INTEGER NOT NULL DEFAULT 0,
    superseded_count INTEGER NOT NULL DEFAULT 0,
    missing_count    INTEGER NOT NULL DEFAULT 0,
    error_count      INTEGER NOT NULL DEFAULT 0,
    pages            INTEGER NOT NULL DEFAULT 0,
    duration_ms      INTEGER,
    error            TEXT
);
CREATE INDEX runs_by_account ON runs (account, run_id);

CREATE TABLE run_errors (
    run_id           INTEGER NOT NULL,
    seq              INTEGER NOT NULL,
    record_id        TEXT,
    message          TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
);
