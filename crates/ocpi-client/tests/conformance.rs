//! The testkit's conformance suite against the OCPI source and mock.

use evsessions_core::SessionSource;
use evsessions_testkit::ocpi::{OcpiMock, OcpiMockOptions};
use evsessions_testkit::{assert_conforms, Harness};

mod common;

struct Ocpi;

#[evsessions_core::async_trait]
impl Harness for Ocpi {
    type Mock = OcpiMock;

    async fn start(&self, bad_record: bool) -> OcpiMock {
        OcpiMock::start_with(OcpiMockOptions::default().with_bad_record(bad_record)).await
    }

    fn source(&self, mock: &OcpiMock, valid_credentials: bool) -> Box<dyn SessionSource> {
        let token = if valid_credentials {
            evsessions_testkit::ocpi::TOKEN
        } else {
            "not-the-token"
        };
        Box::new(common::client_with(&[
            ("OCPI_VERSIONS_URL", &mock.versions_url()),
            ("OCPI_TOKEN", token),
        ]))
    }
}

#[tokio::test]
async fn the_ocpi_source_conforms() {
    assert_conforms(&Ocpi).await;
}
