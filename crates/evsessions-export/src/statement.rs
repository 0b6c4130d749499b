//! Monthly statements: per driver, id tag, site, charger or account, the sessions of a month
//! cut in a named time zone, with exact kWh and money per currency.
//!
//! ```
//! use evsessions_core::{ChargingSession, SessionStatus, SourceKind};
//! use evsessions_export::statement::{GroupBy, Statement, StatementOptions};
//!
//! let mut s = ChargingSession::new(SourceKind::new("emabler"), "1", serde_json::json!({}));
//! s.status = SessionStatus::Completed;
//! s.started_at = Some("2025-03-31T22:30:00Z".parse().unwrap()); // April 1st in Helsinki
//! s.energy_kwh = Some("12.5".parse().unwrap());
//! let march = StatementOptions::new("2025-03".parse().unwrap())
//!     .time_zone("Europe/Helsinki".parse().unwrap())
//!     .group_by(GroupBy::Charger);
//! let st = Statement::build([s.clone()], &march).unwrap();
//! assert_eq!(st.billed_sessions(), 0);
//! let april = march.clone().month("2025-04".parse().unwrap());
//! let st = Statement::build([s], &april).unwrap();
//! assert_eq!(st.groups[0].energy_kwh.to_string(), "12.5");
//! assert_eq!(st.groups[0].key, "(none)"); // no charger id: kept, in a named group
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;
use evsessions_core::{ChargingSession, SessionStatus};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::tariff::{PriceSource, Pricing, TariffBook};
use crate::ExportError;

/// The group of a session without the key (no driver, no tag …): named, never dropped.
pub const NO_KEY: &str = "(none)";
/// The currency of amounts that came without one.
pub const NO_CURRENCY: &str = "(no currency)";

/// A calendar month, `2025-03`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct YearMonth {
    /// The year.
    pub year: i32,
    /// The month, 1–12.
    pub month: u32,
}

impl FromStr for YearMonth {
    type Err = ExportError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || ExportError::Invalid {
            message: format!("{s:?} is not a month: write YYYY-MM, e.g. 2025-03"),
        };
        let (y, m) = s.trim().split_once('-').ok_or_else(bad)?;
        let year: i32 = y.parse().map_err(|_| bad())?;
        let month: u32 = m.parse().map_err(|_| bad())?;
        if y.len() != 4 || !(1..=12).contains(&month) {
            return Err(bad());
        }
        Ok(YearMonth { year, month })
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl YearMonth {
    fn first_day(&self) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(self.year, self.month, 1)
    }
    fn next(&self) -> YearMonth {
        if self.month == 12 {
            YearMonth {
                year: self.year.saturating_add(1),
                month: 1,
            }
        } else {
            YearMonth {
                year: self.year,
                month: self.month + 1,
            }
        }
    }
    /// The month as the half-open UTC interval `[start, end)` of its days in `zone`.
    pub fn bounds(&self, zone: Tz) -> Result<(DateTime<Utc>, DateTime<Utc>), ExportError> {
        let local_midnight = |m: YearMonth| -> Result<DateTime<Utc>, ExportError> {
            let day = m.first_day().ok_or_else(|| ExportError::Invalid {
                message: format!("{m} is out of range"),
            })?;
            // Midnight can fall in a DST gap in a few zones: the first instant after it.
            crate::local_midnight(zone, day).ok_or_else(|| ExportError::Invalid {
                message: format!("midnight of {m}-01 does not exist in {zone}"),
            })
        };
        Ok((local_midnight(*self)?, local_midnight(self.next())?))
    }
}

/// What a statement groups by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum GroupBy {
    /// The driver: `authorization.user_id`, else `user_name`, else the id tag (where the
    /// vendor names no user, as Smappee, the card is the driver).
    #[default]
    Driver,
    /// The RFID / id tag.
    IdTag,
    /// The site id.
    Site,
    /// The charger id.
    Charger,
    /// The account the session was synced under.
    Account,
}

impl FromStr for GroupBy {
    type Err = ExportError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "driver" | "user" => Ok(GroupBy::Driver),
            "id-tag" | "idtag" | "tag" | "rfid" => Ok(GroupBy::IdTag),
            "site" => Ok(GroupBy::Site),
            "charger" => Ok(GroupBy::Charger),
            "account" => Ok(GroupBy::Account),
            other => Err(ExportError::Invalid {
                message: format!(
                    "cannot group by {other:?}: use driver, id-tag, site, charger or account"
                ),
            }),
        }
    }
}

impl GroupBy {
    /// The name used on the command line and in outputs.
    pub fn as_str(&self) -> &'static str {
        match self {
            GroupBy::Driver => "driver",
            GroupBy::IdTag => "id-tag",
            GroupBy::Site => "site",
            GroupBy::Charger => "charger",
            GroupBy::Account => "account",
        }
    }

    fn key(&self, item: &StatementItem) -> Option<String> {
        let s = &item.session;
        let auth = s.authorization.as_ref();
        match self {
            GroupBy::Driver => auth.and_then(|a| {
                a.user_id
                    .clone()
                    .or_else(|| a.user_name.clone())
                    .or_else(|| a.id_tag.clone())
            }),
            GroupBy::IdTag => auth.and_then(|a| a.id_tag.clone()),
            GroupBy::Site => s.site.as_ref().and_then(|x| x.id.clone()),
            GroupBy::Charger => s.charger.id.clone(),
            GroupBy::Account => item.account.clone(),
        }
    }
}

/// How to build a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StatementOptions {
    /// The month.
    pub month: YearMonth,
    /// The zone the month is cut in (default UTC).
    pub time_zone: Tz,
    /// The grouping (default [`GroupBy::Driver`]).
    pub group_by: GroupBy,
    /// The tariffs that price what the vendors did not, one book per account (none by
    /// default).
    pub tariffs: Vec<TariffBook>,
}

impl StatementOptions {
    /// A statement of `month`, in UTC, by driver.
    pub fn new(month: YearMonth) -> Self {
        StatementOptions {
            month,
            time_zone: Tz::UTC,
            group_by: GroupBy::Driver,
            tariffs: Vec::new(),
        }
    }
    /// Set the month.
    pub fn month(mut self, month: YearMonth) -> Self {
        self.month = month;
        self
    }
    /// Set the time zone.
    pub fn time_zone(mut self, zone: Tz) -> Self {
        self.time_zone = zone;
        self
    }
    /// Set the grouping.
    pub fn group_by(mut self, by: GroupBy) -> Self {
        self.group_by = by;
        self
    }
    /// Price the unpriced sessions of `book.account()` with its tariffs (a session without
    /// an account, as from a plain iterator of sessions, is priced by the first book given).
    pub fn tariffs(mut self, book: TariffBook) -> Self {
        self.tariffs.push(book);
        self
    }

    fn book(&self, account: Option<&str>) -> Option<&TariffBook> {
        match account {
            Some(a) => self.tariffs.iter().find(|b| b.account() == a),
            None => self.tariffs.first(),
        }
    }
}

/// One session to put on a statement, with the account it belongs to (for `--by account`).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct StatementItem {
    /// The account, when known.
    pub account: Option<String>,
    /// The session.
    pub session: ChargingSession,
}

impl StatementItem {
    /// A session of an account.
    pub fn new(account: Option<String>, session: ChargingSession) -> Self {
        StatementItem { account, session }
    }
}

impl From<ChargingSession> for StatementItem {
    fn from(session: ChargingSession) -> Self {
        StatementItem {
            account: None,
            session,
        }
    }
}

/// Sums of the amounts of some sessions of one currency.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[non_exhaustive]
pub struct Amounts {
    /// The sessions summed.
    pub sessions: u64,
    /// Sum of `total_excl_vat`.
    pub excl_vat: Decimal,
    /// Sum of `vat_amount`.
    pub vat: Decimal,
    /// Sum of `total_incl_vat`.
    pub incl_vat: Decimal,
    /// Sessions that lack one of the three amounts (their known amounts are summed; the
    /// missing one is not invented).
    pub incomplete: u64,
}

impl Amounts {
    fn add(&mut self, c: &evsessions_core::Cost) -> Result<(), ExportError> {
        self.sessions += 1;
        let mut complete = true;
        for (sum, part) in [
            (&mut self.excl_vat, c.total_excl_vat),
            (&mut self.vat, c.vat_amount),
            (&mut self.incl_vat, c.total_incl_vat),
        ] {
            match part {
                Some(v) => *sum = sum.checked_add(v).ok_or_else(overflow)?,
                None => complete = false,
            }
        }
        if !complete {
            self.incomplete += 1;
        }
        Ok(())
    }
}

/// Money of one currency in a group: the sums of every priced session's amounts, and the
/// same apart for the vendors' prices and the tariffs'.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct MoneyTotal {
    /// ISO 4217 code, or [`NO_CURRENCY`].
    pub currency: String,
    /// Every priced session in this currency, whoever priced it.
    #[serde(flatten)]
    pub total: Amounts,
    /// The sessions the vendor priced.
    pub vendor: Amounts,
    /// The sessions a tariff priced.
    pub tariff: Amounts,
}

/// One session on a statement, with its times in the statement's zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Line {
    /// The account, when known.
    pub account: Option<String>,
    /// The vendor.
    pub source: String,
    /// The session id.
    pub id: String,
    /// The status.
    pub status: SessionStatus,
    /// The charger id.
    pub charger: Option<String>,
    /// Start in the statement's zone (RFC 3339 with offset).
    pub start: Option<String>,
    /// End in the statement's zone.
    pub end: Option<String>,
    /// Energy.
    pub energy_kwh: Option<Decimal>,
    /// Currency of the cost.
    pub currency: Option<String>,
    /// Cost excluding VAT.
    pub excl_vat: Option<Decimal>,
    /// VAT.
    pub vat: Option<Decimal>,
    /// Cost including VAT.
    pub incl_vat: Option<Decimal>,
    /// No amount at all, neither from the vendor nor from a tariff.
    pub unpriced: bool,
    /// Who priced it: `vendor`, `tariff` or `none`.
    pub price_source: PriceSource,
    /// The tariff that priced it.
    pub tariff_id: Option<String>,
    /// The tariff's energy price per kWh incl. VAT that applied.
    pub energy_price: Option<Decimal>,
    /// Day of the month (in the zone) the session started on.
    #[serde(skip)]
    pub day: u32,
}

/// One group of a statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Group {
    /// The key (driver, tag, site, charger or account), or [`NO_KEY`].
    pub key: String,
    /// Billed sessions: completed, started in the month.
    pub sessions: u64,
    /// Their energy.
    pub energy_kwh: Decimal,
    /// Billed sessions whose energy is unknown (not counted as 0).
    pub unknown_energy: u64,
    /// Their duration in seconds (start to end, where both are known).
    pub duration_seconds: i64,
    /// Money per currency, never summed across currencies.
    pub money: Vec<MoneyTotal>,
    /// Billed sessions that neither the vendor nor a tariff priced: counted and flagged, not
    /// zero.
    pub unpriced: u64,
    /// The ids of the tariffs that priced billed sessions of the group.
    pub tariffs: Vec<String>,
    /// kWh per day of the month (index 0 = day 1), for the chart.
    pub kwh_per_day: Vec<Decimal>,
    /// The billed sessions.
    pub lines: Vec<Line>,
    /// Sessions not completed (active, pending, reservation, unknown): listed apart, not
    /// billed.
    pub open: Vec<Line>,
}

/// A monthly statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Statement {
    /// The month.
    pub month: String,
    /// The zone it was cut in.
    pub time_zone: String,
    /// What it groups by.
    pub group_by: GroupBy,
    /// First instant of the month (UTC).
    pub period_start: DateTime<Utc>,
    /// First instant after it (UTC).
    pub period_end: DateTime<Utc>,
    /// The groups, by key.
    pub groups: Vec<Group>,
    /// Sessions of the month that the vendor marked invalid: not billed.
    pub invalid_excluded: u64,
}

fn local(t: Option<DateTime<Utc>>, zone: Tz) -> Option<String> {
    t.map(|t| {
        t.with_timezone(&zone)
            .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false)
    })
}

impl Statement {
    /// Build the statement of `options.month` from any sessions: those that start in the month
    /// (in the zone, half-open) are kept; completed ones are billed, the others listed apart,
    /// invalid ones counted.
    pub fn build<I, T>(items: I, options: &StatementOptions) -> Result<Statement, ExportError>
    where
        I: IntoIterator<Item = T>,
        T: Into<StatementItem>,
    {
        let zone = options.time_zone;
        let (start, end) = options.month.bounds(zone)?;
        let days = u32::try_from((end - start).num_hours().div_euclid(24).max(28)).unwrap_or(31);
        let mut groups: BTreeMap<String, Group> = BTreeMap::new();
        let mut invalid = 0u64;
        for item in items {
            let item: StatementItem = item.into();
            let s = &item.session;
            let Some(t) = s.started_at else { continue };
            if t < start || t >= end {
                continue;
            }
            if s.status == SessionStatus::Invalid {
                invalid += 1;
                continue;
            }
            let key = options
                .group_by
                .key(&item)
                .filter(|k| !k.trim().is_empty())
                .unwrap_or_else(|| NO_KEY.to_string());
            let group = groups.entry(key.clone()).or_insert_with(|| Group {
                key,
                sessions: 0,
                energy_kwh: Decimal::ZERO,
                unknown_energy: 0,
                duration_seconds: 0,
                money: Vec::new(),
                unpriced: 0,
                tariffs: Vec::new(),
                kwh_per_day: vec![Decimal::ZERO; days as usize],
                lines: Vec::new(),
                open: Vec::new(),
            });
            let pricing = Pricing::of(s, options.book(item.account.as_deref()));
            let cost = pricing.cost.as_deref();
            let unpriced = pricing.source == PriceSource::None;
            let day = t.with_timezone(&zone).day();
            let line = Line {
                account: item.account.clone(),
                source: s.source.to_string(),
                id: s.id.clone(),
                status: s.status,
                charger: s.charger.id.clone(),
                start: local(s.started_at, zone),
                end: local(s.ended_at, zone),
                energy_kwh: s.energy_kwh,
                currency: cost.and_then(|c| c.currency.clone()),
                excl_vat: cost.and_then(|c| c.total_excl_vat),
                vat: cost.and_then(|c| c.vat_amount),
                incl_vat: cost.and_then(|c| c.total_incl_vat),
                unpriced,
                price_source: pricing.source,
                tariff_id: pricing.tariff_id.clone(),
                energy_price: pricing.energy_price,
                day,
            };
            if s.status != SessionStatus::Completed {
                group.open.push(line);
                continue;
            }
            group.sessions += 1;
            match s.energy_kwh {
                Some(e) => {
                    group.energy_kwh = group.energy_kwh.checked_add(e).ok_or_else(overflow)?;
                    if let Some(slot) = group.kwh_per_day.get_mut(day.saturating_sub(1) as usize) {
                        *slot = slot.checked_add(e).ok_or_else(overflow)?;
                    }
                }
                None => group.unknown_energy += 1,
            }
            if let (Some(a), Some(b)) = (s.started_at, s.ended_at) {
                if b > a {
                    group.duration_seconds =
                        group.duration_seconds.saturating_add((b - a).num_seconds());
                }
            }
            if unpriced {
                group.unpriced += 1;
            } else if let Some(c) = cost {
                let currency = c
                    .currency
                    .clone()
                    .unwrap_or_else(|| NO_CURRENCY.to_string());
                let total = match group.money.iter().position(|m| m.currency == currency) {
                    Some(i) => &mut group.money[i],
                    None => {
                        group.money.push(MoneyTotal {
                            currency,
                            total: Amounts::default(),
                            vendor: Amounts::default(),
                            tariff: Amounts::default(),
                        });
                        let last = group.money.len() - 1;
                        &mut group.money[last]
                    }
                };
                total.total.add(c)?;
                match pricing.source {
                    PriceSource::Tariff => total.tariff.add(c)?,
                    _ => total.vendor.add(c)?,
                }
                if let Some(id) = &pricing.tariff_id {
                    if let Err(at) = group.tariffs.binary_search(id) {
                        group.tariffs.insert(at, id.clone());
                    }
                }
            }
            group.lines.push(line);
        }
        let mut groups: Vec<Group> = groups.into_values().collect();
        for g in &mut groups {
            g.money.sort_by(|a, b| a.currency.cmp(&b.currency));
            g.lines
                .sort_by(|a, b| (&a.start, &a.id).cmp(&(&b.start, &b.id)));
            g.open
                .sort_by(|a, b| (&a.start, &a.id).cmp(&(&b.start, &b.id)));
        }
        Ok(Statement {
            month: options.month.to_string(),
            time_zone: zone.name().to_string(),
            group_by: options.group_by,
            period_start: start,
            period_end: end,
            groups,
            invalid_excluded: invalid,
        })
    }

    /// Billed sessions over all groups.
    pub fn billed_sessions(&self) -> u64 {
        self.groups.iter().map(|g| g.sessions).sum()
    }
}

fn overflow() -> ExportError {
    ExportError::Invalid {
        message: "a sum does not fit an exact decimal (amounts beyond 7.9e28)".into(),
    }
}
