//! Hostile platforms: broken envelopes, links elsewhere or back to the same page, a lying
//! `X-Total-Count`, error status codes inside HTTP 200, bad amounts, a server that echoes the
//! token. Each ends in the documented outcome, and no error shows the token.

use evsessions_core::{Error, SessionQuery};
use evsessions_testkit::hostile::{leaks, Behaviour, Catcher, HostileServer};
use evsessions_testkit::ocpi::{
    fixture_cdrs, OcpiMock, OcpiMockOptions, SAME_PAGE, TOKEN, TOKEN_BASE64,
};
use evsessions_testkit::{Fault, VendorMock};
use serde_json::json;

mod common;
use common::{client, client_with, find, read, received};

fn no_secret(errors: &[Error]) {
    let text: String = errors.iter().map(|e| format!("{e} {e:?}\n")).collect();
    assert_eq!(
        leaks(&text, &[TOKEN, TOKEN_BASE64]),
        Vec::<String>::new(),
        "{text}"
    );
}

/// The record, path and message of a decode error.
fn decode_error(e: &Error) -> (Option<&str>, &str, &str) {
    match e {
        Error::Decode {
            record,
            path,
            message,
            ..
        } => (record.as_deref(), path.as_str(), message.as_str()),
        other => panic!("not a decode error: {other:?}"),
    }
}

async fn one_page_error(fault: Fault) -> (Vec<Error>, Vec<String>) {
    let mock = OcpiMock::start().await;
    mock.inject(fault, 10).await;
    let (records, errors) = read(&client(&mock), &SessionQuery::new()).await;
    assert!(records.is_empty(), "a failed listing yields nothing of it");
    assert_eq!(errors.len(), 1, "{errors:?}");
    no_secret(&errors);
    (errors, received(&mock).await)
}

#[tokio::test]
async fn an_envelope_without_data_is_a_decode_error_of_the_page() {
    let (errors, _) = one_page_error(Fault::status(200).body(
        r#"{"status_code":1000,"status_message":"Success","timestamp":"2025-03-07T09:00:00Z"}"#,
    ))
    .await;
    assert_eq!(
        decode_error(&errors[0]),
        (
            None,
            "data",
            "the OCPI envelope has no `data` list (status 1000 with nothing to read)"
        )
    );
    assert!(matches!(&errors[0], Error::Decode { endpoint, .. } if endpoint == "GET cdrs"));
}

#[tokio::test]
async fn data_that_is_not_a_list_is_a_decode_error_of_the_page() {
    let (errors, _) =
        one_page_error(Fault::status(200).body(r#"{"data":{"id":"C-1"},"status_code":1000}"#))
            .await;
    let (record, path, _) = decode_error(&errors[0]);
    assert_eq!((record, path), (None, "data"));
}

#[tokio::test]
async fn status_2001_inside_http_200_is_an_api_error_not_data_and_not_retried() {
    let (errors, paths) = one_page_error(Fault::status(200).body(
        r#"{"data":[],"status_code":2001,"status_message":"Invalid or missing parameters","timestamp":"2025-03-07T09:00:00Z"}"#,
    ))
    .await;
    match &errors[0] {
        Error::Api {
            endpoint,
            status,
            code,
            message,
            ..
        } => {
            assert_eq!(endpoint, "GET cdrs");
            assert_eq!(*status, Some(2001));
            assert_eq!(code.as_deref(), Some("2001"));
            assert_eq!(message.as_deref(), Some("Invalid or missing parameters"));
        }
        other => panic!("{other:?}"),
    }
    assert!(!errors[0].is_retryable());
    assert_eq!(
        paths.iter().filter(|p| p.contains("cdrs")).count(),
        1,
        "{paths:?}"
    );
}

#[tokio::test]
async fn status_2004_is_unauthenticated_even_under_http_200() {
    let (errors, _) = one_page_error(
        Fault::status(200)
            .body(r#"{"data":null,"status_code":2004,"status_message":"Unknown token"}"#),
    )
    .await;
    assert!(
        matches!(&errors[0], Error::Unauthenticated { reason: Some(r), .. } if r == "2004: Unknown token"),
        "{:?}",
        errors[0]
    );
}

#[tokio::test]
async fn status_3000_is_retried_under_http_503_and_not_under_http_200() {
    let (errors, paths) = one_page_error(
        Fault::status(200).body(r#"{"status_code":3000,"status_message":"Generic server error"}"#),
    )
    .await;
    assert!(
        matches!(
            &errors[0],
            Error::Api {
                status: Some(3000),
                ..
            }
        ),
        "{:?}",
        errors[0]
    );
    assert!(!errors[0].is_retryable());
    assert_eq!(paths.iter().filter(|p| p.contains("cdrs")).count(), 1);

    let (errors, paths) = one_page_error(
        Fault::status(503).body(r#"{"status_code":3000,"status_message":"Generic server error"}"#),
    )
    .await;
    match &errors[0] {
        Error::Api { status, code, .. } => {
            assert_eq!((*status, code.as_deref()), (Some(503), Some("3000")))
        }
        other => panic!("{other:?}"),
    }
    assert!(errors[0].is_retryable());
    // The first attempt and the 3 retries of `RetryConfig::fast`.
    assert_eq!(paths.iter().filter(|p| p.contains("cdrs")).count(), 4);
}

#[tokio::test]
async fn a_link_to_another_origin_is_refused_and_nothing_reaches_it() {
    let catcher = Catcher::start().await;
    let mock =
        OcpiMock::start_with(OcpiMockOptions::default().with_next_link(catcher.trap_url(TOKEN)))
            .await;
    let (records, errors) = read(&client(&mock), &SessionQuery::new()).await;
    assert!(records.is_empty());
    assert_eq!(errors.len(), 1, "{errors:?}");
    match &errors[0] {
        Error::Transport { message, .. } => assert_eq!(
            message,
            &format!(
                "refused a link from {} to another origin, {} (credentials are never sent to another origin)",
                mock.server().uri(),
                catcher.uri()
            )
        ),
        other => panic!("{other:?}"),
    }
    no_secret(&errors);
    assert!(catcher.received().await.is_empty());
}

#[tokio::test]
async fn a_link_back_to_the_same_page_ends_the_listing() {
    let mock = OcpiMock::start_with(
        OcpiMockOptions::default()
            .with_server_limit(100)
            .with_next_link(SAME_PAGE),
    )
    .await;
    let c = client_with(&[("OCPI_CDRS_URL", &mock.cdrs_url()), ("OCPI_TOKEN", TOKEN)]);
    let (records, errors) = read(&c, &SessionQuery::new()).await;
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(records.len(), 6, "every CDR once");
    // The first page, then the same URL once as the link: nothing new, the listing stops.
    let paths = received(&mock).await;
    assert_eq!(
        paths,
        [
            "/ocpi/cpo/2.2.1/cdrs?limit=100",
            "/ocpi/cpo/2.2.1/cdrs?limit=100"
        ]
    );
}

#[tokio::test]
async fn a_lying_x_total_count_stops_endless_pages_and_a_high_one_changes_nothing() {
    // Every page links on (to the next offset), for ever; the server says 2 objects.
    let mock = OcpiMock::start_with(
        OcpiMockOptions::default()
            .with_server_limit(1)
            .with_lying_total_count(2),
    )
    .await;
    let c = client_with(&[("OCPI_CDRS_URL", &mock.cdrs_url()), ("OCPI_TOKEN", TOKEN)]);
    let (records, errors) = read(&c, &SessionQuery::new()).await;
    assert!(errors.is_empty(), "{errors:?}");
    // ⌈2 / 1⌉ pages + 2 more (core's allowance), then the listing is stopped.
    assert_eq!(received(&mock).await.len(), 4);
    let ids: Vec<&str> = records.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["S-1001", "S-1002", "C-1003", "S-1004"]);

    let mock = OcpiMock::start_with(
        OcpiMockOptions::default()
            .with_server_limit(2)
            .with_lying_total_count(1000),
    )
    .await;
    let c = client_with(&[("OCPI_CDRS_URL", &mock.cdrs_url()), ("OCPI_TOKEN", TOKEN)]);
    let (records, errors) = read(&c, &SessionQuery::new()).await;
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(records.len(), 6);
    assert_eq!(received(&mock).await.len(), 5, "9 CDRs at 2 a page");
}

fn with_cdr_change(id: &str, change: impl Fn(&mut serde_json::Value)) -> Vec<serde_json::Value> {
    let mut cdrs = fixture_cdrs();
    for c in cdrs.iter_mut() {
        if c["id"] == id {
            change(c);
        }
    }
    cdrs
}

async fn cdrs_only(
    cdrs: Vec<serde_json::Value>,
) -> (Vec<evsessions_core::ChargingSession>, Vec<Error>) {
    let mock = OcpiMock::start_with(OcpiMockOptions::default().with_cdrs(cdrs)).await;
    let c = client_with(&[("OCPI_CDRS_URL", &mock.cdrs_url()), ("OCPI_TOKEN", TOKEN)]);
    read(&c, &SessionQuery::new()).await
}

#[tokio::test]
async fn a_negative_amount_outside_a_credit_is_one_error_and_the_rest_arrive() {
    let (records, errors) = cdrs_only(with_cdr_change("C-1002", |c| {
        c["total_cost"]["excl_vat"] = json!(-14.04)
    }))
    .await;
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(
        decode_error(&errors[0]),
        (
            Some("C-1002"),
            "total_cost.excl_vat",
            "-14.04 is negative, which only a credit CDR (`credit: true`) may be"
        )
    );
    let ids: Vec<&str> = records.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["S-1001", "C-1003", "S-1004", "S-1005", "S-0999"]);
    // A credit CDR's negative totals are its nature, not an error.
    assert_eq!(
        find(&records, "S-1004")
            .cost
            .as_ref()
            .unwrap()
            .total_excl_vat,
        Some(common::d("4.5"))
    );
}

#[tokio::test]
async fn an_amount_with_5_decimals_is_one_error_never_rounded() {
    let (records, errors) = cdrs_only(with_cdr_change("C-1001", |c| {
        c["total_energy"] = json!(18.42715)
    }))
    .await;
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(
        decode_error(&errors[0]),
        (
            Some("C-1001"),
            "total_energy",
            "18.42715 has more than 4 decimals (OCPI numbers have at most 4); the value is not rounded"
        )
    );
    assert_eq!(records.len(), 5);
    assert!(records.iter().all(|s| s.id != "S-1001"));
}

#[tokio::test]
async fn a_server_that_echoes_the_request_never_gets_the_token_shown() {
    for status in [200, 400, 401, 500] {
        let server = HostileServer::start(Behaviour::EchoRequest { status }).await;
        let c = client_with(&[
            (
                "OCPI_CDRS_URL",
                &format!("{}/ocpi/cpo/2.2.1/cdrs", server.uri()),
            ),
            ("OCPI_TOKEN", TOKEN),
        ]);
        let (records, errors) = read(&c, &SessionQuery::new()).await;
        assert!(records.is_empty());
        assert_eq!(errors.len(), 1, "{status}: {errors:?}");
        no_secret(&errors);
    }
}

#[tokio::test]
async fn a_server_that_pages_by_less_than_asked_without_x_limit_is_read_to_the_end() {
    // 9 CDRs, 2 a page, no `X-Limit`, a true `X-Total-Count`: the client asked 100.
    let mock = OcpiMock::start_with(
        OcpiMockOptions::default()
            .with_server_limit(2)
            .with_x_limit(false),
    )
    .await;
    let c = client_with(&[("OCPI_CDRS_URL", &mock.cdrs_url()), ("OCPI_TOKEN", TOKEN)]);
    let (records, errors) = read(&c, &SessionQuery::new()).await;
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(records.len(), 6);
    assert_eq!(received(&mock).await.len(), 5);
}

#[tokio::test]
async fn every_hostile_transport_ends_in_one_error_within_the_timeout() {
    use std::time::{Duration, Instant};
    let timeout = Duration::from_millis(300);
    let http = evsessions_core::HttpConfig::for_tests()
        .with_timeout(timeout)
        .with_connect_timeout(timeout)
        .with_max_body_bytes(64 * 1024)
        .with_retry(evsessions_core::RetryConfig::fast().with_max_retries(1));
    let behaviours = [
        Behaviour::Trickle {
            every: Duration::from_millis(50),
        },
        Behaviour::Stall,
        Behaviour::Huge { bytes: 1 << 20 },
        Behaviour::Deep { depth: 1_000 },
        Behaviour::CompressionBomb {
            expands_to: 8 << 20,
        },
    ];
    for b in behaviours {
        let name = format!("{b:?}");
        let server = HostileServer::start(b).await;
        let config = ocpi_client::Config::builder()
            .cdrs_url(format!("{}/ocpi/cpo/2.2.1/cdrs", server.uri()))
            .token(TOKEN)
            .http(http.clone())
            .build()
            .unwrap();
        let c = ocpi_client::Client::new(config).unwrap();
        let started = Instant::now();
        let (records, errors) = read(&c, &SessionQuery::new()).await;
        let took = started.elapsed();
        assert!(records.is_empty(), "{name}");
        assert_eq!(errors.len(), 1, "{name}: {errors:?}");
        assert!(
            took < timeout * 2 + Duration::from_millis(700),
            "{name}: {took:?}"
        );
        let expected = match &errors[0] {
            Error::Timeout { .. } => name.starts_with("Trickle") || name.starts_with("Stall"),
            Error::Transport { message, .. } => {
                name.starts_with("Huge") && message.contains("larger than the 65536-byte cap")
            }
            Error::Decode { .. } => name.starts_with("Deep") || name.starts_with("Compression"),
            _ => false,
        };
        assert!(expected, "{name}: {:?}", errors[0]);
        no_secret(&errors);
    }
}

#[tokio::test]
async fn a_discovered_endpoint_on_another_origin_gets_no_token() {
    use wiremock::matchers::path;
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let catcher = Catcher::start().await;
    let platform = MockServer::start().await;
    let body = |data: serde_json::Value| {
        ResponseTemplate::new(200).set_body_raw(
            json!({"data": data, "status_code": 1000})
                .to_string()
                .into_bytes(),
            "application/json",
        )
    };
    Mock::given(path("/ocpi/versions"))
        .respond_with(body(
            json!([{"version": "2.2.1", "url": format!("{}/ocpi/2.2.1", platform.uri())}]),
        ))
        .mount(&platform)
        .await;
    Mock::given(path("/ocpi/2.2.1"))
        .respond_with(body(json!({"version": "2.2.1", "endpoints": [
            {"identifier": "cdrs", "role": "SENDER", "url": catcher.trap_url(TOKEN)}
        ]})))
        .mount(&platform)
        .await;
    let c = client_with(&[
        (
            "OCPI_VERSIONS_URL",
            &format!("{}/ocpi/versions", platform.uri()),
        ),
        ("OCPI_TOKEN", TOKEN),
    ]);
    let (records, errors) = read(&c, &SessionQuery::new()).await;
    assert!(records.is_empty());
    assert_eq!(errors.len(), 1, "{errors:?}");
    match &errors[0] {
        Error::Config { message, .. } => assert!(
            message.starts_with(&format!(
                "the platform's cdrs endpoint is on another origin ({}) than its versions URL ({})",
                catcher.uri(),
                platform.uri()
            )),
            "{message}"
        ),
        other => panic!("{other:?}"),
    }
    no_secret(&errors);
    assert!(catcher.received().await.is_empty());
}

#[tokio::test]
async fn a_bad_object_whose_id_echoes_the_token_is_masked_in_its_error() {
    let mut cdrs = with_cdr_change("C-1001", |c| c["total_energy"] = json!(-1));
    cdrs[0]["id"] = json!(TOKEN);
    let (records, errors) = cdrs_only(cdrs).await;
    assert_eq!(records.len(), 5);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        matches!(&errors[0], Error::Decode { record: Some(r), .. } if r == "REDACTED"),
        "{:?}",
        errors[0]
    );
    no_secret(&errors);
}
