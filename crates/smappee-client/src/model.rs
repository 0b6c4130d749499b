//! Smappee's own types, 1:1 with its JSON and tolerant of the drift the notes warn of: serials
//! as numbers or strings, `to`/`stopReading` missing or `null` on active sessions, open
//! `status` and `authenticationType` values, unknown keys (kept in `raw` only).

use evsessions_core::serde_util::{decimal_opt, id, null_as_default, opt_id, opt_string};
use evsessions_core::Decimal;
use serde::Deserialize;

/// `GET /dev/v3/servicelocation`: the service locations the account can read.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ServiceLocations {
    /// The name of the API app (some peers see it as `appname`).
    #[serde(default, alias = "appname", deserialize_with = "opt_string")]
    pub app_name: Option<String>,
    /// The service locations (may be empty).
    #[serde(default, deserialize_with = "null_as_default")]
    pub service_locations: Vec<ServiceLocation>,
}

/// One service location (a home, a building, a charging park).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ServiceLocation {
    /// The id used in `/servicelocation/{id}/…` and `/chargingparks/{id}/…`, as text.
    #[serde(deserialize_with = "id")]
    pub service_location_id: String,
    /// The UUID (used in MQTT topics).
    #[serde(default, deserialize_with = "opt_id")]
    pub service_location_uuid: Option<String>,
    /// The name as the user wrote it (may carry trailing spaces).
    #[serde(default, deserialize_with = "opt_string")]
    pub name: Option<String>,
    /// Serial of the energy monitor; absent for locations without an active monitor.
    #[serde(default, deserialize_with = "opt_id")]
    pub device_serial_number: Option<String>,
}

/// `GET /dev/v3/servicelocation/{id}/meteringconfiguration`: only the charging stations are
/// typed; every other key is kept in [`MeteringConfiguration::other`].
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MeteringConfiguration {
    /// The charging stations of the location (empty for a location that is no park).
    #[serde(default, deserialize_with = "null_as_default")]
    pub charging_stations: Vec<ChargingStation>,
    /// Everything else (measurements, timezone, currency …), as received.
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

/// A charging station in a metering configuration.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ChargingStation {
    /// The station serial (10 digits, starting with 6), as text; the scope of
    /// `/chargingstations/{serial}/sessions`.
    #[serde(default, deserialize_with = "opt_id")]
    pub serial_number: Option<String>,
    /// An id that peers read as the station's service location id.
    #[serde(default, deserialize_with = "opt_id")]
    pub id: Option<String>,
    /// A name, when the configuration carries one.
    #[serde(default, deserialize_with = "opt_string")]
    pub name: Option<String>,
    /// The connectors (chargers) of the station.
    #[serde(default, deserialize_with = "null_as_default")]
    pub chargers: Vec<StationCharger>,
}

/// One connector (Smappee "charger") of a station.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct StationCharger {
    /// The connector's UUID.
    #[serde(default, deserialize_with = "opt_id")]
    pub uuid: Option<String>,
    /// The position: 1 = right (facing the LED), 2 = left.
    #[serde(default, deserialize_with = "opt_id")]
    pub position: Option<String>,
    /// The connector module's serial.
    #[serde(default, deserialize_with = "opt_id")]
    pub serial_number: Option<String>,
    /// Minimum power (unit undocumented; watts by magnitude).
    #[serde(default, with = "decimal_opt")]
    pub min_power: Option<Decimal>,
    /// Maximum power (unit undocumented; watts by magnitude).
    #[serde(default, with = "decimal_opt")]
    pub max_power: Option<Decimal>,
    /// Minimum current in A.
    #[serde(default, with = "decimal_opt")]
    pub min_current: Option<Decimal>,
    /// Maximum current in A.
    #[serde(default, with = "decimal_opt")]
    pub max_current: Option<Decimal>,
}

/// One charging session of `/chargingparks/{id}/sessions` or
/// `/chargingstations/{serial}/sessions`.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Session {
    /// The session id, as text.
    #[serde(deserialize_with = "id")]
    pub id: String,
    /// The station serial (a number or a string in the wild), as text.
    #[serde(default, deserialize_with = "opt_id")]
    pub serial_number: Option<String>,
    /// How the session was authorized (`RFID`, …; an open set), unchanged.
    #[serde(default, deserialize_with = "opt_string")]
    pub authentication_type: Option<String>,
    /// The RFID (or other tag) that started the session.
    #[serde(default, deserialize_with = "opt_id")]
    pub rfid: Option<String>,
    /// The transaction id of an external CSMS; `""` (no CSMS) reads as `None`.
    #[serde(default, deserialize_with = "opt_id")]
    pub csms_transaction_id: Option<String>,
    /// Start, epoch milliseconds (UTC).
    #[serde(default)]
    pub from: Option<i64>,
    /// End, epoch milliseconds (UTC); missing, `null` or `0` while the session runs.
    #[serde(default)]
    pub to: Option<i64>,
    /// The lifecycle state text (`INITIAL`, `STARTED`, `CHARGING`, `SUSPENDED`, `STOPPING`,
    /// `STOPPED`; an open set), unchanged. See [`Session::state`].
    #[serde(default, deserialize_with = "opt_string")]
    pub status: Option<String>,
    /// Undocumented (driving range added?); kept as received.
    #[serde(default)]
    pub range: Option<serde_json::Value>,
    /// Undocumented unit; kept as received.
    #[serde(default)]
    pub duration: Option<serde_json::Value>,
    /// Load-balancing priority, undocumented scale; kept as received.
    #[serde(default)]
    pub priority: Option<serde_json::Value>,
    /// Meter reading at the start, kWh (exact).
    #[serde(default, with = "decimal_opt")]
    pub start_reading: Option<Decimal>,
    /// Meter reading at the end, kWh (exact); missing or `null` while the session runs.
    #[serde(default, with = "decimal_opt")]
    pub stop_reading: Option<Decimal>,
    /// The record exactly as received, its JSON text (filled by the client, not read from the
    /// JSON).
    #[serde(skip)]
    pub raw: evsessions_core::RawRecord,
}

/// Smappee's session states.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SessionState {
    /// Set-up placeholder; moves almost at once to `Started` or `Charging`.
    Initial,
    /// Started, but the car does not draw current (yet).
    Started,
    /// The car is charging.
    Charging,
    /// Suspended by Smappee's load management.
    Suspended,
    /// Legacy transition after a remote stop.
    Stopping,
    /// Ended.
    Stopped,
    /// A value this version does not know, as received.
    Other(String),
}

impl SessionState {
    /// Parse the status text (case and surrounding blanks ignored).
    pub fn parse(text: &str) -> Self {
        let t = text.trim();
        let is = |name: &str| t.eq_ignore_ascii_case(name);
        if is("INITIAL") {
            SessionState::Initial
        } else if is("STARTED") {
            SessionState::Started
        } else if is("CHARGING") {
            SessionState::Charging
        } else if is("SUSPENDED") {
            SessionState::Suspended
        } else if is("STOPPING") {
            SessionState::Stopping
        } else if is("STOPPED") {
            SessionState::Stopped
        } else {
            SessionState::Other(text.to_string())
        }
    }
}

impl Session {
    /// The parsed [`Session::status`], if any.
    pub fn state(&self) -> Option<SessionState> {
        self.status.as_deref().map(SessionState::parse)
    }

    /// Energy delivered: `stopReading − startReading`, exact, when both are known. A
    /// `stopReading` of `0` (a running session's placeholder) and a negative difference (a
    /// meter reset) give `None`: unknown, not invented. Trailing zeros are dropped (`3.140` → `3.14`).
    pub fn energy_kwh(&self) -> Option<Decimal> {
        energy_kwh(self.start_reading, self.stop_reading)
    }
}

/// [`Session::energy_kwh`] of these readings.
pub(crate) fn energy_kwh(start: Option<Decimal>, stop: Option<Decimal>) -> Option<Decimal> {
    match (start, stop) {
        (Some(a), Some(b)) if !b.is_zero() => b
            .checked_sub(a)
            .filter(|e| !e.is_sign_negative())
            .map(|e| e.normalize()),
        _ => None,
    }
}
