//! A mock of the CleverPower API (`api.chargee.eco`), fed from `crates/evsessions-testkit/fixtures/cleverpower/`.
//!
//! It behaves like the ASP.NET Web API 2 service as far as it is known:
//!
//! - `POST api/Ocpp?chargeId=…&connectorId=…` (no body) returns the fixture `NabijeciBod` of a
//!   known charge id ([`CleverPowerMock::charge_ids`]), with its embedded sessions; an unknown
//!   one is a 404 `{"Message":"No charging point found for chargeId '…'"}`; a missing
//!   `chargeId` or a non-integer `connectorId` is a 400 `{"Message":"The request is invalid.", …}`;
//! - `GET api/v1/transactions/{id}` ([`TRANSACTION_ID`]) and
//!   `GET api/v1/charging_points/by_code/{evse_id}` ([`EVSE_ID`]); others are 404;
//! - every request needs `Authorization: Bearer` [`TOKEN`] unless
//!   [`CleverPowerMockOptions::require_auth`] is off: else 401
//!   `{"Message":"Authorization has been denied for this request."}`;
//! - any other path is ASP.NET's 404 `No HTTP resource was found that matches the request URI`.
//!
//! Query parameter names are matched case-insensitively, as ASP.NET binds them.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::{json, Value};
use wiremock::matchers::{any, method, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::fault::{mount_fault, Fault};
use crate::VendorMock;

/// The bearer token the mock accepts.
pub const TOKEN: &str = "cleverpower-mock-token-5b2e9c";
/// A charge id the mock does not know (404, body from `ocpp-unknown-charge-id.404.json`).
pub const UNKNOWN_CHARGE_ID: &str = "NOPE-0000-X";
/// The id of the v1 transaction the mock serves.
pub const TRANSACTION_ID: i64 = 880101;
/// The EVSE ID of the v1 charging point the mock serves.
pub const EVSE_ID: &str = "CZ*XXX*E0001042*1";
/// The session whose `SpotrebaKwh` becomes `"18,25"` (a decimal comma: not a number) with
/// [`CleverPowerMockOptions::bad_record`].
pub const BAD_RECORD_ID: &str = "990002";

/// The charging points, in the order [`CleverPowerMock::charge_ids`] lists them.
const POINTS: [(&str, &str); 3] = [
    ("PRG-0311-A", fixture!("cleverpower/ocpp-PRG-0311-A.json")),
    ("OVA-0105-C", fixture!("cleverpower/ocpp-OVA-0105-C.json")),
    ("BRN-0702-B", fixture!("cleverpower/ocpp-BRN-0702-B.json")),
];
const UNKNOWN_BODY: &str = fixture!("cleverpower/ocpp-unknown-charge-id.404.json");
const TRANSACTION: &str = fixture!("cleverpower/v1-transaction-880101.json");
const CHARGING_POINT: &str = fixture!("cleverpower/v1-charging-point-by-code.json");

const JSON: &str = "application/json; charset=utf-8";

/// How the mock behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CleverPowerMockOptions {
    /// Serve session [`BAD_RECORD_ID`] with a `SpotrebaKwh` that is not a number.
    pub bad_record: bool,
    /// Demand `Authorization: Bearer` [`TOKEN`] (default true).
    pub require_auth: bool,
}

impl CleverPowerMockOptions {
    /// Serve session [`BAD_RECORD_ID`] with a `SpotrebaKwh` that is not a number.
    pub fn with_bad_record(mut self, on: bool) -> Self {
        self.bad_record = on;
        self
    }
    /// Demand `Authorization: Bearer` [`TOKEN`] (default true).
    pub fn with_require_auth(mut self, on: bool) -> Self {
        self.require_auth = on;
        self
    }
}

impl Default for CleverPowerMockOptions {
    fn default() -> Self {
        CleverPowerMockOptions {
            bad_record: false,
            require_auth: true,
        }
    }
}

/// The running mock.
pub struct CleverPowerMock {
    server: MockServer,
    charge_ids: Vec<String>,
    points: Points,
}

/// The charging points served: (charge id, `NabijeciBod` JSON), changeable between runs.
type Points = Arc<std::sync::RwLock<Vec<(String, Value)>>>;

impl std::fmt::Debug for CleverPowerMock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CleverPowerMock")
            .field("base_url", &self.server.uri())
            .field("charge_ids", &self.charge_ids)
            .finish()
    }
}

fn asp_message(status: u16, body: Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.to_string().into_bytes(), JSON)
}

fn unauthorized() -> ResponseTemplate {
    asp_message(
        401,
        json!({"Message": "Authorization has been denied for this request."}),
    )
    .insert_header("WWW-Authenticate", "Bearer")
}

fn no_route(req: &Request) -> ResponseTemplate {
    asp_message(
        404,
        json!({
            "Message": format!("No HTTP resource was found that matches the request URI '{}'.", req.url),
            "MessageDetail": "No type was found that matches the controller named 'unknown'."
        }),
    )
}

fn authorized(req: &Request, require_auth: bool) -> bool {
    if !require_auth {
        return true;
    }
    let want = format!("Bearer {TOKEN}");
    req.headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == want)
}

fn query_param(req: &Request, name: &str) -> Option<String> {
    req.url
        .query_pairs()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.into_owned())
}

struct OcppResponder {
    points: Points,
    require_auth: bool,
}

impl Respond for OcppResponder {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        if !authorized(req, self.require_auth) {
            return unauthorized();
        }
        let Some(charge_id) = query_param(req, "chargeId").filter(|c| !c.is_empty()) else {
            return asp_message(
                400,
                json!({
                    "Message": "The request is invalid.",
                    "MessageDetail": "The parameters dictionary does not contain an entry for parameter 'chargeId' of type 'System.String' for method 'CleverPowerModel.NabijeciBod Post(System.String, Int32)' in 'CleverPower.Api.Controllers.OcppController'."
                }),
            );
        };
        if let Some(c) = query_param(req, "connectorId") {
            if c.parse::<i32>().is_err() {
                return asp_message(
                    400,
                    json!({
                        "Message": "The request is invalid.",
                        "MessageDetail": format!("The value '{c}' is not valid for parameter 'connectorId' of non-nullable type 'System.Int32'.")
                    }),
                );
            }
        }
        let points = self.points.read().unwrap_or_else(|p| p.into_inner());
        match points.iter().find(|(id, _)| *id == charge_id) {
            Some((_, body)) => {
                ResponseTemplate::new(200).set_body_raw(body.to_string().into_bytes(), JSON)
            }
            None if charge_id == UNKNOWN_CHARGE_ID => {
                ResponseTemplate::new(404).set_body_raw(UNKNOWN_BODY.as_bytes().to_vec(), JSON)
            }
            None => asp_message(
                404,
                json!({"Message": format!("No charging point found for chargeId '{charge_id}'")}),
            ),
        }
    }
}

struct V1Responder {
    require_auth: bool,
}

impl Respond for V1Responder {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        if !authorized(req, self.require_auth) {
            return unauthorized();
        }
        let segments: Vec<&str> = req
            .url
            .path_segments()
            .map(|s| s.collect())
            .unwrap_or_default();
        match segments.as_slice() {
            ["api", "v1", "transactions", id] => match id.parse::<i64>() {
                Ok(n) if n == TRANSACTION_ID => {
                    ResponseTemplate::new(200).set_body_raw(TRANSACTION.as_bytes().to_vec(), JSON)
                }
                Ok(n) => asp_message(
                    404,
                    json!({"Message": format!("Transaction {n} not found.")}),
                ),
                Err(_) => no_route(req),
            },
            ["api", "v1", "charging_points", "by_code", code] => {
                let mut probe = url::Url::parse("http://x/").unwrap_or_else(|_| req.url.clone());
                if let Ok(mut p) = probe.path_segments_mut() {
                    p.clear().push(EVSE_ID);
                }
                if probe.path().trim_start_matches('/') == *code {
                    ResponseTemplate::new(200)
                        .set_body_raw(CHARGING_POINT.as_bytes().to_vec(), JSON)
                } else {
                    asp_message(
                        404,
                        json!({"Message": format!("No charging point found for code '{code}'")}),
                    )
                }
            }
            _ => no_route(req),
        }
    }
}

impl CleverPowerMock {
    /// Start with the default options (auth required, no bad record).
    pub async fn start() -> Self {
        Self::start_with(CleverPowerMockOptions::default()).await
    }

    /// Start with `options`.
    pub async fn start_with(options: CleverPowerMockOptions) -> Self {
        let server = MockServer::start().await;
        let mut points = Vec::new();
        for (charge_id, text) in POINTS {
            let mut value: Value = serde_json::from_str(text).unwrap_or(Value::Null);
            if let Some(txs) = value
                .get_mut("NabijeciBodTransakces")
                .and_then(Value::as_array_mut)
            {
                for tx in txs {
                    let id = match tx.get("Id") {
                        Some(Value::Number(n)) => n.to_string(),
                        Some(Value::String(s)) => s.clone(),
                        _ => continue,
                    };
                    if options.bad_record && id == BAD_RECORD_ID {
                        if let Some(obj) = tx.as_object_mut() {
                            obj.insert("SpotrebaKwh".into(), json!("18,25"));
                        }
                    }
                }
            }
            points.push((charge_id.to_string(), value));
        }
        let points: Points = Arc::new(std::sync::RwLock::new(points));
        Mock::given(method("POST"))
            .and(path_regex(r"(?i)^/api/ocpp$"))
            .respond_with(OcppResponder {
                points: points.clone(),
                require_auth: options.require_auth,
            })
            .with_priority(5)
            .named("POST api/Ocpp")
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path_regex(r"^/api/v1/"))
            .respond_with(V1Responder {
                require_auth: options.require_auth,
            })
            .with_priority(5)
            .named("GET api/v1")
            .mount(&server)
            .await;
        Mock::given(any())
            .respond_with(no_route)
            .with_priority(10)
            .named("no route")
            .mount(&server)
            .await;
        CleverPowerMock {
            server,
            charge_ids: POINTS.iter().map(|(id, _)| id.to_string()).collect(),
            points,
        }
    }

    /// Change a charging point between runs (its `NabijeciBodTransakces`: add, edit, finish or
    /// remove sessions). Returns `None` when the mock has no point `charge_id`.
    ///
    /// ```no_run
    /// # async fn demo() {
    /// let mock = evsessions_testkit::cleverpower::CleverPowerMock::start().await;
    /// mock.edit_point("PRG-0311-A", |point| point["NabijeciBodTransakces"] = serde_json::json!([]));
    /// # }
    /// ```
    pub fn edit_point<R>(&self, charge_id: &str, f: impl FnOnce(&mut Value) -> R) -> Option<R> {
        let mut points = self.points.write().unwrap_or_else(|p| p.into_inner());
        points
            .iter_mut()
            .find(|(id, _)| id == charge_id)
            .map(|(_, v)| f(v))
    }

    /// The charge ids the mock knows, in fixture order (one of them has no sessions).
    pub fn charge_ids(&self) -> Vec<String> {
        self.charge_ids.clone()
    }
}

#[async_trait]
impl VendorMock for CleverPowerMock {
    fn base_url(&self) -> String {
        self.server.uri()
    }

    /// Every session of every known charge id, in fixture order.
    fn session_ids(&self) -> Vec<String> {
        let points = self.points.read().unwrap_or_else(|p| p.into_inner());
        points
            .iter()
            .flat_map(|(_, v)| {
                v.get("NabijeciBodTransakces")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default()
            })
            .filter_map(|tx| match tx.get("Id") {
                Some(Value::Number(n)) => Some(n.to_string()),
                Some(Value::String(s)) => Some(s.clone()),
                _ => None,
            })
            .collect()
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn server(&self) -> &MockServer {
        &self.server
    }

    /// Faults on `POST api/Ocpp` (the session reads).
    async fn inject(&self, fault: Fault, times: u64) {
        mount_fault(&self.server, "POST", r"(?i)^.*/api/Ocpp$", &fault, times).await;
    }
}
