//! `IntegrationStore` over either backend.
//!
//! Every query filters on `org_id` (the exceptions are in `rotation`). Writes
//! are single guarded statements rather than read-then-write transactions:
//! that is what makes the compare-and-swap safe, and on SQLite it avoids the
//! lock upgrade that fails with "database is locked" instead of waiting.

use std::collections::{BTreeSet, HashMap};

use async_trait::async_trait;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use diesel::sql_types::{BigInt, Bool, Text};
use patchbay_domain::audit::NewAuditEvent;
use patchbay_domain::ids::GroupId;
use patchbay_domain::{
    Integration, IntegrationId, IntegrationStore, ListQuery, OrgId, StoreError, TestResult,
    WriteOutcome,
};

use crate::audit::{WithAuditEvent, insert_event};
use crate::connection::{DbConnection, native};
use crate::convert::{
    changed_fields_json, decode_integration, decode_listed_integration, event_row,
    plain_config_json, seal_secrets,
};
use crate::crypto::Keyring;
use crate::error::{corrupt, db_error};
use crate::reads::{ReadAnswer, ReadId, ReadKey};
use crate::rows::{IntegrationChanges, IntegrationRow, NewIntegrationRow};
use crate::schema::{audit_events, integrations};
use crate::store::SqlStore;
use crate::time::to_db_time;

// Lookups on a unique key use `get_result`, not `first`: `first` binds a
// `LIMIT ?`, and SQLite re-prepares a statement whose LIMIT is re-bound, so
// every read paid a parse and plan (44% of a GET's CPU in the bench profile).
fn fetch_row(
    conn: &mut DbConnection,
    org: &str,
    id: &ReadId,
) -> Result<Option<IntegrationRow>, StoreError> {
    let by_org = integrations::table.filter(integrations::org_id.eq(org));
    match id {
        ReadId::Id(id) => native!(conn, |c| by_org
            .filter(integrations::id.eq(id))
            .select(IntegrationRow::as_select())
            .get_result(c)
            .optional()),
        ReadId::Seq(seq) => native!(conn, |c| by_org
            .filter(integrations::seq.eq(seq))
            .select(IntegrationRow::as_select())
            .get_result(c)
            .optional()),
    }
    .map_err(db_error("integration"))
}

/// Answer a batch of point reads, in order. A query error fails the batch;
/// a row that does not decode fails only its own reads.
fn load_batch(
    conn: &mut DbConnection,
    keyring: &Keyring,
    keys: &[ReadKey],
) -> Result<Vec<ReadAnswer>, StoreError> {
    // SQLite answers a cached point lookup in microseconds, and `IN (...)`
    // with a varying count of binds would be parsed anew every time; on
    // Postgres one `= ANY($1)` saves a round trip per read.
    if keys.len() == 1 || matches!(conn, DbConnection::Sqlite(_)) {
        let mut answers = Vec::with_capacity(keys.len());
        for (org, id) in keys {
            let row = fetch_row(conn, org, id)?;
            answers.push(row.map(|row| decode_integration(row, keyring)).transpose());
        }
        return Ok(answers);
    }
    let (mut ids, mut seqs) = (Vec::new(), Vec::new());
    for (_, id) in keys {
        match id {
            ReadId::Id(id) => ids.push(id.as_str()),
            ReadId::Seq(seq) => seqs.push(*seq),
        }
    }
    let mut found: HashMap<ReadId, (String, ReadAnswer)> = HashMap::new();
    let mut keep = |row: IntegrationRow, id: ReadId| {
        let org = row.org_id.clone();
        found.insert(id, (org, decode_integration(row, keyring).map(Some)));
    };
    if !ids.is_empty() {
        let rows: Vec<IntegrationRow> = native!(conn, |c| integrations::table
            .filter(integrations::id.eq_any(&ids))
            .select(IntegrationRow::as_select())
            .load(c))
        .map_err(db_error("integration"))?;
        for row in rows {
            let id = ReadId::Id(row.id.clone());
            keep(row, id);
        }
    }
    if !seqs.is_empty() {
        let rows: Vec<IntegrationRow> = native!(conn, |c| integrations::table
            .filter(integrations::seq.eq_any(&seqs))
            .select(IntegrationRow::as_select())
            .load(c))
        .map_err(db_error("integration"))?;
        for row in rows {
            let id = ReadId::Seq(row.seq);
            keep(row, id);
        }
    }
    Ok(keys
        .iter()
        .enumerate()
        .map(|(i, (org, id))| {
            // Ids and seqs are unique across organizations; the pair check
            // keeps a row from ever answering for another organization.
            let asked_again = keys[i + 1..].iter().any(|(_, later)| later == id);
            let hit = if asked_again {
                found.get(id).cloned()
            } else {
                found.remove(id)
            };
            match hit {
                Some((row_org, answer)) if &row_org == org => answer,
                _ => Ok(None),
            }
        })
        .collect())
}

/// Where a list cursor (the last id of the previous page) stands in creation
/// order: the `seq` of its row. A row deleted since the page was read has
/// none; the page then continues after the newest row whose id sorts before
/// the cursor's (ids grow with creation time).
fn cursor_position(
    conn: &mut DbConnection,
    org: &str,
    after: &IntegrationId,
) -> Result<i64, StoreError> {
    let by_org = integrations::table.filter(integrations::org_id.eq(org));
    let seq = by_org
        .filter(integrations::id.eq(after.as_str()))
        .select(integrations::seq)
        .get_result::<i64>(conn)
        .optional()
        .map_err(db_error("integration"))?;
    if let Some(seq) = seq {
        return Ok(seq);
    }
    by_org
        .filter(integrations::id.lt(after.as_str()))
        .select(diesel::dsl::max(integrations::seq))
        .get_result::<Option<i64>>(conn)
        .map(|seq| seq.unwrap_or(0))
        .map_err(db_error("integration"))
}

/// After a guarded write matched nothing: was the row missing, or at another
/// version?
fn missing_or_stale<T>(
    conn: &mut DbConnection,
    org: &str,
    id: &str,
) -> Result<WriteOutcome<T>, StoreError> {
    let exists = integrations::table
        .filter(integrations::org_id.eq(org))
        .filter(integrations::id.eq(id))
        .select(integrations::seq)
        .first::<i64>(conn)
        .optional()
        .map_err(db_error("integration"))?
        .is_some();
    Ok(if exists {
        WriteOutcome::VersionMismatch
    } else {
        WriteOutcome::NotFound
    })
}

impl SqlStore {
    async fn insert_with(
        &self,
        integration: &Integration,
        event: Option<NewAuditEvent>,
    ) -> Result<Integration, StoreError> {
        let integration = integration.clone();
        self.run(move |conn, keyring| {
            let seq = insert_row(conn, keyring, &integration, event.as_ref())?;
            Ok(Integration { seq, ..integration })
        })
        .await
    }

    /// One integration through the read queue (see `reads.rs`).
    async fn read(&self, org: &OrgId, id: ReadId) -> Result<Option<Integration>, StoreError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        if self.reads.push((org.as_str().to_owned(), id), reply) {
            let store = self.clone();
            tokio::spawn(async move {
                let reads = store.reads.clone();
                reads
                    .run(|keys| {
                        store.run_reads(move |conn, keyring| load_batch(conn, keyring, &keys))
                    })
                    .await;
            });
        }
        answer
            .await
            .unwrap_or_else(|_| Err(StoreError::Other("the read was abandoned".into())))
    }
}

/// Insert an integration, and its audit event in the same transaction when
/// given; returns the assigned `seq`.
fn insert_row(
    conn: &mut DbConnection,
    keyring: &Keyring,
    it: &Integration,
    event: Option<&NewAuditEvent>,
) -> Result<i64, StoreError> {
    // Sealing and serialising before the transaction keeps it short.
    let secrets = seal_secrets(keyring, &it.org_id, &it.id, &it.config)?;
    let config = plain_config_json(&it.config)?;
    let fields = event.map(changed_fields_json).transpose()?;
    let test = it.last_test.as_ref();
    let row = NewIntegrationRow {
        id: it.id.as_str(),
        org_id: it.org_id.as_str(),
        name: &it.name,
        type_slug: it.kind.slug(),
        environment: it.environment.as_str(),
        status: it.status.as_str(),
        is_managed: it.is_managed,
        config: &config,
        secrets: secrets.as_deref(),
        key_id: secrets.as_ref().map(|_| keyring.active_key_id()),
        last_test_success: test.map(|t| t.success),
        last_test_message: test.map(|t| t.message.as_str()),
        last_test_latency_ms: test.map(|t| t.latency_ms),
        last_test_at: test.map(|t| to_db_time(t.tested_at)),
        version: it.version,
        created_at: to_db_time(it.created_at),
        updated_at: to_db_time(it.updated_at),
        managed_key: it.managed_key.as_deref(),
    };
    if let (Some(event), Some(fields), DbConnection::Pg(pg)) = (event, &fields, &mut *conn) {
        return WithAuditEvent {
            write: diesel::insert_into(integrations::table)
                .values(&row)
                .returning(integrations::seq),
            event: diesel::insert_into(audit_events::table).values(event_row(event, fields)),
        }
        .get_result::<i64>(pg)
        .map_err(db_error("integration"));
    }
    let insert = |conn: &mut DbConnection| {
        native!(conn, |c| diesel::insert_into(integrations::table)
            .values(&row)
            .returning(integrations::seq)
            .get_result::<i64>(c))
    };
    match (event, &fields) {
        (Some(event), Some(fields)) => conn.transaction::<_, DieselError, _>(|conn| {
            let seq = insert(conn)?;
            insert_event(conn, event, fields)?;
            Ok(seq)
        }),
        _ => insert(conn),
    }
    .map_err(db_error("integration"))
}

/// Record a test result (and its audit event in the same transaction when
/// given). Neither version nor updated_at: a test changes no configuration,
/// so it must not invalidate a client's ETag.
fn write_test(
    conn: &mut DbConnection,
    org: &OrgId,
    id: &IntegrationId,
    result: &TestResult,
    event: Option<&NewAuditEvent>,
) -> Result<bool, StoreError> {
    let fields = event.map(changed_fields_json).transpose()?;
    let update = |conn: &mut DbConnection| {
        diesel::update(
            integrations::table
                .filter(integrations::org_id.eq(org.as_str()))
                .filter(integrations::id.eq(id.as_str())),
        )
        .set((
            integrations::last_test_success.eq(Some(result.success)),
            integrations::last_test_message.eq(Some(&result.message)),
            integrations::last_test_latency_ms.eq(Some(result.latency_ms)),
            integrations::last_test_at.eq(Some(to_db_time(result.tested_at))),
        ))
        .execute(conn)
    };
    match (event, &fields) {
        (Some(event), Some(fields)) => conn.transaction::<_, DieselError, _>(|conn| {
            // The update first: on SQLite it takes the write lock up front.
            let n = update(conn)?;
            if n > 0 {
                insert_event(conn, event, fields)?;
            }
            Ok(n)
        }),
        _ => update(conn),
    }
    .map(|n| n > 0)
    .map_err(db_error("integration"))
}

#[async_trait]
impl IntegrationStore for SqlStore {
    async fn ping(&self) -> Result<(), StoreError> {
        self.run(|conn, _| {
            diesel::sql_query("SELECT 1")
                .execute(conn)
                .map(drop)
                .map_err(db_error("row"))
        })
        .await
    }

    async fn insert(&self, integration: &Integration) -> Result<Integration, StoreError> {
        self.insert_with(integration, None).await
    }

    async fn insert_audited(
        &self,
        integration: &Integration,
        event: &NewAuditEvent,
    ) -> Result<Integration, StoreError> {
        self.insert_with(integration, Some(event.clone())).await
    }

    async fn get(
        &self,
        org: &OrgId,
        id: &IntegrationId,
    ) -> Result<Option<Integration>, StoreError> {
        self.read(org, ReadId::Id(id.as_str().to_owned())).await
    }

    async fn get_many(
        &self,
        ids: &[(OrgId, IntegrationId)],
    ) -> Result<Vec<Integration>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        // The same batched lookup as the read queue's, asked once per pair.
        let keys: Vec<ReadKey> = ids
            .iter()
            .map(|(o, i)| (o.to_string(), ReadId::Id(i.to_string())))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let answers = self
            .run(move |conn, keyring| load_batch(conn, keyring, &keys))
            .await?;
        answers.into_iter().filter_map(Result::transpose).collect()
    }

    async fn get_by_seq(&self, org: &OrgId, seq: i64) -> Result<Option<Integration>, StoreError> {
        self.read(org, ReadId::Seq(seq)).await
    }

    async fn list(&self, org: &OrgId, query: &ListQuery) -> Result<Vec<Integration>, StoreError> {
        if query.limit == 0 {
            return Ok(Vec::new());
        }
        let org = org.as_str().to_owned();
        let query = query.clone();
        self.run(move |conn, _| {
            let after_seq = match &query.after {
                Some(after) => Some(cursor_position(conn, &org, after)?),
                None => None,
            };
            let mut select = integrations::table
                .filter(integrations::org_id.eq(&org))
                .select(IntegrationRow::as_select())
                .order(integrations::seq.asc())
                .limit(i64::from(query.limit))
                .into_boxed();
            // The position as a row value over the (org, [type,] seq) index:
            // with `org_id = $1` alone, Postgres may walk the primary key
            // (seq) and filter out every other organization's earlier rows,
            // which at a million rows behind them took 200 ms a page.
            let after = after_seq.unwrap_or(0);
            match query.kind {
                Some(kind) => {
                    select = select
                        .filter(integrations::type_slug.eq(kind.slug()))
                        .filter(
                            sql::<Bool>("(org_id, type_slug, seq) > (")
                                .bind::<Text, _>(org.clone())
                                .sql(", ")
                                .bind::<Text, _>(kind.slug())
                                .sql(", ")
                                .bind::<BigInt, _>(after)
                                .sql(")"),
                        );
                }
                None => {
                    select = select.filter(
                        sql::<Bool>("(org_id, seq) > (")
                            .bind::<Text, _>(org.clone())
                            .sql(", ")
                            .bind::<BigInt, _>(after)
                            .sql(")"),
                    );
                }
            }
            if let Some(status) = query.status {
                select = select.filter(integrations::status.eq(status.as_str()));
            }
            if let Some(environment) = query.environment {
                select = select.filter(integrations::environment.eq(environment.as_str()));
            }
            select
                .load(conn)
                .map_err(db_error("integration"))?
                .into_iter()
                .map(decode_listed_integration)
                .collect()
        })
        .await
    }

    async fn update(
        &self,
        integration: &Integration,
        expected_version: i64,
    ) -> Result<WriteOutcome<Integration>, StoreError> {
        let integration = integration.clone();
        self.run(move |conn, keyring| {
            let it = &integration;
            // Always re-sealed, even when the secrets did not change: the
            // update is a free chance to move the row to the active key, and
            // comparing would need a read and a decrypt first.
            let secrets = seal_secrets(keyring, &it.org_id, &it.id, &it.config)?;
            let config = plain_config_json(&it.config)?;
            let changes = IntegrationChanges {
                name: &it.name,
                environment: it.environment.as_str(),
                status: it.status.as_str(),
                config: &config,
                secrets: secrets.as_deref(),
                key_id: secrets.as_ref().map(|_| keyring.active_key_id()),
                version: expected_version + 1,
                updated_at: to_db_time(it.updated_at),
            };
            let updated = diesel::update(
                integrations::table
                    .filter(integrations::org_id.eq(it.org_id.as_str()))
                    .filter(integrations::id.eq(it.id.as_str()))
                    .filter(integrations::version.eq(expected_version)),
            )
            .set(&changes)
            // All columns rather than `as_returning()`: a `SelectBy` is tied
            // to one backend, which the multi-connection's RETURNING cannot
            // render. The row struct lists the columns in table order.
            .returning(integrations::all_columns)
            .get_result::<IntegrationRow>(conn)
            .optional()
            .map_err(db_error("integration"))?;
            match updated {
                Some(row) => decode_integration(row, keyring).map(WriteOutcome::Done),
                None => missing_or_stale(conn, it.org_id.as_str(), it.id.as_str()),
            }
        })
        .await
    }

    async fn delete(
        &self,
        org: &OrgId,
        id: &IntegrationId,
        expected_version: Option<i64>,
    ) -> Result<WriteOutcome<()>, StoreError> {
        let (org, id) = (org.as_str().to_owned(), id.as_str().to_owned());
        self.run(move |conn, _| {
            let target = integrations::table
                .filter(integrations::org_id.eq(&org))
                .filter(integrations::id.eq(&id));
            let deleted = match expected_version {
                Some(version) => {
                    diesel::delete(target.filter(integrations::version.eq(version))).execute(conn)
                }
                None => diesel::delete(target).execute(conn),
            }
            .map_err(db_error("integration"))?;
            if deleted > 0 {
                Ok(WriteOutcome::Done(()))
            } else {
                missing_or_stale(conn, &org, &id)
            }
        })
        .await
    }

    async fn groups_using(
        &self,
        org: &OrgId,
        id: &IntegrationId,
    ) -> Result<Vec<(GroupId, String)>, StoreError> {
        self.groups_listing(org, id).await
    }

    async fn record_test(
        &self,
        org: &OrgId,
        id: &IntegrationId,
        result: &TestResult,
    ) -> Result<bool, StoreError> {
        let (org, id, result) = (org.clone(), id.clone(), result.clone());
        self.run(move |conn, _| write_test(conn, &org, &id, &result, None))
            .await
    }

    async fn record_test_audited(
        &self,
        org: &OrgId,
        id: &IntegrationId,
        result: &TestResult,
        event: &NewAuditEvent,
    ) -> Result<bool, StoreError> {
        let (org, id, result, event) = (org.clone(), id.clone(), result.clone(), event.clone());
        self.run(move |conn, _| write_test(conn, &org, &id, &result, Some(&event)))
            .await
    }

    async fn list_managed(&self, org: &OrgId) -> Result<Vec<Integration>, StoreError> {
        let org = org.as_str().to_owned();
        self.run(move |conn, keyring| {
            integrations::table
                .filter(integrations::org_id.eq(&org))
                .filter(integrations::managed_key.is_not_null())
                .order(integrations::id.asc())
                .select(IntegrationRow::as_select())
                .load(conn)
                .map_err(db_error("integration"))?
                .into_iter()
                .map(|row| decode_integration(row, keyring))
                .collect()
        })
        .await
    }

    async fn orgs_with_managed(&self) -> Result<Vec<OrgId>, StoreError> {
        self.run(|conn, _| {
            integrations::table
                .filter(integrations::managed_key.is_not_null())
                .select(integrations::org_id)
                .distinct()
                .order(integrations::org_id.asc())
                .load::<String>(conn)
                .map_err(db_error("integration"))?
                .into_iter()
                .map(|id| id.parse().map_err(|_| corrupt("organization", &id)))
                .collect()
        })
        .await
    }
}
