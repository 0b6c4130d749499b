//! OCPI objects → [`ChargingSession`]: a CDR as a completed session, a Session by its
//! `status`. Each object becomes the record of its own; [`crate::source`] then folds the
//! records of one charging session (its Session, its CDRs, their credits) into one.
//!
//! Numbers are checked as OCPI states them: at most 4 decimals, and no negative amount or
//! volume outside a credit CDR. An object that breaks either is an [`Error::Decode`] naming it
//! and the field, never a record with a rounded or invented value.

use evsessions_core::{
    AuthMethod, Authorization, Charger, ChargingSession, Cost, CostComponent, CostKind, Decimal,
    Error, RawRecord, Result, SessionStatus, Site,
};

use crate::model::{Cdr, CdrToken, GeoLocation, Location211, Price, Session};
use crate::KIND;

/// OCPI numbers carry at most this many decimals.
pub const DECIMALS: u32 = 4;

/// `id` of a Session, or of a CDR's charging session: the CDR's `session_id`, else its own
/// `id` (a CDR of a platform without the Sessions module, or of a reservation).
pub fn cdr_session_key(c: &Cdr) -> String {
    c.session_id.clone().unwrap_or_else(|| c.id.clone())
}

/// The session status of an OCPI `SessionStatus`: `ACTIVE` → active, `COMPLETED` →
/// completed, `INVALID` → invalid, `PENDING` → pending, `RESERVATION` → reservation, anything
/// else → unknown (the text stays in `vendor_status`).
///
/// ```
/// use evsessions_core::SessionStatus;
/// assert_eq!(ocpi_client::normalize::session_status("ACTIVE"), SessionStatus::Active);
/// assert_eq!(ocpi_client::normalize::session_status("SUSPENDED"), SessionStatus::Unknown);
/// ```
pub fn session_status(text: &str) -> SessionStatus {
    match text.trim().to_ascii_uppercase().as_str() {
        "ACTIVE" => SessionStatus::Active,
        "COMPLETED" => SessionStatus::Completed,
        "INVALID" => SessionStatus::Invalid,
        "PENDING" => SessionStatus::Pending,
        "RESERVATION" => SessionStatus::Reservation,
        _ => SessionStatus::Unknown,
    }
}

struct Check<'a> {
    endpoint: &'a str,
    record: &'a str,
    /// Negative values allowed (a credit CDR).
    credit: bool,
}

impl Check<'_> {
    fn fail(&self, path: &str, message: String) -> Error {
        Error::decode(
            KIND,
            self.endpoint,
            Some(self.record.to_string()),
            path,
            message,
        )
    }

    fn number(&self, path: &str, v: Option<Decimal>) -> Result<Option<Decimal>> {
        let Some(v) = v else { return Ok(None) };
        let n = v.normalize();
        if n.scale() > DECIMALS {
            return Err(self.fail(
                path,
                format!("{v} has more than {DECIMALS} decimals (OCPI numbers have at most {DECIMALS}); the value is not rounded"),
            ));
        }
        if n.is_sign_negative() && !n.is_zero() && !self.credit {
            return Err(self.fail(
                path,
                format!("{v} is negative, which only a credit CDR (`credit: true`) may be"),
            ));
        }
        Ok(Some(n))
    }

    fn price(&self, path: &str, p: Option<&Price>) -> Result<Option<(Decimal, Option<Decimal>)>> {
        let Some(p) = p else { return Ok(None) };
        let excl = self.number(&format!("{path}.excl_vat"), Some(p.excl_vat))?;
        let incl = self.number(&format!("{path}.incl_vat"), p.incl_vat)?;
        Ok(excl.map(|e| (e, incl)))
    }
}

/// The authorization of a `CdrToken` (2.2.1) or an `auth_id` (2.1.1): the token's `uid` as
/// the id tag, its `contract_id` as the user; the method from the token type (`RFID` → rfid,
/// `APP_USER` and `AD_HOC_USER` → app) and, for other types, `auth_method` `COMMAND` → remote,
/// else other.
fn authorization(
    token: Option<CdrToken>,
    auth_id: Option<String>,
    auth_method: Option<&str>,
) -> Option<Authorization> {
    let (uid, contract, kind) = match token {
        Some(t) => (t.uid, t.contract_id, t.token_type),
        None => (auth_id, None, None),
    };
    if uid.is_none() && contract.is_none() {
        return None;
    }
    let method = match kind.as_deref().map(str::to_ascii_uppercase).as_deref() {
        Some("RFID") => AuthMethod::Rfid,
        Some("APP_USER") | Some("AD_HOC_USER") => AuthMethod::App,
        _ if auth_method.is_some_and(|m| m.eq_ignore_ascii_case("COMMAND")) => AuthMethod::Remote,
        _ => AuthMethod::Other,
    };
    let mut a = Authorization::new(method);
    a.id_tag = uid;
    a.user_id = contract;
    Some(a)
}

/// OCPI's "not available" (`#NA`, a reservation without an EVSE yet) is no value.
fn available(id: Option<String>) -> Option<String> {
    id.filter(|v| v.trim() != "#NA")
}

fn site(
    id: Option<String>,
    name: Option<String>,
    address: Option<String>,
    at: Option<GeoLocation>,
) -> Option<Site> {
    let mut s = Site::new(id, name);
    s.address = address;
    if let Some(g) = at {
        s.latitude = g.latitude.map(|d| d.normalize());
        s.longitude = g.longitude.map(|d| d.normalize());
    }
    (!s.is_empty()).then_some(s)
}

/// The site and charger of a 2.1.1 `location` (its first EVSE and connector: a CDR's and a
/// Session's location hold only the ones used).
fn location_211(l: Location211) -> (Option<Site>, Charger) {
    let mut c = Charger::default();
    if let Some(evse) = l.evses.into_iter().next() {
        c.id = evse.uid;
        c.evse_id = evse.evse_id;
        if let Some(conn) = evse.connectors.into_iter().next() {
            c.connector_id = conn.id;
            c.connector_type = conn.standard;
        }
    }
    (site(l.id, l.name, l.address, l.coordinates), c)
}

fn line(
    kind: CostKind,
    name: &str,
    amount: Option<(Decimal, Option<Decimal>)>,
) -> Option<CostComponent> {
    let (excl, incl) = amount?;
    let mut c = CostComponent::new(kind);
    c.name = Some(name.to_string());
    c.amount_excl_vat = Some(excl);
    c.amount_incl_vat = incl;
    Some(c)
}

/// A CDR as a [`ChargingSession`]: `completed`, id [`cdr_session_key`].
///
/// - `start_date_time`/`end_date_time` (2.1.1 `stop_date_time`) → `started_at`/`ended_at`;
/// - `total_energy` → `energy_kwh`;
/// - `cdr_location`: `evse_uid` → `charger.id`, `evse_id`, `connector_id`,
///   `connector_standard` → `charger.connector_type`; `id`, `name`, `address`, `coordinates`
///   → `site` (2.1.1: `location` with its EVSE and connector);
/// - `cdr_token` (2.1.1 `auth_id`) → `authorization`;
/// - `currency`, `total_cost` → `cost.total_excl_vat`/`total_incl_vat`; the components, each
///   when the CDR gives it: `total_energy_cost` (energy, `total_energy` kWh),
///   `total_time_cost` (time, `total_time` h), `total_parking_cost` (parking,
///   `total_parking_time` h), `total_fixed_cost` (flat), `total_reservation_cost` (other);
/// - `vendor_status`: `null` (a CDR has no status; a credit CDR reads `CREDIT`).
///
/// Errors: a number with more than 4 decimals, or a negative one in a CDR that is not a
/// credit, is an [`Error::Decode`] naming the CDR and the field.
///
/// ```
/// let raw = evsessions_core::RawRecord::from_json(r#"{"id":"C1","session_id":"S1","start_date_time":"2025-03-01T08:00:00","end_date_time":"2025-03-01T09:30:00Z","total_energy":12.3456,"currency":"EUR","total_cost":{"excl_vat":4.5,"incl_vat":5.445},"last_updated":"2025-03-01T09:31:00Z"}"#).unwrap();
/// let cdr: ocpi_client::Cdr = serde_json::from_str(raw.as_str()).unwrap();
/// let s = ocpi_client::normalize::cdr(cdr, raw, "GET cdrs").unwrap();
/// assert_eq!((s.id.as_str(), s.status.as_str()), ("S1", "completed"));
/// assert_eq!(s.energy_kwh.unwrap().to_string(), "12.3456");
/// assert_eq!(s.cost.unwrap().total_incl_vat.unwrap().to_string(), "5.445");
/// ```
pub fn cdr(c: Cdr, raw: impl Into<RawRecord>, endpoint: &str) -> Result<ChargingSession> {
    let credit = c.is_credit();
    let check = Check {
        endpoint,
        record: &c.id,
        credit,
    };
    let energy = check.number("total_energy", c.total_energy)?;
    let time = check.number("total_time", c.total_time)?;
    let parking_time = check.number("total_parking_time", c.total_parking_time)?;
    let total = check.price("total_cost", c.total_cost.as_ref())?;
    let fixed = check.price("total_fixed_cost", c.total_fixed_cost.as_ref())?;
    let energy_cost = check.price("total_energy_cost", c.total_energy_cost.as_ref())?;
    let time_cost = check.price("total_time_cost", c.total_time_cost.as_ref())?;
    let parking_cost = check.price("total_parking_cost", c.total_parking_cost.as_ref())?;
    let reservation = check.price("total_reservation_cost", c.total_reservation_cost.as_ref())?;

    let key = cdr_session_key(&c);
    let mut s = ChargingSession::new(KIND, key, raw);
    s.status = SessionStatus::Completed;
    if credit {
        s.vendor_status = Some("CREDIT".to_string());
    }
    s.started_at = c.start_date_time;
    s.ended_at = c.end_date_time;
    s.energy_kwh = energy;
    if let Some(l) = c.cdr_location {
        s.charger.id = available(l.evse_uid);
        s.charger.evse_id = available(l.evse_id);
        s.charger.connector_id = available(l.connector_id);
        s.charger.connector_type = l.connector_standard;
        s.site = site(l.id, l.name, l.address, l.coordinates);
    } else if let Some(l) = c.location {
        let (site, charger) = location_211(l);
        s.site = site;
        s.charger = charger;
    }
    s.authorization = authorization(c.cdr_token, c.auth_id, c.auth_method.as_deref());

    let mut components = Vec::new();
    if let Some(mut l) = line(CostKind::Energy, "total_energy_cost", energy_cost) {
        if let Some(kwh) = energy {
            l.quantity = Some(kwh);
            l.unit = Some("kWh".to_string());
        }
        components.push(l);
    }
    if let Some(mut l) = line(CostKind::Time, "total_time_cost", time_cost) {
        if let Some(h) = time {
            l.quantity = Some(h);
            l.unit = Some("h".to_string());
        }
        components.push(l);
    }
    if let Some(mut l) = line(CostKind::Parking, "total_parking_cost", parking_cost) {
        if let Some(h) = parking_time {
            l.quantity = Some(h);
            l.unit = Some("h".to_string());
        }
        components.push(l);
    }
    components.extend(line(CostKind::Flat, "total_fixed_cost", fixed));
    components.extend(line(CostKind::Other, "total_reservation_cost", reservation));
    if total.is_some() || !components.is_empty() {
        let mut cost = Cost::new(c.currency);
        if let Some((excl, incl)) = total {
            cost.total_excl_vat = Some(excl);
            cost.total_incl_vat = incl;
        }
        cost.components = components;
        s.cost = Some(cost);
    }
    Ok(s)
}

/// A Session as a [`ChargingSession`]: status by [`session_status`] (`vendor_status` the text
/// as sent), `start_date_time`/`end_date_time` (2.1.1 `start_datetime`/`end_datetime`),
/// `kwh` → `energy_kwh`, `evse_uid` → `charger.id`, `connector_id`, `location_id` →
/// `site.id` (2.1.1: `location`), `cdr_token` (2.1.1 `auth_id`) → `authorization`,
/// `currency` and `total_cost` → `cost` totals (no components: a Session has none).
///
/// Errors as for [`cdr`] (a Session is never a credit).
pub fn session(v: Session, raw: impl Into<RawRecord>, endpoint: &str) -> Result<ChargingSession> {
    let check = Check {
        endpoint,
        record: &v.id,
        credit: false,
    };
    let kwh = check.number("kwh", v.kwh)?;
    let total = check.price("total_cost", v.total_cost.as_ref())?;
    let mut s = ChargingSession::new(KIND, v.id, raw);
    s.status = v
        .status
        .as_deref()
        .map(session_status)
        .unwrap_or(SessionStatus::Unknown);
    s.vendor_status = v.status;
    s.started_at = v.start_date_time;
    s.ended_at = v.end_date_time;
    s.energy_kwh = kwh;
    if let Some(l) = v.location {
        let (site, charger) = location_211(l);
        s.site = site;
        s.charger = charger;
    } else {
        s.charger.id = available(v.evse_uid);
        s.charger.connector_id = available(v.connector_id);
        s.site = site(v.location_id, None, None, None);
    }
    s.authorization = authorization(v.cdr_token, v.auth_id, v.auth_method.as_deref());
    if let Some((excl, incl)) = total {
        let mut cost = Cost::new(v.currency);
        cost.total_excl_vat = Some(excl);
        cost.total_incl_vat = incl;
        s.cost = Some(cost);
    }
    Ok(s)
}
