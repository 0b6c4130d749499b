//! OCPI 2.2.1 Charge Detail Records from normalized sessions, with credit corrections.
//!
//! [`Cdr::from_session`] maps one completed [`ChargingSession`] to a CDR. Every field OCPI
//! requires comes from the record or from [`CdrSettings`] (what the vendor does not send: the
//! CPO's `country_code`/`party_id`, a site's city and country, a connector's format) — never
//! invented. A session that cannot fill one is refused with a [`CdrRefusal`] naming the field;
//! when settings are missing, it names every one at once with the TOML lines that fill them
//! ([`CdrRefusal::missing`]).
//! Every CDR built here passes [`validate`] (the OCPI 2.2.1 rules: required fields, string
//! lengths and character sets, enum values, at most 4 decimals) before it is returned.
//!
//! A session corrected after its CDR was sent is not sent twice: [`incremental_step`] turns
//! "what was sent last" and "what the session is now" into a **credit CDR** of the old one
//! (`credit: true`, `credit_reference_id`, negated totals, id + `-C`) followed by a new CDR
//! (id + `-2`, `-3`, …), the OCPI way; an unchanged session yields nothing.
//!
//! ```
//! use evsessions_core::{ChargingSession, Cost, Site, SessionStatus, SourceKind};
//! use evsessions_core::{AuthMethod, Authorization};
//! use evsessions_export::ocpi::{Cdr, CdrSettings, LocationFacts};
//!
//! let mut s = ChargingSession::new(SourceKind::from_static("emabler"), "1001", serde_json::json!({}));
//! s.status = SessionStatus::Completed;
//! s.started_at = Some("2025-03-06T07:45:10Z".parse().unwrap());
//! s.ended_at = Some("2025-03-06T09:15:10Z".parse().unwrap());
//! s.energy_kwh = Some("12.345".parse().unwrap());
//! s.charger.id = Some("EMB_0004".into());
//! s.charger.connector_id = Some("1".into());
//! s.site = Some(Site::new(Some("3101".into()), Some("Kamppi".into())));
//! let mut auth = Authorization::new(AuthMethod::Rfid);
//! auth.id_tag = Some("04D00DFEED5678".into());
//! s.authorization = Some(auth);
//! let mut cost = Cost::new(Some("EUR".into()));
//! cost.total_excl_vat = Some("3.20".parse().unwrap());
//! cost.total_incl_vat = Some("4.02".parse().unwrap());
//! s.cost = Some(cost);
//!
//! let mut settings = CdrSettings::new("FI", "EVS");
//! settings.sites.insert("3101".into(), LocationFacts {
//!     address: Some("Kampinkuja 1".into()), city: Some("Helsinki".into()),
//!     country: Some("FIN".into()), latitude: Some("60.16920".into()),
//!     longitude: Some("24.93300".into()), connector_standard: Some("IEC_62196_T2".into()),
//!     connector_format: Some("SOCKET".into()), power_type: Some("AC_3_PHASE".into()),
//!     ..LocationFacts::default()
//! });
//! let cdr = Cdr::from_session(&s, &settings, s.ended_at.unwrap()).unwrap();
//! assert_eq!(cdr.id, "1001");
//! assert_eq!(cdr.total_time.to_string(), "1.5");
//! assert_eq!(cdr.cdr_location.city, "Helsinki");
//!
//! // Without the site's city the session is refused, naming the field.
//! let err = Cdr::from_session(&s, &CdrSettings::new("FI", "EVS"), s.ended_at.unwrap()).unwrap_err();
//! assert_eq!(err.field, "cdr_location.address");
//! ```

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, SecondsFormat, Timelike, Utc};
use evsessions_core::{ChargingSession, CostComponent, CostKind, Decimal, SessionStatus};
use rust_decimal::RoundingStrategy;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::tariff::{PriceSource, Pricing, TariffBook};

/// The export kind under which the store remembers sent CDRs.
pub const EXPORT_KIND: &str = "ocpi-cdr";

/// OCPI's decimal places for numbers ("numbers use 4 decimals").
pub const DECIMALS: u32 = 4;

/// What the vendor does not send and the CPO knows: its OCPI identity and, per site, the
/// location facts OCPI requires. Read from an account's `[accounts.NAME.ocpi]` table:
///
/// ```toml
/// [accounts.office.ocpi]
/// country_code = "FI"          # the CPO's ISO 3166-1 alpha-2 country
/// party_id = "EVS"             # the CPO's OCPI party id (3 characters)
/// [accounts.office.ocpi.location]   # defaults for every site of the account
/// country = "FIN"
/// connector_format = "SOCKET"
/// power_type = "AC_3_PHASE"
/// [accounts.office.ocpi.sites."3101"]   # one site, by the vendor's site id
/// address = "Kampinkuja 1"
/// city = "Helsinki"
/// postal_code = "00100"
/// latitude = "60.16920"
/// longitude = "24.93300"
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct CdrSettings {
    /// The CPO's ISO 3166-1 alpha-2 country code (`FI`).
    #[serde(default)]
    pub country_code: String,
    /// The CPO's OCPI party id (3 characters).
    #[serde(default)]
    pub party_id: String,
    /// Location facts for every site of the account (a site's own facts win).
    #[serde(default)]
    pub location: LocationFacts,
    /// Location facts per site, by the vendor's site id.
    #[serde(default)]
    pub sites: BTreeMap<String, LocationFacts>,
    /// The OCPI `auth_method` for sessions whose authorization the vendor does not name
    /// (`AUTH_REQUEST`, `COMMAND` or `WHITELIST`); without it such sessions are refused.
    #[serde(default)]
    pub default_auth_method: Option<String>,
    /// The VAT rate, in percent, of accounts whose vendor gives prices including VAT only
    /// (RU CSMS): the amount excluding VAT is then derived, rounded half away from zero to the
    /// decimals of the amount including VAT (at least 2). Without it such sessions are refused.
    #[serde(default)]
    pub vat_percent: Option<Decimal>,
}

impl CdrSettings {
    /// Settings with the CPO's identity and no location facts.
    pub fn new(country_code: impl Into<String>, party_id: impl Into<String>) -> Self {
        CdrSettings {
            country_code: country_code.into(),
            party_id: party_id.into(),
            ..CdrSettings::default()
        }
    }

    fn facts(&self, site: Option<&str>) -> LocationFacts {
        let own = site.and_then(|id| self.sites.get(id));
        match own {
            Some(f) => f.or(&self.location),
            None => self.location.clone(),
        }
    }
}

/// Facts about a location that OCPI requires and vendors do not send (or send as one text).
/// Every field is optional; a field given here wins over the record's (the address, the
/// coordinates, the connector standard). Build it with `..LocationFacts::default()`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocationFacts {
    /// The OCPI location id (default: the vendor's site id).
    pub location_id: Option<String>,
    /// Street and number (at most 45 characters).
    pub address: Option<String>,
    /// City (at most 45 characters).
    pub city: Option<String>,
    /// Postal code (at most 10 characters).
    pub postal_code: Option<String>,
    /// State or province (at most 20 characters).
    pub state: Option<String>,
    /// ISO 3166-1 alpha-3 country (`FIN`).
    pub country: Option<String>,
    /// Latitude, as OCPI writes it (`60.16920`: 5 to 7 decimals).
    pub latitude: Option<String>,
    /// Longitude, as OCPI writes it.
    pub longitude: Option<String>,
    /// The connector id when the vendor does not name one (a single-connector charger: `1`).
    pub connector_id: Option<String>,
    /// OCPI `ConnectorType` (`IEC_62196_T2`) when the vendor does not name the connector.
    pub connector_standard: Option<String>,
    /// `SOCKET` or `CABLE`.
    pub connector_format: Option<String>,
    /// `AC_1_PHASE`, `AC_2_PHASE`, `AC_2_PHASE_SPLIT`, `AC_3_PHASE` or `DC`.
    pub power_type: Option<String>,
}

impl LocationFacts {
    /// These facts, each missing one taken from `other`.
    fn or(&self, other: &LocationFacts) -> LocationFacts {
        let pick = |a: &Option<String>, b: &Option<String>| a.clone().or_else(|| b.clone());
        LocationFacts {
            location_id: pick(&self.location_id, &other.location_id),
            address: pick(&self.address, &other.address),
            city: pick(&self.city, &other.city),
            postal_code: pick(&self.postal_code, &other.postal_code),
            state: pick(&self.state, &other.state),
            country: pick(&self.country, &other.country),
            latitude: pick(&self.latitude, &other.latitude),
            longitude: pick(&self.longitude, &other.longitude),
            connector_id: pick(&self.connector_id, &other.connector_id),
            connector_standard: pick(&self.connector_standard, &other.connector_standard),
            connector_format: pick(&self.connector_format, &other.connector_format),
            power_type: pick(&self.power_type, &other.power_type),
        }
    }
}

/// An OCPI 2.2.1 `Price`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Price {
    /// Excluding VAT.
    #[serde(with = "evsessions_core::serde_util::decimal")]
    pub excl_vat: Decimal,
    /// Including VAT, when known.
    #[serde(
        with = "evsessions_core::serde_util::decimal_opt",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub incl_vat: Option<Decimal>,
}

impl Price {
    fn negated(&self) -> Price {
        Price {
            excl_vat: -self.excl_vat,
            incl_vat: self.incl_vat.map(|v| -v),
        }
    }
}

/// An OCPI 2.2.1 `CdrToken`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CdrToken {
    /// The token issuer's country (here the CPO's: the vendors' tokens are their own).
    pub country_code: String,
    /// The token issuer's party id.
    pub party_id: String,
    /// The token's uid: the RFID id tag, else the vendor's user id.
    pub uid: String,
    /// `RFID`, `APP_USER`, `AD_HOC_USER` or `OTHER`.
    #[serde(rename = "type")]
    pub token_type: String,
    /// The contract id: the same as the uid (no eMSP contract behind a vendor's own token).
    pub contract_id: String,
}

/// An OCPI 2.2.1 `GeoLocation`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GeoLocation {
    /// Latitude, 5 to 7 decimals.
    pub latitude: String,
    /// Longitude, 5 to 7 decimals.
    pub longitude: String,
}

/// An OCPI 2.2.1 `CdrLocation`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CdrLocation {
    /// Location id.
    pub id: String,
    /// Location name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Street and number.
    pub address: String,
    /// City.
    pub city: String,
    /// Postal code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// State or province.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// ISO 3166-1 alpha-3 country.
    pub country: String,
    /// Coordinates.
    pub coordinates: GeoLocation,
    /// The EVSE's uid (the vendor's charger id).
    pub evse_uid: String,
    /// The EVSE id (the vendor's EVSE id, else its charger id).
    pub evse_id: String,
    /// The connector id.
    pub connector_id: String,
    /// OCPI `ConnectorType`.
    pub connector_standard: String,
    /// `SOCKET` or `CABLE`.
    pub connector_format: String,
    /// OCPI `PowerType`.
    pub connector_power_type: String,
}

/// One dimension of a charging period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CdrDimension {
    /// `ENERGY` (kWh), `TIME` or `PARKING_TIME` (hours).
    #[serde(rename = "type")]
    pub dimension_type: String,
    /// The volume.
    #[serde(with = "evsessions_core::serde_util::decimal")]
    pub volume: Decimal,
}

/// An OCPI 2.2.1 `ChargingPeriod`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ChargingPeriod {
    /// When the period started.
    pub start_date_time: String,
    /// Its dimensions (at least one).
    pub dimensions: Vec<CdrDimension>,
    /// The tariff that priced it, when a tariff of the accounts file did (its id is in the
    /// CDR's `tariffs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tariff_id: Option<String>,
}

/// An OCPI 2.2.1 `Tariff`: the tariff of the accounts file that priced a CDR, as OCPI writes
/// it (prices excluding VAT, with the rate in `vat`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Tariff {
    /// The CPO's country.
    pub country_code: String,
    /// The CPO's party id.
    pub party_id: String,
    /// The tariff's id (its `name`, else `ACCOUNT/FROM`).
    pub id: String,
    /// ISO 4217 currency.
    pub currency: String,
    /// The elements: one per time-of-use window (a window across midnight as two, the second
    /// on the next days), then the tariff's own prices without restrictions.
    pub elements: Vec<TariffElement>,
    /// When it comes into force (local midnight of `from`, UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date_time: Option<String>,
    /// When it is no longer in force.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date_time: Option<String>,
    /// The CDR's `last_updated` (the accounts file keeps no date of change).
    pub last_updated: String,
}

/// An OCPI 2.2.1 `TariffElement`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TariffElement {
    /// The prices.
    pub price_components: Vec<PriceComponent>,
    /// When they apply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restrictions: Option<TariffRestrictions>,
}

/// An OCPI 2.2.1 `PriceComponent`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PriceComponent {
    /// `ENERGY`, `FLAT` or `TIME`.
    #[serde(rename = "type")]
    pub component_type: String,
    /// Price per unit excluding VAT (4 decimals, rounded half away from zero).
    #[serde(with = "evsessions_core::serde_util::decimal")]
    pub price: Decimal,
    /// The VAT rate in percent.
    #[serde(
        with = "evsessions_core::serde_util::decimal_opt",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub vat: Option<Decimal>,
    /// Billed in blocks of 1 (Wh, second, session).
    pub step_size: u32,
}

/// An OCPI 2.2.1 `TariffRestrictions` (the time-of-use part).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TariffRestrictions {
    /// Local start time, `HH:MM`.
    pub start_time: String,
    /// Local end time, `HH:MM` (exclusive; `00:00` for the end of the day).
    pub end_time: String,
    /// The days (`MONDAY` …).
    pub day_of_week: Vec<String>,
}

/// OCPI `DayOfWeek` values.
pub const DAYS_OF_WEEK: &[&str] = &[
    "MONDAY",
    "TUESDAY",
    "WEDNESDAY",
    "THURSDAY",
    "FRIDAY",
    "SATURDAY",
    "SUNDAY",
];
/// OCPI `TariffDimensionType` values.
pub const TARIFF_DIMENSION_TYPES: &[&str] = &["ENERGY", "FLAT", "PARKING_TIME", "TIME"];

impl Tariff {
    /// The OCPI form of a tariff of the accounts file; `vat_percent` is the rate to take out
    /// of its prices (which include VAT) when the tariff has none of its own.
    pub fn from_tariff(
        t: &crate::tariff::Tariff,
        country_code: &str,
        party_id: &str,
        vat_percent: Option<Decimal>,
        last_updated: &str,
    ) -> Option<Tariff> {
        let vat = t.vat_percent.or(vat_percent)?;
        let divisor = Decimal::ONE + vat / Decimal::from(100);
        let component = |kind: &str, incl: Decimal| -> Option<PriceComponent> {
            Some(PriceComponent {
                component_type: kind.to_string(),
                price: round4(incl.checked_div(divisor)?),
                vat: Some(vat.normalize()),
                step_size: 1,
            })
        };
        let day = |d: chrono::Weekday| DAYS_OF_WEEK[d.num_days_from_monday() as usize].to_string();
        let hm = |t: chrono::NaiveTime| t.format("%H:%M").to_string();
        let mut elements = Vec::new();
        for w in &t.windows {
            let energy = component("ENERGY", w.energy_price)?;
            let spans: Vec<(String, String, Vec<String>)> = if w.start < w.end {
                vec![(
                    hm(w.start),
                    hm(w.end),
                    w.days.iter().map(|d| day(*d)).collect(),
                )]
            } else {
                // Across midnight: the evening on the window's days, the morning on the next.
                let mut spans = vec![(
                    hm(w.start),
                    "00:00".to_string(),
                    w.days.iter().map(|d| day(*d)).collect(),
                )];
                if w.end > chrono::NaiveTime::MIN {
                    spans.push((
                        "00:00".to_string(),
                        hm(w.end),
                        w.days.iter().map(|d| day(d.succ())).collect(),
                    ));
                }
                spans
            };
            for (start_time, end_time, mut day_of_week) in spans {
                day_of_week.sort_by_key(|d| DAYS_OF_WEEK.iter().position(|x| x == d));
                elements.push(TariffElement {
                    price_components: vec![energy.clone()],
                    restrictions: Some(TariffRestrictions {
                        start_time,
                        end_time,
                        day_of_week,
                    }),
                });
            }
        }
        let mut own = vec![component("ENERGY", t.energy_price)?];
        if let Some(p) = t.time_price {
            own.push(component("TIME", p)?);
        }
        if let Some(f) = t.flat_fee {
            own.push(component("FLAT", f)?);
        }
        elements.push(TariffElement {
            price_components: own,
            restrictions: None,
        });
        Some(Tariff {
            country_code: country_code.to_string(),
            party_id: party_id.to_string(),
            id: t.id.clone(),
            currency: t.currency.clone(),
            elements,
            start_date_time: t.starts_at().map(ocpi_time),
            end_date_time: t.ends_at().map(ocpi_time),
            last_updated: last_updated.to_string(),
        })
    }
}

/// An OCPI 2.2.1 CDR (the fields this crate fills; OCPI's optional `signed_data`, `meter_id`
/// and others are left out, as the vendors do not send them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Cdr {
    /// The CPO's country.
    pub country_code: String,
    /// The CPO's party id.
    pub party_id: String,
    /// The CDR id: the session id; `-2`, `-3` … for re-issued versions, `-C` appended for a
    /// credit.
    pub id: String,
    /// Session start.
    pub start_date_time: String,
    /// Session end.
    pub end_date_time: String,
    /// The vendor's session id (when it fits OCPI's 36 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// Who charged.
    pub cdr_token: CdrToken,
    /// `AUTH_REQUEST`, `COMMAND` or `WHITELIST`.
    pub auth_method: String,
    /// Where.
    pub cdr_location: CdrLocation,
    /// ISO 4217 currency.
    pub currency: String,
    /// The tariff that priced the session, when a tariff of the accounts file did (the
    /// vendor's own tariffs are not known).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tariffs: Option<Vec<Tariff>>,
    /// What was charged, per period (one period: the whole session).
    pub charging_periods: Vec<ChargingPeriod>,
    /// Total cost.
    pub total_cost: Price,
    /// The flat (session) fees, when the vendor itemizes them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_fixed_cost: Option<Price>,
    /// Total energy, kWh.
    #[serde(with = "evsessions_core::serde_util::decimal")]
    pub total_energy: Decimal,
    /// The energy part of the cost, when itemized.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_energy_cost: Option<Price>,
    /// Total duration, hours (4 decimals).
    #[serde(with = "evsessions_core::serde_util::decimal")]
    pub total_time: Decimal,
    /// The time part of the cost, when itemized.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_time_cost: Option<Price>,
    /// Parking time, hours, when the vendor itemizes it.
    #[serde(
        with = "evsessions_core::serde_util::decimal_opt",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub total_parking_time: Option<Decimal>,
    /// The parking part of the cost, when itemized.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_parking_cost: Option<Price>,
    /// `true` for a credit CDR.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credit: Option<bool>,
    /// For a credit CDR: the id of the CDR it credits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credit_reference_id: Option<String>,
    /// When the CDR was last updated.
    pub last_updated: String,
}

/// Why a session yields no CDR: the OCPI field that could not be filled, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CdrRefusal {
    /// The vendor.
    pub source: String,
    /// The session id.
    pub session_id: String,
    /// The OCPI field (`cdr_location.city`, `total_cost.excl_vat`, …).
    pub field: String,
    /// What is missing or wrong, and how to supply it.
    pub reason: String,
    /// Every setting of the accounts file that the CDR lacks (the first is `field`), with
    /// the TOML line that fills it; empty when the refusal is about the record itself.
    pub missing: Vec<MissingSetting>,
}

/// A setting that a CDR needs and the accounts file does not give.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MissingSetting {
    /// The OCPI field it fills (`cdr_location.city`).
    pub field: String,
    /// Why the record does not fill it.
    pub why: String,
    /// The TOML table it goes in (`[accounts.NAME.ocpi.sites."3101"]`).
    pub table: String,
    /// The TOML line, with a placeholder value (`city = "…"`).
    pub line: String,
}

impl CdrRefusal {
    /// The refusal with `account` in place of `NAME` in the TOML it suggests.
    pub fn for_account(mut self, account: &str) -> CdrRefusal {
        let real = format!("accounts.{account}.");
        self.reason = self.reason.replace("accounts.NAME.", &real);
        for m in &mut self.missing {
            m.table = m.table.replace("accounts.NAME.", &real);
        }
        self
    }
}

/// `3 settings missing: a (why), b (why), c (why); add to the accounts file:` and the TOML
/// lines, grouped by table in the order they are first needed.
fn missing_reason(list: &[MissingSetting]) -> String {
    let fields: Vec<String> = list
        .iter()
        .map(|m| format!("{} ({})", m.field, m.why))
        .collect();
    let mut tables: Vec<(&str, Vec<&str>)> = Vec::new();
    for m in list {
        match tables.iter_mut().find(|(t, _)| *t == m.table) {
            Some((_, lines)) => lines.push(&m.line),
            None => tables.push((&m.table, vec![&m.line])),
        }
    }
    let mut text = format!(
        "{} setting{} missing: {}; add to the accounts file:",
        list.len(),
        if list.len() == 1 { "" } else { "s" },
        fields.join(", ")
    );
    for (table, lines) in tables {
        text.push_str("\n    ");
        text.push_str(table);
        for l in lines {
            text.push_str("\n    ");
            text.push_str(l);
        }
    }
    text
}

impl fmt::Display for CdrRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.missing.is_empty() {
            // The reason names every field.
            return write!(
                f,
                "{} session {:?}: no OCPI CDR: {}",
                self.source, self.session_id, self.reason
            );
        }
        write!(
            f,
            "{} session {:?}: no OCPI CDR: {}: {}",
            self.source, self.session_id, self.field, self.reason
        )
    }
}

impl std::error::Error for CdrRefusal {}

/// OCPI `ConnectorType` values.
pub const CONNECTOR_TYPES: &[&str] = &[
    "CHADEMO",
    "CHAOJI",
    "DOMESTIC_A",
    "DOMESTIC_B",
    "DOMESTIC_C",
    "DOMESTIC_D",
    "DOMESTIC_E",
    "DOMESTIC_F",
    "DOMESTIC_G",
    "DOMESTIC_H",
    "DOMESTIC_I",
    "DOMESTIC_J",
    "DOMESTIC_K",
    "DOMESTIC_L",
    "DOMESTIC_M",
    "DOMESTIC_N",
    "DOMESTIC_O",
    "GBT_AC",
    "GBT_DC",
    "IEC_60309_2_single_16",
    "IEC_60309_2_three_16",
    "IEC_60309_2_three_32",
    "IEC_60309_2_three_64",
    "IEC_62196_T1",
    "IEC_62196_T1_COMBO",
    "IEC_62196_T2",
    "IEC_62196_T2_COMBO",
    "IEC_62196_T3A",
    "IEC_62196_T3C",
    "NEMA_5_20",
    "NEMA_6_30",
    "NEMA_6_50",
    "NEMA_10_30",
    "NEMA_10_50",
    "NEMA_14_30",
    "NEMA_14_50",
    "PANTOGRAPH_BOTTOM_UP",
    "PANTOGRAPH_TOP_DOWN",
    "TESLA_R",
    "TESLA_S",
];
/// Connector types that only exist as DC, on a cable (the charger's own).
const DC_CABLE_CONNECTORS: &[&str] = &[
    "CHADEMO",
    "CHAOJI",
    "GBT_DC",
    "IEC_62196_T1_COMBO",
    "IEC_62196_T2_COMBO",
];
/// OCPI `ConnectorFormat` values.
pub const CONNECTOR_FORMATS: &[&str] = &["SOCKET", "CABLE"];
/// OCPI `PowerType` values.
pub const POWER_TYPES: &[&str] = &[
    "AC_1_PHASE",
    "AC_2_PHASE",
    "AC_2_PHASE_SPLIT",
    "AC_3_PHASE",
    "DC",
];
/// OCPI `AuthMethod` values.
pub const AUTH_METHODS: &[&str] = &["AUTH_REQUEST", "COMMAND", "WHITELIST"];
/// OCPI `TokenType` values.
pub const TOKEN_TYPES: &[&str] = &["AD_HOC_USER", "APP_USER", "OTHER", "RFID"];
/// OCPI `CdrDimensionType` values.
pub const DIMENSION_TYPES: &[&str] = &[
    "CURRENT",
    "ENERGY",
    "ENERGY_EXPORT",
    "ENERGY_IMPORT",
    "MAX_CURRENT",
    "MIN_CURRENT",
    "MAX_POWER",
    "MIN_POWER",
    "PARKING_TIME",
    "POWER",
    "RESERVATION_TIME",
    "STATE_OF_CHARGE",
    "TIME",
];

/// An OCPI DateTime: UTC, RFC 3339, at most 25 characters (whole seconds, or milliseconds
/// when the instant has a fraction — finer digits do not fit OCPI's 25 characters).
pub fn ocpi_time(t: DateTime<Utc>) -> String {
    if t.nanosecond() == 0 {
        t.to_rfc3339_opts(SecondsFormat::Secs, true)
    } else {
        t.to_rfc3339_opts(SecondsFormat::Millis, true)
    }
}

struct Builder<'a> {
    session: &'a ChargingSession,
}

impl Builder<'_> {
    fn refuse(&self, field: &str, reason: impl Into<String>) -> CdrRefusal {
        CdrRefusal {
            source: self.session.source.as_str().to_string(),
            session_id: self.session.id.clone(),
            field: field.to_string(),
            reason: reason.into(),
            missing: Vec::new(),
        }
    }

    /// The refusal naming every missing setting at once.
    fn refuse_missing(&self, missing: Vec<MissingSetting>) -> CdrRefusal {
        let mut r = self.refuse(
            missing.first().map(|m| m.field.as_str()).unwrap_or("(cdr)"),
            missing_reason(&missing),
        );
        r.missing = missing;
        r
    }

    fn need<T>(&self, v: Option<T>, field: &str, reason: &str) -> Result<T, CdrRefusal> {
        v.ok_or_else(|| self.refuse(field, reason))
    }

    /// A number with at most 4 decimals, exactly (trailing zeros dropped).
    fn exact(&self, v: Decimal, field: &str) -> Result<Decimal, CdrRefusal> {
        let n = v.normalize();
        if n.scale() > DECIMALS {
            return Err(self.refuse(
                field,
                format!("{v} has more than {DECIMALS} decimals, which OCPI cannot carry; it is not rounded"),
            ));
        }
        Ok(n)
    }

    fn price(
        &self,
        excl: Option<Decimal>,
        incl: Option<Decimal>,
        field: &str,
    ) -> Result<Price, CdrRefusal> {
        let excl = self.need(
            excl,
            &format!("{field}.excl_vat"),
            "the vendor gives no amount excluding VAT (OCPI requires it; set `vat_percent` in the account's OCPI settings to derive it from the amount including VAT)",
        )?;
        Ok(Price {
            excl_vat: self.exact(excl, &format!("{field}.excl_vat"))?,
            incl_vat: incl
                .map(|v| self.exact(v, &format!("{field}.incl_vat")))
                .transpose()?,
        })
    }

    /// The price of the cost components of one kind, when every one of them has its amount
    /// excluding VAT; `None` when there are none or any lacks it.
    fn itemized(
        &self,
        components: &[CostComponent],
        kind: CostKind,
        field: &str,
    ) -> Result<Option<Price>, CdrRefusal> {
        let mine: Vec<&CostComponent> = components.iter().filter(|c| c.kind == kind).collect();
        if mine.is_empty() || mine.iter().any(|c| c.amount_excl_vat.is_none()) {
            return Ok(None);
        }
        let excl: Decimal = mine.iter().filter_map(|c| c.amount_excl_vat).sum();
        let incl = if mine.iter().all(|c| c.amount_incl_vat.is_some()) {
            Some(mine.iter().filter_map(|c| c.amount_incl_vat).sum())
        } else {
            None
        };
        self.price(Some(excl), incl, field).map(Some)
    }
}

/// Hours from a quantity in a time unit the vendors use; `None` for another unit.
fn hours_of(quantity: Decimal, unit: Option<&str>) -> Option<Decimal> {
    let u = unit?.trim().to_lowercase();
    match u.as_str() {
        "h" | "hr" | "hrs" | "hour" | "hours" | "ч" | "час" => Some(quantity),
        "min" | "mins" | "minute" | "minutes" | "мин" | "минута" | "минут" => {
            Some(quantity / Decimal::from(60))
        }
        "s" | "sec" | "secs" | "second" | "seconds" | "сек" => {
            Some(quantity / Decimal::from(3600))
        }
        _ => None,
    }
}

fn round4(v: Decimal) -> Decimal {
    v.round_dp_with_strategy(DECIMALS, RoundingStrategy::MidpointAwayFromZero)
        .normalize()
}

/// Coordinates as OCPI writes them: 5 to 7 decimals (padded with zeros; more than 7 rounded,
/// which is below a centimetre).
fn coordinate(v: Decimal) -> String {
    let r = v.round_dp_with_strategy(7, RoundingStrategy::MidpointAwayFromZero);
    let scale = r.scale().clamp(5, 7);
    format!("{:.*}", scale as usize, r)
}

impl Cdr {
    /// The CDR of a completed session; `last_updated` is when the record last changed (the
    /// store's `last_changed_at`). The CDR id is the session id. Only the vendor's price is
    /// used: see [`Cdr::from_session_priced`] for tariffs.
    pub fn from_session(
        session: &ChargingSession,
        settings: &CdrSettings,
        last_updated: DateTime<Utc>,
    ) -> Result<Cdr, CdrRefusal> {
        Cdr::from_session_priced(session, settings, None, last_updated)
    }

    /// The CDR of a completed session, priced by the account's `tariffs` where the vendor did
    /// not price it (or the tariff says `override`): the CDR then carries the tariff's cost,
    /// `tariff_id` on its charging period and the tariff in `tariffs`. The amounts excluding
    /// VAT come from the tariff's `vat_percent`, else from the settings'.
    ///
    /// ```
    /// use evsessions_core::{AuthMethod, Authorization, ChargingSession, SessionStatus, Site, SourceKind};
    /// use evsessions_export::ocpi::{validate, Cdr, CdrSettings, LocationFacts};
    /// use evsessions_export::tariff::{TariffBook, TariffSpec};
    ///
    /// let mut s = ChargingSession::new(SourceKind::new("smappee"), "48213", serde_json::json!({}));
    /// s.status = SessionStatus::Completed;
    /// s.started_at = Some("2025-06-02T17:42:10Z".parse().unwrap());
    /// s.ended_at = Some("2025-06-02T22:05:40Z".parse().unwrap());
    /// s.energy_kwh = Some("24.445".parse().unwrap());
    /// s.charger.id = Some("6100041237".into());
    /// s.site = Some(Site::new(Some("40101".into()), None));
    /// let mut auth = Authorization::new(AuthMethod::Rfid);
    /// auth.id_tag = Some("04A1B2C3D4E580".into());
    /// s.authorization = Some(auth);
    ///
    /// let mut settings = CdrSettings::new("BE", "SMP");
    /// settings.location = LocationFacts {
    ///     address: Some("Rue de la Loi 1".into()), city: Some("Brussels".into()),
    ///     country: Some("BEL".into()), latitude: Some("50.84670".into()),
    ///     longitude: Some("4.35250".into()), connector_id: Some("1".into()),
    ///     connector_standard: Some("IEC_62196_T2".into()),
    ///     connector_format: Some("SOCKET".into()), power_type: Some("AC_3_PHASE".into()),
    ///     ..LocationFacts::default()
    /// };
    /// let mut spec = TariffSpec::new("2025-01-01", "EUR", "0.2852");
    /// spec.vat_percent = Some("21".into());
    /// let book = TariffBook::new("home-be", "Europe/Brussels".parse().unwrap(), vec![spec]).unwrap();
    ///
    /// let at = s.ended_at.unwrap();
    /// assert!(Cdr::from_session(&s, &settings, at).is_err()); // Smappee sends no price
    /// let cdr = Cdr::from_session_priced(&s, &settings, Some(&book), at).unwrap();
    /// assert_eq!(cdr.total_cost.incl_vat.unwrap().to_string(), "6.97"); // 24.445 × 0.2852
    /// assert_eq!(cdr.total_cost.excl_vat.to_string(), "5.76");
    /// assert_eq!(cdr.charging_periods[0].tariff_id.as_deref(), Some("home-be/2025-01-01"));
    /// let tariffs = cdr.tariffs.as_ref().unwrap();
    /// assert_eq!(tariffs[0].elements[0].price_components[0].price.to_string(), "0.2357");
    /// assert!(validate(&serde_json::to_value(&cdr).unwrap()).is_empty());
    /// ```
    pub fn from_session_priced(
        session: &ChargingSession,
        settings: &CdrSettings,
        tariffs: Option<&TariffBook>,
        last_updated: DateTime<Utc>,
    ) -> Result<Cdr, CdrRefusal> {
        let b = Builder { session };
        if session.status != SessionStatus::Completed {
            return Err(b.refuse(
                "status",
                format!(
                    "only completed sessions become CDRs (this one is {})",
                    session.status
                ),
            ));
        }
        let start = b.need(session.started_at, "start_date_time", "no start time")?;
        let end = b.need(session.ended_at, "end_date_time", "no end time")?;
        if end < start {
            return Err(b.refuse("end_date_time", "the session ends before it starts"));
        }
        let site_id = session.site.as_ref().and_then(|s| s.id.as_deref());
        let facts = settings.facts(site_id);
        // Every setting the CDR lacks is named at once, with the TOML that fills it.
        let mut missing: Vec<MissingSetting> = Vec::new();
        let site_table = match site_id {
            Some(id) => format!("[accounts.NAME.ocpi.sites.{}]", serde_json::Value::from(id)),
            None => "[accounts.NAME.ocpi.location]".to_string(),
        };
        let mut want = |v: Option<String>, field: &str, why: &str, table: &str, line: &str| {
            if v.is_none() {
                missing.push(MissingSetting {
                    field: field.to_string(),
                    why: why.to_string(),
                    table: table.to_string(),
                    line: line.to_string(),
                });
            }
            v.unwrap_or_default()
        };
        let ocpi_table = "[accounts.NAME.ocpi]";

        // Token.
        let auth = session.authorization.as_ref();
        let uid = auth
            .and_then(|a| a.id_tag.clone().or_else(|| a.user_id.clone()))
            .ok_or_else(|| b.refuse("cdr_token.uid", "the vendor names no id tag or user"))?;
        let method = auth.map(|a| a.method).unwrap_or_default();
        use evsessions_core::AuthMethod as M;
        let token_type = match (method, auth.and_then(|a| a.id_tag.as_ref())) {
            (M::Rfid, Some(_)) => "RFID",
            (M::App, _) => "APP_USER",
            _ => "OTHER",
        };
        let auth_method = match method {
            M::Rfid | M::PlugAndCharge | M::Free => "WHITELIST".to_string(),
            M::App | M::Remote => "COMMAND".to_string(),
            _ => want(
                settings.default_auth_method.clone(),
                "auth_method",
                "the vendor does not say how the session was authorized",
                ocpi_table,
                "default_auth_method = \"AUTH_REQUEST\"   # or COMMAND, WHITELIST",
            ),
        };

        // Location.
        let site = session.site.as_ref();
        let charger = &session.charger;
        let evse_uid = b.need(
            charger.id.clone(),
            "cdr_location.evse_uid",
            "the session names no charger",
        )?;
        let evse_id = charger.evse_id.clone().unwrap_or_else(|| evse_uid.clone());
        let location_id = want(
            facts
                .location_id
                .clone()
                .or_else(|| site_id.map(str::to_string)),
            "cdr_location.id",
            "the session names no site",
            &site_table,
            "location_id = \"…\"",
        );
        let address = want(
            facts
                .address
                .clone()
                .or_else(|| site.and_then(|s| s.address.clone())),
            "cdr_location.address",
            "the vendor gives no street address",
            &site_table,
            "address = \"…\"",
        );
        let city = want(
            facts.city.clone(),
            "cdr_location.city",
            "the vendor gives no city",
            &site_table,
            "city = \"…\"",
        );
        let country = want(
            facts.country.clone(),
            "cdr_location.country",
            "the vendor gives no country",
            &site_table,
            "country = \"…\"   # ISO 3166-1 alpha-3, e.g. FIN",
        );
        let latitude = want(
            facts
                .latitude
                .clone()
                .or_else(|| site.and_then(|s| s.latitude).map(coordinate)),
            "cdr_location.coordinates.latitude",
            "the vendor gives no coordinates",
            &site_table,
            "latitude = \"…\"   # e.g. \"60.16920\"",
        );
        let longitude = want(
            facts
                .longitude
                .clone()
                .or_else(|| site.and_then(|s| s.longitude).map(coordinate)),
            "cdr_location.coordinates.longitude",
            "the vendor gives no coordinates",
            &site_table,
            "longitude = \"…\"   # e.g. \"24.93300\"",
        );
        let connector_id = want(
            charger.connector_id.clone().or(facts.connector_id.clone()),
            "cdr_location.connector_id",
            "the session names no connector",
            &site_table,
            "connector_id = \"1\"",
        );
        let standard = want(
            facts.connector_standard.clone().or_else(|| {
                charger
                    .connector_type
                    .clone()
                    .filter(|t| CONNECTOR_TYPES.contains(&t.as_str()))
            }),
            "cdr_location.connector_standard",
            &match &charger.connector_type {
                Some(t) => {
                    format!("the vendor's connector type {t:?} is not an OCPI ConnectorType")
                }
                None => "the vendor does not name the connector type".into(),
            },
            &site_table,
            "connector_standard = \"IEC_62196_T2\"   # an OCPI ConnectorType",
        );
        let dc_cable = DC_CABLE_CONNECTORS.contains(&standard.as_str());
        let format = want(
            facts
                .connector_format
                .clone()
                .or_else(|| dc_cable.then(|| "CABLE".to_string())),
            "cdr_location.connector_format",
            "SOCKET or CABLE is not known for this connector",
            &site_table,
            "connector_format = \"SOCKET\"   # or CABLE",
        );
        let power = want(
            facts
                .power_type
                .clone()
                .or_else(|| dc_cable.then(|| "DC".to_string())),
            "cdr_location.connector_power_type",
            "the power type is not known for this connector",
            &site_table,
            "power_type = \"AC_3_PHASE\"   # or AC_1_PHASE, AC_2_PHASE, AC_2_PHASE_SPLIT, DC",
        );

        // Money: the vendor's, else a tariff's.
        let pricing = Pricing::of(session, tariffs);
        let excl = pricing.cost.as_deref().and_then(|cost| {
            cost.total_excl_vat.or_else(|| {
                let (incl, p) = (cost.total_incl_vat?, settings.vat_percent?);
                let divisor = Decimal::ONE + p / Decimal::from(100);
                let dp = incl.scale().max(2);
                incl.checked_div(divisor)
                    .map(|v| v.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero))
            })
        });
        match pricing.cost.as_deref() {
            None => {
                let why = if tariffs.is_some_and(|t| !t.tariffs().is_empty()) {
                    "the vendor sent no price and no tariff of the account is in force for it"
                } else {
                    "the vendor sent no price"
                };
                want(
                    None,
                    "total_cost",
                    why,
                    "[[accounts.NAME.tariffs]]",
                    "from = \"YYYY-MM-DD\"\n    currency = \"…\"   # ISO 4217, e.g. EUR\n    energy_price = \"…\"   # per kWh incl. VAT\n    vat_percent = \"…\"",
                );
            }
            Some(c) if excl.is_none() && c.total_incl_vat.is_some() => {
                want(
                    None,
                    "total_cost.excl_vat",
                    "the price is known including VAT only",
                    ocpi_table,
                    "vat_percent = \"…\"   # to derive the amounts excl. VAT (or give the tariff a vat_percent)",
                );
            }
            Some(_) => {}
        }
        if !missing.is_empty() {
            return Err(b.refuse_missing(missing));
        }
        let cost = b.need(
            pricing.cost.as_deref(),
            "total_cost",
            "the session is not priced",
        )?;
        let currency = b.need(
            cost.currency.clone(),
            "currency",
            "the vendor gives no currency",
        )?;
        let total_cost = b.price(excl, cost.total_incl_vat, "total_cost")?;
        let comps = &cost.components;
        let total_fixed_cost = b.itemized(comps, CostKind::Flat, "total_fixed_cost")?;
        let total_energy_cost = b.itemized(comps, CostKind::Energy, "total_energy_cost")?;
        let total_time_cost = b.itemized(comps, CostKind::Time, "total_time_cost")?;
        let total_parking_cost = b.itemized(comps, CostKind::Parking, "total_parking_cost")?;

        // Volumes.
        let total_energy = b.exact(
            b.need(
                session.energy_kwh,
                "total_energy",
                "the vendor gives no energy",
            )?,
            "total_energy",
        )?;
        let seconds = (end - start).num_milliseconds();
        let total_time = round4(Decimal::new(seconds, 3) / Decimal::from(3600));
        let parking: Option<Decimal> = {
            let p: Vec<&CostComponent> = comps
                .iter()
                .filter(|c| c.kind == CostKind::Parking)
                .collect();
            let hours: Option<Vec<Decimal>> = p
                .iter()
                .map(|c| c.quantity.and_then(|q| hours_of(q, c.unit.as_deref())))
                .collect();
            hours
                .filter(|h| !h.is_empty())
                .map(|h| round4(h.iter().sum()))
        };
        let energy_from_components: Option<Decimal> = {
            let e: Vec<&CostComponent> = comps
                .iter()
                .filter(|c| c.kind == CostKind::Energy)
                .collect();
            let q: Option<Vec<Decimal>> = e.iter().map(|c| c.quantity).collect();
            q.filter(|q| !q.is_empty()).map(|q| q.iter().sum())
        };
        let mut dimensions = vec![
            CdrDimension {
                dimension_type: "ENERGY".into(),
                volume: b.exact(
                    energy_from_components.unwrap_or(total_energy),
                    "charging_periods.dimensions.volume",
                )?,
            },
            CdrDimension {
                dimension_type: "TIME".into(),
                volume: total_time,
            },
        ];
        if let Some(p) = parking {
            dimensions.push(CdrDimension {
                dimension_type: "PARKING_TIME".into(),
                volume: p,
            });
        }

        let cdr = Cdr {
            country_code: settings.country_code.clone(),
            party_id: settings.party_id.clone(),
            id: session.id.clone(),
            start_date_time: ocpi_time(start),
            end_date_time: ocpi_time(end),
            session_id: Some(session.id.clone()).filter(|id| id.len() <= 36),
            cdr_token: CdrToken {
                country_code: settings.country_code.clone(),
                party_id: settings.party_id.clone(),
                uid: uid.clone(),
                token_type: token_type.into(),
                contract_id: uid,
            },
            auth_method,
            cdr_location: CdrLocation {
                id: location_id,
                name: site.and_then(|s| s.name.clone()),
                address,
                city,
                postal_code: facts.postal_code.clone(),
                state: facts.state.clone(),
                country,
                coordinates: GeoLocation {
                    latitude,
                    longitude,
                },
                evse_uid,
                evse_id,
                connector_id,
                connector_standard: standard,
                connector_format: format,
                connector_power_type: power,
            },
            currency,
            tariffs: None,
            charging_periods: vec![ChargingPeriod {
                start_date_time: ocpi_time(start),
                dimensions,
                tariff_id: pricing.tariff_id.clone(),
            }],
            total_cost,
            total_fixed_cost,
            total_energy,
            total_energy_cost,
            total_time,
            total_time_cost,
            total_parking_time: parking,
            total_parking_cost,
            credit: None,
            credit_reference_id: None,
            last_updated: ocpi_time(last_updated),
        };
        let mut cdr = cdr;
        if pricing.source == PriceSource::Tariff {
            let tariff = pricing
                .tariff_id
                .as_deref()
                .and_then(|id| tariffs?.tariff(id))
                .ok_or_else(|| {
                    b.refuse(
                        "tariffs",
                        "the tariff that priced the session is not in the book",
                    )
                })?;
            if tariff.id.len() > 36 || !tariff.id.bytes().all(|c| (0x20..0x7f).contains(&c)) {
                return Err(b.refuse_missing(vec![MissingSetting {
                    field: "tariffs.id".into(),
                    why: format!(
                        "the tariff's id {:?} is not an OCPI tariff id (at most 36 printable ASCII characters)",
                        tariff.id
                    ),
                    table: "[[accounts.NAME.tariffs]]".into(),
                    line: "name = \"…\"   # a shorter id for this tariff".into(),
                }]));
            }
            let ocpi = Tariff::from_tariff(
                tariff,
                &settings.country_code,
                &settings.party_id,
                settings.vat_percent,
                &cdr.last_updated,
            )
            .ok_or_else(|| {
                b.refuse(
                    "tariffs.elements.price_components.price",
                    format!(
                        "OCPI prices exclude VAT: give tariff {} a `vat_percent`",
                        tariff.id
                    ),
                )
            })?;
            cdr.tariffs = Some(vec![ocpi]);
        }
        cdr.checked(&b)
    }

    /// Refuse a CDR that breaks an OCPI rule (a too-long text, a character outside a CiString,
    /// an unknown enum value from the settings), naming the first broken field.
    fn checked(self, b: &Builder<'_>) -> Result<Cdr, CdrRefusal> {
        let value = serde_json::to_value(&self)
            .map_err(|e| b.refuse("(cdr)", format!("cannot be written as JSON: {e}")))?;
        match validate(&value).into_iter().next() {
            None => Ok(self),
            Some(v) => Err(b.refuse(&v.field, v.rule)),
        }
    }

    /// The credit CDR of this one: the same CDR with `credit: true`, `credit_reference_id` =
    /// this id, every total negated, the id with `-C` appended, updated `at`. Fails when the
    /// credit id would exceed OCPI's 39 characters.
    pub fn credit(&self, at: DateTime<Utc>) -> Result<Cdr, CdrRefusal> {
        let mut c = self.clone();
        c.id = format!("{}-C", self.id);
        c.credit = Some(true);
        c.credit_reference_id = Some(self.id.clone());
        c.total_cost = self.total_cost.negated();
        c.total_fixed_cost = self.total_fixed_cost.as_ref().map(Price::negated);
        c.total_energy = -self.total_energy;
        c.total_energy_cost = self.total_energy_cost.as_ref().map(Price::negated);
        c.total_time = -self.total_time;
        c.total_time_cost = self.total_time_cost.as_ref().map(Price::negated);
        c.total_parking_time = self.total_parking_time.map(|v| -v);
        c.total_parking_cost = self.total_parking_cost.as_ref().map(Price::negated);
        c.last_updated = ocpi_time(at);
        let value = serde_json::to_value(&c).map_err(|e| self.refusal("(cdr)", e.to_string()))?;
        match validate(&value).into_iter().next() {
            None => Ok(c),
            Some(v) => Err(self.refusal(&v.field, v.rule)),
        }
    }

    fn refusal(&self, field: &str, reason: String) -> CdrRefusal {
        CdrRefusal {
            source: String::new(),
            session_id: self.session_id.clone().unwrap_or_else(|| self.id.clone()),
            field: field.to_string(),
            reason,
            missing: Vec::new(),
        }
    }

    /// Is `other` the same charge as this CDR (ignoring `id` and `last_updated`)?
    pub fn same_charge(&self, other: &Cdr) -> bool {
        let mut a = self.clone();
        a.id.clone_from(&other.id);
        a.last_updated.clone_from(&other.last_updated);
        a == *other
    }
}

/// What one session contributes to an incremental export ([`incremental_step`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Step {
    /// The CDRs to write, in order (a credit before its replacement).
    pub write: Vec<Cdr>,
    /// What to remember as sent for the session once they are written: the version and the
    /// CDR that now stands (a credit when the session no longer yields a CDR); `None` when
    /// nothing changed.
    pub remember: Option<(i64, Cdr)>,
}

/// The id of version `version` of a session's CDR: the session id, then `-2`, `-3`, ….
pub fn versioned_id(session_id: &str, version: i64) -> String {
    if version <= 1 {
        session_id.to_string()
    } else {
        format!("{session_id}-{version}")
    }
}

/// Decide what to send for one session, from what was sent last (`previous`: the version and
/// the CDR that stands, a credit if the session was withdrawn) and the session's CDR now
/// (`current`, built by [`Cdr::from_session`]; `None` when the session no longer yields one,
/// e.g. it became invalid). `at` stamps credits.
///
/// | previous | current | written |
/// |---|---|---|
/// | none | CDR | the CDR (version 1) |
/// | CDR | the same charge | nothing |
/// | CDR | a different charge | a credit of the previous, then the new CDR (next version) |
/// | CDR | none | a credit of the previous |
/// | credit | CDR | the new CDR (next version) |
///
/// ```
/// use evsessions_export::ocpi::{incremental_step, versioned_id};
/// let step = incremental_step(None, None, chrono::Utc::now()).unwrap();
/// assert!(step.write.is_empty() && step.remember.is_none());
/// assert_eq!(versioned_id("1001", 2), "1001-2");
/// ```
pub fn incremental_step(
    previous: Option<(i64, &Cdr)>,
    current: Option<Cdr>,
    at: DateTime<Utc>,
) -> Result<Step, CdrRefusal> {
    match (previous, current) {
        (None, None) => Ok(Step::default()),
        (None, Some(c)) => Ok(Step {
            write: vec![c.clone()],
            remember: Some((1, c)),
        }),
        (Some((version, prev)), current) => {
            let withdrawn = prev.credit == Some(true);
            match current {
                Some(mut c) => {
                    if !withdrawn && prev.same_charge(&c) {
                        return Ok(Step::default());
                    }
                    let next = version + 1;
                    c.id = versioned_id(&c.id, next);
                    let mut write = Vec::new();
                    if !withdrawn {
                        write.push(prev.credit(at)?);
                    }
                    let value =
                        serde_json::to_value(&c).map_err(|e| c.refusal("(cdr)", e.to_string()))?;
                    if let Some(v) = validate(&value).into_iter().next() {
                        return Err(c.refusal(&v.field, v.rule));
                    }
                    write.push(c.clone());
                    Ok(Step {
                        write,
                        remember: Some((next, c)),
                    })
                }
                None if withdrawn => Ok(Step::default()),
                None => {
                    let credit = prev.credit(at)?;
                    Ok(Step {
                        write: vec![credit.clone()],
                        remember: Some((version, credit)),
                    })
                }
            }
        }
    }
}

/// One broken OCPI rule.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Violation {
    /// The field's path (`cdr_location.city`).
    pub field: String,
    /// The rule it breaks.
    pub rule: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.rule)
    }
}

#[derive(Clone, Copy)]
enum Kind {
    /// CiString(n): printable ASCII.
    Ci(usize),
    /// string(n): any UTF-8, at most n characters.
    Str(usize),
    /// One of these values.
    Enum(&'static [&'static str]),
    /// DateTime: RFC 3339 UTC, at most 25 characters.
    Time,
    /// number: at most 4 decimals.
    Num,
    /// boolean.
    Bool,
    /// A GeoLocation coordinate: `-?[0-9]{1,max}\.[0-9]{5,7}`.
    Coord(usize),
    /// A Price object.
    Price,
}

struct Checker {
    out: Vec<Violation>,
}

impl Checker {
    fn bad(&mut self, field: &str, rule: impl Into<String>) {
        self.out.push(Violation {
            field: field.to_string(),
            rule: rule.into(),
        });
    }

    fn field(
        &mut self,
        obj: &serde_json::Map<String, Value>,
        path: &str,
        name: &str,
        kind: Kind,
        required: bool,
    ) {
        let full = if path.is_empty() {
            name.to_string()
        } else {
            format!("{path}.{name}")
        };
        match obj.get(name) {
            None | Some(Value::Null) => {
                if required {
                    self.bad(&full, "required");
                }
            }
            Some(v) => self.value(&full, v, kind),
        }
    }

    fn value(&mut self, full: &str, v: &Value, kind: Kind) {
        match kind {
            Kind::Ci(n) => match v.as_str() {
                Some("") => self.bad(full, "empty"),
                Some(s) if s.len() > n => {
                    self.bad(full, format!("longer than {n} characters ({})", s.len()))
                }
                Some(s) if !s.bytes().all(|c| (0x20..0x7f).contains(&c)) => {
                    self.bad(full, "not printable ASCII (a CiString)")
                }
                Some(_) => {}
                None => self.bad(full, "not a string"),
            },
            Kind::Str(n) => match v.as_str() {
                Some(s) if s.chars().count() > n => self.bad(
                    full,
                    format!("longer than {n} characters ({})", s.chars().count()),
                ),
                Some(_) => {}
                None => self.bad(full, "not a string"),
            },
            Kind::Enum(values) => match v.as_str() {
                Some(s) if values.contains(&s) => {}
                Some(s) => self.bad(full, format!("{s:?} is not one of {}", values.join(", "))),
                None => self.bad(full, "not a string"),
            },
            Kind::Time => match v.as_str() {
                Some(s) if s.len() > 25 => self.bad(full, "longer than 25 characters"),
                Some(s) => match DateTime::parse_from_rfc3339(s) {
                    Ok(t) if t.offset().local_minus_utc() == 0 => {}
                    Ok(_) => self.bad(full, "not in UTC"),
                    Err(_) => self.bad(full, "not an RFC 3339 time"),
                },
                None => self.bad(full, "not a string"),
            },
            Kind::Num => match v {
                Value::Number(n) => {
                    let text = n.to_string();
                    let decimals = text
                        .split_once('.')
                        .map(|(_, f)| f.trim_end_matches(|c: char| !c.is_ascii_digit()).len())
                        .unwrap_or(0);
                    if text.contains(['e', 'E']) {
                        self.bad(full, "written with an exponent");
                    } else if decimals > DECIMALS as usize {
                        self.bad(full, format!("more than {DECIMALS} decimals"));
                    }
                }
                _ => self.bad(full, "not a number"),
            },
            Kind::Bool => {
                if !v.is_boolean() {
                    self.bad(full, "not a boolean");
                }
            }
            Kind::Coord(int_digits) => match v.as_str() {
                Some(s) => {
                    let body = s.strip_prefix('-').unwrap_or(s);
                    let ok = match body.split_once('.') {
                        Some((i, f)) => {
                            (1..=int_digits).contains(&i.len())
                                && i.bytes().all(|c| c.is_ascii_digit())
                                && (5..=7).contains(&f.len())
                                && f.bytes().all(|c| c.is_ascii_digit())
                        }
                        None => false,
                    };
                    if !ok {
                        self.bad(
                            full,
                            format!("not -?[0-9]{{1,{int_digits}}}\\.[0-9]{{5,7}}"),
                        );
                    }
                }
                None => self.bad(full, "not a string"),
            },
            Kind::Price => match v.as_object() {
                Some(p) => {
                    self.field(p, full, "excl_vat", Kind::Num, true);
                    self.field(p, full, "incl_vat", Kind::Num, false);
                }
                None => self.bad(full, "not an object"),
            },
        }
    }
}

/// One `Tariff` of a CDR's `tariffs`.
fn check_tariff(c: &mut Checker, p: &str, t: &Value) {
    let Some(o) = t.as_object() else {
        c.bad(p, "not an object");
        return;
    };
    c.field(o, p, "country_code", Kind::Ci(2), true);
    c.field(o, p, "party_id", Kind::Ci(3), true);
    c.field(o, p, "id", Kind::Ci(36), true);
    c.field(o, p, "currency", Kind::Str(3), true);
    c.field(o, p, "start_date_time", Kind::Time, false);
    c.field(o, p, "end_date_time", Kind::Time, false);
    c.field(o, p, "last_updated", Kind::Time, true);
    match o.get("elements").and_then(Value::as_array) {
        Some(elements) if !elements.is_empty() => {
            for (i, e) in elements.iter().enumerate() {
                let ep = format!("{p}.elements[{i}]");
                let Some(eo) = e.as_object() else {
                    c.bad(&ep, "not an object");
                    continue;
                };
                match eo.get("price_components").and_then(Value::as_array) {
                    Some(pcs) if !pcs.is_empty() => {
                        for (j, pc) in pcs.iter().enumerate() {
                            let pp = format!("{ep}.price_components[{j}]");
                            let Some(po) = pc.as_object() else {
                                c.bad(&pp, "not an object");
                                continue;
                            };
                            c.field(po, &pp, "type", Kind::Enum(TARIFF_DIMENSION_TYPES), true);
                            c.field(po, &pp, "price", Kind::Num, true);
                            c.field(po, &pp, "vat", Kind::Num, false);
                            match po.get("step_size") {
                                Some(v) if v.as_u64().is_some() => {}
                                Some(_) => c.bad(&format!("{pp}.step_size"), "not an int"),
                                None => c.bad(&format!("{pp}.step_size"), "required"),
                            }
                        }
                    }
                    _ => c.bad(
                        &format!("{ep}.price_components"),
                        "at least one price component is required",
                    ),
                }
                if let Some(r) = eo.get("restrictions").filter(|v| !v.is_null()) {
                    let rp = format!("{ep}.restrictions");
                    let Some(ro) = r.as_object() else {
                        c.bad(&rp, "not an object");
                        continue;
                    };
                    for name in ["start_time", "end_time"] {
                        if let Some(v) = ro.get(name).filter(|v| !v.is_null()) {
                            let ok = v.as_str().is_some_and(|s| {
                                chrono::NaiveTime::parse_from_str(s, "%H:%M").is_ok()
                                    && s.len() == 5
                            });
                            if !ok {
                                c.bad(
                                    &format!("{rp}.{name}"),
                                    "not ([0-1][0-9]|2[0-3]):[0-5][0-9]",
                                );
                            }
                        }
                    }
                    match ro.get("day_of_week") {
                        None | Some(Value::Null) => {}
                        Some(Value::Array(days)) => {
                            for (k, d) in days.iter().enumerate() {
                                c.value(
                                    &format!("{rp}.day_of_week[{k}]"),
                                    d,
                                    Kind::Enum(DAYS_OF_WEEK),
                                );
                            }
                        }
                        Some(_) => c.bad(&format!("{rp}.day_of_week"), "not a list"),
                    }
                }
            }
        }
        _ => c.bad(
            &format!("{p}.elements"),
            "at least one tariff element is required",
        ),
    }
}

/// Check a CDR (as JSON) against the OCPI 2.2.1 CDR rules: required fields, string lengths
/// and CiString characters, enum values, DateTime form, numbers with at most 4 decimals,
/// coordinates, at least one charging period with at least one dimension, a credit with its
/// reference, and each `Tariff` of `tariffs` (ids, elements, price components, time-of-use
/// restrictions). Returns every broken rule (empty when the CDR is valid).
///
/// ```
/// let v = evsessions_export::ocpi::validate(&serde_json::json!({"country_code": "FIN"}));
/// assert!(v.iter().any(|v| v.field == "country_code" && v.rule.contains("longer than 2")));
/// assert!(v.iter().any(|v| v.field == "party_id" && v.rule == "required"));
/// ```
pub fn validate(cdr: &Value) -> Vec<Violation> {
    let mut c = Checker { out: Vec::new() };
    let Some(o) = cdr.as_object() else {
        c.bad("(cdr)", "not an object");
        return c.out;
    };
    c.field(o, "", "country_code", Kind::Ci(2), true);
    c.field(o, "", "party_id", Kind::Ci(3), true);
    c.field(o, "", "id", Kind::Ci(39), true);
    c.field(o, "", "start_date_time", Kind::Time, true);
    c.field(o, "", "end_date_time", Kind::Time, true);
    c.field(o, "", "session_id", Kind::Ci(36), false);
    match o.get("cdr_token").and_then(Value::as_object) {
        Some(t) => {
            c.field(t, "cdr_token", "country_code", Kind::Ci(2), true);
            c.field(t, "cdr_token", "party_id", Kind::Ci(3), true);
            c.field(t, "cdr_token", "uid", Kind::Ci(36), true);
            c.field(t, "cdr_token", "type", Kind::Enum(TOKEN_TYPES), true);
            c.field(t, "cdr_token", "contract_id", Kind::Ci(36), true);
        }
        None => c.bad("cdr_token", "required"),
    }
    c.field(o, "", "auth_method", Kind::Enum(AUTH_METHODS), true);
    c.field(o, "", "authorization_reference", Kind::Ci(36), false);
    match o.get("cdr_location").and_then(Value::as_object) {
        Some(l) => {
            let p = "cdr_location";
            c.field(l, p, "id", Kind::Ci(36), true);
            c.field(l, p, "name", Kind::Str(255), false);
            c.field(l, p, "address", Kind::Str(45), true);
            c.field(l, p, "city", Kind::Str(45), true);
            c.field(l, p, "postal_code", Kind::Str(10), false);
            c.field(l, p, "state", Kind::Str(20), false);
            c.field(l, p, "country", Kind::Str(3), true);
            if let Some(country) = l.get("country").and_then(Value::as_str) {
                if country.len() != 3 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
                    c.bad("cdr_location.country", "not an ISO 3166-1 alpha-3 code");
                }
            }
            match l.get("coordinates").and_then(Value::as_object) {
                Some(g) => {
                    c.field(
                        g,
                        "cdr_location.coordinates",
                        "latitude",
                        Kind::Coord(2),
                        true,
                    );
                    c.field(
                        g,
                        "cdr_location.coordinates",
                        "longitude",
                        Kind::Coord(3),
                        true,
                    );
                }
                None => c.bad("cdr_location.coordinates", "required"),
            }
            c.field(l, p, "evse_uid", Kind::Ci(36), true);
            c.field(l, p, "evse_id", Kind::Ci(48), true);
            c.field(l, p, "connector_id", Kind::Ci(36), true);
            c.field(
                l,
                p,
                "connector_standard",
                Kind::Enum(CONNECTOR_TYPES),
                true,
            );
            c.field(
                l,
                p,
                "connector_format",
                Kind::Enum(CONNECTOR_FORMATS),
                true,
            );
            c.field(l, p, "connector_power_type", Kind::Enum(POWER_TYPES), true);
        }
        None => c.bad("cdr_location", "required"),
    }
    c.field(o, "", "meter_id", Kind::Str(255), false);
    c.field(o, "", "currency", Kind::Str(3), true);
    if let Some(cur) = o.get("currency").and_then(Value::as_str) {
        if cur.len() != 3 || !cur.bytes().all(|b| b.is_ascii_uppercase()) {
            c.bad("currency", "not an ISO 4217 code");
        }
    }
    match o.get("tariffs") {
        None | Some(Value::Null) => {}
        Some(Value::Array(list)) => {
            for (i, t) in list.iter().enumerate() {
                check_tariff(&mut c, &format!("tariffs[{i}]"), t);
            }
        }
        Some(_) => c.bad("tariffs", "not a list"),
    }
    match o.get("charging_periods").and_then(Value::as_array) {
        Some(periods) if !periods.is_empty() => {
            for (i, period) in periods.iter().enumerate() {
                let p = format!("charging_periods[{i}]");
                let Some(po) = period.as_object() else {
                    c.bad(&p, "not an object");
                    continue;
                };
                c.field(po, &p, "start_date_time", Kind::Time, true);
                c.field(po, &p, "tariff_id", Kind::Ci(36), false);
                match po.get("dimensions").and_then(Value::as_array) {
                    Some(dims) if !dims.is_empty() => {
                        for (j, d) in dims.iter().enumerate() {
                            let dp = format!("{p}.dimensions[{j}]");
                            match d.as_object() {
                                Some(dobj) => {
                                    c.field(dobj, &dp, "type", Kind::Enum(DIMENSION_TYPES), true);
                                    c.field(dobj, &dp, "volume", Kind::Num, true);
                                }
                                None => c.bad(&dp, "not an object"),
                            }
                        }
                    }
                    _ => c.bad(
                        &format!("{p}.dimensions"),
                        "at least one dimension is required",
                    ),
                }
            }
        }
        _ => c.bad(
            "charging_periods",
            "at least one charging period is required",
        ),
    }
    c.field(o, "", "total_cost", Kind::Price, true);
    c.field(o, "", "total_fixed_cost", Kind::Price, false);
    c.field(o, "", "total_energy", Kind::Num, true);
    c.field(o, "", "total_energy_cost", Kind::Price, false);
    c.field(o, "", "total_time", Kind::Num, true);
    c.field(o, "", "total_time_cost", Kind::Price, false);
    c.field(o, "", "total_parking_time", Kind::Num, false);
    c.field(o, "", "total_parking_cost", Kind::Price, false);
    c.field(o, "", "total_reservation_cost", Kind::Price, false);
    c.field(o, "", "remark", Kind::Str(255), false);
    c.field(o, "", "invoice_reference_id", Kind::Ci(39), false);
    c.field(o, "", "credit", Kind::Bool, false);
    c.field(o, "", "credit_reference_id", Kind::Ci(39), false);
    c.field(o, "", "home_charging_compensation", Kind::Bool, false);
    if o.get("credit") == Some(&Value::Bool(true))
        && o.get("credit_reference_id").is_none_or(Value::is_null)
    {
        c.bad("credit_reference_id", "required for a credit CDR");
    }
    c.field(o, "", "last_updated", Kind::Time, true);
    c.out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coordinates_are_padded_and_rounded() {
        assert_eq!(coordinate("60.1692".parse().unwrap()), "60.16920");
        assert_eq!(coordinate("-24.123456789".parse().unwrap()), "-24.1234568");
        assert_eq!(coordinate("24.933001".parse().unwrap()), "24.933001");
    }

    #[test]
    fn hours_from_vendor_units() {
        let q: Decimal = "90".parse().unwrap();
        assert_eq!(hours_of(q, Some("мин")), Some("1.5".parse().unwrap()));
        assert_eq!(hours_of(q, Some("kWh")), None);
        assert_eq!(hours_of(q, None), None);
    }

    #[test]
    fn times_fit_in_25_characters() {
        let t: DateTime<Utc> = "2025-03-06T09:12:33.555555555Z".parse().unwrap();
        assert_eq!(ocpi_time(t), "2025-03-06T09:12:33.555Z");
        let t: DateTime<Utc> = "2025-03-06T09:12:33Z".parse().unwrap();
        assert_eq!(ocpi_time(t), "2025-03-06T09:12:33Z");
    }

    #[test]
    fn numbers_with_five_decimals_or_exponents_are_refused() {
        let v = validate(&serde_json::json!({"total_energy": 1.23456, "total_time": 1e-7}));
        assert!(v
            .iter()
            .any(|x| x.field == "total_energy" && x.rule.contains("decimals")));
        assert!(v.iter().any(|x| x.field == "total_time"));
        assert!(v.iter().any(|x| x.field == "charging_periods"));
    }
}
