//! `evsessions sync`, `export` and `status` end to end, as a new user runs them: the binary
//! against the eMabler mock whose sessions change between runs, on SQLite and on Postgres;
//! a sync killed (SIGKILL) at several points and rerun ends with the same store as an
//! uninterrupted run; two concurrent syncs on one Postgres store neither fail nor double.

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

use common::{command, run, s, sync_args, text};
use evsessions_testkit::emabler::{EmablerMock, API_KEY};
use evsessions_testkit::VendorMock;
use serde_json::{json, Value};

async fn export(store: &str, extra: &[&str]) -> Vec<Value> {
    let mut a = s(&["export", "--store", store, "--format", "ndjson"]);
    a.extend(s(extra));
    let o = run(a).await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    text(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn ids(v: &[Value]) -> Vec<String> {
    let mut ids: Vec<String> = v
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

/// `EVSESSIONS_TEST_POSTGRES_URL`, else a throwaway cluster when PostgreSQL is installed.
fn pg_url() -> Option<String> {
    evsessions_testkit::postgres::test_url()
}

/// A fresh Postgres database for one test (the store's tables are per database).
async fn fresh_pg_db(url: &str, name: &str) -> String {
    let admin = url.to_string();
    let name = name.to_string();
    tokio::task::spawn_blocking(move || {
        let status = Command::new("psql")
            .env("PGOPTIONS", "--client-min-messages=warning")
            .arg(&admin)
            .args([
                "-q",
                "-c",
                &format!("DROP DATABASE IF EXISTS {name}"),
                "-c",
                &format!("CREATE DATABASE {name}"),
            ])
            .status()
            .expect("psql (the PostgreSQL client) is needed for the Postgres CLI tests");
        assert!(status.success());
        let base = admin.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap();
        format!("{base}/{name}")
    })
    .await
    .unwrap()
}

async fn changes_between_runs(store: &str) {
    let mock = EmablerMock::start().await;
    let o = run(sync_args(&mock, store, &["--now", "2025-03-07T00:00:00Z"])).await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(
        out.contains("emabler: 12 new, 0 changed, 0 unchanged"),
        "{out}"
    );

    // An ongoing session finishes under another id, a late session appears, a completed
    // session's cost is recomputed.
    mock.edit_ongoing(|items| items.retain(|o| o["transactionId"] != "1032440001"));
    let template = mock.edit_transactions(|items| {
        for t in items.iter_mut() {
            if t["id"] == 1048576010_i64 {
                t["timestampEnd"] = json!("2025-03-07T09:15:00.000Z");
                t["fullConsumptionWh"] = json!(33250);
            }
            if t["id"] == 1048576001_i64 {
                t["totalCostInclVat"] = json!(6.50);
            }
        }
        items[2].clone()
    });
    let mut late = template;
    late["id"] = json!(1048576050);
    late["evseTransactionId"] = json!("1032500050");
    late["timestampStart"] = json!("2025-03-02T10:00:00.000Z");
    late["timestampEnd"] = json!("2025-03-05T10:00:00.000Z");
    mock.edit_transactions(|items| items.push(late));

    for now in ["2025-03-08T00:00:00Z", "2025-03-08T01:00:00Z"] {
        let o = run(sync_args(&mock, store, &["--now", now])).await;
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    }
    let rows = export(store, &[]).await;
    let got = ids(&rows);
    let mut dedup = got.clone();
    dedup.dedup();
    assert_eq!(got, dedup, "every session exactly once");
    assert_eq!(got.len(), 13, "{got:?}");
    assert!(
        !got.contains(&"1032440001".to_string()),
        "the ongoing row is superseded"
    );
    let recomputed = rows.iter().find(|r| r["id"] == "1048576001").unwrap();
    assert_eq!(recomputed["cost"]["total_incl_vat"], json!(6.5));
    let finished = rows.iter().find(|r| r["id"] == "1048576010").unwrap();
    assert_eq!(finished["status"], "completed");
    assert_eq!(finished["energy_kwh"], json!(33.25));
    // The ndjson records are exactly what `sessions` writes.
    let o = run(s(&[
        "sessions",
        "--source",
        "emabler",
        "--base-url",
        &mock.base_url(),
        "--format",
        "ndjson",
        "--status",
        "completed",
    ]))
    .await;
    let live: Vec<Value> = text(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let live_one = live.iter().find(|r| r["id"] == "1048576001").unwrap();
    assert_eq!(live_one, recomputed);
    // With the superseded row.
    assert_eq!(export(store, &["--include-superseded"]).await.len(), 14);

    let o = run(s(&["status", "--store", store])).await;
    assert_eq!(o.status.code(), Some(0));
    let st = text(&o.stdout);
    assert!(st.contains("emabler") && st.contains("ok"), "{st}");
}

#[tokio::test]
async fn sync_export_status_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("ev.db");
    changes_between_runs(store.to_str().unwrap()).await;
}

#[tokio::test]
async fn sync_export_status_on_postgres() {
    let Some(url) = pg_url() else { return };
    let db = fresh_pg_db(&url, &format!("cli_changes_{}", std::process::id())).await;
    changes_between_runs(&db).await;
}

/// A mock with many sessions, so that a run takes many pages and batches.
async fn big_mock() -> EmablerMock {
    let mock = EmablerMock::start().await;
    mock.edit_transactions(|items| {
        let template = items[0].clone();
        for i in 0..600 {
            let mut t = template.clone();
            t["id"] = json!(2000000000_i64 + i);
            t["evseTransactionId"] = json!(format!("77{i:06}"));
            t["timestampStart"] = json!(format!(
                "2025-03-{:02}T{:02}:00:00.000Z",
                2 + i % 20,
                i % 24
            ));
            t["timestampEnd"] = json!(format!(
                "2025-03-{:02}T{:02}:30:00.000Z",
                2 + i % 20,
                i % 24
            ));
            t["fullConsumptionWh"] = json!(1000 + i);
            items.push(t);
        }
    });
    mock
}

/// The store's content without times of writing: every row (superseded ones too) and the
/// revision count per session.
async fn snapshot(store: &str) -> Vec<Value> {
    export(store, &["--include-superseded"]).await
}

async fn killed_and_rerun(store_of: impl Fn(&str) -> String) {
    let mock = big_mock().await;
    let reference = store_of("reference");
    let o = run(sync_args(
        &mock,
        &reference,
        &["--page-size", "25", "--batch-size", "7"],
    ))
    .await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let want = snapshot(&reference).await;
    assert_eq!(want.len(), 612);

    let mut partial = Vec::new();
    for (seed, delay_ms) in [(1u32, 40u64), (2, 150), (3, 400), (4, 900)] {
        let store = store_of(&format!("killed{seed}"));
        let args = sync_args(&mock, &store, &["--page-size", "25", "--batch-size", "7"]);
        let mut child = command(&args, API_KEY)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        // Killed before it made the store's tables: there is no store yet (exit 2).
        let o = run(s(&[
            "export",
            "--store",
            &store,
            "--format",
            "ndjson",
            "--include-superseded",
        ]))
        .await;
        let before = match o.status.code() {
            Some(2) if text(&o.stderr).contains("no store at") => 0,
            _ => export(&store, &["--include-superseded"]).await.len(),
        };
        partial.push(before);
        let o = run(args).await;
        assert_eq!(o.status.code(), Some(0), "seed {seed}: {}", text(&o.stderr));
        let got = snapshot(&store).await;
        assert_eq!(got.len(), want.len(), "seed {seed}");
        assert_eq!(
            got, want,
            "seed {seed}: the store after a kill and a rerun differs"
        );
    }
    // The kills landed mid-run at least once (else this test would prove nothing).
    assert!(
        partial.iter().any(|&n| n > 0 && n < want.len()),
        "no kill landed mid-run: rows after each kill {partial:?}"
    );
}

#[tokio::test]
async fn killed_sync_converges_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().to_path_buf();
    killed_and_rerun(move |name| {
        base.join(format!("{name}.db"))
            .to_string_lossy()
            .into_owned()
    })
    .await;
}

#[tokio::test]
async fn killed_sync_converges_on_postgres() {
    let Some(url) = pg_url() else { return };
    let mut dbs = Vec::new();
    for name in ["reference", "killed1", "killed2", "killed3", "killed4"] {
        dbs.push((
            name.to_string(),
            fresh_pg_db(&url, &format!("kill_{name}_{}", std::process::id())).await,
        ));
    }
    killed_and_rerun(move |name| {
        dbs.iter()
            .find(|(n, _)| n == name)
            .map(|(_, u)| u.clone())
            .unwrap()
    })
    .await;
}

#[tokio::test]
async fn concurrent_syncs_on_postgres_neither_fail_nor_double() {
    let Some(url) = pg_url() else { return };
    let db = fresh_pg_db(&url, &format!("concurrent_{}", std::process::id())).await;
    let mock = big_mock().await;
    let args = sync_args(&mock, &db, &["--page-size", "25", "--batch-size", "7"]);
    let (a, b) = tokio::join!(run(args.clone()), run(args.clone()));
    for o in [&a, &b] {
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    }
    let rows = snapshot(&db).await;
    let got = ids(&rows);
    let mut dedup = got.clone();
    dedup.dedup();
    assert_eq!(got.len(), dedup.len());
    assert_eq!(got.len(), 612);
}

#[tokio::test]
async fn accounts_file_many_vendors_one_failing() {
    use evsessions_testkit::emabler::EmablerMockOptions;
    use evsessions_testkit::ru_csms::{RuCsmsMock, TOKEN as RU_TOKEN};
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("ev.db");
    let bad = EmablerMock::start_with(EmablerMockOptions::default().with_bad_record(true)).await;
    let ru = RuCsmsMock::start().await;
    let key_file = dir.path().join("ru.token");
    std::fs::write(&key_file, format!("{RU_TOKEN}\n")).unwrap();
    let config = dir.path().join("evsessions.toml");
    std::fs::write(
        &config,
        format!(
            r#"
[sync]
since = "2020-01-01"

[accounts.helsinki]
vendor = "emabler"
api_key_env = "HELSINKI_KEY"
base_url = "{}"

[accounts.moscow]
vendor = "ru-csms"
token_file = "{}"
sessions_url = "{}"

[accounts.down]
vendor = "emabler"
api_key_env = "HELSINKI_KEY"
base_url = "http://127.0.0.1:1/api/v2/cpo"
"#,
            bad.base_url(),
            key_file.display(),
            ru.sessions_url()
        ),
    )
    .unwrap();
    let args = s(&[
        "sync",
        "--config",
        config.to_str().unwrap(),
        "--store",
        store.to_str().unwrap(),
        "--retries",
        "0",
    ]);
    let o = tokio::task::spawn_blocking(move || {
        command(&args, "unused")
            .env("HELSINKI_KEY", API_KEY)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let (out, err) = (text(&o.stdout), text(&o.stderr));
    // The unreachable account is exit 4; it wins over the bad record's 5.
    assert_eq!(o.status.code(), Some(4), "stdout: {out}\nstderr: {err}");
    assert!(out.contains("helsinki: 11 new"), "{out}");
    assert!(out.contains("1 errors"), "{out}");
    assert!(out.contains("moscow: 49 new"), "{out}");
    assert!(
        out.contains("down: 0 new") && out.contains("FAILED"),
        "{out}"
    );
    assert!(err.contains("fullConsumptionWh"), "{err}");
    assert!(
        !err.contains(API_KEY) && !out.contains(API_KEY),
        "a secret was printed"
    );
    assert!(!err.contains(RU_TOKEN), "a secret was printed");
    let st = run(s(&["status", "--store", store.to_str().unwrap()])).await;
    let st = text(&st.stdout);
    assert!(st.contains("down") && st.contains("failed"), "{st}");
    assert!(st.contains("partial"), "{st}");

    // An inline secret is refused, with the fix.
    std::fs::write(
        &config,
        "[accounts.x]\nvendor = \"emabler\"\napi_key = \"k\"\n",
    )
    .unwrap();
    let o = run(s(&[
        "sync",
        "--config",
        config.to_str().unwrap(),
        "--store",
        store.to_str().unwrap(),
    ]))
    .await;
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(
        err.contains("api_key_env") && !err.contains("\"k\""),
        "{err}"
    );
}

#[tokio::test]
async fn sync_without_anything_to_sync_says_how() {
    let dir = tempfile::tempdir().unwrap();
    let args = s(&["sync", "--store", dir.path().join("x.db").to_str().unwrap()]);
    let o = tokio::task::spawn_blocking(move || {
        let mut c = command(&args, API_KEY);
        c.current_dir(std::env::temp_dir());
        c.output().unwrap()
    })
    .await
    .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("--source"), "{}", text(&o.stderr));
}

/// After a few syncs, `statement` totals equal, to the cent and the Wh, the sums of the
/// exported sessions of that month in that zone; the HTML is one page with a chart per group.
#[tokio::test]
async fn statement_totals_equal_the_exported_sessions() {
    use evsessions_core::Decimal;
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("ev.db");
    let store = store.to_str().unwrap();
    let mock = EmablerMock::start().await;
    for now in ["2025-03-07T00:00:00Z", "2025-03-08T00:00:00Z"] {
        let o = run(sync_args(&mock, store, &["--now", now])).await;
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    }
    let o = run(s(&[
        "statement",
        "--store",
        store,
        "--month",
        "2025-03",
        "--by",
        "id-tag",
        "--time-zone",
        "Europe/Helsinki",
        "--format",
        "json",
    ]))
    .await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let st: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(st["time_zone"], "Europe/Helsinki");
    let rows = export(
        store,
        &[
            "--from",
            "2025-02-28T22:00:00Z",
            "--to",
            "2025-03-31T21:00:00Z",
            "--status",
            "completed",
        ],
    )
    .await;
    let dec =
        |v: &Value| -> Decimal { v.to_string().trim_matches('"').parse().unwrap_or_default() };
    let mut billed = 0;
    for g in st["groups"].as_array().unwrap() {
        let key = g["key"].as_str().unwrap();
        let mine: Vec<&Value> = rows
            .iter()
            .filter(|r| r["authorization"]["id_tag"].as_str().unwrap_or("(none)") == key)
            .collect();
        assert_eq!(
            g["sessions"].as_u64().unwrap() as usize,
            mine.len(),
            "{key}"
        );
        billed += mine.len();
        let kwh: Decimal = mine.iter().map(|r| dec(&r["energy_kwh"])).sum();
        assert_eq!(dec(&g["energy_kwh"]), kwh, "{key}");
        for m in g["money"].as_array().unwrap() {
            let cur = m["currency"].as_str().unwrap();
            let incl: Decimal = mine
                .iter()
                .filter(|r| r["cost"]["currency"].as_str().unwrap_or("(no currency)") == cur)
                .map(|r| dec(&r["cost"]["total_incl_vat"]))
                .sum();
            assert_eq!(dec(&m["incl_vat"]), incl, "{key} {cur}");
        }
    }
    assert_eq!(billed, rows.len());
    let page = dir.path().join("march.html");
    let o = run(s(&[
        "statement",
        "--store",
        store,
        "--month",
        "2025-03",
        "--by",
        "site",
        "--format",
        "html",
        "--output",
        page.to_str().unwrap(),
    ]))
    .await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(
        html.starts_with("<!DOCTYPE html>") && html.contains("<svg"),
        "{html}"
    );
    // A mistyped grouping is refused with the choices.
    let o = run(s(&[
        "statement",
        "--store",
        store,
        "--month",
        "2025-03",
        "--by",
        "drivr",
    ]))
    .await;
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("driver"), "{}", text(&o.stderr));
}
