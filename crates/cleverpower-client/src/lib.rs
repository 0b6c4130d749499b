//! # cleverpower-client
//!
//! A typed client for the CleverPower platform at `api.chargee.eco` (Czech Republic), and an
//! [`evsessions_core::SessionSource`] over the charging sessions it exposes.
//!
//! The API has no session listing. Its sessions come embedded in the charging point
//! (`NabijeciBod`) that `POST api/Ocpp?chargeId=…&connectorId=…` returns, so the scope of a
//! query is a list of OCPP **charge ids** (`SessionQuery::charger_ids`, the CLI's
//! `--charger`, or the client's default charge ids). Each charge id is one page.
//!
//! What to know (details in `docs/cleverpower.md`):
//! - field names are Czech; [`NabijeciBod`] has every field of the API's help page with English
//!   Rust names and the Czech names as serde renames;
//! - the shape of one session ([`NabijeciBodTransakce`]) is **not documented**: the fields are a
//!   reasoned guess, every one optional, and the record is always kept whole in `raw`;
//! - dates often carry no zone: they are read in the configured zone (`Europe/Prague` by
//!   default, daylight saving respected); `Z`, offsets, 0–7 fractional digits and
//!   `/Date(ms)/` work too;
//! - prices carry no currency: the configured one (`CZK` by default) is used;
//! - authentication is not documented: none, a bearer token, or a named header.
//!
//! ```no_run
//! # async fn demo() -> evsessions_core::Result<()> {
//! use cleverpower_client::{Client, ConfigBuilder};
//! use evsessions_core::{SessionQuery, SessionSourceExt};
//! use futures::StreamExt;
//!
//! // CLEVERPOWER_BASE_URL, CLEVERPOWER_TOKEN, CLEVERPOWER_TIME_ZONE, CLEVERPOWER_CURRENCY …
//! let client = Client::new(ConfigBuilder::from_env().build()?)?;
//! let query = SessionQuery::new().charger("PRG-0311-A").charger("BRN-0702-B");
//! let mut sessions = client.sessions(&query);
//! while let Some(item) = sessions.next().await {
//!     match item {
//!         Ok(s) => println!("{} {} {:?} kWh", s.id, s.status, s.energy_kwh),
//!         Err(e) => eprintln!("{e}"), // e.g. an unknown charge id; the others still come
//!     }
//! }
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod client;
pub mod config;
pub mod model;
pub mod normalize;
mod source;

pub use client::Client;
pub use config::{
    Auth, Config, ConfigBuilder, DEFAULT_BASE_URL, DEFAULT_CONNECTOR_ID, DEFAULT_CURRENCY,
    DEFAULT_TIME_ZONE,
};
pub use model::{
    ChargingPoint, CodeListSystem, DirectPaymentProduct, DotNetDate, NabijeciBod,
    NabijeciBodTransakce, Transaction,
};
pub use normalize::Normalizer;
pub use source::DESCRIPTOR;

use evsessions_core::SourceKind;

/// The source kind of every CleverPower record: `"cleverpower"`.
pub const KIND: SourceKind = SourceKind::from_static("cleverpower");
