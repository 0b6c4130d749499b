//! What a source crate tells the rest of the SDK about itself: one [`SourceDescriptor`] — its
//! name, its settings and which are secret, how to build it from a lookup of settings, and
//! its mock for demos and tests. The facade (`evsessions::SOURCES`) holds the one list of the
//! descriptors compiled in; the CLI's `--source`, the accounts file's `vendor`, `evsessions
//! demo` and `evsessions::testing` walk that list, so that adding a source means adding one
//! crate and one line in that list.
//!
//! ```
//! use evsessions_core::registry::{Setting, SourceDescriptor};
//! use evsessions_core::{HttpConfig, Result, SessionSource};
//!
//! fn build(
//!     _lookup: &dyn Fn(&str) -> Option<String>,
//!     _base_url: Option<String>,
//!     _http: HttpConfig,
//! ) -> Result<Box<dyn SessionSource>> {
//!     Err(evsessions_core::Error::config(None, "an example"))
//! }
//!
//! const SETTINGS: &[Setting] = &[
//!     Setting::new("ACME_API_KEY", "the API key").secret().required(),
//!     Setting::new("ACME_BASE_URL", "the base URL"),
//! ];
//! pub const DESCRIPTOR: SourceDescriptor =
//!     SourceDescriptor::new("acme", "ACME charging API", "ACME_", SETTINGS, "acme_client", build);
//! assert_eq!(DESCRIPTOR.settings[0].key(DESCRIPTOR.env_prefix), "api_key");
//! assert_eq!(DESCRIPTOR.secret_keys().collect::<Vec<_>>(), ["api_key"]);
//! assert!(DESCRIPTOR.help().contains("ACME_API_KEY"));
//! ```

use std::any::Any;

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;

use crate::{HttpConfig, Result, SessionSource};

/// One setting of a source: its environment variable, whether it is a secret (masked
/// everywhere; refused inline in an accounts file) and whether a source cannot be built
/// without it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Setting {
    /// The environment variable, e.g. `EMABLER_API_KEY`.
    pub env: &'static str,
    /// What it is, in a few words (shown in `--help`).
    pub help: &'static str,
    /// A secret: never printed, refused inline in an accounts file (`NAME_env`/`NAME_file`).
    pub secret: bool,
    /// Needed to build the source.
    pub required: bool,
}

impl Setting {
    /// A setting that is neither secret nor required.
    pub const fn new(env: &'static str, help: &'static str) -> Self {
        Setting {
            env,
            help,
            secret: false,
            required: false,
        }
    }

    /// This setting is a secret.
    pub const fn secret(mut self) -> Self {
        self.secret = true;
        self
    }

    /// This setting is required.
    pub const fn required(mut self) -> Self {
        self.required = true;
        self
    }

    /// Its key in an accounts file: the variable without `prefix`, in lower case
    /// (`EMABLER_API_KEY` with `EMABLER_` → `api_key`).
    pub fn key(&self, prefix: &str) -> String {
        self.env
            .strip_prefix(prefix)
            .unwrap_or(self.env)
            .to_ascii_lowercase()
    }
}

/// A source's settings as a lookup gives them (the environment, or an account of an accounts
/// file), read by their [`Setting`]s: the one reading of every source's
/// `ConfigBuilder::from_lookup`. A variable that is unset or blank is not set.
///
/// ```
/// use evsessions_core::registry::{Setting, Settings};
/// use evsessions_core::ExposeSecret;
/// const KEY: Setting = Setting::new("ACME_KEY", "the key").secret();
/// const IDS: Setting = Setting::new("ACME_IDS", "ids, comma separated");
/// const URL: Setting = Setting::new("ACME_URL", "the base URL");
/// let vars = |name: &str| match name {
///     "ACME_KEY" => Some(" k y ".to_string()),
///     "ACME_IDS" => Some("a, b,,c".to_string()),
///     "ACME_URL" => Some("   ".to_string()),
///     _ => None,
/// };
/// let s = Settings::new(&vars);
/// assert_eq!(s.secret(&KEY).unwrap().expose_secret(), " k y "); // a secret as given
/// assert_eq!(s.list(&IDS), Some(vec!["a".to_string(), "b".to_string(), "c".to_string()]));
/// assert_eq!(s.text(&URL), None); // blank is unset
/// ```
#[derive(Clone, Copy)]
pub struct Settings<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
}

impl<'a> Settings<'a> {
    /// Settings read through `lookup` (by environment variable name).
    pub fn new(lookup: &'a dyn Fn(&str) -> Option<String>) -> Self {
        Settings { lookup }
    }

    fn raw(&self, setting: &Setting) -> Option<String> {
        (self.lookup)(setting.env).filter(|v| !v.trim().is_empty())
    }

    /// The setting's text, trimmed.
    pub fn text(&self, setting: &Setting) -> Option<String> {
        self.raw(setting).map(|v| v.trim().to_string())
    }

    /// The setting as a secret, exactly as given (a password may end in a space).
    pub fn secret(&self, setting: &Setting) -> Option<crate::SecretString> {
        self.raw(setting).map(crate::SecretString::from)
    }

    /// The setting as a comma-separated list (entries trimmed, empty ones dropped).
    pub fn list(&self, setting: &Setting) -> Option<Vec<String>> {
        self.text(setting).map(|v| {
            v.split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_string)
                .collect()
        })
    }
}

impl std::fmt::Debug for Settings<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Settings(..)")
    }
}

/// Builds a source from a lookup of its settings (by environment variable name: the
/// environment, or an account of an accounts file), an optional base URL that wins over the
/// source's own setting (`--base-url`), and the HTTP policy.
pub type BuildFn = fn(
    lookup: &dyn Fn(&str) -> Option<String>,
    base_url: Option<String>,
    http: HttpConfig,
) -> Result<Box<dyn SessionSource>>;

/// Starts the source's mock server (from the testkit) and a client configured for it.
pub type StartMockFn = fn(http: HttpConfig) -> BoxFuture<'static, Result<MockedSource>>;

/// A running mock server and a source that reads it (see [`SourceDescriptor::mock`]).
#[non_exhaustive]
pub struct MockedSource {
    /// The mock server: it runs while this is held. For the testkit's mocks this is an
    /// `Arc<dyn evsessions_testkit::VendorMock>` (downcast it to reach the mock).
    pub server: Box<dyn Any + Send + Sync>,
    /// The mock's base URL.
    pub base_url: String,
    /// A client configured for the mock, with its credentials.
    pub source: Box<dyn SessionSource>,
    /// A scenario of two sync runs, for the demo of `evsessions sync`, when the mock has one.
    pub sync_scenario: Option<SyncScenario>,
}

impl MockedSource {
    /// A mocked source without a sync scenario.
    pub fn new(
        server: Box<dyn Any + Send + Sync>,
        base_url: String,
        source: Box<dyn SessionSource>,
    ) -> Self {
        MockedSource {
            server,
            base_url,
            source,
            sync_scenario: None,
        }
    }

    /// With a sync scenario.
    pub fn with_sync_scenario(mut self, scenario: SyncScenario) -> Self {
        self.sync_scenario = Some(scenario);
        self
    }
}

impl std::fmt::Debug for MockedSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockedSource")
            .field("base_url", &self.base_url)
            .field("source", &self.source)
            .field("sync_scenario", &self.sync_scenario.is_some())
            .finish_non_exhaustive()
    }
}

/// Two sync runs against a mock whose data changes between them, as between two nightly
/// runs (the demo of `evsessions sync`).
#[non_exhaustive]
pub struct SyncScenario {
    /// Where the first run starts.
    pub since: DateTime<Utc>,
    /// "Now" for the first run.
    pub first_run_at: DateTime<Utc>,
    /// "Now" for the second run.
    pub second_run_at: DateTime<Utc>,
    /// What happens at the vendor between the runs (an ongoing session completes, say).
    pub between_runs: Box<dyn Fn() + Send + Sync>,
    /// One line saying what `between_runs` does.
    pub story: &'static str,
}

impl SyncScenario {
    /// A scenario from its parts.
    pub fn new(
        since: DateTime<Utc>,
        first_run_at: DateTime<Utc>,
        second_run_at: DateTime<Utc>,
        story: &'static str,
        between_runs: impl Fn() + Send + Sync + 'static,
    ) -> Self {
        SyncScenario {
            since,
            first_run_at,
            second_run_at,
            between_runs: Box::new(between_runs),
            story,
        }
    }
}

/// Everything the SDK needs to know of one source (see the [module docs](self)).
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct SourceDescriptor {
    /// The source's name: `SourceKind`, `--source`, an account's `vendor`.
    pub name: &'static str,
    /// What it reads, in a few words (shown in `--help`).
    pub summary: &'static str,
    /// The prefix of its environment variables (`EMABLER_`); an accounts file's keys are the
    /// variables without it, in lower case.
    pub env_prefix: &'static str,
    /// Its settings.
    pub settings: &'static [Setting],
    /// The `tracing` target of its crate (its crate name), for log filters.
    pub log_target: &'static str,
    /// Builds it from a lookup of its settings.
    pub build: BuildFn,
    /// Starts its mock and a client for it (`None` when the crate was built without its
    /// `testkit` feature).
    pub mock: Option<StartMockFn>,
}

impl SourceDescriptor {
    /// A descriptor from its parts (no mock; see [`SourceDescriptor::with_mock`]).
    pub const fn new(
        name: &'static str,
        summary: &'static str,
        env_prefix: &'static str,
        settings: &'static [Setting],
        log_target: &'static str,
        build: BuildFn,
    ) -> Self {
        SourceDescriptor {
            name,
            summary,
            env_prefix,
            settings,
            log_target,
            build,
            mock: None,
        }
    }

    /// With a mock.
    pub const fn with_mock(mut self, mock: Option<StartMockFn>) -> Self {
        self.mock = mock;
        self
    }

    /// The accounts-file keys of its secret settings (`api_key`, `password`, …).
    pub fn secret_keys(&self) -> impl Iterator<Item = String> + '_ {
        self.settings
            .iter()
            .filter(|s| s.secret)
            .map(|s| s.key(self.env_prefix))
    }

    /// One line for `--help`: the summary and its variables (`*` required).
    pub fn help(&self) -> String {
        let vars: Vec<String> = self
            .settings
            .iter()
            .map(|s| {
                if s.required {
                    format!("{}*", s.env)
                } else {
                    s.env.to_string()
                }
            })
            .collect();
        format!("{} ({})", self.summary, vars.join(", "))
    }

    /// Build the source (see [`BuildFn`]).
    pub fn build(
        &self,
        lookup: &dyn Fn(&str) -> Option<String>,
        base_url: Option<String>,
        http: HttpConfig,
    ) -> Result<Box<dyn SessionSource>> {
        (self.build)(lookup, base_url, http)
    }
}

/// The descriptor named `name` in `sources`, or a `Config` error listing the names known.
///
/// ```
/// use evsessions_core::registry::find;
/// let err = find(&[], "nope").unwrap_err();
/// assert!(err.to_string().contains("unknown source \"nope\""), "{err}");
/// ```
pub fn find<'a>(sources: &'a [&'a SourceDescriptor], name: &str) -> Result<&'a SourceDescriptor> {
    sources
        .iter()
        .copied()
        .find(|d| d.name == name)
        .ok_or_else(|| {
            let known: Vec<&str> = sources.iter().map(|d| d.name).collect();
            crate::Error::config(
                None,
                format!(
                    "unknown source {name:?}; known: {}",
                    if known.is_empty() {
                        "none (no source compiled in)".to_string()
                    } else {
                        known.join(", ")
                    }
                ),
            )
        })
}

/// Writes a source crate's `pub const DESCRIPTOR` from its data: name, summary, environment
/// prefix and settings. The crate provides `crate::ConfigBuilder` (with `from_lookup`, `http`,
/// `base_url` and `build`), `crate::Client::new(Config)` (a [`SessionSource`]), and, behind its
/// feature `testkit`, `mock::start` (a [`StartMockFn`]); the macro writes how to build it from
/// a lookup of its settings, the same way for every source.
///
/// ```ignore
/// evsessions_core::source_descriptor! {
///     name: "acme",
///     summary: "ACME charging API",
///     env_prefix: "ACME_",
///     settings: [
///         Setting::new(crate::config::ENV_API_KEY, "the API key").secret().required(),
///         Setting::new(crate::config::ENV_BASE_URL, "the base URL"),
///     ],
/// }
/// ```
// `crate::` on purpose: the source crate that calls it provides `ConfigBuilder` and `Client`.
#[allow(clippy::crate_in_macro_def)]
#[macro_export]
macro_rules! source_descriptor {
    (
        name: $name:literal,
        summary: $summary:literal,
        env_prefix: $prefix:literal,
        settings: [$($setting:expr),* $(,)?] $(,)?
    ) => {
        #[doc = concat!(
            "What the SDK needs to know of the `", $name, "` source: its name, its settings (by ",
            "environment variable; an accounts file's keys are the variables without `", $prefix,
            "`, in lower case), how to build it from a lookup of its settings, and (with the ",
            "`testkit` feature) its mock. See `evsessions_core::registry`."
        )]
        pub const DESCRIPTOR: $crate::registry::SourceDescriptor =
            $crate::registry::SourceDescriptor::new(
                $name,
                $summary,
                $prefix,
                {
                    use $crate::registry::Setting;
                    &[$($setting),*]
                },
                env!("CARGO_CRATE_NAME"),
                __build_source,
            )
            .with_mock(__MOCK);

        #[cfg(not(feature = "testkit"))]
        const __MOCK: Option<$crate::registry::StartMockFn> = None;
        #[cfg(feature = "testkit")]
        const __MOCK: Option<$crate::registry::StartMockFn> = Some(mock::start);

        fn __build_source(
            lookup: &dyn Fn(&str) -> Option<String>,
            base_url: Option<String>,
            http: $crate::HttpConfig,
        ) -> $crate::Result<Box<dyn $crate::SessionSource>> {
            let b = crate::ConfigBuilder::from_lookup(lookup).http(http);
            let b = match base_url {
                Some(u) => b.base_url(u),
                None => b,
            };
            Ok(Box::new(crate::Client::new(b.build()?)?))
        }
    };
}
