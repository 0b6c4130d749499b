//! Building a vendor's source from the environment (and `--base-url`): the one place where the
//! CLI knows the vendor crates.

use evsessions_core::{HttpConfig, Result, SessionSource};

/// The vendors the CLI can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Vendor {
    /// eMabler API v2 (EMABLER_API_KEY, EMABLER_BASE_URL).
    Emabler,
    /// Smappee dev API v3 (SMAPPEE_CLIENT_ID, SMAPPEE_CLIENT_SECRET, SMAPPEE_USERNAME, SMAPPEE_PASSWORD, SMAPPEE_BASE_URL).
    Smappee,
    /// CleverPower at api.chargee.eco (CLEVERPOWER_TOKEN optional, CLEVERPOWER_BASE_URL).
    Cleverpower,
    /// The RU CSMS (RU_CSMS_SESSIONS_URL, RU_CSMS_TOKEN).
    #[value(name = "ru-csms")]
    RuCsms,
}

/// A source configured from the environment; `base_url` (from `--base-url`) wins over the
/// `<VENDOR>_BASE_URL` variable.
pub fn from_env(
    vendor: Vendor,
    base_url: Option<String>,
    http: HttpConfig,
) -> Result<Box<dyn SessionSource>> {
    Ok(match vendor {
        Vendor::Emabler => {
            let mut b = emabler_client::ConfigBuilder::from_env().http(http);
            if let Some(u) = base_url {
                b = b.base_url(u);
            }
            Box::new(emabler_client::Client::new(b.build()?)?)
        }
        Vendor::Smappee => {
            let mut b = smappee_client::ConfigBuilder::from_env().http(http);
            if let Some(u) = base_url {
                b = b.base_url(u);
            }
            Box::new(smappee_client::Client::new(b.build()?)?)
        }
        Vendor::Cleverpower => {
            let mut b = cleverpower_client::ConfigBuilder::from_env().http(http);
            if let Some(u) = base_url {
                b = b.base_url(u);
            }
            Box::new(cleverpower_client::Client::new(b.build()?)?)
        }
        Vendor::RuCsms => {
            let mut b = ru_csms_client::ConfigBuilder::from_env().http(http);
            if let Some(u) = base_url {
                b = b.base_url(u);
            }
            Box::new(ru_csms_client::Client::new(b.build()?)?)
        }
    })
}
