//! Settings of a Smappee client: credentials, base URL, token endpoint, refresh margin, token
//! store and HTTP policy. Built with [`Config::builder`] or [`ConfigBuilder::from_env`].

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use evsessions_core::http::{check_base_url, parse_base_url};
use evsessions_core::{Error, HttpConfig, Result};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::auth::{MemoryTokenStore, TokenStore};
use crate::KIND;

/// The production host of the Smappee dev API.
pub const DEFAULT_BASE_URL: &str = "https://app1pub.smappee.net";
/// The token endpoint (password and refresh grants). The docs also show `/dev/v1/oauth2/token`.
pub const DEFAULT_TOKEN_PATH: &str = "/dev/v3/oauth2/token";
/// How long before `expires_in` runs out a token is refreshed.
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(120);

/// Environment variable of the OAuth client id.
pub const ENV_CLIENT_ID: &str = "SMAPPEE_CLIENT_ID";
/// Environment variable of the OAuth client secret.
pub const ENV_CLIENT_SECRET: &str = "SMAPPEE_CLIENT_SECRET";
/// Environment variable of the Smappee account user name.
pub const ENV_USERNAME: &str = "SMAPPEE_USERNAME";
/// Environment variable of the Smappee account password.
pub const ENV_PASSWORD: &str = "SMAPPEE_PASSWORD";
/// Environment variable of the base URL.
pub const ENV_BASE_URL: &str = "SMAPPEE_BASE_URL";
/// The variable naming a file where tokens persist between runs ([`crate::FileTokenStore`]).
pub const ENV_TOKEN_FILE: &str = "SMAPPEE_TOKEN_FILE";

/// The settings of this source as typed keys: each one's variable, whether it is a secret and
/// required. [`ConfigBuilder::from_lookup`] reads them and the source's descriptor lists them.
pub mod keys {
    use evsessions_core::registry::Setting;
    /// The OAuth client id.
    pub const CLIENT_ID: Setting = Setting::new(super::ENV_CLIENT_ID, "the OAuth client id")
        .secret()
        .required();
    /// The OAuth client secret.
    pub const CLIENT_SECRET: Setting =
        Setting::new(super::ENV_CLIENT_SECRET, "the OAuth client secret")
            .secret()
            .required();
    /// The account's user name.
    pub const USERNAME: Setting = Setting::new(super::ENV_USERNAME, "the account user name")
        .secret()
        .required();
    /// The account's password.
    pub const PASSWORD: Setting = Setting::new(super::ENV_PASSWORD, "the account password")
        .secret()
        .required();
    /// The base URL.
    pub const BASE_URL: Setting = Setting::new(super::ENV_BASE_URL, "the base URL");
    /// A file where tokens persist between runs.
    pub const TOKEN_FILE: Setting = Setting::new(
        super::ENV_TOKEN_FILE,
        "a file where tokens persist between runs",
    );
}

/// The validated settings of a [`Client`](crate::Client). `Debug` shows no secret.
#[derive(Clone)]
pub struct Config {
    pub(crate) client_id: SecretString,
    pub(crate) client_secret: SecretString,
    pub(crate) username: SecretString,
    pub(crate) password: SecretString,
    pub(crate) base_url: Url,
    pub(crate) token_path: String,
    pub(crate) refresh_margin: Duration,
    pub(crate) token_store: Arc<dyn TokenStore>,
    pub(crate) http: HttpConfig,
}

impl Config {
    /// A builder with nothing set.
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder::default()
    }

    /// The base URL (`https://app1pub.smappee.net` by default).
    pub fn base_url(&self) -> &Url {
        &self.base_url
    }

    /// The path of the token endpoint (`/dev/v3/oauth2/token` by default).
    pub fn token_path(&self) -> &str {
        &self.token_path
    }

    /// How long before expiry tokens are refreshed.
    pub fn refresh_margin(&self) -> Duration {
        self.refresh_margin
    }

    /// The HTTP policy.
    pub fn http(&self) -> &HttpConfig {
        &self.http
    }

    /// The token store.
    pub fn token_store(&self) -> &Arc<dyn TokenStore> {
        &self.token_store
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("client_id", &"[REDACTED]")
            .field("client_secret", &"[REDACTED]")
            .field("username", &"[REDACTED]")
            .field("password", &"[REDACTED]")
            .field("base_url", &self.base_url.as_str())
            .field("token_path", &self.token_path)
            .field("refresh_margin", &self.refresh_margin)
            .field("token_store", &self.token_store)
            .field("http", &self.http)
            .finish()
    }
}

/// Builds a [`Config`]; every setting is checked in [`ConfigBuilder::build`].
///
/// ```
/// use smappee_client::Config;
/// let config = Config::builder()
///     .client_id("my-app")
///     .client_secret("app-secret")
///     .username("jane")
///     .password("hunter2")
///     .build()
///     .unwrap();
/// assert_eq!(config.base_url().as_str(), "https://app1pub.smappee.net/");
/// assert!(!format!("{config:?}").contains("hunter2"));
///
/// let err = Config::builder().client_id("my-app").build().unwrap_err();
/// assert!(err.to_string().contains("SMAPPEE_CLIENT_SECRET"));
/// ```
#[derive(Default, Clone)]
pub struct ConfigBuilder {
    client_id: Option<SecretString>,
    client_secret: Option<SecretString>,
    username: Option<SecretString>,
    password: Option<SecretString>,
    base_url: Option<String>,
    token_path: Option<String>,
    refresh_margin: Option<Duration>,
    token_store: Option<Arc<dyn TokenStore>>,
    http: Option<HttpConfig>,
}

impl fmt::Debug for ConfigBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let set = |v: &Option<SecretString>| if v.is_some() { "[REDACTED]" } else { "unset" };
        f.debug_struct("ConfigBuilder")
            .field("client_id", &set(&self.client_id))
            .field("client_secret", &set(&self.client_secret))
            .field("username", &set(&self.username))
            .field("password", &set(&self.password))
            .field("base_url", &self.base_url)
            .field("token_path", &self.token_path)
            .field("refresh_margin", &self.refresh_margin)
            .field("token_store", &self.token_store)
            .field("http", &self.http)
            .finish()
    }
}

impl ConfigBuilder {
    /// A builder holding what the environment sets: `SMAPPEE_CLIENT_ID`,
    /// `SMAPPEE_CLIENT_SECRET`, `SMAPPEE_USERNAME`, `SMAPPEE_PASSWORD`, `SMAPPEE_BASE_URL`, and
    /// `SMAPPEE_TOKEN_FILE` (tokens persist in that file: a [`crate::FileTokenStore`]).
    /// Unset (or empty) variables leave the setting unset.
    pub fn from_env() -> ConfigBuilder {
        ConfigBuilder::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`ConfigBuilder::from_env`], reading the variables through `lookup` (for tests and
    /// for callers with their own configuration source).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> ConfigBuilder {
        let s = evsessions_core::registry::Settings::new(&lookup);
        ConfigBuilder {
            client_id: s.secret(&keys::CLIENT_ID),
            client_secret: s.secret(&keys::CLIENT_SECRET),
            username: s.secret(&keys::USERNAME),
            password: s.secret(&keys::PASSWORD),
            base_url: s.text(&keys::BASE_URL),
            token_store: s
                .text(&keys::TOKEN_FILE)
                .map(|path| Arc::new(crate::FileTokenStore::new(path)) as Arc<dyn TokenStore>),
            ..ConfigBuilder::default()
        }
    }

    /// The OAuth client id issued by Smappee (`SMAPPEE_CLIENT_ID`).
    pub fn client_id(mut self, v: impl Into<String>) -> Self {
        self.client_id = Some(SecretString::from(v.into()));
        self
    }

    /// The OAuth client secret (`SMAPPEE_CLIENT_SECRET`).
    pub fn client_secret(mut self, v: impl Into<String>) -> Self {
        self.client_secret = Some(SecretString::from(v.into()));
        self
    }

    /// The Smappee account user name (`SMAPPEE_USERNAME`; the app user name, which is not
    /// always the e-mail address).
    pub fn username(mut self, v: impl Into<String>) -> Self {
        self.username = Some(SecretString::from(v.into()));
        self
    }

    /// The Smappee account password (`SMAPPEE_PASSWORD`).
    pub fn password(mut self, v: impl Into<String>) -> Self {
        self.password = Some(SecretString::from(v.into()));
        self
    }

    /// The base URL (`SMAPPEE_BASE_URL`; default `https://app1pub.smappee.net`). Plain
    /// `http://` is accepted only for loopback hosts unless the HTTP config allows it.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The path of the token endpoint on the base URL (default `/dev/v3/oauth2/token`).
    pub fn token_path(mut self, path: impl Into<String>) -> Self {
        self.token_path = Some(path.into());
        self
    }

    /// Refresh a token this long before it expires (default 120 s).
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = Some(margin);
        self
    }

    /// Where tokens are kept between calls and runs (default: a [`MemoryTokenStore`]).
    pub fn token_store(mut self, store: Arc<dyn TokenStore>) -> Self {
        self.token_store = Some(store);
        self
    }

    /// Timeouts, retries and transport policy.
    pub fn http(mut self, http: HttpConfig) -> Self {
        self.http = Some(http);
        self
    }

    /// Check every setting. A missing credential is an [`Error::Config`] naming the setting
    /// and its environment variable; a bad base URL or token path is one too.
    pub fn build(self) -> Result<Config> {
        let require = |v: Option<SecretString>, what: &str, setter: &str, env: &str| {
            v.filter(|s| !s.expose_secret().trim().is_empty())
                .ok_or_else(|| {
                    Error::config(
                        Some(KIND),
                        format!("missing {what}: set {env} or call ConfigBuilder::{setter}"),
                    )
                })
        };
        let client_id = require(
            self.client_id,
            "the OAuth client id",
            "client_id",
            ENV_CLIENT_ID,
        )?;
        let client_secret = require(
            self.client_secret,
            "the OAuth client secret",
            "client_secret",
            ENV_CLIENT_SECRET,
        )?;
        let username = require(
            self.username,
            "the Smappee user name",
            "username",
            ENV_USERNAME,
        )?;
        let password = require(
            self.password,
            "the Smappee password",
            "password",
            ENV_PASSWORD,
        )?;
        let http = self.http.unwrap_or_default();
        let base_text = self
            .base_url
            .filter(|u| !u.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_BASE_URL.to_string());
        let base_url = parse_base_url(&KIND, &base_text)?;
        check_base_url(&KIND, &base_url, http.allow_insecure_http)?;
        if base_url.cannot_be_a_base() || base_url.host_str().is_none() {
            return Err(Error::config(
                Some(KIND),
                format!(
                    "invalid base URL {:?}: it needs a host (set {ENV_BASE_URL})",
                    base_url.as_str()
                ),
            ));
        }
        let token_path = self
            .token_path
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| DEFAULT_TOKEN_PATH.to_string());
        if token_path.contains('?') || token_path.contains('#') || token_path.contains("://") {
            return Err(Error::config(
                Some(KIND),
                format!(
                    "invalid token path {token_path:?}: give a path such as {DEFAULT_TOKEN_PATH}"
                ),
            ));
        }
        Ok(Config {
            client_id,
            client_secret,
            username,
            password,
            base_url,
            token_path,
            refresh_margin: self.refresh_margin.unwrap_or(DEFAULT_REFRESH_MARGIN),
            token_store: self
                .token_store
                .unwrap_or_else(|| Arc::new(MemoryTokenStore::new())),
            http,
        })
    }
}
