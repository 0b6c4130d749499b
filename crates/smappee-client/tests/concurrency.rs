//! Concurrent calls (SessionQuery::concurrency) over Smappee's scopes (parks and stations, each
//! with its completed and active call), against the mock: the same sessions in the same order
//! as one call at a time, and at most `concurrency` requests at the server at once (counted by
//! a proxy, not timed).

mod common;

use std::time::Duration;

use common::builder;
use evsessions_core::{SessionQuery, StatusFilter};
use evsessions_testkit::proxy::CountingProxy;
use evsessions_testkit::smappee::SmappeeMock;
use evsessions_testkit::VendorMock;
use smappee_client::Client;

async fn ids(c: &Client, q: &SessionQuery) -> Vec<String> {
    let (ok, errs) = evsessions_testkit::collect(c, q).await;
    assert!(errs.is_empty(), "{errs:?}");
    ok.into_iter().map(|s| s.id).collect()
}

#[tokio::test]
async fn the_same_sessions_in_the_same_order_as_one_call_at_a_time() {
    let mock = SmappeeMock::start().await;
    let c = Client::new(builder(&mock).build().unwrap()).unwrap();
    for status in [
        StatusFilter::All,
        StatusFilter::Completed,
        StatusFilter::Active,
    ] {
        let q = SessionQuery::new().status(status);
        let one = ids(&c, &q.clone().concurrency(1)).await;
        assert!(!one.is_empty(), "{status:?}");
        for n in [2usize, 8] {
            assert_eq!(
                ids(&c, &q.clone().concurrency(n)).await,
                one,
                "{status:?} at {n}"
            );
        }
    }
}

#[tokio::test]
async fn at_most_concurrency_calls_at_once_and_it_is_reached() {
    let mock = SmappeeMock::start().await;
    let one = ids(
        &Client::new(builder(&mock).build().unwrap()).unwrap(),
        &SessionQuery::new().concurrency(1),
    )
    .await;
    for n in [1usize, 3] {
        // Not gated: the token and discovery calls come one at a time before the walk, and a
        // gate would hold them. 100 ms a response leaves the calls sent together ample time to
        // be seen together.
        let proxy = CountingProxy::start(&mock.server().uri(), Duration::from_millis(100))
            .await
            .unwrap();
        let c = Client::new(
            builder(&mock)
                .base_url(proxy.url_for(&mock.base_url()))
                .build()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(
            ids(&c, &SessionQuery::new().concurrency(n)).await,
            one,
            "concurrency {n}"
        );
        assert_eq!(proxy.max_in_flight(), n, "concurrency {n}");
    }
}
