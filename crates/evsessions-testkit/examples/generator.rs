//! A vendor-shaped server with any number of synthetic sessions, for benchmarks
//! (`bench/e2e` starts it). Prints the base URL on the first line of stdout, then serves until
//! killed.
//!
//! `cargo run --release -p evsessions-testkit --example generator -- emabler 1000000 [DELAY_MS]`

use std::time::Duration;

use evsessions_testkit::generator::{GeneratedVendor, Generator, GeneratorOptions};

#[tokio::main]
async fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: generator emabler|ru-csms SESSIONS [DELAY_MS]";
    let vendor: GeneratedVendor = args.first().ok_or(usage)?.parse()?;
    let sessions: u64 = args
        .get(1)
        .ok_or(usage)?
        .parse()
        .map_err(|e| format!("SESSIONS: {e}"))?;
    let delay = match args.get(2) {
        Some(ms) => Duration::from_millis(ms.parse().map_err(|e| format!("DELAY_MS: {e}"))?),
        None => Duration::ZERO,
    };
    let generator = Generator::start(GeneratorOptions::new(vendor, sessions).delay(delay)).await;
    println!("{}", generator.base_url());
    // Serve until killed.
    std::future::pending::<()>().await;
    Ok(())
}
