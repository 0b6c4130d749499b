//! One charging point with 1,000 sessions (`NabijeciBodTransakces`: the fixture sessions,
//! repeated with distinct ids): the client's decode + normalize, against parsing the same
//! bytes into a `serde_json::Value` and against skipping them (`IgnoredAny`).
//!
//! `cargo bench -p cleverpower-client --bench page`

use cleverpower_client::{Client, Config};
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use evsessions_core::{ChargingSession, HttpResponse, Result};
use serde_json::{json, Value};

fn page() -> Vec<u8> {
    let mut point: Value = serde_json::from_str(evsessions_testkit::fixture!(
        "cleverpower/ocpp-PRG-0311-A.json"
    ))
    .expect("the fixture is JSON");
    let records = point["NabijeciBodTransakces"]
        .as_array()
        .expect("sessions")
        .clone();
    let items: Vec<Value> = (0..1000)
        .map(|i| {
            let mut r = records[i % records.len()].clone();
            r["Id"] = json!(880_000 + i);
            r
        })
        .collect();
    point["NabijeciBodTransakces"] = Value::Array(items);
    serde_json::to_vec(&point).expect("a Value serializes")
}

/// The session stream's path for one response (`Client::point_page_sessions`, as
/// `fetch_page` calls it).
fn sessions(client: &Client, resp: &HttpResponse) -> Result<Vec<Result<ChargingSession>>> {
    client.point_page_sessions("PRG-0311-A", resp)
}

fn bench(c: &mut Criterion) {
    let body = page();
    // The defaults: zone Europe/Prague, currency CZK, connector 0.
    let client = Client::new(Config::builder().build().expect("config")).expect("client");
    let resp = HttpResponse {
        status: 200,
        headers: Default::default(),
        body: body.clone(),
    };
    let all = sessions(&client, &resp).expect("page");
    assert_eq!(all.iter().filter(|s| s.is_ok()).count(), 1000);
    let mut g = c.benchmark_group("cleverpower page of 1000");
    g.throughput(Throughput::Bytes(body.len() as u64));
    g.bench_function("decode+normalize", |b| {
        b.iter(|| sessions(&client, black_box(&resp)))
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
