//! Every response shape the notes warn of, each from its own fixture file, through the typed
//! call and through the SessionSource (normalized).

mod common;

use common::{client, collect, t};
use evsessions_core::{
    AuthMethod, ChargingSession, Error, SessionQuery, SessionStatus, StatusFilter,
};
use evsessions_testkit::fixture;
use evsessions_testkit::smappee::SmappeeMock;
use evsessions_testkit::VendorMock;
use smappee_client::{Session, SessionRange};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

const STATION: &str = "/dev/v3/chargingstations/6100041237/sessions";

async fn serve(status: u16, body: &str) -> SmappeeMock {
    let mock = SmappeeMock::start().await;
    Mock::given(method("GET"))
        .and(path(STATION))
        .respond_with(
            ResponseTemplate::new(status)
                .set_body_raw(body.as_bytes().to_vec(), "application/json"),
        )
        .with_priority(1)
        .mount(mock.server())
        .await;
    mock
}

/// The typed call's records (all must decode).
async fn typed(status: u16, body: &str) -> Vec<Session> {
    let mock = serve(status, body).await;
    client(&mock)
        .station_sessions("6100041237", SessionRange::all(), false)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.unwrap())
        .collect()
}

/// The normalized records through the SessionSource (completed call only).
async fn normalized(body: &str) -> Vec<ChargingSession> {
    let mock = serve(200, body).await;
    let q = SessionQuery::new()
        .charger("6100041237")
        .status(StatusFilter::Completed);
    let (got, errs) = collect(&client(&mock), &q).await;
    assert!(errs.is_empty(), "{errs:?}");
    got
}

#[tokio::test]
async fn active_session_with_to_and_stop_reading_omitted() {
    let body = fixture!("smappee/shape-active-fields-omitted.json");
    let s = &typed(200, body).await[0];
    assert_eq!((s.to, s.stop_reading), (None, None));
    let n = &normalized(body).await[0];
    assert_eq!(n.id, "48255");
    assert_eq!(n.status, SessionStatus::Active);
    assert_eq!(n.vendor_status.as_deref(), Some("STARTED"));
    assert_eq!(n.started_at, Some(t("2025-06-03T14:00:00Z")));
    assert_eq!(n.ended_at, None);
    assert_eq!(n.energy_kwh, None);
}

#[tokio::test]
async fn to_zero_and_stop_reading_zero_are_unknown() {
    let n = &normalized(fixture!("smappee/shape-to-zero.json")).await[0];
    assert_eq!(n.status, SessionStatus::Active);
    assert_eq!(n.vendor_status.as_deref(), Some("STOPPING"));
    assert_eq!(n.ended_at, None);
    assert_eq!(n.energy_kwh, None, "0 is a placeholder, not a reading");
}

#[tokio::test]
async fn serial_and_id_as_strings() {
    let body = fixture!("smappee/shape-serial-string.json");
    let s = &typed(200, body).await[0];
    assert_eq!(s.serial_number.as_deref(), Some("6100041237"));
    let n = &normalized(body).await[0];
    assert_eq!(n.id, "48213");
    assert_eq!(n.charger.id.as_deref(), Some("6100041237"));
    assert_eq!(n.energy_kwh.unwrap().to_string(), "24.445");
    assert_eq!(n.ended_at, Some(t("2025-06-02T22:05:40Z")));
}

#[tokio::test]
async fn unknown_status_and_authentication_types_do_not_fail() {
    let got = normalized(fixture!("smappee/shape-unknown-status-and-auth.json")).await;
    assert_eq!(got.len(), 2);
    let a = &got[0];
    assert_eq!(a.id, "48260");
    assert_eq!(a.status, SessionStatus::Unknown);
    assert_eq!(a.vendor_status.as_deref(), Some("PAUSED_BY_GRID"));
    let auth = a.authorization.as_ref().unwrap();
    assert_eq!(auth.method, AuthMethod::Other);
    assert_eq!(auth.id_tag, None);
    assert_eq!(a.energy_kwh.unwrap().to_string(), "3.14");
    let b = &got[1];
    assert_eq!(b.status, SessionStatus::Completed);
    let auth = b.authorization.as_ref().unwrap();
    assert_eq!(auth.method, AuthMethod::Other);
    assert_eq!(
        auth.id_tag.as_deref(),
        Some("EMAID-BE-SMP-000123"),
        "tag kept"
    );
    assert_eq!(
        b.raw.to_value().unwrap()["authenticationType"],
        "PLUG_AND_CHARGE_V2"
    );
}

#[tokio::test]
async fn a_single_object_instead_of_an_array() {
    let body = fixture!("smappee/shape-single-object.json");
    assert_eq!(typed(200, body).await.len(), 1);
    let n = &normalized(body).await[0];
    assert_eq!(n.id, "48213");
    assert_eq!(n.energy_kwh.unwrap().to_string(), "24.445");
}

#[tokio::test]
async fn a_sessions_wrapper() {
    let got = normalized(fixture!("smappee/shape-wrapper.json")).await;
    let ids: Vec<&str> = got.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["48213", "48227"]);
    assert_eq!(got[1].energy_kwh.unwrap().to_string(), "15.26");
}

#[tokio::test]
async fn extra_keys_are_kept_in_raw_only() {
    let n = &normalized(fixture!("smappee/shape-extra-keys.json")).await[0];
    assert_eq!(n.energy_kwh.unwrap().to_string(), "24.445");
    assert_eq!(n.raw.to_value().unwrap()["energy"], 24.445);
    assert_eq!(n.raw.to_value().unwrap()["connector"], 1);
    assert_eq!(n.raw.to_value().unwrap()["tariff"]["name"], "Employees");
    assert_eq!(
        n.charger.connector_id, None,
        "an undocumented key is not mapped"
    );
}

#[tokio::test]
async fn no_sessions_in_every_form() {
    assert!(typed(200, fixture!("smappee/shape-empty-array.json"))
        .await
        .is_empty());
    assert!(typed(204, "").await.is_empty());
    assert!(typed(200, "").await.is_empty());
    assert!(typed(200, "  \n").await.is_empty());
    assert!(typed(200, "null").await.is_empty());
    assert!(typed(200, "{}").await.is_empty());
    assert!(typed(200, r#"{"sessions": []}"#).await.is_empty());
    assert!(typed(200, r#"{"sessions": null}"#).await.is_empty());
    assert!(normalized("[]").await.is_empty());
}

async fn page_error(body: &str) -> Error {
    let mock = serve(200, body).await;
    client(&mock)
        .station_sessions("6100041237", SessionRange::all(), false)
        .await
        .unwrap_err()
}

#[tokio::test]
async fn bodies_of_no_known_shape_are_decode_errors() {
    for (body, want_path) in [
        (r#""oops""#, "."),
        ("42", "."),
        (r#"{"sessions": 5}"#, "sessions"),
    ] {
        match page_error(body).await {
            Error::Decode { path, record, .. } => {
                assert_eq!(path, want_path, "{body}");
                assert_eq!(record, None);
            }
            other => panic!("{body}: {other:?}"),
        }
    }
    let e = page_error("<html><body>maintenance</body></html>").await;
    assert!(e.to_string().contains("HTML"), "{e}");
    let e = page_error(r#"[{"id": 1, "from": 17"#).await;
    assert!(e.to_string().contains("truncated"), "{e}");
}

#[tokio::test]
async fn one_bad_record_is_one_error_and_the_rest_survive() {
    let body = r#"[
        {"id": 1, "serialNumber": 6100041237, "from": "yesterday", "status": "STOPPED"},
        {"id": 2, "serialNumber": 6100041237, "from": 1748886130000, "to": 1748901940000, "status": "STOPPED", "startReading": 1, "stopReading": 2.5}
    ]"#;
    let mock = serve(200, body).await;
    let q = SessionQuery::new()
        .charger("6100041237")
        .status(StatusFilter::Completed);
    let (got, errs) = collect(&client(&mock), &q).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].energy_kwh.unwrap().to_string(), "1.5");
    assert_eq!(errs.len(), 1);
    match &errs[0] {
        Error::Decode { record, path, .. } => {
            assert_eq!(record.as_deref(), Some("1"));
            assert_eq!(path, "from");
        }
        other => panic!("{other:?}"),
    }
}
