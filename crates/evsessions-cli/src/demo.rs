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
            } else {
                let _ = summary.write_text(std::io::stderr());
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        Err(e) => eprintln!("error: cannot write the output: {e}"),
    }
    code
}
