//! [`SessionSource`] for eMabler.
//!
//! - status `completed` reads `POST /v2/transactions` (1-based pages of the configured size);
//! - status `active` reads `GET /v2/ongoing-transactions` (pages of at most 100);
//! - status `all` reads the ongoing list first, then `/v2/transactions`
//!   ([`PageCursor::listing`] for the switch).
//!
//! **One session in both lists.** A session in progress can be in both lists under two ids:
//! the ongoing list's `transactionId` is a string that is most likely the OCPP transaction id
//! (the finished record's `evseTransactionId`), not the internal `id`. For `all`, the
//! `(chargerId, transactionId)` pairs of the ongoing list are kept beside the walk (a set of
//! their 64-bit hashes, shared by the walk's cursors with [`PageCursor::with_state`], never
//! written into the cursor's token, so a cursor stays a few bytes however many sessions are
//! ongoing), and a
//! `/v2/transactions` record is dropped when it is on the same charger and either its
//! `evseTransactionId` equals one of those ids, or it has no real end and its `id` does. The
//! session then appears once, as the ongoing (`active`) record. A collision of two hashes
//! would drop a finished record that is not a twin (about `n × m / 2⁶⁴` for `n` finished and
//! `m` ongoing sessions: 1 M × 20 k → about 10⁻⁹; see [`evsessions_core::source`]).
//!
//! If the server has no ongoing list (404, 405 or 501 on its first page), status `all` reads the
//! finished sessions alone (with a warning in the log); status `active` fails.
//!
//! **Filters.** The window is sent as `startTime`/`startTimeSearchEnd` (UTC) and core re-checks
//! `[from, to)` exactly (eMabler does not document whether its bounds are inclusive). Chargers
//! go to both lists (`chargerIDs`, `chargerIds`), so [`Capabilities::charger_ids`] is set
//! (a `"chargerId/socketId"` value then works as eMabler documents). Sites and id tags are
//! sent to `/v2/transactions` (`siteIDs`, `rfidTags`) but the ongoing list cannot filter them,
//! so core filters them exactly on every record (`site_ids`, `id_tags` not set). Status is
//! filtered by core.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use evsessions_core::decode::offload;
use evsessions_core::source::{dedupe_hash, PagePlan};
use evsessions_core::{
    async_trait, Capabilities, ChargingSession, Error, PageCursor, RawRecord, Result, SessionPage,
    SessionQuery, SessionSource, SourceKind, StatusFilter,
};
use serde::{Deserialize, Serialize};

use crate::client::{Client, EP_ONGOING, EP_TRANSACTIONS};
use crate::config::{MAX_LIST_PAGE_SIZE, MAX_TRANSACTIONS_PAGE_SIZE};
use crate::model::{
    OngoingTransaction, OngoingTransactionsRequest, Paginated, Transaction, TransactionsRequest,
};
use crate::{normalize, KIND};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
enum Listing {
    #[serde(rename = "o")]
    Ongoing,
    #[serde(rename = "t")]
    Transactions,
}

/// The cursor, as JSON text in [`PageCursor::token`].
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Cursor {
    #[serde(rename = "l")]
    listing: Listing,
    #[serde(rename = "p")]
    page: u32,
    /// On the finished list after the ongoing one (status `all`): the ongoing pages the walk
    /// read, `1..=upto`. Twins are dropped only of ongoing sessions on those pages, not of
    /// those on a page fetched ahead and then dropped by the walk. `None`: every page seen.
    #[serde(rename = "u", default, skip_serializing_if = "Option::is_none")]
    upto: Option<u32>,
}

/// The ongoing sessions seen in this walk (status `all` only): hashes of
/// `(chargerId, transactionId)`, each with the first ongoing page it was on, shared by the
/// walk's cursors. Written as ongoing pages are decoded (several at once when fetched ahead),
/// then only read: pages of the finished list decoded in parallel read it together.
#[derive(Debug, Default)]
struct Ongoing(RwLock<HashMap<u64, u32>>);

impl Ongoing {
    fn key(charger: &str, id: &str) -> u64 {
        dedupe_hash(&(charger, id))
    }
    fn set(&self) -> std::sync::RwLockReadGuard<'_, HashMap<u64, u32>> {
        // The lock is never held across a panic; a poisoned set is still a valid set.
        self.0.read().unwrap_or_else(|e| e.into_inner())
    }
    fn insert(&self, charger: &str, id: &str, page: u32) {
        self.0
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .entry(Self::key(charger, id))
            .and_modify(|p| *p = (*p).min(page))
            .or_insert(page);
    }
    fn is_empty(&self) -> bool {
        self.set().is_empty()
    }
}

/// The walk's set of ongoing sessions, from the cursor (a new one on the first page).
fn ongoing_of(cursor: Option<&PageCursor>) -> Arc<Ongoing> {
    cursor
        .and_then(PageCursor::shared_state)
        .and_then(|s| s.downcast::<Ongoing>().ok())
        .unwrap_or_default()
}

fn with_ongoing(cursor: PageCursor, ongoing: &Arc<Ongoing>) -> PageCursor {
    cursor.with_state(ongoing.clone())
}

/// Page `page` of the ongoing list, carrying the walk's ongoing set.
fn ongoing_page_cursor(page: u32, ongoing: &Arc<Ongoing>) -> PageCursor {
    let c = Cursor {
        listing: Listing::Ongoing,
        page,
        upto: None,
    };
    with_ongoing(PageCursor::page(c.token()), ongoing)
}

/// Page `page` of the finished list, carrying the walk's ongoing set when it has one and the
/// ongoing pages read (`upto`).
fn transactions_page(page: u32, upto: Option<u32>, ongoing: &Arc<Ongoing>) -> PageCursor {
    let c = PageCursor::page(
        Cursor {
            listing: Listing::Transactions,
            page,
            upto,
        }
        .token(),
    );
    if ongoing.is_empty() {
        c
    } else {
        with_ongoing(c, ongoing)
    }
}

impl Cursor {
    fn token(&self) -> String {
        // Serializing plain strings and numbers cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    fn parse(c: &PageCursor) -> Result<Cursor> {
        serde_json::from_str(c.token()).map_err(|_| c.invalid(&KIND, "a cursor of this client"))
    }
}

fn page_size(client: &Client, query: &SessionQuery, max: u32) -> u32 {
    query
        .page_size
        .unwrap_or(client.config().page_size())
        .clamp(1, max)
}

/// Whether to ask for the next page of the same listing: `hasNextPage`, or a full page when
/// the server leaves it out. (An empty page always ends the listing, in core.)
fn has_more(has_next: Option<bool>, len: usize, limit: u32) -> bool {
    has_next.unwrap_or(len >= limit as usize) && len > 0
}

/// `totalRecords` and the page size for core's bound on a listing
/// ([`SessionPage::stated_total`]): the smaller of the limit asked and the one echoed, so that a
/// server paging by less than asked is not cut short. A negative value states nothing.
fn stated_total(
    total_records: Option<i64>,
    echoed: Option<i64>,
    asked: u32,
) -> (Option<u64>, Option<u64>) {
    let total = total_records.and_then(|n| u64::try_from(n).ok());
    let size = echoed
        .and_then(|n| u64::try_from(n).ok())
        .filter(|n| *n >= 1)
        .map_or(u64::from(asked), |n| n.min(u64::from(asked)));
    (total, Some(size))
}

/// Pages 2..=⌈total / size⌉ of a listing (page numbers fit the `u32` the API takes).
fn plan(
    total: Option<u64>,
    size: Option<u64>,
    cursor: impl Fn(u32) -> PageCursor + Send + Sync + 'static,
) -> Option<PagePlan> {
    let p = PagePlan::from_total(1, total?, size?, |_| PageCursor::page(""))?;
    let last = p.last().min(u64::from(u32::MAX));
    Some(PagePlan::new(p.first(), last, move |n| {
        cursor(u32::try_from(n).unwrap_or(u32::MAX))
    }))
}

/// Whether `t` is the finished-list twin of an ongoing session on the ongoing pages
/// `1..=upto`.
fn matches_ongoing(t: &Transaction, seen: &HashMap<u64, u32>, upto: u32) -> bool {
    if seen.is_empty() {
        return false;
    }
    let read = |id: &str| {
        let charger = t.charger_id.as_deref().unwrap_or("");
        seen.get(&Ongoing::key(charger, id))
            .is_some_and(|page| *page <= upto)
    };
    t.evse_transaction_id.as_deref().is_some_and(read) || (t.timestamp_end.is_none() && read(&t.id))
}

/// One page of a listing, decoded: the envelope's paging fields and the sessions.
struct Decoded {
    total_records: Option<i64>,
    limit: Option<i64>,
    has_next_page: Option<bool>,
    /// Records on the page, decodable or not.
    count: usize,
    records: Vec<Result<ChargingSession>>,
    /// Finished-list twins of ongoing sessions, dropped.
    dropped: usize,
}

impl Decoded {
    /// The paging fields of `page`, and its records: `Some` for each session, `None` for each
    /// record dropped.
    fn of(page: &Paginated<RawRecord>, records: Vec<Option<Result<ChargingSession>>>) -> Decoded {
        let count = records.len();
        // In place: `filter_map` over the vector's own iterator reuses its buffer (`flatten`
        // would not), so no second page of sessions is written.
        #[allow(clippy::filter_map_identity)]
        let records: Vec<_> = records.into_iter().filter_map(|r| r).collect();
        Decoded {
            total_records: page.total_records,
            limit: page.limit,
            has_next_page: page.has_next_page,
            count,
            dropped: count - records.len(),
            records,
        }
    }
}

impl Client {
    async fn ongoing_page(
        &self,
        query: &SessionQuery,
        cur: Cursor,
        ongoing: Arc<Ongoing>,
    ) -> Result<SessionPage> {
        let limit = page_size(self, query, MAX_LIST_PAGE_SIZE);
        let req = OngoingTransactionsRequest {
            page: Some(cur.page),
            limit: Some(limit),
            charger_ids: query.charger_ids.clone(),
            ..OngoingTransactionsRequest::default()
        };
        let all = query.status == StatusFilter::All;
        let resp = match self.ongoing_transactions_response(&req).await {
            Ok(r) => r,
            // A server without the ongoing list (an older or partial deployment): for `all`,
            // read the finished sessions alone rather than fail. A wrong base URL still fails,
            // on `/v2/transactions`.
            Err(Error::Api {
                status: Some(404 | 405 | 501),
                ..
            }) if all && cur.page == 1 => {
                tracing::warn!("eMabler: GET /v2/ongoing-transactions is not available on this server; reading finished sessions only");
                return Ok(SessionPage::new(
                    Vec::new(),
                    Some(PageCursor::listing(
                        Cursor {
                            listing: Listing::Transactions,
                            page: 1,
                            upto: None,
                        }
                        .token(),
                    )),
                ));
            }
            Err(e) => return Err(e),
        };
        // Decoded off the async thread (core's `offload`): pages fetched ahead are decoded in
        // parallel while the caller handles the page before.
        let client = self.clone();
        let set = ongoing.clone();
        let page = offload(&KIND, EP_ONGOING, resp.body.len(), move || {
            // The set takes the first page a session was on (`min`): recording a session
            // twice, should the page be read twice, changes nothing.
            let (page, records) = client.decode_page::<OngoingTransaction, _>(
                EP_ONGOING,
                &["transactionId"],
                &resp.body,
                |item| {
                    Some(item.map(|(t, raw)| {
                        if all {
                            let charger = t.charger_id.as_deref().unwrap_or("");
                            set.insert(charger, &t.transaction_id, cur.page);
                        }
                        normalize::ongoing(t, raw)
                    }))
                },
            )?;
            Ok(Decoded::of(&page, records))
        })
        .await?;
        let (total, size) = stated_total(page.total_records, page.limit, limit);
        let (records, count) = (page.records, page.count);
        let next = if has_more(page.has_next_page, count, limit) {
            cur.page
                .checked_add(1)
                .map(|p| ongoing_page_cursor(p, &ongoing))
        } else {
            None
        };
        // For `all`, the finished list comes next: when the ongoing list ends, or when core's
        // guards abandon it (a server that repeats or invents ongoing pages). It drops the twins
        // of the ongoing sessions on the pages read up to this one only: a page fetched ahead
        // and then dropped by the walk adds its sessions to the set, but they are not yielded,
        // so their finished records must not be dropped either.
        let finished = all.then(|| {
            with_ongoing(
                PageCursor::listing(
                    Cursor {
                        listing: Listing::Transactions,
                        page: 1,
                        upto: Some(cur.page),
                    }
                    .token(),
                ),
                &ongoing,
            )
        });
        let next = next.or_else(|| finished.clone());
        // The pages that follow, for core to fetch several at once.
        let plan = if cur.page == 1 && next.is_some() {
            plan(total, size, move |n| ongoing_page_cursor(n, &ongoing))
        } else {
            None
        };
        Ok(SessionPage::new(records, next)
            .with_after_listing(finished)
            .with_stated_total(total, size)
            .with_remaining_pages(plan))
    }

    async fn transactions_page(
        &self,
        query: &SessionQuery,
        cur: Cursor,
        ongoing: Arc<Ongoing>,
    ) -> Result<SessionPage> {
        let limit = page_size(self, query, MAX_TRANSACTIONS_PAGE_SIZE);
        let upto = cur.upto;
        let body = TransactionsRequest {
            page: Some(cur.page),
            limit: Some(limit),
            start_time: query.from,
            start_time_search_end: query.to,
            charger_ids: query.charger_ids.clone(),
            site_ids: query.site_ids.clone(),
            rfid_tags: query.id_tags.clone(),
            ..TransactionsRequest::default()
        };
        let resp = self.transactions_response(&body).await?;
        let client = self.clone();
        let set = ongoing.clone();
        let page = offload(&KIND, EP_TRANSACTIONS, resp.body.len(), move || {
            let seen = set.set();
            let upto = upto.unwrap_or(u32::MAX);
            let (page, records) =
                client.decode_transactions_page(EP_TRANSACTIONS, &resp.body, |item| {
                    match item {
                        Ok((t, _)) if matches_ongoing(&t, &seen, upto) => {
                            tracing::debug!(id = %t.id, "finished-list record of an ongoing session dropped");
                            None
                        }
                        item => Some(item.map(|(t, raw)| normalize::transaction(t, raw))),
                    }
                })?;
            Ok(Decoded::of(&page, records))
        })
        .await?;
        let (total, size) = stated_total(page.total_records, page.limit, limit);
        let (records, dropped, count) = (page.records, page.dropped, page.count);
        let next = if has_more(page.has_next_page, count, limit) {
            cur.page
                .checked_add(1)
                .map(|p| transactions_page(p, upto, &ongoing))
        } else {
            None
        };
        // The pages that follow, for core to fetch several at once (the ongoing set is
        // complete by now: the ongoing list is read before this one).
        let plan = if cur.page == 1 && next.is_some() {
            let ongoing = ongoing.clone();
            plan(total, size, move |n| transactions_page(n, upto, &ongoing))
        } else {
            None
        };
        // A page whose every record was dropped (each the twin of an ongoing session) is not
        // the end of the listing; core counts it as bringing nothing new, so its guards still
        // apply (a server that sends twins forever is stopped).
        Ok(SessionPage::new(records, next)
            .with_dropped(dropped)
            .with_stated_total(total, size)
            .with_remaining_pages(plan))
    }
}

#[async_trait]
impl SessionSource for Client {
    fn kind(&self) -> SourceKind {
        KIND
    }
    fn requests_sent(&self) -> Option<u64> {
        Some(self.http.requests_sent())
    }
    fn rate_limited_responses(&self) -> Option<u64> {
        Some(self.http.rate_limited_responses())
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::none().with_charger_ids(true)
    }

    async fn fetch_page(
        &self,
        query: &SessionQuery,
        cursor: Option<PageCursor>,
    ) -> Result<SessionPage> {
        let ongoing = ongoing_of(cursor.as_ref());
        let cur = match cursor {
            Some(c) => Cursor::parse(&c)?,
            None => Cursor {
                listing: match query.status {
                    StatusFilter::Completed => Listing::Transactions,
                    StatusFilter::Active | StatusFilter::All => Listing::Ongoing,
                },
                page: 1,
                upto: None,
            },
        };
        match cur.listing {
            Listing::Ongoing => self.ongoing_page(query, cur, ongoing).await,
            Listing::Transactions => self.transactions_page(query, cur, ongoing).await,
        }
    }

    /// A finished-list record replaces the ongoing record of the same session: its
    /// `evseTransactionId` is the ongoing `transactionId` (the session's id while it ran).
    fn replaced_ids(&self, session: &ChargingSession) -> Vec<String> {
        let evse = session.raw.id_text(&["evseTransactionId"]);
        match evse {
            Some(e) if e != session.id && session.raw.field("transactionId").is_none() => vec![e],
            _ => Vec::new(),
        }
    }
}

evsessions_core::source_descriptor! {
    name: "emabler",
    summary: "eMabler API v2 (Finland)",
    env_prefix: "EMABLER_",
    settings: [
        crate::config::keys::API_KEY,
        crate::config::keys::BASE_URL,
    ],
}

/// The testkit's mock of this source, for `evsessions demo` and `evsessions::testing`.
#[cfg(feature = "testkit")]
mod mock {
    use std::sync::Arc;

    use evsessions_core::registry::{MockedSource, SyncScenario};
    use evsessions_core::{HttpConfig, Result};
    use evsessions_testkit::emabler::{EmablerMock, API_KEY};
    use evsessions_testkit::VendorMock;
    use futures::future::BoxFuture;

    pub(super) fn start(http: HttpConfig) -> BoxFuture<'static, Result<MockedSource>> {
        Box::pin(async move {
            let mock = Arc::new(EmablerMock::start().await);
            let config = crate::Config::builder()
                .base_url(mock.base_url())
                .api_key(API_KEY)
                .http(http)
                .build()?;
            let source = crate::Client::new(config)?;
            let at = |s: &str| {
                s.parse::<chrono::DateTime<chrono::Utc>>()
                    .unwrap_or_default()
            };
            let changed = mock.clone();
            let scenario = SyncScenario::new(
                at("2025-03-01T00:00:00Z"),
                at("2025-03-07T00:00:00Z"),
                at("2025-03-08T00:00:00Z"),
                "ongoing session 1032440001 completes: its finished record 1048576010 replaces it",
                move || complete_ongoing(&changed),
            );
            Ok(evsessions_testkit::mocked_source(mock, Box::new(source))
                .with_sync_scenario(scenario))
        })
    }

    /// Ongoing session 1032440001 leaves the ongoing list and its finished record 1048576010
    /// gets an end, energy and a cost.
    fn complete_ongoing(mock: &EmablerMock) {
        mock.edit_ongoing(|items| items.retain(|o| o["transactionId"] != "1032440001"));
        mock.edit_transactions(|items| {
            for t in items.iter_mut() {
                if t["id"] == 1048576010_i64 {
                    t["timestampEnd"] = serde_json::json!("2025-03-07T09:15:00.000Z");
                    t["fullConsumptionWh"] = serde_json::json!(33250);
                    t["totalCostInclVat"] = serde_json::json!(9.80);
                    t["totalCostExclVat"] = serde_json::json!(7.81);
                    t["totalVatAmount"] = serde_json::json!(1.99);
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn more_pages() {
        assert!(has_more(Some(true), 3, 100));
        assert!(!has_more(Some(true), 0, 100));
        assert!(!has_more(Some(false), 100, 100));
        assert!(has_more(None, 100, 100));
        assert!(!has_more(None, 99, 100));
    }

    #[test]
    fn twins_of_ongoing_sessions() {
        let t = |id: &str, evse: Option<&str>, end: Option<&str>| -> Transaction {
            serde_json::from_value(serde_json::json!({
                "id": id, "chargerId": "C1", "evseTransactionId": evse, "timestampEnd": end
            }))
            .unwrap()
        };
        // The ongoing session (C1, 500) was on ongoing page 2.
        let set = |c: &str, id: &str| HashMap::from([(Ongoing::key(c, id), 2)]);
        let seen = set("C1", "500");
        let all = u32::MAX;
        // Same charger, evseTransactionId = ongoing transactionId: a twin, ended or not.
        assert!(matches_ongoing(&t("1", Some("500"), None), &seen, all));
        assert!(matches_ongoing(
            &t("1", Some("500"), Some("2025-01-01T00:00:00Z")),
            &seen,
            all
        ));
        // The internal id matches only while the record has no real end.
        assert!(matches_ongoing(
            &t("500", None, Some("0001-01-01T00:00:00Z")),
            &seen,
            all
        ));
        assert!(!matches_ongoing(
            &t("500", None, Some("2025-01-01T00:00:00Z")),
            &seen,
            all
        ));
        // Only the ongoing pages the walk read count: page 2 read, a twin; only page 1 read
        // (page 2 fetched ahead and dropped), not a twin.
        assert!(matches_ongoing(&t("1", Some("500"), None), &seen, 2));
        assert!(!matches_ongoing(&t("1", Some("500"), None), &seen, 1));
        // Another charger is another session.
        let other = set("C2", "500");
        assert!(!matches_ongoing(&t("1", Some("500"), None), &other, all));
        assert!(!matches_ongoing(
            &t("1", Some("500"), None),
            &HashMap::new(),
            all
        ));
        // A session seen on pages 3 and then 1 (a server that moved it) counts from page 1.
        let o = Ongoing::default();
        o.insert("C1", "500", 3);
        o.insert("C1", "500", 1);
        assert!(matches_ongoing(&t("1", Some("500"), None), &o.set(), 1));
    }

    #[test]
    fn cursor_round_trip() {
        let c = Cursor {
            listing: Listing::Transactions,
            page: 3,
            upto: None,
        };
        let back = Cursor::parse(&PageCursor::page(c.token())).unwrap();
        assert_eq!(back.page, 3);
        assert_eq!(back.listing, Listing::Transactions);
        assert_eq!(c.token(), r#"{"l":"t","p":3}"#);
        let c = Cursor { upto: Some(7), ..c };
        assert_eq!(c.token(), r#"{"l":"t","p":3,"u":7}"#);
        assert_eq!(
            Cursor::parse(&PageCursor::page(c.token())).unwrap().upto,
            Some(7)
        );
        // A token of an older version (with the ongoing pairs in it) still reads.
        let old = Cursor::parse(&PageCursor::page(r#"{"l":"t","p":2,"s":[["C","1"]]}"#)).unwrap();
        assert_eq!(old.page, 2);
        assert!(Cursor::parse(&PageCursor::page("nonsense")).is_err());
    }
}
