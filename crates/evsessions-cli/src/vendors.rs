//! The vendors the CLI offers; building one goes through `evsessions::source_from_env`.

use evsessions_core::{HttpConfig, Result, SessionSource};

/// The vendors the CLI can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Vendor {
    /// eMabler API v2 (EMABLER_API_KEY, EMABLER_BASE_URL).
    Emabler,
    /// Smappee dev API v3 (SMAPPEE_CLIENT_ID, SMAPPEE_CLIENT_SECRET, SMAPPEE_USERNAME, SMAPPEE_PASSWORD, SMAPPEE_BASE_URL, SMAPPEE_TOKEN_FILE).
    Smappee,
    /// CleverPower at api.chargee.eco (CLEVERPOWER_TOKEN optional, CLEVERPOWER_BASE_URL).
    Cleverpower,
    /// The RU CSMS (RU_CSMS_SESSIONS_URL, RU_CSMS_TOKEN).
    #[value(name = "ru-csms")]
    RuCsms,
}

impl Vendor {
    fn name(self) -> &'static str {
        match self {
            Vendor::Emabler => "emabler",
            Vendor::Smappee => "smappee",
            Vendor::Cleverpower => "cleverpower",
            Vendor::RuCsms => "ru-csms",
        }
    }
}

/// A source configured from the environment; `base_url` (from `--base-url`) wins over the
/// `<VENDOR>_BASE_URL` variable.
pub fn from_env(
    vendor: Vendor,
    base_url: Option<String>,
    http: HttpConfig,
) -> Result<Box<dyn SessionSource>> {
    evsessions::source_from_env(vendor.name(), base_url, http)
}
