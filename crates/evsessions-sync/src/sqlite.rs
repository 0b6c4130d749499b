//! The SQLite store (feature `sqlite`, the default): one file, nothing to install (a bundled
//! SQLite), WAL journal with `synchronous = FULL`, so a committed batch survives a killed
//! process or a power cut.
//!
//! Times are stored as fixed-width UTC text (`2025-03-01T08:00:00.000000000Z`, so text order is
//! time order) and decimals as exact text.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::stream::{BoxStream, StreamExt};
use rust_decimal::Decimal;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{Row, Sqlite, Transaction};

use crate::error::{SyncError, SyncResult};
use crate::sql::{self, bind_revision, bind_row, bind_run, bind_state};
use crate::store::*;

const BACKEND: &str = "sqlite";
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");

fn db(e: sqlx::Error) -> SyncError {
    SyncError::store(BACKEND, e)
}

/// A time as stored: fixed-width UTC text.
fn ts(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.9fZ").to_string()
}
fn dec(d: Decimal) -> String {
    d.to_string()
}
fn parse_ts(text: Option<String>) -> SyncResult<Option<DateTime<Utc>>> {
    text.map(|t| {
        DateTime::parse_from_rfc3339(&t)
            .map(|d| d.with_timezone(&Utc))
            .map_err(|e| SyncError::Data {
                message: format!("stored time {t:?} is not RFC 3339: {e}"),
            })
    })
    .transpose()
}
fn req_ts(text: String) -> SyncResult<DateTime<Utc>> {
    parse_ts(Some(text))?.ok_or_else(|| SyncError::Data {
        message: "a required time is missing".into(),
    })
}

/// The SQLite store. Open with [`SqliteStore::open`] or [`crate::open_store`].
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Open (create if missing) and migrate the store at `path`.
    ///
    /// ```no_run
    /// # async fn demo() -> evsessions_sync::SyncResult<()> {
    /// let store = evsessions_sync::SqliteStore::open("evsessions.db").await?;
    /// # Ok(()) }
    /// ```
    pub async fn open(path: &str) -> SyncResult<SqliteStore> {
        let opts = SqliteConnectOptions::from_str(&format!("sqlite://{path}"))
            .map_err(|e| SyncError::Config {
                message: format!("cannot use {path:?} as a SQLite store: {e}"),
            })?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(60));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(opts)
            .await
            .map_err(|e| SyncError::Store {
                backend: BACKEND,
                message: format!("cannot open {path:?}: {e}"),
            })?;
        MIGRATOR.run(&pool).await.map_err(|e| SyncError::Migrate {
            backend: BACKEND,
            message: e.to_string(),
        })?;
        Ok(SqliteStore { pool })
    }
}

struct Tx {
    tx: Transaction<'static, Sqlite>,
}

/// A write transaction. IMMEDIATE: take the write lock up front, so two writers wait for each
/// other (busy timeout) instead of failing when a read transaction tries to become a write.
async fn begin(pool: &SqlitePool) -> SyncResult<Transaction<'static, Sqlite>> {
    pool.begin_with("BEGIN IMMEDIATE").await.map_err(db)
}

/// Take the lease unless another worker holds an unexpired one (one statement).
async fn acquire(
    pool: &SqlitePool,
    account: &str,
    source: &str,
    worker: &str,
    ttl: Duration,
) -> SyncResult<bool> {
    let now = Utc::now();
    let got = sqlx::query(
        "INSERT INTO sync_state (account, source, lease_owner, lease_expires_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (account) DO UPDATE SET \
         lease_owner = excluded.lease_owner, lease_expires_at = excluded.lease_expires_at \
         WHERE sync_state.lease_owner IS NULL OR sync_state.lease_expires_at < $5 \
         OR sync_state.lease_owner = excluded.lease_owner RETURNING account",
    )
    .bind(account)
    .bind(source)
    .bind(worker)
    .bind(ts(crate::engine::plus(now, ttl)))
    .bind(ts(now))
    .fetch_optional(pool)
    .await
    .map_err(db)?;
    Ok(got.is_some())
}

/// Renew the lease inside a batch's transaction, if `worker` still holds it.
async fn renew(
    tx: &mut Transaction<'static, Sqlite>,
    account: &str,
    worker: &str,
    ttl: Duration,
) -> SyncResult<bool> {
    let done = sqlx::query(
        "UPDATE sync_state SET lease_expires_at = $3 WHERE account = $1 AND lease_owner = $2",
    )
    .bind(account)
    .bind(worker)
    .bind(ts(crate::engine::plus(Utc::now(), ttl)))
    .execute(&mut **tx)
    .await
    .map_err(db)?;
    Ok(done.rows_affected() == 1)
}

/// Take the lease from a worker that is gone, only if it still holds it.
async fn take_over(
    pool: &SqlitePool,
    account: &str,
    dead_owner: &str,
    worker: &str,
    ttl: Duration,
) -> SyncResult<bool> {
    let done = sqlx::query(
        "UPDATE sync_state SET lease_owner = $3, lease_expires_at = $4 \
         WHERE account = $1 AND lease_owner = $2",
    )
    .bind(account)
    .bind(dead_owner)
    .bind(worker)
    .bind(ts(crate::engine::plus(Utc::now(), ttl)))
    .execute(pool)
    .await
    .map_err(db)?;
    Ok(done.rows_affected() == 1)
}

crate::backend::shared_backend!(SqliteStore, SqliteRow, "", "");

#[cfg(test)]
mod tests {
    use super::*;

    /// Every per-record lookup of the engine is an index search, never a scan of the account
    /// (a scan made the first sync quadratic: 20,000 sessions took 13 minutes).
    #[tokio::test]
    async fn per_record_lookups_use_an_index() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path().join("p.db").to_str().unwrap())
            .await
            .unwrap();
        for q in [sql::select_existing(""), sql::REPLACED_BY.to_string()] {
            let plan: Vec<String> = sqlx::query(&format!("EXPLAIN QUERY PLAN {q}"))
                .bind("a")
                .bind("b")
                .bind("c")
                .fetch_all(&store.pool)
                .await
                .unwrap()
                .iter()
                .map(|r| r.get::<String, _>("detail"))
                .collect();
            let want = if q.contains("replaces =") {
                "USING INDEX sessions_by_replaces (account=? AND source=? AND replaces=?)"
            } else {
                "(account=? AND source=? AND id=?)"
            };
            assert!(plan.iter().any(|p| p.contains(want)), "{q}: {plan:?}");
        }
    }
}
