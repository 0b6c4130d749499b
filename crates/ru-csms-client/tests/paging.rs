//! A server that invents records forever is stopped a few pages past the total it stated.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use evsessions_core::{HttpConfig, SessionQuery};
use ru_csms_client::{Client, Config};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// Page `p` of `per_page`: new ids every page, and a total that grows by a page each request
/// (the first states `first_total`).
struct Inventing {
    first_total: u64,
    calls: Arc<AtomicUsize>,
}

impl Respond for Inventing {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let q = |k: &str| -> u64 {
            req.url
                .query_pairs()
                .find(|(n, _)| n == k)
                .and_then(|(_, v)| v.parse().ok())
                .unwrap()
        };
        let (page, per_page) = (q("page"), q("per_page"));
        let n = self.calls.fetch_add(1, Ordering::SeqCst) as u64;
        let items: Vec<_> = ((page - 1) * per_page..page * per_page)
            .map(|i| json!({"id": format!("s{i}"), "kwh": 1.5}))
            .collect();
        ResponseTemplate::new(200).set_body_json(json!({
            "meta": {"status_code": 200, "status_name": "OK"},
            "payload": {"items": items, "total": self.first_total + n * per_page,
                "per_page": per_page, "page": page}
        }))
    }
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
    // 100 records stated at 10 a page: 10 pages + 2 extra are read, then the walk stops.
    let server = MockServer::start().await;
    let calls = Arc::new(AtomicUsize::new(0));
    Mock::given(method("GET"))
        .and(path("/sessions"))
        .respond_with(Inventing {
            first_total: 100,
            calls: calls.clone(),
        })
        .mount(&server)
        .await;
    let config = Config::builder()
        .sessions_url(format!("{}/sessions", server.uri()))
        .no_auth()
        .http(HttpConfig::for_tests())
        .build()
        .unwrap();
    let c = Client::new(config).unwrap();
    let q = SessionQuery::new().page_size(10);
    let ((ok, errs), log) = warnings(evsessions_testkit::collect(&c, &q)).await;
    assert!(errs.is_empty(), "{errs:?}");
    assert_eq!(calls.load(Ordering::SeqCst), 12);
    assert_eq!(ok.len(), 120);
    assert_eq!(ok[119].id, "s119");
    assert!(
        log.contains("WARN")
            && log.contains("the server stated 100 records, but 12 pages were read"),
        "{log}"
    );
}
