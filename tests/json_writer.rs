//! The `json` and `ndjson` outputs are written by hand (`output::write_session_json`), not by
//! serde: these tests hold them byte for byte to `serde_json::to_string(&session)`, the public
//! serde form (`docs/schema.md`), for every vendor's fixture sessions (through the real
//! clients, from the testkit's mock servers) and for hand-made sessions at the edges: every
//! option absent, every option present, hostile text, times and decimals of every shape.

mod common;

use common::fleet_sessions;

use evsessions::output::write_session_json;
use evsessions::{
    AuthMethod, Authorization, ChargingSession, Cost, CostComponent, CostKind, OutputFormat,
    RawRecord, SessionStatus, SessionWriter, Site, SourceKind, StateOfCharge,
};
use rust_decimal::Decimal;

/// The hand-written text of `s`, checked against serde's, and returned.
fn assert_same(s: &ChargingSession) -> String {
    let want = serde_json::to_string(s).unwrap();
    let mut got = Vec::new();
    write_session_json(&mut got, s).unwrap();
    let got = String::from_utf8(got).unwrap();
    assert_eq!(got, want, "session {:?}", s.id);
    got
}

/// Both formats through `SessionWriter`, against the framing built from serde's text.
fn assert_formats(sessions: &[ChargingSession]) {
    let texts: Vec<String> = sessions
        .iter()
        .map(|s| serde_json::to_string(s).unwrap())
        .collect();
    let render = |format| {
        let mut w = SessionWriter::new(format, Vec::new()).unwrap();
        for s in sessions {
            w.write(s).unwrap();
        }
        String::from_utf8(w.finish().unwrap()).unwrap()
    };
    let ndjson: String = texts.iter().map(|t| format!("{t}\n")).collect();
    assert_eq!(render(OutputFormat::Ndjson), ndjson);
    let json = if texts.is_empty() {
        "[]\n".to_string()
    } else {
        format!("[\n{}\n]\n", texts.join(",\n"))
    };
    assert_eq!(render(OutputFormat::Json), json);
}

#[tokio::test]
async fn every_vendors_fixture_sessions_are_written_as_serde_writes_them() {
    let sessions = fleet_sessions().await;
    // The fixtures reach every part of the record, so the comparison covers each writer.
    assert!(sessions.iter().any(|s| s.site.is_some()));
    assert!(sessions.iter().any(|s| s.authorization.is_some()));
    assert!(sessions.iter().any(|s| s.state_of_charge.is_some()));
    assert!(sessions
        .iter()
        .any(|s| s.cost.as_ref().is_some_and(|c| !c.components.is_empty())));
    assert!(sessions.iter().any(|s| s.energy_kwh.is_some()));
    assert!(sessions.iter().any(|s| s.started_at.is_some()));
    let mut bytes = 0;
    for s in &sessions {
        bytes += assert_same(s).len();
    }
    assert!(bytes > 20_000, "{bytes}");
    assert_formats(&sessions);
    assert_formats(&sessions[..1]);
    assert_formats(&[]);
}

/// Every control character, quotes, backslashes, `/`, DEL, U+2028/9, emoji, Cyrillic.
fn hostile(tag: &str) -> String {
    let mut t: String = (0u8..0x20).map(char::from).collect();
    t.push_str("\"\\/\u{7f}\u{2028}\u{2029}😀 Коминтерна, 105 \\\"\\u0041 ");
    t.push_str(tag);
    t
}

fn every_option_some() -> ChargingSession {
    let raw = RawRecord::from_json(
        r#"{"id":18446744073709551617,"kwh":0.20,"n":"\u00e9\n","a":[1,{"b":null}]}"#,
    )
    .unwrap();
    let mut s = ChargingSession::new(SourceKind::new(hostile("source")), hostile("id"), raw);
    s.status = SessionStatus::Completed;
    s.vendor_status = Some(hostile("vendor_status"));
    s.started_at = Some("2025-03-06T07:45:10.123Z".parse().unwrap());
    s.ended_at = Some("2025-03-06T09:00:00.000123456Z".parse().unwrap());
    s.energy_kwh = Some(Decimal::new(24445, 3));
    s.charger.id = Some(hostile("charger.id"));
    s.charger.name = Some(hostile("charger.name"));
    s.charger.connector_id = Some("1".into());
    s.charger.connector_type = Some("IEC_62196_T2_COMBO".into());
    s.charger.evse_id = Some("CZ*XXX*E0001042*1".into());
    s.charger.max_power_kw = Some(Decimal::new(225, 1));
    let mut site = Site::new(Some(hostile("site.id")), Some(hostile("site.name")));
    site.address = Some(hostile("site.address"));
    site.latitude = Some("60.1699123".parse().unwrap());
    site.longitude = Some("-24.93840000".parse().unwrap());
    s.site = Some(site);
    let mut auth = Authorization::new(AuthMethod::PlugAndCharge);
    auth.id_tag = Some(hostile("id_tag"));
    auth.user_id = Some("-0".into());
    auth.user_name = Some(hostile("user_name"));
    s.authorization = Some(auth);
    s.state_of_charge =
        StateOfCharge::from_ends(Some(Decimal::new(125, 1)), Some(Decimal::new(80, 0)));
    let mut cost = Cost::new(Some("EUR".into()));
    cost.total_excl_vat = Some(Decimal::new(1000, 2));
    cost.total_incl_vat = Some(Decimal::new(1255, 2));
    cost.vat_amount = Some(Decimal::new(255, 2));
    cost.vat_percent = Some(Decimal::new(255, 1));
    for (i, kind) in [
        CostKind::Energy,
        CostKind::Time,
        CostKind::Parking,
        CostKind::Flat,
        CostKind::Other,
    ]
    .into_iter()
    .enumerate()
    {
        let mut c = CostComponent::new(kind);
        c.name = Some(hostile("component"));
        c.quantity = Some(Decimal::new(1716, 3 + i as u32));
        c.unit = Some("кВт⋅ч".into());
        c.unit_price = Some(Decimal::new(-35, 2));
        c.amount_excl_vat = Some(Decimal::new(1, 7)); // 1e-7: serde_json writes an exponent
        c.amount_incl_vat = Some(Decimal::MAX);
        cost.components.push(c);
    }
    s.cost = Some(cost);
    s
}

#[test]
fn hand_made_sessions_are_written_as_serde_writes_them() {
    // Every option absent; raw null.
    let none = ChargingSession::new(SourceKind::from_static("demo"), "", RawRecord::null());
    let text = assert_same(&none);
    assert_eq!(
        text,
        r#"{"source":"demo","id":"","status":"unknown","vendor_status":null,"started_at":null,"ended_at":null,"energy_kwh":null,"charger":{"id":null,"name":null,"connector_id":null,"connector_type":null,"evse_id":null,"max_power_kw":null},"site":null,"authorization":null,"state_of_charge":null,"cost":null,"raw":null}"#
    );

    // Every option present, hostile text everywhere text goes.
    let all = every_option_some();
    let text = assert_same(&all);
    assert!(text.contains(r#""vendor_status":"\u0000\u0001"#), "{text}");
    assert!(text.contains(r#"\b\t\n\u000b\f\r\u000e"#), "{text}");
    assert!(
        text.contains("\\u001f\\\"\\\\/\u{7f}\u{2028}\u{2029}😀 Коминтерна"),
        "{text}"
    );
    assert!(
        text.contains(r#""amount_excl_vat":1e-7,"amount_incl_vat":7.922816251426434e+28"#),
        "{text}"
    );
    assert!(text.contains(r#""raw":{"id":18446744073709551617,"kwh":0.20,"n":"\u00e9\n""#));
    // And it reads back as the same record (but for the cost: Decimal::MAX and 1e-7 do not
    // survive the f64 that serde writes them through).
    let mut priced_sanely = all.clone();
    priced_sanely.cost = None;
    let mut text = Vec::new();
    write_session_json(&mut text, &priced_sanely).unwrap();
    let back: ChargingSession = serde_json::from_slice(&text).unwrap();
    assert_eq!(back, priced_sanely);

    // Parts present one at a time, a cost without components, each status and method.
    let mut variants = vec![none.clone(), all.clone()];
    let statuses = [
        SessionStatus::Pending,
        SessionStatus::Active,
        SessionStatus::Completed,
        SessionStatus::Invalid,
        SessionStatus::Reservation,
        SessionStatus::Unknown,
    ];
    let methods = [
        AuthMethod::Rfid,
        AuthMethod::App,
        AuthMethod::Remote,
        AuthMethod::PlugAndCharge,
        AuthMethod::Free,
        AuthMethod::Other,
    ];
    for (i, (status, method)) in statuses.into_iter().zip(methods).enumerate() {
        let mut s = none.clone();
        s.status = status;
        s.authorization = Some(Authorization::new(method));
        s.cost = Some(Cost::new(None));
        s.site = Some(Site::default());
        s.state_of_charge = StateOfCharge::from_ends(None, Some(Decimal::new(i as i64, 0)));
        variants.push(s);
    }
    let mut only_cost = none.clone();
    only_cost.cost = all.cost.clone();
    variants.push(only_cost);
    let mut no_components = all.clone();
    if let Some(c) = no_components.cost.as_mut() {
        c.components.clear();
        c.currency = None;
    }
    variants.push(no_components);
    // Times of every shape: no fraction, ms, µs, ns, and the years and leap second that go
    // through chrono.
    for t in [
        "2025-03-06T07:45:10Z",
        "2025-03-06T07:45:10.1Z",
        "2025-03-06T07:45:10.000001Z",
        "2025-03-06T07:45:10.123456789Z",
        "0000-01-01T00:00:00Z",
        "9999-12-31T23:59:59.999999999Z",
        "+10000-01-01T00:00:00Z",
        "-0001-01-01T00:00:00.5Z",
        "2016-12-31T23:59:60.5Z",
    ] {
        let mut s = none.clone();
        s.started_at = Some(t.parse().unwrap());
        s.ended_at = s.started_at;
        variants.push(s);
    }
    for s in &variants {
        assert_same(s);
    }
    assert_formats(&variants);
}
