//! Fault injection for the mocks: a status with `Retry-After` and a body, a slow response, a
//! truncated body, an HTML page, a body that is not JSON.

use std::time::Duration;

use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A fault to serve instead of the real answer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// This status, with an optional `Retry-After` header value and body (JSON or text).
    Status {
        /// HTTP status.
        status: u16,
        /// `Retry-After` header value (seconds or HTTP date).
        retry_after: Option<String>,
        /// Response body.
        body: Option<String>,
    },
    /// A 200 whose headers arrive only after this delay (to trigger client timeouts).
    Slow(Duration),
    /// A 200 with JSON cut off in the middle.
    Truncated,
    /// A 200 with an HTML page (a captive portal, a proxy error page).
    Html,
    /// A 200 with text that is not JSON.
    NotJson,
    /// A redirect (`status`, e.g. 307) to `location`: with a location on another origin (see
    /// [`crate::hostile::Catcher`]) a client must follow nothing and send nothing there.
    Redirect {
        /// HTTP status (301, 302, 303, 307, 308).
        status: u16,
        /// The `Location` header.
        location: String,
    },
}

impl Fault {
    /// A bare status fault; add `retry_after` / `body` with the builders.
    pub fn status(status: u16) -> Self {
        Fault::Status {
            status,
            retry_after: None,
            body: None,
        }
    }
    /// Set `Retry-After` (only for [`Fault::Status`]).
    pub fn retry_after(self, value: &str) -> Self {
        match self {
            Fault::Status { status, body, .. } => Fault::Status {
                status,
                retry_after: Some(value.to_string()),
                body,
            },
            other => other,
        }
    }
    /// Set the body (only for [`Fault::Status`]).
    pub fn body(self, text: &str) -> Self {
        match self {
            Fault::Status {
                status,
                retry_after,
                ..
            } => Fault::Status {
                status,
                retry_after,
                body: Some(text.to_string()),
            },
            other => other,
        }
    }

    /// A `307` to `location`.
    ///
    /// ```
    /// let f = evsessions_testkit::Fault::redirect("http://127.0.0.1:9/steal");
    /// assert_eq!(f, evsessions_testkit::Fault::Redirect { status: 307, location: "http://127.0.0.1:9/steal".into() });
    /// ```
    pub fn redirect(location: &str) -> Self {
        Fault::Redirect {
            status: 307,
            location: location.to_string(),
        }
    }

    /// The response this fault serves.
    pub fn response(&self) -> ResponseTemplate {
        match self {
            Fault::Status {
                status,
                retry_after,
                body,
            } => {
                let mut r = ResponseTemplate::new(*status);
                if let Some(ra) = retry_after {
                    r = r.insert_header("Retry-After", ra.as_str());
                }
                if let Some(b) = body {
                    let mime = if b.trim_start().starts_with('{') || b.trim_start().starts_with('[')
                    {
                        "application/json"
                    } else {
                        "text/plain"
                    };
                    r = r.set_body_raw(b.clone().into_bytes(), mime);
                }
                r
            }
            Fault::Slow(d) => ResponseTemplate::new(200)
                .set_body_raw(b"{}".to_vec(), "application/json")
                .set_delay(*d),
            Fault::Truncated => ResponseTemplate::new(200).set_body_raw(
                br#"{"page":1,"items":[{"id":1,"timestampStart":"2025-0"#.to_vec(),
                "application/json",
            ),
            Fault::Html => ResponseTemplate::new(200).set_body_raw(
                b"<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>".to_vec(),
                "text/html",
            ),
            Fault::NotJson => ResponseTemplate::new(200).set_body_raw(b"OK".to_vec(), "text/plain"),
            Fault::Redirect { status, location } => {
                ResponseTemplate::new(*status).insert_header("Location", location.as_str())
            }
        }
    }
}

/// Mount `fault` on `server` for the next `times` requests whose method is `http_method` and
/// whose path matches `path_pattern` (a regex). It takes precedence over the normal mocks.
pub async fn mount_fault(
    server: &MockServer,
    http_method: &str,
    path_pattern: &str,
    fault: &Fault,
    times: u64,
) {
    Mock::given(method(http_method))
        .and(path_regex(path_pattern))
        .respond_with(fault.response())
        .up_to_n_times(times)
        .with_priority(1)
        .named(format!("fault {fault:?}"))
        .mount(server)
        .await;
}
