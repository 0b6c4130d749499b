//! Build any vendor's source by name from the environment: the one place that knows every
//! vendor crate (the CLI uses it; so can a program that reads the vendor from its own config).

use evsessions_core::{Error, HttpConfig, Result, SessionSource};

/// The names [`source_from_env`] accepts (the vendors compiled in).
pub const VENDOR_NAMES: &[&str] = &[
    #[cfg(feature = "emabler")]
    "emabler",
    #[cfg(feature = "smappee")]
    "smappee",
    #[cfg(feature = "cleverpower")]
    "cleverpower",
    #[cfg(feature = "ru-csms")]
    "ru-csms",
];

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
    macro_rules! build {
        ($krate:ident) => {{
            let mut b = $krate::ConfigBuilder::from_lookup(lookup).http(http);
            if let Some(u) = base_url {
                b = b.base_url(u);
            }
            let source: Box<dyn SessionSource> = Box::new($krate::Client::new(b.build()?)?);
            Ok(source)
        }};
    }
    match name {
        #[cfg(feature = "emabler")]
        "emabler" => build!(emabler_client),
        #[cfg(feature = "smappee")]
        "smappee" => build!(smappee_client),
        #[cfg(feature = "cleverpower")]
        "cleverpower" => build!(cleverpower_client),
        #[cfg(feature = "ru-csms")]
        "ru-csms" => build!(ru_csms_client),
        other => Err(Error::config(
            None,
            format!(
                "unknown vendor {other:?}; known: {}",
                VENDOR_NAMES.join(", ")
            ),
        )),
    }
}
