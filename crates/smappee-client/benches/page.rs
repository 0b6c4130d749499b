//! One body of 1,000 Smappee sessions (the fixture sessions, repeated with distinct ids): the
//! client's decode + normalize, against parsing the same bytes into a `serde_json::Value` and
//! against skipping them (`IgnoredAny`).
//!
//! `cargo bench -p smappee-client --bench page`

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use evsessions_core::{ChargingSession, HttpResponse, Result, Site};
use serde_json::{json, Value};
use smappee_client::{Client, Config};

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

/// The session stream's path for one body (`Client::page_sessions`, as `fetch_page` calls it).
fn sessions(
    client: &Client,
    resp: &HttpResponse,
    site: &Site,
) -> Result<Vec<Result<ChargingSession>>> {
    client.page_sessions(ENDPOINT, resp, Some(site))
}

fn bench(c: &mut Criterion) {
    let body = page();
    let resp = HttpResponse {
        status: 200,
        headers: Default::default(),
        body: body.clone(),
    };
    let site = Site::new(Some("40101".into()), Some("Park".into()));
    let client = Client::new(
        Config::builder()
            .client_id("bench-app")
            .client_secret("bench-secret")
            .username("bench-user")
            .password("bench-password")
            .build()
            .expect("config"),
    )
    .expect("client");
    let all = sessions(&client, &resp, &site).expect("page");
    assert_eq!(all.iter().filter(|s| s.is_ok()).count(), 1000);
    let mut g = c.benchmark_group("smappee page of 1000");
    g.throughput(Throughput::Bytes(body.len() as u64));
    g.bench_function("decode+normalize", |b| {
        b.iter(|| sessions(&client, black_box(&resp), &site))
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
