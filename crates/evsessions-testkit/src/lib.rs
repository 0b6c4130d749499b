//! # evsessions-testkit
//!
//! Mock vendor servers that behave like the real APIs (auth checks, paging, filters, token
//! issuance), fed from the fixtures in its own `fixtures/` folder, with fault injection; and the conformance
//! suite every [`SessionSource`](evsessions_core::SessionSource) must pass.
//!
//! Integrators use it to test their own code without network or credentials:
//!
//! ```no_run
//! # async fn demo() {
//! use evsessions_testkit::{emabler::EmablerMock, VendorMock, Fault};
//! let mock = EmablerMock::start().await;
//! // point an eMabler client at mock.base_url() with evsessions_testkit::emabler::API_KEY
//! mock.inject(Fault::status(503).retry_after("1"), 1).await; // the next data request fails once
//! # }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

// `fixture!` and `FIXTURES_DIR`, written by build.rs (before the modules: they use the macro).
include!(concat!(env!("OUT_DIR"), "/fixture_macro.rs"));

pub mod cleverpower;
pub mod conformance;
pub mod emabler;
pub mod fault;
pub mod generator;
pub mod hostile;
pub mod mutation;
pub mod ocpi;
pub mod postgres;
pub mod proxy;
pub mod ru_csms;
pub mod smappee;

pub use conformance::{assert_conforms, collect, Harness};
pub use fault::Fault;

use async_trait::async_trait;

/// What every vendor mock offers, so that the conformance suite and the demo can drive any of
/// them the same way.
#[async_trait]
pub trait VendorMock: Send + Sync {
    /// The base URL to give the vendor client (what `--base-url` would be).
    fn base_url(&self) -> String;

    /// The ids of every session a query for all sessions (no window, status `all`, no scope)
    /// returns, one entry per session. With a bad record injected, its id is still listed.
    fn session_ids(&self) -> Vec<String>;

    /// The underlying wiremock server (to mount extra mocks or read received requests).
    fn server(&self) -> &wiremock::MockServer;

    /// Make the next `times` data requests (the session listing calls) fail with `fault`.
    async fn inject(&self, fault: Fault, times: u64);

    /// The concrete mock, to reach its own methods (`edit_transactions`, …) from a
    /// `Box<dyn VendorMock>`: `mock.as_any().downcast_ref::<EmablerMock>()`.
    fn as_any(&self) -> &dyn std::any::Any;
}

/// A running mock and a source that reads it, as a source crate's descriptor hands them out
/// (`evsessions_core::registry::MockedSource`, its server an `Arc<dyn VendorMock>`).
///
/// ```no_run
/// # async fn demo() -> evsessions_core::Result<()> {
/// use std::sync::Arc;
/// use evsessions_testkit::emabler::EmablerMock;
/// let mock = Arc::new(EmablerMock::start().await);
/// # let source: Box<dyn evsessions_core::SessionSource> = unimplemented!();
/// let mocked = evsessions_testkit::mocked_source(mock, source);
/// assert!(mocked.base_url.starts_with("http://127.0.0.1"));
/// # Ok(()) }
/// ```
pub fn mocked_source<M: VendorMock + 'static>(
    mock: std::sync::Arc<M>,
    source: Box<dyn evsessions_core::SessionSource>,
) -> evsessions_core::registry::MockedSource {
    let base_url = mock.base_url();
    let server: std::sync::Arc<dyn VendorMock> = mock;
    evsessions_core::registry::MockedSource::new(Box::new(server), base_url, source)
}

/// A shared mock is a mock (the descriptors of the source crates hand theirs out as
/// `Arc<dyn VendorMock>`).
#[async_trait]
impl<T: VendorMock + ?Sized> VendorMock for std::sync::Arc<T> {
    fn base_url(&self) -> String {
        (**self).base_url()
    }
    fn session_ids(&self) -> Vec<String> {
        (**self).session_ids()
    }
    fn server(&self) -> &wiremock::MockServer {
        (**self).server()
    }
    async fn inject(&self, fault: Fault, times: u64) {
        (**self).inject(fault, times).await
    }
    fn as_any(&self) -> &dyn std::any::Any {
        (**self).as_any()
    }
}

/// The records of the array at `pointer` (a JSON Pointer, `""` for the whole text) in a
/// fixture's text, each as compact JSON text: for tests that read each record on its own
/// (a lean view against its model, say). Empty when there is no array there.
///
/// ```
/// let texts = evsessions_testkit::record_texts(r#"{"items": [{"id": 1}, {"id": "a"}]}"#, "/items");
/// assert_eq!(texts, [r#"{"id":1}"#, r#"{"id":"a"}"#]);
/// ```
pub fn record_texts(fixture: &str, pointer: &str) -> Vec<String> {
    serde_json::from_str::<serde_json::Value>(fixture)
        .ok()
        .and_then(|v| v.pointer(pointer).and_then(|a| a.as_array()).cloned())
        .unwrap_or_default()
        .iter()
        .map(|r| r.to_string())
        .collect()
}

/// The absolute path of the testkit's `fixtures/` folder, for tests that read a fixture at run time.
///
/// ```
/// let file = evsessions_testkit::fixtures_dir().join("cleverpower/ocpp-PRG-0311-A.json");
/// assert!(file.is_file());
/// ```
pub fn fixtures_dir() -> std::path::PathBuf {
    std::path::PathBuf::from(FIXTURES_DIR)
}
