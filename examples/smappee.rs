//! Smappee end to end, against the testkit's mock (no network, no credentials needed):
//! discovery of service locations and their charging stations, then the completed and active
//! sessions of every park in a window, normalized, as a table and as NDJSON.
//!
//! Run with `cargo run --example smappee`. Against the real API, build the config with
//! `ConfigBuilder::from_env()` (`SMAPPEE_CLIENT_ID`, `SMAPPEE_CLIENT_SECRET`,
//! `SMAPPEE_USERNAME`, `SMAPPEE_PASSWORD`) instead.

use evsessions_core::{
    HttpConfig, OutputFormat, SessionQuery, SessionSourceExt, SessionWriter, StatusFilter,
};
use evsessions_testkit::smappee::{SmappeeMock, CLIENT_ID, CLIENT_SECRET, PASSWORD, USERNAME};
use evsessions_testkit::VendorMock;
use futures::StreamExt;
use smappee_client::{Client, Config};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mock = SmappeeMock::start().await;
    let config = Config::builder()
        .client_id(CLIENT_ID)
        .client_secret(CLIENT_SECRET)
        .username(USERNAME)
        .password(PASSWORD)
        .base_url(mock.base_url())
        .http(HttpConfig::for_tests())
        .build()?;
    println!("{config:?}\n"); // secrets are redacted
    let client = Client::new(config)?;

    // Discovery: service locations and the charging stations of each.
    for loc in client.service_locations().await?.service_locations {
        let stations = client.charging_stations(&loc.service_location_id).await?;
        let serials: Vec<String> = stations
            .iter()
            .filter_map(|s| s.serial_number.clone())
            .collect();
        println!(
            "service location {} {:?}: stations {:?}",
            loc.service_location_id,
            loc.name.as_deref().unwrap_or("?").trim(),
            serials
        );
    }
    println!();

    // Every park, completed and active sessions that started in [2025-06-01, 2025-06-05).
    let query = SessionQuery::new()
        .from("2025-06-01T00:00:00Z".parse()?)
        .to("2025-06-05T00:00:00Z".parse()?)
        .status(StatusFilter::All);
    let mut sessions = Vec::new();
    let mut stream = client.sessions(&query);
    while let Some(item) = stream.next().await {
        sessions.push(item?);
    }

    let mut table = SessionWriter::new(OutputFormat::Table, std::io::stdout())?;
    for s in &sessions {
        table.write(s)?;
    }
    table.finish()?;
    println!();
    let mut ndjson = SessionWriter::new(OutputFormat::Ndjson, std::io::stdout())?;
    for s in &sessions {
        ndjson.write(s)?;
    }
    ndjson.finish()?;
    Ok(())
}
