//! eMabler end to end, against the testkit's mock (no network, no credentials needed): the
//! sites and chargers, one page of the typed `POST /v2/transactions` call, then every session
//! (ongoing and finished) that started in a window, normalized, as a table, a summary and
//! NDJSON.
//!
//! Run with `cargo run --example emabler`. Against the real API, build the config with
//! `ConfigBuilder::from_env()` (`EMABLER_API_KEY`, optionally `EMABLER_BASE_URL`) instead.

use emabler_client::{Client, Config, ListRequest, TransactionsRequest};
use evsessions_core::{
    HttpConfig, OutputFormat, SessionQuery, SessionSourceExt, SessionWriter, StatusFilter, Summary,
};
use evsessions_testkit::emabler::{EmablerMock, API_KEY};
use evsessions_testkit::VendorMock;
use futures::StreamExt;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mock = EmablerMock::start().await;
    let config = Config::builder()
        .api_key(API_KEY)
        .base_url(mock.base_url())
        .http(HttpConfig::for_tests())
        .build()?;
    println!("{config:?}\n"); // the API key is redacted
    let client = Client::new(config)?;

    // Typed calls: sites and chargers.
    for site in client.sites(&ListRequest::default()).await?.items {
        println!(
            "site {:>5} {:<22} {}",
            site.id.as_deref().unwrap_or("?"),
            site.name.as_deref().unwrap_or("?"),
            site.city.as_deref().unwrap_or("")
        );
    }
    for ch in client.chargers(&ListRequest::default()).await?.items {
        println!(
            "charger {:<13} site {:>5} ocpp {:<10} state {}",
            ch.charger_id.as_deref().unwrap_or("?"),
            ch.site_id.as_deref().unwrap_or("?"),
            ch.ocpp_version.as_deref().unwrap_or("?"),
            ch.state.as_deref().unwrap_or("?")
        );
    }
    let first = client
        .transactions(&TransactionsRequest::page(1, 4))
        .await?;
    println!(
        "\nPOST /v2/transactions page 1: {} of {} records, hasNextPage {:?}\n",
        first.items.len(),
        first.total_records.unwrap_or(0),
        first.has_next_page
    );

    // The session stream: ongoing and finished sessions that started in [2025-03-03, 2025-03-07).
    let query = SessionQuery::new()
        .from("2025-03-03T00:00:00Z".parse()?)
        .to("2025-03-07T00:00:00Z".parse()?)
        .status(StatusFilter::All);
    let mut sessions = Vec::new();
    let mut stream = client.sessions(&query);
    while let Some(item) = stream.next().await {
        sessions.push(item?);
    }

    let mut table = SessionWriter::new(OutputFormat::Table, std::io::stdout())?;
    let mut summary = Summary::default();
    for s in &sessions {
        table.write(s)?;
        summary.add(s);
    }
    table.finish()?;
    println!();
    summary.write_text(std::io::stdout())?;
    println!();
    let mut ndjson = SessionWriter::new(OutputFormat::Ndjson, std::io::stdout())?;
    for s in sessions.iter().take(2) {
        ndjson.write(s)?;
    }
    ndjson.finish()?;
    Ok(())
}
