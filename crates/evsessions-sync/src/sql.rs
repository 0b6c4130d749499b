//! SQL shared by both backends (`$N` placeholders work in SQLite and PostgreSQL), and the
//! macros that bind a session's columns in one order. A backend passes how it encodes a time,
//! a decimal and a JSON text (`$json` is `""` for SQLite, `"::json"` for PostgreSQL).

use evsessions_core::ChargingSession;

/// The queryable columns of a session, in the order of [`SESSION_COLUMNS`].
pub(crate) struct Columns<'a> {
    pub status: &'static str,
    pub vendor_status: Option<&'a str>,
    pub started_at: Option<chrono::DateTime<chrono::Utc>>,
    pub ended_at: Option<chrono::DateTime<chrono::Utc>>,
    pub energy_kwh: Option<rust_decimal::Decimal>,
    pub charger_id: Option<&'a str>,
    pub charger_name: Option<&'a str>,
    pub connector_id: Option<&'a str>,
    pub evse_id: Option<&'a str>,
    pub site_id: Option<&'a str>,
    pub site_name: Option<&'a str>,
    pub id_tag: Option<&'a str>,
    pub user_id: Option<&'a str>,
    pub user_name: Option<&'a str>,
    pub currency: Option<&'a str>,
    pub total_excl_vat: Option<rust_decimal::Decimal>,
    pub total_incl_vat: Option<rust_decimal::Decimal>,
    pub vat_amount: Option<rust_decimal::Decimal>,
}

impl<'a> Columns<'a> {
    pub(crate) fn of(s: &'a ChargingSession) -> Self {
        let auth = s.authorization.as_ref();
        let site = s.site.as_ref();
        let cost = s.cost.as_ref();
        Columns {
            status: s.status.as_str(),
            vendor_status: s.vendor_status.as_deref(),
            started_at: s.started_at,
            ended_at: s.ended_at,
            energy_kwh: s.energy_kwh,
            charger_id: s.charger.id.as_deref(),
            charger_name: s.charger.name.as_deref(),
            connector_id: s.charger.connector_id.as_deref(),
            evse_id: s.charger.evse_id.as_deref(),
            site_id: site.and_then(|x| x.id.as_deref()),
            site_name: site.and_then(|x| x.name.as_deref()),
            id_tag: auth.and_then(|a| a.id_tag.as_deref()),
            user_id: auth.and_then(|a| a.user_id.as_deref()),
            user_name: auth.and_then(|a| a.user_name.as_deref()),
            currency: cost.and_then(|c| c.currency.as_deref()),
            total_excl_vat: cost.and_then(|c| c.total_excl_vat),
            total_incl_vat: cost.and_then(|c| c.total_incl_vat),
            vat_amount: cost.and_then(|c| c.vat_amount),
        }
    }
}

/// Bind a [`crate::store::RowWrite`] as `$1..$29` of [`insert_sql`] / [`update_sql`].
macro_rules! bind_row {
    ($q:expr, $row:expr, $t:expr, $d:expr) => {{
        let row = $row;
        let c = $crate::sql::Columns::of(row.session);
        $q.bind(row.account)
            .bind(row.session.source.as_str())
            .bind(row.session.id.as_str())
            .bind(c.status)
            .bind(c.vendor_status)
            .bind(c.started_at.map($t))
            .bind(c.ended_at.map($t))
            .bind(c.energy_kwh.map($d))
            .bind(c.charger_id)
            .bind(c.charger_name)
            .bind(c.connector_id)
            .bind(c.evse_id)
            .bind(c.site_id)
            .bind(c.site_name)
            .bind(c.id_tag)
            .bind(c.user_id)
            .bind(c.user_name)
            .bind(c.currency)
            .bind(c.total_excl_vat.map($d))
            .bind(c.total_incl_vat.map($d))
            .bind(c.vat_amount.map($d))
            .bind(row.parts.record.as_str())
            .bind(row.parts.raw.as_str())
            .bind(row.content_hash)
            .bind(row.revision)
            .bind(($t)(row.first_seen_at))
            .bind(($t)(row.now))
            .bind(($t)(row.now))
            .bind(row.replaces)
    }};
}
pub(crate) use bind_row;

/// Bind a [`crate::store::Revision`] as `$1..$11` of [`REVISION_SQL`].
macro_rules! bind_revision {
    ($q:expr, $rev:expr, $t:expr) => {{
        let rev = $rev;
        $q.bind(rev.account)
            .bind(rev.source)
            .bind(rev.id)
            .bind(rev.revision)
            .bind(($t)(rev.changed_at))
            .bind(rev.run_id)
            .bind(rev.kind.as_str())
            .bind(serde_json::Value::from(rev.changed_fields.clone()).to_string())
            .bind(rev.before.map(|b| b.record.clone()))
            .bind(rev.before.map(|b| b.raw.clone()))
            .bind(rev.content_hash)
    }};
}
pub(crate) use bind_revision;

/// Bind a [`crate::store::RunLog`] as `$1..$13` of [`FINISH_RUN_SQL`].
macro_rules! bind_run {
    ($q:expr, $run:expr, $t:expr) => {{
        let run = $run;
        let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        $q.bind(run.run_id)
            .bind(run.finished_at.map($t))
            .bind(run.result.as_str())
            .bind(n(run.counts.new))
            .bind(n(run.counts.changed))
            .bind(n(run.counts.unchanged))
            .bind(n(run.counts.superseded))
            .bind(n(run.counts.missing))
            .bind(n(run.counts.errors))
            .bind(n(run.counts.pages))
            .bind(run.duration_ms)
            .bind(run.error.as_deref())
            .bind(run.window_from.map($t))
            .bind(run.counts.requests.map(n))
    }};
}
pub(crate) use bind_run;

/// Bind a [`crate::store::SyncState`] as `$1..$7` of [`SAVE_STATE_SQL`].
macro_rules! bind_state {
    ($q:expr, $state:expr, $t:expr) => {{
        let s = $state;
        $q.bind(s.account.as_str())
            .bind(s.source.as_str())
            .bind(s.watermark.map($t))
            .bind(s.last_run_at.map($t))
            .bind(s.last_success_at.map($t))
            .bind(s.last_error.as_deref())
            .bind(s.last_error_at.map($t))
    }};
}
pub(crate) use bind_state;

const SESSION_COLUMNS: &str = "account, source, id, status, vendor_status, started_at, ended_at, \
     energy_kwh, charger_id, charger_name, connector_id, evse_id, site_id, site_name, id_tag, \
     user_id, user_name, currency, total_excl_vat, total_incl_vat, vat_amount, record, raw, \
     content_hash, revision, first_seen_at, last_seen_at, last_changed_at, replaces";

/// Insert a session row (`$json` casts the two JSON texts where the column is `json`).
pub(crate) fn insert_sql(json: &str) -> String {
    format!(
        "INSERT INTO sessions ({SESSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, \
         $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22{json}, $23{json}, $24, \
         $25, $26, $27, $28, $29)"
    )
}

/// Replace a session row's values; clears the missing and stale marks (`$26`, the first-seen
/// time, is bound but not written: it never changes).
pub(crate) fn update_sql(json: &str) -> String {
    format!(
        "UPDATE sessions SET status = $4, vendor_status = $5, started_at = $6, ended_at = $7, \
         energy_kwh = $8, charger_id = $9, charger_name = $10, connector_id = $11, evse_id = $12, \
         site_id = $13, site_name = $14, id_tag = $15, user_id = $16, user_name = $17, \
         currency = $18, total_excl_vat = $19, total_incl_vat = $20, vat_amount = $21, \
         record = $22{json}, raw = $23{json}, content_hash = $24, revision = $25, \
         last_seen_at = $27, last_changed_at = $28, replaces = $29, missed_runs = 0, missing_since = NULL, \
         stale_since = NULL WHERE account = $1 AND source = $2 AND id = $3"
    )
}

/// Append a revision.
pub(crate) fn revision_sql(json: &str) -> String {
    format!(
        "INSERT INTO revisions (account, source, id, revision, changed_at, run_id, kind, \
         changed_fields, before_record, before_raw, content_hash) VALUES ($1, $2, $3, $4, $5, \
         $6, $7, $8, $9{json}, $10{json}, $11)"
    )
}

/// A stored row (`$text` casts the JSON columns to text where they are `json`).
pub(crate) fn select_existing(text: &str) -> String {
    format!(
        "SELECT revision, content_hash, status, record{text} AS record, raw{text} AS raw, \
         first_seen_at, superseded_by, missed_runs, missing_since FROM sessions \
         WHERE account = $1 AND source = $2 AND id = $3"
    )
}

/// (No `ORDER BY`: with it, SQLite walks the primary key of the whole account instead of the
/// `replaces` index — a quadratic first sync. Two rows replacing one id do not happen.)
pub(crate) const REPLACED_BY: &str = "SELECT id FROM sessions WHERE account = $1 AND source = $2 \
     AND replaces = $3 AND id <> $3 LIMIT 1";

pub(crate) const MARK_SEEN: &str = "UPDATE sessions SET missed_runs = 0, missing_since = NULL, \
     last_seen_at = $4 WHERE account = $1 AND source = $2 AND id = $3";

pub(crate) const MARK_SUPERSEDED: &str = "UPDATE sessions SET superseded_by = $4, \
     superseded_at = $6, revision = $5, last_changed_at = $6, last_seen_at = $6 \
     WHERE account = $1 AND source = $2 AND id = $3";

pub(crate) const WINDOW_ROWS: &str = "SELECT source, id, missed_runs, missing_since FROM sessions \
     WHERE account = $1 AND started_at >= $2 AND superseded_by IS NULL";

pub(crate) const SET_MISSING: &str = "UPDATE sessions SET missed_runs = $4, missing_since = $5 \
     WHERE account = $1 AND source = $2 AND id = $3";

pub(crate) const SET_STALE: &str = "UPDATE sessions SET stale_since = $4 \
     WHERE account = $1 AND source = $2 AND id = $3 AND stale_since IS NULL";

pub(crate) const OPEN_SESSIONS: &str = "SELECT source, id, started_at FROM sessions \
     WHERE account = $1 AND status IN ('pending', 'active', 'reservation') \
     AND superseded_by IS NULL AND stale_since IS NULL ORDER BY started_at";

pub(crate) const SAVE_STATE_SQL: &str = "INSERT INTO sync_state (account, source, watermark, \
     last_run_at, last_success_at, last_error, last_error_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
     ON CONFLICT (account) DO UPDATE SET source = excluded.source, watermark = excluded.watermark, \
     last_run_at = excluded.last_run_at, last_success_at = excluded.last_success_at, \
     last_error = excluded.last_error, last_error_at = excluded.last_error_at";

pub(crate) const LOAD_STATE: &str = "SELECT account, source, watermark, last_run_at, \
     last_success_at, last_error, last_error_at FROM sync_state WHERE account = $1";

pub(crate) const ALL_STATES: &str = "SELECT account, source, watermark, last_run_at, \
     last_success_at, last_error, last_error_at FROM sync_state ORDER BY account";

pub(crate) const START_RUN: &str = "INSERT INTO runs (account, source, worker, started_at, \
     result, window_from) VALUES ($1, $2, $3, $4, 'running', $5) RETURNING run_id";

pub(crate) const FINISH_RUN_SQL: &str = "UPDATE runs SET finished_at = $2, result = $3, \
     new_count = $4, changed_count = $5, unchanged_count = $6, superseded_count = $7, \
     missing_count = $8, error_count = $9, pages = $10, duration_ms = $11, error = $12, \
     window_from = $13, requests = $14 WHERE run_id = $1";

pub(crate) const RUN_ERROR: &str =
    "INSERT INTO run_errors (run_id, seq, record_id, message) VALUES ($1, $2, $3, $4)";

pub(crate) const RUNS: &str = "SELECT run_id, account, source, worker, started_at, finished_at, \
     result, window_from, new_count, changed_count, unchanged_count, superseded_count, \
     missing_count, error_count, pages, requests, duration_ms, error FROM runs WHERE account = $1 \
     ORDER BY run_id DESC LIMIT $2";

pub(crate) const COUNTS: &str = "SELECT account, COUNT(*) AS sessions, \
     SUM(CASE WHEN status IN ('pending', 'active', 'reservation') AND superseded_by IS NULL \
     AND stale_since IS NULL THEN 1 ELSE 0 END) AS open FROM sessions GROUP BY account";

pub(crate) const REVISIONS: &str = "SELECT revision, kind, changed_fields, changed_at \
     FROM revisions WHERE account = $1 AND source = $2 AND id = $3 ORDER BY revision";

pub(crate) const RELEASE_LEASE: &str = "UPDATE sync_state SET lease_owner = NULL, \
     lease_expires_at = NULL WHERE account = $1 AND lease_owner = $2";

/// Stored sessions, optionally from `$1` and before `$2` (on the start), ordered; the rest of
/// the filter is applied in Rust ([`crate::SessionFilter::accepts`]).
macro_rules! sessions_sql {
    ($text:literal) => {
        concat!(
            "SELECT account, record",
            $text,
            " AS record, raw",
            $text,
            " AS raw, revision, ",
            "content_hash, first_seen_at, last_seen_at, last_changed_at, superseded_by, ",
            "missing_since, stale_since FROM sessions WHERE ($1 IS NULL OR started_at >= $1) ",
            "AND ($2 IS NULL OR started_at < $2) ORDER BY account, started_at, id"
        )
    };
}
pub(crate) use sessions_sql;

pub(crate) fn exports_sql(text: &str) -> String {
    format!(
        "SELECT kind, account, source, id, version, content_hash, payload{text} AS payload, \
         exported_at FROM exports WHERE kind = $1 ORDER BY account, source, id"
    )
}

pub(crate) fn record_export_sql(json: &str) -> String {
    format!(
        "INSERT INTO exports (kind, account, source, id, version, content_hash, payload, \
         exported_at) VALUES ($1, $2, $3, $4, $5, $6, $7{json}, $8) ON CONFLICT (kind, account, \
         source, id) DO UPDATE SET version = excluded.version, content_hash = \
         excluded.content_hash, payload = excluded.payload, exported_at = excluded.exported_at"
    )
}
