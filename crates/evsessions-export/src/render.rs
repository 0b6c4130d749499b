//! A [`Statement`] as a text table, CSV, JSON or a self-contained HTML page.
//!
//! - `table`: per group its totals and its sessions, for a terminal;
//! - `csv`: one row per group and currency (`group, currency, sessions, kwh, hours, excl_vat,
//!   vat, incl_vat, unpriced, incomplete, unknown_energy, open`, then the same money apart for
//!   the vendors' prices and the tariffs': `vendor_sessions, vendor_excl_vat, vendor_vat,
//!   vendor_incl_vat, tariff_sessions, tariff_excl_vat, tariff_vat, tariff_incl_vat, tariffs`),
//!   for a spreadsheet; with [`render_detail`], one row per billed session instead (the
//!   reimbursement annex: [`DETAIL_COLUMNS`]);
//! - `json`: the whole statement (groups, totals, every line with its `price_source`), for
//!   programs;
//! - `html`: one page, no script, no network: per group the totals, the tariffs used, a bar
//!   chart of kWh per day (inline SVG) and every session, so that a driver can check each line.

use std::io::Write;
use std::str::FromStr;

use rust_decimal::Decimal;

use crate::statement::{Amounts, Group, Line, MoneyTotal, Statement};
use crate::ExportError;

/// The formats of a statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StatementFormat {
    /// Aligned text.
    #[default]
    Table,
    /// One row per group and currency.
    Csv,
    /// The statement as JSON.
    Json,
    /// One self-contained HTML page.
    Html,
}

impl FromStr for StatementFormat {
    type Err = ExportError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "table" => Ok(StatementFormat::Table),
            "csv" => Ok(StatementFormat::Csv),
            "json" => Ok(StatementFormat::Json),
            "html" => Ok(StatementFormat::Html),
            other => Err(ExportError::Invalid {
                message: format!(
                    "unknown statement format {other:?}; use table, csv, json or html"
                ),
            }),
        }
    }
}

/// The columns of the per-session CSV ([`render_detail`]).
pub const DETAIL_COLUMNS: &[&str] = &[
    "group",
    "account",
    "source",
    "id",
    "date",
    "start",
    "end",
    "charger",
    "kwh",
    "currency",
    "energy_price",
    "excl_vat",
    "vat",
    "incl_vat",
    "price_source",
    "tariff_id",
];

/// Write `st` in `format` with a line per billed session: for `csv`, one row per session
/// ([`DETAIL_COLUMNS`]: its group, local date and times, charger, kWh, the energy price a
/// tariff applied, the amounts and who priced it) — the annex an employer attaches to a
/// reimbursement; the other formats already list every session and are written as by
/// [`render`].
///
/// ```
/// use evsessions_export::render::{render_detail, StatementFormat};
/// use evsessions_export::statement::{Statement, StatementOptions};
/// let st = Statement::build(Vec::<evsessions_core::ChargingSession>::new(),
///     &StatementOptions::new("2025-06".parse().unwrap())).unwrap();
/// let mut csv = Vec::new();
/// render_detail(&st, StatementFormat::Csv, &mut csv).unwrap();
/// assert!(String::from_utf8(csv).unwrap().starts_with("group,account,source,id,date,"));
/// ```
pub fn render_detail(
    st: &Statement,
    format: StatementFormat,
    out: &mut dyn Write,
) -> Result<(), ExportError> {
    match format {
        StatementFormat::Csv => csv_detail(st, out),
        other => render(st, other, out),
    }
}

fn csv_detail(st: &Statement, out: &mut dyn Write) -> Result<(), ExportError> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(DETAIL_COLUMNS).map_err(csv_io)?;
    let text = |d: Option<Decimal>| d.map(|d| d.normalize().to_string()).unwrap_or_default();
    for g in &st.groups {
        for l in &g.lines {
            let date = l
                .start
                .as_deref()
                .and_then(|s| s.get(..10))
                .unwrap_or_default();
            w.write_record([
                g.key.as_str(),
                l.account.as_deref().unwrap_or_default(),
                l.source.as_str(),
                l.id.as_str(),
                date,
                l.start.as_deref().unwrap_or_default(),
                l.end.as_deref().unwrap_or_default(),
                l.charger.as_deref().unwrap_or_default(),
                &text(l.energy_kwh),
                l.currency.as_deref().unwrap_or_default(),
                &text(l.energy_price),
                &text(l.excl_vat),
                &text(l.vat),
                &text(l.incl_vat),
                l.price_source.as_str(),
                l.tariff_id.as_deref().unwrap_or_default(),
            ])
            .map_err(csv_io)?;
        }
    }
    w.flush()?;
    Ok(())
}

fn csv_io(e: csv::Error) -> ExportError {
    ExportError::Io(std::io::Error::other(e.to_string()))
}

/// Write `st` in `format` to `out`.
pub fn render(
    st: &Statement,
    format: StatementFormat,
    out: &mut dyn Write,
) -> Result<(), ExportError> {
    match format {
        StatementFormat::Table => table(st, out),
        StatementFormat::Csv => csv(st, out),
        StatementFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, st).map_err(|e| ExportError::Io(e.into()))?;
            writeln!(out)?;
            Ok(())
        }
        StatementFormat::Html => html(st, out),
    }
}

fn hours(seconds: i64) -> Decimal {
    (Decimal::from(seconds) / Decimal::from(3600)).round_dp(2)
}

fn opt(d: Option<Decimal>) -> String {
    d.map(|d| d.normalize().to_string())
        .unwrap_or_else(|| "-".into())
}

/// Text from a server never reaches a terminal raw: control characters are escaped.
fn clean(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

fn header(st: &Statement) -> String {
    format!(
        "Statement {} by {} — month cut in {} ({} to {}, UTC)",
        st.month,
        st.group_by.as_str(),
        st.time_zone,
        st.period_start.format("%Y-%m-%d %H:%M"),
        st.period_end.format("%Y-%m-%d %H:%M")
    )
}

/// `vendor 1.21 (1 sessions) + tariff 8.98 (2 sessions)`, the parts that priced something.
fn split(m: &MoneyTotal) -> String {
    [("vendor", &m.vendor), ("tariff", &m.tariff)]
        .into_iter()
        .filter(|(_, a)| a.sessions > 0)
        .map(|(who, a)| {
            format!(
                "{who} {} incl. VAT ({} sessions)",
                a.incl_vat.normalize(),
                a.sessions
            )
        })
        .collect::<Vec<_>>()
        .join(" + ")
}

fn money_text(g: &Group) -> Vec<String> {
    g.money
        .iter()
        .map(|m| {
            let mut t = format!(
                "{}: {} excl. VAT + {} VAT = {} incl. VAT ({} sessions)",
                clean(&m.currency),
                m.total.excl_vat.normalize(),
                m.total.vat.normalize(),
                m.total.incl_vat.normalize(),
                m.total.sessions
            );
            if m.total.incomplete > 0 {
                t.push_str(&format!(", {} without every amount", m.total.incomplete));
            }
            if m.tariff.sessions > 0 {
                t.push_str(&format!(": {}", split(m)));
            }
            t
        })
        .collect()
}

fn line_text(l: &Line) -> String {
    let tariff = l
        .tariff_id
        .as_deref()
        .map(|t| format!("  (tariff {})", clean(t)))
        .unwrap_or_default();
    format!(
        "    {:<12} {:<14} {:<27} {:<27} {:>10} kWh  {}{tariff}",
        clean(&l.source),
        clean(&l.id),
        l.start.as_deref().unwrap_or("-"),
        l.end.as_deref().unwrap_or("-"),
        opt(l.energy_kwh),
        if l.unpriced {
            "UNPRICED".to_string()
        } else {
            format!(
                "{} {}",
                opt(l.incl_vat),
                clean(l.currency.as_deref().unwrap_or(""))
            )
        }
    )
}

fn table(st: &Statement, out: &mut dyn Write) -> Result<(), ExportError> {
    writeln!(out, "{}", header(st))?;
    if st.groups.is_empty() {
        writeln!(out, "\nno session started in this month")?;
    }
    for g in &st.groups {
        writeln!(out)?;
        writeln!(
            out,
            "{}: {} sessions, {} kWh, {} h",
            clean(&g.key),
            g.sessions,
            g.energy_kwh.normalize(),
            hours(g.duration_seconds)
        )?;
        for m in money_text(g) {
            writeln!(out, "  {m}")?;
        }
        if g.unpriced > 0 {
            writeln!(
                out,
                "  {} session(s) UNPRICED (no amount from the vendor, no tariff)",
                g.unpriced
            )?;
        }
        if g.unknown_energy > 0 {
            writeln!(out, "  {} session(s) without energy", g.unknown_energy)?;
        }
        if !g.tariffs.is_empty() {
            writeln!(
                out,
                "  tariff used: {}",
                g.tariffs
                    .iter()
                    .map(|t| clean(t))
                    .collect::<Vec<_>>()
                    .join(", ")
            )?;
        }
        for l in &g.lines {
            writeln!(out, "{}", line_text(l))?;
        }
        if !g.open.is_empty() {
            writeln!(out, "  not billed (not completed):")?;
            for l in &g.open {
                writeln!(out, "{}  [{}]", line_text(l), l.status)?;
            }
        }
    }
    if st.invalid_excluded > 0 {
        writeln!(out, "\n{} invalid session(s) excluded", st.invalid_excluded)?;
    }
    Ok(())
}

fn csv(st: &Statement, out: &mut dyn Write) -> Result<(), ExportError> {
    let mut w = csv::Writer::from_writer(out);
    let io = csv_io;
    w.write_record([
        "group",
        "currency",
        "sessions",
        "kwh",
        "hours",
        "excl_vat",
        "vat",
        "incl_vat",
        "unpriced",
        "incomplete",
        "unknown_energy",
        "open",
        "vendor_sessions",
        "vendor_excl_vat",
        "vendor_vat",
        "vendor_incl_vat",
        "tariff_sessions",
        "tariff_excl_vat",
        "tariff_vat",
        "tariff_incl_vat",
        "tariffs",
    ])
    .map_err(io)?;
    for g in &st.groups {
        let common = |currency: &str,
                      sessions: u64,
                      ex: String,
                      vat: String,
                      inc: String,
                      incomplete: u64,
                      parts: Option<[&Amounts; 2]>| {
            let mut row = vec![
                g.key.clone(),
                currency.to_string(),
                sessions.to_string(),
                g.energy_kwh.normalize().to_string(),
                hours(g.duration_seconds).to_string(),
                ex,
                vat,
                inc,
                g.unpriced.to_string(),
                incomplete.to_string(),
                g.unknown_energy.to_string(),
                g.open.len().to_string(),
            ];
            match parts {
                Some(parts) => {
                    for a in parts {
                        row.extend([
                            a.sessions.to_string(),
                            a.excl_vat.normalize().to_string(),
                            a.vat.normalize().to_string(),
                            a.incl_vat.normalize().to_string(),
                        ]);
                    }
                }
                None => row.extend(std::iter::repeat_n(String::new(), 8)),
            }
            row.push(g.tariffs.join(" "));
            row
        };
        if g.money.is_empty() {
            w.write_record(common(
                "",
                g.sessions,
                String::new(),
                String::new(),
                String::new(),
                0,
                None,
            ))
            .map_err(io)?;
        }
        for m in &g.money {
            w.write_record(common(
                &m.currency,
                g.sessions,
                m.total.excl_vat.normalize().to_string(),
                m.total.vat.normalize().to_string(),
                m.total.incl_vat.normalize().to_string(),
                m.total.incomplete,
                Some([&m.vendor, &m.tariff]),
            ))
            .map_err(io)?;
        }
    }
    w.flush()?;
    Ok(())
}

fn esc(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => s.push_str("&amp;"),
            '<' => s.push_str("&lt;"),
            '>' => s.push_str("&gt;"),
            '"' => s.push_str("&quot;"),
            '\'' => s.push_str("&#39;"),
            c if c.is_control() => s.push_str(&format!("&#{};", c as u32)),
            c => s.push(c),
        }
    }
    s
}

/// The kWh-per-day bar chart of a group, as inline SVG.
fn chart(g: &Group) -> String {
    let (w, h, pad) = (620u32, 140u32, 20u32);
    let days = g.kwh_per_day.len().max(1) as u32;
    let max = g
        .kwh_per_day
        .iter()
        .copied()
        .max()
        .filter(|m| *m > Decimal::ZERO)
        .unwrap_or(Decimal::ONE);
    let slot = (w - 2 * pad) / days;
    let mut svg = format!(
        r##"<svg class="chart" role="img" aria-label="kWh per day" viewBox="0 0 {w} {h}" width="{w}" height="{h}" xmlns="http://www.w3.org/2000/svg">"##
    );
    svg.push_str(&format!(
        r##"<line x1="{pad}" y1="{y}" x2="{x2}" y2="{y}" stroke="#999" stroke-width="1"/>"##,
        y = h - pad,
        x2 = w - pad
    ));
    for (i, kwh) in g.kwh_per_day.iter().enumerate() {
        let i = i as u32;
        let ratio = (*kwh / max).round_dp(4);
        let bar = (Decimal::from(h - 2 * pad) * ratio)
            .round()
            .to_string()
            .parse::<u32>()
            .unwrap_or(0);
        let x = pad + i * slot + 1;
        if bar > 0 {
            svg.push_str(&format!(
                r##"<rect x="{x}" y="{y}" width="{bw}" height="{bar}" fill="#2f7d6d"><title>day {d}: {k} kWh</title></rect>"##,
                y = h - pad - bar,
                bw = slot.saturating_sub(2).max(1),
                d = i + 1,
                k = kwh.normalize()
            ));
        }
        if i == 0 || (i + 1) % 5 == 0 {
            svg.push_str(&format!(
                r##"<text x="{tx}" y="{ty}" font-size="9" fill="#555">{d}</text>"##,
                tx = x,
                ty = h - pad + 12,
                d = i + 1
            ));
        }
    }
    svg.push_str(&format!(
        r##"<text x="{pad}" y="12" font-size="10" fill="#555">max {} kWh/day</text></svg>"##,
        max.normalize()
    ));
    svg
}

fn line_row(l: &Line) -> String {
    format!(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
        esc(&l.source),
        esc(&l.id),
        esc(l.start.as_deref().unwrap_or("-")),
        esc(l.end.as_deref().unwrap_or("-")),
        esc(&opt(l.energy_kwh)),
        if l.unpriced {
            "<span class=\"flag\">unpriced</span>".to_string()
        } else {
            esc(&format!(
                "{} {}",
                opt(l.incl_vat),
                l.currency.as_deref().unwrap_or("")
            ))
        },
        match &l.tariff_id {
            Some(t) => format!("tariff {}", esc(t)),
            None => esc(l.price_source.as_str()),
        }
    )
}

fn html(st: &Statement, out: &mut dyn Write) -> Result<(), ExportError> {
    let title = format!(
        "Charging statement {} by {}",
        st.month,
        st.group_by.as_str()
    );
    write!(
        out,
        r##"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{t}</title>
<style>
body{{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:980px;color:#1d2a33;padding:0 1rem}}
h1{{font-size:1.5rem;margin-bottom:.2rem}} .sub{{color:#5b6b75;margin-top:0}}
section{{border:1px solid #dde3e7;border-radius:8px;padding:1rem 1.2rem;margin:1.2rem 0}}
h2{{font-size:1.15rem;margin:.2rem 0 .6rem}} .totals{{display:flex;gap:1.5rem;flex-wrap:wrap;margin:.4rem 0}}
.totals div{{background:#f3f6f8;border-radius:6px;padding:.4rem .7rem}} .totals b{{display:block;font-size:1.1rem}}
table{{border-collapse:collapse;width:100%;font-size:.9rem;margin-top:.6rem}} th,td{{text-align:left;padding:.25rem .4rem;border-bottom:1px solid #eef1f3}}
td.n,th.n{{text-align:right;font-variant-numeric:tabular-nums}} .flag{{color:#a4461d;font-weight:600}} .open{{color:#5b6b75}}
</style></head><body>
<h1>{t}</h1>
<p class="sub">Month cut in <b>{zone}</b>: {from} to {to} (UTC), on the session start. Completed sessions are billed; open ones are listed apart.</p>
"##,
        t = esc(&title),
        zone = esc(&st.time_zone),
        from = st.period_start.format("%Y-%m-%d %H:%M"),
        to = st.period_end.format("%Y-%m-%d %H:%M"),
    )?;
    if st.groups.is_empty() {
        writeln!(out, "<p>No session started in this month.</p>")?;
    }
    for g in &st.groups {
        writeln!(
            out,
            "<section><h2>{}</h2><div class=\"totals\">",
            esc(&g.key)
        )?;
        writeln!(out, "<div>sessions<b>{}</b></div>", g.sessions)?;
        writeln!(
            out,
            "<div>energy<b>{} kWh</b></div>",
            g.energy_kwh.normalize()
        )?;
        writeln!(
            out,
            "<div>duration<b>{} h</b></div>",
            hours(g.duration_seconds)
        )?;
        for m in &g.money {
            let split = if m.tariff.sessions > 0 {
                format!("<br>{}", esc(&split(m)))
            } else {
                String::new()
            };
            writeln!(
                out,
                "<div>{} incl. VAT<b>{}</b>{} excl. + {} VAT{split}</div>",
                esc(&m.currency),
                m.total.incl_vat.normalize(),
                m.total.excl_vat.normalize(),
                m.total.vat.normalize()
            )?;
        }
        if g.unpriced > 0 {
            writeln!(
                out,
                "<div class=\"flag\">unpriced<b>{}</b>no amount from the vendor, no tariff</div>",
                g.unpriced
            )?;
        }
        writeln!(out, "</div>")?;
        if !g.tariffs.is_empty() {
            writeln!(
                out,
                "<p class=\"tariff\">Tariff used: {}</p>",
                g.tariffs
                    .iter()
                    .map(|t| esc(t))
                    .collect::<Vec<_>>()
                    .join(", ")
            )?;
        }
        writeln!(out, "{}", chart(g))?;
        writeln!(
            out,
            "<table><thead><tr><th>source</th><th>session</th><th>start</th><th>end</th><th class=\"n\">kWh</th><th class=\"n\">cost incl. VAT</th><th>priced by</th></tr></thead><tbody>"
        )?;
        for l in &g.lines {
            writeln!(out, "{}", line_row(l))?;
        }
        writeln!(out, "</tbody></table>")?;
        if !g.open.is_empty() {
            writeln!(
                out,
                "<p class=\"open\">Not billed ({} not completed):</p><table class=\"open\"><tbody>",
                g.open.len()
            )?;
            for l in &g.open {
                writeln!(out, "{}", line_row(l))?;
            }
            writeln!(out, "</tbody></table>")?;
        }
        writeln!(out, "</section>")?;
    }
    if st.invalid_excluded > 0 {
        writeln!(
            out,
            "<p>{} invalid session(s) excluded.</p>",
            st.invalid_excluded
        )?;
    }
    writeln!(out, "</body></html>")?;
    Ok(())
}
