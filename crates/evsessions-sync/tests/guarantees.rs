//! The sync guarantees, on SQLite (a temp dir) and on a real PostgreSQL server, against the
//! eMabler mock whose sessions change between runs the way eMabler's do.

mod common;

use common::*;
use evsessions_core::{SessionStatus, StatusFilter};
use evsessions_sync::{sync_account, RunResult, SessionFilter, SyncOptions};
use evsessions_testkit::emabler::EmablerMock;
use evsessions_testkit::VendorMock;
use rust_decimal::Decimal;
use serde_json::json;

fn opts(now: &str) -> SyncOptions {
    SyncOptions::default()
        .with_since(t("2025-03-01T00:00:00Z"))
        .with_now(t(now))
        .with_batch_size(3)
        .with_worker("test-worker")
}

/// The fixture starts with 2 ongoing sessions and 11 finished-list records, one of which
/// (1048576010) is the running twin of ongoing 1032440001: 12 sessions.
const FIRST: [&str; 12] = [
    "1032440001",
    "1032440107",
    "1048576001",
    "1048576002",
    "1048576003",
    "1048576004",
    "1048576005",
    "1048576006",
    "1048576007",
    "1048576008",
    "1048576009",
    "1048576011",
];

/// (`batch`: records per transaction; the batch is planned in memory, so the same sequence
/// must give the same store whether records share a batch or not.)
async fn guarantees(backend: &str, batch: usize) {
    let Some(ts) = store(backend).await else {
        return;
    };
    let (store, account) = (ts.store.as_ref(), ts.account.as_str());
    let mock = EmablerMock::start().await;
    let source = client(&mock);

    // Run 1: everything is new.
    let r = sync_account(
        store,
        account,
        &source,
        &opts("2025-03-07T00:00:00Z").with_batch_size(batch),
    )
    .await
    .unwrap();
    assert_eq!(r.result, RunResult::Ok, "{:?}", r.failure);
    assert_eq!(
        (r.counts.new, r.counts.changed, r.counts.unchanged),
        (12, 0, 0)
    );
    assert_eq!(ids(store, account).await, FIRST);
    // The ongoing list and the finished list: 2 pages, 2 requests.
    assert_eq!((r.counts.pages, r.counts.requests), (2, Some(2)));
    assert_eq!(r.window_from, Some(t("2025-03-01T00:00:00Z")));
    assert_eq!(r.watermark, Some(t("2025-03-06T23:50:00Z")));

    // Run 2, nothing changed: nothing written but the run log. One 503 on each listing
    // (the mock injects per endpoint): each retry is a request of its own, logged with the run.
    mock.inject(evsessions_testkit::Fault::status(503), 1).await;
    let r = sync_account(
        store,
        account,
        &source,
        &opts("2025-03-07T01:00:00Z").with_batch_size(batch),
    )
    .await
    .unwrap();
    assert_eq!((r.counts.pages, r.counts.requests), (2, Some(4)));
    let logged = store.runs(account, 1).await.unwrap();
    assert_eq!(logged[0].counts.requests, Some(4));
    assert_eq!(logged[0].counts.pages, 2);
    assert_eq!(
        (r.counts.new, r.counts.changed, r.counts.unchanged),
        (0, 0, 12)
    );
    // The window reached back to the oldest open session (2025-03-06T07:45:10Z), which is
    // earlier than watermark − lookback would be only if the lookback were shorter.
    assert_eq!(r.window_from, Some(t("2025-02-27T23:50:00Z")));
    for id in FIRST {
        let revs = store.revisions(account, "emabler", id).await.unwrap();
        assert_eq!(revs.len(), 1, "{id}: {revs:?}");
    }

    // Between runs, as eMabler does:
    // - ongoing 1032440001 ends: it leaves the ongoing list, and its finished-list record
    //   1048576010 (evseTransactionId 1032440001) gets an end, energy and a cost;
    mock.edit_ongoing(|items| items.retain(|o| o["transactionId"] != "1032440001"));
    mock.edit_transactions(|items| {
        for t in items.iter_mut() {
            if t["id"] == 1048576010_i64 {
                t["timestampEnd"] = json!("2025-03-07T09:15:00.000Z");
                t["fullConsumptionWh"] = json!(33250);
                t["totalCostInclVat"] = json!(9.80);
                t["totalCostExclVat"] = json!(7.81);
                t["totalVatAmount"] = json!(1.99);
                t["currency"] = json!("EUR");
            }
        }
    });
    // - a completed session's cost is recomputed;
    mock.edit_transactions(|items| {
        for t in items.iter_mut() {
            if t["id"] == 1048576001_i64 {
                t["totalCostInclVat"] = json!(6.50);
            }
        }
    });
    // - a 3-day session that started 2025-03-02 appears only now (listed once it ended);
    // - a new session.
    let template = mock.edit_transactions(|items| items[2].clone());
    let mut late = template.clone();
    late["id"] = json!(1048576050);
    late["evseTransactionId"] = json!("1032500050");
    late["timestampStart"] = json!("2025-03-02T10:00:00.000Z");
    late["timestampEnd"] = json!("2025-03-05T10:00:00.000Z");
    let mut fresh = template;
    fresh["id"] = json!(1048576060);
    fresh["evseTransactionId"] = json!("1032500060");
    fresh["timestampStart"] = json!("2025-03-07T10:00:00.000Z");
    fresh["timestampEnd"] = json!("2025-03-07T11:00:00.000Z");
    mock.edit_transactions(|items| {
        items.push(late);
        items.push(fresh);
    });

    // Run 3.
    let r = sync_account(
        store,
        account,
        &source,
        &opts("2025-03-08T00:00:00Z").with_batch_size(batch),
    )
    .await
    .unwrap();
    assert_eq!(r.result, RunResult::Ok, "{:?}", r.failure);
    assert_eq!(r.counts.new, 3, "{:?}", r.counts); // 1048576010, the late one, the new one
    assert_eq!(r.counts.changed, 1, "{:?}", r.counts); // the recomputed cost
    assert_eq!(r.counts.superseded, 1, "{:?}", r.counts); // 1032440001 → 1048576010

    // One session, one row: the active row is superseded, hidden from exports by default.
    let visible = ids(store, account).await;
    assert_eq!(visible.len(), 14, "{visible:?}");
    assert!(!visible.contains(&"1032440001".to_string()));
    assert!(visible.contains(&"1048576010".to_string()));
    assert!(visible.contains(&"1048576050".to_string()));
    let with_superseded = all(
        store,
        SessionFilter::new()
            .account(account)
            .include_superseded(true),
    )
    .await;
    assert_eq!(with_superseded.len(), 15);
    let old = with_superseded
        .iter()
        .find(|s| s.session.id == "1032440001")
        .unwrap();
    assert_eq!(old.meta.superseded_by.as_deref(), Some("1048576010"));
    let finished = with_superseded
        .iter()
        .find(|s| s.session.id == "1048576010")
        .unwrap();
    assert_eq!(finished.session.status, SessionStatus::Completed);
    assert_eq!(finished.session.energy_kwh, Some(Decimal::new(33250, 3)));

    // The recomputed one shows a correction, with the record before it.
    let revs = store
        .revisions(account, "emabler", "1048576001")
        .await
        .unwrap();
    let kinds: Vec<&str> = revs.iter().map(|r| r.kind.as_str()).collect();
    assert_eq!(kinds, ["new", "correction"]);
    assert_eq!(revs[1].changed_fields, ["cost", "raw"]);
    let cur = with_superseded
        .iter()
        .find(|s| s.session.id == "1048576001")
        .unwrap();
    assert_eq!(cur.meta.revision, 2);
    assert_eq!(
        cur.session.cost.as_ref().unwrap().total_incl_vat,
        Some(Decimal::new(650, 2))
    );
    // No open sessions are left but 1032440107.
    let active = all(
        store,
        SessionFilter::new()
            .account(account)
            .status(StatusFilter::Active),
    )
    .await;
    let active: Vec<&str> = active.iter().map(|s| s.session.id.as_str()).collect();
    assert_eq!(active, ["1032440107"]);

    // Vanished: 1048576009 is no longer returned. One run: counted; two runs: missing.
    mock.edit_transactions(|items| items.retain(|t| t["id"] != 1048576009_i64));
    let r = sync_account(
        store,
        account,
        &source,
        &opts("2025-03-08T01:00:00Z").with_batch_size(batch),
    )
    .await
    .unwrap();
    assert_eq!(r.counts.missing, 0);
    let r = sync_account(
        store,
        account,
        &source,
        &opts("2025-03-08T02:00:00Z").with_batch_size(batch),
    )
    .await
    .unwrap();
    assert_eq!(r.counts.missing, 1);
    let gone = all(store, SessionFilter::new().account(account))
        .await
        .into_iter()
        .find(|s| s.session.id == "1048576009")
        .expect("a vanished session is never deleted");
    assert_eq!(gone.meta.missing_since, Some(t("2025-03-08T02:00:00Z")));

    // Status: one account, its last run, 15 rows, 1 open session.
    let st = store.status().await.unwrap();
    let mine = st.iter().find(|a| a.state.account == account).unwrap();
    assert_eq!(mine.sessions, 15);
    assert_eq!(mine.open, 1);
    assert_eq!(mine.last_run.as_ref().unwrap().result, RunResult::Ok);
    assert_eq!(store.runs(account, 10).await.unwrap().len(), 5);
}

#[tokio::test]
async fn guarantees_on_sqlite() {
    for batch in [1, 3, 500] {
        guarantees("sqlite", batch).await;
    }
}

#[tokio::test]
async fn guarantees_on_postgres() {
    for batch in [1, 3, 500] {
        guarantees("postgres", batch).await;
    }
}

/// A vendor whose ongoing list lags: the finished record is stored first, then the ongoing
/// record of the same session shows up. It is hidden at once: one session, one row.
async fn ongoing_after_finished(backend: &str) {
    let Some(ts) = store(backend).await else {
        return;
    };
    let (store, account) = (ts.store.as_ref(), ts.account.as_str());
    let mock = EmablerMock::start().await;
    let source = client(&mock);
    // Run 1: 1032440001 is not in the ongoing list yet; its finished record is complete.
    let ongoing = mock.edit_ongoing(|items| {
        let i = items
            .iter()
            .position(|o| o["transactionId"] == "1032440001")
            .unwrap();
        items.remove(i)
    });
    mock.edit_transactions(|items| {
        for t in items.iter_mut() {
            if t["id"] == 1048576010_i64 {
                t["timestampEnd"] = json!("2025-03-06T09:15:00.000Z");
            }
        }
    });
    let r = sync_account(store, account, &source, &opts("2025-03-07T00:00:00Z"))
        .await
        .unwrap();
    assert_eq!(r.counts.new, 12);
    // Run 2: the lagging ongoing list now shows it (and the client drops the finished twin).
    mock.edit_ongoing(|items| items.push(ongoing));
    let r = sync_account(store, account, &source, &opts("2025-03-07T01:00:00Z"))
        .await
        .unwrap();
    assert_eq!(
        (r.counts.new, r.counts.superseded),
        (1, 1),
        "{:?}",
        r.counts
    );
    let visible = ids(store, account).await;
    assert!(visible.contains(&"1048576010".to_string()));
    assert!(!visible.contains(&"1032440001".to_string()), "{visible:?}");
    let revs = store
        .revisions(account, "emabler", "1032440001")
        .await
        .unwrap();
    let kinds: Vec<&str> = revs.iter().map(|r| r.kind.as_str()).collect();
    assert_eq!(kinds, ["new", "superseded"]);
}

#[tokio::test]
async fn ongoing_after_finished_on_sqlite() {
    ongoing_after_finished("sqlite").await;
}

#[tokio::test]
async fn ongoing_after_finished_on_postgres() {
    ongoing_after_finished("postgres").await;
}

/// A store written by the first schema opens in this version: the newer migrations run and
/// nothing stored is lost.
#[tokio::test]
async fn a_store_of_schema_1_opens_and_migrates() {
    let dir = tempfile::tempdir().unwrap();
    let old_migrations = dir.path().join("migrations");
    std::fs::create_dir(&old_migrations).unwrap();
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/migrations/sqlite/0001_init.sql"
        ),
        old_migrations.join("0001_init.sql"),
    )
    .unwrap();
    let path = dir.path().join("old.db");
    {
        let opts = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true);
        let pool = sqlx::SqlitePool::connect_with(opts).await.unwrap();
        let m = sqlx::migrate::Migrator::new(old_migrations.as_path())
            .await
            .unwrap();
        m.run(&pool).await.unwrap();
        sqlx::query("INSERT INTO sync_state (account, source, watermark) VALUES ('old', 'emabler', '2025-03-01T00:00:00.000000000Z')")
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    }
    let store = evsessions_sync::open_store(path.to_str().unwrap())
        .await
        .unwrap();
    let state = store.load_state("old").await.unwrap().unwrap();
    assert_eq!(state.watermark, Some(t("2025-03-01T00:00:00Z")));
    // And the new schema works: a sync into it.
    let mock = EmablerMock::start().await;
    let r = sync_account(
        store.as_ref(),
        "new",
        &client(&mock),
        &opts("2025-03-07T00:00:00Z"),
    )
    .await
    .unwrap();
    assert_eq!(r.counts.new, 12);
}

/// Leases: a second worker is kept out while the first holds the account; a worker that dies
/// loses the lease at the expiry and the other takes the account; the first, if it wakes up,
/// can commit nothing more.
async fn leases(backend: &str) {
    use evsessions_sync::Lease;
    use std::time::Duration;
    let Some(ts) = store(backend).await else {
        return;
    };
    let (store, account) = (ts.store.as_ref(), ts.account.as_str());
    let ttl = Duration::from_millis(300);
    assert_eq!(
        store
            .acquire_lease(account, "emabler", "far-host:1", ttl)
            .await
            .unwrap(),
        Lease::Acquired
    );
    match store
        .acquire_lease(account, "emabler", "other-host:2", ttl)
        .await
        .unwrap()
    {
        Lease::HeldBy { owner, until } => {
            assert_eq!(owner, "far-host:1");
            assert!(until.is_some());
        }
        other => panic!("{other:?}"),
    }
    // A sync by the second worker skips the account while it is held.
    let mock = EmablerMock::start().await;
    let r = sync_account(
        store,
        account,
        &client(&mock),
        &opts("2025-03-07T00:00:00Z").with_worker("other-host:2"),
    )
    .await
    .unwrap();
    assert_eq!(r.result, RunResult::Skipped);
    assert_eq!(r.held_by.as_deref(), Some("far-host:1"));
    assert_eq!(ids(store, account).await.len(), 0);

    // The first worker "dies": after the expiry the second takes the account.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let r = sync_account(
        store,
        account,
        &client(&mock),
        &opts("2025-03-07T00:00:00Z")
            .with_worker("other-host:2")
            .with_lease_ttl(ttl),
    )
    .await
    .unwrap();
    assert_eq!(r.result, RunResult::Ok);
    assert_eq!(r.counts.new, 12);
    // The first worker wakes up: its lease is gone, its transaction may not commit.
    let mut tx = store.begin().await.unwrap();
    assert!(!tx.renew_lease(account, "far-host:1", ttl).await.unwrap());
    drop(tx);
    // Released at the end of the run: a third worker gets it at once.
    assert_eq!(
        store
            .acquire_lease(account, "emabler", "third:3", ttl)
            .await
            .unwrap(),
        Lease::Acquired
    );
}

#[tokio::test]
async fn leases_on_sqlite() {
    leases("sqlite").await;
}

#[tokio::test]
async fn leases_on_postgres() {
    leases("postgres").await;
}

/// What an incremental export wrote is remembered per session, replaced by a later version.
async fn exports_are_remembered(backend: &str) {
    use evsessions_sync::ExportRecord;
    let Some(ts) = store(backend).await else {
        return;
    };
    let (store, account) = (ts.store.as_ref(), ts.account.as_str());
    let at = t("2025-04-01T00:00:00Z");
    let v1 = ExportRecord::new(
        "ocpi-cdr",
        account,
        "emabler",
        "1",
        1,
        "h1",
        r#"{"id":"A","n":0.20}"#,
        at,
    );
    store
        .record_exports(std::slice::from_ref(&v1))
        .await
        .unwrap();
    let mine = |all: Vec<ExportRecord>| {
        all.into_iter()
            .filter(|r| r.account == account)
            .collect::<Vec<_>>()
    };
    assert_eq!(mine(store.exports("ocpi-cdr").await.unwrap()), [v1]);
    let v2 = ExportRecord::new(
        "ocpi-cdr",
        account,
        "emabler",
        "1",
        2,
        "h2",
        r#"{"id":"A-2"}"#,
        at,
    );
    store
        .record_exports(std::slice::from_ref(&v2))
        .await
        .unwrap();
    assert_eq!(mine(store.exports("ocpi-cdr").await.unwrap()), [v2]);
    assert!(mine(store.exports("other").await.unwrap()).is_empty());
}

#[tokio::test]
async fn exports_are_remembered_on_sqlite() {
    exports_are_remembered("sqlite").await;
}

#[tokio::test]
async fn exports_are_remembered_on_postgres() {
    exports_are_remembered("postgres").await;
}
