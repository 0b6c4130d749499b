//! eMabler's own types, 1:1 with its JSON (spec *eMabler | Entity Management API* v2.0.1).
//!
//! Tolerant where the live API drifts from the spec:
//! - every field is optional (`#[serde(default)]`), even those the spec marks non-nullable;
//! - identifiers and enum values are read as text whether they arrive as JSON strings or
//!   numbers (`socketId: 1` and `"1"`, `ocppVersion: 2` and `"Version16"`);
//! - numbers that are money or energy are exact [`Decimal`]s, read from numbers or numeric
//!   strings;
//! - timestamps accept 0 to 9 fractional digits, `Z` or any offset; the .NET
//!   `0001-01-01T00:00:00Z` "never" sentinel and empty text are `None`; a timestamp without an
//!   offset is read as UTC (eMabler's v2 API writes UTC with `Z`; its v1 fields were named
//!   `startTimeUTC`/`endTimeUTC`);
//! - unknown keys are ignored here (the normalized record keeps the whole JSON in `raw`).

use chrono::{DateTime, Utc};
use evsessions_core::serde_util::{
    decimal_opt, format_utc, null_as_default, opt_i64, opt_id, opt_string, timestamp_opt,
};
use evsessions_core::Decimal;
use serde::{Deserialize, Serialize};

/// The paged envelope of every eMabler list (`statisticsTransactionDtoPaginated` and its
/// siblings): `{page, limit, totalRecords, hasNextPage, hasPreviousPage, items}`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", bound(deserialize = "T: Deserialize<'de>"))]
#[non_exhaustive]
pub struct Paginated<T> {
    /// The page number (1-based).
    #[serde(default, deserialize_with = "opt_i64")]
    pub page: Option<i64>,
    /// Records per page.
    #[serde(default, deserialize_with = "opt_i64")]
    pub limit: Option<i64>,
    /// Records in the whole result (int64 on `/v2/transactions`, int32 elsewhere).
    #[serde(default, deserialize_with = "opt_i64")]
    pub total_records: Option<i64>,
    /// Whether another page follows. Not trusted alone: paging also stops on an empty page.
    #[serde(default)]
    pub has_next_page: Option<bool>,
    /// Whether a page precedes this one.
    #[serde(default)]
    pub has_previous_page: Option<bool>,
    /// The records (`null` reads as empty). Required: a 200 whose body has no `items` (a
    /// proxy's or a broken server's JSON) is a decode error, never a silent empty listing.
    #[serde(deserialize_with = "null_as_default")]
    pub items: Vec<T>,
}

/// The body of `POST /v2/transactions` (`getTransactionsRequestBody`). Every field is
/// optional; unset fields are left out of the JSON. Times are sent in UTC with `Z`.
///
/// ```
/// use emabler_client::TransactionsRequest;
/// let mut body = TransactionsRequest::page(1, 200);
/// body.start_time = Some("2025-03-03T00:00:00Z".parse().unwrap());
/// body.site_ids = vec!["3101".into()];
/// assert_eq!(
///     serde_json::to_string(&body).unwrap(),
///     r#"{"page":1,"limit":200,"startTime":"2025-03-03T00:00:00Z","siteIDs":["3101"]}"#
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TransactionsRequest {
    /// Page number, 1-based.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub page: Option<u32>,
    /// Page size, at most 1000.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub limit: Option<u32>,
    /// Sort key (allowed values are not documented).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sort_key: Option<String>,
    /// Sort descending.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sort_descending: Option<bool>,
    /// Lower bound on the session start.
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "timestamp_opt",
        default
    )]
    pub start_time: Option<DateTime<Utc>>,
    /// Upper bound on the session start (inclusive or not is undocumented).
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "timestamp_opt",
        default
    )]
    pub start_time_search_end: Option<DateTime<Utc>>,
    /// Lower bound on the session end.
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "timestamp_opt",
        default
    )]
    pub stop_time_search_begin: Option<DateTime<Utc>>,
    /// Upper bound on the session end.
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "timestamp_opt",
        default
    )]
    pub stop_time: Option<DateTime<Utc>>,
    /// Charger OCPP identities; `"chargerId/socketId"` restricts to one socket.
    #[serde(rename = "chargerIDs", skip_serializing_if = "Vec::is_empty", default)]
    pub charger_ids: Vec<String>,
    /// Driver (user) ids, as strings.
    #[serde(rename = "driverIDs", skip_serializing_if = "Vec::is_empty", default)]
    pub driver_ids: Vec<String>,
    /// Site ids, as strings.
    #[serde(rename = "siteIDs", skip_serializing_if = "Vec::is_empty", default)]
    pub site_ids: Vec<String>,
    /// Id tags.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub rfid_tags: Vec<String>,
    /// Internal transaction ids (item `id`).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub transaction_ids: Vec<i64>,
    /// OCPP transaction ids (item `evseTransactionId`).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub evse_transaction_ids: Vec<String>,
    /// Fill `sanityFlags` in the items.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub include_sanity_flags: Option<bool>,
}

/// One finished (or recorded) charging session: an item of `POST /v2/transactions`
/// (`chargingSessionsResponse`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Transaction {
    /// eMabler's internal transaction id (int64). Required.
    #[serde(deserialize_with = "evsessions_core::serde_util::id")]
    pub id: String,
    /// Session start.
    #[serde(default, deserialize_with = "timestamp_opt::deserialize")]
    pub timestamp_start: Option<DateTime<Utc>>,
    /// Session end; `None` when absent or the `0001-01-01` sentinel (not finished).
    #[serde(default, deserialize_with = "timestamp_opt::deserialize")]
    pub timestamp_end: Option<DateTime<Utc>>,
    /// Charger OCPP identity.
    #[serde(default, deserialize_with = "opt_id")]
    pub charger_id: Option<String>,
    /// Charger name.
    #[serde(default, deserialize_with = "opt_string")]
    pub charger_name: Option<String>,
    /// Connector number (int32), as text.
    #[serde(default, deserialize_with = "opt_id")]
    pub socket_id: Option<String>,
    /// Connector name.
    #[serde(default, deserialize_with = "opt_id")]
    pub socket_name: Option<String>,
    /// The id tag that authorized the session.
    #[serde(default, deserialize_with = "opt_id")]
    pub authorized_tag_id: Option<String>,
    /// The driver's user id (int64), as text (`0` is kept here; it means "no user").
    #[serde(default, deserialize_with = "opt_id")]
    pub authorized_user_id: Option<String>,
    /// The driver's name.
    #[serde(default, deserialize_with = "opt_string")]
    pub user_name: Option<String>,
    /// Site of the charger (int64), as text.
    #[serde(default, deserialize_with = "opt_id")]
    pub site_id: Option<String>,
    /// Site name.
    #[serde(default, deserialize_with = "opt_string")]
    pub site_name: Option<String>,
    /// The driver's home site (int64), as text.
    #[serde(default, deserialize_with = "opt_id")]
    pub driver_site_id: Option<String>,
    /// The driver's home site name.
    #[serde(default, deserialize_with = "opt_string")]
    pub driver_site_name: Option<String>,
    /// Energy in Wh.
    #[serde(default, with = "decimal_opt")]
    pub full_consumption_wh: Option<Decimal>,
    /// Energy in kWh (the same energy as `full_consumption_wh`).
    #[serde(default, with = "decimal_opt", rename = "fullConsumptionKWh")]
    pub full_consumption_kwh: Option<Decimal>,
    /// Duration in minutes.
    #[serde(default, with = "decimal_opt")]
    pub transaction_length_minutes: Option<Decimal>,
    /// Energy unit price (VAT inclusion undocumented).
    #[serde(default, with = "decimal_opt")]
    pub unit_power_cost: Option<Decimal>,
    /// ISO 4217 currency code.
    #[serde(default, deserialize_with = "opt_string")]
    pub currency: Option<String>,
    /// VAT rate in percent.
    #[serde(default, with = "decimal_opt")]
    pub vat_percent: Option<Decimal>,
    /// Tariff id.
    #[serde(default, deserialize_with = "opt_id")]
    pub tariff_id: Option<String>,
    /// Tariff version.
    #[serde(default, deserialize_with = "opt_i64")]
    pub tariff_version: Option<i64>,
    /// Energy component including VAT.
    #[serde(default, with = "decimal_opt")]
    pub energy_price_incl_vat: Option<Decimal>,
    /// Energy component excluding VAT.
    #[serde(default, with = "decimal_opt")]
    pub energy_price_excl_vat: Option<Decimal>,
    /// Charging-time component including VAT.
    #[serde(default, with = "decimal_opt")]
    pub charging_time_price_incl_vat: Option<Decimal>,
    /// Charging-time component excluding VAT.
    #[serde(default, with = "decimal_opt")]
    pub charging_time_price_excl_vat: Option<Decimal>,
    /// Parking (idle) component including VAT.
    #[serde(default, with = "decimal_opt")]
    pub parking_time_price_incl_vat: Option<Decimal>,
    /// Parking (idle) component excluding VAT.
    #[serde(default, with = "decimal_opt")]
    pub parking_time_price_excl_vat: Option<Decimal>,
    /// Session fee including VAT.
    #[serde(default, with = "decimal_opt")]
    pub flat_fee_incl_vat: Option<Decimal>,
    /// Session fee excluding VAT.
    #[serde(default, with = "decimal_opt")]
    pub flat_fee_excl_vat: Option<Decimal>,
    /// Meaning undocumented (operator margin?).
    #[serde(default, with = "decimal_opt")]
    pub total_margin_amount: Option<Decimal>,
    /// Meaning undocumented (discount?).
    #[serde(default, with = "decimal_opt")]
    pub reduction_amount: Option<Decimal>,
    /// Total including VAT.
    #[serde(default, with = "decimal_opt")]
    pub total_cost_incl_vat: Option<Decimal>,
    /// Total excluding VAT.
    #[serde(default, with = "decimal_opt")]
    pub total_cost_excl_vat: Option<Decimal>,
    /// VAT amount.
    #[serde(default, with = "decimal_opt")]
    pub total_vat_amount: Option<Decimal>,
    /// The transaction id the charger reported over OCPP.
    #[serde(default, deserialize_with = "opt_id")]
    pub evse_transaction_id: Option<String>,
    /// Meaning undocumented.
    #[serde(default, deserialize_with = "timestamp_opt::deserialize")]
    pub operation_timestamp: Option<DateTime<Utc>>,
    /// Origin (values undocumented; `"OCPP"` seen in examples).
    #[serde(default, deserialize_with = "opt_id")]
    pub origin: Option<String>,
    /// Data-quality flags, filled when `includeSanityFlags` is set.
    #[serde(default)]
    pub sanity_flags: Option<Vec<String>>,
    /// Vehicle id.
    #[serde(default, deserialize_with = "opt_id")]
    pub vehicle_id: Option<String>,
}

impl TransactionsRequest {
    /// A request for one page (`page` 1-based, `limit` at most 1000); set filters on it.
    pub fn page(page: u32, limit: u32) -> Self {
        TransactionsRequest {
            page: Some(page),
            limit: Some(limit),
            ..TransactionsRequest::default()
        }
    }
}

/// The query of `GET /v2/ongoing-transactions`. Lists are sent comma-separated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct OngoingTransactionsRequest {
    /// Page number, 1-based (server default 1).
    pub page: Option<u32>,
    /// Page size, at most 100 (server default 100).
    pub limit: Option<u32>,
    /// Sort key (server default `CreatedAt`).
    pub sort_key: Option<String>,
    /// Sort descending.
    pub sort_descending: Option<bool>,
    /// Only these chargers.
    pub charger_ids: Vec<String>,
    /// Only these sockets (int64 ids).
    pub socket_ids: Vec<i64>,
    /// Only these drivers (int64 ids).
    pub driver_ids: Vec<i64>,
    /// Only these external driver ids.
    pub external_driver_ids: Vec<String>,
    /// Only these external user ids.
    pub external_user_ids: Vec<String>,
    /// Created at or after (a filter on the record's creation, not on the start).
    pub from: Option<DateTime<Utc>>,
    /// Created at or before.
    pub to: Option<DateTime<Utc>>,
}

impl OngoingTransactionsRequest {
    /// A request for one page (`page` 1-based, `limit` at most 100); set filters on it.
    pub fn page(page: u32, limit: u32) -> Self {
        OngoingTransactionsRequest {
            page: Some(page),
            limit: Some(limit),
            ..OngoingTransactionsRequest::default()
        }
    }

    /// The query pairs, in a stable order; lists comma-separated (`style=form, explode=false`).
    pub fn query_pairs(&self) -> Vec<(&'static str, String)> {
        let mut q = Vec::new();
        if let Some(p) = self.page {
            q.push(("page", p.to_string()));
        }
        if let Some(l) = self.limit {
            q.push(("limit", l.to_string()));
        }
        if let Some(k) = &self.sort_key {
            q.push(("sortKey", k.clone()));
        }
        if let Some(d) = self.sort_descending {
            q.push(("sortDescending", d.to_string()));
        }
        let join = |v: &[String]| v.join(",");
        let join_i = |v: &[i64]| {
            v.iter()
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(",")
        };
        if !self.charger_ids.is_empty() {
            q.push(("chargerIds", join(&self.charger_ids)));
        }
        if !self.socket_ids.is_empty() {
            q.push(("socketIds", join_i(&self.socket_ids)));
        }
        if !self.driver_ids.is_empty() {
            q.push(("driverIds", join_i(&self.driver_ids)));
        }
        if !self.external_driver_ids.is_empty() {
            q.push(("externalDriverIds", join(&self.external_driver_ids)));
        }
        if !self.external_user_ids.is_empty() {
            q.push(("externalUserIds", join(&self.external_user_ids)));
        }
        if let Some(t) = &self.from {
            q.push(("from", format_utc(t)));
        }
        if let Some(t) = &self.to {
            q.push(("to", format_utc(t)));
        }
        q
    }
}

/// A session in progress: an item of `GET /v2/ongoing-transactions`
/// (`getOngoingTransactionsResponse`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OngoingTransaction {
    /// The transaction id, a **string** in the spec; most likely the OCPP transaction id (the
    /// `evseTransactionId` of the finished record), not the internal `id`. Required.
    #[serde(deserialize_with = "evsessions_core::serde_util::id")]
    pub transaction_id: String,
    /// Charger OCPP identity.
    #[serde(default, deserialize_with = "opt_id")]
    pub charger_id: Option<String>,
    /// Charger name.
    #[serde(default, deserialize_with = "opt_string")]
    pub charger_name: Option<String>,
    /// Connector number (int64), as text.
    #[serde(default, deserialize_with = "opt_id")]
    pub socket_id: Option<String>,
    /// Connector name.
    #[serde(default, deserialize_with = "opt_id")]
    pub socket_name: Option<String>,
    /// Session start.
    #[serde(default, deserialize_with = "timestamp_opt::deserialize")]
    pub start_time: Option<DateTime<Utc>>,
    /// The meter reading at the start, in Wh (not the energy delivered).
    #[serde(default, with = "decimal_opt")]
    pub start_meter_wh: Option<Decimal>,
    /// The tariff's price cap including VAT.
    #[serde(default, with = "decimal_opt")]
    pub tariff_max_price_incl_vat: Option<Decimal>,
    /// The tariff's price cap excluding VAT.
    #[serde(default, with = "decimal_opt")]
    pub tariff_max_price_excl_vat: Option<Decimal>,
    /// Time zone name.
    #[serde(default, deserialize_with = "opt_string")]
    pub timezone: Option<String>,
    /// When the record was created.
    #[serde(default, deserialize_with = "timestamp_opt::deserialize")]
    pub created_at: Option<DateTime<Utc>>,
    /// When the record was last updated.
    #[serde(default, deserialize_with = "timestamp_opt::deserialize")]
    pub updated_at: Option<DateTime<Utc>>,
    /// The id tag that authorized the session.
    #[serde(default, deserialize_with = "opt_id")]
    pub authorized_id_tag: Option<String>,
    /// The driver's user id (int64), as text.
    #[serde(default, deserialize_with = "opt_id")]
    pub authorized_user_id: Option<String>,
    /// External id.
    #[serde(default, deserialize_with = "opt_id")]
    pub external_id: Option<String>,
    /// External user ids.
    #[serde(default = "Vec::new", deserialize_with = "null_as_default")]
    pub external_user_ids: Vec<String>,
    /// Site of the charger (int64), as text.
    #[serde(default, deserialize_with = "opt_id")]
    pub site_id: Option<String>,
    /// Site name.
    #[serde(default, deserialize_with = "opt_string")]
    pub site_name: Option<String>,
}

/// Paging of the simple lists (`GET /v2/sites`, `GET /v2/chargers`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListRequest {
    /// Page number, 1-based (server default 1).
    pub page: Option<u32>,
    /// Page size, at most 100 (server default 100).
    pub limit: Option<u32>,
}

impl ListRequest {
    /// A request for one page.
    pub fn page(page: u32, limit: u32) -> Self {
        ListRequest {
            page: Some(page),
            limit: Some(limit),
        }
    }

    /// The query pairs.
    pub fn query_pairs(&self) -> Vec<(&'static str, String)> {
        let mut q = Vec::new();
        if let Some(p) = self.page {
            q.push(("page", p.to_string()));
        }
        if let Some(l) = self.limit {
            q.push(("limit", l.to_string()));
        }
        q
    }
}

/// A site (`groupDto`): an item of `GET /v2/sites` and the answer of `GET /v2/sites/{id}`.
/// Fields whose shape the spec excerpt does not give are kept as JSON values.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SiteDto {
    /// Site id (int64, nullable), as text.
    #[serde(default, deserialize_with = "opt_id")]
    pub id: Option<String>,
    /// Name.
    #[serde(default, deserialize_with = "opt_string")]
    pub name: Option<String>,
    /// Public name.
    #[serde(default, deserialize_with = "opt_string")]
    pub public_name: Option<String>,
    /// Whether the site is public.
    #[serde(default)]
    pub is_public_site: Option<bool>,
    /// `SUB_CPO`, `SITE`, `SUB_SITE`, `CIRCUIT`, `OTHER` (or an int code), as text.
    #[serde(default, deserialize_with = "opt_id")]
    pub group_type: Option<String>,
    /// External id.
    #[serde(default, deserialize_with = "opt_id")]
    pub external_id: Option<String>,
    /// Cost centre id.
    #[serde(default, deserialize_with = "opt_id")]
    pub cost_center_id: Option<String>,
    /// Cost centre name.
    #[serde(default, deserialize_with = "opt_string")]
    pub cost_center_name: Option<String>,
    /// Utility meter id.
    #[serde(default, deserialize_with = "opt_id")]
    pub utility_meter_id: Option<String>,
    /// Payer id.
    #[serde(default, deserialize_with = "opt_id")]
    pub payer_id: Option<String>,
    /// Cost id.
    #[serde(default, deserialize_with = "opt_id")]
    pub cost_id: Option<String>,
    /// Payment recipient id.
    #[serde(default, deserialize_with = "opt_id")]
    pub payment_recipient_id: Option<String>,
    /// Street address.
    #[serde(default, deserialize_with = "opt_string")]
    pub street_address: Option<String>,
    /// City.
    #[serde(default, deserialize_with = "opt_string")]
    pub city: Option<String>,
    /// Postal code.
    #[serde(default, deserialize_with = "opt_id")]
    pub postal_code: Option<String>,
    /// Country.
    #[serde(default, deserialize_with = "opt_string")]
    pub country: Option<String>,
    /// Latitude.
    #[serde(default, with = "decimal_opt")]
    pub latitude: Option<Decimal>,
    /// Longitude.
    #[serde(default, with = "decimal_opt")]
    pub longitude: Option<Decimal>,
    /// The site's time zone (IANA name).
    #[serde(default, deserialize_with = "opt_string")]
    pub timezone: Option<String>,
    /// Parent site id.
    #[serde(default, deserialize_with = "opt_id")]
    pub parent_site_id: Option<String>,
    /// Parent site name.
    #[serde(default, deserialize_with = "opt_string")]
    pub parent_name: Option<String>,
    /// Path from the root site.
    #[serde(default = "Vec::new", deserialize_with = "null_as_default")]
    pub site_path: Vec<serde_json::Value>,
    /// Chargers directly on the site.
    #[serde(default, deserialize_with = "opt_i64")]
    pub number_of_chargers: Option<i64>,
    /// Chargers on the site and its subsites.
    #[serde(default, deserialize_with = "opt_i64")]
    pub total_number_of_chargers: Option<i64>,
    /// Direct subsites.
    #[serde(default, deserialize_with = "opt_i64")]
    pub number_of_subsites: Option<i64>,
    /// All subsites.
    #[serde(default, deserialize_with = "opt_i64")]
    pub total_number_of_subsites: Option<i64>,
    /// Parking type.
    #[serde(default, deserialize_with = "opt_id")]
    pub parking_type: Option<String>,
    /// Tariff references.
    #[serde(default = "Vec::new", deserialize_with = "null_as_default")]
    pub tariff_references: Vec<serde_json::Value>,
    /// Metadata entries.
    #[serde(default = "Vec::new", deserialize_with = "null_as_default")]
    pub metadata: Vec<serde_json::Value>,
    /// Service company.
    #[serde(default, deserialize_with = "opt_string")]
    pub service_company: Option<String>,
    /// Service contact person.
    #[serde(default, deserialize_with = "opt_string")]
    pub service_contact_person: Option<String>,
    /// Service e-mail.
    #[serde(default, deserialize_with = "opt_string")]
    pub service_email: Option<String>,
    /// Service phone number.
    #[serde(default, deserialize_with = "opt_id")]
    pub service_phone_number: Option<String>,
    /// Notes.
    #[serde(default, deserialize_with = "opt_string")]
    pub notes: Option<String>,
    /// Effective cost centre (shape not documented).
    #[serde(default)]
    pub effective_cost_center: Option<serde_json::Value>,
    /// Effective utility meter id.
    #[serde(default, deserialize_with = "opt_id")]
    pub effective_utility_meter_id: Option<String>,
    /// Effective cost centre id.
    #[serde(default, deserialize_with = "opt_id")]
    pub effective_cost_center_id: Option<String>,
    /// Opening times (shape not documented).
    #[serde(default)]
    pub opening_times: Option<serde_json::Value>,
    /// Earthing system type.
    #[serde(default, deserialize_with = "opt_id")]
    pub earthing_system_type: Option<String>,
}

/// An entry of a charger's `ongoingTransactions`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ChargerOngoingTransaction {
    /// Connector number, as text.
    #[serde(default, deserialize_with = "opt_id")]
    pub socket_id: Option<String>,
    /// Transaction id (int32 in the spec), as text.
    #[serde(default, deserialize_with = "opt_id")]
    pub transaction_id: Option<String>,
    /// OCPP transaction id.
    #[serde(default, deserialize_with = "opt_id")]
    pub evse_transaction_id: Option<String>,
}

/// A charger (`chargerDto`): an item of `GET /v2/chargers` and the answer of
/// `GET /v2/chargers/{id}`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ChargerDto {
    /// Internal id (int64), as text.
    #[serde(default, deserialize_with = "opt_id")]
    pub id: Option<String>,
    /// OCPP charge-point identity.
    #[serde(default, deserialize_with = "opt_id")]
    pub charger_id: Option<String>,
    /// Name.
    #[serde(default, deserialize_with = "opt_string")]
    pub name: Option<String>,
    /// Site id, as text.
    #[serde(default, deserialize_with = "opt_id")]
    pub site_id: Option<String>,
    /// Site name.
    #[serde(default, deserialize_with = "opt_string")]
    pub site_name: Option<String>,
    /// Model.
    #[serde(default, deserialize_with = "opt_id")]
    pub model: Option<String>,
    /// Manufacturer.
    #[serde(default, deserialize_with = "opt_string")]
    pub manufacturer: Option<String>,
    /// Firmware version.
    #[serde(default, deserialize_with = "opt_id")]
    pub firmware: Option<String>,
    /// Serial number.
    #[serde(default, deserialize_with = "opt_id")]
    pub serial: Option<String>,
    /// EVSE id.
    #[serde(default, deserialize_with = "opt_id")]
    pub evse_id: Option<String>,
    /// OCPP version as the server sends it: an int code in the spec (`2`), an enum name live
    /// (`"Version16"`, `"Unknown"`); kept as text either way.
    #[serde(default, deserialize_with = "opt_id")]
    pub ocpp_version: Option<String>,
    /// State (`Online`, `Charging`, `Offline`, …; open), as text.
    #[serde(default, deserialize_with = "opt_id")]
    pub state: Option<String>,
    /// Last contact; the `0001-01-01` sentinel is `None`.
    #[serde(default, deserialize_with = "timestamp_opt::deserialize")]
    pub last_seen: Option<DateTime<Utc>>,
    /// Active connection (shape not documented).
    #[serde(default)]
    pub active_connection: Option<serde_json::Value>,
    /// `AC`, `DC`, `Other` (or an int code), as text.
    #[serde(default, deserialize_with = "opt_id")]
    pub charger_type: Option<String>,
    /// Sockets (`chargerSocketDto`, shape not in the notes).
    #[serde(default = "Vec::new", deserialize_with = "null_as_default")]
    pub sockets: Vec<serde_json::Value>,
    /// Location (shape not documented).
    #[serde(default)]
    pub location: Option<serde_json::Value>,
    /// Capabilities.
    #[serde(default = "Vec::new", deserialize_with = "null_as_default")]
    pub capabilities: Vec<serde_json::Value>,
    /// Sessions running on the charger.
    #[serde(default = "Vec::new", deserialize_with = "null_as_default")]
    pub ongoing_transactions: Vec<ChargerOngoingTransaction>,
    /// Custom properties.
    #[serde(default)]
    pub custom_properties: Option<serde_json::Map<String, serde_json::Value>>,
    /// Created.
    #[serde(default, deserialize_with = "timestamp_opt::deserialize")]
    pub created_at: Option<DateTime<Utc>>,
    /// Updated.
    #[serde(default, deserialize_with = "timestamp_opt::deserialize")]
    pub updated_at: Option<DateTime<Utc>>,
    /// Installed.
    #[serde(default, deserialize_with = "timestamp_opt::deserialize")]
    pub installation_date: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tolerant_transaction() {
        let v = serde_json::json!({
            "id": "1048576004",
            "timestampStart": "2025-03-04T07:15:00.1234567Z",
            "timestampEnd": "0001-01-01T00:00:00Z",
            "socketId": "2",
            "authorizedUserId": 20533,
            "fullConsumptionWh": "12345",
            "tariffVersion": "4",
            "operationTimestamp": "2025-03-04T10:00:00+02:00",
            "somethingNew": {"x": 1}
        });
        let t: Transaction = serde_json::from_value(v).unwrap();
        assert_eq!(t.id, "1048576004");
        assert_eq!(
            format_utc(&t.timestamp_start.unwrap()),
            "2025-03-04T07:15:00.123456700Z"
        );
        assert_eq!(t.timestamp_end, None);
        assert_eq!(t.socket_id.as_deref(), Some("2"));
        assert_eq!(t.authorized_user_id.as_deref(), Some("20533"));
        assert_eq!(t.full_consumption_wh, Some(Decimal::from(12345)));
        assert_eq!(t.tariff_version, Some(4));
        assert_eq!(
            format_utc(&t.operation_timestamp.unwrap()),
            "2025-03-04T08:00:00Z"
        );
        assert!(serde_json::from_value::<Transaction>(serde_json::json!({})).is_err());
    }

    #[test]
    fn request_body_names() {
        let b = TransactionsRequest {
            charger_ids: vec!["A".into()],
            driver_ids: vec!["1".into()],
            rfid_tags: vec!["T".into()],
            transaction_ids: vec![7],
            evse_transaction_ids: vec!["9".into()],
            include_sanity_flags: Some(true),
            stop_time: Some("2025-01-01T00:00:00Z".parse().unwrap()),
            ..Default::default()
        };
        let v = serde_json::to_value(&b).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"chargerIDs":["A"],"driverIDs":["1"],"rfidTags":["T"],
                "transactionIds":[7],"evseTransactionIds":["9"],"includeSanityFlags":true,
                "stopTime":"2025-01-01T00:00:00Z"})
        );
        assert_eq!(
            serde_json::to_value(TransactionsRequest::default()).unwrap(),
            serde_json::json!({})
        );
    }

    #[test]
    fn ongoing_query_is_comma_separated() {
        let r = OngoingTransactionsRequest {
            page: Some(2),
            limit: Some(100),
            charger_ids: vec!["A".into(), "B".into()],
            socket_ids: vec![1, 2],
            ..Default::default()
        };
        assert_eq!(
            r.query_pairs(),
            vec![
                ("page", "2".to_string()),
                ("limit", "100".to_string()),
                ("chargerIds", "A,B".to_string()),
                ("socketIds", "1,2".to_string()),
            ]
        );
    }
}
