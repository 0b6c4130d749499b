//! Contract tests against the mock platform: discovery, auth, and every record's exact values.

use evsessions_core::{AuthMethod, CostKind, Error, SessionQuery, SessionStatus, StatusFilter};
use evsessions_testkit::ocpi::{OcpiMock, OcpiMockOptions, TOKEN, TOKEN_BASE64};
use evsessions_testkit::VendorMock;

mod common;
use common::{client, client_with, d, find, read, received, t};

#[tokio::test]
async fn every_charging_session_is_one_record_with_exact_values() {
    let mock = OcpiMock::start().await;
    let (records, errors) = read(&client(&mock), &SessionQuery::new()).await;
    assert!(errors.is_empty(), "{errors:?}");
    let ids: Vec<&str> = records.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "S-1001", "S-1002", "C-1003", "S-1004", "S-1005", "S-0999", "S-2001", "S-2002",
            "S-2003"
        ]
    );

    // A CDR and its Session: the CDR's values, both objects in raw.
    let s = find(&records, "S-1001");
    assert_eq!(s.source.as_str(), "ocpi");
    assert_eq!(s.status, SessionStatus::Completed);
    assert_eq!(s.vendor_status, None);
    assert_eq!(s.started_at, Some(t("2025-03-03T07:12:00Z")));
    assert_eq!(s.ended_at, Some(t("2025-03-03T09:02:30Z")));
    assert_eq!(s.energy_kwh, Some(d("18.427")));
    assert_eq!(s.charger.id.as_deref(), Some("EVSE-GENT-01-1"));
    assert_eq!(s.charger.evse_id.as_deref(), Some("BE*EVC*E1001*1"));
    assert_eq!(s.charger.connector_id.as_deref(), Some("1"));
    assert_eq!(s.charger.connector_type.as_deref(), Some("IEC_62196_T2"));
    let site = s.site.as_ref().unwrap();
    assert_eq!(site.id.as_deref(), Some("LOC-GENT-01"));
    assert_eq!(site.name.as_deref(), Some("Gent Dok Noord"));
    assert_eq!(site.address.as_deref(), Some("Dok Noord 7"));
    assert_eq!(site.latitude, Some(d("51.067413")));
    assert_eq!(site.longitude, Some(d("3.732158")));
    let auth = s.authorization.as_ref().unwrap();
    assert_eq!(auth.method, AuthMethod::Rfid);
    assert_eq!(auth.id_tag.as_deref(), Some("047A3F21B9C180"));
    assert_eq!(auth.user_id.as_deref(), Some("BE-MSP-C00012345-6"));
    let cost = s.cost.as_ref().unwrap();
    assert_eq!(cost.currency.as_deref(), Some("EUR"));
    assert_eq!(cost.total_excl_vat, Some(d("6.4495")));
    assert_eq!(cost.total_incl_vat, Some(d("7.8039")));
    assert_eq!(cost.vat_amount, None);
    assert_eq!(cost.components.len(), 2);
    let energy = &cost.components[0];
    assert_eq!(energy.kind, CostKind::Energy);
    assert_eq!(energy.name.as_deref(), Some("total_energy_cost"));
    assert_eq!(
        (energy.amount_excl_vat, energy.amount_incl_vat),
        (Some(d("5.897")), Some(d("7.1354")))
    );
    assert_eq!(
        (energy.quantity, energy.unit.as_deref()),
        (Some(d("18.427")), Some("kWh"))
    );
    let flat = &cost.components[1];
    assert_eq!(flat.kind, CostKind::Flat);
    assert_eq!(
        (flat.amount_excl_vat, flat.amount_incl_vat),
        (Some(d("0.5525")), Some(d("0.6685")))
    );
    let raw: serde_json::Value = s.raw.to_value().unwrap();
    assert_eq!(raw["session"]["id"], "S-1001");
    assert_eq!(raw["session"]["status"], "COMPLETED");
    assert_eq!(raw["cdrs"][0]["id"], "C-1001");
    assert_eq!(raw["cdrs"][0]["meter_id"], "MTR-GENT-01-A");
    assert_eq!(ocpi_client::cdr_ids(s), ["C-1001"]);

    // Times without `Z` are UTC; a DC CCS cable; an app user started by command.
    let s = find(&records, "S-1002");
    assert_eq!(s.started_at, Some(t("2025-03-04T17:40:00Z")));
    assert_eq!(s.ended_at, Some(t("2025-03-04T18:25:00Z")));
    assert_eq!(s.energy_kwh, Some(d("31.2")));
    assert_eq!(
        s.charger.connector_type.as_deref(),
        Some("IEC_62196_T2_COMBO")
    );
    assert_eq!(s.authorization.as_ref().unwrap().method, AuthMethod::App);
    let cost = s.cost.as_ref().unwrap();
    assert_eq!(cost.total_incl_vat, Some(d("16.9884")));
    let time = &cost.components[1];
    assert_eq!(time.kind, CostKind::Time);
    assert_eq!(
        (time.quantity, time.unit.as_deref()),
        (Some(d("0.75")), Some("h"))
    );
    assert_eq!(time.amount_excl_vat, Some(d("1.56")));
    // One CDR alone: raw is that CDR as received.
    assert_eq!(s.raw.to_value().unwrap()["id"], "C-1002");
    assert_eq!(ocpi_client::cdr_ids(s), ["C-1002"]);

    // No `session_id`: the record's id is the CDR's; parking priced with its hours.
    let s = find(&records, "C-1003");
    assert_eq!(s.status, SessionStatus::Completed);
    assert_eq!(s.authorization.as_ref().unwrap().method, AuthMethod::Other);
    let parking = &s.cost.as_ref().unwrap().components[1];
    assert_eq!(parking.kind, CostKind::Parking);
    assert_eq!(
        (parking.quantity, parking.unit.as_deref()),
        (Some(d("5.5")), Some("h"))
    );
    assert_eq!(
        (parking.amount_excl_vat, parking.amount_incl_vat),
        (Some(d("2.75")), Some(d("3.3275")))
    );

    // Credited and replaced: the replacement's values, the three CDRs in raw.
    let s = find(&records, "S-1004");
    assert_eq!(s.status, SessionStatus::Completed);
    let cost = s.cost.as_ref().unwrap();
    assert_eq!(
        (cost.total_excl_vat, cost.total_incl_vat),
        (Some(d("4.5")), Some(d("5.445")))
    );
    assert_eq!(
        s.vendor_status.as_deref(),
        Some("COMPLETED (CDR C-1004-2; CDR C-1004 credited by C-1004-C)")
    );
    assert_eq!(ocpi_client::cdr_ids(s), ["C-1004", "C-1004-C", "C-1004-2"]);

    // Credited, no replacement: kept, invalid, the credited CDR's values.
    let s = find(&records, "S-1005");
    assert_eq!(s.status, SessionStatus::Invalid);
    assert_eq!(
        s.vendor_status.as_deref(),
        Some("CREDITED (CDR C-1005 credited by C-1005-C)")
    );
    assert_eq!(s.cost.as_ref().unwrap().total_excl_vat, Some(d("9")));
    assert_eq!(s.energy_kwh, Some(d("20")));

    // A credit of a CDR not in the listing: kept, invalid, flagged, the credit's own values.
    let s = find(&records, "S-0999");
    assert_eq!(s.status, SessionStatus::Invalid);
    assert_eq!(
        s.vendor_status.as_deref(),
        Some("CREDITED (credit CDR C-0999-C of CDR C-0999, which this listing does not hold)")
    );
    assert_eq!(s.cost.as_ref().unwrap().total_excl_vat, Some(d("-3.75")));
    assert_eq!(s.started_at, Some(t("2025-02-20T12:00:00Z")));

    // Sessions by their status.
    let s = find(&records, "S-2001");
    assert_eq!(
        (s.status, s.vendor_status.as_deref()),
        (SessionStatus::Active, Some("ACTIVE"))
    );
    assert_eq!(s.energy_kwh, Some(d("7.25")));
    assert_eq!(s.ended_at, None);
    assert_eq!(s.site.as_ref().unwrap().id.as_deref(), Some("LOC-E40-02"));
    assert_eq!(s.charger.id.as_deref(), Some("EVSE-E40-02-3"));
    assert_eq!(s.charger.connector_id.as_deref(), Some("2"));
    let cost = s.cost.as_ref().unwrap();
    assert_eq!(
        (cost.total_excl_vat, cost.total_incl_vat),
        (Some(d("2.175")), Some(d("2.6318")))
    );
    assert!(cost.components.is_empty());
    assert_eq!(ocpi_client::cdr_ids(s), Vec::<String>::new());
    let s = find(&records, "S-2002");
    assert_eq!(s.status, SessionStatus::Pending);
    assert_eq!(s.started_at, Some(t("2025-03-06T09:00:00Z")));
    assert_eq!(s.energy_kwh, Some(d("0")));
    assert_eq!(s.cost, None);
    let s = find(&records, "S-2003");
    assert_eq!(s.status, SessionStatus::Reservation);
    assert_eq!(
        (s.charger.id.as_deref(), s.charger.connector_id.as_deref()),
        (None, None)
    );
}

#[tokio::test]
async fn discovery_reads_the_sender_modules_of_2_2_1_with_the_base64_token() {
    let mock = OcpiMock::start().await;
    let c = client(&mock);
    let found = c.discover().await.unwrap().clone();
    assert_eq!(found.version, "2.2.1");
    assert_eq!(found.offered, ["2.1.1", "2.2.1"]);
    assert_eq!(found.cdrs_url.unwrap().as_str(), mock.cdrs_url());
    assert_eq!(found.sessions_url.unwrap().as_str(), mock.sessions_url());
    let (records, _) = read(&c, &SessionQuery::new()).await;
    assert_eq!(records.len(), 9);
    let requests = mock.server().received_requests().await.unwrap();
    // Discovery once (2 calls), then cdrs in 3 pages of X-Limit 3, sessions in 2.
    let paths = received(&mock).await;
    assert_eq!(paths.len(), 7, "{paths:?}");
    assert_eq!(paths[0], "/ocpi/versions");
    assert_eq!(paths[1], "/ocpi/2.2.1");
    assert_eq!(paths[2], "/ocpi/cpo/2.2.1/cdrs?limit=100");
    assert_eq!(paths[3], "/ocpi/cpo/2.2.1/cdrs?offset=3&limit=3");
    assert_eq!(
        paths[5],
        "/ocpi/cpo/2.2.1/sessions?date_from=1970-01-01T00%3A00%3A00Z&limit=100"
    );
    assert!(
        paths.iter().all(|p| !p.contains("/emsp/")),
        "the RECEIVER module is never read"
    );
    for r in &requests {
        assert_eq!(
            r.headers.get("authorization").unwrap().to_str().unwrap(),
            format!("Token {TOKEN_BASE64}")
        );
    }
}

#[tokio::test]
async fn a_window_sends_date_from_and_cuts_on_the_start_exactly() {
    let mock = OcpiMock::start().await;
    let c = client(&mock);
    let q = SessionQuery::new()
        .from(t("2025-03-05T15:00:00Z"))
        .to(t("2025-03-06T09:00:00Z"));
    let (records, errors) = read(&c, &q).await;
    assert!(errors.is_empty(), "{errors:?}");
    let ids: Vec<&str> = records.iter().map(|s| s.id.as_str()).collect();
    // S-1004 starts exactly at `from` (in); S-2002 exactly at `to` (out); S-0999's credit is
    // updated in the window but the session started before it (out).
    assert_eq!(ids, ["S-1004", "S-1005", "S-2001"]);
    let paths = received(&mock).await;
    assert_eq!(
        paths[2],
        "/ocpi/cpo/2.2.1/cdrs?date_from=2025-03-05T15%3A00%3A00Z&limit=100"
    );
    assert!(paths.iter().all(|p| !p.contains("date_to")), "{paths:?}");
}

#[tokio::test]
async fn status_active_reads_the_sessions_module_only() {
    let mock = OcpiMock::start().await;
    let (records, errors) = read(
        &client(&mock),
        &SessionQuery::new().status(StatusFilter::Active),
    )
    .await;
    assert!(errors.is_empty(), "{errors:?}");
    let ids: Vec<&str> = records.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["S-2001", "S-2002"]);
    assert!(received(&mock).await.iter().all(|p| !p.contains("cdrs")));
}

#[tokio::test]
async fn a_platform_with_only_2_1_1_is_read_as_2_1_1_with_the_raw_token() {
    let mock = OcpiMock::start_with(OcpiMockOptions::default().with_versions(&["2.1.1"])).await;
    let c = client(&mock);
    let (records, errors) = read(&c, &SessionQuery::new()).await;
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(records.len(), 9);
    assert_eq!(c.discover().await.unwrap().version, "2.1.1");
    let requests = mock.server().received_requests().await.unwrap();
    let auth: Vec<String> = requests
        .iter()
        .map(|r| {
            r.headers
                .get("authorization")
                .unwrap()
                .to_str()
                .unwrap()
                .to_string()
        })
        .collect();
    // The versions call as 2.2.1 writes the token, then the raw token.
    assert_eq!(auth[0], format!("Token {TOKEN_BASE64}"));
    assert!(
        auth[1..].iter().all(|a| *a == format!("Token {TOKEN}")),
        "{auth:?}"
    );
    assert_eq!(requests[2].url.path(), "/ocpi/cpo/2.1.1/cdrs");
}

#[tokio::test]
async fn a_platform_without_2_2_1_or_2_1_1_is_an_unsupported_query_naming_its_versions() {
    let mock =
        OcpiMock::start_with(OcpiMockOptions::default().with_versions(&["2.0", "3.0"])).await;
    let (records, errors) = read(&client(&mock), &SessionQuery::new()).await;
    assert!(records.is_empty());
    assert_eq!(errors.len(), 1);
    assert!(
        matches!(errors[0], Error::UnsupportedQuery { .. }),
        "{:?}",
        errors[0]
    );
    assert_eq!(
        errors[0].to_string(),
        r#"ocpi: unsupported query: the platform offers OCPI versions ["2.0", "3.0"]; this client reads 2.2.1 and 2.1.1"#
    );
}

#[tokio::test]
async fn the_raw_token_setting_reads_a_platform_that_wants_it_under_2_2_1() {
    let mock = OcpiMock::start_with(OcpiMockOptions::default().with_raw_token(true)).await;
    let (_, errors) = read(&client(&mock), &SessionQuery::new()).await;
    assert!(
        matches!(errors[..], [Error::Unauthenticated { .. }]),
        "{errors:?}"
    );
    let raw = client_with(&[
        ("OCPI_VERSIONS_URL", &mock.versions_url()),
        ("OCPI_TOKEN", TOKEN),
        ("OCPI_TOKEN_RAW", "true"),
    ]);
    let (records, errors) = read(&raw, &SessionQuery::new()).await;
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(records.len(), 9);
}

#[tokio::test]
async fn endpoints_given_directly_need_no_versions_module() {
    let mock = OcpiMock::start().await;
    let c = client_with(&[("OCPI_CDRS_URL", &mock.cdrs_url()), ("OCPI_TOKEN", TOKEN)]);
    let (records, errors) = read(&c, &SessionQuery::new()).await;
    assert!(errors.is_empty(), "{errors:?}");
    let ids: Vec<&str> = records.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        ["S-1001", "S-1002", "C-1003", "S-1004", "S-1005", "S-0999"]
    );
    assert!(received(&mock)
        .await
        .iter()
        .all(|p| p.starts_with("/ocpi/cpo/2.2.1/cdrs")));
    // Running sessions need the sessions module.
    let (_, errors) = read(&c, &SessionQuery::new().status(StatusFilter::Active)).await;
    assert!(
        matches!(errors[..], [Error::UnsupportedQuery { .. }]),
        "{errors:?}"
    );
}

#[tokio::test]
async fn typed_calls_page_by_link() {
    let mock = OcpiMock::start().await;
    let c = client(&mock);
    let page = c
        .cdrs(&ocpi_client::ListParams::new().limit(2))
        .await
        .unwrap();
    assert_eq!(page.data.len(), 2);
    assert_eq!(page.data[0].id, "C-1001");
    assert_eq!(page.total_count, Some(9));
    assert_eq!(page.limit, Some(2));
    assert_eq!(page.status.status_code, Some(1000));
    let next = page.next.unwrap();
    assert_eq!(
        next.as_str(),
        format!("{}?offset=2&limit=2", mock.cdrs_url())
    );
    let page = c.cdrs_at(&next).await.unwrap();
    assert_eq!(page.data[0].id, "C-1003");
    assert_eq!(page.data[0].session_id, None);
    let sessions = c
        .sessions_list(&ocpi_client::ListParams::new())
        .await
        .unwrap();
    assert_eq!(sessions.data.len(), 3);
    assert_eq!(sessions.data[1].status.as_deref(), Some("ACTIVE"));
}

#[tokio::test]
async fn every_request_carries_its_own_request_id_and_retries_share_a_correlation_id() {
    use evsessions_testkit::Fault;
    let mock = OcpiMock::start().await;
    mock.inject(Fault::status(503), 1).await;
    let (records, errors) = read(&client(&mock), &SessionQuery::new()).await;
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(records.len(), 9);
    let requests = mock.server().received_requests().await.unwrap();
    let header = |r: &wiremock::Request, name: &str| {
        r.headers.get(name).unwrap().to_str().unwrap().to_string()
    };
    let request_ids: std::collections::HashSet<String> =
        requests.iter().map(|r| header(r, "x-request-id")).collect();
    assert_eq!(
        request_ids.len(),
        requests.len(),
        "one X-Request-ID per request"
    );
    assert!(request_ids
        .iter()
        .all(|id| id.len() == 36 && id.as_bytes()[14] == b'4'));
    // Request 3 got the 503, request 4 is its retry: the same correlation id.
    assert_eq!(requests[2].url.path(), "/ocpi/cpo/2.2.1/cdrs");
    assert_eq!(requests[3].url.path(), "/ocpi/cpo/2.2.1/cdrs");
    assert_eq!(
        header(&requests[2], "x-correlation-id"),
        header(&requests[3], "x-correlation-id")
    );
    assert_ne!(
        header(&requests[3], "x-correlation-id"),
        header(&requests[4], "x-correlation-id")
    );
}
