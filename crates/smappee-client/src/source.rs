//! [`SessionSource`] for [`Client`]: the sessions of charging parks and stations.
//!
//! - **Scope.** `site_ids` are service locations read as charging parks
//!   (`/chargingparks/{id}/sessions`), `charger_ids` are station serials
//!   (`/chargingstations/{serial}/sessions`); both may be given (their union is read). With
//!   neither, every service location found by `GET /dev/v3/servicelocation` is read as a park
//!   (a location that answers 404 is no park and is skipped).
//! - **Status.** Smappee returns completed sessions with `active=false` and running ones with
//!   `active=true`; status `all` makes both calls per scope, `completed` only the first,
//!   `active` only the second. A session seen twice (it ended between the calls) is yielded
//!   once.
//! - **Window.** `range=<fromMs>[,<toMs>]` (start inclusive, end exclusive); no `from` is
//!   `range=0` (the whole history).
//! - **Cursor.** `"<scope index>:<active>"`, one [`PageCursor::listing`] per call; the API does
//!   not page within a call.

use std::sync::Arc;

use evsessions_core::{
    async_trait, Capabilities, ChargingSession, PageCursor, Result, SessionPage, SessionQuery,
    SessionSource, Site, SourceKind, StatusFilter,
};

use evsessions_core::decode::offload;
use evsessions_core::source::PagePlan;

use crate::client::{Client, SessionRange, EP_PARK_SESSIONS, EP_STATION_SESSIONS};
use crate::KIND;

/// One listing scope: a park or a station.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Scope {
    /// A service location read as a charging park; `discovered` = found by discovery (a 404
    /// then means "no park" rather than an error).
    Park {
        id: String,
        name: Option<String>,
        discovered: bool,
    },
    /// A station serial.
    Station { serial: String },
}

fn active_flags(status: StatusFilter) -> &'static [bool] {
    match status {
        StatusFilter::All => &[false, true],
        StatusFilter::Completed => &[false],
        StatusFilter::Active => &[true],
    }
}

fn parse_cursor(token: &str) -> Option<(usize, bool)> {
    let (idx, active) = token.split_once(':')?;
    let idx = idx.parse().ok()?;
    let active = match active {
        "true" => true,
        "false" => false,
        _ => return None,
    };
    Some((idx, active))
}

fn explicit_scopes(query: &SessionQuery) -> Vec<Scope> {
    let mut scopes: Vec<Scope> = Vec::new();
    for id in &query.site_ids {
        let id = id.trim();
        let s = Scope::Park {
            id: id.to_string(),
            name: None,
            discovered: false,
        };
        if !id.is_empty() && !scopes.contains(&s) {
            scopes.push(s);
        }
    }
    for serial in &query.charger_ids {
        let serial = serial.trim();
        let s = Scope::Station {
            serial: serial.to_string(),
        };
        if !serial.is_empty() && !scopes.contains(&s) {
            scopes.push(s);
        }
    }
    scopes
}

impl Client {
    /// The scopes of a query: explicit ones, or the parks found by discovery (fresh on the
    /// first page, remembered for the pages after it).
    async fn scopes(&self, query: &SessionQuery, first_page: bool) -> Result<Arc<Vec<Scope>>> {
        let explicit = explicit_scopes(query);
        if !explicit.is_empty() || !query.site_ids.is_empty() || !query.charger_ids.is_empty() {
            return Ok(Arc::new(explicit));
        }
        if !first_page {
            let cached = match self.inner.discovered.lock() {
                Ok(g) => g.clone(),
                Err(p) => p.into_inner().clone(),
            };
            if let Some(c) = cached {
                return Ok(c);
            }
        }
        let locations = self.service_locations().await?;
        let scopes: Vec<Scope> = locations
            .service_locations
            .into_iter()
            .map(|l| Scope::Park {
                id: l.service_location_id,
                name: l
                    .name
                    .map(|n| n.trim().to_string())
                    .filter(|n| !n.is_empty()),
                discovered: true,
            })
            .collect();
        tracing::debug!(vendor = %KIND, parks = scopes.len(), "discovered service locations");
        let scopes = Arc::new(scopes);
        match self.inner.discovered.lock() {
            Ok(mut g) => *g = Some(scopes.clone()),
            Err(p) => *p.into_inner() = Some(scopes.clone()),
        }
        Ok(scopes)
    }
}

#[async_trait]
impl SessionSource for Client {
    fn kind(&self) -> SourceKind {
        KIND
    }
    fn requests_sent(&self) -> Option<u64> {
        Some(self.inner.http.requests_sent())
    }
    fn rate_limited_responses(&self) -> Option<u64> {
        Some(self.inner.http.rate_limited_responses())
    }

    /// The window and the status are applied by Smappee (`range`, `active`); site and charger
    /// ids are the scopes of the calls. Id tags are filtered by core.
    fn capabilities(&self) -> Capabilities {
        Capabilities::none()
            .with_window(true)
            .with_status(true)
            .with_charger_ids(true)
            .with_site_ids(true)
    }

    async fn fetch_page(
        &self,
        query: &SessionQuery,
        cursor: Option<PageCursor>,
    ) -> Result<SessionPage> {
        let range = SessionRange::from_query(query);
        if range.is_empty() {
            return Ok(SessionPage::empty());
        }
        let flags = active_flags(query.status);
        let (scope_idx, active) = match &cursor {
            None => (0, flags.first().copied().unwrap_or(false)),
            Some(c) => parse_cursor(c.token())
                .filter(|(_, a)| flags.contains(a))
                .ok_or_else(|| c.invalid(&KIND, "a location index and an active flag"))?,
        };
        let scopes = self.scopes(query, cursor.is_none()).await?;
        let Some(scope) = scopes.get(scope_idx) else {
            return Ok(SessionPage::empty());
        };

        let (endpoint, site, resp) = match scope {
            Scope::Park {
                id,
                name,
                discovered,
            } => {
                let resp = if *discovered {
                    self.park_response_if_park(id, range, active).await?
                } else {
                    Some(self.park_response(id, range, active).await?)
                };
                (
                    EP_PARK_SESSIONS,
                    Some(Site::new(Some(id.clone()), name.clone())),
                    resp,
                )
            }
            Scope::Station { serial } => (
                EP_STATION_SESSIONS,
                None,
                Some(self.station_response(serial, range, active).await?),
            ),
        };
        // Decoded off the async thread (core's `offload`): calls fetched ahead are decoded in
        // parallel while the caller handles the one before.
        let records: Vec<Result<ChargingSession>> = match resp {
            None => Vec::new(),
            Some(resp) => {
                let client = self.clone();
                offload(&KIND, endpoint, resp.body.len(), move || {
                    client.page_sessions(endpoint, &resp, site.as_ref())
                })
                .await?
            }
        };

        let flag_pos = flags.iter().position(|f| *f == active).unwrap_or(0);
        let next = if let Some(next_flag) = flags.get(flag_pos + 1) {
            Some((scope_idx, *next_flag))
        } else if scope_idx + 1 < scopes.len() {
            flags.first().map(|f| (scope_idx + 1, *f))
        } else {
            None
        };
        // Every call of the walk is known once the scopes are: the first page states the
        // others, so that core may make up to `SessionQuery::concurrency` calls at once (read in
        // order).
        let calls = (scopes.len() as u64).saturating_mul(flags.len() as u64);
        let plan = (cursor.is_none() && calls > 1).then(|| {
            PagePlan::new(1, calls - 1, move |k| {
                let per_scope = flags.len().max(1) as u64;
                let flag = flags
                    .get((k % per_scope) as usize)
                    .copied()
                    .unwrap_or(false);
                PageCursor::listing(format!("{}:{flag}", k / per_scope))
            })
        });
        Ok(SessionPage::new(
            records,
            next.map(|(i, a)| PageCursor::listing(format!("{i}:{a}"))),
        )
        .with_remaining_pages(plan))
    }
}

evsessions_core::source_descriptor! {
    name: "smappee",
    summary: "Smappee dev API v3 (Belgium)",
    env_prefix: "SMAPPEE_",
    settings: [
        crate::config::keys::CLIENT_ID,
        crate::config::keys::CLIENT_SECRET,
        crate::config::keys::USERNAME,
        crate::config::keys::PASSWORD,
        crate::config::keys::BASE_URL,
        crate::config::keys::TOKEN_FILE,
    ],
}

/// The testkit's mock of this source, for `evsessions demo` and `evsessions::testing`.
#[cfg(feature = "testkit")]
mod mock {
    use std::sync::Arc;

    use evsessions_core::registry::MockedSource;
    use evsessions_core::{HttpConfig, Result};
    use evsessions_testkit::smappee::{SmappeeMock, CLIENT_ID, CLIENT_SECRET, PASSWORD, USERNAME};
    use evsessions_testkit::VendorMock;
    use futures::future::BoxFuture;

    pub(super) fn start(http: HttpConfig) -> BoxFuture<'static, Result<MockedSource>> {
        Box::pin(async move {
            let mock = Arc::new(SmappeeMock::start().await);
            let config = crate::Config::builder()
                .base_url(mock.base_url())
                .client_id(CLIENT_ID)
                .client_secret(CLIENT_SECRET)
                .username(USERNAME)
                .password(PASSWORD)
                .http(http)
                .build()?;
            let source = crate::Client::new(config)?;
            Ok(evsessions_testkit::mocked_source(mock, Box::new(source)))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip() {
        assert_eq!(parse_cursor("3:true"), Some((3, true)));
        assert_eq!(parse_cursor("0:false"), Some((0, false)));
        assert_eq!(parse_cursor("x:false"), None);
        assert_eq!(parse_cursor("1:maybe"), None);
    }

    #[test]
    fn explicit_scopes_are_deduplicated_and_trimmed() {
        let q = SessionQuery::new()
            .site("40101")
            .site(" 40101 ")
            .charger("6100041237")
            .charger("");
        assert_eq!(explicit_scopes(&q).len(), 2);
    }
}
