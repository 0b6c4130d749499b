//! # evsessions-sync
//!
//! Keep every charging session of every account in a store, and bring it up to date: the
//! library behind `evsessions sync`, `export` and `status`.
//!
//! - [`SessionStore`]: the store, with two backends: [`SqliteStore`] (feature `sqlite`, the
//!   default: one file, nothing to install) and [`PostgresStore`] (feature `postgres`: for
//!   teams and several workers, with per-account leases). Open either with [`open_store`].
//! - [`sync_account`]: the engine. After any sequence of runs — interrupted, failed, repeated —
//!   the store holds each session exactly once, with its latest values and the history of how
//!   it changed ([`SessionStore::revisions`]).
//! - [`config`]: the accounts file (`evsessions.toml`).
//!
//! The guarantees, the schema and how to query it with SQL are in `docs/sync.md`.
//!
//! ```no_run
//! # async fn demo(source: &dyn evsessions_core::SessionSource) -> evsessions_sync::SyncResult<()> {
//! use futures::StreamExt;
//! use evsessions_sync::{open_store, sync_account, SessionFilter, SyncOptions};
//!
//! let store = open_store("evsessions.db").await?;
//! let report = sync_account(store.as_ref(), "office", source, &SyncOptions::default()).await?;
//! println!("{} new, {} changed, {} unchanged", report.counts.new, report.counts.changed, report.counts.unchanged);
//! let mut sessions = store.sessions(&SessionFilter::new().account("office"));
//! while let Some(s) = sessions.next().await {
//!     let s = s?;
//!     println!("{} rev {} {:?} kWh", s.session.id, s.meta.revision, s.session.energy_kwh);
//! }
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[macro_use]
mod backend;
pub mod config;
mod doc;
mod engine;
mod error;
#[cfg(feature = "postgres")]
mod postgres;
mod sql;
#[cfg(feature = "sqlite")]
mod sqlite;
pub mod store;

pub use engine::{default_worker, sync_account, ProgressFn, SyncOptions, SyncReport};
pub use error::{SyncError, SyncResult};
#[cfg(feature = "postgres")]
pub use postgres::PostgresStore;
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStore;
pub use store::{
    open_store, open_store_read_only, AccountStatus, ExportRecord, Lease, RunCounts, RunLog,
    RunResult, SessionFilter, SessionMeta, SessionStore, StoredDocument, StoredSession, SyncState,
};

/// A store location or database message without its password (`postgres://u:***@host/db`).
pub fn redact_db_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        let end = tail
            .find(|c: char| c == '/' || c.is_whitespace() || c == '"' || c == '\'')
            .unwrap_or(tail.len());
        let authority = &tail[..end];
        match authority.rfind('@') {
            Some(at) => {
                let userinfo = &authority[..at];
                let user = userinfo.split(':').next().unwrap_or("");
                if userinfo.contains(':') {
                    out.push_str(user);
                    out.push_str(":***");
                } else {
                    out.push_str(user);
                }
                out.push_str(&authority[at..]);
            }
            None => out.push_str(authority),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_database_passwords() {
        assert_eq!(
            super::redact_db_text("error at postgres://bob:s3cret@db:5432/ev?x=1"),
            "error at postgres://bob:***@db:5432/ev?x=1"
        );
        assert_eq!(super::redact_db_text("sqlite://a.db"), "sqlite://a.db");
        assert_eq!(super::redact_db_text("no url"), "no url");
    }
}
