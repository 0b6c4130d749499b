//! What the root tests share.
#![allow(dead_code)] // each test file uses its own part

use evsessions::{ChargingSession, HttpConfig};

/// Every fixture session of a fresh mock fleet; asserts that every vendor is there.
pub async fn fleet_sessions() -> Vec<ChargingSession> {
    let sessions = evsessions::testing::fleet_sessions(HttpConfig::for_tests())
        .await
        .unwrap();
    assert!(sessions.len() >= 70, "{}", sessions.len());
    for source in ["emabler", "smappee", "cleverpower", "ru-csms"] {
        assert!(
            sessions.iter().any(|s| s.source.as_str() == source),
            "{source}"
        );
    }
    sessions
}
