//! Token handling against the mock: single-flight, rotation, password fallback, 401 mid-run,
//! wrong credentials, the token store.

mod common;

use std::sync::Arc;

use common::{builder, client, collect};
use evsessions_core::{Error, ExposeSecret, SessionQuery, SessionSourceExt};
use evsessions_testkit::fault::mount_fault;
use evsessions_testkit::smappee::{SmappeeMock, SmappeeMockOptions, PASSWORD};
use evsessions_testkit::{Fault, VendorMock};
use futures::StreamExt;
use smappee_client::{Client, MemoryTokenStore, TokenStore, Tokens};
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, ResponseTemplate};

/// A mock whose tokens are due as soon as they are issued (expires_in 60 s < margin 120 s).
async fn short_lived_mock() -> SmappeeMock {
    SmappeeMock::start_with(SmappeeMockOptions::default().with_expires_in(60)).await
}

async fn run_concurrently(client: &Client, n: usize) {
    let mut tasks = Vec::new();
    for _ in 0..n {
        let c = client.clone();
        tasks.push(tokio::spawn(async move { c.service_locations().await }));
    }
    for t in tasks {
        let locs = t.await.unwrap().unwrap();
        assert_eq!(locs.service_locations.len(), 3);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_first_calls_share_one_password_grant() {
    let mock = SmappeeMock::start().await;
    let client = client(&mock);
    run_concurrently(&client, 8).await;
    assert_eq!(mock.password_grants(), 1);
    assert_eq!(mock.token_requests(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_callers_share_exactly_one_refresh() {
    let mock = short_lived_mock().await;
    let client = client(&mock);
    client.authenticate().await.unwrap();
    assert_eq!(mock.password_grants(), 1);
    // The first token is due now; the refreshed one will live long.
    mock.set_expires_in(3600);
    run_concurrently(&client, 8).await;
    assert_eq!(mock.refresh_grants(), 1, "8 callers, one refresh");
    assert_eq!(mock.token_requests(), 2);
    assert_eq!(mock.password_grants(), 1);
    assert_eq!(mock.refused_refreshes(), 0);
}

#[tokio::test]
async fn refresh_tokens_rotate_and_the_newest_is_always_used() {
    let mock = short_lived_mock().await;
    let store = Arc::new(MemoryTokenStore::new());
    let client = Client::new(builder(&mock).token_store(store.clone()).build().unwrap()).unwrap();
    client.authenticate().await.unwrap(); // password grant → refresh token #1
    client.authenticate().await.unwrap(); // due → refresh with #1 → #2
    client.authenticate().await.unwrap(); // due → refresh with #2 → #3
    let issued = mock.issued_refresh_tokens();
    assert_eq!(issued.len(), 3);
    assert_eq!(mock.presented_refresh_tokens(), issued[..2].to_vec());
    assert_eq!(mock.refresh_grants(), 2);
    assert_eq!(mock.refused_refreshes(), 0);
    assert_eq!(mock.password_grants(), 1);
    // The store holds the newest pair.
    let saved = store.tokens().unwrap();
    assert_eq!(
        saved.refresh_token.unwrap().expose_secret(),
        issued[2].as_str()
    );
    assert!(saved.expires_at.is_some());
}

#[tokio::test]
async fn refused_refresh_falls_back_to_the_password_grant() {
    let mock = short_lived_mock().await;
    let client = client(&mock);
    client.authenticate().await.unwrap();
    mock.revoke_refresh_tokens();
    // Due → refresh refused (400 invalid_grant) → password grant → the call succeeds.
    let locs = client.service_locations().await.unwrap();
    assert_eq!(locs.service_locations.len(), 3);
    assert_eq!(mock.refused_refreshes(), 1);
    assert_eq!(mock.password_grants(), 2);
}

/// Read every session at `concurrency` calls at once, the server revoking the access token
/// after the first session arrived; every session must still arrive (compared with a read
/// before the revocation). Gives the mock back for its counters.
async fn read_with_token_revoked_mid_walk(concurrency: usize) -> SmappeeMock {
    let mock = SmappeeMock::start().await;
    let client = client(&mock);
    let (baseline, errs) = collect(&client, &SessionQuery::new()).await;
    assert!(errs.is_empty(), "{errs:?}");
    assert_eq!(mock.password_grants(), 1);

    let mut stream = client.sessions(&SessionQuery::new().concurrency(concurrency));
    let first = stream.next().await.unwrap().unwrap();
    // The server stops accepting the access token in the middle of the walk.
    mock.revoke_access_tokens();
    let mut got = vec![first];
    while let Some(item) = stream.next().await {
        got.push(item.unwrap());
    }
    assert_eq!(common::sorted_ids(&got), common::sorted_ids(&baseline));
    mock
}

#[tokio::test]
async fn token_rejected_mid_run_is_refreshed_and_the_run_succeeds() {
    // One call at a time, so that exactly one call meets the revoked token.
    let mock = read_with_token_revoked_mid_walk(1).await;
    assert_eq!(mock.unauthorized_data_calls(), 1);
    assert_eq!(mock.refresh_grants(), 1);
    assert_eq!(mock.password_grants(), 1, "a refresh, not a new login");
    // The refresh used the newest refresh token.
    assert_eq!(
        mock.presented_refresh_tokens(),
        vec![mock.issued_refresh_tokens()[0].clone()]
    );
}

/// The same with calls made concurrently (the default): every call that meets the revoked
/// token is retried once, after one refresh shared by all of them.
#[tokio::test]
async fn token_rejected_mid_run_with_concurrent_calls_is_refreshed_once() {
    let mock = read_with_token_revoked_mid_walk(4).await;
    let unauthorized = mock.unauthorized_data_calls();
    assert!((1..=4).contains(&unauthorized), "{unauthorized}");
    assert_eq!(mock.refresh_grants(), 1);
    assert_eq!(mock.password_grants(), 1, "a refresh, not a new login");
}

#[tokio::test]
async fn concurrent_401s_trigger_one_renewal() {
    let mock = SmappeeMock::start().await;
    let client = client(&mock);
    client.authenticate().await.unwrap();
    mock.revoke_access_tokens();
    run_concurrently(&client, 8).await;
    assert_eq!(mock.refresh_grants(), 1);
    assert_eq!(mock.password_grants(), 1);
}

#[tokio::test]
async fn a_call_refused_with_every_renewed_token_is_unauthenticated_after_its_renewals() {
    let mock = SmappeeMock::start().await;
    Mock::given(method("GET"))
        .and(path_regex("^/dev/v3/chargingstations/.*/sessions$"))
        .respond_with(ResponseTemplate::new(401).set_body_raw(
            br#"{"error":"invalid_token","error_description":"Token revoked"}"#.to_vec(),
            "application/json",
        ))
        .with_priority(1)
        .mount(mock.server())
        .await;
    let client = client(&mock);
    let err = client
        .station_sessions("6100041237", smappee_client::SessionRange::all(), false)
        .await
        .unwrap_err();
    match &err {
        Error::Unauthenticated { reason, .. } => {
            assert_eq!(reason.as_deref(), Some("invalid_token: Token revoked"))
        }
        other => panic!("{other:?}"),
    }
    let station_calls = common::data_requests(&mock)
        .await
        .into_iter()
        .filter(|p| p.starts_with("/dev/v3/chargingstations/"))
        .count();
    let renewals = evsessions_core::oauth::DEFAULT_MAX_RENEWALS as usize;
    assert_eq!(
        station_calls,
        1 + renewals,
        "sent once, then once after each of its renewals"
    );
    assert_eq!(
        mock.token_requests(),
        1 + renewals as u64,
        "one login, then its renewals"
    );
    assert_eq!(mock.password_grants(), 1, "renewals are refreshes");
}

#[tokio::test]
async fn wrong_password_is_unauthenticated_with_the_servers_reason() {
    let mock = SmappeeMock::start().await;
    let client = Client::new(builder(&mock).password("not-the-password").build().unwrap()).unwrap();
    let (got, errs) = collect(&client, &SessionQuery::new()).await;
    assert!(got.is_empty());
    assert_eq!(errs.len(), 1);
    match &errs[0] {
        Error::Unauthenticated { reason, .. } => assert_eq!(
            reason.as_deref(),
            Some("unauthorized_client: Invalid Credentials")
        ),
        other => panic!("{other:?}"),
    }
    let text = errs[0].to_string();
    assert!(text.contains("Invalid Credentials"), "{text}");
    assert!(!text.contains("not-the-password"), "{text}");
    assert_eq!(mock.refused_password_grants(), 1);
}

#[tokio::test]
async fn wrong_client_secret_is_unauthenticated_too() {
    let mock = SmappeeMock::start().await;
    let client = Client::new(builder(&mock).client_secret("nope").build().unwrap()).unwrap();
    let err = client.authenticate().await.unwrap_err();
    assert!(
        matches!(&err, Error::Unauthenticated { reason: Some(r), .. } if r.contains("Invalid Credentials")),
        "{err:?}"
    );
}

#[tokio::test]
async fn the_token_request_is_a_form_with_every_field() {
    let mock = SmappeeMock::start().await;
    client(&mock).authenticate().await.unwrap();
    let reqs = mock.server().received_requests().await.unwrap();
    let token_req = reqs
        .iter()
        .find(|r| r.url.path() == "/dev/v3/oauth2/token")
        .unwrap();
    let ct = token_req
        .headers
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(ct.starts_with("application/x-www-form-urlencoded"), "{ct}");
    let form: std::collections::HashMap<String, String> =
        url::form_urlencoded::parse(&token_req.body)
            .into_owned()
            .collect();
    assert_eq!(form["grant_type"], "password");
    assert_eq!(form["password"], PASSWORD);
    for k in ["client_id", "client_secret", "username"] {
        assert!(form.contains_key(k), "{k}");
    }
    assert!(
        reqs.iter().all(|r| r.method.as_str() != "GET"),
        "authenticate makes no data call"
    );
}

#[tokio::test]
async fn the_v1_token_path_can_be_configured() {
    let mock = SmappeeMock::start().await;
    let client = Client::new(
        builder(&mock)
            .token_path("/dev/v1/oauth2/token")
            .build()
            .unwrap(),
    )
    .unwrap();
    client.service_locations().await.unwrap();
    let reqs = mock.server().received_requests().await.unwrap();
    assert!(reqs.iter().any(|r| r.url.path() == "/dev/v1/oauth2/token"));
    let get = reqs.iter().find(|r| r.method.as_str() == "GET").unwrap();
    let auth = get.headers.get("authorization").unwrap().to_str().unwrap();
    assert!(auth.starts_with("Bearer mock-access-"), "{auth}");
}

#[tokio::test]
async fn a_503_from_the_token_endpoint_is_retried() {
    let mock = SmappeeMock::start().await;
    mount_fault(
        mock.server(),
        "POST",
        "^/dev/v3/oauth2/token$",
        &Fault::status(503).retry_after("1"),
        1,
    )
    .await;
    client(&mock).authenticate().await.unwrap();
    assert_eq!(mock.password_grants(), 1);
}

/// A refresh answered 503 is not sent again (its refresh token would be presented twice to a
/// server that may have rotated it already): the client falls back to the password grant, and
/// the store is never offered the spent refresh token again.
#[tokio::test]
async fn a_failed_refresh_is_never_resent_and_falls_back_to_the_password_grant() {
    let mock = short_lived_mock().await;
    let store = Arc::new(MemoryTokenStore::new());
    let client = Client::new(builder(&mock).token_store(store.clone()).build().unwrap()).unwrap();
    client.authenticate().await.unwrap();
    let first_refresh = mock.issued_refresh_tokens()[0].clone();
    Mock::given(method("POST"))
        .and(path_regex("^/dev/v3/oauth2/token$"))
        .and(wiremock::matchers::body_string_contains(
            "grant_type=refresh_token",
        ))
        .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", "0"))
        .with_priority(1)
        .up_to_n_times(1)
        .mount(mock.server())
        .await;
    // Due → refresh (503, not retried) → password grant → the call succeeds.
    let locs = client.service_locations().await.unwrap();
    assert_eq!(locs.service_locations.len(), 3);
    let refreshes: Vec<String> = mock
        .server()
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| String::from_utf8_lossy(&r.body).contains("grant_type=refresh_token"))
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .collect();
    assert_eq!(
        refreshes.len(),
        1,
        "the refresh was sent once: {refreshes:?}"
    );
    assert!(refreshes[0].contains(&first_refresh));
    assert_eq!(mock.password_grants(), 2);
    let saved = store.tokens().unwrap();
    assert_ne!(
        saved.refresh_token.map(|t| t.expose_secret().to_string()),
        Some(first_refresh),
        "the store still offers the spent refresh token"
    );
}

#[tokio::test]
async fn tokens_persist_across_clients_through_the_store() {
    let mock = SmappeeMock::start().await;
    let store = Arc::new(MemoryTokenStore::new());
    let a = Client::new(builder(&mock).token_store(store.clone()).build().unwrap()).unwrap();
    a.authenticate().await.unwrap();
    // A second run with the same store logs in no more.
    let b = Client::new(builder(&mock).token_store(store.clone()).build().unwrap()).unwrap();
    b.service_locations().await.unwrap();
    assert_eq!(mock.token_requests(), 1);
}

#[tokio::test]
async fn a_stored_due_token_is_refreshed_with_the_stored_refresh_token() {
    let mock = short_lived_mock().await;
    let store = Arc::new(MemoryTokenStore::new());
    let a = Client::new(builder(&mock).token_store(store.clone()).build().unwrap()).unwrap();
    a.authenticate().await.unwrap();
    let b = Client::new(builder(&mock).token_store(store.clone()).build().unwrap()).unwrap();
    b.authenticate().await.unwrap();
    assert_eq!(mock.password_grants(), 1);
    assert_eq!(mock.refresh_grants(), 1);
    assert_eq!(
        mock.presented_refresh_tokens(),
        vec![mock.issued_refresh_tokens()[0].clone()]
    );
}

#[tokio::test]
async fn a_stored_token_the_server_refuses_is_replaced() {
    let mock = SmappeeMock::start().await;
    let stale = Tokens::new("stale-access".into(), Some("stale-refresh".into()), None);
    let store = Arc::new(MemoryTokenStore::with_tokens(stale));
    let client = Client::new(builder(&mock).token_store(store.clone()).build().unwrap()).unwrap();
    // 401 → refresh refused (unknown token) → password grant → retried call succeeds.
    client.service_locations().await.unwrap();
    assert_eq!(mock.unauthorized_data_calls(), 1);
    assert_eq!(mock.refused_refreshes(), 1);
    assert_eq!(mock.password_grants(), 1);
    let saved = store.load().await.unwrap().unwrap();
    assert!(saved
        .access_token
        .expose_secret()
        .starts_with("mock-access-"));
}

#[tokio::test]
async fn debug_output_never_shows_a_secret() {
    let mock = SmappeeMock::start().await;
    let store = Arc::new(MemoryTokenStore::new());
    let b = builder(&mock).token_store(store.clone());
    let builder_debug = format!("{b:?}");
    let config = b.build().unwrap();
    let client = Client::new(config.clone()).unwrap();
    client.authenticate().await.unwrap();
    let tokens = store.tokens().unwrap();
    let text = format!("{builder_debug} {config:?} {client:?} {tokens:?} {store:?}");
    for secret in [
        evsessions_testkit::smappee::CLIENT_ID,
        evsessions_testkit::smappee::CLIENT_SECRET,
        evsessions_testkit::smappee::USERNAME,
        PASSWORD,
        tokens.access_token.expose_secret(),
        tokens.refresh_token.as_ref().unwrap().expose_secret(),
    ] {
        assert!(!text.contains(secret), "{secret} leaked in {text}");
    }
    assert!(text.contains("REDACTED"));
}
