//! No panic on any input from a server: every eMabler fixture record, and every page
//! envelope, mutated key by key, goes through the crate's own decode-and-normalize path and
//! comes out `Ok` or `Err`, never a panic.
//!
//! Record path (as `source.rs` runs it): `decode_record::<Transaction>` then
//! `normalize::transaction`, and `decode_record::<OngoingTransaction>` then
//! `normalize::ongoing`. Page path: `decode_json::<Paginated<RawRecord>>` (what the client does with
//! a response body), then the record path on every item. Not reachable from outside the crate,
//! so not mutated here: the paging decision (`has_more`) and the twin filter (`matches_ongoing`).

use emabler_client::client::{EP_ONGOING, EP_TRANSACTIONS};
use emabler_client::{normalize, OngoingTransaction, Paginated, Transaction, KIND};
use evsessions_core::decode::{decode_json, decode_record};
use evsessions_core::{ChargingSession, RawRecord, Result};
use evsessions_testkit::mutation::{mutations, probe, whole_body_mutations, Tally};
use serde_json::Value;

/// The finished-list pages and the ongoing list.
const TRANSACTION_PAGES: [(&str, &str); 3] = [
    (
        "transactions-page1.json",
        evsessions_testkit::fixture!("emabler/transactions-page1.json"),
    ),
    (
        "transactions-page2.json",
        evsessions_testkit::fixture!("emabler/transactions-page2.json"),
    ),
    (
        "transactions-page3.json",
        evsessions_testkit::fixture!("emabler/transactions-page3.json"),
    ),
];
const ONGOING_PAGE: (&str, &str) = (
    "ongoing-transactions.json",
    evsessions_testkit::fixture!("emabler/ongoing-transactions.json"),
);

#[derive(Clone, Copy)]
enum List {
    Transactions,
    Ongoing,
}

/// The crate's per-record path.
fn record_path(list: List, raw: &Value) -> Result<ChargingSession> {
    raw_record_path(list, RawRecord::from_value(raw))
}

/// The crate's per-record path, from the record's text.
fn raw_record_path(list: List, raw: RawRecord) -> Result<ChargingSession> {
    match list {
        List::Transactions => {
            let t: Transaction = decode_record(&KIND, EP_TRANSACTIONS, &["id"], &raw)?;
            Ok(normalize::transaction(t, raw))
        }
        List::Ongoing => {
            let t: OngoingTransaction = decode_record(&KIND, EP_ONGOING, &["transactionId"], &raw)?;
            Ok(normalize::ongoing(t, raw))
        }
    }
}

fn pages() -> Vec<(List, &'static str, Value)> {
    TRANSACTION_PAGES
        .iter()
        .map(|(name, text)| (List::Transactions, *name, text))
        .chain(std::iter::once((
            List::Ongoing,
            ONGOING_PAGE.0,
            &ONGOING_PAGE.1,
        )))
        .map(|(list, name, text)| {
            (
                list,
                name,
                serde_json::from_str(text).expect("fixture is JSON"),
            )
        })
        .collect()
}

#[test]
fn every_record_mutated_per_key_never_panics() {
    let mut tally = Tally::default();
    let mut records = 0;
    for (list, file, page) in pages() {
        let items = page["items"].as_array().expect("fixture has items").clone();
        for (i, record) in items.iter().enumerate() {
            records += 1;
            // The unmutated record goes through cleanly.
            let clean = record_path(list, record);
            assert!(clean.is_ok(), "{file} items[{i}]: {clean:?}");
            for m in mutations(record, true) {
                let label = format!("{file} items[{i}]: {}", m.label);
                let outcome = probe(|| record_path(list, &m.value));
                if let Some(result) = tally.input(&label, outcome) {
                    tally.session(&label, result, &m.value);
                }
            }
        }
    }
    assert_eq!(records, 13, "fixture records");
    tally.finish("emabler records");
}

#[test]
fn every_page_envelope_mutated_per_key_never_panics() {
    let mut tally = Tally::default();
    for (list, file, page) in pages() {
        let endpoint = match list {
            List::Transactions => EP_TRANSACTIONS,
            List::Ongoing => EP_ONGOING,
        };
        // Envelope keys (page, limit, totalRecords, hasNextPage, hasPreviousPage, items) and
        // each whole item replaced or removed; the items' own keys are the record test's.
        let all = mutations(&page, false)
            .into_iter()
            .chain(whole_body_mutations());
        for m in all {
            let label = format!("{file}: {}", m.label);
            let body = serde_json::to_vec(&m.value).expect("a Value serializes");
            let outcome = probe(|| {
                decode_json::<Paginated<RawRecord>>(&KIND, endpoint, &body).map(|p| {
                    let page = p.page.unwrap_or_default();
                    let more = p.has_next_page.unwrap_or(false);
                    let sessions: Vec<_> = p
                        .items
                        .iter()
                        .map(|item| (item.clone(), raw_record_path(list, item.clone())))
                        .collect();
                    (page, more, sessions)
                })
            });
            let Some(decoded) = tally.input(&label, outcome) else {
                continue;
            };
            if let Some((_, _, sessions)) = tally.page(&label, decoded) {
                for (item, result) in sessions {
                    tally.session(&label, result, item);
                }
            }
        }
    }
    tally.finish("emabler page envelopes");
}

// ---------------------------------------------------------------------------------------------
