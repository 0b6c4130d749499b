//! Errors, retries, configuration and secrecy.

mod common;

use common::*;
use emabler_client::{Client, Config, ConfigBuilder, TransactionsRequest};
use evsessions_core::{Error, HttpConfig, SessionQuery, StatusFilter};
use evsessions_testkit::emabler::{EmablerMock, API_KEY};
use evsessions_testkit::{fixture, Fault, VendorMock};

#[tokio::test]
async fn wrong_key_is_unauthenticated_in_one_line_without_the_key() {
    let mock = EmablerMock::start().await;
    let c = client_with(&mock, "my-wrong-key-42", None);
    let (ok, errs) = collect(&c, &SessionQuery::new()).await;
    assert!(ok.is_empty());
    assert_eq!(errs.len(), 1);
    assert!(
        matches!(errs[0], Error::Unauthenticated { .. }),
        "{:?}",
        errs[0]
    );
    let msg = errs[0].to_string();
    assert_eq!(
        msg,
        "emabler: authentication failed: User not authorized; check the credentials configured for emabler"
    );
    assert!(!msg.contains('\n'));
    assert!(!msg.contains("my-wrong-key-42"));
    assert!(!format!("{:?}", errs[0]).contains("my-wrong-key-42"));
    // Not retried.
    assert_eq!(requests(&mock, "/ongoing-transactions").await.len(), 1);
    // Every endpoint checks the key.
    assert!(matches!(
        c.site("3101").await,
        Err(Error::Unauthenticated { .. })
    ));
    assert!(matches!(
        c.transactions(&TransactionsRequest::page(1, 1)).await,
        Err(Error::Unauthenticated { .. })
    ));
}

#[tokio::test]
async fn the_key_travels_as_x_api_key() {
    let mock = EmablerMock::start().await;
    let c = client(&mock);
    all_ok(&c, &SessionQuery::new()).await;
    let reqs = mock.server().received_requests().await.unwrap();
    assert!(!reqs.is_empty());
    for r in reqs {
        assert_eq!(r.headers.get("x-api-key").unwrap(), API_KEY);
        assert!(r.headers.get("authorization").is_none());
        assert!(!r.url.as_str().contains(API_KEY));
    }
}

#[tokio::test]
async fn forbidden_is_permission_denied() {
    let mock = EmablerMock::start().await;
    mock.inject(
        Fault::status(403).body(r#"{"message":"Missing permission ReadSessions"}"#),
        1,
    )
    .await;
    let c = client(&mock);
    let (_, errs) = collect(&c, &SessionQuery::new().status(StatusFilter::Completed)).await;
    assert_eq!(errs.len(), 1);
    assert!(
        matches!(errs[0], Error::PermissionDenied { .. }),
        "{:?}",
        errs[0]
    );
    assert!(errs[0]
        .to_string()
        .contains("Missing permission ReadSessions"));
}

#[tokio::test]
async fn bad_request_problem_details() {
    let mock = EmablerMock::start().await;
    mock.inject(
        Fault::status(400).body(fixture!("emabler/errors/400-problem-details.json")),
        1,
    )
    .await;
    let c = client(&mock);
    let (_, errs) = collect(&c, &SessionQuery::new().status(StatusFilter::Completed)).await;
    assert_eq!(errs.len(), 1);
    match &errs[0] {
        Error::Api {
            endpoint,
            status,
            code,
            message,
            ..
        } => {
            assert_eq!(endpoint, "POST /v2/transactions");
            assert_eq!(*status, Some(400));
            assert_eq!(
                code.as_deref(),
                Some("One or more validation errors occurred.")
            );
            assert_eq!(message.as_deref(), Some("limit must be between 1 and 1000"));
        }
        other => panic!("{other:?}"),
    }
    assert!(!errs[0].is_retryable());
    assert_eq!(
        requests(&mock, "/v2/transactions").await.len(),
        1,
        "a 400 is not retried"
    );
}

#[tokio::test]
async fn bad_request_error_body() {
    let mock = EmablerMock::start().await;
    mock.inject(
        Fault::status(400).body(fixture!("emabler/errors/400-error.json")),
        1,
    )
    .await;
    let c = client(&mock);
    let e = c
        .transactions(&TransactionsRequest::page(1, 10))
        .await
        .unwrap_err();
    match &e {
        Error::Api {
            status,
            code,
            message,
            ..
        } => {
            assert_eq!(*status, Some(400));
            assert_eq!(code.as_deref(), Some("InvalidSearchCriteria 1002"));
            assert_eq!(
                message.as_deref(),
                Some("Search criteria for start time or stop time is mandatory")
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        e.to_string(),
        "emabler: POST /v2/transactions failed with status 400 [InvalidSearchCriteria 1002]: Search criteria for start time or stop time is mandatory"
    );
}

#[tokio::test]
async fn the_mocks_own_validation_is_a_problem_details_400() {
    let mock = EmablerMock::start().await;
    let c = client(&mock);
    let e = c
        .transactions(&TransactionsRequest::page(1, 5000))
        .await
        .unwrap_err();
    assert!(
        e.to_string().contains("limit must be between 1 and 1000"),
        "{e}"
    );
    let e = c
        .transactions(&TransactionsRequest::page(0, 10))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("page must be 1 or greater"), "{e}");
}

#[tokio::test]
async fn a_500_then_success_loses_nothing() {
    let mock = EmablerMock::start().await;
    mock.inject(
        Fault::status(500).body(fixture!("emabler/errors/500-error.json")),
        1,
    )
    .await;
    let c = client(&mock);
    let all = all_ok(&c, &SessionQuery::new()).await;
    assert_eq!(all.len(), 12);
}

#[tokio::test]
async fn a_500_that_persists_is_an_api_error_after_retries() {
    let mock = EmablerMock::start().await;
    mock.inject(
        Fault::status(500).body(fixture!("emabler/errors/500-error.json")),
        10,
    )
    .await;
    let c = client(&mock);
    let e = c
        .transactions(&TransactionsRequest::page(1, 10))
        .await
        .unwrap_err();
    match &e {
        Error::Api { status, code, .. } => {
            assert_eq!(*status, Some(500));
            assert_eq!(code.as_deref(), Some("InternalServerError 1000"));
        }
        other => panic!("{other:?}"),
    }
    assert!(e.is_retryable());
    // 1 try + 3 retries (HttpConfig::for_tests).
    assert_eq!(requests(&mock, "/v2/transactions").await.len(), 4);
}

#[tokio::test]
async fn rate_limits_with_retry_after_are_retried() {
    let mock = EmablerMock::start().await;
    mock.inject(Fault::status(429).retry_after("1"), 2).await;
    let c = client(&mock);
    let all = all_ok(&c, &SessionQuery::new().status(StatusFilter::Completed)).await;
    assert_eq!(all.len(), 10);
}

#[tokio::test]
async fn truncated_and_html_bodies_are_decode_errors() {
    for fault in [Fault::Truncated, Fault::Html, Fault::NotJson] {
        let mock = EmablerMock::start().await;
        mock.inject(fault.clone(), 1).await;
        let c = client(&mock);
        let (ok, errs) = collect(&c, &SessionQuery::new().status(StatusFilter::Completed)).await;
        assert!(ok.is_empty(), "{fault:?}");
        assert_eq!(errs.len(), 1, "{fault:?}");
        assert!(
            matches!(errs[0], Error::Decode { .. }),
            "{fault:?}: {:?}",
            errs[0]
        );
    }
}

#[tokio::test]
async fn a_slow_server_times_out() {
    let mock = EmablerMock::start().await;
    mock.inject(Fault::Slow(std::time::Duration::from_millis(800)), 10)
        .await;
    let config = Config::builder()
        .api_key(API_KEY)
        .base_url(mock.base_url())
        .http(
            HttpConfig::for_tests()
                .with_timeout(std::time::Duration::from_millis(100))
                .with_retry(evsessions_core::RetryConfig::none()),
        )
        .build()
        .unwrap();
    let c = Client::new(config).unwrap();
    let e = c
        .transactions(&TransactionsRequest::page(1, 10))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Timeout { .. }), "{e:?}");
}

#[tokio::test]
async fn base_url_trailing_slash_does_not_double() {
    let mock = EmablerMock::start().await;
    let config = Config::builder()
        .api_key(API_KEY)
        .base_url(format!("{}/", mock.base_url()))
        .http(HttpConfig::for_tests())
        .build()
        .unwrap();
    let c = Client::new(config).unwrap();
    c.transactions(&TransactionsRequest::page(1, 1))
        .await
        .unwrap();
    c.site("3101").await.unwrap();
    let paths: Vec<String> = mock
        .server()
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.url.path().to_string())
        .collect();
    assert_eq!(
        paths,
        ["/api/v2/cpo/v2/transactions", "/api/v2/cpo/v2/sites/3101"]
    );
}

#[test]
fn debug_never_shows_the_key() {
    let config = Config::builder()
        .api_key("super-secret-key-9")
        .build()
        .unwrap();
    let c = Client::new(config.clone()).unwrap();
    for text in [
        format!("{config:?}"),
        format!("{c:?}"),
        format!("{:?}", Config::builder().api_key("super-secret-key-9")),
    ] {
        assert!(!text.contains("super-secret-key-9"), "{text}");
        assert!(text.contains("REDACTED"), "{text}");
    }
}

#[test]
fn configuration_errors_name_the_setting_and_its_variable() {
    let e = Config::builder().build().unwrap_err();
    assert!(matches!(e, Error::Config { .. }));
    let msg = e.to_string();
    assert!(
        msg.contains("API key") && msg.contains("EMABLER_API_KEY"),
        "{msg}"
    );
    let e = Config::builder()
        .api_key("k")
        .base_url("::nonsense")
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("EMABLER_BASE_URL"), "{e}");
    let e = Client::new(Config::builder().api_key("bad\nkey").build().unwrap()).unwrap_err();
    assert!(!e.to_string().contains("bad\nkey"));
    assert!(matches!(e, Error::Config { .. }));
}

#[test]
fn from_env_reads_both_variables() {
    // The only test in this binary that touches these variables.
    std::env::set_var("EMABLER_API_KEY", "env-key-1");
    std::env::set_var("EMABLER_BASE_URL", "https://api.emabler.net/api/v2/cpo/");
    let config = ConfigBuilder::from_env().build().unwrap();
    assert_eq!(
        config.base_url().as_str(),
        "https://api.emabler.net/api/v2/cpo/"
    );
    assert!(!format!("{config:?}").contains("env-key-1"));
    std::env::set_var("EMABLER_API_KEY", "");
    std::env::remove_var("EMABLER_BASE_URL");
    let e = ConfigBuilder::from_env().build().unwrap_err();
    assert!(e.to_string().contains("EMABLER_API_KEY"));
    std::env::remove_var("EMABLER_API_KEY");
    let config = ConfigBuilder::from_env().api_key("k").build().unwrap();
    assert_eq!(config.base_url().as_str(), emabler_client::DEFAULT_BASE_URL);
}

#[tokio::test]
async fn a_200_without_items_is_a_decode_error_not_an_empty_listing() {
    let mock = EmablerMock::start().await;
    // A proxy's or a broken server's JSON: an object, but not a page.
    mock.inject(
        Fault::status(200).body(r#"{"page":1,"hasNextPage":false,"status":"ok"}"#),
        10,
    )
    .await;
    let c = client(&mock);
    let (ok, errs) = collect(&c, &SessionQuery::new().status(StatusFilter::Completed)).await;
    assert!(ok.is_empty());
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(matches!(errs[0], Error::Decode { .. }), "{:?}", errs[0]);
    assert!(
        errs[0].to_string().contains("missing field `items`"),
        "{}",
        errs[0]
    );
}
