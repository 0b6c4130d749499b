//! Cross-vendor contract: every vendor's records, read through the facade from the mock
//! servers, have the same documented serde form (docs/schema.md) and obey the same rules.

use std::collections::BTreeSet;

use evsessions::output::{csv_row, CSV_COLUMNS};
use evsessions::{ChargingSession, HttpConfig, SessionQuery, SessionSource, StatusFilter};
use futures::StreamExt;
use serde_json::Value;

async fn read_all(source: &dyn SessionSource, q: &SessionQuery) -> Vec<ChargingSession> {
    evsessions::try_collect_sessions(source, q)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

fn assert_decimal_or_null(v: &Value, what: &str) {
    assert!(
        v.is_null() || v.is_number(),
        "{what} must be a JSON number or null, got {v}"
    );
}

fn assert_time_or_null(v: &Value, what: &str) {
    match v {
        Value::Null => {}
        Value::String(s) => {
            assert!(s.ends_with('Z'), "{what} must be UTC with Z: {s}");
            assert!(
                chrono::DateTime::parse_from_rfc3339(s).is_ok(),
                "{what} must be RFC 3339: {s}"
            );
        }
        other => panic!("{what} must be a time string or null, got {other}"),
    }
}

fn assert_text_or_null(v: &Value, what: &str) {
    match v {
        Value::Null => {}
        Value::String(s) => assert!(!s.trim().is_empty(), "{what} must never be an empty string"),
        other => panic!("{what} must be text or null, got {other}"),
    }
}

fn check_record(r: &Value) {
    let id = r["id"].to_string();
    assert_eq!(
        keys(r),
        set(&[
            "source",
            "id",
            "status",
            "vendor_status",
            "started_at",
            "ended_at",
            "energy_kwh",
            "charger",
            "site",
            "authorization",
            "state_of_charge",
            "cost",
            "raw"
        ]),
        "record {id}: top-level keys"
    );
    assert!(
        r["id"].as_str().is_some_and(|s| !s.is_empty()),
        "record {id}: id is non-empty text"
    );
    let status = r["status"].as_str().unwrap();
    assert!(
        [
            "pending",
            "active",
            "completed",
            "invalid",
            "reservation",
            "unknown"
        ]
        .contains(&status),
        "record {id}: status {status}"
    );
    assert_text_or_null(&r["vendor_status"], "vendor_status");
    assert_time_or_null(&r["started_at"], "started_at");
    assert_time_or_null(&r["ended_at"], "ended_at");
    assert_decimal_or_null(&r["energy_kwh"], "energy_kwh");
    if status == "completed" {
        assert!(
            !r["ended_at"].is_null() || r["source"] == "ru-csms",
            "record {id}: completed without an end"
        );
    }
    let c = &r["charger"];
    assert_eq!(
        keys(c),
        set(&[
            "id",
            "name",
            "connector_id",
            "connector_type",
            "evse_id",
            "max_power_kw"
        ])
    );
    for k in ["id", "name", "connector_id", "connector_type", "evse_id"] {
        assert_text_or_null(&c[k], &format!("record {id}: charger.{k}"));
    }
    assert_decimal_or_null(&c["max_power_kw"], "charger.max_power_kw");
    if !r["site"].is_null() {
        assert_eq!(
            keys(&r["site"]),
            set(&["id", "name", "address", "latitude", "longitude"])
        );
        for k in ["id", "name", "address"] {
            assert_text_or_null(&r["site"][k], &format!("record {id}: site.{k}"));
        }
    }
    if !r["authorization"].is_null() {
        let a = &r["authorization"];
        assert_eq!(keys(a), set(&["method", "id_tag", "user_id", "user_name"]));
        assert!(
            ["rfid", "app", "remote", "plug_and_charge", "free", "other"]
                .contains(&a["method"].as_str().unwrap())
        );
        for k in ["id_tag", "user_id", "user_name"] {
            assert_text_or_null(&a[k], &format!("record {id}: authorization.{k}"));
        }
    }
    if !r["state_of_charge"].is_null() {
        assert_eq!(
            keys(&r["state_of_charge"]),
            set(&["start_percent", "end_percent"])
        );
    }
    if !r["cost"].is_null() {
        let cost = &r["cost"];
        assert_eq!(
            keys(cost),
            set(&[
                "currency",
                "total_excl_vat",
                "total_incl_vat",
                "vat_amount",
                "vat_percent",
                "components"
            ])
        );
        for k in [
            "total_excl_vat",
            "total_incl_vat",
            "vat_amount",
            "vat_percent",
        ] {
            assert_decimal_or_null(&cost[k], k);
        }
        for comp in cost["components"].as_array().unwrap() {
            assert_eq!(
                keys(comp),
                set(&[
                    "kind",
                    "name",
                    "quantity",
                    "unit",
                    "unit_price",
                    "amount_excl_vat",
                    "amount_incl_vat"
                ])
            );
            assert!(["energy", "time", "parking", "flat", "other"]
                .contains(&comp["kind"].as_str().unwrap()));
        }
    }
    assert!(
        r["raw"].is_object(),
        "record {id}: raw keeps the vendor's object"
    );
}

#[tokio::test]
async fn every_vendor_writes_the_documented_record() {
    let fleet = evsessions::testing::start_mock_fleet(HttpConfig::for_tests())
        .await
        .unwrap();
    let mut seen_sources = BTreeSet::new();
    for (source, mock) in fleet.sources.iter().zip(&fleet.mocks) {
        let all = read_all(source.as_ref(), &SessionQuery::new()).await;
        assert_eq!(
            all.len(),
            mock.session_ids().len(),
            "{}: every fixture session",
            source.kind()
        );
        for s in &all {
            let v = serde_json::to_value(s).unwrap();
            check_record(&v);
            // The serde form round-trips: what we write, we (and callers) can read back.
            let back: ChargingSession = serde_json::from_value(v).unwrap();
            assert_eq!(&back, s);
            assert_eq!(csv_row(s).len(), CSV_COLUMNS.len());
            seen_sources.insert(s.source.to_string());
        }
    }
    assert_eq!(seen_sources, set(&evsessions::source_names()));
}

#[tokio::test]
async fn the_same_query_means_the_same_thing_for_every_vendor() {
    let fleet = evsessions::testing::start_mock_fleet(HttpConfig::for_tests())
        .await
        .unwrap();
    for source in &fleet.sources {
        let all = read_all(source.as_ref(), &SessionQuery::new()).await;
        for status in [StatusFilter::Active, StatusFilter::Completed] {
            let got = read_all(source.as_ref(), &SessionQuery::new().status(status)).await;
            let want: Vec<&ChargingSession> =
                all.iter().filter(|s| status.accepts(s.status)).collect();
            assert_eq!(
                got.len(),
                want.len(),
                "{}: status {status:?}",
                source.kind()
            );
        }
        let mut starts: Vec<_> = all.iter().filter_map(|s| s.started_at).collect();
        starts.sort();
        let (from, to) = (starts[0], starts[starts.len() / 2]);
        let got = read_all(source.as_ref(), &SessionQuery::new().from(from).to(to)).await;
        let want = all
            .iter()
            .filter(|s| s.started_at.is_some_and(|t| t >= from && t < to))
            .count();
        assert_eq!(got.len(), want, "{}: window [{from}, {to})", source.kind());
        assert!(got
            .iter()
            .all(|s| s.started_at.is_some_and(|t| t >= from && t < to)));
    }
}

#[tokio::test]
async fn sources_of_every_vendor_mix_in_one_vec() {
    let fleet = evsessions::testing::start_mock_fleet(HttpConfig::for_tests())
        .await
        .unwrap();
    let streams = fleet
        .sources
        .iter()
        .map(|s| s.sessions(&SessionQuery::new()));
    let merged: Vec<_> = futures::stream::select_all(streams).collect().await;
    let total: usize = fleet.mocks.iter().map(|m| m.session_ids().len()).sum();
    assert_eq!(merged.len(), total);
    assert!(merged.iter().all(|r| r.is_ok()));
}

#[test]
fn unknown_vendor_names_are_a_config_error() {
    let e = evsessions::source_from_env("acme", None, HttpConfig::default()).unwrap_err();
    assert!(
        e.to_string()
            .contains("emabler, smappee, cleverpower, ru-csms"),
        "{e}"
    );
}
