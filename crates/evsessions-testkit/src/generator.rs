//! Synthetic sessions at volume, for benchmarks and load tests: a server that answers like a
//! vendor with any number of sessions, made on the fly from the vendor's fixture records (each
//! with its own id), page by page, with an optional delay per response. Nothing is held per
//! session, so a million sessions cost the server no memory.
//!
//! Vendors: eMabler (`POST …/v2/transactions`, finished sessions; read them with
//! `--status completed`; `GET …/v2/ongoing-transactions` answers an empty list, so that
//! `evsessions sync` reads it too) and the RU CSMS (its newest-first list). Credentials are not
//! checked.
//!
//! Every generated session starts at one of the fixture records' times (only the id differs),
//! so eMabler's `startTime` is applied as a whole: a window that starts after the latest of
//! them is empty, as a vendor answers a sync's rerun of the last days when nothing is new.
//!
//! ```
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! use evsessions_testkit::generator::{Generator, GeneratorOptions, GeneratedVendor};
//! let g = Generator::start(GeneratorOptions::new(GeneratedVendor::Emabler, 2_500)).await;
//! let body = reqwest::Client::new()
//!     .post(format!("{}/v2/transactions", g.base_url()))
//!     .json(&serde_json::json!({"page": 3, "limit": 1000}))
//!     .send().await.unwrap().text().await.unwrap();
//! let page: serde_json::Value = serde_json::from_str(&body).unwrap();
//! assert_eq!(page["items"].as_array().unwrap().len(), 500);
//! assert_eq!(page["hasNextPage"], false);
//! # });
//! ```

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// The vendors the generator can stand in for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum GeneratedVendor {
    /// eMabler's finished transactions, `limit` up to 1,000 a page.
    Emabler,
    /// The RU CSMS session list, newest first, `per_page` up to 100.
    RuCsms,
}

impl std::str::FromStr for GeneratedVendor {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "emabler" => Ok(GeneratedVendor::Emabler),
            "ru-csms" => Ok(GeneratedVendor::RuCsms),
            other => Err(format!(
                "the generator knows emabler and ru-csms, not {other:?}"
            )),
        }
    }
}

/// What to generate.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct GeneratorOptions {
    /// The vendor.
    pub vendor: GeneratedVendor,
    /// How many sessions the listing holds.
    pub sessions: u64,
    /// A delay before every response (a slow vendor, a far network).
    pub delay: Duration,
}

impl GeneratorOptions {
    /// `sessions` sessions of `vendor`, no delay.
    pub fn new(vendor: GeneratedVendor, sessions: u64) -> Self {
        GeneratorOptions {
            vendor,
            sessions,
            delay: Duration::ZERO,
        }
    }
    /// Wait `delay` before every response.
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

/// A running generator.
#[derive(Debug)]
pub struct Generator {
    server: MockServer,
    vendor: GeneratedVendor,
}

/// One fixture record with its id cut out: `prefix`, the id, `suffix`.
struct Template {
    prefix: String,
    suffix: String,
}

const ID_MARK: &str = "\"__evsessions_generated_id__\"";

fn templates(records: Vec<Value>) -> Vec<Template> {
    records
        .into_iter()
        .filter_map(|mut r| {
            r.as_object_mut()?
                .insert("id".into(), json!("__evsessions_generated_id__"));
            let text = serde_json::to_string(&r).ok()?;
            let (prefix, suffix) = text.split_once(ID_MARK)?;
            Some(Template {
                prefix: prefix.to_string(),
                suffix: suffix.to_string(),
            })
        })
        .collect()
}

struct Pages {
    vendor: GeneratedVendor,
    sessions: u64,
    delay: Duration,
    templates: Arc<Vec<Template>>,
    /// The length of the longest template, without its id.
    longest: usize,
    /// The latest start of the templates (eMabler's `timestampStart`).
    latest_start: Option<chrono::DateTime<chrono::Utc>>,
}

impl Pages {
    /// Room for a page of `count` records: each as long as the longest template, with its id
    /// and a comma, and the envelope. Reserved once: a page grows to a megabyte, and doubling
    /// its way there costs copies of it and fresh pages from the kernel, CPU that a benchmark
    /// on a shared machine should leave to the client it measures.
    fn reserve(&self, count: u64, body: &mut String) {
        let records = usize::try_from(count.min(self.sessions)).unwrap_or(0);
        body.reserve(
            records
                .saturating_mul(self.longest + 21)
                .saturating_add(256),
        );
    }

    /// `count` records from index `first` (0-based), comma separated.
    fn items(&self, first: u64, count: u64, out: &mut String) {
        for i in first..first.saturating_add(count).min(self.sessions) {
            if i > first {
                out.push(',');
            }
            let t = &self.templates[(i % self.templates.len() as u64) as usize];
            // eMabler lists oldest first (ids ascending); the RU CSMS newest first.
            let id = match self.vendor {
                GeneratedVendor::Emabler => 1_000_000_000 + i,
                GeneratedVendor::RuCsms => 1_000_000_000 + self.sessions - i,
            };
            out.push_str(&t.prefix);
            // Writing to a `String` cannot fail.
            let _ = write!(out, "{id}");
            out.push_str(&t.suffix);
        }
    }
}

impl Respond for Pages {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let query = |name: &str| {
            req.url
                .query_pairs()
                .find(|(k, _)| k == name)
                .and_then(|(_, v)| v.parse::<u64>().ok())
        };
        let mut body = String::new();
        match self.vendor {
            GeneratedVendor::Emabler => {
                let asked: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
                let page = asked["page"].as_u64().unwrap_or(1).max(1);
                let limit = asked["limit"].as_u64().unwrap_or(100).clamp(1, 1000);
                let first = (page - 1).saturating_mul(limit);
                let after_all = asked["startTime"]
                    .as_str()
                    .and_then(|t| t.parse::<chrono::DateTime<chrono::Utc>>().ok())
                    .zip(self.latest_start)
                    .is_some_and(|(from, latest)| from > latest);
                let total = if after_all { 0 } else { self.sessions };
                self.reserve(limit.min(total), &mut body);
                body.push_str(&format!(
                    "{{\"page\":{page},\"limit\":{limit},\"totalRecords\":{total},\"hasNextPage\":{},\"hasPreviousPage\":{},\"items\":[",
                    first.saturating_add(limit) < total,
                    page > 1
                ));
                if !after_all {
                    self.items(first, limit, &mut body);
                }
                body.push_str("]}");
            }
            GeneratedVendor::RuCsms => {
                let page = query("page").unwrap_or(1).max(1);
                let per_page = query("per_page").unwrap_or(100).clamp(1, 100);
                let first = (page - 1).saturating_mul(per_page);
                self.reserve(per_page, &mut body);
                body.push_str("{\"meta\":{\"generated_at\":1705504778,\"status_code\":200,\"status_name\":\"OK\",\"status_description\":\"\"},\"payload\":{\"items\":[");
                self.items(first, per_page, &mut body);
                body.push_str(&format!(
                    "],\"total\":{},\"per_page\":{per_page},\"page\":{page}}}}}",
                    self.sessions
                ));
            }
        }
        ResponseTemplate::new(200)
            .set_body_raw(body.into_bytes(), "application/json")
            .set_delay(self.delay)
    }
}

impl Generator {
    /// Start a generator on 127.0.0.1 (a free port).
    pub async fn start(options: GeneratorOptions) -> Generator {
        // No request journal: a long run must not keep every request.
        let server = MockServer::builder()
            .disable_request_recording()
            .start()
            .await;
        let (records, route) = match options.vendor {
            // Finished records only (not the one with the `0001-01-01` end of a session still
            // open), so that `--status completed` reads every generated session.
            GeneratedVendor::Emabler => (
                crate::emabler::fixture_transactions()
                    .into_iter()
                    .filter(|r| {
                        r.get("timestampEnd")
                            .and_then(Value::as_str)
                            .is_some_and(|t| !t.starts_with("0001"))
                    })
                    .collect(),
                format!("{}/v2/transactions", crate::emabler::BASE_PATH),
            ),
            GeneratedVendor::RuCsms => (
                crate::ru_csms::fixture_items(&crate::ru_csms::RuCsmsMockOptions::default()),
                crate::ru_csms::SESSIONS_PATH.to_string(),
            ),
        };
        let latest_start = records
            .iter()
            .filter_map(|r| r.get("timestampStart")?.as_str()?.parse().ok())
            .max();
        let templates = templates(records);
        assert!(!templates.is_empty(), "the fixtures hold records to copy");
        let longest = templates
            .iter()
            .map(|t| t.prefix.len() + t.suffix.len())
            .max()
            .unwrap_or(0);
        Mock::given(wiremock::matchers::path(route))
            .respond_with(Pages {
                vendor: options.vendor,
                sessions: options.sessions,
                delay: options.delay,
                templates: Arc::new(templates),
                longest,
                latest_start,
            })
            .mount(&server)
            .await;
        if options.vendor == GeneratedVendor::Emabler {
            Mock::given(wiremock::matchers::path(format!(
                "{}/v2/ongoing-transactions",
                crate::emabler::BASE_PATH
            )))
            .respond_with(ResponseTemplate::new(200).set_body_raw(
                r#"{"page":1,"limit":100,"totalRecords":0,"hasNextPage":false,"hasPreviousPage":false,"items":[]}"#,
                "application/json",
            ))
            .mount(&server)
            .await;
        }
        Generator {
            server,
            vendor: options.vendor,
        }
    }

    /// The base URL to give the client (`--base-url`): eMabler's API root, or the RU CSMS's
    /// full sessions URL.
    pub fn base_url(&self) -> String {
        match self.vendor {
            GeneratedVendor::Emabler => {
                format!("{}{}", self.server.uri(), crate::emabler::BASE_PATH)
            }
            GeneratedVendor::RuCsms => {
                format!("{}{}", self.server.uri(), crate::ru_csms::SESSIONS_PATH)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A window after every generated start is empty; the ongoing list is empty.
    #[tokio::test]
    async fn a_window_after_every_start_is_empty_and_nothing_is_ongoing() {
        let g = Generator::start(GeneratorOptions::new(GeneratedVendor::Emabler, 2_500)).await;
        let page = |body: Value| {
            let url = format!("{}/v2/transactions", g.base_url());
            async move {
                let text = reqwest::Client::new()
                    .post(url)
                    .json(&body)
                    .send()
                    .await
                    .unwrap()
                    .text()
                    .await
                    .unwrap();
                serde_json::from_str::<Value>(&text).unwrap()
            }
        };
        let all =
            page(json!({"page": 1, "limit": 1000, "startTime": "2025-01-01T00:00:00Z"})).await;
        assert_eq!(all["totalRecords"], 2_500);
        assert_eq!(all["items"].as_array().unwrap().len(), 1000);
        let later =
            page(json!({"page": 1, "limit": 1000, "startTime": "2026-01-01T00:00:00Z"})).await;
        assert_eq!(later["totalRecords"], 0);
        assert_eq!(later["hasNextPage"], false);
        assert!(later["items"].as_array().unwrap().is_empty());
        let ongoing: Value = serde_json::from_str(
            &reqwest::get(format!("{}/v2/ongoing-transactions", g.base_url()))
                .await
                .unwrap()
                .text()
                .await
                .unwrap(),
        )
        .unwrap();
        assert!(ongoing["items"].as_array().unwrap().is_empty());
    }
}
