//! Read a whole listing into memory: the common case without a stream loop.

use futures::StreamExt;

use crate::source::session_stream;
use crate::{ChargingSession, Error, Result, SessionQuery, SessionSource};

/// Every session that matches `query`, with the records that could not be decoded kept apart.
///
/// The stream of [`SessionSourceExt::sessions`](crate::SessionSourceExt::sessions), collected:
/// a record that could not be decoded goes to the second list and the reading goes on; a failed
/// page (authentication, network after retries) is the last entry of the second list.
///
/// ```no_run
/// # async fn demo(source: &dyn evsessions_core::SessionSource) {
/// use evsessions_core::{collect_sessions, SessionQuery};
/// let (sessions, errors) = collect_sessions(source, &SessionQuery::new()).await;
/// println!("{} sessions, {} errors", sessions.len(), errors.len());
/// # }
/// ```
pub async fn collect_sessions<S>(
    source: &S,
    query: &SessionQuery,
) -> (Vec<ChargingSession>, Vec<Error>)
where
    S: SessionSource + ?Sized,
{
    let mut ok = Vec::new();
    let mut errs = Vec::new();
    let mut stream = session_stream(source, query);
    while let Some(item) = stream.next().await {
        match item {
            Ok(s) => ok.push(s),
            Err(e) => errs.push(e),
        }
    }
    (ok, errs)
}

/// Every session that matches `query`, or the first error (a record that could not be decoded
/// or a failed page), whichever comes first.
///
/// ```no_run
/// # async fn demo(source: &dyn evsessions_core::SessionSource) -> evsessions_core::Result<()> {
/// use evsessions_core::{try_collect_sessions, SessionQuery};
/// let sessions = try_collect_sessions(source, &SessionQuery::new()).await?;
/// println!("{} sessions", sessions.len());
/// # Ok(()) }
/// ```
pub async fn try_collect_sessions<S>(
    source: &S,
    query: &SessionQuery,
) -> Result<Vec<ChargingSession>>
where
    S: SessionSource + ?Sized,
{
    let mut ok = Vec::new();
    let mut stream = session_stream(source, query);
    while let Some(item) = stream.next().await {
        ok.push(item?);
    }
    Ok(ok)
}
