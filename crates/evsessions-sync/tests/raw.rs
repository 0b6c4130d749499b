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
