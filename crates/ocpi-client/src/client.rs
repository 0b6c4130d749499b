//! Typed calls: versions discovery, one page of `cdrs` or `sessions`, with the OCPI envelope
//! (`status_code` 1000 = success, even under HTTP 200 anything else is an error) and the
//! paging headers (`Link: <…>; rel="next"`, `X-Total-Count`, `X-Limit`).

use std::fmt;
use std::sync::Arc;

use base64::Engine as _;
use chrono::{DateTime, SecondsFormat, Utc};
use evsessions_core::http::{check_same_origin, next_link, redact_url, AuthHeader};
use evsessions_core::{
    ApiErrorBody, Error, ExposeSecret, HttpClient, HttpResponse, RawRecord, Result, SecretString,
};
use reqwest::header::{HeaderMap, ACCEPT};
use serde::de::DeserializeOwned;
use url::Url;

use crate::config::{Config, Endpoints, TokenEncoding};
use crate::model::{Cdr, ListEnvelope, ObjectEnvelope, Session, Status, Version, VersionDetails};
use crate::KIND;

/// Endpoint label of `GET {versions_url}` (in errors and logs).
pub const EP_VERSIONS: &str = "GET versions";
/// Endpoint label of `GET {version details url}`.
pub const EP_DETAILS: &str = "GET version details";
/// Endpoint label of `GET {cdrs}`.
pub const EP_CDRS: &str = "GET cdrs";
/// Endpoint label of `GET {sessions}`.
pub const EP_SESSIONS: &str = "GET sessions";

/// The OCPI versions this client reads, most preferred first.
pub const SUPPORTED_VERSIONS: [&str; 2] = ["2.2.1", "2.1.1"];

/// The module a listing reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Module {
    /// `cdrs`: finished, priced sessions.
    Cdrs,
    /// `sessions`: sessions as they run.
    Sessions,
}

impl Module {
    /// The module's identifier in a version's details (`cdrs`, `sessions`).
    pub fn identifier(&self) -> &'static str {
        match self {
            Module::Cdrs => "cdrs",
            Module::Sessions => "sessions",
        }
    }
    /// The endpoint label in errors and logs.
    pub fn endpoint(&self) -> &'static str {
        match self {
            Module::Cdrs => EP_CDRS,
            Module::Sessions => EP_SESSIONS,
        }
    }
}

/// Where the platform's modules are, and in which version they are read.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Discovered {
    /// The version read: `2.2.1` or `2.1.1`.
    pub version: String,
    /// The versions the platform offered (empty when the endpoints were given directly).
    pub offered: Vec<String>,
    /// The `cdrs` module (SENDER), if the platform has one.
    pub cdrs_url: Option<Url>,
    /// The `sessions` module (SENDER), if the platform has one.
    pub sessions_url: Option<Url>,
}

impl Discovered {
    /// The URL of `module`, if the platform has it.
    pub fn url(&self, module: Module) -> Option<&Url> {
        match module {
            Module::Cdrs => self.cdrs_url.as_ref(),
            Module::Sessions => self.sessions_url.as_ref(),
        }
    }
}

impl fmt::Debug for Discovered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Discovered")
            .field("version", &self.version)
            .field("offered", &self.offered)
            .field("cdrs_url", &self.cdrs_url.as_ref().map(redact_url))
            .field("sessions_url", &self.sessions_url.as_ref().map(redact_url))
            .finish()
    }
}

/// The query of a list call (`date_from` inclusive and `date_to` exclusive on `last_updated`,
/// `offset`, `limit`). Build it with [`ListParams::new`] and the setters.
///
/// ```
/// let p = ocpi_client::ListParams::new().date_from("2025-03-01T00:00:00Z".parse().unwrap()).limit(50);
/// assert_eq!(p.pairs(), vec![("date_from", "2025-03-01T00:00:00Z".to_string()), ("limit", "50".to_string())]);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListParams {
    /// Objects with `last_updated` at or after this.
    pub date_from: Option<DateTime<Utc>>,
    /// Objects with `last_updated` before this.
    pub date_to: Option<DateTime<Utc>>,
    /// The first object (0-based).
    pub offset: Option<u64>,
    /// Objects asked (the server may send fewer and say so in `X-Limit`).
    pub limit: Option<u32>,
}

impl ListParams {
    /// No filter.
    pub fn new() -> Self {
        ListParams::default()
    }
    /// Set [`ListParams::date_from`].
    pub fn date_from(mut self, t: DateTime<Utc>) -> Self {
        self.date_from = Some(t);
        self
    }
    /// Set [`ListParams::date_to`].
    pub fn date_to(mut self, t: DateTime<Utc>) -> Self {
        self.date_to = Some(t);
        self
    }
    /// Set [`ListParams::offset`].
    pub fn offset(mut self, n: u64) -> Self {
        self.offset = Some(n);
        self
    }
    /// Set [`ListParams::limit`].
    pub fn limit(mut self, n: u32) -> Self {
        self.limit = Some(n);
        self
    }
    /// The query parameters, in this order: `date_from`, `date_to`, `offset`, `limit`.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let time = |t: &DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
        let mut out = Vec::new();
        if let Some(t) = &self.date_from {
            out.push(("date_from", time(t)));
        }
        if let Some(t) = &self.date_to {
            out.push(("date_to", time(t)));
        }
        if let Some(n) = self.offset {
            out.push(("offset", n.to_string()));
        }
        if let Some(n) = self.limit {
            out.push(("limit", n.to_string()));
        }
        out
    }
}

/// One page of a list call.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ListPage<T> {
    /// The objects, in the server's order.
    pub data: Vec<T>,
    /// The next page (`Link: <…>; rel="next"`), checked to be on the page's origin; `None`
    /// on the last page.
    pub next: Option<Url>,
    /// `X-Total-Count`: the objects of the whole query, as the server states it.
    pub total_count: Option<u64>,
    /// `X-Limit`: the most objects the server sends a page.
    pub limit: Option<u64>,
    /// The envelope's status (a success).
    pub status: Status,
}

/// The OCPI client: discovery, typed list calls, and [`evsessions_core::SessionSource`] for
/// the session stream. Cheap to clone; `Debug` never shows the token.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    http: HttpClient,
    base64_header: AuthHeader,
    raw_header: AuthHeader,
    discovered: tokio::sync::OnceCell<Discovered>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

fn header(text: &str) -> Result<AuthHeader> {
    AuthHeader::new(&KIND, "authorization", text, crate::config::ENV_TOKEN)
}

/// A random id in the UUID version 4 form (`xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`), for
/// `X-Request-ID` and `X-Correlation-ID`: unique, not secret (from the standard library's
/// randomly keyed hasher, a process-wide counter and the time).
pub(crate) fn unique_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let half = |salt: u64| {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(n);
        h.write_u128(nanos);
        h.write_u64(salt);
        h.finish()
    };
    let (hi, lo) = (half(1), half(2));
    let hi = (hi & !0xF000) | 0x4000; // version 4
    let lo = (lo & !(0b11 << 62)) | (0b10 << 62); // RFC 4122 variant
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xFFFF,
        hi & 0xFFFF,
        lo >> 48,
        lo & 0xFFFF_FFFF_FFFF
    )
}

fn header_u64(headers: &HeaderMap, name: &str) -> Option<u64> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

impl Client {
    /// A client for `config`. Nothing is sent until the first call.
    ///
    /// ```
    /// let config = ocpi_client::Config::builder()
    ///     .versions_url("https://ocpi.example.com/ocpi/versions")
    ///     .token("t0ken")
    ///     .build()?;
    /// let client = ocpi_client::Client::new(config)?;
    /// assert!(!format!("{client:?}").contains("t0ken"));
    /// # Ok::<(), evsessions_core::Error>(())
    /// ```
    pub fn new(config: Config) -> Result<Client> {
        let token = config.token.expose_secret().to_string();
        let encoded = base64::engine::general_purpose::STANDARD.encode(token.as_bytes());
        let http = HttpClient::new(KIND, config.http.clone())?
            .with_secrets([config.token.clone(), SecretString::from(encoded.clone())]);
        match &config.endpoints {
            Endpoints::Discover { versions_url } => http.check_base_url(versions_url)?,
            Endpoints::Direct {
                cdrs_url,
                sessions_url,
            } => {
                for u in cdrs_url.iter().chain(sessions_url.iter()) {
                    http.check_base_url(u)?;
                }
            }
        }
        let base64_header = header(&format!("Token {encoded}"))?;
        let raw_header = header(&format!("Token {token}"))?;
        Ok(Client {
            inner: Arc::new(Inner {
                config,
                http,
                base64_header,
                raw_header,
                discovered: tokio::sync::OnceCell::new(),
            }),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The `Authorization` header for `version`: see [`TokenEncoding`].
    fn auth(&self, version: &str) -> AuthHeader {
        let raw = match self.inner.config.token_encoding {
            TokenEncoding::Raw => true,
            TokenEncoding::Base64 => false,
            _ => version.starts_with("2.1") || version.starts_with("2.0"),
        };
        if raw {
            self.inner.raw_header.clone()
        } else {
            self.inner.base64_header.clone()
        }
    }

    /// `GET url` with the token written for `version`; any response, retried as core retries.
    /// Every attempt carries a new `X-Request-ID`; the attempts of one call share one
    /// `X-Correlation-ID` (OCPI 2.2.1: every request SHALL carry both).
    async fn get(&self, endpoint: &str, url: &Url, version: &str) -> Result<HttpResponse> {
        let auth = self.auth(version);
        let correlation = unique_id();
        tracing::debug!(vendor = %KIND, endpoint, url = %redact_url(url), correlation_id = %correlation, "OCPI request");
        self.inner
            .http
            .send_any(endpoint, |c| {
                auth.apply(c.get(url.clone()))
                    .header(ACCEPT, "application/json")
                    .header("X-Request-ID", unique_id())
                    .header("X-Correlation-ID", correlation.as_str())
            })
            .await
    }

    /// The error an envelope's status (or an HTTP error status) stands for: HTTP 401 or
    /// `2004` (unknown token) → [`Error::Unauthenticated`]; HTTP 403 →
    /// [`Error::PermissionDenied`]; HTTP 429 → [`Error::RateLimited`]; anything else →
    /// [`Error::Api`] with the OCPI `status_code` as its `code` and `status_message` as its
    /// message, and as its `status` the HTTP status when that is an error (so a 5xx stays
    /// retryable), else the `status_code` (a `3xxx` under HTTP 200 is not retried).
    pub(crate) fn status_error(
        &self,
        endpoint: &str,
        resp: &HttpResponse,
        status: &Status,
    ) -> Error {
        let code = status.status_code.map(|c| c.to_string());
        let body = ApiErrorBody::new(code.clone(), status.status_message.clone());
        let e = if status.status_code == Some(2004) {
            Error::Unauthenticated {
                vendor: KIND,
                reason: body.reason(),
            }
        } else if !resp.is_success() {
            Error::from_status(&KIND, endpoint, resp.status, body, resp.retry_after())
        } else {
            Error::Api {
                vendor: KIND,
                endpoint: endpoint.to_string(),
                status: status
                    .status_code
                    .and_then(|c| u16::try_from(c).ok())
                    .or(Some(resp.status)),
                code,
                message: status.status_message.clone(),
            }
        };
        self.inner.http.redact(e)
    }

    /// The error of a response that is not a success: its HTTP status, or its envelope's
    /// `status_code` outside 1xxx. `None` for a success.
    pub(crate) fn failure(&self, endpoint: &str, resp: &HttpResponse) -> Option<Error> {
        let status: Status = if resp.is_success() {
            match evsessions_core::decode::decode_json::<Status>(&KIND, endpoint, &resp.body) {
                Ok(s) => s,
                // Not an envelope at all: the caller's decoding says what is wrong.
                Err(_) => return None,
            }
        } else {
            serde_json::from_slice::<Status>(&resp.body).unwrap_or_default()
        };
        let ok = resp.is_success() && status.status_code.is_none_or(|c| (1000..2000).contains(&c));
        (!ok).then(|| self.status_error(endpoint, resp, &status))
    }

    /// `GET url` whose `data` is one `T`.
    async fn get_object<T: DeserializeOwned>(
        &self,
        endpoint: &str,
        url: &Url,
        version: &str,
    ) -> Result<T> {
        let resp = self.get(endpoint, url, version).await?;
        if let Some(e) = self.failure(endpoint, &resp) {
            return Err(e);
        }
        let envelope: ObjectEnvelope<T> = self.inner.http.decode(endpoint, &resp)?;
        envelope.data.ok_or_else(|| {
            Error::decode(
                KIND,
                endpoint,
                None,
                "data",
                "the OCPI envelope has no `data`",
            )
        })
    }

    /// `GET {versions_url}`: the versions the platform speaks. A [`Error::Config`] when the
    /// endpoints were given directly (there is no versions URL).
    pub async fn versions(&self) -> Result<Vec<Version>> {
        let url = match &self.inner.config.endpoints {
            Endpoints::Discover { versions_url } => versions_url.clone(),
            _ => {
                return Err(Error::config(
                    Some(KIND),
                    "no versions URL configured (the endpoints were given directly)",
                ))
            }
        };
        // The versions call precedes any version: the token as 2.2.1 writes it.
        self.get_object(EP_VERSIONS, &url, SUPPORTED_VERSIONS[0])
            .await
    }

    /// `GET {version url}`: the modules of one version. `url` must be on the versions URL's
    /// origin (the token is never sent elsewhere).
    pub async fn version_details(&self, version: &str, url: &Url) -> Result<VersionDetails> {
        if let Endpoints::Discover { versions_url } = &self.inner.config.endpoints {
            check_same_origin(&KIND, EP_DETAILS, versions_url, url)?;
        }
        self.get_object(EP_DETAILS, url, version).await
    }

    /// Where the modules are: discovered once per client (2.2.1 preferred, else 2.1.1; the
    /// `cdrs` and `sessions` endpoints of role `SENDER`), or as configured.
    ///
    /// Errors: a platform that offers neither 2.2.1 nor 2.1.1, or neither module, is an
    /// [`Error::UnsupportedQuery`] naming what it offers; an endpoint on another origin than
    /// the versions URL is an [`Error::Config`] (set the endpoints directly if that is meant).
    pub async fn discover(&self) -> Result<&Discovered> {
        self.inner
            .discovered
            .get_or_try_init(|| async { self.discover_now().await.map_err(|e| self.redact(e)) })
            .await
    }

    async fn discover_now(&self) -> Result<Discovered> {
        let versions_url = match &self.inner.config.endpoints {
            Endpoints::Direct {
                cdrs_url,
                sessions_url,
            } => {
                return Ok(Discovered {
                    version: SUPPORTED_VERSIONS[0].to_string(),
                    offered: Vec::new(),
                    cdrs_url: cdrs_url.clone(),
                    sessions_url: sessions_url.clone(),
                })
            }
            Endpoints::Discover { versions_url } => versions_url.clone(),
        };
        let versions = self.versions().await?;
        let offered: Vec<String> = versions.iter().map(|v| v.version.clone()).collect();
        let Some(chosen) = SUPPORTED_VERSIONS
            .iter()
            .find_map(|want| versions.iter().find(|v| v.version.trim() == *want))
        else {
            return Err(Error::UnsupportedQuery {
                vendor: KIND,
                message: format!(
                    "the platform offers OCPI versions {offered:?}; this client reads 2.2.1 and 2.1.1"
                ),
            });
        };
        let details_url = versions_url.join(chosen.url.trim()).map_err(|e| {
            Error::decode(
                KIND,
                EP_VERSIONS,
                None,
                "data[].url",
                format!("invalid URL: {e}"),
            )
        })?;
        let version = chosen.version.trim().to_string();
        let details = self.version_details(&version, &details_url).await?;
        let pick = |module: Module| -> Result<Option<Url>> {
            let found = details.endpoints.iter().find(|e| {
                e.identifier.eq_ignore_ascii_case(module.identifier())
                    && e.role
                        .as_deref()
                        .is_none_or(|r| r.eq_ignore_ascii_case("SENDER"))
            });
            let Some(e) = found else { return Ok(None) };
            let url = details_url.join(e.url.trim()).map_err(|err| {
                Error::decode(
                    KIND,
                    EP_DETAILS,
                    None,
                    "data.endpoints[].url",
                    format!("invalid URL: {err}"),
                )
            })?;
            if check_same_origin(&KIND, EP_DETAILS, &versions_url, &url).is_err() {
                return Err(Error::config(
                    Some(KIND),
                    format!(
                        "the platform's {} endpoint is on another origin ({}) than its versions URL ({}); the token is not sent there. If that host is meant, give the endpoints directly (OCPI_CDRS_URL, OCPI_SESSIONS_URL)",
                        module.identifier(),
                        url.origin().ascii_serialization(),
                        versions_url.origin().ascii_serialization()
                    ),
                ));
            }
            self.inner.http.check_base_url(&url)?;
            Ok(Some(url))
        };
        let cdrs_url = pick(Module::Cdrs)?;
        let sessions_url = pick(Module::Sessions)?;
        if cdrs_url.is_none() && sessions_url.is_none() {
            let modules: Vec<String> = details
                .endpoints
                .iter()
                .map(|e| match &e.role {
                    Some(r) => format!("{} ({r})", e.identifier),
                    None => e.identifier.clone(),
                })
                .collect();
            return Err(Error::UnsupportedQuery {
                vendor: KIND,
                message: format!(
                    "OCPI {version} on this platform has no cdrs or sessions module of role SENDER (it offers {modules:?})"
                ),
            });
        }
        if version != SUPPORTED_VERSIONS[0] {
            tracing::info!(vendor = %KIND, %version, offered = ?offered, "the platform does not offer OCPI 2.2.1: reading 2.1.1 (see docs/ocpi.md for the fields that differ)");
        }
        Ok(Discovered {
            version,
            offered,
            cdrs_url,
            sessions_url,
        })
    }

    /// The URL of the first page of `module` with `params` (the module URL's own query kept,
    /// these parameters replacing any of the same name).
    pub(crate) fn first_page_url(base: &Url, params: &ListParams) -> Url {
        let mut url = base.clone();
        let pairs = params.pairs();
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(k, _)| !pairs.iter().any(|(n, _)| n == k))
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        url.set_query(None);
        if !kept.is_empty() || !pairs.is_empty() {
            let mut q = url.query_pairs_mut();
            q.extend_pairs(kept);
            q.extend_pairs(pairs);
        }
        url
    }

    /// One page of `module` at `url` (a first page, or a page's `next`), not yet decoded,
    /// with its paging headers read: the response, the next URL (checked to be on `url`'s
    /// origin: a `Link` elsewhere is an [`Error::Transport`]), `X-Total-Count`, `X-Limit`.
    pub(crate) async fn page_response(
        &self,
        module: Module,
        url: &Url,
    ) -> Result<(HttpResponse, Option<Url>, Option<u64>, Option<u64>)> {
        let version = self.discover().await?.version.clone();
        let endpoint = module.endpoint();
        let resp = self.get(endpoint, url, &version).await?;
        if let Some(e) = self.failure(endpoint, &resp) {
            return Err(e);
        }
        let next = match next_link(&resp.headers, url) {
            Some(n) => {
                check_same_origin(&KIND, endpoint, url, &n)?;
                Some(n)
            }
            None => None,
        };
        let total = header_u64(&resp.headers, "x-total-count");
        let limit = header_u64(&resp.headers, "x-limit");
        Ok((resp, next, total, limit))
    }

    /// One list body, each object decoded on its own (a bad object is one `Err` in place, the
    /// others still read) and handed to `each` with its text. An envelope without `data`, or
    /// whose `data` is no list, is an [`Error::Decode`] of the page.
    pub(crate) fn decode_list<T: DeserializeOwned, U>(
        &self,
        endpoint: &str,
        body: &[u8],
        each: impl FnMut(Result<(T, RawRecord)>) -> U,
    ) -> Result<Vec<U>> {
        let missing = std::cell::Cell::new(false);
        let (_, items) = self
            .inner
            .http
            .decode_enveloped_records::<ListEnvelope, T, U>(
                endpoint,
                &["id"],
                body,
                &["data"],
                |e| match e.data.take() {
                    Some(d) => d,
                    None => {
                        missing.set(true);
                        Vec::new()
                    }
                },
                each,
            )?;
        if missing.get() {
            return Err(Error::decode(
                KIND,
                endpoint,
                None,
                "data",
                "the OCPI envelope has no `data` list (status 1000 with nothing to read)",
            ));
        }
        Ok(items)
    }

    async fn list<T: DeserializeOwned>(&self, module: Module, url: &Url) -> Result<ListPage<T>> {
        let (resp, next, total_count, limit) = self.page_response(module, url).await?;
        let endpoint = module.endpoint();
        let status = self
            .inner
            .http
            .decode::<Status>(endpoint, &resp)
            .unwrap_or_default();
        let data = self
            .decode_list::<T, _>(endpoint, &resp.body, |r| r.map(|(t, _)| t))?
            .into_iter()
            .collect::<Result<Vec<T>>>()?;
        Ok(ListPage {
            data,
            next,
            total_count,
            limit,
            status,
        })
    }

    async fn module_url(&self, module: Module) -> Result<Url> {
        self.discover()
            .await?
            .url(module)
            .cloned()
            .ok_or_else(|| Error::UnsupportedQuery {
                vendor: KIND,
                message: format!(
                    "the platform has no {} module of role SENDER",
                    module.identifier()
                ),
            })
    }

    /// `GET cdrs` with `params`: one page of CDRs, typed. A CDR that cannot be decoded fails
    /// the call with [`Error::Decode`] naming it (the session stream reads each on its own
    /// instead). Follow [`ListPage::next`] with [`Client::cdrs_at`].
    pub async fn cdrs(&self, params: &ListParams) -> Result<ListPage<Cdr>> {
        let base = self.module_url(Module::Cdrs).await?;
        self.list(Module::Cdrs, &Self::first_page_url(&base, params))
            .await
    }

    /// The CDR page at `url` (a [`ListPage::next`]).
    pub async fn cdrs_at(&self, url: &Url) -> Result<ListPage<Cdr>> {
        self.list(Module::Cdrs, url).await
    }

    /// `GET sessions` with `params`: one page of Sessions, typed. OCPI requires `date_from`
    /// here; without one, `1970-01-01T00:00:00Z` is sent.
    pub async fn sessions_list(&self, params: &ListParams) -> Result<ListPage<Session>> {
        let base = self.module_url(Module::Sessions).await?;
        let mut params = params.clone();
        params.date_from = params.date_from.or(Some(DateTime::<Utc>::UNIX_EPOCH));
        self.list(Module::Sessions, &Self::first_page_url(&base, &params))
            .await
    }

    /// The Session page at `url` (a [`ListPage::next`]).
    pub async fn sessions_at(&self, url: &Url) -> Result<ListPage<Session>> {
        self.list(Module::Sessions, url).await
    }

    /// `e` with the token (both forms) masked: for errors this crate makes from server text.
    pub(crate) fn redact(&self, e: Error) -> Error {
        self.inner.http.redact(e)
    }

    /// HTTP requests sent so far.
    pub(crate) fn requests_sent_total(&self) -> u64 {
        self.inner.http.requests_sent()
    }

    /// 429s received so far.
    pub(crate) fn rate_limited_total(&self) -> u64 {
        self.inner.http.rate_limited_responses()
    }
}

#[cfg(test)]
mod tests {
    use super::unique_id;

    #[test]
    fn unique_ids_are_uuid_v4_shaped_and_differ() {
        let a = unique_id();
        let b = unique_id();
        assert_ne!(a, b);
        let parts: Vec<&str> = a.split('-').collect();
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(parts[2].starts_with('4'), "{a}");
        assert!(matches!(&parts[3][..1], "8" | "9" | "a" | "b"), "{a}");
        assert!(a.chars().all(|c| c == '-' || c.is_ascii_hexdigit()), "{a}");
    }
}
