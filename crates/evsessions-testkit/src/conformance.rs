//! The conformance suite: the same checks run against every [`SessionSource`].
//!
//! A vendor crate implements [`Harness`] in its tests (how to start its mock, how to point a
//! source at it) and calls [`assert_conforms`]:
//!
//! 1. every fixture session comes back exactly once, from the right source;
//! 2. the `[from, to)` window holds at its exact edges, and equals filtering the full set;
//! 3. the `active` and `completed` status filters equal filtering the full set;
//! 4. wrong credentials give `Error::Unauthenticated` and end the stream;
//! 5. a 503 with `Retry-After` before the first page, then success, loses nothing;
//! 6. a 429 with `Retry-After` is retried too;
//! 7. a record with a field of the wrong type is one `Err` naming the record, and every other
//!    record still arrives.

use std::collections::BTreeMap;

use async_trait::async_trait;
use evsessions_core::{ChargingSession, Error, SessionQuery, SessionSource, StatusFilter};

use crate::{Fault, VendorMock};

/// How to run the suite for one vendor.
#[async_trait]
pub trait Harness: Send + Sync {
    /// The vendor's mock.
    type Mock: VendorMock;

    /// Start a mock holding the vendor's fixture sessions. With `bad_record`, exactly one record
    /// has a field of the wrong type (its id stays in [`VendorMock::session_ids`]).
    async fn start(&self, bad_record: bool) -> Self::Mock;

    /// A source pointed at `mock`, with the mock's valid credentials (or wrong ones), and fast
    /// retries ([`evsessions_core::HttpConfig::for_tests`]).
    fn source(&self, mock: &Self::Mock, valid_credentials: bool) -> Box<dyn SessionSource>;
}

/// Read a whole session stream: the records and, apart, the errors (in order).
pub async fn collect(
    source: &dyn SessionSource,
    q: &SessionQuery,
) -> (Vec<ChargingSession>, Vec<Error>) {
    evsessions_core::collect_sessions(source, q).await
}

fn counts(ids: impl IntoIterator<Item = String>) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for id in ids {
        *m.entry(id).or_insert(0) += 1;
    }
    m
}

fn ids(v: &[ChargingSession]) -> Vec<String> {
    let mut out: Vec<String> = v.iter().map(|s| s.id.clone()).collect();
    out.sort();
    out
}

/// Run every check; panic with a message that names the failed check.
pub async fn assert_conforms<H: Harness>(h: &H) {
    // 1. everything, exactly once
    let mock = h.start(false).await;
    let source = h.source(&mock, true);
    let kind = source.kind();
    let (all, errs) = collect(source.as_ref(), &SessionQuery::new()).await;
    assert!(
        errs.is_empty(),
        "[{kind}] reading all sessions gave errors: {errs:?}"
    );
    let want = counts(mock.session_ids());
    let got = counts(all.iter().map(|s| s.id.clone()));
    assert_eq!(
        got, want,
        "[{kind}] every fixture session must come back exactly once"
    );
    assert!(
        want.len() >= 3,
        "[{kind}] the fixtures must hold at least 3 sessions"
    );
    for s in &all {
        assert_eq!(
            s.source, kind,
            "[{kind}] record {} has the wrong source",
            s.id
        );
        assert!(
            !s.raw.is_null(),
            "[{kind}] record {} lost its raw JSON",
            s.id
        );
    }

    // 2. the window, at its exact edges
    let mut starts: Vec<_> = all.iter().filter_map(|s| s.started_at).collect();
    starts.sort();
    starts.dedup();
    assert!(
        starts.len() >= 3,
        "[{kind}] need at least 3 distinct start times for the window check"
    );
    let from = starts[1];
    let to = starts[starts.len() - 1];
    let q = SessionQuery::new().from(from).to(to);
    let (windowed, errs) = collect(source.as_ref(), &q).await;
    assert!(
        errs.is_empty(),
        "[{kind}] windowed read gave errors: {errs:?}"
    );
    let expected: Vec<ChargingSession> = all
        .iter()
        .filter(|s| s.started_at.is_some_and(|t| t >= from && t < to))
        .cloned()
        .collect();
    assert_eq!(
        ids(&windowed),
        ids(&expected),
        "[{kind}] window [{from}, {to}) must hold exactly the sessions starting in it"
    );
    assert!(
        windowed.iter().any(|s| s.started_at == Some(from)),
        "[{kind}] a session starting exactly at `from` must be in"
    );
    assert!(
        windowed.iter().all(|s| s.started_at != Some(to)),
        "[{kind}] a session starting exactly at `to` must be out"
    );

    // 3. status filters
    for status in [StatusFilter::Active, StatusFilter::Completed] {
        let (got, errs) = collect(source.as_ref(), &SessionQuery::new().status(status)).await;
        assert!(
            errs.is_empty(),
            "[{kind}] status {status:?} gave errors: {errs:?}"
        );
        let expected: Vec<ChargingSession> = all
            .iter()
            .filter(|s| status.accepts(s.status))
            .cloned()
            .collect();
        assert_eq!(
            ids(&got),
            ids(&expected),
            "[{kind}] status filter {status:?}"
        );
    }
    assert!(
        all.iter().any(|s| StatusFilter::Active.accepts(s.status)),
        "[{kind}] fixtures need an active session"
    );
    assert!(
        all.iter()
            .any(|s| StatusFilter::Completed.accepts(s.status)),
        "[{kind}] fixtures need a completed session"
    );

    // 4. wrong credentials
    let bad = h.source(&mock, false);
    let (got, errs) = collect(bad.as_ref(), &SessionQuery::new()).await;
    assert!(
        got.is_empty(),
        "[{kind}] wrong credentials must yield no sessions"
    );
    assert_eq!(
        errs.len(),
        1,
        "[{kind}] wrong credentials must be one error that ends the stream: {errs:?}"
    );
    assert!(
        matches!(errs[0], Error::Unauthenticated { .. }),
        "[{kind}] wrong credentials must be Unauthenticated, got {:?}",
        errs[0]
    );

    // 5. 503 + Retry-After, then success
    mock.inject(Fault::status(503).retry_after("1"), 1).await;
    let (got, errs) = collect(source.as_ref(), &SessionQuery::new()).await;
    assert!(
        errs.is_empty(),
        "[{kind}] a 503 then 200 must succeed: {errs:?}"
    );
    assert_eq!(
        counts(got.iter().map(|s| s.id.clone())),
        want,
        "[{kind}] after a 503 every session must still arrive once"
    );

    // 6. 429 + Retry-After
    mock.inject(Fault::status(429).retry_after("1"), 2).await;
    let (got, errs) = collect(source.as_ref(), &SessionQuery::new()).await;
    assert!(
        errs.is_empty(),
        "[{kind}] 429s then 200 must succeed: {errs:?}"
    );
    assert_eq!(
        got.len(),
        all.len(),
        "[{kind}] after 429s every session must still arrive"
    );

    // 7. one bad record
    let bad_mock = h.start(true).await;
    let source = h.source(&bad_mock, true);
    let (got, errs) = collect(source.as_ref(), &SessionQuery::new()).await;
    assert_eq!(
        errs.len(),
        1,
        "[{kind}] one bad record must be exactly one error: {errs:?}"
    );
    match &errs[0] {
        Error::Decode { record, path, .. } => {
            assert!(
                record.is_some(),
                "[{kind}] the decode error must name the record"
            );
            assert!(
                !path.is_empty() && path != ".",
                "[{kind}] the decode error must name the field"
            );
        }
        other => panic!("[{kind}] a bad record must be Error::Decode, got {other:?}"),
    }
    assert_eq!(
        got.len() + 1,
        bad_mock.session_ids().len(),
        "[{kind}] every other record must still arrive"
    );
}
