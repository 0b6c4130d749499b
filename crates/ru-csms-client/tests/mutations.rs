//! No panic on any input from a server: every session of the RU CSMS fixtures, and every
//! response envelope, mutated key by key, goes through the crate's own path and comes out `Ok`
//! or `Err`, never a panic.
//!
//! Record path (as `source.rs` runs it): [`Client::normalize_item`] (decode into
//! `model::Session`, then `normalize` with the client's options), run on two clients: the
//! defaults (amount scale 1, coordinates untrusted) and kopecks with lat-lon coordinates (so
//! that the coordinate checks and the money division run too). Envelope path:
//! `decode_json::<Envelope>` (what `Client::list_page` does with a 2xx body), `Meta::is_success`,
//! then `normalize_item` on every payload item. Not reachable from outside the crate, so not
//! mutated here: `list_page`'s own checks after the decode (an error `meta`, a null `payload`)
//! and the paging decision (`next_page`).

use evsessions_core::decode::decode_json;
use evsessions_core::{ChargingSession, RawRecord, Result};
use evsessions_testkit::mutation::{
    child_mutations, mutant_values, mutations, probe, whole_body_mutations, Mutant, Tally,
};
use ru_csms_client::{Client, Config, CoordinateOrder, Envelope, KIND};
use serde_json::Value;

/// Every fixture page.
const PAGES: [(&str, &str); 6] = [
    (
        "captured-page1.json",
        evsessions_testkit::fixture!("ru-csms/captured-page1.json"),
    ),
    (
        "synthetic-active.json",
        evsessions_testkit::fixture!("ru-csms/synthetic-active.json"),
    ),
    (
        "synthetic-page2.json",
        evsessions_testkit::fixture!("ru-csms/synthetic-page2.json"),
    ),
    (
        "synthetic-priced.json",
        evsessions_testkit::fixture!("ru-csms/synthetic-priced.json"),
    ),
    (
        "synthetic-reservation.json",
        evsessions_testkit::fixture!("ru-csms/synthetic-reservation.json"),
    ),
    (
        "synthetic-error-401.json",
        evsessions_testkit::fixture!("ru-csms/synthetic-error-401.json"),
    ),
];

/// Clients with a dummy URL and token: no request is ever made.
fn clients() -> [Client; 2] {
    let builder = || {
        Config::builder()
            .sessions_url("https://csms.invalid/api/v1/client/sessions")
            .token("dummy-token")
    };
    [
        Client::new(builder().build().unwrap()).unwrap(),
        Client::new(
            builder()
                .amount_scale(100)
                .coordinates(CoordinateOrder::LatLon)
                .build()
                .unwrap(),
        )
        .unwrap(),
    ]
}

fn page(index: usize) -> (&'static str, Value) {
    let (name, text) = PAGES[index];
    (name, serde_json::from_str(text).expect("fixture is JSON"))
}

fn items(page: &Value) -> Vec<Value> {
    page["payload"]["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Every key of items `range` of page `index` (and one level down: `amount.value`,
/// `detail_amount[0].price`, `charging_point_coordinates[1]` …). Even-numbered items go
/// through the default client, odd ones through the kopecks/lat-lon one. Returns how many
/// records were mutated.
fn records_mutated_per_key_never_panic(index: usize, range: std::ops::Range<usize>) -> usize {
    let clients = clients();
    let (file, page) = page(index);
    let mut tally = Tally::default();
    let mut count = 0;
    for (i, record) in items(&page).iter().enumerate() {
        if !range.contains(&i) {
            continue;
        }
        count += 1;
        let c = i % 2;
        let client = &clients[c];
        // The unmutated record goes through cleanly.
        let clean = client.normalize_item(record.into());
        assert!(clean.is_ok(), "{file} items[{i}]: {clean:?}");
        for m in mutations(record, true) {
            let label = format!("{file} items[{i}] (client {c}): {}", m.label);
            let outcome = probe(|| client.normalize_item((&m.value).into()));
            if let Some(result) = tally.input(&label, outcome) {
                tally.session(&label, result, &m.value);
            }
        }
    }
    let which = if range.end == usize::MAX {
        "all".to_string()
    } else {
        format!("{range:?}")
    };
    tally.finish(&format!("ru-csms {file} items {which}"));
    count
}

/// The 44 captured records, a few per test (each test well under two seconds in a debug
/// build, and they run in parallel).
macro_rules! captured_records {
    ($($name:ident: $from:literal .. $to:literal;)*) => {$(
        #[test]
        fn $name() {
            assert_eq!(records_mutated_per_key_never_panic(0, $from..$to), $to - $from);
        }
    )*};
}

captured_records! {
    captured_records_00_to_06_mutated_per_key_never_panic: 0..6;
    captured_records_06_to_12_mutated_per_key_never_panic: 6..12;
    captured_records_12_to_18_mutated_per_key_never_panic: 12..18;
    captured_records_18_to_24_mutated_per_key_never_panic: 18..24;
    captured_records_24_to_30_mutated_per_key_never_panic: 24..30;
    captured_records_30_to_37_mutated_per_key_never_panic: 30..37;
    captured_records_37_to_44_mutated_per_key_never_panic: 37..44;
}

#[test]
fn synthetic_records_mutated_per_key_never_panic() {
    // Pages 1..=4; page 5 (the 401 answer) has no items and is the envelope test's.
    let n: usize = (1..5)
        .map(|i| records_mutated_per_key_never_panic(i, 0..usize::MAX))
        .sum();
    assert_eq!(n, 5, "synthetic records");
}

/// Each normalized item with the item it should keep in `raw`.
type Normalized = Vec<(RawRecord, Result<ChargingSession>)>;

/// The envelope path on one body: decode, read `meta`, normalize every item. Each result
/// comes with the item it should keep in `raw`.
fn envelope_path(client: &Client, body: &[u8]) -> Result<(bool, Normalized)> {
    let envelope: Envelope = decode_json(&KIND, client.endpoint(), body)?;
    let success = envelope.meta.as_ref().is_none_or(|m| m.is_success());
    let sessions = envelope
        .payload
        .map(|p| p.items)
        .unwrap_or_default()
        .into_iter()
        .map(|item| (item.clone(), client.normalize_item(item)))
        .collect();
    Ok((success, sessions))
}

#[test]
fn every_envelope_mutated_per_key_never_panics() {
    let [client, _] = clients();
    let mut tally = Tally::default();
    let values = mutant_values();
    for index in 0..PAGES.len() {
        let (file, mut page) = page(index);
        // The captured page keeps its first two items only: the envelope does not depend on
        // how many there are, and every item is mutated by the record tests.
        if let Some(Value::Array(list)) = page.pointer_mut("/payload/items") {
            list.truncate(2);
        }
        // `meta` and `payload`, their keys (`status_code`, `items`, `total`, `per_page`,
        // `page` …), and the whole body.
        let mut all = mutations(&page, false);
        all.extend(whole_body_mutations());
        // Each item of a page replaced or removed (an item's own keys are the record tests').
        if let Some(Value::Object(payload)) = page.get("payload") {
            if let Some(list) = payload.get("items") {
                for m in child_mutations(list, &values, false).into_iter().take(32) {
                    let mut p = payload.clone();
                    p.insert("items".to_string(), m.value);
                    let mut e = page.clone();
                    e["payload"] = Value::Object(p);
                    all.push(Mutant {
                        label: format!("payload.items{}", m.label),
                        value: e,
                    });
                }
            }
        }
        for m in all {
            let label = format!("{file}: {}", m.label);
            let bytes = serde_json::to_vec(&m.value).expect("a Value serializes");
            let outcome = probe(|| envelope_path(&client, &bytes));
            let Some(decoded) = tally.input(&label, outcome) else {
                continue;
            };
            if let Some((_, sessions)) = tally.page(&label, decoded) {
                for (item, result) in sessions {
                    tally.session(&label, result, item);
                }
            }
        }
    }
    tally.finish("ru-csms envelopes");
}

// ---------------------------------------------------------------------------------------------
