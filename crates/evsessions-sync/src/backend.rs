//! What both backends share: reading rows and the [`StoreTx`] and [`SessionStore`]
//! implementations, written once. A backend module supplies its pool, row and transaction types,
//! how it encodes a time (`ts`, `parse_ts`, `req_ts`) and a decimal (`dec`), `db` (its error
//! mapping), the JSON casts of its SQL, and the four operations whose SQL differs (`begin`,
//! and the lease's `acquire`, `renew` and `take_over`: PostgreSQL uses the database's clock).

/// Implement the store for `$store` (pool field `pool`), rows `$row`, a `Tx` holding `tx`.
/// `$json` is appended to JSON parameters, `$text` to JSON columns read as text; `$ids` is
/// the test that a column is one of the elements of `$3`, a JSON array of ids; `$numbered`
/// whether long multi-row statements number their parameters (`$1`) or not (`?`);
/// `$replacing` the query of [`StoreTx::replacing`] (`$3`: a JSON array of ids).
macro_rules! shared_backend {
    ($store:ident, $row:ty, $json:literal, $text:literal, $ids:literal, $numbered:literal, $replacing:expr) => {
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

        /// Fill schema 5's `doc` and `has_amounts` of every row from schema 4's `record` and
        /// `raw`, in key order, a thousand rows at a time, inside `tx`: the document is the
        /// JSON that `export` wrote from those two columns, so exports stay the same.
        async fn convert_documents(tx: &mut Tx) -> SyncResult<u64> {
            const FIRST: &str = concat!(
                "SELECT account, source, id, record",
                $text,
                " AS record, raw",
                $text,
                " AS raw FROM sessions ORDER BY account, source, id LIMIT 1000"
            );
            const NEXT: &str = concat!(
                "SELECT account, source, id, record",
                $text,
                " AS record, raw",
                $text,
                " AS raw FROM sessions WHERE (account, source, id) > ($1, $2, $3) ",
                "ORDER BY account, source, id LIMIT 1000"
            );
            let mut codec = crate::doc::Codec::new();
            let mut dictionaries: std::collections::HashMap<String, u32> =
                std::collections::HashMap::new();
            for (id, source, dict) in tx.dictionaries().await? {
                let id = dict_id(id)?;
                codec.add_dictionary(id, dict);
                dictionaries.entry(source).or_insert(id);
            }
            let mut after: Option<(String, String, String)> = None;
            let mut converted = 0u64;
            loop {
                let rows = match &after {
                    None => sqlx::query(FIRST).fetch_all(&mut *tx.tx).await,
                    Some((a, s, i)) => {
                        sqlx::query(NEXT)
                            .bind(a)
                            .bind(s)
                            .bind(i)
                            .fetch_all(&mut *tx.tx)
                            .await
                    }
                }
                .map_err(db)?;
                let Some(last) = rows.last() else { break };
                after = Some((
                    last.try_get("account").map_err(db)?,
                    last.try_get("source").map_err(db)?,
                    last.try_get("id").map_err(db)?,
                ));
                let mut chunk = Vec::with_capacity(rows.len());
                for r in &rows {
                    let record: &str = r.try_get("record").map_err(db)?;
                    let raw: &str = r.try_get("raw").map_err(db)?;
                    let session = RecordParts::join(record, raw)?;
                    let json = crate::doc::json_of(&session)?;
                    chunk.push((r, session, json));
                }
                // A dictionary per vendor, trained from its first rows, as a sync does.
                for (_, session, _) in &chunk {
                    let source = session.source.as_str();
                    if dictionaries.contains_key(source) {
                        continue;
                    }
                    let samples: Vec<&[u8]> = chunk
                        .iter()
                        .filter(|(_, s, _)| s.source.as_str() == source)
                        .map(|(_, _, j)| j.as_slice())
                        .collect();
                    let id = match crate::doc::train(&samples) {
                        Some((id, dict)) => {
                            tx.add_dictionary(i64::from(id), source, &dict).await?;
                            codec.add_dictionary(id, dict);
                            id
                        }
                        None => 0,
                    };
                    dictionaries.insert(source.to_string(), id);
                }
                for (r, session, json) in &chunk {
                    let account: &str = r.try_get("account").map_err(db)?;
                    let source: &str = r.try_get("source").map_err(db)?;
                    let id: &str = r.try_get("id").map_err(db)?;
                    codec.pack_with(
                        dictionaries
                            .get(session.source.as_str())
                            .copied()
                            .unwrap_or(0),
                    )?;
                    let doc = codec.compress(json)?;
                    let has_amounts = crate::sql::Columns::of(session).has_amounts;
                    sqlx::query(
                        "UPDATE sessions SET doc = $4, has_amounts = $5 \
                         WHERE account = $1 AND source = $2 AND id = $3",
                    )
                    .bind(account)
                    .bind(source)
                    .bind(id)
                    .bind(doc.as_slice())
                    .bind(i64::from(has_amounts))
                    .execute(&mut *tx.tx)
                    .await
                    .map_err(db)?;
                    converted += 1;
                }
            }
            Ok(converted)
        }

        /// The rows of `rows` that pass `filter`, decoded. The store's dictionaries are read
        /// once the query has started (so every dictionary its rows name is visible), and
        /// again should a row name one they do not hold (committed by a sync meanwhile).
        fn decoded<'a, T: Send + 'a>(
            pool: &'a sqlx::Pool<<$row as sqlx::Row>::Database>,
            rows: BoxStream<'a, Result<$row, sqlx::Error>>,
            filter: SessionFilter,
            decode: fn(&$row, &mut crate::doc::Codec) -> SyncResult<T>,
        ) -> BoxStream<'a, SyncResult<T>> {
            let state = (rows, None::<crate::doc::Codec>, filter);
            futures::stream::unfold(state, move |(mut rows, mut codec, filter)| async move {
                loop {
                    let r = match rows.next().await? {
                        Ok(r) => r,
                        Err(e) => return Some((Err(db(e)), (rows, codec, filter))),
                    };
                    match row_passes(&r, &filter) {
                        Ok(true) => {}
                        Ok(false) => continue,
                        Err(e) => return Some((Err(e), (rows, codec, filter))),
                    }
                    let doc: Option<&[u8]> = r.try_get("doc").unwrap_or(None);
                    let known = match (&codec, doc) {
                        (None, _) => false,
                        (Some(c), Some(d)) => c.knows(d),
                        (Some(_), None) => true,
                    };
                    if !known {
                        match load_codec(pool).await {
                            Ok(c) => codec = Some(c),
                            Err(e) => return Some((Err(e), (rows, codec, filter))),
                        }
                    }
                    let item = match codec.as_mut() {
                        Some(c) => decode(&r, c),
                        None => continue,
                    };
                    return Some((item, (rows, codec, filter)));
                }
            })
            .boxed()
        }

        fn document_of(r: &$row, codec: &mut crate::doc::Codec) -> SyncResult<StoredDocument> {
            let doc: &[u8] = r.try_get("doc").map_err(db)?;
            Ok(StoredDocument {
                account: r.try_get("account").map_err(db)?,
                json: codec.unpack(doc)?,
            })
        }

        /// Run the migrations, then schema 5's second half.
        async fn migrate(pool: &sqlx::Pool<<$row as sqlx::Row>::Database>) -> SyncResult<()> {
            MIGRATOR.run(pool).await.map_err(|e| SyncError::Migrate {
                backend: BACKEND,
                message: e.to_string(),
            })?;
            finish_schema_5(pool).await
        }

        /// Is a store's schema this version's: no migration pending, nothing to convert?
        async fn schema_is_current(
            pool: &sqlx::Pool<<$row as sqlx::Row>::Database>,
        ) -> Result<bool, sqlx::Error> {
            let applied: i64 = sqlx::query_scalar(
                "SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success",
            )
            .fetch_one(pool)
            .await?;
            let latest = MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0);
            let legacy: i64 = sqlx::query_scalar(LEGACY_COLUMNS).fetch_one(pool).await?;
            Ok(applied >= latest && legacy == 0)
        }

        /// A stored dictionary id as zstd's.
        fn dict_id(id: i64) -> SyncResult<u32> {
            u32::try_from(id).map_err(|_| SyncError::Data {
                message: format!("stored dictionary id {id} is not a zstd dictionary id"),
            })
        }

        /// A codec that knows the store's dictionaries (read once per stream).
        async fn load_codec<'e, E>(executor: E) -> SyncResult<crate::doc::Codec>
        where
            E: sqlx::Executor<'e, Database = <$row as sqlx::Row>::Database>,
        {
            let rows = sqlx::query(sql::DICTIONARIES)
                .fetch_all(executor)
                .await
                .map_err(db)?;
            let mut codec = crate::doc::Codec::new();
            for r in &rows {
                let id: i64 = r.try_get("id").map_err(db)?;
                codec.add_dictionary(dict_id(id)?, r.try_get("dict").map_err(db)?);
            }
            Ok(codec)
        }

        /// The columns [`SessionFilter::accepts_row`] tests; `None` when the row fails it.
        fn row_passes(r: &$row, filter: &SessionFilter) -> SyncResult<bool> {
            let account: &str = r.try_get("account").map_err(db)?;
            let source: &str = r.try_get("source").map_err(db)?;
            let status: &str = r.try_get("status").map_err(db)?;
            let superseded: Option<&str> = r.try_get("superseded_by").map_err(db)?;
            let started_at = parse_ts(r.try_get("started_at").map_err(db)?)?;
            Ok(filter.accepts_row(
                account,
                source,
                crate::engine::parse_status(status),
                started_at,
                superseded.is_some(),
            ))
        }

        fn stored_of(r: &$row, codec: &mut crate::doc::Codec) -> SyncResult<StoredSession> {
            let doc: &[u8] = r.try_get("doc").map_err(db)?;
            Ok(StoredSession {
                account: r.try_get("account").map_err(db)?,
                session: codec.session(doc)?,
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

        /// A session from the queryable columns (see [`SessionStore::session_columns`]).
        fn columns_of(
            r: &$row,
            codec: &mut crate::doc::Codec,
        ) -> SyncResult<(String, evsessions_core::ChargingSession)> {
            use evsessions_core::ChargingSession;
            use evsessions_core::{Authorization, Cost, Site, SourceKind};
            let account: String = r.try_get("account").map_err(db)?;
            let doc: Option<&[u8]> = r.try_get("doc").map_err(db)?;
            if let Some(doc) = doc {
                return Ok((account, codec.session(doc)?));
            }
            let text = |c: &str| -> SyncResult<Option<String>> { r.try_get(c).map_err(db) };
            let source: String = r.try_get("source").map_err(db)?;
            let id: String = r.try_get("id").map_err(db)?;
            let status: &str = r.try_get("status").map_err(db)?;
            let mut s = ChargingSession::new(SourceKind::new(source), id, serde_json::Value::Null);
            s.status = crate::engine::parse_status(status);
            s.vendor_status = text("vendor_status")?;
            s.started_at = parse_ts(r.try_get("started_at").map_err(db)?)?;
            s.ended_at = parse_ts(r.try_get("ended_at").map_err(db)?)?;
            s.energy_kwh = parse_dec(r.try_get("energy_kwh").map_err(db)?)?;
            s.charger.id = text("charger_id")?;
            s.charger.name = text("charger_name")?;
            s.charger.connector_id = text("connector_id")?;
            s.charger.evse_id = text("evse_id")?;
            let (site_id, site_name) = (text("site_id")?, text("site_name")?);
            if site_id.is_some() || site_name.is_some() {
                let mut site = Site::default();
                site.id = site_id;
                site.name = site_name;
                s.site = Some(site);
            }
            let (tag, user, name) = (text("id_tag")?, text("user_id")?, text("user_name")?);
            if tag.is_some() || user.is_some() || name.is_some() {
                let mut auth = Authorization::new(Default::default());
                auth.id_tag = tag;
                auth.user_id = user;
                auth.user_name = name;
                s.authorization = Some(auth);
            }
            let currency = text("currency")?;
            let excl = parse_dec(r.try_get("total_excl_vat").map_err(db)?)?;
            let incl = parse_dec(r.try_get("total_incl_vat").map_err(db)?)?;
            let vat = parse_dec(r.try_get("vat_amount").map_err(db)?)?;
            if currency.is_some() || excl.is_some() || incl.is_some() || vat.is_some() {
                let mut cost = Cost::new(currency);
                cost.total_excl_vat = excl;
                cost.total_incl_vat = incl;
                cost.vat_amount = vat;
                s.cost = Some(cost);
            }
            Ok((account, s))
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

            async fn existing(
                &mut self,
                account: &str,
                source: &str,
                ids: &[&str],
            ) -> SyncResult<Vec<ExistingRow>> {
                if ids.is_empty() {
                    return Ok(Vec::new());
                }
                let list = serde_json::Value::from(ids.to_vec()).to_string();
                let rows = sqlx::query(&sql::existing_sql($ids))
                    .bind(account)
                    .bind(source)
                    .bind(list)
                    .fetch_all(&mut *self.tx)
                    .await
                    .map_err(db)?;
                rows.iter()
                    .map(|r| {
                        let status: &str = r.try_get("status").map_err(db)?;
                        Ok(ExistingRow {
                            id: r.try_get("id").map_err(db)?,
                            revision: r.try_get("revision").map_err(db)?,
                            content_hash: r.try_get("content_hash").map_err(db)?,
                            status: crate::engine::parse_status(status),
                            first_seen_at: req_ts(r.try_get("first_seen_at").map_err(db)?)?,
                            superseded_by: r.try_get("superseded_by").map_err(db)?,
                            superseded_at: parse_ts(r.try_get("superseded_at").map_err(db)?)?,
                            replaces: r.try_get("replaces").map_err(db)?,
                            missed_runs: r.try_get("missed_runs").map_err(db)?,
                            missing_since: parse_ts(r.try_get("missing_since").map_err(db)?)?,
                        })
                    })
                    .collect()
            }

            async fn replacing(
                &mut self,
                account: &str,
                source: &str,
                ids: &[&str],
            ) -> SyncResult<Vec<(String, String)>> {
                if ids.is_empty() {
                    return Ok(Vec::new());
                }
                let list = serde_json::Value::from(ids.to_vec()).to_string();
                let rows = sqlx::query(&$replacing)
                    .bind(account)
                    .bind(source)
                    .bind(list)
                    .fetch_all(&mut *self.tx)
                    .await
                    .map_err(db)?;
                rows.iter()
                    .map(|r| {
                        Ok((
                            r.try_get("replaces").map_err(db)?,
                            r.try_get("id").map_err(db)?,
                        ))
                    })
                    .collect()
            }

            async fn dictionaries(&mut self) -> SyncResult<Vec<(i64, String, Vec<u8>)>> {
                let rows = sqlx::query(sql::DICTIONARIES)
                    .fetch_all(&mut *self.tx)
                    .await
                    .map_err(db)?;
                rows.iter()
                    .map(|r| {
                        Ok((
                            r.try_get("id").map_err(db)?,
                            r.try_get("source").map_err(db)?,
                            r.try_get("dict").map_err(db)?,
                        ))
                    })
                    .collect()
            }

            async fn add_dictionary(
                &mut self,
                id: i64,
                source: &str,
                dict: &[u8],
            ) -> SyncResult<()> {
                sqlx::query(sql::ADD_DICTIONARY)
                    .bind(id)
                    .bind(source)
                    .bind(dict)
                    .execute(&mut *self.tx)
                    .await
                    .map_err(db)?;
                Ok(())
            }

            async fn stored_parts(
                &mut self,
                account: &str,
                source: &str,
                id: &str,
            ) -> SyncResult<Option<RecordParts>> {
                let row = sqlx::query(sql::STORED_DOC)
                    .bind(account)
                    .bind(source)
                    .bind(id)
                    .fetch_optional(&mut *self.tx)
                    .await
                    .map_err(db)?;
                let Some(r) = row else { return Ok(None) };
                let doc: &[u8] = r.try_get("doc").map_err(db)?;
                let mut codec = crate::doc::Codec::new();
                for (id, _, dict) in self.dictionaries().await? {
                    codec.add_dictionary(dict_id(id)?, dict);
                }
                let session = codec.session(doc)?;
                RecordParts::of(&session).map(Some)
            }

            async fn upsert_sessions(&mut self, rows: &[RowWrite<'_>]) -> SyncResult<()> {
                for chunk in rows.chunks(sql::UPSERT_ROWS) {
                    let text = sql::upsert_sql(chunk.len(), $numbered);
                    let mut q = sqlx::query(&text);
                    for row in chunk {
                        q = bind_row!(q, row, ts, dec);
                    }
                    q.execute(&mut *self.tx).await.map_err(db)?;
                }
                Ok(())
            }

            async fn update_marks(&mut self, marks: &[MarkWrite<'_>]) -> SyncResult<()> {
                for m in marks {
                    bind_marks!(sqlx::query(sql::UPDATE_MARKS), m, ts)
                        .execute(&mut *self.tx)
                        .await
                        .map_err(db)?;
                }
                Ok(())
            }

            async fn add_revisions(&mut self, revs: &[Revision<'_>]) -> SyncResult<()> {
                for chunk in revs.chunks(sql::REVISION_ROWS) {
                    let text = sql::revisions_sql(chunk.len(), $numbered, $json);
                    let mut q = sqlx::query(&text);
                    for rev in chunk {
                        q = bind_revision!(q, rev, ts);
                    }
                    q.execute(&mut *self.tx).await.map_err(db)?;
                }
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
                let mut open = rows
                    .iter()
                    .map(|r| {
                        Ok(OpenSession {
                            source: r.try_get("source").map_err(db)?,
                            id: r.try_get("id").map_err(db)?,
                            started_at: parse_ts(r.try_get("started_at").map_err(db)?)?,
                        })
                    })
                    .collect::<SyncResult<Vec<_>>>()?;
                open.sort_by(|a, b| a.started_at.cmp(&b.started_at));
                Ok(open)
            }

            fn sessions<'a>(
                &'a self,
                filter: &SessionFilter,
            ) -> BoxStream<'a, SyncResult<StoredSession>> {
                let filter = filter.clone();
                let from = filter.from.map(ts);
                let to = filter.to.map(ts);
                let rows = sqlx::query(sql::SESSIONS)
                    .bind(from)
                    .bind(to)
                    .fetch(&self.pool);
                decoded(&self.pool, rows, filter, stored_of)
            }

            fn documents<'a>(
                &'a self,
                filter: &SessionFilter,
            ) -> BoxStream<'a, SyncResult<StoredDocument>> {
                let filter = filter.clone();
                let from = filter.from.map(ts);
                let to = filter.to.map(ts);
                let rows = sqlx::query(sql::DOCUMENTS)
                    .bind(from)
                    .bind(to)
                    .fetch(&self.pool);
                decoded(&self.pool, rows, filter, document_of)
            }

            fn session_columns<'a>(
                &'a self,
                filter: &SessionFilter,
            ) -> BoxStream<'a, SyncResult<(String, evsessions_core::ChargingSession)>> {
                let filter = filter.clone();
                let from = filter.from.map(ts);
                let to = filter.to.map(ts);
                let rows = sqlx::query(sql::SESSION_COLUMNS_READ)
                    .bind(from)
                    .bind(to)
                    .fetch(&self.pool);
                decoded(&self.pool, rows, filter, columns_of)
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
