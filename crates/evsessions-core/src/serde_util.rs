//! Serde helpers for the normalized record and for tolerant vendor models.
//!
//! Vendor crates use these with `#[serde(with = …)]` / `#[serde(deserialize_with = …)]` so that
//! the usual API drift (ids as numbers or strings, empty strings, decimals as text, .NET
//! timestamps) is handled once, here.

use chrono::{DateTime, SecondsFormat, Utc};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::de;
use serde::{Deserialize, Deserializer, Serializer};

use crate::raw::{read_scalar, JsonScalar};

/// `Option<Decimal>` written as a JSON number (or `null`) and read from a number, a numeric
/// string or `null`.
///
/// A JSON number is read from its text exactly (`1547.862000000000000001` keeps every digit;
/// trailing zeros of the fraction are dropped: `0.20` reads as `0.2`); a number no decimal can
/// hold exactly (`1e400`, `1e-400`) is an error. Numbers are written through their shortest
/// round-trip form, so every value with at most 15 significant digits (all money and energy in
/// practice) is written exactly as its decimal text: `24.445` stays `24.445`. Integral values
/// are written without a fraction.
pub mod decimal_opt {
    use super::*;

    /// Serialize as a JSON number or `null`.
    pub fn serialize<S: Serializer>(value: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            None => s.serialize_none(),
            Some(d) => super::decimal::serialize(d, s),
        }
    }

    /// Deserialize from a number, a numeric string, an empty string (`None`) or `null`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
        read_scalar(d, decimal_of_scalar)
    }
}

/// `Decimal` written as a JSON number, read from a number or a numeric string.
pub mod decimal {
    use super::*;

    /// Serialize as a JSON number.
    pub fn serialize<S: Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        match super::json_number(d) {
            Some(super::JsonNumber::Int(i)) => s.serialize_i64(i),
            Some(super::JsonNumber::Float(f)) => s.serialize_f64(f),
            None => Err(serde::ser::Error::custom(super::unwritable_decimal(d))),
        }
    }

    /// Deserialize from a number or a numeric string.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        match read_scalar(d, decimal_of_scalar)? {
            Some(v) => Ok(v),
            None => Err(de::Error::custom("expected a decimal number, found null")),
        }
    }
}

/// The JSON number a decimal is written as (by [`decimal::serialize`] and by the output's own
/// JSON writer, which must agree byte for byte).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum JsonNumber {
    /// An integral value that fits `i64`: written as an integer.
    Int(i64),
    /// Anything else: written as the shortest text that reads back as this `f64`.
    Float(f64),
}

/// How a decimal is written as JSON; `None` when it cannot be (no `f64` for it).
pub(crate) fn json_number(d: &Decimal) -> Option<JsonNumber> {
    if d.scale() == 0 || d.fract().is_zero() {
        if let Some(i) = d.to_i64() {
            return Some(JsonNumber::Int(i));
        }
    }
    d.to_f64().map(JsonNumber::Float)
}

/// The error text for a decimal [`json_number`] cannot write.
pub(crate) fn unwritable_decimal(d: &Decimal) -> String {
    format!("decimal {d} cannot be written as a JSON number")
}

const DECIMAL_EXPECTED: &str = "a decimal number, a numeric string, or null";

fn decimal_of_scalar(s: JsonScalar<'_>) -> Result<Option<Decimal>, String> {
    match s {
        JsonScalar::Null => Ok(None),
        JsonScalar::Number(t) => {
            let d = short_json_number(t).or_else(|| decimal_of_json_number(t));
            d.map(Some).ok_or_else(|| {
                format!("invalid value: number {t} cannot be held exactly as a decimal, expected {DECIMAL_EXPECTED}")
            })
        }
        JsonScalar::String(v) => {
            let t = v.trim();
            if t.is_empty() {
                return Ok(None);
            }
            parse_decimal(t)
                .map(Some)
                .ok_or_else(|| format!("invalid value: string {v:?}, expected {DECIMAL_EXPECTED}"))
        }
        JsonScalar::Bool(b) => Err(format!(
            "invalid type: boolean `{b}`, expected {DECIMAL_EXPECTED}"
        )),
        JsonScalar::Composite(_) => Err(format!(
            "invalid type: an array or object, expected {DECIMAL_EXPECTED}"
        )),
    }
}

/// A JSON number as a decimal without the zeros that end its fraction (`0.20` → `0.2`), the
/// general way: plain text is read with those zeros cut from the text, without
/// `without_trailing_zeros`'s 128-bit arithmetic; text with an exponent is read, then
/// normalized. `None` when it cannot be held exactly. [`short_json_number`] reads the common
/// short numbers the same, in one pass.
fn decimal_of_json_number(t: &str) -> Option<Decimal> {
    if t.bytes().any(|b| b | 0x20 == b'e') {
        parse_decimal(t).map(without_trailing_zeros)
    } else {
        parse_decimal(fraction_without_trailing_zeros(t))
    }
}

/// A JSON number of at most 18 digits without an exponent (`21.437`, `0.20`, `-3`), read in
/// one pass and without the zeros that end its fraction (`0.20` → `0.2`, `9.0` → `9`): the
/// decimal [`decimal_of_scalar`] makes of it the general way. `None` for anything else.
fn short_json_number(t: &str) -> Option<Decimal> {
    let (mantissa, scale, zeros) = short_parts(t)?;
    Some(Decimal::new(
        mantissa / POWERS_OF_TEN.get(zeros as usize)?,
        scale - zeros,
    ))
}

/// 10^0 … 10^18.
const POWERS_OF_TEN: [i64; 19] = {
    let mut p = [1i64; 19];
    let mut i = 1;
    while i < 19 {
        p[i] = p[i - 1] * 10;
        i += 1;
    }
    p
};

/// Decimal text without the zeros that end its fraction, and without the point if nothing is
/// left after it (`0.20` → `0.2`, `9.0` → `9`, `100` unchanged). For text without an exponent.
fn fraction_without_trailing_zeros(t: &str) -> &str {
    if !t.ends_with('0') || !t.as_bytes().contains(&b'.') {
        return t;
    }
    let t = t.trim_end_matches('0');
    t.strip_suffix('.').unwrap_or(t)
}

/// `d` without the trailing zeros of its fraction (`0.20` → `0.2`), as a number read through
/// `f64` would come out.
fn without_trailing_zeros(d: Decimal) -> Decimal {
    if d.scale() == 0 || d.mantissa() % 10 != 0 {
        d
    } else {
        d.normalize()
    }
}

/// The exact decimal a JSON number stands for: the shortest text that reads back as `v`
/// (`0.1` → `0.1`, `1547.862` → `1547.862`), never the binary expansion.
pub fn decimal_from_f64(v: f64) -> Option<Decimal> {
    if !v.is_finite() {
        return None;
    }
    parse_decimal(&v.to_string())
}

/// Parse decimal text, also in scientific notation (`1e-7`). `None` when it is not a number
/// or no decimal holds it exactly (`1e400`, `1e-400`).
pub fn parse_decimal(text: &str) -> Option<Decimal> {
    if let Some(d) = short_decimal(text) {
        return Some(d);
    }
    Decimal::from_str_exact(text)
        .ok()
        .or_else(|| scientific_exact(text))
        .map(|d| if d.is_zero() { Decimal::ZERO } else { d })
}

/// Plain decimal text of at most 18 digits (`-12.50`, `21437`): the common case, read without
/// the general parser. `None` for anything else.
fn short_decimal(text: &str) -> Option<Decimal> {
    let (mantissa, scale, _) = short_parts(text)?;
    Some(Decimal::new(mantissa, scale))
}

/// Plain decimal text of at most 18 digits, in one pass: its digits as a signed integer, how
/// many follow the point, and how many of those are zeros at the end (`-12.50` → `(-1250, 2,
/// 1)`). `None` for anything else (an exponent, a sign other than a leading `-`, no digit
/// after a point, more digits: a 19th could overflow `i64`).
fn short_parts(text: &str) -> Option<(i64, u32, u32)> {
    let (negative, digits) = match text.as_bytes() {
        [b'-', rest @ ..] => (true, rest),
        all => (false, all),
    };
    if digits.is_empty() || digits.len() > 19 {
        return None;
    }
    let mut mantissa: i64 = 0;
    let mut scale: u32 = 0;
    let mut zeros: u32 = 0;
    let mut count = 0;
    let mut dot = false;
    for &c in digits {
        match c {
            b'0'..=b'9' => {
                count += 1;
                if count > 18 {
                    return None;
                }
                mantissa = mantissa * 10 + i64::from(c - b'0');
                if dot {
                    scale += 1;
                    zeros = if c == b'0' { zeros + 1 } else { 0 };
                }
            }
            b'.' if !dot => dot = true,
            _ => return None,
        }
    }
    if count == 0 || (dot && scale == 0) {
        return None;
    }
    Some((if negative { -mantissa } else { mantissa }, scale, zeros))
}

/// `1.5e3`, `1E-7`: exact, else `None` (rust_decimal's own reader rounds what it cannot hold).
fn scientific_exact(text: &str) -> Option<Decimal> {
    let (mantissa, exp) = text.split_once(['e', 'E'])?;
    let exp: i64 = exp.strip_prefix('+').unwrap_or(exp).parse().ok()?;
    let m = Decimal::from_str_exact(mantissa).ok()?;
    if m.is_zero() {
        return Some(Decimal::ZERO);
    }
    let scale = i64::from(m.scale()) - exp;
    if scale >= 0 {
        let mut d = m;
        d.set_scale(u32::try_from(scale).ok()?).ok()?;
        Some(d)
    } else {
        let shift = u32::try_from(-scale).ok()?;
        let mut d = m;
        d.set_scale(0).ok()?;
        d.checked_mul(Decimal::try_from_i128_with_scale(10i128.checked_pow(shift)?, 0).ok()?)
    }
}

/// `Option<DateTime<Utc>>` written as RFC 3339 with `Z` (`2025-03-03T06:58:12.412Z`).
pub mod utc_opt {
    use super::*;

    /// Serialize as RFC 3339 UTC with `Z`, or `null`.
    pub fn serialize<S: Serializer>(v: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            None => s.serialize_none(),
            // Written through Display: no string per timestamp.
            Some(t) => s.collect_str(&utc_display(t)),
        }
    }

    /// Deserialize from RFC 3339 text (any offset) or `null`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        let text: Option<String> = serde::Deserialize::deserialize(d)?;
        match text {
            None => Ok(None),
            Some(t) => DateTime::parse_from_rfc3339(&t)
                .map(|t| Some(t.with_timezone(&Utc)))
                .map_err(|e| de::Error::custom(format!("invalid RFC 3339 time {t:?}: {e}"))),
        }
    }
}

/// [`format_utc`] as a `Display` (for writers that format in place), from [`utc_text`].
pub(crate) fn utc_display(t: &DateTime<Utc>) -> impl std::fmt::Display + '_ {
    UtcDisplay(t)
}

struct UtcDisplay<'a>(&'a DateTime<Utc>);

impl std::fmt::Display for UtcDisplay<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match utc_text(self.0) {
            Some(text) => f.write_str(text.as_str()),
            None => f.write_str(&format_utc(self.0)),
        }
    }
}

/// [`format_utc`]'s text in a fixed buffer: `YYYY-MM-DDTHH:MM:SS[.fff|.ffffff|.fffffffff]Z`.
pub(crate) struct UtcText {
    bytes: [u8; 30],
    len: usize,
}

impl UtcText {
    /// The text as bytes (ASCII).
    pub(crate) fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }

    /// The text.
    pub(crate) fn as_str(&self) -> &str {
        // Only ASCII digits and `-T:.Z` are ever written.
        std::str::from_utf8(self.as_bytes()).unwrap_or_default()
    }
}

/// [`format_utc`]'s text with its digits written directly, without chrono's format-string
/// interpreter or `core::fmt` (a measurable share of the CLI's time per session). `None` for
/// years outside 0–9999 and for leap seconds: those go through [`format_utc`].
pub(crate) fn utc_text(t: &DateTime<Utc>) -> Option<UtcText> {
    use chrono::{Datelike, Timelike};
    let year = u32::try_from(t.year()).ok().filter(|y| *y <= 9999)?;
    let nanos = t.nanosecond();
    if nanos >= 1_000_000_000 {
        return None;
    }
    let mut b = *b"0000-00-00T00:00:00.000000000Z";
    digits(&mut b[0..4], year);
    digits(&mut b[5..7], t.month());
    digits(&mut b[8..10], t.day());
    digits(&mut b[11..13], t.hour());
    digits(&mut b[14..16], t.minute());
    digits(&mut b[17..19], t.second());
    let (fraction, width) = if nanos == 0 {
        (0, 0)
    } else if nanos % 1_000_000 == 0 {
        (nanos / 1_000_000, 3)
    } else if nanos % 1_000 == 0 {
        (nanos / 1_000, 6)
    } else {
        (nanos, 9)
    };
    let len = if width == 0 {
        b[19] = b'Z';
        20
    } else {
        digits(&mut b[20..20 + width], fraction);
        b[20 + width] = b'Z';
        21 + width
    };
    Some(UtcText { bytes: b, len })
}

/// `v`'s last `out.len()` decimal digits, zero-padded, into `out`.
fn digits(out: &mut [u8], mut v: u32) {
    for c in out.iter_mut().rev() {
        *c = b'0' + (v % 10) as u8;
        v /= 10;
    }
}

/// RFC 3339 in UTC with `Z` and only as many fractional digits as needed.
pub fn format_utc(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// An optional identifier that a vendor sends as a JSON string *or* number; read as text.
/// Empty strings and `null` become `None`; a number keeps its digits exactly as sent (ids
/// beyond 2^64 included), except that a whole number written with a fraction or an exponent
/// (`12.0`, `1.2e1`) reads as its integer text (`12`).
pub fn opt_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    read_scalar(d, |s| match s {
        JsonScalar::Null => Ok(None),
        JsonScalar::String(v) => Ok(non_empty(v)),
        JsonScalar::Number(t) => Ok(Some(id_of_number(t))),
        JsonScalar::Bool(b) => Err(format!(
            "invalid type: boolean `{b}`, expected an id as a string or a number"
        )),
        JsonScalar::Composite(_) => Err(
            "invalid type: an array or object, expected an id as a string or a number".to_string(),
        ),
    })
}

fn id_of_number(text: &str) -> String {
    if text.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
        return text.to_string();
    }
    match parse_decimal(text) {
        Some(d) if d.fract().is_zero() => d.normalize().to_string(),
        _ => text.to_string(),
    }
}

/// [`opt_id`] for a lean view of a record (see [`crate::decode::decode_record_list_lean`]):
/// the same value for every input it accepts, read without taking the value's text first.
/// It refuses the numbers whose text it cannot know from their value (a fraction, an
/// exponent, `-0`, an integer beyond 64 bits: from `serde_json`, `i64` and `u64` arrive only
/// for plain integers), which a view then leaves to the model, read with [`opt_id`].
///
/// ```
/// #[derive(serde::Deserialize)]
/// struct View {
///     #[serde(default, deserialize_with = "evsessions_core::serde_util::opt_id_lean")]
///     id: Option<String>,
/// }
/// let id = |t: &str| serde_json::from_str::<View>(t).map(|v| v.id).ok();
/// assert_eq!(id(r#"{"id": 48213}"#), Some(Some("48213".into())));
/// assert_eq!(id(r#"{"id": -7}"#), Some(Some("-7".into())));
/// assert_eq!(id(r#"{"id": " "}"#), Some(None));
/// assert_eq!(id(r#"{"id": null}"#), Some(None));
/// assert_eq!(id(r#"{"id": 48213.0}"#), None); // for the model: `opt_id` reads "48213"
/// assert_eq!(id(r#"{"id": true}"#), None);
/// ```
pub fn opt_id_lean<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    struct V;
    impl<'de> de::Visitor<'de> for V {
        type Value = Option<String>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an id as a string or an integer")
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(non_empty(v))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(itoa::Buffer::new().format(v).to_string()))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(itoa::Buffer::new().format(v).to_string()))
        }
    }
    d.deserialize_any(V)
}

/// The required [`id`] for a lean view: [`opt_id_lean`], with `null` and `""` refused as
/// [`id`] refuses them.
///
/// ```
/// #[derive(serde::Deserialize)]
/// struct View {
///     #[serde(deserialize_with = "evsessions_core::serde_util::id_lean")]
///     id: String,
/// }
/// let id = |t: &str| serde_json::from_str::<View>(t).map(|v| v.id).ok();
/// assert_eq!(id(r#"{"id": 7}"#).as_deref(), Some("7"));
/// assert_eq!(id(r#"{"id": ""}"#), None);
/// assert_eq!(id(r#"{"id": null}"#), None);
/// ```
pub fn id_lean<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    opt_id_lean(d)?
        .ok_or_else(|| de::Error::custom("expected an id (string or number), found null or \"\""))
}

/// A field [`opt_id_lean`] would read (an id as a string or a number, or null), checked and
/// neither kept nor copied: for the fields of a lean view that reach no record. Stricter than
/// [`opt_id`] only for numbers no `f64` holds (`1e400`): a view that refuses such a record
/// hands it to the model.
///
/// ```
/// #[derive(serde::Deserialize)]
/// struct View {
///     #[serde(default, deserialize_with = "evsessions_core::serde_util::unread_id")]
///     _other: (),
/// }
/// assert!(serde_json::from_str::<View>(r#"{"_other": "A-1"}"#).is_ok());
/// assert!(serde_json::from_str::<View>(r#"{"_other": 12}"#).is_ok());
/// assert!(serde_json::from_str::<View>(r#"{"_other": [1]}"#).is_err());
/// ```
pub fn unread_id<'de, D: Deserializer<'de>>(d: D) -> Result<(), D::Error> {
    struct V;
    impl<'de> de::Visitor<'de> for V {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an id as a string or a number")
        }
        fn visit_none<E: de::Error>(self) -> Result<(), E> {
            Ok(())
        }
        fn visit_unit<E: de::Error>(self) -> Result<(), E> {
            Ok(())
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(self)
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
            Ok(())
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
            Ok(())
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
            Ok(())
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
            Ok(())
        }
    }
    d.deserialize_any(V)
}

/// A required identifier sent as a JSON string or number; read as text.
pub fn id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    opt_id(d)?
        .ok_or_else(|| de::Error::custom("expected an id (string or number), found null or \"\""))
}

/// `Option<DateTime<Utc>>` for vendor models: read from any form
/// [`crate::time::parse_timestamp`] accepts (RFC 3339 with any offset, 0–9 fractional digits,
/// `/Date(ms)/`; a zoneless time is read as UTC), with `null`, `""` and the .NET
/// `0001-01-01T00:00:00` sentinel as `None`; written as RFC 3339 UTC with `Z`.
///
/// For vendors whose zoneless times are local, keep the text and convert with
/// [`crate::time::parse_timestamp`] and the configured zone instead.
pub mod timestamp_opt {
    use super::*;

    /// Serialize as RFC 3339 UTC with `Z`, or `null`.
    pub fn serialize<S: Serializer>(v: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        super::utc_opt::serialize(v, s)
    }

    /// Deserialize from any vendor timestamp form, or `null`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        with_opt_str(d, |t| match t {
            None => Ok(None),
            Some(t) => crate::time::parse_timestamp(t, chrono_tz::UTC).map_err(|e| e.to_string()),
        })
    }
}

/// An optional integer sent as a JSON number or as numeric text (`12`, `"12"`, `12.0`);
/// `null` and `""` are `None`; a real fraction or an out-of-range value is an error.
pub fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    read_scalar(d, |s| {
        let text = match s {
            JsonScalar::Null => return Ok(None),
            JsonScalar::String(t) if t.trim().is_empty() => return Ok(None),
            JsonScalar::String(t) | JsonScalar::Number(t) => t,
            JsonScalar::Bool(b) => return Err(format!("expected a whole number, found {b}")),
            JsonScalar::Composite(_) => {
                return Err("expected a whole number, found an array or object".to_string())
            }
        };
        let t = text.trim();
        t.parse::<i64>()
            .ok()
            .or_else(|| {
                parse_decimal(t)
                    .filter(|v| v.fract().is_zero())
                    .and_then(|v| v.to_i64())
            })
            .map(Some)
            .ok_or_else(|| format!("expected a whole number, found {text:?}"))
    })
}

/// [`opt_i64`] for counts (pages, sizes, totals), which cannot be negative.
pub fn opt_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    match opt_i64(d)? {
        None => Ok(None),
        Some(n) => u64::try_from(n)
            .map(Some)
            .map_err(|_| de::Error::custom(format!("expected a count, found {n}"))),
    }
}

/// `null` read as the type's default: for lists (and maps) a server sends as `null`.
/// Use with `#[serde(default, deserialize_with = "null_as_default")]` so that an absent key
/// reads the same.
pub fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: serde::Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// An optional string where `""` (or only white space) means absent.
pub fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    with_opt_str(d, |t| Ok(t.and_then(non_empty)))
}

/// A field a model reads as `Option<serde_json::Value>` (any JSON value, or absent), checked
/// as that value is (numbers within `f64`'s range, nesting within the deserializer's limit)
/// and neither kept nor built: for the fields of a lean view that reach no record.
///
/// ```
/// #[derive(serde::Deserialize)]
/// struct View {
///     #[serde(default, deserialize_with = "evsessions_core::serde_util::unread_any")]
///     _extra: (),
/// }
/// assert!(serde_json::from_str::<View>(r#"{"_extra": {"a": [1, "x", null, 2.5]}}"#).is_ok());
/// assert!(serde_json::from_str::<View>(r#"{"_extra": 12}"#).is_ok());
/// // What `serde_json::Value` refuses, this refuses.
/// assert!(serde_json::from_str::<View>(r#"{"_extra": [1e400]}"#).is_err());
/// ```
pub fn unread_any<'de, D: Deserializer<'de>>(d: D) -> Result<(), D::Error> {
    d.deserialize_any(AnyValue).map(|_| ())
}

/// Any JSON value, visited as `serde_json::Value` visits it, and dropped.
struct AnyValue;

impl<'de> serde::Deserialize<'de> for AnyValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<AnyValue, D::Error> {
        d.deserialize_any(AnyValue)
    }
}

impl<'de> de::Visitor<'de> for AnyValue {
    type Value = AnyValue;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any valid JSON value")
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<AnyValue, E> {
        Ok(AnyValue)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<AnyValue, E> {
        Ok(AnyValue)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<AnyValue, E> {
        Ok(AnyValue)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<AnyValue, E> {
        Ok(AnyValue)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<AnyValue, E> {
        Ok(AnyValue)
    }
    fn visit_none<E: de::Error>(self) -> Result<AnyValue, E> {
        Ok(AnyValue)
    }
    fn visit_unit<E: de::Error>(self) -> Result<AnyValue, E> {
        Ok(AnyValue)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<AnyValue, D::Error> {
        d.deserialize_any(AnyValue)
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<AnyValue, A::Error> {
        while seq.next_element::<AnyValue>()?.is_some() {}
        Ok(AnyValue)
    }
    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<AnyValue, A::Error> {
        while map.next_entry::<AnyValue, AnyValue>()?.is_some() {}
        Ok(AnyValue)
    }
}

/// A field [`opt_string`] would read (a string or null), checked and neither kept nor
/// copied: for the fields of a lean view that reach no record. Accepts exactly what
/// [`opt_string`] accepts.
///
/// ```
/// #[derive(serde::Deserialize)]
/// struct View {
///     #[serde(default, deserialize_with = "evsessions_core::serde_util::unread_string")]
///     _name: (),
/// }
/// assert!(serde_json::from_str::<View>(r#"{"_name": "Aino \u00e9"}"#).is_ok());
/// assert!(serde_json::from_str::<View>(r#"{"_name": null}"#).is_ok());
/// assert!(serde_json::from_str::<View>(r#"{"_name": 12}"#).is_err());
/// ```
pub fn unread_string<'de, D: Deserializer<'de>>(d: D) -> Result<(), D::Error> {
    with_opt_str(d, |_| Ok(()))
}

/// Read an optional string and hand it to `f` without copying it first (the deserializer's
/// own text when it lends it); `f`'s error message becomes the deserializer's error.
fn with_opt_str<'de, D, T, F>(d: D, f: F) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    F: FnOnce(Option<&str>) -> Result<T, String>,
{
    struct V<F>(F);
    impl<'de, T, F: FnOnce(Option<&str>) -> Result<T, String>> de::Visitor<'de> for V<F> {
        type Value = T;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a string")
        }
        fn visit_none<E: de::Error>(self) -> Result<T, E> {
            (self.0)(None).map_err(E::custom)
        }
        fn visit_unit<E: de::Error>(self) -> Result<T, E> {
            (self.0)(None).map_err(E::custom)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
            d.deserialize_str(self)
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
            (self.0)(Some(v)).map_err(E::custom)
        }
    }
    d.deserialize_option(V(f))
}

/// `Some(text)` unless the text is empty or only white space. The text is kept unchanged.
pub fn non_empty(text: &str) -> Option<String> {
    // A visible ASCII first character answers at once (the common case); else trim.
    let visible = text.as_bytes().first().is_some_and(u8::is_ascii_graphic);
    if !visible && text.trim().is_empty() {
        None
    } else {
        Some(text.to_string())
    }
}

/// Like [`non_empty`] for an owned option.
pub fn non_empty_opt(text: Option<String>) -> Option<String> {
    text.filter(|t| !t.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_without_trailing_fraction_zeros_as_through_normalize() {
        for t in [
            "0",
            "-0",
            "0.0",
            "-0.0",
            "0.000",
            "10",
            "100",
            "100.0",
            "100.50",
            "1.5",
            "0.20",
            "-12.500",
            "9.0",
            "25.5",
            "0.0000001",
            "0.00000010",
            "79228162514264337593543950335",
            "123456789012345678.0",
            "1234567890123456789.10",
            "1e3",
            "1.50e3",
            "1.500E-2",
            "-0e0",
            "1e400",
            "0.1000000000000000055511151231257827",
        ] {
            let old = parse_decimal(t).map(without_trailing_zeros);
            let new = decimal_of_scalar(JsonScalar::Number(t)).ok().flatten();
            assert_eq!(
                new.map(|d| (d, d.scale())),
                old.map(|d| (d, d.scale())),
                "{t}"
            );
        }
        // Zeros past the 28 digits a decimal holds no longer make the number unreadable.
        let t = "7922816251426433759354395033.50";
        assert!(parse_decimal(t).is_none());
        assert_eq!(
            decimal_of_scalar(JsonScalar::Number(t))
                .unwrap()
                .unwrap()
                .to_string(),
            "7922816251426433759354395033.5"
        );
    }

    #[test]
    fn utc_display_is_format_utc() {
        for text in [
            "2025-03-06T07:45:10Z",
            "2025-03-06T07:45:10.1Z",
            "2025-03-06T07:45:10.123456Z",
            "2025-03-06T07:45:10.123456789Z",
            "1970-01-01T00:00:00Z",
            "2025-12-31T23:59:59.0001Z",
            "2025-01-01T00:00:00.000000001Z",
            "0001-01-01T00:00:00Z",
            "9999-12-31T23:59:59.999999999Z",
            "+10000-01-01T00:00:00Z",
            "-0001-01-01T00:00:00Z",
            "2016-12-31T23:59:60.5Z",
        ] {
            let t: DateTime<Utc> = text.parse().unwrap();
            assert_eq!(utc_display(&t).to_string(), format_utc(&t), "{text}");
            // The digit writer takes years 0–9999 without leap seconds; chrono the rest.
            let direct = utc_text(&t).map(|x| x.as_str().to_string());
            let chrono_only = text.starts_with(['+', '-']) || text.contains(":60");
            assert_eq!(direct.is_none(), chrono_only, "{text}");
            if let Some(direct) = direct {
                assert_eq!(direct, format_utc(&t), "{text}");
            }
        }
        // A sweep over 500 years with every kind of fraction (none, ms, µs, ns).
        let mut t = DateTime::<Utc>::from_timestamp(-5_000_000_000, 0).unwrap();
        for i in 0..20_000i64 {
            let step = [1_000_000_000, 7_000_000, 13_000, 17][(i % 4) as usize];
            t += chrono::Duration::nanoseconds(789_123_456_789_000_000 / 20_000 + step);
            assert_eq!(utc_display(&t).to_string(), format_utc(&t));
        }
    }
    use serde::{Deserialize, Serialize};

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct D {
        #[serde(with = "decimal_opt", default)]
        v: Option<Decimal>,
    }

    #[test]
    fn decimals_read_exact_from_numbers_and_strings() {
        let cases = [
            (r#"{"v":1547.862}"#, Some("1547.862")),
            (r#"{"v":0.1}"#, Some("0.1")),
            (r#"{"v":"24.445"}"#, Some("24.445")),
            (r#"{"v":""}"#, None),
            (r#"{"v":null}"#, None),
            (r#"{}"#, None),
            (r#"{"v":21437}"#, Some("21437")),
            (r#"{"v":1e-7}"#, Some("0.0000001")),
        ];
        for (json, want) in cases {
            let d: D = serde_json::from_str(json).unwrap();
            assert_eq!(d.v.map(|d| d.to_string()).as_deref(), want, "{json}");
        }
        assert!(serde_json::from_str::<D>(r#"{"v":"abc"}"#).is_err());
        assert!(serde_json::from_str::<D>(r#"{"v":true}"#).is_err());
    }

    #[test]
    fn the_short_reader_agrees_with_the_general_one() {
        for t in [
            "0",
            "-0",
            "21437",
            "-12.50",
            "0.000",
            "5.38",
            "123456789012345678",
            "0.1",
            "999999999999999999",
            "-0.00000000000000001",
            "007.10",
        ] {
            let short = short_decimal(t).unwrap_or_else(|| panic!("{t}"));
            let general = Decimal::from_str_exact(t).unwrap();
            assert_eq!((short, short.scale()), (general, general.scale()), "{t}");
        }
        for t in [
            "",
            "-",
            ".",
            "5.",
            "1e5",
            "1.2.3",
            "+5",
            "1234567890123456789",
            // 19 digits over `i64::MAX`: once an overflow (a panic in a debug build).
            "9999999999999999999",
            "-9999999999999999999",
            "999999999999999999.9",
            "1.5E3",
            "--1",
            "x",
        ] {
            assert_eq!(short_decimal(t), None, "{t}");
            assert_eq!(short_json_number(t), None, "{t}");
        }
        assert_eq!(
            parse_decimal("9999999999999999999"),
            Some(Decimal::from(9_999_999_999_999_999_999u64))
        );
    }

    #[test]
    fn the_one_pass_number_reader_agrees_with_the_general_way() {
        let mut read = 0;
        for whole in [
            "0",
            "-0",
            "7",
            "-12",
            "21437",
            "100",
            "99999999999999999",
            "123456789012345678",
        ] {
            for fraction in [
                "",
                ".0",
                ".000",
                ".5",
                ".50",
                ".20",
                ".437",
                ".0000001",
                ".00000010",
                ".1000000000",
            ] {
                let t = format!("{whole}{fraction}");
                let want = decimal_of_json_number(&t);
                match short_json_number(&t) {
                    Some(d) => {
                        read += 1;
                        let w = want.unwrap_or_else(|| panic!("{t}"));
                        assert_eq!((d, d.scale()), (w, w.scale()), "{t}");
                    }
                    // Only what it leaves to the general way: more than 18 digits.
                    None => assert!(t.bytes().filter(u8::is_ascii_digit).count() > 18, "{t}"),
                }
            }
        }
        assert!(read > 60, "{read}");
    }

    #[test]
    fn decimals_are_read_from_the_text_of_the_number() {
        // More digits than an f64 holds: every one kept (through f64 this was 1547.862).
        let d: D = serde_json::from_str(r#"{"v":1547.8620000000000000001}"#).unwrap();
        assert_eq!(d.v.unwrap().to_string(), "1547.8620000000000000001");
        let d: D = serde_json::from_str(r#"{"v":0.20}"#).unwrap();
        assert_eq!(d.v.unwrap().to_string(), "0.2");
        let d: D = serde_json::from_str(r#"{"v":1.5E+3}"#).unwrap();
        assert_eq!(d.v.unwrap().to_string(), "1500");
        let d: D = serde_json::from_str(r#"{"v":-0}"#).unwrap();
        assert_eq!(d.v.unwrap().to_string(), "0");
        // What no decimal holds exactly is an error, not a rounded value.
        for bad in [r#"{"v":1e400}"#, r#"{"v":1e-400}"#, r#"{"v":[1]}"#] {
            let e = serde_json::from_str::<D>(bad).unwrap_err();
            assert!(
                e.to_string().contains("expected a decimal number"),
                "{bad}: {e}"
            );
        }
        // From a Value (tests, stored records) it still works.
        let d: D = serde_json::from_value(serde_json::json!({"v": 0.1})).unwrap();
        assert_eq!(d.v.unwrap().to_string(), "0.1");
    }

    #[test]
    fn decimal_arithmetic_is_exact_and_written_exactly() {
        let a: D = serde_json::from_str(r#"{"v":1547.862}"#).unwrap();
        let b: D = serde_json::from_str(r#"{"v":1523.417}"#).unwrap();
        let diff = a.v.unwrap() - b.v.unwrap();
        assert_eq!(diff.to_string(), "24.445");
        let out = serde_json::to_string(&D { v: Some(diff) }).unwrap();
        assert_eq!(out, r#"{"v":24.445}"#);
        let out = serde_json::to_string(&D {
            v: Some(Decimal::from(28)),
        })
        .unwrap();
        assert_eq!(out, r#"{"v":28}"#);
        let out = serde_json::to_string(&D { v: None }).unwrap();
        assert_eq!(out, r#"{"v":null}"#);
    }

    #[derive(Deserialize)]
    struct I {
        #[serde(deserialize_with = "opt_id", default)]
        v: Option<String>,
    }

    #[test]
    fn ids_are_text_whatever_their_json_type() {
        for (json, want) in [
            (r#"{"v":6100041237}"#, Some("6100041237")),
            (r#"{"v":"6100041237"}"#, Some("6100041237")),
            (r#"{"v":-3}"#, Some("-3")),
            (r#"{"v":12.0}"#, Some("12")),
            (
                r#"{"v":18446744073709551617}"#,
                Some("18446744073709551617"),
            ),
            (
                r#"{"v":18446744073709551616}"#,
                Some("18446744073709551616"),
            ),
            (r#"{"v":-0}"#, Some("-0")),
            (r#"{"v":1e400}"#, Some("1e400")),
            (r#"{"v":"a\u00e9"}"#, Some("aé")),
            (r#"{"v":""}"#, None),
            (r#"{"v":null}"#, None),
            (r#"{}"#, None),
        ] {
            let i: I = serde_json::from_str(json).unwrap();
            assert_eq!(i.v.as_deref(), want, "{json}");
        }
        assert!(serde_json::from_str::<I>(r#"{"v":[1]}"#).is_err());
    }

    #[derive(Deserialize, Serialize)]
    struct N {
        #[serde(default, deserialize_with = "opt_i64")]
        i: Option<i64>,
        #[serde(default, deserialize_with = "opt_u64")]
        u: Option<u64>,
        #[serde(default, deserialize_with = "null_as_default")]
        v: Vec<u8>,
        #[serde(default, with = "timestamp_opt")]
        t: Option<DateTime<Utc>>,
    }

    #[test]
    fn tolerant_numbers_lists_and_times() {
        let n: N = serde_json::from_str(
            r#"{"i":"-12","u":"7","v":null,"t":"2025-03-03T09:41:40.1203345Z"}"#,
        )
        .unwrap();
        assert_eq!((n.i, n.u, n.v.len()), (Some(-12), Some(7), 0));
        assert_eq!(format_utc(&n.t.unwrap()), "2025-03-03T09:41:40.120334500Z");
        let n: N = serde_json::from_str(r#"{"i":12.0,"u":"","t":"0001-01-01T00:00:00Z"}"#).unwrap();
        assert_eq!((n.i, n.u, n.t), (Some(12), None, None));
        let n: N = serde_json::from_str(r#"{"t":"2025-03-03T11:00:00+02:00"}"#).unwrap();
        assert_eq!(
            serde_json::to_value(&n).unwrap()["t"],
            "2025-03-03T09:00:00Z"
        );
        for bad in [
            r#"{"i":1.5}"#,
            r#"{"i":"x"}"#,
            r#"{"u":-1}"#,
            r#"{"i":1e30}"#,
            r#"{"t":"soon"}"#,
            r#"{"v":3}"#,
        ] {
            assert!(serde_json::from_str::<N>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn utc_times_are_written_with_z() {
        let t = DateTime::parse_from_rfc3339("2025-03-03T08:58:12.412+02:00")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(format_utc(&t), "2025-03-03T06:58:12.412Z");
        let t = DateTime::parse_from_rfc3339("2025-03-03T06:58:12Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(format_utc(&t), "2025-03-03T06:58:12Z");
    }
}
