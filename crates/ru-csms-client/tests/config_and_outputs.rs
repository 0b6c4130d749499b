//! Configuration (env, validation, redaction) and Cyrillic through every output format.

mod common;

use std::collections::HashMap;

use common::*;
use evsessions_core::output::CSV_COLUMNS;
use evsessions_core::{ChargingSession, Error, OutputFormat, SessionWriter};
use evsessions_testkit::ru_csms::RuCsmsMockOptions;
use ru_csms_client::{Auth, Client, Config, ConfigBuilder, CoordinateOrder};

fn env(pairs: &[(&str, &str)]) -> ConfigBuilder {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    ConfigBuilder::from_lookup(move |k| map.get(k).cloned())
}

fn config_error(b: ConfigBuilder) -> String {
    match b.build() {
        Err(e @ Error::Config { .. }) => e.to_string(),
        other => panic!("expected a configuration error, got {other:?}"),
    }
}

#[test]
fn from_the_environment() {
    let c = env(&[
        (
            "RU_CSMS_SESSIONS_URL",
            "https://csms.example.ru/api/v1/client/sessions",
        ),
        ("RU_CSMS_TOKEN", "tok-secret"),
        ("RU_CSMS_PER_PAGE", "50"),
        ("RU_CSMS_AMOUNT_SCALE", "100"),
        ("RU_CSMS_COORDINATES", "lon-lat"),
    ])
    .build()
    .unwrap();
    assert_eq!(
        c.sessions_url().as_str(),
        "https://csms.example.ru/api/v1/client/sessions"
    );
    assert!(matches!(c.auth(), Auth::Bearer(_)));
    assert_eq!(c.per_page(), 50);
    assert_eq!(c.amount_scale(), 100);
    assert_eq!(c.coordinates(), CoordinateOrder::LonLat);

    // the base-URL alias, defaults, and setters overriding the environment
    let c = env(&[("RU_CSMS_BASE_URL", "https://h/x"), ("RU_CSMS_TOKEN", "t")])
        .per_page(10)
        .build()
        .unwrap();
    assert_eq!(c.sessions_url().as_str(), "https://h/x");
    assert_eq!((c.per_page(), c.amount_scale()), (10, 1));
    assert_eq!(c.coordinates(), CoordinateOrder::Untrusted);
    let c = Config::builder()
        .base_url("https://h/y")
        .token("t")
        .build()
        .unwrap();
    assert_eq!(c.sessions_url().as_str(), "https://h/y");
}

#[test]
fn missing_and_wrong_settings_name_the_setting_and_its_variable() {
    let e = config_error(env(&[("RU_CSMS_TOKEN", "t")]));
    assert!(
        e.contains("RU_CSMS_SESSIONS_URL") && e.contains("sessions_url"),
        "{e}"
    );
    let e = config_error(env(&[("RU_CSMS_SESSIONS_URL", "https://h/s")]));
    assert!(e.contains("RU_CSMS_TOKEN") && e.contains("no_auth"), "{e}");
    let e = config_error(env(&[
        ("RU_CSMS_SESSIONS_URL", "https://h/s"),
        ("RU_CSMS_TOKEN", "t"),
        ("RU_CSMS_PER_PAGE", "0"),
    ]));
    assert!(e.contains("RU_CSMS_PER_PAGE"), "{e}");
    let e = config_error(env(&[
        ("RU_CSMS_SESSIONS_URL", "https://h/s"),
        ("RU_CSMS_TOKEN", "t"),
        ("RU_CSMS_AMOUNT_SCALE", "3"),
    ]));
    assert!(
        e.contains("RU_CSMS_AMOUNT_SCALE") && e.contains("power of ten"),
        "{e}"
    );
    let e = config_error(env(&[
        ("RU_CSMS_SESSIONS_URL", "https://h/s"),
        ("RU_CSMS_TOKEN", "t"),
        ("RU_CSMS_COORDINATES", "xy"),
    ]));
    assert!(e.contains("RU_CSMS_COORDINATES"), "{e}");
    let e = config_error(env(&[
        ("RU_CSMS_SESSIONS_URL", "not a url"),
        ("RU_CSMS_TOKEN", "t"),
    ]));
    assert!(e.contains("RU_CSMS_SESSIONS_URL"), "{e}");
    let e = config_error(
        Config::builder()
            .sessions_url("http://csms.example.ru/s")
            .token("t"),
    );
    assert!(e.contains("http://"), "{e}");
    let e = config_error(Config::builder().sessions_url("https://h/s").token("  "));
    assert!(e.contains("empty"), "{e}");
    assert!(Config::builder()
        .sessions_url("http://csms.example.ru/s")
        .token("t")
        .http(evsessions_core::HttpConfig::default().with_allow_insecure_http(true))
        .build()
        .is_ok());
    let c = Config::builder()
        .sessions_url("https://h/s")
        .no_auth()
        .build()
        .unwrap();
    assert!(matches!(c.auth(), Auth::None));
}

#[test]
fn secrets_never_show() {
    let b = Config::builder()
        .sessions_url("https://h/s?api_key=url-secret-1&lang=ru")
        .token("tok-secret-2");
    let shown = format!("{b:?}");
    assert!(
        !shown.contains("tok-secret-2") && !shown.contains("url-secret-1"),
        "{shown}"
    );
    let config = b.build().unwrap();
    let shown = format!("{config:?}");
    assert!(
        !shown.contains("tok-secret-2") && !shown.contains("url-secret-1"),
        "{shown}"
    );
    assert!(shown.contains("lang=ru"), "{shown}");
    let client = Client::new(config).unwrap();
    let shown = format!("{client:?}");
    assert!(
        !shown.contains("tok-secret-2") && !shown.contains("url-secret-1"),
        "{shown}"
    );
    // the query (and its secret) is kept for the request but never in the endpoint name
    assert_eq!(client.endpoint(), "GET /s");
    assert_eq!(
        client.page_url(2, 50).as_str(),
        "https://h/s?api_key=url-secret-1&lang=ru&page=2&per_page=50"
    );
}

async fn every_session() -> Vec<ChargingSession> {
    let mock = mock(RuCsmsMockOptions::default()).await;
    all(&client(&mock)).await
}

fn render(format: OutputFormat, sessions: &[ChargingSession]) -> String {
    let mut w = SessionWriter::new(format, Vec::new()).unwrap();
    for s in sessions {
        w.write(s).unwrap();
    }
    String::from_utf8(w.finish().unwrap()).unwrap()
}

#[tokio::test]
async fn cyrillic_round_trips_through_ndjson_and_json() {
    let sessions = every_session().await;
    let out = render(OutputFormat::Ndjson, &sessions);
    assert!(
        out.contains("\"Коминтерна, 105\""),
        "UTF-8, not \\u escapes"
    );
    assert!(out.contains("Нижний Новгород, ул. Пискунова, д. 11А"));
    assert!(out.contains("\"кВт⋅ч\""));
    let back: Vec<ChargingSession> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(back, sessions, "every record reads back identical");
    let out = render(OutputFormat::Json, &sessions);
    let back: Vec<ChargingSession> = serde_json::from_str(&out).unwrap();
    assert_eq!(back, sessions);
}

#[tokio::test]
async fn cyrillic_stays_intact_in_csv_and_table() {
    let sessions = every_session().await;
    let out = render(OutputFormat::Csv, &sessions);
    let mut r = csv::Reader::from_reader(out.as_bytes());
    let headers: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(headers, CSV_COLUMNS);
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), sessions.len());
    let row = rows.iter().find(|r| &r[col("id")] == "1523").unwrap();
    assert_eq!(&row[col("site_name")], "Коминтерна, 105");
    assert_eq!(
        &row[col("site_address")],
        "Нижний Новгород, ул. Коминтерна, 105"
    );
    assert_eq!(&row[col("energy_kwh")], "1.845");
    assert_eq!(&row[col("connector_type")], "GBT_DC");
    assert_eq!(&row[col("soc_start_percent")], "28");
    assert_eq!(&row[col("cost_currency")], "RUB");
    let comps: serde_json::Value = serde_json::from_str(&row[col("cost_components")]).unwrap();
    assert_eq!(comps[0]["name"], "Старт зарядной сессии");
    assert_eq!(comps[1]["unit"], "кВт⋅ч");
    let row = rows.iter().find(|r| &r[col("id")] == "1802").unwrap();
    assert_eq!(&row[col("charger_name")], "Разъём 2");
    assert_eq!(&row[col("cost_total_incl_vat")], "464.73");

    let table = render(OutputFormat::Table, &sessions);
    assert!(table.contains("Коминтерна, 105"), "{table}");
}
