//! A store written by schema 4 (record JSON + raw + typed columns; `tests/fixtures`, written
//! by the code of commit 82c1fe6) opens in this version, is converted to documents (schema 5),
//! and reads back exactly as before: every row's JSON byte for byte, its metadata, its
//! revisions and the status; the conversion drops the old columns and the file shrinks; a
//! sync into the converted store goes on where the old one stopped.

mod common;

use common::*;
use evsessions_sync::{sync_account, SessionFilter, SyncOptions};
use evsessions_testkit::emabler::EmablerMock;
use futures::TryStreamExt;
use serde_json::Value;

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/store-schema4");

fn fixture_copy(dir: &tempfile::TempDir) -> String {
    let path = dir.path().join("old.db");
    std::fs::copy(format!("{FIXTURE}.db"), &path).unwrap();
    path.to_str().unwrap().to_string()
}

#[tokio::test]
async fn a_store_of_schema_4_converts_and_reads_back_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let path = fixture_copy(&dir);
    let size_before = std::fs::metadata(&path).unwrap().len();
    let store = evsessions_sync::open_store(&path).await.unwrap();

    let want: Vec<Value> = std::fs::read_to_string(format!("{FIXTURE}.expected.ndjson"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(want.len(), 26);
    let rows = all(
        store.as_ref(),
        SessionFilter::new().include_superseded(true),
    )
    .await;
    assert_eq!(rows.len(), want.len());
    for (s, w) in rows.iter().zip(&want) {
        let mut doc = Vec::new();
        evsessions_core::output::write_session_json(&mut doc, &s.session).unwrap();
        assert_eq!(
            std::str::from_utf8(&doc).unwrap(),
            w["doc"].as_str().unwrap(),
            "{}",
            s.session.id
        );
        assert_eq!(s.account, w["account"].as_str().unwrap());
        assert_eq!(serde_json::to_value(&s.meta).unwrap(), w["meta"]);
        let revs = store
            .revisions(&s.account, s.session.source.as_str(), &s.session.id)
            .await
            .unwrap();
        assert_eq!(serde_json::to_value(&revs).unwrap(), w["revisions"]);
    }
    // The documents are the same bytes, without decoding.
    let docs: Vec<_> = store
        .documents(&SessionFilter::new().include_superseded(true))
        .try_collect()
        .await
        .unwrap();
    for (d, w) in docs.iter().zip(&want) {
        assert_eq!(
            std::str::from_utf8(&d.json).unwrap(),
            w["doc"].as_str().unwrap()
        );
    }
    let status: Vec<Value> = std::fs::read_to_string(format!("{FIXTURE}.status.ndjson"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let got: Vec<Value> = store
        .status()
        .await
        .unwrap()
        .iter()
        .map(|a| serde_json::to_value(a).unwrap())
        .collect();
    assert_eq!(got, status);
    drop(store);

    // The old columns are gone and their space given back.
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{path}"))
        .await
        .unwrap();
    let legacy: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM pragma_table_info('sessions') WHERE name IN ('record', 'raw')",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(legacy, 0);
    // (The VACUUM went through the WAL: into the file, before its size is read.)
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let size_after = std::fs::metadata(&path).unwrap().len();
    assert!(size_after < size_before, "{size_after} >= {size_before}");

    // Opened again: nothing left to convert, same rows; and a sync goes on from the watermark.
    let store = evsessions_sync::open_store(&path).await.unwrap();
    assert_eq!(
        all(
            store.as_ref(),
            SessionFilter::new().include_superseded(true)
        )
        .await
        .len(),
        26
    );
    let mock = EmablerMock::start().await;
    let opts = SyncOptions::default()
        .with_now(t("2025-03-08T03:00:00Z"))
        .with_worker("test-worker");
    let r = sync_account(store.as_ref(), "tampere", &client(&mock), &opts)
        .await
        .unwrap();
    // The mock's 12 sessions are those the fixture's "tampere" holds: nothing new.
    assert_eq!(
        (r.counts.new, r.counts.changed, r.counts.unchanged),
        (0, 0, 12)
    );
}

/// A read-only open converts an old store as well (the one write it makes), then reads.
#[tokio::test]
async fn a_read_only_open_converts_an_old_store_first() {
    let dir = tempfile::tempdir().unwrap();
    let path = fixture_copy(&dir);
    let store = evsessions_sync::open_store_read_only(&path).await.unwrap();
    let docs: Vec<_> = store
        .documents(&SessionFilter::new())
        .try_collect()
        .await
        .unwrap();
    let want = std::fs::read_to_string(format!("{FIXTURE}.export.ndjson")).unwrap();
    let mut got = Vec::new();
    for d in &docs {
        got.extend_from_slice(&d.json);
        got.push(b'\n');
    }
    assert_eq!(String::from_utf8(got).unwrap(), want);
}
