//! JSON decoding that says where it failed: the JSON path (via `serde_path_to_error`) and a
//! short excerpt of the body.

use serde::de::DeserializeOwned;

use crate::error::{truncate_chars, Error, Result};
use crate::model::SourceKind;

/// Decode a whole response body. On failure: [`Error::Decode`] with the JSON path of the
/// offending value and an excerpt of the body around it.
pub fn decode_json<T: DeserializeOwned>(
    vendor: &SourceKind,
    endpoint: &str,
    body: &[u8],
) -> Result<T> {
    decode_inner(vendor, endpoint, body, true)
}

/// Like [`decode_json`] but never puts an excerpt of the body into the error: for bodies that
/// hold secrets (token responses).
pub fn decode_json_secret<T: DeserializeOwned>(
    vendor: &SourceKind,
    endpoint: &str,
    body: &[u8],
) -> Result<T> {
    decode_inner(vendor, endpoint, body, false)
}

fn decode_inner<T: DeserializeOwned>(
    vendor: &SourceKind,
    endpoint: &str,
    body: &[u8],
    with_snippet: bool,
) -> Result<T> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut de)
        .map_err(|e| (path_text(e.path()), e.into_inner()))
        .and_then(|v| de.end().map(|_| v).map_err(|e| (".".to_string(), e)));
    value.map_err(|(path, inner)| {
        let snippet = if with_snippet {
            Some(excerpt(body, &inner))
        } else {
            None
        };
        let message = if body.iter().all(|b| b.is_ascii_whitespace()) {
            "the body is empty".to_string()
        } else if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<') {
            "the server sent HTML, not JSON".to_string()
        } else if inner.is_eof() {
            format!("the body ends early (truncated?): {inner}")
        } else {
            inner.to_string()
        };
        Error::Decode {
            vendor: vendor.clone(),
            endpoint: endpoint.to_string(),
            record: None,
            path,
            message,
            snippet,
        }
    })
}

/// Decode one record of a page from its JSON value. On failure: [`Error::Decode`] naming the
/// record (`record_id`) and the JSON path inside it; no excerpt (the message names the value).
pub fn decode_record<T: DeserializeOwned>(
    vendor: &SourceKind,
    endpoint: &str,
    record_id: Option<String>,
    value: &serde_json::Value,
) -> Result<T> {
    serde_path_to_error::deserialize(value).map_err(|e| Error::Decode {
        vendor: vendor.clone(),
        endpoint: endpoint.to_string(),
        record: record_id,
        path: path_text(e.path()),
        message: e.into_inner().to_string(),
        snippet: None,
    })
}

/// The id of a raw record for error messages: the first of `keys` present, as text.
pub fn record_id_hint(value: &serde_json::Value, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| match value.get(*k)? {
        serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

fn path_text(p: &serde_path_to_error::Path) -> String {
    let s = p.to_string();
    if s == "?" || s.is_empty() {
        ".".to_string()
    } else {
        s
    }
}

fn excerpt(body: &[u8], e: &serde_json::Error) -> String {
    let text = String::from_utf8_lossy(body);
    let line = text.lines().nth(e.line().saturating_sub(1)).unwrap_or("");
    let chars: Vec<char> = line.chars().collect();
    let col = e.column().min(chars.len());
    let from = col.saturating_sub(40);
    let to = (col + 40).min(chars.len());
    let s: String = chars
        .get(from..to)
        .map(|c| c.iter().collect())
        .unwrap_or_default();
    truncate_chars(s.trim(), 100)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    const V: SourceKind = SourceKind::from_static("v");

    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct Page {
        items: Vec<Item>,
    }
    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    #[serde(rename_all = "camelCase")]
    struct Item {
        full_consumption_wh: i64,
    }

    #[test]
    fn errors_name_the_path() {
        let body = br#"{"items":[{"fullConsumptionWh":1},{"fullConsumptionWh":"lots"}]}"#;
        let e = decode_json::<Page>(&V, "POST /x", body).unwrap_err();
        match &e {
            Error::Decode { path, snippet, .. } => {
                assert_eq!(path, "items[1].fullConsumptionWh");
                assert!(snippet.as_deref().unwrap().contains("lots"));
            }
            other => panic!("{other:?}"),
        }
        assert!(e.to_string().contains("items[1].fullConsumptionWh"), "{e}");
    }

    #[test]
    fn truncated_html_and_empty_bodies() {
        let e = decode_json::<Page>(&V, "x", br#"{"items":[{"fullCons"#).unwrap_err();
        assert!(e.to_string().contains("truncated"), "{e}");
        let e = decode_json::<Page>(&V, "x", b"<html>oops</html>").unwrap_err();
        assert!(e.to_string().contains("HTML"), "{e}");
        let e = decode_json::<Page>(&V, "x", b"").unwrap_err();
        assert!(e.to_string().contains("empty"), "{e}");
        let e = decode_json_secret::<Page>(&V, "x", br#"{"access_token":"s3cr3t"}"#).unwrap_err();
        assert!(!e.to_string().contains("s3cr3t"), "{e}");
    }

    #[test]
    fn record_errors_name_record_and_field() {
        let v = serde_json::json!({"id": 7, "fullConsumptionWh": "lots"});
        let e = decode_record::<Item>(&V, "POST /x", record_id_hint(&v, &["id"]), &v).unwrap_err();
        assert_eq!(
            e.to_string(),
            "v: could not decode record 7 of POST /x at `fullConsumptionWh`: invalid type: string \"lots\", expected i64"
        );
    }
}
