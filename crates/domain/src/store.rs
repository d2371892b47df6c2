//! Storage contracts. Every method that touches an integration takes the
//! organization, so no caller can reach another organization's row.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::audit::NewAuditEvent;
use crate::auth::{ApiKeyRecord, Organization};
use crate::catalogue::IntegrationType;
pub use crate::error::StoreError;
use crate::health::TestResult;
use crate::ids::{ApiKeyId, GroupId, IntegrationId, OrgId};
use crate::model::{Environment, Integration, Status};

/// Filters and cursor for listing. Rows come in creation order (the order
/// the store assigned their `seq`), exactly, also for rows made within one
/// millisecond; `after` is the last id of the previous page.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    /// Only integrations of this type.
    pub kind: Option<IntegrationType>,
    /// Only integrations with this status.
    pub status: Option<Status>,
    /// Only integrations in this environment.
    pub environment: Option<Environment>,
    /// The last id of the previous page.
    pub after: Option<IntegrationId>,
    /// At most this many integrations.
    pub limit: u32,
}

/// Outcome of a compare-and-swap write.
#[derive(Debug)]
pub enum WriteOutcome<T> {
    /// Written; the row as stored now.
    Done(T),
    /// No row with that id in that organization.
    NotFound,
    /// The row exists but its version is not the expected one.
    VersionMismatch,
}

fn no_own_audit_trail() -> StoreError {
    StoreError::Other("this store keeps no audit trail of its own".into())
}

/// Integrations, each read and written within its organization; writes to
/// an existing row are compare-and-swap on its version.
#[async_trait]
pub trait IntegrationStore: Send + Sync + 'static {
    /// Cheap round trip to the database, for readiness checks.
    async fn ping(&self) -> Result<(), StoreError>;

    /// Insert; returns the row with its assigned `seq`.
    async fn insert(&self, integration: &Integration) -> Result<Integration, StoreError>;

    /// An integration of this organization, if it exists.
    async fn get(&self, org: &OrgId, id: &IntegrationId)
    -> Result<Option<Integration>, StoreError>;

    /// An integration of this organization by its integer id, if it exists.
    async fn get_by_seq(&self, org: &OrgId, seq: i64) -> Result<Option<Integration>, StoreError>;

    /// Several integrations at once, each only from its own organization;
    /// the missing are left out. The delivery workers load a claimed
    /// batch's integrations with one call.
    async fn get_many(
        &self,
        ids: &[(OrgId, IntegrationId)],
    ) -> Result<Vec<Integration>, StoreError> {
        let mut found = Vec::with_capacity(ids.len());
        for (org, id) in ids {
            if let Some(i) = self.get(org, id).await? {
                found.push(i);
            }
        }
        Ok(found)
    }

    /// Up to `query.limit` rows after the cursor, in creation order. Listed
    /// rows hold their non-secret config only: listing opens no secret, so
    /// a row whose secrets cannot be opened is listed like the others (a
    /// read of it answers `StoreError::Crypto`).
    async fn list(&self, org: &OrgId, query: &ListQuery) -> Result<Vec<Integration>, StoreError>;

    /// Write name, environment, status, config, `updated_at` and
    /// `version = expected_version + 1`, only if the stored version is
    /// `expected_version`.
    async fn update(
        &self,
        integration: &Integration,
        expected_version: i64,
    ) -> Result<WriteOutcome<Integration>, StoreError>;

    /// Delete, optionally only at the given version.
    async fn delete(
        &self,
        org: &OrgId,
        id: &IntegrationId,
        expected_version: Option<i64>,
    ) -> Result<WriteOutcome<()>, StoreError>;

    /// Record a test result; does not change the version.
    async fn record_test(
        &self,
        org: &OrgId,
        id: &IntegrationId,
        result: &TestResult,
    ) -> Result<bool, StoreError>;

    /// [`Self::insert`], and `event` in this store's own audit trail, in one
    /// transaction: the change and its record commit together (and one
    /// commit is cheaper than two). Used by a service built with
    /// `IntegrationService::audit_in_store`; a store without its own trail
    /// keeps the default, which refuses.
    async fn insert_audited(
        &self,
        _integration: &Integration,
        _event: &NewAuditEvent,
    ) -> Result<Integration, StoreError> {
        Err(no_own_audit_trail())
    }

    /// [`Self::record_test`] and `event`, in one transaction (see
    /// [`Self::insert_audited`]). Nothing is recorded for a missing row.
    async fn record_test_audited(
        &self,
        _org: &OrgId,
        _id: &IntegrationId,
        _result: &TestResult,
        _event: &NewAuditEvent,
    ) -> Result<bool, StoreError> {
        Err(no_own_audit_trail())
    }

    /// The integration groups (id and name) that list this integration as
    /// a member, in creation order. A store without groups has none.
    async fn groups_using(
        &self,
        _org: &OrgId,
        _id: &IntegrationId,
    ) -> Result<Vec<(GroupId, String)>, StoreError> {
        Ok(Vec::new())
    }

    /// Every managed integration of the organization (those with a
    /// `managed_key`), in id order.
    async fn list_managed(&self, org: &OrgId) -> Result<Vec<Integration>, StoreError>;

    /// The organizations that have at least one managed integration, so a
    /// provisioning run can remove what a file no longer lists. Ids only:
    /// no row leaves its organization.
    async fn orgs_with_managed(&self) -> Result<Vec<OrgId>, StoreError>;
}

/// Organizations and API keys.
#[async_trait]
pub trait TenantStore: Send + Sync + 'static {
    /// The organization with this name, created if it does not exist.
    async fn ensure_organization(&self, name: &str) -> Result<Organization, StoreError>;

    /// The organization with this id, if it exists.
    async fn get_organization(&self, id: &OrgId) -> Result<Option<Organization>, StoreError>;

    /// Store a key record and the SHA-256 hash (hex) of the key.
    async fn insert_api_key(&self, record: &ApiKeyRecord, key_hash: &str)
    -> Result<(), StoreError>;

    /// The unrevoked key whose hash this is.
    async fn find_api_key(&self, key_hash: &str) -> Result<Option<ApiKeyRecord>, StoreError>;

    /// All keys (of one organization, or all), revoked ones included.
    async fn list_api_keys(&self, org: Option<&OrgId>) -> Result<Vec<ApiKeyRecord>, StoreError>;

    /// Mark revoked; false when no such unrevoked key exists.
    async fn revoke_api_key(&self, id: &ApiKeyId, at: DateTime<Utc>) -> Result<bool, StoreError>;

    /// How many API keys exist, revoked ones included, across organizations.
    async fn count_api_keys(&self) -> Result<i64, StoreError>;
}
