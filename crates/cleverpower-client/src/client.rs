//! The typed calls of the CleverPower API.

use std::fmt;
use std::sync::Arc;

use evsessions_core::decode::offload;
use evsessions_core::http::{join_path, join_segments, redact_url};
use evsessions_core::{ApiErrorBody, ChargingSession, Error, HttpClient, HttpResponse, Result};
use reqwest::header::{ACCEPT, CONTENT_LENGTH};
use serde::de::DeserializeOwned;

use crate::model::{ChargingPoint, NabijeciBod, Transaction};
use crate::normalize::Normalizer;
use crate::{Config, KIND};

/// Endpoint label of `POST api/Ocpp` in logs and errors.
pub(crate) const OCPP_ENDPOINT: &str = "POST api/Ocpp";
const TRANSACTION_ENDPOINT: &str = "GET api/v1/transactions/{id}";
const BY_CODE_ENDPOINT: &str = "GET api/v1/charging_points/by_code/{evse_id}";

/// A CleverPower client: the typed calls, and a [`evsessions_core::SessionSource`] over the
/// sessions embedded in charging points. Cheap to clone; `Debug` shows no secret.
#[derive(Clone)]
pub struct Client {
    pub(crate) http: HttpClient,
    config: Arc<Config>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &redact_url(self.config.base_url()))
            .field("auth", self.config.auth())
            .field("time_zone", &self.config.time_zone().name())
            .field("currency", &self.config.currency())
            .field("connector_id", &self.config.connector_id())
            .field("charge_ids", &self.config.charge_ids())
            .finish()
    }
}

impl Client {
    /// A client for `config`.
    pub fn new(config: Config) -> Result<Client> {
        let secret = match config.auth() {
            crate::config::Auth::Bearer(t) => Some(t.clone()),
            crate::config::Auth::Header { value, .. } => Some(value.clone()),
            _ => None,
        };
        let http = HttpClient::new(KIND, config.http().clone())?.with_secrets(secret);
        http.check_base_url(config.base_url())?;
        Ok(Client {
            http,
            config: Arc::new(config),
        })
    }

    /// The same client with these default charge ids: the scope read when a
    /// [`evsessions_core::SessionQuery`] names no charger. Empty entries are dropped.
    pub fn with_default_charge_ids(mut self, ids: Vec<String>) -> Self {
        let mut config = (*self.config).clone();
        config.set_charge_ids(ids);
        self.config = Arc::new(config);
        self
    }

    /// The settings.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The normalizer with this client's zone and currency.
    pub fn normalizer(&self) -> Normalizer {
        Normalizer::from_config(&self.config)
    }

    /// `POST api/Ocpp?chargeId={charge_id}&connectorId={connector_id}` (no body): the charging
    /// point of an OCPP charge id, with its sessions. `connector_id` `None` sends the configured
    /// one (0 by default).
    ///
    /// A 404, or a success with a `null` or empty body, is [`Error::NotFound`] naming the charge id; a 404
    /// that says no route matched (`No HTTP resource was found …`) is [`Error::Api`], since
    /// then the base URL is wrong, not the id.
    pub async fn charging_point(
        &self,
        charge_id: &str,
        connector_id: Option<u32>,
    ) -> Result<NabijeciBod> {
        let connector = connector_id.unwrap_or(self.config.connector_id());
        let resp = self.point_response(charge_id, connector).await?;
        self.decode_point(charge_id, connector, &resp)
    }

    /// The response of `POST api/Ocpp`, not yet decoded.
    async fn point_response(&self, charge_id: &str, connector: u32) -> Result<HttpResponse> {
        let mut url = join_path(self.config.base_url(), "api/Ocpp");
        url.query_pairs_mut()
            .append_pair("chargeId", charge_id)
            .append_pair("connectorId", &connector.to_string());
        self.http
            .send_any(OCPP_ENDPOINT, |c| {
                // No body, but a `Content-Length: 0` (IIS answers 411 to a POST without one).
                self.authorize(c.post(url.clone()))
                    .header(CONTENT_LENGTH, "0")
                    .body(Vec::<u8>::new())
            })
            .await
    }

    fn decode_point(
        &self,
        charge_id: &str,
        connector: u32,
        resp: &HttpResponse,
    ) -> Result<NabijeciBod> {
        self.decode_entity(OCPP_ENDPOINT, resp, || point_what(charge_id, connector))
    }

    /// Every session of the charging point of `charge_id`, normalized (the configured
    /// connector). A session that cannot be read is one `Err` in place.
    ///
    /// A large point is decoded off the async thread ([`evsessions_core::decode::offload`]).
    pub async fn point_sessions(&self, charge_id: &str) -> Result<Vec<Result<ChargingSession>>> {
        let connector = self.config.connector_id();
        let resp = self.point_response(charge_id, connector).await?;
        let client = self.clone();
        let charge_id = charge_id.to_string();
        offload(&KIND, OCPP_ENDPOINT, resp.body.len(), move || {
            client.point_page_sessions(&charge_id, &resp)
        })
        .await
    }

    /// The sessions of one response of `POST api/Ocpp` for `charge_id` (the configured
    /// connector), exactly as the session stream reads them: the response checked as
    /// [`Client::charging_point`] checks it (404, error status, `null` or empty body), then
    /// the sessions that [`Normalizer::point_sessions`] makes of the point, errors masked with
    /// the client's secrets. The body is read in one pass, each session straight from its
    /// text into its record ([`evsessions_core::decode::decode_enveloped_lean`]); a body that
    /// cannot be read so is decoded as [`NabijeciBod`] first, with the same result.
    ///
    /// ```
    /// # fn main() -> evsessions_core::Result<()> {
    /// use cleverpower_client::{Client, Config};
    /// let client = Client::new(Config::builder().build()?)?;
    /// let resp = evsessions_core::HttpResponse {
    ///     status: 200,
    ///     headers: Default::default(),
    ///     body: br#"{"Kod": "PRG-1", "NabijeciBodTransakces": [{"Id": 7, "SpotrebaKwh": 1.50}]}"#.to_vec(),
    /// };
    /// let sessions = client.point_page_sessions("PRG-1", &resp)?;
    /// let s = sessions[0].as_ref().unwrap();
    /// assert_eq!((s.id.as_str(), s.charger.name.as_deref()), ("7", Some("PRG-1")));
    /// assert_eq!(s.raw.as_str(), r#"{"Id": 7, "SpotrebaKwh": 1.50}"#);
    /// # Ok(()) }
    /// ```
    pub fn point_page_sessions(
        &self,
        charge_id: &str,
        resp: &HttpResponse,
    ) -> Result<Vec<Result<ChargingSession>>> {
        let connector = self.config.connector_id();
        self.check_entity(OCPP_ENDPOINT, resp, || point_what(charge_id, connector))?;
        self.normalizer()
            .body_sessions(charge_id, connector, &resp.body, |e| self.http.redact(e))
    }

    /// `GET api/v1/transactions/{id}`: one transaction with its price components.
    pub async fn transaction(&self, id: i64) -> Result<Transaction> {
        let url = join_segments(
            self.config.base_url(),
            &["api", "v1", "transactions", &id.to_string()],
        );
        let resp = self
            .http
            .send_any(TRANSACTION_ENDPOINT, |c| self.authorize(c.get(url.clone())))
            .await?;
        self.decode_entity(TRANSACTION_ENDPOINT, &resp, || format!("transaction {id}"))
    }

    /// `GET api/v1/charging_points/by_code/{evse_id}[?session_id=…]`: the charging point of an
    /// EVSE ID with its current session, as the direct-payment page shows it.
    pub async fn charging_point_by_code(
        &self,
        evse_id: &str,
        session_id: Option<&str>,
    ) -> Result<ChargingPoint> {
        let mut url = join_segments(
            self.config.base_url(),
            &["api", "v1", "charging_points", "by_code", evse_id],
        );
        if let Some(sid) = session_id {
            url.query_pairs_mut().append_pair("session_id", sid);
        }
        let resp = self
            .http
            .send_any(BY_CODE_ENDPOINT, |c| self.authorize(c.get(url.clone())))
            .await?;
        self.decode_entity(BY_CODE_ENDPOINT, &resp, || {
            format!("charging point with EVSE ID {evse_id:?}")
        })
    }

    fn authorize(&self, rb: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        let rb = rb.header(ACCEPT, "application/json");
        match self.config.auth_header() {
            Some(h) => h.apply(rb),
            None => rb,
        }
    }

    /// A by-id response: 2xx → the entity (`null` → not found), 404 → not found (unless no
    /// route matched), anything else → the mapped error.
    fn decode_entity<T: DeserializeOwned>(
        &self,
        endpoint: &str,
        resp: &HttpResponse,
        what: impl Fn() -> String,
    ) -> Result<T> {
        self.check_entity(endpoint, resp, what)?;
        self.http.decode(endpoint, resp)
    }

    /// The checks of [`Client::decode_entity`] before the body is decoded.
    fn check_entity(
        &self,
        endpoint: &str,
        resp: &HttpResponse,
        what: impl Fn() -> String,
    ) -> Result<()> {
        let not_found = || Error::NotFound {
            vendor: KIND,
            what: what(),
        };
        if resp.status == 404 {
            let body = ApiErrorBody::parse(&resp.body);
            let no_route = body
                .message
                .as_deref()
                .is_some_and(|m| m.starts_with("No HTTP resource was found"));
            if no_route {
                return Err(Error::Api {
                    vendor: KIND,
                    endpoint: endpoint.to_string(),
                    status: Some(404),
                    code: body.code,
                    message: Some(format!(
                        "{} (no such route: check the base URL)",
                        body.message.unwrap_or_default()
                    )),
                });
            }
            return Err(not_found());
        }
        if !resp.is_success() {
            return Err(self.http.error_for(endpoint, resp));
        }
        // ASP.NET writes a null entity as `null` (or nothing, with 204).
        if is_null_text(&resp.body) || resp.body_is_empty() {
            return Err(not_found());
        }
        Ok(())
    }
}

/// True when `body`, read as text (invalid UTF-8 replaced) and trimmed of white space, is
/// `null`. Only the ends of the body are looked at unless one of them is not plain ASCII.
fn is_null_text(body: &[u8]) -> bool {
    let t = body.trim_ascii();
    match (t.first(), t.last()) {
        // An all-white-space body: trimmed, it is empty.
        (None, _) | (_, None) => false,
        // Printable ASCII at both ends is no white space: the trim of the text ends there.
        (Some(a), Some(b)) if a.is_ascii_graphic() && b.is_ascii_graphic() => t == b"null",
        // Other white space (`\u{a0}`, a vertical tab …) or bytes that are no UTF-8.
        _ => String::from_utf8_lossy(body).trim() == "null",
    }
}

/// What a charging point is, in a not-found error.
fn point_what(charge_id: &str, connector: u32) -> String {
    format!("charging point for charge id {charge_id:?} (connector {connector})")
}

#[cfg(test)]
mod tests {
    use super::is_null_text;

    #[test]
    fn null_text_is_the_trimmed_lossy_text() {
        for body in [
            &b"null"[..],
            b" \r\n null\t",
            b"\x0bnull",
            "\u{a0}null\u{2003}".as_bytes(),
            b"null\xff",
            b"\xffnull",
            b"nul",
            b"nulll",
            b"\"null\"",
            b"",
            b"  ",
            b"\x0b",
            b"{}",
            b"[null]",
        ] {
            assert_eq!(
                is_null_text(body),
                String::from_utf8_lossy(body).trim() == "null",
                "{body:?}"
            );
        }
        assert!(is_null_text(b" null\n"));
        assert!(is_null_text("\u{a0}null".as_bytes()));
        assert!(!is_null_text(b"null\xff"));
    }
}
