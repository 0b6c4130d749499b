//! The JSON text of a [`ChargingSession`] written by hand: byte for byte what
//! `serde_json::to_writer(&session)` writes (the public serde form, `docs/schema.md`), without
//! serde's machinery. The `json` and `ndjson` outputs spend most of their time here.
//!
//! Every struct is destructured without `..`: a field added to the model does not compile here
//! until it is written (in the serde derive's key order, with its `#[serde(...)]` behaviour).

use std::io;

use chrono::{DateTime, Utc};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use crate::model::{
    AuthMethod, Authorization, Charger, ChargingSession, Cost, CostComponent, CostKind,
    SessionStatus, Site, SourceKind, StateOfCharge,
};
use crate::serde_util::{format_utc, json_number, unwritable_decimal, utc_text, JsonNumber};

/// Append the JSON text of `session` to `out`: exactly the bytes `serde_json::to_writer`
/// writes for it (compact, keys in the documented order, `raw` verbatim), only cheaper. No
/// line break is added. Reuse one buffer for many records: nothing else is allocated.
///
/// Fails only for a decimal that has no JSON number (as `serde_json` would); `out` may then
/// hold part of the record.
///
/// ```
/// use evsessions_core::output::write_session_json;
/// use evsessions_core::{ChargingSession, Decimal, SourceKind};
///
/// let mut s = ChargingSession::new(SourceKind::from_static("demo"), "7\"x", serde_json::json!({"id": 7}));
/// s.energy_kwh = Some(Decimal::new(24445, 3));
/// let mut buf = Vec::new();
/// write_session_json(&mut buf, &s).unwrap();
/// assert_eq!(buf, serde_json::to_vec(&s).unwrap());
/// assert!(buf.starts_with(br#"{"source":"demo","id":"7\"x","status":"unknown","#));
/// ```
pub fn write_session_json(out: &mut Vec<u8>, session: &ChargingSession) -> io::Result<()> {
    let ChargingSession {
        source,
        id,
        status,
        vendor_status,
        started_at,
        ended_at,
        energy_kwh,
        charger,
        site,
        authorization,
        state_of_charge,
        cost,
        raw,
    } = session;
    out.extend_from_slice(b"{\"source\":");
    write_source(out, source);
    out.extend_from_slice(b",\"id\":");
    write_str(out, id);
    out.extend_from_slice(b",\"status\":");
    write_status(out, *status);
    out.extend_from_slice(b",\"vendor_status\":");
    write_opt_str(out, vendor_status);
    out.extend_from_slice(b",\"started_at\":");
    write_opt_time(out, started_at);
    out.extend_from_slice(b",\"ended_at\":");
    write_opt_time(out, ended_at);
    out.extend_from_slice(b",\"energy_kwh\":");
    write_opt_decimal(out, energy_kwh)?;
    out.extend_from_slice(b",\"charger\":");
    write_charger(out, charger)?;
    out.extend_from_slice(b",\"site\":");
    match site {
        Some(site) => write_site(out, site)?,
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"authorization\":");
    match authorization {
        Some(a) => write_authorization(out, a),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"state_of_charge\":");
    match state_of_charge {
        Some(soc) => write_state_of_charge(out, soc)?,
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"cost\":");
    match cost {
        Some(c) => write_cost(out, c)?,
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"raw\":");
    // `RawRecord` serializes as its text, which serde_json writes verbatim.
    out.extend_from_slice(raw.as_str().as_bytes());
    out.push(b'}');
    Ok(())
}

fn write_source(out: &mut Vec<u8>, source: &SourceKind) {
    // `#[serde(transparent)]`: the name as a string.
    write_str(out, source.as_str());
}

fn write_status(out: &mut Vec<u8>, status: SessionStatus) {
    // `#[serde(rename_all = "snake_case")]`, which `as_str` spells (checked by the tests).
    write_str(out, status.as_str());
}

fn write_charger(out: &mut Vec<u8>, charger: &Charger) -> io::Result<()> {
    let Charger {
        id,
        name,
        connector_id,
        connector_type,
        evse_id,
        max_power_kw,
    } = charger;
    out.extend_from_slice(b"{\"id\":");
    write_opt_str(out, id);
    out.extend_from_slice(b",\"name\":");
    write_opt_str(out, name);
    out.extend_from_slice(b",\"connector_id\":");
    write_opt_str(out, connector_id);
    out.extend_from_slice(b",\"connector_type\":");
    write_opt_str(out, connector_type);
    out.extend_from_slice(b",\"evse_id\":");
    write_opt_str(out, evse_id);
    out.extend_from_slice(b",\"max_power_kw\":");
    write_opt_decimal(out, max_power_kw)?;
    out.push(b'}');
    Ok(())
}

fn write_site(out: &mut Vec<u8>, site: &Site) -> io::Result<()> {
    let Site {
        id,
        name,
        address,
        latitude,
        longitude,
    } = site;
    out.extend_from_slice(b"{\"id\":");
    write_opt_str(out, id);
    out.extend_from_slice(b",\"name\":");
    write_opt_str(out, name);
    out.extend_from_slice(b",\"address\":");
    write_opt_str(out, address);
    out.extend_from_slice(b",\"latitude\":");
    write_opt_decimal(out, latitude)?;
    out.extend_from_slice(b",\"longitude\":");
    write_opt_decimal(out, longitude)?;
    out.push(b'}');
    Ok(())
}

fn write_authorization(out: &mut Vec<u8>, a: &Authorization) {
    let Authorization {
        method,
        id_tag,
        user_id,
        user_name,
    } = a;
    out.extend_from_slice(b"{\"method\":");
    write_auth_method(out, *method);
    out.extend_from_slice(b",\"id_tag\":");
    write_opt_str(out, id_tag);
    out.extend_from_slice(b",\"user_id\":");
    write_opt_str(out, user_id);
    out.extend_from_slice(b",\"user_name\":");
    write_opt_str(out, user_name);
    out.push(b'}');
}

fn write_auth_method(out: &mut Vec<u8>, method: AuthMethod) {
    write_str(out, method.as_str());
}

fn write_state_of_charge(out: &mut Vec<u8>, soc: &StateOfCharge) -> io::Result<()> {
    let StateOfCharge {
        start_percent,
        end_percent,
    } = soc;
    out.extend_from_slice(b"{\"start_percent\":");
    write_opt_decimal(out, start_percent)?;
    out.extend_from_slice(b",\"end_percent\":");
    write_opt_decimal(out, end_percent)?;
    out.push(b'}');
    Ok(())
}

fn write_cost(out: &mut Vec<u8>, cost: &Cost) -> io::Result<()> {
    let Cost {
        currency,
        total_excl_vat,
        total_incl_vat,
        vat_amount,
        vat_percent,
        components,
    } = cost;
    out.extend_from_slice(b"{\"currency\":");
    write_opt_str(out, currency);
    out.extend_from_slice(b",\"total_excl_vat\":");
    write_opt_decimal(out, total_excl_vat)?;
    out.extend_from_slice(b",\"total_incl_vat\":");
    write_opt_decimal(out, total_incl_vat)?;
    out.extend_from_slice(b",\"vat_amount\":");
    write_opt_decimal(out, vat_amount)?;
    out.extend_from_slice(b",\"vat_percent\":");
    write_opt_decimal(out, vat_percent)?;
    out.extend_from_slice(b",\"components\":[");
    for (i, c) in components.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_component(out, c)?;
    }
    out.extend_from_slice(b"]}");
    Ok(())
}

fn write_component(out: &mut Vec<u8>, c: &CostComponent) -> io::Result<()> {
    let CostComponent {
        kind,
        name,
        quantity,
        unit,
        unit_price,
        amount_excl_vat,
        amount_incl_vat,
    } = c;
    out.extend_from_slice(b"{\"kind\":");
    out.extend_from_slice(cost_kind_json(*kind));
    out.extend_from_slice(b",\"name\":");
    write_opt_str(out, name);
    out.extend_from_slice(b",\"quantity\":");
    write_opt_decimal(out, quantity)?;
    out.extend_from_slice(b",\"unit\":");
    write_opt_str(out, unit);
    out.extend_from_slice(b",\"unit_price\":");
    write_opt_decimal(out, unit_price)?;
    out.extend_from_slice(b",\"amount_excl_vat\":");
    write_opt_decimal(out, amount_excl_vat)?;
    out.extend_from_slice(b",\"amount_incl_vat\":");
    write_opt_decimal(out, amount_incl_vat)?;
    out.push(b'}');
    Ok(())
}

/// `#[serde(rename_all = "snake_case")]` of [`CostKind`], quoted.
fn cost_kind_json(kind: CostKind) -> &'static [u8] {
    match kind {
        CostKind::Energy => b"\"energy\"",
        CostKind::Time => b"\"time\"",
        CostKind::Parking => b"\"parking\"",
        CostKind::Flat => b"\"flat\"",
        CostKind::Other => b"\"other\"",
    }
}

fn write_opt_str(out: &mut Vec<u8>, v: &Option<String>) {
    match v {
        Some(text) => write_str(out, text),
        None => out.extend_from_slice(b"null"),
    }
}

/// `serde_util::utc_opt`: RFC 3339 UTC text, or `null`.
fn write_opt_time(out: &mut Vec<u8>, v: &Option<DateTime<Utc>>) {
    match v {
        Some(t) => match utc_text(t) {
            Some(text) => {
                out.push(b'"');
                out.extend_from_slice(text.as_bytes());
                out.push(b'"');
            }
            None => write_str(out, &format_utc(t)),
        },
        None => out.extend_from_slice(b"null"),
    }
}

/// `serde_util::decimal_opt`: a JSON number, or `null`.
fn write_opt_decimal(out: &mut Vec<u8>, v: &Option<Decimal>) -> io::Result<()> {
    match v {
        Some(d) => write_decimal(out, d),
        None => {
            out.extend_from_slice(b"null");
            Ok(())
        }
    }
}

/// What `ESCAPE[byte]` means: 0 = written as is; `u` = `\u00XX`; else `\` and that letter.
/// The same table as serde_json's: only `"`, `\` and the control characters below 0x20.
const ESCAPE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = b'u';
        i += 1;
    }
    t[0x08] = b'b';
    t[0x09] = b't';
    t[0x0a] = b'n';
    t[0x0c] = b'f';
    t[0x0d] = b'r';
    t[b'"' as usize] = b'"';
    t[b'\\' as usize] = b'\\';
    t
};

const HEX: &[u8; 16] = b"0123456789abcdef";

/// `text` as a JSON string, escaped exactly as serde_json escapes it.
fn write_str(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    if !needs_escape(bytes) {
        // The common case, checked eight bytes at a time: the text as it is.
        out.extend_from_slice(bytes);
        out.push(b'"');
        return;
    }
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape = ESCAPE[usize::from(b)];
        if escape == 0 {
            continue;
        }
        out.extend_from_slice(&bytes[start..i]);
        if escape == b'u' {
            out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(b >> 4)],
                HEX[usize::from(b & 0xf)],
            ]);
        } else {
            out.extend_from_slice(&[b'\\', escape]);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// Whether any byte of `bytes` is escaped in JSON ([`ESCAPE`]: `"`, `\\`, below 0x20), eight
/// bytes at a time: `(x - n·ONES) & !x & HIGHS` is non-zero exactly when some byte of `x` is
/// below `n` (`n <= 0x80`; a borrow can flag a higher byte only after a lower one was below
/// `n` already): the classic "has a byte less than" test.
fn needs_escape(bytes: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let below = |x: u64, n: u64| x.wrapping_sub(n * ONES) & !x & HIGHS;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let Ok(lanes) = <[u8; 8]>::try_from(chunk) else {
            return true;
        };
        let x = u64::from_le_bytes(lanes);
        if below(x, 0x20)
            | below(x ^ (u64::from(b'"') * ONES), 1)
            | below(x ^ (u64::from(b'\\') * ONES), 1)
            != 0
        {
            return true;
        }
    }
    chunks
        .remainder()
        .iter()
        .any(|b| ESCAPE[usize::from(*b)] != 0)
}

/// `serde_util::decimal::serialize` as serde_json writes it: an integral value that fits
/// `i64` as an integer, anything else as the shortest text that reads back as
/// `Decimal::to_f64`'s value. The decimal's own digits where that is provably the same text
/// (see [`write_decimal_digits`]), else the `f64` through serde_json itself.
fn write_decimal(out: &mut Vec<u8>, d: &Decimal) -> io::Result<()> {
    if let Ok(mantissa) = u64::try_from(d.mantissa().unsigned_abs()) {
        if write_decimal_digits(out, mantissa, d.scale(), d.is_sign_negative(), d) {
            return Ok(());
        }
    }
    match json_number(d) {
        Some(JsonNumber::Int(i)) => {
            if i < 0 {
                out.push(b'-');
            }
            write_u64(out, i.unsigned_abs());
            Ok(())
        }
        Some(JsonNumber::Float(f)) => {
            serde_json::to_writer(&mut *out, &f).map_err(io::Error::other)
        }
        None => Err(io::Error::other(unwritable_decimal(d))),
    }
}

/// `10^i` for every `i` an `f64` holds exactly.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// The decimal `±mantissa × 10^-scale` (`d`) written from its own digits, when that is
/// provably the text the serde path writes; `false` (nothing written) otherwise.
///
/// - Integral: the serde path writes `to_i64`, which is `±mantissa` when it fits `i64`.
/// - Not integral: the serde path writes `f = d.to_f64()` in serde_json's shortest round-trip
///   form. When `d` has at most 15 significant digits and `f` is the `f64` nearest to `d`
///   (checked: with `mantissa < 10^15` and `10^scale` both exact, `mantissa / 10^scale` is that
///   `f64`, IEEE division rounding correctly), the shortest text that reads back as `f` has
///   `d`'s digits: any two decimals of at most 15 significant digits have different nearest
///   `f64`s (15 = `f64::DIGITS`), so no other text as short reads back as `f`. serde_json's
///   formatter (zmij) writes plain notation (`0.00001234`, `12.34`) when the leading digit is
///   at 10^-5 … 10^15; outside that it writes an exponent, so those go the slow way.
/// - The check is skipped where it provably holds: see [`to_f64_is_nearest`].
fn write_decimal_digits(
    out: &mut Vec<u8>,
    mut mantissa: u64,
    mut scale: u32,
    negative: bool,
    d: &Decimal,
) -> bool {
    let nearest_known = to_f64_is_nearest(mantissa, scale);
    while scale > 0 && mantissa % 10 == 0 {
        mantissa /= 10;
        scale -= 1;
    }
    if scale == 0 {
        if mantissa == 0 {
            out.push(b'0'); // -0 too: `to_i64` gives 0
        } else if negative && mantissa <= 1 << 63 {
            out.push(b'-');
            write_u64(out, mantissa);
        } else if !negative && mantissa <= i64::MAX as u64 {
            write_u64(out, mantissa);
        } else {
            return false;
        }
        return true;
    }
    if mantissa >= 1_000_000_000_000_000 {
        return false; // more than 15 significant digits
    }
    let mut digits = [0u8; 20];
    let len = u64_digits(&mut digits, mantissa);
    let scale = scale as usize;
    // The leading digit is at 10^(len - 1 - scale); below 10^-5 serde_json writes an exponent.
    if len + 5 <= scale {
        return false;
    }
    // scale < len + 5 <= 20 here: 10^scale is exact.
    let Some(&pow) = POW10.get(scale) else {
        return false;
    };
    let nearest = mantissa as f64 / pow;
    let nearest = if negative { -nearest } else { nearest };
    if !nearest_known && decimal_to_f64(d) != Some(nearest) {
        return false;
    }
    let digits = &digits[digits.len() - len..];
    if negative {
        out.push(b'-');
    }
    if len > scale {
        let (int, frac) = digits.split_at(len - scale);
        out.extend_from_slice(int);
        out.push(b'.');
        out.extend_from_slice(frac);
    } else {
        out.extend_from_slice(b"0.");
        out.extend(std::iter::repeat_n(b'0', scale - len));
        out.extend_from_slice(digits);
    }
    true
}

/// Whether `Decimal::to_f64` of `mantissa × 10^-scale` is surely the `f64` nearest to it.
///
/// It is for `mantissa < 10^15` and `1 <= scale <= 22`. rust_decimal computes `v = i + f`
/// (`i` the integral part, exact; `f` the fraction divided in `f64`), then
/// `round(v × 10^scale) / 10^scale`. `10^scale` is exact, and the three rounded steps put
/// `v × 10^scale` within `mantissa × 3 × 2^-53 < 0.34` of `mantissa`, so `round` gives
/// `mantissa` exactly (below 2^53, exact in `f64`) and the last step is one correctly rounded
/// division: the nearest `f64`. (An integral value leaves with `i` alone, also exact.)
fn to_f64_is_nearest(mantissa: u64, scale: u32) -> bool {
    mantissa < 1_000_000_000_000_000 && (1..=22).contains(&scale)
}

/// `Decimal::to_f64(d)`, bit for bit: rust_decimal's own steps, done in `u64` where the
/// mantissa and `10^scale` fit one (its `u128` division and conversion cost several times
/// more), else by rust_decimal itself.
fn decimal_to_f64(d: &Decimal) -> Option<f64> {
    let scale = d.scale();
    let (Ok(mantissa), Some(precision)) = (
        u64::try_from(d.mantissa().unsigned_abs()),
        10u64.checked_pow(scale),
    ) else {
        return d.to_f64();
    };
    if scale == 0 {
        return d.to_f64();
    }
    // rust_decimal 1.x `Decimal::as_f64` for a scale above 0, with the same roundings: an
    // integer below 2^64 converts to the same f64 from u64 as from u128.
    let integral = (mantissa / precision) as f64;
    let frac = (mantissa % precision) as f64 / precision as f64;
    let negative = d.is_sign_negative();
    if frac == 0.0 {
        return Some(if negative { -integral } else { integral });
    }
    let round_to = 10f64.powi(scale as i32);
    let rounded = ((integral + frac) * round_to).round() / round_to;
    Some(if negative { -rounded } else { rounded })
}

/// `v`'s decimal digits right-aligned in `buf`; returns how many.
fn u64_digits(buf: &mut [u8; 20], mut v: u64) -> usize {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            return buf.len() - i;
        }
    }
}

fn write_u64(out: &mut Vec<u8>, v: u64) {
    let mut buf = [0u8; 20];
    let len = u64_digits(&mut buf, v);
    out.extend_from_slice(&buf[buf.len() - len..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn serde_text(d: Decimal) -> String {
        #[derive(serde::Serialize)]
        struct W(#[serde(with = "crate::serde_util::decimal")] Decimal);
        serde_json::to_string(&W(d)).unwrap()
    }

    fn fast_text(d: Decimal) -> String {
        let mut out = Vec::new();
        write_decimal(&mut out, &d).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// xorshift64*: a fixed pseudo-random sequence (no dependency, same cases every run).
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    fn edge_cases() -> Vec<Decimal> {
        let p = |t: &str| t.parse::<Decimal>().unwrap();
        let mut v = vec![
            Decimal::ZERO,
            -Decimal::ZERO,
            Decimal::new(0, 5),
            Decimal::new(0, 5).set_sign_negative_copy(),
            p("0.00001"),
            p("-0.00001"),
            p("0.000001"),
            p("0.0000123456789"),
            p("0.0000099999"),
            p("1000000000000000"),
            p("10000000000000000"),
            p("100000000000000000"),
            p("999999999999999.9"),
            p("99999999999999.9"),
            p("0.1"),
            p("0.2"),
            p("0.3"),
            p("24.445"),
            p("1547.862"),
            p("9223372036854775807"),
            p("9223372036854775808"),
            p("9223372036854775806"),
            p("-9223372036854775808"),
            p("-9223372036854775809"),
            p("-9223372036854775807"),
            p("18446744073709551615"),
            p("18446744073709551616"),
            p("9223372036854775807.0"),
            p("-9223372036854775808.000"),
            Decimal::MAX,
            Decimal::MIN,
            p("0.0000000000000000000000000001"),
            p("0.1234567890123456789012345678"),
            p("-0.9999999999999999999999999999"),
            p("7.9228162514264337593543950335"),
            p("123456789012345.6"),
            p("12345678901234.56"),
            p("1.00000000000000000000"),
            p("-5.0000000000000000000000000"),
        ];
        v.extend([1e-5, 1e-6, 1e15, 1e16, 1e17, 1e21, 1e22].map(|f| Decimal::try_from(f).unwrap()));
        v
    }

    trait NegCopy {
        fn set_sign_negative_copy(self) -> Self;
    }
    impl NegCopy for Decimal {
        fn set_sign_negative_copy(mut self) -> Self {
            self.set_sign_negative(true);
            self
        }
    }

    #[test]
    fn decimals_are_written_as_the_serde_path_writes_them() {
        for d in edge_cases() {
            assert_eq!(fast_text(d), serde_text(d), "{d:?} scale {}", d.scale());
        }
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut fast = 0;
        let total = 250_000;
        for i in 0..total {
            let scale = rng.below(29) as u32;
            // Mantissas of every length: 1 to 29 digits (the 96-bit limit), biased to short.
            let digits = match i % 4 {
                0 => 1 + rng.below(8),
                1 => 1 + rng.below(16),
                _ => 1 + rng.below(29),
            };
            let mut m: u128 = 0;
            for _ in 0..digits {
                m = m * 10 + u128::from(rng.below(10));
            }
            // Trailing zeros, as decimals computed or read at a larger scale have them.
            if rng.below(4) == 0 {
                m = m.saturating_mul(10u128.pow(rng.below(6) as u32));
            }
            let m = m.min(Decimal::MAX.mantissa() as u128) as i128;
            let m = if rng.below(2) == 0 { -m } else { m };
            let d = Decimal::from_i128_with_scale(m, scale);
            let text = fast_text(d);
            assert_eq!(text, serde_text(d), "{d:?} scale {}", d.scale());
            assert_eq!(
                decimal_to_f64(&d).map(f64::to_bits),
                d.to_f64().map(f64::to_bits),
                "{d:?}"
            );
            if let Ok(mantissa) = u64::try_from(d.mantissa().unsigned_abs()) {
                if to_f64_is_nearest(mantissa, d.scale()) {
                    let nearest = mantissa as f64 / 10f64.powi(d.scale() as i32);
                    let nearest = if d.is_sign_negative() {
                        -nearest
                    } else {
                        nearest
                    };
                    assert_eq!(d.to_f64(), Some(nearest), "{d:?}");
                }
            }
            if let Ok(mantissa) = u64::try_from(d.mantissa().unsigned_abs()) {
                if write_decimal_digits(&mut Vec::new(), mantissa, scale, d.is_sign_negative(), &d)
                {
                    fast += 1;
                }
            }
        }
        // The fast path is taken often enough to matter, and the slow one is exercised too.
        assert!(
            fast > total / 4 && fast < total * 3 / 4,
            "{fast} of {total}"
        );
    }

    #[test]
    fn to_f64_is_the_nearest_where_it_is_said_to_be() {
        // The largest mantissas the claim covers, every scale it covers, and random ones.
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        let top = 1_000_000_000_000_000u64;
        let mantissas = (1..=20_000u64)
            .map(|k| top - k)
            .chain((0..20_000).map(|_| 1 + rng.below(top - 1)));
        for m in mantissas {
            for scale in 1..=22u32 {
                assert!(to_f64_is_nearest(m, scale));
                let d = Decimal::from_i128_with_scale(i128::from(m), scale);
                let nearest = m as f64 / 10f64.powi(scale as i32);
                assert_eq!(d.to_f64(), Some(nearest), "{d:?}");
            }
        }
        assert!(!to_f64_is_nearest(top, 3));
        assert!(!to_f64_is_nearest(5, 0));
        assert!(!to_f64_is_nearest(5, 23));
    }

    #[test]
    fn the_fast_path_takes_the_cases_it_should() {
        let p = |t: &str| t.parse::<Decimal>().unwrap();
        let fast = |d: Decimal| {
            let mut out = Vec::new();
            let taken = write_decimal_digits(
                &mut out,
                u64::try_from(d.mantissa().unsigned_abs()).unwrap(),
                d.scale(),
                d.is_sign_negative(),
                &d,
            );
            taken.then(|| String::from_utf8(out).unwrap())
        };
        assert_eq!(fast(p("24.4450")).as_deref(), Some("24.445"));
        assert_eq!(fast(p("-0.00001")).as_deref(), Some("-0.00001"));
        assert_eq!(fast(p("-12.000")).as_deref(), Some("-12"));
        assert_eq!(
            fast(p("-9223372036854775808")).as_deref(),
            Some("-9223372036854775808")
        );
        assert_eq!(fast(p("0.000001")), None); // 1e-6 in serde_json
        assert_eq!(fast(p("1.0000000000000001")), None); // 17 digits
        assert_eq!(fast(p("9223372036854775808")), None); // beyond i64
        assert_eq!(serde_text(p("0.000001")), "1e-6");
        assert_eq!(serde_text(p("0.00001")), "0.00001");
    }

    #[test]
    fn an_escaped_byte_is_found_in_every_lane() {
        for len in 0..40 {
            let plain = "x".repeat(len);
            assert!(!needs_escape(plain.as_bytes()));
            for pos in 0..len {
                for c in [
                    '"', '\\', '\n', '\u{0}', '\u{1f}', ' ', '!', '#', '[', ']', 'é', '\u{7f}',
                ] {
                    let mut text: Vec<char> = plain.chars().collect();
                    text[pos] = c;
                    let text: String = text.into_iter().collect();
                    let mut out = Vec::new();
                    write_str(&mut out, &text);
                    assert_eq!(
                        String::from_utf8(out).unwrap(),
                        serde_json::to_string(&text).unwrap(),
                        "{text:?}"
                    );
                    let escaped = c < ' ' || c == '"' || c == '\\';
                    assert_eq!(needs_escape(text.as_bytes()), escaped, "{text:?}");
                }
            }
        }
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let mut all: String = (0u8..0x80).map(char::from).collect();
        all.push_str("\u{2028}\u{2029}é€😀/Коминтерна\"\\");
        for text in [
            all.as_str(),
            "",
            "plain",
            "\"",
            "\\\\",
            "a\u{0}b",
            "\u{1f}\u{7f}",
        ] {
            let mut out = Vec::new();
            write_str(&mut out, text);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                serde_json::to_string(text).unwrap()
            );
        }
    }
}
