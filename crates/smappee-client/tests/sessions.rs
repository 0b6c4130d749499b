//! Sessions through the SessionSource against the mock: discovery, scopes, the two status
//! calls, the window, the `range` parameter, exact normalized values.

mod common;

use common::{client, collect, data_requests, sorted_ids, t};
use evsessions_core::{AuthMethod, Error, SessionQuery, SessionStatus, StatusFilter};
use evsessions_testkit::smappee::SmappeeMock;
use smappee_client::{SessionRange, KIND};

fn june() -> SessionQuery {
    SessionQuery::new()
        .from(t("2025-06-01T00:00:00Z"))
        .to(t("2025-06-05T00:00:00Z"))
}

#[tokio::test]
async fn discovery_reads_every_park_both_calls_window_exact_values() {
    let mock = SmappeeMock::start().await;
    let client = client(&mock);
    let (got, errs) = collect(&client, &june()).await;
    assert!(errs.is_empty(), "{errs:?}");
    // 48190 starts before the window, 51023 exactly at its end: both out. Each once.
    assert_eq!(
        sorted_ids(&got),
        ["48213", "48227", "48241", "51007", "51019", "51031", "51038"]
    );

    let by_id = |id: &str| got.iter().find(|s| s.id == id).unwrap();

    let s = by_id("48213");
    assert_eq!(s.source, KIND);
    assert_eq!(s.status, SessionStatus::Completed);
    assert_eq!(s.vendor_status.as_deref(), Some("STOPPED"));
    assert_eq!(s.started_at, Some(t("2025-06-02T17:42:10Z")));
    assert_eq!(s.ended_at, Some(t("2025-06-02T22:05:40Z")));
    assert_eq!(s.energy_kwh.unwrap().to_string(), "24.445");
    assert_eq!(s.charger.id.as_deref(), Some("6100041237"));
    assert_eq!(s.charger.connector_id, None);
    let site = s.site.as_ref().unwrap();
    assert_eq!(site.id.as_deref(), Some("40101"));
    assert_eq!(site.name.as_deref(), Some("Brussels HQ Charging Park"));
    let auth = s.authorization.as_ref().unwrap();
    assert_eq!(auth.method, AuthMethod::Rfid);
    assert_eq!(auth.id_tag.as_deref(), Some("04A1B2C3D4E580"));
    assert_eq!(s.cost, None);
    assert_eq!(s.state_of_charge, None);
    // duration, range, priority, csmsTransactionId only in raw.
    assert_eq!(s.raw.to_value().unwrap()["duration"], 15810);
    assert_eq!(s.raw.to_value().unwrap()["range"], 147);
    assert_eq!(s.raw.to_value().unwrap()["priority"], 100);
    assert_eq!(s.raw.to_value().unwrap()["csmsTransactionId"], "");
    let json = serde_json::to_string(s).unwrap();
    assert!(json.contains(r#""energy_kwh":24.445"#), "{json}");
    assert!(
        json.contains(r#""started_at":"2025-06-02T17:42:10Z""#),
        "{json}"
    );

    let s = by_id("48227");
    assert_eq!(s.energy_kwh.unwrap().to_string(), "15.26");
    assert_eq!(s.ended_at, Some(t("2025-06-03T09:12:44Z")));
    assert_eq!(s.charger.id.as_deref(), Some("6100041238"));
    assert_eq!(s.raw.to_value().unwrap()["csmsTransactionId"], "TX-7781324");

    let s = by_id("48241");
    assert_eq!(s.status, SessionStatus::Active);
    assert_eq!(s.vendor_status.as_deref(), Some("CHARGING"));
    assert_eq!(s.started_at, Some(t("2025-06-03T12:15:27Z")));
    assert_eq!(s.ended_at, None);
    assert_eq!(s.energy_kwh, None);

    let s = by_id("51007");
    assert_eq!(
        s.started_at,
        Some(t("2025-06-01T00:00:00Z")),
        "from is inclusive"
    );
    assert_eq!(s.energy_kwh.unwrap().to_string(), "21.782");
    let site = s.site.as_ref().unwrap();
    assert_eq!(site.id.as_deref(), Some("40102"));
    assert_eq!(site.name.as_deref(), Some("Ghent Depot"));

    let s = by_id("51019");
    assert_eq!(s.status, SessionStatus::Completed);
    assert_eq!(s.energy_kwh.unwrap().to_string(), "17.45");
    assert_eq!(s.started_at, Some(t("2025-06-04T21:30:00Z")));
    assert_eq!(s.ended_at, Some(t("2025-06-04T23:10:42Z")));
    let auth = s.authorization.as_ref().unwrap();
    assert_eq!(auth.method, AuthMethod::Other, "APP is not RFID");
    assert_eq!(auth.id_tag, None, "empty rfid is null");

    let s = by_id("51031");
    assert_eq!(s.status, SessionStatus::Active);
    assert_eq!(s.vendor_status.as_deref(), Some("SUSPENDED"));

    let s = by_id("51038");
    assert_eq!(s.status, SessionStatus::Pending);
    assert_eq!(s.vendor_status.as_deref(), Some("INITIAL"));
    assert_eq!(s.started_at, Some(t("2025-06-04T23:59:58Z")));

    // The calls: discovery, then (active=false, active=true) per location, with a literal comma.
    let reqs = data_requests(&mock).await;
    assert_eq!(reqs[0], "/dev/v3/servicelocation");
    let range = "range=1748736000000,1749081600000";
    for park in ["40101", "40102", "40103"] {
        for active in ["false", "true"] {
            let want = format!("/dev/v3/chargingparks/{park}/sessions?{range}&active={active}");
            assert!(reqs.contains(&want), "{want} not in {reqs:?}");
        }
    }
    assert!(reqs.iter().all(|r| !r.contains("%2C")), "{reqs:?}");
    assert_eq!(reqs.len(), 1 + 3 * 2);
}

#[tokio::test]
async fn whole_history_without_from_is_range_zero() {
    let mock = SmappeeMock::start().await;
    let client = client(&mock);
    let (got, errs) = collect(&client, &SessionQuery::new()).await;
    assert!(errs.is_empty(), "{errs:?}");
    assert_eq!(got.len(), 9);
    let reqs = data_requests(&mock).await;
    assert!(
        reqs.contains(&"/dev/v3/chargingparks/40101/sessions?range=0&active=false".to_string()),
        "{reqs:?}"
    );
    // The location that is no park (404) is skipped, not an error.
    assert!(reqs
        .iter()
        .any(|r| r.starts_with("/dev/v3/chargingparks/40103/")));
}

#[tokio::test]
async fn status_filters_make_only_the_matching_call() {
    let mock = SmappeeMock::start().await;
    let client = client(&mock);
    let (done, errs) = collect(&client, &june().status(StatusFilter::Completed)).await;
    assert!(errs.is_empty());
    assert_eq!(sorted_ids(&done), ["48213", "48227", "51007", "51019"]);
    assert!(done.iter().all(|s| s.status == SessionStatus::Completed));
    let reqs = data_requests(&mock).await;
    assert!(reqs
        .iter()
        .filter(|r| r.contains("/sessions"))
        .all(|r| r.ends_with("active=false")));

    let mock = SmappeeMock::start().await;
    let client = common::client(&mock);
    let (running, errs) = collect(&client, &june().status(StatusFilter::Active)).await;
    assert!(errs.is_empty());
    assert_eq!(sorted_ids(&running), ["48241", "51031", "51038"]);
    let reqs = data_requests(&mock).await;
    assert!(reqs
        .iter()
        .filter(|r| r.contains("/sessions"))
        .all(|r| r.ends_with("active=true")));
}

#[tokio::test]
async fn charger_scope_reads_one_station_without_discovery() {
    let mock = SmappeeMock::start().await;
    let client = client(&mock);
    let (got, errs) = collect(&client, &SessionQuery::new().charger("6100041238")).await;
    assert!(errs.is_empty(), "{errs:?}");
    assert_eq!(sorted_ids(&got), ["48190", "48227"]);
    assert!(
        got.iter().all(|s| s.site.is_none()),
        "read through a station: no park"
    );
    let reqs = data_requests(&mock).await;
    assert_eq!(
        reqs,
        [
            "/dev/v3/chargingstations/6100041238/sessions?range=0&active=false",
            "/dev/v3/chargingstations/6100041238/sessions?range=0&active=true",
        ]
    );
}

#[tokio::test]
async fn site_scope_reads_one_park_and_scopes_combine() {
    let mock = SmappeeMock::start().await;
    let client = client(&mock);
    let q = june().site("40102").charger("6100041237");
    let (got, errs) = collect(&client, &q).await;
    assert!(errs.is_empty(), "{errs:?}");
    assert_eq!(
        sorted_ids(&got),
        ["48213", "48241", "51007", "51019", "51031", "51038"]
    );
    let s = got.iter().find(|s| s.id == "51019").unwrap();
    let site = s.site.as_ref().unwrap();
    assert_eq!(site.id.as_deref(), Some("40102"));
    assert_eq!(site.name, None, "no discovery, no name");
    assert!(!data_requests(&mock)
        .await
        .contains(&"/dev/v3/servicelocation".to_string()));
}

#[tokio::test]
async fn id_tags_are_filtered_by_core() {
    let mock = SmappeeMock::start().await;
    let client = client(&mock);
    let (got, errs) = collect(&client, &SessionQuery::new().id_tag("E2F1A09B")).await;
    assert!(errs.is_empty());
    assert_eq!(sorted_ids(&got), ["48190", "48227", "51031"]);
}

#[tokio::test]
async fn an_unknown_explicit_park_is_not_found() {
    let mock = SmappeeMock::start().await;
    let client = client(&mock);
    let (got, errs) = collect(&client, &SessionQuery::new().site("99999")).await;
    assert!(got.is_empty());
    assert_eq!(errs.len(), 1);
    assert!(
        matches!(&errs[0], Error::NotFound { what, .. } if what.contains("99999")),
        "{:?}",
        errs[0]
    );
}

#[tokio::test]
async fn an_empty_window_makes_no_call() {
    let mock = SmappeeMock::start().await;
    let client = client(&mock);
    let q = SessionQuery::new()
        .from(t("2025-06-05T00:00:00Z"))
        .to(t("2025-06-01T00:00:00Z"));
    let (got, errs) = collect(&client, &q).await;
    assert!(got.is_empty() && errs.is_empty());
    assert!(data_requests(&mock).await.is_empty());
}

#[tokio::test]
async fn typed_discovery_calls() {
    let mock = SmappeeMock::start().await;
    let client = client(&mock);
    let locs = client.service_locations().await.unwrap();
    assert_eq!(locs.app_name.as_deref(), Some("evsessions-demo"));
    let ids: Vec<&str> = locs
        .service_locations
        .iter()
        .map(|l| l.service_location_id.as_str())
        .collect();
    assert_eq!(ids, ["40101", "40102", "40103"]);
    assert_eq!(locs.service_locations[2].device_serial_number, None);
    assert_eq!(
        locs.service_locations[0].device_serial_number.as_deref(),
        Some("5010004101")
    );

    let config = client.metering_configuration("40101").await.unwrap();
    let serials: Vec<_> = config
        .charging_stations
        .iter()
        .map(|s| s.serial_number.clone().unwrap())
        .collect();
    assert_eq!(
        serials,
        ["6100041237", "6100041238"],
        "string and number serials"
    );
    assert_eq!(config.charging_stations[0].chargers.len(), 2);
    assert_eq!(
        config.charging_stations[0].chargers[1].position.as_deref(),
        Some("2")
    );
    assert_eq!(config.charging_stations[0].id.as_deref(), Some("40101"));
    assert_eq!(config.other["timezone"], "Europe/Brussels");

    assert!(client.charging_stations("40103").await.unwrap().is_empty());
    let err = client.metering_configuration("1").await.unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
}

#[tokio::test]
async fn typed_session_calls_apply_range_and_active() {
    let mock = SmappeeMock::start().await;
    let client = client(&mock);
    let range = SessionRange::new(
        Some(t("2025-06-02T00:00:00Z")),
        Some(t("2025-06-03T12:15:27Z")),
    );
    let done = client.park_sessions("40101", range, false).await.unwrap();
    let ids: Vec<String> = done.into_iter().map(|s| s.unwrap().id).collect();
    assert_eq!(ids, ["48213", "48227"]);
    // The end is exclusive: 48241 starts exactly at `to`.
    let running = client.park_sessions("40101", range, true).await.unwrap();
    assert!(running.is_empty());
    let running = client
        .station_sessions(
            "6100041237",
            SessionRange::new(Some(t("2025-06-03T12:15:27Z")), None),
            true,
        )
        .await
        .unwrap();
    let s = running.into_iter().next().unwrap().unwrap();
    assert_eq!(s.id, "48241");
    assert_eq!(s.to, None);
    assert_eq!(s.stop_reading, None);
    assert_eq!(s.raw.to_value().unwrap()["to"], serde_json::Value::Null);
}
