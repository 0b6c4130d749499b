//! `raw` is the item as the platform wrote it, and a hostile value costs at most its own record.
//!
//! Pages go through [`Client::decode_page`] and [`Client::normalize_item`], the session
//! stream's record path.

use evsessions_core::{ChargingSession, Error, RawRecord, Result};
use ru_csms_client::{Client, Config};
use serde::Deserialize;
use serde_json::value::RawValue;

const TOKEN: &str = "ru-csms-secret-token-61c2";

fn client() -> Client {
    Client::new(
        Config::builder()
            .sessions_url("http://127.0.0.1:9/api/v1/client/sessions")
            .token(TOKEN)
            .build()
            .unwrap(),
    )
    .unwrap()
}

fn sessions(body: &str) -> Vec<Result<ChargingSession>> {
    let c = client();
    c.decode_page(body.as_bytes())
        .unwrap()
        .payload
        .items
        .into_iter()
        .map(|i| c.normalize_item(i))
        .collect()
}

#[derive(Deserialize)]
struct Page<'a> {
    #[serde(borrow)]
    payload: Payload<'a>,
}
#[derive(Deserialize)]
struct Payload<'a> {
    #[serde(borrow)]
    items: Vec<&'a RawValue>,
}

#[test]
fn raw_keeps_every_fixture_record_exactly() {
    let mut n = 0;
    for (file, text) in [
        (
            "captured-page1.json",
            evsessions_testkit::fixture!("ru-csms/captured-page1.json"),
        ),
        (
            "synthetic-page2.json",
            evsessions_testkit::fixture!("ru-csms/synthetic-page2.json"),
        ),
        (
            "synthetic-priced.json",
            evsessions_testkit::fixture!("ru-csms/synthetic-priced.json"),
        ),
    ] {
        let page: Page = serde_json::from_str(text).unwrap();
        let got = sessions(text);
        assert_eq!(got.len(), page.payload.items.len(), "{file}");
        for (item, s) in page.payload.items.iter().zip(got) {
            let s = s.unwrap();
            let want = RawRecord::from_json(item.get()).unwrap();
            assert_eq!(s.raw.as_str(), want.compact_text(), "{file} {}", s.id);
            n += 1;
        }
    }
    assert!(n >= 44, "{n} items compared");
}

fn page(items: &[&str]) -> String {
    format!(
        r#"{{"meta":{{"status_code":200}},"payload":{{"items":[{}],"total":{}}}}}"#,
        items.join(","),
        items.len()
    )
}

#[test]
fn spelling_ids_and_hostile_unmapped_values_survive() {
    let deep = format!("{}1{}", "[".repeat(130), "]".repeat(130));
    let records = [
        r#"{"power":1.50,"id":1,"charging_point_name":"\u041d\u0438\u0436\u043d\u0438\u0439","x":-0,"y":1e-400}"#
            .to_string(),
        r#"{"id":18446744073709551617}"#.to_string(),
        r#"{"id":18446744073709551618}"#.to_string(),
        r#"{"id":2,"x":1e400}"#.to_string(),
        format!(r#"{{"id":3,"x":{deep}}}"#),
        r#"{"id":4,"x":"\ud800"}"#.to_string(),
    ];
    let items: Vec<&str> = records.iter().map(String::as_str).collect();
    let got: Vec<ChargingSession> = sessions(&page(&items))
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
        got[0].site.as_ref().unwrap().name.as_deref(),
        Some("Нижний")
    );
}

#[test]
fn a_hostile_mapped_value_costs_only_its_record() {
    let got = sessions(&page(&[
        r#"{"id":1}"#,
        r#"{"id":2,"power":1e400}"#,
        r#"{"id":3,"charging_point_name":"\ud800"}"#,
        r#"{"id":4,"paid":[1]}"#,
        r#"{"id":5}"#,
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
            (Some("2".into()), "power".into()),
            (Some("3".into()), "charging_point_name".into()),
            (Some("4".into()), "paid".into()),
        ]
    );
}

#[test]
fn a_record_error_never_shows_the_token() {
    let got = sessions(&page(&[&format!(
        r#"{{"id":"{TOKEN}","power":"echo {TOKEN}"}}"#
    )]));
    let e = got.into_iter().next().unwrap().unwrap_err();
    let text = e.to_string();
    assert!(!text.contains(TOKEN), "{text}");
    match e {
        Error::Decode { record, path, .. } => {
            assert_eq!(record.as_deref(), Some("REDACTED"));
            assert_eq!(path, "power");
        }
        other => panic!("{other:?}"),
    }
}
