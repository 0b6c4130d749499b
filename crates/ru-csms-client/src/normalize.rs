//! The platform's [`Session`] → the normalized [`ChargingSession`].
//!
//! | normalized | from |
//! |---|---|
//! | `id` | `id` |
//! | `status` | `completed: true` → `completed`; `reserved_at` set and `started_at` null → `reservation`; otherwise `active` (when `completed` is absent, `state: "completed"` decides) |
//! | `vendor_status` | `state`, unchanged |
//! | `started_at` / `ended_at` | `started_at` / `finished_at` (unix seconds; `0` = unknown) |
//! | `energy_kwh` | `power` (exact) |
//! | `charger` | `id` ← `charging_station_id`, `connector_id` ← `charging_connector_id`, `name` ← `charging_connector_name` (`""` → null), `connector_type` ← `charging_connector_type` mapped to OCPI, `max_power_kw` ← `charging_connector_power` |
//! | `site` | `id` ← `charging_point_id`, `name`, `address`; latitude/longitude only per [`CoordinateOrder`] |
//! | `authorization` | `method: other`, `user_id` ← `client_id` |
//! | `state_of_charge` | `start_battery_percent` / `finish_battery_percent`, `0` = unknown |
//! | `cost` | `amount` → `total_incl_vat` and `currency`; one component per `detail_amount` line; all money divided by the amount scale |

use chrono::{DateTime, Utc};
use evsessions_core::normalize::connector_type;
use evsessions_core::time::from_epoch_seconds;
use evsessions_core::{
    AuthMethod, Authorization, Charger, ChargingSession, Cost, CostComponent, CostKind, Decimal,
    Error, RawRecord, Result, SessionStatus, Site, StateOfCharge,
};

use crate::config::CoordinateOrder;
use crate::model::{DetailAmount, Money, Session, State};
use crate::KIND;

/// The settings normalization depends on (from [`Config::normalize_options`](crate::Config::normalize_options)).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NormalizeOptions {
    /// Every money `value` is divided by this (1 = roubles, 100 = kopecks). Default 1.
    pub amount_scale: Decimal,
    /// How to read `charging_point_coordinates`. Default [`CoordinateOrder::Untrusted`].
    pub coordinates: CoordinateOrder,
}

impl Default for NormalizeOptions {
    fn default() -> Self {
        NormalizeOptions {
            amount_scale: Decimal::ONE,
            coordinates: CoordinateOrder::Untrusted,
        }
    }
}

/// Normalize one decoded session; `raw` is its JSON exactly as received.
///
/// Fails only on a time out of range (an [`Error::Decode`] naming the record and the field).
/// (The session stream hands over the decoded session itself, whose texts then move into the
/// record instead of being copied.)
pub fn normalize(
    session: &Session,
    raw: impl Into<RawRecord>,
    options: &NormalizeOptions,
) -> Result<ChargingSession> {
    normalize_owned(session.clone(), raw, options)
}

/// [`normalize`], taking the session by value: its texts move into the record.
pub(crate) fn normalize_owned(
    mut session: Session,
    raw: impl Into<RawRecord>,
    options: &NormalizeOptions,
) -> Result<ChargingSession> {
    let time = |field: &str, v: Option<i64>| epoch(&session.id, field, v);
    let started_at = time("started_at", session.started_at)?;
    let ended_at = time("finished_at", session.finished_at)?;
    let reserved_at = time("reserved_at", session.reserved_at)?;

    let status = status(&session, reserved_at.is_some(), started_at.is_some());
    let vendor_status = session.state.as_ref().map(|st| st.as_str().to_string());
    let coordinates = coordinates(&session, options.coordinates);
    let cost = cost(&mut session, options.amount_scale);
    let mut s = ChargingSession::new(KIND, session.id, raw);
    s.status = status;
    s.vendor_status = vendor_status;
    s.started_at = started_at;
    s.ended_at = ended_at;
    s.energy_kwh = session.power;

    let mut charger = Charger::default();
    charger.id = session.charging_station_id;
    charger.connector_id = session.charging_connector_id;
    charger.name = session.charging_connector_name;
    charger.connector_type = session
        .charging_connector_type
        .as_ref()
        .and_then(|t| connector_type(t.as_str()));
    charger.max_power_kw = session.charging_connector_power;
    s.charger = charger;

    let mut site = Site::new(session.charging_point_id, session.charging_point_name);
    site.address = session.charging_point_address;
    if let Some((lat, lon)) = coordinates {
        site.latitude = Some(lat);
        site.longitude = Some(lon);
    }
    s.site = (!site.is_empty()).then_some(site);

    s.authorization = session.client_id.map(|client| {
        let mut a = Authorization::new(AuthMethod::Other);
        a.user_id = Some(client);
        a
    });

    s.state_of_charge = StateOfCharge::from_ends(
        percent(session.start_battery_percent),
        percent(session.finish_battery_percent),
    );

    s.cost = cost;
    Ok(s)
}

/// `completed: true` → completed; `completed: false` → reservation when reserved and not
/// started, else active; `completed` absent → the same, with `state: "completed"` meaning
/// completed.
fn status(session: &Session, reserved: bool, started: bool) -> SessionStatus {
    let completed = match session.completed {
        Some(c) => c,
        None => session.state == Some(State::Completed),
    };
    if completed {
        SessionStatus::Completed
    } else if reserved && !started {
        SessionStatus::Reservation
    } else {
        SessionStatus::Active
    }
}

/// Unix seconds → UTC; `0` (and below) is read as "unknown".
fn epoch(record: &str, field: &str, v: Option<i64>) -> Result<Option<DateTime<Utc>>> {
    match v {
        None => Ok(None),
        Some(s) if s <= 0 => Ok(None),
        Some(s) => from_epoch_seconds(s).map(Some).map_err(|e| {
            Error::decode(
                KIND,
                "normalize",
                Some(record.to_string()),
                field,
                e.to_string(),
            )
        }),
    }
}

/// A battery percent; `0` means unknown on this platform (a 0 → 0 pair on a 12-second session).
fn percent(v: Option<Decimal>) -> Option<Decimal> {
    v.filter(|p| !p.is_zero())
}

fn coordinates(session: &Session, order: CoordinateOrder) -> Option<(Decimal, Decimal)> {
    let pair = match session.charging_point_coordinates.as_deref() {
        Some([a, b]) => (a.0, b.0),
        _ => return None,
    };
    let (lat, lon) = match order {
        CoordinateOrder::LatLon => pair,
        CoordinateOrder::LonLat => (pair.1, pair.0),
        CoordinateOrder::Untrusted => return None,
    };
    let ninety = Decimal::from(90);
    let one_eighty = Decimal::from(180);
    (lat.abs() <= ninety && lon.abs() <= one_eighty).then_some((lat, lon))
}

fn scaled(v: Option<Decimal>, scale: Decimal) -> Option<Decimal> {
    v.and_then(|v| v.checked_div(scale))
}

fn money_value(m: &Option<Money>, scale: Decimal) -> Option<Decimal> {
    scaled(m.as_ref().and_then(|m| m.value), scale)
}

fn money_currency(m: &mut Option<Money>) -> Option<String> {
    m.as_mut().and_then(|m| m.currency.take())
}

/// The cost of `session`, its texts taken out of it.
fn cost(session: &mut Session, scale: Decimal) -> Option<Cost> {
    if session.amount.is_none() && session.detail_amount.is_empty() {
        return None;
    }
    let total = money_value(&session.amount, scale);
    let currency = money_currency(&mut session.amount).or_else(|| {
        session
            .detail_amount
            .iter_mut()
            .find_map(|l| money_currency(&mut l.amount).or_else(|| money_currency(&mut l.price)))
    });
    let mut cost = Cost::new(currency);
    cost.total_incl_vat = total;
    cost.components = std::mem::take(&mut session.detail_amount)
        .into_iter()
        .map(|line| component(line, scale))
        .collect();
    Some(cost)
}

fn component(line: DetailAmount, scale: Decimal) -> CostComponent {
    let mut c = CostComponent::new(kind_of_unit(line.units.as_deref()));
    c.unit_price = money_value(&line.price, scale);
    c.amount_incl_vat = money_value(&line.amount, scale);
    c.name = line.name;
    c.quantity = line.quantity;
    c.unit = line.units;
    c
}

/// The kind of a cost line from its unit: kWh → energy, pieces → flat, minutes/hours → time.
///
/// ```
/// use evsessions_core::CostKind;
/// use ru_csms_client::normalize::kind_of_unit;
/// assert_eq!(kind_of_unit(Some("кВт⋅ч")), CostKind::Energy);
/// assert_eq!(kind_of_unit(Some("кВт·ч")), CostKind::Energy);
/// assert_eq!(kind_of_unit(Some("шт")), CostKind::Flat);
/// assert_eq!(kind_of_unit(Some("мин")), CostKind::Time);
/// assert_eq!(kind_of_unit(Some("сеанс")), CostKind::Other);
/// assert_eq!(kind_of_unit(None), CostKind::Other);
/// ```
pub fn kind_of_unit(unit: Option<&str>) -> CostKind {
    let Some(unit) = unit else {
        return CostKind::Other;
    };
    // The spellings the platform writes, known at once (the reading below gives the same).
    match unit {
        "кВт⋅ч" | "кВт·ч" => CostKind::Energy,
        "шт" => CostKind::Flat,
        "мин" => CostKind::Time,
        _ => kind_of_any_unit(unit),
    }
}

/// [`kind_of_unit`] for any spelling.
fn kind_of_any_unit(unit: &str) -> CostKind {
    // Letters only, lower case: "кВт⋅ч", "кВт·ч", "кВт*ч", "кВт ч" → "квтч"; "мин." → "мин".
    // (Read into a few chars on the stack: no key is longer than four letters.)
    let mut key = ['\0'; 4];
    let mut len = 0;
    for c in unit
        .chars()
        .filter(|c| c.is_alphabetic())
        .flat_map(char::to_lowercase)
    {
        match key.get_mut(len) {
            Some(slot) => *slot = c,
            None => return CostKind::Other,
        }
        len += 1;
    }
    match key.get(..len).unwrap_or_default() {
        ['к', 'в', 'т', 'ч'] | ['k', 'w', 'h'] => CostKind::Energy,
        ['ш', 'т'] | ['p', 'c', 's'] | ['p', 'c'] => CostKind::Flat,
        ['м', 'и', 'н'] | ['m', 'i', 'n'] | ['ч'] | ['ч', 'а', 'с'] | ['h'] => {
            CostKind::Time
        }
        _ => CostKind::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_known_at_once_read_as_any_unit() {
        for unit in ["кВт⋅ч", "кВт·ч", "шт", "мин"] {
            assert_eq!(kind_of_unit(Some(unit)), kind_of_any_unit(unit), "{unit}");
        }
    }

    #[test]
    fn zero_percent_is_unknown() {
        assert_eq!(percent(Some(Decimal::ZERO)), None);
        assert_eq!(percent(Some(Decimal::from(28))), Some(Decimal::from(28)));
        assert_eq!(
            StateOfCharge::from_ends(percent(Some(Decimal::ZERO)), None),
            None
        );
    }

    #[test]
    fn scale_is_exact_and_never_panics() {
        assert_eq!(
            scaled(Some(Decimal::from(46473)), Decimal::from(100)),
            Some(Decimal::new(46473, 2))
        );
        assert_eq!(scaled(Some(Decimal::ONE), Decimal::ZERO), None);
    }
}
