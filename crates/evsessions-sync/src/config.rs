//! The accounts file, `evsessions.toml`: named accounts of any vendors, the store, and sync
//! settings. Secrets only by reference (`api_key_env = "NAME"` or `api_key_file = "PATH"`).
//!
//! An account's settings are the vendor's environment variables without the vendor prefix, in
//! lower case: `EMABLER_BASE_URL` is `base_url`, `CLEVERPOWER_CHARGE_IDS` is `charge_ids` (a
//! list or a comma-separated string), `SMAPPEE_CLIENT_SECRET` is `client_secret_env` or
//! `client_secret_file`. [`AccountConfig::lookup`] turns them back into the variables, so the
//! file and the environment feed one and the same builder per vendor
//! (`ConfigBuilder::from_lookup`): there is one parser per vendor, not two.
//!
//! ```
//! use evsessions_sync::config::ConfigFile;
//! let file = ConfigFile::parse(r#"
//!     store = "fleet.db"
//!     [sync]
//!     lookback = "3d"
//!     [accounts.office]
//!     vendor = "emabler"
//!     api_key_env = "OFFICE_EMABLER_KEY"
//!     time_zone = "Europe/Helsinki"
//! "#).unwrap();
//! let office = &file.accounts["office"];
//! assert_eq!(office.vendor, "emabler");
//! std::env::set_var("OFFICE_EMABLER_KEY", "k-123");
//! let lookup = office.lookup().unwrap();
//! assert_eq!(lookup("EMABLER_API_KEY").as_deref(), Some("k-123"));
//! assert_eq!(lookup("EMABLER_BASE_URL"), None);
//!
//! let err = ConfigFile::parse("[accounts.x]\nvendor = \"emabler\"\napi_key = \"inline\"").unwrap_err();
//! assert!(err.to_string().contains("api_key_env"));
//! ```

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::error::{SyncError, SyncResult};

/// Setting names that hold secrets: refused inline, accepted as `NAME_env` or `NAME_file`.
pub const SECRET_SETTINGS: &[&str] = &[
    "api_key",
    "token",
    "client_id",
    "client_secret",
    "username",
    "password",
    "refresh_token",
];

/// The environment variable naming the accounts file.
pub const ENV_CONFIG: &str = "EVSESSIONS_CONFIG";
/// The default accounts file, used when it exists in the working directory.
pub const DEFAULT_CONFIG: &str = "evsessions.toml";

/// The whole file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ConfigFile {
    /// The store (a path, `sqlite://…` or `postgres://…`); `--store` and `EVSESSIONS_STORE`
    /// win over it.
    pub store: Option<String>,
    /// Sync settings.
    #[serde(default)]
    pub sync: SyncSection,
    /// The accounts, by name.
    #[serde(default)]
    pub accounts: BTreeMap<String, AccountConfig>,
}

/// `[sync]`: defaults for every account.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct SyncSection {
    /// How far before the watermark a run reads again, e.g. `"7d"`.
    pub lookback: Option<String>,
    /// Where an account's first run starts (RFC 3339 or `YYYY-MM-DD`).
    pub since: Option<String>,
    /// Open sessions older than this are flagged stale, e.g. `"14d"`.
    pub max_open_age: Option<String>,
    /// Accounts synced at once.
    pub concurrency: Option<usize>,
}

/// One account: a vendor and its settings.
#[derive(Debug, Clone, Deserialize)]
#[non_exhaustive]
pub struct AccountConfig {
    /// The vendor (`emabler`, `smappee`, `cleverpower`, `ru-csms`).
    pub vendor: String,
    /// The vendor's settings (see the module docs).
    #[serde(flatten)]
    pub settings: BTreeMap<String, toml::Value>,
}

impl ConfigFile {
    /// Parse the text of an accounts file (secrets inline are refused).
    pub fn parse(text: &str) -> SyncResult<ConfigFile> {
        let file: ConfigFile = toml::from_str(text).map_err(|e| SyncError::Config {
            message: format!("the accounts file is not valid: {}", e.message()),
        })?;
        for (name, account) in &file.accounts {
            account.check(name)?;
        }
        Ok(file)
    }

    /// Read and parse a file.
    pub fn load(path: &Path) -> SyncResult<ConfigFile> {
        let text = std::fs::read_to_string(path).map_err(|e| SyncError::Config {
            message: format!("cannot read the accounts file {}: {e}", path.display()),
        })?;
        ConfigFile::parse(&text).map_err(|e| match e {
            SyncError::Config { message } => SyncError::Config {
                message: format!("{}: {message}", path.display()),
            },
            other => other,
        })
    }

    /// Which file to use: `explicit` (`--config`), else `EVSESSIONS_CONFIG`, else
    /// `./evsessions.toml` if it exists, else none.
    pub fn locate(explicit: Option<&Path>) -> Option<PathBuf> {
        if let Some(p) = explicit {
            return Some(p.to_path_buf());
        }
        if let Some(p) = std::env::var_os(ENV_CONFIG).filter(|v| !v.is_empty()) {
            return Some(PathBuf::from(p));
        }
        let default = PathBuf::from(DEFAULT_CONFIG);
        default.exists().then_some(default)
    }
}

impl AccountConfig {
    fn check(&self, name: &str) -> SyncResult<()> {
        if name.trim().is_empty() {
            return Err(SyncError::Config {
                message: "an account has an empty name".into(),
            });
        }
        self.check_secrets(name, SECRET_SETTINGS.iter().map(|s| s.to_string()))
    }

    /// Refuse a secret written inline: any of `secrets` (accounts-file keys, as a source's
    /// descriptor names its secret settings: `evsessions_core::registry::SourceDescriptor::
    /// secret_keys`) set as a plain value, not as `NAME_env` or `NAME_file`. [`ConfigFile::parse`]
    /// checks the names every source is known to use ([`SECRET_SETTINGS`]); a caller that knows
    /// the account's source checks its own secrets too.
    ///
    /// ```
    /// let file = evsessions_sync::config::ConfigFile::parse(
    ///     "[accounts.x]\nvendor = \"acme\"\napi_secret = \"inline\"",
    /// ).unwrap();
    /// let err = file.accounts["x"].check_secrets("x", ["api_secret".to_string()]).unwrap_err();
    /// assert!(err.to_string().contains("api_secret_env"), "{err}");
    /// ```
    pub fn check_secrets(
        &self,
        name: &str,
        secrets: impl IntoIterator<Item = String>,
    ) -> SyncResult<()> {
        for secret in secrets {
            if self.settings.contains_key(&secret) {
                let key = secret;
                return Err(SyncError::Config {
                    message: format!(
                        "account {name:?}: `{key}` is a secret and is not accepted inline; put it in an environment variable and write `{key}_env = \"VARIABLE\"`, or in a file (mode 0600) and write `{key}_file = \"PATH\"`"
                    ),
                });
            }
        }
        Ok(())
    }

    /// The vendor's environment variable prefix: `emabler` → `EMABLER_`, `ru-csms` →
    /// `RU_CSMS_`.
    pub fn env_prefix(&self) -> String {
        format!("{}_", self.vendor.to_ascii_uppercase().replace('-', "_"))
    }

    /// The account's settings as the vendor's environment variables (`EMABLER_API_KEY` → the
    /// value of the variable `api_key_env` names, or of the file `api_key_file` names),
    /// resolved now so that a missing variable or file is an error here, naming the account.
    pub fn lookup(&self) -> SyncResult<impl Fn(&str) -> Option<String>> {
        let prefix = self.env_prefix();
        let mut vars: HashMap<String, String> = HashMap::new();
        for (key, value) in &self.settings {
            let (name, text) = if let Some(base) = key.strip_suffix("_env") {
                let var = value_text(value);
                let v = std::env::var(&var).map_err(|_| SyncError::Config {
                    message: format!(
                        "`{key}` names the environment variable {var:?}, which is not set"
                    ),
                })?;
                (base, v)
            } else if let Some(base) = key.strip_suffix("_file") {
                let path = value_text(value);
                let v = std::fs::read_to_string(&path).map_err(|e| SyncError::Config {
                    message: format!("`{key}`: cannot read {path:?}: {e}"),
                })?;
                (base, v.trim().to_string())
            } else {
                (key.as_str(), value_text(value))
            };
            vars.insert(format!("{prefix}{}", name.to_ascii_uppercase()), text);
        }
        Ok(move |name: &str| vars.get(name).cloned())
    }

    /// A table of settings (`[accounts.NAME.ocpi]`) read into `T`; `None` when absent, an
    /// error naming the account and the table when it does not fit `T`.
    ///
    /// ```
    /// #[derive(serde::Deserialize)]
    /// struct Ocpi { party_id: String }
    /// let file = evsessions_sync::config::ConfigFile::parse(
    ///     "[accounts.office]\nvendor = \"emabler\"\n[accounts.office.ocpi]\nparty_id = \"EVS\"",
    /// ).unwrap();
    /// let ocpi: Ocpi = file.accounts["office"].section("office", "ocpi").unwrap().unwrap();
    /// assert_eq!(ocpi.party_id, "EVS");
    /// ```
    pub fn section<T: serde::de::DeserializeOwned>(
        &self,
        account: &str,
        key: &str,
    ) -> SyncResult<Option<T>> {
        match self.settings.get(key) {
            None => Ok(None),
            Some(v) => v
                .clone()
                .try_into()
                .map(Some)
                .map_err(|e: toml::de::Error| SyncError::Config {
                    message: format!("account {account:?}: [{key}]: {}", e.message()),
                }),
        }
    }

    /// A setting as text (`time_zone`, `ocpi_country`, …), if given.
    pub fn setting(&self, key: &str) -> Option<String> {
        self.settings.get(key).map(value_text)
    }
}

/// A TOML value as the text an environment variable would hold (lists comma-separated).
fn value_text(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        toml::Value::Array(items) => items.iter().map(value_text).collect::<Vec<_>>().join(","),
        toml::Value::Integer(i) => i.to_string(),
        toml::Value::Float(f) => f.to_string(),
        toml::Value::Boolean(b) => b.to_string(),
        toml::Value::Datetime(d) => d.to_string(),
        toml::Value::Table(_) => String::new(),
    }
}

/// Parse a duration such as `7d`, `36h`, `90m`, `45s` (or combinations, `1d 12h`).
///
/// ```
/// use std::time::Duration;
/// use evsessions_sync::config::parse_duration;
/// assert_eq!(parse_duration("7d").unwrap(), Duration::from_secs(7 * 86400));
/// assert_eq!(parse_duration("90m").unwrap(), Duration::from_secs(5400));
/// assert!(parse_duration("7 parsecs").is_err());
/// ```
pub fn parse_duration(text: &str) -> SyncResult<Duration> {
    humantime::parse_duration(text.trim()).map_err(|e| SyncError::Config {
        message: format!("{text:?} is not a duration ({e}): write e.g. 7d, 36h or 90m"),
    })
}
