//! eMabler records → [`ChargingSession`].
//!
//! | normalized | finished session (`POST /v2/transactions`) | ongoing session (`GET /v2/ongoing-transactions`) |
//! |---|---|---|
//! | `id` | `id` (internal int64) | `transactionId` (string; likely the OCPP id) |
//! | `status` | `completed` with a real `timestampEnd`, else `active` | `active` |
//! | `vendor_status` | `null` (eMabler sends no status text) | `null` |
//! | `started_at` / `ended_at` | `timestampStart` / `timestampEnd` (`0001-01-01` = `null`) | `startTime` / `null` |
//! | `energy_kwh` | `fullConsumptionWh / 1000` (exact), else `fullConsumptionKWh` | `null` (only a meter start is sent) |
//! | `charger` | `chargerId`, `chargerName`, `socketId` (else `socketName`) | the same fields |
//! | `site` | `siteId`, `siteName` | the same fields |
//! | `authorization` | rfid: `authorizedTagId`, `authorizedUserId` (`0` = `null`), `userName` | rfid: `authorizedIdTag`, `authorizedUserId` |
//! | `cost` | see [`cost`] | `null` (`tariffMaxPrice*` is a cap, kept in `raw`) |

use evsessions_core::{
    AuthMethod, Authorization, Charger, ChargingSession, Cost, CostComponent, CostKind, Decimal,
    RawRecord, SessionStatus, Site,
};

use chrono::{DateTime, Utc};
use evsessions_core::serde_util::{
    decimal_opt, id_lean, opt_i64, opt_id_lean, opt_string, timestamp_opt, unread_id, unread_string,
};
use serde::Deserialize;

use crate::model::{OngoingTransaction, Transaction};
use crate::KIND;

/// A finished-list record (`POST /v2/transactions`) as a [`ChargingSession`]. Takes the
/// record by value: its texts move into the session.
pub fn transaction(mut t: Transaction, raw: impl Into<RawRecord>) -> ChargingSession {
    let mut s = ChargingSession::new(KIND, std::mem::take(&mut t.id), raw);
    s.started_at = t.timestamp_start;
    s.ended_at = t.timestamp_end;
    s.status = if t.timestamp_end.is_some() {
        SessionStatus::Completed
    } else {
        SessionStatus::Active
    };
    s.vendor_status = None;
    s.energy_kwh = energy_kwh(&t);
    let currency = t.currency.take();
    s.cost = priced(&t, s.energy_kwh, currency);
    s.charger = charger(t.charger_id, t.charger_name, t.socket_id, t.socket_name);
    s.site = site(t.site_id, t.site_name);
    s.authorization = authorization(t.authorized_tag_id, t.authorized_user_id, t.user_name);
    s
}

/// [`Transaction`] as the session stream reads a finished-list record: every field of the
/// model under the same name, each accepting at most what the model accepts, but the ids read
/// without taking their text first ([`opt_id_lean`]) and the fields that reach no session
/// (`driverSiteId`, `driverSiteName`, `tariffId`, `origin`, `vehicleId`) only checked, not
/// copied. A record it reads becomes the same session as through the model (the test
/// `lean_reads_as_the_model`); any other record is read through the model.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Lean {
    #[serde(deserialize_with = "id_lean")]
    id: String,
    #[serde(default, deserialize_with = "timestamp_opt::deserialize")]
    timestamp_start: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "timestamp_opt::deserialize")]
    timestamp_end: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "opt_id_lean")]
    charger_id: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    charger_name: Option<String>,
    #[serde(default, deserialize_with = "opt_id_lean")]
    socket_id: Option<String>,
    #[serde(default, deserialize_with = "opt_id_lean")]
    socket_name: Option<String>,
    #[serde(default, deserialize_with = "opt_id_lean")]
    authorized_tag_id: Option<String>,
    #[serde(default, deserialize_with = "opt_id_lean")]
    authorized_user_id: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    user_name: Option<String>,
    #[serde(default, deserialize_with = "opt_id_lean")]
    site_id: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    site_name: Option<String>,
    #[serde(default, deserialize_with = "unread_id")]
    _driver_site_id: (),
    #[serde(default, deserialize_with = "unread_string")]
    _driver_site_name: (),
    #[serde(default, with = "decimal_opt")]
    full_consumption_wh: Option<Decimal>,
    #[serde(default, with = "decimal_opt", rename = "fullConsumptionKWh")]
    full_consumption_kwh: Option<Decimal>,
    #[serde(default, with = "decimal_opt")]
    transaction_length_minutes: Option<Decimal>,
    #[serde(default, with = "decimal_opt")]
    unit_power_cost: Option<Decimal>,
    #[serde(default, deserialize_with = "opt_string")]
    currency: Option<String>,
    #[serde(default, with = "decimal_opt")]
    vat_percent: Option<Decimal>,
    #[serde(default, deserialize_with = "unread_id")]
    _tariff_id: (),
    #[serde(default, deserialize_with = "opt_i64")]
    tariff_version: Option<i64>,
    #[serde(default, with = "decimal_opt")]
    energy_price_incl_vat: Option<Decimal>,
    #[serde(default, with = "decimal_opt")]
    energy_price_excl_vat: Option<Decimal>,
    #[serde(default, with = "decimal_opt")]
    charging_time_price_incl_vat: Option<Decimal>,
    #[serde(default, with = "decimal_opt")]
    charging_time_price_excl_vat: Option<Decimal>,
    #[serde(default, with = "decimal_opt")]
    parking_time_price_incl_vat: Option<Decimal>,
    #[serde(default, with = "decimal_opt")]
    parking_time_price_excl_vat: Option<Decimal>,
    #[serde(default, with = "decimal_opt")]
    flat_fee_incl_vat: Option<Decimal>,
    #[serde(default, with = "decimal_opt")]
    flat_fee_excl_vat: Option<Decimal>,
    #[serde(default, with = "decimal_opt")]
    total_margin_amount: Option<Decimal>,
    #[serde(default, with = "decimal_opt")]
    reduction_amount: Option<Decimal>,
    #[serde(default, with = "decimal_opt")]
    total_cost_incl_vat: Option<Decimal>,
    #[serde(default, with = "decimal_opt")]
    total_cost_excl_vat: Option<Decimal>,
    #[serde(default, with = "decimal_opt")]
    total_vat_amount: Option<Decimal>,
    // Read: it tells a finished record from the twin of an ongoing one.
    #[serde(default, deserialize_with = "opt_id_lean")]
    evse_transaction_id: Option<String>,
    #[serde(default, deserialize_with = "timestamp_opt::deserialize")]
    operation_timestamp: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "unread_id")]
    _origin: (),
    #[serde(default)]
    sanity_flags: Option<Vec<String>>,
    #[serde(default, deserialize_with = "unread_id")]
    _vehicle_id: (),
}

impl Lean {
    /// The model of the record, without the texts that reach no session.
    pub(crate) fn into_model(self) -> Transaction {
        Transaction {
            id: self.id,
            timestamp_start: self.timestamp_start,
            timestamp_end: self.timestamp_end,
            charger_id: self.charger_id,
            charger_name: self.charger_name,
            socket_id: self.socket_id,
            socket_name: self.socket_name,
            authorized_tag_id: self.authorized_tag_id,
            authorized_user_id: self.authorized_user_id,
            user_name: self.user_name,
            site_id: self.site_id,
            site_name: self.site_name,
            driver_site_id: None,
            driver_site_name: None,
            full_consumption_wh: self.full_consumption_wh,
            full_consumption_kwh: self.full_consumption_kwh,
            transaction_length_minutes: self.transaction_length_minutes,
            unit_power_cost: self.unit_power_cost,
            currency: self.currency,
            vat_percent: self.vat_percent,
            tariff_id: None,
            tariff_version: self.tariff_version,
            energy_price_incl_vat: self.energy_price_incl_vat,
            energy_price_excl_vat: self.energy_price_excl_vat,
            charging_time_price_incl_vat: self.charging_time_price_incl_vat,
            charging_time_price_excl_vat: self.charging_time_price_excl_vat,
            parking_time_price_incl_vat: self.parking_time_price_incl_vat,
            parking_time_price_excl_vat: self.parking_time_price_excl_vat,
            flat_fee_incl_vat: self.flat_fee_incl_vat,
            flat_fee_excl_vat: self.flat_fee_excl_vat,
            total_margin_amount: self.total_margin_amount,
            reduction_amount: self.reduction_amount,
            total_cost_incl_vat: self.total_cost_incl_vat,
            total_cost_excl_vat: self.total_cost_excl_vat,
            total_vat_amount: self.total_vat_amount,
            evse_transaction_id: self.evse_transaction_id,
            operation_timestamp: self.operation_timestamp,
            origin: None,
            sanity_flags: self.sanity_flags,
            vehicle_id: None,
        }
    }
}

/// An ongoing-list record (`GET /v2/ongoing-transactions`) as a [`ChargingSession`]: always
/// `active`, no energy, no cost. Takes the record by value: its texts move into the session.
pub fn ongoing(t: OngoingTransaction, raw: impl Into<RawRecord>) -> ChargingSession {
    let mut s = ChargingSession::new(KIND, t.transaction_id, raw);
    s.started_at = t.start_time;
    s.status = SessionStatus::Active;
    s.charger = charger(t.charger_id, t.charger_name, t.socket_id, t.socket_name);
    s.site = site(t.site_id, t.site_name);
    s.authorization = authorization(t.authorized_id_tag, t.authorized_user_id, None);
    s
}

/// `fullConsumptionWh / 1000` exactly; `fullConsumptionKWh` only when Wh is absent.
pub fn energy_kwh(t: &Transaction) -> Option<Decimal> {
    match t.full_consumption_wh {
        Some(wh) => wh.checked_div(Decimal::ONE_THOUSAND).map(|d| d.normalize()),
        None => t.full_consumption_kwh.map(|d| d.normalize()),
    }
}

fn charger(
    id: Option<String>,
    name: Option<String>,
    socket_id: Option<String>,
    socket_name: Option<String>,
) -> Charger {
    let mut c = Charger::default();
    c.id = id;
    c.name = name;
    c.connector_id = socket_id.or(socket_name);
    c
}

fn site(id: Option<String>, name: Option<String>) -> Option<Site> {
    let s = Site::new(id, name);
    (!s.is_empty()).then_some(s)
}

fn authorization(
    tag: Option<String>,
    user_id: Option<String>,
    user_name: Option<String>,
) -> Option<Authorization> {
    // eMabler writes `authorizedUserId: 0` for "no user".
    let user_id = user_id.filter(|u| u.trim() != "0");
    if tag.is_none() && user_id.is_none() && user_name.is_none() {
        return None;
    }
    let mut a = Authorization::new(AuthMethod::Rfid);
    a.id_tag = tag;
    a.user_id = user_id;
    a.user_name = user_name;
    Some(a)
}

/// The cost of a finished session, or `None` when eMabler priced nothing (every amount,
/// `unitPowerCost` and `vatPercent` null).
///
/// Components, in this order, each present when either of its amounts is (zero included):
/// `energy` (`energyPriceExclVat`/`InclVat`, `unit_price` = `unitPowerCost`, `quantity` = the
/// session's kWh), `time` (`chargingTimePrice*`), `parking` (`parkingTimePrice*`), `flat`
/// (`flatFee*`). Totals: `totalCostExclVat`, `totalCostInclVat`, `totalVatAmount`,
/// `vatPercent`. `currency` is `currency` as sent (`null` stays `null`).
/// `totalMarginAmount` and `reductionAmount` (meanings undocumented) stay in `raw` only.
pub fn cost(t: &Transaction, energy_kwh: Option<Decimal>) -> Option<Cost> {
    priced(t, energy_kwh, t.currency.clone())
}

/// [`cost`] with the currency already taken out of `t` (moved, not copied).
fn priced(t: &Transaction, energy_kwh: Option<Decimal>, currency: Option<String>) -> Option<Cost> {
    let lines = [
        (
            CostKind::Energy,
            "energyPrice",
            t.energy_price_excl_vat,
            t.energy_price_incl_vat,
        ),
        (
            CostKind::Time,
            "chargingTimePrice",
            t.charging_time_price_excl_vat,
            t.charging_time_price_incl_vat,
        ),
        (
            CostKind::Parking,
            "parkingTimePrice",
            t.parking_time_price_excl_vat,
            t.parking_time_price_incl_vat,
        ),
        (
            CostKind::Flat,
            "flatFee",
            t.flat_fee_excl_vat,
            t.flat_fee_incl_vat,
        ),
    ];
    let mut c = Cost::new(currency);
    for (kind, name, excl, incl) in lines {
        let energy_priced = kind == CostKind::Energy && t.unit_power_cost.is_some();
        if excl.is_none() && incl.is_none() && !energy_priced {
            continue;
        }
        let mut line = CostComponent::new(kind);
        line.name = Some(name.to_string());
        line.amount_excl_vat = excl;
        line.amount_incl_vat = incl;
        if kind == CostKind::Energy {
            line.unit_price = t.unit_power_cost;
            if energy_kwh.is_some() {
                line.quantity = energy_kwh;
                line.unit = Some("kWh".to_string());
            }
        }
        c.components.push(line);
    }
    c.total_excl_vat = t.total_cost_excl_vat;
    c.total_incl_vat = t.total_cost_incl_vat;
    c.vat_amount = t.total_vat_amount;
    c.vat_percent = t.vat_percent;
    if c.has_no_amounts() && c.vat_percent.is_none() && t.unit_power_cost.is_none() {
        return None;
    }
    Some(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every record the lean view reads becomes, through it, exactly the session the model
    /// makes of it; the records it refuses are those the model reads differently or not at all.
    #[test]
    fn lean_reads_as_the_model() {
        let mut texts: Vec<String> = evsessions_testkit::emabler::fixture_transactions()
            .iter()
            .map(|r| r.to_string())
            .collect();
        let fixture_records = texts.len();
        assert_eq!(fixture_records, 11);
        texts.extend(
            [
                // Read by both, to the same session.
                r#"{"id": "A-1", "socketName": "B", "authorizedUserId": 0, "userName": " "}"#,
                r#"{"id": 1, "driverSiteId": "x", "driverSiteName": "\u00e9", "tariffId": 5}"#,
                r#"{"id": 1, "origin": 7, "vehicleId": "V", "driverSiteId": null}"#,
                r#"{"id": 1, "chargerId": 12, "socketId": -3, "siteId": "\u0033"}"#,
                r#"{"id": 1, "evseTransactionId": 99, "sanityFlags": ["a"]}"#,
                r#"{"id": 1, "fullConsumptionKWh": "9.50", "currency": "EUR", "unitPowerCost": 0.20}"#,
                r#"{"id": 1, "timestampEnd": "0001-01-01T00:00:00Z", "tariffVersion": "3"}"#,
                r#"{"id": 1, "operationTimestamp": "2025-03-04T13:30:02.5+02:00"}"#,
                r#"{"id": 1, "energyPriceExclVat": 0, "flatFeeInclVat": "1.5"}"#,
                // A derived struct also reads an array of its fields in order.
                "[7]",
                // Refused by the model: the lean view must refuse them too.
                r#"{"id": 1, "driverSiteName": 5}"#,
                r#"{"id": 1, "driverSiteId": [1]}"#,
                r#"{"id": 1, "tariffId": {"a": 1}}"#,
                r#"{"id": 1, "origin": true}"#,
                r#"{"id": 1, "vehicleId": false}"#,
                r#"{"id": 1, "tariffId": 1, "tariffId": 2}"#,
                r#"{"id": 1, "origin": 1, "origin": 2}"#,
                r#"{"id": 1, "operationTimestamp": "yesterday"}"#,
                r#"{"id": 1, "transactionLengthMinutes": "long"}"#,
                r#"{"id": 1, "totalMarginAmount": 1e400}"#,
                r#"{"id": 1, "tariffVersion": 1.5}"#,
                r#"{"id": 1, "sanityFlags": [1]}"#,
                r#"{"id": ""}"#,
                r#"{"id": null}"#,
                r#"{"chargerId": "x"}"#,
                // Read by the model only: the lean view leaves them to it.
                r#"{"id": 1.0, "chargerId": 12.0}"#,
                r#"{"id": 1, "socketId": -0}"#,
                r#"{"id": 1, "driverSiteId": 1e400}"#,
                "null",
            ]
            .map(String::from),
        );
        let mut lean_count = 0;
        for text in &texts {
            let raw = RawRecord::from_json(text.as_str()).unwrap();
            let model = evsessions_core::decode::decode_record::<Transaction>(
                &KIND,
                "POST x",
                &["id"],
                &raw,
            )
            .map(|t| transaction(t, raw.clone()));
            match serde_json::from_str::<Lean>(raw.as_str()) {
                Ok(lean) => {
                    lean_count += 1;
                    let lean = transaction(lean.into_model(), raw.clone());
                    let model = model.unwrap_or_else(|e| panic!("{text}: only Lean reads it: {e}"));
                    assert_eq!(format!("{lean:?}"), format!("{model:?}"), "{text}");
                }
                Err(_) if model.is_ok() => assert!(
                    text.contains("1.0") || text.contains("-0") || text.contains("1e400"),
                    "{text}: the model reads it, Lean does not"
                ),
                Err(_) => {}
            }
        }
        assert_eq!(
            lean_count,
            fixture_records + 10,
            "records read through Lean"
        );
    }
}
