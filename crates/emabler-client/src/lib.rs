//! # emabler-client
//!
//! An [evsessions](https://example.invalid/evsessions) client for the **eMabler** API v2
//! (Entity Management, `https://api.emabler.io/api/v2/cpo`): finished charging sessions
//! (`POST /v2/transactions`), sessions in progress (`GET /v2/ongoing-transactions`), sites and
//! chargers, as typed calls on [`Client`]; and [`evsessions_core::SessionSource`], which
//! streams every session as a normalized [`evsessions_core::ChargingSession`].
//!
//! Authentication is an API key sent as the `x-api-key` header (`EMABLER_API_KEY`).
//!
//! ```no_run
//! # async fn demo() -> evsessions_core::Result<()> {
//! use emabler_client::{Client, Config};
//! use evsessions_core::{SessionQuery, SessionSourceExt, StatusFilter};
//! use futures::StreamExt;
//!
//! let client = Client::new(Config::builder().api_key("my-api-key").build()?)?;
//! // or: Client::new(emabler_client::ConfigBuilder::from_env().build()?)?
//! let query = SessionQuery::new()
//!     .from("2025-03-01T00:00:00Z".parse().unwrap())
//!     .to("2025-04-01T00:00:00Z".parse().unwrap())
//!     .status(StatusFilter::Completed);
//! let mut sessions = client.sessions(&query);
//! while let Some(session) = sessions.next().await {
//!     let s = session?;
//!     println!("{} {:?} {:?} kWh", s.id, s.started_at, s.energy_kwh);
//! }
//! # Ok(()) }
//! ```
//!
//! See `docs/emabler.md` for the calls, the quirks and the field mapping.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod client;
pub mod config;
pub mod model;
pub mod normalize;
pub mod source;

pub use client::Client;
pub use config::{Config, ConfigBuilder, DEFAULT_BASE_URL, ENV_API_KEY, ENV_BASE_URL};
pub use model::{
    ChargerDto, ChargerOngoingTransaction, ListRequest, OngoingTransaction,
    OngoingTransactionsRequest, Paginated, SiteDto, Transaction, TransactionsRequest,
};
pub use source::DESCRIPTOR;

use evsessions_core::SourceKind;

/// The source kind of every eMabler record: `"emabler"`.
pub const KIND: SourceKind = SourceKind::from_static("emabler");
