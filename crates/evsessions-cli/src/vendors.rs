//! The sources the CLI offers: those of `evsessions::SOURCES` (the one list of the sources
//! compiled in); building one goes through `evsessions::source_from_env`.

use clap::builder::{PossibleValue, PossibleValuesParser};
use evsessions_core::{HttpConfig, Result, SessionSource};

/// The `--source` values, each with its summary and variables as help.
pub fn source_parser() -> PossibleValuesParser {
    PossibleValuesParser::new(
        evsessions::SOURCES
            .iter()
            .map(|d| PossibleValue::new(d.name).help(d.help())),
    )
}

/// A source configured from the environment; `base_url` (from `--base-url`) wins over the
/// `<VENDOR>_BASE_URL` variable.
pub fn from_env(
    source: &str,
    base_url: Option<String>,
    http: HttpConfig,
) -> Result<Box<dyn SessionSource>> {
    evsessions::source_from_env(source, base_url, http)
}

/// A source for the examples of `--help`, and the variables it needs set before the command
/// (`EMABLER_API_KEY=... `): the first source compiled in.
pub fn example() -> (&'static str, String) {
    match evsessions::SOURCES.first() {
        Some(d) => {
            let env: String = d
                .settings
                .iter()
                .filter(|s| s.required)
                .map(|s| format!("{}=... ", s.env))
                .collect();
            (d.name, env)
        }
        None => ("SOURCE", String::new()),
    }
}
