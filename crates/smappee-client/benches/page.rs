//! One body of 1,000 Smappee sessions (the fixture sessions, repeated with distinct ids): the
//! client's decode + normalize, against parsing the same bytes into a `serde_json::Value` and
//! against skipping them (`IgnoredAny`).
//!
//! `cargo bench -p smappee-client --bench page`

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use evsessions_core::{ChargingSession, HttpResponse, Result, Site};
use serde_json::{json, Value};
use smappee_client::{decode_sessions, normalize::normalize};

const ENDPOINT: &str = "GET /dev/v3/chargingparks/{id}/sessions";

fn page() -> Vec<u8> {
    let fixture: Value = serde_json::from_str(evsessions_testkit::fixture!(
        "smappee/park-40101-sessions.json"
    ))
    .expect("the fixture is JSON");
    let records = fixture.as_array().expect("an array").clone();
    let items: Vec<Value> = (0..1000)
        .map(|i| {
            let mut r = records[i % records.len()].clone();
            r["id"] = json!(48_000 + i);
            r
        })
        .collect();
    serde_json::to_vec(&items).expect("a Value serializes")
}

fn sessions(resp: &HttpResponse, site: &Site) -> Result<Vec<Result<ChargingSession>>> {
    Ok(decode_sessions(ENDPOINT, resp)?
        .into_iter()
        .map(|s| s.and_then(|s| normalize(s, Some(site), ENDPOINT)))
        .collect())
}

fn bench(c: &mut Criterion) {
    let body = page();
    let resp = HttpResponse {
        status: 200,
        headers: Default::default(),
        body: body.clone(),
    };
    let site = Site::new(Some("40101".into()), Some("Park".into()));
    let all = sessions(&resp, &site).expect("page");
    assert_eq!(all.iter().filter(|s| s.is_ok()).count(), 1000);
    let mut g = c.benchmark_group("smappee page of 1000");
    g.throughput(Throughput::Bytes(body.len() as u64));
    g.bench_function("decode+normalize", |b| {
        b.iter(|| sessions(black_box(&resp), &site))
    });
    g.bench_function("serde_json Value", |b| {
        b.iter(|| serde_json::from_slice::<Value>(black_box(&body)))
    });
    g.bench_function("IgnoredAny", |b| {
        b.iter(|| serde_json::from_slice::<serde::de::IgnoredAny>(black_box(&body)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
