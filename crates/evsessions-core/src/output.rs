//! Output formats that stream as records arrive: an aligned `table`, flat `csv`, one JSON
//! array (`json`), and one record a line (`ndjson`); plus a [`Summary`] of what was written.

use std::collections::BTreeMap;
use std::io::{self, Write};

use rust_decimal::Decimal;

use crate::model::ChargingSession;
use crate::serde_util::format_utc;

mod json;
pub use json::write_session_json;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum OutputFormat {
    /// Aligned columns for people.
    #[default]
    Table,
    /// Flat CSV with the documented columns (`docs/schema.md`); `raw` is left out.
    Csv,
    /// One JSON array of records.
    Json,
    /// One JSON record per line.
    Ndjson,
}

impl std::str::FromStr for OutputFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "table" => Ok(OutputFormat::Table),
            "csv" => Ok(OutputFormat::Csv),
            "json" => Ok(OutputFormat::Json),
            "ndjson" | "jsonl" => Ok(OutputFormat::Ndjson),
            other => Err(format!(
                "unknown format {other:?}; use table, csv, json or ndjson"
            )),
        }
    }
}

/// The CSV columns, in order. Stable: new columns are only ever appended.
pub const CSV_COLUMNS: &[&str] = &[
    "source",
    "id",
    "status",
    "vendor_status",
    "started_at",
    "ended_at",
    "energy_kwh",
    "charger_id",
    "charger_name",
    "connector_id",
    "connector_type",
    "evse_id",
    "max_power_kw",
    "site_id",
    "site_name",
    "site_address",
    "site_latitude",
    "site_longitude",
    "auth_method",
    "id_tag",
    "user_id",
    "user_name",
    "soc_start_percent",
    "soc_end_percent",
    "cost_currency",
    "cost_total_excl_vat",
    "cost_total_incl_vat",
    "cost_vat_amount",
    "cost_vat_percent",
    "cost_components",
];

fn dec(d: &Option<Decimal>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

/// One CSV row for a record, matching [`CSV_COLUMNS`]. `cost_components` is the components
/// as compact JSON (an array), empty when there is no cost.
pub fn csv_row(s: &ChargingSession) -> Vec<String> {
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    let site = s.site.clone().unwrap_or_default();
    let auth = s.authorization.as_ref();
    let soc = s.state_of_charge.clone().unwrap_or_default();
    let cost = s.cost.as_ref();
    vec![
        s.source.to_string(),
        s.id.clone(),
        s.status.to_string(),
        o(&s.vendor_status),
        s.started_at.map(|t| format_utc(&t)).unwrap_or_default(),
        s.ended_at.map(|t| format_utc(&t)).unwrap_or_default(),
        dec(&s.energy_kwh),
        o(&s.charger.id),
        o(&s.charger.name),
        o(&s.charger.connector_id),
        o(&s.charger.connector_type),
        o(&s.charger.evse_id),
        dec(&s.charger.max_power_kw),
        o(&site.id),
        o(&site.name),
        o(&site.address),
        dec(&site.latitude),
        dec(&site.longitude),
        auth.map(|a| a.method.as_str().to_string())
            .unwrap_or_default(),
        auth.and_then(|a| a.id_tag.clone()).unwrap_or_default(),
        auth.and_then(|a| a.user_id.clone()).unwrap_or_default(),
        auth.and_then(|a| a.user_name.clone()).unwrap_or_default(),
        dec(&soc.start_percent),
        dec(&soc.end_percent),
        cost.and_then(|c| c.currency.clone()).unwrap_or_default(),
        cost.map(|c| dec(&c.total_excl_vat)).unwrap_or_default(),
        cost.map(|c| dec(&c.total_incl_vat)).unwrap_or_default(),
        cost.map(|c| dec(&c.vat_amount)).unwrap_or_default(),
        cost.map(|c| dec(&c.vat_percent)).unwrap_or_default(),
        cost.map(|c| serde_json::to_string(&c.components).unwrap_or_default())
            .unwrap_or_default(),
    ]
}

/// One CSV line (RFC 4180 quoting, `\n` terminated).
/// A CSV cell safe to open in a spreadsheet: text starting with `=`, `+`, `-`, `@`, a tab or a
/// carriage return (a formula to Excel, LibreOffice, Sheets) gets a leading `'`; numbers stay as
/// they are.
///
/// ```
/// use evsessions_core::output::csv_safe;
/// assert_eq!(csv_safe("=HYPERLINK(\"http://x\")"), "'=HYPERLINK(\"http://x\")");
/// assert_eq!(csv_safe("-12.5"), "-12.5");
/// assert_eq!(csv_safe("@SUM(A1)"), "'@SUM(A1)");
/// assert_eq!(csv_safe("Main St"), "Main St");
/// ```
pub fn csv_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && cell.parse::<Decimal>().is_err() {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

/// Write one CSV cell straight into `out` (no allocation unless the cell must be neutralised):
/// the comma before it unless it is the first, [`csv_safe`], and RFC 4180 quoting when the
/// text holds a comma, a quote or a line break — byte for byte what the `csv` crate writes.
fn csv_cell(out: &mut impl Write, first: bool, text: &str) -> io::Result<()> {
    if !first {
        out.write_all(b",")?;
    }
    let text = csv_safe(text);
    let bytes = text.as_bytes();
    if bytes
        .iter()
        .any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
    {
        out.write_all(b"\"")?;
        for (i, part) in bytes.split(|&b| b == b'"').enumerate() {
            if i > 0 {
                out.write_all(b"\"\"")?;
            }
            out.write_all(part)?;
        }
        out.write_all(b"\"")
    } else {
        out.write_all(bytes)
    }
}

/// A decimal cell, formatted without an intermediate string.
fn csv_dec(out: &mut impl Write, d: &Option<Decimal>) -> io::Result<()> {
    out.write_all(b",")?;
    match d {
        Some(d) => write!(out, "{d}"),
        None => Ok(()),
    }
}

/// One CSV row of `s` ([`CSV_COLUMNS`]), written field by field into `out`: the same bytes as
/// [`csv_row`] through the `csv` crate, without a `String` per field.
fn write_csv_row(out: &mut impl Write, s: &ChargingSession) -> io::Result<()> {
    fn o(v: &Option<String>) -> &str {
        v.as_deref().unwrap_or("")
    }
    let site = s.site.as_ref();
    let auth = s.authorization.as_ref();
    let soc = s.state_of_charge.as_ref();
    let cost = s.cost.as_ref();
    let time = |out: &mut dyn Write, t: Option<chrono::DateTime<chrono::Utc>>| -> io::Result<()> {
        out.write_all(b",")?;
        match t {
            Some(t) => write!(out, "{}", crate::serde_util::utc_display(&t)),
            None => Ok(()),
        }
    };
    csv_cell(out, true, s.source.as_str())?;
    csv_cell(out, false, &s.id)?;
    csv_cell(out, false, s.status.as_str())?;
    csv_cell(out, false, o(&s.vendor_status))?;
    time(out, s.started_at)?;
    time(out, s.ended_at)?;
    csv_dec(out, &s.energy_kwh)?;
    csv_cell(out, false, o(&s.charger.id))?;
    csv_cell(out, false, o(&s.charger.name))?;
    csv_cell(out, false, o(&s.charger.connector_id))?;
    csv_cell(out, false, o(&s.charger.connector_type))?;
    csv_cell(out, false, o(&s.charger.evse_id))?;
    csv_dec(out, &s.charger.max_power_kw)?;
    csv_cell(out, false, site.and_then(|x| x.id.as_deref()).unwrap_or(""))?;
    csv_cell(
        out,
        false,
        site.and_then(|x| x.name.as_deref()).unwrap_or(""),
    )?;
    csv_cell(
        out,
        false,
        site.and_then(|x| x.address.as_deref()).unwrap_or(""),
    )?;
    csv_dec(out, &site.and_then(|x| x.latitude))?;
    csv_dec(out, &site.and_then(|x| x.longitude))?;
    csv_cell(out, false, auth.map(|a| a.method.as_str()).unwrap_or(""))?;
    csv_cell(
        out,
        false,
        auth.and_then(|a| a.id_tag.as_deref()).unwrap_or(""),
    )?;
    csv_cell(
        out,
        false,
        auth.and_then(|a| a.user_id.as_deref()).unwrap_or(""),
    )?;
    csv_cell(
        out,
        false,
        auth.and_then(|a| a.user_name.as_deref()).unwrap_or(""),
    )?;
    csv_dec(out, &soc.and_then(|x| x.start_percent))?;
    csv_dec(out, &soc.and_then(|x| x.end_percent))?;
    csv_cell(
        out,
        false,
        cost.and_then(|c| c.currency.as_deref()).unwrap_or(""),
    )?;
    csv_dec(out, &cost.and_then(|c| c.total_excl_vat))?;
    csv_dec(out, &cost.and_then(|c| c.total_incl_vat))?;
    csv_dec(out, &cost.and_then(|c| c.vat_amount))?;
    csv_dec(out, &cost.and_then(|c| c.vat_percent))?;
    match cost {
        // Rare and nested: one string for the components' JSON.
        Some(c) => csv_cell(
            out,
            false,
            &serde_json::to_string(&c.components).unwrap_or_default(),
        )?,
        None => out.write_all(b",")?,
    }
    out.write_all(b"\n")
}

fn csv_line<I, T>(fields: I) -> io::Result<Vec<u8>>
where
    I: IntoIterator<Item = T>,
    T: AsRef<[u8]>,
{
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(fields).map_err(io::Error::other)?;
    w.into_inner().map_err(|e| io::Error::other(e.to_string()))
}

/// A writer of records in one format. Call [`SessionWriter::write`] per record as it arrives,
/// then [`SessionWriter::finish`] once (it closes the JSON array and flushes).
pub struct SessionWriter<W: Write> {
    format: OutputFormat,
    out: W,
    count: u64,
    started: bool,
    /// One record's JSON text (`json`, `ndjson`), reused for every record.
    buf: Vec<u8>,
}

impl<W: Write> std::fmt::Debug for SessionWriter<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionWriter")
            .field("format", &self.format)
            .field("count", &self.count)
            .finish()
    }
}

const TABLE: [(&str, usize); 10] = [
    ("SOURCE", 11),
    ("ID", 12),
    ("STATUS", 11),
    ("START (UTC)", 20),
    ("END (UTC)", 20),
    ("KWH", 9),
    ("COST", 14),
    ("CHARGER", 18),
    ("SITE", 24),
    ("", 0),
];

fn cell(text: &str, width: usize, right: bool) -> String {
    let text = &crate::error::printable(text);
    let mut t: String = text.chars().take(width).collect();
    if text.chars().count() > width && width > 0 {
        t = text.chars().take(width - 1).collect::<String>() + "…";
    }
    let pad = width.saturating_sub(t.chars().count());
    if right {
        format!("{}{}", " ".repeat(pad), t)
    } else {
        format!("{}{}", t, " ".repeat(pad))
    }
}

/// A cost as `12.34 EUR` (incl. VAT when known, else excl.), or empty.
pub fn cost_text(s: &ChargingSession) -> String {
    s.cost
        .as_ref()
        .and_then(|c| {
            c.total_incl_vat
                .or(c.total_excl_vat)
                .map(|t| match &c.currency {
                    Some(cur) => format!("{t} {cur}"),
                    None => t.to_string(),
                })
        })
        .unwrap_or_default()
}

fn table_row(s: &ChargingSession) -> String {
    let t = |v: Option<chrono::DateTime<chrono::Utc>>| {
        v.map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
            .unwrap_or_default()
    };
    let charger = match (&s.charger.id, &s.charger.connector_id) {
        (Some(c), Some(k)) => format!("{c}/{k}"),
        (Some(c), None) => c.clone(),
        _ => String::new(),
    };
    let site = s
        .site
        .as_ref()
        .and_then(|x| x.name.clone().or(x.id.clone()))
        .unwrap_or_default();
    let cols = [
        (s.source.to_string(), false),
        (s.id.clone(), false),
        (s.status.to_string(), false),
        (t(s.started_at), false),
        (t(s.ended_at), false),
        (dec(&s.energy_kwh), true),
        (cost_text(s), true),
        (charger, false),
        (site, false),
    ];
    let mut line = String::new();
    for (i, (text, right)) in cols.iter().enumerate() {
        if i > 0 {
            line.push_str("  ");
        }
        line.push_str(&cell(text, TABLE[i].1, *right));
    }
    line.trim_end().to_string()
}

fn table_header() -> String {
    let mut line = String::new();
    for (i, (name, w)) in TABLE.iter().take(9).enumerate() {
        if i > 0 {
            line.push_str("  ");
        }
        line.push_str(&cell(name, *w, i == 5 || i == 6));
    }
    line.trim_end().to_string()
}

impl<W: Write> SessionWriter<W> {
    /// A writer of `format` into `out`. Nothing is written yet: the header (table, CSV) or `[`
    /// (JSON) comes with the first record or with [`SessionWriter::finish`], so a run that
    /// fails before any record and is not finished prints nothing at all.
    ///
    /// ```
    /// use evsessions_core::{OutputFormat, SessionWriter};
    /// let w = SessionWriter::new(OutputFormat::Json, Vec::new()).unwrap();
    /// assert_eq!(w.finish().unwrap(), b"[]\n");
    /// ```
    pub fn new(format: OutputFormat, out: W) -> io::Result<Self> {
        Ok(SessionWriter {
            format,
            out,
            count: 0,
            started: false,
            buf: Vec::new(),
        })
    }

    fn start(&mut self) -> io::Result<()> {
        if !self.started {
            self.started = true;
            match self.format {
                OutputFormat::Table => writeln!(self.out, "{}", table_header())?,
                OutputFormat::Csv => self.out.write_all(&csv_line(CSV_COLUMNS)?)?,
                OutputFormat::Json => write!(self.out, "[")?,
                OutputFormat::Ndjson => {}
            }
        }
        Ok(())
    }

    /// Write one record.
    pub fn write(&mut self, s: &ChargingSession) -> io::Result<()> {
        self.start()?;
        match self.format {
            OutputFormat::Table => writeln!(self.out, "{}", table_row(s))?,
            OutputFormat::Csv => write_csv_row(&mut self.out, s)?,
            // Written by hand, byte for byte what `serde_json::to_writer` writes (see
            // `write_session_json`); one `write_all` per record.
            OutputFormat::Json => {
                self.buf.clear();
                self.buf
                    .extend_from_slice(if self.count > 0 { b",\n" } else { b"\n" });
                write_session_json(&mut self.buf, s)?;
                self.out.write_all(&self.buf)?;
            }
            OutputFormat::Ndjson => {
                self.buf.clear();
                write_session_json(&mut self.buf, s)?;
                self.buf.push(b'\n');
                self.out.write_all(&self.buf)?;
            }
        }
        self.count += 1;
        Ok(())
    }

    /// How many records were written.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Close the output (the JSON array's `]`) and flush. Returns the inner writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.start()?;
        if self.format == OutputFormat::Json {
            if self.count > 0 {
                writeln!(self.out)?;
            }
            writeln!(self.out, "]")?;
        }
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Totals of a set of records: per source, count, kWh and cost per currency.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Per source name.
    pub by_source: BTreeMap<String, SourceSummary>,
    /// Records that could not be read (errors in the stream).
    pub errors: u64,
}

/// Totals of one source.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceSummary {
    /// Records.
    pub sessions: u64,
    /// Sum of known `energy_kwh`.
    pub energy_kwh: Decimal,
    /// Sum of cost (incl. VAT where known, else excl.) per currency; `(no currency)` when the vendor gave none.
    pub cost_by_currency: BTreeMap<String, Decimal>,
}

impl Summary {
    /// Count one record.
    pub fn add(&mut self, s: &ChargingSession) {
        let e = self.by_source.entry(s.source.to_string()).or_default();
        e.sessions += 1;
        if let Some(k) = s.energy_kwh {
            e.energy_kwh = e.energy_kwh.saturating_add(k);
        }
        if let Some(c) = &s.cost {
            if let Some(total) = c.total_incl_vat.or(c.total_excl_vat) {
                let sum = e
                    .cost_by_currency
                    .entry(c.currency.clone().unwrap_or_else(|| "(no currency)".into()))
                    .or_default();
                *sum = sum.saturating_add(total); // sums of absurd values must not panic
            }
        }
    }

    /// Total records over all sources.
    pub fn sessions(&self) -> u64 {
        self.by_source.values().map(|s| s.sessions).sum()
    }

    /// Write the summary as text lines.
    pub fn write_text(&self, mut out: impl Write) -> io::Result<()> {
        writeln!(out, "Summary")?;
        let mut total_kwh = Decimal::ZERO;
        for (src, s) in &self.by_source {
            let costs: Vec<String> = s
                .cost_by_currency
                .iter()
                .map(|(c, v)| format!("{v} {c}"))
                .collect();
            writeln!(
                out,
                "  {src:<12} {:>4} sessions  {:>12} kWh  cost: {}",
                s.sessions,
                s.energy_kwh,
                if costs.is_empty() {
                    "-".to_string()
                } else {
                    costs.join(", ")
                }
            )?;
            total_kwh = total_kwh.saturating_add(s.energy_kwh);
        }
        writeln!(
            out,
            "  {:<12} {:>4} sessions  {:>12} kWh",
            "all",
            self.sessions(),
            total_kwh
        )?;
        if self.errors > 0 {
            writeln!(
                out,
                "  {} record(s) or page(s) could not be read",
                self.errors
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::*;

    fn sample() -> ChargingSession {
        let mut s = ChargingSession::new(
            SourceKind::from_static("vendor-a"),
            "1523",
            serde_json::json!({"id": 1523}),
        );
        s.status = SessionStatus::Completed;
        s.energy_kwh = Some(Decimal::new(1845, 3));
        s.started_at = Some("2023-12-25T17:34:08Z".parse().unwrap());
        s.site = Some(Site::new(Some("1".into()), Some("Коминтерна, 105".into())));
        let mut c = Cost::new(Some("RUB".into()));
        c.total_incl_vat = Some(Decimal::ZERO);
        let mut comp = CostComponent::new(CostKind::Energy);
        comp.name = Some("Зарядка".into());
        comp.unit = Some("кВт⋅ч".into());
        comp.quantity = Some(Decimal::new(1716, 3));
        c.components.push(comp);
        s.cost = Some(c);
        s
    }

    fn render(format: OutputFormat, items: &[ChargingSession]) -> String {
        let mut w = SessionWriter::new(format, Vec::new()).unwrap();
        for s in items {
            w.write(s).unwrap();
        }
        String::from_utf8(w.finish().unwrap()).unwrap()
    }

    #[test]
    fn hostile_text_is_neutralised_in_csv_and_table() {
        let mut s = sample();
        s.id = "=cmd|' /C calc'!A0".into();
        s.site = Some(Site::new(None, Some("\u{1b}]0;pwned\u{7}\rSite".into())));
        let csv = render(OutputFormat::Csv, std::slice::from_ref(&s));
        let row = csv.lines().nth(1).unwrap_or_default();
        assert!(row.contains(",'=cmd|"), "{row}");
        let table = render(OutputFormat::Table, &[s]);
        assert!(!table.contains('\u{1b}'), "{table:?}");
        assert!(!table.contains('\r'), "{table:?}");
        assert!(table.contains("\\u{1b}]0;pwned"), "{table:?}");
    }

    #[test]
    fn csv_written_field_by_field_is_what_the_csv_crate_writes() {
        let mut hostile = sample();
        hostile.id = "a,\"b\"\r\nc".into();
        hostile.vendor_status = Some("=1+2".into());
        hostile.charger.name = Some("-x, \"quoted\"".into());
        hostile.charger.max_power_kw = Some(Decimal::new(-225, 1));
        hostile.started_at = Some("2025-03-06T07:45:10.123456Z".parse().unwrap());
        hostile.ended_at = Some("2025-03-06T09:00:00Z".parse().unwrap());
        hostile.authorization = Some(Authorization::new(AuthMethod::PlugAndCharge));
        let mut bare = sample();
        bare.cost = None;
        bare.site = None;
        for s in [sample(), hostile, bare] {
            let mut direct = Vec::new();
            write_csv_row(&mut direct, &s).unwrap();
            let row = csv_row(&s);
            let via_crate = csv_line(row.iter().map(|c| csv_safe(c).into_owned())).unwrap();
            assert_eq!(
                String::from_utf8(direct).unwrap(),
                String::from_utf8(via_crate).unwrap()
            );
        }
        for m in [
            AuthMethod::Rfid,
            AuthMethod::App,
            AuthMethod::Remote,
            AuthMethod::PlugAndCharge,
            AuthMethod::Free,
            AuthMethod::Other,
        ] {
            assert_eq!(serde_json::to_value(m).unwrap().as_str(), Some(m.as_str()));
        }
    }

    #[test]
    fn nothing_is_written_before_a_record_or_finish() {
        let w = SessionWriter::new(OutputFormat::Csv, Vec::new()).unwrap();
        drop(w);
        let mut out = Vec::new();
        let w = SessionWriter::new(OutputFormat::Table, &mut out).unwrap();
        w.finish().unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            format!("{}\n", table_header())
        );
    }

    #[test]
    fn csv_keeps_cyrillic_and_columns() {
        let out = render(OutputFormat::Csv, &[sample()]);
        let mut r = csv::Reader::from_reader(out.as_bytes());
        let headers: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
        assert_eq!(headers, CSV_COLUMNS);
        let row = r.records().next().unwrap().unwrap();
        assert_eq!(&row[14], "Коминтерна, 105");
        assert_eq!(&row[6], "1.845");
        assert_eq!(&row[4], "2023-12-25T17:34:08Z");
        assert!(row[29].contains("Зарядка"), "{}", &row[29]);
    }

    #[test]
    fn json_is_one_array_and_ndjson_one_line_each() {
        let out = render(OutputFormat::Json, &[sample(), sample()]);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v.as_array().unwrap().len(), 2);
        assert_eq!(v[0]["energy_kwh"].to_string(), "1.845");
        let out = render(OutputFormat::Json, &[]);
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&out).unwrap(),
            serde_json::json!([])
        );
        let out = render(OutputFormat::Ndjson, &[sample(), sample()]);
        assert_eq!(out.lines().count(), 2);
        assert!(out.contains("Коминтерна"));
        let back: ChargingSession = serde_json::from_str(out.lines().next().unwrap()).unwrap();
        assert_eq!(back, sample());
    }

    #[test]
    fn summary_of_absurd_values_saturates_instead_of_panicking() {
        let mut big = sample();
        big.energy_kwh = Some(Decimal::MAX);
        if let Some(c) = big.cost.as_mut() {
            c.total_incl_vat = Some(Decimal::MAX);
        }
        let mut sum = Summary::default();
        sum.add(&big);
        sum.add(&big);
        assert_eq!(sum.by_source["vendor-a"].energy_kwh, Decimal::MAX);
        assert_eq!(
            sum.by_source["vendor-a"].cost_by_currency["RUB"],
            Decimal::MAX
        );
        sum.write_text(Vec::new()).unwrap();
    }

    #[test]
    fn table_and_summary() {
        let out = render(OutputFormat::Table, &[sample()]);
        assert!(out.starts_with("SOURCE"));
        assert!(out.contains("1523") && out.contains("0 RUB") && out.contains("Коминтерна"));
        let mut sum = Summary::default();
        sum.add(&sample());
        sum.add(&sample());
        let mut buf = Vec::new();
        sum.write_text(&mut buf).unwrap();
        let text = String::from_utf8(buf).unwrap();
        assert!(text.contains("3.690 kWh"), "{text}");
        assert_eq!(sum.sessions(), 2);
    }
}
