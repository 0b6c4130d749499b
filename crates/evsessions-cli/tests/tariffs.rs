//! Tariffs end to end, as an employer reimbursing home charging runs them: the Smappee mock
//! (which sends no prices) synced into a store, an accounts file with one flat tariff, then
//! `statement` prices every driver's sessions, `--detail --format csv` lists each one with
//! `price_source = tariff`, `export --format ocpi-cdr` turns them into CDRs with the tariff,
//! and a bad tariff is refused before anything is read.

mod common;

use common::{command, s, text};
use evsessions_testkit::smappee::{SmappeeMock, CLIENT_ID, CLIENT_SECRET, PASSWORD, USERNAME};
use evsessions_testkit::VendorMock;

struct Fleet {
    _mock: SmappeeMock,
    dir: tempfile::TempDir,
    store: String,
    config: String,
}

const TARIFF: &str = r#"
[[accounts.home-be.tariffs]]
from = "2025-01-01"
currency = "EUR"
energy_price = "0.2852"
vat_percent = "21"
"#;

const OCPI: &str = r#"
[accounts.home-be.ocpi]
country_code = "BE"
party_id = "SMP"
[accounts.home-be.ocpi.location]
country = "BEL"
connector_id = "1"
connector_standard = "IEC_62196_T2"
connector_format = "SOCKET"
power_type = "AC_3_PHASE"
[accounts.home-be.ocpi.sites."40101"]
address = "Rue de la Loi 1"
city = "Brussels"
latitude = "50.84670"
longitude = "4.35250"
[accounts.home-be.ocpi.sites."40102"]
address = "Kortrijksesteenweg 2"
city = "Gent"
latitude = "51.05430"
longitude = "3.71740"
"#;

fn cli(args: Vec<String>) -> std::process::Output {
    command(&args, "unused")
        .env("HOME_CLIENT_ID", CLIENT_ID)
        .env("HOME_CLIENT_SECRET", CLIENT_SECRET)
        .env("HOME_USERNAME", USERNAME)
        .env("HOME_PASSWORD", PASSWORD)
        .output()
        .unwrap()
}

async fn run(args: Vec<String>) -> std::process::Output {
    tokio::task::spawn_blocking(move || cli(args))
        .await
        .unwrap()
}

/// The Smappee mock synced into a store, with an accounts file of `extra` tables.
async fn synced(extra: &str) -> Fleet {
    let mock = SmappeeMock::start().await;
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("ev.db").to_str().unwrap().to_string();
    let config = dir.path().join("evsessions.toml");
    let account = format!(
        r#"
[sync]
since = "2025-01-01"

[accounts.home-be]
vendor = "smappee"
base_url = "{}"
client_id_env = "HOME_CLIENT_ID"
client_secret_env = "HOME_CLIENT_SECRET"
username_env = "HOME_USERNAME"
password_env = "HOME_PASSWORD"
time_zone = "Europe/Brussels"
"#,
        mock.base_url()
    );
    std::fs::write(&config, account.clone()).unwrap();
    let config = config.to_str().unwrap().to_string();
    let o = run(s(&[
        "sync",
        "--config",
        &config,
        "--store",
        &store,
        "--now",
        "2025-07-01",
    ]))
    .await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    std::fs::write(&config, format!("{account}{extra}")).unwrap();
    Fleet {
        _mock: mock,
        dir,
        store,
        config,
    }
}

fn statement(f: &Fleet, extra: &[&str]) -> (Option<i32>, String, String) {
    let mut a = s(&[
        "statement",
        "--month",
        "2025-06",
        "--config",
        &f.config,
        "--store",
        &f.store,
    ]);
    if !extra.contains(&"--by") {
        a.extend(s(&["--by", "driver"]));
    }
    a.extend(s(extra));
    let o = cli(a);
    (o.status.code(), text(&o.stdout), text(&o.stderr))
}

#[tokio::test]
async fn a_flat_tariff_prices_every_drivers_smappee_sessions() {
    let f = synced(TARIFF).await;
    let (code, out, err) = statement(&f, &[]);
    assert_eq!(code, Some(0), "{err}");
    // The worked example of docs/exports.md is this output, verbatim.
    let doc = include_str!("../../../docs/exports.md");
    assert!(
        doc.contains(&format!("```text\n{out}```")),
        "docs/exports.md differs:\n{out}"
    );
    // Smappee names no user: the driver is the card. 51019 was started from the app.
    let money: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("  EUR:") || (!l.starts_with(' ') && l.contains("sessions,")))
        .collect();
    assert_eq!(
        money,
        vec![
            "(none): 1 sessions, 17.45 kWh, 1.68 h",
            "  EUR: 4.12 excl. VAT + 0.86 VAT = 4.98 incl. VAT (1 sessions): tariff 4.98 incl. VAT (1 sessions)",
            "0499AB12CD3480: 1 sessions, 21.782 kWh, 3.26 h",
            "  EUR: 5.13 excl. VAT + 1.08 VAT = 6.21 incl. VAT (1 sessions): tariff 6.21 incl. VAT (1 sessions)",
            "04A1B2C3D4E580: 1 sessions, 24.445 kWh, 4.39 h",
            "  EUR: 5.76 excl. VAT + 1.21 VAT = 6.97 incl. VAT (1 sessions): tariff 6.97 incl. VAT (1 sessions)",
            "04C3D2E1F0A981: 1 sessions, 21.23 kWh, 2.69 h",
            "  EUR: 5 excl. VAT + 1.05 VAT = 6.05 incl. VAT (1 sessions): tariff 6.05 incl. VAT (1 sessions)",
            "E2F1A09B: 1 sessions, 15.26 kWh, 2.24 h",
            "  EUR: 3.6 excl. VAT + 0.75 VAT = 4.35 incl. VAT (1 sessions): tariff 4.35 incl. VAT (1 sessions)",
        ],
        "{out}"
    );
    assert!(!out.contains("UNPRICED (no amount"), "{out}");
    assert_eq!(out.matches("  tariff used: home-be/2025-01-01").count(), 5);

    let (code, csv, err) = statement(&f, &["--detail", "--format", "csv"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        doc.contains(&format!("```text\n{csv}```")),
        "docs/exports.md differs:\n{csv}"
    );
    assert_eq!(
        csv,
        "group,account,source,id,date,start,end,charger,kwh,currency,energy_price,excl_vat,vat,incl_vat,price_source,tariff_id\n\
         (none),home-be,smappee,51019,2025-06-04,2025-06-04T23:30:00+02:00,2025-06-05T01:10:42+02:00,6200055101,17.45,EUR,0.2852,4.12,0.86,4.98,tariff,home-be/2025-01-01\n\
         0499AB12CD3480,home-be,smappee,51007,2025-06-01,2025-06-01T02:00:00+02:00,2025-06-01T05:15:30+02:00,6200055101,21.782,EUR,0.2852,5.13,1.08,6.21,tariff,home-be/2025-01-01\n\
         04A1B2C3D4E580,home-be,smappee,48213,2025-06-02,2025-06-02T19:42:10+02:00,2025-06-03T00:05:40+02:00,6100041237,24.445,EUR,0.2852,5.76,1.21,6.97,tariff,home-be/2025-01-01\n\
         04C3D2E1F0A981,home-be,smappee,51023,2025-06-05,2025-06-05T02:00:00+02:00,2025-06-05T04:41:09+02:00,6200055102,21.23,EUR,0.2852,5,1.05,6.05,tariff,home-be/2025-01-01\n\
         E2F1A09B,home-be,smappee,48227,2025-06-03,2025-06-03T08:58:03+02:00,2025-06-03T11:12:44+02:00,6100041238,15.26,EUR,0.2852,3.6,0.75,4.35,tariff,home-be/2025-01-01\n"
    );
    let (code, json, err) = statement(&f, &["--detail", "--format", "json", "--by", "account"]);
    assert_eq!(code, Some(0), "{err}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let m = &v["groups"][0]["money"][0];
    assert_eq!(
        (
            &m["incl_vat"],
            &m["tariff"]["incl_vat"],
            &m["tariff"]["sessions"],
            &m["vendor"]["sessions"]
        ),
        (
            &serde_json::json!("28.56"),
            &serde_json::json!("28.56"),
            &serde_json::json!(5),
            &serde_json::json!(0)
        )
    );
    assert_eq!(v["groups"][0]["lines"].as_array().unwrap().len(), 5);
    assert!(v["groups"][0]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .all(|l| l["price_source"] == "tariff"));

    // Without the tariff, the same sessions are unpriced.
    std::fs::write(
        &f.config,
        std::fs::read_to_string(&f.config)
            .unwrap()
            .replace(TARIFF, ""),
    )
    .unwrap();
    let (code, out, _) = statement(&f, &["--format", "csv", "--by", "account"]);
    assert_eq!(code, Some(0));
    assert!(
        out.lines()
            .nth(1)
            .unwrap()
            .starts_with("home-be,,5,100.167,14.26,,,,5,0,0,3,,,,,,,,,"),
        "{out}"
    );
    drop(f.dir);
}

#[tokio::test]
async fn tariff_priced_smappee_sessions_become_valid_cdrs_with_their_tariff() {
    let f = synced(&format!("{TARIFF}{OCPI}")).await;
    let o = run(s(&[
        "export", "--format", "ocpi-cdr", "--config", &f.config, "--store", &f.store,
    ]))
    .await;
    let (out, err) = (text(&o.stdout), text(&o.stderr));
    // 51019 was started from the app: no id tag, no user, so no token; the others are CDRs.
    assert_eq!(o.status.code(), Some(5), "{err}");
    assert!(
        err.contains("ocpi-cdr: 5 CDRs, 0 credits, 1 sessions refused"),
        "{err}"
    );
    assert!(
        err.contains("51019") && err.contains("cdr_token.uid"),
        "{err}"
    );
    let cdrs: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(cdrs.len(), 5);
    for c in &cdrs {
        assert_eq!(evsessions_export::ocpi::validate(c), vec![], "{c}");
        assert_eq!(c["charging_periods"][0]["tariff_id"], "home-be/2025-01-01");
        assert_eq!(c["tariffs"][0]["id"], "home-be/2025-01-01");
    }
    let c = cdrs.iter().find(|c| c["id"] == "48213").unwrap();
    assert_eq!(
        c["total_cost"],
        serde_json::json!({"excl_vat": 5.76, "incl_vat": 6.97})
    );
    assert_eq!(
        c["total_energy_cost"],
        serde_json::json!({"excl_vat": 5.76, "incl_vat": 6.97})
    );
    assert_eq!(
        c["tariffs"][0],
        serde_json::json!({
            "country_code": "BE",
            "party_id": "SMP",
            "id": "home-be/2025-01-01",
            "currency": "EUR",
            "elements": [{"price_components": [{"type": "ENERGY", "price": 0.2357, "vat": 21, "step_size": 1}]}],
            "start_date_time": "2024-12-31T23:00:00Z",
            "last_updated": c["last_updated"],
        })
    );
    drop(f.dir);
}

#[tokio::test]
async fn a_bad_tariff_is_refused_when_the_file_is_read() {
    let f = synced(&TARIFF.replace("\"EUR\"", "\"EUX\"")).await;
    let (code, out, err) = statement(&f, &[]);
    assert_eq!(code, Some(2), "{out}");
    assert_eq!(
        err,
        "error: account \"home-be\": tariff home-be/2025-01-01: currency: \"EUX\" is not an ISO 4217 currency with a minor unit (EUR, SEK, CZK …)\n"
    );
    let o = run(s(&[
        "export",
        "--format",
        "ocpi-cdr",
        "--config",
        &f.config,
        "--store",
        &f.store,
        "--ocpi-country",
        "BE",
        "--ocpi-party",
        "SMP",
    ]))
    .await;
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("currency: \"EUX\""));
    // A misspelt key is refused too, naming the account and the table.
    std::fs::write(
        &f.config,
        std::fs::read_to_string(&f.config)
            .unwrap()
            .replace("energy_price", "energy_prize"),
    )
    .unwrap();
    let (code, _, err) = statement(&f, &[]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("account \"home-be\": [tariffs]: unknown field `energy_prize`"),
        "{err}"
    );
    drop(f.dir);
}
