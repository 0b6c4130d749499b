//! Smappee session → [`ChargingSession`].
//!
//! | normalized | from Smappee |
//! |---|---|
//! | `id` | `id` as text |
//! | `status` | `INITIAL` → pending; `STARTED`, `CHARGING`, `SUSPENDED`, `STOPPING` → active; `STOPPED` → completed; other → unknown |
//! | `vendor_status` | `status` unchanged |
//! | `started_at` / `ended_at` | `from` / `to`, epoch ms UTC; `0`, `null` or missing → `null` |
//! | `energy_kwh` | `stopReading − startReading`, exact decimals, when both are known |
//! | `charger.id` | `serialNumber` as text |
//! | `site` | the charging park (service location) the session was read through, else `null` |
//! | `authorization` | `authenticationType` `RFID` → `rfid` with the tag `rfid`; other types → `other` (tag kept) |
//! | `raw` | the record as received (`duration`, `range`, `priority`, `csmsTransactionId` live only here) |

use chrono::{DateTime, Utc};
use evsessions_core::time::from_epoch_millis;
use evsessions_core::{
    AuthMethod, Authorization, Charger, ChargingSession, Error, Result, SessionStatus, Site,
};

use evsessions_core::serde_util::{
    decimal_opt, id_lean, opt_id_lean, opt_string, unread_any, unread_id,
};
use evsessions_core::{Decimal, RawRecord};
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer};

use crate::model::{energy_kwh, Session, SessionState};
use crate::KIND;

/// The normalized status of a Smappee state.
pub fn status(state: Option<&SessionState>) -> SessionStatus {
    match state {
        Some(SessionState::Initial) => SessionStatus::Pending,
        Some(
            SessionState::Started
            | SessionState::Charging
            | SessionState::Suspended
            | SessionState::Stopping,
        ) => SessionStatus::Active,
        Some(SessionState::Stopped) => SessionStatus::Completed,
        Some(SessionState::Other(_)) | None => SessionStatus::Unknown,
    }
}

/// The authorization of a session: `RFID` → [`AuthMethod::Rfid`] with the tag; another type
/// → [`AuthMethod::Other`] with the tag if one was sent; neither a type nor a tag → `None`.
pub fn authorization(session: &Session) -> Option<Authorization> {
    auth_method(session).map(|method| {
        let mut auth = Authorization::new(method);
        auth.id_tag = session.rfid.clone();
        auth
    })
}

fn auth_method(session: &Session) -> Option<AuthMethod> {
    match session.authentication_type.as_deref() {
        Some(t) if t.trim().eq_ignore_ascii_case("RFID") => Some(AuthMethod::Rfid),
        Some(_) => Some(AuthMethod::Other),
        None if session.rfid.is_some() => Some(AuthMethod::Other),
        None => None,
    }
}

fn epoch_ms(
    session: &Session,
    endpoint: &str,
    field: &str,
    ms: Option<i64>,
) -> Result<Option<DateTime<Utc>>> {
    epoch_ms_of(&session.id, endpoint, field, ms)
}

fn epoch_ms_of(
    id: &str,
    endpoint: &str,
    field: &str,
    ms: Option<i64>,
) -> Result<Option<DateTime<Utc>>> {
    match ms {
        None | Some(0) => Ok(None),
        Some(ms) => from_epoch_millis(ms)
            .map(Some)
            .map_err(|e| Error::decode(KIND, endpoint, Some(id.to_string()), field, e.to_string())),
    }
}

/// Normalize one session (taken by value: its `raw` text moves into the record). `site` is
/// the charging park it was read through (`None` when read through a station); `endpoint`
/// names the call in errors. Fails only on an epoch value out of range.
pub fn normalize(
    mut session: Session,
    site: Option<&Site>,
    endpoint: &str,
) -> Result<ChargingSession> {
    let started_at = epoch_ms(&session, endpoint, "from", session.from)?;
    let ended_at = epoch_ms(&session, endpoint, "to", session.to)?;
    let method = auth_method(&session);
    let raw = std::mem::take(&mut session.raw);
    let mut s = ChargingSession::new(KIND, std::mem::take(&mut session.id), raw);
    s.status = status(session.state().as_ref());
    s.vendor_status = session.status.take();
    s.started_at = started_at;
    s.ended_at = ended_at;
    s.energy_kwh = session.energy_kwh();
    let mut charger = Charger::default();
    charger.id = session.serial_number.take();
    s.charger = charger;
    s.site = site.cloned();
    s.authorization = method.map(|m| {
        let mut auth = Authorization::new(m);
        auth.id_tag = session.rfid.take();
        auth
    });
    Ok(s)
}

/// [`Session`] as the session stream reads it: the same fields under the same names, each
/// accepting exactly the values the model accepts, but `authenticationType` read to the
/// method it gives and `csmsTransactionId` only checked, without copying them. It reads
/// exactly the records the model reads, to the same session (see the test
/// `lean_reads_as_the_model`); any other record is read through the model.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Lean {
    #[serde(deserialize_with = "id_lean")]
    id: String,
    #[serde(default, deserialize_with = "opt_id_lean")]
    serial_number: Option<String>,
    #[serde(default, deserialize_with = "auth_type")]
    authentication_type: Option<AuthType>,
    #[serde(default, deserialize_with = "opt_id_lean")]
    rfid: Option<String>,
    #[serde(default, deserialize_with = "unread_id")]
    _csms_transaction_id: (),
    #[serde(default)]
    from: Option<i64>,
    #[serde(default)]
    to: Option<i64>,
    #[serde(default, deserialize_with = "opt_string")]
    status: Option<String>,
    // Checked as the model reads them (`Option<serde_json::Value>`), not built.
    #[serde(default, deserialize_with = "unread_any")]
    _range: (),
    #[serde(default, deserialize_with = "unread_any")]
    _duration: (),
    #[serde(default, deserialize_with = "unread_any")]
    _priority: (),
    #[serde(default, with = "decimal_opt")]
    start_reading: Option<Decimal>,
    #[serde(default, with = "decimal_opt")]
    stop_reading: Option<Decimal>,
}

/// What an `authenticationType` that is not blank says.
#[derive(Clone, Copy)]
enum AuthType {
    Rfid,
    Other,
}

/// `authenticationType` as [`opt_string`] accepts it, read to what [`auth_method`] needs.
fn auth_type<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<AuthType>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<AuthType>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a string")
        }
        fn visit_none<E: de::Error>(self) -> std::result::Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> std::result::Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(
            self,
            d: D,
        ) -> std::result::Result<Self::Value, D::Error> {
            d.deserialize_str(self)
        }
        fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<Self::Value, E> {
            let t = v.trim();
            Ok(if t.is_empty() {
                None
            } else if t.eq_ignore_ascii_case("RFID") {
                Some(AuthType::Rfid)
            } else {
                Some(AuthType::Other)
            })
        }
    }
    d.deserialize_option(V)
}

/// [`normalize`] of a session read through [`Lean`], `raw` its text.
pub(crate) fn normalize_lean(
    lean: Lean,
    raw: RawRecord,
    site: Option<&Site>,
    endpoint: &str,
) -> Result<ChargingSession> {
    let started_at = epoch_ms_of(&lean.id, endpoint, "from", lean.from)?;
    let ended_at = epoch_ms_of(&lean.id, endpoint, "to", lean.to)?;
    let method = match lean.authentication_type {
        Some(AuthType::Rfid) => Some(AuthMethod::Rfid),
        Some(AuthType::Other) => Some(AuthMethod::Other),
        None if lean.rfid.is_some() => Some(AuthMethod::Other),
        None => None,
    };
    let mut s = ChargingSession::new(KIND, lean.id, raw);
    s.status = status(lean.status.as_deref().map(SessionState::parse).as_ref());
    s.vendor_status = lean.status;
    s.started_at = started_at;
    s.ended_at = ended_at;
    s.energy_kwh = energy_kwh(lean.start_reading, lean.stop_reading);
    s.charger.id = lean.serial_number;
    s.site = site.cloned();
    s.authorization = method.map(|m| {
        let mut auth = Authorization::new(m);
        auth.id_tag = lean.rfid;
        auth
    });
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(json: serde_json::Value) -> Session {
        let mut s: Session = serde_json::from_value(json.clone()).unwrap();
        s.raw = json.into();
        s
    }

    #[test]
    fn statuses() {
        for (text, want) in [
            ("INITIAL", SessionStatus::Pending),
            ("STARTED", SessionStatus::Active),
            ("CHARGING", SessionStatus::Active),
            ("SUSPENDED", SessionStatus::Active),
            ("STOPPING", SessionStatus::Active),
            ("STOPPED", SessionStatus::Completed),
            ("stopped", SessionStatus::Completed),
            ("PAUSED_BY_GRID", SessionStatus::Unknown),
        ] {
            assert_eq!(status(Some(&SessionState::parse(text))), want, "{text}");
        }
        assert_eq!(status(None), SessionStatus::Unknown);
    }

    #[test]
    fn exact_energy_and_times() {
        let s = session(serde_json::json!({
            "id": 48213, "serialNumber": 6100041237u64, "authenticationType": "RFID",
            "rfid": "04A1B2C3D4E580", "csmsTransactionId": "", "from": 1748886130000i64,
            "to": 1748901940000i64, "status": "STOPPED", "startReading": 1523.417, "stopReading": 1547.862
        }));
        let n = normalize(s, None, "x").unwrap();
        assert_eq!(n.energy_kwh.unwrap().to_string(), "24.445");
        assert_eq!(
            n.started_at.unwrap().to_rfc3339(),
            "2025-06-02T17:42:10+00:00"
        );
        assert_eq!(n.charger.id.as_deref(), Some("6100041237"));
        let a = n.authorization.unwrap();
        assert_eq!(a.method, AuthMethod::Rfid);
        assert_eq!(a.id_tag.as_deref(), Some("04A1B2C3D4E580"));
    }

    #[test]
    fn lean_reads_as_the_model() {
        let mut texts = evsessions_testkit::record_texts(
            evsessions_testkit::fixture!("smappee/park-40101-sessions.json"),
            "",
        );
        assert_eq!(texts.len(), 4);
        texts.extend(
            [
                r#"{"id": 1, "authenticationType": " rfid ", "rfid": 42}"#,
                r#"{"id": "a", "authenticationType": "APP"}"#,
                r#"{"id": 1, "authenticationType": "  ", "rfid": "T"}"#,
                r#"{"id": 1, "authenticationType": "\u0052FID", "rfid": "\u0054"}"#,
                r#"{"id": 1, "authenticationType": null, "rfid": null}"#,
                r#"{"id": 1, "authenticationType": 5}"#,
                r#"{"id": 1, "authenticationType": ["RFID"]}"#,
                r#"{"id": 1, "csmsTransactionId": true}"#,
                r#"{"id": 1, "csmsTransactionId": {"a": 1}}"#,
                r#"{"id": 1, "csmsTransactionId": 17.0, "status": " stopped"}"#,
                r#"{"id": 1, "range": {"deep": [1, "x"]}, "duration": "long", "priority": null}"#,
                r#"{"id": 1, "range": 1, "range": 2}"#,
                r#"{"id": 1, "priority": [1e400]}"#,
                r#"{"id": 1, "duration": {"a": {"b": [true, null, -0.5]}}}"#,
                r#"{"id": 1, "status": "PAUSED_BY_GRID", "from": 0, "to": 5}"#,
                r#"{"id": 1, "status": "", "startReading": "1.5", "stopReading": 0}"#,
                r#"{"id": 1, "startReading": 10, "stopReading": 5}"#,
                r#"{"id": 1, "startReading": 1e400}"#,
                r#"{"id": 1, "from": 9223372036854775807}"#,
                r#"{"id": 1, "to": -9223372036854775808}"#,
                r#"{"id": 1, "from": 1.5}"#,
                r#"{"id": 1.0, "serialNumber": "", "raw": 7}"#,
                r#"{"id": ""}"#,
                r#"{"id": null}"#,
                r#"{"serialNumber": 1}"#,
                r#"{"id": 1, "id": 2}"#,
                "[7]",
                "7",
                "null",
            ]
            .map(String::from),
        );
        let site = Site::new(Some("40101".into()), Some("Park".into()));
        let mut lean_count = 0;
        for text in &texts {
            let raw = RawRecord::from_json(text.as_str()).unwrap();
            let model =
                evsessions_core::decode::decode_record::<Session>(&KIND, "GET x", &["id"], &raw)
                    .and_then(|mut s| {
                        s.raw = raw.clone();
                        normalize(s, Some(&site), "GET x")
                    });
            if let Ok(lean) = serde_json::from_str::<Lean>(raw.as_str()) {
                lean_count += 1;
                let lean = normalize_lean(lean, raw.clone(), Some(&site), "GET x");
                assert_eq!(format!("{lean:?}"), format!("{model:?}"), "{text}");
            } else if model.is_ok() {
                // The lean view leaves to the model only ids it cannot copy exactly.
                assert!(
                    text.contains("1.0"),
                    "{text}: the model reads it, Lean does not"
                );
            }
        }
        assert_eq!(lean_count, 4 + 14, "records read through Lean");
    }

    #[test]
    fn out_of_range_time_is_a_record_error() {
        let s = session(serde_json::json!({"id": 1, "from": i64::MAX}));
        let e = normalize(s, None, "GET x").unwrap_err();
        assert!(
            matches!(&e, Error::Decode { record: Some(r), path, .. } if r == "1" && path == "from"),
            "{e:?}"
        );
    }
}
