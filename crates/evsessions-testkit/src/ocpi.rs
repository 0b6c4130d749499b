//! A mock OCPI 2.2.1 platform (a CPO's `SENDER` side), fed from
//! `crates/evsessions-testkit/fixtures/ocpi/`.
//!
//! It behaves as the 2.2.1 documents say:
//! - `GET /ocpi/versions` lists the versions offered (2.1.1 and 2.2.1 by default) with their
//!   details URLs; `GET /ocpi/2.2.1` lists the modules: `cdrs` as `RECEIVER` (an eMSP-side URL,
//!   listed first, that a client must not read) and as `SENDER`, `sessions` (`SENDER`),
//!   `locations`; `GET /ocpi/2.1.1` the 2.1.1 modules (no roles);
//! - every call needs `Authorization: Token <base64(TOKEN)>` (the raw [`TOKEN`] on the 2.1.1
//!   paths, or everywhere with [`OcpiMockOptions::raw_token`]); the versions call takes
//!   either. A missing or wrong token is HTTP 401 with the envelope's `status_code` 2004;
//! - `GET /ocpi/cpo/2.2.1/cdrs` and `…/sessions` (and the 2.1.1 twins) page the fixture
//!   objects by `offset` and `limit`, capped at [`OcpiMockOptions::server_limit`] (default
//!   [`DEFAULT_SERVER_LIMIT`]; the cap is sent as `X-Limit`), filter `date_from` (inclusive)
//!   and `date_to` (exclusive) on `last_updated`, and send `X-Total-Count` and a
//!   `Link: <…>; rel="next"` while objects remain (the next URL keeps the filters);
//! - every request must carry `X-Request-ID` and `X-Correlation-ID` (else HTTP 400, 2001), and
//!   every response echoes them;
//! - every response is the OCPI envelope `{data, status_code, status_message, timestamp}`.
//!
//! [`VendorMock::inject`] mounts the fault on the `cdrs` and `sessions` paths, for the next
//! `times` requests of each (a fault whose body is an envelope, say `status_code` 2001 under
//! HTTP 200, is served as it is).

use std::sync::{Arc, RwLock, RwLockReadGuard};

use async_trait::async_trait;
use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::{json, Value};
use wiremock::matchers::path_regex;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::fault::{mount_fault, Fault};
use crate::VendorMock;

/// The token the mock accepts (the OCPI credentials token).
pub const TOKEN: &str = "ocpi-mock-token-3f9a1c";
/// [`TOKEN`] base64 encoded, as OCPI 2.2.1 sends it (`Authorization: Token <this>`).
pub const TOKEN_BASE64: &str = "b2NwaS1tb2NrLXRva2VuLTNmOWExYw==";

/// The versions path (what `OCPI_VERSIONS_URL` points at: see [`OcpiMock::versions_url`]).
pub const VERSIONS_PATH: &str = "/ocpi/versions";
/// The `cdrs` module (SENDER) of 2.2.1.
pub const CDRS_PATH: &str = "/ocpi/cpo/2.2.1/cdrs";
/// The `sessions` module (SENDER) of 2.2.1.
pub const SESSIONS_PATH: &str = "/ocpi/cpo/2.2.1/sessions";
/// The `cdrs` module of 2.1.1.
pub const CDRS_PATH_211: &str = "/ocpi/cpo/2.1.1/cdrs";
/// The `sessions` module of 2.1.1.
pub const SESSIONS_PATH_211: &str = "/ocpi/cpo/2.1.1/sessions";

/// Objects a page holds at most unless [`OcpiMockOptions::server_limit`] says otherwise (small,
/// so the 9 CDRs take 3 pages).
pub const DEFAULT_SERVER_LIMIT: u64 = 3;

/// [`OcpiMockOptions::next_link`] that links every page to itself.
pub const SAME_PAGE: &str = "{same page}";

/// The CDR that [`OcpiMockOptions::bad_record`] breaks (`total_energy: "lots"`); its charging
/// session (`S-1002`) has no other object, so it is one record less.
pub const BAD_RECORD_ID: &str = "C-1002";

/// How to start an [`OcpiMock`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct OcpiMockOptions {
    /// Give [`BAD_RECORD_ID`] a field of the wrong type.
    pub bad_record: bool,
    /// The versions offered by `GET /ocpi/versions` (default `["2.1.1", "2.2.1"]`).
    pub versions: Vec<String>,
    /// The most objects a page holds (`X-Limit`).
    pub server_limit: u64,
    /// Want the token as it is (not base64) under 2.2.1 too, as some platforms do.
    pub raw_token: bool,
    /// Send this `X-Total-Count` whatever the truth (a lying server).
    pub total_count: Option<u64>,
    /// Send this `Link: <…>; rel="next"` on every list page, the last included (another
    /// origin; [`SAME_PAGE`] for the page itself): a hostile server.
    pub next_link: Option<String>,
    /// Send `X-Limit` (default `true`; `false`: a server that pages by less than asked
    /// without saying so).
    pub x_limit: bool,
    /// Serve these CDRs instead of the fixture's.
    pub cdrs: Option<Vec<Value>>,
    /// Serve these Sessions instead of the fixture's.
    pub sessions: Option<Vec<Value>>,
}

impl Default for OcpiMockOptions {
    fn default() -> Self {
        OcpiMockOptions {
            bad_record: false,
            versions: vec!["2.1.1".into(), "2.2.1".into()],
            server_limit: DEFAULT_SERVER_LIMIT,
            raw_token: false,
            total_count: None,
            next_link: None,
            x_limit: true,
            cdrs: None,
            sessions: None,
        }
    }
}

impl OcpiMockOptions {
    /// Set [`OcpiMockOptions::bad_record`].
    pub fn with_bad_record(mut self, on: bool) -> Self {
        self.bad_record = on;
        self
    }
    /// Set [`OcpiMockOptions::versions`].
    pub fn with_versions(mut self, versions: &[&str]) -> Self {
        self.versions = versions.iter().map(|v| v.to_string()).collect();
        self
    }
    /// Set [`OcpiMockOptions::server_limit`] (at least 1).
    pub fn with_server_limit(mut self, n: u64) -> Self {
        self.server_limit = n.max(1);
        self
    }
    /// Set [`OcpiMockOptions::raw_token`].
    pub fn with_raw_token(mut self, on: bool) -> Self {
        self.raw_token = on;
        self
    }
    /// Set [`OcpiMockOptions::total_count`].
    pub fn with_lying_total_count(mut self, n: u64) -> Self {
        self.total_count = Some(n);
        self
    }
    /// Set [`OcpiMockOptions::next_link`].
    pub fn with_next_link(mut self, url: impl Into<String>) -> Self {
        self.next_link = Some(url.into());
        self
    }
    /// Set [`OcpiMockOptions::x_limit`].
    pub fn with_x_limit(mut self, on: bool) -> Self {
        self.x_limit = on;
        self
    }
    /// Set [`OcpiMockOptions::cdrs`].
    pub fn with_cdrs(mut self, cdrs: Vec<Value>) -> Self {
        self.cdrs = Some(cdrs);
        self
    }
    /// Set [`OcpiMockOptions::sessions`].
    pub fn with_sessions(mut self, sessions: Vec<Value>) -> Self {
        self.sessions = Some(sessions);
        self
    }
}

fn data_of(text: &str) -> Vec<Value> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(mut m)) => match m.remove("data") {
            Some(Value::Array(a)) => a,
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// The fixture CDRs, in order.
pub fn fixture_cdrs() -> Vec<Value> {
    data_of(fixture!("ocpi/cdrs.json"))
}

/// The fixture Sessions, in order.
pub fn fixture_sessions() -> Vec<Value> {
    data_of(fixture!("ocpi/sessions.json"))
}

struct Data {
    cdrs: RwLock<Vec<Value>>,
    sessions: RwLock<Vec<Value>>,
    options: OcpiMockOptions,
    uri: String,
}

fn read(lock: &RwLock<Vec<Value>>) -> RwLockReadGuard<'_, Vec<Value>> {
    lock.read().unwrap_or_else(|p| p.into_inner())
}

/// The mock OCPI platform. Drop it to stop it.
pub struct OcpiMock {
    server: MockServer,
    data: Arc<Data>,
}

impl std::fmt::Debug for OcpiMock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OcpiMock")
            .field("versions_url", &self.versions_url())
            .finish()
    }
}

impl OcpiMock {
    /// Start with the fixture objects and the default options.
    pub async fn start() -> Self {
        Self::start_with(OcpiMockOptions::default()).await
    }

    /// Start with `options`.
    pub async fn start_with(options: OcpiMockOptions) -> Self {
        let mut cdrs = options.cdrs.clone().unwrap_or_else(fixture_cdrs);
        if options.bad_record {
            for c in cdrs.iter_mut() {
                if c.get("id").and_then(Value::as_str) == Some(BAD_RECORD_ID) {
                    c["total_energy"] = json!("lots");
                }
            }
        }
        let sessions = options.sessions.clone().unwrap_or_else(fixture_sessions);
        let server = MockServer::start().await;
        let data = Arc::new(Data {
            cdrs: RwLock::new(cdrs),
            sessions: RwLock::new(sessions),
            options,
            uri: server.uri(),
        });
        Mock::given(path_regex("^/ocpi/"))
            .respond_with(Platform { data: data.clone() })
            .named("ocpi platform")
            .mount(&server)
            .await;
        OcpiMock { server, data }
    }

    /// The versions URL (what `OCPI_VERSIONS_URL` would be).
    pub fn versions_url(&self) -> String {
        format!("{}{VERSIONS_PATH}", self.server.uri())
    }

    /// The 2.2.1 `cdrs` module's URL (what `OCPI_CDRS_URL` would be).
    pub fn cdrs_url(&self) -> String {
        format!("{}{CDRS_PATH}", self.server.uri())
    }

    /// The 2.2.1 `sessions` module's URL (what `OCPI_SESSIONS_URL` would be).
    pub fn sessions_url(&self) -> String {
        format!("{}{SESSIONS_PATH}", self.server.uri())
    }

    /// Change the CDRs served between runs (a new CDR, a credit and its replacement); keep
    /// them in `last_updated` order, as a platform lists them. Seen by the next request.
    ///
    /// ```no_run
    /// # async fn demo() {
    /// let mock = evsessions_testkit::ocpi::OcpiMock::start().await;
    /// mock.edit_cdrs(|cdrs| cdrs.retain(|c| c["credit"] != true));
    /// # }
    /// ```
    pub fn edit_cdrs<R>(&self, f: impl FnOnce(&mut Vec<Value>) -> R) -> R {
        f(&mut self.data.cdrs.write().unwrap_or_else(|p| p.into_inner()))
    }

    /// Change the Sessions served between runs.
    pub fn edit_sessions<R>(&self, f: impl FnOnce(&mut Vec<Value>) -> R) -> R {
        f(&mut self
            .data
            .sessions
            .write()
            .unwrap_or_else(|p| p.into_inner()))
    }
}

fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The charging session a CDR belongs to, as the fold of a client makes it: its `session_id`;
/// for a credit without one, the session of the CDR it credits when that is served, else
/// its own id; else its own id.
fn cdr_key(c: &Value, all: &[Value]) -> Option<String> {
    if let Some(s) = text(c.get("session_id")) {
        return Some(s);
    }
    let own = text(c.get("id"))?;
    if c.get("credit") == Some(&Value::Bool(true)) {
        if let Some(r) = text(c.get("credit_reference_id")) {
            if let Some(orig) = all
                .iter()
                .find(|o| text(o.get("id")).as_deref() == Some(&r))
            {
                if let Some(s) = text(orig.get("session_id")) {
                    return Some(s);
                }
                return text(orig.get("id"));
            }
        }
    }
    Some(own)
}

#[async_trait]
impl VendorMock for OcpiMock {
    /// The versions URL.
    fn base_url(&self) -> String {
        self.versions_url()
    }

    /// One id per charging session: the CDRs' sessions (see the fold in `ocpi-client`) and
    /// the Sessions', each once, in order of first appearance (CDRs first).
    fn session_ids(&self) -> Vec<String> {
        let cdrs = read(&self.data.cdrs);
        let sessions = read(&self.data.sessions);
        let mut ids: Vec<String> = Vec::new();
        let keys = cdrs
            .iter()
            .filter_map(|c| cdr_key(c, &cdrs))
            .chain(sessions.iter().filter_map(|s| text(s.get("id"))));
        for k in keys {
            if !ids.contains(&k) {
                ids.push(k);
            }
        }
        ids
    }

    fn server(&self) -> &MockServer {
        &self.server
    }

    async fn inject(&self, fault: Fault, times: u64) {
        mount_fault(
            &self.server,
            "GET",
            r"^/ocpi/cpo/[^/]+/cdrs$",
            &fault,
            times,
        )
        .await;
        mount_fault(
            &self.server,
            "GET",
            r"^/ocpi/cpo/[^/]+/sessions$",
            &fault,
            times,
        )
        .await;
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

fn envelope(status: u16, data: Value, code: u32, message: &str) -> ResponseTemplate {
    let body = json!({
        "data": data,
        "status_code": code,
        "status_message": message,
        "timestamp": "2025-03-07T09:00:00Z",
    });
    ResponseTemplate::new(status).set_body_raw(body.to_string().into_bytes(), "application/json")
}

/// An OCPI `DateTime`, with or without the `Z`.
fn time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
                .ok()
                .map(|n| n.and_utc())
        })
}

struct Platform {
    data: Arc<Data>,
}

impl Platform {
    fn authorized(&self, req: &Request, raw_only: bool, either: bool) -> bool {
        let got = req
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let raw = format!("Token {TOKEN}");
        let encoded = format!("Token {TOKEN_BASE64}");
        if either {
            return got == raw || got == encoded;
        }
        if raw_only || self.data.options.raw_token {
            got == raw
        } else {
            got == encoded
        }
    }

    fn versions(&self) -> ResponseTemplate {
        let list: Vec<Value> = self
            .data
            .options
            .versions
            .iter()
            .map(|v| json!({"version": v, "url": format!("{}/ocpi/{v}", self.data.uri)}))
            .collect();
        envelope(200, Value::Array(list), 1000, "Success")
    }

    fn details(&self, version: &str) -> ResponseTemplate {
        let u = &self.data.uri;
        let endpoints = if version == "2.1.1" {
            json!([
                {"identifier": "credentials", "url": format!("{u}/ocpi/cpo/2.1.1/credentials")},
                {"identifier": "cdrs", "url": format!("{u}{CDRS_PATH_211}")},
                {"identifier": "sessions", "url": format!("{u}{SESSIONS_PATH_211}")},
            ])
        } else {
            json!([
                {"identifier": "credentials", "role": "RECEIVER", "url": format!("{u}/ocpi/2.2.1/credentials")},
                {"identifier": "cdrs", "role": "RECEIVER", "url": format!("{u}/ocpi/emsp/2.2.1/cdrs")},
                {"identifier": "cdrs", "role": "SENDER", "url": format!("{u}{CDRS_PATH}")},
                {"identifier": "sessions", "role": "SENDER", "url": format!("{u}{SESSIONS_PATH}")},
                {"identifier": "locations", "role": "SENDER", "url": format!("{u}/ocpi/cpo/2.2.1/locations")},
            ])
        };
        envelope(
            200,
            json!({"version": version, "endpoints": endpoints}),
            1000,
            "Success",
        )
    }

    fn list(&self, req: &Request, items: &[Value]) -> ResponseTemplate {
        let param = |k: &str| {
            req.url
                .query_pairs()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.into_owned())
        };
        let bad_time = |k: &str| param(k).is_some_and(|v| time(&v).is_none());
        if bad_time("date_from") || bad_time("date_to") {
            return envelope(
                400,
                Value::Null,
                2001,
                "Invalid or missing parameters: date_from/date_to",
            );
        }
        let from = param("date_from").and_then(|v| time(&v));
        let to = param("date_to").and_then(|v| time(&v));
        let offset: usize = param("offset").and_then(|v| v.parse().ok()).unwrap_or(0);
        let cap = self.data.options.server_limit.max(1);
        let limit = param("limit")
            .and_then(|v| v.parse::<u64>().ok())
            .filter(|n| *n >= 1)
            .unwrap_or(cap)
            .min(cap);
        let matching: Vec<&Value> = items
            .iter()
            .filter(|o| {
                let t = o.get("last_updated").and_then(Value::as_str).and_then(time);
                from.is_none_or(|f| t.is_some_and(|t| t >= f))
                    && to.is_none_or(|b| t.is_some_and(|t| t < b))
            })
            .collect();
        let total = matching.len();
        let page: Vec<Value> = matching
            .iter()
            .skip(offset)
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .map(|v| (*v).clone())
            .collect();
        let mut r = envelope(200, Value::Array(page), 1000, "Success");
        if self.data.options.x_limit {
            r = r.insert_header("X-Limit", limit.to_string().as_str());
        }
        r = r.insert_header(
            "X-Total-Count",
            self.data
                .options
                .total_count
                .unwrap_or(total as u64)
                .to_string()
                .as_str(),
        );
        let next = offset + usize::try_from(limit).unwrap_or(usize::MAX);
        let link = match &self.data.options.next_link {
            Some(l) if l == SAME_PAGE => {
                let own = format!("{}{}", self.data.uri, req.url.path());
                Some(match req.url.query() {
                    Some(q) => format!("{own}?{q}"),
                    None => own,
                })
            }
            Some(l) => Some(l.clone()),
            None if next < total => {
                // On the server's own address (the request's URL carries the `Host` the
                // client sent, which may be another spelling of it).
                let mut url = match url::Url::parse(&format!("{}{}", self.data.uri, req.url.path()))
                {
                    Ok(u) => u,
                    Err(_) => req.url.clone(),
                };
                let kept: Vec<(String, String)> = req
                    .url
                    .query_pairs()
                    .filter(|(k, _)| k != "offset" && k != "limit")
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect();
                url.set_query(None);
                url.query_pairs_mut()
                    .extend_pairs(kept)
                    .append_pair("offset", &next.to_string())
                    .append_pair("limit", &limit.to_string());
                Some(url.to_string())
            }
            None => None,
        };
        if let Some(l) = link {
            r = r.insert_header("Link", format!("<{l}>; rel=\"next\"").as_str());
        }
        r
    }
}

impl Respond for Platform {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let path = req.url.path().trim_end_matches('/');
        let is_211 = path.contains("/2.1.1");
        let either = path == VERSIONS_PATH;
        if !self.authorized(req, is_211, either) {
            return envelope(401, Value::Null, 2004, "Unknown token");
        }
        let id = |name: &str| {
            req.headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .filter(|v| !v.trim().is_empty())
                .map(str::to_string)
        };
        let (Some(request_id), Some(correlation_id)) = (id("x-request-id"), id("x-correlation-id"))
        else {
            return envelope(
                400,
                Value::Null,
                2001,
                "X-Request-ID and X-Correlation-ID are required",
            );
        };
        self.route(req, path)
            .insert_header("X-Request-ID", request_id.as_str())
            .insert_header("X-Correlation-ID", correlation_id.as_str())
    }
}

impl Platform {
    fn route(&self, req: &Request, path: &str) -> ResponseTemplate {
        let offered = |v: &str| self.data.options.versions.iter().any(|o| o == v);
        match path {
            VERSIONS_PATH => self.versions(),
            "/ocpi/2.2.1" if offered("2.2.1") => self.details("2.2.1"),
            "/ocpi/2.1.1" if offered("2.1.1") => self.details("2.1.1"),
            CDRS_PATH | CDRS_PATH_211 => self.list(req, &read(&self.data.cdrs)),
            SESSIONS_PATH | SESSIONS_PATH_211 => self.list(req, &read(&self.data.sessions)),
            _ => envelope(404, Value::Null, 2000, "Unknown endpoint"),
        }
    }
}
