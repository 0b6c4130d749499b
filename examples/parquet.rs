//! Every vendor's sessions into one Parquet file, without a store: start the mock servers,
//! stream each vendor's sessions into a `ParquetWriter`, and say what was written.
//!
//! Run: `cargo run --example parquet -- sessions.parquet` (no network, no credentials), then
//! read it with DuckDB (`SELECT * FROM 'sessions.parquet'`) or Polars (`pl.read_parquet`).

use evsessions::export::parquet::{ParquetWriteError, ParquetWriter};
use evsessions::{HttpConfig, SessionQuery};
use futures::StreamExt;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "sessions.parquet".into());
    let fleet = evsessions::testing::start_mock_fleet(HttpConfig::for_tests()).await?;

    let mut writer = ParquetWriter::new(std::fs::File::create(&path)?)?;
    for source in &fleet.sources {
        let mut sessions = source.sessions(&SessionQuery::new());
        while let Some(item) = sessions.next().await {
            match item {
                // No store here: the account column stays null.
                Ok(s) => match writer.write(None, &s) {
                    Ok(()) => {}
                    Err(ParquetWriteError::Refused(why)) => eprintln!("skipped: {why}"),
                    Err(e) => return Err(e.into()),
                },
                Err(e) => eprintln!("{e}"),
            }
        }
    }
    let rows = writer.rows();
    writer.finish()?;
    println!("{rows} sessions written to {path}");
    Ok(())
}
