//! Settings of a CleverPower client: base URL, authentication, the time zone of zoneless
//! timestamps, the currency of prices, the connector asked for, the default scope (charge ids)
//! and the HTTP policy. Built with [`ConfigBuilder`], from code or from the environment.

use std::fmt;

use evsessions_core::chrono_tz::{self, Tz};
use evsessions_core::http::{check_base_url, parse_base_url, redact_url, AuthHeader};
use evsessions_core::{Error, ExposeSecret, HttpConfig, Result, SecretString};
use url::Url;

use crate::KIND;

/// The production host of the CleverPower platform.
pub const DEFAULT_BASE_URL: &str = "https://api.chargee.eco";
/// The zone zoneless timestamps are read in when none is configured.
pub const DEFAULT_TIME_ZONE: Tz = chrono_tz::Europe::Prague;
/// The currency of prices when none is configured (the API sends none).
pub const DEFAULT_CURRENCY: &str = "CZK";
/// The `connectorId` sent with `POST api/Ocpp` when none is configured (the API's own default).
pub const DEFAULT_CONNECTOR_ID: u32 = 0;

/// Environment variable of the base URL.
pub const ENV_BASE_URL: &str = "CLEVERPOWER_BASE_URL";
/// Environment variable of the bearer token (optional: the API documents no authentication).
pub const ENV_TOKEN: &str = "CLEVERPOWER_TOKEN";
/// Environment variable naming a header to send `CLEVERPOWER_TOKEN` in, instead of
/// `Authorization: Bearer` (optional).
pub const ENV_AUTH_HEADER: &str = "CLEVERPOWER_AUTH_HEADER";
/// Environment variable of the time zone of zoneless timestamps (IANA name, optional).
pub const ENV_TIME_ZONE: &str = "CLEVERPOWER_TIME_ZONE";
/// Environment variable of the currency of prices (ISO 4217, optional).
pub const ENV_CURRENCY: &str = "CLEVERPOWER_CURRENCY";
/// Environment variable of the `connectorId` to ask for (optional).
pub const ENV_CONNECTOR_ID: &str = "CLEVERPOWER_CONNECTOR_ID";
/// Environment variable of the default charge ids, comma separated (optional).
pub const ENV_CHARGE_IDS: &str = "CLEVERPOWER_CHARGE_IDS";

/// The settings of this source as typed keys: each one's variable, whether it is a secret and
/// required. [`ConfigBuilder::from_lookup`] reads them and the source's descriptor lists them.
pub mod keys {
    use evsessions_core::registry::Setting;
    /// The bearer token (optional: the API documents no authentication).
    pub const TOKEN: Setting =
        Setting::new(super::ENV_TOKEN, "the bearer token (optional)").secret();
    /// The base URL.
    pub const BASE_URL: Setting = Setting::new(super::ENV_BASE_URL, "the base URL");
    /// The header to send the token in instead of `Authorization: Bearer`.
    pub const AUTH_HEADER: Setting =
        Setting::new(super::ENV_AUTH_HEADER, "the header of the token");
    /// The default charge ids, comma separated.
    pub const CHARGE_IDS: Setting = Setting::new(
        super::ENV_CHARGE_IDS,
        "the charge ids to read, comma separated",
    );
    /// The `connectorId` to ask for.
    pub const CONNECTOR_ID: Setting =
        Setting::new(super::ENV_CONNECTOR_ID, "the connectorId to ask for");
    /// The time zone of zoneless timestamps.
    pub const TIME_ZONE: Setting =
        Setting::new(super::ENV_TIME_ZONE, "the time zone of zoneless timestamps");
    /// The currency of prices.
    pub const CURRENCY: Setting = Setting::new(super::ENV_CURRENCY, "the currency of prices");
}

/// How requests authenticate. The API documents no scheme, so all three are offered.
///
/// `Debug` never shows a secret:
///
/// ```
/// use cleverpower_client::Auth;
/// let a = Auth::bearer("s3cr3t");
/// assert!(!format!("{a:?}").contains("s3cr3t"));
/// ```
#[derive(Clone, Default)]
#[non_exhaustive]
pub enum Auth {
    /// No authentication header (the default).
    #[default]
    None,
    /// `Authorization: Bearer <token>` (`CLEVERPOWER_TOKEN`).
    Bearer(SecretString),
    /// A header of the caller's choice, e.g. `X-Api-Key: <value>`.
    Header {
        /// Header name.
        name: String,
        /// Header value (secret).
        value: SecretString,
    },
}

impl Auth {
    /// A bearer token.
    pub fn bearer(token: impl Into<String>) -> Self {
        Auth::Bearer(SecretString::from(token.into()))
    }
    /// A named header carrying a secret value.
    pub fn header(name: impl Into<String>, value: impl Into<String>) -> Self {
        Auth::Header {
            name: name.into(),
            value: SecretString::from(value.into()),
        }
    }
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::None => f.write_str("None"),
            Auth::Bearer(_) => f.write_str("Bearer(REDACTED)"),
            Auth::Header { name, .. } => write!(f, "Header {{ name: {name:?}, value: REDACTED }}"),
        }
    }
}

/// The validated settings of a [`crate::Client`]. Build with [`Config::builder`] or
/// [`ConfigBuilder::from_env`].
#[derive(Clone)]
pub struct Config {
    base_url: Url,
    auth: Auth,
    auth_header: Option<AuthHeader>,
    time_zone: Tz,
    currency: String,
    connector_id: u32,
    charge_ids: Vec<String>,
    http: HttpConfig,
}

impl Config {
    /// A builder with every setting at its default.
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder::default()
    }
    /// The base URL (`https://api.chargee.eco` by default).
    pub fn base_url(&self) -> &Url {
        &self.base_url
    }
    /// The authentication.
    pub fn auth(&self) -> &Auth {
        &self.auth
    }
    /// The header to send on every request, already validated (value marked sensitive).
    pub(crate) fn auth_header(&self) -> Option<&AuthHeader> {
        self.auth_header.as_ref()
    }
    /// The zone zoneless timestamps are read in (`Europe/Prague` by default).
    pub fn time_zone(&self) -> Tz {
        self.time_zone
    }
    /// The ISO 4217 currency of prices (`CZK` by default).
    pub fn currency(&self) -> &str {
        &self.currency
    }
    /// The `connectorId` sent with `POST api/Ocpp` (0 by default).
    pub fn connector_id(&self) -> u32 {
        self.connector_id
    }
    /// The charge ids read when a query names none (empty by default).
    pub fn charge_ids(&self) -> &[String] {
        &self.charge_ids
    }
    /// The HTTP policy.
    pub fn http(&self) -> &HttpConfig {
        &self.http
    }
    pub(crate) fn set_charge_ids(&mut self, ids: Vec<String>) {
        self.charge_ids = clean_ids(ids);
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("base_url", &redact_url(&self.base_url))
            .field("auth", &self.auth)
            .field("time_zone", &self.time_zone.name())
            .field("currency", &self.currency)
            .field("connector_id", &self.connector_id)
            .field("charge_ids", &self.charge_ids)
            .field("http", &self.http)
            .finish()
    }
}

/// Builds a [`Config`]; every setting is optional and validated in [`ConfigBuilder::build`].
///
/// ```
/// use cleverpower_client::{Auth, Config};
/// use evsessions_core::chrono_tz::Tz;
/// let config = Config::builder()
///     .base_url("https://api.chargee.eco")
///     .auth(Auth::bearer("token"))
///     .time_zone(Tz::Europe__Prague)
///     .currency("CZK")
///     .charge_ids(["PRG-0311-A", "BRN-0702-B"])
///     .build()
///     .unwrap();
/// assert_eq!(config.currency(), "CZK");
/// assert_eq!(config.connector_id(), 0);
/// assert!(!format!("{config:?}").contains("token\""));
/// ```
#[derive(Clone, Default)]
pub struct ConfigBuilder {
    base_url: Option<String>,
    auth: Option<Auth>,
    /// From the environment: a header name without a token (an error in `build`).
    auth_header_without_token: Option<String>,
    time_zone: Option<Tz>,
    time_zone_text: Option<String>,
    currency: Option<String>,
    connector_id: Option<u32>,
    connector_id_text: Option<String>,
    charge_ids: Option<Vec<String>>,
    http: Option<HttpConfig>,
}

impl fmt::Debug for ConfigBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConfigBuilder")
            .field(
                "base_url",
                &self
                    .base_url
                    .as_deref()
                    .map(evsessions_core::http::redact_url_text),
            )
            .field("auth", &self.auth)
            .field("time_zone", &self.time_zone.map(|t| t.name()))
            .field("currency", &self.currency)
            .field("connector_id", &self.connector_id)
            .field("charge_ids", &self.charge_ids)
            .finish_non_exhaustive()
    }
}

impl ConfigBuilder {
    /// A builder from the environment: `CLEVERPOWER_BASE_URL`, `CLEVERPOWER_TOKEN` (bearer),
    /// `CLEVERPOWER_AUTH_HEADER` (send the token in this header instead), `CLEVERPOWER_TIME_ZONE`,
    /// `CLEVERPOWER_CURRENCY`, `CLEVERPOWER_CONNECTOR_ID`, `CLEVERPOWER_CHARGE_IDS` (comma
    /// separated). Unset or empty variables are not set; values are checked in `build`.
    pub fn from_env() -> ConfigBuilder {
        ConfigBuilder::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`ConfigBuilder::from_env`], reading variables through `lookup` (for tests and for
    /// callers with their own settings store).
    ///
    /// ```
    /// use cleverpower_client::ConfigBuilder;
    /// let c = ConfigBuilder::from_lookup(|k| match k {
    ///     "CLEVERPOWER_CHARGE_IDS" => Some("A, B,,A".into()),
    ///     "CLEVERPOWER_TIME_ZONE" => Some("Europe/Bratislava".into()),
    ///     _ => None,
    /// }).build().unwrap();
    /// assert_eq!(c.charge_ids(), ["A", "B"]);
    /// assert_eq!(c.time_zone().name(), "Europe/Bratislava");
    /// ```
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> ConfigBuilder {
        let s = evsessions_core::registry::Settings::new(&lookup);
        let mut b = ConfigBuilder::default();
        if let Some(url) = s.text(&keys::BASE_URL) {
            b.base_url = Some(url);
        }
        match (s.text(&keys::TOKEN), s.text(&keys::AUTH_HEADER)) {
            (Some(token), None) => b.auth = Some(Auth::bearer(token)),
            (Some(token), Some(name)) => b.auth = Some(Auth::header(name, token)),
            (None, Some(name)) => b.auth_header_without_token = Some(name),
            (None, None) => {}
        }
        b.time_zone_text = s.text(&keys::TIME_ZONE);
        b.currency = s.text(&keys::CURRENCY);
        b.connector_id_text = s.text(&keys::CONNECTOR_ID);
        b.charge_ids = s.list(&keys::CHARGE_IDS);
        b
    }

    /// The base URL (default `https://api.chargee.eco`). `http://` only to loopback hosts
    /// unless the HTTP settings allow it.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }
    /// The authentication (default [`Auth::None`]).
    pub fn auth(mut self, auth: Auth) -> Self {
        self.auth = Some(auth);
        self.auth_header_without_token = None;
        self
    }
    /// Shorthand for `auth(Auth::bearer(token))`.
    pub fn bearer_token(self, token: impl Into<String>) -> Self {
        self.auth(Auth::bearer(token))
    }
    /// The zone zoneless timestamps are read in (default `Europe/Prague`).
    pub fn time_zone(mut self, zone: Tz) -> Self {
        self.time_zone = Some(zone);
        self.time_zone_text = None;
        self
    }
    /// The zone by IANA name (`"Europe/Prague"`); checked in `build`.
    pub fn time_zone_name(mut self, name: impl Into<String>) -> Self {
        self.time_zone = None;
        self.time_zone_text = Some(name.into());
        self
    }
    /// The ISO 4217 currency of prices (default `CZK`).
    pub fn currency(mut self, code: impl Into<String>) -> Self {
        self.currency = Some(code.into());
        self
    }
    /// The `connectorId` to ask `POST api/Ocpp` for (default 0, the API's default).
    pub fn connector_id(mut self, id: u32) -> Self {
        self.connector_id = Some(id);
        self.connector_id_text = None;
        self
    }
    /// The charge ids read when a query names none (the session source's default scope).
    /// Empty entries are dropped, repeats kept once.
    pub fn charge_ids<I, S>(mut self, ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.charge_ids = Some(ids.into_iter().map(Into::into).collect());
        self
    }
    /// The HTTP policy (timeouts, retries, plain-http opt-in).
    pub fn http(mut self, http: HttpConfig) -> Self {
        self.http = Some(http);
        self
    }

    /// Validate and build. Errors are [`Error::Config`] naming the setting and its
    /// environment variable.
    pub fn build(self) -> Result<Config> {
        let http = self.http.unwrap_or_default();
        let url_text = self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL);
        let base_url = parse_base_url(&KIND, url_text).map_err(|e| {
            config_error(format!(
                "{} (setting base_url, env {ENV_BASE_URL})",
                strip_prefix(&e)
            ))
        })?;
        if base_url.cannot_be_a_base() || base_url.host().is_none() {
            return Err(config_error(format!(
                "base URL {} has no host (setting base_url, env {ENV_BASE_URL})",
                redact_url(&base_url)
            )));
        }
        check_base_url(&KIND, &base_url, http.allow_insecure_http).map_err(|e| {
            config_error(format!(
                "{} (setting base_url, env {ENV_BASE_URL})",
                strip_prefix(&e)
            ))
        })?;

        if let Some(name) = self.auth_header_without_token {
            return Err(config_error(format!(
                "{ENV_AUTH_HEADER} is set to {name:?} but {ENV_TOKEN} is not: set the token to send in that header, or unset {ENV_AUTH_HEADER}"
            )));
        }
        let auth = self.auth.unwrap_or_default();
        let auth_header = auth_header(&auth)?;

        let time_zone = match (self.time_zone, self.time_zone_text) {
            (Some(z), _) => z,
            (None, Some(text)) => text.trim().parse::<Tz>().map_err(|_| {
                config_error(format!(
                    "unknown time zone {text:?} (setting time_zone, env {ENV_TIME_ZONE}); use an IANA name such as Europe/Prague"
                ))
            })?,
            (None, None) => DEFAULT_TIME_ZONE,
        };

        let currency = match self.currency {
            None => DEFAULT_CURRENCY.to_string(),
            Some(c) => {
                let t = c.trim();
                if t.len() == 3 && t.chars().all(|ch| ch.is_ascii_alphabetic()) {
                    t.to_ascii_uppercase()
                } else {
                    return Err(config_error(format!(
                        "currency {c:?} is not an ISO 4217 code (setting currency, env {ENV_CURRENCY}); use three letters such as CZK or EUR"
                    )));
                }
            }
        };

        let connector_id = match (self.connector_id, self.connector_id_text) {
            (Some(n), _) => n,
            (None, Some(text)) => text.trim().parse::<u32>().map_err(|_| {
                config_error(format!(
                    "connector id {text:?} is not a non-negative integer (setting connector_id, env {ENV_CONNECTOR_ID})"
                ))
            })?,
            (None, None) => DEFAULT_CONNECTOR_ID,
        };

        Ok(Config {
            base_url,
            auth,
            auth_header,
            time_zone,
            currency,
            connector_id,
            charge_ids: clean_ids(self.charge_ids.unwrap_or_default()),
            http,
        })
    }
}

fn config_error(message: String) -> Error {
    Error::config(Some(KIND), message)
}

/// The message of a core config error without the `cleverpower: configuration error:` prefix.
fn strip_prefix(e: &Error) -> String {
    match e {
        Error::Config { message, .. } => message.clone(),
        other => other.to_string(),
    }
}

fn auth_header(auth: &Auth) -> Result<Option<AuthHeader>> {
    match auth {
        Auth::None => Ok(None),
        Auth::Bearer(token) => AuthHeader::bearer(
            &KIND,
            token.expose_secret(),
            &format!("setting auth, env {ENV_TOKEN}"),
        )
        .map(Some),
        Auth::Header { name, value } => AuthHeader::new(
            &KIND,
            name,
            value.expose_secret(),
            &format!("setting auth, env {ENV_AUTH_HEADER} and {ENV_TOKEN}"),
        )
        .map(Some),
    }
}

/// Trimmed, non-empty, first occurrence of each.
pub(crate) fn clean_ids(ids: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for id in ids {
        let t = id.trim();
        if !t.is_empty() && !out.iter().any(|o| o == t) {
            out.push(t.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> ConfigBuilder {
        ConfigBuilder::from_lookup(move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn defaults() {
        let c = Config::builder().build().unwrap();
        assert_eq!(c.base_url().as_str(), "https://api.chargee.eco/");
        assert!(matches!(c.auth(), Auth::None));
        assert_eq!(c.time_zone(), chrono_tz::Europe::Prague);
        assert_eq!(c.currency(), "CZK");
        assert_eq!(c.connector_id(), 0);
        assert!(c.charge_ids().is_empty());
        let c = env(&[]).build().unwrap();
        assert_eq!(c.base_url().as_str(), "https://api.chargee.eco/");
    }

    #[test]
    fn env_is_read_and_checked() {
        let c = env(&[
            (ENV_BASE_URL, "http://127.0.0.1:9/x/"),
            (ENV_TOKEN, "tok-1"),
            (ENV_TIME_ZONE, "America/New_York"),
            (ENV_CURRENCY, "eur"),
            (ENV_CONNECTOR_ID, "2"),
            (ENV_CHARGE_IDS, " A ,B,,A"),
        ])
        .build()
        .unwrap();
        assert_eq!(c.base_url().as_str(), "http://127.0.0.1:9/x/");
        assert!(matches!(c.auth(), Auth::Bearer(_)));
        assert_eq!(c.time_zone().name(), "America/New_York");
        assert_eq!(c.currency(), "EUR");
        assert_eq!(c.connector_id(), 2);
        assert_eq!(c.charge_ids(), ["A", "B"]);

        let c = env(&[(ENV_TOKEN, "k"), (ENV_AUTH_HEADER, "X-Api-Key")])
            .build()
            .unwrap();
        match c.auth() {
            Auth::Header { name, value } => {
                assert_eq!(name, "X-Api-Key");
                assert_eq!(value.expose_secret(), "k");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn errors_name_setting_and_env_var() {
        let cases: [(&'static [(&'static str, &'static str)], &str); 6] = [
            (&[(ENV_TIME_ZONE, "Mars/Olympus")], ENV_TIME_ZONE),
            (&[(ENV_CURRENCY, "Kč")], ENV_CURRENCY),
            (&[(ENV_CONNECTOR_ID, "-1")], ENV_CONNECTOR_ID),
            (&[(ENV_BASE_URL, "not a url")], ENV_BASE_URL),
            (&[(ENV_BASE_URL, "http://api.example.com")], ENV_BASE_URL),
            (&[(ENV_AUTH_HEADER, "X-Key")], ENV_TOKEN),
        ];
        for (vars, name) in cases {
            let e = env(vars).build().unwrap_err();
            assert!(matches!(e, Error::Config { .. }), "{e:?}");
            assert!(e.to_string().contains(name), "{e}");
        }
        let e = Config::builder()
            .auth(Auth::header("bad header", "v"))
            .build()
            .unwrap_err();
        assert!(e.to_string().contains(ENV_AUTH_HEADER), "{e}");
        let e = Config::builder()
            .auth(Auth::bearer("line\nbreak-s3cr3t"))
            .build()
            .unwrap_err();
        assert!(!e.to_string().contains("s3cr3t"), "{e}");
        assert!(e.to_string().contains(ENV_TOKEN), "{e}");
        let e = Config::builder().bearer_token(" ").build().unwrap_err();
        assert!(e.to_string().contains(ENV_TOKEN), "{e}");
    }

    #[test]
    fn debug_redacts() {
        let c = Config::builder()
            .base_url("https://user:pw-s3cr3t@api.chargee.eco")
            .auth(Auth::header("X-Api-Key", "k-s3cr3t"))
            .build()
            .unwrap();
        let d = format!("{c:?}");
        assert!(!d.contains("s3cr3t"), "{d}");
        assert!(d.contains("X-Api-Key"), "{d}");
        let b = Config::builder().bearer_token("b-s3cr3t");
        assert!(!format!("{b:?}").contains("s3cr3t"));
    }
}
