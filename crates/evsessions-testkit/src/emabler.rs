//! A mock of the eMabler v2 Entity Management API, fed from `crates/evsessions-testkit/fixtures/emabler/`.
//!
//! It behaves like the documented API:
//! - base URL `{server}/api/v2/cpo` (so the paths read `/api/v2/cpo/v2/transactions`);
//! - every call needs `x-api-key: API_KEY`, else `401 {"message":"User not authorized"}`;
//! - `POST /v2/transactions` pages the fixture sessions (the items of
//!   `transactions-page{1,2,3}.json`, re-paged per request) by the body's 1-based `page` and
//!   `limit` (default 100, at most 1000, else a 400 `problemDetails`), with a correct
//!   `totalRecords`/`hasNextPage`/`hasPreviousPage`, and applies `startTime`,
//!   `startTimeSearchEnd`, `stopTimeSearchBegin`, `stopTime`, `chargerIDs` (also
//!   `"chargerId/socketId"`), `driverIDs`, `siteIDs`, `rfidTags`, `transactionIds`,
//!   `evseTransactionIds` and `sortDescending`. Its time bounds are **inclusive at both ends**
//!   (looser than the `[from, to)` window), so a client must cut exactly itself;
//! - `GET /v2/ongoing-transactions` pages `ongoing-transactions.json` by `page`/`limit` (at most
//!   100) and applies the comma-separated `chargerIds`, `socketIds`, `driverIds`, and
//!   `from`/`to` on `createdAt`;
//! - `GET /v2/sites`, `/v2/sites/{id}`, `/v2/chargers`, `/v2/chargers/{id}` (a charger by its
//!   internal `id` or its `chargerId`); an unknown id is a 404 with the `error` body.
//!
//! [`VendorMock::inject`] mounts the fault on both data paths (`POST …/v2/transactions` and
//! `GET …/v2/ongoing-transactions`), for the next `times` requests of each.

use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};
use wiremock::matchers::path_regex;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::fault::{mount_fault, Fault};
use crate::VendorMock;

/// The API key the mock accepts (send it as `x-api-key`).
pub const API_KEY: &str = "emabler-mock-key-7d41c09e";

/// The path of the API under the server root, as on the real host.
pub const BASE_PATH: &str = "/api/v2/cpo";

/// Options of [`EmablerMock::start_with`].
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct EmablerMockOptions {
    /// Give one finished session (`1048576002`) a `fullConsumptionWh` of the wrong type.
    pub bad_record: bool,
    /// Answer `hasNextPage: true` on every `/v2/transactions` page, even past the end (the
    /// pages past the end are empty): a client must stop on the empty page.
    pub lying_has_next_page: bool,
}

impl EmablerMockOptions {
    /// Set [`EmablerMockOptions::bad_record`].
    pub fn with_bad_record(mut self, on: bool) -> Self {
        self.bad_record = on;
        self
    }
    /// Set [`EmablerMockOptions::lying_has_next_page`].
    pub fn with_lying_has_next_page(mut self, on: bool) -> Self {
        self.lying_has_next_page = on;
        self
    }
}

/// The id of the record [`EmablerMockOptions::bad_record`] breaks.
pub const BAD_RECORD_ID: &str = "1048576002";

struct Data {
    transactions: RwLock<Vec<Value>>,
    ongoing: RwLock<Vec<Value>>,
    sites: Vec<Value>,
    chargers: Vec<Value>,
    options: EmablerMockOptions,
}

/// The eMabler mock server.
pub struct EmablerMock {
    server: MockServer,
    data: Arc<Data>,
}

impl std::fmt::Debug for EmablerMock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmablerMock")
            .field("base_url", &self.base_url())
            .finish()
    }
}

fn items_of(text: &str) -> Vec<Value> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(mut m)) => match m.remove("items") {
            Some(Value::Array(a)) => a,
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// The fixture `/v2/transactions` items, in order (all three pages).
pub fn fixture_transactions() -> Vec<Value> {
    let mut v = items_of(fixture!("emabler/transactions-page1.json"));
    v.extend(items_of(fixture!("emabler/transactions-page2.json")));
    v.extend(items_of(fixture!("emabler/transactions-page3.json")));
    v
}

/// The body of one `POST /v2/transactions` page of `n` records, for benchmarks: the items of
/// the fixture's first page, repeated in turn with distinct ids (1048576000, 1048576001, …),
/// in a page that says it is the last. The page the emabler-client bench decodes
/// (`benches/page.rs`) and `examples/handover.rs` hands between threads.
///
/// ```
/// let body = evsessions_testkit::emabler::transactions_page_of(3);
/// let page: serde_json::Value = serde_json::from_slice(&body).unwrap();
/// assert_eq!(page["items"].as_array().unwrap().len(), 3);
/// assert_eq!(page["items"][2]["id"], 1_048_576_002u64);
/// assert_eq!(page["hasNextPage"], false);
/// ```
pub fn transactions_page_of(n: usize) -> Vec<u8> {
    let records = items_of(fixture!("emabler/transactions-page1.json"));
    let items: Vec<Value> = (0..n)
        .filter_map(|i| {
            let mut r = records.get(i % records.len().max(1))?.clone();
            r["id"] = serde_json::json!(1_048_576_000 + i);
            Some(r)
        })
        .collect();
    serde_json::json!({
        "page": 1, "limit": n, "totalRecords": n,
        "hasNextPage": false, "hasPreviousPage": false, "items": items
    })
    .to_string()
    .into_bytes()
}

/// The fixture ongoing-transaction items.
pub fn fixture_ongoing() -> Vec<Value> {
    items_of(fixture!("emabler/ongoing-transactions.json"))
}

impl EmablerMock {
    /// Start the mock with the fixture data.
    pub async fn start() -> Self {
        Self::start_with(EmablerMockOptions::default()).await
    }

    /// Start the mock with options.
    pub async fn start_with(options: EmablerMockOptions) -> Self {
        let mut transactions = fixture_transactions();
        if options.bad_record {
            for t in transactions.iter_mut() {
                if text(t.get("id")).as_deref() == Some(BAD_RECORD_ID) {
                    if let Some(o) = t.as_object_mut() {
                        o.insert("fullConsumptionWh".into(), json!("lots"));
                    }
                }
            }
        }
        let data = Arc::new(Data {
            transactions: RwLock::new(transactions),
            ongoing: RwLock::new(fixture_ongoing()),
            sites: items_of(fixture!("emabler/sites.json")),
            chargers: items_of(fixture!("emabler/chargers.json")),
            options,
        });
        let server = MockServer::start().await;
        Mock::given(path_regex(format!("^{BASE_PATH}/")))
            .respond_with(Api { data: data.clone() })
            .named("emabler api")
            .mount(&server)
            .await;
        EmablerMock { server, data }
    }

    /// Change the finished-list sessions (`POST /v2/transactions` items) between runs: add,
    /// edit (a recomputed cost) or remove records. The change is seen by the next request.
    ///
    /// ```no_run
    /// # async fn demo() {
    /// use evsessions_testkit::emabler::EmablerMock;
    /// let mock = EmablerMock::start().await;
    /// mock.edit_transactions(|items| items.retain(|t| t["id"] != 1048576001_i64));
    /// # }
    /// ```
    pub fn edit_transactions<R>(&self, f: impl FnOnce(&mut Vec<Value>) -> R) -> R {
        f(&mut write(&self.data.transactions))
    }

    /// Change the ongoing sessions (`GET /v2/ongoing-transactions` items) between runs.
    pub fn edit_ongoing<R>(&self, f: impl FnOnce(&mut Vec<Value>) -> R) -> R {
        f(&mut write(&self.data.ongoing))
    }

    /// An ongoing session ends: it leaves the ongoing list and `finished` (a finished-list
    /// record, whose `evseTransactionId` should be the ongoing `transactionId`) joins the
    /// finished list, under its own `id` — as eMabler does. Returns whether the ongoing session
    /// was there.
    pub fn finish_ongoing(&self, transaction_id: &str, finished: Value) -> bool {
        let found = self.edit_ongoing(|items| {
            let before = items.len();
            items.retain(|o| text(o.get("transactionId")).as_deref() != Some(transaction_id));
            items.len() != before
        });
        self.edit_transactions(|items| items.push(finished));
        found
    }
}

fn read(lock: &RwLock<Vec<Value>>) -> RwLockReadGuard<'_, Vec<Value>> {
    lock.read().unwrap_or_else(|p| p.into_inner())
}

fn write(lock: &RwLock<Vec<Value>>) -> RwLockWriteGuard<'_, Vec<Value>> {
    lock.write().unwrap_or_else(|p| p.into_inner())
}

impl Data {
    fn transactions(&self) -> RwLockReadGuard<'_, Vec<Value>> {
        read(&self.transactions)
    }
    fn ongoing(&self) -> RwLockReadGuard<'_, Vec<Value>> {
        read(&self.ongoing)
    }
}

#[async_trait]
impl VendorMock for EmablerMock {
    fn base_url(&self) -> String {
        format!("{}{BASE_PATH}", self.server.uri())
    }

    /// Every ongoing session (by its `transactionId`), and every finished-list session (by
    /// `id`) except those that are the same session as an ongoing one (same `chargerId`, and
    /// `evseTransactionId` equal to the ongoing `transactionId`, or no real end and `id` equal
    /// to it): what the eMabler client returns for status `all`.
    fn session_ids(&self) -> Vec<String> {
        let ongoing: Vec<(String, String)> = self
            .data
            .ongoing()
            .iter()
            .filter_map(|o| {
                Some((
                    text(o.get("chargerId")).unwrap_or_default(),
                    text(o.get("transactionId"))?,
                ))
            })
            .collect();
        let mut ids: Vec<String> = ongoing.iter().map(|(_, id)| id.clone()).collect();
        for t in self.data.transactions().iter() {
            let Some(id) = text(t.get("id")) else {
                continue;
            };
            let charger = text(t.get("chargerId")).unwrap_or_default();
            let evse = text(t.get("evseTransactionId"));
            let open = real_time(t.get("timestampEnd")).is_none();
            let twin = ongoing.iter().any(|(c, oid)| {
                *c == charger && (evse.as_deref() == Some(oid.as_str()) || (open && id == *oid))
            });
            if !twin {
                ids.push(id);
            }
        }
        ids
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn server(&self) -> &MockServer {
        &self.server
    }

    async fn inject(&self, fault: Fault, times: u64) {
        mount_fault(&self.server, "POST", r".*/v2/transactions$", &fault, times).await;
        mount_fault(
            &self.server,
            "GET",
            r".*/v2/ongoing-transactions$",
            &fault,
            times,
        )
        .await;
    }
}

/// A JSON string or number as text (`""` and `null` are `None`).
fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A timestamp, with the .NET `0001-01-01` sentinel as `None`.
fn real_time(v: Option<&Value>) -> Option<DateTime<Utc>> {
    let s = v?.as_str()?;
    if s.starts_with("0001-01-01") {
        return None;
    }
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn json_response(status: u16, body: &Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.to_string().into_bytes(), "application/json")
}

fn problem(detail: &str, instance: &str) -> ResponseTemplate {
    json_response(
        400,
        &json!({
            "type": "https://tools.ietf.org/html/rfc9110#section-15.5.1",
            "title": "One or more validation errors occurred.",
            "status": 400,
            "detail": detail,
            "instance": instance,
        }),
    )
}

fn not_found(message: &str) -> ResponseTemplate {
    json_response(
        404,
        &json!({
            "errorCode": "NotFound",
            "message": message,
            "errorNumber": 1004,
            "helpLink": "https://docs.emabler.com/",
        }),
    )
}

fn paginate(items: Vec<Value>, page: usize, limit: usize, lying: bool) -> Value {
    let total = items.len();
    let start = page.saturating_sub(1).saturating_mul(limit);
    let slice: Vec<Value> = items.into_iter().skip(start).take(limit).collect();
    let has_next = lying || start.saturating_add(limit) < total;
    json!({
        "page": page,
        "limit": limit,
        "totalRecords": total,
        "hasNextPage": has_next,
        "hasPreviousPage": page > 1,
        "items": slice,
    })
}

struct Api {
    data: Arc<Data>,
}

impl Respond for Api {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let authorized = req
            .headers
            .get("x-api-key")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|k| k == API_KEY);
        if !authorized {
            return json_response(
                401,
                &serde_json::from_str(fixture!("emabler/errors/401-unauthorized.json"))
                    .unwrap_or(json!({"message": "User not authorized"})),
            );
        }
        let path = req.url.path();
        let rest = path
            .strip_prefix(BASE_PATH)
            .unwrap_or(path)
            .trim_end_matches('/');
        let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
        let method = req.method.as_str();
        match (method, segments.as_slice()) {
            ("POST", ["v2", "transactions"]) => self.transactions(req),
            ("GET", ["v2", "ongoing-transactions"]) => self.ongoing(req),
            ("GET", ["v2", "sites"]) => self.list(req, &self.data.sites),
            ("GET", ["v2", "chargers"]) => self.list(req, &self.data.chargers),
            ("GET", ["v2", "sites", id]) => self.by_id(
                &self.data.sites,
                &["id"],
                id,
                &format!("Site {id} not found"),
            ),
            ("GET", ["v2", "chargers", id]) => self.by_id(
                &self.data.chargers,
                &["id", "chargerId"],
                id,
                &format!("Charger {id} not found"),
            ),
            _ => not_found("The requested resource was not found"),
        }
    }
}

fn query_param(req: &Request, key: &str) -> Option<String> {
    req.url
        .query_pairs()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v.into_owned())
}

fn query_list(req: &Request, key: &str) -> Vec<String> {
    query_param(req, key)
        .map(|v| {
            v.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// `page` (default 1, ≥ 1) and `limit` (default 100, 1..=max) or the 400 to answer.
fn paging(
    page: Option<i64>,
    limit: Option<i64>,
    max: i64,
    instance: &str,
) -> Result<(usize, usize), ResponseTemplate> {
    let page = page.unwrap_or(1);
    let limit = limit.unwrap_or(100);
    if page < 1 {
        return Err(problem("page must be 1 or greater", instance));
    }
    if limit < 1 || limit > max {
        return Err(problem(
            &format!("limit must be between 1 and {max}"),
            instance,
        ));
    }
    Ok((page as usize, limit as usize))
}

fn body_list(body: &Map<String, Value>, key: &str) -> Vec<String> {
    match body.get(key) {
        Some(Value::Array(a)) => a.iter().filter_map(|v| text(Some(v))).collect(),
        _ => Vec::new(),
    }
}

fn charger_matches(filter: &[String], charger: Option<String>, socket: Option<String>) -> bool {
    filter.is_empty()
        || filter.iter().any(|f| match f.split_once('/') {
            Some((c, s)) => charger.as_deref() == Some(c) && socket.as_deref() == Some(s),
            None => charger.as_deref() == Some(f.as_str()),
        })
}

fn in_list(filter: &[String], value: Option<String>) -> bool {
    filter.is_empty() || value.is_some_and(|v| filter.contains(&v))
}

impl Api {
    fn transactions(&self, req: &Request) -> ResponseTemplate {
        let instance = req.url.path();
        let body = match serde_json::from_slice::<Value>(&req.body) {
            Ok(Value::Object(m)) => m,
            _ => return problem("the request body must be a JSON object", instance),
        };
        let int = |k: &str| body.get(k).and_then(|v| v.as_i64());
        let time = |k: &str| -> Result<Option<DateTime<Utc>>, ResponseTemplate> {
            match body.get(k) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => DateTime::parse_from_rfc3339(s)
                    .map(|t| Some(t.with_timezone(&Utc)))
                    .map_err(|_| problem(&format!("{k} is not a valid date-time"), instance)),
                Some(_) => Err(problem(&format!("{k} is not a valid date-time"), instance)),
            }
        };
        let (page, limit) = match paging(int("page"), int("limit"), 1000, instance) {
            Ok(p) => p,
            Err(r) => return r,
        };
        let bounds = (|| {
            Ok::<_, ResponseTemplate>((
                time("startTime")?,
                time("startTimeSearchEnd")?,
                time("stopTimeSearchBegin")?,
                time("stopTime")?,
            ))
        })();
        let (start_min, start_max, stop_min, stop_max) = match bounds {
            Ok(b) => b,
            Err(r) => return r,
        };
        let chargers = body_list(&body, "chargerIDs");
        let drivers = body_list(&body, "driverIDs");
        let sites = body_list(&body, "siteIDs");
        let tags = body_list(&body, "rfidTags");
        let ids = body_list(&body, "transactionIds");
        let evse_ids = body_list(&body, "evseTransactionIds");
        let descending = body
            .get("sortDescending")
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        let mut items: Vec<Value> = self
            .data
            .transactions()
            .iter()
            .filter(|t| {
                let start = real_time(t.get("timestampStart"));
                let end = real_time(t.get("timestampEnd"));
                // Inclusive bounds at both ends (deliberately looser than [from, to)).
                let start_ok = start_min.is_none_or(|b| start.is_some_and(|s| s >= b))
                    && start_max.is_none_or(|b| start.is_some_and(|s| s <= b));
                let stop_ok = stop_min.is_none_or(|b| end.is_some_and(|e| e >= b))
                    && stop_max.is_none_or(|b| end.is_some_and(|e| e <= b));
                start_ok
                    && stop_ok
                    && charger_matches(&chargers, text(t.get("chargerId")), text(t.get("socketId")))
                    && in_list(&drivers, text(t.get("authorizedUserId")))
                    && in_list(&sites, text(t.get("siteId")))
                    && in_list(&tags, text(t.get("authorizedTagId")))
                    && in_list(&ids, text(t.get("id")))
                    && in_list(&evse_ids, text(t.get("evseTransactionId")))
            })
            .cloned()
            .collect();
        items.sort_by_key(|t| real_time(t.get("timestampStart")));
        if descending {
            items.reverse();
        }
        json_response(
            200,
            &paginate(items, page, limit, self.data.options.lying_has_next_page),
        )
    }

    fn ongoing(&self, req: &Request) -> ResponseTemplate {
        let instance = req.url.path();
        let int = |k: &str| query_param(req, k).and_then(|v| v.parse::<i64>().ok());
        let (page, limit) = match paging(int("page"), int("limit"), 100, instance) {
            Ok(p) => p,
            Err(r) => return r,
        };
        let time = |k: &str| {
            query_param(req, k).and_then(|v| {
                DateTime::parse_from_rfc3339(&v)
                    .ok()
                    .map(|t| t.with_timezone(&Utc))
            })
        };
        let (from, to) = (time("from"), time("to"));
        let chargers = query_list(req, "chargerIds");
        let sockets = query_list(req, "socketIds");
        let drivers = query_list(req, "driverIds");
        let descending = query_param(req, "sortDescending").as_deref() == Some("true");
        let mut items: Vec<Value> = self
            .data
            .ongoing()
            .iter()
            .filter(|o| {
                let created = real_time(o.get("createdAt"));
                from.is_none_or(|b| created.is_some_and(|c| c >= b))
                    && to.is_none_or(|b| created.is_some_and(|c| c <= b))
                    && charger_matches(&chargers, text(o.get("chargerId")), text(o.get("socketId")))
                    && in_list(&sockets, text(o.get("socketId")))
                    && in_list(&drivers, text(o.get("authorizedUserId")))
            })
            .cloned()
            .collect();
        items.sort_by_key(|o| real_time(o.get("createdAt")));
        if descending {
            items.reverse();
        }
        json_response(200, &paginate(items, page, limit, false))
    }

    fn list(&self, req: &Request, items: &[Value]) -> ResponseTemplate {
        let int = |k: &str| query_param(req, k).and_then(|v| v.parse::<i64>().ok());
        match paging(int("page"), int("limit"), 100, req.url.path()) {
            Ok((page, limit)) => json_response(200, &paginate(items.to_vec(), page, limit, false)),
            Err(r) => r,
        }
    }

    fn by_id(&self, items: &[Value], keys: &[&str], id: &str, missing: &str) -> ResponseTemplate {
        items
            .iter()
            .find(|v| keys.iter().any(|k| text(v.get(*k)).as_deref() == Some(id)))
            .map(|v| json_response(200, v))
            .unwrap_or_else(|| not_found(missing))
    }
}
