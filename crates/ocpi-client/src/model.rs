//! The OCPI objects this client reads, 1:1 with their JSON (OCPI 2.2.1, with the 2.1.1 names
//! where the two versions agree on the meaning: see `docs/ocpi.md`, "2.1.1").
//!
//! Tolerant where OCPI platforms are known to differ: ids as strings or numbers, numbers as
//! JSON numbers or numeric strings, `DateTime` with or without the `Z`. Every field not read
//! here (`charging_periods`, `tariffs`, `signed_data`, …) stays in the record's `raw`.

use chrono::{DateTime, Utc};
use evsessions_core::serde_util::{
    decimal, decimal_opt, id, opt_i64, opt_id, opt_string, timestamp_opt,
};
use evsessions_core::{Decimal, RawRecord};
use serde::{Deserialize, Deserializer};

/// The status part of every OCPI response: `{status_code, status_message, timestamp}` (the
/// `data` read apart).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Status {
    /// `1000` success (1xxx), `2xxx` client errors, `3xxx` server errors, `4xxx` hub errors.
    #[serde(default, deserialize_with = "opt_i64")]
    pub status_code: Option<i64>,
    /// The platform's message.
    #[serde(default, deserialize_with = "opt_string")]
    pub status_message: Option<String>,
    /// When the response was generated (as sent).
    #[serde(default, deserialize_with = "opt_string")]
    pub timestamp: Option<String>,
}

/// A list response: the status and `data`, a list of objects each kept as its JSON text.
#[derive(Debug, Clone, Default, Deserialize)]
#[non_exhaustive]
pub struct ListEnvelope {
    /// The objects; `None` when the envelope has no `data` (or `null`).
    #[serde(default)]
    pub data: Option<Vec<RawRecord>>,
    /// See [`Status::status_code`].
    #[serde(default, deserialize_with = "opt_i64")]
    pub status_code: Option<i64>,
    /// See [`Status::status_message`].
    #[serde(default, deserialize_with = "opt_string")]
    pub status_message: Option<String>,
    /// See [`Status::timestamp`].
    #[serde(default, deserialize_with = "opt_string")]
    pub timestamp: Option<String>,
}

impl ListEnvelope {
    /// The status part.
    pub fn status(&self) -> Status {
        Status {
            status_code: self.status_code,
            status_message: self.status_message.clone(),
            timestamp: self.timestamp.clone(),
        }
    }
}

/// A response whose `data` is one object (or, for the versions list, one list).
#[derive(Debug, Clone, Deserialize)]
#[non_exhaustive]
pub struct ObjectEnvelope<T> {
    /// The object; `None` when the envelope has no `data`.
    #[serde(default = "none")]
    pub data: Option<T>,
    /// See [`Status::status_code`].
    #[serde(default, deserialize_with = "opt_i64")]
    pub status_code: Option<i64>,
    /// See [`Status::status_message`].
    #[serde(default, deserialize_with = "opt_string")]
    pub status_message: Option<String>,
}

fn none<T>() -> Option<T> {
    None
}

/// One entry of `GET {versions_url}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Version {
    /// `2.2.1`, `2.1.1`, …
    #[serde(deserialize_with = "id")]
    pub version: String,
    /// The version's details URL.
    pub url: String,
}

/// `GET {version url}`: the modules of one version.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct VersionDetails {
    /// The version.
    #[serde(deserialize_with = "id")]
    pub version: String,
    /// The modules.
    #[serde(default)]
    pub endpoints: Vec<Endpoint>,
}

/// One module of a version.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Endpoint {
    /// `cdrs`, `sessions`, `locations`, …
    pub identifier: String,
    /// `SENDER` or `RECEIVER` (2.2.1; absent in 2.1.1).
    #[serde(default, deserialize_with = "opt_string")]
    pub role: Option<String>,
    /// The module's URL.
    pub url: String,
}

/// An OCPI `Price`: `excl_vat` and, optionally, `incl_vat`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Price {
    /// Excluding VAT.
    #[serde(with = "decimal")]
    pub excl_vat: Decimal,
    /// Including VAT, when the platform gives it.
    #[serde(default, with = "decimal_opt")]
    pub incl_vat: Option<Decimal>,
}

/// A price field: a 2.2.1 `Price` object, or the plain number of 2.1.1 (`total_cost`,
/// "excluding VAT"), read as a `Price` without `incl_vat`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceField(pub Price);

impl<'de> Deserialize<'de> for PriceField {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(transparent)]
        struct Number(#[serde(with = "decimal")] Decimal);
        let raw: Box<serde_json::value::RawValue> = Deserialize::deserialize(d)?;
        let text = raw.get().trim_start();
        if text.starts_with('{') {
            serde_json::from_str::<Price>(text)
                .map(PriceField)
                .map_err(serde::de::Error::custom)
        } else {
            serde_json::from_str::<Number>(text)
                .map(|n| {
                    PriceField(Price {
                        excl_vat: n.0,
                        incl_vat: None,
                    })
                })
                .map_err(serde::de::Error::custom)
        }
    }
}

fn price_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Price>, D::Error> {
    Ok(Option::<PriceField>::deserialize(d)?.map(|p| p.0))
}

/// `CdrToken` (2.2.1; also the `cdr_token` of a Session).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct CdrToken {
    /// The eMSP's country.
    #[serde(default, deserialize_with = "opt_string")]
    pub country_code: Option<String>,
    /// The eMSP's party id.
    #[serde(default, deserialize_with = "opt_string")]
    pub party_id: Option<String>,
    /// The token's unique id (an RFID UID, an app user's id).
    #[serde(default, deserialize_with = "opt_id")]
    pub uid: Option<String>,
    /// `AD_HOC_USER`, `APP_USER`, `OTHER`, `RFID`.
    #[serde(default, rename = "type", deserialize_with = "opt_string")]
    pub token_type: Option<String>,
    /// The driver's contract id (eMA ID).
    #[serde(default, deserialize_with = "opt_id")]
    pub contract_id: Option<String>,
}

/// `GeoLocation`: latitude and longitude as decimal text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct GeoLocation {
    /// Latitude (`51.047599`).
    #[serde(default, with = "decimal_opt")]
    pub latitude: Option<Decimal>,
    /// Longitude (`3.729944`).
    #[serde(default, with = "decimal_opt")]
    pub longitude: Option<Decimal>,
}

/// `CdrLocation` (2.2.1): the location, EVSE and connector of a CDR, flattened.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct CdrLocation {
    /// The location's id.
    #[serde(default, deserialize_with = "opt_id")]
    pub id: Option<String>,
    /// Display name.
    #[serde(default, deserialize_with = "opt_string")]
    pub name: Option<String>,
    /// Street and number.
    #[serde(default, deserialize_with = "opt_string")]
    pub address: Option<String>,
    /// City.
    #[serde(default, deserialize_with = "opt_string")]
    pub city: Option<String>,
    /// Postal code.
    #[serde(default, deserialize_with = "opt_string")]
    pub postal_code: Option<String>,
    /// State.
    #[serde(default, deserialize_with = "opt_string")]
    pub state: Option<String>,
    /// ISO 3166-1 alpha-3 country.
    #[serde(default, deserialize_with = "opt_string")]
    pub country: Option<String>,
    /// Coordinates.
    #[serde(default)]
    pub coordinates: Option<GeoLocation>,
    /// The EVSE's technical id.
    #[serde(default, deserialize_with = "opt_id")]
    pub evse_uid: Option<String>,
    /// The EVSE id (eMI3).
    #[serde(default, deserialize_with = "opt_id")]
    pub evse_id: Option<String>,
    /// The connector's id within the EVSE.
    #[serde(default, deserialize_with = "opt_id")]
    pub connector_id: Option<String>,
    /// OCPI `ConnectorType` (`IEC_62196_T2`, …).
    #[serde(default, deserialize_with = "opt_string")]
    pub connector_standard: Option<String>,
    /// `SOCKET` or `CABLE`.
    #[serde(default, deserialize_with = "opt_string")]
    pub connector_format: Option<String>,
    /// `AC_1_PHASE`, …, `DC`.
    #[serde(default, deserialize_with = "opt_string")]
    pub connector_power_type: Option<String>,
}

/// A 2.1.1 `Location` (the `location` of a 2.1.1 CDR or Session), the parts read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Location211 {
    /// The location's id.
    #[serde(default, deserialize_with = "opt_id")]
    pub id: Option<String>,
    /// Display name.
    #[serde(default, deserialize_with = "opt_string")]
    pub name: Option<String>,
    /// Street and number.
    #[serde(default, deserialize_with = "opt_string")]
    pub address: Option<String>,
    /// Coordinates.
    #[serde(default)]
    pub coordinates: Option<GeoLocation>,
    /// The EVSEs (a CDR's holds the one used).
    #[serde(default)]
    pub evses: Vec<Evse211>,
}

/// A 2.1.1 `EVSE`, the parts read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Evse211 {
    /// Technical id.
    #[serde(default, deserialize_with = "opt_id")]
    pub uid: Option<String>,
    /// EVSE id.
    #[serde(default, deserialize_with = "opt_id")]
    pub evse_id: Option<String>,
    /// Connectors (a CDR's holds the one used).
    #[serde(default)]
    pub connectors: Vec<Connector211>,
}

/// A 2.1.1 `Connector`, the parts read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Connector211 {
    /// Connector id.
    #[serde(default, deserialize_with = "opt_id")]
    pub id: Option<String>,
    /// `ConnectorType`.
    #[serde(default, deserialize_with = "opt_string")]
    pub standard: Option<String>,
}

/// A Charge Detail Record (`mod_cdrs`): one finished charging session, priced. Never changed
/// once sent; a correction is a credit CDR (`credit: true`, `credit_reference_id`) and usually
/// a new CDR.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Cdr {
    /// The CPO's country.
    #[serde(default, deserialize_with = "opt_string")]
    pub country_code: Option<String>,
    /// The CPO's party id.
    #[serde(default, deserialize_with = "opt_string")]
    pub party_id: Option<String>,
    /// The CDR's id.
    #[serde(deserialize_with = "id")]
    pub id: String,
    /// Start of the session.
    #[serde(default, deserialize_with = "timestamp_opt::deserialize")]
    pub start_date_time: Option<DateTime<Utc>>,
    /// End of the session (2.1.1: `stop_date_time`).
    #[serde(
        default,
        alias = "stop_date_time",
        deserialize_with = "timestamp_opt::deserialize"
    )]
    pub end_date_time: Option<DateTime<Utc>>,
    /// The Session's id (2.2.1).
    #[serde(default, deserialize_with = "opt_id")]
    pub session_id: Option<String>,
    /// The token (2.2.1).
    #[serde(default)]
    pub cdr_token: Option<CdrToken>,
    /// The token's id (2.1.1).
    #[serde(default, deserialize_with = "opt_id")]
    pub auth_id: Option<String>,
    /// `AUTH_REQUEST`, `COMMAND`, `WHITELIST`.
    #[serde(default, deserialize_with = "opt_string")]
    pub auth_method: Option<String>,
    /// The eMSP's authorization reference.
    #[serde(default, deserialize_with = "opt_id")]
    pub authorization_reference: Option<String>,
    /// Location, EVSE and connector (2.2.1).
    #[serde(default)]
    pub cdr_location: Option<CdrLocation>,
    /// Location with the EVSE and connector used (2.1.1).
    #[serde(default)]
    pub location: Option<Location211>,
    /// The meter.
    #[serde(default, deserialize_with = "opt_string")]
    pub meter_id: Option<String>,
    /// ISO 4217 currency.
    #[serde(default, deserialize_with = "opt_string")]
    pub currency: Option<String>,
    /// Total cost (2.1.1: a number, excluding VAT).
    #[serde(default, deserialize_with = "price_opt")]
    pub total_cost: Option<Price>,
    /// Fixed costs (a start fee).
    #[serde(default, deserialize_with = "price_opt")]
    pub total_fixed_cost: Option<Price>,
    /// Energy, kWh.
    #[serde(default, with = "decimal_opt")]
    pub total_energy: Option<Decimal>,
    /// Energy cost.
    #[serde(default, deserialize_with = "price_opt")]
    pub total_energy_cost: Option<Price>,
    /// Duration, hours.
    #[serde(default, with = "decimal_opt")]
    pub total_time: Option<Decimal>,
    /// Time cost.
    #[serde(default, deserialize_with = "price_opt")]
    pub total_time_cost: Option<Price>,
    /// Time not charging, hours.
    #[serde(default, with = "decimal_opt")]
    pub total_parking_time: Option<Decimal>,
    /// Parking cost.
    #[serde(default, deserialize_with = "price_opt")]
    pub total_parking_cost: Option<Price>,
    /// Reservation cost.
    #[serde(default, deserialize_with = "price_opt")]
    pub total_reservation_cost: Option<Price>,
    /// A remark.
    #[serde(default, deserialize_with = "opt_string")]
    pub remark: Option<String>,
    /// An invoice reference.
    #[serde(default, deserialize_with = "opt_id")]
    pub invoice_reference_id: Option<String>,
    /// A credit CDR.
    #[serde(default)]
    pub credit: Option<bool>,
    /// The id of the CDR a credit CDR cancels.
    #[serde(default, deserialize_with = "opt_id")]
    pub credit_reference_id: Option<String>,
    /// A session on the driver's home charger, to compensate.
    #[serde(default)]
    pub home_charging_compensation: Option<bool>,
    /// When the CDR was last updated (created).
    #[serde(default, deserialize_with = "timestamp_opt::deserialize")]
    pub last_updated: Option<DateTime<Utc>>,
}

impl Cdr {
    /// True for a credit CDR.
    pub fn is_credit(&self) -> bool {
        self.credit == Some(true)
    }
}

/// A Session (`mod_sessions`): a charging session as it runs.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Session {
    /// The CPO's country.
    #[serde(default, deserialize_with = "opt_string")]
    pub country_code: Option<String>,
    /// The CPO's party id.
    #[serde(default, deserialize_with = "opt_string")]
    pub party_id: Option<String>,
    /// The session's id (the `session_id` of its CDR).
    #[serde(deserialize_with = "id")]
    pub id: String,
    /// When it became ACTIVE (2.1.1: `start_datetime`).
    #[serde(
        default,
        alias = "start_datetime",
        deserialize_with = "timestamp_opt::deserialize"
    )]
    pub start_date_time: Option<DateTime<Utc>>,
    /// When it ended (2.1.1: `end_datetime`).
    #[serde(
        default,
        alias = "end_datetime",
        deserialize_with = "timestamp_opt::deserialize"
    )]
    pub end_date_time: Option<DateTime<Utc>>,
    /// Energy so far, kWh.
    #[serde(default, with = "decimal_opt")]
    pub kwh: Option<Decimal>,
    /// The token (2.2.1).
    #[serde(default)]
    pub cdr_token: Option<CdrToken>,
    /// The token's id (2.1.1).
    #[serde(default, deserialize_with = "opt_id")]
    pub auth_id: Option<String>,
    /// `AUTH_REQUEST`, `COMMAND`, `WHITELIST`.
    #[serde(default, deserialize_with = "opt_string")]
    pub auth_method: Option<String>,
    /// The eMSP's authorization reference.
    #[serde(default, deserialize_with = "opt_id")]
    pub authorization_reference: Option<String>,
    /// The location's id (2.2.1).
    #[serde(default, deserialize_with = "opt_id")]
    pub location_id: Option<String>,
    /// The EVSE's technical id (2.2.1).
    #[serde(default, deserialize_with = "opt_id")]
    pub evse_uid: Option<String>,
    /// The connector's id (2.2.1).
    #[serde(default, deserialize_with = "opt_id")]
    pub connector_id: Option<String>,
    /// The location with the EVSE and connector used (2.1.1).
    #[serde(default)]
    pub location: Option<Location211>,
    /// The meter.
    #[serde(default, deserialize_with = "opt_string")]
    pub meter_id: Option<String>,
    /// ISO 4217 currency.
    #[serde(default, deserialize_with = "opt_string")]
    pub currency: Option<String>,
    /// Cost so far (2.1.1: a number, excluding VAT).
    #[serde(default, deserialize_with = "price_opt")]
    pub total_cost: Option<Price>,
    /// `ACTIVE`, `COMPLETED`, `INVALID`, `PENDING`, `RESERVATION`.
    #[serde(default, deserialize_with = "opt_string")]
    pub status: Option<String>,
    /// When the Session was last updated.
    #[serde(default, deserialize_with = "timestamp_opt::deserialize")]
    pub last_updated: Option<DateTime<Utc>>,
}
