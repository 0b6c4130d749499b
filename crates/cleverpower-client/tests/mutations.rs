//! No panic on any input from a server: every CleverPower fixture session, every charging
//! point (`NabijeciBod`), and the v1 entities, mutated key by key, go through the crate's own
//! path and come out `Ok` or `Err`, never a panic.
//!
//! Session path (as `Normalizer::point_sessions` runs it): `NabijeciBodTransakce::from_value`
//! then `Normalizer::session(charge_id, connector_id, point, tx)`. Point path (as the client
//! runs it on a `POST api/Ocpp` body): `decode_json::<NabijeciBod>` then
//! `Normalizer::point_sessions`. v1 entities (`Transaction`, `ChargingPoint`): decode only (the
//! crate normalizes nothing from them).

use cleverpower_client::{
    ChargingPoint, NabijeciBod, NabijeciBodTransakce, Normalizer, Transaction, DEFAULT_CURRENCY,
    DEFAULT_TIME_ZONE, KIND,
};
use evsessions_core::decode::decode_json;
use evsessions_core::{ChargingSession, Result};
use evsessions_testkit::mutation::{mutations, probe, whole_body_mutations, Tally};
use serde_json::Value;

/// The endpoint label the client uses for `POST api/Ocpp`.
const OCPP_ENDPOINT: &str = "POST api/Ocpp";

/// The charging points, with the charge id each one is read by.
const POINTS: [(&str, &str); 3] = [
    (
        "PRG-0311-A",
        evsessions_testkit::fixture!("cleverpower/ocpp-PRG-0311-A.json"),
    ),
    (
        "BRN-0702-B",
        evsessions_testkit::fixture!("cleverpower/ocpp-BRN-0702-B.json"),
    ),
    (
        "OVA-0105-C",
        evsessions_testkit::fixture!("cleverpower/ocpp-OVA-0105-C.json"),
    ),
];

fn normalizer() -> Normalizer {
    Normalizer::new(DEFAULT_TIME_ZONE, DEFAULT_CURRENCY)
}

fn points() -> Vec<(&'static str, Value)> {
    POINTS
        .iter()
        .map(|(id, text)| (*id, serde_json::from_str(text).expect("fixture is JSON")))
        .collect()
}

/// The crate's per-session path.
fn session_path(
    n: &Normalizer,
    charge_id: &str,
    connector_id: u32,
    point: &NabijeciBod,
    raw: &Value,
) -> Result<ChargingSession> {
    NabijeciBodTransakce::from_value(raw)
        .and_then(|tx| n.session(charge_id, connector_id, point, &tx))
}

/// The crate's path for a whole `POST api/Ocpp` body.
fn point_path(
    n: &Normalizer,
    charge_id: &str,
    body: &[u8],
) -> Result<(NabijeciBod, Vec<Result<ChargingSession>>)> {
    let point: NabijeciBod = decode_json(&KIND, OCPP_ENDPOINT, body)?;
    let sessions = n.point_sessions(charge_id, 0, point.clone());
    Ok((point, sessions))
}

#[test]
fn every_session_mutated_per_key_never_panics() {
    let n = normalizer();
    let mut tally = Tally::default();
    let mut count = 0;
    for (charge_id, point_json) in points() {
        let point: NabijeciBod = serde_json::from_value(point_json.clone()).unwrap();
        let Some(Value::Array(txs)) = point_json.get("NabijeciBodTransakces") else {
            continue;
        };
        for (i, record) in txs.iter().enumerate() {
            count += 1;
            // The unmutated session goes through cleanly.
            let clean = session_path(&n, charge_id, 0, &point, record);
            assert!(clean.is_ok(), "{charge_id} [{i}]: {clean:?}");
            for m in mutations(record, true) {
                let label = format!("{charge_id} NabijeciBodTransakces[{i}]: {}", m.label);
                // The configured connector (0: the session's own) and an explicit one.
                for connector in [0, 2] {
                    let outcome =
                        probe(|| session_path(&n, charge_id, connector, &point, &m.value));
                    if let Some(result) = tally.input(&label, outcome) {
                        tally.session(&label, result, &m.value);
                    }
                }
            }
        }
    }
    assert_eq!(count, 8, "fixture sessions");
    tally.finish("cleverpower sessions");
}

/// Every key of point `index`, the keys of its navigation objects, each session replaced or
/// removed (a session's own keys are the session test's), and the whole body replaced.
/// (One test per point keeps each under a second in a debug build.)
fn charging_point_mutated_per_key_never_panics(index: usize) {
    let n = normalizer();
    let mut tally = Tally::default();
    let (charge_id, point_json) = points().swap_remove(index);
    let all = mutations(&point_json, false)
        .into_iter()
        .chain(whole_body_mutations());
    for m in all {
        let label = format!("{charge_id}: {}", m.label);
        let bytes = serde_json::to_vec(&m.value).expect("a Value serializes");
        let outcome = probe(|| point_path(&n, charge_id, &bytes));
        let Some(decoded) = tally.input(&label, outcome) else {
            continue;
        };
        let Some((point, sessions)) = tally.page(&label, decoded) else {
            continue;
        };
        if sessions.len() != point.transactions.len() {
            tally
                .problems
                .push(format!("{label}: not one result per session"));
        }
        for (raw, result) in point.transactions.iter().zip(sessions) {
            tally.session(&label, result, raw.clone());
        }
    }
    tally.finish(&format!("cleverpower charging point {charge_id}"));
}

#[test]
fn charging_point_prg_0311_a_mutated_per_key_never_panics() {
    charging_point_mutated_per_key_never_panics(0);
}

#[test]
fn charging_point_brn_0702_b_mutated_per_key_never_panics() {
    charging_point_mutated_per_key_never_panics(1);
}

#[test]
fn charging_point_ova_0105_c_mutated_per_key_never_panics() {
    charging_point_mutated_per_key_never_panics(2);
}

#[test]
fn v1_entities_mutated_per_key_never_panic() {
    let mut tally = Tally::default();
    let transaction: Value = serde_json::from_str(evsessions_testkit::fixture!(
        "cleverpower/v1-transaction-880101.json"
    ))
    .unwrap();
    let by_code: Value = serde_json::from_str(evsessions_testkit::fixture!(
        "cleverpower/v1-charging-point-by-code.json"
    ))
    .unwrap();
    for m in mutations(&transaction, true)
        .into_iter()
        .chain(whole_body_mutations())
    {
        let label = format!("v1 transaction: {}", m.label);
        let bytes = serde_json::to_vec(&m.value).expect("a Value serializes");
        let outcome = probe(|| {
            decode_json::<Transaction>(&KIND, "GET api/v1/transactions/{id}", &bytes)
                .map(|t| serde_json::to_string(&t).map_err(|e| e.to_string()))
        });
        if let Some(decoded) = tally.input(&label, outcome) {
            if let Some(Err(e)) = tally.page(&label, decoded) {
                tally
                    .problems
                    .push(format!("{label}: does not serialize: {e}"));
            }
        }
    }
    for m in mutations(&by_code, true)
        .into_iter()
        .chain(whole_body_mutations())
    {
        let label = format!("v1 charging point: {}", m.label);
        let bytes = serde_json::to_vec(&m.value).expect("a Value serializes");
        let outcome = probe(|| {
            decode_json::<ChargingPoint>(&KIND, "GET api/v1/charging_points/by_code", &bytes)
                .map(|t| serde_json::to_string(&t).map_err(|e| e.to_string()))
        });
        if let Some(decoded) = tally.input(&label, outcome) {
            if let Some(Err(e)) = tally.page(&label, decoded) {
                tally
                    .problems
                    .push(format!("{label}: does not serialize: {e}"));
            }
        }
    }
    tally.finish("cleverpower v1 entities");
}

/// Beyond the one-key mutations: two prices of opposite sign near the `Decimal` limit (both
/// valid numbers a server can send) make `Normalizer::session` compute `CenaSDph − Cena`.
/// The difference overflows `Decimal`: the VAT amount is then unknown (`null`), never a panic.
#[test]
fn opposite_extreme_prices_do_not_panic() {
    let n = normalizer();
    let point = NabijeciBod::default();
    let record = serde_json::json!({"Id": 1, "Cena": -5e28, "CenaSDph": 5e28});
    let mut tally = Tally::default();
    let label = "{\"Id\": 1, \"Cena\": -5e28, \"CenaSDph\": 5e28}";
    let outcome = probe(|| session_path(&n, "PRG-0311-A", 0, &point, &record));
    if let Some(result) = tally.input(label, outcome) {
        tally.session(label, result, &record);
    }
    tally.finish("cleverpower extreme prices");
}

// ---------------------------------------------------------------------------------------------
