//! Concurrent paging (SessionQuery::concurrency) against the eMabler mock: the same sessions in
//! the same order as one page at a time, at most `concurrency` requests at the server at once
//! (counted by a proxy, not timed), a 429 mid-walk, and the guards.

mod common;

use std::time::Duration;

use common::*;
use emabler_client::{Client, Config};
use evsessions_core::{HttpConfig, SessionQuery, SessionSource, SessionSourceExt, StatusFilter};
use evsessions_testkit::emabler::{EmablerMock, EmablerMockOptions, API_KEY};
use evsessions_testkit::proxy::CountingProxy;
use evsessions_testkit::{Fault, VendorMock};
use futures::StreamExt;

/// Replace the finished list by `n` records made from the fixture's (new ids, no twins).
fn synthetic(mock: &EmablerMock, n: usize) {
    let base = evsessions_testkit::emabler::fixture_transactions();
    mock.edit_transactions(|items| {
        items.clear();
        for i in 0..n {
            let mut t = base[i % base.len()].clone();
            t["id"] = serde_json::json!(7_000_000 + i);
            t["evseTransactionId"] = serde_json::json!(format!("e{i}"));
            items.push(t);
        }
    });
}

fn client_at(base_url: &str, page_size: u32) -> Client {
    Client::new(
        Config::builder()
            .api_key(API_KEY)
            .base_url(base_url)
            .page_size(page_size)
            .http(HttpConfig::for_tests())
            .build()
            .unwrap(),
    )
    .unwrap()
}

async fn ids_of(c: &Client, q: &SessionQuery) -> Vec<String> {
    all_ok(c, q).await.into_iter().map(|s| s.id).collect()
}

#[tokio::test]
async fn the_same_sessions_in_the_same_order_as_one_page_at_a_time() {
    let mock = EmablerMock::start().await;
    synthetic(&mock, 23);
    for status in [
        StatusFilter::All,
        StatusFilter::Completed,
        StatusFilter::Active,
    ] {
        for size in [1u32, 4, 7, 100] {
            let c = client_at(&mock.base_url(), size);
            let q = SessionQuery::new().status(status);
            let one = ids_of(&c, &q.clone().concurrency(1)).await;
            if status == StatusFilter::All {
                let (mut a, mut b) = (one.clone(), mock.session_ids());
                a.sort();
                b.sort();
                assert_eq!(a, b, "page size {size}");
            }
            assert!(!one.is_empty());
            for n in [2usize, 8] {
                let got = ids_of(&c, &q.clone().concurrency(n)).await;
                assert_eq!(got, one, "{status:?}, page size {size}, concurrency {n}");
            }
        }
    }
}

#[tokio::test]
async fn at_most_concurrency_requests_at_once_and_it_is_reached() {
    let mock = EmablerMock::start().await;
    synthetic(&mock, 60);
    let q = SessionQuery::new().status(StatusFilter::Completed);
    let expected = ids_of(&client_at(&mock.base_url(), 5), &q.clone().concurrency(1)).await;
    assert!(expected.len() > 40, "{}", expected.len());
    for n in [1usize, 2, 4, 8] {
        let proxy =
            CountingProxy::start_gated(&mock.server().uri(), Duration::from_millis(5), Some(n))
                .await
                .unwrap();
        let c = client_at(&proxy.url_for(&mock.base_url()), 5);
        let got = ids_of(&c, &q.clone().concurrency(n)).await;
        assert_eq!(got, expected, "concurrency {n}");
        assert_eq!(proxy.max_in_flight(), n, "concurrency {n}");
        assert_eq!(proxy.requests(), 12, "12 pages, each asked once");
    }
}

#[tokio::test]
async fn a_429_with_retry_after_mid_walk_still_yields_every_session_once_in_order() {
    let mock = EmablerMock::start().await;
    synthetic(&mock, 60);
    let c = client_at(&mock.base_url(), 5);
    let q = SessionQuery::new().status(StatusFilter::Completed);
    let expected = ids_of(&c, &q.clone().concurrency(1)).await;
    let before = c.rate_limited_responses().unwrap();
    assert_eq!(before, 0);
    let q8 = q.clone().concurrency(8);
    let mut stream = c.sessions(&q8);
    let mut got = vec![stream.next().await.unwrap().unwrap().id];
    // Pages 9.. are not sent yet (page 1's records are still being yielded).
    mock.inject(Fault::status(429).retry_after("1"), 3).await;
    while let Some(s) = stream.next().await {
        got.push(s.unwrap().id);
    }
    drop(stream);
    assert_eq!(got, expected);
    assert_eq!(c.rate_limited_responses(), Some(3));
    let finished = requests(&mock, "/v2/transactions").await.len();
    assert_eq!(
        finished,
        12 + 12 + 3,
        "two walks of 12 pages, and 3 retried 429s"
    );
}

#[tokio::test]
async fn a_lying_has_next_page_stops_at_the_empty_page_as_before() {
    let mock =
        EmablerMock::start_with(EmablerMockOptions::default().with_lying_has_next_page(true)).await;
    synthetic(&mock, 30);
    let c = client_at(&mock.base_url(), 7);
    let q = SessionQuery::new().status(StatusFilter::Completed);
    let one = ids_of(&c, &q.clone().concurrency(1)).await;
    let sequential = requests(&mock, "/v2/transactions").await.len();
    assert!(one.len() > 20, "{}", one.len());
    assert_eq!(sequential, 6, "5 pages and the empty one");
    let eight = ids_of(&c, &q.clone().concurrency(8)).await;
    assert_eq!(eight, one);
    assert_eq!(
        requests(&mock, "/v2/transactions").await.len() - sequential,
        6,
        "the pages past the stated total are read one at a time"
    );
}

/// Cheap generated `/v2/transactions` pages (the fixture mock re-sorts and re-serializes its
/// whole list per request, which in a debug build costs more than the 50 ms being measured).
struct Generated {
    total: usize,
}

impl wiremock::Respond for Generated {
    fn respond(&self, req: &wiremock::Request) -> wiremock::ResponseTemplate {
        let b: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
        let page = b["page"].as_u64().unwrap_or(1) as usize;
        let limit = b["limit"].as_u64().unwrap_or(100) as usize;
        let items: Vec<serde_json::Value> = ((page - 1) * limit..(page * limit).min(self.total))
            .map(|i| {
                serde_json::json!({"id": 9_000_000 + i, "chargerId": "C1",
                    "timestampStart": "2025-01-01T10:00:00Z",
                    "timestampEnd": "2025-01-01T11:00:00Z", "fullConsumptionWh": 1200})
            })
            .collect();
        let body = serde_json::json!({"page": page, "limit": limit, "totalRecords": self.total,
            "hasNextPage": page * limit < self.total, "items": items});
        wiremock::ResponseTemplate::new(200)
            .set_body_json(body)
            .set_delay(Duration::from_millis(50))
    }
}

/// The figure in `docs/performance.md`: 100 pages with 50 ms per response, concurrency 1 vs 8.
/// Not a timed test (it asserts nothing about time); run it with
/// `cargo test -p emabler-client --test concurrency -- --ignored --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement, not a test: prints the times of 100 pages at 50 ms"]
async fn measure_100_pages_at_50_ms() {
    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .respond_with(Generated { total: 1000 })
        .mount(&server)
        .await;
    let c = client_at(&format!("{}/api/v2/cpo", server.uri()), 10);
    let q = SessionQuery::new().status(StatusFilter::Completed);
    let mut times = Vec::new();
    for n in [1usize, 8] {
        let before = server.received_requests().await.unwrap().len();
        let t0 = std::time::Instant::now();
        let got = ids_of(&c, &q.clone().concurrency(n)).await;
        let took = t0.elapsed();
        assert_eq!(
            server.received_requests().await.unwrap().len() - before,
            100
        );
        assert_eq!(got.len(), 1000);
        println!(
            "concurrency {n}: {} sessions, 100 pages, {:.0} ms",
            got.len(),
            took.as_secs_f64() * 1e3
        );
        times.push(took.as_secs_f64());
    }
    let ideal = (100f64 / 8.0).ceil() * 0.050;
    println!(
        "concurrency 8: {:.2}x faster than 1; {:.3}x the ideal ceil(100/8) x 50 ms = {:.0} ms",
        times[0] / times[1],
        times[1] / ideal,
        ideal * 1e3
    );
}

/// Ongoing pages of one session each, `totalRecords` stating 4: page 1 holds `t1` and says
/// another page follows; page 2 holds `t2` and says it is the last (and answers last, after
/// 100 ms); pages 3 and 4 (fetched ahead, answered at once, then dropped by the walk) hold
/// `t3`.
struct OngoingEndsEarly;

impl wiremock::Respond for OngoingEndsEarly {
    fn respond(&self, req: &wiremock::Request) -> wiremock::ResponseTemplate {
        let page: u64 = req
            .url
            .query_pairs()
            .find(|(k, _)| k == "page")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(1);
        let tx = ["t1", "t2"].get(page as usize - 1).copied().unwrap_or("t3");
        let body = serde_json::json!({"page": page, "limit": 1, "totalRecords": 4,
            "hasNextPage": page == 1, "items": [{"transactionId": tx, "chargerId": "C1",
            "timestampStart": "2025-01-01T10:00:00Z", "consumptionWh": 100}]});
        let delay = if page == 2 { 100 } else { 0 };
        wiremock::ResponseTemplate::new(200)
            .set_body_json(body)
            .set_delay(Duration::from_millis(delay))
    }
}

#[tokio::test]
async fn an_ongoing_page_fetched_ahead_and_dropped_does_not_hide_a_finished_session() {
    use wiremock::matchers::{method, path};
    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(method("GET"))
        .and(path("/v2/ongoing-transactions"))
        .respond_with(OngoingEndsEarly)
        .mount(&server)
        .await;
    let finished = |id: u64, evse: &str| {
        serde_json::json!({"id": id, "evseTransactionId": evse, "chargerId": "C1",
            "timestampStart": "2025-01-01T10:00:00Z", "timestampEnd": "2025-01-01T11:00:00Z",
            "fullConsumptionWh": 1200})
    };
    wiremock::Mock::given(method("POST"))
        .and(path("/v2/transactions"))
        .respond_with(
            wiremock::ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "page": 1, "limit": 10, "totalRecords": 3, "hasNextPage": false,
            "items": [finished(501, "t1"), finished(502, "t2"), finished(503, "t3")]})),
        )
        .mount(&server)
        .await;
    let c = client_at(&server.uri(), 1);
    let q = SessionQuery::new().status(StatusFilter::All);
    // `t1` and `t2` are ongoing (their finished twins 501 and 502 are dropped); `t3` was never
    // yielded as ongoing, so its finished record 503 must be.
    let one = ids_of(&c, &q.clone().concurrency(1)).await;
    assert_eq!(one, ["t1", "t2", "503"]);
    let ongoing_requests = |all: Vec<wiremock::Request>| {
        all.iter()
            .filter(|r| r.url.path().ends_with("/ongoing-transactions"))
            .count()
    };
    let sequential = ongoing_requests(server.received_requests().await.unwrap());
    assert_eq!(sequential, 2);
    let eight = ids_of(&c, &q.clone().concurrency(8)).await;
    assert_eq!(eight, one);
    // Pages 3 and 4 of the ongoing list were fetched ahead (and dropped unread).
    let total = ongoing_requests(server.received_requests().await.unwrap());
    assert_eq!(
        total - sequential,
        4,
        "pages 1-4 of the ongoing list at concurrency 8"
    );
}
