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
