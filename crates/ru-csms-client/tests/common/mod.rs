//! Helpers shared by the contract tests.
#![allow(dead_code)]

use std::str::FromStr;

use chrono::{DateTime, Utc};
use evsessions_core::{ChargingSession, Decimal, Error, HttpConfig, SessionQuery};
use evsessions_testkit::ru_csms::{RuCsmsMock, RuCsmsMockOptions, TOKEN};
use ru_csms_client::{Client, Config, ConfigBuilder};

pub fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

pub fn utc(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

pub fn builder(mock: &RuCsmsMock) -> ConfigBuilder {
    Config::builder()
        .sessions_url(mock.sessions_url())
        .token(TOKEN)
        .http(HttpConfig::for_tests())
}

pub fn client(mock: &RuCsmsMock) -> Client {
    Client::new(builder(mock).build().unwrap()).unwrap()
}

pub async fn mock(options: RuCsmsMockOptions) -> RuCsmsMock {
    RuCsmsMock::start_with(options).await
}

pub async fn collect(client: &Client, q: &SessionQuery) -> (Vec<ChargingSession>, Vec<Error>) {
    evsessions_testkit::collect(client, q).await
}

pub async fn all(client: &Client) -> Vec<ChargingSession> {
    let (ok, errs) = collect(client, &SessionQuery::new()).await;
    assert!(errs.is_empty(), "{errs:?}");
    ok
}

pub fn by_id<'a>(v: &'a [ChargingSession], id: &str) -> &'a ChargingSession {
    v.iter()
        .find(|s| s.id == id)
        .unwrap_or_else(|| panic!("no session {id}"))
}
