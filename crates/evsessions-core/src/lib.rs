//! # evsessions-core
//!
//! The shared ground of every evsessions vendor client:
//!
//! - [`ChargingSession`] and its parts: the normalized record (a public contract, see
//!   `docs/schema.md`), exact decimals for money and energy, UTC times;
//! - [`SessionSource`]: the one trait a vendor implements ([`SessionSource::fetch_page`]), and
//!   [`SessionSourceExt::sessions`]: the stream that pages, filters and de-duplicates;
//! - [`Error`]: one error type with semantic variants and [`Error::is_retryable`];
//! - [`http`]: the HTTP plumbing (retry, backoff, `Retry-After`, timeouts, URL policy and
//!   redaction) that vendor crates use instead of writing their own;
//! - [`oauth`]: the OAuth 2 password grant with rotating refresh tokens, renewed once for
//!   every call in flight (for vendors that sign in so);
//! - [`output`]: table, CSV, JSON and NDJSON writers;
//! - [`registry`]: what a source crate tells the SDK of itself (its descriptor: name,
//!   settings, how to build it, its mock);
//! - [`RawRecord`]: a vendor's record exactly as received (`ChargingSession::raw`);
//! - [`time`], [`serde_util`], [`normalize`], [`decode`], [`raw`]: helpers for tolerant vendor
//!   models.
//!
//! ```
//! use evsessions_core::{SessionQuery, StatusFilter};
//! let q = SessionQuery::new().status(StatusFilter::Completed);
//! assert!(q.window_contains("2025-01-01T00:00:00Z".parse().unwrap()));
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod collect;
pub mod decode;
pub mod error;
pub mod http;
pub mod model;
pub mod normalize;
pub mod oauth;
pub mod output;
pub mod query;
pub mod raw;
pub mod registry;
pub mod serde_util;
pub mod source;
pub mod time;

pub use collect::{collect_sessions, try_collect_sessions};
pub use error::{ApiErrorBody, Error, Result};
pub use http::{HttpClient, HttpConfig, HttpResponse, RetryConfig};
pub use model::{
    AuthMethod, Authorization, Charger, ChargingSession, Cost, CostComponent, CostKind,
    SessionStatus, Site, SourceKind, StateOfCharge,
};
pub use output::{OutputFormat, SessionWriter, Summary};
pub use query::{Capabilities, SessionQuery, StatusFilter};
pub use raw::RawRecord;
pub use source::{PageCursor, SessionPage, SessionSource, SessionSourceExt};

/// Re-exported for [`SessionSource`] implementations.
pub use async_trait::async_trait;
/// Re-exported for zone settings (`chrono_tz::Tz`).
pub use chrono_tz;
/// Re-exported decimal type.
pub use rust_decimal::Decimal;
/// Re-exported so that vendor crates and callers use the same secret types.
pub use secrecy::{ExposeSecret, SecretString};
