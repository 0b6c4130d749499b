//! The one error type of evsessions, shared by every vendor.

use std::fmt;
use std::time::Duration;

use crate::model::SourceKind;

/// Result with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong when reading sessions. Match on the variant; the `Display`
/// text is one line that says what happened and what to do, and never contains a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server refused the credentials (HTTP 401, an OAuth error, or an application-level
    /// "unauthorized").
    #[error("{vendor}: authentication failed{}; check the credentials configured for {vendor}", reason_suffix(.reason))]
    Unauthenticated {
        /// The vendor.
        vendor: SourceKind,
        /// The server's reason, when it gave one.
        reason: Option<String>,
    },
    /// The credentials are valid but lack a permission (HTTP 403).
    #[error("{vendor}: permission denied{}; the account or API key lacks the right to read this", reason_suffix(.reason))]
    PermissionDenied {
        /// The vendor.
        vendor: SourceKind,
        /// The server's reason, when it gave one.
        reason: Option<String>,
    },
    /// The thing asked for does not exist (HTTP 404 on a by-id call).
    #[error("{vendor}: {what} was not found; check the id")]
    NotFound {
        /// The vendor.
        vendor: SourceKind,
        /// What was asked for, e.g. `charge id "PRG-1"`.
        what: String,
    },
    /// The server is rate limiting (HTTP 429) and retries were exhausted.
    #[error("{vendor}: rate limited by the server{}; wait and try again, or lower the request rate", retry_after_suffix(.retry_after))]
    RateLimited {
        /// The vendor.
        vendor: SourceKind,
        /// How long the server asked to wait, when it said.
        retry_after: Option<Duration>,
    },
    /// The server answered with an error (any other non-success status or an error envelope).
    #[error("{vendor}: {endpoint} failed{}{}{}", status_suffix(.status), code_suffix(.code), reason_suffix(.message))]
    Api {
        /// The vendor.
        vendor: SourceKind,
        /// The call, e.g. `POST /v2/transactions`.
        endpoint: String,
        /// HTTP status, or the application status of an error envelope.
        status: Option<u16>,
        /// The vendor's error code or name.
        code: Option<String>,
        /// The vendor's message.
        message: Option<String>,
    },
    /// A response or a record could not be decoded.
    #[error("{vendor}: could not decode {}{endpoint} at `{path}`: {message}{}", record_prefix(.record), snippet_suffix(.snippet))]
    Decode {
        /// The vendor.
        vendor: SourceKind,
        /// The call whose response it was.
        endpoint: String,
        /// The record id, when one record (not the page) failed.
        record: Option<String>,
        /// JSON path of the offending value, e.g. `items[3].fullConsumptionWh`.
        path: String,
        /// What was wrong.
        message: String,
        /// A short excerpt of the body around the problem (never from a token response).
        snippet: Option<String>,
    },
    /// The request could not be sent or the response not received (DNS, connect, TLS, reset).
    #[error(
        "{vendor}: network error on {endpoint}: {message}; check the base URL and the network"
    )]
    Transport {
        /// The vendor.
        vendor: SourceKind,
        /// The call.
        endpoint: String,
        /// What failed (URLs stripped).
        message: String,
        /// Whether it failed before a connection was made (safe to retry).
        connect: bool,
    },
    /// The request took longer than the configured timeout.
    #[error("{vendor}: {endpoint} timed out after {}s; the server is slow or unreachable, raise the timeout or try later", .after.as_secs_f64())]
    Timeout {
        /// The vendor.
        vendor: SourceKind,
        /// The call.
        endpoint: String,
        /// The timeout that elapsed.
        after: Duration,
    },
    /// The configuration is missing or wrong (a credential, a URL, a setting).
    #[error("{}configuration error: {message}", vendor_prefix(.vendor))]
    Config {
        /// The vendor, when the problem is vendor-specific.
        vendor: Option<SourceKind>,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// The query asks for something this vendor cannot do.
    #[error("{vendor}: unsupported query: {message}")]
    UnsupportedQuery {
        /// The vendor.
        vendor: SourceKind,
        /// What is not supported and what to do instead.
        message: String,
    },
}

fn reason_suffix(r: &Option<String>) -> String {
    match r {
        Some(r) if !r.trim().is_empty() => format!(": {}", one_line(r)),
        _ => String::new(),
    }
}
fn retry_after_suffix(r: &Option<Duration>) -> String {
    r.map(|d| format!(" (retry after {}s)", d.as_secs()))
        .unwrap_or_default()
}
fn status_suffix(s: &Option<u16>) -> String {
    s.map(|s| format!(" with status {s}")).unwrap_or_default()
}
fn code_suffix(c: &Option<String>) -> String {
    match c {
        Some(c) if !c.trim().is_empty() => format!(" [{}]", one_line(c)),
        _ => String::new(),
    }
}
fn record_prefix(r: &Option<String>) -> String {
    r.as_ref()
        .map(|r| format!("record {r} of "))
        .unwrap_or_default()
}
fn snippet_suffix(s: &Option<String>) -> String {
    s.as_ref()
        .map(|s| format!(" (near: {s})"))
        .unwrap_or_default()
}
fn vendor_prefix(v: &Option<SourceKind>) -> String {
    v.as_ref().map(|v| format!("{v}: ")).unwrap_or_default()
}

/// Fold text into one line of bounded length for a message.
pub fn one_line(text: &str) -> String {
    let folded: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    truncate_chars(&printable(&folded), 300)
}

/// `text` safe for a terminal: control characters (escape sequences, carriage returns, C1
/// controls) and bidirectional overrides are shown escaped (`\u{1b}`), never raw.
///
/// ```
/// use evsessions_core::error::printable;
/// assert_eq!(printable("ok\u{1b}[2Jgone"), "ok\\u{1b}[2Jgone");
/// assert_eq!(printable("Нижний Новгород"), "Нижний Новгород");
/// ```
pub fn printable(text: &str) -> String {
    let bidi = |c: char| matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() || bidi(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// At most `max` characters of `text`, with `…` when cut (never splits a character).
pub fn truncate_chars(text: &str, max: usize) -> String {
    let mut out: String = text.chars().take(max).collect();
    if text.chars().nth(max).is_some() {
        out.push('…');
    }
    out
}

/// Every occurrence of each of `secrets` in `text` replaced by `REDACTED`, as given and in
/// the forms a server may echo it in: form-encoded (a password grant's body: `+` for a space,
/// `%40` for `@`), percent-encoded with `%20`, and JSON-escaped. Secrets shorter than
/// [`MIN_MASKED_SECRET`] characters are not searched for (masking every `t` of a test token
/// `t` would garble every message and protect nothing).
///
/// ```
/// use evsessions_core::error::mask_secrets;
/// assert_eq!(mask_secrets("key=abc1; x", &["abc1", "x", ""]), "key=REDACTED; x");
/// // A password grant echoed back by a hostile token endpoint.
/// assert_eq!(
///     mask_secrets("username=me%40x.io&password=p%40ss+w0rd%26x", &["me@x.io", "p@ss w0rd&x"]),
///     "username=REDACTED&password=REDACTED"
/// );
/// assert_eq!(mask_secrets(r#"{"echo":"a\"b\\c d"}"#, &["a\"b\\c d"]), r#"{"echo":"REDACTED"}"#);
/// // Percent-encoding with lowercase hex digits, as some servers write it back.
/// assert_eq!(mask_secrets("pw=p%2fq%2bX and p%2Fq%2BX", &["p/q+X"]), "pw=REDACTED and REDACTED");
/// ```
pub fn mask_secrets(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_string();
    let long_enough = |s: &&str| s.chars().count() >= MIN_MASKED_SECRET;
    for s in secrets.iter().map(|s| s.trim()).filter(long_enough) {
        for form in secret_forms(s) {
            if out.contains(form.as_str()) {
                out = out.replace(form.as_str(), "REDACTED");
            }
        }
    }
    out
}

/// For an excerpt cut out of a longer text (a decode error's snippet): a secret the cut went
/// through shows only in part, at the excerpt's start (its end) or at its end (its start).
/// Such a part of at least [`MIN_MASKED_SECRET`] characters is masked too; whole occurrences
/// are [`mask_secrets`]' job.
///
/// ```
/// use evsessions_core::error::mask_secret_edges;
/// assert_eq!(mask_secret_edges("3456789\",\"n\": \"k-0123", &["k-0123456789"]), "REDACTED\",\"n\": \"REDACTED");
/// assert_eq!(mask_secret_edges("id 012 ok", &["k-0123456789"]), "id 012 ok");
/// ```
pub fn mask_secret_edges(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_string();
    for s in secrets.iter().map(|s| s.trim()) {
        for form in secret_forms(s) {
            let chars: Vec<char> = form.chars().collect();
            let n = chars.len();
            // The longest head of the secret that the text ends with (a trailing `…` aside).
            let (body, ellipsis) = match out.strip_suffix('…') {
                Some(b) => (b.to_string(), "…"),
                None => (out.clone(), ""),
            };
            if let Some(k) = (MIN_MASKED_SECRET..n)
                .rev()
                .find(|&k| body.ends_with(&chars[..k].iter().collect::<String>()))
            {
                let head: String = chars[..k].iter().collect();
                out = format!("{}REDACTED{ellipsis}", &body[..body.len() - head.len()]);
            }
            // The longest tail of the secret that the text starts with.
            if let Some(k) = (MIN_MASKED_SECRET..n)
                .rev()
                .find(|&k| out.starts_with(&chars[n - k..].iter().collect::<String>()))
            {
                let tail: String = chars[n - k..].iter().collect();
                out = format!("REDACTED{}", &out[tail.len()..]);
            }
        }
    }
    out
}

/// `secret` as sent and as a server may echo it: form-encoded (`+` for a space),
/// percent-encoded (`%20`), both with upper- and lowercase hex digits, and JSON-escaped; each
/// form once. [`mask_secrets`] masks every one of them (and the testkit's `leaks` looks for
/// them).
///
/// ```
/// use evsessions_core::error::secret_forms;
/// assert_eq!(secret_forms("a b\"c"), vec!["a b\"c", "a+b%22c", "a%20b%22c", "a b\\\"c"]);
/// assert_eq!(secret_forms("p/q"), vec!["p/q", "p%2Fq", "p%2fq"]);
/// assert_eq!(secret_forms("plain-key"), vec!["plain-key"]);
/// ```
pub fn secret_forms(secret: &str) -> Vec<String> {
    let form: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    let percent = form.replace('+', "%20");
    let json = serde_json::to_string(secret).unwrap_or_default();
    let json = json
        .strip_prefix('"')
        .and_then(|j| j.strip_suffix('"'))
        .unwrap_or(secret)
        .to_string();
    // `%2F` as some servers write it back: `%2f`.
    let lower_hex = |t: &str| {
        let mut out = String::with_capacity(t.len());
        let mut hex = 0;
        for c in t.chars() {
            if c == '%' {
                hex = 2;
                out.push(c);
            } else if hex > 0 {
                hex -= 1;
                out.push(c.to_ascii_lowercase());
            } else {
                out.push(c);
            }
        }
        out
    };
    let (form_lower, percent_lower) = (lower_hex(&form), lower_hex(&percent));
    let mut forms = vec![secret.to_string()];
    for f in [form, percent, json, form_lower, percent_lower] {
        if !forms.contains(&f) {
            forms.push(f);
        }
    }
    forms
}

/// Secrets shorter than this many characters are not masked by [`mask_secrets`].
pub const MIN_MASKED_SECRET: usize = 4;

impl Error {
    /// This error with every occurrence of `secrets` in its text masked (see
    /// [`mask_secrets`]): for server text that echoes a key, a token or a password.
    ///
    /// ```
    /// use evsessions_core::{Error, SourceKind};
    /// let e = Error::config(Some(SourceKind::from_static("v")), "echo: key=abc1");
    /// assert_eq!(e.redacted(&["abc1"]).to_string(), "v: configuration error: echo: key=REDACTED");
    /// ```
    pub fn redacted(self, secrets: &[&str]) -> Error {
        let m = |t: String| mask_secrets(&t, secrets);
        let mo = |t: Option<String>| t.map(|t| mask_secrets(&t, secrets));
        match self {
            Error::Unauthenticated { vendor, reason } => Error::Unauthenticated {
                vendor,
                reason: mo(reason),
            },
            Error::PermissionDenied { vendor, reason } => Error::PermissionDenied {
                vendor,
                reason: mo(reason),
            },
            Error::NotFound { vendor, what } => Error::NotFound {
                vendor,
                what: m(what),
            },
            Error::Api {
                vendor,
                endpoint,
                status,
                code,
                message,
            } => Error::Api {
                vendor,
                endpoint: m(endpoint),
                status,
                code: mo(code),
                message: mo(message),
            },
            Error::Decode {
                vendor,
                endpoint,
                record,
                path,
                message,
                snippet,
            } => Error::Decode {
                vendor,
                endpoint: m(endpoint),
                record: mo(record),
                path: m(path),
                message: m(message),
                snippet: snippet.map(|t| mask_secret_edges(&mask_secrets(&t, secrets), secrets)),
            },
            Error::Transport {
                vendor,
                endpoint,
                message,
                connect,
            } => Error::Transport {
                vendor,
                endpoint: m(endpoint),
                message: m(message),
                connect,
            },
            Error::Config { vendor, message } => Error::Config {
                vendor,
                message: m(message),
            },
            Error::UnsupportedQuery { vendor, message } => Error::UnsupportedQuery {
                vendor,
                message: m(message),
            },
            other => other,
        }
    }

    /// True when trying the same request again later may succeed: rate limiting, timeouts,
    /// connection failures and server errors (5xx, 408).
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::RateLimited { .. } | Error::Timeout { .. } => true,
            Error::Transport { .. } => true,
            Error::Api {
                status: Some(s), ..
            } => *s == 408 || *s == 429 || (500..600).contains(s),
            _ => false,
        }
    }

    /// The vendor the error is about, when known.
    pub fn vendor(&self) -> Option<&SourceKind> {
        match self {
            Error::Unauthenticated { vendor, .. }
            | Error::PermissionDenied { vendor, .. }
            | Error::NotFound { vendor, .. }
            | Error::RateLimited { vendor, .. }
            | Error::Api { vendor, .. }
            | Error::Decode { vendor, .. }
            | Error::Transport { vendor, .. }
            | Error::Timeout { vendor, .. }
            | Error::UnsupportedQuery { vendor, .. } => Some(vendor),
            Error::Config { vendor, .. } => vendor.as_ref(),
        }
    }

    /// A configuration error.
    pub fn config(vendor: Option<SourceKind>, message: impl Into<String>) -> Self {
        Error::Config {
            vendor,
            message: message.into(),
        }
    }

    /// A decode error with no body excerpt: what failed to read (`record`, when a single
    /// record rather than the page), the JSON `path` of the value, and what was wrong with it.
    pub fn decode(
        vendor: SourceKind,
        endpoint: impl Into<String>,
        record: Option<String>,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Error::Decode {
            vendor,
            endpoint: endpoint.into(),
            record,
            path: path.into(),
            message: message.into(),
            snippet: None,
        }
    }

    /// Map a non-success status (HTTP, or an application status inside an envelope) and the
    /// parsed error body to the semantic variant: 401 → `Unauthenticated`, 403 →
    /// `PermissionDenied`, 429 → `RateLimited`, anything else → `Api`. (404 stays `Api` here:
    /// only the vendor knows *what* was not found; see [`Error::NotFound`].)
    pub fn from_status(
        vendor: &SourceKind,
        endpoint: &str,
        status: u16,
        body: ApiErrorBody,
        retry_after: Option<Duration>,
    ) -> Self {
        match status {
            401 => Error::Unauthenticated {
                vendor: vendor.clone(),
                reason: body.reason(),
            },
            403 => Error::PermissionDenied {
                vendor: vendor.clone(),
                reason: body.reason(),
            },
            429 => Error::RateLimited {
                vendor: vendor.clone(),
                retry_after,
            },
            _ => Error::Api {
                vendor: vendor.clone(),
                endpoint: endpoint.to_string(),
                status: Some(status),
                code: body.code,
                message: body.message,
            },
        }
    }
}

/// The useful part of a vendor's error body, whatever its shape.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiErrorBody {
    /// Error code or name (`errorCode`, OAuth `error`, problem `title`, `ExceptionType` …).
    pub code: Option<String>,
    /// Human message (`message`, `detail`, `error_description`, `Message` + details …).
    pub message: Option<String>,
}

impl ApiErrorBody {
    /// A body from a code and a message.
    pub fn new(code: Option<String>, message: Option<String>) -> Self {
        ApiErrorBody { code, message }
    }

    /// Parse any error body evsessions knows: RFC 7807 problem details (`title`, `detail`),
    /// `{errorCode, message, errorNumber, helpLink}`, ASP.NET `{Message, MessageDetail,
    /// ExceptionMessage}`, OAuth `{error, error_description}`, a generic `{message}` /
    /// `{error: {message}}`, or plain text (first line, shortened). Never fails.
    ///
    /// ```
    /// use evsessions_core::ApiErrorBody;
    /// let b = ApiErrorBody::parse(br#"{"error":"invalid_grant","error_description":"Invalid refresh token"}"#);
    /// assert_eq!(b.code.as_deref(), Some("invalid_grant"));
    /// assert_eq!(b.message.as_deref(), Some("Invalid refresh token"));
    /// ```
    pub fn parse(body: &[u8]) -> Self {
        let text = String::from_utf8_lossy(body);
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return ApiErrorBody::default();
        }
        let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(trimmed)
        else {
            if trimmed.starts_with('<') {
                return ApiErrorBody::new(
                    None,
                    Some("the server sent an HTML page, not JSON".into()),
                );
            }
            return ApiErrorBody::new(None, Some(truncate_chars(&one_line(trimmed), 200)));
        };
        let get = |keys: &[&str]| -> Option<String> {
            keys.iter().find_map(|k| match map.get(*k) {
                Some(serde_json::Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
                Some(serde_json::Value::Number(n)) => Some(n.to_string()),
                _ => None,
            })
        };
        let nested = map.get("error").and_then(|e| e.as_object());
        let mut code = get(&[
            "errorCode",
            "error_code",
            "code",
            "ExceptionType",
            "status_name",
        ])
        .or_else(|| match map.get("error") {
            Some(serde_json::Value::String(s)) => Some(s.clone()),
            _ => None,
        })
        .or_else(|| {
            nested
                .and_then(|n| n.get("code"))
                .and_then(|c| c.as_str().map(String::from))
        });
        if let Some(num) = get(&["errorNumber"]) {
            code = Some(match code {
                Some(c) => format!("{c} {num}"),
                None => num,
            });
        }
        let title = get(&["title"]);
        let mut parts: Vec<String> = Vec::new();
        for k in [
            "message",
            "Message",
            "error_description",
            "detail",
            "MessageDetail",
            "ExceptionMessage",
            "status_description",
        ] {
            if let Some(v) = get(&[k]) {
                if !parts.contains(&v) {
                    parts.push(v);
                }
            }
        }
        if let Some(m) = nested
            .and_then(|n| n.get("message"))
            .and_then(|m| m.as_str())
        {
            parts.push(m.to_string());
        }
        if code.is_none() {
            code = title;
        } else if let Some(t) = title {
            parts.insert(0, t);
        }
        let message = if parts.is_empty() {
            None
        } else {
            Some(one_line(&parts.join(" — ")))
        };
        ApiErrorBody { code, message }
    }

    /// Code and message as one reason text.
    pub fn reason(&self) -> Option<String> {
        match (&self.code, &self.message) {
            (Some(c), Some(m)) => Some(format!("{c}: {m}")),
            (Some(c), None) => Some(c.clone()),
            (None, Some(m)) => Some(m.clone()),
            (None, None) => None,
        }
    }
}

impl fmt::Display for ApiErrorBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.reason().as_deref().unwrap_or("(no details)"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const V: SourceKind = SourceKind::from_static("v");

    #[test]
    fn parses_every_known_body_shape() {
        let p = |b: &str| ApiErrorBody::parse(b.as_bytes());
        let b = p(
            r#"{"type":"https://x","title":"Bad Request","status":400,"detail":"limit too large"}"#,
        );
        assert_eq!(b.code.as_deref(), Some("Bad Request"));
        assert_eq!(b.message.as_deref(), Some("limit too large"));
        let b = p(
            r#"{"errorCode":"RoamingPartnerNotFound","message":"No partner","errorNumber":1081,"helpLink":"h"}"#,
        );
        assert_eq!(b.code.as_deref(), Some("RoamingPartnerNotFound 1081"));
        assert_eq!(b.message.as_deref(), Some("No partner"));
        let b = p(
            r#"{"Message":"An error has occurred.","ExceptionMessage":"Charger X unknown","ExceptionType":"System.Exception"}"#,
        );
        assert_eq!(b.code.as_deref(), Some("System.Exception"));
        assert_eq!(
            b.message.as_deref(),
            Some("An error has occurred. — Charger X unknown")
        );
        let b = p(r#"{"error":"unauthorized_client","error_description":"Invalid Credentials"}"#);
        assert_eq!(
            b.reason().as_deref(),
            Some("unauthorized_client: Invalid Credentials")
        );
        let b = p("<html><body>Bad gateway</body></html>");
        assert_eq!(
            b.message.as_deref(),
            Some("the server sent an HTML page, not JSON")
        );
        assert_eq!(p(""), ApiErrorBody::default());
        assert_eq!(
            p("Service Unavailable\n").message.as_deref(),
            Some("Service Unavailable")
        );
        assert_eq!(p(r#"[1,2]"#).message.as_deref(), Some("[1,2]"));
    }

    #[test]
    fn status_mapping_and_messages() {
        let e = Error::from_status(
            &V,
            "GET /x",
            401,
            ApiErrorBody::parse(br#"{"message":"User not authorized"}"#),
            None,
        );
        assert!(matches!(e, Error::Unauthenticated { .. }));
        assert_eq!(
            e.to_string(),
            "v: authentication failed: User not authorized; check the credentials configured for v"
        );
        assert!(!e.is_retryable());
        let e = Error::from_status(&V, "GET /x", 403, ApiErrorBody::default(), None);
        assert!(matches!(e, Error::PermissionDenied { reason: None, .. }));
        let e = Error::from_status(
            &V,
            "GET /x",
            429,
            ApiErrorBody::default(),
            Some(Duration::from_secs(3)),
        );
        assert!(matches!(
            e,
            Error::RateLimited {
                retry_after: Some(_),
                ..
            }
        ));
        assert!(e.is_retryable());
        let e = Error::from_status(
            &V,
            "POST /v2/transactions",
            500,
            ApiErrorBody::new(Some("E".into()), Some("boom".into())),
            None,
        );
        assert_eq!(
            e.to_string(),
            "v: POST /v2/transactions failed with status 500 [E]: boom"
        );
        assert!(e.is_retryable());
    }
}
