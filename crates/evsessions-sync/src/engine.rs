//! The sync engine: [`sync_account`] brings one account up to date in a [`SessionStore`].
//!
//! Per run: the window is `[min(watermark − lookback, start of the oldest open session), now)`
//! (`since` on the first run), read through the ordinary [`SessionSource`] stream; records are
//! committed in batches, each batch in one transaction that also renews the account's lease; the
//! last batch, the vanished-record check and the new watermark are committed together, and only
//! when the whole window was read. The watermark never passes `run start − safety lag`.
//! Re-running after a crash at any point converges on the same store: a write happens only
//! when a record's content hash differs from the stored one.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use evsessions_core::source::session_stream;
use evsessions_core::{
    Capabilities, ChargingSession, Error, PageCursor, SessionPage, SessionQuery, SessionSource,
    SessionStatus, SourceKind,
};
use futures::StreamExt;

use crate::error::{SyncError, SyncResult};
use crate::store::*;

/// A callback told of progress: the account, records read so far, pages fetched so far.
pub type ProgressFn = Arc<dyn Fn(&str, u64, u64) + Send + Sync>;

/// How a sync reads and commits. `Default` gives the documented defaults.
#[derive(Clone)]
#[non_exhaustive]
pub struct SyncOptions {
    /// Where the first run of an account starts (default: 30 days before the run).
    pub since: Option<DateTime<Utc>>,
    /// How far before the watermark each run reads again (default 7 days): late records and
    /// sessions a vendor lists only once they ended are covered.
    pub lookback: Duration,
    /// The watermark never passes `run start − safety_lag` (default 10 minutes): a vendor's
    /// lists are eventually consistent.
    pub safety_lag: Duration,
    /// Open sessions older than this are flagged stale and no longer followed (default 14 days).
    pub max_open_age: Duration,
    /// Records per transaction (default 500).
    pub batch_size: usize,
    /// The account lease's time to live; renewed at every batch (default 5 minutes).
    pub lease_ttl: Duration,
    /// This worker's name in leases and the run log (default `host:pid`).
    pub worker: String,
    /// Records per request, when the vendor pages (default: the vendor crate's).
    pub page_size: Option<u32>,
    /// Requests of one account at once, where the vendor states its pages ahead (default 4,
    /// [`SessionQuery::concurrency`]).
    pub page_concurrency: usize,
    /// Called as records arrive.
    pub progress: Option<ProgressFn>,
    /// The run's clock: pretend it starts at this instant (tests, replays); default the
    /// system clock.
    pub now: Option<DateTime<Utc>>,
}

impl std::fmt::Debug for SyncOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncOptions")
            .field("since", &self.since)
            .field("lookback", &self.lookback)
            .field("safety_lag", &self.safety_lag)
            .field("max_open_age", &self.max_open_age)
            .field("batch_size", &self.batch_size)
            .field("lease_ttl", &self.lease_ttl)
            .field("worker", &self.worker)
            .field("page_size", &self.page_size)
            .field("page_concurrency", &self.page_concurrency)
            .field("now", &self.now)
            .finish_non_exhaustive()
    }
}

/// The default worker name: `host:pid`.
pub fn default_worker() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|h| h.trim().to_string())
        })
        .unwrap_or_else(|| "localhost".into());
    format!("{host}:{}", std::process::id())
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            since: None,
            lookback: Duration::from_secs(7 * 86_400),
            safety_lag: Duration::from_secs(600),
            max_open_age: Duration::from_secs(14 * 86_400),
            batch_size: 500,
            lease_ttl: Duration::from_secs(300),
            worker: default_worker(),
            page_size: None,
            page_concurrency: evsessions_core::query::DEFAULT_CONCURRENCY,
            progress: None,
            now: None,
        }
    }
}

impl SyncOptions {
    /// Set [`SyncOptions::since`].
    pub fn with_since(mut self, t: DateTime<Utc>) -> Self {
        self.since = Some(t);
        self
    }
    /// Set [`SyncOptions::lookback`].
    pub fn with_lookback(mut self, d: Duration) -> Self {
        self.lookback = d;
        self
    }
    /// Set [`SyncOptions::safety_lag`].
    pub fn with_safety_lag(mut self, d: Duration) -> Self {
        self.safety_lag = d;
        self
    }
    /// Set [`SyncOptions::max_open_age`].
    pub fn with_max_open_age(mut self, d: Duration) -> Self {
        self.max_open_age = d;
        self
    }
    /// Set [`SyncOptions::batch_size`] (at least 1).
    pub fn with_batch_size(mut self, n: usize) -> Self {
        self.batch_size = n.max(1);
        self
    }
    /// Set [`SyncOptions::lease_ttl`].
    pub fn with_lease_ttl(mut self, d: Duration) -> Self {
        self.lease_ttl = d;
        self
    }
    /// Set [`SyncOptions::worker`].
    pub fn with_worker(mut self, w: impl Into<String>) -> Self {
        self.worker = w.into();
        self
    }
    /// Set [`SyncOptions::page_size`].
    pub fn with_page_size(mut self, n: Option<u32>) -> Self {
        self.page_size = n;
        self
    }
    /// Set [`SyncOptions::page_concurrency`] (clamped as [`SessionQuery::concurrency`] is).
    pub fn with_page_concurrency(mut self, n: usize) -> Self {
        self.page_concurrency = SessionQuery::new().concurrency(n).concurrency;
        self
    }
    /// Set [`SyncOptions::now`].
    pub fn with_now(mut self, t: DateTime<Utc>) -> Self {
        self.now = Some(t);
        self
    }
    /// Set [`SyncOptions::progress`].
    pub fn with_progress(mut self, f: ProgressFn) -> Self {
        self.progress = Some(f);
        self
    }
}

/// What one account's run did.
#[derive(Debug)]
#[non_exhaustive]
pub struct SyncReport {
    /// The account.
    pub account: String,
    /// The run's id in the run log (`None` when skipped before it started).
    pub run_id: Option<i64>,
    /// How it ended.
    pub result: RunResult,
    /// Its counts.
    pub counts: RunCounts,
    /// The start of the window it read.
    pub window_from: Option<DateTime<Utc>>,
    /// The new watermark (unchanged when the window was not read completely).
    pub watermark: Option<DateTime<Utc>>,
    /// The error that stopped the window (a page that failed after retries, an unknown scope).
    pub failure: Option<Error>,
    /// Records that could not be decoded (each cost only itself), the first 100.
    pub record_errors: Vec<Error>,
    /// Who held the lease, when the run was skipped.
    pub held_by: Option<String>,
}

/// Is `owner` (`host:pid`) a worker of this host (the host part of `me`) whose process no
/// longer runs? Then its lease need not be waited out: a killed `evsessions sync` rerun at once
/// takes over. (Checked with `/proc`; elsewhere, or for another host, the lease expires.)
fn owner_is_gone(owner: &str, me: &str) -> bool {
    let (Some((host, pid)), Some((my_host, _))) = (owner.rsplit_once(':'), me.rsplit_once(':'))
    else {
        return false;
    };
    if host != my_host || !Path::new("/proc/self").exists() {
        return false;
    }
    match pid.parse::<u32>() {
        Ok(pid) => pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists(),
        Err(_) => false,
    }
}

/// Stored status text → [`SessionStatus`].
pub(crate) fn parse_status(s: &str) -> SessionStatus {
    match s {
        "pending" => SessionStatus::Pending,
        "active" => SessionStatus::Active,
        "completed" => SessionStatus::Completed,
        "invalid" => SessionStatus::Invalid,
        "reservation" => SessionStatus::Reservation,
        _ => SessionStatus::Unknown,
    }
}

/// Stored run result text → [`RunResult`].
pub(crate) fn parse_result(s: &str) -> RunResult {
    match s {
        "ok" => RunResult::Ok,
        "partial" => RunResult::Partial,
        "failed" => RunResult::Failed,
        "skipped" => RunResult::Skipped,
        _ => RunResult::Running,
    }
}

/// The earliest instant the store writes: 0001-01-01T00:00:00Z (every backend and RFC 3339
/// can hold it).
fn earliest() -> DateTime<Utc> {
    chrono::NaiveDate::from_ymd_opt(1, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// The latest: 9999-12-31T23:59:59Z.
fn latest() -> DateTime<Utc> {
    chrono::NaiveDate::from_ymd_opt(9999, 12, 31)
        .and_then(|d| d.and_hms_opt(23, 59, 59))
        .map(|d| d.and_utc())
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// `t − d`, saturating at [`earliest`] (a lookback of a million years means "everything",
/// not a panic).
pub(crate) fn minus(t: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(d)
        .ok()
        .and_then(|d| t.checked_sub_signed(d))
        .map_or_else(earliest, |r| r.max(earliest()))
}

/// `t + d`, saturating at [`latest`].
pub(crate) fn plus(t: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(d)
        .ok()
        .and_then(|d| t.checked_add_signed(d))
        .map_or_else(latest, |r| r.min(latest()))
}

/// A source that counts its pages and logs one line per page.
#[derive(Debug)]
struct Counting<'a> {
    inner: &'a dyn SessionSource,
    account: &'a str,
    pages: AtomicU64,
}

#[async_trait]
impl SessionSource for Counting<'_> {
    fn kind(&self) -> SourceKind {
        self.inner.kind()
    }
    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }
    async fn fetch_page(
        &self,
        query: &SessionQuery,
        cursor: Option<PageCursor>,
    ) -> evsessions_core::Result<SessionPage> {
        let page = self.inner.fetch_page(query, cursor).await;
        let n = self.pages.fetch_add(1, Ordering::Relaxed) + 1;
        if let Ok(p) = &page {
            tracing::info!(
                account = self.account,
                page = n,
                records = p.records.len(),
                "page read"
            );
        }
        page
    }
    fn replaced_ids(&self, session: &ChargingSession) -> Vec<String> {
        self.inner.replaced_ids(session)
    }
    fn requests_sent(&self) -> Option<u64> {
        self.inner.requests_sent()
    }
    fn rate_limited_responses(&self) -> Option<u64> {
        self.inner.rate_limited_responses()
    }
}

/// Is this error one record's (the stream goes on), not the page's?
fn is_record_error(e: &Error) -> bool {
    matches!(
        e,
        Error::Decode {
            record: Some(_),
            ..
        }
    )
}

struct Batch<'a> {
    account: &'a str,
    source: &'a dyn SessionSource,
    run_id: i64,
    records: Vec<ChargingSession>,
    errors: Vec<(Option<String>, String)>,
    error_seq: i64,
    packing: Packing,
}

/// How a run packs its documents: the codec, and the vendor's dictionary once known.
#[derive(Debug)]
struct Packing {
    codec: crate::doc::Codec,
    /// `None` until the store's dictionaries are read; then the one of this vendor (0: none
    /// yet, and none could be trained in this run).
    dictionary: Option<u32>,
    /// Training was tried in this run (it is not tried again).
    tried: bool,
}

impl Packing {
    fn new() -> Packing {
        Packing {
            codec: crate::doc::Codec::new(),
            dictionary: None,
            tried: false,
        }
    }

    /// Choose the dictionary of `source` for the documents `samples` are (the batch's new
    /// values): the store's, else one trained from them and kept in `tx`.
    async fn prepare(
        &mut self,
        tx: &mut dyn StoreTx,
        source: &str,
        samples: &[&[u8]],
    ) -> SyncResult<()> {
        if self.dictionary.is_none() {
            let mut mine = 0;
            for (id, of, dict) in tx.dictionaries().await? {
                let Ok(id) = u32::try_from(id) else { continue };
                self.codec.add_dictionary(id, dict);
                if of == source && mine == 0 {
                    mine = id;
                }
            }
            self.dictionary = Some(mine);
        }
        if self.dictionary == Some(0)
            && !self.tried
            && samples.len() >= crate::doc::TRAINING_SAMPLES
        {
            self.tried = true;
            if let Some((id, dict)) = crate::doc::train(samples) {
                tx.add_dictionary(i64::from(id), source, &dict).await?;
                self.codec.add_dictionary(id, dict);
                self.dictionary = Some(id);
            }
        }
        self.codec.pack_with(self.dictionary.unwrap_or(0))
    }
}

impl Batch<'_> {
    /// Write the batch's records and errors inside `tx`: a few statements whatever its size
    /// (the stored rows of its ids in one query, new and changed rows in multi-row upserts,
    /// revisions likewise); an unchanged record (same content hash) writes nothing.
    async fn apply(
        &mut self,
        tx: &mut dyn StoreTx,
        counts: &mut RunCounts,
        seen: &mut HashSet<(String, String)>,
    ) -> SyncResult<()> {
        let now = Utc::now();
        let records = std::mem::take(&mut self.records);
        if !records.is_empty() {
            let plan = plan_batch(
                tx,
                self.account,
                self.source,
                self.run_id,
                &records,
                now,
                counts,
            )
            .await?;
            plan.write(tx, self.account, &records, now, &mut self.packing)
                .await?;
            for s in &records {
                seen.insert((s.source.as_str().to_string(), s.id.clone()));
            }
        }
        for (record, message) in std::mem::take(&mut self.errors) {
            self.error_seq += 1;
            tx.add_run_error(self.run_id, self.error_seq, record.as_deref(), &message)
                .await?;
        }
        Ok(())
    }
}

/// A row as a batch leaves it: what the store held (if anything) and what the batch did.
#[derive(Debug)]
struct Slot {
    in_db: bool,
    revision: i64,
    hash: String,
    status: SessionStatus,
    first_seen_at: DateTime<Utc>,
    superseded_by: Option<String>,
    superseded_at: Option<DateTime<Utc>>,
    replaces: Option<String>,
    missed_runs: i64,
    missing_since: Option<DateTime<Utc>>,
    /// The batch record whose values the row takes (index into the batch).
    content: Option<usize>,
    /// Marks changed (seen again, superseded).
    marked: bool,
    /// Superseded in this batch (its last change is now).
    changed: bool,
    /// In [`Plan::order`].
    touched: bool,
}

/// A revision to append.
#[derive(Debug)]
struct PlannedRevision {
    source: String,
    id: String,
    revision: i64,
    kind: RevisionKind,
    changed_fields: Vec<String>,
    before: Option<RecordParts>,
    hash: String,
}

/// What a batch writes: the final state of every row it touched, and its revisions in order.
#[derive(Debug, Default)]
struct Plan {
    run_id: i64,
    slots: HashMap<(String, String), Slot>,
    /// Touched keys in first-touch order (rows are written in this order).
    order: Vec<(String, String)>,
    /// Content hash and JSON of each batch record.
    packed: Vec<(String, Vec<u8>)>,
    revisions: Vec<PlannedRevision>,
}

impl Plan {
    fn touch(&mut self, key: &(String, String)) {
        if let Some(slot) = self.slots.get_mut(key) {
            if !slot.touched {
                slot.touched = true;
                self.order.push(key.clone());
            }
        }
    }

    /// The record and raw a row holds now: the batch's record if it wrote one, else the
    /// stored one.
    async fn parts_of(
        &self,
        tx: &mut dyn StoreTx,
        account: &str,
        key: &(String, String),
        records: &[ChargingSession],
    ) -> SyncResult<RecordParts> {
        let content = self.slots.get(key).and_then(|s| s.content);
        match content.and_then(|i| records.get(i)) {
            Some(s) => RecordParts::of(s),
            None => tx
                .stored_parts(account, &key.0, &key.1)
                .await?
                .ok_or_else(|| SyncError::Data {
                    message: format!("session {} vanished from the store during a sync", key.1),
                }),
        }
    }

    async fn write(
        &self,
        tx: &mut dyn StoreTx,
        account: &str,
        records: &[ChargingSession],
        now: DateTime<Utc>,
        packing: &mut Packing,
    ) -> SyncResult<()> {
        let written: Vec<usize> = self
            .order
            .iter()
            .filter_map(|k| self.slots.get(k).and_then(|s| s.content))
            .collect();
        if !written.is_empty() {
            let samples: Vec<&[u8]> = written
                .iter()
                .filter_map(|&i| self.packed.get(i).map(|p| p.1.as_slice()))
                .collect();
            let source = records
                .first()
                .map(|s| s.source.as_str())
                .unwrap_or_default();
            packing.prepare(tx, source, &samples).await?;
        }
        let codec = &mut packing.codec;
        let mut docs: Vec<(usize, Vec<u8>)> = Vec::new();
        let mut marks = Vec::new();
        for key in &self.order {
            let Some(slot) = self.slots.get(key) else {
                continue;
            };
            match slot.content {
                Some(i) => {
                    let json = self.packed.get(i).map(|p| p.1.as_slice()).unwrap_or(&[]);
                    docs.push((i, codec.compress(json)?));
                }
                None if slot.marked && slot.in_db => marks.push(MarkWrite {
                    account,
                    source: &key.0,
                    id: &key.1,
                    revision: slot.revision,
                    superseded_by: slot.superseded_by.as_deref(),
                    superseded_at: slot.superseded_at,
                    last_seen_at: now,
                    last_changed_at: slot.changed.then_some(now),
                    missed_runs: slot.missed_runs,
                    missing_since: slot.missing_since,
                }),
                None => {}
            }
        }
        let mut rows = Vec::with_capacity(docs.len());
        let mut doc_of = docs.iter();
        for key in &self.order {
            let Some(slot) = self.slots.get(key) else {
                continue;
            };
            let Some(i) = slot.content else { continue };
            let (Some(session), Some((_, doc))) = (records.get(i), doc_of.next()) else {
                continue;
            };
            rows.push(RowWrite {
                account,
                session,
                doc,
                content_hash: &slot.hash,
                revision: slot.revision,
                first_seen_at: slot.first_seen_at,
                last_seen_at: now,
                last_changed_at: now,
                replaces: slot.replaces.as_deref(),
                superseded_by: slot.superseded_by.as_deref(),
                superseded_at: slot.superseded_at,
            });
        }
        tx.upsert_sessions(&rows).await?;
        tx.update_marks(&marks).await?;
        let revisions: Vec<Revision<'_>> = self
            .revisions
            .iter()
            .map(|r| Revision {
                account,
                source: &r.source,
                id: &r.id,
                revision: r.revision,
                changed_at: now,
                run_id: Some(self.run_id),
                kind: r.kind,
                changed_fields: r.changed_fields.clone(),
                before: r.before.clone(),
                content_hash: &r.hash,
            })
            .collect();
        tx.add_revisions(&revisions).await
    }
}

/// Decide, record by record in the vendor's order and exactly as if each were written at
/// once, what the batch does; the store is read in two queries per vendor up front.
async fn plan_batch(
    tx: &mut dyn StoreTx,
    account: &str,
    source: &dyn SessionSource,
    run_id: i64,
    records: &[ChargingSession],
    now: DateTime<Utc>,
    counts: &mut RunCounts,
) -> SyncResult<Plan> {
    let mut plan = Plan {
        run_id,
        ..Plan::default()
    };
    let mut replaced_of: Vec<Vec<String>> = Vec::with_capacity(records.len());
    for s in records {
        let json = crate::doc::json_of(s)?;
        plan.packed.push((crate::doc::hash_of(&json), json));
        replaced_of.push(
            source
                .replaced_ids(s)
                .into_iter()
                .filter(|old| *old != s.id)
                .collect(),
        );
    }
    // The stored rows the batch can touch: its ids, the ids they replace, and the rows that
    // replace one of its ids.
    let mut sources: Vec<&str> = records.iter().map(|s| s.source.as_str()).collect();
    sources.sort_unstable();
    sources.dedup();
    // Who replaces an id: ids of rows whose `replaces` is it (checked against the row's
    // current `replaces` when asked).
    let mut replacers: HashMap<(String, String), Vec<String>> = HashMap::new();
    for src in sources {
        // Rows that replace one of the batch's own ids (not of the ids those replace: many
        // records may name one earlier id, and every row naming it would be read again).
        let own: Vec<&str> = records
            .iter()
            .filter(|s| s.source.as_str() == src)
            .map(|s| s.id.as_str())
            .collect();
        let pairs = tx.replacing(account, src, &own).await?;
        let mut lookup = own.clone();
        for (s, replaced) in records.iter().zip(&replaced_of) {
            if s.source.as_str() == src {
                lookup.extend(replaced.iter().map(String::as_str));
            }
        }
        for (_, by) in &pairs {
            lookup.push(by);
        }
        lookup.sort_unstable();
        lookup.dedup();
        for row in tx.existing(account, src, &lookup).await? {
            if let Some(r) = &row.replaces {
                replacers
                    .entry((src.to_string(), r.clone()))
                    .or_default()
                    .push(row.id.clone());
            }
            plan.slots.insert(
                (src.to_string(), row.id),
                Slot {
                    in_db: true,
                    revision: row.revision,
                    hash: row.content_hash,
                    status: row.status,
                    first_seen_at: row.first_seen_at,
                    superseded_by: row.superseded_by,
                    superseded_at: row.superseded_at,
                    replaces: row.replaces,
                    missed_runs: row.missed_runs,
                    missing_since: row.missing_since,
                    content: None,
                    marked: false,
                    changed: false,
                    touched: false,
                },
            );
        }
    }

    for (i, (s, replaced)) in records.iter().zip(&replaced_of).enumerate() {
        let src = s.source.as_str().to_string();
        let key = (src.clone(), s.id.clone());
        let hash = plan.packed.get(i).map(|p| p.0.clone()).unwrap_or_default();
        let replaces = replaced.first().cloned();
        let existing = plan.slots.get(&key).map(|o| {
            (
                o.hash.clone(),
                o.revision,
                o.status,
                o.missed_runs,
                o.missing_since.is_some(),
            )
        });
        match existing {
            None => {
                if let Some(r) = &replaces {
                    replacers
                        .entry((src.clone(), r.clone()))
                        .or_default()
                        .push(s.id.clone());
                }
                plan.slots.insert(
                    key.clone(),
                    Slot {
                        in_db: false,
                        revision: 1,
                        hash: hash.clone(),
                        status: s.status,
                        first_seen_at: now,
                        superseded_by: None,
                        superseded_at: None,
                        replaces,
                        missed_runs: 0,
                        missing_since: None,
                        content: Some(i),
                        marked: false,
                        changed: false,
                        touched: false,
                    },
                );
                plan.touch(&key);
                plan.revisions.push(PlannedRevision {
                    source: src.clone(),
                    id: s.id.clone(),
                    revision: 1,
                    kind: RevisionKind::New,
                    changed_fields: Vec::new(),
                    before: None,
                    hash: hash.clone(),
                });
                counts.new += 1;
                // Stored after the record that replaces it (a vendor whose ongoing list
                // lags): hidden at once, never counted twice.
                let newer = replacers.get(&key).and_then(|ids| {
                    ids.iter()
                        .find(|by| {
                            **by != s.id
                                && plan
                                    .slots
                                    .get(&(src.clone(), (*by).clone()))
                                    .is_some_and(|b| b.replaces.as_deref() == Some(s.id.as_str()))
                        })
                        .cloned()
                });
                if let Some(newer) = newer {
                    let before = RecordParts::of(s)?;
                    if let Some(slot) = plan.slots.get_mut(&key) {
                        slot.superseded_by = Some(newer);
                        slot.superseded_at = Some(now);
                        slot.revision = 2;
                        slot.changed = true;
                        slot.marked = true;
                    }
                    plan.revisions.push(PlannedRevision {
                        source: src.clone(),
                        id: s.id.clone(),
                        revision: 2,
                        kind: RevisionKind::Superseded,
                        changed_fields: vec!["superseded_by".into()],
                        before: Some(before),
                        hash: hash.clone(),
                    });
                    counts.superseded += 1;
                }
            }
            Some((old_hash, _, _, missed, missing)) if old_hash == hash => {
                counts.unchanged += 1;
                if missed > 0 || missing {
                    if let Some(slot) = plan.slots.get_mut(&key) {
                        slot.missed_runs = 0;
                        slot.missing_since = None;
                        slot.marked = true;
                    }
                    plan.touch(&key);
                }
            }
            Some((_, old_revision, old_status, _, _)) => {
                let revision = old_revision + 1;
                let kind = if old_status == SessionStatus::Completed {
                    RevisionKind::Correction
                } else {
                    RevisionKind::Changed
                };
                let before = plan.parts_of(tx, account, &key, records).await?;
                let after = RecordParts::of(s)?;
                if let Some(r) = &replaces {
                    replacers
                        .entry((src.clone(), r.clone()))
                        .or_default()
                        .push(s.id.clone());
                }
                if let Some(slot) = plan.slots.get_mut(&key) {
                    slot.revision = revision;
                    slot.hash = hash.clone();
                    slot.status = s.status;
                    slot.replaces = replaces;
                    slot.missed_runs = 0;
                    slot.missing_since = None;
                    slot.content = Some(i);
                }
                plan.touch(&key);
                plan.revisions.push(PlannedRevision {
                    source: src.clone(),
                    id: s.id.clone(),
                    revision,
                    kind,
                    changed_fields: RecordParts::changed_fields(&before, &after),
                    before: Some(before),
                    hash: hash.clone(),
                });
                counts.changed += 1;
            }
        }
        for old_id in replaced {
            let old_key = (src.clone(), old_id.clone());
            let Some((revision, old_hash)) = plan
                .slots
                .get(&old_key)
                .filter(|o| o.superseded_by.is_none())
                .map(|o| (o.revision + 1, o.hash.clone()))
            else {
                continue;
            };
            let before = plan.parts_of(tx, account, &old_key, records).await?;
            if let Some(slot) = plan.slots.get_mut(&old_key) {
                slot.superseded_by = Some(s.id.clone());
                slot.superseded_at = Some(now);
                slot.revision = revision;
                slot.changed = true;
                slot.marked = true;
            }
            plan.touch(&old_key);
            plan.revisions.push(PlannedRevision {
                source: src.clone(),
                id: old_id.clone(),
                revision,
                kind: RevisionKind::Superseded,
                changed_fields: vec!["superseded_by".into()],
                before: Some(before),
                hash: old_hash,
            });
            counts.superseded += 1;
        }
    }
    Ok(plan)
}

/// Commit one batch (renewing the lease in the same transaction).
async fn commit_batch(
    store: &dyn SessionStore,
    batch: &mut Batch<'_>,
    options: &SyncOptions,
    counts: &mut RunCounts,
    seen: &mut HashSet<(String, String)>,
) -> SyncResult<()> {
    if batch.records.is_empty() && batch.errors.is_empty() {
        return Ok(());
    }
    let mut tx = store.begin().await?;
    if !tx
        .renew_lease(batch.account, &options.worker, options.lease_ttl)
        .await?
    {
        return Err(SyncError::LeaseLost {
            account: batch.account.to_string(),
        });
    }
    batch.apply(tx.as_mut(), counts, seen).await?;
    tx.commit().await
}

/// Bring one account up to date: read its window and open sessions from `source` and store
/// them (see the module docs for the rules). Store failures are `Err`; a vendor failure is in
/// the report ([`SyncReport::failure`], the watermark unchanged).
///
/// ```no_run
/// # async fn demo(source: &dyn evsessions_core::SessionSource) -> evsessions_sync::SyncResult<()> {
/// use evsessions_sync::{open_store, sync_account, SyncOptions};
/// let store = open_store("evsessions.db").await?;
/// let report = sync_account(store.as_ref(), "home", source, &SyncOptions::default()).await?;
/// println!("{}: {} new, {} changed", report.account, report.counts.new, report.counts.changed);
/// # Ok(()) }
/// ```
pub async fn sync_account(
    store: &dyn SessionStore,
    account: &str,
    source: &dyn SessionSource,
    options: &SyncOptions,
) -> SyncResult<SyncReport> {
    let kind = source.kind();
    let src = kind.as_str();
    let started = Instant::now();
    let now = options.now.unwrap_or_else(Utc::now);
    let mut report = SyncReport {
        account: account.to_string(),
        run_id: None,
        result: RunResult::Running,
        counts: RunCounts::default(),
        window_from: None,
        watermark: None,
        failure: None,
        record_errors: Vec::new(),
        held_by: None,
    };
    match store
        .acquire_lease(account, src, &options.worker, options.lease_ttl)
        .await?
    {
        Lease::Acquired => {}
        Lease::HeldBy { owner, .. } => {
            let taken = owner_is_gone(&owner, &options.worker)
                && store
                    .take_over_lease(account, &owner, &options.worker, options.lease_ttl)
                    .await?;
            if taken {
                tracing::warn!(account, previous = %owner, "took over the lease of a worker of this host that is gone (killed?)");
            } else {
                report.result = RunResult::Skipped;
                report.held_by = Some(owner);
                return Ok(report);
            }
        }
    }
    let outcome = run_locked(store, account, source, options, now, started, &mut report).await;
    // Give the lease back whatever happened (a killed process loses it at expiry instead).
    let released = store.release_lease(account, &options.worker).await;
    outcome?;
    released?;
    Ok(report)
}

async fn run_locked(
    store: &dyn SessionStore,
    account: &str,
    source: &dyn SessionSource,
    options: &SyncOptions,
    now: DateTime<Utc>,
    started: Instant,
    report: &mut SyncReport,
) -> SyncResult<()> {
    let kind = source.kind();
    let src = kind.as_str();
    let state = store.load_state(account).await?;
    let watermark = state.as_ref().and_then(|s| s.watermark);
    let mut from = match watermark {
        Some(w) => minus(w, options.lookback),
        None => options
            .since
            .unwrap_or_else(|| minus(now, Duration::from_secs(30 * 86_400))),
    };
    let stale_before = minus(now, options.max_open_age);
    let mut stale = Vec::new();
    for open in store.open_sessions(account).await? {
        match open.started_at {
            Some(t) if t < stale_before => stale.push(open),
            Some(t) if t < from => from = t,
            _ => {}
        }
    }
    report.window_from = Some(from);
    let run_id = store
        .start_run(account, src, &options.worker, now, Some(from))
        .await?;
    report.run_id = Some(run_id);

    let counting = Counting {
        inner: source,
        account,
        pages: AtomicU64::new(0),
    };
    // A source that lists by last update is read by it: everything changed since the window's
    // start, whenever the session started (a late correction of an old session included).
    let by_update = source.capabilities().updated_since;
    let mut query = if by_update {
        SessionQuery::new().updated_since(from)
    } else {
        SessionQuery::new().from(from)
    }
    .include_unstarted(true);
    query.page_size = options.page_size;
    query = query.concurrency(options.page_concurrency);
    let mut batch = Batch {
        account,
        source,
        run_id,
        records: Vec::new(),
        errors: Vec::new(),
        error_seq: 0,
        packing: Packing::new(),
    };
    let mut counts = RunCounts::default();
    let requests_before = source.requests_sent();
    let mut seen: HashSet<(String, String)> = HashSet::new();
    // Reading and writing overlap: the reader fills batches and hands each full one to the
    // writer, which commits them one after the other in the vendor's order (the store works
    // on its own thread or server while the next pages are decoded). A writer that fails
    // drops its end, and the reader stops at its next batch.
    type Full = (Vec<ChargingSession>, Vec<(Option<String>, String)>);
    let (mut hand, take) = futures::channel::mpsc::channel::<Full>(0);
    let mut record_errors = 0u64;
    let reader = async {
        let mut records = Vec::new();
        let mut errors = Vec::new();
        let mut read = 0u64;
        let mut stream = session_stream(&counting, &query);
        while let Some(item) = stream.next().await {
            match item {
                Ok(s) => {
                    read += 1;
                    records.push(s);
                }
                Err(e) => {
                    let record = match &e {
                        Error::Decode { record, .. } => record.clone(),
                        _ => None,
                    };
                    errors.push((record, e.to_string()));
                    if is_record_error(&e) {
                        record_errors += 1;
                        if report.record_errors.len() < 100 {
                            report.record_errors.push(e);
                        }
                    } else if report.failure.is_none() {
                        report.failure = Some(e);
                    }
                }
            }
            if let Some(p) = &options.progress {
                p(account, read, counting.pages.load(Ordering::Relaxed));
            }
            if records.len() >= options.batch_size {
                let full = (std::mem::take(&mut records), std::mem::take(&mut errors));
                if futures::SinkExt::send(&mut hand, full).await.is_err() {
                    break;
                }
            }
        }
        hand.close_channel();
        (records, errors)
    };
    let writer = async {
        // Owned here: dropped when the writer stops, whatever stopped it.
        let mut take = take;
        while let Some((records, errors)) = take.next().await {
            batch.records = records;
            batch.errors = errors;
            commit_batch(store, &mut batch, options, &mut counts, &mut seen).await?;
        }
        SyncResult::Ok(())
    };
    let ((records, errors), written) = futures::join!(reader, writer);
    written?;
    batch.records = records;
    batch.errors = errors;
    counts.errors += record_errors;
    counts.pages = counting.pages.load(Ordering::Relaxed);
    counts.requests = match (requests_before, source.requests_sent()) {
        (Some(a), Some(b)) => Some(b.saturating_sub(a)),
        _ => None,
    };

    // The last batch, stale flags, the vanished check, the state and the run log: together.
    let complete = report.failure.is_none();
    let mut tx = store.begin().await?;
    if !tx
        .renew_lease(account, &options.worker, options.lease_ttl)
        .await?
    {
        return Err(SyncError::LeaseLost {
            account: account.to_string(),
        });
    }
    batch.apply(tx.as_mut(), &mut counts, &mut seen).await?;
    for open in &stale {
        tx.set_stale(account, &open.source, &open.id, now).await?;
    }
    let new_watermark = if complete {
        let end = minus(now, options.safety_lag);
        // A listing by last update leaves out what did not change: nothing it did not
        // return has vanished.
        let window_rows = if by_update {
            Vec::new()
        } else {
            tx.window_rows(account, from).await?
        };
        for row in window_rows {
            if seen.contains(&(row.source.clone(), row.id.clone())) {
                continue;
            }
            let missed = row.missed_runs + 1;
            let since = if missed >= 2 {
                row.missing_since.or(Some(now))
            } else {
                None
            };
            if since.is_some() && row.missing_since.is_none() {
                counts.missing += 1;
            }
            tx.set_missing(account, &row.source, &row.id, missed, since)
                .await?;
        }
        Some(watermark.map_or(end, |w| w.max(end)))
    } else {
        watermark
    };
    let result = match (complete, counts.errors) {
        (false, _) => RunResult::Failed,
        (true, 0) => RunResult::Ok,
        (true, _) => RunResult::Partial,
    };
    let error_text = report.failure.as_ref().map(|e| e.to_string());
    let new_state = SyncState {
        account: account.to_string(),
        source: src.to_string(),
        watermark: new_watermark,
        last_run_at: Some(now),
        last_success_at: if complete {
            Some(now)
        } else {
            state.as_ref().and_then(|s| s.last_success_at)
        },
        last_error: error_text.clone().or_else(|| {
            (counts.errors > 0).then(|| format!("{} record(s) could not be decoded", counts.errors))
        }),
        last_error_at: if error_text.is_some() || counts.errors > 0 {
            Some(now)
        } else {
            state.as_ref().and_then(|s| s.last_error_at)
        },
    };
    tx.save_state(&new_state).await?;
    let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    tx.finish_run(&RunLog {
        run_id,
        account: account.to_string(),
        source: src.to_string(),
        worker: options.worker.clone(),
        started_at: now,
        finished_at: Some(Utc::now()),
        result,
        window_from: Some(from),
        counts,
        duration_ms: Some(duration_ms),
        error: error_text,
    })
    .await?;
    tx.commit().await?;
    report.result = result;
    report.counts = counts;
    report.watermark = new_watermark;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_durations_saturate() {
        let now: DateTime<Utc> = "2025-03-01T00:00:00Z".parse().unwrap();
        let forever = Duration::from_secs(u64::MAX);
        assert_eq!(
            minus(now, forever).to_rfc3339(),
            "0001-01-01T00:00:00+00:00"
        );
        assert_eq!(plus(now, forever).to_rfc3339(), "9999-12-31T23:59:59+00:00");
        assert_eq!(
            minus(now, Duration::from_secs(86_400)).to_rfc3339(),
            "2025-02-28T00:00:00+00:00"
        );
    }
}
