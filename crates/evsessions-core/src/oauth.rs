//! OAuth 2 for every source that signs in with a password grant and rotating refresh tokens
//! (RFC 6749 §4.3 and §6): the tokens, where they are kept ([`TokenStore`]), and [`OAuth`], the
//! one place that obtains, renews and spends them.
//!
//! How a data call is authorized ([`OAuth::send`]), whatever number of calls run at once:
//!
//! 1. It carries the access token held in memory (loaded once from the [`TokenStore`]), unless
//!    that token expires within the refresh margin; then the token is renewed first.
//! 2. On a 401, when the call carried an **older** token than the current one (another call
//!    renewed it meanwhile), it is sent again with the current token: no renewal.
//! 3. When it carried the **current** token, the token is renewed **once for everyone**
//!    (single flight: calls that fail meanwhile wait for that renewal and use its token), and
//!    the call is sent again.
//! 4. A call gives up, returning the server's last 401, after renewals of its own
//!    ([`OAuth::with_max_renewals`], 3 by default), or when
//!    [`MAX_UNACCEPTED_RENEWALS`] renewals in a row brought a token that no call could use (a
//!    server that refuses every token: the run ends, it does not loop).
//!
//! Renewal is a refresh grant with the newest refresh token, else (no refresh token, or the
//! refresh refused or failed) the password grant. **A refresh token is sent at most once**:
//! servers rotate them, a stale one is refused and can lock the account, so it is taken out
//! of the state before it is sent and the refresh call is never retried (a refresh whose
//! answer was lost falls back to the password grant). The one exception is the server's own
//! choice: a refresh answered without a new refresh token keeps the one sent valid (RFC 6749
//! §6), and that one is used again. Every new token pair is saved to the store at once.

use std::fmt;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex as StdMutex;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rust_decimal::prelude::ToPrimitive;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use url::Url;

use crate::decode::decode_json_secret;
use crate::serde_util::decimal_opt;
use crate::{ApiErrorBody, Decimal, Error, HttpClient, HttpResponse, Result, RetryConfig};

/// Renewals in a row whose tokens no data call could use after which every call gives up
/// (the server refuses whatever it issues: credentials of the wrong tenant, a revoked app).
pub const MAX_UNACCEPTED_RENEWALS: u32 = 3;

/// The renewals one call may make before it gives up (see [`OAuth::with_max_renewals`]).
pub const DEFAULT_MAX_RENEWALS: u32 = 3;

/// The sends of one call, whatever happens (a bound on top of the renewal bounds).
const MAX_SENDS: u32 = 64;

/// An access token, its refresh token and its expiry. `Debug` shows no token.
#[derive(Clone)]
#[non_exhaustive]
pub struct Tokens {
    /// The bearer token sent on data calls.
    pub access_token: SecretString,
    /// The refresh token (rotates on every refresh).
    pub refresh_token: Option<SecretString>,
    /// When the access token expires; `None` when the server did not say (the token is then
    /// used until the server refuses it).
    pub expires_at: Option<DateTime<Utc>>,
}

impl Tokens {
    /// Tokens from their parts.
    pub fn new(
        access_token: SecretString,
        refresh_token: Option<SecretString>,
        expires_at: Option<DateTime<Utc>>,
    ) -> Self {
        Tokens {
            access_token,
            refresh_token,
            expires_at,
        }
    }

    /// True when the access token expires within `margin` of `now` (a token of unknown expiry
    /// is never due).
    ///
    /// ```
    /// use evsessions_core::oauth::Tokens;
    /// let now = chrono::Utc::now();
    /// let t = Tokens::new("a".into(), None, Some(now + chrono::Duration::seconds(100)));
    /// assert!(t.is_due(now, std::time::Duration::from_secs(120)));
    /// assert!(!t.is_due(now, std::time::Duration::from_secs(60)));
    /// ```
    pub fn is_due(&self, now: DateTime<Utc>, margin: Duration) -> bool {
        match self.expires_at {
            None => false,
            Some(at) => {
                let margin = chrono::Duration::from_std(margin).unwrap_or(chrono::Duration::MAX);
                now.checked_add_signed(margin).is_none_or(|t| t >= at)
            }
        }
    }
}

impl fmt::Debug for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tokens")
            .field("access_token", &"[REDACTED]")
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "[REDACTED]"),
            )
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// Where a client keeps its tokens, so that a caller can persist them between runs (a file, a
/// keychain, a database). `load` is called once, before the first token is needed; `save`
/// after every new token pair (always the newest refresh token), and after a refresh whose
/// outcome is unknown (without its refresh token, so that it is never sent again).
///
/// A failed `load` fails the call that needed a token; a failed `save` is logged and the run
/// goes on with the new tokens in memory.
#[async_trait]
pub trait TokenStore: Send + Sync + fmt::Debug {
    /// The saved tokens, if any.
    async fn load(&self) -> Result<Option<Tokens>>;
    /// Save new tokens (replacing the old ones).
    async fn save(&self, tokens: &Tokens) -> Result<()>;
}

/// The default [`TokenStore`]: tokens live in memory for the life of the store.
///
/// Share one between clients (`Arc`) to share their tokens; read it back with
/// [`MemoryTokenStore::tokens`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> evsessions_core::Result<()> {
/// use evsessions_core::oauth::{MemoryTokenStore, TokenStore, Tokens};
/// let store = MemoryTokenStore::new();
/// store.save(&Tokens::new("access".into(), Some("refresh".into()), None)).await?;
/// assert!(store.tokens().is_some());
/// # Ok(()) }
/// ```
#[derive(Default)]
pub struct MemoryTokenStore {
    tokens: StdMutex<Option<Tokens>>,
}

impl MemoryTokenStore {
    /// An empty store.
    pub fn new() -> Self {
        MemoryTokenStore::default()
    }

    /// A store that starts with `tokens`.
    pub fn with_tokens(tokens: Tokens) -> Self {
        MemoryTokenStore {
            tokens: StdMutex::new(Some(tokens)),
        }
    }

    /// The tokens held now.
    pub fn tokens(&self) -> Option<Tokens> {
        match self.tokens.lock() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }
}

impl fmt::Debug for MemoryTokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryTokenStore")
            .field("tokens", &self.tokens())
            .finish()
    }
}

#[async_trait]
impl TokenStore for MemoryTokenStore {
    async fn load(&self) -> Result<Option<Tokens>> {
        Ok(self.tokens())
    }
    async fn save(&self, tokens: &Tokens) -> Result<()> {
        match self.tokens.lock() {
            Ok(mut g) => *g = Some(tokens.clone()),
            Err(p) => *p.into_inner() = Some(tokens.clone()),
        }
        Ok(())
    }
}

/// The credentials of the password grant. `Debug` shows none of them.
#[derive(Clone)]
pub struct PasswordCredentials {
    /// The OAuth client id.
    pub client_id: SecretString,
    /// The OAuth client secret.
    pub client_secret: SecretString,
    /// The account's user name.
    pub username: SecretString,
    /// The account's password.
    pub password: SecretString,
}

impl fmt::Debug for PasswordCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordCredentials([REDACTED])")
    }
}

/// The token endpoint's answer. Not `Debug`: it holds secrets.
#[derive(Deserialize)]
struct TokenResponse {
    #[serde(default)]
    access_token: Option<String>,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default, with = "decimal_opt")]
    expires_in: Option<Decimal>,
    #[serde(default)]
    error: Option<serde_json::Value>,
}

/// The outcome of one grant: new tokens, or the server refused it (4xx or an OAuth error).
enum Grant {
    Issued(Tokens),
    Refused { status: u16, body: ApiErrorBody },
}

#[derive(Default)]
struct TokenState {
    loaded: bool,
    tokens: Option<Tokens>,
    /// +1 for every token obtained: a call that was refused tells by it whether the token it
    /// carried is still the current one.
    generation: u64,
}

/// An access token and the generation it belongs to.
struct Held {
    token: SecretString,
    generation: u64,
}

/// What to do after a 401.
enum Next {
    /// Send again with this token (`renewed`: this call renewed it).
    Send(Held, bool),
    /// Give up: return the server's 401.
    GiveUp(&'static str),
}

/// Obtains, renews and spends the tokens of one client (share it between the client's clones:
/// one renewal serves them all). See the [module docs](self) for the rules.
///
/// ```no_run
/// # async fn demo(http: evsessions_core::HttpClient) -> evsessions_core::Result<()> {
/// use std::sync::Arc;
/// use evsessions_core::oauth::{MemoryTokenStore, OAuth, PasswordCredentials};
/// let oauth = OAuth::new(
///     "https://api.example.com/oauth2/token".parse().unwrap(),
///     PasswordCredentials {
///         client_id: "app".into(), client_secret: "s".into(),
///         username: "u".into(), password: "p".into(),
///     },
///     Arc::new(MemoryTokenStore::new()),
///     std::time::Duration::from_secs(120),
/// );
/// let url: url::Url = "https://api.example.com/sessions".parse().unwrap();
/// let resp = oauth
///     .send(&http, "GET /sessions", |c, token| c.get(url.clone()).bearer_auth(token))
///     .await?;
/// println!("{}", resp.status);
/// # Ok(()) }
/// ```
pub struct OAuth {
    state: tokio::sync::Mutex<TokenState>,
    /// Renewals in a row that no accepted data call followed.
    unaccepted: AtomicU32,
    token_url: Url,
    endpoint: String,
    credentials: PasswordCredentials,
    store: std::sync::Arc<dyn TokenStore>,
    refresh_margin: Duration,
    max_renewals: u32,
}

impl fmt::Debug for OAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuth")
            .field("endpoint", &self.endpoint)
            .field("max_renewals", &self.max_renewals)
            .finish_non_exhaustive()
    }
}

impl OAuth {
    /// Tokens from `token_url` for `credentials`, kept in `store`, renewed `refresh_margin`
    /// before they expire.
    pub fn new(
        token_url: Url,
        credentials: PasswordCredentials,
        store: std::sync::Arc<dyn TokenStore>,
        refresh_margin: Duration,
    ) -> Self {
        let endpoint = format!("POST {}", token_url.path());
        OAuth {
            state: tokio::sync::Mutex::new(TokenState::default()),
            unaccepted: AtomicU32::new(0),
            token_url,
            endpoint,
            credentials,
            store,
            refresh_margin,
            max_renewals: DEFAULT_MAX_RENEWALS,
        }
    }

    /// The renewals one call may make before it gives up (at least 1; default
    /// [`DEFAULT_MAX_RENEWALS`]).
    pub fn with_max_renewals(mut self, n: u32) -> Self {
        self.max_renewals = n.max(1);
        self
    }

    /// The endpoint label of the token calls (`"POST /oauth2/token"`).
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// A valid access token: the current one, or a renewed one when it is due (a password
    /// grant on first use). Useful to check credentials before a long run.
    pub async fn access_token(&self, http: &HttpClient) -> Result<SecretString> {
        self.current(http).await.map(|h| h.token)
    }

    /// Send a data call with the access token (`build` makes the request anew for each send,
    /// from the client and the token's text), following the rules of the [module docs](self)
    /// on a 401. Returns the final response whatever its status, as
    /// [`HttpClient::send_any`] does (a 401 when the call gave up); the errors are those of
    /// the sends and of the token calls.
    pub async fn send<F>(&self, http: &HttpClient, endpoint: &str, build: F) -> Result<HttpResponse>
    where
        F: Fn(&reqwest::Client, &str) -> reqwest::RequestBuilder,
    {
        let mut held = self.current(http).await?;
        let mut renewals = 0u32;
        let mut sends = 0u32;
        loop {
            let resp = http
                .send_any(endpoint, |c| build(c, held.token.expose_secret()))
                .await?;
            sends += 1;
            if resp.status != 401 {
                self.unaccepted.store(0, Ordering::Relaxed);
                return Ok(resp);
            }
            if sends >= MAX_SENDS {
                tracing::warn!(vendor = %http.vendor(), endpoint, sends, "the server refused the access token on every send; giving up");
                return Ok(resp);
            }
            match self
                .after_rejected(http, held, renewals < self.max_renewals)
                .await?
            {
                Next::Send(next, renewed) => {
                    renewals += u32::from(renewed);
                    held = next;
                }
                Next::GiveUp(why) => {
                    tracing::warn!(vendor = %http.vendor(), endpoint, renewals, "{why}; giving up");
                    return Ok(resp);
                }
            }
        }
    }

    async fn current(&self, http: &HttpClient) -> Result<Held> {
        let mut st = self.state.lock().await;
        self.ensure_loaded(&mut st).await?;
        if let Some(t) = &st.tokens {
            if !t.is_due(Utc::now(), self.refresh_margin) {
                return Ok(Held {
                    token: t.access_token.clone(),
                    generation: st.generation,
                });
            }
            tracing::debug!(vendor = %http.vendor(), "access token due; renewing");
        }
        self.renew(http, &mut st).await
    }

    /// The server refused `rejected`: the current token when it is newer, else a renewal
    /// (when `may_renew`, and unless renewals keep bringing tokens the server refuses).
    async fn after_rejected(
        &self,
        http: &HttpClient,
        rejected: Held,
        may_renew: bool,
    ) -> Result<Next> {
        let mut st = self.state.lock().await;
        self.ensure_loaded(&mut st).await?;
        if st.generation != rejected.generation {
            if let Some(t) = st
                .tokens
                .as_ref()
                .filter(|t| !t.is_due(Utc::now(), self.refresh_margin))
            {
                return Ok(Next::Send(
                    Held {
                        token: t.access_token.clone(),
                        generation: st.generation,
                    },
                    false,
                ));
            }
        }
        if !may_renew {
            return Ok(Next::GiveUp(
                "the server refused the tokens of this call's every renewal",
            ));
        }
        if self.unaccepted.load(Ordering::Relaxed) >= MAX_UNACCEPTED_RENEWALS {
            return Ok(Next::GiveUp(
                "the server refused every token issued in the last renewals",
            ));
        }
        tracing::info!(vendor = %http.vendor(), "the server refused the access token; renewing it");
        let held = self.renew(http, &mut st).await?;
        self.unaccepted.fetch_add(1, Ordering::Relaxed);
        Ok(Next::Send(held, true))
    }

    async fn ensure_loaded(&self, st: &mut TokenState) -> Result<()> {
        if !st.loaded {
            st.tokens = self.store.load().await?;
            st.loaded = true;
        }
        Ok(())
    }

    /// Refresh (newest refresh token, sent once), falling back to the password grant.
    async fn renew(&self, http: &HttpClient, st: &mut TokenState) -> Result<Held> {
        let vendor = http.vendor();
        // Out of the state before it is sent: whatever happens, it is never sent again.
        let refresh = st.tokens.as_mut().and_then(|t| t.refresh_token.take());
        let mut issued = None;
        if let Some(rt) = &refresh {
            match self.refresh_grant(http, rt).await {
                Ok(Grant::Issued(t)) => issued = Some(t),
                Ok(Grant::Refused { status, body }) => {
                    let reason = http.mask(&body.to_string());
                    tracing::warn!(vendor = %vendor, status, reason = %reason, "refresh refused; falling back to the password grant");
                }
                Err(e) => {
                    tracing::warn!(vendor = %vendor, error = %e, "the refresh failed (its refresh token is not sent again); falling back to the password grant");
                }
            }
        }
        let tokens = match issued {
            Some(t) => t,
            None => {
                let outcome = match self.password_grant(http).await {
                    Ok(Grant::Issued(t)) => Ok(t),
                    Ok(Grant::Refused { status, body }) => {
                        Err(http.redact(Error::Unauthenticated {
                            vendor: vendor.clone(),
                            reason: body.reason().or_else(|| {
                                Some(format!(
                                    "the token endpoint refused the password grant (HTTP {status})"
                                ))
                            }),
                        }))
                    }
                    Err(e) => Err(e),
                };
                match outcome {
                    Ok(t) => t,
                    Err(e) => {
                        if refresh.is_some() {
                            // The store must not offer the spent refresh token again either.
                            if let Some(t) = &st.tokens {
                                self.save(vendor, t).await;
                            }
                        }
                        return Err(e);
                    }
                }
            }
        };
        self.save(vendor, &tokens).await;
        let access = tokens.access_token.clone();
        st.tokens = Some(tokens);
        st.generation += 1;
        Ok(Held {
            token: access,
            generation: st.generation,
        })
    }

    async fn save(&self, vendor: &crate::SourceKind, tokens: &Tokens) {
        if let Err(e) = self.store.save(tokens).await {
            tracing::warn!(vendor = %vendor, error = %e, "could not save the tokens; keeping them in memory");
        }
    }

    async fn password_grant(&self, http: &HttpClient) -> Result<Grant> {
        tracing::debug!(vendor = %http.vendor(), "password grant");
        let c = &self.credentials;
        self.grant(http, None, &http.config().retry, |form| {
            form.push(("grant_type", "password".to_string()));
            form.push(("client_id", c.client_id.expose_secret().to_string()));
            form.push(("client_secret", c.client_secret.expose_secret().to_string()));
            form.push(("username", c.username.expose_secret().to_string()));
            form.push(("password", c.password.expose_secret().to_string()));
        })
        .await
    }

    async fn refresh_grant(&self, http: &HttpClient, refresh: &SecretString) -> Result<Grant> {
        tracing::debug!(vendor = %http.vendor(), "refresh grant");
        let c = &self.credentials;
        // Never retried: a resend would present the same refresh token twice.
        let once = RetryConfig::none();
        self.grant(http, Some(refresh), &once, |form| {
            form.push(("grant_type", "refresh_token".to_string()));
            form.push(("refresh_token", refresh.expose_secret().to_string()));
            form.push(("client_id", c.client_id.expose_secret().to_string()));
            form.push(("client_secret", c.client_secret.expose_secret().to_string()));
        })
        .await
    }

    async fn grant<F>(
        &self,
        http: &HttpClient,
        previous_refresh: Option<&SecretString>,
        retry: &RetryConfig,
        fill: F,
    ) -> Result<Grant>
    where
        F: Fn(&mut Vec<(&'static str, String)>),
    {
        let vendor = http.vendor();
        let build = |client: &reqwest::Client| {
            let mut form = Vec::with_capacity(5);
            fill(&mut form);
            client
                .post(self.token_url.clone())
                .header(reqwest::header::ACCEPT, "application/json")
                .form(&form)
        };
        let resp = http.send_any_with(&self.endpoint, retry, build).await?;
        if matches!(resp.status, 400 | 401 | 403) {
            return Ok(Grant::Refused {
                status: resp.status,
                body: ApiErrorBody::parse(&resp.body),
            });
        }
        if !resp.is_success() {
            return Err(http.error_for(&self.endpoint, &resp));
        }
        let parsed: TokenResponse = decode_json_secret(vendor, &self.endpoint, &resp.body)?;
        let access = parsed
            .access_token
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty());
        let Some(access) = access else {
            if parsed.error.is_some() {
                return Ok(Grant::Refused {
                    status: resp.status,
                    body: ApiErrorBody::parse(&resp.body),
                });
            }
            return Err(Error::decode(
                vendor.clone(),
                self.endpoint.clone(),
                None,
                "access_token",
                "the token response has no access_token",
            ));
        };
        let refresh = parsed
            .refresh_token
            .filter(|t| !t.trim().is_empty())
            .map(SecretString::from)
            .or_else(|| previous_refresh.cloned());
        let expires_at = parsed
            .expires_in
            .and_then(|s| s.trunc().to_i64())
            .filter(|s| *s > 0)
            .and_then(|s| Utc::now().checked_add_signed(chrono::Duration::seconds(s)));
        Ok(Grant::Issued(Tokens::new(
            SecretString::from(access.to_string()),
            refresh,
            expires_at,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_respects_margin_and_unknown_expiry() {
        let now = Utc::now();
        let t = Tokens::new("a".into(), None, Some(now + chrono::Duration::seconds(100)));
        assert!(t.is_due(now, Duration::from_secs(120)));
        assert!(!t.is_due(now, Duration::from_secs(60)));
        let unknown = Tokens::new("a".into(), None, None);
        assert!(!unknown.is_due(now, Duration::from_secs(120)));
    }

    #[test]
    fn debug_redacts() {
        let t = Tokens::new("acc-secret".into(), Some("ref-secret".into()), None);
        let c = PasswordCredentials {
            client_id: "cid-secret".into(),
            client_secret: "cs-secret".into(),
            username: "user-secret".into(),
            password: "pw-secret".into(),
        };
        let s = format!("{t:?} {:?} {c:?}", MemoryTokenStore::with_tokens(t.clone()));
        assert!(!s.contains("secret\"") && !s.contains("-secret"), "{s}");
    }
}
