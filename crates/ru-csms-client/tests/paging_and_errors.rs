//! Paging by the server's own page size, and errors: the application status in `meta` under
//! HTTP 200, HTTP errors, bad records, bodies that are not the envelope.

mod common;

use common::*;
use evsessions_core::{Error, HttpConfig, SessionQuery};
use evsessions_testkit::ru_csms::{RuCsmsMockOptions, BAD_RECORD_ID, TOKEN};
use evsessions_testkit::{Fault, VendorMock};
use ru_csms_client::{Client, Config};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

fn queries(requests: &[wiremock::Request]) -> Vec<Vec<(String, String)>> {
    requests
        .iter()
        .map(|r| {
            r.url
                .query_pairs()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .collect()
}

fn pair(k: &str, v: &str) -> (String, String) {
    (k.to_string(), v.to_string())
}

#[tokio::test]
async fn pages_by_the_per_page_the_server_echoes() {
    let mock = mock(RuCsmsMockOptions::default().with_server_per_page(7)).await;
    let sessions = all(&client(&mock)).await;
    let mut got: Vec<String> = sessions.iter().map(|s| s.id.clone()).collect();
    assert_eq!(got.len(), 49);
    assert_eq!(got, mock.session_ids(), "newest first, each once");
    got.dedup();
    assert_eq!(got.len(), 49);
    // asked 100 per page, served 7: 49 = 7 × 7, so exactly 7 requests and no 8th.
    let reqs = mock.server().received_requests().await.unwrap();
    let mut q = queries(&reqs);
    // Pages are fetched several at once (SessionQuery::concurrency): they may reach the
    // server in any order; each is asked exactly once.
    q.sort_by_key(|qs| {
        qs.iter()
            .find(|(k, _)| k == "page")
            .map(|(_, v)| v.parse::<u32>().unwrap())
    });
    assert_eq!(q.len(), 7, "{q:?}");
    for (i, qs) in q.iter().enumerate() {
        assert_eq!(
            qs,
            &vec![pair("page", &(i + 1).to_string()), pair("per_page", "100")]
        );
    }
    for r in &reqs {
        assert_eq!(
            r.headers.get("authorization").unwrap().to_str().unwrap(),
            format!("Bearer {TOKEN}")
        );
    }
}

#[tokio::test]
async fn a_short_last_page_and_the_query_page_size() {
    let mock = mock(RuCsmsMockOptions::default().with_server_per_page(10)).await;
    assert_eq!(all(&client(&mock)).await.len(), 49);
    assert_eq!(mock.server().received_requests().await.unwrap().len(), 5);

    // No server override: the query's page size is asked and honoured.
    let mock = mock_default().await;
    let (got, errs) = collect(&client(&mock), &SessionQuery::new().page_size(20)).await;
    assert!(errs.is_empty());
    assert_eq!(got.len(), 49);
    let q = queries(&mock.server().received_requests().await.unwrap());
    assert_eq!(q.len(), 3);
    assert_eq!(q[2], vec![pair("page", "3"), pair("per_page", "20")]);
}

async fn mock_default() -> evsessions_testkit::ru_csms::RuCsmsMock {
    mock(RuCsmsMockOptions::default()).await
}

#[tokio::test]
async fn the_configured_url_keeps_its_own_query() {
    let mock = mock_default().await;
    let c = Client::new(
        builder(&mock)
            .sessions_url(format!("{}?lang=ru&page=9", mock.sessions_url()))
            .per_page(30)
            .build()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(all(&c).await.len(), 49);
    let q = queries(&mock.server().received_requests().await.unwrap());
    assert_eq!(
        q,
        vec![
            vec![
                pair("lang", "ru"),
                pair("page", "1"),
                pair("per_page", "30")
            ],
            vec![
                pair("lang", "ru"),
                pair("page", "2"),
                pair("per_page", "30")
            ],
        ]
    );
}

#[tokio::test]
async fn a_refused_token_under_http_200_is_unauthenticated_with_the_servers_words() {
    let mock = mock_default().await;
    let c = Client::new(builder(&mock).token("nope-secret-123").build().unwrap()).unwrap();
    let (got, errs) = collect(&c, &SessionQuery::new()).await;
    assert!(got.is_empty());
    assert_eq!(errs.len(), 1);
    match &errs[0] {
        Error::Unauthenticated { reason, .. } => assert_eq!(
            reason.as_deref(),
            Some("Unauthorized: Токен доступа недействителен или истёк")
        ),
        other => panic!("{other:?}"),
    }
    let text = errs[0].to_string();
    assert!(
        text.contains("Токен доступа недействителен или истёк"),
        "{text}"
    );
    assert!(!text.contains("nope-secret-123"), "{text}");
    assert!(!format!("{:?}", errs[0]).contains("nope-secret-123"));
    assert!(!errs[0].is_retryable());
    assert_eq!(
        mock.server().received_requests().await.unwrap().len(),
        1,
        "no retry"
    );

    // No token at all (explicit no_auth): no header is sent, and the same refusal.
    let c = Client::new(
        Config::builder()
            .sessions_url(mock.sessions_url())
            .no_auth()
            .http(HttpConfig::for_tests())
            .build()
            .unwrap(),
    )
    .unwrap();
    let err = c.list_page(1, 10).await.unwrap_err();
    assert!(matches!(err, Error::Unauthenticated { .. }), "{err:?}");
    let reqs = mock.server().received_requests().await.unwrap();
    assert!(reqs.last().unwrap().headers.get("authorization").is_none());
}

async fn serve(status: u16, body: serde_json::Value) -> (MockServer, Client) {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .mount(&server)
        .await;
    let c = Client::new(
        Config::builder()
            .sessions_url(format!("{}/api/v1/client/sessions", server.uri()))
            .token("t")
            .http(HttpConfig::for_tests())
            .build()
            .unwrap(),
    )
    .unwrap();
    (server, c)
}

fn envelope(code: i64, name: &str, description: &str) -> serde_json::Value {
    serde_json::json!({
        "meta": {"generated_at": 1705504778, "status_code": code, "status_name": name, "status_description": description},
        "payload": null
    })
}

#[tokio::test]
async fn meta_errors_under_http_200() {
    let (_s, c) = serve(200, envelope(403, "Forbidden", "Доступ запрещён")).await;
    match c.list_page(1, 10).await.unwrap_err() {
        Error::PermissionDenied { reason, .. } => {
            assert_eq!(reason.as_deref(), Some("Forbidden: Доступ запрещён"))
        }
        other => panic!("{other:?}"),
    }

    let (_s, c) = serve(
        200,
        envelope(422, "Unprocessable Entity", "per_page too large"),
    )
    .await;
    match c.list_page(1, 10).await.unwrap_err() {
        Error::Api {
            endpoint,
            status,
            code,
            message,
            ..
        } => {
            assert_eq!(endpoint, "GET /api/v1/client/sessions");
            assert_eq!(status, Some(422));
            assert_eq!(code.as_deref(), Some("Unprocessable Entity"));
            assert_eq!(message.as_deref(), Some("per_page too large"));
        }
        other => panic!("{other:?}"),
    }

    let (_s, c) = serve(200, envelope(500, "Internal Server Error", "")).await;
    let e = c.list_page(1, 10).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "ru-csms: GET /api/v1/client/sessions failed with status 500 [Internal Server Error]"
    );

    let (_s, c) = serve(200, envelope(70000, "Weird", "out of range")).await;
    match c.list_page(1, 10).await.unwrap_err() {
        Error::Api { status, code, .. } => {
            assert_eq!(status, None);
            assert_eq!(code.as_deref(), Some("70000 Weird"));
        }
        other => panic!("{other:?}"),
    }

    // success status with a null payload is not an empty list
    let (_s, c) = serve(200, envelope(200, "OK", "")).await;
    match c.list_page(1, 10).await.unwrap_err() {
        Error::Decode { path, .. } => assert_eq!(path, "payload"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn http_errors_keep_the_envelope_words_and_are_retried_by_core() {
    let (server, c) = serve(401, envelope(401, "Unauthorized", "Token expired")).await;
    match c.list_page(1, 10).await.unwrap_err() {
        Error::Unauthenticated { reason, .. } => {
            assert_eq!(reason.as_deref(), Some("Unauthorized: Token expired"))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(server.received_requests().await.unwrap().len(), 1);

    let (server, c) = serve(503, serde_json::json!({"message": "maintenance"})).await;
    match c.list_page(1, 10).await.unwrap_err() {
        Error::Api {
            status, message, ..
        } => {
            assert_eq!(status, Some(503));
            assert_eq!(message.as_deref(), Some("maintenance"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        4,
        "1 + 3 retries"
    );
}

#[tokio::test]
async fn faults_from_the_mock() {
    let mock = mock_default().await;
    mock.inject(Fault::status(503).retry_after("1"), 2).await;
    assert_eq!(all(&client(&mock)).await.len(), 49);

    mock.inject(Fault::Html, 1).await;
    let err = client(&mock).list_page(1, 10).await.unwrap_err();
    assert!(
        matches!(err, Error::Decode { .. }) && err.to_string().contains("HTML"),
        "{err}"
    );

    mock.inject(Fault::Truncated, 1).await;
    let err = client(&mock).list_page(1, 10).await.unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err}");
}

#[tokio::test]
async fn one_bad_record_is_one_error_naming_it_and_the_rest_arrive() {
    let mock = mock(
        RuCsmsMockOptions::default()
            .with_bad_record(true)
            .with_server_per_page(20),
    )
    .await;
    let (got, errs) = collect(&client(&mock), &SessionQuery::new()).await;
    assert_eq!(got.len(), 48);
    assert_eq!(errs.len(), 1);
    match &errs[0] {
        Error::Decode { record, path, .. } => {
            assert_eq!(record.as_deref(), Some(BAD_RECORD_ID));
            assert_eq!(path, "power");
        }
        other => panic!("{other:?}"),
    }
}
