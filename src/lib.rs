//! # evsessions
//!
//! Typed clients for EV charging-management vendors, each implementing one
//! [`SessionSource`] trait, so that a caller reads charging sessions from any vendor as the
//! same exact, normalized [`ChargingSession`].
//!
//! | feature (all on by default) | module | vendor |
//! |---|---|---|
//! | `emabler` | [`emabler`] | eMabler API v2 |
//! | `smappee` | [`smappee`] | Smappee dev API v3 |
//! | `cleverpower` | [`cleverpower`] | CleverPower (api.chargee.eco) |
//! | `ru-csms` | [`ru_csms`] | the RU CSMS session list |
//! | `ocpi` | [`ocpi`] | any OCPI 2.2.1 (or 2.1.1) platform: CDRs and Sessions |
//!
//! Everything shared (the record, the query, errors, the HTTP settings, output writers) comes
//! from `evsessions-core` and is re-exported here.
//!
//! ```no_run
//! use evsessions::{SessionQuery, SessionSourceExt, StatusFilter};
//! use futures::StreamExt;
//!
//! # async fn run() -> evsessions::Result<()> {
//! let config = evsessions::emabler::ConfigBuilder::from_env().build()?; // EMABLER_API_KEY
//! let source = evsessions::emabler::Client::new(config)?;
//! let query = SessionQuery::new()
//!     .from("2025-03-01T00:00:00Z".parse().unwrap())
//!     .to("2025-04-01T00:00:00Z".parse().unwrap())
//!     .status(StatusFilter::Completed);
//! let mut sessions = source.sessions(&query);
//! while let Some(item) = sessions.next().await {
//!     let s = item?;
//!     println!("{} {:?} kWh {:?}", s.id, s.energy_kwh, s.cost.and_then(|c| c.total_incl_vat));
//! }
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub use evsessions_core::*;

/// Re-exported: the date-time types of every session (`DateTime<Utc>`), and the crate itself,
/// so that a caller needs no `chrono` dependency of its own.
pub use chrono::{self, DateTime, Utc};
/// Re-exported: the stream traits that `sessions()` needs (`next`, `try_next`, `filter`, …), and
/// the crate itself, so that a caller needs no `futures` dependency of its own.
pub use futures::{self, StreamExt, TryStreamExt};

/// The common case in one `use`: the record, the query, the source traits, the stream traits,
/// the collectors and the value types.
///
/// ```no_run
/// use evsessions::prelude::*;
///
/// # async fn run(source: &dyn SessionSource) -> evsessions::Result<()> {
/// let from: DateTime<Utc> = "2025-03-01T00:00:00Z".parse().unwrap();
/// let query = SessionQuery::new().from(from).status(StatusFilter::Completed);
/// let mut sessions = source.sessions(&query);
/// let mut total = Decimal::ZERO;
/// while let Some(s) = sessions.try_next().await? {
///     total += s.energy_kwh.unwrap_or_default();
/// }
/// println!("{total} kWh");
/// # Ok(()) }
/// ```
pub mod prelude {
    pub use crate::{
        collect_sessions, try_collect_sessions, ChargingSession, DateTime, Decimal, Error, Result,
        SessionQuery, SessionSource, SessionSourceExt, SessionStatus, StatusFilter, StreamExt,
        TryStreamExt, Utc,
    };
}

mod env_sources;
pub use env_sources::{
    source_descriptor, source_from_env, source_from_lookup, source_names, SOURCES,
};

/// Monthly statements (`evsessions-export`, feature `export`).
#[cfg(feature = "export")]
pub use evsessions_export as export;

/// The store and the sync engine (`evsessions-sync`, feature `sync`).
#[cfg(feature = "sync")]
pub use evsessions_sync as sync;

#[cfg(feature = "testkit")]
pub mod testing;

/// The core crate, for paths like `evsessions::core::http::redact_url`.
pub use evsessions_core as core;

/// eMabler API v2 (`emabler-client`).
#[cfg(feature = "emabler")]
pub use emabler_client as emabler;

/// Smappee dev API v3 (`smappee-client`).
#[cfg(feature = "smappee")]
pub use smappee_client as smappee;

/// CleverPower at api.chargee.eco (`cleverpower-client`).
#[cfg(feature = "cleverpower")]
pub use cleverpower_client as cleverpower;

/// The RU CSMS session list (`ru-csms-client`).
#[cfg(feature = "ru-csms")]
pub use ru_csms_client as ru_csms;

/// Any OCPI 2.2.1 (or 2.1.1) platform: CDRs and Sessions (`ocpi-client`).
#[cfg(feature = "ocpi")]
pub use ocpi_client as ocpi;

/// The Rust examples of the README and of `docs/`, compiled (and run, unless `no_run`) as doc
/// tests so that they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
#[doc = include_str!("../docs/quickstart.md")]
#[doc = include_str!("../docs/emabler.md")]
#[doc = include_str!("../docs/smappee.md")]
#[doc = include_str!("../docs/cleverpower.md")]
#[doc = include_str!("../docs/ru-csms.md")]
#[doc = include_str!("../docs/ocpi.md")]
#[doc = include_str!("../docs/testkit.md")]
#[doc = include_str!("../docs/exports.md")]
#[doc = include_str!("../docs/schema.md")]
pub struct DocsDoctests;
