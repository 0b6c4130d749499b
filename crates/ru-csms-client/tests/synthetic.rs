//! The synthetic sessions: what the capture lacks (a running session, a reservation, money,
//! per-minute lines, unknown enum values), and the settings that change how they read.

mod common;

use common::*;
use evsessions_core::{CostKind, Decimal, SessionQuery, SessionStatus, StatusFilter};
use evsessions_testkit::ru_csms::RuCsmsMockOptions;
use ru_csms_client::{Client, CoordinateOrder};

#[tokio::test]
async fn running_session_is_active_with_the_vendor_state_kept() {
    let mock = mock(RuCsmsMockOptions::default()).await;
    let sessions = all(&client(&mock)).await;
    assert_eq!(sessions.len(), 49);
    let s = by_id(&sessions, "1803");
    assert_eq!(s.status, SessionStatus::Active);
    assert_eq!(s.vendor_status.as_deref(), Some("charging"));
    assert_eq!(s.started_at, Some(utc("2024-01-17T15:00:00Z")));
    assert_eq!(s.ended_at, None);
    assert_eq!(s.energy_kwh, Some(dec("12.345")));
    let soc = s.state_of_charge.as_ref().unwrap();
    assert_eq!(soc.start_percent, Some(Decimal::from(35)));
    assert_eq!(soc.end_percent, None, "finish 0 while charging is unknown");

    let (active, errs) = collect(
        &client(&mock),
        &SessionQuery::new().status(StatusFilter::Active),
    )
    .await;
    assert!(errs.is_empty());
    let ids: Vec<&str> = active.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, vec!["1803"]);
}

#[tokio::test]
async fn reservation_that_has_not_started() {
    let mock = mock(RuCsmsMockOptions::default()).await;
    let sessions = all(&client(&mock)).await;
    let s = by_id(&sessions, "1804");
    assert_eq!(s.status, SessionStatus::Reservation);
    assert_eq!(s.vendor_status.as_deref(), Some("reserved"));
    assert_eq!(s.started_at, None);
    assert_eq!(s.ended_at, None);
    assert_eq!(s.state_of_charge, None);
    assert_eq!(s.charger.connector_type.as_deref(), Some("GBT_DC"));
}

#[tokio::test]
async fn priced_session_with_both_lines_in_roubles() {
    let mock = mock(RuCsmsMockOptions::default()).await;
    let sessions = all(&client(&mock)).await;
    let s = by_id(&sessions, "1802");
    assert_eq!(s.status, SessionStatus::Completed);
    assert_eq!(s.started_at, Some(utc("2024-01-10T08:00:00Z")));
    assert_eq!(s.ended_at, Some(utc("2024-01-10T08:45:00Z")));
    assert_eq!(s.energy_kwh, Some(dec("22.6")));
    assert_eq!(s.charger.name.as_deref(), Some("Разъём 2"));
    let cost = s.cost.as_ref().unwrap();
    assert_eq!(cost.currency.as_deref(), Some("RUB"));
    assert_eq!(cost.total_incl_vat, Some(dec("464.73")));
    assert_eq!(cost.total_excl_vat, None);
    assert_eq!(cost.vat_percent, None);
    let [start, charge] = cost.components.as_slice() else {
        panic!("{:?}", cost.components)
    };
    assert_eq!(start.kind, CostKind::Flat);
    assert_eq!(start.unit_price, Some(dec("50")));
    assert_eq!(start.amount_incl_vat, Some(dec("50")));
    assert_eq!(start.quantity, Some(Decimal::ONE));
    assert_eq!(charge.kind, CostKind::Energy);
    assert_eq!(charge.name.as_deref(), Some("Зарядка"));
    assert_eq!(charge.quantity, Some(dec("22.418")));
    assert_eq!(charge.unit_price, Some(dec("18.5")));
    assert_eq!(charge.amount_incl_vat, Some(dec("414.73")));
    let json = serde_json::to_value(s).unwrap();
    assert_eq!(json["cost"]["total_incl_vat"].to_string(), "464.73");
    assert_eq!(
        json["cost"]["components"][1]["unit_price"].to_string(),
        "18.5"
    );
}

#[tokio::test]
async fn amount_scale_100_reads_kopecks_exactly() {
    let mock = mock(RuCsmsMockOptions::default()).await;
    let c = Client::new(builder(&mock).amount_scale(100).build().unwrap()).unwrap();
    let sessions = all(&c).await;
    let cost = by_id(&sessions, "1802").cost.clone().unwrap();
    assert_eq!(cost.total_incl_vat, Some(dec("4.6473")));
    assert_eq!(cost.components[0].unit_price, Some(dec("0.5")));
    assert_eq!(cost.components[1].unit_price, Some(dec("0.185")));
    assert_eq!(cost.components[1].amount_incl_vat, Some(dec("4.1473")));
    assert_eq!(
        cost.components[1].quantity,
        Some(dec("22.418")),
        "quantities are not money"
    );
    assert_eq!(by_id(&sessions, "1802").energy_kwh, Some(dec("22.6")));

    // A page in kopecks, served raw.
    let server = wiremock::MockServer::start().await;
    let page = serde_json::json!({
        "meta": {"generated_at": 1, "status_code": 200, "status_name": "OK", "status_description": ""},
        "payload": {"items": [{
            "id": 9, "amount": {"value": 46473, "currency": "RUB"}, "state": "completed", "completed": true,
            "detail_amount": [{"name": "Зарядка", "price": {"value": 1850, "currency": "RUB"}, "units": "кВт⋅ч",
                               "amount": {"value": 41473, "currency": "RUB"}, "quantity": 22.418}]
        }], "total": 1, "per_page": 100, "page": 1}
    });
    wiremock::Mock::given(wiremock::matchers::any())
        .respond_with(wiremock::ResponseTemplate::new(200).set_body_json(page))
        .mount(&server)
        .await;
    let c = Client::new(
        ru_csms_client::Config::builder()
            .sessions_url(format!("{}/s", server.uri()))
            .token("t")
            .amount_scale(100)
            .http(evsessions_core::HttpConfig::for_tests())
            .build()
            .unwrap(),
    )
    .unwrap();
    let s = all(&c).await.remove(0);
    let cost = s.cost.unwrap();
    assert_eq!(cost.total_incl_vat, Some(dec("464.73")));
    assert_eq!(cost.components[0].unit_price, Some(dec("18.5")));
    assert_eq!(cost.components[0].amount_incl_vat, Some(dec("414.73")));
    assert_eq!(s.state_of_charge, None);
    assert_eq!(s.site, None, "no site fields at all: null site");
    assert_eq!(s.authorization, None, "no client_id: no authorization");
}

#[tokio::test]
async fn coordinates_follow_the_setting() {
    let mock = mock(RuCsmsMockOptions::default().with_captured_only(true)).await;
    let read = |order: Option<CoordinateOrder>| {
        let mut b = builder(&mock);
        if let Some(o) = order {
            b = b.coordinates(o);
        }
        let c = Client::new(b.build().unwrap()).unwrap();
        async move {
            let s = all(&c).await.remove(0);
            let site = s.site.unwrap();
            (site.latitude, site.longitude)
        }
    };
    assert_eq!(read(None).await, (None, None));
    assert_eq!(read(Some(CoordinateOrder::Untrusted)).await, (None, None));
    assert_eq!(
        read(Some(CoordinateOrder::LatLon)).await,
        (Some(dec("26.04291")), Some(dec("-67.421665")))
    );
    assert_eq!(
        read(Some(CoordinateOrder::LonLat)).await,
        (Some(dec("-67.421665")), Some(dec("26.04291")))
    );
}

#[tokio::test]
async fn out_of_range_coordinates_are_dropped() {
    let server = wiremock::MockServer::start().await;
    let page = serde_json::json!({
        "meta": {"status_code": 200},
        "payload": {"items": [
            {"id": 1, "charging_point_id": 5, "charging_point_coordinates": [120.5, 43.2]},
            {"id": 2, "charging_point_id": 5, "charging_point_coordinates": [56.3]},
            {"id": 3, "charging_point_id": 5, "charging_point_coordinates": [56.32, 44.0]}
        ], "total": 3, "per_page": 100, "page": 1}
    });
    wiremock::Mock::given(wiremock::matchers::any())
        .respond_with(wiremock::ResponseTemplate::new(200).set_body_json(page))
        .mount(&server)
        .await;
    let c = Client::new(
        ru_csms_client::Config::builder()
            .sessions_url(format!("{}/s", server.uri()))
            .no_auth()
            .coordinates(CoordinateOrder::LatLon)
            .http(evsessions_core::HttpConfig::for_tests())
            .build()
            .unwrap(),
    )
    .unwrap();
    let s = all(&c).await;
    let ll = |i: usize| {
        let site = s[i].site.clone().unwrap();
        (site.latitude, site.longitude)
    };
    assert_eq!(ll(0), (None, None), "latitude 120.5 is impossible");
    assert_eq!(ll(1), (None, None), "one number is not a position");
    assert_eq!(ll(2), (Some(dec("56.32")), Some(dec("44.0"))));
    assert_eq!(
        s[0].status,
        SessionStatus::Active,
        "no completed flag, no state: active"
    );
}

#[tokio::test]
async fn unknown_enum_values_and_other_units_are_kept() {
    let mock = mock(RuCsmsMockOptions::default()).await;
    let c = client(&mock);
    let sessions = all(&c).await;
    let s = by_id(&sessions, "1001");
    assert_eq!(s.status, SessionStatus::Completed, "completed: true wins");
    assert_eq!(s.vendor_status.as_deref(), Some("failed"));
    assert_eq!(s.charger.connector_type.as_deref(), Some("IEC_62196_T2"));
    let soc = s.state_of_charge.as_ref().unwrap();
    assert_eq!(
        (soc.start_percent, soc.end_percent),
        (None, Some(Decimal::from(55)))
    );
    let kinds: Vec<CostKind> = s
        .cost
        .as_ref()
        .unwrap()
        .components
        .iter()
        .map(|c| c.kind)
        .collect();
    assert_eq!(kinds, vec![CostKind::Flat, CostKind::Other]);
    let typed = c.decode_session(&s.raw).unwrap();
    assert_eq!(
        typed.ocpp_inspections_flag.as_ref().unwrap().as_str(),
        "critical"
    );
    assert_eq!(typed.started_by.as_ref().unwrap().as_str(), "client");
    assert_eq!(typed.finished_by.as_ref().unwrap().as_str(), "system");
    assert_eq!(
        typed.charging_connector_type.as_ref().unwrap().as_str(),
        "Type 2"
    );

    let s = by_id(&sessions, "1002");
    let cost = s.cost.as_ref().unwrap();
    assert_eq!(cost.total_incl_vat, Some(dec("215.2")));
    let idle = &cost.components[2];
    assert_eq!(idle.kind, CostKind::Time);
    assert_eq!(idle.name.as_deref(), Some("Простой"));
    assert_eq!(idle.unit.as_deref(), Some("мин"));
    assert_eq!(idle.quantity, Some(dec("10.08")));
    assert_eq!(idle.unit_price, Some(dec("2.5")));
    assert_eq!(idle.amount_incl_vat, Some(dec("25.2")));
}
