//! Time parsing shared by the vendor crates: RFC 3339 with any offset, .NET forms (zoneless
//! local times read in a configured zone, 0–7 fractional digits, `/Date(ms)/`), the .NET
//! `DateTime.MinValue` sentinel, and Unix epoch seconds and milliseconds.

use chrono::{DateTime, LocalResult, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// Why a timestamp could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    /// The text is not a timestamp in any accepted form.
    #[error("{0:?} is not a timestamp (expected RFC 3339, a zoneless ISO 8601 local time, or /Date(ms)/)")]
    Unparseable(String),
    /// A zoneless local time that does not exist in the zone (skipped by a DST change).
    #[error("{text:?} does not exist in time zone {zone} (skipped by a daylight-saving change)")]
    NonExistent {
        /// The text as given.
        text: String,
        /// The zone it was read in.
        zone: String,
    },
    /// An epoch value out of the representable range.
    #[error("epoch value {0} is out of range")]
    OutOfRange(i64),
}

/// True for the .NET `DateTime.MinValue` "never" sentinel (`0001-01-01T00:00:00…`).
pub fn is_dotnet_min_value(text: &str) -> bool {
    text.trim().starts_with("0001-01-01")
}

/// Parse a vendor timestamp into a UTC instant.
///
/// Accepts RFC 3339 with `Z` or an offset, a zoneless local time (read in `zone`, daylight
/// saving respected; for the hour repeated when clocks go back the earlier instant is taken),
/// 0 to 9 fractional digits, and the legacy `/Date(1715612744207)/` (optionally with an
/// offset suffix, which does not change the instant). Empty text and the .NET
/// `0001-01-01T00:00:00` sentinel are `Ok(None)`.
///
/// ```
/// use evsessions_core::time::parse_timestamp;
/// let prague: chrono_tz::Tz = "Europe/Prague".parse().unwrap();
/// let summer = parse_timestamp("2024-05-13T17:05:44.207", prague).unwrap().unwrap();
/// assert_eq!(summer.to_rfc3339(), "2024-05-13T15:05:44.207+00:00");
/// let winter = parse_timestamp("2024-01-13T17:05:44", prague).unwrap().unwrap();
/// assert_eq!(winter.to_rfc3339(), "2024-01-13T16:05:44+00:00");
/// assert_eq!(parse_timestamp("0001-01-01T00:00:00Z", prague).unwrap(), None);
/// ```
pub fn parse_timestamp(text: &str, zone: Tz) -> Result<Option<DateTime<Utc>>, TimeError> {
    let t = text.trim();
    if t.is_empty() || is_dotnet_min_value(t) {
        return Ok(None);
    }
    if let Some(inner) = t.strip_prefix("/Date(").and_then(|r| r.strip_suffix(")/")) {
        // `/Date(ms)/` or `/Date(ms+0100)/`: the number is always UTC milliseconds.
        let digits_end = inner
            .char_indices()
            .skip(1)
            .find(|(_, c)| *c == '+' || *c == '-')
            .map(|(i, _)| i)
            .unwrap_or(inner.len());
        let ms: i64 = inner[..digits_end]
            .parse()
            .map_err(|_| TimeError::Unparseable(text.to_string()))?;
        return from_epoch_millis(ms).map(Some);
    }
    // The two common forms, `2024-05-13T17:05:44.207` (zoneless, .NET's) and the same with
    // `Z`, read digit by digit; anything else (or an invalid date) takes the general path
    // below, which reads these forms to the same instant.
    if let Some((naive, utc)) = plain_iso(t) {
        return if utc {
            Ok(Some(naive.and_utc()))
        } else {
            local_to_utc(naive, zone, t).map(Some)
        };
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Ok(Some(dt.with_timezone(&Utc)));
    }
    // The common zoneless form (`2024-05-13T17:05:44.207`, .NET's), read without interpreting
    // format strings: those below are the slow path for the rarer forms.
    if let Ok(naive) = t.parse::<NaiveDateTime>() {
        return local_to_utc(naive, zone, t).map(Some);
    }
    // RFC 3339 demands a 'T'; some servers write a space. Offsets without a colon (+0100) too.
    for fmt in [
        "%Y-%m-%d %H:%M:%S%.f%:z",
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M:%S%.fZ",
    ] {
        if let Ok(dt) = DateTime::parse_from_str(t, fmt) {
            return Ok(Some(dt.with_timezone(&Utc)));
        }
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(t, fmt) {
            return local_to_utc(naive, zone, t).map(Some);
        }
    }
    Err(TimeError::Unparseable(text.to_string()))
}

/// `YYYY-MM-DDTHH:MM:SS`, optionally `.` and 1–9 fractional digits, optionally `Z` (then
/// `true`): exactly this form with a valid date and a second below 60, else `None`.
fn plain_iso(t: &str) -> Option<(NaiveDateTime, bool)> {
    let b = t.as_bytes();
    let (b, utc) = match b {
        [rest @ .., b'Z'] => (rest, true),
        _ => (b, false),
    };
    if b.len() < 19
        || !matches!(
            (b[4], b[7], b[10], b[13], b[16]),
            (b'-', b'-', b'T', b':', b':')
        )
    {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<u32> {
        b.get(from..to)?.iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let year = i32::try_from(num(0, 4)?).ok()?;
    let (month, day) = (num(5, 7)?, num(8, 10)?);
    let (hour, minute, second) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    let nanos = match b.get(19..) {
        Some([]) => 0,
        Some([b'.', digits @ ..]) if (1..=9).contains(&digits.len()) => {
            let n = num(20, b.len())?;
            n * 10u32.pow(9 - u32::try_from(digits.len()).ok()?)
        }
        _ => return None,
    };
    if second > 59 {
        return None;
    }
    let date = chrono::NaiveDate::from_ymd_opt(year, month, day)?;
    let time = chrono::NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)?;
    Some((NaiveDateTime::new(date, time), utc))
}

/// A zoneless local time in `zone` as a UTC instant (the earlier one when ambiguous).
///
/// The zone's offset for a local day is remembered (per thread, for the last days asked, 32
/// at most) when the whole day has that one offset, as all but a few days a year do: a
/// zone's own lookup searches its transitions and both sides of each, for every time.
pub fn local_to_utc(
    naive: NaiveDateTime,
    zone: Tz,
    text: &str,
) -> Result<DateTime<Utc>, TimeError> {
    use chrono::Datelike;
    let date = naive.date();
    let slot = date.num_days_from_ce().rem_euclid(DAYS_REMEMBERED as i32) as usize;
    let known = DAYS.with(|d| d.borrow().get(slot).copied().flatten());
    if let Some((z, day, offset)) = known {
        if z == zone && day == date {
            // As the zone converts a single local time: the local time minus its offset.
            if let Some(utc) = naive.checked_sub_offset(offset) {
                return Ok(utc.and_utc());
            }
        }
    }
    let utc = zone_to_utc(naive, zone, text)?;
    if let Some(offset) = whole_day_offset(date, zone) {
        DAYS.with(|d| {
            if let Some(s) = d.borrow_mut().get_mut(slot) {
                *s = Some((zone, date, offset));
            }
        });
    }
    Ok(utc)
}

/// How many local days [`local_to_utc`] remembers.
const DAYS_REMEMBERED: usize = 32;

/// A remembered day: the zone, the local date, and its one offset.
type KnownDay = Option<(Tz, chrono::NaiveDate, chrono::FixedOffset)>;

thread_local! {
    /// The local days [`local_to_utc`] found to have one offset all through, by day number.
    static DAYS: std::cell::RefCell<[KnownDay; DAYS_REMEMBERED]> =
        const { std::cell::RefCell::new([None; DAYS_REMEMBERED]) };
}

/// The offset of the local day `date` in `zone` when its first and last instants both exist
/// once with the same offset: no transition falls inside the day (a zone's transitions are
/// months apart, never two in a day).
fn whole_day_offset(date: chrono::NaiveDate, zone: Tz) -> Option<chrono::FixedOffset> {
    use chrono::Offset;
    let start = date.and_hms_opt(0, 0, 0)?;
    let end = date.and_hms_nano_opt(23, 59, 59, 999_999_999)?;
    let offset = |t: NaiveDateTime| match zone.offset_from_local_datetime(&t) {
        LocalResult::Single(o) => Some(o.fix()),
        _ => None,
    };
    let first = offset(start)?;
    (offset(end)? == first).then_some(first)
}

/// [`local_to_utc`] without the remembered days.
fn zone_to_utc(naive: NaiveDateTime, zone: Tz, text: &str) -> Result<DateTime<Utc>, TimeError> {
    match zone.from_local_datetime(&naive) {
        LocalResult::Single(t) => Ok(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(earliest, _) => Ok(earliest.with_timezone(&Utc)),
        LocalResult::None => Err(TimeError::NonExistent {
            text: text.to_string(),
            zone: zone.name().to_string(),
        }),
    }
}

/// Unix epoch milliseconds as a UTC instant.
///
/// ```
/// use evsessions_core::time::from_epoch_millis;
/// assert_eq!(from_epoch_millis(1_748_622_045_000).unwrap().to_rfc3339(), "2025-05-30T16:20:45+00:00");
/// assert!(from_epoch_millis(i64::MAX).is_err());
/// ```
pub fn from_epoch_millis(ms: i64) -> Result<DateTime<Utc>, TimeError> {
    // What `DateTime::from_timestamp_millis` computes, with the date of the day looked up
    // once for a run of times on the same day (the sessions of a page mostly are).
    let nanos = u32::try_from(ms.rem_euclid(1000)).unwrap_or(0) * 1_000_000;
    from_epoch(ms.div_euclid(1000), nanos).ok_or(TimeError::OutOfRange(ms))
}

/// `DateTime::from_timestamp(secs, nanos)`, through [`epoch_day`].
fn from_epoch(secs: i64, nanos: u32) -> Option<DateTime<Utc>> {
    let secs_of_day = u32::try_from(secs.rem_euclid(86_400)).unwrap_or(0);
    epoch_day(secs.div_euclid(86_400))
        .zip(chrono::NaiveTime::from_num_seconds_from_midnight_opt(
            secs_of_day,
            nanos,
        ))
        .map(|(date, time)| NaiveDateTime::new(date, time).and_utc())
}

/// Epoch days [`epoch_day`] remembers, each in slot `days % EPOCH_DAYS_REMEMBERED`.
const EPOCH_DAYS_REMEMBERED: usize = 16;

thread_local! {
    /// The days [`epoch_day`] computed last, on this thread, by day number.
    static EPOCH_DAYS: std::cell::RefCell<[Option<(i64, chrono::NaiveDate)>; EPOCH_DAYS_REMEMBERED]> =
        const { std::cell::RefCell::new([None; EPOCH_DAYS_REMEMBERED]) };
}

/// The date `days` days after 1970-01-01, `None` outside chrono's range.
fn epoch_day(days: i64) -> Option<chrono::NaiveDate> {
    let slot = usize::try_from(days.rem_euclid(EPOCH_DAYS_REMEMBERED as i64)).unwrap_or(0);
    let known = EPOCH_DAYS.with(|d| d.borrow().get(slot).copied().flatten());
    if let Some((d, date)) = known {
        if d == days {
            return Some(date);
        }
    }
    let date = i32::try_from(days)
        .ok()
        .and_then(|d| d.checked_add(719_163))
        .and_then(chrono::NaiveDate::from_num_days_from_ce_opt)?;
    EPOCH_DAYS.with(|d| {
        if let Some(s) = d.borrow_mut().get_mut(slot) {
            *s = Some((days, date));
        }
    });
    Some(date)
}

/// Unix epoch seconds as a UTC instant.
pub fn from_epoch_seconds(s: i64) -> Result<DateTime<Utc>, TimeError> {
    from_epoch(s, 0).ok_or(TimeError::OutOfRange(s))
}

/// Parse the CLI's time argument: RFC 3339, or `YYYY-MM-DD` meaning UTC midnight.
///
/// ```
/// use evsessions_core::time::parse_cli_time;
/// assert_eq!(parse_cli_time("2025-06-01").unwrap().to_rfc3339(), "2025-06-01T00:00:00+00:00");
/// assert!(parse_cli_time("June").is_err());
/// ```
pub fn parse_cli_time(text: &str) -> Result<DateTime<Utc>, TimeError> {
    let t = text.trim();
    if let Ok(d) = chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        if let Some(dt) = d.and_hms_opt(0, 0, 0) {
            return Ok(dt.and_utc());
        }
    }
    DateTime::parse_from_rfc3339(t)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|_| TimeError::Unparseable(text.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prague() -> Tz {
        chrono_tz::Europe::Prague
    }
    fn p(text: &str) -> Option<String> {
        parse_timestamp(text, prague())
            .unwrap()
            .map(|t| crate::serde_util::format_utc(&t))
    }

    #[test]
    fn epoch_times_read_as_chrono_reads_them() {
        let mut cases = vec![
            0,
            -1,
            1,
            999,
            -999,
            -1000,
            86_399_999,
            86_400_000,
            -86_400_000,
            -86_400_001,
            1_748_622_045_000,
            1_748_631_731_000,
            i64::MAX,
            i64::MIN,
            i64::MAX / 1000,
            i64::MIN / 1000,
            8_210_266_876_799_999,
            8_210_266_876_800_000,
            -8_334_601_228_800_000,
            -8_334_601_228_800_001,
        ];
        // A walk over days and times of day, forwards and back, in steps of odd size.
        let mut t: i64 = -5_000_000_000_000;
        while t < 5_000_000_000_000 {
            cases.push(t);
            t += 3_937_812_345;
        }
        cases.extend(
            cases
                .clone()
                .into_iter()
                .rev()
                .map(|c| c.wrapping_add(43_200_017)),
        );
        for ms in cases {
            assert_eq!(
                from_epoch_millis(ms).ok(),
                DateTime::from_timestamp_millis(ms),
                "{ms}"
            );
            assert_eq!(
                from_epoch_seconds(ms).ok(),
                DateTime::from_timestamp(ms, 0),
                "{ms} s"
            );
        }
    }

    #[test]
    fn the_remembered_day_converts_as_the_zone_does() {
        use chrono::NaiveDate;
        // Zones with DST at 02:00 and 03:00, a 30-minute DST (Lord Howe), odd offsets
        // (Kathmandu, Chatham), a zone that skipped a whole day (Apia, 2011-12-30), and UTC.
        let zones = [
            chrono_tz::Europe::Prague,
            chrono_tz::America::New_York,
            chrono_tz::Australia::Lord_Howe,
            chrono_tz::Asia::Kathmandu,
            chrono_tz::Pacific::Chatham,
            chrono_tz::Pacific::Apia,
            chrono_tz::UTC,
        ];
        let mut checked = 0;
        for zone in zones {
            for (from, days) in [
                ((2011, 12, 27), 6),
                ((2024, 3, 28), 12),
                ((2024, 10, 24), 14),
            ] {
                let mut t = NaiveDate::from_ymd_opt(from.0, from.1, from.2)
                    .unwrap()
                    .and_hms_nano_opt(0, 0, 0, 123_000_000)
                    .unwrap();
                // Every 7 minutes (each hour seen several times, in order, as a page is).
                for _ in 0..days * 24 * 60 / 7 {
                    let text = t.to_string();
                    let cached = local_to_utc(t, zone, &text);
                    assert_eq!(cached, zone_to_utc(t, zone, &text), "{t} in {zone}");
                    checked += 1;
                    t += chrono::TimeDelta::minutes(7);
                }
            }
        }
        assert!(checked > 40_000, "{checked}");
        // The day of a change is not remembered; the days around it are.
        let prague = chrono_tz::Europe::Prague;
        let day = |d: u32| NaiveDate::from_ymd_opt(2024, 3, d).unwrap();
        assert_eq!(whole_day_offset(day(31), prague), None);
        assert_eq!(
            whole_day_offset(day(30), prague).map(|o| o.local_minus_utc()),
            Some(3600)
        );
        assert_eq!(
            whole_day_offset(day(1), prague).map(|o| o.local_minus_utc()),
            Some(3600)
        );
        let apia = chrono_tz::Pacific::Apia;
        let skipped = NaiveDate::from_ymd_opt(2011, 12, 30).unwrap();
        assert_eq!(whole_day_offset(skipped, apia), None);
    }

    #[test]
    fn every_dotnet_form() {
        assert_eq!(
            p("2024-05-13T17:05:44.207").as_deref(),
            Some("2024-05-13T15:05:44.207Z")
        );
        assert_eq!(
            p("2024-01-13T17:05:44.2070000").as_deref(),
            Some("2024-01-13T16:05:44.207Z")
        );
        assert_eq!(
            p("2024-05-13T17:05:44").as_deref(),
            Some("2024-05-13T15:05:44Z")
        );
        assert_eq!(
            p("2024-05-13T17:05:44.1234567Z").as_deref(),
            Some("2024-05-13T17:05:44.123456700Z")
        );
        assert_eq!(
            p("2024-05-13T17:05:44+02:00").as_deref(),
            Some("2024-05-13T15:05:44Z")
        );
        assert_eq!(
            p("2024-01-13T17:05:44+01:00").as_deref(),
            Some("2024-01-13T16:05:44Z")
        );
        assert_eq!(
            p("/Date(1715612744207)/").as_deref(),
            Some("2024-05-13T15:05:44.207Z")
        );
        assert_eq!(
            p("/Date(1715612744207+0200)/").as_deref(),
            Some("2024-05-13T15:05:44.207Z")
        );
        assert_eq!(p("/Date(-1000)/").as_deref(), Some("1969-12-31T23:59:59Z"));
        assert_eq!(p("0001-01-01T00:00:00Z"), None);
        assert_eq!(p("0001-01-01T00:00:00"), None);
        assert_eq!(p(""), None);
    }

    #[test]
    fn dst_edges() {
        // 2024-03-31 02:30 does not exist in Prague.
        assert!(matches!(
            parse_timestamp("2024-03-31T02:30:00", prague()),
            Err(TimeError::NonExistent { .. })
        ));
        // 2024-10-27 02:30 happens twice; the earlier (summer time, UTC+2) is taken.
        assert_eq!(
            p("2024-10-27T02:30:00").as_deref(),
            Some("2024-10-27T00:30:00Z")
        );
    }

    #[test]
    fn the_fast_forms_read_as_the_general_parsers_read_them() {
        for t in [
            "2024-05-13T17:05:44.207",
            "2024-05-13T17:05:44",
            "2024-05-13T17:05:44.5",
            "2024-01-13T17:05:44.2070000",
            "2024-01-13T17:05:44.123456789",
            "2024-10-27T02:30:00",
            "0999-12-31T23:59:59.1",
            "2024-02-29T00:00:00",
            "2024-05-13T17:05:44Z",
            "2024-05-13T17:05:44.1234567Z",
            "2024-05-13T17:05:44.000000001Z",
        ] {
            let (naive, utc) = plain_iso(t).unwrap_or_else(|| panic!("{t}"));
            let general = match t.strip_suffix('Z') {
                Some(_) => DateTime::parse_from_rfc3339(t).unwrap().with_timezone(&Utc),
                None => local_to_utc(t.parse::<NaiveDateTime>().unwrap(), prague(), t).unwrap(),
            };
            let fast = if utc {
                naive.and_utc()
            } else {
                local_to_utc(naive, prague(), t).unwrap()
            };
            assert_eq!(fast, general, "{t}");
        }
        // Everything else takes the general path.
        for t in [
            "2024-05-13T17:05:60",
            "2024-02-30T00:00:00",
            "2024-05-13T17:05:44.",
            "2024-05-13T17:05:44.1234567890",
            "2024-05-13 17:05:44",
            "2024-05-13T17:05:44+02:00",
            "2024-05-13t17:05:44",
            "+2024-05-13T17:05:44",
            "2024-5-13T17:05:44",
            "2024-05-13T17:05:4a",
        ] {
            assert!(plain_iso(t).is_none(), "{t}");
        }
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for t in [
            "yesterday",
            "/Date(abc)/",
            "/Date()/",
            "2024-13-45T00:00:00",
            "/Date(99999999999999999999)/",
        ] {
            assert!(parse_timestamp(t, prague()).is_err(), "{t}");
        }
    }

    #[test]
    fn epochs() {
        assert_eq!(
            crate::serde_util::format_utc(&from_epoch_millis(1748886130000).unwrap()),
            "2025-06-02T17:42:10Z"
        );
        assert_eq!(
            crate::serde_util::format_utc(&from_epoch_seconds(1703699763).unwrap()),
            "2023-12-27T17:56:03Z"
        );
        assert!(from_epoch_millis(i64::MAX).is_err());
    }
}
