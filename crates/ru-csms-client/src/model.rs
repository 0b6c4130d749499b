//! The platform's own types, 1:1 with its JSON (as far as one captured response shows it).
//!
//! Tolerant by design: identifiers are read as text whatever their JSON type, money and energy
//! are exact decimals, text enums are open (a value this version does not know is kept as
//! `Other(text)`), every field may be absent or `null`, and fields this model does not know are
//! ignored (the record's `raw` JSON keeps them).

use std::fmt;

use evsessions_core::serde_util::{
    decimal_opt, null_as_default, opt_i64, opt_id, opt_string, opt_u64,
};
use evsessions_core::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The response envelope: `{"meta": {...}, "payload": {...}}`.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[non_exhaustive]
pub struct Envelope {
    /// The application status of the response.
    #[serde(default)]
    pub meta: Option<Meta>,
    /// The data; `null` on errors.
    #[serde(default)]
    pub payload: Option<Payload>,
}

/// `meta`: the application status, which can say "error" under HTTP 200.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[non_exhaustive]
pub struct Meta {
    /// When the response was made (unix seconds).
    #[serde(default, deserialize_with = "opt_i64")]
    pub generated_at: Option<i64>,
    /// Application status code (HTTP-like: 200 = OK, 401 = unauthorized …).
    #[serde(default, deserialize_with = "opt_i64")]
    pub status_code: Option<i64>,
    /// Status name (`"OK"`).
    #[serde(default, deserialize_with = "opt_string")]
    pub status_name: Option<String>,
    /// Status description (`""` on success).
    #[serde(default, deserialize_with = "opt_string")]
    pub status_description: Option<String>,
}

impl Meta {
    /// True when the status code is absent or 2xx.
    pub fn is_success(&self) -> bool {
        self.status_code.is_none_or(|c| (200..300).contains(&c))
    }
}

/// `payload` of the session list, with the items left as their JSON text so that each one is
/// decoded on its own (one bad item is one error, the others survive) and kept as received.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[non_exhaustive]
pub struct Payload {
    /// The sessions of this page, newest first in the capture.
    #[serde(default, deserialize_with = "null_as_default")]
    pub items: Vec<evsessions_core::RawRecord>,
    /// Sessions in the whole listing.
    #[serde(default, deserialize_with = "opt_u64")]
    pub total: Option<u64>,
    /// The page size the server used (echoed; may differ from the one asked).
    #[serde(default, deserialize_with = "opt_u64")]
    pub per_page: Option<u64>,
    /// The page number (1-based, echoed).
    #[serde(default, deserialize_with = "opt_u64")]
    pub page: Option<u64>,
}

/// Money: `{"value": 0, "currency": "RUB"}`. `value` is in the unit the platform uses, which
/// the capture cannot tell (see `amount_scale` in the configuration).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[non_exhaustive]
pub struct Money {
    /// The amount, unscaled.
    #[serde(default, with = "decimal_opt")]
    pub value: Option<Decimal>,
    /// ISO 4217 currency code (`"RUB"`).
    #[serde(default, deserialize_with = "opt_string")]
    pub currency: Option<String>,
}

/// A limit given either as money or as a bare number (only `null` was ever seen).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum AmountLimit {
    /// `{"value": …, "currency": …}`.
    Money(Money),
    /// A bare number.
    Value(#[serde(with = "decimal_opt")] Option<Decimal>),
}

/// One line of `detail_amount`: a priced part of the session.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[non_exhaustive]
pub struct DetailAmount {
    /// The line's name, e.g. `"Старт зарядной сессии"` (session start) or `"Зарядка"` (charging).
    #[serde(default, deserialize_with = "opt_string")]
    pub name: Option<String>,
    /// Price of one unit.
    #[serde(default)]
    pub price: Option<Money>,
    /// Unit of `quantity`, e.g. `"шт"` (pieces) or `"кВт⋅ч"` (kWh).
    #[serde(default, deserialize_with = "opt_string")]
    pub units: Option<String>,
    /// Amount of the line.
    #[serde(default)]
    pub amount: Option<Money>,
    /// Billed quantity (for `кВт⋅ч`: billed kWh, which can differ from the metered `power`).
    #[serde(default, with = "decimal_opt")]
    pub quantity: Option<Decimal>,
}

/// One session of the list: all 42 fields the capture shows.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[non_exhaustive]
pub struct Session {
    /// Session id.
    #[serde(deserialize_with = "evsessions_core::serde_util::id")]
    pub id: String,
    /// Connector id.
    #[serde(default, deserialize_with = "opt_id")]
    pub charging_connector_id: Option<String>,
    /// Charging point (location) id.
    #[serde(default, deserialize_with = "opt_id")]
    pub charging_point_id: Option<String>,
    /// Charging station id.
    #[serde(default, deserialize_with = "opt_id")]
    pub charging_station_id: Option<String>,
    /// Reservation id.
    #[serde(default, deserialize_with = "opt_id")]
    pub reservation_id: Option<String>,
    /// Offer id.
    #[serde(default, deserialize_with = "opt_id")]
    pub offer_id: Option<String>,
    /// Tariff id.
    #[serde(default, deserialize_with = "opt_id")]
    pub charging_rate_id: Option<String>,
    /// Payment kind (`"personal"` on every captured item).
    #[serde(default)]
    pub payment: Option<Payment>,
    /// The driver.
    #[serde(default, deserialize_with = "opt_id")]
    pub client_id: Option<String>,
    /// Total charged.
    #[serde(default)]
    pub amount: Option<Money>,
    /// Cost lines (empty on short sessions).
    #[serde(default, deserialize_with = "null_as_default")]
    pub detail_amount: Vec<DetailAmount>,
    /// Paid or not.
    #[serde(default)]
    pub paid: Option<bool>,
    /// When it was paid (unix seconds).
    #[serde(default, deserialize_with = "opt_i64")]
    pub paid_at: Option<i64>,
    /// **Energy delivered in kWh** (despite the name).
    #[serde(default, with = "decimal_opt")]
    pub power: Option<Decimal>,
    /// When the connector was reserved (unix seconds).
    #[serde(default, deserialize_with = "opt_i64")]
    pub reserved_at: Option<i64>,
    /// Start (unix seconds).
    #[serde(default, deserialize_with = "opt_i64")]
    pub started_at: Option<i64>,
    /// End (unix seconds).
    #[serde(default, deserialize_with = "opt_i64")]
    pub finished_at: Option<i64>,
    /// Estimated end (unix seconds).
    #[serde(default, deserialize_with = "opt_i64")]
    pub estimated_finish_at: Option<i64>,
    /// When the reservation expires (unix seconds).
    #[serde(default, deserialize_with = "opt_i64")]
    pub reservation_expires_at: Option<i64>,
    /// Who started the session (always `null` in the capture).
    #[serde(default)]
    pub started_by: Option<Initiator>,
    /// Who stopped the session (always `null` in the capture).
    #[serde(default)]
    pub finished_by: Option<Initiator>,
    /// Lifecycle state (`"completed"` on every captured item).
    #[serde(default)]
    pub state: Option<State>,
    /// Finished flag.
    #[serde(default)]
    pub completed: Option<bool>,
    /// Live power snapshot in kW (stale on finished sessions).
    #[serde(default, with = "decimal_opt")]
    pub current_power: Option<Decimal>,
    /// Last known state of charge, percent (0 = unknown).
    #[serde(default, with = "decimal_opt")]
    pub battery_percent: Option<Decimal>,
    /// State of charge at start, percent (0 = unknown).
    #[serde(default, with = "decimal_opt")]
    pub start_battery_percent: Option<Decimal>,
    /// State of charge at end, percent (0 = unknown).
    #[serde(default, with = "decimal_opt")]
    pub finish_battery_percent: Option<Decimal>,
    /// When the metrics were last updated (unix seconds).
    #[serde(default, deserialize_with = "opt_i64")]
    pub metrics_updated_at: Option<i64>,
    /// Result of the platform's checks of the OCPP transaction.
    #[serde(default)]
    pub ocpp_inspections_flag: Option<OcppInspectionsFlag>,
    /// Location name.
    #[serde(default, deserialize_with = "opt_string")]
    pub charging_point_name: Option<String>,
    /// Location address.
    #[serde(default, deserialize_with = "opt_string")]
    pub charging_point_address: Option<String>,
    /// Two numbers of undocumented axis order (a placeholder in the capture).
    #[serde(default)]
    pub charging_point_coordinates: Option<Vec<Coordinate>>,
    /// Connector name (`""` = none).
    #[serde(default, deserialize_with = "opt_string")]
    pub charging_connector_name: Option<String>,
    /// Connector label (`"CCS/SAE"`, `"GB/T DC"`, `"CHAdeMO"` …).
    #[serde(default)]
    pub charging_connector_type: Option<ConnectorType>,
    /// Connector maximum power in kW.
    #[serde(default, with = "decimal_opt")]
    pub charging_connector_power: Option<Decimal>,
    /// Operator (CPO) id.
    #[serde(default, deserialize_with = "opt_id")]
    pub cpo_id: Option<String>,
    /// eMSP id.
    #[serde(default, deserialize_with = "opt_id")]
    pub emsp_id: Option<String>,
    /// Invoice link (`""` = none).
    #[serde(default, deserialize_with = "opt_string")]
    pub invoice_link: Option<String>,
    /// Money limit the driver set.
    #[serde(default)]
    pub limit_amount: Option<AmountLimit>,
    /// Energy limit the driver set (kWh).
    #[serde(default, with = "decimal_opt")]
    pub limit_energy: Option<Decimal>,
    /// Time limit the driver set (unix seconds).
    #[serde(default, deserialize_with = "opt_i64")]
    pub limit_finish_at: Option<i64>,
    /// State-of-charge limit the driver set, percent.
    #[serde(default, with = "decimal_opt")]
    pub limit_battery_percent: Option<Decimal>,
}

/// One number of `charging_point_coordinates`, exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Coordinate(#[serde(with = "evsessions_core::serde_util::decimal")] pub Decimal);

/// The text of an open value, handed to `f`: a string as is (not copied first); a number or
/// boolean as its JSON text; an object or array as compact JSON (so that nothing is lost and
/// no record fails on it). The text is the one `serde_json::Value` makes of the value.
fn open_text<'de, D: Deserializer<'de>, T>(d: D, f: impl FnOnce(&str) -> T) -> Result<T, D::Error> {
    use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
    use serde::de::{MapAccess, SeqAccess, Visitor};
    use serde_json::Value;

    struct OpenText<F>(F);
    impl<F> OpenText<F> {
        fn value<T, E>(self, v: Value) -> Result<T, E>
        where
            F: FnOnce(&str) -> T,
        {
            Ok((self.0)(&v.to_string()))
        }
    }
    impl<'de, T, F: FnOnce(&str) -> T> Visitor<'de> for OpenText<F> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<T, E> {
            Ok((self.0)(v))
        }
        fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<T, E> {
            self.value(Value::from(v))
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<T, E> {
            self.value(Value::from(v))
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<T, E> {
            self.value(Value::from(v))
        }
        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<T, E> {
            self.value(Value::from(v))
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<T, E> {
            self.value(Value::Null)
        }
        fn visit_none<E: serde::de::Error>(self) -> Result<T, E> {
            self.value(Value::Null)
        }
        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<T, D2::Error> {
            d.deserialize_any(self)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<T, A::Error> {
            let v = Value::deserialize(SeqAccessDeserializer::new(seq))?;
            self.value(v)
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
            let v = Value::deserialize(MapAccessDeserializer::new(map))?;
            self.value(v)
        }
    }
    d.deserialize_any(OpenText(f))
}

macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $text:literal ),* $(,)? }
    ) => {
        $(#[$meta])*
        ///
        /// Open: any other text is kept unchanged in `Other`.
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A value this version does not know, exactly as received.
            Other(String),
        }

        impl $name {
            /// Read the platform's text (exact match; anything else is `Other`).
            pub fn from_text(text: &str) -> Self {
                match text {
                    $( $text => $name::$variant, )*
                    other => $name::Other(other.to_string()),
                }
            }
            /// The platform's text, unchanged.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $text, )*
                    $name::Other(text) => text.as_str(),
                }
            }
            /// True for a value this version knows.
            pub fn is_known(&self) -> bool {
                !matches!(self, $name::Other(_))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl From<&str> for $name {
            fn from(text: &str) -> Self {
                $name::from_text(text)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                open_text(d, $name::from_text)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    };
}

open_enum! {
    /// `state`: the session's lifecycle as the platform names it. Only `"completed"` has been
    /// seen; others (a running or reserved session) are kept as text.
    State {
        /// `"completed"`.
        Completed = "completed",
    }
}

open_enum! {
    /// `payment`: how the session is paid. Only `"personal"` has been seen.
    Payment {
        /// `"personal"` (the driver's own account, as far as can be told).
        Personal = "personal",
    }
}

open_enum! {
    /// `ocpp_inspections_flag`: the platform's verdict on the OCPP transaction.
    OcppInspectionsFlag {
        /// `"warning"`.
        Warning = "warning",
        /// `"error"`.
        Error = "error",
    }
}

open_enum! {
    /// `charging_connector_type`: the connector label.
    ConnectorType {
        /// `"CCS/SAE"` (CCS Combo 2), OCPI `IEC_62196_T2_COMBO`.
        CcsSae = "CCS/SAE",
        /// `"GB/T DC"`, OCPI `GBT_DC`.
        GbtDc = "GB/T DC",
        /// `"CHAdeMO"`, OCPI `CHADEMO`.
        Chademo = "CHAdeMO",
    }
}

/// `started_by` / `finished_by`: who started or stopped the session. Always `null` in the
/// capture, so nothing is known of its values; it is kept as text (a number or an object as its
/// JSON text).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Initiator(pub String);

impl Initiator {
    /// The text as received.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Initiator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Initiator {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        open_text(d, |t| Initiator(t.to_string()))
    }
}

impl Serialize for Initiator {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_text_is_the_text_of_the_json_value() {
        for json in [
            r#""completed""#,
            r#""\u00e9 x""#,
            r#""""#,
            "5",
            "-5",
            "18446744073709551615",
            "1.50",
            "1e3",
            "true",
            "null",
            r#"[1, "a", null, [2.5]]"#,
            r#"{"a": {"b": 1}, "c": "d"}"#,
            "1e400",
            "[1e400]",
        ] {
            let old = serde_json::from_str::<serde_json::Value>(json).map(|v| match v {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            });
            let new = serde_json::from_str::<Initiator>(json).map(|i| i.0);
            assert_eq!(new.ok(), old.ok(), "{json}");
            let state = serde_json::from_str::<State>(json).ok();
            assert_eq!(
                state.as_ref().map(State::as_str),
                new_text(json).as_deref(),
                "{json}"
            );
        }
    }

    fn new_text(json: &str) -> Option<String> {
        serde_json::from_str::<Initiator>(json).ok().map(|i| i.0)
    }

    #[test]
    fn open_enums_keep_unknown_text() {
        assert_eq!(State::from_text("completed"), State::Completed);
        assert_eq!(
            State::from_text("charging"),
            State::Other("charging".into())
        );
        assert_eq!(State::from_text("charging").as_str(), "charging");
        let c: ConnectorType = serde_json::from_str(r#""GB/T DC""#).unwrap();
        assert_eq!(c, ConnectorType::GbtDc);
        let f: OcppInspectionsFlag = serde_json::from_str(r#""critical""#).unwrap();
        assert_eq!(f.as_str(), "critical");
        assert!(!f.is_known());
        let p: Payment = serde_json::from_str("7").unwrap();
        assert_eq!(p, Payment::Other("7".into()));
        let i: Initiator = serde_json::from_str(r#"{"id":5}"#).unwrap();
        assert_eq!(i.as_str(), r#"{"id":5}"#);
        assert_eq!(
            serde_json::to_string(&State::Completed).unwrap(),
            r#""completed""#
        );
    }

    #[test]
    fn envelope_with_null_payload() {
        let e: Envelope = serde_json::from_str(
            r#"{"meta":{"generated_at":1,"status_code":401,"status_name":"Unauthorized","status_description":""},"payload":null}"#,
        )
        .unwrap();
        let meta = e.meta.unwrap();
        assert!(!meta.is_success());
        assert_eq!(meta.status_description, None);
        assert!(e.payload.is_none());
    }

    #[test]
    fn numbers_as_numbers_or_text() {
        let p: Payload =
            serde_json::from_str(r#"{"items":null,"total":"44","per_page":100.0,"page":"1"}"#)
                .unwrap();
        assert_eq!(
            (p.total, p.per_page, p.page),
            (Some(44), Some(100), Some(1))
        );
        assert!(p.items.is_empty());
        assert!(serde_json::from_str::<Payload>(r#"{"total":-1}"#).is_err());
        assert!(serde_json::from_str::<Payload>(r#"{"total":"lots"}"#).is_err());
        let m: Meta = serde_json::from_str(r#"{"status_code":"401"}"#).unwrap();
        assert_eq!(m.status_code, Some(401));
        let s: Session = serde_json::from_str(
            r#"{"id":1,"started_at":1703699763.0,"finished_at":"1703699775"}"#,
        )
        .unwrap();
        assert_eq!(
            (s.started_at, s.finished_at),
            (Some(1703699763), Some(1703699775))
        );
        // A fractional second count was never seen; rounding it would invent a time, so it is
        // an error for that one record (core's `opt_i64`).
        assert!(serde_json::from_str::<Session>(r#"{"id":1,"started_at":1703699763.9}"#).is_err());
    }

    #[test]
    fn limits_as_money_or_number() {
        let l: AmountLimit = serde_json::from_str(r#"{"value":500,"currency":"RUB"}"#).unwrap();
        assert!(matches!(l, AmountLimit::Money(_)));
        let l: AmountLimit = serde_json::from_str("500.5").unwrap();
        assert_eq!(l, AmountLimit::Value(Some(Decimal::new(5005, 1))));
    }
}
