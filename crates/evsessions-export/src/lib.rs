//! # evsessions-export
//!
//! What people bill and report from, built on evsessions' normalized [`ChargingSession`]s —
//! from a store (`evsessions statement`) or from any iterator of sessions:
//!
//! - [`statement`]: a monthly statement per driver, id tag, site, charger or account, the
//!   month cut in a named time zone, exact kWh and money per currency (never summed across
//!   currencies), unpriced sessions flagged, open sessions listed apart;
//! - [`mod@render`]: the statement as a text table, CSV, JSON or one self-contained HTML page with
//!   a kWh-per-day chart (inline SVG, no JavaScript, no network);
//! - [`ocpi`]: OCPI 2.2.1 CDRs from completed sessions, a validator of the OCPI CDR rules, and
//!   credit corrections for sessions that changed after their CDR was sent;
//! - [`tariff`]: tariffs from the accounts file that price the sessions a vendor did not
//!   (reimbursement of home charging), derived at statement and export time, never stored;
//! - `parquet` (feature `parquet`): sessions as a typed, zstd-compressed Parquet file.
//!
//! ```
//! use evsessions_export::render::{render, StatementFormat};
//! use evsessions_export::statement::{Statement, StatementOptions};
//! let st = Statement::build(Vec::<evsessions_core::ChargingSession>::new(),
//!     &StatementOptions::new("2025-03".parse().unwrap())).unwrap();
//! let mut html = Vec::new();
//! render(&st, StatementFormat::Html, &mut html).unwrap();
//! assert!(!String::from_utf8(html).unwrap().contains("<svg")); // no group, no chart
//! ```
//!
//! [`ChargingSession`]: evsessions_core::ChargingSession
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod ocpi;
#[cfg(feature = "parquet")]
pub mod parquet;
pub mod render;
pub mod statement;
pub mod tariff;

pub use render::{render, render_detail, StatementFormat};
pub use statement::{GroupBy, Statement, StatementItem, StatementOptions, YearMonth};

/// The first instant of `day` in `zone`, in UTC: local midnight, or the first instant after
/// it where a DST gap swallows midnight.
pub(crate) fn local_midnight(
    zone: chrono_tz::Tz,
    day: chrono::NaiveDate,
) -> Option<chrono::DateTime<chrono::Utc>> {
    use chrono::TimeZone;
    let naive = day.and_hms_opt(0, 0, 0)?;
    zone.from_local_datetime(&naive)
        .earliest()
        .or_else(|| {
            zone.from_local_datetime(&(naive + chrono::Duration::hours(1)))
                .earliest()
        })
        .map(|t| t.with_timezone(&chrono::Utc))
}

/// What can go wrong building or writing an export.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// An option or a value is not valid (a month, a grouping, an overflowing sum).
    #[error("{message}")]
    Invalid {
        /// What is wrong and how to fix it.
        message: String,
    },
    /// The output could not be written.
    #[error("cannot write the output: {0}")]
    Io(#[from] std::io::Error),
}
