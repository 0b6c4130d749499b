//! One page of 1,000 `POST /v2/transactions` records (the fixture records, repeated with
//! distinct ids): the client's decode + normalize, against parsing the same bytes into a
//! `serde_json::Value` and against skipping them (`IgnoredAny`).
//!
//! `cargo bench -p emabler-client --bench page`

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use emabler_client::{Client, Config};
use serde_json::Value;

fn page() -> Vec<u8> {
    evsessions_testkit::emabler::transactions_page_of(1000)
}

fn bench(c: &mut Criterion) {
    let body = page();
    let client = Client::new(
        Config::builder()
            .api_key("bench-key")
            .build()
            .expect("config"),
    )
    .expect("client");
    let n = client
        .transactions_page_sessions(&body)
        .expect("page")
        .len();
    assert_eq!(n, 1000);
    let mut g = c.benchmark_group("emabler page of 1000");
    g.throughput(Throughput::Bytes(body.len() as u64));
    g.bench_function("decode+normalize", |b| {
        b.iter(|| client.transactions_page_sessions(black_box(&body)))
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
