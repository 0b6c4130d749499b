//! `Client::page_sessions` (the session stream's path: a body read in one pass through a lean
//! view of each record) gives exactly what `decode_sessions` and then `normalize` give, for
//! every fixture body and for odd and hostile ones.

use evsessions_core::{ChargingSession, HttpResponse, Result, Site};
use smappee_client::{decode_sessions, normalize::normalize, Client, Config};

const EP: &str = "GET /dev/v3/chargingparks/{id}/sessions";

fn response(status: u16, body: &str) -> HttpResponse {
    HttpResponse {
        status,
        headers: Default::default(),
        body: body.as_bytes().to_vec(),
    }
}

fn two_steps(resp: &HttpResponse, site: Option<&Site>) -> Result<Vec<Result<ChargingSession>>> {
    Ok(decode_sessions(EP, resp)?
        .into_iter()
        .map(|s| s.and_then(|s| normalize(s, site, EP)))
        .collect())
}

#[test]
fn page_sessions_are_decode_then_normalize() {
    let client = Client::new(
        Config::builder()
            .client_id("app")
            .client_secret("secret")
            .username("user")
            .password("password")
            .build()
            .unwrap(),
    )
    .unwrap();
    let site = Site::new(Some("40101".into()), Some("Park".into()));
    let deep = format!("{}1{}", "[".repeat(130), "]".repeat(130));
    let mut bodies: Vec<String> = [
        evsessions_testkit::fixture!("smappee/park-40101-sessions.json"),
        evsessions_testkit::fixture!("smappee/park-40102-sessions.json"),
        evsessions_testkit::fixture!("smappee/shape-active-fields-omitted.json"),
        evsessions_testkit::fixture!("smappee/shape-empty-array.json"),
        evsessions_testkit::fixture!("smappee/shape-extra-keys.json"),
        evsessions_testkit::fixture!("smappee/shape-serial-string.json"),
        evsessions_testkit::fixture!("smappee/shape-single-object.json"),
        evsessions_testkit::fixture!("smappee/shape-to-zero.json"),
        evsessions_testkit::fixture!("smappee/shape-unknown-status-and-auth.json"),
        evsessions_testkit::fixture!("smappee/shape-wrapper.json"),
        r#"[{"id":1},{"id":2,"stopReading":1e400},{"id":3,"rfid":"\ud800"},{"id":4,"from":1e400},{"id":5}]"#,
        r#"[{"stopReading":12.50,"id":1,"startReading":10.25,"rfid":"A\u00c9","x":-0,"y":1e-400}]"#,
        r#"[{"id":18446744073709551617},{"id":2,"x":1e400},{"id":4,"x":"\ud800"}]"#,
        r#"[{"id": 1, "authenticationType": "\u0052FID ", "rfid": 7}, {"id": 2, "authenticationType": "APP"}]"#,
        r#"[{"id": 1, "range": {"a": [1]}, "duration": "x"}, {"id": 2, "range": 1, "range": 2}]"#,
        r#"[{"id": 1, "from": 9223372036854775807}, {"id": ""}, {"serialNumber": 5}, 7, null, [8]]"#,
        r#"[{"id": 1, "csmsTransactionId": true}, {"id": 2, "csmsTransactionId": 3.0}, {"id": 3, "csmsTransactionId": 1e400}]"#,
        r#"{"sessions": [{"id": 1, "status": "STOPPED"}]}"#,
        r#"{"sessions": null}"#,
        r#"{"sessions": {"id": 1}}"#,
        r#"{"id": 9, "authenticationType": "RFID", "rfid": "T"}"#,
        "{}",
        "null",
        "7",
        r#"[{"id": 1},]"#,
        r#"[{"id": 1}] x"#,
        r#"[{"id": 1}, {"id": 2"#,
        "[\n  {\n    \"id\": 1,\n    \"status\": \"CHARGING\"\n  }\n]\n",
        "",
    ]
    .map(String::from)
    .to_vec();
    bodies.push(format!(
        r#"[{{"id":3,"x":{deep}}}, {{"id":4,"range":{deep}}}]"#
    ));
    for body in &bodies {
        for status in [200, 204] {
            let resp = response(status, body);
            for site in [Some(&site), None] {
                let lean = client.page_sessions(EP, &resp, site);
                let want = two_steps(&resp, site);
                assert_eq!(format!("{lean:?}"), format!("{want:?}"), "{body}");
            }
        }
    }
}
