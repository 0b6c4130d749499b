//! Shared helpers of the contract tests.
#![allow(dead_code)]

use evsessions_core::{ChargingSession, Error, HttpConfig, SessionQuery};
use evsessions_testkit::smappee::{SmappeeMock, CLIENT_ID, CLIENT_SECRET, PASSWORD, USERNAME};
use evsessions_testkit::VendorMock;
use smappee_client::{Client, Config, ConfigBuilder};

/// A builder with the mock's valid credentials and fast test retries.
pub fn builder(mock: &SmappeeMock) -> ConfigBuilder {
    Config::builder()
        .client_id(CLIENT_ID)
        .client_secret(CLIENT_SECRET)
        .username(USERNAME)
        .password(PASSWORD)
        .base_url(mock.base_url())
        .http(HttpConfig::for_tests())
}

pub fn client(mock: &SmappeeMock) -> Client {
    Client::new(builder(mock).build().unwrap()).unwrap()
}

pub async fn collect(client: &Client, q: &SessionQuery) -> (Vec<ChargingSession>, Vec<Error>) {
    evsessions_testkit::collect(client, q).await
}

pub fn sorted_ids(v: &[ChargingSession]) -> Vec<String> {
    let mut ids: Vec<String> = v.iter().map(|s| s.id.clone()).collect();
    ids.sort();
    ids
}

pub fn t(s: &str) -> chrono::DateTime<chrono::Utc> {
    s.parse().unwrap()
}

/// Paths and queries of the GET requests the mock received, in order.
pub async fn data_requests(mock: &SmappeeMock) -> Vec<String> {
    mock.server()
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.method.as_str() == "GET")
        .map(|r| match r.url.query() {
            Some(q) => format!("{}?{}", r.url.path(), q),
            None => r.url.path().to_string(),
        })
        .collect()
}
