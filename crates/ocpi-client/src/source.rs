//! [`SessionSource`] for OCPI: every CDR and Session of the query's listings, folded into one
//! record per charging session.
//!
//! **Listings.** Status `all` and `completed` read `cdrs`, then `sessions`; status `active`
//! reads `sessions` only (a CDR is always a finished session). A module the platform does not
//! have is skipped (status `active` without `sessions` is an [`Error::UnsupportedQuery`]).
//! Each listing is read page by page through core's own session stream (an inner
//! [`SessionSource`] per listing, one object per record), so its `Link` pages get every guard
//! core has: a cursor (a next URL) that comes back, a page that brings nothing new, pages of
//! unreadable objects only, more pages than `X-Total-Count` and `X-Limit` allow.
//!
//! **Window.** OCPI's `date_from`/`date_to` filter `last_updated`, not the start. The query's
//! `from` is sent as `date_from` (an object's `last_updated` is never before its start: a
//! Session is updated when it becomes ACTIVE, a CDR is made after the session ended), so
//! nothing that starts in the window is left out; `date_to` is never sent (a session that
//! starts before `to` can be updated after it). The exact `[from, to)` on the start is then
//! applied by core. A query's [`SessionQuery::updated_since`] (what a sync sets, see
//! [`Capabilities::updated_since`]) is sent as `date_from` instead, with no window on the start:
//! a CDR corrected today for a session of last year is read again.
//!
//! **Fold.** One charging session is one record, whatever OCPI sends about it: its id is the
//! Session's `id` and the CDR's `session_id` (the CDR's own `id` when it has none). Within
//! one listing (one call of the stream), for each charging session:
//!
//! - a CDR that no credit CDR cancels wins over the Session (the CDR's values, status
//!   `completed`); of several, the one last updated;
//! - with none left but a credit CDR: status `invalid`, `vendor_status` `CREDITED (…)` naming
//!   the credit and the CDR it cancels; the values of the cancelled CDR when it is in the
//!   listing, else the credit's own (flagged: "which this listing does not hold");
//! - else the Session, by its status.
//!
//! `raw` is the one object as received when one object made the record; when several did, it
//! is `{"session": <the Session>, "cdrs": [<each CDR and credit CDR, in arrival order>]}`
//! ([`crate::cdr_ids`] reads the CDR ids back).
//!
//! The fold needs the whole listing before it can say what a session is (a credit can come on
//! any later page), so the stream's first page is the whole folded listing: its records are
//! held in memory until then (about the size of the objects read). A listing that fails on the
//! way (a page error, not a bad object) fails the call: a partial fold could show a credited
//! session as still billable. A bad object is one `Err` in place and the fold goes on.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use evsessions_core::decode::offload;
use evsessions_core::{
    async_trait, Capabilities, ChargingSession, Error, PageCursor, RawRecord, Result, SessionPage,
    SessionQuery, SessionSource, SessionSourceExt, SessionStatus, SourceKind, StatusFilter,
};
use futures::StreamExt;
use serde_json::value::RawValue;
use url::Url;

use crate::client::{Client, ListParams, Module};
use crate::model::{Cdr, Session};
use crate::{normalize, KIND};

/// Prefixes of the inner listings' record ids (one object per record).
const CDR_TAG: &str = "cdr:";
const SESSION_TAG: &str = "session:";

#[async_trait]
impl SessionSource for Client {
    fn kind(&self) -> SourceKind {
        KIND
    }

    /// No filter on the start (OCPI filters `last_updated`, see the module docs), but
    /// [`SessionQuery::updated_since`] (sent as `date_from`).
    fn capabilities(&self) -> Capabilities {
        Capabilities::none().with_updated_since(true)
    }

    fn requests_sent(&self) -> Option<u64> {
        Some(self.requests_sent_total())
    }

    fn rate_limited_responses(&self) -> Option<u64> {
        Some(self.rate_limited_total())
    }

    async fn fetch_page(
        &self,
        query: &SessionQuery,
        cursor: Option<PageCursor>,
    ) -> Result<SessionPage> {
        if let Some(c) = cursor {
            return Err(Error::config(
                Some(KIND),
                format!(
                    "invalid page cursor {:?}: an OCPI listing is one folded page (cursors are only valid as returned by this client)",
                    c.token()
                ),
            ));
        }
        let found = self.discover().await?.clone();
        let modules: &[Module] = match query.status {
            StatusFilter::Active => &[Module::Sessions],
            _ => &[Module::Cdrs, Module::Sessions],
        };
        if query.status == StatusFilter::Active && found.sessions_url.is_none() {
            return Err(Error::UnsupportedQuery {
                vendor: KIND,
                message: "the platform has no sessions module (SENDER): running sessions cannot be read, only finished ones (status completed)".into(),
            });
        }
        let limit = query
            .page_size
            .unwrap_or(self.config().page_size())
            .clamp(1, crate::config::MAX_PAGE_SIZE);
        let mut fold = Fold::default();
        for module in modules {
            let Some(base) = found.url(*module) else {
                continue;
            };
            let mut params = ListParams::new().limit(limit);
            // An object's `last_updated` is never before its start, so `from` is a safe
            // `date_from` too; `updated_since` (a sync) is the exact one.
            let updated = query.updated_since.or(query.from);
            params.date_from = match module {
                Module::Cdrs => updated,
                // OCPI requires `date_from` on sessions.
                Module::Sessions => Some(updated.unwrap_or(DateTime::<Utc>::UNIX_EPOCH)),
            };
            let listing = Listing {
                client: self.clone(),
                module: *module,
                first: Client::first_page_url(base, &params),
                record_errors: Arc::default(),
            };
            let inner = SessionQuery::new()
                .include_unstarted(true)
                .concurrency(1)
                .page_size(limit);
            let mut stream = listing.sessions(&inner);
            let mut errors = 0usize;
            while let Some(item) = stream.next().await {
                match item {
                    Ok(s) => fold.add(s),
                    Err(e) => {
                        errors += 1;
                        if errors > listing.record_errors.load(Ordering::SeqCst) {
                            // Not an object's error: the listing failed.
                            return Err(e);
                        }
                        fold.order.push(Slot::Err(e));
                    }
                }
            }
        }
        Ok(SessionPage::new(fold.finish(), None))
    }
}

/// One module's listing, page by page, one object per record (ids tagged by module), for
/// core's session stream to walk with its guards.
#[derive(Debug)]
struct Listing {
    client: Client,
    module: Module,
    first: Url,
    /// Objects of this listing that could not be read (each one `Err` record).
    record_errors: Arc<AtomicUsize>,
}

#[async_trait]
impl SessionSource for Listing {
    fn kind(&self) -> SourceKind {
        KIND
    }
    fn capabilities(&self) -> Capabilities {
        Capabilities::none()
    }
    fn rate_limited_responses(&self) -> Option<u64> {
        Some(self.client.rate_limited_total())
    }

    async fn fetch_page(
        &self,
        query: &SessionQuery,
        cursor: Option<PageCursor>,
    ) -> Result<SessionPage> {
        let url = match &cursor {
            None => self.first.clone(),
            Some(c) => Url::parse(c.token())
                .map_err(|_| Error::config(Some(KIND), "invalid page cursor: expected a URL"))?,
        };
        let (resp, next, total, limit) = self.client.page_response(self.module, &url).await?;
        let client = self.client.clone();
        let module = self.module;
        let endpoint = module.endpoint();
        let errors = self.record_errors.clone();
        let records = offload(&KIND, endpoint, resp.body.len(), move || {
            let records: Vec<Result<ChargingSession>> = match module {
                Module::Cdrs => client.decode_list::<Cdr, _>(endpoint, &resp.body, |r| {
                    r.and_then(|(c, raw)| {
                        let tag = format!("{CDR_TAG}{}", c.id);
                        normalize::cdr(c, raw, endpoint)
                            .map(|mut s| {
                                s.id = tag;
                                s
                            })
                            .map_err(|e| client.redact(e))
                    })
                })?,
                Module::Sessions => {
                    client.decode_list::<Session, _>(endpoint, &resp.body, |r| {
                        r.and_then(|(v, raw)| {
                            let tag = format!("{SESSION_TAG}{}", v.id);
                            normalize::session(v, raw, endpoint)
                                .map(|mut s| {
                                    s.id = tag;
                                    s
                                })
                                .map_err(|e| client.redact(e))
                        })
                    })?
                }
            };
            let bad = records.iter().filter(|r| r.is_err()).count();
            errors.fetch_add(bad, Ordering::SeqCst);
            Ok(records)
        })
        .await?;
        // The page size for core's bound on the listing: the smallest of the limit asked, the
        // one the server says it uses (`X-Limit`) and, on a page that links on, the objects it
        // holds (a server that pages by less without saying so is not cut short).
        let asked = u64::from(query.page_size.unwrap_or(self.client.config().page_size()));
        let held = (next.is_some() && !records.is_empty()).then_some(records.len() as u64);
        let size = [Some(asked), limit.filter(|n| *n >= 1), held]
            .into_iter()
            .flatten()
            .min();
        Ok(
            SessionPage::new(records, next.map(|u| PageCursor::page(u.to_string())))
                .with_stated_total(total, size),
        )
    }
}

/// One object of a listing, normalized on its own.
#[derive(Debug)]
struct Part {
    /// The CDR's or Session's own id.
    object_id: String,
    /// The record it makes alone (id: the charging session's).
    session: ChargingSession,
    credit: bool,
    credit_reference_id: Option<String>,
    last_updated: Option<DateTime<Utc>>,
    /// Arrival order in the listing.
    seq: usize,
}

#[derive(Debug, Default)]
struct Group {
    session: Option<Part>,
    /// CDRs and credit CDRs, in arrival order.
    cdrs: Vec<Part>,
}

#[derive(Debug)]
enum Slot {
    Key(String),
    Err(Error),
}

/// The records of one call, folded by charging session.
#[derive(Debug, Default)]
struct Fold {
    order: Vec<Slot>,
    groups: HashMap<String, Group>,
    /// CDR id → the charging session it belongs to.
    cdr_keys: HashMap<String, String>,
    /// Credit CDRs without `session_id`, placed once every CDR is known.
    unplaced: Vec<Part>,
    seq: usize,
}

fn field_text(raw: &RawRecord, key: &str) -> Option<String> {
    raw.id_text(&[key])
}

impl Fold {
    fn add(&mut self, mut s: ChargingSession) {
        self.seq += 1;
        let seq = self.seq;
        if let Some(id) = s.id.strip_prefix(SESSION_TAG).map(str::to_string) {
            s.id = id.clone();
            let last_updated = last_updated(&s.raw);
            let part = Part {
                object_id: id.clone(),
                session: s,
                credit: false,
                credit_reference_id: None,
                last_updated,
                seq,
            };
            self.group(&id).session = Some(part);
            return;
        }
        let object_id = s.id.strip_prefix(CDR_TAG).unwrap_or(&s.id).to_string();
        let session_id = field_text(&s.raw, "session_id");
        let credit = s.raw.get::<bool>("credit").ok().flatten() == Some(true);
        let credit_reference_id = field_text(&s.raw, "credit_reference_id");
        let part = Part {
            object_id: object_id.clone(),
            last_updated: last_updated(&s.raw),
            session: s,
            credit,
            credit_reference_id,
            seq,
        };
        match session_id {
            Some(key) => {
                self.cdr_keys.insert(object_id, key.clone());
                self.group(&key).cdrs.push(part);
            }
            None if credit => self.unplaced.push(part),
            None => {
                self.cdr_keys.insert(object_id.clone(), object_id.clone());
                self.group(&object_id).cdrs.push(part);
            }
        }
    }

    fn group(&mut self, key: &str) -> &mut Group {
        if !self.groups.contains_key(key) {
            self.order.push(Slot::Key(key.to_string()));
        }
        self.groups.entry(key.to_string()).or_default()
    }

    fn finish(mut self) -> Vec<Result<ChargingSession>> {
        for part in std::mem::take(&mut self.unplaced) {
            let key = part
                .credit_reference_id
                .as_ref()
                .and_then(|r| self.cdr_keys.get(r).cloned())
                .unwrap_or_else(|| part.object_id.clone());
            self.group(&key).cdrs.push(part);
        }
        let mut groups = std::mem::take(&mut self.groups);
        self.order
            .into_iter()
            .filter_map(|slot| match slot {
                Slot::Err(e) => Some(Err(e)),
                Slot::Key(k) => groups.remove(&k).map(|g| Ok(record(k, g))),
            })
            .collect()
    }
}

fn last_updated(raw: &RawRecord) -> Option<DateTime<Utc>> {
    let text = raw.get::<String>("last_updated").ok().flatten()?;
    evsessions_core::time::parse_timestamp(&text, evsessions_core::chrono_tz::UTC)
        .ok()
        .flatten()
}

/// The newest of `parts` by `last_updated`, then by arrival.
fn newest<'a>(parts: impl Iterator<Item = &'a Part>) -> Option<&'a Part> {
    parts.max_by_key(|p| (p.last_updated, p.seq))
}

/// The one record of a charging session (see the module docs).
fn record(key: String, g: Group) -> ChargingSession {
    let credited: HashSet<&str> = g
        .cdrs
        .iter()
        .filter(|p| p.credit)
        .filter_map(|p| p.credit_reference_id.as_deref())
        .collect();
    let ids: HashSet<&str> = g.cdrs.iter().map(|p| p.object_id.as_str()).collect();
    let notes: Vec<String> = g
        .cdrs
        .iter()
        .filter(|p| p.credit)
        .map(|p| match p.credit_reference_id.as_deref() {
            Some(r) if ids.contains(r) => format!("CDR {r} credited by {}", p.object_id),
            Some(r) => format!(
                "credit CDR {} of CDR {r}, which this listing does not hold",
                p.object_id
            ),
            None => format!("credit CDR {} names no CDR it credits", p.object_id),
        })
        .collect();
    let live = newest(
        g.cdrs
            .iter()
            .filter(|p| !p.credit && !credited.contains(p.object_id.as_str())),
    );
    let mut s = match live {
        Some(winner) => {
            let mut s = winner.session.clone();
            s.status = SessionStatus::Completed;
            s.vendor_status = (!notes.is_empty())
                .then(|| format!("COMPLETED (CDR {}; {})", winner.object_id, notes.join("; ")));
            s
        }
        None if !g.cdrs.is_empty() => {
            // Every CDR is credited (or only credits are here).
            let base = newest(g.cdrs.iter().filter(|p| !p.credit))
                .or_else(|| newest(g.cdrs.iter()))
                .map(|p| p.session.clone());
            let mut s =
                base.unwrap_or_else(|| ChargingSession::new(KIND, key.clone(), RawRecord::null()));
            s.status = SessionStatus::Invalid;
            s.vendor_status = Some(format!("CREDITED ({})", notes.join("; ")));
            s
        }
        None => match &g.session {
            Some(p) => p.session.clone(),
            None => ChargingSession::new(KIND, key.clone(), RawRecord::null()),
        },
    };
    s.id = key;
    let parts = usize::from(g.session.is_some()) + g.cdrs.len();
    s.raw = if parts == 1 {
        match (&g.session, g.cdrs.first()) {
            (Some(p), _) => p.session.raw.clone(),
            (None, Some(p)) => p.session.raw.clone(),
            (None, None) => RawRecord::null(),
        }
    } else {
        combined_raw(&g)
    };
    s
}

/// `{"session": …, "cdrs": [ … ]}`, each object's text exactly as received.
fn combined_raw(g: &Group) -> RawRecord {
    let mut text = String::from("{");
    if let Some(p) = &g.session {
        text.push_str("\"session\":");
        text.push_str(p.session.raw.as_str());
        text.push(',');
    }
    text.push_str("\"cdrs\":[");
    for (i, p) in g.cdrs.iter().enumerate() {
        if i > 0 {
            text.push(',');
        }
        text.push_str(p.session.raw.as_str());
    }
    text.push_str("]}");
    // Made of valid JSON texts: it parses.
    RawValue::from_string(text)
        .map(RawRecord::from_raw_value)
        .unwrap_or_else(|_| RawRecord::null())
}

/// The ids of the CDRs (credit CDRs included) that made `session`, read from its `raw`: the
/// `cdrs` of a folded record, or the record's own `id` when it is one CDR; empty for a record
/// made of a Session alone (or of another source).
///
/// ```
/// use evsessions_core::{ChargingSession, RawRecord};
/// let raw = RawRecord::from_json(r#"{"session":{"id":"S1","status":"ACTIVE"},"cdrs":[{"id":"C1","total_energy":1},{"id":"C1-C","total_energy":-1}]}"#).unwrap();
/// let s = ChargingSession::new(ocpi_client::KIND, "S1", raw);
/// assert_eq!(ocpi_client::cdr_ids(&s), ["C1", "C1-C"]);
/// ```
pub fn cdr_ids(session: &ChargingSession) -> Vec<String> {
    if session.source != KIND {
        return Vec::new();
    }
    let raw = &session.raw;
    if let Ok(Some(cdrs)) = raw.get::<Vec<Box<RawValue>>>("cdrs") {
        return cdrs
            .into_iter()
            .filter_map(|c| RawRecord::from_raw_value(c).id_text(&["id"]))
            .collect();
    }
    let is_cdr = raw.field("total_energy").is_some() || raw.field("stop_date_time").is_some();
    if is_cdr {
        raw.id_text(&["id"]).into_iter().collect()
    } else {
        Vec::new()
    }
}

evsessions_core::source_descriptor! {
    name: "ocpi",
    summary: "any OCPI 2.2.1 (or 2.1.1) platform: CDRs and Sessions",
    env_prefix: "OCPI_",
    settings: [
        crate::config::keys::VERSIONS_URL,
        crate::config::keys::CDRS_URL,
        crate::config::keys::SESSIONS_URL,
        crate::config::keys::TOKEN,
        crate::config::keys::TOKEN_RAW,
    ],
}

/// The testkit's mock of this source, for `evsessions demo` and `evsessions::testing`.
#[cfg(feature = "testkit")]
mod mock {
    use std::sync::Arc;

    use evsessions_core::registry::MockedSource;
    use evsessions_core::{HttpConfig, Result};
    use evsessions_testkit::ocpi::{OcpiMock, TOKEN};
    use futures::future::BoxFuture;

    pub(super) fn start(http: HttpConfig) -> BoxFuture<'static, Result<MockedSource>> {
        Box::pin(async move {
            let mock = Arc::new(OcpiMock::start().await);
            let config = crate::Config::builder()
                .versions_url(mock.versions_url())
                .token(TOKEN)
                .http(http)
                .build()?;
            let source = crate::Client::new(config)?;
            Ok(evsessions_testkit::mocked_source(mock, Box::new(source)))
        })
    }
}
