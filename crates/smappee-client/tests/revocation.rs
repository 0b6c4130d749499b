//! A server that revokes access tokens while several listings are in flight: every session
//! arrives exactly once, no refresh token is sent twice, and a token is renewed only for a
//! revocation (core's `oauth` rule, which every OAuth source goes through). A server that
//! refuses every token after the first refresh ends the run with `Unauthenticated`, in bounded
//! requests.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::client;
use evsessions_core::oauth::MAX_UNACCEPTED_RENEWALS;
use evsessions_core::{Error, SessionQuery};
use evsessions_testkit::smappee::SmappeeMock;
use evsessions_testkit::VendorMock;

/// The listing of every session (both parks, completed and active) at `concurrency`.
fn query(concurrency: usize) -> SessionQuery {
    SessionQuery::new().concurrency(concurrency)
}

fn assert_each_refresh_token_sent_once(mock: &SmappeeMock, context: &str) {
    let presented = mock.presented_refresh_tokens();
    let distinct: HashSet<&String> = presented.iter().collect();
    assert_eq!(
        distinct.len(),
        presented.len(),
        "{context}: a refresh token was sent twice: {presented:?}"
    );
    assert_eq!(mock.refused_refreshes(), 0, "{context}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn revoked_every_k_calls_at_every_concurrency_reads_each_session_once() {
    for k in 1..=3u64 {
        for concurrency in [1usize, 4, 8] {
            let context = format!("revoked after {k} calls, concurrency {concurrency}");
            let mock = SmappeeMock::start().await;
            mock.revoke_each_token_after(k);
            let client = client(&mock);
            let (sessions, errors) = common::collect(&client, &query(concurrency)).await;
            assert!(errors.is_empty(), "{context}: {errors:?}");
            let mut got: Vec<String> = sessions.iter().map(|s| s.id.clone()).collect();
            got.sort();
            let mut want = mock.session_ids();
            want.sort();
            assert_eq!(got, want, "{context}: every session exactly once");
            assert_each_refresh_token_sent_once(&mock, &context);
            assert!(
                mock.revocations() >= 1,
                "{context}: the server revoked nothing, the test proves nothing"
            );
            assert!(
                mock.token_requests() <= mock.revocations() + 1,
                "{context}: {} token calls for {} revocations",
                mock.token_requests(),
                mock.revocations()
            );
            assert_eq!(
                mock.password_grants(),
                1,
                "{context}: refreshes, not sign-ins"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_server_refusing_every_token_after_the_first_refresh_ends_unauthenticated() {
    for concurrency in [1usize, 4, 8] {
        let context = format!("concurrency {concurrency}");
        let mock = SmappeeMock::start().await;
        mock.revoke_each_token_after(1);
        mock.refuse_data_after_first_refresh();
        let client = client(&mock);
        let q = query(concurrency);
        let run = common::collect(&client, &q);
        let (sessions, errors) = tokio::time::timeout(Duration::from_secs(20), run)
            .await
            .unwrap_or_else(|_| panic!("{context}: the run did not end"));
        assert!(sessions.len() <= 1, "{context}: {sessions:?}");
        assert!(
            matches!(errors.as_slice(), [Error::Unauthenticated { .. }]),
            "{context}: {errors:?}"
        );
        assert_each_refresh_token_sent_once(&mock, &context);
        // One sign-in, then at most the renewals that no accepted call followed.
        let bound = 1 + u64::from(MAX_UNACCEPTED_RENEWALS);
        assert!(
            mock.token_requests() <= bound,
            "{context}: {} token calls (at most {bound})",
            mock.token_requests()
        );
        assert!(
            mock.token_requests() >= 2,
            "{context}: it renewed at least once"
        );
        let refused = mock.unauthorized_data_calls();
        let refused_bound = (bound + 1) * concurrency as u64 + 8;
        assert!(
            refused <= refused_bound,
            "{context}: {refused} refused data calls (at most {refused_bound})"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn calls_that_carried_an_older_token_retry_with_the_current_one_without_renewing() {
    let mock = SmappeeMock::start().await;
    let client = client(&mock);
    client.authenticate().await.unwrap();
    // Every token in hand stops working at once; 8 calls that carried it fail together.
    mock.revoke_access_tokens();
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let c = client.clone();
        tasks.push(tokio::spawn(async move { c.service_locations().await }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap().service_locations.len(), 3);
    }
    assert_eq!(mock.refresh_grants(), 1, "one renewal for the 8 calls");
    assert_eq!(mock.token_requests(), 2);
    assert_each_refresh_token_sent_once(&mock, "revoked at once");
}
