//! JSON decoding that says where it failed: the JSON path (via `serde_path_to_error`) and a
//! short excerpt of the body.
//!
//! Decoding runs at full speed; only when it fails is the input read again, with path tracking,
//! to say where.

use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::error::{truncate_chars, Error, Result};
use crate::model::SourceKind;
use crate::raw::RawRecord;

/// Decode a whole response body (`T` may borrow from it: `&RawValue`, `&str`). On failure: [`Error::Decode`] with the JSON path of the
/// offending value and an excerpt of the body around it.
pub fn decode_json<'de, T: Deserialize<'de>>(
    vendor: &SourceKind,
    endpoint: &str,
    body: &'de [u8],
) -> Result<T> {
    decode_inner(vendor, endpoint, body, true)
}

/// Like [`decode_json`] but never puts an excerpt of the body into the error: for bodies that
/// hold secrets (token responses).
pub fn decode_json_secret<'de, T: Deserialize<'de>>(
    vendor: &SourceKind,
    endpoint: &str,
    body: &'de [u8],
) -> Result<T> {
    decode_inner(vendor, endpoint, body, false)
}

fn decode_inner<'de, T: Deserialize<'de>>(
    vendor: &SourceKind,
    endpoint: &str,
    body: &'de [u8],
    with_snippet: bool,
) -> Result<T> {
    // One UTF-8 check of the whole body, then text parsing (a slice parse would check the
    // text of every raw item again).
    if let Ok(text) = std::str::from_utf8(body) {
        if let Ok(v) = serde_json::from_str(text) {
            return Ok(v);
        }
    }
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

/// Bodies of at least this many bytes are decoded by [`offload`] on tokio's blocking pool;
/// smaller ones (a few records) are decoded where they are received, which is cheaper than a
/// hand-over between threads.
pub const OFFLOAD_MIN_BYTES: usize = 64 * 1024;

/// Run `work`, the decoding and normalizing of one received page (`body_len` bytes), where it
/// does not hold up the async runtime: on tokio's blocking pool when called on a multi-thread
/// runtime and the body is at least [`OFFLOAD_MIN_BYTES`], else right here.
///
/// Decoding a page of 1,000 records takes milliseconds of CPU. Run on the blocking pool, the
/// pages a session stream fetches ahead (`SessionQuery::concurrency`) are decoded in parallel,
/// on other cores, while the caller processes the page before; and the runtime's worker
/// threads stay free for I/O. A panic inside `work` is resumed in the caller, as if `work` had
/// run here. Only if the runtime shuts down before `work` has run is the result an error
/// ([`Error::Transport`] naming `vendor` and `endpoint`).
///
/// ```
/// # #[tokio::main(flavor = "multi_thread", worker_threads = 1)]
/// # async fn main() {
/// use evsessions_core::{decode::offload, SourceKind};
/// let body = br#"{"items":[1,2,3]}"#.repeat(10_000);
/// let n = offload(&SourceKind::from_static("v"), "GET /x", body.len(), move || {
///     Ok(body.len())
/// })
/// .await
/// .unwrap();
/// assert_eq!(n, 170_000);
/// # }
/// ```
pub async fn offload<T, F>(
    vendor: &SourceKind,
    endpoint: &str,
    body_len: usize,
    work: F,
) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T> + Send + 'static,
{
    use tokio::runtime::{Handle, RuntimeFlavor};
    let handle = match Handle::try_current() {
        Ok(h)
            if body_len >= OFFLOAD_MIN_BYTES
                && h.runtime_flavor() == RuntimeFlavor::MultiThread =>
        {
            h
        }
        _ => return work(),
    };
    match handle.spawn_blocking(work).await {
        Ok(result) => result,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(_) => Err(Error::Transport {
            vendor: vendor.clone(),
            endpoint: endpoint.to_string(),
            message: "the async runtime shut down before the page was decoded".to_string(),
            connect: false,
        }),
    }
}

/// Decode one record of a page from its own JSON text (the page's items are
/// [`RawRecord`]s: one parse of the page, no `Value` tree). On failure: [`Error::Decode`]
/// naming the record (the first of `id_keys` present, exactly as sent) and the JSON path
/// inside it; no excerpt (the message names the value).
///
/// The error is not yet masked with the source's secrets: a vendor crate decodes through
/// [`crate::HttpClient::decode_record`], which is.
///
/// ```
/// use evsessions_core::{decode::decode_record, RawRecord, SourceKind};
/// #[derive(serde::Deserialize)]
/// struct Tx { kwh: f64 }
/// let raw = RawRecord::from_json(r#"{"id": 7, "kwh": "lots"}"#).unwrap();
/// let e = decode_record::<Tx>(&SourceKind::from_static("v"), "GET /tx", &["id"], &raw)
///     .err()
///     .unwrap();
/// assert_eq!(
///     e.to_string(),
///     "v: could not decode record 7 of GET /tx at `kwh`: invalid type: string \"lots\", expected f64"
/// );
/// ```
pub fn decode_record<T: DeserializeOwned>(
    vendor: &SourceKind,
    endpoint: &str,
    id_keys: &[&str],
    raw: &RawRecord,
) -> Result<T> {
    match serde_json::from_str::<T>(raw.as_str()) {
        Ok(v) => Ok(v),
        Err(first) => Err(record_error::<T>(vendor, endpoint, id_keys, raw, first)),
    }
}

/// The records of a page that is a JSON array: each decoded as `T` (as [`decode_record`]
/// decodes it, one bad record is one `Err` in place), paired with its text and handed to
/// `each`, whose results are collected in order. The result is that of decoding the body as
/// `Vec<RawRecord>` with [`decode_json`] (whose error, for a body that is no array of JSON
/// values, is this function's) and then each record with [`decode_record`]; but a
/// well-formed array is read in one pass, each record straight into `T`, its text taken
/// from where the parse started and ended.
///
/// ```
/// use evsessions_core::{decode::decode_record_list, SourceKind};
/// #[derive(serde::Deserialize, Debug)]
/// struct Tx { kwh: f64 }
/// let body = br#"[{"id": 1, "kwh": 0.50}, {"id": 2, "kwh": "lots"}]"#;
/// let v = SourceKind::from_static("v");
/// let records = decode_record_list::<Tx, _>(&v, "GET /tx", &["id"], body, |r| r).unwrap();
/// let (tx, raw) = records[0].as_ref().unwrap();
/// assert_eq!((tx.kwh, raw.as_str()), (0.5, r#"{"id": 1, "kwh": 0.50}"#));
/// assert!(records[1].as_ref().unwrap_err().to_string().contains("record 2"));
/// ```
pub fn decode_record_list<T: DeserializeOwned, U>(
    vendor: &SourceKind,
    endpoint: &str,
    id_keys: &[&str],
    body: &[u8],
    mut each: impl FnMut(Result<(T, RawRecord)>) -> U,
) -> Result<Vec<U>> {
    decode_record_list_lean::<T, U>(vendor, endpoint, body, |view, raw| {
        each(typed(vendor, endpoint, id_keys, view, raw))
    })
}

/// A record read through the model as the one-pass readers hand it over: the view when
/// it was one (for an owned `T`, the model itself), else the record decoded on its own with
/// [`decode_record`], which names what is wrong.
fn typed<T: DeserializeOwned>(
    vendor: &SourceKind,
    endpoint: &str,
    id_keys: &[&str],
    view: Option<T>,
    raw: RawRecord,
) -> Result<(T, RawRecord)> {
    match view {
        Some(t) => Ok((t, raw)),
        None => decode_record(vendor, endpoint, id_keys, &raw).map(|t| (t, raw)),
    }
}

fn skip_ws(bytes: &[u8], mut i: usize) -> usize {
    while matches!(bytes.get(i), Some(b' ' | b'\n' | b'\t' | b'\r')) {
        i += 1;
    }
    i
}

/// Room in `out` (holding the first record, read from `text[first..end]` of a text of
/// `text_len` bytes) for the records to come. Records of a page are alike: as many as the rest
/// of the text holds at the first one's length, and a quarter more for records a little
/// shorter (at most four times the text's size in memory), so that the list is neither copied
/// as it grows nor held in twice the room it needs.
fn reserve_like_first<U>(out: &mut Vec<U>, text_len: usize, first: usize, end: usize) {
    let per_record = end - first + 1;
    let room = text_len.saturating_sub(end) / per_record;
    let room = room.saturating_add(room / 4);
    let cap = 4 * text_len / std::mem::size_of::<U>().max(1);
    out.reserve(room.min(cap));
}

/// The offset of the `[` of the array at `path` (keys of nested objects, from the top) in
/// `text`; `None` when the text is not objects down to an array there.
fn array_at(text: &str, path: &[&str]) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = skip_ws(bytes, 0);
    for (depth, want) in path.iter().enumerate() {
        if bytes.get(i) != Some(&b'{') {
            return None;
        }
        i = skip_ws(bytes, i + 1);
        loop {
            let mut keys = serde_json::Deserializer::from_str(text.get(i..)?).into_iter::<String>();
            let key = keys.next()?.ok()?;
            i = skip_ws(bytes, i + keys.byte_offset());
            if bytes.get(i) != Some(&b':') {
                return None;
            }
            i = skip_ws(bytes, i + 1);
            if key == *want {
                break;
            }
            let mut value = serde_json::Deserializer::from_str(text.get(i..)?)
                .into_iter::<serde::de::IgnoredAny>();
            value.next()?.ok()?;
            i = skip_ws(bytes, i + value.byte_offset());
            match bytes.get(i) {
                Some(b',') => i = skip_ws(bytes, i + 1),
                _ => return None,
            }
        }
        if depth + 1 == path.len() {
            return (bytes.get(i) == Some(&b'[')).then_some(i);
        }
    }
    None
}

/// The records of a page whose records are an array inside a JSON object: `items` (the
/// keys down to the array: `&["items"]`, `&["payload", "items"]`), each decoded as `T` with
/// its text and handed to `each` (as [`decode_record_list`] does), and the rest of the page
/// decoded as `E` with an empty array in their place. `items_of` takes the records out of an
/// `E` decoded from the whole body, the way a malformed page (or one this function cannot read
/// in one pass: records not an array, a key repeated) is read, so that the result and every
/// error are those of decoding the body as `E` with [`decode_json`] and then each record with
/// [`decode_record`].
///
/// `each` is called once for each record of the result, in order; but when a page whose
/// records read well proves unreadable in one pass (its envelope does not decode without them),
/// the page is read again the slow way and `each` is called again for every record: keep it
/// free of effects that must not repeat.
///
/// ```
/// use evsessions_core::{decode::decode_enveloped_records, RawRecord, SourceKind};
/// #[derive(serde::Deserialize)]
/// struct Page { total: u32, items: Vec<RawRecord> }
/// #[derive(serde::Deserialize, Debug)]
/// struct Tx { kwh: f64 }
/// let body = br#"{"items": [{"id": 1, "kwh": 0.50}, {"id": 2, "kwh": "lots"}], "total": 2}"#;
/// let v = SourceKind::from_static("v");
/// let (page, records) = decode_enveloped_records::<Page, Tx, _>(
///     &v, "GET /tx", &["id"], body, &["items"], |p| std::mem::take(&mut p.items), |r| r,
/// )
/// .unwrap();
/// assert_eq!(page.total, 2);
/// let (tx, raw) = records[0].as_ref().unwrap();
/// assert_eq!((tx.kwh, raw.as_str()), (0.5, r#"{"id": 1, "kwh": 0.50}"#));
/// assert!(records[1].as_ref().unwrap_err().to_string().contains("record 2"));
/// ```
pub fn decode_enveloped_records<E: DeserializeOwned, T: DeserializeOwned, U>(
    vendor: &SourceKind,
    endpoint: &str,
    id_keys: &[&str],
    body: &[u8],
    items: &[&str],
    items_of: impl FnOnce(&mut E) -> Vec<RawRecord>,
    mut each: impl FnMut(Result<(T, RawRecord)>) -> U,
) -> Result<(E, Vec<U>)> {
    decode_enveloped_lean::<E, T, U>(vendor, endpoint, body, items, items_of, |view, raw| {
        each(typed(vendor, endpoint, id_keys, view, raw))
    })
}

/// [`decode_record_list`] for a lean view of a record: each record of a well-formed array is
/// parsed once, straight from the page's text, as `T` (which may borrow from the body:
/// `&str` or `Cow<str>` fields, fields skipped), and handed to `each` with its text
/// (made as [`decode_record_list`] makes it): `Some(view)`, or `None` when the record is no
/// `T`. A page that cannot be read in one pass (where [`decode_record_list`] takes its slow
/// path) is decoded as `Vec<RawRecord>` with [`decode_json`], whose error is this function's,
/// and each record is handed to `each` with `None`.
///
/// `None` means "read this record the full way": a vendor crate reads through a view only
/// the records it can, and every other record from its [`RawRecord`] as before, so that the
/// result is the same whichever way a page was read.
///
/// ```
/// use evsessions_core::{decode::decode_record_list_lean, SourceKind};
/// #[derive(serde::Deserialize)]
/// struct View<'a> { id: u32, name: &'a str }
/// let body = br#"[{"id": 1, "name": "a"}, {"id": 2, "name": "\u00e9"}, 7]"#;
/// let v = SourceKind::from_static("v");
/// let read = decode_record_list_lean::<View, _>(&v, "GET /x", body, |view, raw| {
///     match view {
///         Some(v) => format!("{} {}", v.id, v.name),
///         None => format!("full: {}", raw.as_str()),
///     }
/// })
/// .unwrap();
/// // A `&str` cannot hold an escaped string: that record is read the full way.
/// assert_eq!(read, ["1 a", r#"full: {"id": 2, "name": "\u00e9"}"#, "full: 7"]);
/// ```
pub fn decode_record_list_lean<'de, T: Deserialize<'de>, U>(
    vendor: &SourceKind,
    endpoint: &str,
    body: &'de [u8],
    mut each: impl FnMut(Option<T>, RawRecord) -> U,
) -> Result<Vec<U>> {
    if let Ok(text) = std::str::from_utf8(body) {
        let start = skip_ws(text.as_bytes(), 0);
        if let Some((records, end)) = array_in_one_pass(text, start, &mut each) {
            if skip_ws(text.as_bytes(), end) == text.len() {
                return Ok(records);
            }
        }
    }
    let raws: Vec<RawRecord> = decode_json(vendor, endpoint, body)?;
    Ok(raws.into_iter().map(|raw| each(None, raw)).collect())
}

/// [`decode_enveloped_records`] for a lean view of a record, as [`decode_record_list_lean`]
/// is [`decode_record_list`]'s: the records of the array at `items` are each parsed once
/// from the page's text as `T` and handed to `each` (`None` when a record is no `T`), and
/// the rest of the page is decoded as `E` with an empty array in their place. A page that
/// cannot be read in one pass is decoded as `E` with [`decode_json`] (whose error is this
/// function's) and each record that `items_of` takes out of it is handed to `each` with
/// `None`.
///
/// The records are read before the rest of the page: when the rest then does not decode in
/// one pass, what `each` made of them is dropped and the page is read the slow way, so
/// `each` should do nothing but make its result.
///
/// ```
/// use evsessions_core::{decode::decode_enveloped_lean, RawRecord, SourceKind};
/// #[derive(serde::Deserialize)]
/// struct Point { code: String, sessions: Vec<RawRecord> }
/// #[derive(serde::Deserialize)]
/// struct View<'a> { id: &'a str }
/// let body = br#"{"sessions": [{"id": "s1"}, {"id": 2}], "code": "P-1"}"#;
/// let v = SourceKind::from_static("v");
/// let (point, ids) = decode_enveloped_lean::<Point, View, _>(
///     &v, "GET /point", body, &["sessions"], |p| std::mem::take(&mut p.sessions),
///     |view, raw| view.map(|v| v.id.to_string()).unwrap_or_else(|| raw.as_str().to_string()),
/// )
/// .unwrap();
/// assert_eq!(point.code, "P-1");
/// assert_eq!(ids, ["s1", r#"{"id": 2}"#]);
/// ```
pub fn decode_enveloped_lean<'de, E: DeserializeOwned, T: Deserialize<'de>, U>(
    vendor: &SourceKind,
    endpoint: &str,
    body: &'de [u8],
    items: &[&str],
    items_of: impl FnOnce(&mut E) -> Vec<RawRecord>,
    mut each: impl FnMut(Option<T>, RawRecord) -> U,
) -> Result<(E, Vec<U>)> {
    let one_pass = std::str::from_utf8(body).ok().and_then(|text| {
        let start = array_at(text, items)?;
        let (records, end) = array_in_one_pass(text, start, &mut each)?;
        let mut rest = String::with_capacity(text.len() - (end - start) + 2);
        rest.push_str(text.get(..start)?);
        rest.push_str("[]");
        rest.push_str(text.get(end..)?);
        let envelope: E = serde_json::from_str(&rest).ok()?;
        Some((envelope, records))
    });
    if let Some(done) = one_pass {
        return Ok(done);
    }
    let mut envelope: E = decode_json(vendor, endpoint, body)?;
    let records = items_of(&mut envelope)
        .into_iter()
        .map(|raw| each(None, raw))
        .collect();
    Ok((envelope, records))
}

/// The records of the array that starts at `text[start]`, each parsed straight from the text
/// as `T` (which may borrow from it) and handed to `each` with its text, or with `None` when
/// it is no `T`; and the offset just past the array. `None` when there is no well-formed array
/// of JSON values there (then the slow path says what is wrong).
fn array_in_one_pass<'de, T: Deserialize<'de>, U>(
    text: &'de str,
    start: usize,
    each: &mut impl FnMut(Option<T>, RawRecord) -> U,
) -> Option<(Vec<U>, usize)> {
    let bytes = text.as_bytes();
    let mut i = start;
    if bytes.get(i) != Some(&b'[') {
        return None;
    }
    i = skip_ws(bytes, i + 1);
    let mut out = Vec::new();
    if bytes.get(i) == Some(&b']') {
        return Some((out, i + 1));
    }
    loop {
        let rest: &'de str = text.get(i..)?;
        let mut typed = serde_json::Deserializer::from_str(rest).into_iter::<T>();
        let end = match typed.next()? {
            Ok(t) => {
                let end = i + typed.byte_offset();
                out.push(each(Some(t), RawRecord::from_parsed(text.get(i..end)?)));
                end
            }
            Err(_) => {
                let mut any = serde_json::Deserializer::from_str(rest)
                    .into_iter::<&serde_json::value::RawValue>();
                let raw = RawRecord::from_parsed(any.next()?.ok()?.get());
                out.push(each(None, raw));
                i + any.byte_offset()
            }
        };
        if out.len() == 1 {
            reserve_like_first(&mut out, text.len(), i, end);
        }
        i = skip_ws(bytes, end);
        match bytes.get(i) {
            Some(b',') => i = skip_ws(bytes, i + 1),
            Some(b']') => return Some((out, i + 1)),
            _ => return None,
        }
    }
}

#[cold]
fn record_error<T: DeserializeOwned>(
    vendor: &SourceKind,
    endpoint: &str,
    id_keys: &[&str],
    raw: &RawRecord,
    first: serde_json::Error,
) -> Error {
    let mut de = serde_json::Deserializer::from_str(raw.as_str());
    let (path, inner) = match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Err(e) => (path_text(e.path()), e.into_inner()),
        Ok(_) => (".".to_string(), first),
    };
    Error::Decode {
        vendor: vendor.clone(),
        endpoint: endpoint.to_string(),
        record: raw.id_text(id_keys),
        path,
        message: without_position(&inner),
        snippet: None,
    }
}

/// The message of a serde_json error without its ` at line L column C` (a record's position
/// inside its own text says nothing; the path does).
fn without_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    match text.strip_suffix(&suffix) {
        Some(t) if e.line() > 0 => t.to_string(),
        _ => text,
    }
}

/// The id of a JSON object for error messages: the first of `keys` present, as text.
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

    /// Pages with records in `items`, well-formed or not, that a one-pass read must read as
    /// the two-pass read does.
    const ODD_ENVELOPES: [&str; 14] = [
        "{\n  \"items\": [\n    {\"id\": 1,\n \"a\": [1, 2]}\n  ],\n  \"total\": 1\n}\n",
        r#"{"x": {"items": [1]}, "s": "items", "items": []}"#,
        r#"{"it\u0065ms": [{"id": 4}]}"#,
        r#"{"total": 1}"#,
        r#"{"items": null, "total": 0}"#,
        r#"{"items": {"id": 1}}"#,
        r#"{"items": [{"id": 1}], "items": [{"id": 2}]}"#,
        r#"{"items": [{"id": 1}], "total": "many"}"#,
        r#"{"items": [{"id": 1},], "total": 1}"#,
        r#"{"items": [{"id": 1}], "total": 1} trailing"#,
        r#"{"items": [{"id": 1}"#,
        r#"[{"id": 1}]"#,
        "<html></html>",
        "",
    ];

    /// Record lists, well-formed or not, that a one-pass read (lean or not) must read as the
    /// two-pass read does.
    const ODD_ARRAYS: [&str; 10] = [
        " [ ] ",
        r#"[{"id": 1},]"#,
        r#"[{"id": 1} {"id": 2}]"#,
        r#"[{"id": 1}, {"id": 2"#,
        r#"[{"id": 1}] x"#,
        r#"{"id": 1}"#,
        r#"[{"id": 1, "id": 2}]"#,
        r#"[{"id": 1, "s": "\ud800"}]"#,
        "[\"\u{1}\"]",
        "",
    ];

    /// Decoded records as text, to compare two ways of reading a page.
    fn shown_records<T: std::fmt::Debug>(items: Vec<Result<(T, RawRecord)>>) -> String {
        items
            .into_iter()
            .map(|i| match i {
                Ok((t, raw)) => format!("ok {t:?} {}", raw.as_str()),
                Err(e) => format!("err {e}"),
            })
            .collect::<Vec<_>>()
            .join(" | ")
    }

    /// [`shown_records`] of a page, or its error.
    fn shown<T: std::fmt::Debug>(page: Result<Vec<Result<(T, RawRecord)>>>) -> String {
        match page {
            Ok(items) => shown_records(items),
            Err(e) => format!("page error {e}"),
        }
    }

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

    fn thread_of_offload(body_len: usize) -> impl std::future::Future<Output = bool> {
        let here = std::thread::current().id();
        async move {
            offload(&V, "x", body_len, move || {
                Ok(std::thread::current().id() != here)
            })
            .await
            .unwrap()
        }
    }

    #[test]
    fn offload_moves_large_pages_off_a_multi_thread_runtime_only() {
        let multi = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .unwrap();
        // block_on runs the future on this thread; the work runs elsewhere only when offloaded.
        assert!(multi.block_on(thread_of_offload(OFFLOAD_MIN_BYTES)));
        assert!(!multi.block_on(thread_of_offload(OFFLOAD_MIN_BYTES - 1)));
        let current = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        assert!(!current.block_on(thread_of_offload(OFFLOAD_MIN_BYTES)));
        // Outside any runtime, a plain executor: inline.
        assert!(!futures::executor::block_on(thread_of_offload(
            OFFLOAD_MIN_BYTES
        )));
        // An error and a panic of the work come back as if it had run here.
        let e = multi
            .block_on(offload(&V, "GET /x", OFFLOAD_MIN_BYTES, || {
                Err::<(), _>(Error::config(None, "bad page"))
            }))
            .unwrap_err();
        assert_eq!(e.to_string(), "configuration error: bad page");
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            multi.block_on(offload(
                &V,
                "GET /x",
                OFFLOAD_MIN_BYTES,
                || -> Result<()> { panic!("decoder bug") },
            ))
        }))
        .unwrap_err();
        assert_eq!(panicked.downcast_ref::<&str>(), Some(&"decoder bug"));
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
    fn record_lists_in_one_pass_are_the_two_pass_result() {
        #[derive(Deserialize, Debug, PartialEq)]
        struct R {
            id: u32,
            #[serde(default, with = "crate::serde_util::decimal_opt")]
            kwh: Option<rust_decimal::Decimal>,
        }
        let two_pass = |body: &[u8]| -> Result<Vec<Result<(R, RawRecord)>>> {
            let raws: Vec<RawRecord> = decode_json(&V, "x", body)?;
            Ok(raws
                .into_iter()
                .map(|raw| decode_record(&V, "x", &["id"], &raw).map(|t| (t, raw)))
                .collect())
        };
        for body in [
            "[]",
            r#"[{"id": 1, "kwh": 0.20}, {"id": 2}]"#,
            "\n[\n  {\n    \"id\": 1,\n    \"kwh\": 1.5\n  },\n  {\"id\":2}\n]\n",
            r#"[{"id": 1}, {"id": "x"}, null, 7, {"id": 3, "kwh": 1e400}, {"id": 4}]"#,
        ]
        .into_iter()
        .chain(ODD_ARRAYS)
        .map(String::from)
        // Deep records: the page's raw capture does not count depth, so a record is held to
        // serde_json's limit of 128 levels from its own start in both ways.
        .chain((125..=128).map(|depth| {
            format!(
                "[{{\"id\": 1}}, {{\"id\": 2, \"x\": {}{}}}]",
                "[".repeat(depth),
                "]".repeat(depth)
            )
        })) {
            let body = body.as_str();
            assert_eq!(
                shown(decode_record_list::<R, _>(
                    &V,
                    "x",
                    &["id"],
                    body.as_bytes(),
                    |r| r
                )),
                shown(two_pass(body.as_bytes())),
                "{body}"
            );
        }
        let pretty =
            decode_record_list::<R, _>(&V, "x", &["id"], b"[{\n\"id\": 5}]", |r| r).unwrap();
        assert_eq!(pretty[0].as_ref().unwrap().1.as_str(), r#"{"id":5}"#);
    }

    #[test]
    fn enveloped_records_in_one_pass_are_the_two_pass_result() {
        #[derive(Deserialize, Debug, PartialEq)]
        struct R {
            id: u32,
        }
        #[derive(Deserialize, Debug)]
        struct Env {
            #[serde(default)]
            total: Option<u32>,
            #[serde(deserialize_with = "crate::serde_util::null_as_default")]
            items: Vec<RawRecord>,
        }
        #[derive(Deserialize, Debug)]
        struct Outer {
            #[serde(default)]
            meta: Option<serde_json::Value>,
            payload: Env,
        }
        let flat = |body: &str| match decode_enveloped_records::<Env, R, _>(
            &V,
            "x",
            &["id"],
            body.as_bytes(),
            &["items"],
            |e| std::mem::take(&mut e.items),
            |r| r,
        ) {
            Ok((env, items)) => format!(
                "{:?} {} {}",
                env.total,
                env.items.len(),
                shown_records(items)
            ),
            Err(e) => format!("page error {e}"),
        };
        let flat_two_pass = |body: &str| match decode_json::<Env>(&V, "x", body.as_bytes()) {
            Ok(mut env) => {
                let items = std::mem::take(&mut env.items)
                    .into_iter()
                    .map(|raw| decode_record::<R>(&V, "x", &["id"], &raw).map(|t| (t, raw)))
                    .collect();
                format!(
                    "{:?} {} {}",
                    env.total,
                    env.items.len(),
                    shown_records(items)
                )
            }
            Err(e) => format!("page error {e}"),
        };
        for body in [
            r#"{"total": 2, "items": [{"id": 1}, {"id": 2, "x": 0.20}]}"#,
            r#"{"items": [{"id": 1}, {"id": "bad"}, 7], "total": 3}"#,
        ]
        .into_iter()
        .chain(ODD_ENVELOPES)
        {
            assert_eq!(flat(body), flat_two_pass(body), "{body}");
        }
        let nested = |body: &str| match decode_enveloped_records::<Outer, R, _>(
            &V,
            "x",
            &["id"],
            body.as_bytes(),
            &["payload", "items"],
            |e| std::mem::take(&mut e.payload.items),
            |r| r,
        ) {
            Ok((o, items)) => format!(
                "{:?} {:?} {}",
                o.meta,
                o.payload.total,
                shown_records(items)
            ),
            Err(e) => format!("page error {e}"),
        };
        let nested_two_pass = |body: &str| match decode_json::<Outer>(&V, "x", body.as_bytes()) {
            Ok(mut o) => {
                let items = std::mem::take(&mut o.payload.items)
                    .into_iter()
                    .map(|raw| decode_record::<R>(&V, "x", &["id"], &raw).map(|t| (t, raw)))
                    .collect();
                format!(
                    "{:?} {:?} {}",
                    o.meta,
                    o.payload.total,
                    shown_records(items)
                )
            }
            Err(e) => format!("page error {e}"),
        };
        for body in [
            r#"{"meta": {"status_code": 200}, "payload": {"items": [{"id": 1}], "total": 1}}"#,
            r#"{"payload": {"total": 2, "items": [{"id": 1}, {"id": 2}]}, "meta": null}"#,
            r#"{"meta": {"items": [9]}, "payload": {"items": [{"id": 1, "v": "\u00e9"}]}}"#,
            r#"{"payload": {"items": [{"id": 1}]}, "payload": {"items": []}}"#,
            r#"{"payload": [], "meta": {}}"#,
            r#"{"meta": {}}"#,
        ] {
            assert_eq!(nested(body), nested_two_pass(body), "{body}");
        }
        // A key before the array is skipped whatever it holds; records keep their spacing.
        let (_, items) = decode_enveloped_records::<Env, R, _>(
            &V,
            "x",
            &["id"],
            br#"{"other": {"deep": [[{"items": 1}]]}, "items": [ {"id" : 9} ]}"#,
            &["items"],
            |e| std::mem::take(&mut e.items),
            |r| r,
        )
        .map_err(|e| e.to_string())
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(items[0].as_ref().unwrap().1.as_str(), r#"{"id" : 9}"#);
    }

    #[test]
    fn lean_views_read_as_the_full_way() {
        // A view that borrows its name (an escaped name is no view) and a record read the
        // full way: together they must give what `decode_record_list` and
        // `decode_enveloped_records` give.
        #[derive(Deserialize, Debug, PartialEq)]
        struct R {
            id: u32,
            #[serde(default)]
            name: Option<String>,
        }
        #[derive(Deserialize)]
        struct View<'a> {
            id: u32,
            #[serde(default, borrow)]
            name: Option<&'a str>,
        }
        #[derive(Deserialize, Debug)]
        struct Env {
            #[serde(default)]
            total: Option<u32>,
            #[serde(deserialize_with = "crate::serde_util::null_as_default")]
            items: Vec<RawRecord>,
        }
        let read = |view: Option<View<'_>>, raw: RawRecord| match view {
            Some(v) => Ok((
                R {
                    id: v.id,
                    name: v.name.map(String::from),
                },
                raw,
            )),
            None => decode_record::<R>(&V, "x", &["id"], &raw).map(|t| (t, raw)),
        };
        let mut views = 0;
        for body in [
            r#"[{"id": 1, "name": "a"}, {"id": 2, "name": "\u00e9"}, {"id": 3}]"#,
            "\n[\n  {\n    \"id\": 1,\n    \"name\": \"b c\"\n  },\n  {\"id\":2}\n]\n",
            r#"[{"id": 1}, {"id": "x"}, null, 7, {"id": 3, "name": 5}, {"id": 4}]"#,
        ]
        .into_iter()
        .chain(ODD_ARRAYS)
        {
            let lean = decode_record_list_lean(&V, "x", body.as_bytes(), |view, raw| {
                (view.is_some(), read(view, raw))
            })
            .map(|items| {
                views += items.iter().filter(|(view, _)| *view).count();
                items.into_iter().map(|(_, r)| r).collect()
            });
            assert_eq!(
                shown(lean),
                shown(decode_record_list::<R, _>(
                    &V,
                    "x",
                    &["id"],
                    body.as_bytes(),
                    |r| r
                )),
                "{body}"
            );
        }
        assert_eq!(views, 2 + 2 + 2 + 1, "records read through the view");
        type Records = Vec<Result<(R, RawRecord)>>;
        let show_env = |r: Result<(Env, Records)>| match r {
            Ok((env, items)) => format!(
                "{:?} {} {}",
                env.total,
                env.items.len(),
                shown_records(items)
            ),
            Err(e) => format!("page error {e}"),
        };
        for body in [
            r#"{"total": 2, "items": [{"id": 1, "name": "n"}, {"id": 2, "x": 0.20}]}"#,
            r#"{"items": [{"id": 1}, {"id": "bad"}, 7, {"id": 2, "name": "\""}], "total": 3}"#,
        ]
        .into_iter()
        .chain(ODD_ENVELOPES)
        {
            let lean = decode_enveloped_lean(
                &V,
                "x",
                body.as_bytes(),
                &["items"],
                |e: &mut Env| std::mem::take(&mut e.items),
                read,
            );
            let full = decode_enveloped_records::<Env, R, _>(
                &V,
                "x",
                &["id"],
                body.as_bytes(),
                &["items"],
                |e| std::mem::take(&mut e.items),
                |r| r,
            );
            assert_eq!(show_env(lean), show_env(full), "{body}");
        }
    }

    #[test]
    fn record_errors_name_record_and_field() {
        let raw = RawRecord::from_json(r#"{"id": 7, "fullConsumptionWh": "lots"}"#).unwrap();
        let e = decode_record::<Item>(&V, "POST /x", &["id"], &raw).unwrap_err();
        assert_eq!(
            e.to_string(),
            "v: could not decode record 7 of POST /x at `fullConsumptionWh`: invalid type: string \"lots\", expected i64"
        );
        // An id beyond 2^64 names the record exactly; a nested path is named.
        #[derive(Deserialize, Debug)]
        #[allow(dead_code)]
        struct Outer {
            inner: Vec<Item>,
        }
        let raw = RawRecord::from_json(
            r#"{"id": 184467440737095516170, "inner": [{"fullConsumptionWh": 1}, {"fullConsumptionWh": 1e400}]}"#,
        )
        .unwrap();
        let e = decode_record::<Outer>(&V, "x", &["id"], &raw).unwrap_err();
        match &e {
            Error::Decode { record, path, .. } => {
                assert_eq!(record.as_deref(), Some("184467440737095516170"));
                assert_eq!(path, "inner[1].fullConsumptionWh");
            }
            other => panic!("{other:?}"),
        }
    }
}
