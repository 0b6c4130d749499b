//! `evsessions demo`: every vendor's mock server from the testkit, in process, read through
//! the real clients (`evsessions::testing::start_mock_fleet`).

use std::io::Write;

use evsessions_core::{HttpConfig, OutputFormat, SessionQuery, SessionWriter, Summary};

use crate::run::{pump, worse, EXIT_API, EXIT_CONFIG, EXIT_OK};
use crate::DemoArgs;

pub async fn run(args: DemoArgs) -> u8 {
    let fleet = match evsessions::testing::start_mock_fleet(HttpConfig::for_tests()).await {
        Ok(f) => f,
        Err(e) => {
            crate::run::report(&e);
            return EXIT_CONFIG;
        }
    };
    let mut stdout = std::io::stdout().lock();
    let table = args.format == OutputFormat::Table;
    if table {
        let _ = writeln!(
            stdout,
            "evsessions demo: {} vendors served by in-process mock servers on 127.0.0.1 from the fixtures (no network, no credentials)\n",
            fleet.mocks.len()
        );
    }
    let mut writer = match SessionWriter::new(args.format, stdout) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("error: cannot write the output: {e}");
            return EXIT_API;
        }
    };
    let mut summary = Summary::default();
    let mut code = EXIT_OK;
    for source in &fleet.sources {
        let done = pump(
            "stdout",
            source.as_ref(),
            &SessionQuery::new(),
            &mut writer,
            Some(&mut summary),
        )
        .await;
        code = worse(code, done.code);
        if done.closed {
            return code; // the reader went away (`| head`)
        }
    }
    match writer.finish() {
        Ok(mut out) => {
            if table {
                let _ = writeln!(out);
                let _ = summary.write_text(&mut out);
                let _ = out.flush();
                drop(out);
                code = worse(code, sync_demo(&mut std::io::stdout().lock()).await);
            } else {
                let _ = summary.write_text(std::io::stderr());
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        Err(e) => eprintln!("error: cannot write the output: {e}"),
    }
    code
}

/// The sync in the demo: two rounds against the eMabler mock into a temporary store, with an
/// ongoing session that completes between them (its finished record replaces it), then the
/// store's status.
async fn sync_demo(out: &mut dyn Write) -> u8 {
    use evsessions::sync::{open_store, sync_account, SyncOptions};
    use evsessions_testkit::emabler::{EmablerMock, API_KEY};
    use evsessions_testkit::VendorMock;

    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: cannot make a temporary directory: {e}");
            return EXIT_API;
        }
    };
    let path = dir.path().join("demo.db");
    let store = match open_store(&path.to_string_lossy()).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_API;
        }
    };
    let mock = EmablerMock::start().await;
    let source = match evsessions::emabler::Config::builder()
        .base_url(mock.base_url())
        .api_key(API_KEY)
        .http(HttpConfig::for_tests())
        .build()
        .and_then(evsessions::emabler::Client::new)
    {
        Ok(s) => s,
        Err(e) => {
            crate::run::report(&e);
            return EXIT_CONFIG;
        }
    };
    let at = |s: &str| s.parse::<chrono::DateTime<chrono::Utc>>().ok();
    let mut options = SyncOptions::default().with_worker("demo");
    if let (Some(since), Some(now)) = (at("2025-03-01T00:00:00Z"), at("2025-03-07T00:00:00Z")) {
        options = options.with_since(since).with_now(now);
    }
    let _ = writeln!(
        out,
        "\nevsessions sync, twice, into a temporary store ({}):",
        path.display()
    );
    let first = sync_account(store.as_ref(), "emabler-demo", &source, &options).await;
    // Between the runs, ongoing session 1032440001 completes: it leaves the ongoing list and
    // its finished record 1048576010 gets an end, energy and a cost.
    mock.edit_ongoing(|items| items.retain(|o| o["transactionId"] != "1032440001"));
    mock.edit_transactions(|items| {
        for t in items.iter_mut() {
            if t["id"] == 1048576010_i64 {
                t["timestampEnd"] = serde_json::json!("2025-03-07T09:15:00.000Z");
                t["fullConsumptionWh"] = serde_json::json!(33250);
                t["totalCostInclVat"] = serde_json::json!(9.80);
                t["totalCostExclVat"] = serde_json::json!(7.81);
                t["totalVatAmount"] = serde_json::json!(1.99);
            }
        }
    });
    if let Some(now) = at("2025-03-08T00:00:00Z") {
        options = options.with_now(now);
    }
    let second = sync_account(store.as_ref(), "emabler-demo", &source, &options).await;
    for (round, r) in [(1, first), (2, second)] {
        match r {
            Ok(rep) => {
                let _ = writeln!(
                    out,
                    "  round {round}: {}",
                    crate::store_cmds::summary_line(&rep)
                );
            }
            Err(e) => {
                eprintln!("error: {e}");
                return EXIT_API;
            }
        }
    }
    let _ = writeln!(out, "\nevsessions status:");
    crate::store_cmds::print_status(store.as_ref(), out).await
}
