//! [`NabijeciBod`] and its [`NabijeciBodTransakce`] sessions → [`ChargingSession`].
//!
//! | normalized | from |
//! |---|---|
//! | `id` | transakce `Id` as text (else `SessionId`) |
//! | `started_at` / `ended_at` | `DatumZahajeni` / `DatumUkonceni`, zoneless times read in the configured zone |
//! | `status` | `invalid` when `Smazano` is true (the record is kept); else `completed` when `DatumUkonceni` is set; else `active` when `DatumZahajeni` is set; else `unknown` |
//! | `vendor_status` | always `null`: the API sends no status text for a session |
//! | `energy_kwh` | `SpotrebaKwh`; else `(StavElektromeruKonecWh − StavElektromeruZacatekWh) / 1000` when both are known and the difference is not negative |
//! | `cost` | configured currency; `total_excl_vat` = `Cena`, `total_incl_vat` = `CenaSDph`, `vat_amount` = their difference when both are known, `vat_percent` `null`; no cost when both prices are `null` |
//! | `authorization` | `IdTag`; method `rfid` when the tag is a hexadecimal ISO 14443 UID (8, 14 or 20 hex digits), else `other` |
//! | `charger` | `id` = the charge id asked; `evse_id` = `EvseId`; `name` = `Kod`; `connector_id` = the `connectorId` asked when not 0, else the session's `IdNabijeciBodKonektor`, else the point's; `max_power_kw` = `JmenovityVystupniVykonKw`; `connector_type` from the `NabijeciBodKonektorTyp` navigation object's `Nazev`/`Kod` when present |
//! | `site` | `id` = `IdNabijeciStanice`; `name` = `NabijeciStanice.Nazev` when the navigation object is present |
//! | `raw` | the transakce object exactly as received |

use chrono::{DateTime, Utc};
use evsessions_core::chrono_tz::Tz;
use evsessions_core::{
    AuthMethod, Authorization, Charger, ChargingSession, Cost, Error, Result, SessionStatus, Site,
};
use rust_decimal::Decimal;
use serde_json::Value;

use crate::client::OCPP_ENDPOINT;
use crate::model::{DotNetDate, NabijeciBod, NabijeciBodTransakce};
use crate::{Config, KIND};

/// Turns CleverPower records into [`ChargingSession`]s with the settings that reading them
/// needs: the zone of zoneless timestamps and the currency of prices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Normalizer {
    time_zone: Tz,
    currency: String,
}

impl Normalizer {
    /// A normalizer for this zone and ISO 4217 currency.
    pub fn new(time_zone: Tz, currency: impl Into<String>) -> Self {
        Normalizer {
            time_zone,
            currency: currency.into(),
        }
    }

    /// The normalizer of a client configuration.
    pub fn from_config(config: &Config) -> Self {
        Normalizer::new(config.time_zone(), config.currency())
    }

    /// Every session of `point`, read with `POST api/Ocpp?chargeId={charge_id}&connectorId=
    /// {connector_id}`. A session that cannot be decoded or read is one `Err` in place. Takes
    /// the point by value: each session's text moves into its record's `raw`.
    pub fn point_sessions(
        &self,
        charge_id: &str,
        connector_id: u32,
        mut point: NabijeciBod,
    ) -> Vec<Result<ChargingSession>> {
        let transactions = std::mem::take(&mut point.transactions);
        transactions
            .into_iter()
            .map(|raw| {
                NabijeciBodTransakce::from_raw(raw)
                    .and_then(|tx| self.session_of(charge_id, connector_id, &point, tx))
            })
            .collect()
    }

    /// One session of `point`. Fails ([`Error::Decode`]) only when the session has no id or a
    /// date cannot be read.
    pub fn session(
        &self,
        charge_id: &str,
        connector_id: u32,
        point: &NabijeciBod,
        tx: &NabijeciBodTransakce,
    ) -> Result<ChargingSession> {
        self.session_of(charge_id, connector_id, point, tx.clone())
    }

    fn session_of(
        &self,
        charge_id: &str,
        connector_id: u32,
        point: &NabijeciBod,
        mut tx: NabijeciBodTransakce,
    ) -> Result<ChargingSession> {
        let id = tx
            .id
            .take()
            .or_else(|| tx.session_id.take())
            .ok_or_else(|| {
                Error::decode(
                    KIND,
                    OCPP_ENDPOINT,
                    None,
                    "Id",
                    format!(
                        "a session of charge id {charge_id:?} has neither `Id` nor `SessionId`"
                    ),
                )
            })?;
        let started_at = self.time(&id, "DatumZahajeni", tx.started_at.as_ref())?;
        let ended_at = self.time(&id, "DatumUkonceni", tx.ended_at.as_ref())?;

        let mut s = ChargingSession::new(KIND, id, std::mem::take(&mut tx.raw));
        let tx = &mut tx;
        s.started_at = started_at;
        s.ended_at = ended_at;
        s.status = if tx.deleted == Some(true) {
            SessionStatus::Invalid
        } else if ended_at.is_some() {
            SessionStatus::Completed
        } else if started_at.is_some() {
            SessionStatus::Active
        } else {
            SessionStatus::Unknown
        };
        s.energy_kwh = tx.energy_kwh.or_else(|| energy_from_meter(tx));
        s.cost = self.cost(tx);
        s.authorization = tx.id_tag.take().map(|tag| {
            let mut a = Authorization::new(auth_method(&tag));
            a.id_tag = Some(tag);
            a
        });
        s.charger = charger(charge_id, connector_id, point, tx);
        s.site = site(point);
        Ok(s)
    }

    /// A date in UTC, zoneless text read in the configured zone.
    pub fn time(
        &self,
        record: &str,
        field: &str,
        date: Option<&DotNetDate>,
    ) -> Result<Option<DateTime<Utc>>> {
        let Some(d) = date else { return Ok(None) };
        d.to_utc(self.time_zone).map_err(|e| {
            Error::decode(
                KIND,
                OCPP_ENDPOINT,
                Some(record.to_string()),
                field,
                e.to_string(),
            )
        })
    }

    fn cost(&self, tx: &NabijeciBodTransakce) -> Option<Cost> {
        if tx.price_excl_vat.is_none() && tx.price_incl_vat.is_none() {
            return None;
        }
        let mut c = Cost::new(Some(self.currency.clone()));
        c.total_excl_vat = tx.price_excl_vat;
        c.total_incl_vat = tx.price_incl_vat;
        c.vat_amount = match (tx.price_excl_vat, tx.price_incl_vat) {
            // checked: two extreme prices must not overflow (then the VAT is unknown)
            (Some(excl), Some(incl)) => incl.checked_sub(excl),
            _ => None,
        };
        Some(c)
    }
}

/// `(end − start) / 1000` when both meter readings are known and the meter did not go back.
fn energy_from_meter(tx: &NabijeciBodTransakce) -> Option<Decimal> {
    let (start, end) = (tx.meter_start_wh?, tx.meter_end_wh?);
    let wh = end.checked_sub(start)?;
    if wh.is_sign_negative() {
        return None;
    }
    wh.checked_div(Decimal::from(1000)).map(|k| k.normalize())
}

/// `rfid` for an id tag that is an ISO 14443 UID in hex (4, 7 or 10 bytes); `other` for
/// anything else (the API does not say how a session was authorized).
pub fn auth_method(tag: &str) -> AuthMethod {
    let t = tag.trim();
    if matches!(t.len(), 8 | 14 | 20) && t.chars().all(|c| c.is_ascii_hexdigit()) {
        AuthMethod::Rfid
    } else {
        AuthMethod::Other
    }
}

fn charger(
    charge_id: &str,
    connector_id: u32,
    point: &NabijeciBod,
    tx: &NabijeciBodTransakce,
) -> Charger {
    let mut c = Charger::default();
    c.id = Some(charge_id.to_string());
    c.name = point.code.clone();
    c.evse_id = point.evse_id.clone();
    c.connector_id = if connector_id != 0 {
        Some(connector_id.to_string())
    } else {
        tx.connector_id
            .clone()
            .or_else(|| point.connector_id.clone())
    };
    c.max_power_kw = point.rated_output_power_kw;
    c.connector_type = point
        .connector_type
        .as_ref()
        .and_then(|v| label(v, &["Nazev", "Kod"]))
        .and_then(|l| evsessions_core::normalize::connector_type(&l));
    c
}

fn site(point: &NabijeciBod) -> Option<Site> {
    let name = point.station.as_ref().and_then(|v| label(v, &["Nazev"]));
    let id = point.station_id.clone().or_else(|| {
        point
            .station
            .as_ref()
            .and_then(|v| evsessions_core::decode::record_id_hint(v, &["Id"]))
    });
    let s = Site::new(id, name);
    (!s.is_empty()).then_some(s)
}

/// The first non-empty string among `keys` of a navigation object.
fn label(v: &Value, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| {
        v.get(*k)
            .and_then(Value::as_str)
            .and_then(evsessions_core::serde_util::non_empty)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_method_heuristic() {
        assert_eq!(auth_method("04A2B3C4D5E680"), AuthMethod::Rfid);
        assert_eq!(auth_method("a1b2c3d4"), AuthMethod::Rfid);
        assert_eq!(auth_method("DIRECTPAY-7C3D9E55"), AuthMethod::Other);
        assert_eq!(auth_method("12345"), AuthMethod::Other);
    }

    #[test]
    fn meter_energy_is_exact_and_never_negative() {
        let mut tx = NabijeciBodTransakce {
            meter_start_wh: Some(Decimal::new(15230, 0)),
            meter_end_wh: Some(Decimal::new(15521, 0)),
            ..Default::default()
        };
        assert_eq!(energy_from_meter(&tx).unwrap().to_string(), "0.291");
        tx.meter_end_wh = Some(Decimal::new(100, 0));
        assert_eq!(energy_from_meter(&tx), None);
        tx.meter_end_wh = None;
        assert_eq!(energy_from_meter(&tx), None);
    }
}
