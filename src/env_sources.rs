//! The sources compiled in — [`SOURCES`], the one list of their descriptors — and building any
//! of them by name from the environment or from a lookup of its settings. The CLI, the
//! accounts file, `evsessions demo` and [`crate::testing`] all walk [`SOURCES`]: adding a
//! source is adding its crate and one line here.

use evsessions_core::registry::{self, SourceDescriptor};
use evsessions_core::{HttpConfig, Result, SessionSource};

/// The descriptors of the sources compiled in (each behind its feature), in the order the
/// demo and `evsessions::testing` show them.
///
/// ```
/// let names: Vec<&str> = evsessions::SOURCES.iter().map(|d| d.name).collect();
/// assert!(names.contains(&"emabler"));
/// ```
pub const SOURCES: &[&SourceDescriptor] = &[
    #[cfg(feature = "emabler")]
    &emabler_client::DESCRIPTOR,
    #[cfg(feature = "smappee")]
    &smappee_client::DESCRIPTOR,
    #[cfg(feature = "cleverpower")]
    &cleverpower_client::DESCRIPTOR,
    #[cfg(feature = "ru-csms")]
    &ru_csms_client::DESCRIPTOR,
    #[cfg(feature = "ocpi")]
    &ocpi_client::DESCRIPTOR,
];

/// The names of the sources compiled in (those [`source_from_env`] accepts).
///
/// ```
/// assert!(evsessions::source_names().contains(&"smappee"));
/// ```
pub fn source_names() -> Vec<&'static str> {
    SOURCES.iter().map(|d| d.name).collect()
}

/// The descriptor of the source `name`, or a `Config` error listing the sources compiled in.
///
/// ```
/// let d = evsessions::source_descriptor("emabler").unwrap();
/// assert!(d.settings.iter().any(|s| s.env == "EMABLER_API_KEY" && s.secret));
/// assert!(evsessions::source_descriptor("nope").is_err());
/// ```
pub fn source_descriptor(name: &str) -> Result<&'static SourceDescriptor> {
    registry::find(SOURCES, name)
}

/// A source for the vendor `name`, configured from its environment variables (see
/// `docs/cli.md`), with `base_url` (if given) winning over `<VENDOR>_BASE_URL` (for `ru-csms`,
/// the sessions URL), and `http` for timeouts and retries.
///
/// ```
/// use evsessions::{source_from_env, Error, HttpConfig};
/// let err = source_from_env("nope", None, HttpConfig::default()).unwrap_err();
/// assert!(matches!(err, Error::Config { .. }));
/// ```
pub fn source_from_env(
    name: &str,
    base_url: Option<String>,
    http: HttpConfig,
) -> Result<Box<dyn SessionSource>> {
    source_from_lookup(name, &|var| std::env::var(var).ok(), base_url, http)
}

/// Like [`source_from_env`], with the vendor's variables read through `lookup` (an account of
/// an accounts file: `evsessions_sync::config::AccountConfig::lookup`). One builder per
/// vendor serves both.
///
/// ```
/// use evsessions::{source_from_lookup, HttpConfig};
/// let lookup = |var: &str| (var == "EMABLER_API_KEY").then(|| "key".to_string());
/// let source = source_from_lookup("emabler", &lookup, None, HttpConfig::default()).unwrap();
/// assert_eq!(source.kind().as_str(), "emabler");
/// ```
pub fn source_from_lookup(
    name: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    base_url: Option<String>,
    http: HttpConfig,
) -> Result<Box<dyn SessionSource>> {
    source_descriptor(name)?.build(lookup, base_url, http)
}
