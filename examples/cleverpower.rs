//! Read CleverPower charging sessions, with no network: the testkit's CleverPower mock serves
//! the fixtures, the client reads two charging points by their OCPP charge ids (plus one the
//! server does not know), and prints each session as NDJSON; then the two `api/v1` calls.
//!
//! Against the real API, build the config from the environment instead
//! (`CLEVERPOWER_BASE_URL`, `CLEVERPOWER_TOKEN`, `CLEVERPOWER_TIME_ZONE`, `CLEVERPOWER_CURRENCY`):
//! `ConfigBuilder::from_env().build()?`.
//!
//! ```text
//! cargo run --example cleverpower
//! ```

use cleverpower_client::{Auth, Client, Config};
use evsessions_core::chrono_tz::Europe;
use evsessions_core::{SessionQuery, SessionSourceExt};
use evsessions_testkit::cleverpower::{
    CleverPowerMock, EVSE_ID, TOKEN, TRANSACTION_ID, UNKNOWN_CHARGE_ID,
};
use evsessions_testkit::VendorMock;
use futures::StreamExt;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mock = CleverPowerMock::start().await;

    let config = Config::builder()
        .base_url(mock.base_url())
        .auth(Auth::bearer(TOKEN))
        .time_zone(Europe::Prague) // zoneless timestamps are Prague local time (the default)
        .currency("CZK") // the API sends no currency (the default)
        .build()?;
    let client = Client::new(config)?;
    println!("{client:?}"); // the token is redacted

    // The API has no session listing: the scope is a list of charge ids, one page each.
    let query = SessionQuery::new()
        .charger("PRG-0311-A")
        .charger(UNKNOWN_CHARGE_ID)
        .charger("BRN-0702-B");
    let mut sessions = client.sessions(&query);
    let (mut read, mut failed) = (0, 0);
    while let Some(item) = sessions.next().await {
        match item {
            Ok(mut s) => {
                read += 1;
                s.raw = evsessions::RawRecord::null(); // keep the lines short
                println!("{}", serde_json::to_string(&s)?);
            }
            Err(e) => {
                // An unknown charge id is one error; the other points are still read.
                failed += 1;
                eprintln!("error: {e}");
            }
        }
    }
    println!("{read} sessions, {failed} errors");

    // The v1 app endpoints, typed.
    let tx = client.transaction(TRANSACTION_ID).await?;
    println!(
        "transaction {:?}: {:?} CZK excl. VAT, {:?} CZK incl. VAT (energy part {:?})",
        tx.id, tx.price, tx.price_with_vat, tx.price_charging_with_vat
    );
    let point = client.charging_point_by_code(EVSE_ID, None).await?;
    println!(
        "point {:?} ({:?}): current transaction {:?}, still running: {:?}",
        point.code, point.name, point.id_transaction, point.still_continues
    );
    Ok(())
}
