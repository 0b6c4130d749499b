//! The session stream's contract: cursor walking, safe stops, filters, dedup, error isolation.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use evsessions_core::{
    Capabilities, ChargingSession, Error, PageCursor, SessionPage, SessionQuery, SessionSource,
    SessionSourceExt, SessionStatus, SourceKind, StatusFilter,
};
use futures::StreamExt;

const KIND: SourceKind = SourceKind::from_static("fake");

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn session(id: &str, start: &str, status: SessionStatus) -> ChargingSession {
    let mut s = ChargingSession::new(KIND, id, serde_json::json!({ "id": id }));
    s.started_at = Some(t(start));
    s.status = status;
    s
}

/// A source that serves scripted pages: page i is `pages[i]`, its next cursor is `next[i]`.
#[derive(Debug)]
struct Scripted {
    pages: Mutex<Vec<Option<Result<SessionPage, Error>>>>,
    caps: Capabilities,
    calls: AtomicUsize,
    cursors: Mutex<Vec<Option<String>>>,
}

impl Scripted {
    fn new(pages: Vec<Result<SessionPage, Error>>, caps: Capabilities) -> Self {
        Scripted {
            pages: Mutex::new(pages.into_iter().map(Some).collect()),
            caps,
            calls: AtomicUsize::new(0),
            cursors: Mutex::new(Vec::new()),
        }
    }
}

#[async_trait]
impl SessionSource for Scripted {
    fn kind(&self) -> SourceKind {
        KIND
    }
    fn capabilities(&self) -> Capabilities {
        self.caps
    }
    async fn fetch_page(
        &self,
        _q: &SessionQuery,
        cursor: Option<PageCursor>,
    ) -> evsessions_core::Result<SessionPage> {
        let i = self.calls.fetch_add(1, Ordering::SeqCst);
        self.cursors
            .lock()
            .unwrap()
            .push(cursor.map(|c| c.token().to_string()));
        let mut pages = self.pages.lock().unwrap();
        match pages.get_mut(i).and_then(Option::take) {
            Some(p) => p,
            None => panic!("the stream asked for page {i}, which the script does not have"),
        }
    }
}

fn page(items: Vec<ChargingSession>, next: Option<PageCursor>) -> Result<SessionPage, Error> {
    Ok(SessionPage::new(items.into_iter().map(Ok).collect(), next))
}

async fn run(src: &Scripted, q: &SessionQuery) -> (Vec<String>, Vec<Error>) {
    let (ok, errs) = evsessions_core::collect_sessions(src, q).await;
    (ok.into_iter().map(|s| s.id).collect(), errs)
}

/// A page of two good records around one that could not be decoded.
fn page_with_bad_record() -> Scripted {
    let bad = Error::decode(KIND, "sessions", Some("2".into()), "energy", "not a number");
    Scripted::new(
        vec![Ok(SessionPage::new(
            vec![
                Ok(session(
                    "1",
                    "2025-01-01T00:00:00Z",
                    SessionStatus::Completed,
                )),
                Err(bad),
                Ok(session(
                    "3",
                    "2025-01-03T00:00:00Z",
                    SessionStatus::Completed,
                )),
            ],
            None,
        ))],
        Capabilities::none(),
    )
}

#[tokio::test]
async fn collect_sessions_keeps_the_bad_record_apart_and_reads_on() {
    let (ids, errs) = run(&page_with_bad_record(), &SessionQuery::new()).await;
    assert_eq!(ids, ["1", "3"]);
    assert_eq!(errs.len(), 1);
    assert!(
        matches!(&errs[0], Error::Decode { record: Some(r), .. } if r == "2"),
        "{:?}",
        errs[0]
    );
}

#[tokio::test]
async fn try_collect_sessions_stops_at_the_first_error() {
    let src = page_with_bad_record();
    let err = evsessions_core::try_collect_sessions(&src, &SessionQuery::new())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Decode { record: Some(r), .. } if r == "2"),
        "{err:?}"
    );

    let good = Scripted::new(
        vec![page(
            vec![session(
                "1",
                "2025-01-01T00:00:00Z",
                SessionStatus::Completed,
            )],
            None,
        )],
        Capabilities::none(),
    );
    let all = evsessions_core::try_collect_sessions(&good, &SessionQuery::new())
        .await
        .unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].id, "1");
}

#[tokio::test]
async fn follows_cursors_and_drops_duplicates() {
    let src = Scripted::new(
        vec![
            page(
                vec![session(
                    "1",
                    "2025-01-01T00:00:00Z",
                    SessionStatus::Completed,
                )],
                Some(PageCursor::page("2")),
            ),
            page(
                vec![
                    session("1", "2025-01-01T00:00:00Z", SessionStatus::Completed),
                    session("2", "2025-01-02T00:00:00Z", SessionStatus::Completed),
                ],
                Some(PageCursor::page("3")),
            ),
            page(
                vec![session("3", "2025-01-03T00:00:00Z", SessionStatus::Active)],
                None,
            ),
        ],
        Capabilities::none(),
    );
    let (ids, errs) = run(&src, &SessionQuery::new()).await;
    assert_eq!(ids, ["1", "2", "3"]);
    assert!(errs.is_empty());
    assert_eq!(
        *src.cursors.lock().unwrap(),
        [None, Some("2".into()), Some("3".into())]
    );
}

#[tokio::test]
async fn an_empty_page_ends_a_listing_that_claims_more() {
    let src = Scripted::new(
        vec![
            page(
                vec![session(
                    "1",
                    "2025-01-01T00:00:00Z",
                    SessionStatus::Completed,
                )],
                Some(PageCursor::page("2")),
            ),
            page(vec![], Some(PageCursor::page("3"))),
        ],
        Capabilities::none(),
    );
    let (ids, _) = run(&src, &SessionQuery::new()).await;
    assert_eq!(ids, ["1"]);
    assert_eq!(
        src.calls.load(Ordering::SeqCst),
        2,
        "no request after the empty page"
    );
}

#[tokio::test]
async fn a_new_listing_is_followed_after_an_empty_page() {
    let src = Scripted::new(
        vec![
            page(vec![], Some(PageCursor::listing("active"))),
            page(
                vec![session("9", "2025-01-01T00:00:00Z", SessionStatus::Active)],
                None,
            ),
        ],
        Capabilities::none(),
    );
    let (ids, _) = run(&src, &SessionQuery::new()).await;
    assert_eq!(ids, ["9"]);
}

#[tokio::test]
async fn a_repeated_cursor_stops_endless_paging() {
    let src = Scripted::new(
        vec![
            page(
                vec![session(
                    "1",
                    "2025-01-01T00:00:00Z",
                    SessionStatus::Completed,
                )],
                Some(PageCursor::page("same")),
            ),
            page(
                vec![session(
                    "2",
                    "2025-01-02T00:00:00Z",
                    SessionStatus::Completed,
                )],
                Some(PageCursor::page("same")),
            ),
        ],
        Capabilities::none(),
    );
    let (ids, _) = run(&src, &SessionQuery::new()).await;
    assert_eq!(ids, ["1", "2"]);
    assert_eq!(src.calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_bad_record_is_one_error_and_the_stream_goes_on() {
    let bad = Error::Decode {
        vendor: KIND,
        endpoint: "GET /x".into(),
        record: Some("2".into()),
        path: "power".into(),
        message: "invalid type".into(),
        snippet: None,
    };
    let src = Scripted::new(
        vec![
            Ok(SessionPage::new(
                vec![
                    Ok(session(
                        "1",
                        "2025-01-01T00:00:00Z",
                        SessionStatus::Completed,
                    )),
                    Err(bad),
                ],
                Some(PageCursor::page("2")),
            )),
            page(
                vec![session(
                    "3",
                    "2025-01-03T00:00:00Z",
                    SessionStatus::Completed,
                )],
                None,
            ),
        ],
        Capabilities::none(),
    );
    let (ids, errs) = run(&src, &SessionQuery::new()).await;
    assert_eq!(ids, ["1", "3"]);
    assert_eq!(errs.len(), 1);
    assert!(errs[0].to_string().contains("record 2"), "{}", errs[0]);
}

#[tokio::test]
async fn a_failed_page_ends_the_stream_with_that_error() {
    let src = Scripted::new(
        vec![
            page(
                vec![session(
                    "1",
                    "2025-01-01T00:00:00Z",
                    SessionStatus::Completed,
                )],
                Some(PageCursor::page("2")),
            ),
            Err(Error::Unauthenticated {
                vendor: KIND,
                reason: None,
            }),
        ],
        Capabilities::none(),
    );
    let (ids, errs) = run(&src, &SessionQuery::new()).await;
    assert_eq!(ids, ["1"]);
    assert!(matches!(errs.as_slice(), [Error::Unauthenticated { .. }]));
}

fn mixed() -> Vec<ChargingSession> {
    let mut a = session("a", "2025-06-01T00:00:00Z", SessionStatus::Completed);
    a.charger.id = Some("C1".into());
    let mut b = session("b", "2025-06-02T12:00:00Z", SessionStatus::Active);
    b.charger.id = Some("C2".into());
    let mut c = session("c", "2025-06-05T00:00:00Z", SessionStatus::Completed);
    c.charger.id = Some("C1".into());
    let mut d = ChargingSession::new(KIND, "d", serde_json::json!({}));
    d.status = SessionStatus::Reservation;
    let e = session("e", "2025-05-31T23:59:59.999Z", SessionStatus::Pending);
    vec![a, b, c, d, e]
}

#[tokio::test]
async fn the_window_is_half_open_even_when_the_vendor_filtered() {
    let q = SessionQuery::new()
        .from(t("2025-06-01T00:00:00Z"))
        .to(t("2025-06-05T00:00:00Z"));
    // The vendor claims to apply the window but its end bound is inclusive: core still cuts.
    let src = Scripted::new(
        vec![page(mixed(), None)],
        Capabilities::none().with_window(true),
    );
    let (ids, _) = run(&src, &q).await;
    assert_eq!(
        ids,
        ["a", "b", "d"],
        "d has no start: trusted to the vendor that filtered"
    );
    let src = Scripted::new(vec![page(mixed(), None)], Capabilities::none());
    let (ids, _) = run(&src, &q).await;
    assert_eq!(
        ids,
        ["a", "b"],
        "without vendor filtering an unknown start cannot be in a window"
    );
}

#[tokio::test]
async fn status_and_charger_filters_apply_only_where_the_vendor_did_not() {
    let src = Scripted::new(vec![page(mixed(), None)], Capabilities::none());
    let (ids, _) = run(&src, &SessionQuery::new().status(StatusFilter::Active)).await;
    assert_eq!(ids, ["b", "e"]);
    let src = Scripted::new(vec![page(mixed(), None)], Capabilities::none());
    let (ids, _) = run(
        &src,
        &SessionQuery::new()
            .status(StatusFilter::Completed)
            .charger("C1"),
    )
    .await;
    assert_eq!(ids, ["a", "c"]);
    // A vendor whose charger filter is a scope is trusted, whatever id the record carries.
    let src = Scripted::new(
        vec![page(mixed(), None)],
        Capabilities::none().with_charger_ids(true),
    );
    let (ids, _) = run(&src, &SessionQuery::new().charger("SERIAL-1")).await;
    assert_eq!(ids, ["a", "b", "c", "d", "e"]);
}

#[tokio::test]
async fn works_through_a_trait_object() {
    let sources: Vec<Box<dyn SessionSource>> = vec![Box::new(Scripted::new(
        vec![page(mixed(), None)],
        Capabilities::none(),
    ))];
    let n = sources[0].sessions(&SessionQuery::new()).count().await;
    assert_eq!(n, 5);
}

/// A server that ignores paging: every page is page 1 again (two completed sessions), and it
/// always claims there is more. Two pages are scripted: a third request fails the test.
fn ignores_paging() -> Scripted {
    let same = || {
        vec![
            session("1", "2025-01-01T00:00:00Z", SessionStatus::Completed),
            session("2", "2025-01-02T00:00:00Z", SessionStatus::Completed),
        ]
    };
    Scripted::new(
        vec![
            page(same(), Some(PageCursor::page("2"))),
            page(same(), Some(PageCursor::page("3"))),
        ],
        Capabilities::none(),
    )
}

#[tokio::test]
async fn a_server_that_ignores_paging_cannot_loop_forever() {
    let src = ignores_paging();
    let (ids, errs) = run(&src, &SessionQuery::new()).await;
    assert_eq!(ids, ["1", "2"]);
    assert!(errs.is_empty());
    assert_eq!(
        src.calls.load(Ordering::SeqCst),
        2,
        "stops after the page that brought nothing new"
    );
}

#[tokio::test]
async fn a_server_that_ignores_paging_is_stopped_even_when_no_record_matches_the_query() {
    // The records fall outside the query (filtered here, not by the vendor): nothing is
    // yielded, and the repeat is still seen.
    let src = ignores_paging();
    let (ids, errs) = run(&src, &SessionQuery::new().status(StatusFilter::Active)).await;
    assert!(ids.is_empty() && errs.is_empty(), "{ids:?} {errs:?}");
    assert_eq!(src.calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_partly_repeated_page_is_followed() {
    // Offset paging shifted by a new session: one record repeats, one is new.
    let src = Scripted::new(
        vec![
            page(
                vec![session(
                    "1",
                    "2025-01-01T00:00:00Z",
                    SessionStatus::Completed,
                )],
                Some(PageCursor::page("2")),
            ),
            page(
                vec![
                    session("1", "2025-01-01T00:00:00Z", SessionStatus::Completed),
                    session("2", "2025-01-02T00:00:00Z", SessionStatus::Completed),
                ],
                Some(PageCursor::page("3")),
            ),
            page(
                vec![session(
                    "3",
                    "2025-01-03T00:00:00Z",
                    SessionStatus::Completed,
                )],
                None,
            ),
        ],
        Capabilities::none(),
    );
    let (ids, _) = run(&src, &SessionQuery::new()).await;
    assert_eq!(ids, ["1", "2", "3"]);
}

#[tokio::test]
async fn pages_of_undecodable_or_dropped_records_forever_stop_after_a_few() {
    let bad = || Error::decode(KIND, "GET /x", Some("?".into()), "$", "bad");
    let mut pages = Vec::new();
    for i in 0..20 {
        let next = Some(PageCursor::page(format!("{}", i + 2)));
        pages.push(if i % 2 == 0 {
            Ok(SessionPage::new(vec![Err(bad())], next))
        } else {
            Ok(SessionPage::new(vec![], next).with_dropped(3))
        });
    }
    let src = Scripted::new(pages, Capabilities::none());
    let (ids, errs) = run(&src, &SessionQuery::new()).await;
    assert!(ids.is_empty());
    assert_eq!(errs.len(), 3);
    assert_eq!(
        src.calls.load(Ordering::SeqCst),
        evsessions_core::source::MAX_BARREN_PAGES as usize
    );
}

#[tokio::test]
async fn a_guard_ends_one_listing_and_the_walk_goes_on_to_the_next() {
    let ongoing = || vec![session("o1", "2025-01-01T00:00:00Z", SessionStatus::Active)];
    let finished = PageCursor::listing("finished");
    let src = Scripted::new(
        vec![
            Ok(SessionPage::new(
                ongoing().into_iter().map(Ok).collect(),
                Some(PageCursor::page("o2")),
            )
            .with_after_listing(Some(finished.clone()))),
            // The ongoing list repeats its page forever.
            Ok(SessionPage::new(
                ongoing().into_iter().map(Ok).collect(),
                Some(PageCursor::page("o3")),
            )
            .with_after_listing(Some(finished.clone()))),
            page(
                vec![session(
                    "f1",
                    "2025-01-02T00:00:00Z",
                    SessionStatus::Completed,
                )],
                None,
            ),
        ],
        Capabilities::none(),
    );
    let (ids, errs) = run(&src, &SessionQuery::new()).await;
    assert_eq!(ids, ["o1", "f1"]);
    assert!(errs.is_empty());
    assert_eq!(
        *src.cursors.lock().unwrap(),
        [None, Some("o2".to_string()), Some("finished".to_string())]
    );
}

#[tokio::test]
async fn a_listing_stops_a_few_pages_past_the_stated_total() {
    // The first page states 10 records of 5 a page (2 pages, +2 extra): the server goes on
    // inventing new records (and a growing total) forever; the listing is read 4 pages deep,
    // then the walk goes on to the next listing.
    let fresh = |i: usize| {
        vec![Ok(session(
            &format!("r{i}"),
            "2025-01-01T00:00:00Z",
            SessionStatus::Completed,
        ))]
    };
    let mut pages = Vec::new();
    for i in 0..4 {
        pages.push(Ok(SessionPage::new(
            fresh(i),
            Some(PageCursor::page(format!("{}", i + 2))),
        )
        .with_stated_total(Some(10 + 5 * i as u64), Some(5))
        .with_after_listing(Some(PageCursor::listing("next")))));
    }
    // The next listing states a total too; its limit is its own.
    pages.push(Ok(
        SessionPage::new(fresh(99), None).with_stated_total(Some(1), Some(5))
    ));
    let src = Scripted::new(pages, Capabilities::none());
    let (ids, errs) = run(&src, &SessionQuery::new()).await;
    assert!(errs.is_empty());
    assert_eq!(ids, ["r0", "r1", "r2", "r3", "r99"]);
    assert_eq!(
        *src.cursors.lock().unwrap(),
        [
            None,
            Some("2".to_string()),
            Some("3".to_string()),
            Some("4".to_string()),
            Some("next".to_string())
        ]
    );
}

#[tokio::test]
async fn a_listing_within_its_stated_total_and_margin_is_read_to_the_end() {
    // 10 records stated, 5 a page, but 2 more pages arrive (records added while reading): read.
    let mut pages = Vec::new();
    for i in 0..4 {
        let next = (i < 3).then(|| PageCursor::page(format!("{}", i + 2)));
        let s = session(
            &format!("r{i}"),
            "2025-01-01T00:00:00Z",
            SessionStatus::Completed,
        );
        pages.push(Ok(
            SessionPage::new(vec![Ok(s)], next).with_stated_total(Some(10), Some(5))
        ));
    }
    let src = Scripted::new(pages, Capabilities::none());
    let (ids, _) = run(&src, &SessionQuery::new()).await;
    assert_eq!(ids, ["r0", "r1", "r2", "r3"]);
}
