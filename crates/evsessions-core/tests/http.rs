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

#[tokio::test]
async fn a_redirect_to_another_origin_is_refused_and_the_other_server_gets_nothing() {
    let other = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .mount(&other)
        .await;
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/x"))
        .respond_with(
            ResponseTemplate::new(307)
                .insert_header("Location", format!("{}/steal?key=SECRET-KEY", other.uri())),
        )
        .mount(&server)
        .await;
    let url = format!("{}/x?api_key=SECRET-KEY", server.uri());
    let err = client(RetryConfig::fast())
        .send("GET /x", |h| h.get(&url).header("x-api-key", "SECRET-KEY"))
        .await
        .unwrap_err();
    assert!(other.received_requests().await.unwrap().is_empty());
    // Refused at once, not retried.
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    let text = err.to_string();
    assert_eq!(
        text,
        format!(
            "fake: network error on GET /x: refused a redirect from {} to another origin, {} (credentials are never sent to another origin); fix the base URL to point at the API itself; check the base URL and the network",
            server.uri(),
            other.uri()
        )
    );
    assert!(!text.contains("SECRET"));
    assert!(matches!(err, Error::Transport { .. }));
}

#[tokio::test]
async fn a_same_origin_redirect_is_followed_without_a_referer() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/x"))
        .respond_with(ResponseTemplate::new(307).insert_header("Location", "/y"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/y"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .mount(&server)
        .await;
    let r = get(&client(RetryConfig::fast()), &server).await.unwrap();
    assert_eq!(r.body, b"ok");
    let got = server.received_requests().await.unwrap();
    assert_eq!(got.len(), 2);
    assert!(got.iter().all(|r| !r.headers.contains_key("referer")));
}

#[tokio::test]
async fn a_redirect_loop_within_the_origin_ends_after_a_few_hops() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(302).insert_header("Location", "/x"))
        .mount(&server)
        .await;
    let err = get(&client(RetryConfig::none()), &server)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("more than 5 redirects"), "{err}");
    assert_eq!(server.received_requests().await.unwrap().len(), 6);
}

#[tokio::test]
async fn a_body_past_the_cap_is_an_error_not_a_memory_spike() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/x"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(vec![b'x'; 4096]))
        .mount(&server)
        .await;
    let c = HttpClient::new(KIND, HttpConfig::for_tests().with_max_body_bytes(1000)).unwrap();
    let err = get(&c, &server).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "fake: network error on GET /x: the response body is larger than the 1000-byte cap (HttpConfig::max_body_bytes); not read further; check the base URL and the network"
    );
    // Exactly at the cap is fine.
    let c = HttpClient::new(KIND, HttpConfig::for_tests().with_max_body_bytes(4096)).unwrap();
    assert_eq!(get(&c, &server).await.unwrap().body.len(), 4096);
}

#[tokio::test]
async fn retry_after_zero_or_garbage_does_not_turn_backoff_off() {
    let server = server_with(
        &[(503, Some("0")), (503, Some("-5")), (503, Some("soon"))],
        200,
    )
    .await;
    let retry = RetryConfig::fast()
        .with_initial_backoff(Duration::from_millis(40))
        .with_max_backoff(Duration::from_millis(40))
        .with_max_retry_after(Duration::from_millis(500))
        .with_jitter(false);
    let t0 = Instant::now();
    get(&client(retry), &server).await.unwrap();
    let took = t0.elapsed();
    assert!(took >= Duration::from_millis(120), "took {took:?}");
    assert!(took < Duration::from_secs(2), "took {took:?}");
}

#[test]
fn a_base_url_without_scheme_is_shown_and_fixed() {
    let err = evsessions_core::http::parse_base_url(&KIND, "127.0.0.1:1").unwrap_err();
    assert_eq!(
        err.to_string(),
        "fake: configuration error: invalid base URL \"127.0.0.1:1\": relative URL without a base; did you mean \"http://127.0.0.1:1/\"? (a base URL starts with https:// or http://)"
    );
    let err =
        evsessions_core::http::parse_base_url(&KIND, "//u:pw@127.0.0.1:1/x?token=SECRET&page=2")
            .unwrap_err();
    assert_eq!(
        err.to_string(),
        "fake: configuration error: invalid base URL \"REDACTED@127.0.0.1:1/x?token=REDACTED&page=2\": relative URL without a base; did you mean \"https://REDACTED:REDACTED@127.0.0.1:1/x?token=REDACTED&page=2\"? (a base URL starts with https:// or http://)"
    );
}

#[test]
fn the_plain_http_refusal_names_the_flag_and_the_builder() {
    let u = url::Url::parse("http://api.example.com/x").unwrap();
    let err = evsessions_core::http::check_base_url(&KIND, &u, false).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("--allow-insecure-http"), "{text}");
    assert!(
        text.contains("HttpConfig::with_allow_insecure_http"),
        "{text}"
    );
}

#[tokio::test]
async fn a_body_trickling_in_ends_at_the_total_timeout() {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        if let Ok((mut s, _)) = listener.accept() {
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n\r\n");
            for _ in 0..100 {
                if s.write_all(b"x").is_err() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    });
    let c = HttpClient::new(
        KIND,
        HttpConfig::for_tests()
            .with_timeout(Duration::from_millis(400))
            .with_retry(RetryConfig::none()),
    )
    .unwrap();
    let url = format!("http://127.0.0.1:{port}/x");
    let t0 = Instant::now();
    let e = c.send("GET /x", |h| h.get(&url)).await.unwrap_err();
    assert!(matches!(e, Error::Timeout { .. }), "{e:?}");
    assert!(t0.elapsed() < Duration::from_secs(2), "{:?}", t0.elapsed());
}

/// A `Retry-After` holds back every request of the client (and its clones), not only the one
/// that received it. (Only lower bounds on time: a sleep never ends early.)
#[tokio::test]
async fn a_retry_after_holds_back_every_request_of_the_source() {
    use wiremock::matchers::path;
    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(path("/busy"))
        .respond_with(wiremock::ResponseTemplate::new(429).insert_header("Retry-After", "1"))
        .mount(&server)
        .await;
    wiremock::Mock::given(path("/ok"))
        .respond_with(wiremock::ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let config = evsessions_core::HttpConfig::for_tests().with_retry(
        evsessions_core::RetryConfig::none()
            .with_max_retry_after(std::time::Duration::from_millis(300)),
    );
    let http = evsessions_core::HttpClient::new(
        evsessions_core::SourceKind::from_static("v"),
        config.clone(),
    )
    .unwrap();
    let other =
        evsessions_core::HttpClient::new(evsessions_core::SourceKind::from_static("v"), config)
            .unwrap();
    let busy = format!("{}/busy", server.uri());
    let ok = format!("{}/ok", server.uri());
    let e = http.send("GET /busy", |c| c.get(&busy)).await.unwrap_err();
    assert!(
        matches!(e, evsessions_core::Error::RateLimited { .. }),
        "{e:?}"
    );
    assert_eq!(http.rate_limited_responses(), 1);
    // Another client is not held.
    let t0 = std::time::Instant::now();
    other.send("GET /ok", |c| c.get(&ok)).await.unwrap();
    let free = t0.elapsed();
    // A clone of the held client waits for the Retry-After (capped at 300 ms) to pass.
    let clone = http.clone();
    clone.send("GET /ok", |c| c.get(&ok)).await.unwrap();
    let held = t0.elapsed();
    assert!(held >= std::time::Duration::from_millis(250), "{held:?}");
    assert!(free < held, "{free:?} {held:?}");
    assert_eq!(other.rate_limited_responses(), 0);
}

#[tokio::test]
async fn an_echoed_secret_is_masked_encoded_and_before_the_message_is_shortened() {
    const PASSWORD: &str = "p@ss w0rd&x=1";
    let c = HttpClient::new(
        KIND,
        HttpConfig::for_tests().with_retry(RetryConfig::none()),
    )
    .unwrap()
    .with_secrets([evsessions_core::SecretString::from(PASSWORD.to_string())]);
    // A token endpoint that echoes the password grant's form (the password form-encoded).
    let echo = "bad grant: grant_type=password&password=p%40ss+w0rd%26x%3D1&scope=x";
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(400).set_body_string(echo))
        .mount(&server)
        .await;
    let e = get(&c, &server).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "fake: GET /x failed with status 400: bad grant: grant_type=password&password=REDACTED&scope=x"
    );
    // The same echo where a shortened message would cut the secret in two (text bodies are
    // shown up to 200 characters): not even its first half is shown.
    let long = format!("{}password=p%40ss+w0rd%26x%3D1", "x".repeat(185));
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(400).set_body_string(long))
        .mount(&server)
        .await;
    let e = get(&c, &server).await.unwrap_err();
    let text = format!("{e} {e:?}");
    assert!(!text.contains("p%40") && !text.contains("p@"), "{text}");
    assert!(text.contains("password=REDACT…"), "{text}");
}

/// A decode error's excerpt is a window around the error: wherever the window cuts through an
/// echoed secret, no part of it long enough to matter is shown (what `HttpClient::decode`
/// does with its secrets: `Error::redacted`).
#[test]
fn a_decode_excerpt_never_shows_part_of_a_secret_the_window_cut() {
    const KEY: &str = "sk-live-0123456789abcdefXYZ";
    let vendor = SourceKind::from_static("v");
    let chars: Vec<char> = KEY.chars().collect();
    let mut cut = 0;
    for pad in 0..90 {
        for (before, after) in [(pad, 0), (0, pad)] {
            // A syntax error (`1 2`) between two echoes of the key.
            let text = format!(
                r#"{{"items": [{{"a": "{}{KEY}{}", "n": 1 2, "b": "{}{KEY}"}}]}}"#,
                "x".repeat(before),
                "y".repeat(after),
                "z".repeat(pad)
            );
            let e = evsessions_core::decode::decode_json::<serde_json::Value>(
                &vendor,
                "GET /x",
                text.as_bytes(),
            )
            .unwrap_err()
            .redacted(&[KEY]);
            let shown = format!("{e} {e:?}");
            if shown.contains("REDACTED") {
                cut += 1;
            }
            for part in chars.windows(6) {
                let part: String = part.iter().collect();
                assert!(!shown.contains(&part), "{part:?} shown: {shown}");
            }
        }
    }
    assert!(
        cut > 20,
        "the windows cut through the key in {cut} cases only"
    );
}
