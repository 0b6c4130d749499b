//! What to read: [`SessionQuery`], and what a vendor filters itself: [`Capabilities`].

use chrono::{DateTime, Utc};

use crate::model::{ChargingSession, SessionStatus};

/// Which sessions by lifecycle state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum StatusFilter {
    /// Every session, whatever its state.
    #[default]
    All,
    /// Sessions not yet ended: `pending` and `active`.
    Active,
    /// Ended sessions: `completed`.
    Completed,
}

impl StatusFilter {
    /// Does a session of this status pass?
    pub fn accepts(&self, status: SessionStatus) -> bool {
        match self {
            StatusFilter::All => true,
            StatusFilter::Active => {
                matches!(status, SessionStatus::Active | SessionStatus::Pending)
            }
            StatusFilter::Completed => status == SessionStatus::Completed,
        }
    }
}

impl std::str::FromStr for StatusFilter {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "all" => Ok(StatusFilter::All),
            "active" => Ok(StatusFilter::Active),
            "completed" => Ok(StatusFilter::Completed),
            other => Err(format!(
                "unknown status {other:?}; use all, active or completed"
            )),
        }
    }
}

/// A query for sessions. Empty lists mean "no restriction".
///
/// The window is half-open on the session **start**, like OCPI: a session that starts exactly
/// at `from` is in, one that starts exactly at `to` is out.
///
/// ```
/// use evsessions_core::{SessionQuery, StatusFilter};
/// let q = SessionQuery::new()
///     .from("2025-06-01T00:00:00Z".parse().unwrap())
///     .to("2025-06-05T00:00:00Z".parse().unwrap())
///     .status(StatusFilter::Completed)
///     .charger("EMB_HKI_0001");
/// assert_eq!(q.charger_ids, vec!["EMB_HKI_0001".to_string()]);
/// assert_eq!(q.concurrency, 4, "pages fetched at once, by default");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionQuery {
    /// Sessions that start at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Sessions that start before this instant.
    pub to: Option<DateTime<Utc>>,
    /// Lifecycle filter.
    pub status: StatusFilter,
    /// Only these chargers (the vendor's charger ids; for Smappee station serials, for
    /// CleverPower charge ids).
    pub charger_ids: Vec<String>,
    /// Only these sites (eMabler sites, Smappee service locations).
    pub site_ids: Vec<String>,
    /// Only these id tags (RFID).
    pub id_tags: Vec<String>,
    /// Records per request, when the vendor pages; `None` = the vendor crate's default.
    pub page_size: Option<u32>,
    /// Only records created or changed at or after this instant, for sources that list by last
    /// update ([`Capabilities::updated_since`]: OCPI's `date_from`); the others ignore it, and
    /// core does not filter by it (the normalized record has no update time). A sync sets it
    /// instead of [`SessionQuery::from`] for such sources, so that a late correction of an old
    /// session is read again.
    pub updated_since: Option<DateTime<Utc>>,
    /// Let records whose start is unknown (a reservation, say) pass a window the vendor did
    /// not apply itself (default `false`: an unknown start is outside any window). A sync sets
    /// it, so that nothing is lost.
    pub include_unstarted: bool,
    /// Pages fetched at once, at most (default [`DEFAULT_CONCURRENCY`], at most
    /// [`MAX_CONCURRENCY`]; `0` counts as 1). It applies where the source states, after the
    /// first page of a listing, the pages that follow (eMabler and RU state their total and page
    /// size): core then fetches up to this many of them at once and still yields the records in
    /// the vendor's order, with at most this many pages in flight or waiting in memory. On a 429
    /// the number drops and climbs back slowly (see `docs/performance.md`). `1` reads one page
    /// at a time, as sources that state nothing always do.
    pub concurrency: usize,
}

/// The default of [`SessionQuery::concurrency`].
pub const DEFAULT_CONCURRENCY: usize = 4;

/// The largest [`SessionQuery::concurrency`]; a larger value counts as this.
pub const MAX_CONCURRENCY: usize = 64;

impl Default for SessionQuery {
    fn default() -> Self {
        SessionQuery {
            from: None,
            to: None,
            status: StatusFilter::default(),
            charger_ids: Vec::new(),
            site_ids: Vec::new(),
            id_tags: Vec::new(),
            page_size: None,
            updated_since: None,
            include_unstarted: false,
            concurrency: DEFAULT_CONCURRENCY,
        }
    }
}

impl SessionQuery {
    /// Everything.
    pub fn new() -> Self {
        SessionQuery::default()
    }
    /// Set the start of the window (inclusive).
    pub fn from(mut self, from: DateTime<Utc>) -> Self {
        self.from = Some(from);
        self
    }
    /// Set the end of the window (exclusive).
    pub fn to(mut self, to: DateTime<Utc>) -> Self {
        self.to = Some(to);
        self
    }
    /// Set the status filter.
    pub fn status(mut self, status: StatusFilter) -> Self {
        self.status = status;
        self
    }
    /// Add a charger id.
    pub fn charger(mut self, id: impl Into<String>) -> Self {
        self.charger_ids.push(id.into());
        self
    }
    /// Add a site id.
    pub fn site(mut self, id: impl Into<String>) -> Self {
        self.site_ids.push(id.into());
        self
    }
    /// Add an id tag.
    pub fn id_tag(mut self, tag: impl Into<String>) -> Self {
        self.id_tags.push(tag.into());
        self
    }
    /// Set the page size.
    pub fn page_size(mut self, n: u32) -> Self {
        self.page_size = Some(n);
        self
    }

    /// Set [`SessionQuery::concurrency`] (clamped to `1..=`[`MAX_CONCURRENCY`]).
    ///
    /// ```
    /// use evsessions_core::SessionQuery;
    /// assert_eq!(SessionQuery::new().concurrency(8).concurrency, 8);
    /// assert_eq!(SessionQuery::new().concurrency(0).concurrency, 1);
    /// assert_eq!(SessionQuery::new().concurrency(1000).concurrency, 64);
    /// ```
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.clamp(1, MAX_CONCURRENCY);
        self
    }

    /// [`SessionQuery::concurrency`] as the stream uses it: clamped to `1..=`[`MAX_CONCURRENCY`].
    pub fn effective_concurrency(&self) -> usize {
        self.concurrency.clamp(1, MAX_CONCURRENCY)
    }

    /// Set [`SessionQuery::updated_since`].
    ///
    /// ```
    /// let t = "2025-03-01T00:00:00Z".parse().unwrap();
    /// let q = evsessions_core::SessionQuery::new().updated_since(t);
    /// assert_eq!((q.updated_since, q.from), (Some(t), None));
    /// ```
    pub fn updated_since(mut self, t: DateTime<Utc>) -> Self {
        self.updated_since = Some(t);
        self
    }

    /// Set [`SessionQuery::include_unstarted`].
    pub fn include_unstarted(mut self, on: bool) -> Self {
        self.include_unstarted = on;
        self
    }

    /// Is `start` inside `[from, to)`?
    pub fn window_contains(&self, start: DateTime<Utc>) -> bool {
        self.from.is_none_or(|f| start >= f) && self.to.is_none_or(|t| start < t)
    }

    /// Does the record pass the filters that `caps` says the vendor did **not** apply?
    ///
    /// The window is always checked against a known start, since vendors' own bounds are often
    /// looser (inclusive ends, day granularity); a record with no start passes only when the
    /// vendor applied the window itself.
    pub fn matches(&self, s: &ChargingSession, caps: &Capabilities) -> bool {
        let window_set = self.from.is_some() || self.to.is_some();
        let window_ok = match s.started_at {
            Some(t) => self.window_contains(t),
            None => !window_set || caps.window || self.include_unstarted,
        };
        let status_ok = caps.status || self.status.accepts(s.status);
        let charger_ok = caps.charger_ids
            || self.charger_ids.is_empty()
            || s.charger
                .id
                .as_ref()
                .is_some_and(|id| self.charger_ids.contains(id));
        let site_ok = caps.site_ids
            || self.site_ids.is_empty()
            || s.site
                .as_ref()
                .and_then(|x| x.id.as_ref())
                .is_some_and(|id| self.site_ids.contains(id));
        let tag_ok = caps.id_tags
            || self.id_tags.is_empty()
            || s.authorization
                .as_ref()
                .and_then(|a| a.id_tag.as_ref())
                .is_some_and(|t| self.id_tags.contains(t));
        window_ok && status_ok && charger_ok && site_ok && tag_ok
    }
}

/// Which query filters a vendor applies itself, exactly. The stream in core applies the others
/// to the normalized records, so the result is the same whoever filtered.
///
/// A vendor whose "charger" or "site" is a *scope* of the API (a Smappee station serial, a
/// CleverPower charge id) declares it applied, since the record may carry another id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Capabilities {
    /// The `[from, to)` window on the session start.
    pub window: bool,
    /// The status filter.
    pub status: bool,
    /// The charger filter.
    pub charger_ids: bool,
    /// The site filter.
    pub site_ids: bool,
    /// The id-tag filter.
    pub id_tags: bool,
    /// The source lists by last update and applies [`SessionQuery::updated_since`] (OCPI): a
    /// sync reads such a source by `updated_since` (its watermark minus the lookback) instead
    /// of a window on the start, and does not mark the records it did not return as missing.
    pub updated_since: bool,
}

impl Capabilities {
    /// A vendor that filters nothing itself.
    pub fn none() -> Self {
        Capabilities::default()
    }
    /// Set the window flag.
    pub fn with_window(mut self, v: bool) -> Self {
        self.window = v;
        self
    }
    /// Set the status flag.
    pub fn with_status(mut self, v: bool) -> Self {
        self.status = v;
        self
    }
    /// Set the charger flag.
    pub fn with_charger_ids(mut self, v: bool) -> Self {
        self.charger_ids = v;
        self
    }
    /// Set the site flag.
    pub fn with_site_ids(mut self, v: bool) -> Self {
        self.site_ids = v;
        self
    }
    /// Set the last-update flag ([`Capabilities::updated_since`]).
    pub fn with_updated_since(mut self, v: bool) -> Self {
        self.updated_since = v;
        self
    }
    /// Set the id-tag flag.
    pub fn with_id_tags(mut self, v: bool) -> Self {
        self.id_tags = v;
        self
    }
}
