//! Contract tests: the client against the CleverPower mock (fixtures), exact normalized values.

use std::str::FromStr;

use cleverpower_client::{Auth, Client, Config, ConfigBuilder, KIND};
use evsessions_core::serde_util::format_utc;
use evsessions_core::{
    AuthMethod, ChargingSession, Decimal, Error, HttpConfig, SessionQuery, SessionSourceExt,
    SessionStatus, StatusFilter,
};
use evsessions_testkit::cleverpower::{
    CleverPowerMock, CleverPowerMockOptions, BAD_RECORD_ID, TOKEN, UNKNOWN_CHARGE_ID,
};
use evsessions_testkit::{Fault, VendorMock};
use futures::StreamExt;
use serde_json::Value;

const A: &str = "PRG-0311-A";
const B: &str = "BRN-0702-B";
const C: &str = "OVA-0105-C";

fn builder(mock: &CleverPowerMock) -> ConfigBuilder {
    Config::builder()
        .base_url(mock.base_url())
        .bearer_token(TOKEN)
        .http(HttpConfig::for_tests())
}

fn client(mock: &CleverPowerMock) -> Client {
    Client::new(builder(mock).build().unwrap()).unwrap()
}

async fn collect(client: &Client, q: &SessionQuery) -> (Vec<ChargingSession>, Vec<Error>) {
    evsessions_testkit::collect(client, q).await
}

fn get<'a>(v: &'a [ChargingSession], id: &str) -> &'a ChargingSession {
    v.iter()
        .find(|s| s.id == id)
        .unwrap_or_else(|| panic!("no session {id}"))
}

fn t(x: Option<chrono::DateTime<chrono::Utc>>) -> Option<String> {
    x.map(|t| format_utc(&t))
}

fn d(s: &str) -> Option<Decimal> {
    Some(Decimal::from_str(s).unwrap())
}

fn fixture_tx(file: &str, id: u64) -> Value {
    let path = evsessions_testkit::fixtures_dir()
        .join("cleverpower")
        .join(file);
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v["NabijeciBodTransakces"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["Id"] == id)
        .unwrap()
        .clone()
}

async fn both_points() -> (CleverPowerMock, Vec<ChargingSession>) {
    let mock = CleverPowerMock::start().await;
    let (ok, errs) = collect(&client(&mock), &SessionQuery::new().charger(A).charger(B)).await;
    assert!(errs.is_empty(), "{errs:?}");
    (mock, ok)
}

#[tokio::test]
async fn every_session_of_both_points_once_in_order() {
    let (_mock, all) = both_points().await;
    let ids: Vec<&str> = all.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        ["880101", "880112", "880127", "880144", "990001", "990002", "990003", "990004"]
    );
    assert!(all.iter().all(|s| s.source == KIND));
}

#[tokio::test]
async fn summer_session_exact_values() {
    let (_mock, all) = both_points().await;
    let s = get(&all, "880101");
    assert_eq!(s.status, SessionStatus::Completed);
    assert_eq!(s.vendor_status, None);
    // 2024-05-13T17:05:44.207 in Prague is UTC+2 (summer time).
    assert_eq!(t(s.started_at).as_deref(), Some("2024-05-13T15:05:44.207Z"));
    assert_eq!(t(s.ended_at).as_deref(), Some("2024-05-13T17:31:10.500Z"));
    assert_eq!(s.energy_kwh, d("28.675"));
    let cost = s.cost.as_ref().unwrap();
    assert_eq!(cost.currency.as_deref(), Some("CZK"));
    assert_eq!(cost.total_excl_vat, d("236.98"));
    assert_eq!(cost.total_incl_vat, d("286.75"));
    assert_eq!(cost.vat_amount, d("49.77"));
    assert_eq!(cost.vat_percent, None);
    assert!(cost.components.is_empty());
    let auth = s.authorization.as_ref().unwrap();
    assert_eq!(auth.method, AuthMethod::Rfid);
    assert_eq!(auth.id_tag.as_deref(), Some("04A2B3C4D5E680"));
    assert_eq!(auth.user_id, None);
    assert_eq!(s.charger.id.as_deref(), Some(A));
    assert_eq!(s.charger.name.as_deref(), Some("PRG-0311-A"));
    assert_eq!(s.charger.evse_id.as_deref(), Some("CZ*XXX*E0001042*1"));
    assert_eq!(s.charger.connector_id.as_deref(), Some("2087"));
    assert_eq!(s.charger.max_power_kw, d("22"));
    assert_eq!(s.charger.connector_type, None, "FK only, no label: unknown");
    let site = s.site.as_ref().unwrap();
    assert_eq!(site.id.as_deref(), Some("311"));
    assert_eq!(site.name, None);
    assert_eq!(s.state_of_charge, None);
    assert_eq!(s.raw, fixture_tx("ocpp-PRG-0311-A.json", 880101).into());

    // The public JSON form keeps the exact decimals.
    let json = serde_json::to_string(s).unwrap();
    assert!(json.contains(r#""energy_kwh":28.675"#), "{json}");
    assert!(json.contains(r#""total_excl_vat":236.98"#), "{json}");
    assert!(json.contains(r#""total_incl_vat":286.75"#), "{json}");
    assert!(json.contains(r#""vat_amount":49.77"#), "{json}");
    assert!(
        json.contains(r#""started_at":"2024-05-13T15:05:44.207Z""#),
        "{json}"
    );
}

#[tokio::test]
async fn running_session_is_active() {
    let (_mock, all) = both_points().await;
    let s = get(&all, "880144");
    assert_eq!(s.status, SessionStatus::Active);
    assert_eq!(t(s.started_at).as_deref(), Some("2024-05-14T07:46:58.770Z"));
    assert_eq!(s.ended_at, None);
    assert_eq!(
        s.energy_kwh, None,
        "no SpotrebaKwh and no end meter: unknown"
    );
    assert_eq!(s.cost, None, "both prices null: no cost");
    let auth = s.authorization.as_ref().unwrap();
    assert_eq!(
        auth.method,
        AuthMethod::Other,
        "DIRECTPAY- is not documented"
    );
    assert_eq!(auth.id_tag.as_deref(), Some("DIRECTPAY-7C3D9E55"));
}

#[tokio::test]
async fn deleted_session_is_kept_as_invalid() {
    let (_mock, all) = both_points().await;
    let s = get(&all, "880127");
    assert_eq!(s.status, SessionStatus::Invalid);
    assert_eq!(s.raw.to_value().unwrap()["Smazano"], Value::Bool(true));
    // 7 and 6 fractional digits, zoneless, summer.
    assert_eq!(
        t(s.started_at).as_deref(),
        Some("2024-05-14T05:12:03.123456700Z")
    );
    assert_eq!(
        t(s.ended_at).as_deref(),
        Some("2024-05-14T05:20:41.123456Z")
    );
    assert_eq!(s.energy_kwh, d("0.412"));
    let cost = s.cost.as_ref().unwrap();
    assert_eq!(
        (cost.total_excl_vat, cost.total_incl_vat, cost.vat_amount),
        (d("3.4"), d("4.11"), d("0.71"))
    );
    // A status filter for completed sessions leaves it out; "all" keeps it.
    let mock = CleverPowerMock::start().await;
    let q = SessionQuery::new()
        .charger(A)
        .status(StatusFilter::Completed);
    let (ok, _) = collect(&client(&mock), &q).await;
    let ids: Vec<&str> = ok.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["880101", "880112"]);
}

#[tokio::test]
async fn energy_from_meter_readings_when_kwh_absent() {
    let (_mock, all) = both_points().await;
    let s = get(&all, "880112");
    assert!(s.raw.field("SpotrebaKwh").is_none());
    assert_eq!(s.energy_kwh, d("12.015"));
    assert_eq!(s.status, SessionStatus::Completed);
    // `Z` and `+02:00` forms.
    assert_eq!(t(s.started_at).as_deref(), Some("2024-05-14T02:30:00Z"));
    assert_eq!(t(s.ended_at).as_deref(), Some("2024-05-14T04:59:59.990Z"));
    // Only the price excl. VAT is known.
    let cost = s.cost.as_ref().unwrap();
    assert_eq!(cost.total_excl_vat, d("100"));
    assert_eq!(cost.total_incl_vat, None);
    assert_eq!(cost.vat_amount, None);
    assert_eq!(s.authorization, None, "IdTag null: no authorization");

    let s = get(&all, "990003");
    assert_eq!(s.raw.to_value().unwrap()["SpotrebaKwh"], Value::Null);
    assert_eq!(s.energy_kwh, d("13.2495"), "(101250.0 - 88000.5) / 1000");
}

#[tokio::test]
async fn winter_sessions_exact_values() {
    let (_mock, all) = both_points().await;
    let s = get(&all, "990001");
    // January: Prague is UTC+1. 0 and 1 fractional digits.
    assert_eq!(t(s.started_at).as_deref(), Some("2024-01-15T07:00:00Z"));
    assert_eq!(t(s.ended_at).as_deref(), Some("2024-01-15T07:41:07.800Z"));
    assert_eq!(s.energy_kwh, d("31.5"));
    let cost = s.cost.as_ref().unwrap();
    assert_eq!(
        (cost.total_excl_vat, cost.total_incl_vat, cost.vat_amount),
        (d("371.7"), d("449.76"), d("78.06"))
    );
    assert_eq!(s.authorization.as_ref().unwrap().method, AuthMethod::Rfid);
    assert_eq!(s.charger.id.as_deref(), Some(B));
    assert_eq!(s.charger.name.as_deref(), Some("BRN-0702-B"));
    assert_eq!(s.charger.evse_id.as_deref(), Some("CZ*XXX*E0002077*1"));
    assert_eq!(s.charger.connector_id.as_deref(), Some("4150"));
    assert_eq!(s.charger.max_power_kw, d("50"));
    assert_eq!(
        s.charger.connector_type.as_deref(),
        Some("IEC_62196_T2_COMBO"),
        "from the NabijeciBodKonektorTyp navigation object"
    );
    let site = s.site.as_ref().unwrap();
    assert_eq!(site.id.as_deref(), Some("702"));
    assert_eq!(site.name.as_deref(), Some("Brno – Hlavní nádraží P+R"));

    let s = get(&all, "990002");
    // 4 and 5 fractional digits.
    assert_eq!(
        t(s.started_at).as_deref(),
        Some("2024-01-20T17:45:12.123400Z")
    );
    assert_eq!(
        t(s.ended_at).as_deref(),
        Some("2024-01-20T18:30:00.123450Z")
    );
    assert_eq!(s.energy_kwh, d("18.25"));
    assert_eq!(s.authorization.as_ref().unwrap().method, AuthMethod::Rfid);

    let s = get(&all, "990003");
    // +01:00 and /Date(ms)/.
    assert_eq!(t(s.started_at).as_deref(), Some("2024-01-22T06:30:00Z"));
    assert_eq!(t(s.ended_at).as_deref(), Some("2024-01-22T07:15:30.500Z"));
    assert_eq!(s.cost, None);
    let auth = s.authorization.as_ref().unwrap();
    assert_eq!(
        (auth.method, auth.id_tag.as_deref()),
        (AuthMethod::Other, Some("FLEET-00017"))
    );

    let s = get(&all, "990004");
    // /Date(ms+0100)/ (the suffix does not move the instant) and 2 fractional digits.
    assert_eq!(t(s.started_at).as_deref(), Some("2024-02-01T09:00:00Z"));
    assert_eq!(t(s.ended_at).as_deref(), Some("2024-02-01T09:45:00.250Z"));
    assert_eq!(s.energy_kwh, d("19.8"));
    let cost = s.cost.as_ref().unwrap();
    assert_eq!(
        (cost.total_excl_vat, cost.total_incl_vat, cost.vat_amount),
        (d("0"), d("0"), d("0")),
        "a free session has a zero cost, not no cost"
    );
    assert_eq!(s.authorization, None, "IdTag \"\" is absent");
}

#[tokio::test]
async fn unknown_charge_id_is_one_not_found_and_the_walk_goes_on() {
    let mock = CleverPowerMock::start().await;
    let c = client(&mock);
    let q = SessionQuery::new()
        .charger(A)
        .charger(UNKNOWN_CHARGE_ID)
        .charger(B);
    let mut items = Vec::new();
    let mut s = c.sessions(&q);
    while let Some(item) = s.next().await {
        items.push(item);
    }
    assert_eq!(items.len(), 9);
    let errs: Vec<&Error> = items.iter().filter_map(|i| i.as_ref().err()).collect();
    assert_eq!(errs.len(), 1, "{errs:?}");
    match errs[0] {
        Error::NotFound { vendor, what } => {
            assert_eq!(*vendor, KIND);
            assert!(what.contains(UNKNOWN_CHARGE_ID), "{what}");
        }
        other => panic!("{other:?}"),
    }
    assert!(errs[0].to_string().contains(UNKNOWN_CHARGE_ID));
    assert!(
        items[4].is_err(),
        "the error comes in place, between the points"
    );
    let ok: Vec<&str> = items
        .iter()
        .filter_map(|i| i.as_ref().ok())
        .map(|s| s.id.as_str())
        .collect();
    assert_eq!(ok.len(), 8);
    assert!(
        ok.contains(&"990004"),
        "the point after the unknown one is read"
    );

    // The typed call alone.
    let e = c.charging_point(UNKNOWN_CHARGE_ID, None).await.unwrap_err();
    assert!(matches!(e, Error::NotFound { .. }), "{e:?}");
    // An unknown id the fixture does not name gets the same treatment.
    let e = c.charging_point("XYZ", Some(1)).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "cleverpower: charging point for charge id \"XYZ\" (connector 1) was not found; check the id"
    );
}

#[tokio::test]
async fn a_point_without_sessions_does_not_end_the_walk() {
    let mock = CleverPowerMock::start().await;
    let (ok, errs) = collect(
        &client(&mock),
        &SessionQuery::new()
            .charger(C)
            .charger(A)
            .charger(C)
            .charger(B),
    )
    .await;
    assert!(errs.is_empty(), "{errs:?}");
    assert_eq!(ok.len(), 8);
    let point = client(&mock).charging_point(C, None).await.unwrap();
    assert!(
        point.transactions.is_empty(),
        "null collection reads as empty"
    );
    assert_eq!(point.code.as_deref(), Some("OVA-0105-C"));
}

#[tokio::test]
async fn scope_comes_from_the_query_or_the_defaults() {
    let mock = CleverPowerMock::start().await;
    let e = client(&mock)
        .fetch_page_for_test(&SessionQuery::new())
        .await
        .unwrap_err();
    match &e {
        Error::UnsupportedQuery { message, .. } => {
            assert!(message.contains("--charger"), "{message}");
            assert!(message.contains("CLEVERPOWER_CHARGE_IDS"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    // Defaults from the builder …
    let c = Client::new(builder(&mock).charge_ids([B]).build().unwrap()).unwrap();
    let (ok, _) = collect(&c, &SessionQuery::new()).await;
    assert_eq!(ok.len(), 4);
    // … or from the client; the query wins over them.
    let c = client(&mock).with_default_charge_ids(vec![A.into(), " ".into()]);
    assert_eq!(c.config().charge_ids(), [A]);
    let (ok, _) = collect(&c, &SessionQuery::new()).await;
    assert_eq!(ok.len(), 4);
    assert!(ok.iter().all(|s| s.id.starts_with("880")));
    let (ok, _) = collect(&c, &SessionQuery::new().charger(B)).await;
    assert!(ok.iter().all(|s| s.id.starts_with("990")));
    // Other filters (site, id tag) are applied by core on the normalized records.
    let (ok, _) = collect(
        &c,
        &SessionQuery::new()
            .charger(B)
            .site("702")
            .id_tag("A1B2C3D4"),
    )
    .await;
    assert_eq!(ok.len(), 1);
    assert_eq!(ok[0].id, "990001");
}

trait FetchFirst {
    async fn fetch_page_for_test(&self, q: &SessionQuery) -> evsessions_core::Result<usize>;
}
impl FetchFirst for Client {
    async fn fetch_page_for_test(&self, q: &SessionQuery) -> evsessions_core::Result<usize> {
        use evsessions_core::SessionSource;
        self.fetch_page(q, None).await.map(|p| p.records.len())
    }
}

#[tokio::test]
async fn request_shape_post_without_body_with_connector_id() {
    let mock = CleverPowerMock::start().await;
    client(&mock).charging_point(A, None).await.unwrap();
    let c = Client::new(builder(&mock).connector_id(2).build().unwrap()).unwrap();
    let (ok, _) = collect(&c, &SessionQuery::new().charger(A)).await;
    assert!(ok
        .iter()
        .all(|s| s.charger.connector_id.as_deref() == Some("2")));

    let reqs = mock.server().received_requests().await.unwrap();
    let ocpp: Vec<_> = reqs
        .iter()
        .filter(|r| r.url.path() == "/api/Ocpp")
        .collect();
    assert_eq!(ocpp.len(), 2);
    for (r, connector) in ocpp.iter().zip(["0", "2"]) {
        assert_eq!(r.method.as_str(), "POST");
        assert!(r.body.is_empty());
        assert_eq!(r.headers.get_all("content-length").iter().count(), 1);
        assert_eq!(
            r.headers.get("content-length").map(|v| v.to_str().unwrap()),
            Some("0")
        );
        assert_eq!(
            r.headers.get("authorization").unwrap().to_str().unwrap(),
            format!("Bearer {TOKEN}")
        );
        assert_eq!(
            r.headers.get("accept").unwrap().to_str().unwrap(),
            "application/json"
        );
        let q: Vec<(String, String)> = r.url.query_pairs().into_owned().collect();
        assert_eq!(
            q,
            [
                ("chargeId".to_string(), A.to_string()),
                ("connectorId".to_string(), connector.to_string())
            ]
        );
    }
}

#[tokio::test]
async fn charge_ids_are_query_encoded() {
    let mock = CleverPowerMock::start().await;
    let e = client(&mock)
        .charging_point("A&connectorId=9 #x", None)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::NotFound { .. }), "{e:?}");
    let reqs = mock.server().received_requests().await.unwrap();
    let q: Vec<(String, String)> = reqs[0].url.query_pairs().into_owned().collect();
    assert_eq!(q[0].1, "A&connectorId=9 #x");
    assert_eq!(q.len(), 2);
}

#[tokio::test]
async fn authentication_failures() {
    let mock = CleverPowerMock::start().await;
    for auth in [
        Auth::bearer("wrong"),
        Auth::None,
        Auth::header("X-Api-Key", TOKEN),
    ] {
        let c = Client::new(builder(&mock).auth(auth).build().unwrap()).unwrap();
        let (ok, errs) = collect(&c, &SessionQuery::new().charger(A).charger(B)).await;
        assert!(ok.is_empty());
        assert_eq!(errs.len(), 1, "401 ends the walk: {errs:?}");
        match &errs[0] {
            Error::Unauthenticated { reason, .. } => assert_eq!(
                reason.as_deref(),
                Some("Authorization has been denied for this request.")
            ),
            other => panic!("{other:?}"),
        }
    }
    // A mock without auth accepts a client without auth.
    let open =
        CleverPowerMock::start_with(CleverPowerMockOptions::default().with_require_auth(false))
            .await;
    let c = Client::new(
        Config::builder()
            .base_url(open.base_url())
            .http(HttpConfig::for_tests())
            .build()
            .unwrap(),
    )
    .unwrap();
    let (ok, errs) = collect(&c, &SessionQuery::new().charger(A)).await;
    assert!(errs.is_empty());
    assert_eq!(ok.len(), 4);
    let reqs = open.server().received_requests().await.unwrap();
    assert!(reqs[0].headers.get("authorization").is_none());
}

#[tokio::test]
async fn named_header_auth_is_sent() {
    use wiremock::matchers::{header, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/Ocpp"))
        .and(header("X-Api-Key", "k-123"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            br#"{"Id":1,"Kod":"K","NabijeciBodTransakces":[{"Id":7,"DatumZahajeni":"2024-01-02T03:04:05"}]}"#.to_vec(),
            "application/json",
        ))
        .mount(&server)
        .await;
    let c = Client::new(
        Config::builder()
            .base_url(server.uri())
            .auth(Auth::header("X-Api-Key", "k-123"))
            .http(HttpConfig::for_tests())
            .build()
            .unwrap(),
    )
    .unwrap();
    let (ok, errs) = collect(&c, &SessionQuery::new().charger("K1")).await;
    assert!(errs.is_empty(), "{errs:?}");
    assert_eq!(ok.len(), 1);
    assert_eq!(t(ok[0].started_at).as_deref(), Some("2024-01-02T02:04:05Z"));
    assert_eq!(ok[0].status, SessionStatus::Active);
    assert!(!format!("{c:?}").contains("k-123"));
}

#[tokio::test]
async fn secrets_never_in_debug_or_errors() {
    let mock = CleverPowerMock::start().await;
    let c = client(&mock);
    let dbg = format!("{c:?} {:?}", c.config());
    assert!(!dbg.contains(TOKEN), "{dbg}");
    assert!(dbg.contains("REDACTED"), "{dbg}");
    // Errors from a server that echoes the request do not carry the token either.
    let c = Client::new(
        builder(&mock)
            .base_url(format!("{}/wrong", mock.base_url()))
            .build()
            .unwrap(),
    )
    .unwrap();
    let e = c.charging_point(A, None).await.unwrap_err();
    assert!(!e.to_string().contains(TOKEN), "{e}");
    assert!(!format!("{e:?}").contains(TOKEN), "{e:?}");
}

#[tokio::test]
async fn wrong_base_url_is_an_api_error_not_an_unknown_id() {
    let mock = CleverPowerMock::start().await;
    let c = Client::new(
        builder(&mock)
            .base_url(format!("{}/wrong/", mock.base_url()))
            .build()
            .unwrap(),
    )
    .unwrap();
    let (ok, errs) = collect(&c, &SessionQuery::new().charger(A).charger(B)).await;
    assert!(ok.is_empty());
    assert_eq!(errs.len(), 1, "a wrong base URL ends the walk: {errs:?}");
    match &errs[0] {
        Error::Api {
            status, message, ..
        } => {
            assert_eq!(*status, Some(404));
            let m = message.as_deref().unwrap();
            assert!(m.starts_with("No HTTP resource was found"), "{m}");
            assert!(m.contains("check the base URL"), "{m}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn asp_net_error_bodies_are_parsed() {
    let mock = CleverPowerMock::start().await;
    let body = r#"{"Message":"An error has occurred.","ExceptionMessage":"Timeout expired.","ExceptionType":"System.Data.SqlClient.SqlException","StackTrace":"   at ..."}"#;
    mock.inject(Fault::status(500).body(body), 10).await;
    let (ok, errs) = collect(&client(&mock), &SessionQuery::new().charger(A).charger(B)).await;
    assert!(ok.is_empty());
    assert_eq!(errs.len(), 1, "a server error after retries ends the walk");
    match &errs[0] {
        Error::Api {
            status,
            code,
            message,
            endpoint,
            ..
        } => {
            assert_eq!(*status, Some(500));
            assert_eq!(endpoint, "POST api/Ocpp");
            assert_eq!(code.as_deref(), Some("System.Data.SqlClient.SqlException"));
            assert_eq!(
                message.as_deref(),
                Some("An error has occurred. — Timeout expired.")
            );
        }
        other => panic!("{other:?}"),
    }
    // 4 attempts (1 + 3 retries) were made.
    let n = mock.server().received_requests().await.unwrap().len();
    assert_eq!(n, 4);
}

#[tokio::test]
async fn a_400_concerns_that_charge_id_only() {
    use wiremock::matchers::{method, path, query_param};
    use wiremock::{Mock, ResponseTemplate};
    let mock = CleverPowerMock::start().await;
    Mock::given(method("POST"))
        .and(path("/api/Ocpp"))
        .and(query_param("chargeId", "BAD ID"))
        .respond_with(ResponseTemplate::new(400).set_body_raw(
            br#"{"Message":"The request is invalid.","MessageDetail":"chargeId contains invalid characters."}"#.to_vec(),
            "application/json",
        ))
        .with_priority(1)
        .mount(mock.server())
        .await;
    let (ok, errs) = collect(
        &client(&mock),
        &SessionQuery::new().charger("BAD ID").charger(B),
    )
    .await;
    assert_eq!(ok.len(), 4);
    assert_eq!(errs.len(), 1);
    match &errs[0] {
        Error::Api {
            status, message, ..
        } => {
            assert_eq!(*status, Some(400));
            assert_eq!(
                message.as_deref(),
                Some("The request is invalid. — chargeId contains invalid characters.")
            );
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn null_entity_is_not_found() {
    use wiremock::matchers::method;
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(b"null".to_vec(), "application/json"))
        .mount(&server)
        .await;
    let c = Client::new(
        Config::builder()
            .base_url(server.uri())
            .http(HttpConfig::for_tests())
            .build()
            .unwrap(),
    )
    .unwrap();
    let e = c.charging_point("GHOST", None).await.unwrap_err();
    match e {
        Error::NotFound { what, .. } => assert!(what.contains("GHOST"), "{what}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn retries_then_success() {
    let mock = CleverPowerMock::start().await;
    mock.inject(Fault::status(503).retry_after("1"), 2).await;
    let (ok, errs) = collect(&client(&mock), &SessionQuery::new().charger(A).charger(B)).await;
    assert!(errs.is_empty(), "{errs:?}");
    assert_eq!(ok.len(), 8);
    mock.inject(Fault::Truncated, 1).await;
    let (ok, errs) = collect(&client(&mock), &SessionQuery::new().charger(A).charger(B)).await;
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(
        matches!(errs[0], Error::Decode { record: None, .. }),
        "{:?}",
        errs[0]
    );
    assert_eq!(
        ok.len(),
        4,
        "a point that cannot be decoded is skipped, the next one read"
    );
}

#[tokio::test]
async fn bad_record_is_one_error_naming_record_and_field() {
    let mock =
        CleverPowerMock::start_with(CleverPowerMockOptions::default().with_bad_record(true)).await;
    let (ok, errs) = collect(&client(&mock), &SessionQuery::new().charger(A).charger(B)).await;
    assert_eq!(ok.len(), 7);
    assert_eq!(errs.len(), 1);
    match &errs[0] {
        Error::Decode { record, path, .. } => {
            assert_eq!(record.as_deref(), Some(BAD_RECORD_ID));
            assert_eq!(path, "SpotrebaKwh");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn settings_zone_and_currency() {
    let mock = CleverPowerMock::start().await;
    let c = Client::new(
        builder(&mock)
            .time_zone(evsessions_core::chrono_tz::Europe::London)
            .currency("eur")
            .build()
            .unwrap(),
    )
    .unwrap();
    let (ok, _) = collect(&c, &SessionQuery::new().charger(A).charger(B)).await;
    let s = get(&ok, "880101");
    assert_eq!(t(s.started_at).as_deref(), Some("2024-05-13T16:05:44.207Z"));
    assert_eq!(s.cost.as_ref().unwrap().currency.as_deref(), Some("EUR"));
    // Times with a zone or /Date()/ do not depend on the setting.
    assert_eq!(
        t(get(&ok, "880112").started_at).as_deref(),
        Some("2024-05-14T02:30:00Z")
    );
    assert_eq!(
        t(get(&ok, "990003").ended_at).as_deref(),
        Some("2024-01-22T07:15:30.500Z")
    );
    // January in London is UTC+0.
    assert_eq!(
        t(get(&ok, "990001").started_at).as_deref(),
        Some("2024-01-15T08:00:00Z")
    );
}

#[tokio::test]
async fn window_filter_on_converted_times() {
    let mock = CleverPowerMock::start().await;
    // [2024-05-13T15:05:44.207Z, 2024-05-14T05:12:03.1234567Z): the summer start is in,
    // the deleted session starting exactly at `to` is out.
    let q = SessionQuery::new()
        .charger(A)
        .charger(B)
        .from("2024-05-13T15:05:44.207Z".parse().unwrap())
        .to("2024-05-14T05:12:03.1234567Z".parse().unwrap());
    let (ok, _) = collect(&client(&mock), &q).await;
    let ids: Vec<&str> = ok.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["880101", "880112"]);
}

#[tokio::test]
async fn v1_transaction_typed() {
    let mock = CleverPowerMock::start().await;
    let c = client(&mock);
    let tx = c.transaction(880101).await.unwrap();
    assert_eq!(tx.id.as_deref(), Some("880101"));
    assert_eq!(tx.is_settled, Some(true));
    assert_eq!(tx.number.as_deref(), Some("2024-0513-000881"));
    assert_eq!(tx.evse_id.as_deref(), Some("CZ*XXX*E0001042*1"));
    assert_eq!(tx.rfid_printed_number.as_deref(), Some("0004521877"));
    assert_eq!(
        tx.session_id.as_deref(),
        Some("0f8e2c1a-5b7d-4c39-9a61-2d4e8b7f0c11")
    );
    assert_eq!(tx.price, d("236.98"));
    assert_eq!(tx.price_with_vat, d("286.75"));
    assert_eq!(tx.price_charging, d("221.98"));
    assert_eq!(tx.price_one_time_fee, d("15"));
    assert_eq!(tx.price_charging_with_vat, d("268.6"));
    assert_eq!(tx.price_one_time_fee_with_vat, d("18.15"));
    assert_eq!(tx.price_charging_unit_of_measure, d("7.7413"));
    assert_eq!(tx.price_charging_with_vat_unit_of_measure, d("9.367"));
    assert_eq!(tx.price_other_with_vat_unit_of_measure, d("0"));
    assert_eq!(
        tx.price_charging.unwrap() + tx.price_one_time_fee.unwrap(),
        tx.price.unwrap()
    );
    let round = tx.round.as_ref().unwrap();
    assert_eq!(
        (
            round.id.as_deref(),
            round.code.as_deref(),
            round.name.as_deref()
        ),
        (Some("1"), Some("R1"), Some("Standard"))
    );
    let tc = tx.type_charging.as_ref().unwrap();
    assert_eq!(tc.name.as_deref(), Some("RFID karta"));
    assert_eq!(tc.other.get("sort"), Some(&serde_json::json!(20)));
    assert!(tx.other.is_empty(), "{:?}", tx.other);

    let e = c.transaction(7).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "cleverpower: transaction 7 was not found; check the id"
    );
}

#[tokio::test]
async fn v1_charging_point_by_code_typed() {
    let mock = CleverPowerMock::start().await;
    let c = client(&mock);
    let cp = c
        .charging_point_by_code("CZ*XXX*E0001042*1", Some("s-1"))
        .await
        .unwrap();
    assert_eq!(cp.id.as_deref(), Some("1042"));
    assert_eq!(cp.id_transaction.as_deref(), Some("880144"));
    assert_eq!(cp.code.as_deref(), Some("PRG-0311-A"));
    assert_eq!(cp.still_continues, Some(true));
    assert_eq!(cp.output_power_available_max, d("22"));
    assert_eq!(cp.rated_power, d("22"));
    assert_eq!(cp.output_current, d("31.4"));
    assert_eq!(cp.percent, d("35"));
    assert_eq!(
        cp.connector.as_ref().unwrap().name.as_deref(),
        Some("Type 2")
    );
    assert_eq!(
        cp.charging_station.as_ref().unwrap().id.as_deref(),
        Some("311")
    );
    let products = cp.products.as_ref().unwrap();
    assert_eq!(products.len(), 1);
    assert_eq!(products[0].blocking_value, d("500"));
    assert_eq!(products[0].reservation_time, Some(60));
    assert_eq!(products[0].id_product.as_deref(), Some("12"));
    let start = cp
        .charging_start
        .as_ref()
        .unwrap()
        .to_utc(c.config().time_zone())
        .unwrap();
    assert_eq!(t(start).as_deref(), Some("2024-05-14T07:46:58.770Z"));
    assert_eq!(cp.address.as_ref().unwrap()["city"], "Praha 3");

    let reqs = mock.server().received_requests().await.unwrap();
    assert_eq!(
        reqs[0].url.path(),
        "/api/v1/charging_points/by_code/CZ*XXX*E0001042*1"
    );
    assert_eq!(reqs[0].url.query(), Some("session_id=s-1"));

    let e = c
        .charging_point_by_code("CZ*XXX*E9*1", None)
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "cleverpower: charging point with EVSE ID \"CZ*XXX*E9*1\" was not found; check the id"
    );
}
