//! The normalized charging-session record: the public contract of evsessions.
//!
//! Its serde form is documented field by field in `docs/schema.md`: snake_case keys, times in
//! RFC 3339 UTC with `Z`, money and energy as exact decimals written as JSON numbers, and
//! `null` for anything unknown. Every struct is `#[non_exhaustive]` so that fields can be added
//! without breaking callers; build one with its `new`/`default` constructor and set fields.

use std::borrow::Cow;
use std::fmt;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::raw::RawRecord;
use crate::serde_util::{decimal_opt, utc_opt};

/// Which vendor a record came from, as the stable text used in every output (`"emabler"`, …).
///
/// It is an open set: a new vendor crate declares its own constant with
/// [`SourceKind::from_static`]; core needs no change.
///
/// ```
/// use evsessions_core::SourceKind;
/// const MINE: SourceKind = SourceKind::from_static("my-vendor");
/// assert_eq!(MINE.as_str(), "my-vendor");
/// assert_eq!(MINE.to_string(), "my-vendor");
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SourceKind(Cow<'static, str>);

impl SourceKind {
    /// A kind from a static name (usable in `const` items).
    pub const fn from_static(name: &'static str) -> Self {
        SourceKind(Cow::Borrowed(name))
    }
    /// A kind from any name (for records read back from JSON, say).
    pub fn new(name: impl Into<String>) -> Self {
        SourceKind(Cow::Owned(name.into()))
    }
    /// The name, e.g. `"smappee"`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SourceKind({:?})", self.as_str())
    }
}

/// The lifecycle state of a session, the same for every vendor.
///
/// Open: a value this version does not know reads as [`SessionStatus::Unknown`], and the
/// vendor's own text is always kept in [`ChargingSession::vendor_status`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SessionStatus {
    /// Being set up; no energy flows yet (Smappee `INITIAL`).
    Pending,
    /// Started and not yet ended: charging, suspended or stopping.
    Active,
    /// Ended.
    Completed,
    /// Void: deleted or rejected by the vendor, kept so that nothing is lost.
    Invalid,
    /// A reservation that has not started.
    Reservation,
    /// The vendor's state could not be mapped; see `vendor_status`.
    #[default]
    #[serde(other)]
    Unknown,
}

impl SessionStatus {
    /// The snake_case name used in every output format.
    pub fn as_str(&self) -> &'static str {
        match self {
            SessionStatus::Pending => "pending",
            SessionStatus::Active => "active",
            SessionStatus::Completed => "completed",
            SessionStatus::Invalid => "invalid",
            SessionStatus::Reservation => "reservation",
            SessionStatus::Unknown => "unknown",
        }
    }
}

impl fmt::Display for SessionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The charger and connector a session ran on. Every field is nullable.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Charger {
    /// The vendor's charger id (OCPP identity, station serial, charge id …), as text.
    pub id: Option<String>,
    /// A human name of the charger.
    pub name: Option<String>,
    /// The connector (socket, EVSE position) id, as text.
    pub connector_id: Option<String>,
    /// OCPI 2.2.1 `ConnectorType` name (`IEC_62196_T2`, `IEC_62196_T2_COMBO`, `CHADEMO`,
    /// `GBT_DC`, …) where the vendor's label maps without doubt, else the label as given.
    pub connector_type: Option<String>,
    /// The EVSE id (`CZ*XXX*E0001042*1`), where the vendor gives one.
    pub evse_id: Option<String>,
    /// Maximum power of the charger or connector in kW.
    #[serde(with = "decimal_opt", default)]
    pub max_power_kw: Option<Decimal>,
}

impl Charger {
    /// True when nothing at all is known of the charger.
    pub fn is_empty(&self) -> bool {
        *self == Charger::default()
    }
}

/// The site (location, park, group) of the charger.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Site {
    /// The vendor's site id, as text.
    pub id: Option<String>,
    /// Site name.
    pub name: Option<String>,
    /// Postal address as one line.
    pub address: Option<String>,
    /// WGS 84 latitude in degrees.
    #[serde(with = "decimal_opt", default)]
    pub latitude: Option<Decimal>,
    /// WGS 84 longitude in degrees.
    #[serde(with = "decimal_opt", default)]
    pub longitude: Option<Decimal>,
}

impl Site {
    /// A site with just an id and a name.
    pub fn new(id: Option<String>, name: Option<String>) -> Self {
        Site {
            id,
            name,
            ..Site::default()
        }
    }
    /// True when nothing at all is known of the site.
    pub fn is_empty(&self) -> bool {
        *self == Site::default()
    }
}

/// How the session was authorized.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    /// An RFID card or tag.
    Rfid,
    /// A mobile app or a web page (QR "scan and charge", direct payment).
    App,
    /// Started remotely by the back office or a CSMS.
    Remote,
    /// ISO 15118 Plug & Charge.
    PlugAndCharge,
    /// Free vending: no authorization.
    Free,
    /// Anything else, or not known.
    #[default]
    #[serde(other)]
    Other,
}

impl AuthMethod {
    /// The snake_case name used in every output format (as serde writes it).
    ///
    /// ```
    /// assert_eq!(evsessions_core::AuthMethod::PlugAndCharge.as_str(), "plug_and_charge");
    /// ```
    pub fn as_str(&self) -> &'static str {
        match self {
            AuthMethod::Rfid => "rfid",
            AuthMethod::App => "app",
            AuthMethod::Remote => "remote",
            AuthMethod::PlugAndCharge => "plug_and_charge",
            AuthMethod::Free => "free",
            AuthMethod::Other => "other",
        }
    }
}

/// Who or what authorized the session.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Authorization {
    /// How the session was authorized.
    pub method: AuthMethod,
    /// The id tag (RFID UID, OCPP idTag).
    pub id_tag: Option<String>,
    /// The vendor's user (driver) id, as text.
    pub user_id: Option<String>,
    /// The user's name.
    pub user_name: Option<String>,
}

impl Authorization {
    /// An authorization of the given method with no further detail.
    pub fn new(method: AuthMethod) -> Self {
        Authorization {
            method,
            ..Authorization::default()
        }
    }
}

/// Battery state of charge at the start and end of the session, in percent.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StateOfCharge {
    /// State of charge at start, percent.
    #[serde(with = "decimal_opt", default)]
    pub start_percent: Option<Decimal>,
    /// State of charge at end, percent.
    #[serde(with = "decimal_opt", default)]
    pub end_percent: Option<Decimal>,
}

impl StateOfCharge {
    /// A state of charge from its two ends; `None` when both are unknown.
    pub fn from_ends(start: Option<Decimal>, end: Option<Decimal>) -> Option<Self> {
        if start.is_none() && end.is_none() {
            None
        } else {
            Some(StateOfCharge {
                start_percent: start,
                end_percent: end,
            })
        }
    }
}

/// What a cost component prices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CostKind {
    /// Energy (per kWh).
    Energy,
    /// Charging time.
    Time,
    /// Parking or idle time.
    Parking,
    /// A flat (session, start) fee.
    Flat,
    /// Anything else.
    #[default]
    #[serde(other)]
    Other,
}

/// One priced line of a session's cost.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CostComponent {
    /// What the line prices.
    pub kind: CostKind,
    /// The vendor's name of the line, unchanged.
    pub name: Option<String>,
    /// Billed quantity (kWh, minutes, pieces …).
    #[serde(with = "decimal_opt", default)]
    pub quantity: Option<Decimal>,
    /// The unit of `quantity`, as the vendor writes it.
    pub unit: Option<String>,
    /// Price of one unit.
    #[serde(with = "decimal_opt", default)]
    pub unit_price: Option<Decimal>,
    /// Amount excluding VAT.
    #[serde(with = "decimal_opt", default)]
    pub amount_excl_vat: Option<Decimal>,
    /// Amount including VAT.
    #[serde(with = "decimal_opt", default)]
    pub amount_incl_vat: Option<Decimal>,
}

impl CostComponent {
    /// A component of the given kind with no values yet.
    pub fn new(kind: CostKind) -> Self {
        CostComponent {
            kind,
            ..CostComponent::default()
        }
    }
}

/// The price of a session.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Cost {
    /// ISO 4217 currency code.
    pub currency: Option<String>,
    /// Total excluding VAT.
    #[serde(with = "decimal_opt", default)]
    pub total_excl_vat: Option<Decimal>,
    /// Total including VAT (what the driver pays).
    #[serde(with = "decimal_opt", default)]
    pub total_incl_vat: Option<Decimal>,
    /// VAT amount.
    #[serde(with = "decimal_opt", default)]
    pub vat_amount: Option<Decimal>,
    /// VAT rate in percent (25.5 for 25.5 %).
    #[serde(with = "decimal_opt", default)]
    pub vat_percent: Option<Decimal>,
    /// The priced lines, in the vendor's order.
    #[serde(default)]
    pub components: Vec<CostComponent>,
}

impl Cost {
    /// An empty cost in the given currency.
    pub fn new(currency: Option<String>) -> Self {
        Cost {
            currency,
            ..Cost::default()
        }
    }
    /// True when no amount at all is known (no totals, no component amounts).
    pub fn has_no_amounts(&self) -> bool {
        self.total_excl_vat.is_none()
            && self.total_incl_vat.is_none()
            && self.vat_amount.is_none()
            && self
                .components
                .iter()
                .all(|c| c.amount_excl_vat.is_none() && c.amount_incl_vat.is_none())
    }
}

/// One charging session from any vendor, normalized. See `docs/schema.md`.
///
/// ```
/// use evsessions_core::{ChargingSession, SessionStatus, SourceKind};
/// let mut s = ChargingSession::new(SourceKind::from_static("demo"), "42", serde_json::json!({"id": 42}));
/// s.status = SessionStatus::Completed;
/// let json = serde_json::to_value(&s).unwrap();
/// assert_eq!(json["id"], "42");
/// assert_eq!(json["status"], "completed");
/// assert!(json["energy_kwh"].is_null());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ChargingSession {
    /// Which vendor the record came from.
    pub source: SourceKind,
    /// The vendor's session id, as text.
    pub id: String,
    /// Normalized lifecycle state.
    pub status: SessionStatus,
    /// The vendor's own status text, unchanged.
    pub vendor_status: Option<String>,
    /// Start of the session (UTC).
    #[serde(with = "utc_opt", default)]
    pub started_at: Option<DateTime<Utc>>,
    /// End of the session (UTC); `null` while it runs.
    #[serde(with = "utc_opt", default)]
    pub ended_at: Option<DateTime<Utc>>,
    /// Energy delivered in kWh, exact.
    #[serde(with = "decimal_opt", default)]
    pub energy_kwh: Option<Decimal>,
    /// Charger and connector.
    #[serde(default)]
    pub charger: Charger,
    /// Site of the charger.
    pub site: Option<Site>,
    /// Who authorized the session.
    pub authorization: Option<Authorization>,
    /// Battery state of charge.
    pub state_of_charge: Option<StateOfCharge>,
    /// Price; `null` when the vendor priced nothing.
    pub cost: Option<Cost>,
    /// The vendor's record exactly as received: its JSON text, numbers, escapes and key order
    /// as the vendor wrote them (see [`RawRecord`]). Read fields with [`RawRecord::field`] or
    /// [`RawRecord::get`].
    pub raw: RawRecord,
}

impl ChargingSession {
    /// A record with its identity and raw JSON (a [`RawRecord`], or a `serde_json::Value` for
    /// hand-made records); every other field unknown.
    pub fn new(source: SourceKind, id: impl Into<String>, raw: impl Into<RawRecord>) -> Self {
        ChargingSession {
            source,
            id: id.into(),
            status: SessionStatus::Unknown,
            vendor_status: None,
            started_at: None,
            ended_at: None,
            energy_kwh: None,
            charger: Charger::default(),
            site: None,
            authorization: None,
            state_of_charge: None,
            cost: None,
            raw: raw.into(),
        }
    }
}
