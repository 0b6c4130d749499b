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
    /// The cost has an amount (a total or a component's): see [`crate::store::SessionStore::session_columns`].
    pub has_amounts: bool,
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
            has_amounts: cost.is_some_and(|c| !c.has_no_amounts()),
        }
    }
}

/// Bind one [`crate::store::RowWrite`] as the next [`UPSERT_PARAMS`] parameters of
/// [`upsert_sql`].
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
            .bind(i64::from(c.has_amounts))
            .bind(row.doc)
            .bind(row.content_hash)
            .bind(row.revision)
            .bind(($t)(row.first_seen_at))
            .bind(($t)(row.last_seen_at))
            .bind(($t)(row.last_changed_at))
            .bind(row.replaces)
            .bind(row.superseded_by)
            .bind(row.superseded_at.map($t))
    }};
}
pub(crate) use bind_row;

/// Bind one [`crate::store::Revision`] as the next [`REVISION_PARAMS`] parameters of
/// [`revisions_sql`].
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
            .bind(rev.before.as_ref().map(|b| b.record.clone()))
            .bind(rev.before.as_ref().map(|b| b.raw.clone()))
            .bind(rev.content_hash)
    }};
}
pub(crate) use bind_revision;

/// Bind a [`crate::store::MarkWrite`] as `$1..$10` of [`UPDATE_MARKS`].
macro_rules! bind_marks {
    ($q:expr, $m:expr, $t:expr) => {{
        let m = $m;
        $q.bind(m.account)
            .bind(m.source)
            .bind(m.id)
            .bind(m.revision)
            .bind(m.superseded_by)
            .bind(m.superseded_at.map($t))
            .bind(($t)(m.last_seen_at))
            .bind(m.last_changed_at.map($t))
            .bind(m.missed_runs)
            .bind(m.missing_since.map($t))
    }};
}
pub(crate) use bind_marks;

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
     user_id, user_name, currency, total_excl_vat, total_incl_vat, vat_amount, has_amounts, doc, \
     content_hash, revision, first_seen_at, last_seen_at, last_changed_at, replaces, \
     superseded_by, superseded_at";

/// Parameters per row of [`upsert_sql`].
pub(crate) const UPSERT_PARAMS: usize = 31;
/// Rows per statement of [`upsert_sql`] at most: 15,500 parameters, inside both SQLite's
/// (32,766) and PostgreSQL's (65,535) limits.
pub(crate) const UPSERT_ROWS: usize = 500;

/// `n` groups of `per` placeholders in order: numbered from `$1` (`($1, $2), ($3, $4)`), or,
/// when `numbered` is false, anonymous `?` — the same parameters, since each is used once in
/// order. SQLite wants the anonymous ones in long statements: the name of a parameter is
/// looked up through a list, so binding thousands of named ones takes quadratic time.
fn values(n: usize, per: usize, numbered: bool, cast: impl Fn(usize) -> &'static str) -> String {
    let mut out = String::with_capacity(n * per * 6);
    for r in 0..n {
        if r > 0 {
            out.push_str(", ");
        }
        out.push('(');
        for c in 0..per {
            if c > 0 {
                out.push_str(", ");
            }
            if numbered {
                out.push('$');
                out.push_str(&(r * per + c + 1).to_string());
            } else {
                out.push('?');
            }
            out.push_str(cast(c));
        }
        out.push(')');
    }
    out
}

/// Insert or replace `n` rows in one statement; a replaced row keeps its first-seen time
/// and loses its missing and stale marks.
pub(crate) fn upsert_sql(n: usize, numbered: bool) -> String {
    format!(
        "INSERT INTO sessions ({SESSION_COLUMNS}) VALUES {} ON CONFLICT (account, source, id) \
         DO UPDATE SET status = excluded.status, vendor_status = excluded.vendor_status, \
         started_at = excluded.started_at, ended_at = excluded.ended_at, \
         energy_kwh = excluded.energy_kwh, charger_id = excluded.charger_id, \
         charger_name = excluded.charger_name, connector_id = excluded.connector_id, \
         evse_id = excluded.evse_id, site_id = excluded.site_id, site_name = excluded.site_name, \
         id_tag = excluded.id_tag, user_id = excluded.user_id, user_name = excluded.user_name, \
         currency = excluded.currency, total_excl_vat = excluded.total_excl_vat, \
         total_incl_vat = excluded.total_incl_vat, vat_amount = excluded.vat_amount, \
         has_amounts = excluded.has_amounts, doc = excluded.doc, \
         content_hash = excluded.content_hash, revision = excluded.revision, \
         last_seen_at = excluded.last_seen_at, last_changed_at = excluded.last_changed_at, \
         replaces = excluded.replaces, superseded_by = excluded.superseded_by, \
         superseded_at = excluded.superseded_at, missed_runs = 0, missing_since = NULL, \
         stale_since = NULL",
        values(n, UPSERT_PARAMS, numbered, |_| "")
    )
}

/// Parameters per row of [`revisions_sql`].
pub(crate) const REVISION_PARAMS: usize = 11;
/// Rows per statement of [`revisions_sql`] at most.
pub(crate) const REVISION_ROWS: usize = 1000;

/// Append `n` revisions in one statement (`json` casts the two JSON texts where the columns
/// are `json`).
pub(crate) fn revisions_sql(n: usize, numbered: bool, json: &'static str) -> String {
    format!(
        "INSERT INTO revisions (account, source, id, revision, changed_at, run_id, kind, \
         changed_fields, before_record, before_raw, content_hash) VALUES {}",
        values(n, REVISION_PARAMS, numbered, |c| {
            if c == 8 || c == 9 {
                json
            } else {
                ""
            }
        })
    )
}

/// The stored rows of a list of ids (`$3`: a JSON array of ids; `ids` the backend's test of
/// membership in it, one that its planner turns into index lookups).
pub(crate) fn existing_sql(ids: &str) -> String {
    format!(
        "SELECT id, revision, content_hash, status, first_seen_at, superseded_by, \
         superseded_at, replaces, missed_runs, missing_since FROM sessions \
         WHERE account = $1 AND source = $2 AND id {ids}"
    )
}

/// Rows that replace one of a list of ids (`$3` as in [`existing_sql`]).
pub(crate) fn replacing_sql(ids: &str) -> String {
    format!(
        "SELECT replaces, id FROM sessions WHERE account = $1 AND source = $2 \
         AND replaces {ids} AND id <> replaces"
    )
}

pub(crate) const DICTIONARIES: &str = "SELECT id, source, dict FROM dictionaries ORDER BY id";

pub(crate) const ADD_DICTIONARY: &str = "INSERT INTO dictionaries (id, source, dict) \
     VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING";

pub(crate) const STORED_DOC: &str =
    "SELECT doc FROM sessions WHERE account = $1 AND source = $2 AND id = $3";

pub(crate) const UPDATE_MARKS: &str = "UPDATE sessions SET revision = $4, superseded_by = $5, \
     superseded_at = $6, last_seen_at = $7, last_changed_at = COALESCE($8, last_changed_at), \
     missed_runs = $9, missing_since = $10 WHERE account = $1 AND source = $2 AND id = $3";

pub(crate) const WINDOW_ROWS: &str = "SELECT source, id, missed_runs, missing_since FROM sessions \
     WHERE account = $1 AND started_at >= $2 AND superseded_by IS NULL";

pub(crate) const SET_MISSING: &str = "UPDATE sessions SET missed_runs = $4, missing_since = $5 \
     WHERE account = $1 AND source = $2 AND id = $3";

pub(crate) const SET_STALE: &str = "UPDATE sessions SET stale_since = $4 \
     WHERE account = $1 AND source = $2 AND id = $3 AND stale_since IS NULL";

/// (No `ORDER BY started_at`: with it, SQLite walks the account's start index, reading every
/// row of the account to find the few open ones — 1.7 s at 1 M stored. They are sorted after.)
pub(crate) const OPEN_SESSIONS: &str = "SELECT source, id, started_at FROM sessions \
     WHERE account = $1 AND status IN ('pending', 'active', 'reservation') \
     AND superseded_by IS NULL AND stale_since IS NULL";

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
/// the filter is applied in Rust, on the columns, before a document is read
/// ([`crate::SessionFilter::accepts_row`]).
pub(crate) const SESSIONS: &str = "SELECT account, source, status, started_at, superseded_by, \
     doc, revision, content_hash, first_seen_at, last_seen_at, last_changed_at, missing_since, \
     stale_since FROM sessions WHERE ($1 IS NULL OR started_at >= $1) \
     AND ($2 IS NULL OR started_at < $2) ORDER BY account, started_at, id";

/// The documents of [`SESSIONS`].
pub(crate) const DOCUMENTS: &str = "SELECT account, source, status, started_at, superseded_by, \
     doc FROM sessions WHERE ($1 IS NULL OR started_at >= $1) \
     AND ($2 IS NULL OR started_at < $2) ORDER BY account, started_at, id";

/// The queryable columns of [`SESSIONS`]; the document only of a row whose cost has amounts
/// in components but no total (the columns cannot say them).
pub(crate) const SESSION_COLUMNS_READ: &str = "SELECT account, source, id, status, \
     vendor_status, started_at, ended_at, energy_kwh, charger_id, charger_name, connector_id, \
     evse_id, site_id, site_name, id_tag, user_id, user_name, currency, total_excl_vat, \
     total_incl_vat, vat_amount, has_amounts, superseded_by, \
     CASE WHEN has_amounts = 1 AND total_excl_vat IS NULL AND total_incl_vat IS NULL \
     AND vat_amount IS NULL THEN doc END AS doc FROM sessions \
     WHERE ($1 IS NULL OR started_at >= $1) AND ($2 IS NULL OR started_at < $2) \
     ORDER BY account, started_at, id";

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
