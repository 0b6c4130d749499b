//! # ru-csms-client
//!
//! The evsessions client of an unidentified Russian charging-management platform (CSMS),
//! built from one captured response of its session list: the `meta` / `payload` envelope with
//! 44 sessions at stations in Nizhny Novgorod. Nothing public names its endpoints or auth, so
//! what the capture cannot show is configuration, never a guess baked into code:
//!
//! - the full URL of the session list ([`ConfigBuilder::sessions_url`], `RU_CSMS_SESSIONS_URL`;
//!   there is no default host), to which the client adds `page` and `per_page`;
//! - a bearer token ([`ConfigBuilder::token`], `RU_CSMS_TOKEN`), or explicitly none;
//! - the minor-unit scale of money ([`ConfigBuilder::amount_scale`]: 1 = roubles, the default;
//!   100 = kopecks);
//! - the axis order of `charging_point_coordinates` ([`CoordinateOrder`]; untrusted by default).
//!
//! Quirks handled: `meta.status_code` outside 2xx is an error even under HTTP 200 (a refused
//! token is [`Error::Unauthenticated`](evsessions_core::Error::Unauthenticated) with the server's
//! words); pages are sized by the `per_page` the server echoes; `power` is the energy in kWh;
//! a battery percent of 0 means unknown; Cyrillic text is kept unchanged.
//!
//! ```no_run
//! # async fn demo() -> evsessions_core::Result<()> {
//! use evsessions_core::{SessionQuery, SessionSourceExt};
//! use futures::StreamExt;
//! use ru_csms_client::{Client, Config, ConfigBuilder};
//!
//! // RU_CSMS_SESSIONS_URL and RU_CSMS_TOKEN from the environment …
//! let client = Client::new(ConfigBuilder::from_env().build()?)?;
//! // … or in code:
//! let client = Client::new(
//!     Config::builder()
//!         .sessions_url("https://csms.example.ru/api/v1/client/sessions")
//!         .token("app-token")
//!         .build()?,
//! )?;
//! let mut sessions = client.sessions(&SessionQuery::new());
//! while let Some(s) = sessions.next().await {
//!     let s = s?;
//!     println!("{} {} {:?} kWh at {:?}", s.id, s.status, s.energy_kwh, s.site.and_then(|x| x.name));
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

pub use client::{Client, ListPage};
pub use config::{Auth, Config, ConfigBuilder, CoordinateOrder};
pub use model::{
    ConnectorType, DetailAmount, Envelope, Initiator, Meta, Money, OcppInspectionsFlag, Payload,
    Payment, Session, State,
};
pub use normalize::{normalize, NormalizeOptions};
pub use source::DESCRIPTOR;

use evsessions_core::SourceKind;

/// The source kind of this vendor: `"ru-csms"`.
pub const KIND: SourceKind = SourceKind::from_static("ru-csms");
