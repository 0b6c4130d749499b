//! # smappee-client
//!
//! Reads EV charging sessions from the Smappee dev API v3 (`app1pub.smappee.net`) as
//! normalized [`ChargingSession`](evsessions_core::ChargingSession) records.
//!
//! - **Auth**: OAuth2 password grant, then `Authorization: Bearer`. Tokens are refreshed ahead
//!   of `expires_in` (minus a margin), one refresh at a time however many tasks ask, always
//!   with the newest (rotating) refresh token; a refused refresh falls back to the password
//!   grant; a data call answered 401 is sent again with a newer token (renewed once for every
//!   call in flight, by core's [`evsessions_core::oauth`]; see [`auth`]). A
//!   [`TokenStore`] persists tokens between runs ([`MemoryTokenStore`] by default).
//! - **Discovery**: [`Client::service_locations`], [`Client::metering_configuration`] /
//!   [`Client::charging_stations`].
//! - **Sessions**: [`Client::park_sessions`], [`Client::station_sessions`] (`range` in epoch
//!   ms, end exclusive; `active`), and [`SessionSource`](evsessions_core::SessionSource) for
//!   the stream with scopes, both status calls and normalization (see [`normalize`]).
//!
//! ```no_run
//! use evsessions_core::{SessionQuery, SessionSourceExt, StatusFilter};
//! use futures::StreamExt;
//! use smappee_client::{Client, ConfigBuilder};
//!
//! # async fn demo() -> evsessions_core::Result<()> {
//! // SMAPPEE_CLIENT_ID, SMAPPEE_CLIENT_SECRET, SMAPPEE_USERNAME, SMAPPEE_PASSWORD
//! let client = Client::new(ConfigBuilder::from_env().build()?)?;
//! let query = SessionQuery::new()
//!     .from("2025-06-01T00:00:00Z".parse().unwrap())
//!     .to("2025-06-05T00:00:00Z".parse().unwrap())
//!     .status(StatusFilter::All)
//!     .site("40101"); // a charging park (service location); omit to read every location
//! let mut sessions = client.sessions(&query);
//! while let Some(s) = sessions.next().await {
//!     let s = s?;
//!     println!("{} {} {:?} kWh", s.id, s.status, s.energy_kwh);
//! }
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod auth;
pub mod client;
pub mod config;
pub mod model;
pub mod normalize;
pub mod source;
pub mod token_file;

pub use auth::{MemoryTokenStore, TokenStore, Tokens};
pub use client::{decode_sessions, Client, SessionRange};
pub use config::{
    Config, ConfigBuilder, DEFAULT_BASE_URL, DEFAULT_REFRESH_MARGIN, DEFAULT_TOKEN_PATH,
    ENV_BASE_URL, ENV_CLIENT_ID, ENV_CLIENT_SECRET, ENV_PASSWORD, ENV_TOKEN_FILE, ENV_USERNAME,
};
pub use model::{
    ChargingStation, MeteringConfiguration, ServiceLocation, ServiceLocations, Session,
    SessionState, StationCharger,
};
pub use source::DESCRIPTOR;
pub use token_file::FileTokenStore;

use evsessions_core::SourceKind;

/// The source kind of every Smappee record: `"smappee"`.
pub const KIND: SourceKind = SourceKind::from_static("smappee");
