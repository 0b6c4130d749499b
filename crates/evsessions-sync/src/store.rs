//! The [`SessionStore`] trait, the types it stores, and [`open_store`] (a path or a URL → the
//! right backend).
//!
//! A store keeps, per account: one row per session (the latest normalized record in queryable
//! columns plus the vendor's raw JSON), every change as a revision, the sync state (watermark,
//! last run, lease) and a log of runs. Nothing is ever deleted. The sync engine
//! ([`crate::sync_account`]) is written once against these traits; each backend implements the
//! small primitives below, always inside one transaction ([`StoreTx`]).

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use evsessions_core::{ChargingSession, RawRecord, SessionStatus, StatusFilter};
use futures::stream::BoxStream;
use serde::Serialize;

use crate::error::{SyncError, SyncResult};

/// One session as the store holds it: the record and what the store knows about it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct StoredSession {
    /// The account the session belongs to.
    pub account: String,
    /// The latest normalized record (with `raw`).
    pub session: ChargingSession,
    /// Store metadata.
    pub meta: SessionMeta,
}

/// What the store records beside a session's values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct SessionMeta {
    /// 1 for the first version; +1 for every change.
    pub revision: i64,
    /// Hex SHA-256 (first 128 bits) of the record's canonical JSON.
    pub content_hash: String,
    /// When a sync first stored the session.
    pub first_seen_at: DateTime<Utc>,
    /// When a sync last wrote the row (a change, a reappearance); unchanged rows are not
    /// rewritten, see `docs/sync.md`.
    pub last_seen_at: DateTime<Utc>,
    /// When the values last changed.
    pub last_changed_at: DateTime<Utc>,
    /// The id of the session that replaced this one (eMabler: the finished record of an
    /// ongoing session); superseded rows are hidden from exports by default.
    pub superseded_by: Option<String>,
    /// Set when the vendor stopped returning the session in two complete runs in a row.
    pub missing_since: Option<DateTime<Utc>>,
    /// Set when an open session grew older than the maximum open age: no longer followed.
    pub stale_since: Option<DateTime<Utc>>,
}

/// The content hash of a record: hex SHA-256 (first 16 bytes) of its JSON form (written by
/// `evsessions_core::output::write_session_json`, byte for byte serde's form, without its
/// per-field cost).
pub fn content_hash(session: &ChargingSession) -> SyncResult<String> {
    Ok(crate::doc::hash_of(&crate::doc::json_of(session)?))
}

/// A session's record split for storage: the normalized part (JSON without `raw`) and `raw`.
#[derive(Debug, Clone)]
pub struct RecordParts {
    /// The normalized record as JSON text, without `raw`.
    pub record: String,
    /// The vendor's raw JSON text.
    pub raw: String,
}

impl RecordParts {
    /// Split a session for storage. `raw` is stored as its text, byte for byte.
    pub fn of(session: &ChargingSession) -> SyncResult<RecordParts> {
        // The normalized part is serialized without `raw` (whose text may hold what a
        // `serde_json::Value` cannot: `1e400`, deep nesting).
        let mut bare = session.clone();
        bare.raw = RawRecord::null();
        let mut value = serde_json::to_value(&bare).map_err(|e| SyncError::Data {
            message: format!("cannot serialize session {}: {e}", session.id),
        })?;
        if let Some(o) = value.as_object_mut() {
            o.remove("raw");
        }
        Ok(RecordParts {
            record: value.to_string(),
            raw: session.raw.as_str().to_string(),
        })
    }

    /// Join stored parts back into a session; `raw` comes back as the text stored (rows of
    /// earlier versions hold it re-encoded, and read back as such).
    pub fn join(record: &str, raw: &str) -> SyncResult<ChargingSession> {
        let bad = |e: serde_json::Error| SyncError::Data {
            message: format!("a stored record is not valid JSON: {e}"),
        };
        let mut value: serde_json::Value = serde_json::from_str(record).map_err(bad)?;
        if let Some(o) = value.as_object_mut() {
            o.insert("raw".into(), serde_json::Value::Null);
        }
        let mut session: ChargingSession = serde_json::from_value(value).map_err(bad)?;
        session.raw = RawRecord::from_json(raw).map_err(bad)?;
        Ok(session)
    }

    /// The top-level fields that differ between two stored versions (`raw` included).
    pub fn changed_fields(before: &RecordParts, after: &RecordParts) -> Vec<String> {
        let parse = |t: &str| serde_json::from_str::<serde_json::Value>(t).unwrap_or_default();
        let (b, a) = (parse(&before.record), parse(&after.record));
        let mut fields = Vec::new();
        if let (Some(b), Some(a)) = (b.as_object(), a.as_object()) {
            for (k, v) in a {
                if b.get(k) != Some(v) {
                    fields.push(k.clone());
                }
            }
            for k in b.keys() {
                if !a.contains_key(k) {
                    fields.push(k.clone());
                }
            }
        }
        if before.raw != after.raw {
            fields.push("raw".into());
        }
        fields
    }
}

/// A stored row as the engine needs it to decide what changed (its values stay in the
/// store: [`StoreTx::stored_parts`] reads them when a revision needs them).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ExistingRow {
    /// The session id.
    pub id: String,
    /// Current revision.
    pub revision: i64,
    /// Current content hash.
    pub content_hash: String,
    /// Current status.
    pub status: SessionStatus,
    /// When first stored.
    pub first_seen_at: DateTime<Utc>,
    /// Replaced by this id, if superseded.
    pub superseded_by: Option<String>,
    /// When it was superseded.
    pub superseded_at: Option<DateTime<Utc>>,
    /// The earlier id this row replaces.
    pub replaces: Option<String>,
    /// Complete runs in a row that did not return it.
    pub missed_runs: i64,
    /// Missing since.
    pub missing_since: Option<DateTime<Utc>>,
}

/// A row to insert or replace (`INSERT … ON CONFLICT DO UPDATE`, many a statement): the
/// record's values and the row's final state after a batch. Its missing and stale marks are
/// cleared.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RowWrite<'a> {
    /// The account.
    pub account: &'a str,
    /// The record.
    pub session: &'a ChargingSession,
    /// Its stored document (zstd of its JSON).
    pub doc: &'a [u8],
    /// Its content hash.
    pub content_hash: &'a str,
    /// The row's revision after the batch.
    pub revision: i64,
    /// First seen (kept on update).
    pub first_seen_at: DateTime<Utc>,
    /// Last written.
    pub last_seen_at: DateTime<Utc>,
    /// Last changed.
    pub last_changed_at: DateTime<Utc>,
    /// The earlier id this record replaces, if any.
    pub replaces: Option<&'a str>,
    /// The id of the record that replaced this one, if any.
    pub superseded_by: Option<&'a str>,
    /// When it was superseded.
    pub superseded_at: Option<DateTime<Utc>>,
}

/// A change to a row's marks only, its values untouched (seen again, superseded).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct MarkWrite<'a> {
    /// The account.
    pub account: &'a str,
    /// The vendor.
    pub source: &'a str,
    /// The session id.
    pub id: &'a str,
    /// The row's revision after the batch.
    pub revision: i64,
    /// The id of the record that replaced this one, if any.
    pub superseded_by: Option<&'a str>,
    /// When it was superseded.
    pub superseded_at: Option<DateTime<Utc>>,
    /// Last written.
    pub last_seen_at: DateTime<Utc>,
    /// Last changed (`None`: unchanged).
    pub last_changed_at: Option<DateTime<Utc>>,
    /// Complete runs in a row that did not return it.
    pub missed_runs: i64,
    /// Missing since.
    pub missing_since: Option<DateTime<Utc>>,
}

/// What kind of change a revision records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RevisionKind {
    /// The first version.
    New,
    /// Values changed while the session was open (or before it was completed).
    Changed,
    /// Values changed after the session was `completed`: a correction (a recomputed cost).
    Correction,
    /// Replaced by another record (its id in `superseded_by`).
    Superseded,
}

impl RevisionKind {
    /// The stored name.
    pub fn as_str(&self) -> &'static str {
        match self {
            RevisionKind::New => "new",
            RevisionKind::Changed => "changed",
            RevisionKind::Correction => "correction",
            RevisionKind::Superseded => "superseded",
        }
    }
}

/// One revision: a change to a session, with the record as it was before.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Revision<'a> {
    /// The account.
    pub account: &'a str,
    /// The vendor.
    pub source: &'a str,
    /// The session id.
    pub id: &'a str,
    /// The revision number this change made.
    pub revision: i64,
    /// When.
    pub changed_at: DateTime<Utc>,
    /// The run that made it.
    pub run_id: Option<i64>,
    /// What kind of change.
    pub kind: RevisionKind,
    /// The top-level fields that changed (JSON array text).
    pub changed_fields: Vec<String>,
    /// The record before the change (`None` for [`RevisionKind::New`]).
    pub before: Option<RecordParts>,
    /// The content hash after the change.
    pub content_hash: &'a str,
}

/// A stored revision, as read back ([`SessionStore::revisions`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RevisionInfo {
    /// The revision number.
    pub revision: i64,
    /// `new`, `changed`, `correction` or `superseded`.
    pub kind: String,
    /// The top-level fields that changed.
    pub changed_fields: Vec<String>,
    /// When.
    pub changed_at: DateTime<Utc>,
}

/// An open session the store holds (pending, active or reservation, not superseded, not stale).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct OpenSession {
    /// The vendor.
    pub source: String,
    /// The session id.
    pub id: String,
    /// Its start, if known.
    pub started_at: Option<DateTime<Utc>>,
}

/// A row in a completed window, for the vanished-record check.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct WindowRow {
    /// The vendor.
    pub source: String,
    /// The session id.
    pub id: String,
    /// Complete runs in a row that did not return it.
    pub missed_runs: i64,
    /// Missing since.
    pub missing_since: Option<DateTime<Utc>>,
}

/// An account's sync state.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[non_exhaustive]
pub struct SyncState {
    /// The account.
    pub account: String,
    /// Its vendor.
    pub source: String,
    /// Everything that started before this instant was read completely (less the lookback).
    pub watermark: Option<DateTime<Utc>>,
    /// When the last run started.
    pub last_run_at: Option<DateTime<Utc>>,
    /// When the last run that read its whole window started.
    pub last_success_at: Option<DateTime<Utc>>,
    /// The last run's error, if it failed.
    pub last_error: Option<String>,
    /// When that error happened.
    pub last_error_at: Option<DateTime<Utc>>,
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RunResult {
    /// Still running (or killed: a run that never finished stays `running`).
    Running,
    /// The whole window was read; the watermark advanced.
    Ok,
    /// The whole window was read, some records could not be decoded (kept in `run_errors`).
    Partial,
    /// A page failed after retries: the watermark did not move.
    Failed,
    /// Another worker held the account's lease.
    Skipped,
}

impl RunResult {
    /// The stored name.
    pub fn as_str(&self) -> &'static str {
        match self {
            RunResult::Running => "running",
            RunResult::Ok => "ok",
            RunResult::Partial => "partial",
            RunResult::Failed => "failed",
            RunResult::Skipped => "skipped",
        }
    }
}

/// The counts of one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[non_exhaustive]
pub struct RunCounts {
    /// Sessions stored for the first time.
    pub new: u64,
    /// Sessions whose values changed (corrections included).
    pub changed: u64,
    /// Sessions read again with the same values.
    pub unchanged: u64,
    /// Rows superseded by a record that replaces them.
    pub superseded: u64,
    /// Rows newly marked missing.
    pub missing: u64,
    /// Records that could not be decoded.
    pub errors: u64,
    /// Pages fetched.
    pub pages: u64,
    /// HTTP requests sent (retries and token calls included); `None` when the source cannot
    /// count them ([`evsessions_core::SessionSource::requests_sent`]) or for runs logged by an
    /// older version.
    pub requests: Option<u64>,
}

/// One entry of the run log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RunLog {
    /// The run's id.
    pub run_id: i64,
    /// The account.
    pub account: String,
    /// The vendor.
    pub source: String,
    /// Who ran it (host and process).
    pub worker: String,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it ended (`None` while running, or if it was killed).
    pub finished_at: Option<DateTime<Utc>>,
    /// How it ended.
    pub result: RunResult,
    /// The start of the window it read.
    pub window_from: Option<DateTime<Utc>>,
    /// Its counts.
    pub counts: RunCounts,
    /// How long it took.
    pub duration_ms: Option<i64>,
    /// The error that stopped it.
    pub error: Option<String>,
}

/// Per-account figures for `evsessions status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct AccountStatus {
    /// The sync state.
    pub state: SyncState,
    /// Sessions stored (superseded ones included).
    pub sessions: u64,
    /// Open sessions being followed.
    pub open: u64,
    /// The last run, if any.
    pub last_run: Option<RunLog>,
}

/// Which stored sessions to read.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct SessionFilter {
    /// Only these accounts (empty = all).
    pub accounts: Vec<String>,
    /// Only these vendors (empty = all).
    pub sources: Vec<String>,
    /// Sessions that start at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Sessions that start before this instant.
    pub to: Option<DateTime<Utc>>,
    /// Lifecycle filter.
    pub status: StatusFilter,
    /// Include superseded rows (hidden by default).
    pub include_superseded: bool,
}

impl SessionFilter {
    /// Everything but superseded rows.
    pub fn new() -> Self {
        SessionFilter::default()
    }
    /// Add an account.
    pub fn account(mut self, name: impl Into<String>) -> Self {
        self.accounts.push(name.into());
        self
    }
    /// Add a vendor.
    pub fn source(mut self, name: impl Into<String>) -> Self {
        self.sources.push(name.into());
        self
    }
    /// Set the window start.
    pub fn from(mut self, t: DateTime<Utc>) -> Self {
        self.from = Some(t);
        self
    }
    /// Set the window end (exclusive).
    pub fn to(mut self, t: DateTime<Utc>) -> Self {
        self.to = Some(t);
        self
    }
    /// Set the status filter.
    pub fn status(mut self, s: StatusFilter) -> Self {
        self.status = s;
        self
    }
    /// Include superseded rows.
    pub fn include_superseded(mut self, on: bool) -> Self {
        self.include_superseded = on;
        self
    }
    /// Does a stored session pass (the part of the filter not done in SQL)?
    pub fn accepts(&self, s: &StoredSession) -> bool {
        self.accepts_row(
            &s.account,
            s.session.source.as_str(),
            s.session.status,
            s.session.started_at,
            s.meta.superseded_by.is_some(),
        )
    }

    /// The same test on a row's columns, before its document is read.
    pub fn accepts_row(
        &self,
        account: &str,
        source: &str,
        status: SessionStatus,
        started_at: Option<DateTime<Utc>>,
        superseded: bool,
    ) -> bool {
        let start_ok = match started_at {
            Some(t) => self.from.is_none_or(|f| t >= f) && self.to.is_none_or(|e| t < e),
            None => self.from.is_none() && self.to.is_none(),
        };
        start_ok
            && self.status.accepts(status)
            && (self.include_superseded || !superseded)
            && (self.accounts.is_empty() || self.accounts.iter().any(|a| a == account))
            && (self.sources.is_empty() || self.sources.iter().any(|x| x == source))
    }
}

/// A stored session's JSON, as [`SessionStore::documents`] reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StoredDocument {
    /// The account.
    pub account: String,
    /// The session's JSON: `write_session_json`'s bytes (`raw` inside, byte for byte).
    pub json: Vec<u8>,
}

/// What an incremental export wrote for one session (`export --since-last-export`): the
/// version it sent, the content hash of the record it was built from, and the payload (for
/// OCPI, the CDR as sent, so that a later correction can credit exactly it).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExportRecord {
    /// The export kind, e.g. `ocpi-cdr`.
    pub kind: String,
    /// The account.
    pub account: String,
    /// The vendor.
    pub source: String,
    /// The session id.
    pub id: String,
    /// 1 for the first export of the session, +1 for every corrected re-export.
    pub version: i64,
    /// The stored record's content hash when it was exported.
    pub content_hash: String,
    /// What was written (JSON text).
    pub payload: String,
    /// When.
    pub exported_at: DateTime<Utc>,
}

impl ExportRecord {
    /// A record of one export.
    #[allow(clippy::too_many_arguments)] // one per column; all required
    pub fn new(
        kind: impl Into<String>,
        account: impl Into<String>,
        source: impl Into<String>,
        id: impl Into<String>,
        version: i64,
        content_hash: impl Into<String>,
        payload: impl Into<String>,
        exported_at: DateTime<Utc>,
    ) -> Self {
        ExportRecord {
            kind: kind.into(),
            account: account.into(),
            source: source.into(),
            id: id.into(),
            version,
            content_hash: content_hash.into(),
            payload: payload.into(),
            exported_at,
        }
    }
}

/// The outcome of [`SessionStore::acquire_lease`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Lease {
    /// This worker holds the account until it releases it or the lease expires.
    Acquired,
    /// Another worker holds it.
    HeldBy {
        /// The other worker.
        owner: String,
        /// Until when (unless renewed).
        until: Option<DateTime<Utc>>,
    },
}

/// The primitives of one store transaction. Every method runs inside the transaction; nothing
/// is visible to others before [`StoreTx::commit`], and dropping the transaction rolls it back.
#[async_trait]
pub trait StoreTx: Send {
    /// Renew the account's lease for `ttl` if `worker` still holds it; `false` if it was lost
    /// (the engine then stops without committing: fencing against a worker that stalled).
    async fn renew_lease(&mut self, account: &str, worker: &str, ttl: Duration)
        -> SyncResult<bool>;
    /// The stored rows of these ids of one vendor (one query; ids not stored are absent).
    async fn existing(
        &mut self,
        account: &str,
        source: &str,
        ids: &[&str],
    ) -> SyncResult<Vec<ExistingRow>>;
    /// Stored rows that replace one of these ids (their `replaces` column): pairs
    /// `(replaced id, replacing id)`.
    async fn replacing(
        &mut self,
        account: &str,
        source: &str,
        ids: &[&str],
    ) -> SyncResult<Vec<(String, String)>>;
    /// A stored row's record and raw (for the "before" of a revision).
    async fn stored_parts(
        &mut self,
        account: &str,
        source: &str,
        id: &str,
    ) -> SyncResult<Option<RecordParts>>;
    /// Insert or replace rows, many a statement.
    async fn upsert_sessions(&mut self, rows: &[RowWrite<'_>]) -> SyncResult<()>;
    /// Change rows' marks, their values untouched.
    async fn update_marks(&mut self, marks: &[MarkWrite<'_>]) -> SyncResult<()>;
    /// Append revisions, many a statement.
    async fn add_revisions(&mut self, revs: &[Revision<'_>]) -> SyncResult<()>;
    /// The zstd dictionaries documents are packed with: `(id, vendor, dictionary)`.
    async fn dictionaries(&mut self) -> SyncResult<Vec<(i64, String, Vec<u8>)>>;
    /// Keep a new dictionary (committed with the first documents packed with it).
    async fn add_dictionary(&mut self, id: i64, source: &str, dict: &[u8]) -> SyncResult<()>;
    /// Rows of the account that start at or after `from` and are not superseded.
    async fn window_rows(
        &mut self,
        account: &str,
        from: DateTime<Utc>,
    ) -> SyncResult<Vec<WindowRow>>;
    /// Set a row's missed-run count and missing mark.
    async fn set_missing(
        &mut self,
        account: &str,
        source: &str,
        id: &str,
        missed_runs: i64,
        missing_since: Option<DateTime<Utc>>,
    ) -> SyncResult<()>;
    /// Flag an open session stale.
    async fn set_stale(
        &mut self,
        account: &str,
        source: &str,
        id: &str,
        now: DateTime<Utc>,
    ) -> SyncResult<()>;
    /// Write the account's sync state (all fields but the lease).
    async fn save_state(&mut self, state: &SyncState) -> SyncResult<()>;
    /// Write a run's result and counts.
    async fn finish_run(&mut self, run: &RunLog) -> SyncResult<()>;
    /// Record one bad record of a run.
    async fn add_run_error(
        &mut self,
        run_id: i64,
        seq: i64,
        record_id: Option<&str>,
        message: &str,
    ) -> SyncResult<()>;
    /// Make everything visible, atomically.
    async fn commit(self: Box<Self>) -> SyncResult<()>;
}

/// A store of sessions. Two implementations: [`crate::SqliteStore`] (feature `sqlite`, the
/// default) and [`crate::PostgresStore`] (feature `postgres`). Open either with
/// [`open_store`].
#[async_trait]
pub trait SessionStore: Send + Sync + std::fmt::Debug {
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;
    /// Start a transaction.
    async fn begin(&self) -> SyncResult<Box<dyn StoreTx>>;
    /// The sync state of an account, if it was ever synced.
    async fn load_state(&self, account: &str) -> SyncResult<Option<SyncState>>;
    /// Take the account's lease for `ttl` unless another worker holds an unexpired one.
    /// One statement: safe behind PgBouncer in transaction mode.
    async fn acquire_lease(
        &self,
        account: &str,
        source: &str,
        worker: &str,
        ttl: Duration,
    ) -> SyncResult<Lease>;
    /// Take the lease over from `dead_owner` (a worker of this host whose process is gone),
    /// only if it still holds it; `true` when taken.
    async fn take_over_lease(
        &self,
        account: &str,
        dead_owner: &str,
        worker: &str,
        ttl: Duration,
    ) -> SyncResult<bool>;
    /// Give the lease back (if `worker` holds it).
    async fn release_lease(&self, account: &str, worker: &str) -> SyncResult<()>;
    /// Log the start of a run; returns its id.
    async fn start_run(
        &self,
        account: &str,
        source: &str,
        worker: &str,
        started_at: DateTime<Utc>,
        window_from: Option<DateTime<Utc>>,
    ) -> SyncResult<i64>;
    /// The open sessions of an account (pending, active, reservation; not superseded, not
    /// stale).
    async fn open_sessions(&self, account: &str) -> SyncResult<Vec<OpenSession>>;
    /// Stored sessions, ordered by account, start and id.
    fn sessions<'a>(&'a self, filter: &SessionFilter) -> BoxStream<'a, SyncResult<StoredSession>>;
    /// The JSON of stored sessions (what `export --format ndjson` writes, without the line
    /// break), in the order of [`SessionStore::sessions`]: no decoding at all.
    fn documents<'a>(&'a self, filter: &SessionFilter)
        -> BoxStream<'a, SyncResult<StoredDocument>>;
    /// Stored sessions built from the queryable columns only (no document is read): status,
    /// times, energy, charger, site, authorization, cost totals; `raw` is null and the cost has
    /// no components. For aggregates such as statements; in the order of
    /// [`SessionStore::sessions`].
    fn session_columns<'a>(
        &'a self,
        filter: &SessionFilter,
    ) -> BoxStream<'a, SyncResult<(String, ChargingSession)>>;
    /// The revisions of one session, oldest first.
    async fn revisions(
        &self,
        account: &str,
        source: &str,
        id: &str,
    ) -> SyncResult<Vec<RevisionInfo>>;
    /// Per account: state, counts and last run.
    async fn status(&self) -> SyncResult<Vec<AccountStatus>>;
    /// The run log of an account, newest first, at most `limit` entries.
    async fn runs(&self, account: &str, limit: i64) -> SyncResult<Vec<RunLog>>;
    /// What incremental exports of `kind` wrote so far, one entry per session.
    async fn exports(&self, kind: &str) -> SyncResult<Vec<ExportRecord>>;
    /// Remember what an export wrote (replacing the session's earlier entry), all in one
    /// transaction: call it once the output is safely written.
    async fn record_exports(&self, records: &[ExportRecord]) -> SyncResult<()>;
}

/// Open (and migrate) a store: a file path or `sqlite://…` URL for SQLite, a `postgres://` or
/// `postgresql://` URL for PostgreSQL. A SQLite file is created if it does not exist.
///
/// ```no_run
/// # async fn demo() -> evsessions_sync::SyncResult<()> {
/// let store = evsessions_sync::open_store("./evsessions.db").await?;
/// assert_eq!(store.backend(), "sqlite");
/// # Ok(()) }
/// ```
pub async fn open_store(location: &str) -> SyncResult<Box<dyn SessionStore>> {
    let loc = location.trim();
    if loc.starts_with("postgres://") || loc.starts_with("postgresql://") {
        #[cfg(feature = "postgres")]
        {
            return Ok(Box::new(
                crate::postgres::PostgresStore::connect(loc).await?,
            ));
        }
        #[cfg(not(feature = "postgres"))]
        {
            return Err(SyncError::Config {
                message: "this build has no PostgreSQL support: enable the `postgres` feature of evsessions-sync".into(),
            });
        }
    }
    if loc.is_empty() {
        return Err(SyncError::Config {
            message:
                "the store location is empty: give a file path, sqlite://PATH or postgres://URL"
                    .into(),
        });
    }
    if let Some((scheme, _)) = loc.split_once("://") {
        if scheme != "sqlite" {
            return Err(SyncError::Config {
                message: format!(
                    "unknown store scheme {scheme:?}: use a file path, sqlite://PATH or postgres://URL"
                ),
            });
        }
    }
    #[cfg(feature = "sqlite")]
    {
        let path = loc.strip_prefix("sqlite://").unwrap_or(loc);
        Ok(Box::new(crate::sqlite::SqliteStore::open(path).await?))
    }
    #[cfg(not(feature = "sqlite"))]
    {
        Err(SyncError::Config {
            message:
                "this build has no SQLite support: enable the `sqlite` feature of evsessions-sync"
                    .into(),
        })
    }
}

/// Open an existing store to read it (`export`, `status`, `statement`): never creates one.
/// A missing SQLite file or a PostgreSQL database without the store's tables is
/// [`SyncError::NoStore`]; a file that is not a SQLite database, or one without the store's
/// tables, is [`SyncError::NotAStore`]. A SQLite store is opened read-only; a store written
/// by an older version is migrated first (the one write such an open makes).
pub async fn open_store_read_only(location: &str) -> SyncResult<Box<dyn SessionStore>> {
    let loc = location.trim();
    if loc.starts_with("postgres://") || loc.starts_with("postgresql://") {
        #[cfg(feature = "postgres")]
        {
            return Ok(Box::new(
                crate::postgres::PostgresStore::connect_existing(loc).await?,
            ));
        }
    }
    #[cfg(feature = "sqlite")]
    {
        if !loc.contains("://") || loc.starts_with("sqlite://") {
            let path = loc.strip_prefix("sqlite://").unwrap_or(loc);
            if !path.is_empty() {
                return Ok(Box::new(
                    crate::sqlite::SqliteStore::open_existing(path).await?,
                ));
            }
        }
    }
    // Everything else says what is wrong as opening would.
    open_store(location).await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hash is that of the serde form, so hashes stored by earlier versions still match.
    #[test]
    fn the_content_hash_is_that_of_the_serde_form() {
        let mut s = ChargingSession::new(
            evsessions_core::SourceKind::from_static("vendor-a"),
            "48213",
            serde_json::json!({"id": 48213, "kwh": 1.5}),
        );
        s.energy_kwh = Some(evsessions_core::Decimal::new(24_445, 3));
        s.vendor_status = Some("Finished \"ok\"\n".into());
        use sha2::{Digest, Sha256};
        let serde = Sha256::digest(serde_json::to_vec(&s).unwrap());
        let want: String = serde.iter().take(16).map(|b| format!("{b:02x}")).collect();
        assert_eq!(content_hash(&s).unwrap(), want);
        s.energy_kwh = None;
        assert_ne!(content_hash(&s).unwrap(), want);
    }
}
