//! The accounts' tariffs (`[[accounts.NAME.tariffs]]`), read and checked once for the commands
//! that price sessions (`statement`, `export --format ocpi-cdr`); the pricing itself is the
//! library's (`evsessions_export::tariff`).

use evsessions::sync::config::ConfigFile;
use evsessions_export::tariff::{TariffBook, TariffSpec};

use crate::run::EXIT_CONFIG;
use crate::store_cmds::report_sync_error;

/// The tariff book of every account of `file` that has tariffs, in the account's
/// `time_zone` (UTC without one); a bad tariff is reported (naming the account, the tariff
/// and the field) and is a usage error.
pub(crate) fn books(file: &ConfigFile) -> Result<Vec<TariffBook>, u8> {
    let mut out = Vec::new();
    for (name, account) in &file.accounts {
        let Some(specs) = account
            .section::<Vec<TariffSpec>>(name, "tariffs")
            .map_err(|e| report_sync_error(&e))?
        else {
            continue;
        };
        let zone = match account.setting("time_zone") {
            None => chrono_tz::Tz::UTC,
            Some(z) => match z.parse() {
                Ok(z) => z,
                Err(_) => {
                    eprintln!("error: account {name:?}: time_zone {z:?} is not a time zone: use an IANA name such as Europe/Brussels");
                    return Err(EXIT_CONFIG);
                }
            },
        };
        match TariffBook::new(name, zone, specs) {
            Ok(b) => out.push(b),
            Err(e) => {
                eprintln!("error: {e}");
                return Err(EXIT_CONFIG);
            }
        }
    }
    Ok(out)
}
