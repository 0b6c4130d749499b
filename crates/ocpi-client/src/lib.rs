//! # ocpi-client
//!
//! An [evsessions](https://example.invalid/evsessions) client for any **OCPI 2.2.1** platform
//! (a CPO, a roaming hub, a CSMS with an OCPI interface; 2.1.1 where the objects agree): the
//! finished sessions as CDRs (`cdrs` module) and the running ones as Sessions (`sessions`),
//! both of role `SENDER`, found from the platform's versions URL or given directly; and
//! [`evsessions_core::SessionSource`], which streams them as normalized
//! [`evsessions_core::ChargingSession`]s: **one record per charging session**, its Session,
//! CDRs and credit CDRs folded together (see [`source`]).
//!
//! Authentication is the OCPI token (`OCPI_TOKEN`), sent as `Authorization: Token
//! <base64(token)>` under 2.2.1 and as it is under 2.1.1 ([`TokenEncoding`]); it is never sent
//! to another origin than the configured URLs' (a `Link` or an endpoint elsewhere is refused).
//!
//! ```no_run
//! # async fn demo() -> evsessions_core::Result<()> {
//! use evsessions_core::{SessionQuery, SessionSourceExt, StatusFilter};
//! use futures::StreamExt;
//! use ocpi_client::{Client, Config};
//!
//! let config = Config::builder()
//!     .versions_url("https://ocpi.example.com/ocpi/versions")
//!     .token("my-token")
//!     .build()?;
//! // or: ocpi_client::ConfigBuilder::from_env().build()?
//! let client = Client::new(config)?;
//! let query = SessionQuery::new()
//!     .from("2025-03-01T00:00:00Z".parse().unwrap())
//!     .status(StatusFilter::Completed);
//! let mut sessions = client.sessions(&query);
//! while let Some(session) = sessions.next().await {
//!     let s = session?;
//!     println!("{} {:?} kWh, CDRs {:?}", s.id, s.energy_kwh, ocpi_client::cdr_ids(&s));
//! }
//! # Ok(()) }
//! ```
//!
//! See `docs/ocpi.md` for the calls, the fold and its limits, and the field mapping.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod client;
pub mod config;
pub mod model;
pub mod normalize;
pub mod source;

pub use client::{Client, Discovered, ListPage, ListParams, Module, SUPPORTED_VERSIONS};
pub use config::{
    Config, ConfigBuilder, Endpoints, TokenEncoding, ENV_CDRS_URL, ENV_SESSIONS_URL, ENV_TOKEN,
    ENV_TOKEN_RAW, ENV_VERSIONS_URL,
};
pub use model::{Cdr, CdrLocation, CdrToken, Price, Session, Version, VersionDetails};
pub use source::{cdr_ids, DESCRIPTOR};

use evsessions_core::SourceKind;

/// The source kind of every OCPI record: `"ocpi"`.
pub const KIND: SourceKind = SourceKind::from_static("ocpi");
