//! Configuration: where the platform's modules are (a versions URL to discover them from, or
//! the `cdrs` / `sessions` URLs given directly), the token and how it is sent, HTTP settings
//! and the page size.

use std::fmt;

use evsessions_core::http::{check_base_url, parse_base_url, redact_url, redact_url_text};
use evsessions_core::{Error, ExposeSecret, HttpConfig, Result, SecretString};
use url::Url;

use crate::KIND;

/// Environment variable: the platform's versions URL (`GET` lists the OCPI versions it speaks).
pub const ENV_VERSIONS_URL: &str = "OCPI_VERSIONS_URL";
/// Environment variable: the URL of the `cdrs` module (SENDER), for platforms without a
/// versions module (instead of [`ENV_VERSIONS_URL`]).
pub const ENV_CDRS_URL: &str = "OCPI_CDRS_URL";
/// Environment variable: the URL of the `sessions` module (SENDER), as [`ENV_CDRS_URL`].
pub const ENV_SESSIONS_URL: &str = "OCPI_SESSIONS_URL";
/// Environment variable: the OCPI token (the credentials token `TOKEN_C` the platform gave).
pub const ENV_TOKEN: &str = "OCPI_TOKEN";
/// Environment variable: `true` (or `1`, `yes`) to send the token as it is, not base64
/// encoded, even under OCPI 2.2.1 (platforms known to want it so). Default `false`.
pub const ENV_TOKEN_RAW: &str = "OCPI_TOKEN_RAW";

/// The settings of this source as typed keys: each one's variable, whether it is a secret and
/// required. [`ConfigBuilder::from_lookup`] reads them and the source's descriptor lists them.
pub mod keys {
    use evsessions_core::registry::Setting;
    /// The platform's versions URL.
    pub const VERSIONS_URL: Setting =
        Setting::new(super::ENV_VERSIONS_URL, "the platform's versions URL");
    /// The `cdrs` module's URL, without discovery.
    pub const CDRS_URL: Setting = Setting::new(
        super::ENV_CDRS_URL,
        "the cdrs module's URL, without discovery",
    );
    /// The `sessions` module's URL, without discovery.
    pub const SESSIONS_URL: Setting = Setting::new(
        super::ENV_SESSIONS_URL,
        "the sessions module's URL, without discovery",
    );
    /// The OCPI token.
    pub const TOKEN: Setting = Setting::new(super::ENV_TOKEN, "the OCPI token")
        .secret()
        .required();
    /// `true`: the raw token under 2.2.1.
    pub const TOKEN_RAW: Setting =
        Setting::new(super::ENV_TOKEN_RAW, "true: the raw token under 2.2.1");
}

/// Objects asked per request (`limit`) by default. A server sends at most its own limit (and
/// says so in `X-Limit`); the client then simply follows `Link` with the smaller pages.
pub const DEFAULT_PAGE_SIZE: u32 = 100;
/// The largest `limit` this client asks for.
pub const MAX_PAGE_SIZE: u32 = 10_000;

/// How the token is written in `Authorization: Token …`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum TokenEncoding {
    /// As the spec says for the version read: base64 of the token's UTF-8 under 2.2.1 (and for
    /// the versions call, and for endpoints given directly), the token as it is under 2.1.1.
    #[default]
    Auto,
    /// Always base64.
    Base64,
    /// Always the token as it is (many 2.1.1 and early 2.2 implementations expect this).
    Raw,
}

/// Where the modules are.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Endpoints {
    /// Discover them: `GET versions_url`, pick 2.2.1 (else 2.1.1), read its details, take the
    /// `cdrs` and `sessions` endpoints of role `SENDER`.
    Discover {
        /// The versions URL.
        versions_url: Url,
    },
    /// Given directly; at least one of the two. Read as OCPI 2.2.1.
    Direct {
        /// The `cdrs` module.
        cdrs_url: Option<Url>,
        /// The `sessions` module.
        sessions_url: Option<Url>,
    },
}

impl fmt::Debug for Endpoints {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoints::Discover { versions_url } => f
                .debug_struct("Discover")
                .field("versions_url", &redact_url(versions_url))
                .finish(),
            Endpoints::Direct {
                cdrs_url,
                sessions_url,
            } => f
                .debug_struct("Direct")
                .field("cdrs_url", &cdrs_url.as_ref().map(redact_url))
                .field("sessions_url", &sessions_url.as_ref().map(redact_url))
                .finish(),
        }
    }
}

/// A validated configuration. `Debug` never shows the token.
#[derive(Clone)]
pub struct Config {
    pub(crate) token: SecretString,
    pub(crate) endpoints: Endpoints,
    pub(crate) token_encoding: TokenEncoding,
    pub(crate) http: HttpConfig,
    pub(crate) page_size: u32,
}

impl Config {
    /// Start building a configuration.
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder::default()
    }
    /// Where the modules are.
    pub fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }
    /// How the token is written.
    pub fn token_encoding(&self) -> TokenEncoding {
        self.token_encoding
    }
    /// HTTP settings.
    pub fn http(&self) -> &HttpConfig {
        &self.http
    }
    /// Objects asked per request when the query does not say.
    pub fn page_size(&self) -> u32 {
        self.page_size
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("token", &"[REDACTED]")
            .field("endpoints", &self.endpoints)
            .field("token_encoding", &self.token_encoding)
            .field("http", &self.http)
            .field("page_size", &self.page_size)
            .finish()
    }
}

/// Builder of [`Config`]. `Debug` never shows the token.
///
/// ```
/// use ocpi_client::Config;
/// let config = Config::builder()
///     .versions_url("https://ocpi.example.com/ocpi/versions")
///     .token("my-token")
///     .build()
///     .unwrap();
/// assert!(!format!("{config:?}").contains("my-token"));
///
/// let err = Config::builder().token("t").build().unwrap_err();
/// assert!(err.to_string().contains("OCPI_VERSIONS_URL"), "{err}");
/// ```
#[derive(Clone, Default)]
pub struct ConfigBuilder {
    token: Option<SecretString>,
    versions_url: Option<String>,
    cdrs_url: Option<String>,
    sessions_url: Option<String>,
    token_encoding: Option<TokenEncoding>,
    raw_token_text: Option<String>,
    http: Option<HttpConfig>,
    page_size: Option<u32>,
}

impl fmt::Debug for ConfigBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let url = |u: &Option<String>| u.as_deref().map(redact_url_text);
        f.debug_struct("ConfigBuilder")
            .field("token", &self.token.as_ref().map(|_| "[REDACTED]"))
            .field("versions_url", &url(&self.versions_url))
            .field("cdrs_url", &url(&self.cdrs_url))
            .field("sessions_url", &url(&self.sessions_url))
            .field("token_encoding", &self.token_encoding)
            .field("http", &self.http)
            .field("page_size", &self.page_size)
            .finish()
    }
}

impl ConfigBuilder {
    /// A builder pre-filled from the environment: [`ENV_VERSIONS_URL`], [`ENV_CDRS_URL`],
    /// [`ENV_SESSIONS_URL`], [`ENV_TOKEN`], [`ENV_TOKEN_RAW`] (an unset or empty variable is
    /// not set).
    pub fn from_env() -> ConfigBuilder {
        ConfigBuilder::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`ConfigBuilder::from_env`], reading the variables through `lookup` (an accounts
    /// file, tests).
    ///
    /// ```
    /// let vars = |k: &str| match k {
    ///     "OCPI_CDRS_URL" => Some("https://cpo.example.com/ocpi/2.2.1/cdrs".to_string()),
    ///     "OCPI_TOKEN" => Some("t0ken".to_string()),
    ///     "OCPI_TOKEN_RAW" => Some("true".to_string()),
    ///     _ => None,
    /// };
    /// let config = ocpi_client::ConfigBuilder::from_lookup(vars).build().unwrap();
    /// assert_eq!(config.token_encoding(), ocpi_client::TokenEncoding::Raw);
    /// ```
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> ConfigBuilder {
        let s = evsessions_core::registry::Settings::new(&lookup);
        ConfigBuilder {
            token: s.secret(&keys::TOKEN),
            versions_url: s.text(&keys::VERSIONS_URL),
            cdrs_url: s.text(&keys::CDRS_URL),
            sessions_url: s.text(&keys::SESSIONS_URL),
            token_encoding: None,
            raw_token_text: s.text(&keys::TOKEN_RAW),
            http: None,
            page_size: None,
        }
    }

    /// The OCPI token. Required.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(SecretString::from(token.into()));
        self
    }

    /// The versions URL to discover the modules from (`https://…/ocpi/versions`).
    pub fn versions_url(mut self, url: impl Into<String>) -> Self {
        self.versions_url = Some(url.into());
        self
    }

    /// The same as [`ConfigBuilder::versions_url`]: what `--base-url` sets for this source (an
    /// OCPI platform's entry point is its versions URL).
    pub fn base_url(self, url: impl Into<String>) -> Self {
        self.versions_url(url)
    }

    /// The `cdrs` module's URL, given directly (no discovery).
    pub fn cdrs_url(mut self, url: impl Into<String>) -> Self {
        self.cdrs_url = Some(url.into());
        self
    }

    /// The `sessions` module's URL, given directly (no discovery).
    pub fn sessions_url(mut self, url: impl Into<String>) -> Self {
        self.sessions_url = Some(url.into());
        self
    }

    /// How the token is written (default [`TokenEncoding::Auto`]).
    pub fn token_encoding(mut self, encoding: TokenEncoding) -> Self {
        self.token_encoding = Some(encoding);
        self.raw_token_text = None;
        self
    }

    /// Send the token as it is under every version ([`TokenEncoding::Raw`]); `false` goes
    /// back to [`TokenEncoding::Auto`].
    pub fn raw_token(self, on: bool) -> Self {
        self.token_encoding(if on {
            TokenEncoding::Raw
        } else {
            TokenEncoding::Auto
        })
    }

    /// Timeouts, retries and transport policy (default [`HttpConfig::default`]).
    pub fn http(mut self, http: HttpConfig) -> Self {
        self.http = Some(http);
        self
    }

    /// Objects asked per request, 1 to [`MAX_PAGE_SIZE`] (default [`DEFAULT_PAGE_SIZE`]).
    pub fn page_size(mut self, n: u32) -> Self {
        self.page_size = Some(n);
        self
    }

    /// Validate and build.
    pub fn build(self) -> Result<Config> {
        let token = match self.token {
            Some(t) if !t.expose_secret().trim().is_empty() => {
                SecretString::from(t.expose_secret().trim().to_string())
            }
            _ => {
                return Err(Error::config(
                    Some(KIND),
                    format!("the OCPI token is missing: set {ENV_TOKEN} or call ConfigBuilder::token (the credentials token the platform issued to you)"),
                ))
            }
        };
        let token_encoding = match (self.token_encoding, self.raw_token_text.as_deref()) {
            (Some(e), _) => e,
            (None, None) => TokenEncoding::Auto,
            (None, Some(text)) => match text.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" => TokenEncoding::Raw,
                "0" | "false" | "no" | "off" => TokenEncoding::Auto,
                other => {
                    return Err(Error::config(
                        Some(KIND),
                        format!(
                            "{ENV_TOKEN_RAW}={other:?} is not a yes/no value; use true or false"
                        ),
                    ))
                }
            },
        };
        let http = self.http.unwrap_or_default();
        let parse = |text: &str, var: &str| -> Result<Url> {
            let url = parse_base_url(&KIND, text).map_err(|e| match e {
                Error::Config { vendor, message } => Error::Config {
                    vendor,
                    message: format!("{message} (from {var})"),
                },
                other => other,
            })?;
            check_base_url(&KIND, &url, http.allow_insecure_http)?;
            Ok(url)
        };
        let endpoints = match (
            self.versions_url.as_deref(),
            self.cdrs_url.as_deref(),
            self.sessions_url.as_deref(),
        ) {
            (None, None, None) => {
                return Err(Error::config(
                    Some(KIND),
                    format!("no OCPI endpoint: set {ENV_VERSIONS_URL} (the platform's versions URL), or {ENV_CDRS_URL} and/or {ENV_SESSIONS_URL} for a platform without a versions module"),
                ))
            }
            (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
                return Err(Error::config(
                    Some(KIND),
                    format!("give either {ENV_VERSIONS_URL} (discovery) or {ENV_CDRS_URL}/{ENV_SESSIONS_URL} (endpoints given directly), not both"),
                ))
            }
            (Some(v), None, None) => Endpoints::Discover {
                versions_url: parse(v, ENV_VERSIONS_URL)?,
            },
            (None, c, s) => Endpoints::Direct {
                cdrs_url: c.map(|c| parse(c, ENV_CDRS_URL)).transpose()?,
                sessions_url: s.map(|s| parse(s, ENV_SESSIONS_URL)).transpose()?,
            },
        };
        let page_size = self.page_size.unwrap_or(DEFAULT_PAGE_SIZE);
        if page_size == 0 || page_size > MAX_PAGE_SIZE {
            return Err(Error::config(
                Some(KIND),
                format!("page size {page_size} is out of range: use 1 to {MAX_PAGE_SIZE} objects per request"),
            ));
        }
        Ok(Config {
            token,
            endpoints,
            token_encoding,
            http,
            page_size,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(vars: &'static [(&'static str, &'static str)]) -> ConfigBuilder {
        ConfigBuilder::from_lookup(move |k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn endpoints_from_the_lookup() {
        let c = lookup(&[
            (ENV_VERSIONS_URL, "https://p.example/ocpi/versions"),
            (ENV_TOKEN, "tok-1234"),
        ])
        .build()
        .unwrap();
        assert_eq!(
            c.endpoints(),
            &Endpoints::Discover {
                versions_url: Url::parse("https://p.example/ocpi/versions").unwrap()
            }
        );
        assert_eq!(c.token_encoding(), TokenEncoding::Auto);
        assert_eq!(c.page_size(), DEFAULT_PAGE_SIZE);
        let c = lookup(&[
            (ENV_SESSIONS_URL, "http://127.0.0.1:9/ocpi/2.2.1/sessions"),
            (ENV_TOKEN, "tok-1234"),
            (ENV_TOKEN_RAW, "no"),
        ])
        .build()
        .unwrap();
        assert_eq!(
            c.endpoints(),
            &Endpoints::Direct {
                cdrs_url: None,
                sessions_url: Some(Url::parse("http://127.0.0.1:9/ocpi/2.2.1/sessions").unwrap())
            }
        );
    }

    #[test]
    fn a_lookup_may_be_a_trait_object() {
        let vars = |k: &str| match k {
            ENV_CDRS_URL => Some("https://p.example/cdrs".to_string()),
            ENV_TOKEN => Some("tok-1234".to_string()),
            _ => None,
        };
        let lookup: &dyn Fn(&str) -> Option<String> = &vars;
        let c = ConfigBuilder::from_lookup(lookup).build().unwrap();
        assert_eq!(c.token_encoding(), TokenEncoding::Auto);
    }

    #[test]
    fn refusals_name_the_setting() {
        let e = lookup(&[(ENV_CDRS_URL, "https://p.example/cdrs")])
            .build()
            .unwrap_err();
        assert!(e.to_string().contains(ENV_TOKEN), "{e}");
        let e = lookup(&[
            (ENV_VERSIONS_URL, "https://p.example/v"),
            (ENV_CDRS_URL, "https://p.example/cdrs"),
            (ENV_TOKEN, "tok-1234"),
        ])
        .build()
        .unwrap_err();
        assert!(e.to_string().contains("not both"), "{e}");
        let e = lookup(&[(ENV_CDRS_URL, "http://p.example/cdrs"), (ENV_TOKEN, "t")])
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("refusing plain http"), "{e}");
        let e = lookup(&[(ENV_CDRS_URL, "not a url"), (ENV_TOKEN, "tok-1234")])
            .build()
            .unwrap_err();
        assert!(e.to_string().contains(ENV_CDRS_URL), "{e}");
        let e = lookup(&[
            (ENV_CDRS_URL, "https://p.example/cdrs"),
            (ENV_TOKEN, "tok-1234"),
            (ENV_TOKEN_RAW, "maybe"),
        ])
        .build()
        .unwrap_err();
        assert!(e.to_string().contains(ENV_TOKEN_RAW), "{e}");
        let e = Config::builder()
            .cdrs_url("https://p.example/cdrs")
            .token("t")
            .page_size(0)
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("page size 0"), "{e}");
    }

    #[test]
    fn debug_redacts_the_token() {
        let b = Config::builder()
            .cdrs_url("https://p.example/cdrs")
            .token("sekrit-token-77");
        assert!(!format!("{b:?}").contains("sekrit-token-77"));
        let c = b.build().unwrap();
        let d = format!("{c:?}");
        assert!(
            !d.contains("sekrit-token-77") && d.contains("REDACTED"),
            "{d}"
        );
    }
}
