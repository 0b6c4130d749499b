-- evsessions store, schema 1 (PostgreSQL). Times are timestamptz (microseconds); the
-- exact instants are in `record`. Money and energy are NUMERIC; record and raw are json (kept as sent).

CREATE TABLE sessions (
    account          TEXT NOT NULL,
    source           TEXT NOT NULL,
    id               TEXT NOT NULL,
    status           TEXT NOT NULL,
    vendor_status    TEXT,
    started_at       TIMESTAMPTZ,
    ended_at         TIMESTAMPTZ,
    energy_kwh       NUMERIC,
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
    total_excl_vat   NUMERIC,
    total_incl_vat   NUMERIC,
    vat_amount       NUMERIC,
    record           JSON NOT NULL,
    raw              JSON NOT NULL,
    content_hash     TEXT NOT NULL,
    revision         BIGINT NOT NULL,
    first_seen_at    TIMESTAMPTZ NOT NULL,
    last_seen_at     TIMESTAMPTZ NOT NULL,
    last_changed_at  TIMESTAMPTZ NOT NULL,
    superseded_by    TEXT,
    superseded_at    TIMESTAMPTZ,
    missed_runs      BIGINT NOT NULL DEFAULT 0,
    missing_since    TIMESTAMPTZ,
    stale_since      TIMESTAMPTZ,
    PRIMARY KEY (account, source, id)
);
CREATE INDEX sessions_by_start ON sessions (account, started_at);
CREATE INDEX sessions_by_status ON sessions (account, status);

CREATE TABLE revisions (
    account          TEXT NOT NULL,
    source           TEXT NOT NULL,
    id               TEXT NOT NULL,
    revision         BIGINT NOT NULL,
    changed_at       TIMESTAMPTZ NOT NULL,
    run_id           BIGINT,
    kind             TEXT NOT NULL,
    changed_fields   TEXT NOT NULL,
    before_record    JSON,
    before_raw       JSON,
    content_hash     TEXT NOT NULL,
    PRIMARY KEY (account, source, id, revision)
);

CREATE TABLE sync_state (
    account          TEXT PRIMARY KEY,
    source           TEXT NOT NULL,
    watermark        TIMESTAMPTZ,
    last_run_at      TIMESTAMPTZ,
    last_success_at  TIMESTAMPTZ,
    last_error       TEXT,
    last_error_at    TIMESTAMPTZ,
    lease_owner      TEXT,
    lease_expires_at TIMESTAMPTZ
);

CREATE TABLE runs (
    run_id           BIGSERIAL PRIMARY KEY,
    account          TEXT NOT NULL,
    source           TEXT NOT NULL,
    worker           TEXT NOT NULL,
    started_at       TIMESTAMPTZ NOT NULL,
    finished_at      TIMESTAMPTZ,
    result           TEXT NOT NULL,
    window_from      TIMESTAMPTZ,
    new_count        BIGINT NOT NULL DEFAULT 0,
    changed_count    BIGINT NOT NULL DEFAULT 0,
    unchanged_count  BIGINT NOT NULL DEFAULT 0,
    superseded_count BIGINT NOT NULL DEFAULT 0,
    missing_count    BIGINT NOT NULL DEFAULT 0,
    error_count      BIGINT NOT NULL DEFAULT 0,
    pages            BIGINT NOT NULL DEFAULT 0,
    duration_ms      BIGINT,
    error            TEXT
);
CREATE INDEX runs_by_account ON runs (account, run_id);

CREATE TABLE run_errors (
    run_id           BIGINT NOT NULL,
    seq              BIGINT NOT NULL,
    record_id        TEXT,
    message          TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
);
