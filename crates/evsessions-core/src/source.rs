//! The [`SessionSource`] trait every vendor implements, and the session stream core builds on
//! it ([`SessionSourceExt::sessions`]).
//!
//! **Memory.** The stream holds one page at a time. To drop a repeated `(source, id)` and to
//! notice a cursor that comes back, it keeps a 64-bit hash of each id and of each cursor
//! ([`dedupe_hash`]), not the texts: about 16 bytes a session whatever the length of its id
//! (the two sets of 1 M sessions: about 36 MiB, where sets of the id texts cost several times
//! that).
//!
//! **Collisions.** Two distinct ids with the same 64-bit hash would make the second look like a
//! duplicate: that session would be dropped from the stream (and a page made only of such
//! sessions would count as a page that repeats itself). With a good 64-bit hash the chance that
//! any two of `n` ids collide is about `n² / 2⁶⁵`: 1 M ids → about 3 × 10⁻⁸, 100 M ids → about
//! 3 × 10⁻⁴. That is far below the chance of the server itself losing or duplicating a record,
//! and a later sync reads the session again; a set of texts would instead cost memory that
//! grows with every id's length. The hash is SipHash-1-3 with fixed keys
//! ([`std::hash::DefaultHasher::new`]), the same in every run. A hostile server could craft ids
//! that collide on purpose; what it gains is only hiding some of its own records, which it can
//! do more simply by not sending them.

use std::any::Any;
use std::collections::{HashSet, VecDeque};
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use async_trait::async_trait;
use futures::stream::{self, BoxStream, StreamExt};

use crate::error::Result;
use crate::model::{ChargingSession, SourceKind};
use crate::query::{Capabilities, SessionQuery};

/// Where the next page is, as the vendor crate encodes it (opaque to core).
///
/// Two kinds: [`PageCursor::page`] continues the same paged listing, and an empty page before
/// it ends the whole walk (protection against a lying `hasNextPage`); [`PageCursor::listing`]
/// moves to another listing (the active sessions after the completed ones, the next park),
/// which is followed even after an empty page. A cursor seen twice always ends the walk.
///
/// A cursor may also carry state of the walk that should not travel in the token (eMabler's
/// set of ongoing sessions): [`PageCursor::with_state`]. The state is shared, not copied, from
/// page to page, and takes no part in equality or hashing.
#[derive(Clone)]
pub struct PageCursor {
    token: String,
    new_listing: bool,
    state: Option<Arc<dyn Any + Send + Sync>>,
}

impl std::fmt::Debug for PageCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageCursor")
            .field("token", &self.token)
            .field("new_listing", &self.new_listing)
            .field("state", &self.state.is_some())
            .finish()
    }
}

impl PartialEq for PageCursor {
    fn eq(&self, other: &Self) -> bool {
        self.token == other.token && self.new_listing == other.new_listing
    }
}

impl Eq for PageCursor {}

impl Hash for PageCursor {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.token.hash(h);
        self.new_listing.hash(h);
    }
}

impl PageCursor {
    /// The next page of the same listing.
    pub fn page(token: impl Into<String>) -> Self {
        PageCursor {
            token: token.into(),
            new_listing: false,
            state: None,
        }
    }
    /// The first page of another listing.
    pub fn listing(token: impl Into<String>) -> Self {
        PageCursor {
            token: token.into(),
            new_listing: true,
            state: None,
        }
    }
    /// Attach state of the walk (shared with [`Arc`], so passing it on costs nothing).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use evsessions_core::PageCursor;
    /// let c = PageCursor::page("2").with_state(Arc::new(7u32));
    /// assert_eq!(c.state::<u32>(), Some(&7));
    /// assert_eq!(c, PageCursor::page("2"), "state takes no part in equality");
    /// ```
    pub fn with_state(mut self, state: Arc<dyn Any + Send + Sync>) -> Self {
        self.state = Some(state);
        self
    }
    /// The state attached with [`PageCursor::with_state`], if it is a `T`.
    pub fn state<T: Any>(&self) -> Option<&T> {
        self.state.as_deref().and_then(|s| s.downcast_ref::<T>())
    }
    /// The attached state as shared, to attach it to the next cursor.
    pub fn shared_state(&self) -> Option<Arc<dyn Any + Send + Sync>> {
        self.state.clone()
    }
    /// The vendor's token.
    pub fn token(&self) -> &str {
        &self.token
    }
    /// True for [`PageCursor::listing`].
    pub fn is_new_listing(&self) -> bool {
        self.new_listing
    }
}

/// One page from a vendor: decoded records (a record that failed to decode is an `Err` in
/// place) and the cursor of the next page, if any.
#[derive(Debug)]
#[non_exhaustive]
pub struct SessionPage {
    /// The records, in the vendor's order.
    pub records: Vec<Result<ChargingSession>>,
    /// The next page; `None` when this was the last.
    pub next: Option<PageCursor>,
    /// Records of the server's page the vendor crate dropped on purpose (eMabler's twins of
    /// ongoing sessions): the page is not the end of its listing, but it brought nothing new.
    pub dropped: usize,
    /// Where the walk goes if a safety guard abandons this listing (the first page of the next
    /// listing), so that one hostile listing does not end the whole walk.
    pub after_listing: Option<PageCursor>,
    /// The number of records in the whole listing, as the server states it (eMabler's
    /// `totalRecords`, RU's `total`), if it does. With [`SessionPage::page_size`], core stops a
    /// listing that runs more than [`extra_pages`] pages past it.
    pub stated_total: Option<u64>,
    /// The records per page the server uses (echoed or asked), for [`SessionPage::stated_total`].
    pub page_size: Option<u64>,
}

impl SessionPage {
    /// A page.
    pub fn new(records: Vec<Result<ChargingSession>>, next: Option<PageCursor>) -> Self {
        SessionPage {
            records,
            next,
            dropped: 0,
            after_listing: None,
            stated_total: None,
            page_size: None,
        }
    }
    /// Set [`SessionPage::dropped`].
    ///
    /// ```
    /// let p = evsessions_core::SessionPage::empty().with_dropped(3);
    /// assert_eq!(p.dropped, 3);
    /// ```
    pub fn with_dropped(mut self, n: usize) -> Self {
        self.dropped = n;
        self
    }
    /// Set [`SessionPage::after_listing`].
    ///
    /// ```
    /// use evsessions_core::{PageCursor, SessionPage};
    /// let p = SessionPage::empty().with_after_listing(Some(PageCursor::listing("finished")));
    /// assert_eq!(p.after_listing, Some(PageCursor::listing("finished")));
    /// ```
    pub fn with_after_listing(mut self, c: Option<PageCursor>) -> Self {
        self.after_listing = c;
        self
    }
    /// Set [`SessionPage::stated_total`] and [`SessionPage::page_size`].
    ///
    /// ```
    /// let p = evsessions_core::SessionPage::empty().with_stated_total(Some(250), Some(100));
    /// assert_eq!((p.stated_total, p.page_size), (Some(250), Some(100)));
    /// ```
    pub fn with_stated_total(mut self, total: Option<u64>, page_size: Option<u64>) -> Self {
        self.stated_total = total;
        self.page_size = page_size;
        self
    }
    /// The empty last page.
    pub fn empty() -> Self {
        SessionPage::new(Vec::new(), None)
    }
}

/// A vendor of charging sessions. Object safe: `Vec<Box<dyn SessionSource>>` works.
///
/// A vendor crate implements [`SessionSource::fetch_page`] only; callers use
/// [`SessionSourceExt::sessions`], which follows cursors, filters, de-duplicates and stops
/// safely.
#[async_trait]
pub trait SessionSource: Send + Sync + std::fmt::Debug {
    /// Which vendor.
    fn kind(&self) -> SourceKind;

    /// Which query filters the vendor applies itself.
    fn capabilities(&self) -> Capabilities;

    /// Fetch one page: the first when `cursor` is `None`. A failure of the whole page is
    /// `Err`; a record that cannot be decoded is an `Err` inside the page.
    async fn fetch_page(
        &self,
        query: &SessionQuery,
        cursor: Option<PageCursor>,
    ) -> Result<SessionPage>;

    /// The ids of earlier records of the same session that `session` replaces (default: none).
    ///
    /// A vendor that lists a running session under one id and the finished session under
    /// another (eMabler: the ongoing `transactionId`, then the finished record's `id` with
    /// that value in `evseTransactionId`) says so here, so that a store can link the two and
    /// count the session once.
    fn replaced_ids(&self, session: &ChargingSession) -> Vec<String> {
        let _ = session;
        Vec::new()
    }

    /// HTTP requests this source sent so far (retries and token calls included), when it can
    /// count them: a sync run's log reports the difference over the run. `None` by default.
    fn requests_sent(&self) -> Option<u64> {
        None
    }
}

#[async_trait]
impl<T: SessionSource + ?Sized> SessionSource for Box<T> {
    fn kind(&self) -> SourceKind {
        (**self).kind()
    }
    fn replaced_ids(&self, session: &ChargingSession) -> Vec<String> {
        (**self).replaced_ids(session)
    }
    fn requests_sent(&self) -> Option<u64> {
        (**self).requests_sent()
    }
    fn capabilities(&self) -> Capabilities {
        (**self).capabilities()
    }
    async fn fetch_page(
        &self,
        query: &SessionQuery,
        cursor: Option<PageCursor>,
    ) -> Result<SessionPage> {
        (**self).fetch_page(query, cursor).await
    }
}

#[async_trait]
impl<T: SessionSource + ?Sized> SessionSource for std::sync::Arc<T> {
    fn kind(&self) -> SourceKind {
        (**self).kind()
    }
    fn replaced_ids(&self, session: &ChargingSession) -> Vec<String> {
        (**self).replaced_ids(session)
    }
    fn requests_sent(&self) -> Option<u64> {
        (**self).requests_sent()
    }
    fn capabilities(&self) -> Capabilities {
        (**self).capabilities()
    }
    async fn fetch_page(
        &self,
        query: &SessionQuery,
        cursor: Option<PageCursor>,
    ) -> Result<SessionPage> {
        (**self).fetch_page(query, cursor).await
    }
}

/// The session stream, provided for every [`SessionSource`].
pub trait SessionSourceExt: SessionSource {
    /// Every session that matches `query`, each once, as a stream.
    ///
    /// Follows cursors one page at a time (at most one page is held in memory); applies the
    /// filters the vendor did not (see [`Capabilities`]), and always the window on a known start;
    /// drops a repeated `(source, id)`; stops at the last page, on an empty page of the same
    /// listing, on a page of the same listing that repeats only records already received (a
    /// server that ignores paging), on a cursor seen before, or once a listing whose first page
    /// states its total ([`SessionPage::stated_total`]) has run [`extra_pages`] pages past it
    /// and still claims more (a server that invents records forever); each guard logs a
    /// warning. A record that could not be
    /// decoded is one `Err` item and the stream goes on; a failed page is one `Err` item and the
    /// stream ends.
    ///
    /// ```no_run
    /// # async fn demo(source: &dyn evsessions_core::SessionSource) {
    /// use futures::StreamExt;
    /// use evsessions_core::{SessionQuery, SessionSourceExt};
    /// let mut sessions = source.sessions(&SessionQuery::new());
    /// while let Some(item) = sessions.next().await {
    ///     match item {
    ///         Ok(s) => println!("{} {} {:?} kWh", s.source, s.id, s.energy_kwh),
    ///         Err(e) => eprintln!("{e}"),
    ///     }
    /// }
    /// # }
    /// ```
    fn sessions<'a>(&'a self, query: &SessionQuery) -> BoxStream<'a, Result<ChargingSession>>
    where
        Self: Sized + 'a,
    {
        session_stream(self, query)
    }
}

impl<T: SessionSource> SessionSourceExt for T {}

impl dyn SessionSource + '_ {
    /// [`SessionSourceExt::sessions`] for a trait object.
    pub fn sessions(&self, query: &SessionQuery) -> BoxStream<'_, Result<ChargingSession>> {
        session_stream(self, query)
    }
}

struct Walk<'a, S: ?Sized> {
    source: &'a S,
    query: SessionQuery,
    caps: Capabilities,
    next: Option<PageCursor>,
    started: bool,
    done: bool,
    seen_cursors: HashSet<u64>,
    seen_ids: HashSet<u64>,
    received_ids: HashSet<u64>,
    buffer: VecDeque<Result<ChargingSession>>,
    barren: u32,
    /// Pages read in the current listing.
    listing_pages: u64,
    /// The total the current listing's first page stated, and the most pages it may run to.
    listing_limit: Option<(u64, u64)>,
}

/// A 64-bit hash of `value`, the same in every run and process (SipHash-1-3 with fixed keys):
/// what the session stream keeps to de-duplicate ids and cursors. See the module docs for what
/// a collision means.
///
/// ```
/// use evsessions_core::source::dedupe_hash;
/// assert_eq!(dedupe_hash(&("emabler", "1")), dedupe_hash(&("emabler", "1")));
/// assert_ne!(dedupe_hash(&("emabler", "1")), dedupe_hash(&("emabler", "2")));
/// ```
pub fn dedupe_hash<T: Hash + ?Sized>(value: &T) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    value.hash(&mut h);
    h.finish()
}

fn session_key(s: &ChargingSession) -> u64 {
    dedupe_hash(&(&s.source, &s.id))
}

/// Pages read past the stated total before a listing is stopped: 10% of the stated pages,
/// at least 2 (records that arrive while the listing is read push a few records onto later
/// pages; a server that invents records forever is stopped).
///
/// ```
/// use evsessions_core::source::extra_pages;
/// assert_eq!(extra_pages(3), 2);
/// assert_eq!(extra_pages(100), 10);
/// assert_eq!(extra_pages(101), 11);
/// ```
pub fn extra_pages(stated_pages: u64) -> u64 {
    stated_pages.div_ceil(10).max(2)
}

/// The most pages a listing may run to when its first page states `total` records of `size` a
/// page: `⌈total / size⌉ + extra_pages`, or `None` when the server states no total or size.
fn page_limit(total: Option<u64>, size: Option<u64>) -> Option<(u64, u64)> {
    let (total, size) = (total?, size.filter(|n| *n >= 1)?);
    let pages = total.div_ceil(size);
    Some((total, pages.saturating_add(extra_pages(pages))))
}

/// Consecutive pages of one listing that bring no new record (every record undecodable, or
/// dropped by the vendor crate) after which the listing is abandoned.
pub const MAX_BARREN_PAGES: u32 = 5;

/// The stream behind [`SessionSourceExt::sessions`], for any (possibly unsized) source.
pub fn session_stream<'a, S>(
    source: &'a S,
    query: &SessionQuery,
) -> BoxStream<'a, Result<ChargingSession>>
where
    S: SessionSource + ?Sized + 'a,
{
    let walk = Walk {
        source,
        caps: source.capabilities(),
        query: query.clone(),
        next: None,
        started: false,
        done: false,
        seen_cursors: HashSet::new(),
        seen_ids: HashSet::new(),
        received_ids: HashSet::new(),
        buffer: VecDeque::new(),
        barren: 0,
        listing_pages: 0,
        listing_limit: None,
    };
    stream::unfold(walk, |mut w| async move {
        loop {
            if let Some(item) = w.buffer.pop_front() {
                match item {
                    Ok(s) => {
                        if !w.query.matches(&s, &w.caps) {
                            continue;
                        }
                        if !w.seen_ids.insert(session_key(&s)) {
                            tracing::debug!(source = %s.source, id = %s.id, "duplicate session dropped");
                            continue;
                        }
                        return Some((Ok(s), w));
                    }
                    Err(e) => return Some((Err(e), w)),
                }
            }
            if w.done {
                return None;
            }
            let cursor = if w.started {
                match w.next.take() {
                    Some(c) => Some(c),
                    None => {
                        w.done = true;
                        continue;
                    }
                }
            } else {
                w.started = true;
                None
            };
            if cursor.as_ref().is_none_or(PageCursor::is_new_listing) {
                w.listing_pages = 0;
                w.listing_limit = None;
            }
            match w.source.fetch_page(&w.query, cursor).await {
                Err(e) => {
                    w.done = true;
                    return Some((Err(e), w));
                }
                Ok(page) => {
                    w.listing_pages += 1;
                    if w.listing_pages == 1 {
                        w.listing_limit = page_limit(page.stated_total, page.page_size);
                    }
                    let empty = page.records.is_empty() && page.dropped == 0;
                    // A page that brings nothing new (every record was received before) means
                    // the server ignores the page parameter: following it would never end.
                    let mut fresh = 0usize;
                    let mut known = 0usize;
                    for s in page.records.iter().flatten() {
                        if w.received_ids.insert(session_key(s)) {
                            fresh += 1;
                        } else {
                            known += 1;
                        }
                    }
                    let nothing_new = fresh == 0 && known > 0;
                    // Pages of undecodable or dropped records only: a few may be real, an
                    // endless run of them is a hostile or broken server.
                    w.barren = if fresh == 0 && !empty { w.barren + 1 } else { 0 };
                    w.buffer.extend(page.records);
                    let abandon = |w: &mut Walk<'a, S>, why: &str| {
                        tracing::warn!(vendor = %w.source.kind(), "{why}: stopping this listing");
                        w.barren = 0;
                        match page.after_listing.clone() {
                            Some(a) if w.seen_cursors.insert(dedupe_hash(&a)) => w.next = Some(a),
                            _ => w.done = true,
                        }
                    };
                    match page.next {
                        None => w.done = true,
                        Some(c) => {
                            if empty && !c.is_new_listing() {
                                tracing::debug!(cursor = c.token(), "empty page: the listing ends here");
                                w.done = true;
                            } else if nothing_new && !c.is_new_listing() {
                                abandon(&mut w, "a page repeated only records already received (the server seems to ignore paging)");
                            } else if w.barren >= MAX_BARREN_PAGES && !c.is_new_listing() {
                                abandon(&mut w, &format!("{MAX_BARREN_PAGES} pages in a row brought no readable new record"));
                            } else if let Some((total, limit)) = w
                                .listing_limit
                                .filter(|(_, l)| w.listing_pages >= *l && !c.is_new_listing())
                            {
                                abandon(&mut w, &format!("the server stated {total} records, but {limit} pages were read and it still claims more (a server that invents records)"));
                            } else if !w.seen_cursors.insert(dedupe_hash(&c)) {
                                abandon(&mut w, "a page cursor came back (endless paging)");
                            } else {
                                if c.is_new_listing() {
                                    w.barren = 0;
                                }
                                w.next = Some(c);
                            }
                        }
                    }
                }
            }
        }
    })
    .boxed()
}
