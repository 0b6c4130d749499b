//! The typed calls of the Smappee dev API v3: discovery (service locations, metering
//! configuration) and the sessions of a charging park or a charging station.
//!
//! Every data call carries `Authorization: Bearer <access token>`; the token is obtained and
//! renewed by the client (see [`crate::auth`]). A data call answered with 401 is sent again
//! with a newer token (renewed once for every call in flight); when the server keeps refusing,
//! it is [`Error::Unauthenticated`].

use std::fmt;
use std::sync::{Arc, Mutex as StdMutex};

use chrono::{DateTime, Utc};
use evsessions_core::decode::{
    decode_json, decode_record, decode_record_list, decode_record_list_lean,
};
use evsessions_core::http::{join_path, join_segments};
use evsessions_core::{
    ChargingSession, Error, HttpClient, HttpResponse, RawRecord, Result, SessionQuery, Site,
};
use serde_json::value::RawValue;
use url::Url;

use crate::config::Config;
use crate::model::{ChargingStation, MeteringConfiguration, ServiceLocations, Session};
use crate::normalize::{normalize, normalize_lean, Lean};
use crate::KIND;

const EP_SERVICE_LOCATIONS: &str = "GET /dev/v3/servicelocation";
const EP_METERING: &str = "GET /dev/v3/servicelocation/{id}/meteringconfiguration";
/// Endpoint label of the park sessions call.
pub(crate) const EP_PARK_SESSIONS: &str = "GET /dev/v3/chargingparks/{id}/sessions";
/// Endpoint label of the station sessions call.
pub(crate) const EP_STATION_SESSIONS: &str = "GET /dev/v3/chargingstations/{serial}/sessions";

/// The `range` of a sessions call: session starts in `[from, to)`, epoch milliseconds.
///
/// ```
/// use smappee_client::SessionRange;
/// let r = SessionRange::new(
///     Some("2025-06-01T00:00:00Z".parse().unwrap()),
///     Some("2025-06-05T00:00:00Z".parse().unwrap()),
/// );
/// assert_eq!(r.param(), "1748736000000,1749081600000");
/// assert_eq!(SessionRange::all().param(), "0");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SessionRange {
    /// First start included (`None` = the whole history, sent as `0`).
    pub from: Option<DateTime<Utc>>,
    /// First start excluded (`None` = open end).
    pub to: Option<DateTime<Utc>>,
}

impl SessionRange {
    /// A range from its ends.
    pub fn new(from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>) -> Self {
        SessionRange { from, to }
    }

    /// The whole history.
    pub fn all() -> Self {
        SessionRange::default()
    }

    /// The window of a query.
    pub fn from_query(q: &SessionQuery) -> Self {
        SessionRange::new(q.from, q.to)
    }

    fn start_ms(&self) -> i64 {
        self.from.map(|t| t.timestamp_millis().max(0)).unwrap_or(0)
    }

    /// True when no session can start in it (`to` at or before `from`, or before 1970).
    pub fn is_empty(&self) -> bool {
        self.to
            .is_some_and(|t| t.timestamp_millis() <= self.start_ms())
    }

    /// The `range` parameter: `<fromMs>` or `<fromMs>,<toMs>` (a literal comma).
    pub fn param(&self) -> String {
        match self.to {
            Some(to) => format!("{},{}", self.start_ms(), to.timestamp_millis()),
            None => self.start_ms().to_string(),
        }
    }
}

/// A Smappee client. Cheap to clone; clones share the HTTP client and the tokens (so one
/// renewal serves them all). `Debug` shows no secret.
///
/// ```no_run
/// # async fn demo() -> evsessions_core::Result<()> {
/// use smappee_client::{Client, ConfigBuilder, SessionRange};
/// let client = Client::new(ConfigBuilder::from_env().build()?)?;
/// for loc in client.service_locations().await?.service_locations {
///     for s in client.park_sessions(&loc.service_location_id, SessionRange::all(), false).await? {
///         println!("{:?}", s.map(|s| s.id));
///     }
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) config: Config,
    pub(crate) http: HttpClient,
    pub(crate) auth: evsessions_core::oauth::OAuth,
    /// The parks found by the last discovery (used by the pages after the first).
    pub(crate) discovered: StdMutex<Option<Arc<Vec<crate::source::Scope>>>>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client for `config` (no request is made until the first call).
    pub fn new(config: Config) -> Result<Client> {
        let http = HttpClient::new(KIND, config.http.clone())?.with_secrets([
            config.client_id.clone(),
            config.client_secret.clone(),
            config.username.clone(),
            config.password.clone(),
        ]);
        http.check_base_url(&config.base_url)?;
        let auth = crate::auth::oauth(&config);
        Ok(Client {
            inner: Arc::new(Inner {
                config,
                http,
                auth,
                discovered: StdMutex::new(None),
            }),
        })
    }

    /// The settings.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Make sure the client holds a valid access token (a password grant on first use, a
    /// refresh when due). Useful to check credentials before a long run.
    pub async fn authenticate(&self) -> Result<()> {
        self.inner
            .auth
            .access_token(&self.inner.http)
            .await
            .map(|_| ())
    }

    fn url(&self, path: &str) -> Url {
        join_path(&self.inner.config.base_url, path)
    }

    /// GET with a bearer token, renewed on 401 as [`evsessions_core::oauth`] says. Returns
    /// the final response whatever its status (after the 401 handling).
    async fn get_any(&self, endpoint: &str, url: &Url) -> Result<HttpResponse> {
        self.inner
            .auth
            .send(&self.inner.http, endpoint, |c, token| {
                c.get(url.clone())
                    .header(reqwest::header::ACCEPT, "application/json")
                    .bearer_auth(token)
            })
            .await
    }

    /// GET that must succeed; 404 is [`Error::NotFound`] naming `what`.
    async fn get_ok(&self, endpoint: &str, url: &Url, what: &str) -> Result<HttpResponse> {
        let resp = self.get_any(endpoint, url).await?;
        match resp.status {
            s if (200..300).contains(&s) => Ok(resp),
            404 => Err(Error::NotFound {
                vendor: KIND,
                what: what.to_string(),
            }),
            _ => Err(self.inner.http.error_for(endpoint, &resp)),
        }
    }

    /// `GET /dev/v3/servicelocation`: every service location of the account.
    pub async fn service_locations(&self) -> Result<ServiceLocations> {
        let url = self.url("/dev/v3/servicelocation");
        let resp = self
            .get_ok(EP_SERVICE_LOCATIONS, &url, "the service location list")
            .await?;
        decode_json(&KIND, EP_SERVICE_LOCATIONS, &resp.body)
    }

    /// `GET /dev/v3/servicelocation/{id}/meteringconfiguration` (its `chargingStations` typed).
    pub async fn metering_configuration(
        &self,
        service_location_id: &str,
    ) -> Result<MeteringConfiguration> {
        let url = join_segments(
            &self.url("/dev/v3/servicelocation"),
            &[service_location_id, "meteringconfiguration"],
        );
        let resp = self
            .get_ok(
                EP_METERING,
                &url,
                &format!("service location {service_location_id:?}"),
            )
            .await?;
        decode_json(&KIND, EP_METERING, &resp.body)
    }

    /// The charging stations of a service location (from its metering configuration).
    pub async fn charging_stations(
        &self,
        service_location_id: &str,
    ) -> Result<Vec<ChargingStation>> {
        Ok(self
            .metering_configuration(service_location_id)
            .await?
            .charging_stations)
    }

    /// `GET /dev/v3/chargingparks/{serviceLocationId}/sessions?range=…&active=…`: the sessions
    /// of every station of a charging park, completed (`active = false`) or active. A record
    /// that cannot be decoded is an `Err` in place; the others are returned.
    pub async fn park_sessions(
        &self,
        service_location_id: &str,
        range: SessionRange,
        active: bool,
    ) -> Result<Vec<Result<Session>>> {
        let resp = self
            .park_response(service_location_id, range, active)
            .await?;
        self.sessions_of(EP_PARK_SESSIONS, &resp)
    }

    /// [`Client::park_sessions`]' successful response, not yet decoded.
    pub(crate) async fn park_response(
        &self,
        service_location_id: &str,
        range: SessionRange,
        active: bool,
    ) -> Result<HttpResponse> {
        let url = self.sessions_url("/dev/v3/chargingparks", service_location_id, range, active);
        self.get_ok(
            EP_PARK_SESSIONS,
            &url,
            &format!("charging park (service location) {service_location_id:?}"),
        )
        .await
    }

    /// `GET /dev/v3/chargingstations/{serial}/sessions?range=…&active=…`: the sessions of one
    /// charging station.
    pub async fn station_sessions(
        &self,
        serial: &str,
        range: SessionRange,
        active: bool,
    ) -> Result<Vec<Result<Session>>> {
        let resp = self.station_response(serial, range, active).await?;
        self.sessions_of(EP_STATION_SESSIONS, &resp)
    }

    /// [`Client::station_sessions`]' successful response, not yet decoded.
    pub(crate) async fn station_response(
        &self,
        serial: &str,
        range: SessionRange,
        active: bool,
    ) -> Result<HttpResponse> {
        let url = self.sessions_url("/dev/v3/chargingstations", serial, range, active);
        self.get_ok(
            EP_STATION_SESSIONS,
            &url,
            &format!("charging station {serial:?}"),
        )
        .await
    }

    /// [`decode_sessions`] with this client's secrets masked in every error.
    pub(crate) fn sessions_of(
        &self,
        endpoint: &str,
        resp: &HttpResponse,
    ) -> Result<Vec<Result<Session>>> {
        let http = &self.inner.http;
        decode_sessions(endpoint, resp)
            .map(|records| {
                records
                    .into_iter()
                    .map(|r| r.map_err(|e| http.redact(e)))
                    .collect()
            })
            .map_err(|e| http.redact(e))
    }

    /// The normalized sessions of one body of `GET /dev/v3/chargingparks/{id}/sessions` or
    /// `GET /dev/v3/chargingstations/{serial}/sessions` (`endpoint` names the call in
    /// errors), exactly as the session stream reads them: the records of
    /// [`decode_sessions`], each normalized with [`crate::normalize::normalize`] (`site`: the
    /// charging park read through, `None` for a station), errors masked with the client's
    /// secrets. A body that is an array of sessions is read in one pass, each record
    /// straight into what its session needs (the text it does not keep is not copied); a
    /// record that cannot be read so is read through [`Session`].
    ///
    /// ```
    /// # fn main() -> evsessions_core::Result<()> {
    /// use smappee_client::{Client, Config, SessionRange};
    /// let config = Config::builder()
    ///     .client_id("app").client_secret("s").username("u").password("p").build()?;
    /// let client = Client::new(config)?;
    /// let resp = evsessions_core::HttpResponse {
    ///     status: 200,
    ///     headers: Default::default(),
    ///     body: br#"[{"id":48213,"status":"STOPPED","startReading":1.5,"stopReading":3.25}]"#.to_vec(),
    /// };
    /// let sessions = client.page_sessions("GET /dev/v3/chargingstations/{serial}/sessions", &resp, None)?;
    /// let s = sessions[0].as_ref().unwrap();
    /// assert_eq!((s.id.as_str(), s.energy_kwh.unwrap().to_string()), ("48213", "1.75".into()));
    /// assert_eq!(s.raw.as_str(), r#"{"id":48213,"status":"STOPPED","startReading":1.5,"stopReading":3.25}"#);
    /// # Ok(()) }
    /// ```
    pub fn page_sessions(
        &self,
        endpoint: &str,
        resp: &HttpResponse,
        site: Option<&Site>,
    ) -> Result<Vec<Result<ChargingSession>>> {
        if resp.status == 204 || resp.body_is_empty() {
            return Ok(Vec::new());
        }
        let http = &self.inner.http;
        // A record read through the model: as `decode_sessions` and then `normalize` read it
        // (only the decode error masked, as before).
        let full = |raw: RawRecord| match decode_record::<Session>(&KIND, endpoint, &["id"], &raw) {
            Ok(mut s) => {
                s.raw = raw;
                normalize(s, site, endpoint)
            }
            Err(e) => Err(http.redact(e)),
        };
        session_items(
            endpoint,
            &resp.body,
            |list| {
                decode_record_list_lean::<Lean, _>(&KIND, endpoint, list, |view, raw| match view {
                    Some(lean) => normalize_lean(lean, raw, site, endpoint),
                    None => full(raw),
                })
            },
            full,
        )
        .map_err(|e| http.redact(e))
    }

    /// [`Client::park_response`], but a 404 (the location is no charging park) is `None`.
    pub(crate) async fn park_response_if_park(
        &self,
        service_location_id: &str,
        range: SessionRange,
        active: bool,
    ) -> Result<Option<HttpResponse>> {
        let url = self.sessions_url("/dev/v3/chargingparks", service_location_id, range, active);
        let resp = self.get_any(EP_PARK_SESSIONS, &url).await?;
        match resp.status {
            s if (200..300).contains(&s) => Ok(Some(resp)),
            404 => {
                tracing::debug!(vendor = %KIND, service_location_id, "not a charging park (404); skipped");
                Ok(None)
            }
            _ => Err(self.inner.http.error_for(EP_PARK_SESSIONS, &resp)),
        }
    }

    /// The sessions URL. The query is written by hand so that the comma of `range` stays a
    /// literal comma (a form encoder would write `%2C`).
    fn sessions_url(&self, prefix: &str, id: &str, range: SessionRange, active: bool) -> Url {
        let mut url = join_segments(&self.url(prefix), &[id, "sessions"]);
        url.set_query(Some(&format!("range={}&active={active}", range.param())));
        url
    }
}

/// Decode a sessions body of any shape the API is known or feared to send: a JSON array, one
/// object, a `{"sessions": [...]}` wrapper, `null`, `{}`, 204 or an empty body (no sessions). Each
/// record is decoded on its own from its text (one bad record is one `Err`), and keeps that text
/// in [`Session::raw`]. Errors are not masked with a client's secrets (the client's own calls
/// are).
pub fn decode_sessions(endpoint: &str, resp: &HttpResponse) -> Result<Vec<Result<Session>>> {
    if resp.status == 204 || resp.body_is_empty() {
        return Ok(Vec::new());
    }
    let one =
        |raw: RawRecord| with_raw(decode_record(&KIND, endpoint, &["id"], &raw).map(|s| (s, raw)));
    session_items(
        endpoint,
        &resp.body,
        |list| decode_record_list(&KIND, endpoint, &["id"], list, with_raw),
        one,
    )
}

/// A session with its text in [`Session::raw`].
fn with_raw(r: Result<(Session, RawRecord)>) -> Result<Session> {
    r.map(|(mut s, raw)| {
        s.raw = raw;
        s
    })
}

/// The records of a sessions body, in one parse of the body (a first look at its first byte
/// says which shape to read): `list` reads the text of an array of records, `one` the record
/// of a body that is one session.
fn session_items<U>(
    endpoint: &str,
    body: &[u8],
    list: impl FnOnce(&[u8]) -> Result<Vec<U>>,
    one: impl FnOnce(RawRecord) -> U,
) -> Result<Vec<U>> {
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'[') => list(body),
        Some(b'{') => {
            let fields: std::collections::HashMap<std::borrow::Cow<'_, str>, &RawValue> =
                decode_json(&KIND, endpoint, body)?;
            match fields.get("sessions").map(|v| v.get()) {
                Some(items) if items.starts_with('[') => list(items.as_bytes()),
                Some("null") => Ok(Vec::new()),
                Some(other) => Err(shape_error(
                    endpoint,
                    "sessions",
                    &format!("expected an array of sessions, found {}", json_kind(other)),
                )),
                None if fields.is_empty() => Ok(Vec::new()),
                None => {
                    let whole: &RawValue = decode_json(&KIND, endpoint, body)?;
                    Ok(vec![one(RawRecord::from_raw_value(whole.to_owned()))])
                }
            }
        }
        _ => {
            let whole: &RawValue = decode_json(&KIND, endpoint, body)?;
            match whole.get() {
                "null" => Ok(Vec::new()),
                other => Err(shape_error(
                    endpoint,
                    ".",
                    &format!(
                        "expected an array of sessions, one session or {{\"sessions\": [...]}}, found {}",
                        json_kind(other)
                    ),
                )),
            }
        }
    }
}

/// What kind of JSON value `text` is.
fn json_kind(text: &str) -> &'static str {
    match text.as_bytes().first() {
        Some(b'n') => "null",
        Some(b't' | b'f') => "a boolean",
        Some(b'"') => "a string",
        Some(b'[') => "an array",
        Some(b'{') => "an object",
        _ => "a number",
    }
}

fn shape_error(endpoint: &str, path: &str, message: &str) -> Error {
    Error::decode(KIND, endpoint, None, path, message)
}
