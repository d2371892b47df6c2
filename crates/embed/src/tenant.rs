//! [`Tenant`]: the use cases of one organization, as the HTTP API offers
//! them to one of its API keys: nothing here reaches another
//! organization's rows (another's id answers "not found", like a missing
//! one).

use patchbay_domain::audit::AuditEvent;
use patchbay_domain::auth::{ApiKeyRecord, NewApiKey, Scopes};
use patchbay_domain::bulk::{BulkItem, BulkResults};
use patchbay_domain::delivery::{Accepted, Delivery, DeliveryError, DeliveryReport};
use patchbay_domain::group::{
    AcceptedGroupSend, CreateGroup, GroupError, GroupSend, IntegrationGroup, UpdateGroup,
};
use patchbay_domain::ids::{DeliveryId, GroupId, GroupSendId};
use patchbay_domain::service::{
    AuditListRequest, CreateIntegration, ListRequest, Page, TestReport, UpdateIntegration,
};
use patchbay_domain::{
    Actor, ApiKeyId, DomainError, Environment, Integration, IntegrationId, IntegrationType,
    Message, OrgId, StoreError, TenantStore,
};
use secrecy::SecretString;
use serde_json::{Map, Value};

use crate::Patchbay;

/// One organization's integrations, deliveries, integration groups, audit
/// trail and API keys.
/// Changes are recorded in the audit trail as made by [`Tenant::actor`]
/// (`operator` unless [`Tenant::acting_as`] says otherwise).
#[derive(Clone)]
pub struct Tenant {
    patchbay: Patchbay,
    org: OrgId,
    actor: Actor,
}

impl Tenant {
    pub(crate) fn new(patchbay: Patchbay, org: OrgId) -> Self {
        Self {
            patchbay,
            org,
            actor: Actor::Operator,
        }
    }

    /// The organization's id.
    pub fn org_id(&self) -> &OrgId {
        &self.org
    }

    /// Who the audit trail names for changes made through this value.
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// The same organization, with changes recorded as made by `actor`
    /// (e.g. `Actor::Host("user-42".into())`).
    pub fn acting_as(mut self, actor: Actor) -> Self {
        self.actor = actor;
        self
    }

    /// Create an integration: its config is validated against its type
    /// (422-style errors with field paths in [`DomainError::Validation`])
    /// and its secret fields sealed before they are stored.
    pub async fn create(&self, input: CreateIntegration) -> Result<Integration, DomainError> {
        self.patchbay
            .integrations()
            .create(&self.org, &self.actor, input)
            .await
    }

    /// One page of the organization's integrations.
    pub async fn list(&self, request: ListRequest) -> Result<Page<Integration>, DomainError> {
        self.patchbay.integrations().list(&self.org, request).await
    }

    /// One integration, with its secrets opened (for use, never for display).
    pub async fn get(&self, id: &IntegrationId) -> Result<Integration, DomainError> {
        self.patchbay.integrations().get(&self.org, id).await
    }

    /// Change an integration: config merged key by key (a secret left out
    /// keeps its stored value).
    pub async fn update(
        &self,
        id: &IntegrationId,
        input: UpdateIntegration,
    ) -> Result<Integration, DomainError> {
        self.patchbay
            .integrations()
            .update(&self.org, &self.actor, id, input)
            .await
    }

    /// Delete an integration and its secrets (managed ones are refused).
    pub async fn delete(&self, id: &IntegrationId) -> Result<(), DomainError> {
        self.patchbay
            .integrations()
            .delete(&self.org, &self.actor, id, None, false)
            .await
    }

    /// Test a saved integration with a real request, `overrides` merged
    /// over its config (never saved); the result is recorded on it.
    pub async fn test(
        &self,
        id: &IntegrationId,
        overrides: Option<Map<String, Value>>,
    ) -> Result<TestReport, DomainError> {
        self.patchbay
            .integrations()
            .test_saved(&self.org, &self.actor, id, overrides)
            .await
    }

    /// Test an unsaved config of `kind`; nothing is stored.
    pub async fn test_unsaved(
        &self,
        kind: IntegrationType,
        config: &Map<String, Value>,
        environment: Environment,
    ) -> Result<TestReport, DomainError> {
        self.patchbay
            .integrations()
            .test_unsaved(kind, config, environment)
            .await
    }

    /// Queue `message` for delivery through an integration. With `wait`,
    /// return once its first attempt ended (within the configured bound);
    /// an `idempotency_key` seen before answers the earlier delivery.
    pub async fn send(
        &self,
        id: &IntegrationId,
        message: Message,
        idempotency_key: Option<String>,
        wait: bool,
    ) -> Result<Accepted, DeliveryError> {
        self.patchbay
            .deliveries()
            .send(&self.org, id, message, idempotency_key, wait)
            .await
    }

    /// A delivery and its attempts.
    pub async fn delivery(&self, id: &DeliveryId) -> Result<DeliveryReport, DeliveryError> {
        self.patchbay.deliveries().get(&self.org, id).await
    }

    /// An integration's deliveries, newest first, before `before`; the
    /// second value is the cursor of the next page.
    pub async fn deliveries(
        &self,
        integration: &IntegrationId,
        before: Option<DeliveryId>,
        limit: u32,
    ) -> Result<(Vec<Delivery>, Option<String>), DeliveryError> {
        self.patchbay
            .deliveries()
            .list(&self.org, integration, before, limit)
            .await
    }

    /// Queue a failed delivery again.
    pub async fn retry(&self, id: &DeliveryId) -> Result<Delivery, DeliveryError> {
        self.patchbay.deliveries().retry(&self.org, id).await
    }

    /// Create an integration group of this organization's integrations.
    pub async fn create_group(&self, input: CreateGroup) -> Result<IntegrationGroup, GroupError> {
        self.patchbay.groups().create(&self.org, input).await
    }

    /// One of this organization's groups.
    pub async fn group(&self, id: &GroupId) -> Result<IntegrationGroup, GroupError> {
        self.patchbay.groups().get(&self.org, id).await
    }

    /// A page of groups in creation order (`cursor`: the previous page's
    /// `next_cursor`).
    pub async fn groups(
        &self,
        cursor: Option<&str>,
        limit: Option<u32>,
    ) -> Result<Page<IntegrationGroup>, GroupError> {
        self.patchbay.groups().list(&self.org, cursor, limit).await
    }

    /// Change a group (every member of `input` optional; `integration_ids`
    /// replaces the whole list), under `input.expected_version` if given.
    pub async fn update_group(
        &self,
        id: &GroupId,
        input: UpdateGroup,
    ) -> Result<IntegrationGroup, GroupError> {
        self.patchbay.groups().update(&self.org, id, input).await
    }

    /// Delete a group, optionally only at `expected_version`; its sends and
    /// their deliveries stay readable.
    pub async fn delete_group(
        &self,
        id: &GroupId,
        expected_version: Option<i64>,
    ) -> Result<(), GroupError> {
        self.patchbay
            .groups()
            .delete(&self.org, id, expected_version)
            .await
    }

    /// Send one message to a group (failover or broadcast; see
    /// docs/delivery.md).
    pub async fn send_to_group(
        &self,
        id: &GroupId,
        message: Message,
        idempotency_key: Option<String>,
    ) -> Result<AcceptedGroupSend, GroupError> {
        self.patchbay
            .groups()
            .send(&self.org, id, message, idempotency_key)
            .await
    }

    /// Send many messages at once (at most
    /// [`MAX_BULK_ITEMS`](patchbay_domain::bulk::MAX_BULK_ITEMS), each to an
    /// integration or a group): each item is checked as its single send
    /// would be and answered on its own; the accepted ones are queued in
    /// one transaction.
    pub async fn send_bulk(&self, items: Vec<BulkItem>) -> Result<BulkResults, StoreError> {
        self.patchbay.bulk().send(&self.org, items).await
    }

    /// A group send with the route it took.
    pub async fn group_send(
        &self,
        group: &GroupId,
        id: &GroupSendId,
    ) -> Result<GroupSend, GroupError> {
        self.patchbay.groups().get_send(&self.org, group, id).await
    }

    /// One page of the audit trail (field names, never values).
    pub async fn audit(&self, request: AuditListRequest) -> Result<Page<AuditEvent>, DomainError> {
        self.patchbay
            .integrations()
            .list_audit_events(&self.org, request)
            .await
    }

    /// A new API key of this organization: its record, and the key itself,
    /// shown this once (only its hash is stored).
    pub async fn create_api_key(
        &self,
        name: &str,
        scopes: Scopes,
    ) -> Result<(ApiKeyRecord, SecretString), StoreError> {
        let key = NewApiKey::generate();
        let record = ApiKeyRecord {
            id: ApiKeyId::generate(),
            org_id: self.org.clone(),
            name: name.to_string(),
            display_prefix: key.display_prefix.clone(),
            scopes,
            created_at: patchbay_domain::service::now(),
            revoked_at: None,
        };
        self.patchbay
            .store()
            .insert_api_key(&record, &key.hash)
            .await?;
        Ok((record, key.plaintext))
    }

    /// This organization's API keys (revoked ones included), without
    /// their values.
    pub async fn api_keys(&self) -> Result<Vec<ApiKeyRecord>, StoreError> {
        self.patchbay.store().list_api_keys(Some(&self.org)).await
    }

    /// Revoke one of this organization's API keys; `false` when it has no
    /// such key (or the key was revoked before).
    pub async fn revoke_api_key(&self, id: &ApiKeyId) -> Result<bool, StoreError> {
        let store = self.patchbay.store();
        let owned = store
            .list_api_keys(Some(&self.org))
            .await?
            .iter()
            .any(|k| &k.id == id && k.revoked_at.is_none());
        if !owned {
            return Ok(false);
        }
        store
            .revoke_api_key(id, patchbay_domain::service::now())
            .await
    }
}
