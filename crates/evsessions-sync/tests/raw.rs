//! A record's `raw` goes through the store byte for byte: numbers as spelled, escapes, key
//! order, and values a `serde_json::Value` cannot hold (`1e400`, 130-deep nesting, a lone
//! surrogate); and a second run with the same text changes nothing.

mod common;

use common::*;
use evsessions_sync::{sync_account, RunResult, SessionFilter, SyncOptions};
use evsessions_testkit::emabler::{EmablerMock, BASE_PATH};
use evsessions_testkit::VendorMock;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

fn opts(now: &str) -> SyncOptions {
    SyncOptions::default()
        .with_since(t("2025-03-01T00:00:00Z"))
        .with_now(t(now))
        .with_worker("test-worker")
}

fn record() -> String {
    let deep = format!("{}1{}", "[".repeat(130), "]".repeat(130));
    format!(
        r#"{{"totalCostInclVat":0.20,"id":18446744073709551617,"timestampStart":"2025-03-03T06:58:12.412Z","timestampEnd":"2025-03-03T09:41:37.905Z","chargerName":"Kamppi \u00e9 \/ 1","x":1e400,"deep":{deep},"s":"\ud800","n":-0,"tiny":1e-400}}"#
    )
}

async fn raw_is_byte_exact(backend: &str) {
    let Some(ts) = store(backend).await else {
        return;
    };
    let (store, account) = (ts.store.as_ref(), ts.account.as_str());
    let mock = EmablerMock::start().await;
    let body = format!(
        r#"{{"page":1,"limit":200,"hasNextPage":false,"items":[{}]}}"#,
        record()
    );
    Mock::given(method("POST"))
        .and(path(format!("{BASE_PATH}/v2/transactions")))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(body.into_bytes(), "application/json"),
        )
        .with_priority(1)
        .mount(mock.server())
        .await;
    let source = client(&mock);
    for (run, now) in ["2025-03-07T00:00:00Z", "2025-03-07T01:00:00Z"]
        .iter()
        .enumerate()
    {
        let r = sync_account(store, account, &source, &opts(now))
            .await
            .unwrap();
        assert_eq!(r.result, RunResult::Ok, "{:?}", r.failure);
        if run == 1 {
            assert_eq!(r.counts.changed, 0, "the same text is the same record");
        }
        let stored = all(store, SessionFilter::new().account(account)).await;
        let s = stored
            .iter()
            .find(|s| s.session.id == "18446744073709551617")
            .expect("stored under its exact id");
        assert_eq!(s.session.raw.as_str(), record());
        assert_eq!(s.meta.revision, 1);
    }
}

#[tokio::test]
async fn raw_is_byte_exact_on_sqlite() {
    raw_is_byte_exact("sqlite").await;
}

#[tokio::test]
async fn raw_is_byte_exact_on_postgres() {
    raw_is_byte_exact("postgres").await;
}

/// A first batch of 500 new records trains the vendor's zstd dictionary (kept in the store,
/// in the batch's transaction); every document packed with it reads back as the JSON of the
/// record read from the vendor, byte for byte, in every stream; a rerun finds nothing changed.
async fn documents_with_a_dictionary(backend: &str) {
    use evsessions_core::output::write_session_json;
    use evsessions_core::source::session_stream;
    use evsessions_core::SessionQuery;
    use futures::{StreamExt, TryStreamExt};
    let Some(ts) = store(backend).await else {
        return;
    };
    let (store, account) = (ts.store.as_ref(), ts.account.as_str());
    let mock = EmablerMock::start().await;
    mock.edit_transactions(|items| {
        let template = items[0].clone();
        for i in 0..600 {
            let mut t = template.clone();
            t["id"] = serde_json::json!(2000000000_i64 + i);
            t["evseTransactionId"] = serde_json::json!(format!("77{i:06}"));
            t["fullConsumptionWh"] = serde_json::json!(1000 + i * 37);
            t["chargerName"] = serde_json::json!(format!("Kamppi é / {}", i % 13));
            items.push(t);
        }
    });
    let source = client(&mock);
    let r = sync_account(store, account, &source, &opts("2025-03-07T00:00:00Z"))
        .await
        .unwrap();
    assert_eq!(r.result, RunResult::Ok, "{:?}", r.failure);
    assert!(r.counts.new > 600, "{:?}", r.counts);
    let mut tx = store.begin().await.unwrap();
    let dicts = tx.dictionaries().await.unwrap();
    drop(tx);
    assert!(
        dicts.iter().any(|(_, source, _)| source == "emabler"),
        "no dictionary was trained"
    );

    // What the vendor sends, as `sessions --format ndjson` writes it.
    let query = SessionQuery::new()
        .from(t("2025-03-01T00:00:00Z"))
        .include_unstarted(true);
    let mut want: Vec<(String, String)> = session_stream(&source, &query)
        .map(|s| {
            let s = s.unwrap();
            let mut json = Vec::new();
            write_session_json(&mut json, &s).unwrap();
            (s.id.clone(), String::from_utf8(json).unwrap())
        })
        .collect()
        .await;
    want.sort();
    let filter = SessionFilter::new()
        .account(account)
        .include_superseded(true);
    let docs: Vec<_> = store.documents(&filter).try_collect().await.unwrap();
    let mut got: Vec<(String, String)> = docs
        .iter()
        .map(|d| {
            let v: serde_json::Value = serde_json::from_slice(&d.json).unwrap();
            (
                v["id"].as_str().unwrap().to_string(),
                String::from_utf8(d.json.clone()).unwrap(),
            )
        })
        .collect();
    got.sort();
    assert_eq!(got.len(), want.len());
    assert_eq!(got, want);
    // The sessions stream decodes the same documents.
    let sessions = all(store, filter).await;
    assert_eq!(sessions.len(), want.len());
    for s in &sessions {
        let mut json = Vec::new();
        write_session_json(&mut json, &s.session).unwrap();
        let w = want.iter().find(|(id, _)| *id == s.session.id).unwrap();
        assert_eq!(String::from_utf8(json).unwrap(), w.1);
    }

    let r = sync_account(store, account, &source, &opts("2025-03-07T01:00:00Z"))
        .await
        .unwrap();
    assert_eq!((r.counts.new, r.counts.changed), (0, 0), "{:?}", r.counts);
}

#[tokio::test]
async fn documents_with_a_dictionary_on_sqlite() {
    documents_with_a_dictionary("sqlite").await;
}

#[tokio::test]
async fn documents_with_a_dictionary_on_postgres() {
    documents_with_a_dictionary("postgres").await;
}
