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

/// The sync in the demo: two rounds against the first mock with a sync scenario (a mock whose
/// data changes between the runs: an ongoing session completes, its finished record replaces
/// it) into a temporary store, then the store's status.
async fn sync_demo(out: &mut dyn Write) -> u8 {
    use evsessions::sync::{open_store, sync_account, SyncOptions};

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
    let mocked = match evsessions::testing::start_mocked_sources(HttpConfig::for_tests()).await {
        Ok(m) => m,
        Err(e) => {
            crate::run::report(&e);
            return EXIT_CONFIG;
        }
    };
    let Some((source, scenario)) = mocked
        .iter()
        .find_map(|m| m.sync_scenario.as_ref().map(|s| (m.source.as_ref(), s)))
    else {
        return EXIT_OK; // no source compiled in has a sync scenario
    };
    let account = format!("{}-demo", source.kind());
    let mut options = SyncOptions::default()
        .with_worker("demo")
        .with_since(scenario.since)
        .with_now(scenario.first_run_at);
    let _ = writeln!(
        out,
        "\nevsessions sync, twice, into a temporary store ({}):",
        path.display()
    );
    let first = sync_account(store.as_ref(), &account, source, &options).await;
    (scenario.between_runs)();
    options = options.with_now(scenario.second_run_at);
    let second = sync_account(store.as_ref(), &account, source, &options).await;
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
    let _ = writeln!(out, "  (between the rounds: {})", scenario.story);
    let _ = writeln!(out, "\nevsessions status:");
    crate::store_cmds::print_status(store.as_ref(), out).await
}
