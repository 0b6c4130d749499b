//! [`RawRecord`]: a vendor's record as the vendor spelled it, and the helpers that read
//! scalars from JSON text exactly.

use std::borrow::Cow;
use std::fmt;
use std::hash::{Hash, Hasher};

use serde::de::{self, DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde::ser::SerializeStruct;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

/// A vendor's record exactly as received: the JSON text of the record, byte for byte (numbers
/// as spelled, `0.20` stays `0.20`; escapes as sent; keys in the vendor's order; ids beyond
/// 2^64, `-0` and `1e-400` untouched).
///
/// One thing may differ from the bytes on the wire: a record whose text contains a line break
/// (a pretty-printing server) is kept with the white space between its tokens removed, so that
/// every record fits one NDJSON line. White space inside strings is never touched.
///
/// It serializes as the JSON text itself (never re-encoded) and deserializes from any JSON
/// value. Equality and hashing are those of the text.
///
/// ```
/// use evsessions_core::RawRecord;
/// let raw = RawRecord::from_json(r#"{"id":18446744073709551617,"kwh":0.20,"n":"\u00e9"}"#).unwrap();
/// assert_eq!(raw.field("kwh").map(|v| v.get()), Some("0.20"));
/// assert_eq!(raw.id_text(&["id"]).as_deref(), Some("18446744073709551617"));
/// assert_eq!(raw.get::<String>("n").unwrap().as_deref(), Some("é"));
/// let out = serde_json::to_string(&raw).unwrap();
/// assert_eq!(out, r#"{"id":18446744073709551617,"kwh":0.20,"n":"\u00e9"}"#);
/// ```
#[derive(Clone)]
pub struct RawRecord(
    /// The text: always one JSON value without surrounding white space (checked by a parse
    /// before it gets here); empty for `null`, so that a default record allocates nothing.
    Box<str>,
);

impl RawRecord {
    /// A record from raw JSON text (as a page decode yields it). Text with a line break is
    /// compacted (white space between tokens removed).
    pub fn from_raw_value(raw: Box<RawValue>) -> RawRecord {
        if has_line_break(raw.get()) {
            RawRecord::from_parsed(raw.get())
        } else {
            RawRecord::from_text(raw.into())
        }
    }

    /// A record from text that a JSON parser has just read as one value (a record of a page
    /// decoded in place, see [`crate::decode::decode_record_list`]): the same record as
    /// [`RawRecord::from_raw_value`] makes of that text, without checking it again.
    pub(crate) fn from_parsed(text: &str) -> RawRecord {
        if has_line_break(text) {
            let compact = compact_json(text);
            // Removing white space between the tokens of valid JSON keeps it valid; should
            // it ever not, the text as received is kept.
            match RawValue::from_string(compact) {
                Ok(c) => RawRecord::from_text(c.into()),
                Err(_) => RawRecord::from_text(text.into()),
            }
        } else {
            RawRecord::from_text(text.into())
        }
    }

    fn from_text(text: Box<str>) -> RawRecord {
        if &*text == "null" {
            RawRecord::default()
        } else {
            RawRecord(text)
        }
    }

    /// A record from JSON text, checked to be one JSON value (leading and trailing white space
    /// is dropped).
    ///
    /// ```
    /// use evsessions_core::RawRecord;
    /// assert_eq!(RawRecord::from_json(" {\"a\": 1.50}\n").unwrap().as_str(), "{\"a\": 1.50}");
    /// assert!(RawRecord::from_json("{\"a\":").is_err());
    /// ```
    pub fn from_json(text: impl Into<String>) -> Result<RawRecord, serde_json::Error> {
        let text = text.into();
        let trimmed = text.trim();
        let raw = if trimmed.len() == text.len() {
            RawValue::from_string(text)?
        } else {
            RawValue::from_string(trimmed.to_string())?
        };
        Ok(RawRecord::from_raw_value(raw))
    }

    /// A record from a JSON value (for tests and hand-made sessions): its compact text.
    pub fn from_value(value: &serde_json::Value) -> RawRecord {
        // A `Value` always serializes (its numbers are finite); `null` is a safe fallback.
        serde_json::value::to_raw_value(value)
            .map(|raw| RawRecord::from_text(raw.into()))
            .unwrap_or_default()
    }

    /// JSON `null` (a record with nothing received).
    pub fn null() -> RawRecord {
        RawRecord::default()
    }

    /// The JSON text.
    pub fn as_str(&self) -> &str {
        if self.0.is_empty() {
            "null"
        } else {
            &self.0
        }
    }

    /// The text as a [`RawValue`] (read again: the record keeps only its text).
    pub fn as_raw_value(&self) -> &RawValue {
        // The text is one JSON value, so the fallback is never taken.
        serde_json::from_str(self.as_str()).unwrap_or(RawValue::NULL)
    }

    /// The text as a boxed [`RawValue`] (read again: the record keeps only its text).
    pub fn into_raw_value(self) -> Box<RawValue> {
        // The text is one JSON value, so the fallback is never taken.
        RawValue::from_string(self.as_str().to_string())
            .unwrap_or_else(|_| RawValue::NULL.to_owned())
    }

    /// True for JSON `null`.
    pub fn is_null(&self) -> bool {
        self.as_str() == "null"
    }

    /// The text of the top-level field `key` (the last one if the key repeats), exactly as
    /// received; `None` when the record is no object or has no such key.
    pub fn field(&self, key: &str) -> Option<&RawValue> {
        let mut de = serde_json::Deserializer::from_str(self.as_str());
        FieldSeed { key }.deserialize(&mut de).ok().flatten()
    }

    /// The top-level field `key` decoded as `T`: `Ok(None)` when absent, an error when it does
    /// not decode as `T`.
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, serde_json::Error> {
        self.field(key)
            .map(|v| serde_json::from_str(v.get()))
            .transpose()
    }

    /// The first of `keys` present as an identifier: a string as is (`""` skipped), a number
    /// as its exact text. For naming a record in an error, or reading an id the model does
    /// not keep.
    pub fn id_text(&self, keys: &[&str]) -> Option<String> {
        keys.iter().find_map(|k| {
            let v = self.field(k)?;
            let mut de = serde_json::Deserializer::from_str(v.get());
            crate::serde_util::opt_id(&mut de).ok().flatten()
        })
    }

    /// The record as a [`serde_json::Value`] (numbers as `Value` reads them; fails on what
    /// `Value` cannot hold, e.g. `1e400` or nesting deeper than 128).
    pub fn to_value(&self) -> Result<serde_json::Value, serde_json::Error> {
        serde_json::from_str(self.as_str())
    }

    /// The text with every white space between tokens removed (for comparing records whose
    /// formatting differs).
    ///
    /// ```
    /// let raw = evsessions_core::RawRecord::from_json(r#"{ "a" : [1, 2], "b c": " x " }"#).unwrap();
    /// assert_eq!(raw.compact_text(), r#"{"a":[1,2],"b c":" x "}"#);
    /// ```
    pub fn compact_text(&self) -> Cow<'_, str> {
        let t = self.as_str();
        if t.bytes().any(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r')) {
            Cow::Owned(compact_json(t))
        } else {
            Cow::Borrowed(t)
        }
    }
}

fn has_line_break(text: &str) -> bool {
    memchr::memchr2(b'\n', b'\r', text.as_bytes()).is_some()
}

/// `text` (valid JSON) with the white space between tokens removed.
fn compact_json(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    for c in text.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if !matches!(c, ' ' | '\t' | '\n' | '\r') {
            if c == '"' {
                in_string = true;
            }
            out.push(c);
        }
    }
    out
}

impl Default for RawRecord {
    fn default() -> Self {
        RawRecord(Box::from(""))
    }
}

impl fmt::Debug for RawRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RawRecord({})", self.as_str())
    }
}

impl fmt::Display for RawRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq for RawRecord {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}
impl Eq for RawRecord {}

impl Hash for RawRecord {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

impl From<serde_json::Value> for RawRecord {
    fn from(v: serde_json::Value) -> Self {
        RawRecord::from_value(&v)
    }
}

impl From<&serde_json::Value> for RawRecord {
    fn from(v: &serde_json::Value) -> Self {
        RawRecord::from_value(v)
    }
}

impl From<Box<RawValue>> for RawRecord {
    fn from(v: Box<RawValue>) -> Self {
        RawRecord::from_raw_value(v)
    }
}

impl Serialize for RawRecord {
    /// The text itself (JSON serializers write it verbatim): serialized as `serde_json`'s
    /// [`RawValue`] serializes.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct(RAW_VALUE_TOKEN, 1)?;
        st.serialize_field(RAW_VALUE_TOKEN, self.as_str())?;
        st.end()
    }
}

impl<'de> Deserialize<'de> for RawRecord {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Box::<RawValue>::deserialize(d).map(RawRecord::from_raw_value)
    }
}

struct FieldSeed<'k> {
    key: &'k str,
}

impl<'de> DeserializeSeed<'de> for FieldSeed<'_> {
    type Value = Option<&'de RawValue>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for FieldSeed<'_> {
    type Value = Option<&'de RawValue>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut found = None;
        while let Some(k) = map.next_key::<Cow<'de, str>>()? {
            if k == self.key {
                found = Some(map.next_value::<&'de RawValue>()?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

/// One JSON scalar as the vendor wrote it, for the tolerant readers of
/// [`crate::serde_util`] (ids, decimals).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum JsonScalar<'a> {
    /// `null` (or an absent optional).
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A number, as its JSON text exactly (`0.20`, `1e400`, `-0`, `18446744073709551617`).
    Number(&'a str),
    /// A string, unescaped.
    String(&'a str),
    /// An array or an object (its JSON text from `serde_json`; a placeholder from other
    /// deserializers).
    Composite(&'a str),
}

/// Read one JSON value as a [`JsonScalar`] and hand it to `f`; `f`'s error message becomes the
/// deserializer's error.
///
/// From `serde_json` (a text, a slice, a reader or a `Value`), numbers arrive as their exact
/// text, without allocation when the deserializer lends its input. Other deserializers (a
/// flattened struct's buffer, say) hand over what they hold: a number then arrives as the
/// shortest text of its `f64`/integer value.
///
/// ```
/// use evsessions_core::raw::{read_scalar, JsonScalar};
/// let mut de = serde_json::Deserializer::from_str("0.20");
/// let text = read_scalar(&mut de, |s| match s {
///     JsonScalar::Number(t) => Ok(t.to_string()),
///     _ => Err("expected a number".to_string()),
/// })
/// .unwrap();
/// assert_eq!(text, "0.20");
/// ```
pub fn read_scalar<'de, D, T, F>(d: D, f: F) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    F: FnOnce(JsonScalar<'_>) -> Result<T, String>,
{
    // serde_json hands the exact text of the next value to a visitor that asks for this
    // newtype (the protocol of its `RawValue`); every other deserializer calls
    // `visit_newtype_struct`, which reads the value as usual.
    d.deserialize_newtype_struct(RAW_VALUE_TOKEN, ScalarVisitor { f })
}

/// The newtype name through which `serde_json` lends the raw text of a value (see
/// `serde_json::value::RawValue`). Should it ever change, [`read_scalar`] still works (through
/// `visit_newtype_struct`) and the exactness tests of this crate fail.
const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";

struct ScalarVisitor<F> {
    f: F,
}

impl<F> ScalarVisitor<F> {
    fn apply<T, E: de::Error>(self, s: JsonScalar<'_>) -> Result<T, E>
    where
        F: FnOnce(JsonScalar<'_>) -> Result<T, String>,
    {
        (self.f)(s).map_err(E::custom)
    }

    fn apply_text<T, E: de::Error>(self, text: &str) -> Result<T, E>
    where
        F: FnOnce(JsonScalar<'_>) -> Result<T, String>,
    {
        match text.as_bytes().first() {
            Some(b'n') => self.apply(JsonScalar::Null),
            Some(b't') => self.apply(JsonScalar::Bool(true)),
            Some(b'f') => self.apply(JsonScalar::Bool(false)),
            Some(b'[' | b'{') => self.apply(JsonScalar::Composite(text)),
            Some(b'"') => {
                let inner = text.get(1..text.len().saturating_sub(1)).unwrap_or("");
                if inner.contains('\\') {
                    let s: String = serde_json::from_str(text).map_err(E::custom)?;
                    self.apply(JsonScalar::String(&s))
                } else {
                    self.apply(JsonScalar::String(inner))
                }
            }
            _ => self.apply(JsonScalar::Number(text)),
        }
    }
}

impl<'de, T, F> Visitor<'de> for ScalarVisitor<F>
where
    F: FnOnce(JsonScalar<'_>) -> Result<T, String>,
{
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        match map.next_key_seed(IsRawToken)? {
            Some(true) => {
                let text = map.next_value_seed(TextSeed)?;
                self.apply_text(&text)
            }
            _ => self.apply(JsonScalar::Composite("{…}")),
        }
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_none<E: de::Error>(self) -> Result<T, E> {
        self.apply(JsonScalar::Null)
    }
    fn visit_unit<E: de::Error>(self) -> Result<T, E> {
        self.apply(JsonScalar::Null)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<T, E> {
        self.apply(JsonScalar::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        self.apply(JsonScalar::Number(&v.to_string()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        self.apply(JsonScalar::Number(&v.to_string()))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<T, E> {
        self.apply(JsonScalar::Number(&v.to_string()))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<T, E> {
        self.apply(JsonScalar::Number(&v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        if v.is_finite() {
            self.apply(JsonScalar::Number(&v.to_string()))
        } else {
            Err(E::invalid_value(
                de::Unexpected::Float(v),
                &"a finite number",
            ))
        }
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        self.apply(JsonScalar::String(v))
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<T, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        self.apply(JsonScalar::Composite("[…]"))
    }
}

/// A map key that is the raw-value token (compared without allocating).
struct IsRawToken;

impl<'de> DeserializeSeed<'de> for IsRawToken {
    type Value = bool;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_identifier(self)
    }
}

impl<'de> Visitor<'de> for IsRawToken {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<bool, E> {
        Ok(v == RAW_VALUE_TOKEN)
    }
}

/// The raw text of a value: borrowed when the deserializer lends it.
struct TextSeed;

impl<'de> DeserializeSeed<'de> for TextSeed {
    type Value = Cow<'de, str>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for TextSeed {
    type Value = Cow<'de, str>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("JSON text")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scalar_text(json: &str) -> String {
        let mut de = serde_json::Deserializer::from_str(json);
        read_scalar(&mut de, |s| Ok(format!("{s:?}"))).unwrap()
    }

    #[test]
    fn scalars_arrive_as_written() {
        assert_eq!(scalar_text("0.20"), "Number(\"0.20\")");
        assert_eq!(scalar_text("1e400"), "Number(\"1e400\")");
        assert_eq!(scalar_text("-0"), "Number(\"-0\")");
        assert_eq!(
            scalar_text("184467440737095516170"),
            "Number(\"184467440737095516170\")"
        );
        assert_eq!(scalar_text("\"a\\\"b\""), "String(\"a\\\"b\")");
        assert_eq!(scalar_text("\"ab\""), "String(\"ab\")");
        assert_eq!(scalar_text("null"), "Null");
        assert_eq!(scalar_text("true"), "Bool(true)");
        assert_eq!(scalar_text("[1, 2]"), "Composite(\"[1, 2]\")");
        // Through a `Value` the text is the Value's.
        let v = serde_json::json!(0.5);
        assert_eq!(
            read_scalar(&v, |s| Ok(format!("{s:?}"))).unwrap(),
            "Number(\"0.5\")"
        );
        // Through serde's own buffer (a flattened struct): the value as held.
        #[derive(Deserialize)]
        struct Flat {
            #[serde(deserialize_with = "n")]
            n: String,
            #[serde(flatten)]
            _rest: serde_json::Map<String, serde_json::Value>,
        }
        fn n<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
            read_scalar(d, |s| Ok(format!("{s:?}")))
        }
        let f: Flat = serde_json::from_str(r#"{"n": 1.25, "x": 1}"#).unwrap();
        assert_eq!(f.n, "Number(\"1.25\")");
    }

    #[test]
    fn records_keep_their_text_and_compact_only_line_breaks() {
        let text = r#"{"b": 0.20, "a": "\ud800", "n": -0, "big": 1e-400}"#;
        let r = RawRecord::from_json(text).unwrap();
        assert_eq!(r.as_str(), text);
        assert_eq!(serde_json::to_string(&r).unwrap(), text);
        assert_eq!(r.field("big").unwrap().get(), "1e-400");
        assert_eq!(r.field("n").unwrap().get(), "-0");
        assert!(r.field("zz").is_none());
        let pretty = "{\n  \"a\": \"x y\\n\",\n  \"b\": [1,\n 2]\n}";
        let r = RawRecord::from_json(pretty).unwrap();
        assert_eq!(r.as_str(), r#"{"a":"x y\n","b":[1,2]}"#);
        // Deserialized from a document: the same rules.
        let r: RawRecord = serde_json::from_str("{\"a\":\r\n1.0}").unwrap();
        assert_eq!(r.as_str(), r#"{"a":1.0}"#);
        assert_eq!(RawRecord::default().as_str(), "null");
        assert!(RawRecord::null().is_null());
        assert_eq!(
            RawRecord::from(serde_json::json!({"z": 1, "a": [true]})).as_str(),
            r#"{"z":1,"a":[true]}"#
        );
    }

    #[test]
    fn fields_and_ids() {
        let r = RawRecord::from_json(
            r#"{"id": 123456789012345678901234567890, "s": "", "k\u0065y": "v", "x": {"id": 1}}"#,
        )
        .unwrap();
        assert_eq!(
            r.id_text(&["id"]).as_deref(),
            Some("123456789012345678901234567890")
        );
        assert_eq!(r.id_text(&["s", "nope"]), None);
        assert_eq!(r.get::<String>("key").unwrap().as_deref(), Some("v"));
        assert!(r.get::<u32>("key").is_err());
        assert_eq!(r.get::<u32>("absent").unwrap(), None);
        assert_eq!(r.field("x").unwrap().get(), r#"{"id": 1}"#);
        let not_object = RawRecord::from_json("[1]").unwrap();
        assert!(not_object.field("a").is_none());
    }
}
