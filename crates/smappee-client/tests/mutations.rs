//! No panic on any input from a server: every Smappee fixture session, and every top-level
//! shape of a sessions body, mutated key by key, goes through the crate's own path and comes
//! out `Ok` or `Err`, never a panic.
//!
//! Path (as `source.rs` runs it): [`smappee_client::decode_sessions`] on the response body (it
//! accepts an array, one object, a `{"sessions": [...]}` wrapper, `null`, `{}` or nothing, and
//! decodes each record on its own into `model::Session` with `raw`), then
//! `normalize::normalize(session, site, endpoint)`.

use evsessions_core::{ChargingSession, HttpResponse, RawRecord, Result, Site};
use evsessions_testkit::mutation::{
    child_mutations, mutant_values, mutations, probe, whole_body_mutations, Mutant, Tally,
};
use reqwest::header::HeaderMap;
use serde_json::Value;
use smappee_client::{decode_sessions, normalize::normalize};

/// The endpoint label the client uses for a charging park's sessions.
const ENDPOINT: &str = "GET /dev/v3/chargingparks/{id}/sessions";

/// Every fixture body of a sessions call.
const BODIES: [(&str, &str); 10] = [
    (
        "park-40101-sessions.json",
        evsessions_testkit::fixture!("smappee/park-40101-sessions.json"),
    ),
    (
        "park-40102-sessions.json",
        evsessions_testkit::fixture!("smappee/park-40102-sessions.json"),
    ),
    (
        "shape-active-fields-omitted.json",
        evsessions_testkit::fixture!("smappee/shape-active-fields-omitted.json"),
    ),
    (
        "shape-empty-array.json",
        evsessions_testkit::fixture!("smappee/shape-empty-array.json"),
    ),
    (
        "shape-extra-keys.json",
        evsessions_testkit::fixture!("smappee/shape-extra-keys.json"),
    ),
    (
        "shape-serial-string.json",
        evsessions_testkit::fixture!("smappee/shape-serial-string.json"),
    ),
    (
        "shape-single-object.json",
        evsessions_testkit::fixture!("smappee/shape-single-object.json"),
    ),
    (
        "shape-to-zero.json",
        evsessions_testkit::fixture!("smappee/shape-to-zero.json"),
    ),
    (
        "shape-unknown-status-and-auth.json",
        evsessions_testkit::fixture!("smappee/shape-unknown-status-and-auth.json"),
    ),
    (
        "shape-wrapper.json",
        evsessions_testkit::fixture!("smappee/shape-wrapper.json"),
    ),
];

fn response(body: Vec<u8>) -> HttpResponse {
    HttpResponse {
        status: 200,
        headers: HeaderMap::new(),
        body,
    }
}

/// The crate's path for one body: decode, then normalize every decoded record. Each result
/// comes with the record JSON it should keep in `raw` (the decoded `Session::raw`).
fn body_path(body: &[u8]) -> Result<Vec<(RawRecord, Result<ChargingSession>)>> {
    let site = Site::new(Some("40101".to_string()), Some("Park".to_string()));
    let sessions = decode_sessions(ENDPOINT, &response(body.to_vec()))?;
    Ok(sessions
        .into_iter()
        .map(|s| match s {
            Ok(s) => (s.raw.clone(), normalize(s, Some(&site), ENDPOINT)),
            Err(e) => (RawRecord::null(), Err(e)),
        })
        .collect())
}

/// The session records of a fixture body, whatever its shape.
fn records(body: &Value) -> Vec<Value> {
    match body {
        Value::Array(items) => items.clone(),
        Value::Object(m) => match m.get("sessions") {
            Some(Value::Array(items)) => items.clone(),
            _ => vec![body.clone()],
        },
        _ => Vec::new(),
    }
}

fn bodies() -> Vec<(&'static str, Value)> {
    BODIES
        .iter()
        .map(|(name, text)| (*name, serde_json::from_str(text).expect("fixture is JSON")))
        .collect()
}

#[test]
fn every_session_mutated_per_key_never_panics() {
    let mut tally = Tally::default();
    let mut count = 0;
    for (file, body) in bodies() {
        for (i, record) in records(&body).iter().enumerate() {
            count += 1;
            // The unmutated record goes through cleanly.
            let clean = body_path(&serde_json::to_vec(&[record]).unwrap()).unwrap();
            assert!(clean.len() == 1 && clean[0].1.is_ok(), "{file} [{i}]");
            for m in mutations(record, true) {
                let label = format!("{file} [{i}]: {}", m.label);
                // One record, sent as a one-element array (the documented shape).
                let bytes = serde_json::to_vec(&[&m.value]).expect("a Value serializes");
                let outcome = probe(|| body_path(&bytes));
                let Some(decoded) = tally.input(&label, outcome) else {
                    continue;
                };
                let results = match decoded {
                    Ok(results) => results,
                    Err(e) => {
                        tally.problems.push(format!(
                            "{label}: a one-record array failed as a whole: {e}"
                        ));
                        continue;
                    }
                };
                if results.len() != 1 {
                    tally.problems.push(format!(
                        "{label}: one record gave {} results",
                        results.len()
                    ));
                }
                for (raw, result) in results {
                    if result.is_ok() && raw != RawRecord::from_value(&m.value) {
                        tally
                            .problems
                            .push(format!("{label}: Session::raw is not the record sent"));
                    }
                    tally.session(&label, result, &m.value);
                }
            }
        }
    }
    assert_eq!(count, 18, "fixture sessions");
    tally.finish("smappee sessions");
}

#[test]
fn every_body_shape_mutated_never_panics() {
    let mut tally = Tally::default();
    for (file, body) in bodies() {
        // The wrapper's and the single object's keys, each array element replaced or
        // removed (a record's own keys are the other test's), and the whole body replaced.
        let mut all: Vec<Mutant> = match &body {
            Value::Object(_) => mutations(&body, false),
            Value::Array(_) => child_mutations(&body, &mutant_values(), false),
            _ => Vec::new(),
        };
        all.extend(whole_body_mutations());
        for m in all {
            let label = format!("{file}: {}", m.label);
            let bytes = serde_json::to_vec(&m.value).expect("a Value serializes");
            let outcome = probe(|| body_path(&bytes));
            let Some(decoded) = tally.input(&label, outcome) else {
                continue;
            };
            if let Some(results) = tally.page(&label, decoded) {
                for (raw, result) in results {
                    tally.session(&label, result, raw);
                }
            }
        }
    }
    // And bodies that are not JSON values at all.
    for (label, bytes) in [
        ("empty body", &b""[..]),
        ("blank body", b"  \n"),
        ("truncated", b"[{\"id\": 1,"),
        ("html", b"<html>502</html>"),
        ("two values", b"[] []"),
    ] {
        let outcome = probe(|| body_path(bytes));
        if let Some(decoded) = tally.input(label, outcome) {
            if let Some(results) = tally.page(label, decoded) {
                assert!(results.is_empty(), "{label}");
            }
        }
    }
    tally.finish("smappee body shapes");
}

// ---------------------------------------------------------------------------------------------
