//! Tariffs: the price of sessions the vendor did not price, derived at statement and export
//! time and never stored over the vendor's cost.
//!
//! A [`TariffBook`] holds one account's tariffs, read from the accounts file
//! (`[[accounts.NAME.tariffs]]`, see [`TariffSpec`]) and checked when it is read: overlapping
//! periods of one scope, an unknown currency, a negative or non-decimal price, a window with
//! `start == end` or an unknown day are refused with a [`TariffError`] naming the account, the
//! tariff and the field.
//!
//! [`TariffBook::price`] prices one session: the tariff of the most specific scope (id tag,
//! then charger, then site, then the account) in force on the day the session starts, in the
//! tariff's zone; the energy price of the time-of-use window the session *starts* in, else the
//! tariff's own; plus the time and flat parts. Each part is rounded half away from zero to the
//! currency's minor unit (ISO 4217), and the total is the sum of the rounded parts. With
//! `vat_percent`, each part's amount excluding VAT is derived (rounded the same way) and the VAT
//! is the total including VAT less the total excluding it.
//!
//! A session the vendor priced (its cost has a total) keeps the vendor's price, unless the
//! tariff says `override = true`.
//!
//! ```
//! use evsessions_core::{ChargingSession, SessionStatus, SourceKind};
//! use evsessions_export::tariff::{PriceSource, TariffBook, TariffSpec};
//!
//! let mut spec = TariffSpec::new("2025-01-01", "EUR", "0.2852");
//! spec.vat_percent = Some("21".into());
//! let book = TariffBook::new("home-be", "Europe/Brussels".parse().unwrap(), vec![spec]).unwrap();
//!
//! let mut s = ChargingSession::new(SourceKind::new("smappee"), "48190", serde_json::json!({}));
//! s.status = SessionStatus::Completed;
//! s.started_at = Some("2025-06-03T18:00:00Z".parse().unwrap());
//! s.ended_at = Some("2025-06-03T21:00:00Z".parse().unwrap());
//! s.energy_kwh = Some("21.5".parse().unwrap());
//!
//! let priced = book.price(&s).unwrap();
//! assert_eq!(priced.tariff_id, "home-be/2025-01-01");
//! assert_eq!(priced.cost.total_incl_vat.unwrap().to_string(), "6.13"); // 21.5 × 0.2852 = 6.1318
//! assert_eq!(priced.cost.total_excl_vat.unwrap().to_string(), "5.07"); // 6.13 / 1.21
//! assert_eq!(priced.cost.vat_amount.unwrap().to_string(), "1.06");
//! assert_eq!(book.pricing(&s).source, PriceSource::Tariff);
//!
//! // A bad tariff is refused, naming the account, the tariff and the field.
//! let bad = TariffSpec::new("2025-01-01", "EUR", "-0.10");
//! let err = TariffBook::new("home-be", chrono_tz::Tz::UTC, vec![bad]).unwrap_err();
//! assert_eq!(err.to_string(),
//!     "account \"home-be\": tariff home-be/2025-01-01: energy_price: \"-0.10\" is negative");
//! ```

use std::borrow::Cow;
use std::fmt;

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;
use evsessions_core::{ChargingSession, Cost, CostComponent, CostKind};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// Where a session's money comes from, in every output (`price_source`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PriceSource {
    /// The vendor's cost, as it came.
    Vendor,
    /// A tariff of the accounts file.
    Tariff,
    /// Neither: the session is unpriced.
    #[default]
    None,
}

impl PriceSource {
    /// `vendor`, `tariff` or `none`.
    pub fn as_str(&self) -> &'static str {
        match self {
            PriceSource::Vendor => "vendor",
            PriceSource::Tariff => "tariff",
            PriceSource::None => "none",
        }
    }
}

impl fmt::Display for PriceSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A price as written in the accounts file: text (`"0.2852"`) or a whole number (`21`). A
/// TOML float (`0.2852` without quotes) is read only to be refused: it is not exact.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum PriceText {
    /// A decimal as text.
    Text(String),
    /// A whole number.
    Integer(i64),
    /// A TOML float: refused, with the advice to quote it.
    Float(f64),
}

impl From<&str> for PriceText {
    fn from(s: &str) -> Self {
        PriceText::Text(s.to_string())
    }
}

/// One `[[accounts.NAME.tariffs]]` entry, as written in the accounts file; checked and turned
/// into a [`Tariff`] by [`TariffBook::new`].
///
/// ```toml
/// [[accounts.home-be.tariffs]]
/// from = "2025-01-01"        # in force from this day (inclusive), in the tariff's zone
/// to = "2025-04-01"          # optional, exclusive
/// currency = "EUR"
/// energy_price = "0.2852"    # per kWh, incl. VAT
/// vat_percent = "21"         # optional: then excl. VAT and the VAT amount are derived
/// time_price = "0.50"        # optional, per hour of the session
/// flat_fee = "0.35"          # optional, per session
/// charger = "6100041237"     # optional scope: site = "…" | charger = "…" | id_tag = "…"
/// name = "BE-Q1"             # optional id (default "home-be/2025-01-01")
/// override = false           # true: price even the sessions the vendor priced
/// [[accounts.home-be.tariffs.windows]]   # optional time-of-use
/// days = ["Mon", "Tue", "Wed", "Thu", "Fri"]
/// start = "22:00"
/// end = "07:00"
/// energy_price = "0.2100"
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct TariffSpec {
    /// First day in force (`YYYY-MM-DD`), inclusive.
    pub from: String,
    /// First day no longer in force, exclusive; open-ended when absent.
    #[serde(default)]
    pub to: Option<String>,
    /// ISO 4217 currency.
    pub currency: String,
    /// Price per kWh, including VAT.
    pub energy_price: PriceText,
    /// VAT rate in percent.
    #[serde(default)]
    pub vat_percent: Option<PriceText>,
    /// Price per hour of the session (start to end), including VAT.
    #[serde(default)]
    pub time_price: Option<PriceText>,
    /// A fixed fee per session, including VAT.
    #[serde(default)]
    pub flat_fee: Option<PriceText>,
    /// Time-of-use windows.
    #[serde(default)]
    pub windows: Vec<WindowSpec>,
    /// Scope: one site, by the vendor's site id.
    #[serde(default)]
    pub site: Option<String>,
    /// Scope: one charger, by the vendor's charger id.
    #[serde(default)]
    pub charger: Option<String>,
    /// Scope: one id tag (RFID).
    #[serde(default)]
    pub id_tag: Option<String>,
    /// The tariff's id in outputs (default `ACCOUNT/FROM`, with the scope for a scoped one).
    #[serde(default)]
    pub name: Option<String>,
    /// Price sessions the vendor priced too.
    #[serde(default, rename = "override")]
    pub override_vendor: bool,
    /// The zone of `from`, `to` and the windows (default: the account's `time_zone`).
    #[serde(default)]
    pub time_zone: Option<String>,
}

impl TariffSpec {
    /// A flat tariff from `from`, in `currency`, at `energy_price` per kWh incl. VAT.
    pub fn new(from: &str, currency: &str, energy_price: &str) -> Self {
        TariffSpec {
            from: from.into(),
            to: None,
            currency: currency.into(),
            energy_price: energy_price.into(),
            vat_percent: None,
            time_price: None,
            flat_fee: None,
            windows: Vec::new(),
            site: None,
            charger: None,
            id_tag: None,
            name: None,
            override_vendor: false,
            time_zone: None,
        }
    }
}

/// One `[[accounts.NAME.tariffs.windows]]` entry.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct WindowSpec {
    /// The days the window opens on (`Mon` … `Sun`); every day when absent.
    #[serde(default)]
    pub days: Option<Vec<String>>,
    /// Local opening time, `HH:MM`.
    pub start: String,
    /// Local closing time, `HH:MM`, exclusive; before `start` for a window across midnight
    /// (it then closes the next day).
    pub end: String,
    /// The price per kWh, incl. VAT, of sessions that start in the window.
    pub energy_price: PriceText,
}

impl WindowSpec {
    /// A window from `start` to `end` on every day.
    pub fn new(start: &str, end: &str, energy_price: &str) -> Self {
        WindowSpec {
            days: None,
            start: start.into(),
            end: end.into(),
            energy_price: energy_price.into(),
        }
    }
}

/// What a tariff applies to; the most specific scope wins.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// Sessions authorized with this id tag.
    IdTag(String),
    /// Sessions on this charger.
    Charger(String),
    /// Sessions at this site.
    Site(String),
    /// Every session of the account.
    Account,
}

impl Scope {
    fn label(&self) -> Option<String> {
        match self {
            Scope::IdTag(t) => Some(format!("id_tag:{t}")),
            Scope::Charger(c) => Some(format!("charger:{c}")),
            Scope::Site(s) => Some(format!("site:{s}")),
            Scope::Account => None,
        }
    }
}

/// A time-of-use window of a [`Tariff`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Window {
    /// The days it opens on (all seven when none were given).
    pub days: Vec<Weekday>,
    /// Local opening time.
    pub start: NaiveTime,
    /// Local closing time (exclusive); before `start` across midnight.
    pub end: NaiveTime,
    /// Price per kWh incl. VAT.
    pub energy_price: Decimal,
}

impl Window {
    /// Does a session starting at local `t` start in this window?
    fn contains(&self, t: chrono::NaiveDateTime) -> bool {
        let (day, time) = (t.weekday(), t.time());
        if self.start < self.end {
            self.days.contains(&day) && time >= self.start && time < self.end
        } else {
            (self.days.contains(&day) && time >= self.start)
                || (self.days.contains(&day.pred()) && time < self.end)
        }
    }
}

/// A checked tariff.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Tariff {
    /// Its id in outputs: the `name`, else `ACCOUNT/FROM` (`ACCOUNT/SCOPE/FROM` when scoped).
    pub id: String,
    /// What it applies to.
    pub scope: Scope,
    /// First local day in force.
    pub from: NaiveDate,
    /// First local day no longer in force.
    pub to: Option<NaiveDate>,
    /// The zone of the days and windows.
    pub time_zone: Tz,
    /// ISO 4217 currency.
    pub currency: String,
    /// The currency's minor unit (2 for EUR, 0 for JPY).
    pub minor_unit: u32,
    /// Price per kWh incl. VAT outside every window.
    pub energy_price: Decimal,
    /// VAT rate in percent.
    pub vat_percent: Option<Decimal>,
    /// Price per hour incl. VAT.
    pub time_price: Option<Decimal>,
    /// Fee per session incl. VAT.
    pub flat_fee: Option<Decimal>,
    /// Time-of-use windows, the first that matches wins.
    pub windows: Vec<Window>,
    /// Prices vendor-priced sessions too.
    pub override_vendor: bool,
}

impl Tariff {
    /// Is the tariff in force at `t`?
    pub fn in_force(&self, t: DateTime<Utc>) -> bool {
        let day = t.with_timezone(&self.time_zone).date_naive();
        day >= self.from && self.to.is_none_or(|to| day < to)
    }

    /// The energy price per kWh incl. VAT for a session starting at `t`.
    pub fn energy_price_at(&self, t: DateTime<Utc>) -> Decimal {
        let local = t.with_timezone(&self.time_zone).naive_local();
        self.windows
            .iter()
            .find(|w| w.contains(local))
            .map(|w| w.energy_price)
            .unwrap_or(self.energy_price)
    }

    /// The first instant in force (local midnight of `from`, UTC).
    pub fn starts_at(&self) -> Option<DateTime<Utc>> {
        crate::local_midnight(self.time_zone, self.from)
    }

    /// The first instant no longer in force.
    pub fn ends_at(&self) -> Option<DateTime<Utc>> {
        self.to
            .and_then(|d| crate::local_midnight(self.time_zone, d))
    }

    fn round(&self, v: Decimal) -> Decimal {
        v.round_dp_with_strategy(self.minor_unit, RoundingStrategy::MidpointAwayFromZero)
    }

    /// The amount excl. VAT of an amount incl. VAT, rounded to the minor unit.
    fn excl(&self, incl: Decimal) -> Option<Decimal> {
        let p = self.vat_percent?;
        let divisor = Decimal::ONE + p / Decimal::from(100);
        incl.checked_div(divisor).map(|v| self.round(v))
    }

    /// The price of `session` under this tariff; `None` when a quantity it needs is unknown
    /// (no energy; no end time with a time price) or an amount overflows.
    pub fn price_session(&self, session: &ChargingSession) -> Option<PricedCost> {
        let start = session.started_at?;
        let kwh = session.energy_kwh?;
        let unit = self.energy_price_at(start);
        let mut parts: Vec<(CostKind, &str, Decimal, &str, Decimal)> = Vec::new();
        parts.push((CostKind::Energy, "energy", kwh, "kWh", unit));
        if let Some(p) = self.time_price {
            let end = session.ended_at?;
            let ms = (end - start).num_milliseconds().max(0);
            let hours = Decimal::new(ms, 3).checked_div(Decimal::from(3600))?;
            parts.push((CostKind::Time, "time", hours, "h", p));
        }
        if let Some(f) = self.flat_fee {
            parts.push((CostKind::Flat, "flat fee", Decimal::ONE, "session", f));
        }
        let mut cost = Cost::new(Some(self.currency.clone()));
        cost.vat_percent = self.vat_percent;
        let (mut incl_total, mut excl_total) = (Decimal::ZERO, Decimal::ZERO);
        for (kind, name, quantity, unit_name, unit_price) in parts {
            let incl = self.round(quantity.checked_mul(unit_price)?);
            let excl = self.excl(incl);
            incl_total = incl_total.checked_add(incl)?;
            if let Some(e) = excl {
                excl_total = excl_total.checked_add(e)?;
            }
            let mut c = CostComponent::new(kind);
            c.name = Some(name.to_string());
            c.quantity = Some(if kind == CostKind::Time {
                quantity.round_dp(4).normalize()
            } else {
                quantity
            });
            c.unit = Some(unit_name.to_string());
            c.unit_price = Some(unit_price);
            c.amount_incl_vat = Some(incl);
            c.amount_excl_vat = excl;
            cost.components.push(c);
        }
        cost.total_incl_vat = Some(incl_total);
        if self.vat_percent.is_some() {
            cost.total_excl_vat = Some(excl_total);
            cost.vat_amount = Some(incl_total.checked_sub(excl_total)?);
        }
        Some(PricedCost {
            tariff_id: self.id.clone(),
            energy_price: unit,
            cost,
        })
    }
}

/// A session's cost derived from a tariff.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PricedCost {
    /// The tariff's id.
    pub tariff_id: String,
    /// The energy price per kWh incl. VAT that applied (a window's or the tariff's).
    pub energy_price: Decimal,
    /// The cost: currency, totals, VAT when the tariff has a rate, and one component per part
    /// (energy, time, flat fee) with its quantity, unit price and amounts.
    pub cost: Cost,
}

/// How a session is priced: by the vendor, a tariff, or not at all.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Pricing<'a> {
    /// Which.
    pub source: PriceSource,
    /// The cost that stands (the vendor's, or the tariff's); `None` when unpriced.
    pub cost: Option<Cow<'a, Cost>>,
    /// The tariff's id, when a tariff priced it.
    pub tariff_id: Option<String>,
    /// The energy price per kWh incl. VAT the tariff applied.
    pub energy_price: Option<Decimal>,
}

impl<'a> Pricing<'a> {
    /// The pricing of `session` without tariffs: the vendor's cost when it has any amount,
    /// else none.
    pub fn vendor(session: &'a ChargingSession) -> Pricing<'a> {
        match session.cost.as_ref().filter(|c| !c.has_no_amounts()) {
            Some(c) => Pricing {
                source: PriceSource::Vendor,
                cost: Some(Cow::Borrowed(c)),
                tariff_id: None,
                energy_price: None,
            },
            None => Pricing {
                source: PriceSource::None,
                cost: None,
                tariff_id: None,
                energy_price: None,
            },
        }
    }

    /// The pricing of `session` with the tariffs of `book`, when the account has any.
    pub fn of(session: &'a ChargingSession, book: Option<&TariffBook>) -> Pricing<'a> {
        match book {
            Some(b) => b.pricing(session),
            None => Pricing::vendor(session),
        }
    }
}

/// A session's vendor cost counts when it has a total (excl. or incl. VAT).
fn vendor_priced(session: &ChargingSession) -> bool {
    session
        .cost
        .as_ref()
        .is_some_and(|c| c.total_incl_vat.is_some() || c.total_excl_vat.is_some())
}

/// One account's tariffs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TariffBook {
    account: String,
    tariffs: Vec<Tariff>,
}

/// A tariff refused when the accounts file is read.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TariffError {
    /// The account.
    pub account: String,
    /// The tariff (its id, or its position when the id cannot be made).
    pub tariff: String,
    /// The field (`energy_price`, `windows[0].start`, …).
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for TariffError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "account {:?}: tariff {}: {}: {}",
            self.account, self.tariff, self.field, self.message
        )
    }
}

impl std::error::Error for TariffError {}

/// The days of the week, Monday first.
const WEEK: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

fn day_of(name: &str) -> Option<Weekday> {
    let n = name.trim().to_ascii_lowercase();
    let full = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    WEEK.into_iter()
        .zip(full)
        .find(|(_, f)| n == *f || n == f[..3])
        .map(|(d, _)| d)
}

/// The minor unit (ISO 4217 exponent) of a currency code; `None` for an unknown code or one
/// without a minor unit (gold, SDR …).
///
/// ```
/// use evsessions_export::tariff::minor_unit;
/// assert_eq!(minor_unit("EUR"), Some(2));
/// assert_eq!(minor_unit("JPY"), Some(0));
/// assert_eq!(minor_unit("KWD"), Some(3));
/// assert_eq!(minor_unit("EURO"), None);
/// ```
pub fn minor_unit(code: &str) -> Option<u32> {
    iso_currency::Currency::from_code(code)?
        .exponent()
        .map(u32::from)
}

struct Checker<'a> {
    account: &'a str,
    tariff: String,
}

impl Checker<'_> {
    fn err(&self, field: &str, message: impl Into<String>) -> TariffError {
        TariffError {
            account: self.account.to_string(),
            tariff: self.tariff.clone(),
            field: field.to_string(),
            message: message.into(),
        }
    }

    fn price(&self, field: &str, p: &PriceText) -> Result<Decimal, TariffError> {
        let v = match p {
            PriceText::Text(s) => {
                let t = s.trim();
                let ok = !t.is_empty()
                    && t.bytes()
                        .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-' || b == b'+');
                let v = if ok {
                    Decimal::from_str_exact(t).ok()
                } else {
                    None
                };
                match v {
                    Some(v) if v.is_sign_negative() && !v.is_zero() => {
                        return Err(self.err(field, format!("{s:?} is negative")))
                    }
                    Some(v) => v,
                    None => {
                        return Err(self.err(
                            field,
                            format!("{s:?} is not a decimal number (write e.g. \"0.2852\")"),
                        ))
                    }
                }
            }
            PriceText::Integer(i) if *i < 0 => {
                return Err(self.err(field, format!("{i} is negative")))
            }
            PriceText::Integer(i) => Decimal::from(*i),
            PriceText::Float(f) => {
                return Err(self.err(
                    field,
                    format!("{f} is a TOML float, which is not exact: write it as text, \"{f}\""),
                ))
            }
        };
        Ok(v)
    }

    fn day(&self, field: &str, text: &str) -> Result<NaiveDate, TariffError> {
        NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
            self.err(
                field,
                format!("{text:?} is not a day: write YYYY-MM-DD, e.g. 2025-01-01"),
            )
        })
    }

    fn time(&self, field: &str, text: &str) -> Result<NaiveTime, TariffError> {
        NaiveTime::parse_from_str(text.trim(), "%H:%M").map_err(|_| {
            self.err(
                field,
                format!("{text:?} is not a time: write HH:MM, e.g. 22:00"),
            )
        })
    }
}

impl TariffBook {
    /// Check `specs` and build the tariffs of `account`; `zone` is the account's `time_zone`
    /// (the zone of the tariffs' days and windows unless a tariff names its own).
    pub fn new(account: &str, zone: Tz, specs: Vec<TariffSpec>) -> Result<TariffBook, TariffError> {
        let mut tariffs: Vec<Tariff> = Vec::new();
        for (i, spec) in specs.into_iter().enumerate() {
            let mut c = Checker {
                account,
                tariff: spec
                    .name
                    .clone()
                    .unwrap_or_else(|| format!("#{} (from {:?})", i + 1, spec.from)),
            };
            let scopes: Vec<Scope> = [
                spec.id_tag.clone().map(Scope::IdTag),
                spec.charger.clone().map(Scope::Charger),
                spec.site.clone().map(Scope::Site),
            ]
            .into_iter()
            .flatten()
            .collect();
            if scopes.len() > 1 {
                return Err(c.err(
                    "site/charger/id_tag",
                    "a tariff has at most one scope: give one of site, charger or id_tag",
                ));
            }
            let scope = scopes.into_iter().next().unwrap_or(Scope::Account);
            if let Scope::IdTag(v) | Scope::Charger(v) | Scope::Site(v) = &scope {
                if v.trim().is_empty() {
                    return Err(c.err("site/charger/id_tag", "is empty"));
                }
            }
            let id = match &spec.name {
                Some(n) if n.trim().is_empty() => return Err(c.err("name", "is empty")),
                Some(n) => n.clone(),
                None => match scope.label() {
                    Some(l) => format!("{account}/{l}/{}", spec.from.trim()),
                    None => format!("{account}/{}", spec.from.trim()),
                },
            };
            c.tariff = id.clone();
            if tariffs.iter().any(|t| t.id == id) {
                return Err(c.err("name", "another tariff of the account has this id"));
            }
            let from = c.day("from", &spec.from)?;
            let to = spec.to.as_deref().map(|t| c.day("to", t)).transpose()?;
            if let Some(to) = to {
                if to <= from {
                    return Err(c.err("to", format!("{to} is not after `from` ({from})")));
                }
            }
            let time_zone = match &spec.time_zone {
                Some(z) => z.parse::<Tz>().map_err(|_| {
                    c.err(
                        "time_zone",
                        format!(
                            "{z:?} is not a time zone: use an IANA name such as Europe/Brussels"
                        ),
                    )
                })?,
                None => zone,
            };
            let currency = spec.currency.trim().to_string();
            let minor_unit = minor_unit(&currency).ok_or_else(|| {
                c.err(
                    "currency",
                    format!("{currency:?} is not an ISO 4217 currency with a minor unit (EUR, SEK, CZK …)"),
                )
            })?;
            let energy_price = c.price("energy_price", &spec.energy_price)?;
            let vat_percent = spec
                .vat_percent
                .as_ref()
                .map(|p| c.price("vat_percent", p))
                .transpose()?;
            let time_price = spec
                .time_price
                .as_ref()
                .map(|p| c.price("time_price", p))
                .transpose()?;
            let flat_fee = spec
                .flat_fee
                .as_ref()
                .map(|p| c.price("flat_fee", p))
                .transpose()?;
            let mut windows = Vec::new();
            for (j, w) in spec.windows.iter().enumerate() {
                let f = |name: &str| format!("windows[{j}].{name}");
                let start = c.time(&f("start"), &w.start)?;
                let end = c.time(&f("end"), &w.end)?;
                if start == end {
                    return Err(c.err(
                        &f("end"),
                        format!("the window opens and closes at {}: it would be empty (or the whole day: then leave it out)", w.start.trim()),
                    ));
                }
                let days = match &w.days {
                    None => WEEK.to_vec(),
                    Some(names) if names.is_empty() => {
                        return Err(c.err(&f("days"), "is empty: name the days, or leave it out for every day"))
                    }
                    Some(names) => names
                        .iter()
                        .map(|n| {
                            day_of(n).ok_or_else(|| {
                                c.err(
                                    &f("days"),
                                    format!("{n:?} is not a day: use Mon, Tue, Wed, Thu, Fri, Sat or Sun"),
                                )
                            })
                        })
                        .collect::<Result<Vec<_>, _>>()?,
                };
                windows.push(Window {
                    days,
                    start,
                    end,
                    energy_price: c.price(&f("energy_price"), &w.energy_price)?,
                });
            }
            let tariff = Tariff {
                id,
                scope,
                from,
                to,
                time_zone,
                currency,
                minor_unit,
                energy_price,
                vat_percent,
                time_price,
                flat_fee,
                windows,
                override_vendor: spec.override_vendor,
            };
            if let Some(other) = tariffs
                .iter()
                .find(|t| t.scope == tariff.scope && overlap(t, &tariff))
            {
                return Err(c.err(
                    "from/to",
                    format!(
                        "its period ({}) overlaps that of tariff {} ({}) of the same scope",
                        period(&tariff),
                        other.id,
                        period(other)
                    ),
                ));
            }
            tariffs.push(tariff);
        }
        Ok(TariffBook {
            account: account.to_string(),
            tariffs,
        })
    }

    /// The account.
    pub fn account(&self) -> &str {
        &self.account
    }

    /// The tariffs, in the file's order.
    pub fn tariffs(&self) -> &[Tariff] {
        &self.tariffs
    }

    /// The tariff with this id.
    pub fn tariff(&self, id: &str) -> Option<&Tariff> {
        self.tariffs.iter().find(|t| t.id == id)
    }

    /// The tariff that applies to `session`: of the most specific scope that has one in force
    /// at its start (id tag, then charger, then site, then the account).
    pub fn tariff_for(&self, session: &ChargingSession) -> Option<&Tariff> {
        let start = session.started_at?;
        let tag = session
            .authorization
            .as_ref()
            .and_then(|a| a.id_tag.clone());
        let site = session.site.as_ref().and_then(|s| s.id.clone());
        let scopes = [
            tag.map(Scope::IdTag),
            session.charger.id.clone().map(Scope::Charger),
            site.map(Scope::Site),
            Some(Scope::Account),
        ];
        scopes.into_iter().flatten().find_map(|scope| {
            self.tariffs
                .iter()
                .find(|t| t.scope == scope && t.in_force(start))
        })
    }

    /// The tariff cost of `session`; `None` when the vendor's cost stands (it has a total and
    /// the tariff does not say `override`), when no tariff is in force for it, or when a
    /// quantity the tariff needs is unknown (its energy; its end, with a time price).
    pub fn price(&self, session: &ChargingSession) -> Option<PricedCost> {
        let tariff = self.tariff_for(session)?;
        if vendor_priced(session) && !tariff.override_vendor {
            return None;
        }
        tariff.price_session(session)
    }

    /// How `session` is priced: the tariff's cost ([`TariffBook::price`]), else the vendor's
    /// when it has any amount, else none.
    pub fn pricing<'a>(&self, session: &'a ChargingSession) -> Pricing<'a> {
        match self.price(session) {
            Some(p) => Pricing {
                source: PriceSource::Tariff,
                cost: Some(Cow::Owned(p.cost)),
                tariff_id: Some(p.tariff_id),
                energy_price: Some(p.energy_price),
            },
            None => Pricing::vendor(session),
        }
    }
}

fn overlap(a: &Tariff, b: &Tariff) -> bool {
    let before = |end: Option<NaiveDate>, start: NaiveDate| end.is_some_and(|e| e <= start);
    !(before(a.to, b.from) || before(b.to, a.from))
}

fn period(t: &Tariff) -> String {
    match t.to {
        Some(to) => format!("{} to {to}", t.from),
        None => format!("from {}", t.from),
    }
}
