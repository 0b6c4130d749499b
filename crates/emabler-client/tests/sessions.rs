//! Contract tests: the client against the eMabler mock, asserting exact normalized values.

mod common;

use common::*;
use evsessions_core::{AuthMethod, CostKind, SessionQuery, SessionStatus, StatusFilter};
use evsessions_testkit::emabler::{EmablerMock, EmablerMockOptions};

const COMPLETED: [&str; 10] = [
    "1048576001",
    "1048576002",
    "1048576003",
    "1048576004",
    "1048576005",
    "1048576006",
    "1048576007",
    "1048576008",
    "1048576009",
    "1048576011",
];
const ONGOING: [&str; 2] = ["1032440001", "1032440107"];

#[tokio::test]
async fn priced_session_exact_values() {
    let mock = EmablerMock::start().await;
    let all = all_ok(&client(&mock), &SessionQuery::new()).await;
    let s = find(&all, "1048576001");
    assert_eq!(s.source.as_str(), "emabler");
    assert_eq!(s.status, SessionStatus::Completed);
    assert_eq!(s.vendor_status, None);
    assert_eq!(s.started_at, Some(t("2025-03-03T06:58:12.412Z")));
    assert_eq!(s.ended_at, Some(t("2025-03-03T09:41:37.905Z")));
    assert_eq!(s.energy_kwh, Some(dec("21.437")));
    assert_eq!(s.charger.id.as_deref(), Some("EMB_HKI_0001"));
    assert_eq!(s.charger.name.as_deref(), Some("Kamppi P1 / 01"));
    assert_eq!(s.charger.connector_id.as_deref(), Some("1"));
    assert_eq!(s.charger.connector_type, None);
    let site = s.site.as_ref().unwrap();
    assert_eq!(site.id.as_deref(), Some("3101"));
    assert_eq!(site.name.as_deref(), Some("Kamppi P-talo"));
    let auth = s.authorization.as_ref().unwrap();
    assert_eq!(auth.method, AuthMethod::Rfid);
    assert_eq!(auth.id_tag.as_deref(), Some("04A1B2C3D4E5F6"));
    assert_eq!(auth.user_id.as_deref(), Some("20481"));
    assert_eq!(auth.user_name.as_deref(), Some("Aino Virtanen"));
    assert_eq!(s.state_of_charge, None);

    let cost = s.cost.as_ref().unwrap();
    assert_eq!(cost.currency.as_deref(), Some("EUR"));
    assert_eq!(cost.total_excl_vat, Some(dec("4.79")));
    assert_eq!(cost.total_incl_vat, Some(dec("6.01")));
    assert_eq!(cost.vat_amount, Some(dec("1.22")));
    assert_eq!(cost.vat_percent, Some(dec("25.5")));
    let kinds: Vec<CostKind> = cost.components.iter().map(|c| c.kind).collect();
    assert_eq!(
        kinds,
        vec![
            CostKind::Energy,
            CostKind::Time,
            CostKind::Parking,
            CostKind::Flat
        ]
    );
    let energy = &cost.components[0];
    assert_eq!(energy.name.as_deref(), Some("energyPrice"));
    assert_eq!(energy.quantity, Some(dec("21.437")));
    assert_eq!(energy.unit.as_deref(), Some("kWh"));
    assert_eq!(energy.unit_price, Some(dec("0.20")));
    assert_eq!(energy.amount_excl_vat, Some(dec("4.29")));
    assert_eq!(energy.amount_incl_vat, Some(dec("5.38")));
    assert_eq!(cost.components[1].amount_excl_vat, Some(dec("0")));
    assert_eq!(
        cost.components[1].name.as_deref(),
        Some("chargingTimePrice")
    );
    assert_eq!(cost.components[2].amount_incl_vat, Some(dec("0")));
    assert_eq!(cost.components[3].name.as_deref(), Some("flatFee"));
    assert_eq!(cost.components[3].unit_price, None);
    assert_eq!(cost.components[3].amount_excl_vat, Some(dec("0.50")));
    assert_eq!(cost.components[3].amount_incl_vat, Some(dec("0.63")));

    // raw is the record as received, margin and reduction included.
    assert_eq!(
        s.raw.to_value().unwrap()["id"],
        serde_json::json!(1048576001)
    );
    assert_eq!(
        s.raw.to_value().unwrap()["totalMarginAmount"],
        serde_json::json!(0.0)
    );
    assert_eq!(
        s.raw.to_value().unwrap()["operationTimestamp"],
        "2025-03-03T09:41:40.1203345Z"
    );

    // The serde form: exact numbers, UTC with Z.
    let j = serde_json::to_value(s).unwrap();
    assert_eq!(j["started_at"], "2025-03-03T06:58:12.412Z");
    assert_eq!(j["energy_kwh"].to_string(), "21.437");
    assert_eq!(j["cost"]["total_incl_vat"].to_string(), "6.01");
    assert_eq!(j["cost"]["components"][0]["unit_price"].to_string(), "0.2");
    assert_eq!(j["vendor_status"], serde_json::Value::Null);
}

#[tokio::test]
async fn second_priced_session_with_parking() {
    let mock = EmablerMock::start().await;
    let all = all_ok(&client(&mock), &SessionQuery::new()).await;
    let s = find(&all, "1048576002");
    assert_eq!(s.energy_kwh, Some(dec("43.21")));
    assert_eq!(s.charger.connector_id.as_deref(), Some("2"));
    let c = s.cost.as_ref().unwrap();
    assert_eq!(c.total_excl_vat, Some(dec("11.54")));
    assert_eq!(c.total_incl_vat, Some(dec("14.48")));
    assert_eq!(c.vat_amount, Some(dec("2.94")));
    let parking = c
        .components
        .iter()
        .find(|x| x.kind == CostKind::Parking)
        .unwrap();
    assert_eq!(parking.amount_excl_vat, Some(dec("2.40")));
    assert_eq!(parking.amount_incl_vat, Some(dec("3.01")));
}

#[tokio::test]
async fn unpriced_session_has_no_cost_and_zero_user_is_null() {
    let mock = EmablerMock::start().await;
    let all = all_ok(&client(&mock), &SessionQuery::new()).await;
    let s = find(&all, "1048576003");
    assert_eq!(s.cost, None);
    assert_eq!(s.energy_kwh, Some(dec("5.12")));
    assert_eq!(s.status, SessionStatus::Completed);
    let a = s.authorization.as_ref().unwrap();
    assert_eq!(a.id_tag.as_deref(), Some("FREEVEND"));
    assert_eq!(a.user_id, None, "authorizedUserId 0 means no user");
    assert_eq!(a.user_name, None, "userName \"\" means no name");
    assert_eq!(
        serde_json::to_value(s).unwrap()["cost"],
        serde_json::Value::Null
    );

    // No tag, user 0 and name "": no authorization at all.
    let s = find(&all, "1048576009");
    assert_eq!(s.authorization, None);
    // Margin and reduction are in raw only; the totals are the vendor's.
    assert_eq!(
        s.raw.to_value().unwrap()["reductionAmount"],
        serde_json::json!(0.5)
    );
    assert_eq!(s.cost.as_ref().unwrap().total_incl_vat, Some(dec("2.39")));
}

#[tokio::test]
async fn drift_quirks() {
    let mock = EmablerMock::start().await;
    let all = all_ok(&client(&mock), &SessionQuery::new()).await;

    // 7 fractional digits; socketId and authorizedUserId as strings; a time component and
    // no parking or flat fee (null amounts: no component).
    let s = find(&all, "1048576004");
    assert_eq!(s.started_at, Some(t("2025-03-04T07:15:00.1234567Z")));
    assert_eq!(s.ended_at, Some(t("2025-03-04T08:45:30.5Z")));
    assert_eq!(
        serde_json::to_value(s).unwrap()["started_at"],
        "2025-03-04T07:15:00.123456700Z"
    );
    assert_eq!(s.charger.connector_id.as_deref(), Some("2"));
    assert_eq!(
        s.authorization.as_ref().unwrap().user_id.as_deref(),
        Some("20533")
    );
    assert_eq!(s.site.as_ref().unwrap().id.as_deref(), Some("3102"));
    let c = s.cost.as_ref().unwrap();
    let kinds: Vec<CostKind> = c.components.iter().map(|x| x.kind).collect();
    assert_eq!(kinds, vec![CostKind::Energy, CostKind::Time]);
    assert_eq!(c.components[0].unit_price, Some(dec("0.25")));
    assert_eq!(c.components[1].amount_excl_vat, Some(dec("1.20")));
    assert_eq!(c.components[1].amount_incl_vat, Some(dec("1.51")));
    assert_eq!(c.total_incl_vat, Some(dec("7.40")));

    // +02:00 offsets become UTC.
    let s = find(&all, "1048576005");
    assert_eq!(s.started_at, Some(t("2025-03-04T10:00:00Z")));
    assert_eq!(s.ended_at, Some(t("2025-03-04T11:30:00Z")));
    assert_eq!(s.energy_kwh, Some(dec("9")));

    // Priced with no currency: the currency stays null, nothing is invented.
    let s = find(&all, "1048576006");
    let c = s.cost.as_ref().unwrap();
    assert_eq!(c.currency, None);
    assert_eq!(c.total_incl_vat, Some(dec("4.40")));
    assert_eq!(c.total_excl_vat, Some(dec("3.50")));

    // Another site and currency.
    let s = find(&all, "1048576007");
    assert_eq!(
        s.site.as_ref().unwrap().name.as_deref(),
        Some("Sergels torg P-hus")
    );
    assert_eq!(s.charger.connector_id.as_deref(), Some("1"));
    let c = s.cost.as_ref().unwrap();
    assert_eq!(c.currency.as_deref(), Some("SEK"));
    assert_eq!(c.vat_percent, Some(dec("25")));
    assert_eq!(c.total_incl_vat, Some(dec("110.50")));
    assert_eq!(c.components[0].unit_price, Some(dec("3.50")));
    assert_eq!(c.components[0].amount_incl_vat, Some(dec("98.00")));

    // fullConsumptionWh as a string: still exact.
    let s = find(&all, "1048576008");
    assert_eq!(s.energy_kwh, Some(dec("12.345")));
    assert_eq!(s.started_at, Some(t("2025-03-05T00:00:00Z")));

    // id as a string; keys the model does not know are kept in raw.
    let s = find(&all, "1048576011");
    assert_eq!(
        s.raw.to_value().unwrap()["co2SavedKg"],
        serde_json::json!(4.27)
    );
    assert_eq!(
        s.raw.to_value().unwrap()["chargingProfile"]["maxCurrentA"],
        serde_json::json!(16)
    );
    assert_eq!(s.started_at, Some(t("2025-03-06T10:05:00.5Z")));
    assert_eq!(s.energy_kwh, Some(dec("30.5")));
}

#[tokio::test]
async fn ongoing_sessions_and_the_sentinel_end() {
    let mock = EmablerMock::start().await;
    let c = client(&mock);
    let all = all_ok(&c, &SessionQuery::new()).await;
    let mut want: Vec<String> = COMPLETED
        .iter()
        .chain(ONGOING.iter())
        .map(|s| s.to_string())
        .collect();
    want.sort();
    assert_eq!(ids(&all), want);
    // 1048576010 (timestampEnd = 0001-01-01) is the same session as ongoing 1032440001: once.
    assert!(all.iter().all(|s| s.id != "1048576010"));

    let s = find(&all, "1032440001");
    assert_eq!(s.status, SessionStatus::Active);
    assert_eq!(s.vendor_status, None);
    assert_eq!(s.started_at, Some(t("2025-03-06T07:45:10Z")));
    assert_eq!(s.ended_at, None);
    assert_eq!(s.energy_kwh, None);
    assert_eq!(s.cost, None);
    assert_eq!(s.charger.id.as_deref(), Some("EMB_HKI_0004"));
    assert_eq!(s.charger.connector_id.as_deref(), Some("1"));
    assert_eq!(s.site.as_ref().unwrap().id.as_deref(), Some("3101"));
    let a = s.authorization.as_ref().unwrap();
    assert_eq!(a.id_tag.as_deref(), Some("04D00DFEED5678"));
    assert_eq!(a.user_id.as_deref(), Some("20602"));
    assert_eq!(
        s.raw.to_value().unwrap()["startMeterWh"],
        serde_json::json!(1203345)
    );

    // transactionId as a number, startTime with +02:00, siteId as a string, no user.
    let s = find(&all, "1032440107");
    assert_eq!(s.started_at, Some(t("2025-03-06T09:12:33.555Z")));
    assert_eq!(s.site.as_ref().unwrap().id.as_deref(), Some("4201"));
    assert_eq!(s.charger.connector_id.as_deref(), Some("2"));
    assert_eq!(s.authorization.as_ref().unwrap().user_id, None);

    // Status completed reads only /v2/transactions; the sentinel-ended record is active, so
    // it is not completed.
    let before = requests(&mock, "/ongoing-transactions").await.len();
    let done = all_ok(&c, &SessionQuery::new().status(StatusFilter::Completed)).await;
    assert_eq!(ids(&done), COMPLETED.to_vec());
    assert!(done.iter().all(|s| s.status == SessionStatus::Completed));
    assert_eq!(requests(&mock, "/ongoing-transactions").await.len(), before);

    // Status active reads only the ongoing list.
    let posts = requests(&mock, "/v2/transactions").await.len();
    let active = all_ok(&c, &SessionQuery::new().status(StatusFilter::Active)).await;
    assert_eq!(ids(&active), ONGOING.to_vec());
    assert_eq!(requests(&mock, "/v2/transactions").await.len(), posts);

    // The typed call shows the sentinel as no end.
    let page = c
        .transactions(&emabler_client::TransactionsRequest::page(3, 4))
        .await
        .unwrap();
    let rec = page.items.iter().find(|x| x.id == "1048576010").unwrap();
    assert_eq!(rec.timestamp_end, None);
    assert_eq!(rec.evse_transaction_id.as_deref(), Some("1032440001"));
}

#[tokio::test]
async fn pages_are_walked_one_based_until_the_last() {
    let mock = EmablerMock::start().await;
    let c = client_with(&mock, evsessions_testkit::emabler::API_KEY, Some(4));
    let done = all_ok(&c, &SessionQuery::new().status(StatusFilter::Completed)).await;
    assert_eq!(done.len(), 10);
    let reqs = requests(&mock, "/v2/transactions").await;
    let bodies: Vec<serde_json::Value> = reqs.iter().map(|r| r.body_json().unwrap()).collect();
    let pages: Vec<_> = bodies.iter().map(|b| b["page"].clone()).collect();
    assert_eq!(pages, vec![serde_json::json!(1), 2.into(), 3.into()]);
    assert!(bodies.iter().all(|b| b["limit"] == 4));
    for r in &reqs {
        assert_eq!(r.url.path(), "/api/v2/cpo/v2/transactions");
        assert_eq!(r.method.as_str(), "POST");
    }
    // The query's page size wins over the configured one; the ongoing list is capped at 100.
    let c = client(&mock);
    all_ok(&c, &SessionQuery::new().page_size(5000)).await;
    let last = requests(&mock, "/v2/transactions").await.pop().unwrap();
    assert_eq!(
        last.body_json::<serde_json::Value>().unwrap()["limit"],
        1000
    );
    let ongoing = requests(&mock, "/ongoing-transactions")
        .await
        .pop()
        .unwrap();
    assert!(
        ongoing.url.query().unwrap().contains("limit=100"),
        "{}",
        ongoing.url
    );
    assert!(
        ongoing.url.query().unwrap().contains("page=1"),
        "{}",
        ongoing.url
    );
}

#[tokio::test]
async fn a_lying_has_next_page_stops_on_the_empty_page() {
    let mock =
        EmablerMock::start_with(EmablerMockOptions::default().with_lying_has_next_page(true)).await;
    let c = client_with(&mock, evsessions_testkit::emabler::API_KEY, Some(4));
    let done = all_ok(&c, &SessionQuery::new().status(StatusFilter::Completed)).await;
    assert_eq!(ids(&done), COMPLETED.to_vec());
    // Pages 1-3 hold the data, page 4 is empty although page 3 said hasNextPage: then stop.
    assert_eq!(requests(&mock, "/v2/transactions").await.len(), 4);
    // Same in status all (ongoing list first, then the transactions).
    let all = all_ok(&c, &SessionQuery::new()).await;
    assert_eq!(all.len(), 12);
}

#[tokio::test]
async fn the_window_is_cut_exactly_whatever_the_server_does() {
    let mock = EmablerMock::start().await;
    let c = client(&mock);
    let edge = t("2025-03-05T00:00:00Z"); // 1048576008 starts exactly here

    // The server's bound is inclusive: it returns the session starting at `to` ...
    let mut body = emabler_client::TransactionsRequest::page(1, 100);
    body.start_time_search_end = Some(edge);
    let page = c.transactions(&body).await.unwrap();
    assert!(page.items.iter().any(|x| x.id == "1048576008"));
    // ... the stream does not.
    let before = all_ok(&c, &SessionQuery::new().to(edge)).await;
    assert!(before.iter().all(|s| s.id != "1048576008"));
    assert_eq!(
        ids(&before),
        vec![
            "1048576001",
            "1048576002",
            "1048576003",
            "1048576004",
            "1048576005",
            "1048576006",
            "1048576007"
        ]
    );
    // The request carried the window in UTC.
    let last = requests(&mock, "/v2/transactions").await.pop().unwrap();
    let b: serde_json::Value = last.body_json().unwrap();
    assert_eq!(b["startTimeSearchEnd"], "2025-03-05T00:00:00Z");
    assert!(b.get("startTime").is_none());

    // A session starting exactly at `from` is in.
    let after = all_ok(&c, &SessionQuery::new().from(edge)).await;
    assert!(after.iter().any(|s| s.id == "1048576008"));
    assert!(after.iter().all(|s| s.started_at.unwrap() >= edge));
    assert_eq!(after.len(), 5); // 08, 09, 11 and the two ongoing

    // +02:00: 12:00+02:00 is 10:00Z, in [10:00Z, 10:00:01Z).
    let q = SessionQuery::new()
        .from(t("2025-03-04T10:00:00Z"))
        .to(t("2025-03-04T10:00:01Z"));
    assert_eq!(ids(&all_ok(&c, &q).await), vec!["1048576005"]);
}

#[tokio::test]
async fn filters_reach_the_server_and_hold() {
    let mock = EmablerMock::start().await;
    let c = client(&mock);

    let got = all_ok(&c, &SessionQuery::new().charger("EMB_HKI_0001")).await;
    assert_eq!(ids(&got), vec!["1048576001", "1048576005"]);
    let last = requests(&mock, "/v2/transactions").await.pop().unwrap();
    assert_eq!(
        last.body_json::<serde_json::Value>().unwrap()["chargerIDs"],
        serde_json::json!(["EMB_HKI_0001"])
    );
    let on = requests(&mock, "/ongoing-transactions")
        .await
        .pop()
        .unwrap();
    assert!(
        on.url.query().unwrap().contains("chargerIds=EMB_HKI_0001"),
        "{}",
        on.url
    );

    // eMabler's "chargerId/socketId" form.
    let got = all_ok(&c, &SessionQuery::new().charger("EMB_HKI_0001/2")).await;
    assert_eq!(ids(&got), vec!["1048576005"]);

    // Sites: sent to /v2/transactions; the ongoing list is filtered by core.
    let got = all_ok(&c, &SessionQuery::new().site("4201")).await;
    assert_eq!(ids(&got), vec!["1032440107", "1048576008"]);
    let last = requests(&mock, "/v2/transactions").await.pop().unwrap();
    assert_eq!(
        last.body_json::<serde_json::Value>().unwrap()["siteIDs"],
        serde_json::json!(["4201"])
    );

    // Id tags likewise.
    let got = all_ok(&c, &SessionQuery::new().id_tag("04A1B2C3D4E5F6")).await;
    assert_eq!(ids(&got), vec!["1048576001", "1048576005", "1048576011"]);
    let last = requests(&mock, "/v2/transactions").await.pop().unwrap();
    assert_eq!(
        last.body_json::<serde_json::Value>().unwrap()["rfidTags"],
        serde_json::json!(["04A1B2C3D4E5F6"])
    );
}

#[tokio::test]
async fn a_bad_record_is_one_error_naming_record_and_field() {
    let mock = EmablerMock::start_with(EmablerMockOptions::default().with_bad_record(true)).await;
    let c = client(&mock);
    let (ok, errs) = collect(&c, &SessionQuery::new()).await;
    assert_eq!(ok.len(), 11);
    assert_eq!(errs.len(), 1);
    let msg = errs[0].to_string();
    assert!(
        msg.contains("1048576002") && msg.contains("fullConsumptionWh"),
        "{msg}"
    );
    match &errs[0] {
        evsessions_core::Error::Decode { record, path, .. } => {
            assert_eq!(record.as_deref(), Some("1048576002"));
            assert_eq!(path, "fullConsumptionWh");
        }
        other => panic!("{other:?}"),
    }
    // The typed call fails whole, with the same precision.
    let e = c
        .transactions(&emabler_client::TransactionsRequest::page(1, 4))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("fullConsumptionWh"), "{e}");
}

#[tokio::test]
async fn a_page_of_only_twins_does_not_end_the_walk() {
    use wiremock::matchers::{body_partial_json, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    let env = |page: u32, more: bool, items: serde_json::Value| {
        serde_json::json!({"page": page, "limit": 1, "totalRecords": 2, "hasNextPage": more,
            "hasPreviousPage": page > 1, "items": items})
    };
    Mock::given(method("GET"))
        .and(path("/api/v2/cpo/v2/ongoing-transactions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(env(
            1,
            false,
            // Here the ongoing id is the internal id (the other reading of the spec).
            serde_json::json!([{"transactionId": "77", "chargerId": "C1",
                "startTime": "2025-01-01T10:00:00Z"}]),
        )))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v2/cpo/v2/transactions"))
        .and(body_partial_json(serde_json::json!({"page": 1})))
        .respond_with(ResponseTemplate::new(200).set_body_json(env(
            1,
            true,
            serde_json::json!([{"id": 77, "chargerId": "C1", "evseTransactionId": "5",
                "timestampStart": "2025-01-01T10:00:00Z", "timestampEnd": null}]),
        )))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v2/cpo/v2/transactions"))
        .and(body_partial_json(serde_json::json!({"page": 2})))
        .respond_with(ResponseTemplate::new(200).set_body_json(env(
            2,
            false,
            serde_json::json!([{"id": 78, "chargerId": "C1",
                "timestampStart": "2025-01-01T08:00:00Z",
                "timestampEnd": "2025-01-01T09:00:00Z"}]),
        )))
        .mount(&server)
        .await;
    let config = emabler_client::Config::builder()
        .api_key("k")
        .base_url(format!("{}/api/v2/cpo", server.uri()))
        .http(evsessions_core::HttpConfig::for_tests())
        .page_size(1)
        .build()
        .unwrap();
    let c = emabler_client::Client::new(config).unwrap();
    let all = all_ok(&c, &SessionQuery::new()).await;
    assert_eq!(ids(&all), vec!["77", "78"]);
    assert_eq!(find(&all, "77").status, SessionStatus::Active);
    assert_eq!(
        find(&all, "77").raw.to_value().unwrap()["transactionId"],
        "77"
    );
    assert_eq!(find(&all, "78").status, SessionStatus::Completed);
}

#[tokio::test]
async fn a_server_without_the_ongoing_list_still_serves_all() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v2/cpo/v2/transactions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "page": 1, "limit": 1000, "totalRecords": 1, "hasNextPage": false,
            "hasPreviousPage": false,
            "items": [{"id": 9, "timestampStart": "2025-01-01T08:00:00Z",
                "timestampEnd": "2025-01-01T09:00:00Z", "fullConsumptionWh": 1500}]
        })))
        .mount(&server)
        .await;
    let config = emabler_client::Config::builder()
        .api_key("k")
        .base_url(format!("{}/api/v2/cpo", server.uri()))
        .http(evsessions_core::HttpConfig::for_tests())
        .build()
        .unwrap();
    let c = emabler_client::Client::new(config).unwrap();
    let all = all_ok(&c, &SessionQuery::new()).await;
    assert_eq!(ids(&all), vec!["9"]);
    assert_eq!(all[0].energy_kwh, Some(dec("1.5")));
    // Asking for active sessions alone is an error, not an empty answer.
    let (ok, errs) = collect(&c, &SessionQuery::new().status(StatusFilter::Active)).await;
    assert!(ok.is_empty());
    assert!(
        matches!(
            errs[..],
            [evsessions_core::Error::Api {
                status: Some(404),
                ..
            }]
        ),
        "{errs:?}"
    );
}
