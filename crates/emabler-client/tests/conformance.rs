//! The evsessions conformance suite, run against the eMabler client and its mock.

use emabler_client::{Client, Config};
use evsessions_core::{HttpConfig, SessionSource};
use evsessions_testkit::emabler::{EmablerMock, EmablerMockOptions, API_KEY};
use evsessions_testkit::{assert_conforms, Harness, VendorMock};

struct Emabler;

#[evsessions_core::async_trait]
impl Harness for Emabler {
    type Mock = EmablerMock;

    async fn start(&self, bad_record: bool) -> EmablerMock {
        EmablerMock::start_with(EmablerMockOptions::default().with_bad_record(bad_record)).await
    }

    fn source(&self, mock: &EmablerMock, valid_credentials: bool) -> Box<dyn SessionSource> {
        let key = if valid_credentials {
            API_KEY
        } else {
            "wrong-key"
        };
        let config = Config::builder()
            .api_key(key)
            .base_url(mock.base_url())
            .http(HttpConfig::for_tests())
            .build()
            .unwrap();
        Box::new(Client::new(config).unwrap())
    }
}

#[tokio::test]
async fn emabler_conforms() {
    assert_conforms(&Emabler).await;
}

#[tokio::test]
async fn emabler_conforms_with_small_pages() {
    // The same checks, each listing read in pages of 4 (3 pages of /v2/transactions).
    struct Small;
    #[evsessions_core::async_trait]
    impl Harness for Small {
        type Mock = EmablerMock;
        async fn start(&self, bad_record: bool) -> EmablerMock {
            Emabler.start(bad_record).await
        }
        fn source(&self, mock: &EmablerMock, valid: bool) -> Box<dyn SessionSource> {
            let key = if valid { API_KEY } else { "wrong-key" };
            let config = Config::builder()
                .api_key(key)
                .base_url(mock.base_url())
                .http(HttpConfig::for_tests())
                .page_size(4)
                .build()
                .unwrap();
            Box::new(Client::new(config).unwrap())
        }
    }
    assert_conforms(&Small).await;
}
