//! Concurrent paging (SessionQuery::concurrency) against the RU mock: the same sessions in the
//! same order as one page at a time, at most `concurrency` requests at the server at once
//! (counted by a proxy, not timed), a 429 mid-walk, and no pages ahead with a window.

use std::time::Duration;

use evsessions_core::{HttpConfig, SessionQuery, SessionSource, SessionSourceExt};
use evsessions_testkit::proxy::CountingProxy;
use evsessions_testkit::ru_csms::{RuCsmsMock, RuCsmsMockOptions, TOKEN};
use evsessions_testkit::{Fault, VendorMock};
use futures::StreamExt;
use ru_csms_client::{Client, Config};

fn client_at(url: &str) -> Client {
    Client::new(
        Config::builder()
            .sessions_url(url)
            .token(TOKEN)
            .http(HttpConfig::for_tests())
            .build()
            .unwrap(),
    )
    .unwrap()
}

async fn ids_of(c: &Client, q: &SessionQuery) -> Vec<String> {
    let (ok, errs) = evsessions_testkit::collect(c, q).await;
    assert!(errs.is_empty(), "{errs:?}");
    ok.into_iter().map(|s| s.id).collect()
}

#[tokio::test]
async fn the_same_sessions_in_the_same_order_as_one_page_at_a_time() {
    for per_page in [1u32, 3, 7, 100] {
        let mock =
            RuCsmsMock::start_with(RuCsmsMockOptions::default().with_server_per_page(per_page))
                .await;
        let c = client_at(&mock.sessions_url());
        let one = ids_of(&c, &SessionQuery::new().concurrency(1)).await;
        assert_eq!(one, mock.session_ids(), "per page {per_page}");
        let sequential = mock.server().received_requests().await.unwrap().len();
        assert_eq!(sequential, 49usize.div_ceil(per_page as usize));
        for n in [2usize, 8] {
            let got = ids_of(&c, &SessionQuery::new().concurrency(n)).await;
            assert_eq!(got, one, "per page {per_page}, concurrency {n}");
        }
        assert_eq!(
            mock.server().received_requests().await.unwrap().len(),
            3 * sequential,
            "no page asked twice, none past the stated total"
        );
    }
}

#[tokio::test]
async fn at_most_concurrency_requests_at_once_and_it_is_reached() {
    let mock = RuCsmsMock::start_with(RuCsmsMockOptions::default().with_server_per_page(5)).await;
    for n in [1usize, 3, 8] {
        let proxy =
            CountingProxy::start_gated(&mock.server().uri(), Duration::from_millis(5), Some(n))
                .await
                .unwrap();
        let c = client_at(&proxy.url_for(&mock.sessions_url()));
        let got = ids_of(&c, &SessionQuery::new().concurrency(n)).await;
        assert_eq!(got, mock.session_ids(), "concurrency {n}");
        assert_eq!(proxy.max_in_flight(), n, "concurrency {n}");
        assert_eq!(proxy.requests(), 10);
    }
}

#[tokio::test]
async fn with_a_window_the_newest_first_list_is_read_one_page_at_a_time() {
    let mock = RuCsmsMock::start_with(RuCsmsMockOptions::default().with_server_per_page(5)).await;
    let proxy = CountingProxy::start(&mock.server().uri(), Duration::from_millis(2))
        .await
        .unwrap();
    let c = client_at(&proxy.url_for(&mock.sessions_url()));
    let q = SessionQuery::new()
        .from("2000-01-01T00:00:00Z".parse().unwrap())
        .concurrency(8);
    let one = ids_of(&client_at(&mock.sessions_url()), &q.clone().concurrency(1)).await;
    assert_eq!(one.len(), 48, "every session with a start");
    assert_eq!(ids_of(&c, &q).await, one);
    assert_eq!(proxy.max_in_flight(), 1);
    assert_eq!(proxy.requests(), 10);
}

#[tokio::test]
async fn a_429_with_retry_after_mid_walk_still_yields_every_session_once_in_order() {
    let mock = RuCsmsMock::start_with(RuCsmsMockOptions::default().with_server_per_page(4)).await;
    let c = client_at(&mock.sessions_url());
    let q = SessionQuery::new().concurrency(8);
    let mut stream = c.sessions(&q);
    let mut got = vec![stream.next().await.unwrap().unwrap().id];
    mock.inject(Fault::status(429).retry_after("1"), 2).await;
    while let Some(s) = stream.next().await {
        got.push(s.unwrap().id);
    }
    drop(stream);
    assert_eq!(got, mock.session_ids());
    assert_eq!(c.rate_limited_responses(), Some(2));
    assert_eq!(
        mock.server().received_requests().await.unwrap().len(),
        13 + 2
    );
}
