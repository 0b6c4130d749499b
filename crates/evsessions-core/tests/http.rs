//! The HTTP plumbing against a local server: what is retried, what is not, and how it ends.

use std::time::{Duration, Instant};

use evsessions_core::{Error, HttpClient, HttpConfig, RetryConfig, SourceKind};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KIND: SourceKind = SourceKind::from_static("fake");

fn client(retry: RetryConfig) -> HttpClient {
    HttpClient::new(KIND, HttpConfig::for_tests().with_retry(retry)).unwrap()
}

async fn server_with(statuses: &[(u16, Option<&str>)], then: u16) -> MockServer {
    let server = MockServer::start().await;
    for (status, ra) in statuses {
        let mut r = ResponseTemplate::new(*status).set_body_string(r#"{"message":"busy"}"#);
        if let Some(ra) = ra {
            r = r.insert_header("Retry-After", *ra);
        }
        Mock::given(method("GET"))
            .and(path("/x"))
            .respond_with(r)
            .up_to_n_times(1)
            .with_priority(1)
            .mount(&server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path("/x"))
        .respond_with(ResponseTemplate::new(then).set_body_string(r#"{"ok":true}"#))
        .mount(&server)
        .await;
    server
}

async fn get(c: &HttpClient, server: &MockServer) -> Result<evsessions_core::HttpResponse, Error> {
    let url = format!("{}/x", server.uri());
    c.send("GET /x", |h| h.get(&url)).await
}

#[tokio::test]
async fn retries_503_429_and_500_then_succeeds() {
    let server = server_with(&[(503, Some("1")), (429, Some("0")), (500, None)], 200).await;
    let r = get(&client(RetryConfig::fast()), &server).await.unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(server.received_requests().await.unwrap().len(), 4);
}

#[tokio::test]
async fn retry_after_is_capped_by_max_retry_after() {
    let server = server_with(&[(503, Some("3600"))], 200).await;
    let t0 = Instant::now();
    get(&client(RetryConfig::fast()), &server).await.unwrap();
    assert!(
        t0.elapsed() < Duration::from_secs(2),
        "waited {:?}",
        t0.elapsed()
    );
}

#[tokio::test]
async fn other_4xx_are_never_retried() {
    for status in [400u16, 401, 403, 404] {
        let server = server_with(&[], status).await;
        let e = get(&client(RetryConfig::fast()), &server)
            .await
            .unwrap_err();
        assert_eq!(
            server.received_requests().await.unwrap().len(),
            1,
            "{status} was retried"
        );
        match status {
            401 => assert!(matches!(e, Error::Unauthenticated { .. })),
            403 => assert!(matches!(e, Error::PermissionDenied { .. })),
            _ => assert!(matches!(e, Error::Api { status: Some(s), .. } if s == status)),
        }
    }
}

#[tokio::test]
async fn gives_up_after_max_retries_with_the_last_error() {
    let server = server_with(&[], 503).await;
    let e = get(&client(RetryConfig::fast().with_max_retries(2)), &server)
        .await
        .unwrap_err();
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
    assert!(matches!(
        e,
        Error::Api {
            status: Some(503),
            ..
        }
    ));
    assert!(e.is_retryable());
    let server = server_with(&[], 429).await;
    let e = get(&client(RetryConfig::fast().with_max_retries(1)), &server)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::RateLimited { .. }), "{e:?}");
}

#[tokio::test]
async fn the_total_budget_stops_retrying() {
    let server = server_with(&[], 503).await;
    let retry = RetryConfig::fast()
        .with_max_retries(100)
        .with_initial_backoff(Duration::from_millis(20))
        .with_max_backoff(Duration::from_millis(20))
        .with_total_budget(Duration::from_millis(50));
    let e = get(&client(retry), &server).await.unwrap_err();
    let n = server.received_requests().await.unwrap().len();
    assert!((2..=4).contains(&n), "{n} requests");
    assert!(matches!(
        e,
        Error::Api {
            status: Some(503),
            ..
        }
    ));
}

#[tokio::test]
async fn a_slow_server_is_a_timeout() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;
    let c = HttpClient::new(
        KIND,
        HttpConfig::for_tests()
            .with_timeout(Duration::from_millis(200))
            .with_retry(RetryConfig::none()),
    )
    .unwrap();
    let e = get(&c, &server).await.unwrap_err();
    assert!(matches!(e, Error::Timeout { .. }), "{e:?}");
    assert!(e.to_string().contains("timed out"), "{e}");
}

#[tokio::test]
async fn a_closed_port_is_a_transport_error_without_the_url_secrets() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let c = client(RetryConfig::fast().with_max_retries(1));
    let url = format!("http://127.0.0.1:{port}/x?code=SUPERSECRET");
    let e = c.send("GET /x", |h| h.get(&url)).await.unwrap_err();
    assert!(matches!(e, Error::Transport { connect: true, .. }), "{e:?}");
    assert!(!e.to_string().contains("SUPERSECRET"), "{e}");
    assert!(!format!("{e:?}").contains("SUPERSECRET"), "{e:?}");
}
