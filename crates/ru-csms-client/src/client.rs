//! The typed call: one page of the session list, with the application status in `meta`
//! checked (an error there is an error even under HTTP 200).

use std::fmt;
use std::sync::Arc;

use evsessions_core::decode::decode_json;
use evsessions_core::http::{redact_url, AuthHeader};
use evsessions_core::{
    ApiErrorBody, ChargingSession, Error, ExposeSecret, HttpClient, HttpResponse, RawRecord, Result,
};
use url::Url;

use crate::config::Config;
use crate::model::{Envelope, Meta, Payload, Session};
use crate::normalize::{normalize_owned, NormalizeOptions};
use crate::KIND;

/// A client of the platform's session list. Cheap to clone; `Debug` shows no secret.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    http: HttpClient,
    endpoint: String,
    options: NormalizeOptions,
    /// The bearer token's header, checked once.
    auth: Option<AuthHeader>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

/// One page of the session list: the envelope's `meta` and `payload` (items still JSON).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ListPage {
    /// The application status (a success here).
    pub meta: Option<Meta>,
    /// The page.
    pub payload: Payload,
}

impl Client {
    /// HTTP requests sent so far (for the sync run log).
    pub(crate) fn requests_sent_total(&self) -> u64 {
        self.inner.http.requests_sent()
    }

    pub(crate) fn rate_limited_total(&self) -> u64 {
        self.inner.http.rate_limited_responses()
    }

    /// A client for `config`.
    pub fn new(config: Config) -> Result<Client> {
        let secret = match &config.auth {
            crate::config::Auth::Bearer(t) => Some(t.clone()),
            _ => None,
        };
        let http = HttpClient::new(KIND, config.http.clone())?.with_secrets(secret);
        http.check_base_url(&config.sessions_url)?;
        let endpoint = format!("GET {}", config.sessions_url.path());
        let options = config.normalize_options();
        let auth = match &config.auth {
            crate::config::Auth::Bearer(t) => Some(AuthHeader::bearer(
                &KIND,
                t.expose_secret(),
                crate::config::ENV_TOKEN,
            )?),
            crate::config::Auth::None => None,
        };
        Ok(Client {
            inner: Arc::new(Inner {
                config,
                http,
                endpoint,
                options,
                auth,
            }),
        })
    }

    /// The settings.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The name of the session list call in errors and logs (`GET /path`, no host, no query).
    pub fn endpoint(&self) -> &str {
        &self.inner.endpoint
    }

    /// The URL of one page: the session list URL with `page` and `per_page` set (replacing any
    /// the configured URL had) and every other query parameter kept.
    pub fn page_url(&self, page: u32, per_page: u32) -> Url {
        let mut url = self.inner.config.sessions_url.clone();
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(k, _)| k != "page" && k != "per_page")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        url.set_query(None);
        {
            let mut q = url.query_pairs_mut();
            q.extend_pairs(kept);
            q.append_pair("page", &page.to_string());
            q.append_pair("per_page", &per_page.to_string());
        }
        url
    }

    /// Fetch page `page` (1-based) asking for `per_page` sessions.
    ///
    /// Errors: HTTP failures as core maps them (retries included); a `meta.status_code`
    /// outside 2xx, even under HTTP 200: 401 → [`Error::Unauthenticated`], 403 →
    /// [`Error::PermissionDenied`], others → [`Error::Api`] with the code, `status_name` and
    /// `status_description`; a body that is not the envelope → [`Error::Decode`].
    pub async fn list_page(&self, page: u32, per_page: u32) -> Result<ListPage> {
        let resp = self.list_response(page, per_page).await?;
        self.decode_page(&resp.body)
    }

    /// Page `page` of the list, the successful response not yet decoded.
    pub(crate) async fn list_response(&self, page: u32, per_page: u32) -> Result<HttpResponse> {
        let url = self.page_url(page, per_page);
        let endpoint = self.endpoint();
        tracing::debug!(vendor = %KIND, url = %redact_url(&url), "fetching a page of sessions");
        let auth = self.inner.auth.as_ref();
        let resp = self
            .inner
            .http
            .send_any(endpoint, |c| {
                let req = c.get(url.clone()).header("Accept", "application/json");
                match auth {
                    Some(h) => h.apply(req),
                    None => req,
                }
            })
            .await?;
        if !resp.is_success() {
            return Err(self.http_error(&resp));
        }
        Ok(resp)
    }

    /// Decode one body of the session list: the envelope, with its items left as their text
    /// (one parse of the page). A `meta.status_code` outside 2xx is the error it stands for.
    ///
    /// ```
    /// # fn main() -> evsessions_core::Result<()> {
    /// use ru_csms_client::{Client, Config};
    /// let client = Client::new(Config::builder().sessions_url("http://127.0.0.1:9/s").no_auth().build()?)?;
    /// let body = br#"{"meta":{"status_code":200},"payload":{"items":[{"id":"1","kwh":0.20}],"total":1}}"#;
    /// let page = client.decode_page(body)?;
    /// assert_eq!(page.payload.items[0].as_str(), r#"{"id":"1","kwh":0.20}"#);
    /// # Ok(()) }
    /// ```
    pub fn decode_page(&self, body: &[u8]) -> Result<ListPage> {
        let envelope: Envelope =
            decode_json(&KIND, self.endpoint(), body).map_err(|e| self.inner.http.redact(e))?;
        self.checked(envelope)
    }

    /// The sessions of one body of the list, as the session stream reads them: one pass over
    /// the page, each item decoded on its own (a bad item is one `Err` in place), `raw` the
    /// item exactly as received.
    ///
    /// ```
    /// # fn main() -> evsessions_core::Result<()> {
    /// use ru_csms_client::{Client, Config};
    /// let client = Client::new(Config::builder().sessions_url("http://127.0.0.1:9/s").no_auth().build()?)?;
    /// let body = br#"{"meta":{"status_code":200},"payload":{"items":[{"id":"1","kwh":0.20}],"total":1}}"#;
    /// let sessions = client.page_sessions(body)?;
    /// let s = sessions[0].as_ref().unwrap();
    /// assert_eq!((s.id.as_str(), s.raw.as_str()), ("1", r#"{"id":"1","kwh":0.20}"#));
    /// # Ok(()) }
    /// ```
    pub fn page_sessions(&self, body: &[u8]) -> Result<Vec<Result<ChargingSession>>> {
        Ok(self.decode_page_sessions(body)?.1)
    }

    /// One page as the session stream reads it: the envelope checked as
    /// [`Client::decode_page`] checks it (its items taken out), and each item decoded on its
    /// own with its text and normalized, in one pass over the body
    /// ([`evsessions_core::decode::decode_enveloped_records`]); errors masked.
    pub(crate) fn decode_page_sessions(
        &self,
        body: &[u8],
    ) -> Result<(ListPage, Vec<Result<ChargingSession>>)> {
        let (envelope, sessions) = self
            .inner
            .http
            .decode_enveloped_records::<Envelope, Session, _>(
                self.endpoint(),
                &["id"],
                body,
                &["payload", "items"],
                |e| {
                    e.payload
                        .as_mut()
                        .map(|p| std::mem::take(&mut p.items))
                        .unwrap_or_default()
                },
                |item| item.and_then(|(session, raw)| self.normalize_decoded(session, raw)),
            )?;
        Ok((self.checked(envelope)?, sessions))
    }

    /// The page of an envelope: an error for a `meta.status_code` outside 2xx or a null
    /// payload.
    fn checked(&self, envelope: Envelope) -> Result<ListPage> {
        let endpoint = self.endpoint();
        if let Some(meta) = envelope.meta.as_ref().filter(|m| !m.is_success()) {
            return Err(meta_error(endpoint, meta));
        }
        let payload = envelope.payload.ok_or_else(|| {
            Error::decode(
                KIND,
                endpoint,
                None,
                "payload",
                "the response says success but its payload is null",
            )
        })?;
        Ok(ListPage {
            meta: envelope.meta,
            payload,
        })
    }

    /// Decode one item of a page into the platform's [`Session`], from its text. A failure is
    /// an [`Error::Decode`] naming the session id and the field (secrets masked).
    pub fn decode_session(&self, item: &RawRecord) -> Result<Session> {
        self.inner
            .http
            .decode_record(self.endpoint(), &["id"], item)
    }

    /// Decode and normalize one item of a page (`raw` = the item, exactly as received).
    pub fn normalize_item(&self, item: RawRecord) -> Result<ChargingSession> {
        let session = self.decode_session(&item)?;
        self.normalize_decoded(session, item)
    }

    /// Normalize a decoded item (`raw` = its text, exactly as received); its texts move into
    /// the record.
    pub(crate) fn normalize_decoded(
        &self,
        session: Session,
        raw: RawRecord,
    ) -> Result<ChargingSession> {
        normalize_owned(session, raw, &self.inner.options)
    }

    /// An HTTP error: the envelope's `meta` words when the body has them, else core's mapping.
    fn http_error(&self, resp: &HttpResponse) -> Error {
        let meta = serde_json::from_slice::<Envelope>(&resp.body)
            .ok()
            .and_then(|e| e.meta)
            .filter(|m| m.status_name.is_some() || m.status_description.is_some());
        match meta {
            Some(m) => Error::from_status(
                &KIND,
                self.endpoint(),
                resp.status,
                meta_body(&m),
                resp.retry_after(),
            ),
            None => self.inner.http.error_for(self.endpoint(), resp),
        }
    }
}

fn meta_body(meta: &Meta) -> ApiErrorBody {
    ApiErrorBody::new(meta.status_name.clone(), meta.status_description.clone())
}

/// The error for an envelope whose `meta.status_code` is not 2xx.
fn meta_error(endpoint: &str, meta: &Meta) -> Error {
    match meta.status_code.and_then(|c| u16::try_from(c).ok()) {
        Some(code) => Error::from_status(&KIND, endpoint, code, meta_body(meta), None),
        None => Error::Api {
            vendor: KIND,
            endpoint: endpoint.to_string(),
            status: None,
            code: Some(match (&meta.status_code, &meta.status_name) {
                (Some(c), Some(n)) => format!("{c} {n}"),
                (Some(c), None) => c.to_string(),
                (None, Some(n)) => n.clone(),
                (None, None) => "unknown status".to_string(),
            }),
            message: meta.status_description.clone(),
        },
    }
}
