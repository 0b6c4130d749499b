//! Concurrent paging (SessionQuery::concurrency) over the charge ids, against the CleverPower
//! mock: the same sessions and record errors in the same order as one charge point at a time,
//! and at most `concurrency` requests at the server at once (counted by a proxy, not timed).

use std::time::Duration;

use cleverpower_client::{Client, Config};
use evsessions_core::{HttpConfig, SessionQuery};
use evsessions_testkit::cleverpower::{CleverPowerMock, TOKEN, UNKNOWN_CHARGE_ID};
use evsessions_testkit::proxy::CountingProxy;
use evsessions_testkit::VendorMock;

/// Unknown charge ids (each a page holding one error) around every charge id of the mock: 9
/// distinct pages.
fn charge_ids(mock: &CleverPowerMock) -> Vec<String> {
    let mut ids = vec![UNKNOWN_CHARGE_ID.to_string()];
    for (i, known) in mock.charge_ids().into_iter().enumerate() {
        ids.push(known);
        ids.push(format!("NOPE-{i}-X"));
    }
    ids.extend(["NOPE-8-X", "NOPE-9-X"].map(String::from));
    assert_eq!(ids.len(), 9, "{ids:?}");
    ids
}

fn client_at(url: &str, ids: Vec<String>) -> Client {
    Client::new(
        Config::builder()
            .base_url(url)
            .bearer_token(TOKEN)
            .charge_ids(ids)
            .http(HttpConfig::for_tests())
            .build()
            .unwrap(),
    )
    .unwrap()
}

/// Each item as text: a session's id, or the charge id an error names.
async fn items(c: &Client, q: &SessionQuery) -> Vec<String> {
    let mut out = Vec::new();
    let mut stream = evsessions_core::SessionSourceExt::sessions(c, q);
    while let Some(item) = futures::StreamExt::next(&mut stream).await {
        out.push(match item {
            Ok(s) => s.id,
            Err(e) => format!("error: {e}"),
        });
    }
    out
}

#[tokio::test]
async fn the_same_sessions_and_errors_in_the_same_order_as_one_point_at_a_time() {
    let mock = CleverPowerMock::start().await;
    let ids = charge_ids(&mock);
    let c = client_at(&mock.base_url(), ids.clone());
    let one = items(&c, &SessionQuery::new().concurrency(1)).await;
    let errors: Vec<&String> = one.iter().filter(|i| i.starts_with("error")).collect();
    assert_eq!(errors.len(), 6, "{one:?}");
    assert!(errors[0].contains(UNKNOWN_CHARGE_ID));
    assert!(errors[5].contains("NOPE-9-X"));
    assert!(one.len() > 10, "{one:?}");
    let sequential = mock.server().received_requests().await.unwrap().len();
    for n in [2usize, 4, 8] {
        assert_eq!(
            items(&c, &SessionQuery::new().concurrency(n)).await,
            one,
            "concurrency {n}"
        );
    }
    assert_eq!(
        mock.server().received_requests().await.unwrap().len(),
        4 * sequential,
        "each charge point asked once per read"
    );
}

#[tokio::test]
async fn at_most_concurrency_charge_points_at_once_and_it_is_reached() {
    let mock = CleverPowerMock::start().await;
    let ids = charge_ids(&mock);
    let pages = ids.len();
    let one = items(
        &client_at(&mock.base_url(), ids.clone()),
        &SessionQuery::new().concurrency(1),
    )
    .await;
    for n in [1usize, 3, 8] {
        let proxy =
            CountingProxy::start_gated(&mock.server().uri(), Duration::from_millis(5), Some(n))
                .await
                .unwrap();
        let c = client_at(&proxy.url_for(&mock.base_url()), ids.clone());
        assert_eq!(
            items(&c, &SessionQuery::new().concurrency(n)).await,
            one,
            "concurrency {n}"
        );
        assert_eq!(proxy.max_in_flight(), n, "concurrency {n}");
        assert_eq!(proxy.requests(), pages, "concurrency {n}");
    }
}
