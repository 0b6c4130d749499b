//! The PostgreSQL store (feature `postgres`): for teams and several workers on different
//! machines. Each account is leased (a row in `sync_state` with an owner and an expiry, taken
//! and renewed by single statements, so it works behind PgBouncer in transaction mode); a
//! worker that dies loses its lease at the expiry and another takes the account over.
//!
//! Times are `timestamptz` (microseconds; the exact instant is in `record`), money and energy
//! `NUMERIC`, `record` and `raw` are `json` (kept as written).

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::stream::{BoxStream, StreamExt};
use rust_decimal::Decimal;
use sqlx::postgres::{PgPool, PgPoolOptions, PgRow};
use sqlx::{Postgres, Row, Transaction};

use crate::error::{SyncError, SyncResult};
use crate::sql::{self, bind_revision, bind_row, bind_run, bind_state};
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
        let pool = PgPoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(30))
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
        MIGRATOR.run(&pool).await.map_err(|e| SyncError::Migrate {
            backend: BACKEND,
            message: e.to_string(),
        })?;
        Ok(PostgresStore { pool })
    }
}

struct Tx {
    tx: Transaction<'static, Postgres>,
}

/// A transaction.
async fn begin(pool: &PgPool) -> SyncResult<Transaction<'static, Postgres>> {
    pool.begin().await.map_err(db)
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

crate::backend::shared_backend!(PostgresStore, PgRow, "::json", "::text");
