//! The shared conformance suite against the CleverPower mock.
//!
//! The suite queries with `SessionQuery::new()` (no charger), so the source it gets already
//! knows its scope: the mock's charge ids, as the client's default charge ids.

use async_trait::async_trait;
use cleverpower_client::{Client, Config};
use evsessions_core::{HttpConfig, SessionSource};
use evsessions_testkit::cleverpower::{CleverPowerMock, CleverPowerMockOptions, TOKEN};
use evsessions_testkit::{assert_conforms, Harness, VendorMock};

struct CleverPower;

#[async_trait]
impl Harness for CleverPower {
    type Mock = CleverPowerMock;

    async fn start(&self, bad_record: bool) -> CleverPowerMock {
        CleverPowerMock::start_with(CleverPowerMockOptions::default().with_bad_record(bad_record))
            .await
    }

    fn source(&self, mock: &CleverPowerMock, valid_credentials: bool) -> Box<dyn SessionSource> {
        let token = if valid_credentials {
            TOKEN
        } else {
            "wrong-token"
        };
        let config = Config::builder()
            .base_url(mock.base_url())
            .bearer_token(token)
            .http(HttpConfig::for_tests())
            .build()
            .expect("config");
        let client = Client::new(config)
            .expect("client")
            .with_default_charge_ids(mock.charge_ids());
        Box::new(client)
    }
}

#[tokio::test]
async fn cleverpower_conforms() {
    assert_conforms(&CleverPower).await;
}
