//! `raw` is the session (*transakce*) as CleverPower wrote it, and a hostile value costs at most
//! its own record.
//!
//! Points go through the client's body decode and [`Normalizer::point_sessions`], the session
//! stream's record path; the secret test goes through the client against the mock.

use cleverpower_client::{Client, Config, NabijeciBod, Normalizer, KIND};
use evsessions_core::chrono_tz::Europe;
use evsessions_core::{ChargingSession, Error, HttpConfig, RawRecord, Result};
use evsessions_testkit::cleverpower::{CleverPowerMock, TOKEN};
use evsessions_testkit::VendorMock;
use serde::Deserialize;
use serde_json::value::RawValue;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

fn sessions(body: &str) -> Vec<Result<ChargingSession>> {
    let point: NabijeciBod =
        evsessions_core::decode::decode_json(&KIND, "POST api/Ocpp", body.as_bytes()).unwrap();
    Normalizer::new(Europe::Prague, "CZK").point_sessions("CP-1", 0, point)
}

#[derive(Deserialize)]
struct Point<'a> {
    #[serde(borrow, default, rename = "NabijeciBodTransakces")]
    transactions: Option<Vec<&'a RawValue>>,
}

#[test]
fn raw_keeps_every_fixture_record_exactly() {
    let mut n = 0;
    for (file, text) in [
        (
            "ocpp-PRG-0311-A.json",
            evsessions_testkit::fixture!("cleverpower/ocpp-PRG-0311-A.json"),
        ),
        (
            "ocpp-BRN-0702-B.json",
            evsessions_testkit::fixture!("cleverpower/ocpp-BRN-0702-B.json"),
        ),
        (
            "ocpp-OVA-0105-C.json",
            evsessions_testkit::fixture!("cleverpower/ocpp-OVA-0105-C.json"),
        ),
    ] {
        let point: Point = serde_json::from_str(text).unwrap();
        let items = point.transactions.unwrap_or_default();
        let got = sessions(text);
        assert_eq!(got.len(), items.len(), "{file}");
        for (item, s) in items.iter().zip(got) {
            let Ok(s) = s else { continue };
            let want = RawRecord::from_json(item.get()).unwrap();
            assert_eq!(s.raw.as_str(), want.compact_text(), "{file} {}", s.id);
            n += 1;
        }
    }
    assert!(n >= 8, "{n} sessions compared");
}

fn point(transactions: &[&str]) -> String {
    format!(
        r#"{{"Id":1,"Kod":"CP-1","NabijeciBodTransakces":[{}]}}"#,
        transactions.join(",")
    )
}

#[test]
fn spelling_ids_and_hostile_unmapped_values_survive() {
    let deep = format!("{}1{}", "[".repeat(130), "]".repeat(130));
    let records = [
        r#"{"Cena":10.50,"Id":1,"IdTag":"A\u00c9","$id":"7","x":-0,"y":1e-400}"#.to_string(),
        r#"{"Id":18446744073709551617}"#.to_string(),
        r#"{"Id":18446744073709551618}"#.to_string(),
        r#"{"Id":2,"x":1e400}"#.to_string(),
        format!(r#"{{"Id":3,"x":{deep}}}"#),
        r#"{"Id":4,"x":"\ud800"}"#.to_string(),
    ];
    let items: Vec<&str> = records.iter().map(String::as_str).collect();
    let got: Vec<ChargingSession> = sessions(&point(&items))
        .into_iter()
        .map(|s| s.unwrap())
        .collect();
    let ids: Vec<&str> = got.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "1",
            "18446744073709551617",
            "18446744073709551618",
            "2",
            "3",
            "4"
        ]
    );
    for (s, text) in got.iter().zip(&records) {
        assert_eq!(s.raw.as_str(), text);
    }
    assert_eq!(
        got[0]
            .cost
            .as_ref()
            .unwrap()
            .total_excl_vat
            .unwrap()
            .to_string(),
        "10.5"
    );
}

#[test]
fn a_hostile_mapped_value_costs_only_its_record() {
    let got = sessions(&point(&[
        r#"{"Id":1}"#,
        r#"{"Id":2,"SpotrebaKwh":1e400}"#,
        r#"{"Id":3,"IdTag":"\ud800"}"#,
        r#"{"Id":4,"Smazano":{"a":[1]}}"#,
        r#"{"Id":5}"#,
    ]));
    let ok: Vec<&str> = got.iter().flatten().map(|s| s.id.as_str()).collect();
    assert_eq!(ok, ["1", "5"]);
    let errs: Vec<(Option<String>, String)> = got
        .iter()
        .filter_map(|s| match s {
            Err(Error::Decode { record, path, .. }) => Some((record.clone(), path.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        errs,
        [
            (Some("2".into()), "SpotrebaKwh".into()),
            (Some("3".into()), "IdTag".into()),
            (Some("4".into()), "Smazano".into()),
        ]
    );
}

#[tokio::test]
async fn a_record_error_never_shows_the_token() {
    let mock = CleverPowerMock::start().await;
    let body = point(&[
        &format!(r#"{{"Id":"{TOKEN}","SpotrebaKwh":"echo {TOKEN}"}}"#),
        r#"{"Id":9}"#,
    ]);
    Mock::given(method("POST"))
        .and(path("/api/Ocpp"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(body.into_bytes(), "application/json"),
        )
        .with_priority(1)
        .mount(mock.server())
        .await;
    let client = Client::new(
        Config::builder()
            .base_url(mock.base_url())
            .bearer_token(TOKEN)
            .http(HttpConfig::for_tests())
            .build()
            .unwrap(),
    )
    .unwrap();
    let got = client.point_sessions("CP-1").await.unwrap();
    assert_eq!(got.len(), 2);
    let e = got.into_iter().next().unwrap().unwrap_err();
    let text = e.to_string();
    assert!(!text.contains(TOKEN), "{text}");
    match e {
        Error::Decode { record, path, .. } => {
            assert_eq!(record.as_deref(), Some("REDACTED"));
            assert_eq!(path, "SpotrebaKwh");
        }
        other => panic!("{other:?}"),
    }
}
