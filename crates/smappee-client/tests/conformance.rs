//! The evsessions conformance suite against the Smappee mock.

use evsessions_core::{async_trait, HttpConfig, SessionSource};
use evsessions_testkit::smappee::{
    SmappeeMock, SmappeeMockOptions, CLIENT_ID, CLIENT_SECRET, PASSWORD, USERNAME,
};
use evsessions_testkit::{assert_conforms, Harness, VendorMock};
use smappee_client::{Client, Config};

struct Smappee;

#[async_trait]
impl Harness for Smappee {
    type Mock = SmappeeMock;

    async fn start(&self, bad_record: bool) -> SmappeeMock {
        SmappeeMock::start_with(SmappeeMockOptions::default().with_bad_record(bad_record)).await
    }

    fn source(&self, mock: &SmappeeMock, valid_credentials: bool) -> Box<dyn SessionSource> {
        let config = Config::builder()
            .client_id(CLIENT_ID)
            .client_secret(CLIENT_SECRET)
            .username(USERNAME)
            .password(if valid_credentials {
                PASSWORD
            } else {
                "wrong-password"
            })
            .base_url(mock.base_url())
            .http(HttpConfig::for_tests())
            .build()
            .unwrap();
        Box::new(Client::new(config).unwrap())
    }
}

#[tokio::test]
async fn smappee_conforms() {
    assert_conforms(&Smappee).await;
}
