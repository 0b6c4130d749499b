//! `evsessions demo`: every vendor's mock server from the testkit, in process, read through
//! the real clients.

use std::io::Write;

use evsessions_core::{HttpConfig, SessionQuery, SessionSource, SessionWriter, Summary};
use evsessions_testkit::VendorMock;

use crate::run::{pump, worse, EXIT_API, EXIT_CONFIG, EXIT_OK};
use crate::DemoArgs;

async fn sources(
) -> evsessions_core::Result<(Vec<Box<dyn VendorMock>>, Vec<Box<dyn SessionSource>>)> {
    let http = HttpConfig::for_tests;
    let mut mocks: Vec<Box<dyn VendorMock>> = Vec::new();
    let mut sources: Vec<Box<dyn SessionSource>> = Vec::new();

    let m = evsessions_testkit::emabler::EmablerMock::start().await;
    let cfg = emabler_client::Config::builder()
        .base_url(m.base_url())
        .api_key(evsessions_testkit::emabler::API_KEY)
        .http(http())
        .build()?;
    sources.push(Box::new(emabler_client::Client::new(cfg)?));
    mocks.push(Box::new(m));

    let m = evsessions_testkit::smappee::SmappeeMock::start().await;
    let cfg = smappee_client::Config::builder()
        .base_url(m.base_url())
        .client_id(evsessions_testkit::smappee::CLIENT_ID)
        .client_secret(evsessions_testkit::smappee::CLIENT_SECRET)
        .username(evsessions_testkit::smappee::USERNAME)
        .password(evsessions_testkit::smappee::PASSWORD)
        .http(http())
        .build()?;
    sources.push(Box::new(smappee_client::Client::new(cfg)?));
    mocks.push(Box::new(m));

    let m = evsessions_testkit::cleverpower::CleverPowerMock::start().await;
    let cfg = cleverpower_client::Config::builder()
        .base_url(m.base_url())
        .auth(cleverpower_client::Auth::bearer(
            evsessions_testkit::cleverpower::TOKEN,
        ))
        .charge_ids(m.charge_ids())
        .http(http())
        .build()?;
    sources.push(Box::new(cleverpower_client::Client::new(cfg)?));
    mocks.push(Box::new(m));

    let m = evsessions_testkit::ru_csms::RuCsmsMock::start().await;
    let cfg = ru_csms_client::Config::builder()
        .sessions_url(m.sessions_url())
        .token(evsessions_testkit::ru_csms::TOKEN)
        .http(http())
        .build()?;
    sources.push(Box::new(ru_csms_client::Client::new(cfg)?));
    mocks.push(Box::new(m));

    Ok((mocks, sources))
}

pub async fn run(args: DemoArgs) -> u8 {
    let (mocks, sources) = match sources().await {
        Ok(x) => x,
        Err(e) => {
            crate::run::report(&e);
            return EXIT_CONFIG;
        }
    };
    let mut stdout = std::io::stdout().lock();
    let table = args.format == evsessions_core::OutputFormat::Table;
    if table {
        let _ = writeln!(
            stdout,
            "evsessions demo: {} vendors served by in-process mock servers on 127.0.0.1 from the fixtures (no network, no credentials)\n",
            mocks.len()
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
    for source in &sources {
        let c = pump(
            source.as_ref(),
            &SessionQuery::new(),
            &mut writer,
            Some(&mut summary),
        )
        .await;
        code = worse(code, c);
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
        Err(e) => {
            eprintln!("error: cannot write the output: {e}");
        }
    }
    drop(mocks);
    code
}
