//! One page of 1,000 sessions of the RU CSMS list (the captured items, repeated with distinct
//! ids): the client's decode + normalize, against parsing the same bytes into a
//! `serde_json::Value` and against skipping them (`IgnoredAny`).
//!
//! `cargo bench -p ru-csms-client --bench page`

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use evsessions_core::{ChargingSession, Result};
use ru_csms_client::{Client, Config};
use serde_json::{json, Value};

fn page() -> Vec<u8> {
    let mut page: Value =
        serde_json::from_str(evsessions_testkit::fixture!("ru-csms/captured-page1.json"))
            .expect("the fixture is JSON");
    let records = page["payload"]["items"].as_array().expect("items").clone();
    let items: Vec<Value> = (0..1000)
        .map(|i| {
            let mut r = records[i % records.len()].clone();
            r["id"] = json!(100_000 + i);
            r
        })
        .collect();
    page["payload"]["items"] = Value::Array(items);
    page["payload"]["total"] = json!(1000);
    serde_json::to_vec(&page).expect("a Value serializes")
}

fn sessions(body: &[u8], client: &Client) -> Result<Vec<Result<ChargingSession>>> {
    client.page_sessions(body)
}

fn bench(c: &mut Criterion) {
    let body = page();
    let client = Client::new(
        Config::builder()
            .sessions_url("http://127.0.0.1:9/api/v1/client/sessions")
            .no_auth()
            .build()
            .expect("config"),
    )
    .expect("client");
    let all = sessions(&body, &client).expect("page");
    assert_eq!(all.iter().filter(|s| s.is_ok()).count(), 1000);
    let mut g = c.benchmark_group("ru-csms page of 1000");
    g.throughput(Throughput::Bytes(body.len() as u64));
    g.bench_function("decode+normalize", |b| {
        b.iter(|| sessions(black_box(&body), &client))
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
