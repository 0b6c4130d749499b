//! Read the RU CSMS session list from the testkit mock (no network, no credentials needed):
//! the 44 captured sessions plus the synthetic ones, paged by the server's own page size,
//! printed as a table with a summary; then what a refused token looks like.
//!
//! ```text
//! cargo run --example ru_csms
//! ```
//!
//! Against a real server, build the client from the environment instead:
//! `RU_CSMS_SESSIONS_URL=https://…/sessions RU_CSMS_TOKEN=… ` and
//! `Client::new(ConfigBuilder::from_env().build()?)`.

use evsessions_core::{
    HttpConfig, OutputFormat, SessionQuery, SessionSourceExt, SessionWriter, Summary,
};
use evsessions_testkit::ru_csms::{RuCsmsMock, RuCsmsMockOptions, TOKEN};
use futures::StreamExt;
use ru_csms_client::{Client, Config};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A server that pages by 20 whatever the client asks.
    let mock = RuCsmsMock::start_with(RuCsmsMockOptions::default().with_server_per_page(20)).await;

    let client = Client::new(
        Config::builder()
            .sessions_url(mock.sessions_url())
            .token(TOKEN)
            .http(HttpConfig::for_tests())
            .build()?,
    )?;

    let stdout = std::io::stdout();
    let mut out = SessionWriter::new(OutputFormat::Table, stdout.lock())?;
    let mut summary = Summary::default();
    let mut sessions = client.sessions(&SessionQuery::new());
    while let Some(item) = sessions.next().await {
        match item {
            Ok(s) => {
                out.write(&s)?;
                summary.add(&s);
            }
            Err(e) => {
                eprintln!("{e}");
                summary.errors += 1;
            }
        }
    }
    drop(out.finish()?); // releases the stdout lock
    println!();
    summary.write_text(std::io::stdout())?;

    // The platform refuses a token with HTTP 200 and meta.status_code 401.
    let refused = Client::new(
        Config::builder()
            .sessions_url(mock.sessions_url())
            .token("not-the-token")
            .http(HttpConfig::for_tests())
            .build()?,
    )?;
    if let Some(Err(e)) = refused.sessions(&SessionQuery::new()).next().await {
        println!("\nwith a wrong token: {e}");
    }
    Ok(())
}
