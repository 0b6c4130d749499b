//! Every .NET date form, read through the normalization (a session's start), with exact UTC
//! results; DST in summer and winter; the zone setting; unreadable dates.

use cleverpower_client::{NabijeciBod, Normalizer};
use evsessions_core::chrono_tz::{Europe, Tz};
use evsessions_core::serde_util::format_utc;
use evsessions_core::{Error, SessionStatus};
use serde_json::json;

/// One point holding one session per start text; the normalized start of each.
fn starts(zone: Tz, texts: &[&str]) -> Vec<Result<Option<String>, Error>> {
    let txs: Vec<_> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| json!({"Id": i, "DatumZahajeni": t}))
        .collect();
    let point: NabijeciBod =
        serde_json::from_value(json!({"Id": 1, "NabijeciBodTransakces": txs})).unwrap();
    Normalizer::new(zone, "CZK")
        .point_sessions("CP", 0, point.clone())
        .into_iter()
        .map(|r| r.map(|s| s.started_at.map(|t| format_utc(&t))))
        .collect()
}

#[test]
fn every_form_exact() {
    let cases = [
        // zoneless, summer (CEST, UTC+2), 0 to 7 fractional digits
        ("2024-05-13T17:05:44", "2024-05-13T15:05:44Z"),
        ("2024-05-13T17:05:44.2", "2024-05-13T15:05:44.200Z"),
        ("2024-05-13T17:05:44.21", "2024-05-13T15:05:44.210Z"),
        ("2024-05-13T17:05:44.207", "2024-05-13T15:05:44.207Z"),
        ("2024-05-13T17:05:44.2071", "2024-05-13T15:05:44.207100Z"),
        ("2024-05-13T17:05:44.20712", "2024-05-13T15:05:44.207120Z"),
        ("2024-05-13T17:05:44.207123", "2024-05-13T15:05:44.207123Z"),
        (
            "2024-05-13T17:05:44.2071234",
            "2024-05-13T15:05:44.207123400Z",
        ),
        // zoneless, winter (CET, UTC+1)
        ("2024-01-13T17:05:44", "2024-01-13T16:05:44Z"),
        ("2024-01-13T17:05:44.2070000", "2024-01-13T16:05:44.207Z"),
        ("2024-12-31T23:30:00", "2024-12-31T22:30:00Z"),
        // with a zone: the setting does not matter
        ("2024-05-13T15:05:44Z", "2024-05-13T15:05:44Z"),
        (
            "2024-05-13T15:05:44.2071234Z",
            "2024-05-13T15:05:44.207123400Z",
        ),
        ("2024-01-13T17:05:44+01:00", "2024-01-13T16:05:44Z"),
        ("2024-05-13T17:05:44+02:00", "2024-05-13T15:05:44Z"),
        ("2024-05-13T17:05:44.207+01:00", "2024-05-13T16:05:44.207Z"),
        // legacy /Date(ms)/, with or without an offset suffix (UTC milliseconds either way)
        ("/Date(1715612744207)/", "2024-05-13T15:05:44.207Z"),
        ("/Date(1715612744207+0200)/", "2024-05-13T15:05:44.207Z"),
        ("/Date(1705161944000-0500)/", "2024-01-13T16:05:44Z"),
        // a space instead of the T
        ("2024-01-13 17:05:44.5", "2024-01-13T16:05:44.500Z"),
        // the hour repeated when clocks go back: the earlier (summer time) instant
        ("2024-10-27T02:30:00", "2024-10-27T00:30:00Z"),
    ];
    let texts: Vec<&str> = cases.iter().map(|c| c.0).collect();
    for ((text, want), got) in cases.iter().zip(starts(Europe::Prague, &texts)) {
        assert_eq!(got.unwrap().as_deref(), Some(*want), "{text}");
    }
}

#[test]
fn sentinels_and_empty_are_unknown() {
    for r in starts(
        Europe::Prague,
        &["0001-01-01T00:00:00", "0001-01-01T00:00:00Z", ""],
    ) {
        assert_eq!(r.unwrap(), None);
    }
    // A session with no known start and no end: status unknown, never invented.
    let point: NabijeciBod = serde_json::from_value(
        json!({"NabijeciBodTransakces": [{"Id": 1, "DatumZahajeni": "0001-01-01T00:00:00"}]}),
    )
    .unwrap();
    let s = Normalizer::new(Europe::Prague, "CZK")
        .point_sessions("CP", 0, point.clone())
        .remove(0)
        .unwrap();
    assert_eq!(s.status, SessionStatus::Unknown);
}

#[test]
fn the_zone_setting_moves_zoneless_times_only() {
    let got = starts(
        "America/New_York".parse().unwrap(),
        &[
            "2024-05-13T17:05:44.207",
            "2024-01-13T17:05:44",
            "2024-05-13T17:05:44+02:00",
            "/Date(1715612744207)/",
        ],
    );
    let got: Vec<Option<String>> = got.into_iter().map(|r| r.unwrap()).collect();
    assert_eq!(
        got,
        [
            Some("2024-05-13T21:05:44.207Z".to_string()),
            Some("2024-01-13T22:05:44Z".to_string()),
            Some("2024-05-13T15:05:44Z".to_string()),
            Some("2024-05-13T15:05:44.207Z".to_string()),
        ]
    );
}

#[test]
fn unreadable_dates_are_one_error_each_naming_record_and_field() {
    let got = starts(
        Europe::Prague,
        &[
            "2024-03-31T02:30:00", // skipped by the spring DST change in Prague
            "yesterday",
            "2024-05-13T17:05:44.207",
        ],
    );
    for (i, r) in got.iter().take(2).enumerate() {
        match r {
            Err(Error::Decode { record, path, .. }) => {
                assert_eq!(record.as_deref(), Some(i.to_string().as_str()));
                assert_eq!(path, "DatumZahajeni");
            }
            other => panic!("{other:?}"),
        }
    }
    let e = got[0].as_ref().unwrap_err().to_string();
    assert!(
        e.contains("does not exist in time zone Europe/Prague"),
        "{e}"
    );
    assert_eq!(
        got[2].as_ref().unwrap().as_deref(),
        Some("2024-05-13T15:05:44.207Z")
    );
    // A date of the wrong JSON type is a decode error of that record, too.
    let point: NabijeciBod = serde_json::from_value(json!({"NabijeciBodTransakces": [
        {"Id": 9, "DatumUkonceni": 1715612744207u64},
        {"Id": 10, "DatumZahajeni": "2024-05-13T17:05:44"}
    ]}))
    .unwrap();
    let r = Normalizer::new(Europe::Prague, "CZK").point_sessions("CP", 0, point.clone());
    match &r[0] {
        Err(Error::Decode { record, path, .. }) => {
            assert_eq!(record.as_deref(), Some("9"));
            assert_eq!(path, "DatumUkonceni");
        }
        other => panic!("{other:?}"),
    }
    assert!(r[1].is_ok());
}
