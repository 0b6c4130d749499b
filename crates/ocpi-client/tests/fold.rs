//! "One charging session, one record": the fold within one listing (across its pages), and
//! its outcomes after successive sync runs into a real store (SQLite in a temp dir).

use evsessions_core::{SessionQuery, SessionStatus, StatusFilter};
use evsessions_sync::{open_store, sync_account, RunResult, SessionFilter, SyncOptions};
use evsessions_testkit::ocpi::{OcpiMock, OcpiMockOptions};
use futures::TryStreamExt;
use serde_json::{json, Value};

mod common;
use common::{client, d, find, read, t};

fn price(excl: &str, incl: &str) -> Value {
    json!({"excl_vat": excl.parse::<f64>().unwrap(), "incl_vat": incl.parse::<f64>().unwrap()})
}

/// A CDR of session `session` (or none), priced `excl`/`incl`.
fn cdr(id: &str, session: Option<&str>, excl: &str, incl: &str, updated: &str) -> Value {
    let mut c = json!({
        "country_code": "BE", "party_id": "EVC", "id": id,
        "start_date_time": "2025-03-05T10:00:00Z", "end_date_time": "2025-03-05T12:00:00Z",
        "cdr_token": {"country_code": "BE", "party_id": "MSP", "uid": "TAG-1", "type": "RFID", "contract_id": "BE-MSP-1"},
        "auth_method": "WHITELIST",
        "cdr_location": {"id": "LOC-1", "address": "Dok Noord 7", "city": "Gent", "country": "BEL",
            "coordinates": {"latitude": "51.067413", "longitude": "3.732158"}, "evse_uid": "EVSE-1",
            "evse_id": "BE*EVC*E1*1", "connector_id": "1", "connector_standard": "IEC_62196_T2",
            "connector_format": "SOCKET", "connector_power_type": "AC_3_PHASE"},
        "currency": "EUR",
        "charging_periods": [{"start_date_time": "2025-03-05T10:00:00Z", "dimensions": [{"type": "ENERGY", "volume": 10}]}],
        "total_cost": price(excl, incl), "total_energy": 10, "total_time": 2,
        "last_updated": updated
    });
    if let Some(s) = session {
        c["session_id"] = json!(s);
    }
    c
}

fn credit(
    id: &str,
    session: Option<&str>,
    of: &str,
    excl: &str,
    incl: &str,
    updated: &str,
) -> Value {
    let mut c = cdr(id, session, excl, incl, updated);
    c["credit"] = json!(true);
    c["credit_reference_id"] = json!(of);
    c["total_energy"] = json!(-10);
    c["total_time"] = json!(-2);
    c
}

fn session(status: &str, updated: &str) -> Value {
    json!({
        "country_code": "BE", "party_id": "EVC", "id": "S1",
        "start_date_time": "2025-03-05T10:00:00Z", "kwh": 4.2,
        "cdr_token": {"uid": "TAG-1", "type": "RFID", "contract_id": "BE-MSP-1"},
        "auth_method": "WHITELIST", "location_id": "LOC-1", "evse_uid": "EVSE-1",
        "connector_id": "1", "currency": "EUR", "status": status, "last_updated": updated
    })
}

async fn listing(
    cdrs: Vec<Value>,
    sessions: Vec<Value>,
    server_limit: u64,
) -> Vec<evsessions_core::ChargingSession> {
    let mock = OcpiMock::start_with(
        OcpiMockOptions::default()
            .with_cdrs(cdrs)
            .with_sessions(sessions)
            .with_server_limit(server_limit),
    )
    .await;
    let (records, errors) = read(&client(&mock), &SessionQuery::new()).await;
    assert!(errors.is_empty(), "{errors:?}");
    records
}

#[tokio::test]
async fn a_session_then_its_cdr_is_one_completed_record_at_the_cdrs_values() {
    let records = listing(
        vec![cdr(
            "C1",
            Some("S1"),
            "5.00",
            "6.05",
            "2025-03-05T12:05:00Z",
        )],
        vec![session("ACTIVE", "2025-03-05T11:00:00Z")],
        100,
    )
    .await;
    assert_eq!(records.len(), 1);
    let s = &records[0];
    assert_eq!((s.id.as_str(), s.status), ("S1", SessionStatus::Completed));
    assert_eq!(
        s.energy_kwh,
        Some(d("10")),
        "the CDR's, not the Session's 4.2"
    );
    assert_eq!(s.cost.as_ref().unwrap().total_excl_vat, Some(d("5")));
    assert_eq!(s.ended_at, Some(t("2025-03-05T12:00:00Z")));
    let raw = s.raw.to_value().unwrap();
    assert_eq!(
        (
            raw["session"]["status"].as_str(),
            raw["cdrs"][0]["id"].as_str()
        ),
        (Some("ACTIVE"), Some("C1"))
    );
}

#[tokio::test]
async fn a_credit_and_its_replacement_on_later_pages_fold_into_the_session() {
    // One object a page: C1 on page 1, its credit on page 3, the replacement on page 4.
    let records = listing(
        vec![
            cdr("C1", Some("S1"), "5.00", "6.05", "2025-03-05T12:05:00Z"),
            cdr("C2", Some("S2"), "1.00", "1.21", "2025-03-05T13:00:00Z"),
            credit(
                "C1-C",
                Some("S1"),
                "C1",
                "-5.00",
                "-6.05",
                "2025-03-06T09:00:00Z",
            ),
            cdr("C1-2", Some("S1"), "4.50", "5.445", "2025-03-06T09:00:01Z"),
        ],
        vec![],
        1,
    )
    .await;
    let ids: Vec<&str> = records.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["S1", "S2"]);
    let s = find(&records, "S1");
    assert_eq!(s.status, SessionStatus::Completed);
    let cost = s.cost.as_ref().unwrap();
    assert_eq!(
        (cost.total_excl_vat, cost.total_incl_vat),
        (Some(d("4.5")), Some(d("5.445")))
    );
    assert_eq!(ocpi_client::cdr_ids(s), ["C1", "C1-C", "C1-2"]);
}

#[tokio::test]
async fn a_credit_without_session_id_joins_the_session_of_the_cdr_it_credits() {
    let records = listing(
        vec![
            cdr("C1", Some("S1"), "5.00", "6.05", "2025-03-05T12:05:00Z"),
            credit("C1-C", None, "C1", "-5.00", "-6.05", "2025-03-06T09:00:00Z"),
        ],
        vec![],
        1,
    )
    .await;
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].id, "S1");
    assert_eq!(records[0].status, SessionStatus::Invalid);
    assert_eq!(
        records[0].vendor_status.as_deref(),
        Some("CREDITED (CDR C1 credited by C1-C)")
    );
    // A credit whose CDR is unknown and that names no session: kept under its own id, flagged.
    let records = listing(
        vec![credit(
            "C9-C",
            None,
            "C9",
            "-1.00",
            "-1.21",
            "2025-03-06T09:00:00Z",
        )],
        vec![],
        1,
    )
    .await;
    assert_eq!(records.len(), 1);
    assert_eq!(
        (records[0].id.as_str(), records[0].status),
        ("C9-C", SessionStatus::Invalid)
    );
    assert_eq!(
        records[0].vendor_status.as_deref(),
        Some("CREDITED (credit CDR C9-C of CDR C9, which this listing does not hold)")
    );
    assert_eq!(
        records[0].cost.as_ref().unwrap().total_excl_vat,
        Some(d("-1"))
    );
}

#[tokio::test]
async fn of_several_cdrs_none_credited_the_one_last_updated_wins() {
    let records = listing(
        vec![
            cdr("C2", Some("S1"), "7.00", "8.47", "2025-03-06T09:00:00Z"),
            cdr("C1", Some("S1"), "5.00", "6.05", "2025-03-05T12:05:00Z"),
        ],
        vec![],
        1,
    )
    .await;
    assert_eq!(records.len(), 1);
    assert_eq!(
        records[0].cost.as_ref().unwrap().total_excl_vat,
        Some(d("7"))
    );
    assert_eq!(records[0].vendor_status, None);
    assert_eq!(ocpi_client::cdr_ids(&records[0]), ["C2", "C1"]);
}

fn opts(now: &str) -> SyncOptions {
    SyncOptions::default()
        .with_since(t("2025-03-01T00:00:00Z"))
        .with_now(t(now))
        .with_worker("test-worker")
}

#[tokio::test]
async fn the_fold_holds_across_sync_runs() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(dir.path().join("store.db").to_str().unwrap())
        .await
        .unwrap();
    let store = store.as_ref();
    let account = "fleet";
    let mock = OcpiMock::start_with(
        OcpiMockOptions::default()
            .with_cdrs(vec![])
            .with_sessions(vec![session("ACTIVE", "2025-03-05T11:00:00Z")]),
    )
    .await;
    let source = client(&mock);
    let stored = |status: StatusFilter| {
        let filter = SessionFilter::new().account(account).status(status);
        async move {
            store
                .sessions(&filter)
                .try_collect::<Vec<_>>()
                .await
                .unwrap()
        }
    };
    let sync = |now: &'static str| {
        let source = &source;
        async move {
            let r = sync_account(store, account, source, &opts(now))
                .await
                .unwrap();
            assert_eq!(r.result, RunResult::Ok, "{:?}", r.failure);
        }
    };

    // Run 1: the live Session.
    sync("2025-03-05T11:30:00Z").await;
    let rows = stored(StatusFilter::All).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].session.id.as_str(), rows[0].session.status),
        ("S1", SessionStatus::Active)
    );

    // Run 2: the CDR (and the Session, completed): one session, completed, 5.00.
    mock.edit_sessions(|s| *s = vec![session("COMPLETED", "2025-03-05T12:01:00Z")]);
    mock.edit_cdrs(|c| {
        c.push(cdr(
            "C1",
            Some("S1"),
            "5.00",
            "6.05",
            "2025-03-05T12:05:00Z",
        ))
    });
    sync("2025-03-05T13:00:00Z").await;
    let rows = stored(StatusFilter::All).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].session.status, SessionStatus::Completed);
    assert_eq!(
        rows[0].session.cost.as_ref().unwrap().total_excl_vat,
        Some(d("5"))
    );

    // Run 3: a credit of C1 and its replacement C1-2: still one session, at 4.50.
    mock.edit_cdrs(|c| {
        c.push(credit(
            "C1-C",
            Some("S1"),
            "C1",
            "-5.00",
            "-6.05",
            "2025-03-06T09:00:00Z",
        ));
        c.push(cdr(
            "C1-2",
            Some("S1"),
            "4.50",
            "5.445",
            "2025-03-06T09:00:01Z",
        ));
    });
    sync("2025-03-06T10:00:00Z").await;
    let rows = stored(StatusFilter::All).await;
    assert_eq!(rows.len(), 1);
    let s = &rows[0].session;
    assert_eq!((s.id.as_str(), s.status), ("S1", SessionStatus::Completed));
    assert_eq!(s.cost.as_ref().unwrap().total_excl_vat, Some(d("4.5")));
    assert_eq!(ocpi_client::cdr_ids(s), ["C1", "C1-C", "C1-2"]);
    let revisions = store.revisions(account, "ocpi", "S1").await.unwrap();
    assert_eq!(revisions.len(), 3, "{revisions:?}");
    assert!(
        revisions[2].changed_fields.contains(&"cost".to_string()),
        "{revisions:?}"
    );

    // Run 4: the platform credits C1-2 too, with no replacement: kept, invalid, credited.
    mock.edit_cdrs(|c| {
        c.push(credit(
            "C1-2-C",
            Some("S1"),
            "C1-2",
            "-4.50",
            "-5.445",
            "2025-03-06T12:00:00Z",
        ))
    });
    sync("2025-03-06T13:00:00Z").await;
    let rows = stored(StatusFilter::All).await;
    assert_eq!(rows.len(), 1);
    let s = &rows[0].session;
    assert_eq!(s.status, SessionStatus::Invalid);
    assert_eq!(
        s.vendor_status.as_deref(),
        Some("CREDITED (CDR C1 credited by C1-C; CDR C1-2 credited by C1-2-C)")
    );
    assert!(stored(StatusFilter::Completed).await.is_empty());
    assert_eq!(
        store.revisions(account, "ocpi", "S1").await.unwrap().len(),
        4
    );
}

/// A sync reads OCPI by last update (`Capabilities::updated_since`): a correction made weeks
/// later of a session that started long before the run's window is read again and folds into
/// the stored session; a run with nothing changed marks nothing missing.
#[tokio::test]
async fn a_late_correction_of_an_old_session_is_read_again_by_sync() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(dir.path().join("store.db").to_str().unwrap())
        .await
        .unwrap();
    let store = store.as_ref();
    let account = "fleet";
    let mock = OcpiMock::start_with(
        OcpiMockOptions::default()
            .with_cdrs(vec![cdr(
                "C1",
                Some("S1"),
                "5.00",
                "6.05",
                "2025-03-05T12:05:00Z",
            )])
            .with_sessions(vec![]),
    )
    .await;
    let source = client(&mock);
    let run = |now: &'static str| {
        let source = &source;
        async move {
            let r = sync_account(store, account, source, &opts(now))
                .await
                .unwrap();
            assert_eq!(r.result, RunResult::Ok, "{:?}", r.failure);
            r
        }
    };
    let stored = || async {
        store
            .sessions(&SessionFilter::new().account(account))
            .try_collect::<Vec<_>>()
            .await
            .unwrap()
    };
    run("2025-03-05T13:00:00Z").await;
    // Weeks with nothing new: the watermark moves on.
    let quiet = run("2025-04-01T00:00:00Z").await;
    assert_eq!((quiet.counts.new, quiet.counts.missing), (0, 0));
    let rows = stored().await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].meta.missing_since, None, "not vanished: unchanged");

    // The platform corrects C1 on 19 April: a credit and a new CDR, updated then.
    mock.edit_cdrs(|c| {
        c.push(credit(
            "C1-C",
            Some("S1"),
            "C1",
            "-5.00",
            "-6.05",
            "2025-04-19T09:00:00Z",
        ));
        c.push(cdr(
            "C1-2",
            Some("S1"),
            "4.50",
            "5.445",
            "2025-04-19T09:00:01Z",
        ));
    });
    let late = run("2025-04-20T00:00:00Z").await;
    // The window (on the start, for other sources) no longer holds the session's start.
    assert!(late.window_from.unwrap() > t("2025-03-20T00:00:00Z"));
    assert_eq!(late.counts.changed, 1, "{:?}", late.counts);
    let rows = stored().await;
    assert_eq!(rows.len(), 1);
    let s = &rows[0].session;
    assert_eq!((s.id.as_str(), s.status), ("S1", SessionStatus::Completed));
    assert_eq!(s.cost.as_ref().unwrap().total_excl_vat, Some(d("4.5")));
    assert_eq!(
        store.revisions(account, "ocpi", "S1").await.unwrap().len(),
        2
    );
}
