//! [`SessionSource`] for [`Client`]: 1-based pages, sized by the page size the server echoes.

use evsessions_core::decode::offload;
use evsessions_core::source::PagePlan;
use evsessions_core::{
    async_trait, Capabilities, ChargingSession, PageCursor, Result, SessionPage, SessionQuery,
    SessionSource, SourceKind,
};

use crate::client::Client;
use crate::model::Payload;
use crate::KIND;

#[async_trait]
impl SessionSource for Client {
    fn kind(&self) -> SourceKind {
        KIND
    }
    fn requests_sent(&self) -> Option<u64> {
        Some(self.requests_sent_total())
    }
    fn rate_limited_responses(&self) -> Option<u64> {
        Some(self.rate_limited_total())
    }

    /// The platform filters nothing that is known: window, status, charger and site are all
    /// applied by core on the normalized records.
    fn capabilities(&self) -> Capabilities {
        Capabilities::none()
    }

    async fn fetch_page(
        &self,
        query: &SessionQuery,
        cursor: Option<PageCursor>,
    ) -> Result<SessionPage> {
        let page = match &cursor {
            None => 1,
            Some(c) => c
                .parse::<u32>(&KIND, "a page number")
                .ok()
                .filter(|p| *p >= 1)
                .ok_or_else(|| c.invalid(&KIND, "a page number from 1"))?,
        };
        let asked = query
            .page_size
            .filter(|n| *n >= 1)
            .unwrap_or_else(|| self.config().per_page());
        let resp = self.list_response(page, asked).await?;
        // Decoded off the async thread (core's `offload`): pages fetched ahead are decoded in
        // parallel while the caller handles the page before.
        let client = self.clone();
        let endpoint = self.endpoint().to_string();
        let (records, next, stated, size) = offload(&KIND, &endpoint, resp.body.len(), move || {
            let (list, records) = client.decode_page_sessions(&resp.body)?;
            let next = next_page(page, asked, &list.payload, records.len());
            let stated = list.payload.total;
            let size = list
                .payload
                .per_page
                .filter(|n| *n >= 1)
                .unwrap_or(u64::from(asked));
            Ok((records, next, stated, size))
        })
        .await?;
        let mut next = next.map(|p| PageCursor::page(p.to_string()));
        if next.is_some() && whole_page_before(&records, query.from) {
            tracing::debug!(vendor = %KIND, page, "the list is newest first and this whole page started before the window: stopping");
            next = None;
        }
        // The pages that follow, for core to fetch several at once. Not with a window: the
        // list is newest first and a windowed read usually ends after a page or two, so pages
        // fetched ahead would mostly be wasted requests.
        let plan = match (page, stated, &next, query.from) {
            (1, Some(total), Some(_), None) => {
                PagePlan::from_total(1, total, size, |n| PageCursor::page(n.to_string())).map(|p| {
                    PagePlan::new(p.first(), p.last().min(u64::from(u32::MAX)), |n| {
                        PageCursor::page(n.to_string())
                    })
                })
            }
            _ => None,
        };
        Ok(SessionPage::new(records, next)
            .with_stated_total(stated, Some(size))
            .with_remaining_pages(plan))
    }
}

/// The platform lists sessions newest first and has no time filter: once every record of a
/// page started before the window, the later pages hold only older sessions and need not be
/// read (a sync's nightly run reads one or two pages, not the whole history). A page with an
/// undecodable record or a record without a start is not taken as proof.
pub(crate) fn whole_page_before(
    records: &[Result<ChargingSession>],
    from: Option<chrono::DateTime<chrono::Utc>>,
) -> bool {
    let Some(from) = from else { return false };
    !records.is_empty()
        && records
            .iter()
            .all(|r| matches!(r, Ok(s) if s.started_at.is_some_and(|t| t < from)))
}

/// The page after `page`, or `None` when `page` was the last: the page is empty, or
/// `page × per_page ≥ total` with the page size the server echoes (the one asked when it
/// echoes none), or the server answered another page than the one asked (its paging is then
/// not understood, and following it could loop).
pub(crate) fn next_page(
    page: u32,
    asked_per_page: u32,
    payload: &Payload,
    count: usize,
) -> Option<u32> {
    if count == 0 {
        return None;
    }
    if let Some(echoed) = payload.page {
        if echoed != u64::from(page) {
            tracing::warn!(vendor = %KIND, asked = page, answered = echoed, "the server answered another page than the one asked; stopping");
            return None;
        }
    }
    let per_page = payload
        .per_page
        .filter(|n| *n >= 1)
        .unwrap_or(u64::from(asked_per_page));
    if let Some(total) = payload.total {
        if u64::from(page).saturating_mul(per_page) >= total {
            return None;
        }
    }
    page.checked_add(1)
}

evsessions_core::source_descriptor! {
    name: "ru-csms",
    summary: "the RU CSMS's paged session list",
    env_prefix: "RU_CSMS_",
    settings: [
        crate::config::keys::SESSIONS_URL,
        crate::config::keys::TOKEN,
        crate::config::keys::BASE_URL,
        crate::config::keys::PER_PAGE,
        crate::config::keys::AMOUNT_SCALE,
        crate::config::keys::COORDINATES,
    ],
}

/// The testkit's mock of this source, for `evsessions demo` and `evsessions::testing`.
#[cfg(feature = "testkit")]
mod mock {
    use std::sync::Arc;

    use evsessions_core::registry::MockedSource;
    use evsessions_core::{HttpConfig, Result};
    use evsessions_testkit::ru_csms::{RuCsmsMock, TOKEN};
    use futures::future::BoxFuture;

    pub(super) fn start(http: HttpConfig) -> BoxFuture<'static, Result<MockedSource>> {
        Box::pin(async move {
            let mock = Arc::new(RuCsmsMock::start().await);
            let config = crate::Config::builder()
                .sessions_url(mock.sessions_url())
                .token(TOKEN)
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

    fn np(page: u32, asked: u32, p: Payload) -> Option<u32> {
        let n = p.items.len();
        next_page(page, asked, &p, n)
    }

    fn payload(n: usize, total: Option<u64>, per_page: Option<u64>, page: Option<u64>) -> Payload {
        Payload {
            items: vec![serde_json::json!({}).into(); n],
            total,
            per_page,
            page,
        }
    }

    #[test]
    fn stops_by_echoed_per_page() {
        // asked 100, server pages by 20: 44 sessions → pages 1, 2, 3.
        assert_eq!(
            np(1, 100, payload(20, Some(44), Some(20), Some(1))),
            Some(2)
        );
        assert_eq!(
            np(2, 100, payload(20, Some(44), Some(20), Some(2))),
            Some(3)
        );
        assert_eq!(np(3, 100, payload(4, Some(44), Some(20), Some(3))), None);
        // exact multiple
        assert_eq!(np(2, 100, payload(22, Some(44), Some(22), Some(2))), None);
        // the captured page: 44 of 44 at 100 per page
        assert_eq!(np(1, 100, payload(44, Some(44), Some(100), Some(1))), None);
    }

    #[test]
    fn empty_page_missing_fields_and_wrong_page() {
        assert_eq!(np(1, 10, payload(0, Some(44), Some(10), Some(1))), None);
        assert_eq!(np(1, 10, payload(10, None, None, None)), Some(2));
        assert_eq!(np(4, 10, payload(10, Some(40), None, None)), None);
        assert_eq!(np(2, 10, payload(10, Some(100), Some(10), Some(1))), None);
        assert_eq!(np(1, 10, payload(10, Some(100), Some(0), Some(1))), Some(2));
    }
}
