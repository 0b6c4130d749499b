//! Every vendor at once, through one trait object type: start the mock servers, read each
//! vendor's completed sessions, and total the energy per vendor and the money per currency.
//!
//! Run: `cargo run --example all_vendors` (no network, no credentials).

use std::collections::BTreeMap;

use evsessions::{Decimal, HttpConfig, SessionQuery, SessionSource, StatusFilter};
use futures::StreamExt;

#[tokio::main]
async fn main() -> evsessions::Result<()> {
    // Mock servers for eMabler, Smappee, CleverPower and the RU CSMS, each with a real client.
    let fleet = evsessions::testing::start_mock_fleet(HttpConfig::for_tests()).await?;
    let sources: &[Box<dyn SessionSource>] = &fleet.sources;

    let query = SessionQuery::new().status(StatusFilter::Completed);
    let mut kwh: BTreeMap<String, Decimal> = BTreeMap::new();
    let mut money: BTreeMap<String, Decimal> = BTreeMap::new();
    for source in sources {
        let mut sessions = source.sessions(&query);
        while let Some(item) = sessions.next().await {
            match item {
                Ok(s) => {
                    *kwh.entry(s.source.to_string()).or_default() +=
                        s.energy_kwh.unwrap_or_default();
                    if let Some(cost) = &s.cost {
                        if let (Some(cur), Some(total)) = (&cost.currency, cost.total_incl_vat) {
                            *money.entry(cur.clone()).or_default() += total;
                        }
                    }
                }
                Err(e) => eprintln!("{e}"),
            }
        }
    }
    println!("Completed sessions, energy per vendor (kWh, exact):");
    for (vendor, k) in &kwh {
        println!("  {vendor:<12} {k}");
    }
    println!("Paid, incl. VAT, per currency:");
    for (cur, m) in &money {
        println!("  {cur} {m}");
    }
    Ok(())
}
