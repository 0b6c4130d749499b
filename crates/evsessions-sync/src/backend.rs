//! What both backends share: reading rows and the [`StoreTx`] and [`SessionStore`]
//! implementations, written once. A backend module supplies its pool, row and transaction types,
//! how it encodes a time (`ts`, `parse_ts`, `req_ts`) and a decimal (`dec`), `db` (its error
//! mapping), the JSON casts of its SQL, and the four operations whose SQL differs (`begin`,
//! and the lease's `acquire`, `renew` and `take_over`: PostgreSQL uses the database's clock).

/// Implement the store for `$store` (pool field `pool`), rows `$row`, a `Tx` holding `tx`.
/// `$json` is appended to JSON parameters, `$text` to JSON columns read as text.
macro_rules! shared_backend {
    ($store:ident, $row:ty, $json:literal, $text:literal) => {
        fn state_of(r: &$row) -> SyncResult<SyncState> {
            Ok(SyncState {
                account: r.try_get("account").map_err(db)?,
                source: r.try_get("source").map_err(db)?,
                watermark: parse_ts(r.try_get("watermark").map_err(db)?)?,
                last_run_at: parse_ts(r.try_get("last_run_at").map_err(db)?)?,
                last_success_at: parse_ts(r.try_get("last_success_at").map_err(db)?)?,
                last_error: r.try_get("last_error").map_err(db)?,
                last_error_at: parse_ts(r.try_get("last_error_at").map_err(db)?)?,
            })
        }

        fn run_of(r: &$row) -> SyncResult<RunLog> {
            let n = |c: &str| -> SyncResult<u64> {
                Ok(u64::try_from(r.try_get::<i64, _>(c).map_err(db)?).unwrap_or(0))
            };
            let result: String = r.try_get("result").map_err(db)?;
            Ok(RunLog {
                run_id: r.try_get("run_id").map_err(db)?,
                account: r.try_get("account").map_err(db)?,
                source: r.try_get("source").map_err(db)?,
                worker: r.try_get("worker").map_err(db)?,
                started_at: req_ts(r.try_get("started_at").map_err(db)?)?,
                finished_at: parse_ts(r.try_get("finished_at").map_err(db)?)?,
                result: crate::engine::parse_result(&result),
                window_from: parse_ts(r.try_get("window_from").map_err(db)?)?,
                counts: RunCounts {
                    new: n("new_count")?,
                    changed: n("changed_count")?,
                    unchanged: n("unchanged_count")?,
                    superseded: n("superseded_count")?,
                    missing: n("missing_count")?,
                    errors: n("error_count")?,
                    pages: n("pages")?,
                    requests: r
                        .try_get::<Option<i64>, _>("requests")
                        .map_err(db)?
                        .map(|v| u64::try_from(v).unwrap_or(0)),
                },
                duration_ms: r.try_get("duration_ms").map_err(db)?,
                error: r.try_get("error").map_err(db)?,
            })
        }

        fn stored_of(r: &$row) -> SyncResult<StoredSession> {
            let record: String = r.try_get("record").map_err(db)?;
            let raw: String = r.try_get("raw").map_err(db)?;
            Ok(StoredSession {
                account: r.try_get("account").map_err(db)?,
                session: RecordParts::join(&record, &raw)?,
                meta: SessionMeta {
                    revision: r.try_get("revision").map_err(db)?,
                    content_hash: r.try_get("content_hash").map_err(db)?,
                    first_seen_at: req_ts(r.try_get("first_seen_at").map_err(db)?)?,
                    last_seen_at: req_ts(r.try_get("last_seen_at").map_err(db)?)?,
                    last_changed_at: req_ts(r.try_get("last_changed_at").map_err(db)?)?,
                    superseded_by: r.try_get("superseded_by").map_err(db)?,
                    missing_since: parse_ts(r.try_get("missing_since").map_err(db)?)?,
                    stale_since: parse_ts(r.try_get("stale_since").map_err(db)?)?,
                },
            })
        }

        #[async_trait]
        impl StoreTx for Tx {
            async fn renew_lease(
                &mut self,
                account: &str,
                worker: &str,
                ttl: Duration,
            ) -> SyncResult<bool> {
                renew(&mut self.tx, account, worker, ttl).await
            }

            async fn get(
                &mut self,
                account: &str,
                source: &str,
                id: &str,
            ) -> SyncResult<Option<ExistingRow>> {
                let row = sqlx::query(&sql::select_existing($text))
                    .bind(account)
                    .bind(source)
                    .bind(id)
                    .fetch_optional(&mut *self.tx)
                    .await
                    .map_err(db)?;
                let Some(r) = row else { return Ok(None) };
                let status: String = r.try_get("status").map_err(db)?;
                Ok(Some(ExistingRow {
                    revision: r.try_get("revision").map_err(db)?,
                    content_hash: r.try_get("content_hash").map_err(db)?,
                    status: crate::engine::parse_status(&status),
                    parts: RecordParts {
                        record: r.try_get("record").map_err(db)?,
                        raw: r.try_get("raw").map_err(db)?,
                    },
                    first_seen_at: req_ts(r.try_get("first_seen_at").map_err(db)?)?,
                    superseded_by: r.try_get("superseded_by").map_err(db)?,
                    missed_runs: r.try_get("missed_runs").map_err(db)?,
                    missing_since: parse_ts(r.try_get("missing_since").map_err(db)?)?,
                }))
            }

            async fn replaced_by(
                &mut self,
                account: &str,
                source: &str,
                id: &str,
            ) -> SyncResult<Option<String>> {
                let row = sqlx::query(sql::REPLACED_BY)
                    .bind(account)
                    .bind(source)
                    .bind(id)
                    .fetch_optional(&mut *self.tx)
                    .await
                    .map_err(db)?;
                row.map(|r| r.try_get::<String, _>("id").map_err(db))
                    .transpose()
            }

            async fn insert_session(&mut self, row: &RowWrite<'_>) -> SyncResult<()> {
                let text = sql::insert_sql($json);
                bind_row!(sqlx::query(&text), row, ts, dec)
                    .execute(&mut *self.tx)
                    .await
                    .map_err(db)?;
                Ok(())
            }

            async fn update_session(&mut self, row: &RowWrite<'_>) -> SyncResult<()> {
                let text = sql::update_sql($json);
                bind_row!(sqlx::query(&text), row, ts, dec)
                    .execute(&mut *self.tx)
                    .await
                    .map_err(db)?;
                Ok(())
            }

            async fn mark_seen(
                &mut self,
                account: &str,
                source: &str,
                id: &str,
                now: DateTime<Utc>,
            ) -> SyncResult<()> {
                sqlx::query(sql::MARK_SEEN)
                    .bind(account)
                    .bind(source)
                    .bind(id)
                    .bind(ts(now))
                    .execute(&mut *self.tx)
                    .await
                    .map_err(db)?;
                Ok(())
            }

            async fn mark_superseded(
                &mut self,
                account: &str,
                source: &str,
                id: &str,
                by: &str,
                revision: i64,
                now: DateTime<Utc>,
            ) -> SyncResult<()> {
                sqlx::query(sql::MARK_SUPERSEDED)
                    .bind(account)
                    .bind(source)
                    .bind(id)
                    .bind(by)
                    .bind(revision)
                    .bind(ts(now))
                    .execute(&mut *self.tx)
                    .await
                    .map_err(db)?;
                Ok(())
            }

            async fn add_revision(&mut self, rev: &Revision<'_>) -> SyncResult<()> {
                let text = sql::revision_sql($json);
                bind_revision!(sqlx::query(&text), rev, ts)
                    .execute(&mut *self.tx)
                    .await
                    .map_err(db)?;
                Ok(())
            }

            async fn window_rows(
                &mut self,
                account: &str,
                from: DateTime<Utc>,
            ) -> SyncResult<Vec<WindowRow>> {
                let rows = sqlx::query(sql::WINDOW_ROWS)
                    .bind(account)
                    .bind(ts(from))
                    .fetch_all(&mut *self.tx)
                    .await
                    .map_err(db)?;
                rows.iter()
                    .map(|r| {
                        Ok(WindowRow {
                            source: r.try_get("source").map_err(db)?,
                            id: r.try_get("id").map_err(db)?,
                            missed_runs: r.try_get("missed_runs").map_err(db)?,
                            missing_since: parse_ts(r.try_get("missing_since").map_err(db)?)?,
                        })
                    })
                    .collect()
            }

            async fn set_missing(
                &mut self,
                account: &str,
                source: &str,
                id: &str,
                missed_runs: i64,
                missing_since: Option<DateTime<Utc>>,
            ) -> SyncResult<()> {
                sqlx::query(sql::SET_MISSING)
                    .bind(account)
                    .bind(source)
                    .bind(id)
                    .bind(missed_runs)
                    .bind(missing_since.map(ts))
                    .execute(&mut *self.tx)
                    .await
                    .map_err(db)?;
                Ok(())
            }

            async fn set_stale(
                &mut self,
                account: &str,
                source: &str,
                id: &str,
                now: DateTime<Utc>,
            ) -> SyncResult<()> {
                sqlx::query(sql::SET_STALE)
                    .bind(account)
                    .bind(source)
                    .bind(id)
                    .bind(ts(now))
                    .execute(&mut *self.tx)
                    .await
                    .map_err(db)?;
                Ok(())
            }

            async fn save_state(&mut self, state: &SyncState) -> SyncResult<()> {
                bind_state!(sqlx::query(sql::SAVE_STATE_SQL), state, ts)
                    .execute(&mut *self.tx)
                    .await
                    .map_err(db)?;
                Ok(())
            }

            async fn finish_run(&mut self, run: &RunLog) -> SyncResult<()> {
                bind_run!(sqlx::query(sql::FINISH_RUN_SQL), run, ts)
                    .execute(&mut *self.tx)
                    .await
                    .map_err(db)?;
                Ok(())
            }

            async fn add_run_error(
                &mut self,
                run_id: i64,
                seq: i64,
                record_id: Option<&str>,
                message: &str,
            ) -> SyncResult<()> {
                sqlx::query(sql::RUN_ERROR)
                    .bind(run_id)
                    .bind(seq)
                    .bind(record_id)
                    .bind(message)
                    .execute(&mut *self.tx)
                    .await
                    .map_err(db)?;
                Ok(())
            }

            async fn commit(self: Box<Self>) -> SyncResult<()> {
                self.tx.commit().await.map_err(db)
            }
        }

        #[async_trait]
        impl SessionStore for $store {
            fn backend(&self) -> &'static str {
                BACKEND
            }

            async fn begin(&self) -> SyncResult<Box<dyn StoreTx>> {
                Ok(Box::new(Tx {
                    tx: begin(&self.pool).await?,
                }))
            }

            async fn load_state(&self, account: &str) -> SyncResult<Option<SyncState>> {
                let row = sqlx::query(sql::LOAD_STATE)
                    .bind(account)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                row.as_ref().map(state_of).transpose()
            }

            async fn acquire_lease(
                &self,
                account: &str,
                source: &str,
                worker: &str,
                ttl: Duration,
            ) -> SyncResult<Lease> {
                if acquire(&self.pool, account, source, worker, ttl).await? {
                    return Ok(Lease::Acquired);
                }
                let row = sqlx::query(
                    "SELECT lease_owner, lease_expires_at FROM sync_state WHERE account = $1",
                )
                .bind(account)
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
                let (owner, until) = match row {
                    Some(r) => (
                        r.try_get::<Option<String>, _>("lease_owner")
                            .map_err(db)?
                            .unwrap_or_default(),
                        parse_ts(r.try_get("lease_expires_at").map_err(db)?)?,
                    ),
                    None => (String::new(), None),
                };
                Ok(Lease::HeldBy { owner, until })
            }

            async fn take_over_lease(
                &self,
                account: &str,
                dead_owner: &str,
                worker: &str,
                ttl: Duration,
            ) -> SyncResult<bool> {
                take_over(&self.pool, account, dead_owner, worker, ttl).await
            }

            async fn release_lease(&self, account: &str, worker: &str) -> SyncResult<()> {
                sqlx::query(sql::RELEASE_LEASE)
                    .bind(account)
                    .bind(worker)
                    .execute(&self.pool)
                    .await
                    .map_err(db)?;
                Ok(())
            }

            async fn start_run(
                &self,
                account: &str,
                source: &str,
                worker: &str,
                started_at: DateTime<Utc>,
                window_from: Option<DateTime<Utc>>,
            ) -> SyncResult<i64> {
                let row = sqlx::query(sql::START_RUN)
                    .bind(account)
                    .bind(source)
                    .bind(worker)
                    .bind(ts(started_at))
                    .bind(window_from.map(ts))
                    .fetch_one(&self.pool)
                    .await
                    .map_err(db)?;
                row.try_get("run_id").map_err(db)
            }

            async fn open_sessions(&self, account: &str) -> SyncResult<Vec<OpenSession>> {
                let rows = sqlx::query(sql::OPEN_SESSIONS)
                    .bind(account)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db)?;
                rows.iter()
                    .map(|r| {
                        Ok(OpenSession {
                            source: r.try_get("source").map_err(db)?,
                            id: r.try_get("id").map_err(db)?,
                            started_at: parse_ts(r.try_get("started_at").map_err(db)?)?,
                        })
                    })
                    .collect()
            }

            fn sessions<'a>(
                &'a self,
                filter: &SessionFilter,
            ) -> BoxStream<'a, SyncResult<StoredSession>> {
                let filter = filter.clone();
                let from = filter.from.map(ts);
                let to = filter.to.map(ts);
                sqlx::query(sql::sessions_sql!($text))
                    .bind(from)
                    .bind(to)
                    .fetch(&self.pool)
                    .map(|r| r.map_err(db).and_then(|r| stored_of(&r)))
                    .filter(move |r| {
                        let keep = match r {
                            Ok(s) => filter.accepts(s),
                            Err(_) => true,
                        };
                        futures::future::ready(keep)
                    })
                    .boxed()
            }

            async fn revisions(
                &self,
                account: &str,
                source: &str,
                id: &str,
            ) -> SyncResult<Vec<RevisionInfo>> {
                let rows = sqlx::query(sql::REVISIONS)
                    .bind(account)
                    .bind(source)
                    .bind(id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db)?;
                rows.iter()
                    .map(|r| {
                        let fields: String = r.try_get("changed_fields").map_err(db)?;
                        Ok(RevisionInfo {
                            revision: r.try_get("revision").map_err(db)?,
                            kind: r.try_get("kind").map_err(db)?,
                            changed_fields: serde_json::from_str(&fields).unwrap_or_default(),
                            changed_at: req_ts(r.try_get("changed_at").map_err(db)?)?,
                        })
                    })
                    .collect()
            }

            async fn status(&self) -> SyncResult<Vec<AccountStatus>> {
                let states = sqlx::query(sql::ALL_STATES)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db)?;
                let counts = sqlx::query(sql::COUNTS)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db)?;
                let mut out = Vec::new();
                for r in &states {
                    let state = state_of(r)?;
                    let (mut sessions, mut open) = (0u64, 0u64);
                    for c in &counts {
                        let account: String = c.try_get("account").map_err(db)?;
                        if account == state.account {
                            sessions = u64::try_from(c.try_get::<i64, _>("sessions").map_err(db)?)
                                .unwrap_or(0);
                            open = u64::try_from(
                                c.try_get::<Option<i64>, _>("open")
                                    .map_err(db)?
                                    .unwrap_or(0),
                            )
                            .unwrap_or(0);
                        }
                    }
                    let last_run = self.runs(&state.account, 1).await?.into_iter().next();
                    out.push(AccountStatus {
                        state,
                        sessions,
                        open,
                        last_run,
                    });
                }
                Ok(out)
            }

            async fn exports(&self, kind: &str) -> SyncResult<Vec<ExportRecord>> {
                let text = sql::exports_sql($text);
                let rows = sqlx::query(&text)
                    .bind(kind)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db)?;
                rows.iter()
                    .map(|r| {
                        Ok(ExportRecord {
                            kind: r.try_get("kind").map_err(db)?,
                            account: r.try_get("account").map_err(db)?,
                            source: r.try_get("source").map_err(db)?,
                            id: r.try_get("id").map_err(db)?,
                            version: r.try_get("version").map_err(db)?,
                            content_hash: r.try_get("content_hash").map_err(db)?,
                            payload: r.try_get("payload").map_err(db)?,
                            exported_at: req_ts(r.try_get("exported_at").map_err(db)?)?,
                        })
                    })
                    .collect()
            }

            async fn record_exports(&self, records: &[ExportRecord]) -> SyncResult<()> {
                let text = sql::record_export_sql($json);
                let mut tx = self.pool.begin().await.map_err(db)?;
                for r in records {
                    sqlx::query(&text)
                        .bind(r.kind.as_str())
                        .bind(r.account.as_str())
                        .bind(r.source.as_str())
                        .bind(r.id.as_str())
                        .bind(r.version)
                        .bind(r.content_hash.as_str())
                        .bind(r.payload.as_str())
                        .bind(ts(r.exported_at))
                        .execute(&mut *tx)
                        .await
                        .map_err(db)?;
                }
                tx.commit().await.map_err(db)
            }

            async fn runs(&self, account: &str, limit: i64) -> SyncResult<Vec<RunLog>> {
                let rows = sqlx::query(sql::RUNS)
                    .bind(account)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db)?;
                rows.iter().map(run_of).collect()
            }
        }
    };
}
pub(crate) use shared_backend;
