//! `raw` is the record as Smappee wrote it, and a hostile value costs at most its own record.
//!
//! Bodies go through [`decode_sessions`] and [`normalize`], the session stream's record path;
//! the secret test goes through the client against the mock.

mod common;

use common::client;
use evsessions_core::{ChargingSession, Error, HttpResponse, RawRecord, Result};
use evsessions_testkit::smappee::{SmappeeMock, PASSWORD};
use evsessions_testkit::VendorMock;
use serde_json::value::RawValue;
use smappee_client::{decode_sessions, normalize::normalize, SessionRange};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

const EP: &str = "GET /dev/v3/chargingstations/{serial}/sessions";

fn sessions(body: &str) -> Vec<Result<ChargingSession>> {
    let resp = HttpResponse {
        status: 200,
        headers: Default::default(),
        body: body.as_bytes().to_vec(),
    };
    decode_sessions(EP, &resp)
        .unwrap()
        .into_iter()
        .map(|s| s.and_then(|s| normalize(s, None, EP)))
        .collect()
}

#[test]
fn raw_keeps_every_fixture_record_exactly() {
    for (file, text) in [
        (
            "park-40101-sessions.json",
            evsessions_testkit::fixture!("smappee/park-40101-sessions.json"),
        ),
        (
            "park-40102-sessions.json",
            evsessions_testkit::fixture!("smappee/park-40102-sessions.json"),
        ),
        (
            "shape-extra-keys.json",
            evsessions_testkit::fixture!("smappee/shape-extra-keys.json"),
        ),
        (
            "shape-serial-string.json",
            evsessions_testkit::fixture!("smappee/shape-serial-string.json"),
        ),
    ] {
        let items: Vec<&RawValue> = serde_json::from_str(text).unwrap();
        let got = sessions(text);
        assert_eq!(got.len(), items.len(), "{file}");
        for (item, s) in items.iter().zip(got) {
            let s = s.unwrap();
            let want = RawRecord::from_json(item.get()).unwrap();
            assert_eq!(s.raw.as_str(), want.compact_text(), "{file} {}", s.id);
        }
    }
    // One object and the wrapper: the record is the object as sent.
    let one = r#"{"id": 7, "startReading": 1.50, "stopReading": 2.5}"#;
    assert_eq!(sessions(one)[0].as_ref().unwrap().raw.as_str(), one);
    let wrapped = format!(r#"{{"sessions": [{one}]}}"#);
    assert_eq!(sessions(&wrapped)[0].as_ref().unwrap().raw.as_str(), one);
}

#[test]
fn spelling_ids_and_hostile_unmapped_values_survive() {
    let deep = format!("{}1{}", "[".repeat(130), "]".repeat(130));
    let records = [
        r#"{"stopReading":12.50,"id":1,"startReading":10.25,"rfid":"A\u00c9","x":-0,"y":1e-400}"#
            .to_string(),
        r#"{"id":18446744073709551617}"#.to_string(),
        r#"{"id":18446744073709551618}"#.to_string(),
        r#"{"id":2,"x":1e400}"#.to_string(),
        format!(r#"{{"id":3,"x":{deep}}}"#),
        r#"{"id":4,"x":"\ud800"}"#.to_string(),
    ];
    let body = format!("[{}]", records.join(","));
    let got: Vec<ChargingSession> = sessions(&body).into_iter().map(|s| s.unwrap()).collect();
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
    assert_eq!(got[0].energy_kwh.unwrap().to_string(), "2.25");
    assert_eq!(
        got[0].authorization.as_ref().unwrap().id_tag.as_deref(),
        Some("AÉ")
    );
}

#[test]
fn a_hostile_mapped_value_costs_only_its_record() {
    let body = r#"[{"id":1},{"id":2,"stopReading":1e400},{"id":3,"rfid":"\ud800"},{"id":4,"from":1e400},{"id":5}]"#;
    let got = sessions(body);
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
            (Some("2".into()), "stopReading".into()),
            (Some("3".into()), "rfid".into()),
            (Some("4".into()), "from".into()),
        ]
    );
}

#[tokio::test]
async fn a_record_error_never_shows_a_secret() {
    let mock = SmappeeMock::start().await;
    let body = format!(r#"[{{"id":"{PASSWORD}","startReading":"echo {PASSWORD}"}},{{"id":9}}]"#);
    Mock::given(method("GET"))
        .and(path("/dev/v3/chargingstations/6100041237/sessions"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(body.into_bytes(), "application/json"),
        )
        .with_priority(1)
        .mount(mock.server())
        .await;
    let got = client(&mock)
        .station_sessions("6100041237", SessionRange::all(), false)
        .await
        .unwrap();
    assert_eq!(got.len(), 2);
    let e = got.into_iter().next().unwrap().unwrap_err();
    let text = e.to_string();
    assert!(!text.contains(PASSWORD), "{text}");
    match e {
        Error::Decode { record, path, .. } => {
            assert_eq!(record.as_deref(), Some("REDACTED"));
            assert_eq!(path, "startReading");
        }
        other => panic!("{other:?}"),
    }
}
