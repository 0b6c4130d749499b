//! Every vendor's mock server from `evsessions-testkit`, each with a real client pointed at it:
//! for demos, examples and integration tests. No network, no credentials. (Feature `testkit`.)

use evsessions_core::registry::MockedSource;
use evsessions_core::{HttpConfig, Result, SessionSource};
use evsessions_testkit::VendorMock;

/// Mock servers and the sources that read them, in the same order (that of
/// [`crate::SOURCES`]). The servers stop when this is dropped.
#[non_exhaustive]
pub struct MockFleet {
    /// The mock servers.
    pub mocks: Vec<Box<dyn VendorMock>>,
    /// One source per mock, configured with the mock's credentials (and, for CleverPower, its
    /// charge ids as the default scope).
    pub sources: Vec<Box<dyn SessionSource>>,
}

impl std::fmt::Debug for MockFleet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let urls: Vec<String> = self.mocks.iter().map(|m| m.base_url()).collect();
        f.debug_struct("MockFleet")
            .field("mocks", &urls)
            .field("sources", &self.sources)
            .finish()
    }
}

/// Start the mock of every source compiled in ([`crate::SOURCES`]) and build a client for
/// each with `http` settings.
///
/// ```no_run
/// # async fn demo() -> evsessions::Result<()> {
/// use futures::StreamExt;
/// let fleet = evsessions::testing::start_mock_fleet(evsessions::HttpConfig::for_tests()).await?;
/// for source in &fleet.sources {
///     let n = source.sessions(&evsessions::SessionQuery::new()).count().await;
///     println!("{}: {n}", source.kind());
/// }
/// # Ok(()) }
/// ```
pub async fn start_mock_fleet(http: HttpConfig) -> Result<MockFleet> {
    let mut mocks: Vec<Box<dyn VendorMock>> = Vec::new();
    let mut sources: Vec<Box<dyn SessionSource>> = Vec::new();
    for mocked in start_mocked_sources(http).await? {
        let server = mocked
            .server
            .downcast::<std::sync::Arc<dyn VendorMock>>()
            .map_err(|_| {
                evsessions_core::Error::config(
                    Some(mocked.source.kind()),
                    "the source's mock is not a testkit VendorMock",
                )
            })?;
        mocks.push(Box::new(*server));
        sources.push(mocked.source);
    }
    Ok(MockFleet { mocks, sources })
}

/// The mock of every source compiled in that has one, each started with a client for it, in
/// the order of [`crate::SOURCES`] (with their sync scenarios, for demos of `sync`).
///
/// ```no_run
/// # async fn demo() -> evsessions::Result<()> {
/// let all = evsessions::testing::start_mocked_sources(evsessions::HttpConfig::for_tests()).await?;
/// assert!(all.iter().any(|m| m.sync_scenario.is_some()));
/// # Ok(()) }
/// ```
pub async fn start_mocked_sources(http: HttpConfig) -> Result<Vec<MockedSource>> {
    let mut out = Vec::new();
    for d in crate::SOURCES {
        if let Some(start) = d.mock {
            out.push(start(http.clone()).await?);
        }
    }
    Ok(out)
}

/// Every session the mocks of a fresh fleet serve, read with the default query: the fixture
/// sessions of every source, in the fleet's order (for tests of anything that consumes
/// sessions: writers, exports, stores). The first error ends the read.
///
/// ```no_run
/// # async fn demo() -> evsessions::Result<()> {
/// let sessions = evsessions::testing::fleet_sessions(evsessions::HttpConfig::for_tests()).await?;
/// assert!(sessions.iter().any(|s| s.source.as_str() == "smappee"));
/// # Ok(()) }
/// ```
pub async fn fleet_sessions(http: HttpConfig) -> Result<Vec<evsessions_core::ChargingSession>> {
    let fleet = start_mock_fleet(http).await?;
    let mut out = Vec::new();
    for source in &fleet.sources {
        let query = evsessions_core::SessionQuery::new();
        out.extend(evsessions_core::try_collect_sessions(source.as_ref(), &query).await?);
    }
    Ok(out)
}
