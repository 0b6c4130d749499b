//! A mock of the Smappee dev API v3, fed from `crates/evsessions-testkit/fixtures/smappee/`.
//!
//! It behaves like the vendor as far as the notes know it:
//!
//! - `POST /dev/v3/oauth2/token` (and `/dev/v1/…`): form-encoded body only; the password grant
//!   (`grant_type, client_id, client_secret, username, password`) and the refresh grant
//!   (`grant_type, refresh_token, client_id, client_secret`). It issues short-lived access
//!   tokens (`expires_in` settable), **rotates** refresh tokens (only the newest one works; a
//!   used or unknown one gets 400 `{"error":"invalid_grant",…}`), answers wrong client or user
//!   credentials with 401 `{"error":"unauthorized_client","error_description":"Invalid
//!   Credentials"}` and a password grant without user name or password with 400.
//! - Every data call needs `Authorization: Bearer <valid, unexpired access token>`, else 401.
//! - `GET /dev/v3/servicelocation`, `GET /dev/v3/servicelocation/{id}/meteringconfiguration`.
//! - `GET /dev/v3/chargingparks/{id}/sessions` and `GET /dev/v3/chargingstations/{serial}/sessions`
//!   over the fixture sessions: `range=<fromMs>[,<toMs>]` is required (start inclusive, end
//!   exclusive; the comma must be literal: `%2C` is a 400), `active=true` returns the running
//!   sessions (no `to`), `active=false` (the default) the completed ones. An unknown park or
//!   serial, or a location that is no park, is a 404.
//!
//! Tests steer it with [`SmappeeMock::revoke_access_tokens`],
//! [`SmappeeMock::revoke_refresh_tokens`], [`SmappeeMock::revoke_each_token_after`],
//! [`SmappeeMock::refuse_data_after_first_refresh`], [`SmappeeMock::set_expires_in`] and read the
//! counters ([`SmappeeMock::password_grants`], [`SmappeeMock::refresh_grants`], …).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use serde_json::{json, Value};
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::fault::mount_fault;
use crate::{Fault, VendorMock};

/// The OAuth client id the mock accepts.
pub const CLIENT_ID: &str = "evsessions-demo-app";
/// The OAuth client secret the mock accepts.
pub const CLIENT_SECRET: &str = "demo-client-secret-7f3a91";
/// The user name the mock accepts.
pub const USERNAME: &str = "demo.fleet";
/// The password the mock accepts.
pub const PASSWORD: &str = "demo-password-c4e2";

/// The `expires_in` of issued tokens unless set otherwise (Smappee documents 36000 s).
pub const DEFAULT_EXPIRES_IN: u64 = 36_000;

/// The id of the record that is broken with [`SmappeeMockOptions::bad_record`]: its
/// `startReading` becomes the string `"n/a"`.
pub const BAD_RECORD_ID: &str = "51007";

const SESSIONS_PATH: &str = r"^/dev/v3/(chargingparks|chargingstations)/[^/]+/sessions$";

/// How to start a [`SmappeeMock`].
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct SmappeeMockOptions {
    /// Break one record ([`BAD_RECORD_ID`]) with a field of the wrong type.
    pub bad_record: bool,
    /// `expires_in` of issued tokens in seconds (default [`DEFAULT_EXPIRES_IN`]).
    pub expires_in: Option<u64>,
}

impl SmappeeMockOptions {
    /// Break one record ([`BAD_RECORD_ID`]) with a field of the wrong type.
    pub fn with_bad_record(mut self, on: bool) -> Self {
        self.bad_record = on;
        self
    }
    /// `expires_in` of the tokens the mock issues, in seconds.
    pub fn with_expires_in(mut self, seconds: u64) -> Self {
        self.expires_in = Some(seconds);
        self
    }
}

#[derive(Debug, Default)]
struct State {
    expires_in: u64,
    counter: u64,
    access: HashMap<String, Instant>,
    refresh: Option<String>,
    issued_refresh: Vec<String>,
    presented_refresh: Vec<String>,
    token_requests: u64,
    password_grants: u64,
    refresh_grants: u64,
    refused_refreshes: u64,
    refused_passwords: u64,
    unauthorized_data_calls: u64,
    /// Data calls an access token serves before the server revokes it.
    uses_per_token: Option<u64>,
    token_uses: HashMap<String, u64>,
    revocations: u64,
    /// Refuse every data call once a refresh grant was issued.
    refuse_after_first_refresh: bool,
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    match state.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

#[derive(Debug)]
struct Data {
    locations: Value,
    metering: HashMap<String, Value>,
    parks: HashSet<String>,
    park_of_serial: HashMap<String, String>,
    /// (park id, session), sorted by start; changeable between runs.
    sessions: std::sync::RwLock<Vec<(String, Value)>>,
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

fn id_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl Data {
    fn load(bad_record: bool) -> Data {
        let locations = parse(fixture!("smappee/servicelocations.json"));
        let mut metering = HashMap::new();
        metering.insert(
            "40101".to_string(),
            parse(fixture!("smappee/meteringconfiguration-40101.json")),
        );
        metering.insert(
            "40102".to_string(),
            parse(fixture!("smappee/meteringconfiguration-40102.json")),
        );
        metering.insert(
            "40103".to_string(),
            parse(fixture!("smappee/meteringconfiguration-40103.json")),
        );
        let mut parks = HashSet::new();
        let mut park_of_serial = HashMap::new();
        for (park, config) in &metering {
            let stations = config
                .get("chargingStations")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            if !stations.is_empty() {
                parks.insert(park.clone());
            }
            for st in stations {
                if let Some(serial) = st.get("serialNumber").and_then(id_text) {
                    park_of_serial.insert(serial, park.clone());
                }
            }
        }
        let mut sessions = Vec::new();
        for (park, text) in [
            ("40101", fixture!("smappee/park-40101-sessions.json")),
            ("40102", fixture!("smappee/park-40102-sessions.json")),
        ] {
            if let Value::Array(items) = parse(text) {
                for mut s in items {
                    if bad_record && s.get("id").and_then(id_text).as_deref() == Some(BAD_RECORD_ID)
                    {
                        if let Some(obj) = s.as_object_mut() {
                            obj.insert("startReading".into(), Value::String("n/a".into()));
                        }
                    }
                    sessions.push((park.to_string(), s));
                }
            }
        }
        sessions.sort_by_key(|(_, s)| s.get("from").and_then(Value::as_i64).unwrap_or(0));
        Data {
            locations,
            metering,
            parks,
            park_of_serial,
            sessions: std::sync::RwLock::new(sessions),
        }
    }
}

fn json_response(status: u16, body: &Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.to_string().into_bytes(), "application/json")
}

fn fixture_response(status: u16, text: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(text.trim().as_bytes().to_vec(), "application/json")
}

struct TokenResponder {
    state: Arc<Mutex<State>>,
}

impl TokenResponder {
    fn issue(st: &mut State) -> ResponseTemplate {
        st.counter += 1;
        let n = st.counter;
        let access = format!("mock-access-{n:04}-5b1e8c");
        let refresh = format!("mock-refresh-{n:04}-9d2f47");
        let ttl = Duration::from_secs(st.expires_in);
        st.access.insert(access.clone(), Instant::now() + ttl);
        // Rotation: only the newest refresh token works.
        st.refresh = Some(refresh.clone());
        st.issued_refresh.push(refresh.clone());
        json_response(
            200,
            &json!({"access_token": access, "expires_in": st.expires_in, "refresh_token": refresh}),
        )
    }
}

impl Respond for TokenResponder {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut st = lock(&self.state);
        st.token_requests += 1;
        let form_encoded = req
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("application/x-www-form-urlencoded"));
        if !form_encoded {
            return json_response(
                400,
                &json!({"error": "invalid_request", "error_description": "Content-Type must be application/x-www-form-urlencoded"}),
            );
        }
        let form: HashMap<String, String> = url::form_urlencoded::parse(&req.body)
            .into_owned()
            .collect();
        let get = |k: &str| form.get(k).map(String::as_str).filter(|v| !v.is_empty());
        if get("client_id") != Some(CLIENT_ID) || get("client_secret") != Some(CLIENT_SECRET) {
            st.refused_passwords += u64::from(get("grant_type") == Some("password"));
            return fixture_response(
                401,
                fixture!("smappee/token-error-invalid-credentials.json"),
            );
        }
        match get("grant_type") {
            Some("password") => {
                let (Some(user), Some(pass)) = (get("username"), get("password")) else {
                    st.refused_passwords += 1;
                    return json_response(
                        400,
                        &json!({"error": "invalid_request", "error_description": "Missing parameters: username password"}),
                    );
                };
                if user != USERNAME || pass != PASSWORD {
                    st.refused_passwords += 1;
                    return fixture_response(
                        401,
                        fixture!("smappee/token-error-invalid-credentials.json"),
                    );
                }
                st.password_grants += 1;
                Self::issue(&mut st)
            }
            Some("refresh_token") => {
                let presented = get("refresh_token").unwrap_or("").to_string();
                st.presented_refresh.push(presented.clone());
                if st.refresh.as_deref() == Some(presented.as_str()) && !presented.is_empty() {
                    st.refresh_grants += 1;
                    Self::issue(&mut st)
                } else {
                    st.refused_refreshes += 1;
                    fixture_response(400, fixture!("smappee/token-error-invalid-grant.json"))
                }
            }
            _ => json_response(
                400,
                &json!({"error": "unsupported_grant_type", "error_description": "Unsupported grant type"}),
            ),
        }
    }
}

struct DataResponder {
    state: Arc<Mutex<State>>,
    data: Arc<Data>,
}

fn bad_request(message: &str) -> ResponseTemplate {
    json_response(400, &json!({"message": message}))
}

fn not_found(message: &str) -> ResponseTemplate {
    json_response(404, &json!({"message": message}))
}

/// `range` exactly as sent (not percent-decoded: the API wants a literal comma).
fn parse_range(query: &str) -> Result<(i64, Option<i64>), String> {
    let raw = query
        .split('&')
        .find_map(|p| p.strip_prefix("range="))
        .ok_or_else(|| "Required request parameter 'range' is missing".to_string())?;
    let mut parts = raw.split(',');
    let bad = || format!("Invalid range '{raw}': expected <fromMs>[,<toMs>] epoch milliseconds");
    let from = parts
        .next()
        .and_then(|p| p.parse::<i64>().ok())
        .ok_or_else(bad)?;
    let to = match parts.next() {
        None => None,
        Some(p) => Some(p.parse::<i64>().map_err(|_| bad())?),
    };
    if parts.next().is_some() {
        return Err(bad());
    }
    Ok((from, to))
}

fn parse_active(query: &str) -> Result<bool, String> {
    match query.split('&').find_map(|p| p.strip_prefix("active=")) {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(other) => Err(format!("Invalid value '{other}' for parameter 'active'")),
    }
}

fn is_active(session: &Value) -> bool {
    match session.get("to") {
        None | Some(Value::Null) => true,
        Some(v) => v.as_i64() == Some(0),
    }
}

impl DataResponder {
    fn authorized(&self, req: &Request) -> bool {
        let token = req
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        let mut st = lock(&self.state);
        let mut ok = token
            .and_then(|t| st.access.get(t))
            .is_some_and(|exp| Instant::now() < *exp);
        if ok && st.refuse_after_first_refresh && st.refresh_grants > 0 {
            ok = false;
        }
        if let (true, Some(limit), Some(token)) = (ok, st.uses_per_token, token) {
            let uses = st.token_uses.entry(token.to_string()).or_insert(0);
            *uses += 1;
            if *uses >= limit {
                // This call is served; the token is revoked behind it.
                st.access.remove(token);
                st.revocations += 1;
            }
        }
        if !ok {
            st.unauthorized_data_calls += 1;
        }
        ok
    }

    fn sessions(
        &self,
        req: &Request,
        park: Option<&str>,
        serial: Option<&str>,
    ) -> ResponseTemplate {
        let query = req.url.query().unwrap_or("");
        let (from, to) = match parse_range(query) {
            Ok(r) => r,
            Err(m) => return bad_request(&m),
        };
        let active = match parse_active(query) {
            Ok(a) => a,
            Err(m) => return bad_request(&m),
        };
        let items: Vec<Value> = self
            .data
            .sessions
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .filter(|(p, s)| {
                let scope_ok = match (park, serial) {
                    (Some(park), _) => p == park,
                    (_, Some(serial)) => {
                        s.get("serialNumber").and_then(id_text).as_deref() == Some(serial)
                    }
                    _ => false,
                };
                let start = s.get("from").and_then(Value::as_i64).unwrap_or(0);
                scope_ok && start >= from && to.is_none_or(|t| start < t) && is_active(s) == active
            })
            .map(|(_, s)| s.clone())
            .collect();
        json_response(200, &Value::Array(items))
    }
}

impl Respond for DataResponder {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        if !self.authorized(req) {
            return json_response(
                401,
                &json!({"error": "invalid_token", "error_description": "Access token expired or invalid"}),
            );
        }
        let segs: Vec<&str> = req.url.path().trim_matches('/').split('/').collect();
        match segs.as_slice() {
            ["dev", "v3", "servicelocation"] => json_response(200, &self.data.locations),
            ["dev", "v3", "servicelocation", id, "meteringconfiguration"] => {
                match self.data.metering.get(*id) {
                    Some(m) => json_response(200, m),
                    None => not_found(&format!("Service location {id} not found")),
                }
            }
            ["dev", "v3", "chargingparks", id, "sessions"] => {
                if self.data.parks.contains(*id) {
                    self.sessions(req, Some(id), None)
                } else {
                    not_found(&format!("Charging park {id} not found"))
                }
            }
            ["dev", "v3", "chargingstations", serial, "sessions"] => {
                if self.data.park_of_serial.contains_key(*serial) {
                    self.sessions(req, None, Some(serial))
                } else {
                    not_found(&format!("Charging station {serial} not found"))
                }
            }
            _ => not_found("Not found"),
        }
    }
}

/// The Smappee mock server.
pub struct SmappeeMock {
    server: MockServer,
    state: Arc<Mutex<State>>,
    data: Arc<Data>,
}

impl std::fmt::Debug for SmappeeMock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmappeeMock")
            .field("base_url", &self.server.uri())
            .finish_non_exhaustive()
    }
}

impl SmappeeMock {
    /// Start with the fixture data and default options.
    pub async fn start() -> Self {
        SmappeeMock::start_with(SmappeeMockOptions::default()).await
    }

    /// Start with `options`.
    pub async fn start_with(options: SmappeeMockOptions) -> Self {
        let server = MockServer::start().await;
        let state = Arc::new(Mutex::new(State {
            expires_in: options.expires_in.unwrap_or(DEFAULT_EXPIRES_IN),
            ..State::default()
        }));
        let data = Arc::new(Data::load(options.bad_record));
        Mock::given(method("POST"))
            .and(path_regex(r"^/dev/v[13]/oauth2/token$"))
            .respond_with(TokenResponder {
                state: state.clone(),
            })
            .named("smappee token")
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path_regex(r"^/dev/v3/"))
            .respond_with(DataResponder {
                state: state.clone(),
                data: data.clone(),
            })
            .named("smappee data")
            .mount(&server)
            .await;
        SmappeeMock {
            server,
            state,
            data,
        }
    }

    /// Change the sessions served between runs: `(park id, session)` pairs (add, edit, finish —
    /// set `to` and `active: false` —, or remove). Seen by the next request.
    ///
    /// ```no_run
    /// # async fn demo() {
    /// let mock = evsessions_testkit::smappee::SmappeeMock::start().await;
    /// mock.edit_sessions(|sessions| sessions.retain(|(park, _)| park != "40102"));
    /// # }
    /// ```
    pub fn edit_sessions<R>(&self, f: impl FnOnce(&mut Vec<(String, Value)>) -> R) -> R {
        f(&mut self
            .data
            .sessions
            .write()
            .unwrap_or_else(|p| p.into_inner()))
    }

    fn st(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    /// Every access token issued so far stops working (data calls get 401), as when the
    /// server revokes or expires a token mid-run. Refresh tokens still work.
    pub fn revoke_access_tokens(&self) {
        self.st().access.clear();
    }

    /// From now on every access token is revoked once it has served `calls` data calls (at
    /// least 1), as a server that expires or rotates tokens mid-run does; refresh tokens keep
    /// working. [`SmappeeMock::revocations`] counts the tokens so revoked.
    pub fn revoke_each_token_after(&self, calls: u64) {
        self.st().uses_per_token = Some(calls.max(1));
    }

    /// From the first refresh grant on, every data call is refused (401) whatever its token:
    /// a server that a client must give up on in bounded time.
    pub fn refuse_data_after_first_refresh(&self) {
        self.st().refuse_after_first_refresh = true;
    }

    /// Access tokens revoked by [`SmappeeMock::revoke_each_token_after`].
    pub fn revocations(&self) -> u64 {
        self.st().revocations
    }

    /// The current refresh token stops working (the next refresh gets 400 `invalid_grant`).
    pub fn revoke_refresh_tokens(&self) {
        self.st().refresh = None;
    }

    /// `expires_in` of the tokens issued from now on.
    pub fn set_expires_in(&self, seconds: u64) {
        self.st().expires_in = seconds;
    }

    /// Requests to the token endpoint, whatever their outcome.
    pub fn token_requests(&self) -> u64 {
        self.st().token_requests
    }

    /// Successful password grants.
    pub fn password_grants(&self) -> u64 {
        self.st().password_grants
    }

    /// Refused password grants (wrong or missing credentials).
    pub fn refused_password_grants(&self) -> u64 {
        self.st().refused_passwords
    }

    /// Successful refresh grants.
    pub fn refresh_grants(&self) -> u64 {
        self.st().refresh_grants
    }

    /// Refresh grants refused (used, revoked or unknown refresh token).
    pub fn refused_refreshes(&self) -> u64 {
        self.st().refused_refreshes
    }

    /// Every refresh token issued, oldest first.
    pub fn issued_refresh_tokens(&self) -> Vec<String> {
        self.st().issued_refresh.clone()
    }

    /// Every refresh token presented to the token endpoint, in order.
    pub fn presented_refresh_tokens(&self) -> Vec<String> {
        self.st().presented_refresh.clone()
    }

    /// Data calls answered 401 (no, unknown, revoked or expired bearer token).
    pub fn unauthorized_data_calls(&self) -> u64 {
        self.st().unauthorized_data_calls
    }
}

#[async_trait]
impl VendorMock for SmappeeMock {
    fn base_url(&self) -> String {
        self.server.uri()
    }

    fn session_ids(&self) -> Vec<String> {
        self.data
            .sessions
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .filter_map(|(_, s)| s.get("id").and_then(id_text))
            .collect()
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn server(&self) -> &MockServer {
        &self.server
    }

    async fn inject(&self, fault: Fault, times: u64) {
        mount_fault(&self.server, "GET", SESSIONS_PATH, &fault, times).await;
    }
}
