//! Configuration: the API key, the base URL, HTTP settings and the page size.

use std::fmt;

use evsessions_core::http::{check_base_url, parse_base_url};
use evsessions_core::{Error, HttpConfig, Result, SecretString};
use url::Url;

use crate::KIND;

/// The production base URL of the eMabler v2 Entity Management API. Paths such as
/// `/v2/transactions` are appended to it (the `v2` appears twice in the full URL).
pub const DEFAULT_BASE_URL: &str = "https://api.emabler.io/api/v2/cpo";

/// Environment variable holding the API key.
pub const ENV_API_KEY: &str = "EMABLER_API_KEY";
/// Environment variable overriding the base URL.
pub const ENV_BASE_URL: &str = "EMABLER_BASE_URL";

/// The settings of this source as typed keys: each one's variable, whether it is a secret and
/// required. [`ConfigBuilder::from_lookup`] reads them and the source's descriptor lists them.
pub mod keys {
    use evsessions_core::registry::Setting;
    /// The API key.
    pub const API_KEY: Setting = Setting::new(super::ENV_API_KEY, "the API key")
        .secret()
        .required();
    /// The base URL.
    pub const BASE_URL: Setting = Setting::new(super::ENV_BASE_URL, "the base URL");
}

/// Default records per `POST /v2/transactions` request (the documented maximum).
pub const DEFAULT_PAGE_SIZE: u32 = 1000;
/// Largest page `POST /v2/transactions` accepts.
pub const MAX_TRANSACTIONS_PAGE_SIZE: u32 = 1000;
/// Largest page of the other lists (ongoing transactions, sites, chargers).
pub const MAX_LIST_PAGE_SIZE: u32 = 100;

/// A validated eMabler configuration. `Debug` never shows the API key.
#[derive(Clone)]
pub struct Config {
    pub(crate) api_key: SecretString,
    pub(crate) base_url: Url,
    pub(crate) http: HttpConfig,
    pub(crate) page_size: u32,
}

impl Config {
    /// Start building a configuration.
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder::default()
    }

    /// The base URL (e.g. `https://api.emabler.io/api/v2/cpo`).
    pub fn base_url(&self) -> &Url {
        &self.base_url
    }

    /// HTTP settings.
    pub fn http(&self) -> &HttpConfig {
        &self.http
    }

    /// Records per `POST /v2/transactions` request when the query does not say.
    pub fn page_size(&self) -> u32 {
        self.page_size
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("api_key", &"[REDACTED]")
            .field(
                "base_url",
                &evsessions_core::http::redact_url(&self.base_url),
            )
            .field("http", &self.http)
            .field("page_size", &self.page_size)
            .finish()
    }
}

/// Builder of [`Config`]. `Debug` never shows the API key.
///
/// ```
/// use emabler_client::Config;
/// let config = Config::builder().api_key("my-key").page_size(500).build().unwrap();
/// assert_eq!(config.base_url().as_str(), "https://api.emabler.io/api/v2/cpo");
/// assert!(!format!("{config:?}").contains("my-key"));
///
/// let err = Config::builder().build().unwrap_err();
/// assert!(err.to_string().contains("EMABLER_API_KEY"));
/// ```
#[derive(Clone, Default)]
pub struct ConfigBuilder {
    api_key: Option<SecretString>,
    base_url: Option<String>,
    http: Option<HttpConfig>,
    page_size: Option<u32>,
}

impl fmt::Debug for ConfigBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConfigBuilder")
            .field("api_key", &self.api_key.as_ref().map(|_| "[REDACTED]"))
            .field(
                "base_url",
                &self
                    .base_url
                    .as_deref()
                    .map(evsessions_core::http::redact_url_text),
            )
            .field("http", &self.http)
            .field("page_size", &self.page_size)
            .finish()
    }
}

impl ConfigBuilder {
    /// A builder pre-filled from the environment: `EMABLER_API_KEY` and `EMABLER_BASE_URL`
    /// (an unset or empty variable is not set).
    pub fn from_env() -> ConfigBuilder {
        ConfigBuilder::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`ConfigBuilder::from_env`], reading the variables through `lookup` (an accounts
    /// file, tests).
    ///
    /// ```
    /// let b = emabler_client::ConfigBuilder::from_lookup(|k| (k == "EMABLER_API_KEY").then(|| "k".to_string()));
    /// assert!(b.build().is_ok());
    /// ```
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> ConfigBuilder {
        let s = evsessions_core::registry::Settings::new(&lookup);
        ConfigBuilder {
            api_key: s.secret(&keys::API_KEY),
            base_url: s.text(&keys::BASE_URL),
            http: None,
            page_size: None,
        }
    }

    /// The API key (sent as the `x-api-key` header). Required.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(SecretString::from(key.into()));
        self
    }

    /// The base URL, default [`DEFAULT_BASE_URL`]. A trailing `/` does not matter. Checked in
    /// [`ConfigBuilder::build`]: `https`, or `http` to a loopback host only (unless
    /// [`HttpConfig::allow_insecure_http`] is set).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Timeouts, retries and transport policy (default [`HttpConfig::default`]).
    pub fn http(mut self, http: HttpConfig) -> Self {
        self.http = Some(http);
        self
    }

    /// Records per `POST /v2/transactions` request, 1 to 1000 (default 1000). The other
    /// lists use at most 100 per request whatever this says.
    pub fn page_size(mut self, n: u32) -> Self {
        self.page_size = Some(n);
        self
    }

    /// Validate and build.
    pub fn build(self) -> Result<Config> {
        let api_key = match self.api_key {
            Some(k) if !evsessions_core::ExposeSecret::expose_secret(&k).trim().is_empty() => k,
            _ => {
                return Err(Error::config(
                    Some(KIND),
                    format!(
                        "the eMabler API key is missing: set {ENV_API_KEY} or call ConfigBuilder::api_key (keys are created in eMabler Connect under Settings → Developers)"
                    ),
                ))
            }
        };
        let http = self.http.unwrap_or_default();
        let base_text = self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL);
        let base_url = parse_base_url(&KIND, base_text).map_err(|e| match e {
            Error::Config { vendor, message } => Error::Config {
                vendor,
                message: format!(
                    "{message} (the base URL comes from {ENV_BASE_URL} or --base-url)"
                ),
            },
            other => other,
        })?;
        check_base_url(&KIND, &base_url, http.allow_insecure_http)?;
        let page_size = self.page_size.unwrap_or(DEFAULT_PAGE_SIZE);
        if page_size == 0 || page_size > MAX_TRANSACTIONS_PAGE_SIZE {
            return Err(Error::config(
                Some(KIND),
                format!(
                    "page size {page_size} is out of range: eMabler accepts 1 to {MAX_TRANSACTIONS_PAGE_SIZE} records per request"
                ),
            ));
        }
        Ok(Config {
            api_key,
            base_url,
            http,
            page_size,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_validation() {
        let c = Config::builder().api_key("k").build().unwrap();
        assert_eq!(c.base_url().as_str(), DEFAULT_BASE_URL);
        assert_eq!(c.page_size(), 1000);
        assert!(Config::builder().api_key("  ").build().is_err());
        assert!(Config::builder()
            .api_key("k")
            .page_size(1001)
            .build()
            .is_err());
        assert!(Config::builder().api_key("k").page_size(0).build().is_err());
        let e = Config::builder()
            .api_key("k")
            .base_url("http://api.example.com/api/v2/cpo")
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("refusing plain http"), "{e}");
        let e = Config::builder()
            .api_key("k")
            .base_url("not a url")
            .build()
            .unwrap_err();
        assert!(e.to_string().contains(ENV_BASE_URL), "{e}");
        assert!(Config::builder()
            .api_key("k")
            .base_url("http://127.0.0.1:1/api/v2/cpo/")
            .build()
            .is_ok());
    }

    #[test]
    fn debug_redacts_the_key() {
        let b = Config::builder().api_key("sekrit-123");
        assert!(!format!("{b:?}").contains("sekrit-123"));
        let c = b.build().unwrap();
        let d = format!("{c:?}");
        assert!(!d.contains("sekrit-123"), "{d}");
        assert!(d.contains("REDACTED"), "{d}");
    }
}
