//! The 44 captured sessions, read through the client against the mock, normalize to exactly
//! the values the capture implies.

mod common;

use common::*;
use evsessions_core::{AuthMethod, CostKind, Decimal, SessionStatus};
use evsessions_testkit::ru_csms::RuCsmsMockOptions;
use evsessions_testkit::VendorMock;

async fn captured() -> Vec<evsessions_core::ChargingSession> {
    let mock = mock(RuCsmsMockOptions::default().with_captured_only(true)).await;
    assert_eq!(mock.session_ids().len(), 44);
    all(&client(&mock)).await
}

fn captured_items() -> Vec<serde_json::Value> {
    let v: serde_json::Value =
        serde_json::from_str(evsessions_testkit::fixture!("ru-csms/captured-page1.json")).unwrap();
    v["payload"]["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn all_44_come_back_once_in_order_completed_with_their_raw_json() {
    let sessions = captured().await;
    assert_eq!(sessions.len(), 44);
    let items = captured_items();
    for (s, item) in sessions.iter().zip(items.iter()) {
        assert_eq!(s.id, item["id"].to_string());
        assert_eq!(
            s.raw.to_value().unwrap(),
            *item,
            "raw must be the item exactly as received"
        );
        assert_eq!(s.source.as_str(), "ru-csms");
        assert_eq!(s.status, SessionStatus::Completed, "{}", s.id);
        assert_eq!(s.vendor_status.as_deref(), Some("completed"));
        assert!(s.started_at.is_some() && s.ended_at.is_some(), "{}", s.id);
        assert!(
            s.site.as_ref().unwrap().latitude.is_none(),
            "coordinates are untrusted by default"
        );
        assert_eq!(s.cost.as_ref().unwrap().currency.as_deref(), Some("RUB"));
        assert_eq!(s.cost.as_ref().unwrap().total_incl_vat, Some(Decimal::ZERO));
    }
    assert_eq!(sessions.first().unwrap().id, "1742");
    assert_eq!(sessions.last().unwrap().id, "1093");
    let total: Decimal = sessions.iter().filter_map(|s| s.energy_kwh).sum();
    assert_eq!(total, dec("204.306"));
    // 0 → 0 (ids 1742 and 1146) are the only sessions whose SoC is unknown.
    let no_soc: Vec<&str> = sessions
        .iter()
        .filter(|s| s.state_of_charge.is_none())
        .map(|s| s.id.as_str())
        .collect();
    assert_eq!(no_soc, vec!["1742", "1146"]);
    let lines: usize = sessions
        .iter()
        .map(|s| s.cost.as_ref().unwrap().components.len())
        .sum();
    assert_eq!(lines, 62);
}

#[tokio::test]
async fn the_12_second_zero_kwh_session_1742() {
    let sessions = captured().await;
    let s = by_id(&sessions, "1742");
    assert_eq!(s.status, SessionStatus::Completed);
    assert_eq!(s.vendor_status.as_deref(), Some("completed"));
    assert_eq!(s.started_at, Some(utc("2023-12-27T17:56:03Z")));
    assert_eq!(s.ended_at, Some(utc("2023-12-27T17:56:15Z")));
    assert_eq!(s.energy_kwh, Some(Decimal::ZERO));
    assert_eq!(s.state_of_charge, None, "0 → 0 is unknown, not 0 %");
    assert_eq!(s.charger.id.as_deref(), Some("3"));
    assert_eq!(s.charger.connector_id.as_deref(), Some("6"));
    assert_eq!(s.charger.name, None, "empty connector name is null");
    assert_eq!(
        s.charger.connector_type.as_deref(),
        Some("IEC_62196_T2_COMBO")
    );
    assert_eq!(s.charger.evse_id, None);
    assert_eq!(s.charger.max_power_kw, Some(Decimal::from(120)));
    let site = s.site.as_ref().unwrap();
    assert_eq!(site.id.as_deref(), Some("3"));
    assert_eq!(site.name.as_deref(), Some("Нижний Новгород"));
    assert_eq!(
        site.address.as_deref(),
        Some("Нижний Новгород, ул. Пискунова, д. 11А")
    );
    assert_eq!((site.latitude, site.longitude), (None, None));
    let auth = s.authorization.as_ref().unwrap();
    assert_eq!(auth.method, AuthMethod::Other);
    assert_eq!(auth.user_id.as_deref(), Some("36"));
    assert_eq!(auth.id_tag, None);
    let cost = s.cost.as_ref().unwrap();
    assert_eq!(cost.currency.as_deref(), Some("RUB"));
    assert_eq!(cost.total_incl_vat, Some(Decimal::ZERO));
    assert_eq!(cost.total_excl_vat, None, "VAT status unknown");
    assert_eq!(cost.vat_amount, None);
    assert!(cost.components.is_empty());
}

#[tokio::test]
async fn the_63_96_kwh_session_1093() {
    let sessions = captured().await;
    let s = by_id(&sessions, "1093");
    assert_eq!(
        s.status,
        SessionStatus::Completed,
        "reserved then started: completed"
    );
    assert_eq!(s.started_at, Some(utc("2023-12-20T11:15:14Z")));
    assert_eq!(s.ended_at, Some(utc("2023-12-20T11:52:02Z")));
    assert_eq!(s.energy_kwh, Some(dec("63.96")));
    let soc = s.state_of_charge.as_ref().unwrap();
    assert_eq!(soc.start_percent, Some(Decimal::from(48)));
    assert_eq!(soc.end_percent, Some(Decimal::from(100)));
    assert_eq!(s.charger.id.as_deref(), Some("1"));
    assert_eq!(s.charger.connector_id.as_deref(), Some("1"));
    assert_eq!(
        s.charger.connector_type.as_deref(),
        Some("IEC_62196_T2_COMBO")
    );
    let site = s.site.as_ref().unwrap();
    assert_eq!(site.id.as_deref(), Some("1"));
    assert_eq!(site.name.as_deref(), Some("Коминтерна, 105"));
    assert_eq!(
        site.address.as_deref(),
        Some("Нижний Новгород, ул. Коминтерна, 105")
    );
    let c = &s.cost.as_ref().unwrap().components;
    assert_eq!(c.len(), 2);
    assert_eq!(c[1].kind, CostKind::Energy);
    assert_eq!(c[1].quantity, Some(dec("63.96")));
    // written exactly
    let json = serde_json::to_value(s).unwrap();
    assert_eq!(json["energy_kwh"].to_string(), "63.96");
    assert_eq!(json["started_at"], "2023-12-20T11:15:14Z");
}

#[tokio::test]
async fn session_1523_metered_vs_billed_and_gbt_dc() {
    let sessions = captured().await;
    let s = by_id(&sessions, "1523");
    assert_eq!(s.started_at, Some(utc("2023-12-25T17:34:08Z")));
    assert_eq!(s.ended_at, Some(utc("2023-12-25T17:35:14Z")));
    assert_eq!(
        s.energy_kwh,
        Some(dec("1.845")),
        "power is the metered energy"
    );
    let soc = s.state_of_charge.as_ref().unwrap();
    assert_eq!(
        (soc.start_percent, soc.end_percent),
        (Some(Decimal::from(28)), Some(Decimal::from(30)))
    );
    assert_eq!(s.charger.id.as_deref(), Some("1"));
    assert_eq!(s.charger.connector_id.as_deref(), Some("2"));
    assert_eq!(s.charger.connector_type.as_deref(), Some("GBT_DC"));
    assert_eq!(s.charger.max_power_kw, Some(Decimal::from(120)));
    let cost = s.cost.as_ref().unwrap();
    assert_eq!(cost.currency.as_deref(), Some("RUB"));
    assert_eq!(cost.total_incl_vat, Some(Decimal::ZERO));
    assert_eq!(cost.components.len(), 2);
    let start = &cost.components[0];
    assert_eq!(start.kind, CostKind::Flat);
    assert_eq!(start.name.as_deref(), Some("Старт зарядной сессии"));
    assert_eq!(start.unit.as_deref(), Some("шт"));
    assert_eq!(start.quantity, Some(Decimal::ONE));
    assert_eq!(start.unit_price, Some(Decimal::ZERO));
    assert_eq!(start.amount_incl_vat, Some(Decimal::ZERO));
    assert_eq!(start.amount_excl_vat, None);
    let charge = &cost.components[1];
    assert_eq!(charge.kind, CostKind::Energy);
    assert_eq!(charge.name.as_deref(), Some("Зарядка"));
    assert_eq!(charge.unit.as_deref(), Some("кВт⋅ч"));
    assert_eq!(
        charge.quantity,
        Some(dec("1.716")),
        "the billed kWh, kept apart from power"
    );
    assert_eq!(charge.unit_price, Some(Decimal::ZERO));
    assert_eq!(charge.amount_incl_vat, Some(Decimal::ZERO));
}

#[tokio::test]
async fn chademo_error_flag_and_other_quirks() {
    let sessions = captured().await;
    let s = by_id(&sessions, "1483");
    assert_eq!(s.charger.connector_type.as_deref(), Some("CHADEMO"));
    assert_eq!(s.charger.connector_id.as_deref(), Some("3"));
    assert_eq!(s.charger.max_power_kw, Some(Decimal::from(90)));
    assert_eq!(s.energy_kwh, Some(dec("0.363")));
    assert!(
        s.cost.as_ref().unwrap().components.is_empty(),
        "short session: no lines"
    );

    // 1146: 0 kWh, SoC 0 → 0, the one "error" inspection flag; still completed.
    let s = by_id(&sessions, "1146");
    assert_eq!(s.status, SessionStatus::Completed);
    assert_eq!(s.energy_kwh, Some(Decimal::ZERO));
    assert_eq!(s.state_of_charge, None);
    assert_eq!(s.raw.to_value().unwrap()["ocpp_inspections_flag"], "error");
    assert_eq!(s.started_at, Some(utc("2023-12-20T16:16:17Z")));
}

#[test]
fn every_captured_item_decodes_into_the_typed_model() {
    use ru_csms_client::model::{ConnectorType, OcppInspectionsFlag, Payment, State};
    let items = captured_items();
    let mut flags = std::collections::BTreeMap::new();
    for item in &items {
        let s: ru_csms_client::Session = serde_json::from_value(item.clone()).unwrap();
        assert_eq!(s.state, Some(State::Completed));
        assert_eq!(s.payment, Some(Payment::Personal));
        assert!(s.charging_connector_type.as_ref().unwrap().is_known());
        assert_eq!(s.started_by, None);
        assert_eq!(s.charging_point_coordinates.as_ref().map(Vec::len), Some(2));
        *flags
            .entry(
                s.ocpp_inspections_flag
                    .as_ref()
                    .map(|f| f.as_str().to_string()),
            )
            .or_insert(0) += 1;
    }
    assert_eq!(flags.get(&Some("warning".to_string())), Some(&34));
    assert_eq!(flags.get(&Some("error".to_string())), Some(&1));
    assert_eq!(flags.get(&None), Some(&9));
    let s: ru_csms_client::Session = serde_json::from_value(items[1].clone()).unwrap();
    assert_eq!(s.id, "1523");
    assert_eq!(s.charging_connector_type, Some(ConnectorType::GbtDc));
    assert_eq!(s.ocpp_inspections_flag, Some(OcppInspectionsFlag::Warning));
    assert_eq!(s.detail_amount[1].quantity, Some(dec("1.716")));
    assert_eq!(s.limit_energy, None);
    let s: ru_csms_client::Session = serde_json::from_value(items[17].clone()).unwrap();
    assert_eq!(s.id, "1134");
    assert_eq!(s.limit_energy, Some(Decimal::from(22)));
    assert_eq!(s.limit_battery_percent, Some(Decimal::from(90)));
    assert_eq!(s.limit_finish_at, Some(1703083700));
}
