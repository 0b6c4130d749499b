//! Every vendor's mock server from `evsessions-testkit`, each with a real client pointed at it:
//! for demos, examples and integration tests. No network, no credentials. (Feature `testkit`.)

use evsessions_core::{HttpConfig, Result, SessionSource};
use evsessions_testkit::VendorMock;

/// Mock servers and the sources that read them, in the same order
/// (eMabler, Smappee, CleverPower, RU CSMS). The servers stop when this is dropped.
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

/// Start every vendor's mock and build a client for each with `http` settings.
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
    use evsessions_testkit::{cleverpower as cp, emabler as em, ru_csms as ru, smappee as sm};

    let mut mocks: Vec<Box<dyn VendorMock>> = Vec::new();
    let mut sources: Vec<Box<dyn SessionSource>> = Vec::new();

    let m = em::EmablerMock::start().await;
    let cfg = crate::emabler::Config::builder()
        .base_url(m.base_url())
        .api_key(em::API_KEY)
        .http(http.clone())
        .build()?;
    sources.push(Box::new(crate::emabler::Client::new(cfg)?));
    mocks.push(Box::new(m));

    let m = sm::SmappeeMock::start().await;
    let cfg = crate::smappee::Config::builder()
        .base_url(m.base_url())
        .client_id(sm::CLIENT_ID)
        .client_secret(sm::CLIENT_SECRET)
        .username(sm::USERNAME)
        .password(sm::PASSWORD)
        .http(http.clone())
        .build()?;
    sources.push(Box::new(crate::smappee::Client::new(cfg)?));
    mocks.push(Box::new(m));

    let m = cp::CleverPowerMock::start().await;
    let cfg = crate::cleverpower::Config::builder()
        .base_url(m.base_url())
        .auth(crate::cleverpower::Auth::bearer(cp::TOKEN))
        .charge_ids(m.charge_ids())
        .http(http.clone())
        .build()?;
    sources.push(Box::new(crate::cleverpower::Client::new(cfg)?));
    mocks.push(Box::new(m));

    let m = ru::RuCsmsMock::start().await;
    let cfg = crate::ru_csms::Config::builder()
        .sessions_url(m.sessions_url())
        .token(ru::TOKEN)
        .http(http)
        .build()?;
    sources.push(Box::new(crate::ru_csms::Client::new(cfg)?));
    mocks.push(Box::new(m));

    Ok(MockFleet { mocks, sources })
}

/// Every session the mocks of a fresh fleet serve, read with the default query: the fixture
/// sessions of all four vendors, in the fleet's order (for tests of anything that consumes
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
