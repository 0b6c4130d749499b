//! HTTP plumbing shared by every vendor client: one `reqwest` client (rustls) per source with
//! connect and total timeouts, retries with exponential backoff, jitter and a total budget,
//! `Retry-After` (seconds or HTTP date, capped), error mapping, URL checks and redaction, and a
//! `tracing` span per request.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::net::IpAddr;
use std::time::{Duration, Instant, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};
use serde::de::DeserializeOwned;
use tracing::Instrument;
use url::Url;

use crate::error::{truncate_chars, ApiErrorBody, Error, Result};
use crate::model::SourceKind;

/// How failed requests are retried.
///
/// Retried: HTTP 408, 429 and 5xx, timeouts and network errors. Never retried: any other 4xx.
/// The wait before retry *n* (1-based) is `initial_backoff × 2^(n-1)`, capped at `max_backoff`,
/// with jitter (a random value between half and all of it), unless the server sent
/// `Retry-After`, which is honoured up to `max_retry_after`. No retry starts once
/// `total_budget` would be exceeded.
///
/// ```
/// use std::time::Duration;
/// use evsessions_core::RetryConfig;
/// let patient = RetryConfig::default()
///     .with_max_retries(5)
///     .with_initial_backoff(Duration::from_secs(1))
///     .with_total_budget(Duration::from_secs(300));
/// assert_eq!(patient.max_retries, 5);
/// assert_eq!(RetryConfig::none().max_retries, 0);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryConfig {
    /// Retries after the first attempt (0 = no retry). Default 3.
    pub max_retries: u32,
    /// Wait before the first retry. Default 500 ms.
    pub initial_backoff: Duration,
    /// Upper bound of one backoff wait. Default 30 s.
    pub max_backoff: Duration,
    /// Randomize each wait (between 50 % and 100 %) so that clients do not retry in step.
    /// Default true.
    pub jitter: bool,
    /// Upper bound on a server's `Retry-After`. Default 60 s.
    pub max_retry_after: Duration,
    /// No retry starts after this much time has passed since the first attempt. Default 120 s.
    pub total_budget: Duration,
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig {
            max_retries: 3,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            jitter: true,
            max_retry_after: Duration::from_secs(60),
            total_budget: Duration::from_secs(120),
        }
    }
}

impl RetryConfig {
    /// No retries at all.
    pub fn none() -> Self {
        RetryConfig {
            max_retries: 0,
            ..RetryConfig::default()
        }
    }

    /// Tiny waits for tests: 3 retries, 1 ms backoff, `Retry-After` capped at 10 ms.
    pub fn fast() -> Self {
        RetryConfig {
            max_retries: 3,
            initial_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(5),
            jitter: false,
            max_retry_after: Duration::from_millis(10),
            total_budget: Duration::from_secs(10),
        }
    }

    /// Set [`RetryConfig::max_retries`].
    pub fn with_max_retries(mut self, n: u32) -> Self {
        self.max_retries = n;
        self
    }
    /// Set [`RetryConfig::initial_backoff`].
    pub fn with_initial_backoff(mut self, d: Duration) -> Self {
        self.initial_backoff = d;
        self
    }
    /// Set [`RetryConfig::max_backoff`].
    pub fn with_max_backoff(mut self, d: Duration) -> Self {
        self.max_backoff = d;
        self
    }
    /// Set [`RetryConfig::jitter`].
    pub fn with_jitter(mut self, on: bool) -> Self {
        self.jitter = on;
        self
    }
    /// Set [`RetryConfig::max_retry_after`].
    pub fn with_max_retry_after(mut self, d: Duration) -> Self {
        self.max_retry_after = d;
        self
    }
    /// Set [`RetryConfig::total_budget`].
    pub fn with_total_budget(mut self, d: Duration) -> Self {
        self.total_budget = d;
        self
    }

    /// The backoff before retry number `retry` (1-based), before jitter.
    pub fn backoff(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.saturating_sub(1));
        self.initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff)
    }

    /// The wait before retry number `retry`: the server's `Retry-After` when it sent one, but
    /// never less than the backoff (so `Retry-After: 0` or a past date cannot turn backoff
    /// off) and never more than [`RetryConfig::max_retry_after`].
    fn wait_for(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        let base = self.backoff(retry);
        if let Some(ra) = retry_after {
            return ra.max(base).min(self.max_retry_after);
        }
        if !self.jitter || base.is_zero() {
            return base;
        }
        let mut h = RandomState::new().build_hasher();
        h.write_u32(retry);
        let r = (h.finish() % 1000) as u32; // 0..1000
        base / 2 + (base / 2) * r / 1000
    }
}

/// Timeouts, retries and transport policy of one source.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct HttpConfig {
    /// Time allowed to establish a connection. Default 10 s.
    pub connect_timeout: Duration,
    /// Time allowed for a whole request, body included. Default 60 s.
    pub timeout: Duration,
    /// Retry policy.
    pub retry: RetryConfig,
    /// Allow plain `http://` to hosts other than loopback. Default false.
    pub allow_insecure_http: bool,
    /// The `User-Agent` header. Default `evsessions/<version>`.
    pub user_agent: String,
    /// The largest response body read, in bytes; a larger one is an [`Error::Transport`]
    /// before it is held in memory. Default 64 MiB.
    pub max_body_bytes: u64,
}

/// Waits for a server's `Retry-After` longer than this are announced as a warning.
pub const ANNOUNCE_WAIT: Duration = Duration::from_secs(3);

/// Redirects followed within one origin, at most.
pub const MAX_REDIRECTS: usize = 5;

/// The most room reserved for a body ahead of reading it, from its `Content-Length`: a body
/// that claims more gets this much, then grows as it arrives (a lying server cannot make the
/// client reserve memory it never sends).
const PREALLOCATE_MAX: u64 = 8 << 20;

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(60),
            retry: RetryConfig::default(),
            allow_insecure_http: false,
            user_agent: concat!("evsessions/", env!("CARGO_PKG_VERSION")).to_string(),
            max_body_bytes: 64 * 1024 * 1024,
        }
    }
}

impl HttpConfig {
    /// Set [`HttpConfig::connect_timeout`].
    pub fn with_connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }
    /// Set [`HttpConfig::timeout`].
    pub fn with_timeout(mut self, d: Duration) -> Self {
        self.timeout = d;
        self
    }
    /// Set [`HttpConfig::retry`].
    pub fn with_retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }
    /// Set [`HttpConfig::allow_insecure_http`].
    pub fn with_allow_insecure_http(mut self, on: bool) -> Self {
        self.allow_insecure_http = on;
        self
    }
    /// Set [`HttpConfig::max_body_bytes`].
    ///
    /// ```
    /// let c = evsessions_core::HttpConfig::default().with_max_body_bytes(1 << 20);
    /// assert_eq!(c.max_body_bytes, 1 << 20);
    /// ```
    pub fn with_max_body_bytes(mut self, n: u64) -> Self {
        self.max_body_bytes = n;
        self
    }
    /// Set [`HttpConfig::user_agent`].
    pub fn with_user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = ua.into();
        self
    }

    /// Settings for tests against a local mock: fast retries, 5 s timeout.
    pub fn for_tests() -> Self {
        HttpConfig {
            timeout: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(2),
            retry: RetryConfig::fast(),
            ..HttpConfig::default()
        }
    }
}

/// A received response: status, headers and the whole body.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    /// HTTP status code.
    pub status: u16,
    /// Response headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// True for 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
    /// True when the body is empty or white space only.
    pub fn body_is_empty(&self) -> bool {
        self.body.iter().all(|b| b.is_ascii_whitespace())
    }
    /// The parsed `Retry-After` header, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        parse_retry_after(&self.headers)
    }
}

/// The HTTP client of one source. Cheap to clone.
#[derive(Debug, Clone)]
pub struct HttpClient {
    vendor: SourceKind,
    client: reqwest::Client,
    config: HttpConfig,
    secrets: std::sync::Arc<[secrecy::SecretString]>,
    /// HTTP requests sent (every attempt, retries included), shared by clones.
    requests: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// 429 responses received, shared by clones.
    rate_limited: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// No request of this source (or its clones) starts before this instant: set by a
    /// `Retry-After`, so that it holds back every request, not only the one that got it.
    hold: std::sync::Arc<std::sync::Mutex<Option<Instant>>>,
}

impl HttpClient {
    /// Build the client (rustls, timeouts, user agent, and the redirect policy: only within
    /// the same origin, at most [`MAX_REDIRECTS`] hops, never a `Referer`; see
    /// [`redirect_policy`]).
    pub fn new(vendor: SourceKind, config: HttpConfig) -> Result<Self> {
        let client = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            .redirect(redirect_policy())
            .referer(false)
            .user_agent(config.user_agent.clone())
            .build()
            .map_err(|e| {
                Error::config(
                    Some(vendor.clone()),
                    format!("cannot build the HTTP client: {}", e.without_url()),
                )
            })?;
        Ok(HttpClient {
            vendor,
            client,
            config,
            secrets: std::sync::Arc::from(Vec::new()),
            requests: std::sync::Arc::default(),
            rate_limited: std::sync::Arc::default(),
            hold: std::sync::Arc::default(),
        })
    }

    /// Register the source's secrets (keys, tokens, client secrets, passwords) once: every
    /// error this client builds (a server's error body, a decode excerpt, a transport message)
    /// has them masked, so a server that echoes a credential back cannot make it shown.
    ///
    /// ```
    /// use evsessions_core::{HttpClient, HttpConfig, SecretString, SourceKind};
    /// let http = HttpClient::new(SourceKind::from_static("v"), HttpConfig::default())
    ///     .unwrap()
    ///     .with_secrets([SecretString::from("k3y-123".to_string())]);
    /// let e = evsessions_core::Error::config(None, "echo k3y-123");
    /// assert_eq!(http.redact(e).to_string(), "configuration error: echo REDACTED");
    /// ```
    pub fn with_secrets(
        mut self,
        secrets: impl IntoIterator<Item = secrecy::SecretString>,
    ) -> Self {
        let mut all: Vec<secrecy::SecretString> = self.secrets.iter().cloned().collect();
        all.extend(secrets);
        self.secrets = std::sync::Arc::from(all);
        self
    }

    /// `e` with this client's registered secrets masked (see [`HttpClient::with_secrets`]).
    pub fn redact(&self, e: Error) -> Error {
        if self.secrets.is_empty() {
            return e;
        }
        e.redacted(&self.secret_texts())
    }

    /// `text` (server text for a log line) with this client's registered secrets masked.
    pub fn mask(&self, text: &str) -> String {
        crate::error::mask_secrets(text, &self.secret_texts())
    }

    fn secret_texts(&self) -> Vec<&str> {
        use secrecy::ExposeSecret;
        self.secrets.iter().map(|s| s.expose_secret()).collect()
    }

    /// The vendor this client speaks for.
    pub fn vendor(&self) -> &SourceKind {
        &self.vendor
    }

    /// The settings.
    pub fn config(&self) -> &HttpConfig {
        &self.config
    }

    /// Check a base URL against this client's transport policy (see [`check_base_url`]).
    pub fn check_base_url(&self, url: &Url) -> Result<()> {
        check_base_url(&self.vendor, url, self.config.allow_insecure_http)
    }

    /// HTTP requests this client (and its clones) sent so far, every attempt and retry
    /// included: what a run's log reports as its requests.
    ///
    /// ```
    /// let http = evsessions_core::HttpClient::new(
    ///     evsessions_core::SourceKind::from_static("emabler"),
    ///     evsessions_core::HttpConfig::for_tests(),
    /// ).unwrap();
    /// assert_eq!(http.requests_sent(), 0);
    /// ```
    pub fn requests_sent(&self) -> u64 {
        self.requests.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// HTTP 429 responses this client (and its clones) received so far, retried or not: the
    /// session stream halves its concurrency when this grows (see
    /// [`crate::SessionSource::rate_limited_responses`]).
    ///
    /// ```
    /// let http = evsessions_core::HttpClient::new(
    ///     evsessions_core::SourceKind::from_static("emabler"),
    ///     evsessions_core::HttpConfig::for_tests(),
    /// ).unwrap();
    /// assert_eq!(http.rate_limited_responses(), 0);
    /// ```
    pub fn rate_limited_responses(&self) -> u64 {
        self.rate_limited.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The instant before which no request of this client starts (a server's `Retry-After`
    /// still running), if any.
    fn held_until(&self) -> Option<Instant> {
        let hold = self.hold.lock().unwrap_or_else(|e| e.into_inner());
        hold.filter(|t| *t > Instant::now())
    }

    /// Hold back every request of this client until `wait` from now (a later hold stays).
    fn hold_for(&self, wait: Duration) {
        let until = Instant::now() + wait;
        let mut hold = self.hold.lock().unwrap_or_else(|e| e.into_inner());
        if hold.is_none_or(|t| t < until) {
            *hold = Some(until);
        }
    }

    /// Send a request with retries and return the successful (2xx) response. Any other final
    /// status becomes the matching [`Error`] (see [`Error::from_status`]). `build` makes the
    /// request anew for every attempt; `endpoint` names the call in logs and errors
    /// (`"POST /v2/transactions"`), so it must not contain secrets.
    pub async fn send<F>(&self, endpoint: &str, build: F) -> Result<HttpResponse>
    where
        F: Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    {
        let resp = self.send_any(endpoint, build).await?;
        if resp.is_success() {
            Ok(resp)
        } else {
            Err(self.error_for(endpoint, &resp))
        }
    }

    /// Like [`HttpClient::send`], but returns the final response whatever its status (after
    /// retrying the retryable ones), for callers that treat some statuses specially. The
    /// body of a non-success response has this client's secrets masked (see
    /// [`HttpClient::with_secrets`]).
    pub async fn send_any<F>(&self, endpoint: &str, build: F) -> Result<HttpResponse>
    where
        F: Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    {
        self.send_any_with(endpoint, &self.config.retry, build)
            .await
    }

    /// [`HttpClient::send_any`] with another retry policy than the client's: for a call that
    /// must not be sent twice, [`RetryConfig::none`] (a refresh grant: its refresh token
    /// would be presented twice).
    pub async fn send_any_with<F>(
        &self,
        endpoint: &str,
        retry: &RetryConfig,
        build: F,
    ) -> Result<HttpResponse>
    where
        F: Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    {
        let mut resp = self
            .send_raw(endpoint, retry, build)
            .await
            .map_err(|e| self.redact(e))?;
        // A failure's body only ever becomes error text: mask the secrets in it whole, before
        // any caller parses or shortens it (a secret cut in two by a shortened message would
        // otherwise show its first half).
        if !resp.is_success() && !self.secrets.is_empty() {
            resp.body = self.mask(&String::from_utf8_lossy(&resp.body)).into_bytes();
        }
        Ok(resp)
    }

    async fn send_raw<F>(
        &self,
        endpoint: &str,
        retry: &RetryConfig,
        build: F,
    ) -> Result<HttpResponse>
    where
        F: Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    {
        let started = Instant::now();
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            // A `Retry-After` that another request of this source received holds this one
            // back too (concurrent pages must not keep hitting a server that asked to wait).
            if let Some(until) = self.held_until() {
                let wait = until.saturating_duration_since(Instant::now());
                tracing::debug!(vendor = %self.vendor, endpoint, wait_ms = wait.as_millis() as u64, "held back by the server's Retry-After");
                tokio::time::sleep(wait).await;
            }
            self.requests
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let span = tracing::debug_span!(
                "http_request",
                vendor = %self.vendor,
                endpoint,
                attempt,
                status = tracing::field::Empty,
                elapsed_ms = tracing::field::Empty,
            );
            let t0 = Instant::now();
            let max_body = self.config.max_body_bytes;
            let pending = build(&self.client).send();
            let exchange = async move {
                let mut resp = pending.await?;
                let status = resp.status().as_u16();
                let headers = resp.headers().clone();
                let stated = resp.content_length();
                if stated.is_some_and(|n| n > max_body) {
                    return Ok(Err(max_body));
                }
                // Room for the stated length at once (up to `PREALLOCATE_MAX`): a page is then
                // neither copied as it grows nor held in twice the room it needs.
                let room = stated.map_or(0, |n| n.min(PREALLOCATE_MAX));
                let mut body = Vec::with_capacity(usize::try_from(room).unwrap_or(0));
                while let Some(chunk) = resp.chunk().await? {
                    if (body.len() as u64).saturating_add(chunk.len() as u64) > max_body {
                        return Ok(Err(max_body));
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok::<_, reqwest::Error>(Ok(HttpResponse {
                    status,
                    headers,
                    body,
                }))
            }
            .instrument(span.clone());
            // reqwest's own timeout covers the body too; this one also bounds our reading loop
            // whatever the transport does (a body trickling in a byte at a time).
            let outcome = match tokio::time::timeout(self.config.timeout, as_task(exchange)).await {
                Ok(Some(Ok(Ok(resp)))) => Ok(resp),
                Ok(Some(Ok(Err(cap)))) => return Err(self.body_too_large(endpoint, cap)),
                Ok(Some(Err(e))) => Err(self.transport_error(endpoint, e)),
                Ok(None) => Err(Error::Transport {
                    vendor: self.vendor.clone(),
                    endpoint: endpoint.to_string(),
                    message: "the async runtime shut down during the request".to_string(),
                    connect: false,
                }),
                Err(_) => Err(Error::Timeout {
                    vendor: self.vendor.clone(),
                    endpoint: endpoint.to_string(),
                    after: self.config.timeout,
                }),
            };
            span.record("elapsed_ms", t0.elapsed().as_millis() as u64);
            let may_retry = attempt <= retry.max_retries;
            match outcome {
                Ok(resp) => {
                    span.record("status", resp.status);
                    tracing::debug!(parent: &span, status = resp.status, elapsed_ms = t0.elapsed().as_millis() as u64, bytes = resp.body.len(), "response");
                    let retryable = matches!(resp.status, 408 | 429 | 500..=599);
                    if resp.status == 429 {
                        self.rate_limited
                            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                    let retry_after = resp.retry_after();
                    if let (true, Some(ra)) = (retryable, retry_after) {
                        // Every request of this source waits, not only this one.
                        self.hold_for(ra.max(retry.backoff(attempt)).min(retry.max_retry_after));
                    }
                    if retryable && may_retry {
                        let wait = retry.wait_for(attempt, retry_after);
                        if started.elapsed() + wait <= retry.total_budget {
                            if wait > ANNOUNCE_WAIT {
                                tracing::warn!(vendor = %self.vendor, endpoint, status = resp.status, attempt, "the server asked to wait; retrying in {}s", wait.as_secs());
                            } else {
                                tracing::info!(vendor = %self.vendor, endpoint, status = resp.status, attempt, wait_ms = wait.as_millis() as u64, "retrying");
                            }
                            tokio::time::sleep(wait).await;
                            continue;
                        }
                    }
                    return Ok(resp);
                }
                Err(err) => {
                    let retryable = !matches!(&err, Error::Transport { message, .. } if message.starts_with(REDIRECT_REFUSED));
                    if may_retry && retryable {
                        let wait = retry.wait_for(attempt, None);
                        if started.elapsed() + wait <= retry.total_budget {
                            tracing::info!(vendor = %self.vendor, endpoint, attempt, error = %err, "retrying");
                            tokio::time::sleep(wait).await;
                            continue;
                        }
                    }
                    return Err(err);
                }
            }
        }
    }

    /// The [`Error`] for a non-success response (body parsed with [`ApiErrorBody::parse`]).
    pub fn error_for(&self, endpoint: &str, resp: &HttpResponse) -> Error {
        self.redact(Error::from_status(
            &self.vendor,
            endpoint,
            resp.status,
            ApiErrorBody::parse(&resp.body),
            resp.retry_after(),
        ))
    }

    /// Decode a JSON body; a failure names the JSON path and shows a short excerpt.
    pub fn decode<T: DeserializeOwned>(&self, endpoint: &str, resp: &HttpResponse) -> Result<T> {
        crate::decode::decode_json(&self.vendor, endpoint, &resp.body).map_err(|e| self.redact(e))
    }

    /// Decode one record of a page from its own text ([`crate::decode::decode_record`]); a
    /// failure names the record and the JSON path, with this client's secrets masked (a
    /// server that echoes a key inside a bad field does not leak it).
    ///
    /// ```
    /// use evsessions_core::{HttpClient, HttpConfig, RawRecord, SecretString, SourceKind};
    /// let http = HttpClient::new(SourceKind::from_static("v"), HttpConfig::default())
    ///     .unwrap()
    ///     .with_secrets([SecretString::from("k3y-123".to_string())]);
    /// let raw = RawRecord::from_json(r#"{"id": "1", "n": "k3y-123"}"#).unwrap();
    /// #[derive(serde::Deserialize, Debug)]
    /// struct R { n: u32 }
    /// let e = http.decode_record::<R>("GET /x", &["id"], &raw).unwrap_err();
    /// assert!(e.to_string().contains("REDACTED") && !e.to_string().contains("k3y-123"), "{e}");
    /// ```
    pub fn decode_record<T: DeserializeOwned>(
        &self,
        endpoint: &str,
        id_keys: &[&str],
        raw: &crate::RawRecord,
    ) -> Result<T> {
        crate::decode::decode_record(&self.vendor, endpoint, id_keys, raw)
            .map_err(|e| self.redact(e))
    }

    /// [`crate::decode::decode_enveloped_records`] with this client's secrets masked in the
    /// page's error and in each record's (before `each` sees it).
    ///
    /// ```
    /// use evsessions_core::{HttpClient, HttpConfig, RawRecord, SecretString, SourceKind};
    /// let http = HttpClient::new(SourceKind::from_static("v"), HttpConfig::default())
    ///     .unwrap()
    ///     .with_secrets([SecretString::from("k3y-123".to_string())]);
    /// #[derive(serde::Deserialize)]
    /// struct Page { items: Vec<RawRecord> }
    /// #[derive(serde::Deserialize, Debug)]
    /// struct R { n: u32 }
    /// let body = br#"{"items": [{"id": "1", "n": 2}, {"id": "2", "n": "k3y-123"}]}"#;
    /// let (_, records) = http
    ///     .decode_enveloped_records::<Page, R, _>(
    ///         "GET /x", &["id"], body, &["items"], |p| std::mem::take(&mut p.items), |r| r,
    ///     )
    ///     .unwrap();
    /// assert_eq!(records[0].as_ref().unwrap().0.n, 2);
    /// let e = records[1].as_ref().unwrap_err().to_string();
    /// assert!(e.contains("REDACTED") && !e.contains("k3y-123"), "{e}");
    /// ```
    pub fn decode_enveloped_records<E: DeserializeOwned, T: DeserializeOwned, U>(
        &self,
        endpoint: &str,
        id_keys: &[&str],
        body: &[u8],
        items: &[&str],
        items_of: impl FnOnce(&mut E) -> Vec<crate::RawRecord>,
        mut each: impl FnMut(Result<(T, crate::RawRecord)>) -> U,
    ) -> Result<(E, Vec<U>)> {
        crate::decode::decode_enveloped_records(
            &self.vendor,
            endpoint,
            id_keys,
            body,
            items,
            items_of,
            |r| each(r.map_err(|e| self.redact(e))),
        )
        .map_err(|e| self.redact(e))
    }

    fn body_too_large(&self, endpoint: &str, cap: u64) -> Error {
        Error::Transport {
            vendor: self.vendor.clone(),
            endpoint: endpoint.to_string(),
            message: format!(
                "the response body is larger than the {cap}-byte cap (HttpConfig::max_body_bytes); not read further"
            ),
            connect: false,
        }
    }

    fn transport_error(&self, endpoint: &str, e: reqwest::Error) -> Error {
        let e = e.without_url();
        let mut cause = std::error::Error::source(&e);
        while let Some(c) = cause {
            if let Some(r) = c.downcast_ref::<RedirectRefused>() {
                return Error::Transport {
                    vendor: self.vendor.clone(),
                    endpoint: endpoint.to_string(),
                    message: r.to_string(),
                    connect: false,
                };
            }
            cause = c.source();
        }
        if e.is_timeout() {
            return Error::Timeout {
                vendor: self.vendor.clone(),
                endpoint: endpoint.to_string(),
                after: self.config.timeout,
            };
        }
        let mut message = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            message.push_str(": ");
            message.push_str(&s.to_string());
            source = s.source();
        }
        Error::Transport {
            vendor: self.vendor.clone(),
            endpoint: endpoint.to_string(),
            message: truncate_chars(&message, 300),
            connect: e.is_connect(),
        }
    }
}

/// Run `exchange` (one request and the reading of its body) as a task of its own on a
/// multi-thread runtime, else right here; `None` only if the runtime shut down under it.
///
/// As its own task it runs where the connection's task runs, on the runtime's workers: the
/// body's chunks (a megabyte page comes in dozens) wake that task, not the caller's, whose
/// thread stays free for what it does with the pages before (decoding, writing) and is woken
/// once, when the body is whole. The task is aborted when this future is dropped (a timeout, a
/// page fetched ahead and no longer wanted), so nothing is read for nobody. A panic in it is
/// resumed here.
async fn as_task<T: Send + 'static>(
    exchange: impl std::future::Future<Output = T> + Send + 'static,
) -> Option<T> {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current() {
        Ok(h) if h.runtime_flavor() == RuntimeFlavor::MultiThread => {
            match tokio_util::task::AbortOnDropHandle::new(h.spawn(exchange)).await {
                Ok(v) => Some(v),
                Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                Err(_) => None,
            }
        }
        _ => Some(exchange.await),
    }
}

const REDIRECT_REFUSED: &str = "refused a redirect";

/// A redirect the policy would not follow; the origins carry no path, query or user info.
#[derive(Debug)]
struct RedirectRefused {
    from: String,
    to: String,
    hops: bool,
}

impl std::fmt::Display for RedirectRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.hops {
            write!(
                f,
                "{REDIRECT_REFUSED} from {}: more than {MAX_REDIRECTS} redirects; fix the base URL to point at the API itself",
                self.from
            )
        } else {
            write!(
                f,
                "{REDIRECT_REFUSED} from {} to another origin, {} (credentials are never sent to another origin); fix the base URL to point at the API itself",
                self.from, self.to
            )
        }
    }
}

impl std::error::Error for RedirectRefused {}

/// The one redirect policy of every vendor call, token calls included: a redirect is
/// followed only within the origin (scheme, host and port) of the first request, at most
/// [`MAX_REDIRECTS`] hops; anything else ends the call with an [`Error::Transport`] naming
/// both origins (so `https` → `http` is never followed either).
///
/// ```
/// let client = reqwest::Client::builder()
///     .redirect(evsessions_core::http::redirect_policy())
///     .referer(false)
///     .build();
/// assert!(client.is_ok());
/// ```
pub fn redirect_policy() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let first = attempt.previous().first().map(|u| u.origin());
        let to = attempt.url().origin();
        let from = first.clone().unwrap_or_else(|| to.clone());
        if from != to || !to.is_tuple() {
            let refused = RedirectRefused {
                from: from.ascii_serialization(),
                to: to.ascii_serialization(),
                hops: false,
            };
            attempt.error(refused)
        } else if attempt.previous().len() > MAX_REDIRECTS {
            let refused = RedirectRefused {
                from: from.ascii_serialization(),
                to: to.ascii_serialization(),
                hops: true,
            };
            attempt.error(refused)
        } else {
            attempt.follow()
        }
    })
}

/// Parse `Retry-After`: delay seconds, or an HTTP date (a past date is zero); anything else
/// (negative, garbage) is ignored.
pub fn parse_retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// Refuse base URLs that would send credentials in clear text: `https` is always fine,
/// `http` only to a loopback host (`localhost`, `127.0.0.0/8`, `::1`) or when
/// `allow_insecure_http` is set; other schemes never.
pub fn check_base_url(vendor: &SourceKind, url: &Url, allow_insecure_http: bool) -> Result<()> {
    match url.scheme() {
        "https" => Ok(()),
        "http" => {
            let loopback = match url.host() {
                Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
                Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
                Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
                None => false,
            };
            if loopback || allow_insecure_http {
                Ok(())
            } else {
                Err(Error::config(
                    Some(vendor.clone()),
                    format!(
                        "refusing plain http:// to {} (credentials would travel unencrypted); use https://, or opt in with --allow-insecure-http (CLI) or HttpConfig::with_allow_insecure_http(true) (library)",
                        url.host_str().unwrap_or("?")
                    ),
                ))
            }
        }
        other => Err(Error::config(
            Some(vendor.clone()),
            format!("unsupported URL scheme {other:?}; use https://"),
        )),
    }
}

/// Parse a base URL from text with a clear configuration error.
pub fn parse_base_url(vendor: &SourceKind, text: &str) -> Result<Url> {
    let text = text.trim();
    Url::parse(text).map_err(|e| {
        let mut message = format!("invalid base URL {:?}: {e}", redact_url_text(text));
        if !text.contains("://") {
            let fixed = format!("https://{text}");
            if Url::parse(&fixed).is_ok() {
                let scheme = if text.starts_with("127.") || text.starts_with("localhost") {
                    "http"
                } else {
                    "https"
                };
                message.push_str(&format!(
                    "; did you mean {:?}? (a base URL starts with https:// or http://)",
                    redact_url_text(&format!("{scheme}://{text}"))
                ));
            }
        }
        Error::config(Some(vendor.clone()), message)
    })
}

/// [`redact_url`] for text that may not even parse as a URL: then shown as given (at most 200
/// characters) with any `user:password@` part and any secret-looking query value masked.
///
/// ```
/// use evsessions_core::http::redact_url_text;
/// assert_eq!(redact_url_text("u:pw@127.0.0.1:1/x?token=t&page=2"), "REDACTED@127.0.0.1:1/x?token=REDACTED&page=2");
/// ```
pub fn redact_url_text(text: &str) -> String {
    let text = text.trim();
    // `user:pw@host` parses as a URL of scheme `user` without a host: mask it as text.
    if let Some(u) = Url::parse(text).ok().filter(Url::has_host) {
        return redact_url(&u);
    }
    let text = truncate_chars(text, 200);
    let (before_query, query) = match text.split_once('?') {
        Some((b, q)) => (b.to_string(), Some(q.to_string())),
        None => (text.clone(), None),
    };
    let mut out = match before_query.rsplit_once('@') {
        Some((_, host)) => format!("REDACTED@{host}"),
        None => before_query,
    };
    if let Some(q) = query {
        out.push('?');
        let masked: Vec<String> = q
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((k, _))
                    if SECRET_PARAM_HINTS
                        .iter()
                        .any(|h| k.to_ascii_lowercase().contains(h)) =>
                {
                    format!("{k}=REDACTED")
                }
                _ => pair.to_string(),
            })
            .collect();
        out.push_str(&masked.join("&"));
    }
    out
}

/// `base` + `path` with exactly one `/` between them, whatever slashes either side has
/// (`https://h/api/v2/cpo/` + `/v2/transactions` → `https://h/api/v2/cpo/v2/transactions`).
/// The base's query, if any, is kept.
pub fn join_path(base: &Url, path: &str) -> Url {
    let mut url = base.clone();
    let joined = format!(
        "{}/{}",
        base.path().trim_end_matches('/'),
        path.trim_start_matches('/')
    );
    url.set_path(&joined);
    url
}

/// `base` + path segments, each percent-encoded (for ids that go into a path).
///
/// ```
/// let base = url::Url::parse("https://h/dev/v3/").unwrap();
/// let u = evsessions_core::http::join_segments(&base, &["chargingstations", "60 01/x", "sessions"]);
/// assert_eq!(u.as_str(), "https://h/dev/v3/chargingstations/60%2001%2Fx/sessions");
/// ```
pub fn join_segments(base: &Url, segments: &[&str]) -> Url {
    let mut url = base.clone();
    if let Ok(mut segs) = url.path_segments_mut() {
        segs.pop_if_empty();
        segs.extend(segments);
    }
    url
}

const SECRET_PARAM_HINTS: [&str; 9] = [
    "key", "token", "secret", "password", "code", "auth", "sig", "session", "pass",
];

/// A URL for logs and errors: credentials in the user-info part and the values of query
/// parameters that look secret (`code`, `api_key`, `token`, `secret`, `password`, …) are
/// replaced by `REDACTED`.
///
/// ```
/// let u = url::Url::parse("https://u:p@h/x?code=abc&clientId=7&page=2").unwrap();
/// assert_eq!(evsessions_core::http::redact_url(&u), "https://REDACTED:REDACTED@h/x?code=REDACTED&clientId=7&page=2");
/// ```
pub fn redact_url(url: &Url) -> String {
    let mut u = url.clone();
    if !u.username().is_empty() {
        let _ = u.set_username("REDACTED");
    }
    if u.password().is_some() {
        let _ = u.set_password(Some("REDACTED"));
    }
    if u.query().is_some() {
        let pairs: Vec<(String, String)> = u
            .query_pairs()
            .map(|(k, v)| {
                let lower = k.to_ascii_lowercase();
                let secret = SECRET_PARAM_HINTS.iter().any(|h| lower.contains(h));
                (
                    k.into_owned(),
                    if secret {
                        "REDACTED".to_string()
                    } else {
                        v.into_owned()
                    },
                )
            })
            .collect();
        u.query_pairs_mut().clear().extend_pairs(pairs);
    }
    u.to_string()
}

/// The target of the `rel="next"` link of a response's `Link` headers (RFC 8288; OCPI and
/// other APIs page so), resolved against `base` (the URL of the request it answers), or `None`
/// when there is none or it does not parse. Every `Link` header and every link-value in it
/// is read; a `rel` may list several relation types (`rel="next last"`).
///
/// The link is not checked: a caller that sends credentials to it checks its origin first
/// ([`check_same_origin`]).
///
/// ```
/// use reqwest::header::{HeaderMap, HeaderValue, LINK};
/// use evsessions_core::http::next_link;
/// let base = url::Url::parse("https://h.example/ocpi/2.2.1/cdrs?limit=2").unwrap();
/// let mut h = HeaderMap::new();
/// h.insert(LINK, HeaderValue::from_static(r#"<https://h.example/ocpi/2.2.1/cdrs?offset=2&limit=2>; rel="next""#));
/// assert_eq!(next_link(&h, &base).unwrap().as_str(), "https://h.example/ocpi/2.2.1/cdrs?offset=2&limit=2");
/// h.insert(LINK, HeaderValue::from_static(r#"</x?a=1,2>; rel=prev, <cdrs?offset=4>; title="p, q"; rel="last next""#));
/// assert_eq!(next_link(&h, &base).unwrap().as_str(), "https://h.example/ocpi/2.2.1/cdrs?offset=4");
/// h.insert(LINK, HeaderValue::from_static(r#"<https://h.example/x>; rel="prev""#));
/// assert_eq!(next_link(&h, &base), None);
/// ```
pub fn next_link(headers: &HeaderMap, base: &Url) -> Option<Url> {
    headers
        .get_all(reqwest::header::LINK)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| next_in_link_header(v, base))
}

fn next_in_link_header(value: &str, base: &Url) -> Option<Url> {
    let mut rest = value;
    loop {
        let open = rest.find('<')?;
        let close = open + rest[open..].find('>')?;
        let target = rest[open + 1..close].trim();
        rest = &rest[close + 1..];
        // The parameters run to the next link-value: a `<` outside a quoted string.
        let mut end = rest.len();
        let mut quoted = false;
        for (i, c) in rest.char_indices() {
            match c {
                '"' => quoted = !quoted,
                '<' if !quoted => {
                    end = i;
                    break;
                }
                _ => {}
            }
        }
        let params = &rest[..end];
        let is_next = params.split(';').any(|p| {
            let Some((k, v)) = p.split_once('=') else {
                return false;
            };
            k.trim().eq_ignore_ascii_case("rel")
                && v.trim()
                    .trim_end_matches(',')
                    .trim()
                    .trim_matches('"')
                    .split_ascii_whitespace()
                    .any(|r| r.eq_ignore_ascii_case("next"))
        });
        if is_next {
            return base.join(target).ok();
        }
        rest = &rest[end..];
    }
}

/// Refuse `to` unless it has the origin (scheme, host and port) of `from`: the rule of
/// [`redirect_policy`], for URLs a response names (a `Link` to the next page, an endpoint of a
/// discovery document) before credentials are sent to them. The error is an
/// [`Error::Transport`] on `endpoint` naming both origins, never their paths or queries.
///
/// ```
/// use evsessions_core::{http::check_same_origin, SourceKind};
/// let v = SourceKind::from_static("v");
/// let from = url::Url::parse("https://a.example/x?p=1").unwrap();
/// assert!(check_same_origin(&v, "GET /x", &from, &url::Url::parse("https://a.example/y").unwrap()).is_ok());
/// let e = check_same_origin(&v, "GET /x", &from, &url::Url::parse("https://b.example/y?token=s").unwrap()).unwrap_err();
/// assert_eq!(e.to_string(), "v: network error on GET /x: refused a link from https://a.example to another origin, https://b.example (credentials are never sent to another origin); check the base URL and the network");
/// ```
pub fn check_same_origin(vendor: &SourceKind, endpoint: &str, from: &Url, to: &Url) -> Result<()> {
    let (a, b) = (from.origin(), to.origin());
    if a == b && a.is_tuple() {
        return Ok(());
    }
    Err(Error::Transport {
        vendor: vendor.clone(),
        endpoint: endpoint.to_string(),
        message: format!(
            "refused a link from {} to another origin, {} (credentials are never sent to another origin)",
            a.ascii_serialization(),
            b.ascii_serialization()
        ),
        connect: false,
    })
}

/// A credential sent as one header on every request of a client (`x-api-key: …`,
/// `Authorization: Bearer …`, OCPI's `Authorization: Token …`): checked once when the client is
/// built, its value marked sensitive (never logged by the HTTP stack). `Debug` shows its name
/// only. Every source with a static credential uses it.
///
/// ```
/// use evsessions_core::http::AuthHeader;
/// use evsessions_core::SourceKind;
/// let acme = SourceKind::from_static("acme");
/// let h = AuthHeader::bearer(&acme, " t0ken ", "ACME_TOKEN").unwrap();
/// assert_eq!(format!("{h:?}"), "AuthHeader(authorization: [REDACTED])");
/// let req = h.apply(reqwest::Client::new().get("https://api.example.com/")).build().unwrap();
/// assert_eq!(req.headers()["authorization"], "Bearer t0ken");
/// let err = AuthHeader::new(&acme, "x-api-key", "bad\nkey", "ACME_KEY").unwrap_err();
/// assert!(err.to_string().contains("check ACME_KEY"), "{err}");
/// assert!(!err.to_string().contains("bad"), "{err}");
/// assert!(AuthHeader::new(&acme, "x-api-key", "  ", "ACME_KEY").is_err());
/// ```
#[derive(Clone)]
pub struct AuthHeader {
    name: reqwest::header::HeaderName,
    value: reqwest::header::HeaderValue,
}

impl AuthHeader {
    /// `name: value` (the value trimmed), or a [`Error::Config`] naming `setting` (where the
    /// value comes from: `EMABLER_API_KEY`) when the value is empty or cannot be sent in a
    /// header, or the name is not a header name. The value never appears in the error.
    pub fn new(vendor: &SourceKind, name: &str, value: &str, setting: &str) -> Result<Self> {
        let name =
            reqwest::header::HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| {
                Error::config(
                    Some(vendor.clone()),
                    format!("{name:?} is not a valid HTTP header name (check {setting})"),
                )
            })?;
        let text = value.trim();
        if text.is_empty() {
            return Err(Error::config(
                Some(vendor.clone()),
                format!("the credential for the {name} header is empty; check {setting}"),
            ));
        }
        let mut value = reqwest::header::HeaderValue::from_str(text).map_err(|_| {
            Error::config(
                Some(vendor.clone()),
                format!(
                    "the credential for the {name} header contains characters that cannot be sent in an HTTP header; check {setting}"
                ),
            )
        })?;
        value.set_sensitive(true);
        Ok(AuthHeader { name, value })
    }

    /// `Authorization: Bearer <token>` (see [`AuthHeader::new`]).
    pub fn bearer(vendor: &SourceKind, token: &str, setting: &str) -> Result<Self> {
        if token.trim().is_empty() {
            return Err(Error::config(
                Some(vendor.clone()),
                format!("the bearer token is empty; check {setting}"),
            ));
        }
        AuthHeader::new(
            vendor,
            "authorization",
            &format!("Bearer {}", token.trim()),
            setting,
        )
    }

    /// The header's name.
    pub fn name(&self) -> &reqwest::header::HeaderName {
        &self.name
    }

    /// The request with this header.
    pub fn apply(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        request.header(self.name.clone(), self.value.clone())
    }
}

impl std::fmt::Debug for AuthHeader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AuthHeader({}: [REDACTED])", self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const V: SourceKind = SourceKind::from_static("v");

    use std::sync::Arc;

    /// Sets its flag when dropped: tells whether a future was dropped (aborted) or not.
    struct DropFlag(Arc<std::sync::atomic::AtomicBool>);
    impl Drop for DropFlag {
        fn drop(&mut self) {
            self.0.store(true, std::sync::atomic::Ordering::SeqCst);
        }
    }

    #[test]
    fn an_exchange_runs_as_a_task_on_a_multi_thread_runtime_and_stops_when_dropped() {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let caller = std::thread::current().id();
            // Runs on a worker of the runtime, not on the thread that awaits it.
            let ran_on = as_task(async { std::thread::current().id() }).await;
            assert_ne!(ran_on, Some(caller));
            // Dropped while waiting (a timeout, a page no longer wanted): the task is aborted.
            let dropped = Arc::new(std::sync::atomic::AtomicBool::new(false));
            let flag = DropFlag(dropped.clone());
            let waiting = as_task(async move {
                let _flag = flag;
                std::future::pending::<()>().await
            });
            assert!(tokio::time::timeout(Duration::from_millis(20), waiting)
                .await
                .is_err());
            let until = Instant::now() + Duration::from_secs(5);
            while !dropped.load(std::sync::atomic::Ordering::SeqCst) && Instant::now() < until {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            assert!(dropped.load(std::sync::atomic::Ordering::SeqCst));
        });
    }

    #[test]
    fn an_exchange_runs_in_place_on_a_current_thread_runtime() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let caller = std::thread::current().id();
        let ran_on = rt.block_on(as_task(async { std::thread::current().id() }));
        assert_eq!(ran_on, Some(caller));
    }

    #[test]
    #[should_panic(expected = "inside the exchange")]
    fn a_panic_in_an_exchange_task_is_resumed_in_the_caller() {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .unwrap();
        rt.block_on(as_task(async { panic!("inside the exchange") }));
    }

    #[test]
    fn base_url_policy() {
        let ok = |s: &str, insecure| check_base_url(&V, &Url::parse(s).unwrap(), insecure).is_ok();
        assert!(ok("https://api.example.com/api/v2", false));
        assert!(ok("http://127.0.0.1:8080/x", false));
        assert!(ok("http://localhost:8080/x", false));
        assert!(ok("http://[::1]:8080/x", false));
        assert!(!ok("http://api.example.com/x", false));
        assert!(ok("http://api.example.com/x", true));
        assert!(!ok("ftp://127.0.0.1/x", true));
    }

    #[test]
    fn join_never_doubles_slashes() {
        for base in ["https://h/api/v2/cpo", "https://h/api/v2/cpo/"] {
            for path in ["v2/transactions", "/v2/transactions"] {
                let u = join_path(&Url::parse(base).unwrap(), path);
                assert_eq!(u.as_str(), "https://h/api/v2/cpo/v2/transactions");
            }
        }
        let u = join_path(
            &Url::parse("http://127.0.0.1:9/").unwrap(),
            "/dev/v3/servicelocation",
        );
        assert_eq!(u.as_str(), "http://127.0.0.1:9/dev/v3/servicelocation");
    }

    #[test]
    fn retry_after_forms() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(parse_retry_after(&h), Some(Duration::from_secs(7)));
        h.insert(
            RETRY_AFTER,
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(parse_retry_after(&h), Some(Duration::ZERO));
        let future = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(100));
        h.insert(RETRY_AFTER, future.parse().unwrap());
        let d = parse_retry_after(&h).unwrap();
        assert!(
            d > Duration::from_secs(95) && d <= Duration::from_secs(100),
            "{d:?}"
        );
        h.insert(RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(parse_retry_after(&h), None);
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let r = RetryConfig {
            jitter: false,
            ..RetryConfig::default()
        };
        assert_eq!(r.backoff(1), Duration::from_millis(500));
        assert_eq!(r.backoff(2), Duration::from_secs(1));
        assert_eq!(r.backoff(3), Duration::from_secs(2));
        assert_eq!(r.backoff(40), Duration::from_secs(30));
        assert_eq!(
            r.wait_for(1, Some(Duration::from_secs(600))),
            Duration::from_secs(60)
        );
        let j = RetryConfig::default();
        for _ in 0..50 {
            let w = j.wait_for(2, None);
            assert!(
                w >= Duration::from_millis(500) && w <= Duration::from_secs(1),
                "{w:?}"
            );
        }
    }
}
