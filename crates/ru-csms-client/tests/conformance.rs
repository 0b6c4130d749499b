//! The shared conformance suite against the RU CSMS mock (which pages by its own size).

use evsessions_core::{HttpConfig, SessionSource};
use evsessions_testkit::ru_csms::{RuCsmsMock, RuCsmsMockOptions, TOKEN};
use evsessions_testkit::{assert_conforms, Harness};
use ru_csms_client::{Client, Config};

struct RuCsms;

#[evsessions_core::async_trait]
impl Harness for RuCsms {
    type Mock = RuCsmsMock;

    async fn start(&self, bad_record: bool) -> RuCsmsMock {
        RuCsmsMock::start_with(
            RuCsmsMockOptions::default()
                .with_bad_record(bad_record)
                .with_server_per_page(9),
        )
        .await
    }

    fn source(&self, mock: &RuCsmsMock, valid_credentials: bool) -> Box<dyn SessionSource> {
        let config = Config::builder()
            .sessions_url(mock.sessions_url())
            .token(if valid_credentials {
                TOKEN
            } else {
                "wrong-token"
            })
            .http(HttpConfig::for_tests())
            .build()
            .unwrap();
        Box::new(Client::new(config).unwrap())
    }
}

#[tokio::test]
async fn conforms() {
    assert_conforms(&RuCsms).await;
}
