//! Serde helpers for the normalized record and for tolerant vendor models.
//!
//! Vendor crates use these with `#[serde(with = …)]` / `#[serde(deserialize_with = …)]` so that
//! the usual API drift (ids as numbers or strings, empty strings, decimals as text, .NET
//! timestamps) is handled once, here.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, SecondsFormat, Utc};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serializer};

/// `Option<Decimal>` written as a JSON number (or `null`) and read from a number, a numeric
/// string or `null`.
///
/// Numbers are written through their shortest round-trip form, so every value with at most 15
/// significant digits (all money and energy in practice) is written exactly as its decimal
/// text: `24.445` stays `24.445`. Integral values are written without a fraction.
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
        d.deserialize_any(DecimalVisitor)
    }
}

/// `Decimal` written as a JSON number, read from a number or a numeric string.
pub mod decimal {
    use super::*;

    /// Serialize as a JSON number.
    pub fn serialize<S: Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        if d.fract().is_zero() {
            if let Some(i) = d.to_i64() {
                return s.serialize_i64(i);
            }
        }
        match d.to_f64() {
            Some(f) => s.serialize_f64(f),
            None => Err(serde::ser::Error::custom(format!(
                "decimal {d} cannot be written as a JSON number"
            ))),
        }
    }

    /// Deserialize from a number or a numeric string.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        match d.deserialize_any(DecimalVisitor)? {
            Some(v) => Ok(v),
            None => Err(de::Error::custom("expected a decimal number, found null")),
        }
    }
}

struct DecimalVisitor;

impl<'de> Visitor<'de> for DecimalVisitor {
    type Value = Option<Decimal>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a decimal number, a numeric string, or null")
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(DecimalVisitor)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(Decimal::from(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(Decimal::from(v)))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        decimal_from_f64(v)
            .map(Some)
            .ok_or_else(|| E::invalid_value(de::Unexpected::Float(v), &self))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        let t = v.trim();
        if t.is_empty() {
            return Ok(None);
        }
        parse_decimal(t)
            .map(Some)
            .ok_or_else(|| E::invalid_value(de::Unexpected::Str(v), &self))
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

/// Parse decimal text, also in scientific notation (`1e-7`). `None` when it is not a number.
pub fn parse_decimal(text: &str) -> Option<Decimal> {
    Decimal::from_str(text)
        .ok()
        .or_else(|| Decimal::from_scientific(text).ok())
        .map(|d| d.normalize_scale_for_zero())
}

trait NormalizeZero {
    fn normalize_scale_for_zero(self) -> Self;
}
impl NormalizeZero for Decimal {
    fn normalize_scale_for_zero(self) -> Self {
        if self.is_zero() {
            Decimal::ZERO
        } else {
            self
        }
    }
}

/// `Option<DateTime<Utc>>` written as RFC 3339 with `Z` (`2025-03-03T06:58:12.412Z`).
pub mod utc_opt {
    use super::*;

    /// Serialize as RFC 3339 UTC with `Z`, or `null`.
    pub fn serialize<S: Serializer>(v: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            None => s.serialize_none(),
            Some(t) => s.serialize_str(&format_utc(t)),
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

/// RFC 3339 in UTC with `Z` and only as many fractional digits as needed.
pub fn format_utc(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// An optional identifier that a vendor sends as a JSON string *or* number; read as text.
/// Empty strings and `null` become `None`; numbers keep their exact digits.
pub fn opt_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    d.deserialize_any(IdVisitor)
}

/// A required identifier sent as a JSON string or number; read as text.
pub fn id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    opt_id(d)?
        .ok_or_else(|| de::Error::custom("expected an id (string or number), found null or \"\""))
}

struct IdVisitor;

impl<'de> Visitor<'de> for IdVisitor {
    type Value = Option<String>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an id as a string or a number")
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(IdVisitor)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        // An id that arrives as 12.0 is 12; one with a real fraction is kept as written.
        match decimal_from_f64(v) {
            Some(d) => Ok(Some(d.normalize().to_string())),
            None => Err(E::invalid_value(de::Unexpected::Float(v), &self)),
        }
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(non_empty(v))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(non_empty(&v))
    }
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
        let text: Option<String> = serde::Deserialize::deserialize(d)?;
        match text {
            None => Ok(None),
            Some(t) => crate::time::parse_timestamp(&t, chrono_tz::UTC).map_err(de::Error::custom),
        }
    }
}

/// An optional integer sent as a JSON number or as numeric text (`12`, `"12"`, `12.0`);
/// `null` and `""` are `None`; a real fraction or an out-of-range value is an error.
pub fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let Some(text) = opt_id(d)? else {
        return Ok(None);
    };
    parse_decimal(text.trim())
        .filter(|v| v.fract().is_zero())
        .and_then(|v| v.to_i64())
        .map(Some)
        .ok_or_else(|| de::Error::custom(format!("expected a whole number, found {text:?}")))
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
    let v: Option<String> = serde::Deserialize::deserialize(d)?;
    Ok(v.as_deref().and_then(non_empty))
}

/// `Some(text)` unless the text is empty or only white space. The text is kept unchanged.
pub fn non_empty(text: &str) -> Option<String> {
    if text.trim().is_empty() {
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
