//! The sync guarantees that hold for every vendor, from the normalized records alone, on
//! SQLite (a temp dir) and on a real PostgreSQL server (`EVSESSIONS_TEST_POSTGRES_URL`):
//! every mock session stored exactly once; a rerun with no change writes no session and no
//! revision; the stored records are exactly the ones the stream gives. And the RU platform's
//! newest-first list: a nightly run stops paging once a whole page is older than the window.

use chrono::{DateTime, Utc};
use evsessions::sync::{
    open_store, sync_account, RunResult, SessionFilter, SessionStore, SyncOptions,
};
use evsessions::{HttpConfig, SessionQuery, SessionSourceExt};
use evsessions_testkit::VendorMock;
use futures::{StreamExt, TryStreamExt};

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

async fn store(backend: &str, dir: &tempfile::TempDir) -> Option<Box<dyn SessionStore>> {
    if backend == "sqlite" {
        return Some(
            open_store(dir.path().join("s.db").to_str().unwrap())
                .await
                .unwrap(),
        );
    }
    match evsessions_testkit::postgres::test_url() {
        Some(u) => Some(open_store(&u).await.unwrap()),
        None => None,
    }
}

fn account(vendor: &str) -> String {
    format!(
        "{vendor}-{}-{}",
        std::process::id(),
        Utc::now().timestamp_nanos_opt().unwrap_or_default()
    )
}

async fn every_vendor_exactly_once(backend: &str) {
    let dir = tempfile::tempdir().unwrap();
    let Some(store) = store(backend, &dir).await else {
        return;
    };
    let fleet = evsessions::testing::start_mock_fleet(HttpConfig::for_tests())
        .await
        .unwrap();
    // The fixtures span 2023–2025: a first run from 2020, a clock just after them and a long
    // lookback make every run read every fixture session.
    let options = SyncOptions::default()
        .with_since(t("2020-01-01T00:00:00Z"))
        .with_now(t("2025-06-06T00:00:00Z"))
        .with_max_open_age(std::time::Duration::from_secs(10 * 365 * 86_400))
        .with_lookback(std::time::Duration::from_secs(10 * 365 * 86_400))
        .with_batch_size(4)
        .with_worker("t");
    for (mock, source) in fleet.mocks.iter().zip(&fleet.sources) {
        let vendor = source.kind().to_string();
        let acct = account(&vendor);
        // The first run reads one page at a time, small pages; the rerun reads 8 at once.
        let sequential = options
            .clone()
            .with_page_size(Some(5))
            .with_page_concurrency(1);
        let first = sync_account(store.as_ref(), &acct, source.as_ref(), &sequential)
            .await
            .unwrap();
        assert_eq!(first.result, RunResult::Ok, "{vendor}: {:?}", first.failure);
        let mut want = mock.session_ids();
        want.sort();
        want.dedup();
        assert_eq!(first.counts.new as usize, want.len(), "{vendor}");

        let stored: Vec<_> = store
            .sessions(&SessionFilter::new().account(&acct))
            .try_collect()
            .await
            .unwrap();
        let mut got: Vec<String> = stored.iter().map(|s| s.session.id.clone()).collect();
        got.sort();
        assert_eq!(got, want, "{vendor}: every session exactly once");

        // The stored records are the stream's, value for value (raw included).
        let query = SessionQuery::new().from(t("2020-01-01T00:00:00Z"));
        let live: Vec<_> = source
            .sessions(&query)
            .filter_map(|r| async move { r.ok() })
            .collect()
            .await;
        for s in &live {
            let kept = stored.iter().find(|x| x.session.id == s.id).unwrap();
            assert_eq!(&kept.session, s, "{vendor} {}", s.id);
        }

        // A rerun with nothing changed writes no session and no revision, also when it reads
        // several pages at once.
        let concurrent = options
            .clone()
            .with_page_size(Some(5))
            .with_page_concurrency(8);
        let again = sync_account(store.as_ref(), &acct, source.as_ref(), &concurrent)
            .await
            .unwrap();
        assert_eq!(
            (
                again.counts.new,
                again.counts.changed,
                again.counts.unchanged
            ),
            (0, 0, want.len() as u64),
            "{vendor}"
        );
        for id in &want {
            let revs = store.revisions(&acct, &vendor, id).await.unwrap();
            assert_eq!(revs.len(), 1, "{vendor} {id}: {revs:?}");
        }
    }
}

#[tokio::test]
async fn every_vendor_exactly_once_on_sqlite() {
    every_vendor_exactly_once("sqlite").await;
}

#[tokio::test]
async fn every_vendor_exactly_once_on_postgres() {
    every_vendor_exactly_once("postgres").await;
}

#[tokio::test]
async fn ru_nightly_run_stops_paging_at_the_window() {
    let dir = tempfile::tempdir().unwrap();
    let store = store("sqlite", &dir).await.unwrap();
    let mock = evsessions_testkit::ru_csms::RuCsmsMock::start().await;
    let cfg = evsessions::ru_csms::Config::builder()
        .sessions_url(mock.sessions_url())
        .token(evsessions_testkit::ru_csms::TOKEN)
        .http(HttpConfig::for_tests())
        .build()
        .unwrap();
    let source = evsessions::ru_csms::Client::new(cfg).unwrap();
    let n = mock.items().len();
    let requests = || async {
        mock.server()
            .received_requests()
            .await
            .unwrap_or_default()
            .len()
    };
    let options = SyncOptions::default()
        .with_since(t("2023-01-01T00:00:00Z"))
        .with_now(t("2024-01-20T00:00:00Z"))
        .with_lookback(std::time::Duration::from_secs(86_400))
        .with_page_size(Some(5))
        .with_worker("t");
    let first = sync_account(store.as_ref(), "ru", &source, &options)
        .await
        .unwrap();
    assert_eq!(first.counts.new as usize, n);
    let pages_first = requests().await;
    assert_eq!(pages_first, n.div_ceil(5));

    // A new session appears at the head of the list.
    mock.edit_sessions(|items| {
        let mut fresh = items[0].clone();
        fresh["id"] = serde_json::json!(1900);
        fresh["started_at"] = serde_json::json!(1705650000); // 2024-01-19T07:40:00Z
        items.insert(0, fresh);
    });
    let options = options.with_now(t("2024-01-20T01:00:00Z"));
    let second = sync_account(store.as_ref(), "ru", &source, &options)
        .await
        .unwrap();
    assert_eq!(second.result, RunResult::Ok);
    assert_eq!(second.counts.new, 1);
    let pages_second = requests().await - pages_first;
    assert!(
        pages_second <= 2,
        "a nightly run read {pages_second} pages of {}",
        pages_first
    );
}

/// For every vendor, on its own mock: a completed session whose values change is a
/// correction (one new revision, the new values stored), and a session that stops being
/// listed is marked missing after two complete runs, never deleted.
async fn corrections_and_vanished(backend: &str) {
    use evsessions_testkit::{
        cleverpower::CleverPowerMock, ru_csms::RuCsmsMock, smappee::SmappeeMock,
    };
    use serde_json::json;
    let dir = tempfile::tempdir().unwrap();
    let Some(store) = store(backend, &dir).await else {
        return;
    };
    let fleet = evsessions::testing::start_mock_fleet(HttpConfig::for_tests())
        .await
        .unwrap();
    let long = std::time::Duration::from_secs(10 * 365 * 86_400);
    let options = |now: &str| {
        SyncOptions::default()
            .with_since(t("2020-01-01T00:00:00Z"))
            .with_now(t(now))
            .with_lookback(long)
            .with_max_open_age(long)
            .with_worker("t")
    };
    for (i, source) in fleet.sources.iter().enumerate() {
        let mock = &fleet.mocks[i];
        let vendor = source.kind().to_string();
        let acct = account(&vendor);
        sync_account(
            store.as_ref(),
            &acct,
            source.as_ref(),
            &options("2025-06-06T00:00:00Z"),
        )
        .await
        .unwrap();
        // (the id that changes, the id that vanishes): each vendor's own edit.
        let (changed, vanished): (String, String) = match vendor.as_str() {
            "emabler" => {
                let m = mock_as::<evsessions_testkit::emabler::EmablerMock>(mock.as_ref());
                m.edit_transactions(|items| {
                    items[0]["totalCostInclVat"] = json!(7.77);
                    items.retain(|t| t["id"] != 1048576009_i64);
                });
                ("1048576001".into(), "1048576009".into())
            }
            "smappee" => {
                let m = mock_as::<SmappeeMock>(mock.as_ref());
                m.edit_sessions(|items| {
                    let changed = items[0].1["id"].to_string();
                    items[0].1["stopReading"] = json!(999.5);
                    let vanished = items.pop().unwrap().1["id"].to_string();
                    (changed, vanished)
                })
            }
            "cleverpower" => {
                let m = mock_as::<CleverPowerMock>(mock.as_ref());
                m.edit_point("PRG-0311-A", |p| {
                    let txs = p["NabijeciBodTransakces"].as_array_mut().unwrap();
                    txs[0]["CenaSDph"] = json!(300.00);
                    let changed = txs[0]["Id"].to_string();
                    let vanished = txs.pop().unwrap()["Id"].to_string();
                    (changed, vanished)
                })
                .unwrap()
            }
            "ocpi" => {
                let m = mock_as::<evsessions_testkit::ocpi::OcpiMock>(mock.as_ref());
                let changed = m.edit_cdrs(|items| {
                    let c = items
                        .iter()
                        .position(|x| x["session_id"] == "S-1001")
                        .unwrap();
                    items[c]["total_cost"]["incl_vat"] = json!(99.99);
                    items[c]["last_updated"] = json!("2025-06-06T00:30:00Z");
                    "S-1001".to_string()
                });
                let vanished = m.edit_sessions(|items| {
                    items.pop().unwrap()["id"].as_str().unwrap().to_string()
                });
                (changed, vanished)
            }
            _ => {
                let m = mock_as::<RuCsmsMock>(mock.as_ref());
                m.edit_sessions(|items| {
                    let c = items
                        .iter()
                        .position(|x| x["state"] == "completed")
                        .unwrap();
                    items[c]["power"] = json!(12345);
                    let changed = items[c]["id"].to_string();
                    let vanished = items.pop().unwrap()["id"].to_string();
                    (changed, vanished)
                })
            }
        };
        let r = sync_account(
            store.as_ref(),
            &acct,
            source.as_ref(),
            &options("2025-06-06T01:00:00Z"),
        )
        .await
        .unwrap();
        assert_eq!(r.result, RunResult::Ok, "{vendor}: {:?}", r.failure);
        assert_eq!(r.counts.changed, 1, "{vendor}: {:?}", r.counts);
        assert_eq!(r.counts.missing, 0, "{vendor}");
        let kinds: Vec<String> = store
            .revisions(&acct, &vendor, &changed)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.kind)
            .collect();
        assert_eq!(kinds, ["new", "correction"], "{vendor} {changed}");
        let r = sync_account(
            store.as_ref(),
            &acct,
            source.as_ref(),
            &options("2025-06-06T02:00:00Z"),
        )
        .await
        .unwrap();
        // A source listed by last update leaves out what did not change: nothing of it is
        // marked missing (its vanished session is kept as it was).
        let by_update = source.capabilities().updated_since;
        let missing = u64::from(!by_update);
        assert_eq!(
            (r.counts.changed, r.counts.missing),
            (0, missing),
            "{vendor}"
        );
        let gone = store
            .sessions(&SessionFilter::new().account(&acct))
            .filter_map(|s| async move { s.ok() })
            .filter(|s| futures::future::ready(s.session.id == vanished))
            .collect::<Vec<_>>()
            .await;
        assert_eq!(gone.len(), 1, "{vendor}: a vanished session is kept");
        let since = (!by_update).then(|| t("2025-06-06T02:00:00Z"));
        assert_eq!(gone[0].meta.missing_since, since, "{vendor}");
    }
}

fn mock_as<T: 'static>(mock: &dyn VendorMock) -> &T {
    mock.as_any()
        .downcast_ref::<T>()
        .expect("the fleet's mock of this vendor")
}

#[tokio::test]
async fn corrections_and_vanished_on_sqlite() {
    corrections_and_vanished("sqlite").await;
}

#[tokio::test]
async fn corrections_and_vanished_on_postgres() {
    corrections_and_vanished("postgres").await;
}
