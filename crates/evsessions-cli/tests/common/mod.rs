//! What the store-command tests share: run the CLI with only the eMabler key set, and sync
//! the eMabler mock into a store.
#![allow(dead_code)] // each test file uses its own part

use std::process::{Command, Output, Stdio};

use evsessions_testkit::emabler::{EmablerMock, API_KEY};
use evsessions_testkit::VendorMock;

const BIN: &str = env!("CARGO_BIN_EXE_evsessions");

/// The CLI with a clean environment: only `EMABLER_API_KEY` (`key`) set, no stdin.
pub fn command(args: &[String], key: &str) -> Command {
    let mut c = Command::new(BIN);
    c.env_clear()
        .env("EMABLER_API_KEY", key)
        .args(args)
        .stdin(Stdio::null());
    c
}

/// Run the CLI with a clean environment (the mock's eMabler key only).
pub async fn run(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || command(&args, API_KEY).output().unwrap())
        .await
        .unwrap()
}

/// Owned arguments.
pub fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

/// Bytes as text.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The arguments of `evsessions sync` of the eMabler mock into `store` from 2025-03-01, then
/// `extra`.
pub fn sync_args(mock: &EmablerMock, store: &str, extra: &[&str]) -> Vec<String> {
    let mut a = s(&[
        "sync",
        "--source",
        "emabler",
        "--base-url",
        &mock.base_url(),
        "--store",
        store,
        "--since",
        "2025-03-01",
    ]);
    a.extend(s(extra));
    a
}

/// Sync the eMabler mock into `store`, as of `now`; asserts success.
pub async fn sync(mock: &EmablerMock, store: &str, now: &str) {
    let o = run(sync_args(mock, store, &["--now", now])).await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
}
