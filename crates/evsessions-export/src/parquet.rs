//! Sessions as a Parquet file (feature `parquet`): one row per session, the CSV columns as
//! typed columns, zstd compression — for DuckDB, Polars, Spark or pandas.
//!
//! | column | Parquet type |
//! |---|---|
//! | `account` | `BYTE_ARRAY (STRING)`, null when written without a store |
//! | `source`, `id`, `status` | `BYTE_ARRAY (STRING)`, required |
//! | text columns (`vendor_status`, `charger_id`, … `cost_currency`) | `BYTE_ARRAY (STRING)` |
//! | `started_at`, `ended_at` | `INT64 (TIMESTAMP(NANOS, true))` — UTC instants, exact to the vendor's 100 ns ticks |
//! | `energy_kwh`, `max_power_kw` | `DECIMAL(38, 6)` ([`ENERGY_SCALE`]) |
//! | `cost_total_excl_vat`, `cost_total_incl_vat`, `cost_vat_amount` | `DECIMAL(38, 6)` ([`MONEY_SCALE`]) |
//! | `soc_start_percent`, `soc_end_percent`, `cost_vat_percent` | `DECIMAL(38, 4)` ([`PERCENT_SCALE`]) |
//! | `site_latitude`, `site_longitude` | `DECIMAL(38, 12)` ([`COORDINATE_SCALE`]) |
//! | `cost_components` | `BYTE_ARRAY (STRING)`: the components as a JSON array |
//! | `raw` | `BYTE_ARRAY (STRING)`: the vendor's record, as the vendor wrote it (JSON) |
//!
//! Decimals are `FIXED_LEN_BYTE_ARRAY(16)` (what Arrow calls `Decimal128(38, s)`), so every
//! reader gets the exact value. A value with more decimal places than its column's scale (or
//! a time outside the years 1677–2262 that nanoseconds can hold) is never rounded or clipped: that session is refused with a
//! [`ParquetRefusal`] naming the field, and the file goes on without it. Row groups hold
//! [`ROW_GROUP_ROWS`] rows, so memory stays bounded whatever the number of sessions.
//!
//! ```
//! use evsessions_core::{ChargingSession, SessionStatus, SourceKind};
//! use evsessions_export::parquet::ParquetWriter;
//!
//! let mut s = ChargingSession::new(SourceKind::new("emabler"), "42", serde_json::json!({"id": 42}));
//! s.status = SessionStatus::Completed;
//! s.energy_kwh = Some("12.345".parse().unwrap());
//!
//! let mut writer = ParquetWriter::new(Vec::new()).unwrap();
//! writer.write(Some("home"), &s).unwrap();
//! let bytes: Vec<u8> = writer.finish().unwrap();
//! assert_eq!(&bytes[..4], b"PAR1");
//! ```

use std::fmt;
use std::io::Write;
use std::sync::Arc;

use evsessions_core::ChargingSession;
use parquet::basic::{Compression, ZstdLevel};
use parquet::data_type::{
    ByteArray, ByteArrayType, FixedLenByteArray, FixedLenByteArrayType, Int64Type,
};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;
use rust_decimal::Decimal;

use crate::ExportError;

/// Decimal places of `energy_kwh` and `max_power_kw` (a milliwatt-hour; a milliwatt).
pub const ENERGY_SCALE: u32 = 6;
/// Decimal places of the money columns (totals and VAT amount).
pub const MONEY_SCALE: u32 = 6;
/// Decimal places of the percentages (state of charge, VAT rate).
pub const PERCENT_SCALE: u32 = 4;
/// Decimal places of the site coordinates (well under a millimetre).
pub const COORDINATE_SCALE: u32 = 12;
/// Rows per row group.
pub const ROW_GROUP_ROWS: usize = 10_000;

/// The precision of every decimal column (`Decimal128`).
const PRECISION: u32 = 38;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text { required: bool },
    Time,
    Decimal(u32),
}

/// The columns, in order: `account`, the CSV columns, `raw`.
const COLUMNS: &[(&str, Kind)] = &[
    ("account", Kind::Text { required: false }),
    ("source", Kind::Text { required: true }),
    ("id", Kind::Text { required: true }),
    ("status", Kind::Text { required: true }),
    ("vendor_status", Kind::Text { required: false }),
    ("started_at", Kind::Time),
    ("ended_at", Kind::Time),
    ("energy_kwh", Kind::Decimal(ENERGY_SCALE)),
    ("charger_id", Kind::Text { required: false }),
    ("charger_name", Kind::Text { required: false }),
    ("connector_id", Kind::Text { required: false }),
    ("connector_type", Kind::Text { required: false }),
    ("evse_id", Kind::Text { required: false }),
    ("max_power_kw", Kind::Decimal(ENERGY_SCALE)),
    ("site_id", Kind::Text { required: false }),
    ("site_name", Kind::Text { required: false }),
    ("site_address", Kind::Text { required: false }),
    ("site_latitude", Kind::Decimal(COORDINATE_SCALE)),
    ("site_longitude", Kind::Decimal(COORDINATE_SCALE)),
    ("auth_method", Kind::Text { required: false }),
    ("id_tag", Kind::Text { required: false }),
    ("user_id", Kind::Text { required: false }),
    ("user_name", Kind::Text { required: false }),
    ("soc_start_percent", Kind::Decimal(PERCENT_SCALE)),
    ("soc_end_percent", Kind::Decimal(PERCENT_SCALE)),
    ("cost_currency", Kind::Text { required: false }),
    ("cost_total_excl_vat", Kind::Decimal(MONEY_SCALE)),
    ("cost_total_incl_vat", Kind::Decimal(MONEY_SCALE)),
    ("cost_vat_amount", Kind::Decimal(MONEY_SCALE)),
    ("cost_vat_percent", Kind::Decimal(PERCENT_SCALE)),
    ("cost_components", Kind::Text { required: false }),
    ("raw", Kind::Text { required: true }),
];

/// The column names of the file, in order: `account`, the CSV columns
/// ([`evsessions_core::output::CSV_COLUMNS`]), `raw`.
///
/// ```
/// let names: Vec<&str> = evsessions_export::parquet::column_names().collect();
/// assert_eq!(names.first(), Some(&"account"));
/// assert_eq!(names.last(), Some(&"raw"));
/// ```
pub fn column_names() -> impl Iterator<Item = &'static str> {
    COLUMNS.iter().map(|(name, _)| *name)
}

/// The Parquet schema, as a message type.
///
/// ```
/// assert!(evsessions_export::parquet::schema_text()
///     .contains("OPTIONAL FIXED_LEN_BYTE_ARRAY (16) energy_kwh (DECIMAL(38,6));"));
/// ```
pub fn schema_text() -> String {
    let mut text = String::from("message evsessions_session {\n");
    for (name, kind) in COLUMNS {
        let line = match kind {
            Kind::Text { required } => format!(
                "  {} BYTE_ARRAY {name} (STRING);\n",
                if *required { "REQUIRED" } else { "OPTIONAL" }
            ),
            Kind::Time => format!("  OPTIONAL INT64 {name} (TIMESTAMP(NANOS,true));\n"),
            Kind::Decimal(scale) => format!(
                "  OPTIONAL FIXED_LEN_BYTE_ARRAY (16) {name} (DECIMAL({PRECISION},{scale}));\n"
            ),
        };
        text.push_str(&line);
    }
    text.push('}');
    text
}

/// Why a session is not in the Parquet file: the column its value does not fit, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ParquetRefusal {
    /// The vendor.
    pub source: String,
    /// The session id.
    pub session_id: String,
    /// The column (`energy_kwh`, `started_at`, …).
    pub field: String,
    /// What does not fit.
    pub reason: String,
}

impl fmt::Display for ParquetRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} session {:?}: not written to Parquet: {}: {}",
            self.source, self.session_id, self.field, self.reason
        )
    }
}

impl std::error::Error for ParquetRefusal {}

/// What [`ParquetWriter::write`] can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ParquetWriteError {
    /// This session does not fit the columns; nothing of it was written, the file goes on.
    #[error(transparent)]
    Refused(#[from] ParquetRefusal),
    /// The file could not be written; stop.
    #[error(transparent)]
    Failed(#[from] ExportError),
}

/// One cell of a row, converted and checked before anything is buffered.
enum Cell {
    Text(Option<ByteArray>),
    Time(Option<i64>),
    Decimal(Option<FixedLenByteArray>),
}

/// A column's buffered values and definition levels (1 = a value, 0 = null).
enum Buffer {
    Text(Vec<ByteArray>, Vec<i16>),
    Time(Vec<i64>, Vec<i16>),
    Decimal(Vec<FixedLenByteArray>, Vec<i16>),
}

fn push<T>(values: &mut Vec<T>, defs: &mut Vec<i16>, v: Option<T>) {
    match v {
        Some(v) => {
            values.push(v);
            defs.push(1);
        }
        None => defs.push(0),
    }
}

/// Writes sessions into a Parquet file, [`ROW_GROUP_ROWS`] rows a row group, zstd
/// compressed. Call [`finish`](ParquetWriter::finish) at the end: without it the file has no
/// footer and no reader opens it.
pub struct ParquetWriter<W: Write + Send> {
    file: SerializedFileWriter<W>,
    buffers: Vec<Buffer>,
    row: Vec<Cell>,
    buffered: usize,
    row_group_rows: usize,
    rows: u64,
}

impl<W: Write + Send> fmt::Debug for ParquetWriter<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParquetWriter")
            .field("rows", &self.rows)
            .field("buffered", &self.buffered)
            .finish_non_exhaustive()
    }
}

fn failed(e: impl fmt::Display) -> ExportError {
    ExportError::Io(std::io::Error::other(format!("Parquet: {e}")))
}

impl<W: Write + Send> ParquetWriter<W> {
    /// A writer into `out` (a file, a `Vec<u8>`, …), [`ROW_GROUP_ROWS`] rows a row group.
    pub fn new(out: W) -> Result<Self, ExportError> {
        Self::with_row_group_rows(out, ROW_GROUP_ROWS)
    }

    /// A writer with `rows` rows a row group (at least 1).
    ///
    /// ```
    /// let w = evsessions_export::parquet::ParquetWriter::with_row_group_rows(Vec::new(), 500).unwrap();
    /// assert_eq!(w.rows(), 0);
    /// ```
    pub fn with_row_group_rows(out: W, rows: usize) -> Result<Self, ExportError> {
        let schema = parse_message_type(&schema_text()).map_err(failed)?;
        let props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::default()))
            .set_created_by(format!("evsessions-export {}", env!("CARGO_PKG_VERSION")))
            .build();
        let file =
            SerializedFileWriter::new(out, Arc::new(schema), Arc::new(props)).map_err(failed)?;
        let buffers = COLUMNS
            .iter()
            .map(|(_, kind)| match kind {
                Kind::Text { .. } => Buffer::Text(Vec::new(), Vec::new()),
                Kind::Time => Buffer::Time(Vec::new(), Vec::new()),
                Kind::Decimal(_) => Buffer::Decimal(Vec::new(), Vec::new()),
            })
            .collect();
        Ok(ParquetWriter {
            file,
            buffers,
            row: Vec::with_capacity(COLUMNS.len()),
            buffered: 0,
            row_group_rows: rows.max(1),
            rows: 0,
        })
    }

    /// Sessions written so far (refused ones not counted).
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Add one session, with the account it belongs to (`None` outside a store). A session
    /// whose values do not fit the columns is refused whole
    /// ([`ParquetWriteError::Refused`]) and the writer stays usable.
    pub fn write(
        &mut self,
        account: Option<&str>,
        session: &ChargingSession,
    ) -> Result<(), ParquetWriteError> {
        self.row.clear();
        fill_row(&mut self.row, account, session)?;
        for (cell, buffer) in self.row.drain(..).zip(self.buffers.iter_mut()) {
            match (cell, buffer) {
                (Cell::Text(v), Buffer::Text(values, defs)) => push(values, defs, v),
                (Cell::Time(v), Buffer::Time(values, defs)) => push(values, defs, v),
                (Cell::Decimal(v), Buffer::Decimal(values, defs)) => push(values, defs, v),
                _ => return Err(failed("internal error: a cell does not match its column").into()),
            }
        }
        self.buffered += 1;
        self.rows += 1;
        if self.buffered >= self.row_group_rows {
            self.flush_row_group()?;
        }
        Ok(())
    }

    fn flush_row_group(&mut self) -> Result<(), ExportError> {
        if self.buffered == 0 {
            return Ok(());
        }
        let mut group = self.file.next_row_group().map_err(failed)?;
        for ((_, kind), buffer) in COLUMNS.iter().zip(self.buffers.iter_mut()) {
            let Some(mut column) = group.next_column().map_err(failed)? else {
                return Err(failed(
                    "internal error: fewer columns in the schema than buffered",
                ));
            };
            let required = matches!(kind, Kind::Text { required: true });
            match buffer {
                Buffer::Text(values, defs) => {
                    let defs = (!required).then_some(defs.as_slice());
                    column
                        .typed::<ByteArrayType>()
                        .write_batch(values, defs, None)
                        .map_err(failed)?;
                }
                Buffer::Time(values, defs) => {
                    column
                        .typed::<Int64Type>()
                        .write_batch(values, Some(defs), None)
                        .map_err(failed)?;
                }
                Buffer::Decimal(values, defs) => {
                    column
                        .typed::<FixedLenByteArrayType>()
                        .write_batch(values, Some(defs), None)
                        .map_err(failed)?;
                }
            }
            column.close().map_err(failed)?;
            match buffer {
                Buffer::Text(v, d) => {
                    v.clear();
                    d.clear()
                }
                Buffer::Time(v, d) => {
                    v.clear();
                    d.clear()
                }
                Buffer::Decimal(v, d) => {
                    v.clear();
                    d.clear()
                }
            }
        }
        group.close().map_err(failed)?;
        self.buffered = 0;
        Ok(())
    }

    /// Write the last row group and the footer; give back the output.
    pub fn finish(mut self) -> Result<W, ExportError> {
        self.flush_row_group()?;
        self.file.into_inner().map_err(failed)
    }
}

/// The 16-byte big-endian two's complement of `d` at `scale` decimal places, or why not.
fn decimal_cell(d: &Decimal, scale: u32) -> Result<FixedLenByteArray, String> {
    let d = d.normalize();
    if d.scale() > scale {
        return Err(format!(
            "{d} has more than {scale} decimal places (the column is DECIMAL({PRECISION},{scale})); \
             it is not rounded"
        ));
    }
    let unscaled = 10i128
        .checked_pow(scale - d.scale())
        .and_then(|f| d.mantissa().checked_mul(f))
        .filter(|v| v.unsigned_abs() < 10u128.pow(PRECISION))
        .ok_or_else(|| format!("{d} does not fit DECIMAL({PRECISION},{scale})"))?;
    Ok(FixedLenByteArray::from(unscaled.to_be_bytes().to_vec()))
}

fn fill_row(
    row: &mut Vec<Cell>,
    account: Option<&str>,
    s: &ChargingSession,
) -> Result<(), ParquetRefusal> {
    let refuse = |field: &str, reason: String| ParquetRefusal {
        source: s.source.to_string(),
        session_id: s.id.clone(),
        field: field.to_string(),
        reason,
    };
    let text = |v: Option<&str>| Cell::Text(v.map(|t| ByteArray::from(t.as_bytes().to_vec())));
    let time =
        |field: &str, t: Option<chrono::DateTime<chrono::Utc>>| -> Result<Cell, ParquetRefusal> {
            match t {
                None => Ok(Cell::Time(None)),
                Some(t) => t
                    .timestamp_nanos_opt()
                    .map(|ns| Cell::Time(Some(ns)))
                    .ok_or_else(|| {
                        refuse(
                    field,
                    format!("{t:?} is outside 1677-09-21..2262-04-11, what TIMESTAMP(NANOS) holds"),
                )
                    }),
            }
        };
    let dec = |field: &str, d: Option<Decimal>| -> Result<Cell, ParquetRefusal> {
        let scale = COLUMNS
            .iter()
            .find_map(|(name, kind)| match kind {
                Kind::Decimal(scale) if *name == field => Some(*scale),
                _ => None,
            })
            .unwrap_or(0);
        d.map(|d| decimal_cell(&d, scale).map_err(|reason| refuse(field, reason)))
            .transpose()
            .map(Cell::Decimal)
    };
    let site = s.site.as_ref();
    let auth = s.authorization.as_ref();
    let soc = s.state_of_charge.as_ref();
    let cost = s.cost.as_ref();
    let components =
        match cost {
            Some(c) => Some(serde_json::to_string(&c.components).map_err(|e| {
                refuse("cost_components", format!("cannot be written as JSON: {e}"))
            })?),
            None => None,
        };
    row.extend([
        text(account),
        text(Some(s.source.as_str())),
        text(Some(&s.id)),
        text(Some(s.status.as_str())),
        text(s.vendor_status.as_deref()),
        time("started_at", s.started_at)?,
        time("ended_at", s.ended_at)?,
        dec("energy_kwh", s.energy_kwh)?,
        text(s.charger.id.as_deref()),
        text(s.charger.name.as_deref()),
        text(s.charger.connector_id.as_deref()),
        text(s.charger.connector_type.as_deref()),
        text(s.charger.evse_id.as_deref()),
        dec("max_power_kw", s.charger.max_power_kw)?,
        text(site.and_then(|x| x.id.as_deref())),
        text(site.and_then(|x| x.name.as_deref())),
        text(site.and_then(|x| x.address.as_deref())),
        dec("site_latitude", site.and_then(|x| x.latitude))?,
        dec("site_longitude", site.and_then(|x| x.longitude))?,
        text(auth.map(|a| a.method.as_str())),
        text(auth.and_then(|a| a.id_tag.as_deref())),
        text(auth.and_then(|a| a.user_id.as_deref())),
        text(auth.and_then(|a| a.user_name.as_deref())),
        dec("soc_start_percent", soc.and_then(|x| x.start_percent))?,
        dec("soc_end_percent", soc.and_then(|x| x.end_percent))?,
        text(cost.and_then(|c| c.currency.as_deref())),
        dec("cost_total_excl_vat", cost.and_then(|c| c.total_excl_vat))?,
        dec("cost_total_incl_vat", cost.and_then(|c| c.total_incl_vat))?,
        dec("cost_vat_amount", cost.and_then(|c| c.vat_amount))?,
        dec("cost_vat_percent", cost.and_then(|c| c.vat_percent))?,
        text(components.as_deref()),
        text(Some(s.raw.as_str())),
    ]);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_columns_are_the_csv_columns_between_account_and_raw() {
        let names: Vec<&str> = column_names().collect();
        assert_eq!(names[0], "account");
        assert_eq!(
            &names[1..names.len() - 1],
            evsessions_core::output::CSV_COLUMNS
        );
        assert_eq!(names[names.len() - 1], "raw");
    }

    #[test]
    fn decimals_are_exact_or_refused_never_rounded() {
        let cell = |s: &str, scale| decimal_cell(&s.parse().unwrap(), scale);
        let as_i128 = |c: FixedLenByteArray| i128::from_be_bytes(c.data().try_into().unwrap());
        assert_eq!(as_i128(cell("12.345", 6).unwrap()), 12_345_000);
        assert_eq!(as_i128(cell("-0.000001", 6).unwrap()), -1);
        assert_eq!(as_i128(cell("1.500000000", 6).unwrap()), 1_500_000); // trailing zeros are not places
        assert!(cell("0.0000001", 6)
            .unwrap_err()
            .contains("more than 6 decimal places"));
        assert!(cell("79228162514264337593543950335", 12)
            .unwrap_err()
            .contains("does not fit"));
    }
}
