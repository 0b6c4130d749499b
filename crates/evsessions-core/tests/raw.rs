//! The writers emit `raw` as the vendor's text, never re-encoded; NDJSON stays one line a record.

use evsessions_core::{ChargingSession, OutputFormat, RawRecord, SessionWriter, SourceKind};

fn session(raw: &str) -> ChargingSession {
    ChargingSession::new(
        SourceKind::from_static("v"),
        "1",
        RawRecord::from_json(raw).unwrap(),
    )
}

fn written(format: OutputFormat, s: &ChargingSession) -> String {
    let mut w = SessionWriter::new(format, Vec::new()).unwrap();
    w.write(s).unwrap();
    String::from_utf8(w.finish().unwrap()).unwrap()
}

#[test]
fn ndjson_and_json_carry_raw_verbatim() {
    let text = r#"{"b":0.20,"a":"\u00e9\/","id":18446744073709551617,"x":1e400,"n":-0}"#;
    let s = session(text);
    let line = written(OutputFormat::Ndjson, &s);
    assert!(line.ends_with(&format!("\"raw\":{text}}}\n")), "{line}");
    assert_eq!(line.matches('\n').count(), 1);
    let json = written(OutputFormat::Json, &s);
    assert!(json.contains(&format!("\"raw\":{text}}}")), "{json}");
    // A record read back keeps the text.
    let back: ChargingSession = serde_json::from_str(line.trim_end()).unwrap();
    assert_eq!(back.raw.as_str(), text);
    assert_eq!(back, s);
}

#[test]
fn a_pretty_printed_record_is_one_ndjson_line() {
    let s = session("{\n  \"a\": \"x  y\",\r\n  \"b\": [1,\n 2.50]\n}");
    assert_eq!(s.raw.as_str(), r#"{"a":"x  y","b":[1,2.50]}"#);
    let line = written(OutputFormat::Ndjson, &s);
    assert_eq!(line.matches('\n').count(), 1, "{line}");
    assert!(
        line.ends_with("\"raw\":{\"a\":\"x  y\",\"b\":[1,2.50]}}\n"),
        "{line}"
    );
}
