//! `raw` is the record as eMabler wrote it, and a hostile value costs at most its own record.
//!
//! Pages go through [`Client::transactions_page_sessions`] / [`Client::ongoing_page_sessions`],
//! the session stream's own record path.

use emabler_client::{Client, Config};
use evsessions_core::{Error, RawRecord};
use serde::Deserialize;
use serde_json::value::RawValue;

const KEY: &str = "emabler-secret-key-0f3a9c";

fn client() -> Client {
    Client::new(Config::builder().api_key(KEY).build().unwrap()).unwrap()
}

#[derive(Deserialize)]
struct Page<'a> {
    #[serde(borrow)]
    items: Vec<&'a RawValue>,
}

#[test]
fn raw_keeps_every_fixture_record_exactly() {
    let c = client();
    for (file, text) in [
        (
            "transactions-page1.json",
            evsessions_testkit::fixture!("emabler/transactions-page1.json"),
        ),
        (
            "transactions-page2.json",
            evsessions_testkit::fixture!("emabler/transactions-page2.json"),
        ),
        (
            "transactions-page3.json",
            evsessions_testkit::fixture!("emabler/transactions-page3.json"),
        ),
        (
            "ongoing-transactions.json",
            evsessions_testkit::fixture!("emabler/ongoing-transactions.json"),
        ),
    ] {
        let page: Page = serde_json::from_str(text).unwrap();
        let sessions = if file.starts_with("ongoing") {
            c.ongoing_page_sessions(text.as_bytes()).unwrap()
        } else {
            c.transactions_page_sessions(text.as_bytes()).unwrap()
        };
        assert_eq!(sessions.len(), page.items.len(), "{file}");
        for (item, s) in page.items.iter().zip(sessions) {
            let Ok(s) = s else { continue };
            // The fixture files are pretty-printed: only the white space between tokens goes.
            let want = RawRecord::from_json(item.get()).unwrap();
            assert_eq!(s.raw.as_str(), want.compact_text(), "{file} {}", s.id);
            assert!(!s.raw.as_str().contains('\n'));
        }
    }
}

fn page(items: &[&str]) -> Vec<u8> {
    format!(
        r#"{{"page":1,"limit":100,"hasNextPage":false,"items":[{}]}}"#,
        items.join(",")
    )
    .into_bytes()
}

#[test]
fn spelling_ids_and_hostile_unmapped_values_survive() {
    let deep = format!("{}1{}", "[".repeat(130), "]".repeat(130));
    let records = [
        // Numbers, escapes and key order as sent.
        r#"{"totalCostInclVat":0.20,"id":1,"chargerName":"Kamppi \u00e9 \/ 1","x":-0,"y":1e-400}"#
            .to_string(),
        // Ids beyond 2^64 stay distinct.
        r#"{"id":18446744073709551617}"#.to_string(),
        r#"{"id":18446744073709551618}"#.to_string(),
        // Out of range, deeply nested and a lone surrogate, each in a field eMabler's model does
        // not map: read, kept in raw.
        r#"{"id":2,"x":1e400}"#.to_string(),
        format!(r#"{{"id":3,"x":{deep}}}"#),
        r#"{"id":4,"x":"\ud800"}"#.to_string(),
    ];
    let items: Vec<&str> = records.iter().map(String::as_str).collect();
    let sessions: Vec<_> = client()
        .transactions_page_sessions(&page(&items))
        .unwrap()
        .into_iter()
        .map(|s| s.unwrap())
        .collect();
    let ids: Vec<&str> = sessions.iter().map(|s| s.id.as_str()).collect();
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
    for (s, text) in sessions.iter().zip(&records) {
        assert_eq!(s.raw.as_str(), text);
    }
    let s = &sessions[0];
    assert_eq!(s.raw.field("totalCostInclVat").unwrap().get(), "0.20");
    assert_eq!(
        s.cost.as_ref().unwrap().total_incl_vat.unwrap().to_string(),
        "0.2"
    );
    assert_eq!(s.charger.name.as_deref(), Some("Kamppi é / 1"));
    // The serialized record carries raw verbatim.
    let line = serde_json::to_string(s).unwrap();
    assert!(
        line.ends_with(&format!(r#""raw":{}}}"#, records[0])),
        "{line}"
    );
}

#[test]
fn a_hostile_mapped_value_costs_only_its_record() {
    let items = [
        r#"{"id":1}"#,
        r#"{"id":2,"totalCostInclVat":1e400}"#,
        r#"{"id":3,"chargerName":"\ud800"}"#,
        r#"{"id":4,"chargerName":[[[[1]]]]}"#,
        r#"{"id":5}"#,
    ];
    let sessions = client().transactions_page_sessions(&page(&items)).unwrap();
    let ok: Vec<&str> = sessions.iter().flatten().map(|s| s.id.as_str()).collect();
    assert_eq!(ok, ["1", "5"]);
    let errs: Vec<(Option<String>, String)> = sessions
        .iter()
        .filter_map(|s| match s {
            Err(Error::Decode { record, path, .. }) => Some((record.clone(), path.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        errs,
        [
            (Some("2".into()), "totalCostInclVat".into()),
            (Some("3".into()), "chargerName".into()),
            (Some("4".into()), "chargerName".into()),
        ]
    );
}

#[test]
fn a_record_error_never_shows_the_api_key() {
    let bad = format!(r#"{{"id":"{KEY}","fullConsumptionWh":"echo {KEY}"}}"#);
    let sessions = client().transactions_page_sessions(&page(&[&bad])).unwrap();
    let e = sessions.into_iter().next().unwrap().unwrap_err();
    let text = e.to_string();
    assert!(!text.contains(KEY), "{text}");
    assert!(text.contains("REDACTED"), "{text}");
    match e {
        Error::Decode { record, path, .. } => {
            assert_eq!(record.as_deref(), Some("REDACTED"));
            assert_eq!(path, "fullConsumptionWh");
        }
        other => panic!("{other:?}"),
    }
}
