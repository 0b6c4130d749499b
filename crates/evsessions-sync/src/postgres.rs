//! The PostgreSQL store (feature `postgres`): for teams and several workers on different
//! machines. Each account is leased (a row in `sync_state` with an owner and an expiry, taken
//! and renewed by single statements, so it works behind PgBouncer in transaction mode); a
//! worker that dies loses its lease at the expiry and another takes the account over.
//!
//! Times are `timestamptz` (microseconds; the exact instant is in the document), money and
//! energy `NUMERIC`, the session's document `bytea` (zstd of its JSON).

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::stream::{BoxStream, StreamExt};
use rust_decimal::Decimal;
use sqlx::postgres::{PgPool, PgPoolOptions, PgRow};
use sqlx::{Postgres, Row, Transaction};

use crate::error::{SyncError, SyncResult};
use crate::sql::{self, bind_marks, bind_revision, bind_row, bind_run, bind_state};
use crate::store::*;

const BACKEND: &str = "postgres";
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

fn millis(d: Duration) -> f64 {
    // An interval multiplier; a lease is minutes long, far inside f64's exact range.
    d.as_millis() as f64
}

fn db(e: sqlx::Error) -> SyncError {
    SyncError::store(BACKEND, e)
}

fn ts(t: DateTime<Utc>) -> DateTime<Utc> {
    t
}
fn dec(d: Decimal) -> Decimal {
    d
}
fn parse_dec(d: Option<Decimal>) -> SyncResult<Option<Decimal>> {
    Ok(d)
}
fn parse_ts(t: Option<DateTime<Utc>>) -> SyncResult<Option<DateTime<Utc>>> {
    Ok(t)
}
fn req_ts(t: DateTime<Utc>) -> SyncResult<DateTime<Utc>> {
    Ok(t)
}

/// The PostgreSQL store. Open with [`PostgresStore::connect`] or [`crate::open_store`].
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Connect to `url` (`postgres://user:password@host:port/db`) and migrate the schema.
    /// Migrations take a database lock, so several workers may start at once.
    ///
    /// ```no_run
    /// # async fn demo() -> evsessions_sync::SyncResult<()> {
    /// let store = evsessions_sync::PostgresStore::connect("postgres://ev@localhost/ev").await?;
    /// # Ok(()) }
    /// ```
    pub async fn connect(url: &str) -> SyncResult<PostgresStore> {
        let store = PostgresStore::pool(url).await?;
        migrate(&store.pool).await?;
        Ok(store)
    }

    /// Connect to an existing store (see [`crate::open_store_read_only`]): a database
    /// without the store's tables is [`SyncError::NoStore`]; one of an older schema is
    /// migrated first.
    pub async fn connect_existing(url: &str) -> SyncResult<PostgresStore> {
        let store = PostgresStore::pool(url).await?;
        let tables: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() \
             AND table_name IN ('sessions', '_sqlx_migrations')",
        )
        .fetch_one(&store.pool)
        .await
        .map_err(db)?;
        if tables < 2 {
            return Err(SyncError::NoStore {
                location: crate::redact_db_text(url),
            });
        }
        if !schema_is_current(&store.pool).await.map_err(db)? {
            migrate(&store.pool).await?;
        }
        Ok(store)
    }

    async fn pool(url: &str) -> SyncResult<PostgresStore> {
        let pool = PgPoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(30))
            // Planned for the store's statements, on every connection: no JIT (small lookups
            // and batches, which JIT compiling, triggered by row estimates, slows down by
            // hundreds of milliseconds each), and a plan for each execution (a generic plan made
            // while `sessions` was empty, in a first sync, scanned it at every batch until
            // autovacuum analyzed it: 62 s for 100 k sessions, 7 s so). Plain SETs, not startup
            // options, which PgBouncer refuses unless told to ignore them.
            .after_connect(|conn, _| {
                Box::pin(async move {
                    sqlx::Executor::execute(
                        conn,
                        "SET jit = off; SET plan_cache_mode = force_custom_plan",
                    )
                    .await
                    .map(|_| ())
                })
            })
            .connect(url)
            .await
            .map_err(|e| SyncError::Store {
                backend: BACKEND,
                message: format!(
                    "cannot connect to {}: {}",
                    crate::redact_db_text(url),
                    crate::redact_db_text(&e.to_string())
                ),
            })?;
        Ok(PostgresStore { pool })
    }
}

/// [`crate::store::StoreTx::replacing`]: one index probe per id, whatever the statistics say.
/// (As `replaces = ANY(…)`, the planner scanned the whole table at every batch when many rows
/// name the same few ids, as the generator's do: its estimate of the matches is by value
/// frequency. `OFFSET 0` keeps the lateral subquery from being flattened into a hash join.)
const REPLACING: &str = "SELECT r.replaces, r.id FROM json_array_elements_text($3::json) AS k(id) \
     CROSS JOIN LATERAL (SELECT s.replaces, s.id FROM sessions s WHERE s.account = $1 \
     AND s.source = $2 AND s.replaces = k.id AND s.id <> s.replaces OFFSET 0) AS r";

/// Does `sessions` still have schema 4's `record` column?
const LEGACY_COLUMNS: &str = "SELECT COUNT(*) FROM information_schema.columns \
     WHERE table_schema = current_schema() AND table_name = 'sessions' AND column_name = 'record'";

/// Schema 5's second half (see its migration): convert an older store's rows to documents and
/// drop `record` and `raw`, in one transaction under a lock, so that workers starting at once
/// convert once.
async fn finish_schema_5(pool: &PgPool) -> SyncResult<()> {
    let mut tx = Tx {
        tx: begin(pool).await?,
    };
    sqlx::query("SELECT pg_advisory_xact_lock(7422005)")
        .execute(&mut *tx.tx)
        .await
        .map_err(db)?;
    let legacy: i64 = sqlx::query_scalar(LEGACY_COLUMNS)
        .fetch_one(&mut *tx.tx)
        .await
        .map_err(db)?;
    if legacy == 0 {
        return Ok(());
    }
    let converted = convert_documents(&mut tx).await?;
    sqlx::query("ALTER TABLE sessions DROP COLUMN record, DROP COLUMN raw")
        .execute(&mut *tx.tx)
        .await
        .map_err(db)?;
    tx.tx.commit().await.map_err(db)?;
    tracing::info!(converted, "store converted to schema 5");
    Ok(())
}

struct Tx {
    tx: Transaction<'static, Postgres>,
}

/// A transaction.
async fn begin(pool: &PgPool) -> SyncResult<Transaction<'static, Postgres>> {
    let mut tx = pool.begin().await.map_err(db)?;
    for set in [
        "SET LOCAL jit = off",
        "SET LOCAL plan_cache_mode = force_custom_plan",
    ] {
        sqlx::query(set).execute(&mut *tx).await.map_err(db)?;
    }
    Ok(tx)
}

/// Take the lease unless another worker holds an unexpired one: one statement, and the
/// database's clock decides expiry, so workers' clocks need not agree.
async fn acquire(
    pool: &PgPool,
    account: &str,
    source: &str,
    worker: &str,
    ttl: Duration,
) -> SyncResult<bool> {
    let got = sqlx::query(
        "INSERT INTO sync_state (account, source, lease_owner, lease_expires_at) \
         VALUES ($1, $2, $3, now() + $4 * interval '1 millisecond') \
         ON CONFLICT (account) DO UPDATE SET \
         lease_owner = excluded.lease_owner, lease_expires_at = excluded.lease_expires_at \
         WHERE sync_state.lease_owner IS NULL OR sync_state.lease_expires_at < now() \
         OR sync_state.lease_owner = excluded.lease_owner RETURNING account",
    )
    .bind(account)
    .bind(source)
    .bind(worker)
    .bind(millis(ttl))
    .fetch_optional(pool)
    .await
    .map_err(db)?;
    Ok(got.is_some())
}

/// Renew the lease inside a batch's transaction, if `worker` still holds it.
async fn renew(
    tx: &mut Transaction<'static, Postgres>,
    account: &str,
    worker: &str,
    ttl: Duration,
) -> SyncResult<bool> {
    let done = sqlx::query(
        "UPDATE sync_state SET lease_expires_at = now() + $3 * interval '1 millisecond' \
         WHERE account = $1 AND lease_owner = $2",
    )
    .bind(account)
    .bind(worker)
    .bind(millis(ttl))
    .execute(&mut **tx)
    .await
    .map_err(db)?;
    Ok(done.rows_affected() == 1)
}

/// Take the lease from a worker that is gone, only if it still holds it.
async fn take_over(
    pool: &PgPool,
    account: &str,
    dead_owner: &str,
    worker: &str,
    ttl: Duration,
) -> SyncResult<bool> {
    let done = sqlx::query(
        "UPDATE sync_state SET lease_owner = $3, \
         lease_expires_at = now() + $4 * interval '1 millisecond' \
         WHERE account = $1 AND lease_owner = $2",
    )
    .bind(account)
    .bind(dead_owner)
    .bind(worker)
    .bind(millis(ttl))
    .execute(pool)
    .await
    .map_err(db)?;
    Ok(done.rows_affected() == 1)
}

crate::backend::shared_backend!(
    PostgresStore,
    PgRow,
    "::json",
    "::text",
    "= ANY(ARRAY(SELECT json_array_elements_text($3::json)))",
    true,
    REPLACING
);
