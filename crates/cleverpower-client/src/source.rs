//! `impl SessionSource for Client`: the scope is a list of charge ids, each one page (the
//! charging point and its embedded sessions).

use evsessions_core::{
    async_trait, Capabilities, Error, PageCursor, Result, SessionPage, SessionQuery, SessionSource,
    SourceKind,
};

use evsessions_core::source::PagePlan;

use crate::config::{clean_ids, ENV_CHARGE_IDS};
use crate::{Client, KIND};

impl Client {
    /// The charge ids a query reads: its `charger_ids`, else the configured default ones.
    fn scope(&self, query: &SessionQuery) -> Result<Vec<String>> {
        let asked = clean_ids(query.charger_ids.clone());
        let ids = if asked.is_empty() {
            self.config().charge_ids().to_vec()
        } else {
            asked
        };
        if ids.is_empty() {
            return Err(Error::UnsupportedQuery {
                vendor: KIND,
                message: format!(
                    "CleverPower has no session listing: name the charging points to read by their OCPP charge id (--charger ID, repeatable; or {ENV_CHARGE_IDS}=A,B)"
                ),
            });
        }
        Ok(ids)
    }
}

/// Errors that concern one charge id only: the walk goes on with the next one. (An `Api` 404
/// means no route matched, i.e. a wrong base URL: that ends the walk.)
fn concerns_one_point(e: &Error) -> bool {
    match e {
        Error::NotFound { .. } | Error::Decode { .. } => true,
        Error::Api {
            status: Some(s), ..
        } => (400..500).contains(s) && !matches!(s, 404 | 408 | 429),
        _ => false,
    }
}

#[async_trait]
impl SessionSource for Client {
    fn kind(&self) -> SourceKind {
        KIND
    }
    fn requests_sent(&self) -> Option<u64> {
        Some(self.http.requests_sent())
    }
    fn rate_limited_responses(&self) -> Option<u64> {
        Some(self.http.rate_limited_responses())
    }

    /// The charge ids are the scope of the API (`charger_ids` applied); the window and the
    /// status are filtered by core.
    fn capabilities(&self) -> Capabilities {
        Capabilities::none().with_charger_ids(true)
    }

    /// Page *n* is the *n*-th charge id. A charge id that is unknown (404) or whose point
    /// cannot be decoded gives a page holding that one error, and the walk goes on; an
    /// authentication, rate-limit, network or server failure ends it.
    async fn fetch_page(
        &self,
        query: &SessionQuery,
        cursor: Option<PageCursor>,
    ) -> Result<SessionPage> {
        let ids = self.scope(query)?;
        let index = match &cursor {
            None => 0,
            Some(c) => c.parse::<usize>(&KIND, "the index of a charge id")?,
        };
        let Some(charge_id) = ids.get(index) else {
            return Ok(SessionPage::empty());
        };
        let next = (index + 1 < ids.len()).then(|| PageCursor::listing((index + 1).to_string()));
        // The charge ids are known from the start: the first page states the others, so that
        // core may read up to `SessionQuery::concurrency` charge points at once (in order).
        let plan = (index == 0 && ids.len() > 1).then(|| {
            PagePlan::new(1, (ids.len() - 1) as u64, |n| {
                PageCursor::listing(n.to_string())
            })
        });
        let records = match self.point_sessions(charge_id).await {
            Ok(records) => records,
            Err(e) if concerns_one_point(&e) => {
                tracing::debug!(vendor = %KIND, charge_id = %charge_id, error = %e, "charge id skipped (reported as that record's error)");
                vec![Err(e)]
            }
            Err(e) => return Err(e),
        };
        Ok(SessionPage::new(records, next).with_remaining_pages(plan))
    }
}

evsessions_core::source_descriptor! {
    name: "cleverpower",
    summary: "CleverPower at api.chargee.eco (Czech)",
    env_prefix: "CLEVERPOWER_",
    settings: [
        crate::config::keys::TOKEN,
        crate::config::keys::BASE_URL,
        crate::config::keys::AUTH_HEADER,
        crate::config::keys::CHARGE_IDS,
        crate::config::keys::CONNECTOR_ID,
        crate::config::keys::TIME_ZONE,
        crate::config::keys::CURRENCY,
    ],
}

/// The testkit's mock of this source, for `evsessions demo` and `evsessions::testing`.
#[cfg(feature = "testkit")]
mod mock {
    use std::sync::Arc;

    use evsessions_core::registry::MockedSource;
    use evsessions_core::{HttpConfig, Result};
    use evsessions_testkit::cleverpower::{CleverPowerMock, TOKEN};
    use evsessions_testkit::VendorMock;
    use futures::future::BoxFuture;

    pub(super) fn start(http: HttpConfig) -> BoxFuture<'static, Result<MockedSource>> {
        Box::pin(async move {
            let mock = Arc::new(CleverPowerMock::start().await);
            let config = crate::Config::builder()
                .base_url(mock.base_url())
                .auth(crate::Auth::bearer(TOKEN))
                .charge_ids(mock.charge_ids())
                .http(http)
                .build()?;
            let source = crate::Client::new(config)?;
            Ok(evsessions_testkit::mocked_source(mock, Box::new(source)))
        })
    }
}
