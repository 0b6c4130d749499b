//! Helpers shared by the contract tests.
#![allow(dead_code)]

use emabler_client::{Client, Config};
use evsessions_core::{ChargingSession, Error, HttpConfig, SessionQuery};
use evsessions_testkit::emabler::{EmablerMock, API_KEY};
use evsessions_testkit::VendorMock;

pub fn client(mock: &EmablerMock) -> Client {
    client_with(mock, API_KEY, None)
}

pub fn client_with(mock: &EmablerMock, key: &str, page_size: Option<u32>) -> Client {
    let mut b = Config::builder()
        .api_key(key)
        .base_url(mock.base_url())
        .http(HttpConfig::for_tests());
    if let Some(n) = page_size {
        b = b.page_size(n);
    }
    Client::new(b.build().unwrap()).unwrap()
}

pub async fn collect(client: &Client, q: &SessionQuery) -> (Vec<ChargingSession>, Vec<Error>) {
    evsessions_testkit::collect(client, q).await
}

pub async fn all_ok(client: &Client, q: &SessionQuery) -> Vec<ChargingSession> {
    let (ok, errs) = collect(client, q).await;
    assert!(errs.is_empty(), "{errs:?}");
    ok
}

pub fn find<'a>(v: &'a [ChargingSession], id: &str) -> &'a ChargingSession {
    v.iter()
        .find(|s| s.id == id)
        .unwrap_or_else(|| panic!("session {id} missing"))
}

pub fn ids(v: &[ChargingSession]) -> Vec<String> {
    let mut out: Vec<String> = v.iter().map(|s| s.id.clone()).collect();
    out.sort();
    out
}

pub fn dec(s: &str) -> rust_decimal::Decimal {
    s.parse().unwrap()
}

pub fn t(s: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(s)
        .unwrap()
        .with_timezone(&chrono::Utc)
}

/// The requests the mock received on a path ending with `suffix`.
pub async fn requests(mock: &EmablerMock, suffix: &str) -> Vec<wiremock::Request> {
    mock.server()
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.url.path().ends_with(suffix))
        .collect()
}
