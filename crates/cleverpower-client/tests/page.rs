//! `Client::point_page_sessions` (the session stream's path: the point's body read in one pass,
//! each session through a lean view straight into its record) gives exactly what decoding the
//! body as `NabijeciBod` and then `Normalizer::point_sessions` give, for every fixture point and
//! for odd and hostile bodies.

use cleverpower_client::{Client, Config, NabijeciBod};
use evsessions_core::{ChargingSession, HttpResponse, Result};

fn response(status: u16, body: &str) -> HttpResponse {
    HttpResponse {
        status,
        headers: Default::default(),
        body: body.as_bytes().to_vec(),
    }
}

fn two_steps(client: &Client, body: &str) -> Result<Vec<Result<ChargingSession>>> {
    let point: NabijeciBod = evsessions_core::decode::decode_json(
        &cleverpower_client::KIND,
        "POST api/Ocpp",
        body.as_bytes(),
    )?;
    Ok(client
        .normalizer()
        .point_sessions("C-1", client.config().connector_id(), point))
}

#[test]
fn point_page_sessions_are_decode_then_point_sessions() {
    let sessions = [
        r#"{"Id": 1, "DatumZahajeni": "2024-05-13T17:05:44\u002e207"}"#,
        r#"{"Id": 1, "DatumZmeny": "a\"b", "IdTag": "04A2B3C4D5E680"}"#,
        r#"{"Id": 1, "Version": "3"}"#,
        r#"{"Id": 1, "Id": 2}"#,
        r#"{"SessionId": "abc", "DatumZahajeni": "2024-05-13T17:05:44"}"#,
        r#"{"Id": "", "SessionId": "s", "IdNabijeciBodKonektor": 4}"#,
        r#"{"Id": null, "SessionId": [1]}"#,
        r#"{"Id": 1, "SessionId": true}"#,
        r#"{"Id": 1, "SessionId": 1e400, "IdNabijeciBod": -0}"#,
        r#"{"Id": 1, "SessionId": {"a": 1}}"#,
        r#"{"Id": 1, "DatumZahajeni": "2024-03-31T02:30:00"}"#,
        r#"{"Id": 1, "DatumUkonceni": "yesterday", "DatumZahajeni": "2024-01-01T00:00:00Z"}"#,
        r#"{"Id": 1.0, "IdNabijeciBodKonektor": 5, "IdTag": 123, "Cena": "12.5", "CenaSDph": null, "Smazano": true}"#,
        r#"{"Id": 1, "StavElektromeruZacatekWh": 10, "StavElektromeruKonecWh": 1e400}"#,
        r#"{"Id": 1, "other": {"a": [1]}, "IdTag": "\u00e9"}"#,
        "[7]",
        "7",
        "null",
    ]
    .join(", ");
    let odd_point = format!(
        r#"{{"Kod": "K", "IdNabijeciBodKonektor": 9, "NabijeciStanice": {{"Id": 3, "Nazev": "Station"}},
            "NabijeciBodKonektorTyp": {{"Nazev": "Type 2"}}, "NabijeciBodTransakces": [{sessions}]}}"#
    );
    let mut bodies: Vec<String> = [
        evsessions_testkit::fixture!("cleverpower/ocpp-PRG-0311-A.json"),
        evsessions_testkit::fixture!("cleverpower/ocpp-BRN-0702-B.json"),
        evsessions_testkit::fixture!("cleverpower/ocpp-OVA-0105-C.json"),
        r#"{"Kod": "K", "NabijeciBodTransakces": null}"#,
        r#"{"Kod": "K"}"#,
        r#"{"NabijeciBodTransakces": [], "Kod": "K"}"#,
        r#"{"NabijeciBodTransakces": {"Id": 1}}"#,
        r#"{"NabijeciBodTransakces": [{"Id": 1}], "NabijeciBodTransakces": [{"Id": 2}]}"#,
        r#"{"NabijeciBodTransakce\u0073": [{"Id": 1}]}"#,
        r#"{"NabijeciBodTransakces": [{"Id": 1}], "Version": "x"}"#,
        r#"{"NabijeciBodTransakces": [{"Id": 1},], "Kod": "K"}"#,
        r#"{"NabijeciBodTransakces": [{"Id": 1}]} trailing"#,
        r#"{"NabijeciBodTransakces": [{"Id": 1}"#,
        "{\n  \"Kod\": \"K\",\n  \"NabijeciBodTransakces\": [\n    {\n      \"Id\": 5,\n      \"DatumZahajeni\": \"2024-01-01T10:00:00\"\n    }\n  ]\n}\n",
        "[]",
        "<html></html>",
    ]
    .map(String::from)
    .to_vec();
    bodies.push(odd_point);
    for connector in [0, 2] {
        let client =
            Client::new(Config::builder().connector_id(connector).build().unwrap()).unwrap();
        for body in &bodies {
            let lean = client.point_page_sessions("C-1", &response(200, body));
            let want = two_steps(&client, body);
            assert_eq!(format!("{lean:?}"), format!("{want:?}"), "{body}");
        }
        let sessions = client
            .point_page_sessions("C-1", &response(200, &bodies[bodies.len() - 1]))
            .unwrap();
        assert_eq!(sessions.len(), 18);
        assert_eq!(sessions.iter().filter(|s| s.is_ok()).count(), 8);
    }
}

#[test]
fn point_page_sessions_check_the_response_first() {
    let client = Client::new(Config::builder().build().unwrap()).unwrap();
    for (status, body) in [(404, "{}"), (200, "null"), (200, " "), (204, "")] {
        let e = client
            .point_page_sessions("C-1", &response(status, body))
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "cleverpower: charging point for charge id \"C-1\" (connector 0) was not found; check the id",
            "{status} {body:?}"
        );
    }
    let e = client
        .point_page_sessions("C-1", &response(500, "{}"))
        .unwrap_err();
    assert!(
        matches!(
            e,
            evsessions_core::Error::Api {
                status: Some(500),
                ..
            }
        ),
        "{e:?}"
    );
}
