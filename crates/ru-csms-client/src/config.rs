//! Configuration: the session list URL, the bearer token, paging, the minor-unit scale of
//! amounts and the axis order of coordinates. Read from code or from the environment.

use std::fmt;
use std::str::FromStr;

use evsessions_core::http::{check_base_url, parse_base_url, redact_url};
use evsessions_core::{Error, HttpConfig, Result, SecretString};
use rust_decimal::Decimal;
use url::Url;

use crate::KIND;

/// Environment variable: the full URL of the session list (required).
pub const ENV_SESSIONS_URL: &str = "RU_CSMS_SESSIONS_URL";
/// Environment variable read when [`ENV_SESSIONS_URL`] is unset (the `<VENDOR>_BASE_URL`
/// convention of the other vendors); it means the same thing: the full session list URL.
pub const ENV_BASE_URL: &str = "RU_CSMS_BASE_URL";
/// Environment variable: the bearer token.
pub const ENV_TOKEN: &str = "RU_CSMS_TOKEN";
/// Environment variable: sessions per page (default 100).
pub const ENV_PER_PAGE: &str = "RU_CSMS_PER_PAGE";
/// Environment variable: the minor-unit scale of amounts (default 1 = roubles; 100 = kopecks).
pub const ENV_AMOUNT_SCALE: &str = "RU_CSMS_AMOUNT_SCALE";
/// Environment variable: the axis order of `charging_point_coordinates`
/// (`untrusted` (default), `lat-lon`, `lon-lat`).
pub const ENV_COORDINATES: &str = "RU_CSMS_COORDINATES";

/// The settings of this source as typed keys: each one's variable, whether it is a secret and
/// required. [`ConfigBuilder::from_lookup`] reads them and the source's descriptor lists them.
pub mod keys {
    use evsessions_core::registry::Setting;
    /// The full URL of the session list.
    pub const SESSIONS_URL: Setting =
        Setting::new(super::ENV_SESSIONS_URL, "the full URL of the session list").required();
    /// The bearer token.
    pub const TOKEN: Setting = Setting::new(super::ENV_TOKEN, "the bearer token").secret();
    /// The same as the sessions URL (the convention of the other sources).
    pub const BASE_URL: Setting = Setting::new(super::ENV_BASE_URL, "the same as the sessions URL");
    /// Sessions per page.
    pub const PER_PAGE: Setting = Setting::new(super::ENV_PER_PAGE, "sessions per page");
    /// The minor-unit scale of amounts.
    pub const AMOUNT_SCALE: Setting =
        Setting::new(super::ENV_AMOUNT_SCALE, "the minor-unit scale of amounts");
    /// The order of coordinates.
    pub const COORDINATES: Setting =
        Setting::new(super::ENV_COORDINATES, "the order of coordinates");
}

/// The default page size asked of the server (the captured response echoes 100).
pub const DEFAULT_PER_PAGE: u32 = 100;

/// How to read `charging_point_coordinates`, a two-number array whose axis order is not
/// documented anywhere. In the capture it is a placeholder in the Atlantic on every item, so by
/// default it is not trusted and `site.latitude` / `site.longitude` stay `null`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum CoordinateOrder {
    /// Do not use the coordinates (default): latitude and longitude stay `null`.
    #[default]
    Untrusted,
    /// `[latitude, longitude]`.
    LatLon,
    /// `[longitude, latitude]` (GeoJSON order).
    LonLat,
}

impl CoordinateOrder {
    /// The setting's text: `untrusted`, `lat-lon` or `lon-lat`.
    pub fn as_str(&self) -> &'static str {
        match self {
            CoordinateOrder::Untrusted => "untrusted",
            CoordinateOrder::LatLon => "lat-lon",
            CoordinateOrder::LonLat => "lon-lat",
        }
    }
}

impl fmt::Display for CoordinateOrder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CoordinateOrder {
    type Err = String;
    /// `untrusted` / `none`, `lat-lon` / `latlon` / `lat,lon`, `lon-lat` / `lonlat` / `lon,lat`
    /// (case-insensitive).
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        let key: String = s
            .trim()
            .to_ascii_lowercase()
            .chars()
            .filter(|c| c.is_ascii_alphabetic())
            .collect();
        match key.as_str() {
            "untrusted" | "none" | "ignore" => Ok(CoordinateOrder::Untrusted),
            "latlon" | "latlng" => Ok(CoordinateOrder::LatLon),
            "lonlat" | "lnglat" => Ok(CoordinateOrder::LonLat),
            _ => Err(format!(
                "unknown coordinate order {s:?}; use untrusted, lat-lon or lon-lat"
            )),
        }
    }
}

/// How requests are authenticated. Kept open for other schemes.
#[derive(Clone, Default)]
#[non_exhaustive]
pub enum Auth {
    /// `Authorization: Bearer <token>` (the driver's app token).
    Bearer(SecretString),
    /// No `Authorization` header (only with an explicit [`ConfigBuilder::no_auth`]).
    #[default]
    None,
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::Bearer(_) => f.write_str("Bearer(REDACTED)"),
            Auth::None => f.write_str("None"),
        }
    }
}

/// The settings of a [`Client`](crate::Client). Build with [`Config::builder`].
#[derive(Clone)]
pub struct Config {
    pub(crate) sessions_url: Url,
    pub(crate) auth: Auth,
    pub(crate) per_page: u32,
    pub(crate) amount_scale: u32,
    pub(crate) coordinates: CoordinateOrder,
    pub(crate) http: HttpConfig,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("sessions_url", &redact_url(&self.sessions_url))
            .field("auth", &self.auth)
            .field("per_page", &self.per_page)
            .field("amount_scale", &self.amount_scale)
            .field("coordinates", &self.coordinates)
            .field("http", &self.http)
            .finish()
    }
}

impl Config {
    /// A builder with every setting unset (defaults applied in [`ConfigBuilder::build`]).
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder::default()
    }

    /// The full URL of the session list (the client adds `page` and `per_page`).
    pub fn sessions_url(&self) -> &Url {
        &self.sessions_url
    }
    /// How requests are authenticated.
    pub fn auth(&self) -> &Auth {
        &self.auth
    }
    /// Sessions asked per page (a query's `page_size` overrides it).
    pub fn per_page(&self) -> u32 {
        self.per_page
    }
    /// The minor-unit scale of amounts: every `value` of money is divided by it.
    pub fn amount_scale(&self) -> u32 {
        self.amount_scale
    }
    /// The axis order of `charging_point_coordinates`.
    pub fn coordinates(&self) -> CoordinateOrder {
        self.coordinates
    }
    /// Timeouts, retries and transport policy.
    pub fn http(&self) -> &HttpConfig {
        &self.http
    }
    /// The settings normalization uses.
    pub fn normalize_options(&self) -> crate::normalize::NormalizeOptions {
        crate::normalize::NormalizeOptions {
            amount_scale: Decimal::from(self.amount_scale),
            coordinates: self.coordinates,
        }
    }
}

/// Builder of [`Config`]. Every setter may be called in any order; [`ConfigBuilder::build`]
/// validates and names the setting (and its environment variable) that is missing or wrong.
///
/// ```
/// use ru_csms_client::{Config, CoordinateOrder};
/// let config = Config::builder()
///     .sessions_url("https://csms.example.ru/api/v1/client/sessions")
///     .token("app-token")
///     .amount_scale(100) // amounts in kopecks
///     .coordinates(CoordinateOrder::LatLon)
///     .build()
///     .unwrap();
/// assert_eq!(config.per_page(), 100);
/// assert!(!format!("{config:?}").contains("app-token"));
/// ```
#[derive(Default, Clone)]
pub struct ConfigBuilder {
    sessions_url: Option<Setting<String>>,
    token: Option<Setting<SecretString>>,
    no_auth: bool,
    per_page: Option<Setting<String>>,
    amount_scale: Option<Setting<String>>,
    coordinates: Option<Setting<String>>,
    http: Option<HttpConfig>,
}

/// A value and where it came from (for error messages).
#[derive(Clone)]
struct Setting<T> {
    value: T,
    from_env: Option<&'static str>,
}

impl<T> Setting<T> {
    fn code(value: T) -> Self {
        Setting {
            value,
            from_env: None,
        }
    }
    fn env(value: T, var: &'static str) -> Self {
        Setting {
            value,
            from_env: Some(var),
        }
    }
    fn origin(&self, setter: &str) -> String {
        match self.from_env {
            Some(var) => format!("{var} (environment)"),
            None => format!("ConfigBuilder::{setter}"),
        }
    }
}

impl fmt::Debug for ConfigBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConfigBuilder")
            .field(
                "sessions_url",
                &self
                    .sessions_url
                    .as_ref()
                    .map(|s| evsessions_core::http::redact_url_text(&s.value)),
            )
            .field("token", &self.token.as_ref().map(|_| "REDACTED"))
            .field("no_auth", &self.no_auth)
            .field("per_page", &self.per_page.as_ref().map(|s| &s.value))
            .field(
                "amount_scale",
                &self.amount_scale.as_ref().map(|s| &s.value),
            )
            .field("coordinates", &self.coordinates.as_ref().map(|s| &s.value))
            .field("http", &self.http)
            .finish()
    }
}

impl ConfigBuilder {
    /// A builder from the process environment: `RU_CSMS_SESSIONS_URL` (or `RU_CSMS_BASE_URL`),
    /// `RU_CSMS_TOKEN`, `RU_CSMS_PER_PAGE`, `RU_CSMS_AMOUNT_SCALE`, `RU_CSMS_COORDINATES`.
    /// Unset or empty variables are not set. Setters called afterwards override them.
    pub fn from_env() -> ConfigBuilder {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`ConfigBuilder::from_env`] with any lookup of variables by name (for tests and for
    /// callers that keep settings elsewhere).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> ConfigBuilder {
        let s = evsessions_core::registry::Settings::new(&lookup);
        let mut b = ConfigBuilder::default();
        if let Some(v) = s.text(&keys::SESSIONS_URL) {
            b.sessions_url = Some(Setting::env(v, ENV_SESSIONS_URL));
        } else if let Some(v) = s.text(&keys::BASE_URL) {
            b.sessions_url = Some(Setting::env(v, ENV_BASE_URL));
        }
        if let Some(v) = s.secret(&keys::TOKEN) {
            b.token = Some(Setting::env(v, ENV_TOKEN));
        }
        b.per_page = s
            .text(&keys::PER_PAGE)
            .map(|v| Setting::env(v, ENV_PER_PAGE));
        b.amount_scale = s
            .text(&keys::AMOUNT_SCALE)
            .map(|v| Setting::env(v, ENV_AMOUNT_SCALE));
        b.coordinates = s
            .text(&keys::COORDINATES)
            .map(|v| Setting::env(v, ENV_COORDINATES));
        b
    }

    /// The full URL of the session list, e.g. `https://host/api/v1/client/sessions`. The client
    /// adds `page` and `per_page` to its query and keeps any other query parameter it has.
    pub fn sessions_url(mut self, url: impl Into<String>) -> Self {
        self.sessions_url = Some(Setting::code(url.into()));
        self
    }

    /// The same as [`ConfigBuilder::sessions_url`] (the name every evsessions vendor shares):
    /// this platform has no known host, so its "base URL" is the full session list URL.
    pub fn base_url(self, url: impl Into<String>) -> Self {
        self.sessions_url(url)
    }

    /// The bearer token (`Authorization: Bearer <token>`). Required unless
    /// [`ConfigBuilder::no_auth`] is called.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(Setting::code(SecretString::from(token.into())));
        self.no_auth = false;
        self
    }

    /// Send no `Authorization` header at all (a server that needs none, a proxy that adds it).
    /// Without this call a missing token is a configuration error.
    pub fn no_auth(mut self) -> Self {
        self.token = None;
        self.no_auth = true;
        self
    }

    /// Sessions asked per page (default 100). The server may answer with another page size;
    /// the client pages by the one it echoes.
    pub fn per_page(mut self, n: u32) -> Self {
        self.per_page = Some(Setting::code(n.to_string()));
        self
    }

    /// The minor-unit scale of every money `value` (`amount`, line prices and amounts): 1
    /// (default) reads them as roubles, 100 as kopecks. A power of ten; division is exact.
    pub fn amount_scale(mut self, scale: u32) -> Self {
        self.amount_scale = Some(Setting::code(scale.to_string()));
        self
    }

    /// The axis order of `charging_point_coordinates` (default [`CoordinateOrder::Untrusted`]).
    pub fn coordinates(mut self, order: CoordinateOrder) -> Self {
        self.coordinates = Some(Setting::code(order.as_str().to_string()));
        self
    }

    /// Timeouts, retries and transport policy (default [`HttpConfig::default`]).
    pub fn http(mut self, http: HttpConfig) -> Self {
        self.http = Some(http);
        self
    }

    /// Validate and build. Errors are [`Error::Config`] naming the setting and its variable.
    pub fn build(self) -> Result<Config> {
        let cfg = |msg: String| Error::config(Some(KIND), msg);
        let http = self.http.unwrap_or_default();

        let url_setting = self.sessions_url.ok_or_else(|| {
            cfg(format!(
                "the session list URL is not set; set {ENV_SESSIONS_URL} (the full URL of the platform's session list, \
                 e.g. https://host/api/v1/client/sessions) or call ConfigBuilder::sessions_url"
            ))
        })?;
        let origin = url_setting.origin("sessions_url");
        let sessions_url = parse_base_url(&KIND, &url_setting.value)
            .map_err(|e| cfg(format!("{origin}: {}", config_message(e))))?;
        if sessions_url.cannot_be_a_base() || sessions_url.host_str().is_none() {
            return Err(cfg(format!(
                "{origin}: {:?} is not an http(s) URL with a host",
                redact_url(&sessions_url)
            )));
        }
        check_base_url(&KIND, &sessions_url, http.allow_insecure_http)
            .map_err(|e| cfg(format!("{origin}: {}", config_message(e))))?;

        let auth = match (self.token, self.no_auth) {
            (Some(t), _) => {
                use evsessions_core::ExposeSecret;
                if t.value.expose_secret().trim().is_empty() {
                    return Err(cfg(format!(
                        "{}: the bearer token is empty; set {ENV_TOKEN} or call ConfigBuilder::token",
                        t.origin("token")
                    )));
                }
                Auth::Bearer(t.value)
            }
            (None, true) => Auth::None,
            (None, false) => {
                return Err(cfg(format!(
                    "the bearer token is not set; set {ENV_TOKEN} or call ConfigBuilder::token \
                     (or ConfigBuilder::no_auth for a server that needs none)"
                )))
            }
        };

        let per_page = match self.per_page {
            None => DEFAULT_PER_PAGE,
            Some(s) => match s.value.trim().parse::<u32>() {
                Ok(n) if n >= 1 => n,
                _ => {
                    return Err(cfg(format!(
                        "{}: per_page must be a whole number of at least 1, got {:?}",
                        s.origin("per_page"),
                        s.value
                    )))
                }
            },
        };

        let amount_scale = match self.amount_scale {
            None => 1,
            Some(s) => match s.value.trim().parse::<u32>() {
                Ok(n) if is_power_of_ten(n) => n,
                _ => {
                    return Err(cfg(format!(
                        "{}: amount_scale must be a power of ten (1 = roubles, 100 = kopecks), got {:?}",
                        s.origin("amount_scale"),
                        s.value
                    )))
                }
            },
        };

        let coordinates = match self.coordinates {
            None => CoordinateOrder::Untrusted,
            Some(s) => s
                .value
                .parse::<CoordinateOrder>()
                .map_err(|e| cfg(format!("{}: {e}", s.origin("coordinates"))))?,
        };

        Ok(Config {
            sessions_url,
            auth,
            per_page,
            amount_scale,
            coordinates,
            http,
        })
    }
}

fn is_power_of_ten(mut n: u32) -> bool {
    if n == 0 {
        return false;
    }
    while n % 10 == 0 {
        n /= 10;
    }
    n == 1
}

fn config_message(e: Error) -> String {
    match e {
        Error::Config { message, .. } => message,
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn powers_of_ten() {
        for n in [1, 10, 100, 1000, 1_000_000_000] {
            assert!(is_power_of_ten(n), "{n}");
        }
        for n in [0, 2, 11, 50, 101, 110] {
            assert!(!is_power_of_ten(n), "{n}");
        }
    }

    #[test]
    fn coordinate_order_text() {
        for (t, want) in [
            ("untrusted", CoordinateOrder::Untrusted),
            ("lat-lon", CoordinateOrder::LatLon),
            ("LAT,LON", CoordinateOrder::LatLon),
            ("lon_lat", CoordinateOrder::LonLat),
        ] {
            assert_eq!(t.parse::<CoordinateOrder>().unwrap(), want, "{t}");
            assert_eq!(
                want.as_str().parse::<CoordinateOrder>().unwrap(),
                want,
                "{t}"
            );
        }
        assert!("xy".parse::<CoordinateOrder>().is_err());
    }
}
