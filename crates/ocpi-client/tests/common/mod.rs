//! Helpers shared by the integration tests: a client pointed at the mock, as users build it.
#![allow(dead_code)]

use evsessions_core::{ChargingSession, Error, HttpConfig, SessionQuery};
use evsessions_testkit::ocpi::{OcpiMock, TOKEN};
use ocpi_client::{Client, ConfigBuilder};

/// A client for `mock`, from the environment variables a user would set (discovery from the
/// versions URL), with fast retries.
pub fn client(mock: &OcpiMock) -> Client {
    client_with(&[
        ("OCPI_VERSIONS_URL", &mock.versions_url()),
        ("OCPI_TOKEN", TOKEN),
    ])
}

/// A client from these variables, with fast retries.
pub fn client_with(vars: &[(&str, &str)]) -> Client {
    let vars: Vec<(String, String)> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let config = ConfigBuilder::from_lookup(move |k| {
        vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
    })
    .http(HttpConfig::for_tests())
    .build()
    .unwrap();
    Client::new(config).unwrap()
}

/// Every record and error of a listing.
pub async fn read(client: &Client, q: &SessionQuery) -> (Vec<ChargingSession>, Vec<Error>) {
    evsessions_core::collect_sessions(client, q).await
}

/// The record `id` of `records`.
pub fn find<'a>(records: &'a [ChargingSession], id: &str) -> &'a ChargingSession {
    records.iter().find(|s| s.id == id).unwrap_or_else(|| {
        panic!(
            "no record {id} in {:?}",
            records.iter().map(|s| &s.id).collect::<Vec<_>>()
        )
    })
}

/// A decimal from text.
pub fn d(text: &str) -> evsessions_core::Decimal {
    text.parse().unwrap()
}

/// A UTC time from RFC 3339 text.
pub fn t(text: &str) -> chrono::DateTime<chrono::Utc> {
    text.parse().unwrap()
}

/// The paths (with queries) the mock received, in order.
pub async fn received(mock: &OcpiMock) -> Vec<String> {
    use evsessions_testkit::VendorMock;
    mock.server()
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|r| match r.url.query() {
            Some(q) => format!("{}?{q}", r.url.path()),
            None => r.url.path().to_string(),
        })
        .collect()
}
