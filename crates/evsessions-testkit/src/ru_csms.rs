//! Mock of the unidentified Russian CSMS: its `meta` / `payload` session list.
//!
//! Serves the captured page (`crates/evsessions-testkit/fixtures/ru-csms/captured-page1.json`, 44 sessions) plus the
//! synthetic sessions (one charging, one reservation, one priced, two older ones of a second
//! page) as one listing, newest first (id descending, like the capture), at
//! [`RuCsmsMock::sessions_url`]. Behaves like the captured platform:
//!
//! - pages by the request's `page` (1-based) and `per_page` (at most 100; default 100), or by
//!   its own [`RuCsmsMockOptions::server_per_page`], and echoes the page size it used in
//!   `payload.per_page` together with `page` and `total`;
//! - checks `Authorization: Bearer` [`TOKEN`]; a wrong or missing token gets **HTTP 200** with
//!   `meta.status_code: 401`, `status_name`, `status_description` and `payload: null`;
//! - applies no filter (none is known of the platform).

use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::{Fault, VendorMock};

/// The bearer token the mock accepts.
pub const TOKEN: &str = "ru-csms-test-token";

/// The path of the session list on the mock.
pub const SESSIONS_PATH: &str = "/api/v1/client/sessions";

/// The id of the session that carries a wrong-typed field (`power: "lots"`) with
/// [`RuCsmsMockOptions::bad_record`].
pub const BAD_RECORD_ID: &str = "1511";

const GENERATED_AT: i64 = 1_705_504_778;
const MAX_PER_PAGE: u64 = 100;

/// The fixture files, in the order their items are merged.
const FIXTURES: [(&str, &str); 5] = [
    (
        "ru-csms/captured-page1.json",
        fixture!("ru-csms/captured-page1.json"),
    ),
    (
        "ru-csms/synthetic-active.json",
        fixture!("ru-csms/synthetic-active.json"),
    ),
    (
        "ru-csms/synthetic-reservation.json",
        fixture!("ru-csms/synthetic-reservation.json"),
    ),
    (
        "ru-csms/synthetic-priced.json",
        fixture!("ru-csms/synthetic-priced.json"),
    ),
    (
        "ru-csms/synthetic-page2.json",
        fixture!("ru-csms/synthetic-page2.json"),
    ),
];

/// The error envelope served for a refused token.
pub const UNAUTHORIZED_BODY: &str = fixture!("ru-csms/synthetic-error-401.json");

/// How to start a [`RuCsmsMock`].
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct RuCsmsMockOptions {
    /// Give the session [`BAD_RECORD_ID`] a field of the wrong type (`power: "lots"`).
    pub bad_record: bool,
    /// Page by this size whatever the request asks (echoed in `payload.per_page`), like a
    /// server with a fixed page size.
    pub server_per_page: Option<u32>,
    /// Serve only the 44 captured sessions (no synthetic ones).
    pub captured_only: bool,
}

impl RuCsmsMockOptions {
    /// Give the session [`BAD_RECORD_ID`] a field of the wrong type.
    pub fn with_bad_record(mut self, on: bool) -> Self {
        self.bad_record = on;
        self
    }
    /// Page by this size whatever the request asks.
    pub fn with_server_per_page(mut self, n: u32) -> Self {
        self.server_per_page = Some(n);
        self
    }
    /// Serve only the 44 captured sessions.
    pub fn with_captured_only(mut self, on: bool) -> Self {
        self.captured_only = on;
        self
    }
}

/// The mock server. Drop it to stop it.
#[derive(Debug)]
pub struct RuCsmsMock {
    server: MockServer,
    items: Arc<RwLock<Vec<Value>>>,
}

fn items_of(name: &str, text: &str) -> Vec<Value> {
    let v: Value =
        serde_json::from_str(text).unwrap_or_else(|e| panic!("fixture {name} is not JSON: {e}"));
    v.pointer("/payload/items")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_else(|| panic!("fixture {name} has no payload.items"))
}

/// The sessions the mock serves for `options`, newest first.
pub fn fixture_items(options: &RuCsmsMockOptions) -> Vec<Value> {
    let take = if options.captured_only {
        1
    } else {
        FIXTURES.len()
    };
    let mut items: Vec<Value> = FIXTURES
        .iter()
        .take(take)
        .flat_map(|(name, text)| items_of(name, text))
        .collect();
    items.sort_by_key(|i| std::cmp::Reverse(i.get("id").and_then(Value::as_i64).unwrap_or(0)));
    if options.bad_record {
        for item in items.iter_mut() {
            if item.get("id").map(Value::to_string).as_deref() == Some(BAD_RECORD_ID) {
                item["power"] = json!("lots");
            }
        }
    }
    items
}

struct Sessions {
    items: Arc<RwLock<Vec<Value>>>,
    server_per_page: Option<u32>,
}

impl Respond for Sessions {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let authorized = req
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v == format!("Bearer {TOKEN}"));
        if !authorized {
            // The platform's quirk: the refusal is in the envelope, not in the HTTP status.
            return ResponseTemplate::new(200)
                .set_body_raw(UNAUTHORIZED_BODY.as_bytes().to_vec(), "application/json");
        }
        let param = |name: &str| {
            req.url
                .query_pairs()
                .find(|(k, _)| k == name)
                .and_then(|(_, v)| v.trim().parse::<u64>().ok())
        };
        let page = param("page").filter(|p| *p >= 1).unwrap_or(1);
        let per_page = match self.server_per_page {
            Some(n) => u64::from(n.max(1)),
            None => param("per_page")
                .filter(|n| *n >= 1)
                .unwrap_or(MAX_PER_PAGE)
                .min(MAX_PER_PAGE),
        };
        let items = self.items.read().unwrap_or_else(|p| p.into_inner());
        let total = items.len() as u64;
        let start = (page - 1).saturating_mul(per_page);
        let slice: Vec<Value> = items
            .iter()
            .skip(usize::try_from(start).unwrap_or(usize::MAX))
            .take(usize::try_from(per_page).unwrap_or(usize::MAX))
            .cloned()
            .collect();
        let body = json!({
            "meta": {
                "generated_at": GENERATED_AT,
                "status_code": 200,
                "status_name": "OK",
                "status_description": ""
            },
            "payload": {
                "items": slice,
                "total": total,
                "per_page": per_page,
                "page": page
            }
        });
        ResponseTemplate::new(200).set_body_raw(
            serde_json::to_vec(&body).unwrap_or_default(),
            "application/json",
        )
    }
}

impl RuCsmsMock {
    /// Start with every fixture session and the request's page size.
    pub async fn start() -> Self {
        Self::start_with(RuCsmsMockOptions::default()).await
    }

    /// Start with `options`.
    pub async fn start_with(options: RuCsmsMockOptions) -> Self {
        let server = MockServer::start().await;
        let items = Arc::new(RwLock::new(fixture_items(&options)));
        Mock::given(method("GET"))
            .and(path(SESSIONS_PATH))
            .respond_with(Sessions {
                items: items.clone(),
                server_per_page: options.server_per_page,
            })
            .named("ru-csms sessions")
            .mount(&server)
            .await;
        RuCsmsMock { server, items }
    }

    /// The full URL of the session list (what `RU_CSMS_SESSIONS_URL` would be).
    pub fn sessions_url(&self) -> String {
        format!("{}{SESSIONS_PATH}", self.server.uri())
    }

    /// The sessions served, newest first, as JSON (a copy).
    pub fn items(&self) -> Vec<Value> {
        self.items.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Change the sessions served between runs (add, edit, finish, remove); keep them newest
    /// first, as the platform lists them. Seen by the next request.
    ///
    /// ```no_run
    /// # async fn demo() {
    /// let mock = evsessions_testkit::ru_csms::RuCsmsMock::start().await;
    /// mock.edit_sessions(|items| items.truncate(10));
    /// # }
    /// ```
    pub fn edit_sessions<R>(&self, f: impl FnOnce(&mut Vec<Value>) -> R) -> R {
        f(&mut self.items.write().unwrap_or_else(|p| p.into_inner()))
    }
}

#[async_trait]
impl VendorMock for RuCsmsMock {
    /// The session list URL: this platform's client takes the full URL as its "base URL".
    fn base_url(&self) -> String {
        self.sessions_url()
    }

    fn session_ids(&self) -> Vec<String> {
        self.items()
            .iter()
            .filter_map(|i| i.get("id").map(|id| id.to_string()))
            .collect()
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn server(&self) -> &MockServer {
        &self.server
    }

    async fn inject(&self, fault: Fault, times: u64) {
        crate::fault::mount_fault(
            &self.server,
            "GET",
            &format!("^{SESSIONS_PATH}$"),
            &fault,
            times,
        )
        .await;
    }
}
