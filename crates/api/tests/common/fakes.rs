//! In-memory stores and a provider that keep the real ones' contracts:
//! every lookup is scoped to an organization, writes are compare-and-swap
//! on the version, and `find_api_key` answers unrevoked keys only.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use patchbay_domain::auth::{ApiKeyRecord, Organization};
use patchbay_domain::store::{ListQuery, StoreError, WriteOutcome};
use patchbay_domain::{
    ApiKeyId, Config, Integration, IntegrationId, IntegrationStore, IntegrationType, OrgId,
    Provider, ProviderContext, SendOutcome, TenantStore, TestOutcome, TestResult,
};

#[derive(Default)]
pub struct MemoryStore {
    rows: Mutex<HashMap<IntegrationId, Integration>>,
    next_seq: AtomicUsize,
    /// Every call fails as an unreachable database.
    pub down: AtomicBool,
    /// Rows whose secrets cannot be opened: reads of them fail as the SQL
    /// store's do (naming the row and the key); lists still show them.
    pub unreadable: Mutex<Vec<IntegrationId>>,
    /// Every call fails with an error that is not the database's absence.
    pub broken: AtomicBool,
    /// `ping` never answers (a database that accepts and hangs).
    pub stalled: AtomicBool,
}

fn unreachable() -> StoreError {
    StoreError::Unavailable("connection refused by db.internal:5432".into())
}

impl MemoryStore {
    fn check_up(&self) -> Result<(), StoreError> {
        if self.down.load(Ordering::SeqCst) {
            Err(unreachable())
        } else if self.broken.load(Ordering::SeqCst) {
            Err(StoreError::Other(
                "relation \"integrations\" on db.internal does not exist".into(),
            ))
        } else {
            Ok(())
        }
    }

    pub fn count(&self) -> usize {
        self.rows.lock().unwrap().len()
    }

    fn readable(&self, row: Option<Integration>) -> Result<Option<Integration>, StoreError> {
        match row {
            Some(i) if self.unreadable.lock().unwrap().contains(&i.id) => {
                Err(StoreError::Crypto(format!(
                    "integration {}: secrets were sealed with key `k-retired`, which is not in \
                     the configured keyring",
                    i.id
                )))
            }
            row => Ok(row),
        }
    }
}

#[async_trait]
impl IntegrationStore for MemoryStore {
    async fn ping(&self) -> Result<(), StoreError> {
        if self.stalled.load(Ordering::SeqCst) {
            std::future::pending::<()>().await;
        }
        self.check_up()
    }

    async fn insert(&self, integration: &Integration) -> Result<Integration, StoreError> {
        self.check_up()?;
        let mut rows = self.rows.lock().unwrap();
        if rows.contains_key(&integration.id) {
            return Err(StoreError::Duplicate("id"));
        }
        let mut saved = integration.clone();
        saved.seq = self.next_seq.fetch_add(1, Ordering::SeqCst) as i64 + 1;
        rows.insert(saved.id.clone(), saved.clone());
        Ok(saved)
    }

    async fn get(
        &self,
        org: &OrgId,
        id: &IntegrationId,
    ) -> Result<Option<Integration>, StoreError> {
        self.check_up()?;
        let row = self
            .rows
            .lock()
            .unwrap()
            .get(id)
            .filter(|i| &i.org_id == org)
            .cloned();
        self.readable(row)
    }

    async fn get_by_seq(&self, org: &OrgId, seq: i64) -> Result<Option<Integration>, StoreError> {
        self.check_up()?;
        let row = self
            .rows
            .lock()
            .unwrap()
            .values()
            .find(|i| &i.org_id == org && i.seq == seq)
            .cloned();
        self.readable(row)
    }

    async fn list(&self, org: &OrgId, query: &ListQuery) -> Result<Vec<Integration>, StoreError> {
        self.check_up()?;
        let rows = self.rows.lock().unwrap();
        let own = || rows.values().filter(|i| &i.org_id == org);
        // Creation order; the cursor's row, or where it stood if deleted.
        let after = query.after.as_ref().map(|a| {
            own()
                .find(|i| &i.id == a)
                .map(|i| i.seq)
                .unwrap_or_else(|| {
                    own()
                        .filter(|i| &i.id < a)
                        .map(|i| i.seq)
                        .max()
                        .unwrap_or(0)
                })
        });
        let mut out: Vec<Integration> = own()
            .filter(|i| query.kind.is_none_or(|k| i.kind == k))
            .filter(|i| query.status.is_none_or(|s| i.status == s))
            .filter(|i| query.environment.is_none_or(|e| i.environment == e))
            .filter(|i| after.is_none_or(|a| i.seq > a))
            .cloned()
            .collect();
        out.sort_by_key(|i| i.seq);
        out.truncate(query.limit as usize);
        Ok(out)
    }

    async fn update(
        &self,
        integration: &Integration,
        expected_version: i64,
    ) -> Result<WriteOutcome<Integration>, StoreError> {
        self.check_up()?;
        let mut rows = self.rows.lock().unwrap();
        let Some(current) = rows
            .get_mut(&integration.id)
            .filter(|i| i.org_id == integration.org_id)
        else {
            return Ok(WriteOutcome::NotFound);
        };
        if current.version != expected_version {
            return Ok(WriteOutcome::VersionMismatch);
        }
        let mut next = integration.clone();
        next.version = expected_version + 1;
        next.seq = current.seq;
        next.last_test = current.last_test.clone();
        next.created_at = current.created_at;
        *current = next.clone();
        Ok(WriteOutcome::Done(next))
    }

    async fn delete(
        &self,
        org: &OrgId,
        id: &IntegrationId,
        expected_version: Option<i64>,
    ) -> Result<WriteOutcome<()>, StoreError> {
        self.check_up()?;
        let mut rows = self.rows.lock().unwrap();
        match rows.get(id).filter(|i| &i.org_id == org) {
            None => Ok(WriteOutcome::NotFound),
            Some(i) if expected_version.is_some_and(|v| v != i.version) => {
                Ok(WriteOutcome::VersionMismatch)
            }
            Some(_) => {
                rows.remove(id);
                Ok(WriteOutcome::Done(()))
            }
        }
    }

    async fn record_test(
        &self,
        org: &OrgId,
        id: &IntegrationId,
        result: &TestResult,
    ) -> Result<bool, StoreError> {
        self.check_up()?;
        let mut rows = self.rows.lock().unwrap();
        match rows.get_mut(id).filter(|i| &i.org_id == org) {
            Some(i) => {
                i.last_test = Some(result.clone());
                Ok(true)
            }
            None => Ok(false),
        }
    }

    async fn list_managed(&self, org: &OrgId) -> Result<Vec<Integration>, StoreError> {
        self.check_up()?;
        let rows = self.rows.lock().unwrap();
        let mut out: Vec<Integration> = rows
            .values()
            .filter(|i| &i.org_id == org && i.managed_key.is_some())
            .cloned()
            .collect();
        out.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(out)
    }

    async fn orgs_with_managed(&self) -> Result<Vec<OrgId>, StoreError> {
        self.check_up()?;
        let rows = self.rows.lock().unwrap();
        let mut out: Vec<OrgId> = rows
            .values()
            .filter(|i| i.managed_key.is_some())
            .map(|i| i.org_id.clone())
            .collect();
        out.sort();
        out.dedup();
        Ok(out)
    }
}

#[derive(Default)]
pub struct MemoryTenants {
    orgs: Mutex<HashMap<String, Organization>>,
    keys: Mutex<HashMap<String, ApiKeyRecord>>,
    pub lookups: AtomicUsize,
    /// Key lookups fail as an unreachable database.
    pub down: AtomicBool,
}

impl MemoryTenants {
    pub async fn revoke_api_key_now(&self, id: &ApiKeyId) {
        assert!(self.revoke_api_key(id, Utc::now()).await.unwrap());
    }
}

#[async_trait]
impl TenantStore for MemoryTenants {
    async fn ensure_organization(&self, name: &str) -> Result<Organization, StoreError> {
        let mut orgs = self.orgs.lock().unwrap();
        Ok(orgs
            .entry(name.to_string())
            .or_insert_with(|| Organization {
                id: OrgId::generate(),
                name: name.to_string(),
                created_at: Utc::now(),
            })
            .clone())
    }

    async fn get_organization(&self, id: &OrgId) -> Result<Option<Organization>, StoreError> {
        let orgs = self.orgs.lock().unwrap();
        Ok(orgs.values().find(|o| &o.id == id).cloned())
    }

    async fn insert_api_key(
        &self,
        record: &ApiKeyRecord,
        key_hash: &str,
    ) -> Result<(), StoreError> {
        self.keys
            .lock()
            .unwrap()
            .insert(key_hash.to_string(), record.clone());
        Ok(())
    }

    async fn find_api_key(&self, key_hash: &str) -> Result<Option<ApiKeyRecord>, StoreError> {
        self.lookups.fetch_add(1, Ordering::SeqCst);
        if self.down.load(Ordering::SeqCst) {
            return Err(unreachable());
        }
        let keys = self.keys.lock().unwrap();
        Ok(keys
            .get(key_hash)
            .filter(|r| r.revoked_at.is_none())
            .cloned())
    }

    async fn list_api_keys(&self, org: Option<&OrgId>) -> Result<Vec<ApiKeyRecord>, StoreError> {
        let keys = self.keys.lock().unwrap();
        Ok(keys
            .values()
            .filter(|r| org.is_none_or(|o| &r.org_id == o))
            .cloned()
            .collect())
    }

    async fn revoke_api_key(&self, id: &ApiKeyId, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let mut keys = self.keys.lock().unwrap();
        match keys
            .values_mut()
            .find(|r| &r.id == id && r.revoked_at.is_none())
        {
            Some(r) => {
                r.revoked_at = Some(at);
                Ok(true)
            }
            None => Ok(false),
        }
    }

    async fn count_api_keys(&self) -> Result<i64, StoreError> {
        Ok(self.keys.lock().unwrap().len() as i64)
    }
}

/// A Slack provider that answers success without a network call. It never
/// echoes config values.
pub struct FakeSlack;

#[async_trait]
impl Provider for FakeSlack {
    fn kind(&self) -> IntegrationType {
        IntegrationType::Slack
    }

    async fn test(&self, _ctx: &ProviderContext, config: &Config) -> TestOutcome {
        if config.contains("webhookUrl") || config.contains("botToken") {
            TestOutcome::success("Integration test successful")
        } else {
            TestOutcome::error("no credential").with_code("no_credential")
        }
    }

    async fn send(
        &self,
        _ctx: &ProviderContext,
        _config: &Config,
        _message: &patchbay_domain::Message,
    ) -> SendOutcome {
        SendOutcome::Delivered {
            provider_message_id: None,
            hold_for: None,
        }
    }
}
