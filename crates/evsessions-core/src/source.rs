//! The [`SessionSource`] trait every vendor implements, and the session stream core builds on
//! it ([`SessionSourceExt::sessions`]).
//!
//! **Memory.** The stream holds one page at a time. To drop a repeated `(source, id)` and to
//! notice a cursor that comes back, it keeps a 64-bit hash of each id and of each cursor
//! ([`dedupe_hash`]), not the texts: 8 bytes a session (about 18 MiB for the set of 1 M
//! sessions, with the hash table's slack) whatever the length of its id, where a set of the
//! id texts costs several times that.
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
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use async_trait::async_trait;
use futures::future::BoxFuture;
use futures::stream::{BoxStream, FuturesOrdered, Stream, StreamExt};

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
    /// The error for a cursor that `vendor` cannot read (one it did not make, or one of
    /// another query): [`crate::Error::UnsupportedQuery`], saying what the token should have
    /// been (`expected`) and to start the listing again. The same for every source.
    ///
    /// ```
    /// use evsessions_core::{PageCursor, SourceKind};
    /// let e = PageCursor::page("x").invalid(&SourceKind::from_static("acme"), "a page number");
    /// assert_eq!(
    ///     e.to_string(),
    ///     "acme: unsupported query: page cursor \"x\" was not made by this source for this query (expected a page number); start the listing again"
    /// );
    /// ```
    pub fn invalid(&self, vendor: &SourceKind, expected: &str) -> crate::Error {
        crate::Error::UnsupportedQuery {
            vendor: vendor.clone(),
            message: format!(
                "page cursor {:?} was not made by this source for this query (expected {expected}); start the listing again",
                self.token
            ),
        }
    }

    /// The token read as a `T` (a page number, an index), else [`PageCursor::invalid`].
    ///
    /// ```
    /// use evsessions_core::{PageCursor, SourceKind};
    /// let acme = SourceKind::from_static("acme");
    /// assert_eq!(PageCursor::page("3").parse::<u32>(&acme, "a page number").unwrap(), 3);
    /// assert!(PageCursor::page("three").parse::<u32>(&acme, "a page number").is_err());
    /// ```
    pub fn parse<T: std::str::FromStr>(&self, vendor: &SourceKind, expected: &str) -> Result<T> {
        self.token
            .parse()
            .map_err(|_| self.invalid(vendor, expected))
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
    /// The pages of this listing that follow, as the source already knows them after this
    /// page (from a stated total and page size). Read on the **first** page of a listing only;
    /// core then fetches up to [`SessionQuery::concurrency`] of them at once. See [`PagePlan`].
    pub remaining: Option<PagePlan>,
}

/// The pages that follow the first page of a listing, numbered `first..=last`, each turned into
/// its cursor by the source ([`PagePlan::new`]); the cursors are made one at a time as they are
/// fetched, so a plan of many pages costs nothing up front.
///
/// Core fetches planned pages ahead, up to [`SessionQuery::concurrency`] at once, but **uses**
/// a page only when the walk reaches it in order: page `n`'s own [`SessionPage::next`] must be
/// the planned cursor of page `n + 1`. When it is not (the listing ended early, a guard
/// stopped it, the source moved on), the pages fetched ahead are dropped unread and the walk
/// goes on one page at a time from the cursor the page gave. So a plan can make the walk
/// faster, never different.
///
/// Fetching a planned page must have no effect on later pages (a page fetched ahead may be
/// dropped): a source whose pages feed state beside the walk states no plan for them.
///
/// ```
/// use evsessions_core::{PageCursor, SessionPage, source::PagePlan};
/// let plan = PagePlan::new(2, 5, |n| PageCursor::page(n.to_string()));
/// assert_eq!(plan.len(), 4);
/// assert_eq!(plan.cursor(3), Some(PageCursor::page("3")));
/// assert_eq!(plan.cursor(6), None);
/// let p = SessionPage::empty().with_remaining_pages(Some(plan));
/// assert!(p.remaining.is_some());
/// ```
#[derive(Clone)]
pub struct PagePlan {
    first: u64,
    last: u64,
    make: Arc<dyn Fn(u64) -> PageCursor + Send + Sync>,
}

impl std::fmt::Debug for PagePlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PagePlan")
            .field("first", &self.first)
            .field("last", &self.last)
            .finish()
    }
}

impl PagePlan {
    /// Pages `first..=last` (empty when `last < first`); `make(n)` is page `n`'s cursor.
    pub fn new(
        first: u64,
        last: u64,
        make: impl Fn(u64) -> PageCursor + Send + Sync + 'static,
    ) -> Self {
        PagePlan {
            first,
            last,
            make: Arc::new(make),
        }
    }
    /// The pages that `total` records at `size` a page make after page `current`:
    /// `current + 1 ..= ⌈total / size⌉`, or `None` when there are none (or `size` is 0).
    ///
    /// ```
    /// use evsessions_core::{PageCursor, source::PagePlan};
    /// let p = PagePlan::from_total(1, 250, 100, |n| PageCursor::page(n.to_string())).unwrap();
    /// assert_eq!((p.first(), p.last()), (2, 3));
    /// assert!(PagePlan::from_total(1, 100, 100, |n| PageCursor::page(n.to_string())).is_none());
    /// ```
    pub fn from_total(
        current: u64,
        total: u64,
        size: u64,
        make: impl Fn(u64) -> PageCursor + Send + Sync + 'static,
    ) -> Option<Self> {
        let pages = total.checked_div(size).map(|_| total.div_ceil(size))?;
        let first = current.checked_add(1)?;
        (pages >= first).then(|| PagePlan::new(first, pages, make))
    }
    /// The first planned page number.
    pub fn first(&self) -> u64 {
        self.first
    }
    /// The last planned page number.
    pub fn last(&self) -> u64 {
        self.last
    }
    /// The number of planned pages.
    pub fn len(&self) -> u64 {
        self.last
            .checked_sub(self.first)
            .map_or(0, |d| d.saturating_add(1))
    }
    /// True when no page is planned.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Page `n`'s cursor, if `n` is planned.
    pub fn cursor(&self, n: u64) -> Option<PageCursor> {
        (self.first..=self.last)
            .contains(&n)
            .then(|| (self.make)(n))
    }
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
            remaining: None,
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
    /// Set [`SessionPage::remaining`].
    pub fn with_remaining_pages(mut self, plan: Option<PagePlan>) -> Self {
        self.remaining = plan;
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

    /// HTTP 429 responses this source received so far, when it can count them (the four
    /// vendors report their [`crate::HttpClient::rate_limited_responses`]). The session stream
    /// halves its concurrency when the count grows. `None` by default.
    fn rate_limited_responses(&self) -> Option<u64> {
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
    fn rate_limited_responses(&self) -> Option<u64> {
        (**self).rate_limited_responses()
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
    fn rate_limited_responses(&self) -> Option<u64> {
        (**self).rate_limited_responses()
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

/// The ids a walk has yielded, as their 64-bit [`dedupe_hash`]es. Each hash is first mixed
/// with a key drawn for this set (one to one, so that a server cannot choose ids that pile up
/// in one bucket); its top bits pick a bucket, which keeps its entries sorted. Exact for the
/// 64-bit hashes, like a `HashSet<u64>`, in two forms:
///
/// - up to [`IdSet::SMALL_MAX`] ids, 2^12 buckets of whole mixed hashes (8 bytes an id; the
///   96 KiB of bucket headers stay in cache, so an insert costs one miss, not two);
/// - beyond, 2^16 buckets by the top 16 bits, each keeping the other 48 bits: about 6 bytes an
///   id, where a `HashSet<u64>` takes 9 at best and 27 while its table doubles (a million ids:
///   9.5 MiB here against 18–28 MiB).
#[derive(Debug, Default)]
struct IdSet {
    key: u64,
    len: usize,
    small: Vec<Vec<u64>>,
    buckets: Vec<Vec<[u8; 6]>>,
}

impl IdSet {
    /// Bits of a mixed hash that pick its bucket in the small form.
    const SMALL_BITS: u32 = 12;
    /// Ids held in the small form; the next one moves the set to the large form.
    const SMALL_MAX: usize = 1 << 18;

    fn new() -> IdSet {
        IdSet {
            key: random_key(),
            ..IdSet::default()
        }
    }

    /// The bucket of the large form and the bits it keeps of a mixed hash.
    fn split(mixed: u64) -> (usize, [u8; 6]) {
        let [a, b, rest @ ..] = mixed.to_be_bytes();
        (usize::from(u16::from_be_bytes([a, b])), rest)
    }

    /// The bucket of the small form.
    fn small_bucket(mixed: u64) -> usize {
        usize::try_from(mixed >> (64 - Self::SMALL_BITS)).unwrap_or(0)
    }

    fn contains(&self, hash: u64) -> bool {
        let mixed = mix(hash, self.key);
        if self.buckets.is_empty() {
            return self
                .small
                .get(Self::small_bucket(mixed))
                .is_some_and(|v| v.binary_search(&mixed).is_ok());
        }
        let (b, rest) = Self::split(mixed);
        self.buckets
            .get(b)
            .is_some_and(|v| v.binary_search(&rest).is_ok())
    }

    /// Add `hash`; false if it was there.
    fn insert(&mut self, hash: u64) -> bool {
        let mixed = mix(hash, self.key);
        if self.buckets.is_empty() {
            if self.small.is_empty() {
                self.small = vec![Vec::new(); 1 << Self::SMALL_BITS];
            }
            let Some(v) = self.small.get_mut(Self::small_bucket(mixed)) else {
                return false;
            };
            let Err(i) = v.binary_search(&mixed) else {
                return false;
            };
            v.insert(i, mixed);
            self.len += 1;
            if self.len > Self::SMALL_MAX {
                self.grow();
            }
            return true;
        }
        let (b, rest) = Self::split(mixed);
        match self.buckets.get_mut(b) {
            Some(v) => match v.binary_search(&rest) {
                Ok(_) => false,
                Err(i) => {
                    v.insert(i, rest);
                    self.len += 1;
                    true
                }
            },
            None => false,
        }
    }

    /// From the small form to the large one. A small bucket holds the hashes of some large
    /// buckets, sorted; taken in order, each large bucket receives its hashes sorted.
    fn grow(&mut self) {
        let mut buckets = vec![Vec::new(); 1 << 16];
        for small in std::mem::take(&mut self.small) {
            for mixed in small {
                let (b, rest) = Self::split(mixed);
                if let Some(v) = buckets.get_mut(b) {
                    v.push(rest);
                }
            }
        }
        self.buckets = buckets;
    }
}

/// `hash` mixed with `key` by splitmix64's finalizer: one to one, so two hashes collide after
/// it exactly when they did before, and where a hash lands is unknown without the key.
fn mix(hash: u64, key: u64) -> u64 {
    let mut x = hash ^ key;
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// A key drawn at random (per set, per run).
fn random_key() -> u64 {
    use std::hash::BuildHasher;
    std::hash::RandomState::new().hash_one(0u8)
}

/// A `HashSet<u64>` of values that are already 64-bit hashes ([`dedupe_hash`]es): its hasher
/// only [`mix`]es the value with a key drawn for the set, instead of running SipHash again.
type HashedSet = HashSet<u64, MixState>;

/// The [`std::hash::BuildHasher`] of a [`HashedSet`].
#[derive(Clone)]
struct MixState(u64);

impl Default for MixState {
    fn default() -> Self {
        MixState(random_key())
    }
}

impl std::hash::BuildHasher for MixState {
    type Hasher = MixHasher;
    fn build_hasher(&self) -> MixHasher {
        MixHasher {
            key: self.0,
            state: 0,
        }
    }
}

/// The hasher of a [`HashedSet`]: a `u64` is [`mix`]ed with the key; anything else (never
/// written by the walk) is folded in byte by byte, still keyed.
struct MixHasher {
    key: u64,
    state: u64,
}

impl Hasher for MixHasher {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.state = mix(self.state ^ u64::from(*b), self.key);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.state = mix(self.state ^ n, self.key);
    }
    fn finish(&self) -> u64 {
        self.state
    }
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

/// Pages read without a 429 after which a lowered concurrency climbs back by one.
pub const RAMP_UP_PAGES: u32 = 8;

type PageFuture<'a> = BoxFuture<'a, Result<SessionPage>>;

/// The walk behind [`session_stream`]: a queue of page fetches in the vendor's order (the
/// next page, and with a [`PagePlan`] the planned pages after it), the records of the page being
/// yielded, and the guards' memory.
struct Walk<'a, S: ?Sized> {
    source: &'a S,
    query: Arc<SessionQuery>,
    caps: Capabilities,
    /// Set once the walk ends: nothing more is fetched; buffered records are still yielded.
    done: bool,
    seen_cursors: HashSet<u64>,
    /// Ids yielded (each session once).
    seen_ids: IdSet,
    /// Ids received and not yielded (outside the query): with `seen_ids` and the ids still
    /// buffered, every id received. Kept apart so that a yielded id is held once, not in two
    /// sets.
    pending_ids: HashedSet,
    /// The records of the page being yielded, and the keys of its `Ok` ones in the same order
    /// (each key computed once, when the page is read).
    buffer: std::vec::IntoIter<Result<ChargingSession>>,
    buffer_keys: std::vec::IntoIter<u64>,
    barren: u32,
    /// Pages read in the current listing.
    listing_pages: u64,
    /// The total the current listing's first page stated, and the most pages it may run to.
    listing_limit: Option<(u64, u64)>,
    /// The cursor to fetch next, not yet sent (`Some(None)`: the first page).
    want: Option<Option<PageCursor>>,
    /// The planned pages not yet sent: the plan and the next page number to send.
    plan: Option<(PagePlan, u64)>,
    /// The cursors of the pages sent and not yet read, in order: those in `ready`, then those
    /// in `flight`.
    queued: VecDeque<Option<PageCursor>>,
    ready: VecDeque<Result<SessionPage>>,
    flight: FuturesOrdered<PageFuture<'a>>,
    /// [`SessionQuery::concurrency`], and the current limit (lowered on 429s).
    max_window: usize,
    window: usize,
    /// 429s seen so far, and pages read since the last one.
    throttled: u64,
    calm: u32,
}

impl<'a, S: SessionSource + ?Sized + 'a> Walk<'a, S> {
    /// Pages in flight, read and waiting, or being yielded.
    fn held(&self) -> usize {
        self.flight.len() + self.ready.len() + usize::from(self.buffer.len() > 0)
    }

    fn send(&mut self, cursor: Option<PageCursor>) {
        let source = self.source;
        let query = self.query.clone();
        let c = cursor.clone();
        self.queued.push_back(cursor);
        self.flight
            .push_back(Box::pin(async move { source.fetch_page(&query, c).await }));
    }

    /// Send what may be sent: the next page, then planned pages, while fewer than the window
    /// are held. With a window of 1 the next page is sent only once the last page's records
    /// were all yielded, as the walk always did.
    fn top_up(&mut self) {
        if self.done {
            return;
        }
        if self.want.is_some() && self.held() < self.window.max(1) {
            if let Some(c) = self.want.take() {
                self.send(c);
            }
        }
        while self.want.is_none() && self.held() < self.window {
            let Some((plan, n)) = self.plan.as_mut() else {
                break;
            };
            let Some(c) = plan.cursor(*n) else {
                self.plan = None;
                break;
            };
            *n += 1;
            self.send(Some(c));
        }
    }

    /// Drop every page sent or planned (the walk went elsewhere or ended).
    fn drop_ahead(&mut self) {
        if !self.queued.is_empty() {
            tracing::debug!(
                vendor = %self.source.kind(),
                pages = self.queued.len(),
                "pages fetched ahead dropped unread"
            );
        }
        self.queued.clear();
        self.ready.clear();
        self.flight = FuturesOrdered::new();
        self.plan = None;
        self.want = None;
    }

    fn finish(&mut self) {
        self.done = true;
        self.drop_ahead();
    }

    /// The walk goes on at `c`: a page already sent for it is used, the plan's next page is
    /// left to the plan, anything else drops what was fetched ahead.
    fn follow(&mut self, c: PageCursor) {
        if self.queued.front().is_some_and(|q| q.as_ref() == Some(&c)) {
            return;
        }
        if self.queued.is_empty() {
            if let Some((plan, n)) = &self.plan {
                if plan.cursor(*n).as_ref() == Some(&c) {
                    return;
                }
            }
        }
        self.drop_ahead();
        self.want = Some(Some(c));
    }

    /// A lowered window after a 429, raised by one every [`RAMP_UP_PAGES`] calm pages.
    fn adapt(&mut self, page_read: bool) {
        if self.max_window <= 1 {
            return;
        }
        if let Some(n) = self.source.rate_limited_responses() {
            if n > self.throttled {
                self.throttled = n;
                let lower = (self.window / 2).max(1);
                if lower < self.window {
                    tracing::info!(vendor = %self.source.kind(), concurrency = lower, "the server sent 429: fewer pages at once");
                }
                self.window = lower;
                self.calm = 0;
                return;
            }
        }
        if page_read && self.window < self.max_window {
            self.calm += 1;
            if self.calm >= RAMP_UP_PAGES {
                self.window += 1;
                self.calm = 0;
            }
        }
    }

    /// Read one page, in order: the guards, then where the walk goes. An `Err` ends the walk.
    fn read(
        &mut self,
        cursor: Option<PageCursor>,
        result: Result<SessionPage>,
    ) -> Option<crate::Error> {
        if cursor.as_ref().is_none_or(PageCursor::is_new_listing) {
            self.listing_pages = 0;
            self.listing_limit = None;
        }
        let page = match result {
            Err(e) => {
                self.finish();
                return Some(e);
            }
            Ok(page) => page,
        };
        self.adapt(true);
        self.listing_pages += 1;
        let plan = if self.listing_pages == 1 {
            self.listing_limit = page_limit(page.stated_total, page.page_size);
            page.remaining.clone().filter(|_| self.max_window > 1)
        } else {
            None
        };
        let empty = page.records.is_empty() && page.dropped == 0;
        if self.buffer.len() > 0 {
            // Not reached: a page is read once the one before it was yielded. Kept correct
            // all the same: the ids still buffered count as received.
            self.pending_ids
                .extend(self.buffer_keys.as_slice().iter().copied());
        }
        // A page that brings nothing new (every record was received before) means the server
        // ignores the page parameter: following it would never end. One record not received
        // before is enough to tell, so a page is looked up only up to its first new record
        // (the first, on a page that is not a repeat); the ids are kept when yielded (or, for
        // a record outside the query, when it is passed over).
        let mut fresh = false;
        let mut known = false;
        let mut keys = Vec::with_capacity(page.records.len());
        for s in page.records.iter().flatten() {
            let key = session_key(s);
            keys.push(key);
            if !fresh {
                if self.seen_ids.contains(key) || self.pending_ids.contains(&key) {
                    known = true;
                } else {
                    fresh = true;
                }
            }
        }
        let nothing_new = !fresh && known;
        // Pages of undecodable or dropped records only: a few may be real, an endless run of
        // them is a hostile or broken server.
        self.barren = if !fresh && !empty { self.barren + 1 } else { 0 };
        if self.buffer.len() == 0 {
            self.buffer = page.records.into_iter();
            self.buffer_keys = keys.into_iter();
        } else {
            let mut records: Vec<_> = std::mem::take(&mut self.buffer).collect();
            records.extend(page.records);
            let mut all_keys: Vec<_> = std::mem::take(&mut self.buffer_keys).collect();
            all_keys.extend(keys);
            self.buffer = records.into_iter();
            self.buffer_keys = all_keys.into_iter();
        }
        let after_listing = page.after_listing;
        let abandon = |w: &mut Self, why: &str| {
            tracing::warn!(vendor = %w.source.kind(), "{why}: stopping this listing");
            w.barren = 0;
            match after_listing.clone() {
                Some(a) if w.seen_cursors.insert(dedupe_hash(&a)) => w.follow(a),
                _ => w.finish(),
            }
        };
        match page.next {
            None => self.finish(),
            Some(c) => {
                if empty && !c.is_new_listing() {
                    tracing::debug!(cursor = c.token(), "empty page: the listing ends here");
                    self.finish();
                } else if nothing_new && !c.is_new_listing() {
                    abandon(self, "a page repeated only records already received (the server seems to ignore paging)");
                } else if self.barren >= MAX_BARREN_PAGES && !c.is_new_listing() {
                    abandon(
                        self,
                        &format!(
                            "{MAX_BARREN_PAGES} pages in a row brought no readable new record"
                        ),
                    );
                } else if let Some((total, limit)) = self
                    .listing_limit
                    .filter(|(_, l)| self.listing_pages >= *l && !c.is_new_listing())
                {
                    abandon(self, &format!("the server stated {total} records, but {limit} pages were read and it still claims more (a server that invents records)"));
                } else if !self.seen_cursors.insert(dedupe_hash(&c)) {
                    abandon(self, "a page cursor came back (endless paging)");
                } else {
                    if c.is_new_listing() {
                        self.barren = 0;
                    }
                    if let Some(plan) = plan {
                        self.drop_ahead();
                        let first = plan.first();
                        self.plan = Some((plan, first));
                    }
                    self.follow(c);
                }
            }
        }
        None
    }
}

impl<'a, S: SessionSource + ?Sized + 'a> Stream for Walk<'a, S> {
    type Item = Result<ChargingSession>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let w = &mut *self;
        loop {
            w.adapt(false);
            w.top_up();
            // Drive every page in flight (they progress while earlier records are yielded).
            while let Poll::Ready(Some(page)) = w.flight.poll_next_unpin(cx) {
                w.ready.push_back(page);
            }
            if let Some(item) = w.buffer.next() {
                match item {
                    Ok(s) => {
                        let key = w.buffer_keys.next().unwrap_or_else(|| session_key(&s));
                        if !w.query.matches(&s, &w.caps) {
                            // Received, not yielded: a page that repeats it brings nothing new.
                            if !w.seen_ids.contains(key) {
                                w.pending_ids.insert(key);
                            }
                            continue;
                        }
                        if !w.seen_ids.insert(key) {
                            tracing::debug!(source = %s.source, id = %s.id, "duplicate session dropped");
                            continue;
                        }
                        if !w.pending_ids.is_empty() {
                            w.pending_ids.remove(&key);
                        }
                        return Poll::Ready(Some(Ok(s)));
                    }
                    Err(e) => return Poll::Ready(Some(Err(e))),
                }
            }
            if let Some(page) = w.ready.pop_front() {
                let cursor = w.queued.pop_front().flatten();
                if let Some(e) = w.read(cursor, page) {
                    return Poll::Ready(Some(Err(e)));
                }
                continue;
            }
            if w.flight.is_empty() {
                // Nothing sent, nothing to yield: top_up sends whatever is wanted, so the walk
                // is over.
                if w.want.is_some() && !w.done {
                    continue;
                }
                return Poll::Ready(None);
            }
            return Poll::Pending;
        }
    }
}

/// The stream behind [`SessionSourceExt::sessions`], for any (possibly unsized) source.
///
/// **Concurrency.** When the first page of a listing states the pages that follow
/// ([`SessionPage::remaining`]) and [`SessionQuery::concurrency`] is above 1, up to that many
/// pages are in flight or waiting at once; records still come in the vendor's order, and each
/// page goes through the same guards, in the same order, as when read one at a time (pages
/// fetched ahead of a stop are dropped unread). A 429 (see
/// [`SessionSource::rate_limited_responses`]) halves the number (at least 1); every
/// [`RAMP_UP_PAGES`] pages without one raise it by one, up to the query's.
pub fn session_stream<'a, S>(
    source: &'a S,
    query: &SessionQuery,
) -> BoxStream<'a, Result<ChargingSession>>
where
    S: SessionSource + ?Sized + 'a,
{
    let max_window = query.effective_concurrency();
    let walk = Walk {
        source,
        caps: source.capabilities(),
        query: Arc::new(query.clone()),
        done: false,
        seen_cursors: HashSet::new(),
        seen_ids: IdSet::new(),
        pending_ids: HashedSet::default(),
        buffer: Vec::new().into_iter(),
        buffer_keys: Vec::new().into_iter(),
        barren: 0,
        listing_pages: 0,
        listing_limit: None,
        want: Some(None),
        plan: None,
        queued: VecDeque::new(),
        ready: VecDeque::new(),
        flight: FuturesOrdered::new(),
        max_window,
        window: max_window,
        throttled: source.rate_limited_responses().unwrap_or(0),
        calm: 0,
    };
    walk.boxed()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_id_set_is_exactly_a_set_of_64_bit_hashes() {
        let mut set = IdSet::new();
        let mut reference = HashSet::new();
        // Hashes that differ only in their top bits, only in their low bits, 0 and MAX, and a
        // spread of others (each inserted twice).
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut hashes = vec![0, u64::MAX, 1, 1 << 63, 1 << 48, (1 << 48) | 1];
        for _ in 0..50_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            hashes.push(x);
            hashes.push(x ^ 1);
            hashes.push(x ^ (1 << 60));
        }
        for h in hashes.iter().chain(hashes.iter()) {
            assert_eq!(set.contains(*h), reference.contains(h), "{h:#x}");
            assert_eq!(set.insert(*h), reference.insert(*h), "{h:#x}");
        }
        for probe in [2u64, 3, 0x1234_5678_9abc_def0, u64::MAX - 1] {
            assert_eq!(
                set.contains(probe),
                reference.contains(&probe),
                "{probe:#x}"
            );
        }
        // 150,006 ids: the small form throughout.
        assert!(set.buckets.is_empty());
        let stored: usize = set.small.iter().map(Vec::len).sum();
        assert_eq!((stored, set.len), (reference.len(), reference.len()));
        // Past SMALL_MAX ids, the large form: every id still there, and still exact.
        let mut more = Vec::new();
        for _ in 0..60_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            more.push(x);
            more.push(x ^ (1 << 50));
        }
        for h in more.iter().chain(hashes.iter()).chain(more.iter()) {
            assert_eq!(set.contains(*h), reference.contains(h), "{h:#x}");
            assert_eq!(set.insert(*h), reference.insert(*h), "{h:#x}");
        }
        assert!(reference.len() > IdSet::SMALL_MAX);
        assert!(set.small.is_empty() && !set.buckets.is_empty());
        for b in &set.buckets {
            assert!(b.windows(2).all(|w| w[0] < w[1]), "buckets stay sorted");
        }
        let stored: usize = set.buckets.iter().map(Vec::len).sum();
        assert_eq!((stored, set.len), (reference.len(), reference.len()));
        for probe in [2u64, 3, 0x1234_5678_9abc_def0, u64::MAX - 1] {
            assert_eq!(set.contains(probe), reference.contains(&probe));
        }
        // Two sets draw different keys: where ids land is not predictable.
        let other = IdSet::new();
        assert_ne!(set.key, other.key);
        // Empty: nothing allocated, nothing contained.
        assert!(!IdSet::new().contains(7));
        assert!(IdSet::new().small.is_empty() && IdSet::new().buckets.is_empty());
    }
}
