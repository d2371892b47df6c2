//! `IntegrationStore` and `TenantStore` over either backend.
//!
//! Every integration query filters on `org_id` (rotation and the key check
//! are the exceptions: they never return rows to a caller). Writes are single
//! guarded statements rather than read-then-write transactions: that is what
//! makes the compare-and-swap safe, and on SQLite it avoids the lock upgrade
//! that fails with "database is locked" instead of waiting.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use patchbay_domain::audit::NewAuditEvent;
use patchbay_domain::auth::{ApiKeyRecord, Organization, Scopes};
use patchbay_domain::catalogue::IntegrationType;
use patchbay_domain::health::{Health, HealthState};
use patchbay_domain::{
    ApiKeyId, Config, Environment, Integration, IntegrationId, IntegrationStore, ListQuery, OrgId,
    Status, StoreError, TenantStore, TestResult, WriteOutcome,
};
use serde_json::{Map, Value};
use zeroize::Zeroizing;

use crate::audit::{WithAuditEvent, changed_fields_json, event_row, insert_event};
use crate::backend::Backend;
use crate::connection::{DbConnection, native};
use crate::crypto::{Keyring, integration_context};
use crate::db::Database;
use crate::error::{corrupt, db_error};
use crate::reads::{ReadAnswer, ReadId, ReadKey, ReadQueue};
use crate::schema::{api_keys, audit_events, integrations, organizations};
use crate::time::{from_db_time, to_db_time};

/// The SQL store: a connection pool and the keyring that seals secrets.
#[derive(Clone)]
pub struct SqlStore {
    db: Database,
    keyring: Arc<Keyring>,
    reads: Arc<ReadQueue>,
}

impl fmt::Debug for SqlStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqlStore")
            .field("db", &self.db)
            .field("keyring", &self.keyring)
            .finish()
    }
}

// ---------------------------------------------------------------- rows

#[derive(Queryable, Selectable)]
#[diesel(table_name = integrations)]
struct IntegrationRow {
    seq: i64,
    id: String,
    org_id: String,
    name: String,
    type_slug: String,
    environment: String,
    status: String,
    is_managed: bool,
    config: String,
    secrets: Option<Vec<u8>>,
    #[allow(dead_code)] // selected for completeness; the envelope names its key
    key_id: Option<String>,
    last_test_success: Option<bool>,
    last_test_message: Option<String>,
    last_test_latency_ms: Option<i64>,
    last_test_at: Option<NaiveDateTime>,
    version: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    managed_key: Option<String>,
    health_state: Option<String>,
    health_reason: Option<String>,
    health_changed_at: Option<NaiveDateTime>,
    // The delivery workers' pacing state, read by them alone.
    #[allow(dead_code)]
    send_not_before: Option<NaiveDateTime>,
    #[allow(dead_code)]
    send_hold_until: Option<NaiveDateTime>,
}

#[derive(Insertable)]
// None binds NULL rather than writing DEFAULT, which keeps the INSERT
// one fixed statement that the connection can prepare once and reuse.
#[diesel(table_name = integrations, treat_none_as_default_value = false)]
struct NewIntegrationRow<'a> {
    id: &'a str,
    org_id: &'a str,
    name: &'a str,
    type_slug: &'a str,
    environment: &'a str,
    status: &'a str,
    is_managed: bool,
    config: &'a str,
    secrets: Option<&'a [u8]>,
    key_id: Option<&'a str>,
    last_test_success: Option<bool>,
    last_test_message: Option<&'a str>,
    last_test_latency_ms: Option<i64>,
    last_test_at: Option<NaiveDateTime>,
    version: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    managed_key: Option<&'a str>,
}

#[derive(AsChangeset)]
#[diesel(table_name = integrations, treat_none_as_null = true)]
struct IntegrationChanges<'a> {
    name: &'a str,
    environment: &'a str,
    status: &'a str,
    config: &'a str,
    secrets: Option<&'a [u8]>,
    key_id: Option<&'a str>,
    version: i64,
    updated_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = organizations)]
struct OrganizationRow {
    id: String,
    name: String,
    created_at: NaiveDateTime,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = api_keys)]
struct ApiKeyRow {
    id: String,
    org_id: String,
    name: String,
    display_prefix: String,
    scopes: String,
    created_at: NaiveDateTime,
    revoked_at: Option<NaiveDateTime>,
}

#[derive(Insertable)]
// None binds NULL rather than writing DEFAULT, which keeps the INSERT
// one fixed statement that the connection can prepare once and reuse.
#[diesel(table_name = api_keys, treat_none_as_default_value = false)]
struct NewApiKeyRow<'a> {
    id: &'a str,
    org_id: &'a str,
    name: &'a str,
    display_prefix: &'a str,
    key_hash: &'a str,
    scopes: &'a str,
    created_at: NaiveDateTime,
    revoked_at: Option<NaiveDateTime>,
}

/// What rotation needs of a row: enough to re-seal it and to guard the write.
#[derive(Queryable, Selectable)]
#[diesel(table_name = integrations)]
struct SealedRow {
    seq: i64,
    id: String,
    org_id: String,
    secrets: Option<Vec<u8>>,
    key_id: Option<String>,
    version: i64,
}

// ---------------------------------------------------------------- helpers

/// Seal the secret half of a config for this row; `None` when it has none.
fn seal_secrets(
    keyring: &Keyring,
    org: &OrgId,
    id: &IntegrationId,
    config: &Config,
) -> Result<Option<Vec<u8>>, StoreError> {
    if !config.has_secrets() {
        return Ok(None);
    }
    let plaintext = Zeroizing::new(
        serde_json::to_vec(&config.expose_secrets_for_encryption())
            .map_err(|e| StoreError::Other(format!("serialising secrets: {e}")))?,
    );
    keyring
        .seal(&plaintext, &integration_context(org, id))
        .map(Some)
        .map_err(|e| StoreError::Crypto(format!("integration {id}: {e}")))
}

fn open_secrets(
    keyring: &Keyring,
    org: &OrgId,
    id: &IntegrationId,
    envelope: &[u8],
) -> Result<Zeroizing<Vec<u8>>, StoreError> {
    keyring
        .open(envelope, &integration_context(org, id))
        .map_err(|e| StoreError::Crypto(format!("integration {id}: {e}")))
}

fn decode_integration(row: IntegrationRow, keyring: &Keyring) -> Result<Integration, StoreError> {
    let id: IntegrationId = row.id.parse().map_err(|_| corrupt("id", &row.id))?;
    let org_id: OrgId = row
        .org_id
        .parse()
        .map_err(|_| corrupt("organization", &row.id))?;
    let kind =
        IntegrationType::from_slug(&row.type_slug).ok_or_else(|| corrupt("type", &row.id))?;
    let environment =
        Environment::parse(&row.environment).ok_or_else(|| corrupt("environment", &row.id))?;
    let status = Status::parse(&row.status).ok_or_else(|| corrupt("status", &row.id))?;
    let plain: Map<String, Value> =
        serde_json::from_str(&row.config).map_err(|_| corrupt("config", &row.id))?;
    let secrets: Map<String, Value> = match &row.secrets {
        None => Map::new(),
        Some(envelope) => {
            let plaintext = open_secrets(keyring, &org_id, &id, envelope)?;
            // Authenticated but unparseable means a bug, not tampering; the
            // message still must not quote the plaintext.
            serde_json::from_slice(&plaintext).map_err(|_| corrupt("secrets", &row.id))?
        }
    };
    let last_test = match (
        row.last_test_success,
        row.last_test_message,
        row.last_test_latency_ms,
        row.last_test_at,
    ) {
        (Some(success), Some(message), Some(latency_ms), Some(at)) => Some(TestResult {
            success,
            message,
            latency_ms,
            tested_at: from_db_time(at),
        }),
        _ => None,
    };
    Ok(Integration {
        id,
        seq: row.seq,
        org_id,
        name: row.name,
        kind,
        environment,
        status,
        is_managed: row.is_managed,
        managed_key: row.managed_key,
        config: Config::from_parts(plain, secrets),
        last_test,
        recorded_health: match (row.health_state, row.health_changed_at) {
            (Some(state), Some(at)) => Some(Health {
                state: HealthState::parse(&state).unwrap_or(HealthState::Unknown),
                reason: row.health_reason,
                changed_at: Some(from_db_time(at)),
            }),
            _ => None,
        },
        version: row.version,
        created_at: from_db_time(row.created_at),
        updated_at: from_db_time(row.updated_at),
    })
}

fn decode_organization(row: OrganizationRow) -> Result<Organization, StoreError> {
    Ok(Organization {
        id: row.id.parse().map_err(|_| corrupt("id", &row.id))?,
        name: row.name,
        created_at: from_db_time(row.created_at),
    })
}

fn decode_api_key(row: ApiKeyRow) -> Result<ApiKeyRecord, StoreError> {
    Ok(ApiKeyRecord {
        id: row.id.parse().map_err(|_| corrupt("id", &row.id))?,
        org_id: row
            .org_id
            .parse()
            .map_err(|_| corrupt("organization", &row.id))?,
        name: row.name,
        display_prefix: row.display_prefix,
        scopes: Scopes::parse_csv(&row.scopes).map_err(|_| corrupt("scopes", &row.id))?,
        created_at: from_db_time(row.created_at),
        revoked_at: row.revoked_at.map(from_db_time),
    })
}

fn plain_config_json(config: &Config) -> Result<String, StoreError> {
    serde_json::to_string(&config.plain_json())
        .map_err(|e| StoreError::Other(format!("serialising config: {e}")))
}

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

fn missing_keys_message(missing: &[String], keyring: &Keyring) -> String {
    let quoted = |ids: &mut dyn Iterator<Item = &str>| {
        ids.map(|id| format!("`{id}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let configured = quoted(&mut keyring.key_ids());
    match missing {
        [one] => format!(
            "secrets were sealed with key `{one}`, which is not in the configured keyring \
             (configured: {configured})"
        ),
        many => format!(
            "secrets were sealed with keys {}, which are not in the configured keyring \
             (configured: {configured})",
            quoted(&mut many.iter().map(String::as_str))
        ),
    }
}

// ---------------------------------------------------------------- store

impl SqlStore {
    pub fn new(db: Database, keyring: Arc<Keyring>) -> SqlStore {
        // A quarter of the pool drains point reads: enough that an idle
        // service never queues one, few enough that reads arriving together
        // share a query and leave connections for writes.
        let reads = Arc::new(ReadQueue::new(db.pool_size() as usize / 4));
        SqlStore { db, keyring, reads }
    }

    pub fn database(&self) -> &Database {
        &self.db
    }

    pub fn keyring(&self) -> &Arc<Keyring> {
        &self.keyring
    }

    /// Run blocking diesel work on tokio's blocking pool with a pooled
    /// connection.
    pub(crate) async fn run<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection, &Keyring) -> Result<T, StoreError> + Send + 'static,
    {
        let db = self.db.clone();
        let keyring = self.keyring.clone();
        let permit = db.permit().await.map_err(StoreError::Unavailable)?;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let mut conn = db
                .get()
                .map_err(|e| StoreError::Unavailable(e.to_string()))?;
            let result = work(&mut conn, &keyring);
            if result.is_err() {
                conn.check_after_error();
            }
            result
        })
        .await
        .map_err(|e| StoreError::Other(format!("storage task failed: {e}")))?
    }

    /// [`run`](Self::run) for a batch of point reads. On SQLite, with a
    /// connection free at once, on the calling thread: in WAL mode a read
    /// never waits for a writer, and a few cached lookups take less than the
    /// hand-off to a blocking thread, which was most of a read's cost.
    /// Postgres reads wait on the network, so they always hand off.
    async fn run_reads<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection, &Keyring) -> Result<T, StoreError> + Send + 'static,
    {
        if self.db.backend() == Backend::Sqlite
            && let Some((_permit, mut conn)) = self.db.try_checkout()
        {
            let result = work(&mut conn, &self.keyring);
            if result.is_err() {
                conn.check_after_error();
            }
            return result;
        }
        self.run(work).await
    }

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

    /// Check, before serving, that the keyring can open what is stored: every
    /// key id in use must be configured (the error names each missing one),
    /// and one row per key id must actually open, which catches a key id
    /// configured with the wrong bytes.
    pub async fn verify_keyring(&self) -> Result<(), StoreError> {
        self.run(|conn, keyring| {
            let in_use = key_ids_in_use(conn)?;
            let missing: Vec<String> = in_use
                .iter()
                .filter(|id| !keyring.contains(id))
                .cloned()
                .collect();
            if !missing.is_empty() {
                return Err(StoreError::Crypto(missing_keys_message(&missing, keyring)));
            }
            for key_id in &in_use {
                let sample = integrations::table
                    .filter(integrations::key_id.eq(key_id))
                    .order(integrations::seq.asc())
                    .select(SealedRow::as_select())
                    .first(conn)
                    .optional()
                    .map_err(db_error("integration"))?;
                if let Some(row) = sample {
                    reseal_input(&row, keyring)?;
                }
            }
            Ok(())
        })
        .await
    }

    /// Re-seal every row not under the active key, `batch_size` rows at a
    /// time, reporting `(done, total)` after each batch. Each write is
    /// guarded on the row's seq, version and old key id, so this is safe
    /// while the service runs (a row changed meanwhile was re-sealed by that
    /// change and is skipped), and safe to interrupt and run again (rows
    /// already under the active key are not selected). Returns how many rows
    /// this run re-sealed.
    pub async fn rotate<F>(&self, batch_size: usize, mut progress: F) -> Result<usize, StoreError>
    where
        F: FnMut(usize, usize) + Send + 'static,
    {
        let batch = i64::try_from(batch_size.max(1)).unwrap_or(i64::MAX);
        self.run(move |conn, keyring| {
            let active = keyring.active_key_id().to_owned();
            let total = integrations::table
                .filter(integrations::key_id.is_not_null())
                .filter(integrations::key_id.ne(&active))
                .count()
                .get_result::<i64>(conn)
                .map_err(db_error("integration"))?;
            let mut total = usize::try_from(total).unwrap_or(0);
            progress(0, total);

            let (mut visited, mut resealed, mut after_seq) = (0usize, 0usize, 0i64);
            loop {
                let rows: Vec<SealedRow> = integrations::table
                    .filter(integrations::key_id.is_not_null())
                    .filter(integrations::key_id.ne(&active))
                    .filter(integrations::seq.gt(after_seq))
                    .order(integrations::seq.asc())
                    .limit(batch)
                    .select(SealedRow::as_select())
                    .load(conn)
                    .map_err(db_error("integration"))?;
                let Some(last) = rows.last() else { break };
                after_seq = last.seq;

                // Crypto outside the transaction keeps the write lock short.
                let mut resealed_rows = Vec::with_capacity(rows.len());
                for row in &rows {
                    let Some(plaintext) = reseal_input(row, keyring)? else {
                        continue;
                    };
                    let (org, id) = row_ids(row)?;
                    let envelope = keyring
                        .seal(&plaintext, &integration_context(&org, &id))
                        .map_err(|e| StoreError::Crypto(format!("integration {id}: {e}")))?;
                    resealed_rows.push((row, envelope));
                }
                let written = conn
                    .transaction(|conn| {
                        let mut written = 0usize;
                        for (row, envelope) in &resealed_rows {
                            let Some(old_key) = row.key_id.as_deref() else {
                                continue;
                            };
                            written += diesel::update(
                                integrations::table
                                    .filter(integrations::seq.eq(row.seq))
                                    .filter(integrations::version.eq(row.version))
                                    .filter(integrations::key_id.eq(old_key)),
                            )
                            .set((
                                integrations::secrets.eq(envelope.as_slice()),
                                integrations::key_id.eq(&active),
                            ))
                            .execute(conn)?;
                        }
                        Ok::<_, DieselError>(written)
                    })
                    .map_err(db_error("integration"))?;
                resealed += written;
                visited += rows.len();
                // Rows sealed under an old key by a still-running older
                // process can appear after the count; keep the bar honest.
                total = total.max(visited);
                progress(visited, total);
            }
            Ok(resealed)
        })
        .await
    }
}

/// The distinct key ids that sealed stored secrets. Walked one index probe
/// per key (`min(key_id) > previous`) instead of `SELECT DISTINCT`, which
/// reads the whole index: a handful of keys over a million rows must not
/// slow every start-up.
fn key_ids_in_use(conn: &mut DbConnection) -> Result<BTreeSet<String>, StoreError> {
    let mut found = BTreeSet::new();
    let mut previous: Option<String> = None;
    loop {
        let next = match &previous {
            None => integrations::table
                .filter(integrations::key_id.is_not_null())
                .select(diesel::dsl::min(integrations::key_id))
                .first::<Option<String>>(conn),
            Some(previous) => integrations::table
                .filter(integrations::key_id.gt(previous))
                .select(diesel::dsl::min(integrations::key_id))
                .first::<Option<String>>(conn),
        }
        .map_err(db_error("integration"))?;
        match next {
            Some(key_id) => {
                found.insert(key_id.clone());
                previous = Some(key_id);
            }
            None => return Ok(found),
        }
    }
}

fn row_ids(row: &SealedRow) -> Result<(OrgId, IntegrationId), StoreError> {
    let id: IntegrationId = row.id.parse().map_err(|_| corrupt("id", &row.id))?;
    let org: OrgId = row
        .org_id
        .parse()
        .map_err(|_| corrupt("organization", &row.id))?;
    Ok((org, id))
}

/// Open a row's envelope, or `None` when it holds no secrets.
fn reseal_input(
    row: &SealedRow,
    keyring: &Keyring,
) -> Result<Option<Zeroizing<Vec<u8>>>, StoreError> {
    let Some(envelope) = row.secrets.as_deref() else {
        return Ok(None);
    };
    let (org, id) = row_ids(row)?;
    open_secrets(keyring, &org, &id, envelope).map(Some)
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
        self.run(move |conn, keyring| {
            let mut select = integrations::table
                .filter(integrations::org_id.eq(&org))
                .select(IntegrationRow::as_select())
                .order(integrations::id.asc())
                .limit(i64::from(query.limit))
                .into_boxed();
            if let Some(kind) = query.kind {
                select = select.filter(integrations::type_slug.eq(kind.slug()));
            }
            if let Some(status) = query.status {
                select = select.filter(integrations::status.eq(status.as_str()));
            }
            if let Some(environment) = query.environment {
                select = select.filter(integrations::environment.eq(environment.as_str()));
            }
            if let Some(after) = &query.after {
                select = select.filter(integrations::id.gt(after.as_str().to_owned()));
            }
            select
                .load(conn)
                .map_err(db_error("integration"))?
                .into_iter()
                .map(|row| decode_integration(row, keyring))
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

#[async_trait]
impl TenantStore for SqlStore {
    async fn ensure_organization(&self, name: &str) -> Result<Organization, StoreError> {
        let name = name.to_owned();
        self.run(move |conn, _| {
            let find = |conn: &mut DbConnection| {
                organizations::table
                    .filter(organizations::name.eq(&name))
                    .select(OrganizationRow::as_select())
                    .get_result(conn)
                    .optional()
                    .map_err(db_error("organization"))
            };
            if let Some(row) = find(conn)? {
                return decode_organization(row);
            }
            let row = OrganizationRow {
                id: OrgId::generate().to_string(),
                name: name.clone(),
                created_at: to_db_time(patchbay_domain::service::now()),
            };
            // Insert-or-get: a concurrent creator may win between the lookup
            // and the insert; its row is then the answer. (No ON CONFLICT:
            // the multi-connection cannot express it for both backends.)
            match diesel::insert_into(organizations::table)
                .values(&row)
                .execute(conn)
            {
                Ok(_) => decode_organization(row),
                Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
                    match find(conn)? {
                        Some(row) => decode_organization(row),
                        None => Err(StoreError::Other(
                            "organization vanished while being created".into(),
                        )),
                    }
                }
                Err(e) => Err(db_error("organization")(e)),
            }
        })
        .await
    }

    async fn get_organization(&self, id: &OrgId) -> Result<Option<Organization>, StoreError> {
        let id = id.as_str().to_owned();
        self.run(move |conn, _| {
            organizations::table
                .filter(organizations::id.eq(&id))
                .select(OrganizationRow::as_select())
                .get_result(conn)
                .optional()
                .map_err(db_error("organization"))?
                .map(decode_organization)
                .transpose()
        })
        .await
    }

    async fn insert_api_key(
        &self,
        record: &ApiKeyRecord,
        key_hash: &str,
    ) -> Result<(), StoreError> {
        let (record, key_hash) = (record.clone(), key_hash.to_owned());
        self.run(move |conn, _| {
            let scopes = record.scopes.to_csv();
            let row = NewApiKeyRow {
                id: record.id.as_str(),
                org_id: record.org_id.as_str(),
                name: &record.name,
                display_prefix: &record.display_prefix,
                key_hash: &key_hash,
                scopes: &scopes,
                created_at: to_db_time(record.created_at),
                revoked_at: record.revoked_at.map(to_db_time),
            };
            diesel::insert_into(api_keys::table)
                .values(&row)
                .execute(conn)
                .map(drop)
                .map_err(db_error("API key"))
        })
        .await
    }

    async fn find_api_key(&self, key_hash: &str) -> Result<Option<ApiKeyRecord>, StoreError> {
        let key_hash = key_hash.to_owned();
        self.run(move |conn, _| {
            api_keys::table
                .filter(api_keys::key_hash.eq(&key_hash))
                .filter(api_keys::revoked_at.is_null())
                .select(ApiKeyRow::as_select())
                .get_result(conn)
                .optional()
                .map_err(db_error("API key"))?
                .map(decode_api_key)
                .transpose()
        })
        .await
    }

    async fn list_api_keys(&self, org: Option<&OrgId>) -> Result<Vec<ApiKeyRecord>, StoreError> {
        let org = org.map(|o| o.as_str().to_owned());
        self.run(move |conn, _| {
            let mut select = api_keys::table
                .select(ApiKeyRow::as_select())
                .order((api_keys::created_at.asc(), api_keys::id.asc()))
                .into_boxed();
            if let Some(org) = &org {
                select = select.filter(api_keys::org_id.eq(org.clone()));
            }
            select
                .load(conn)
                .map_err(db_error("API key"))?
                .into_iter()
                .map(decode_api_key)
                .collect()
        })
        .await
    }

    async fn revoke_api_key(&self, id: &ApiKeyId, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let id = id.as_str().to_owned();
        self.run(move |conn, _| {
            let updated = diesel::update(
                api_keys::table
                    .filter(api_keys::id.eq(&id))
                    .filter(api_keys::revoked_at.is_null()),
            )
            .set(api_keys::revoked_at.eq(Some(to_db_time(at))))
            .execute(conn)
            .map_err(db_error("API key"))?;
            Ok(updated > 0)
        })
        .await
    }

    async fn count_api_keys(&self) -> Result<i64, StoreError> {
        self.run(|conn, _| {
            api_keys::table
                .count()
                .get_result(conn)
                .map_err(db_error("API key"))
        })
        .await
    }
}
