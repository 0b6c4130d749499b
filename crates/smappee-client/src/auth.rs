//! OAuth tokens: the password grant, the rotating refresh grant, single-flight renewal and the
//! [`TokenStore`] hook.
//!
//! How a token is obtained, in order:
//!
//! 1. the token held in memory (loaded once from the [`TokenStore`]), unless it expires within
//!    the refresh margin;
//! 2. otherwise a refresh grant with the **newest** refresh token (refresh tokens rotate: every
//!    refresh returns a new one and the old one stops working);
//! 3. when the refresh is refused (HTTP 400/401/403, e.g. `invalid_grant`) or there is no
//!    refresh token, the password grant.
//!
//! Renewal is single-flight: the token state sits behind one async mutex, so however many
//! tasks ask at once, one renews and the others wait for its result. Every new token pair is
//! saved to the store at once.

use std::fmt;
use std::sync::Mutex as StdMutex;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use evsessions_core::decode::decode_json_secret;
use evsessions_core::serde_util::decimal_opt;
use evsessions_core::{ApiErrorBody, Decimal, Error, HttpClient, Result};
use rust_decimal::prelude::ToPrimitive;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use url::Url;

use crate::config::Config;
use crate::KIND;

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
/// after every new token pair (always the newest refresh token).
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
}

/// Single-flight token manager shared by all clones of a client.
pub(crate) struct TokenManager {
    state: tokio::sync::Mutex<TokenState>,
    token_url: Url,
    endpoint: String,
    config: Config,
}

impl fmt::Debug for TokenManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenManager")
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

impl TokenManager {
    pub(crate) fn new(config: Config, token_url: Url) -> Self {
        let endpoint = format!("POST {}", token_url.path());
        TokenManager {
            state: tokio::sync::Mutex::new(TokenState::default()),
            token_url,
            endpoint,
            config,
        }
    }

    /// A valid access token: the current one, or a renewed one when it is due.
    pub(crate) async fn access_token(&self, http: &HttpClient) -> Result<SecretString> {
        let mut st = self.state.lock().await;
        self.ensure_loaded(&mut st).await?;
        if let Some(t) = &st.tokens {
            if !t.is_due(Utc::now(), self.config.refresh_margin) {
                return Ok(t.access_token.clone());
            }
            tracing::debug!(vendor = %KIND, "access token due; renewing");
        }
        self.renew(http, &mut st).await
    }

    /// The server refused `rejected` (HTTP 401 on a data call): renew it, unless another task
    /// already did, in which case its token is returned.
    pub(crate) async fn replace_rejected(
        &self,
        http: &HttpClient,
        rejected: &SecretString,
    ) -> Result<SecretString> {
        let mut st = self.state.lock().await;
        self.ensure_loaded(&mut st).await?;
        if let Some(t) = &st.tokens {
            let same = t.access_token.expose_secret() == rejected.expose_secret();
            if !same && !t.is_due(Utc::now(), self.config.refresh_margin) {
                return Ok(t.access_token.clone());
            }
        }
        tracing::info!(vendor = %KIND, "the server refused the access token; renewing it");
        self.renew(http, &mut st).await
    }

    async fn ensure_loaded(&self, st: &mut TokenState) -> Result<()> {
        if !st.loaded {
            st.tokens = self.config.token_store.load().await?;
            st.loaded = true;
        }
        Ok(())
    }

    /// Refresh (newest refresh token), falling back to the password grant when refused.
    async fn renew(&self, http: &HttpClient, st: &mut TokenState) -> Result<SecretString> {
        let current_refresh = st.tokens.as_ref().and_then(|t| t.refresh_token.clone());
        let mut issued = None;
        if let Some(rt) = &current_refresh {
            match self.refresh_grant(http, rt).await? {
                Grant::Issued(t) => issued = Some(t),
                Grant::Refused { status, body } => {
                    let reason = http.mask(&body.to_string());
                    tracing::warn!(vendor = %KIND, status, reason = %reason, "refresh refused; falling back to the password grant");
                }
            }
        }
        let tokens = match issued {
            Some(t) => t,
            None => match self.password_grant(http).await? {
                Grant::Issued(t) => t,
                Grant::Refused { status, body } => {
                    return Err(http.redact(Error::Unauthenticated {
                        vendor: KIND,
                        reason: body.reason().or_else(|| {
                            Some(format!(
                                "the token endpoint refused the password grant (HTTP {status})"
                            ))
                        }),
                    }))
                }
            },
        };
        if let Err(e) = self.config.token_store.save(&tokens).await {
            tracing::warn!(vendor = %KIND, error = %e, "could not save the new tokens; keeping them in memory");
        }
        let access = tokens.access_token.clone();
        st.tokens = Some(tokens);
        Ok(access)
    }

    async fn password_grant(&self, http: &HttpClient) -> Result<Grant> {
        tracing::debug!(vendor = %KIND, "password grant");
        let c = &self.config;
        self.grant(http, None, |form| {
            form.push(("grant_type", "password".to_string()));
            form.push(("client_id", c.client_id.expose_secret().to_string()));
            form.push(("client_secret", c.client_secret.expose_secret().to_string()));
            form.push(("username", c.username.expose_secret().to_string()));
            form.push(("password", c.password.expose_secret().to_string()));
        })
        .await
    }

    async fn refresh_grant(&self, http: &HttpClient, refresh: &SecretString) -> Result<Grant> {
        tracing::debug!(vendor = %KIND, "refresh grant");
        let c = &self.config;
        self.grant(http, Some(refresh), |form| {
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
        fill: F,
    ) -> Result<Grant>
    where
        F: Fn(&mut Vec<(&'static str, String)>),
    {
        let resp = http
            .send_any(&self.endpoint, |client| {
                let mut form = Vec::with_capacity(5);
                fill(&mut form);
                client
                    .post(self.token_url.clone())
                    .header(reqwest::header::ACCEPT, "application/json")
                    .form(&form)
            })
            .await?;
        if matches!(resp.status, 400 | 401 | 403) {
            return Ok(Grant::Refused {
                status: resp.status,
                body: ApiErrorBody::parse(&resp.body),
            });
        }
        if !resp.is_success() {
            return Err(http.error_for(&self.endpoint, &resp));
        }
        let parsed: TokenResponse = decode_json_secret(&KIND, &self.endpoint, &resp.body)?;
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
                KIND,
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
        let s = format!("{t:?} {:?}", MemoryTokenStore::with_tokens(t.clone()));
        assert!(
            !s.contains("acc-secret") && !s.contains("ref-secret"),
            "{s}"
        );
    }
}
