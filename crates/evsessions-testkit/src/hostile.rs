//! Hostile-server helpers for integrators' tests: a [`Catcher`] that stands in for "another
//! origin" and records whatever reaches it, and [`leaks`] to check outputs for secrets.
//!
//! ```
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! use evsessions_testkit::hostile::{leaks, Catcher};
//! let catcher = Catcher::start().await;
//! assert!(catcher.received().await.is_empty());
//! assert_eq!(leaks("error: refused", &["SECRET"]), Vec::<String>::new());
//! # });
//! ```

use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A server on another origin (its own port on 127.0.0.1) that answers `200 {}` to anything
/// and records every request, so a test can prove that nothing was sent there.
#[derive(Debug)]
pub struct Catcher {
    server: MockServer,
}

/// One request a [`Catcher`] received: method, path and query, and every header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caught {
    /// `GET`, `POST`, …
    pub method: String,
    /// Path and query as received.
    pub target: String,
    /// Every header as `name: value`.
    pub headers: Vec<String>,
    /// The body, lossily as text.
    pub body: String,
}

impl Catcher {
    /// Start the catcher.
    pub async fn start() -> Self {
        let server = MockServer::start().await;
        Mock::given(any())
            .respond_with(
                ResponseTemplate::new(200).set_body_raw(b"{}".to_vec(), "application/json"),
            )
            .mount(&server)
            .await;
        Catcher { server }
    }

    /// Its origin, `http://127.0.0.1:PORT`.
    pub fn uri(&self) -> String {
        self.server.uri()
    }

    /// A URL on the catcher that carries `secret` in its path and query, for a redirect's
    /// `Location` (so that a client that names the whole URL in an error is caught too).
    pub fn trap_url(&self, secret: &str) -> String {
        format!("{}/steal/{secret}?token={secret}", self.server.uri())
    }

    /// Every request received so far.
    pub async fn received(&self) -> Vec<Caught> {
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|r| Caught {
                method: r.method.to_string(),
                target: match r.url.query() {
                    Some(q) => format!("{}?{q}", r.url.path()),
                    None => r.url.path().to_string(),
                },
                headers: r
                    .headers
                    .iter()
                    .map(|(k, v)| format!("{k}: {}", String::from_utf8_lossy(v.as_bytes())))
                    .collect(),
                body: String::from_utf8_lossy(&r.body).into_owned(),
            })
            .collect()
    }
}

/// The `secrets` (non-empty ones) that occur in `text`.
///
/// ```
/// use evsessions_testkit::hostile::leaks;
/// assert_eq!(leaks("key=abc", &["abc", "xyz", ""]), vec!["abc".to_string()]);
/// ```
pub fn leaks(text: &str, secrets: &[&str]) -> Vec<String> {
    secrets
        .iter()
        .filter(|s| !s.is_empty() && text.contains(**s))
        .map(|s| s.to_string())
        .collect()
}
