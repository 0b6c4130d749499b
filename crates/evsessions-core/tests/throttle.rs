//! Concurrent paging under rate limiting: after a 429, the session stream halves the pages it
//! holds at once, then raises them by one every `RAMP_UP_PAGES` pages read without another,
//! back to the query's concurrency. Observed directly: how far ahead of the page being read
//! each page is sent.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use async_trait::async_trait;
use evsessions_core::source::{PagePlan, RAMP_UP_PAGES};
use evsessions_core::{
    Capabilities, ChargingSession, PageCursor, SessionPage, SessionQuery, SessionSource,
    SessionSourceExt, SourceKind, StatusFilter,
};
use futures::StreamExt;

const KIND: SourceKind = SourceKind::from_static("fake");

/// `pages` pages of one session each (id = page number), all stated by the first page. The
/// fetch of page `throttle_at` "receives a 429" (the count `rate_limited_responses` reports
/// grows, as an `HttpClient`'s does when it retries one).
#[derive(Debug)]
struct Planned {
    pages: u64,
    throttle_at: u64,
    /// The page whose session the caller received last.
    read: AtomicU64,
    rate_limited: AtomicU64,
    /// For each page sent, in order: (page, pages ahead of the one last read).
    sent: Mutex<Vec<(u64, u64)>>,
}

#[async_trait]
impl SessionSource for Planned {
    fn kind(&self) -> SourceKind {
        KIND
    }
    fn capabilities(&self) -> Capabilities {
        Capabilities::none()
    }
    fn rate_limited_responses(&self) -> Option<u64> {
        Some(self.rate_limited.load(Ordering::SeqCst))
    }
    async fn fetch_page(
        &self,
        _q: &SessionQuery,
        cursor: Option<PageCursor>,
    ) -> evsessions_core::Result<SessionPage> {
        let page: u64 = cursor.map_or(1, |c| c.token().parse().unwrap());
        let read = self.read.load(Ordering::SeqCst);
        self.sent.lock().unwrap().push((page, page - read));
        if page == self.throttle_at {
            self.rate_limited.fetch_add(1, Ordering::SeqCst);
        }
        let session = ChargingSession::new(KIND, page.to_string(), serde_json::json!({}));
        let next = (page < self.pages).then(|| PageCursor::page((page + 1).to_string()));
        let plan =
            (page == 1).then(|| PagePlan::new(2, self.pages, |n| PageCursor::page(n.to_string())));
        Ok(SessionPage::new(vec![Ok(session)], next).with_remaining_pages(plan))
    }
}

async fn leads(concurrency: usize, pages: u64, throttle_at: u64) -> Vec<(u64, u64)> {
    let src = Planned {
        pages,
        throttle_at,
        read: AtomicU64::new(0),
        rate_limited: AtomicU64::new(0),
        sent: Mutex::new(Vec::new()),
    };
    let q = SessionQuery::new()
        .status(StatusFilter::All)
        .concurrency(concurrency);
    let mut stream = src.sessions(&q);
    let mut ids = Vec::new();
    while let Some(s) = stream.next().await {
        let id: u64 = s.unwrap().id.parse().unwrap();
        src.read.store(id, Ordering::SeqCst);
        ids.push(id);
    }
    drop(stream);
    assert_eq!(
        ids,
        (1..=pages).collect::<Vec<_>>(),
        "every page once, in order"
    );
    src.sent.into_inner().unwrap()
}

/// The lead (pages sent ahead of the one being read) of each page sent after `after`.
fn lead_after(sent: &[(u64, u64)], after: u64) -> Vec<u64> {
    sent.iter()
        .filter(|(p, _)| *p > after)
        .map(|(_, l)| *l)
        .collect()
}

#[tokio::test]
async fn a_429_halves_the_pages_at_once_and_calm_pages_raise_them_back_one_by_one() {
    let sent = leads(8, 120, 20).await;
    // Every page was sent once.
    let mut pages: Vec<u64> = sent.iter().map(|(p, _)| *p).collect();
    pages.sort_unstable();
    assert_eq!(pages, (1..=120).collect::<Vec<_>>());
    // Before the 429: up to 8 pages held, the one being read included.
    let before = sent
        .iter()
        .filter(|(p, _)| (3..=20).contains(p))
        .map(|(_, l)| *l)
        .max();
    assert_eq!(before, Some(8));
    // Right after it (from the next page sent): half as many.
    let after = lead_after(&sent, 20);
    assert_eq!(after[..4], [4, 4, 4, 4], "{sent:?}");
    // Then one more at a time, each after RAMP_UP_PAGES calm pages, up to the query's 8 again.
    assert!(
        after.windows(2).all(|w| w[1] == w[0] || w[1] == w[0] + 1),
        "{sent:?}"
    );
    for step in 5..=7 {
        let held = after.iter().filter(|l| **l == step).count();
        assert!(
            held >= RAMP_UP_PAGES as usize,
            "{step} pages at once for only {held} pages: {sent:?}"
        );
    }
    let back_at = sent
        .iter()
        .find(|(p, l)| *p > 20 && *l == 8)
        .map(|(p, _)| *p);
    assert!(
        back_at.is_some_and(|p| p >= 20 + 4 * u64::from(RAMP_UP_PAGES)),
        "back to 8 at page {back_at:?}: {sent:?}"
    );
    assert!(after.ends_with(&[8; 20]), "{sent:?}");
}

#[tokio::test]
async fn without_429s_the_window_stays_and_at_one_page_nothing_is_sent_ahead() {
    let sent = leads(8, 60, u64::MAX).await;
    assert_eq!(lead_after(&sent, 10).into_iter().max(), Some(8));
    assert!(
        lead_after(&sent, 10).into_iter().all(|l| l >= 7),
        "{sent:?}"
    );
    let sent = leads(1, 30, 10).await;
    assert!(sent.iter().all(|(_, l)| *l == 1), "{sent:?}");
}
