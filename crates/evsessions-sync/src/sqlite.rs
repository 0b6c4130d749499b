//! The SQLite store (feature `sqlite`, the default): one file, nothing to install (a bundled
//! SQLite), WAL journal with `synchronous = NORMAL`: a committed batch survives a killed
//! process (the WAL is written at every commit); a power cut may lose the last batches, never
//! the file's consistency, and the watermark is committed with the last batch, so the next
//! run reads them again.
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
use crate::sql::{self, bind_marks, bind_revision, bind_row, bind_run, bind_state};
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
fn parse_dec(text: Option<String>) -> SyncResult<Option<Decimal>> {
    text.map(|t| {
        Decimal::from_str(&t).map_err(|e| SyncError::Data {
            message: format!("stored decimal {t:?} is not a number: {e}"),
        })
    })
    .transpose()
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
        let store = SqliteStore::connect(path, false).await?;
        migrate(&store.pool).await?;
        Ok(store)
    }

    /// Open the existing store at `path` read-only (see [`crate::open_store_read_only`]):
    /// never creates a file; a store of an older schema is migrated first.
    pub async fn open_existing(path: &str) -> SyncResult<SqliteStore> {
        let file = std::path::Path::new(path);
        if !file.exists() {
            return Err(SyncError::NoStore {
                location: path.to_string(),
            });
        }
        let not_a_store = |reason: String| SyncError::NotAStore {
            location: path.to_string(),
            reason,
        };
        if !file.is_file() {
            return Err(not_a_store("it is not a file".into()));
        }
        let (store, state) = match SqliteStore::probe(path).await {
            // A writer killed mid-transaction left a journal to roll back, which a read-only
            // connection cannot: let a read-write one (that creates nothing) recover it.
            Err(e) if is_read_only_error(&e) => {
                let opts = options(path)?.create_if_missing(false);
                let pool = SqlitePool::connect_with(opts)
                    .await
                    .map_err(|e| not_a_store(e.to_string()))?;
                let recovered = sqlx::query("SELECT COUNT(*) FROM sqlite_master")
                    .execute(&pool)
                    .await;
                pool.close().await;
                recovered.map_err(|e| not_a_store(e.to_string()))?;
                SqliteStore::probe(path).await
            }
            other => other,
        }
        .map_err(|e| not_a_store(e.to_string()))?;
        match state {
            Some(true) => Ok(store),
            Some(false) => {
                store.pool.close().await;
                SqliteStore::open(path).await?.pool.close().await;
                SqliteStore::connect(path, true).await
            }
            // An empty database: a first `sync` that stopped before it made the tables.
            None if store.is_empty().await.unwrap_or(false) => Err(SyncError::NoStore {
                location: path.to_string(),
            }),
            None => Err(not_a_store(
                "it is a SQLite database without the store's tables".into(),
            )),
        }
    }

    /// A read-only connection and what the schema is.
    async fn probe(path: &str) -> Result<(SqliteStore, Option<bool>), sqlx::Error> {
        let opts = options(path)
            .map_err(|e| sqlx::Error::Configuration(e.to_string().into()))?
            .read_only(true)
            .create_if_missing(false);
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(opts)
            .await?;
        let store = SqliteStore { pool };
        let state = store.schema_state().await?;
        Ok((store, state))
    }

    async fn connect(path: &str, read_only: bool) -> SyncResult<SqliteStore> {
        let mut opts = options(path)?;
        opts = if read_only {
            opts.read_only(true).create_if_missing(false)
        } else {
            opts.create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                // 16 MiB of page cache per connection, at most (the default is 2 MiB): the
                // indexes' pages a batch touches stay in it.
                .pragma("cache_size", "-16384")
        };
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(opts)
            .await
            .map_err(|e| SyncError::Store {
                backend: BACKEND,
                message: format!("cannot open {path:?}: {e}"),
            })?;
        Ok(SqliteStore { pool })
    }

    /// No table but (perhaps) sqlx's empty migration log.
    async fn is_empty(&self) -> Result<bool, sqlx::Error> {
        let tables: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' \
             AND name NOT IN ('_sqlx_migrations', 'sqlite_sequence')",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(tables == 0)
    }

    /// `None`: not a store; `Some(false)`: a store of an older schema.
    async fn schema_state(&self) -> Result<Option<bool>, sqlx::Error> {
        let tables: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' \
             AND name IN ('sessions', '_sqlx_migrations')",
        )
        .fetch_one(&self.pool)
        .await?;
        if tables < 2 {
            return Ok(None);
        }
        schema_is_current(&self.pool).await.map(Some)
    }
}

fn options(path: &str) -> SyncResult<SqliteConnectOptions> {
    Ok(SqliteConnectOptions::from_str(&format!("sqlite://{path}"))
        .map_err(|e| SyncError::Config {
            message: format!("cannot use {path:?} as a SQLite store: {e}"),
        })?
        .busy_timeout(Duration::from_secs(60)))
}

/// SQLITE_READONLY and its extended codes (a journal to roll back, a WAL to recover).
fn is_read_only_error(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) => d
            .code()
            .and_then(|c| c.parse::<i32>().ok())
            .is_some_and(|c| c & 0xff == 8),
        _ => false,
    }
}

/// Does `sessions` still have schema 4's `record` column?
const LEGACY_COLUMNS: &str =
    "SELECT COUNT(*) FROM pragma_table_info('sessions') WHERE name = 'record'";

/// Schema 5's second half (see its migration): convert an older store's rows to documents
/// and drop `record` and `raw`, in one transaction; then give the space back (VACUUM).
async fn finish_schema_5(pool: &SqlitePool) -> SyncResult<()> {
    let mut tx = Tx {
        tx: begin(pool).await?,
    };
    let legacy: i64 = sqlx::query_scalar(LEGACY_COLUMNS)
        .fetch_one(&mut *tx.tx)
        .await
        .map_err(db)?;
    if legacy == 0 {
        return Ok(());
    }
    let converted = convert_documents(&mut tx).await?;
    for q in [
        "ALTER TABLE sessions DROP COLUMN record",
        "ALTER TABLE sessions DROP COLUMN raw",
    ] {
        sqlx::query(q).execute(&mut *tx.tx).await.map_err(db)?;
    }
    tx.tx.commit().await.map_err(db)?;
    if converted > 0 {
        tracing::info!(converted, "store converted to schema 5; reclaiming space");
        sqlx::query("VACUUM").execute(pool).await.map_err(db)?;
    }
    Ok(())
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

crate::backend::shared_backend!(
    SqliteStore,
    SqliteRow,
    "",
    "",
    "IN (SELECT value FROM json_each($3))",
    false,
    sql::replacing_sql("IN (SELECT value FROM json_each($3))")
);

#[cfg(test)]
mod tests {
    use super::*;

    /// The query plan of `q`, its parameters all NULL.
    async fn plan_of(store: &SqliteStore, q: &str) -> Vec<String> {
        sqlx::query(&format!("EXPLAIN QUERY PLAN {q}"))
            .fetch_all(&store.pool)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get::<String, _>("detail"))
            .collect()
    }

    /// Every per-record lookup of the engine is an index search, never a scan of the account
    /// (a scan made the first sync quadratic: 20,000 sessions took 13 minutes).
    #[tokio::test]
    async fn per_record_lookups_use_an_index() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path().join("p.db").to_str().unwrap())
            .await
            .unwrap();
        for q in [
            sql::existing_sql("IN (SELECT value FROM json_each($3))"),
            sql::replacing_sql("IN (SELECT value FROM json_each($3))"),
        ] {
            let plan: Vec<String> = sqlx::query(&format!("EXPLAIN QUERY PLAN {q}"))
                .bind("a")
                .bind("b")
                .bind(r#"["c","d"]"#)
                .fetch_all(&store.pool)
                .await
                .unwrap()
                .iter()
                .map(|r| r.get::<String, _>("detail"))
                .collect();
            let want = if q.contains("replaces IN") {
                "USING INDEX sessions_by_replaces (account=? AND source=? AND replaces=?)"
            } else {
                "(account=? AND source=? AND id=?)"
            };
            assert!(plan.iter().any(|p| p.contains(want)), "{q}: {plan:?}");
        }
        // The open sessions are found through the status index, not by reading the account.
        let plan = plan_of(&store, sql::OPEN_SESSIONS).await;
        assert!(
            plan.iter()
                .any(|p| p.contains("USING INDEX sessions_by_status")),
            "{plan:?}"
        );
        // Reads walk the start index in their order: no sort of every row.
        for q in [sql::SESSIONS, sql::DOCUMENTS, sql::SESSION_COLUMNS_READ] {
            let plan = plan_of(&store, q).await;
            assert!(
                plan.iter()
                    .any(|p| p.contains("USING INDEX sessions_by_start"))
                    && !plan.iter().any(|p| p.contains("TEMP B-TREE")),
                "{q}: {plan:?}"
            );
        }
    }
}
