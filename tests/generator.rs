//! The testkit's generator (what `bench/e2e` measures against) serves exactly the sessions it
//! was asked for, through the real clients: every id once, in the vendor's order, every
//! generated record decoding.

use evsessions::{source_from_lookup, HttpConfig, SessionQuery, StatusFilter};
use evsessions_testkit::generator::{GeneratedVendor, Generator, GeneratorOptions};

async fn ids(vendor: GeneratedVendor, name: &str, sessions: u64, query: SessionQuery) -> Vec<u64> {
    let g = Generator::start(GeneratorOptions::new(vendor, sessions)).await;
    let lookup = |var: &str| {
        matches!(var, "EMABLER_API_KEY" | "RU_CSMS_TOKEN").then(|| "any-credential".to_string())
    };
    let source =
        source_from_lookup(name, &lookup, Some(g.base_url()), HttpConfig::for_tests()).unwrap();
    evsessions::try_collect_sessions(source.as_ref(), &query)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.id.parse().unwrap())
        .collect()
}

#[tokio::test]
async fn emabler_gets_every_generated_session_once_oldest_first() {
    let q = SessionQuery::new()
        .status(StatusFilter::Completed)
        .page_size(1000);
    let got = ids(GeneratedVendor::Emabler, "emabler", 2_345, q).await;
    let want: Vec<u64> = (0..2_345).map(|i| 1_000_000_000 + i).collect();
    assert_eq!(got, want);
}

#[tokio::test]
async fn ru_csms_gets_every_generated_session_once_newest_first() {
    let got = ids(GeneratedVendor::RuCsms, "ru-csms", 250, SessionQuery::new()).await;
    let want: Vec<u64> = (0..250).map(|i| 1_000_000_000 + 250 - i).collect();
    assert_eq!(got, want);
}

/// Pages of 1,000 records (about 1 MB) are decoded on the blocking pool of a multi-thread
/// runtime (`evsessions_core::decode::offload`), several at once when pages are fetched
/// ahead: the same sessions in the same order as one page at a time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_decoded_off_thread_and_in_parallel_keep_every_session_in_order() {
    let want: Vec<u64> = (0..5_500).map(|i| 1_000_000_000 + i).collect();
    for concurrency in [1, 8] {
        let q = SessionQuery::new()
            .status(StatusFilter::Completed)
            .page_size(1000)
            .concurrency(concurrency);
        let got = ids(GeneratedVendor::Emabler, "emabler", 5_500, q).await;
        assert_eq!(got, want, "concurrency {concurrency}");
    }
    let want: Vec<u64> = (0..2_500).map(|i| 1_000_000_000 + 2_500 - i).collect();
    for concurrency in [1, 8] {
        let q = SessionQuery::new().page_size(500).concurrency(concurrency);
        let got = ids(GeneratedVendor::RuCsms, "ru-csms", 2_500, q).await;
        assert_eq!(got, want, "concurrency {concurrency}");
    }
}
