//! `evsessions export --format ocpi-cdr` as a new user runs it: sync the eMabler mock into a
//! SQLite store, export CDRs incrementally, recompute a session's cost at the vendor, sync
//! again: the next incremental export is exactly a credit CDR of what was sent and the new CDR,
//! and the one after it is empty.

mod common;

use common::{run, s, sync, text};
use evsessions_testkit::emabler::EmablerMock;
use serde_json::{json, Value};

const CONFIG: &str = r#"
[accounts.emabler]
vendor = "emabler"
[accounts.emabler.ocpi]
country_code = "FI"
party_id = "EMB"
[accounts.emabler.ocpi.location]
address = "Urho Kekkosen katu 1"
city = "Helsinki"
country = "FIN"
latitude = "60.16920"
longitude = "24.93270"
connector_standard = "IEC_62196_T2"
connector_format = "SOCKET"
power_type = "AC_3_PHASE"
"#;

/// An incremental export: the CDRs written, the exit code and stderr.
async fn cdrs(store: &str, config: &str, extra: &[&str]) -> (Vec<Value>, Option<i32>, String) {
    let mut a = s(&[
        "export", "--store", store, "--format", "ocpi-cdr", "--config", config,
    ]);
    a.extend(s(extra));
    let o = run(a).await;
    let lines = text(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (lines, o.status.code(), text(&o.stderr))
}

fn ids(v: &[Value]) -> Vec<&str> {
    v.iter().map(|c| c["id"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn a_recomputed_session_yields_a_credit_and_a_new_cdr_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s.db").display().to_string();
    let config = dir.path().join("evsessions.toml");
    std::fs::write(&config, CONFIG).unwrap();
    let config = config.display().to_string();
    let mock = EmablerMock::start().await;
    sync(&mock, &store, "2025-03-07T00:00:00Z").await;

    // First incremental export: every completed, priced session with a token, once.
    let (first, code, err) = cdrs(&store, &config, &["--since-last-export"]).await;
    assert_eq!(code, Some(5), "three sessions are refused: {err}");
    assert_eq!(
        ids(&first),
        [
            "1048576001",
            "1048576002",
            "1048576004",
            "1048576005",
            "1048576007",
            "1048576008",
            "1048576011"
        ]
    );
    assert!(
        err.contains("1048576003") && err.contains("total_cost"),
        "{err}"
    );
    assert!(err.contains("7 CDRs, 0 credits, 0 unchanged"), "{err}");
    let sent = first
        .iter()
        .find(|c| c["id"] == "1048576001")
        .unwrap()
        .clone();
    assert_eq!(
        sent["total_cost"],
        json!({"excl_vat": 4.79, "incl_vat": 6.01})
    );
    assert_eq!(sent["cdr_location"]["city"], "Helsinki");

    // Nothing changed: nothing is written.
    let (again, _, err) = cdrs(&store, &config, &["--since-last-export"]).await;
    assert!(again.is_empty(), "{again:?}");
    assert!(err.contains("0 CDRs, 0 credits, 7 unchanged"), "{err}");

    // The vendor recomputes one session's cost; the next sync stores the correction.
    mock.edit_transactions(|items| {
        for t in items.iter_mut() {
            if t["id"] == 1048576001_i64 {
                t["totalCostInclVat"] = json!(6.50);
                t["totalCostExclVat"] = json!(5.18);
            }
        }
    });
    sync(&mock, &store, "2025-03-08T00:00:00Z").await;
    let (fix, _, err) = cdrs(&store, &config, &["--since-last-export"]).await;
    assert_eq!(ids(&fix), ["1048576001-C", "1048576001-2"], "{err}");
    let (credit, new) = (&fix[0], &fix[1]);
    assert_eq!(credit["credit"], json!(true));
    assert_eq!(credit["credit_reference_id"], "1048576001");
    assert_eq!(
        credit["total_cost"],
        json!({"excl_vat": -4.79, "incl_vat": -6.01})
    );
    assert_eq!(credit["total_energy"], json!(-21.437));
    assert_eq!(
        new["total_cost"],
        json!({"excl_vat": 5.18, "incl_vat": 6.5})
    );
    assert!(new.get("credit").is_none());
    assert!(err.contains("1 CDRs, 1 credits, 6 unchanged"), "{err}");

    // And then nothing more.
    let (after, _, _) = cdrs(&store, &config, &["--since-last-export"]).await;
    assert!(after.is_empty(), "{after:?}");

    // A snapshot (no --since-last-export) writes the current CDRs and remembers nothing.
    let (snapshot, _, _) = cdrs(&store, &config, &[]).await;
    assert_eq!(snapshot.len(), 7);
    let (after, _, _) = cdrs(&store, &config, &["--since-last-export"]).await;
    assert!(after.is_empty());
}

#[tokio::test]
async fn without_an_ocpi_identity_it_says_how_to_give_one() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s.db").display().to_string();
    let mock = EmablerMock::start().await;
    sync(&mock, &store, "2025-03-07T00:00:00Z").await;
    let empty = dir.path().join("none.toml");
    std::fs::write(&empty, "").unwrap();
    let (out, code, err) = cdrs(&store, &empty.display().to_string(), &[]).await;
    assert_eq!(code, Some(2), "{err}");
    assert!(out.is_empty());
    assert!(
        err.contains("--ocpi-country") && err.contains("[accounts.emabler.ocpi]"),
        "{err}"
    );
    // The flags alone give the identity; the location facts are still missing: every session
    // is refused, naming the field, and nothing is remembered.
    let (out, code, err) = cdrs(
        &store,
        &empty.display().to_string(),
        &[
            "--ocpi-country",
            "FI",
            "--ocpi-party",
            "EMB",
            "--since-last-export",
        ],
    )
    .await;
    assert_eq!(code, Some(5), "{err}");
    assert!(out.is_empty());
    assert!(err.contains("cdr_location.address"), "{err}");
    // Every missing setting at once, in the account's own tables, ready to paste.
    let first = err
        .split("warning: ")
        .find(|w| w.contains("1048576001"))
        .unwrap();
    assert_eq!(
        first,
        "account \"emabler\": emabler session \"1048576001\": no OCPI CDR: \
         8 settings missing: cdr_location.address (the vendor gives no street address), \
         cdr_location.city (the vendor gives no city), cdr_location.country (the vendor gives no country), \
         cdr_location.coordinates.latitude (the vendor gives no coordinates), \
         cdr_location.coordinates.longitude (the vendor gives no coordinates), \
         cdr_location.connector_standard (the vendor does not name the connector type), \
         cdr_location.connector_format (SOCKET or CABLE is not known for this connector), \
         cdr_location.connector_power_type (the power type is not known for this connector); \
         add to the accounts file:\n    \
         [accounts.emabler.ocpi.sites.\"3101\"]\n    \
         address = \"…\"\n    \
         city = \"…\"\n    \
         country = \"…\"   # ISO 3166-1 alpha-3, e.g. FIN\n    \
         latitude = \"…\"   # e.g. \"60.16920\"\n    \
         longitude = \"…\"   # e.g. \"24.93300\"\n    \
         connector_standard = \"IEC_62196_T2\"   # an OCPI ConnectorType\n    \
         connector_format = \"SOCKET\"   # or CABLE\n    \
         power_type = \"AC_3_PHASE\"   # or AC_1_PHASE, AC_2_PHASE, AC_2_PHASE_SPLIT, DC\n"
    );
    // --format ocpi-cdr only.
    let o = run(s(&["export", "--store", &store, "--since-last-export"])).await;
    assert_eq!(o.status.code(), Some(2));
}
