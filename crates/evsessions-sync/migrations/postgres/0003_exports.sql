-- Schema 3: what incremental exports wrote (OCPI CDRs), so that a session corrected after it
-- was exported yields a credit of what was sent and a new version, never a silent second copy.
CREATE TABLE exports (
    kind             TEXT NOT NULL,
    account          TEXT NOT NULL,
    source           TEXT NOT NULL,
    id               TEXT NOT NULL,
    version          BIGINT NOT NULL,
    content_hash     TEXT NOT NULL,
    payload          JSON NOT NULL,
    exported_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (kind, account, source, id)
);
