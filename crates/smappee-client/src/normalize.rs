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

use crate::model::{Session, SessionState};
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
    match ms {
        None | Some(0) => Ok(None),
        Some(ms) => from_epoch_millis(ms).map(Some).map_err(|e| {
            Error::decode(
                KIND,
                endpoint,
                Some(session.id.clone()),
                field,
                e.to_string(),
            )
        }),
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
    fn out_of_range_time_is_a_record_error() {
        let s = session(serde_json::json!({"id": 1, "from": i64::MAX}));
        let e = normalize(s, None, "GET x").unwrap_err();
        assert!(
            matches!(&e, Error::Decode { record: Some(r), path, .. } if r == "1" && path == "from"),
            "{e:?}"
        );
    }
}
