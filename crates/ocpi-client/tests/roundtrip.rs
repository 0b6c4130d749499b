//! A CDR read by this client and written back by the OCPI export
//! (`evsessions_export::ocpi::Cdr::from_session`) gives the same values in every field the
//! record carries; the fields the record does not carry come from the export's settings, and
//! the few the export writes its own way are named here.

use evsessions_core::SessionQuery;
use evsessions_export::ocpi::{validate, Cdr, CdrSettings, LocationFacts};
use evsessions_testkit::ocpi::{fixture_cdrs, OcpiMock};
use serde_json::Value;

mod common;
use common::{client, find, read, t};

fn time(v: &Value) -> chrono::DateTime<chrono::Utc> {
    evsessions_core::time::parse_timestamp(v.as_str().unwrap(), evsessions_core::chrono_tz::UTC)
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn a_cdr_read_and_written_back_keeps_its_fields() {
    let mock = OcpiMock::start().await;
    let (records, errors) = read(&client(&mock), &SessionQuery::new()).await;
    assert!(errors.is_empty(), "{errors:?}");
    let session = find(&records, "S-1002");
    let original = fixture_cdrs()
        .into_iter()
        .find(|c| c["id"] == "C-1002")
        .unwrap();

    // What the record does not carry: the CPO's identity, the city, postal code and country.
    let mut settings = CdrSettings::new("BE", "EVC");
    settings.sites.insert(
        "LOC-E40-02".into(),
        LocationFacts {
            city: Some("Aalter".into()),
            postal_code: Some("9880".into()),
            country: Some("BEL".into()),
            ..LocationFacts::default()
        },
    );
    let last_updated = time(&original["last_updated"]);
    let cdr = Cdr::from_session(session, &settings, last_updated).unwrap();
    let written = serde_json::to_value(&cdr).unwrap();
    assert!(validate(&written).is_empty(), "{:?}", validate(&written));

    for field in ["start_date_time", "end_date_time", "last_updated"] {
        assert_eq!(time(&written[field]), time(&original[field]), "{field}");
    }
    assert_eq!(time(&written["start_date_time"]), t("2025-03-04T17:40:00Z"));
    for field in [
        "country_code",
        "party_id",
        "session_id",
        "auth_method",
        "currency",
        "total_cost",
        "total_energy",
        "total_energy_cost",
        "total_time",
        "total_time_cost",
    ] {
        assert_eq!(written[field], original[field], "{field}");
    }
    for field in ["uid", "type"] {
        assert_eq!(
            written["cdr_token"][field], original["cdr_token"][field],
            "cdr_token.{field}"
        );
    }
    for field in [
        "id",
        "name",
        "address",
        "city",
        "postal_code",
        "country",
        "coordinates",
        "evse_uid",
        "evse_id",
        "connector_id",
        "connector_standard",
        "connector_format",
        "connector_power_type",
    ] {
        assert_eq!(
            written["cdr_location"][field], original["cdr_location"][field],
            "cdr_location.{field}"
        );
    }
    // Written the export's own way: the CDR id is the session's (one CDR per session), the
    // contract id is the token's uid (the record keeps the contract as `user_id`), the token's
    // owner is the CPO of the settings, and one charging period sums the session.
    assert_eq!(
        (written["id"].as_str(), original["id"].as_str()),
        (Some("S-1002"), Some("C-1002"))
    );
    assert_eq!(written["cdr_token"]["contract_id"], "APP-5521-EE");
    assert_eq!(
        session.authorization.as_ref().unwrap().user_id.as_deref(),
        Some("BE-MSP-C00077812-1")
    );
    assert_eq!(written["charging_periods"].as_array().unwrap().len(), 1);
}
