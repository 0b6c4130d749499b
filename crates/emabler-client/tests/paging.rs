//! Paging at scale against generated servers: the walk's memory (cursors that do not grow with
//! the ongoing sessions) and a server that invents records forever.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use common::*;
use evsessions_core::{HttpConfig, PageCursor, SessionQuery, SessionSource, StatusFilter};
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const BASE: &str = "/api/v2/cpo";

/// A generated eMabler: `ongoing` sessions on charger `C1` (`transactionId` `"o{i}"`) and
/// `/v2/transactions`, both in pages of the `limit` asked, whose first `twins` records
/// are the finished twins of ongoing sessions (`evseTransactionId` `"o{i}"`). With `invent`,
/// every transactions page says another page follows and the total grows with each page.
struct Generated {
    ongoing: usize,
    finished: usize,
    twins: usize,
    invent: bool,
    transaction_calls: Arc<AtomicUsize>,
}

fn page_of(req: &Request) -> (usize, usize) {
    if req.method.as_str() == "GET" {
        let q = |k: &str| {
            req.url
                .query_pairs()
                .find(|(n, _)| n == k)
                .and_then(|(_, v)| v.parse().ok())
                .unwrap_or(1)
        };
        (q("page"), q("limit"))
    } else {
        let b: Value = serde_json::from_slice(&req.body).unwrap();
        (
            b["page"].as_u64().unwrap() as usize,
            b["limit"].as_u64().unwrap() as usize,
        )
    }
}

impl Respond for Generated {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let (page, limit) = page_of(req);
        let range = |total: usize| ((page - 1) * limit).min(total)..(page * limit).min(total);
        let body = if req.method.as_str() == "GET" {
            let items: Vec<Value> = range(self.ongoing)
                .map(|i| {
                    json!({"transactionId": format!("o{i}"), "chargerId": "C1",
                    "startTime": "2025-01-01T10:00:00Z"})
                })
                .collect();
            json!({"page": page, "limit": limit, "totalRecords": self.ongoing,
                "hasNextPage": page * limit < self.ongoing, "items": items})
        } else {
            let n = self.transaction_calls.fetch_add(1, Ordering::SeqCst) + 1;
            let total = if self.invent {
                self.finished + (n - 1) * limit
            } else {
                self.finished
            };
            let items: Vec<Value> = range(total)
                .map(|i| {
                    let evse = if i < self.twins {
                        format!("o{i}")
                    } else {
                        format!("e{i}")
                    };
                    json!({"id": 1_000_000 + i, "chargerId": "C1", "evseTransactionId": evse,
                        "timestampStart": "2025-01-01T08:00:00Z",
                        "timestampEnd": "2025-01-01T09:00:00Z"})
                })
                .collect();
            json!({"page": page, "limit": limit, "totalRecords": total,
                "hasNextPage": page * limit < total, "items": items})
        };
        ResponseTemplate::new(200).set_body_json(body)
    }
}

async fn generated(
    ongoing: usize,
    finished: usize,
    twins: usize,
    invent: bool,
) -> (MockServer, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let g = || Generated {
        ongoing,
        finished,
        twins,
        invent,
        transaction_calls: calls.clone(),
    };
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{BASE}/v2/ongoing-transactions")))
        .respond_with(g())
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{BASE}/v2/transactions")))
        .respond_with(g())
        .mount(&s)
        .await;
    (s, calls)
}

fn client_for(server: &MockServer, page_size: u32) -> emabler_client::Client {
    let config = emabler_client::Config::builder()
        .api_key("k")
        .base_url(format!("{}{BASE}", server.uri()))
        .http(HttpConfig::for_tests())
        .page_size(page_size)
        .build()
        .unwrap();
    emabler_client::Client::new(config).unwrap()
}

#[tokio::test]
async fn cursors_do_not_grow_with_the_ongoing_sessions() {
    // 2,000 ongoing sessions (40 pages), then 150 finished records of which the first 120 are
    // twins of ongoing sessions, read 50 a page: the twins on pages 1..3 are still dropped
    // (the set of ongoing sessions is carried beside the cursor), and no cursor token is longer
    // than a few bytes (it used to carry every pair: ~30 bytes a session).
    let (server, _) = generated(2000, 150, 120, false).await;
    let c = client_for(&server, 50);
    let q = SessionQuery::new().status(StatusFilter::All);
    let mut cursor: Option<PageCursor> = None;
    let mut pages = 0;
    let mut longest = 0;
    loop {
        let page = c.fetch_page(&q, cursor.take()).await.unwrap();
        pages += 1;
        if let Some(n) = &page.next {
            longest = longest.max(n.token().len());
        }
        match page.next {
            Some(n) => cursor = Some(n),
            None => break,
        }
    }
    assert_eq!(pages, 40 + 3);
    // `{"l":"t","p":1,"u":40}`: page numbers only, whatever the number of sessions.
    assert!(longest <= 32, "a cursor token of {longest} bytes");

    let all = all_ok(&c, &q).await;
    assert_eq!(all.len(), 2000 + 30);
    let finished: Vec<&str> = all[2000..].iter().map(|s| s.id.as_str()).collect();
    assert_eq!(finished.first(), Some(&"1000120"));
    assert_eq!(finished.last(), Some(&"1000149"));
}

/// The log lines at WARN and above written while `f` runs (on this thread).
async fn warnings<T>(f: impl std::future::Future<Output = T>) -> (T, String) {
    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buf = Buf::default();
    let writer = buf.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let guard = tracing::subscriber::set_default(subscriber);
    let out = f.await;
    drop(guard);
    let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
    (out, text)
}

#[tokio::test]
async fn a_server_that_invents_records_forever_is_stopped_past_its_stated_total() {
    // The first page states 10 finished records (2 pages of 5); every page then claims another
    // and a larger total. The walk reads 2 + 2 extra pages and stops with a warning.
    let (server, calls) = generated(0, 10, 0, true).await;
    let c = client_for(&server, 5);
    let q = SessionQuery::new().status(StatusFilter::Completed);
    let ((ok, errs), log) = warnings(collect(&c, &q)).await;
    assert!(errs.is_empty(), "{errs:?}");
    assert_eq!(calls.load(Ordering::SeqCst), 4);
    assert_eq!(ok.len(), 20);
    assert_eq!(ok[19].id, "1000019");
    assert!(
        log.contains("WARN") && log.contains("the server stated 10 records, but 4 pages were read"),
        "{log}"
    );

    // Status `all`: the ongoing list is read, then the finished list is stopped the same way.
    let (server, calls) = generated(3, 10, 0, true).await;
    let c = client_for(&server, 5);
    let ((ok, errs), log) = warnings(collect(&c, &SessionQuery::new())).await;
    assert!(errs.is_empty(), "{errs:?}");
    assert_eq!(calls.load(Ordering::SeqCst), 4);
    assert_eq!(ok.len(), 3 + 20);
    assert!(log.contains("4 pages were read"), "{log}");
}
