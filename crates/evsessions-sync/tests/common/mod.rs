//! Shared test ground: a store of each backend, and the eMabler mock with a client.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU32, Ordering};

use chrono::{DateTime, Utc};
use emabler_client::{Client, Config};
use evsessions_core::HttpConfig;
use evsessions_sync::{open_store, SessionFilter, SessionStore, StoredSession};
use evsessions_testkit::emabler::{EmablerMock, API_KEY};
use evsessions_testkit::VendorMock;
use futures::TryStreamExt;

/// A store of the named backend, with a unique account name (Postgres tests share one
/// database). `None` (and a loud message) when Postgres is not configured on a developer
/// machine; under `CI=true` a missing Postgres is a failure.
pub struct TestStore {
    pub store: Box<dyn SessionStore>,
    pub account: String,
    _dir: Option<tempfile::TempDir>,
}

static SEQ: AtomicU32 = AtomicU32::new(0);

pub fn unique(prefix: &str) -> String {
    format!(
        "{prefix}-{}-{}-{}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed),
        Utc::now().timestamp_nanos_opt().unwrap_or_default()
    )
}

pub async fn store(backend: &str) -> Option<TestStore> {
    match backend {
        "sqlite" => {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("store.db");
            let store = open_store(path.to_str().unwrap()).await.unwrap();
            Some(TestStore {
                store,
                account: unique("acct"),
                _dir: Some(dir),
            })
        }
        _ => {
            let url = postgres_url()?;
            let store = open_store(&url).await.unwrap();
            Some(TestStore {
                store,
                account: unique("acct"),
                _dir: None,
            })
        }
    }
}

/// The test server's URL (`EVSESSIONS_TEST_POSTGRES_URL`, else a throwaway cluster when
/// PostgreSQL is installed), or `None` after saying loudly that the test is skipped.
pub fn postgres_url() -> Option<String> {
    evsessions_testkit::postgres::test_url()
}

pub fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

pub fn client(mock: &EmablerMock) -> Client {
    let cfg = Config::builder()
        .base_url(mock.base_url())
        .api_key(API_KEY)
        .http(HttpConfig::for_tests())
        .build()
        .unwrap();
    Client::new(cfg).unwrap()
}

pub async fn all(store: &dyn SessionStore, filter: SessionFilter) -> Vec<StoredSession> {
    store.sessions(&filter).try_collect().await.unwrap()
}

pub async fn ids(store: &dyn SessionStore, account: &str) -> Vec<String> {
    let mut v: Vec<String> = all(store, SessionFilter::new().account(account))
        .await
        .into_iter()
        .map(|s| s.session.id)
        .collect();
    v.sort();
    v
}
