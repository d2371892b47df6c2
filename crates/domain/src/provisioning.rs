//! Operator provisioning: integrations declared in a file, reconciled with
//! what is stored. The file is the truth for the integrations it manages:
//! an entry without a stored integration is created, a changed one is
//! updated, an unchanged one is left alone (its version does not move), and
//! a managed integration no entry names any more is deleted. Integrations
//! created through the API are never touched.
//!
//! Entries are matched by their key, unique per organization and stored on
//! the row. A changed type cannot be applied as an update (the type is
//! fixed for an integration's life), so it replaces the integration: the
//! old one is deleted and a new one, with a new id, is created.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde_json::{Map, Value};

use crate::audit::AuditAction;
use crate::catalogue::IntegrationType;
use crate::config::Config;
use crate::error::DomainError;
use crate::error::StoreError;
use crate::ids::{IntegrationId, OrgId};
use crate::model::{Actor, Environment, Integration, Status};
use crate::service::{IntegrationService, changed_fields, created_fields, now};
use crate::store::WriteOutcome;
use crate::validation::{ValidationErrors, check_complete, check_name, parse_fields};

/// Longest provisioning key.
pub const MAX_KEY_LEN: usize = 100;
const ATTEMPTS: usize = 8;

/// One integration as the operator declares it. `config` holds resolved
/// values, secrets included, so this type has no derived `Debug`.
#[derive(Clone)]
pub struct ManagedEntry {
    /// Stable per organization: how a later run finds this integration.
    pub key: String,
    /// The integration's name.
    pub name: String,
    /// The integration's type (a change replaces the integration).
    pub kind: IntegrationType,
    /// Which environment its credentials are for.
    pub environment: Environment,
    /// Whether it sends.
    pub status: Status,
    /// Config values, secrets resolved, as the type's schema names them.
    pub config: Map<String, Value>,
}

impl fmt::Debug for ManagedEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ManagedEntry")
            .field("key", &self.key)
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("environment", &self.environment)
            .field("status", &self.status)
            .field("config", &self.config.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// An entry that passed validation (secret values held as secrets).
#[derive(Debug, Clone)]
pub struct PreparedEntry {
    key: String,
    name: String,
    kind: IntegrationType,
    environment: Environment,
    status: Status,
    config: Config,
}

impl PreparedEntry {
    /// The entry's key, unique per organization.
    pub fn key(&self) -> &str {
        &self.key
    }
}

/// What one run did in one organization.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProvisionReport {
    /// Integrations created (a changed type counts here and in `deleted`).
    pub created: usize,
    /// Integrations updated because their entry changed.
    pub updated: usize,
    /// Managed integrations deleted: no entry names them any more.
    pub deleted: usize,
    /// Integrations whose entry matched what is stored.
    pub unchanged: usize,
}

impl fmt::Display for ProvisionReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "created {}, updated {}, deleted {}, unchanged {}",
            self.created, self.updated, self.deleted, self.unchanged
        )
    }
}

/// A provisioning key: 1 to 100 of `A-Z a-z 0-9 . _ -`.
pub fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= MAX_KEY_LEN
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

impl IntegrationService {
    /// Validate one organization's entries without touching storage. Every
    /// problem is reported, each path prefixed with the entry's key
    /// (`sendgrid-main.config.apiKey`).
    pub fn prepare_managed(
        &self,
        entries: Vec<ManagedEntry>,
    ) -> Result<Vec<PreparedEntry>, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let mut seen = BTreeSet::new();
        let mut prepared = Vec::with_capacity(entries.len());
        for entry in entries {
            let mut own = ValidationErrors::default();
            if !valid_key(&entry.key) {
                own.push(
                    "key",
                    format!("must be 1 to {MAX_KEY_LEN} of the characters A-Z a-z 0-9 . _ -"),
                );
            } else if !seen.insert(entry.key.clone()) {
                own.push("key", "is used by another entry of this organization");
            }
            check_name(&entry.name, &mut own);
            let parsed = parse_fields(entry.kind, &entry.config, self.policy(), &mut own);
            for key in &parsed.nulls {
                own.push(format!("config.{key}"), "must not be null");
            }
            let config = parsed.config;
            let mut complete = config.clone();
            // Completeness as it will be stored (a webhook's signing secret
            // is generated when the file gives none).
            self.fill_defaults(entry.kind, &mut complete);
            check_complete(entry.kind, &complete, &mut own);
            if own.is_empty() {
                self.provider_validate(entry.kind, &complete, &mut own);
            }
            for e in own.0 {
                errors.push(format!("{}.{}", entry.key, e.field), e.message);
            }
            prepared.push(PreparedEntry {
                key: entry.key,
                name: entry.name.trim().to_string(),
                kind: entry.kind,
                environment: entry.environment,
                status: entry.status,
                config,
            });
        }
        errors.into_result().map(|()| prepared)
    }

    /// Make the organization's managed integrations match `entries`:
    /// create, update, leave alone or delete, recording each change and the
    /// run itself in the audit trail (actor `provisioning`).
    pub async fn apply_managed(
        &self,
        org: &OrgId,
        entries: Vec<PreparedEntry>,
    ) -> Result<ProvisionReport, DomainError> {
        let mut report = ProvisionReport::default();
        let mut stored: BTreeMap<String, Integration> = BTreeMap::new();
        for i in self.store().list_managed(org).await? {
            if let Some(key) = i.managed_key.clone() {
                stored.insert(key, i);
            }
        }
        for entry in entries {
            let current = stored.remove(&entry.key);
            self.apply_entry(org, entry, current, &mut report).await?;
        }
        for (_, leftover) in stored {
            if self.delete_managed(org, &leftover.id).await? {
                report.deleted += 1;
            }
        }
        self.record(
            org,
            &Actor::Provisioning,
            AuditAction::ProvisioningApplied,
            None,
            Vec::new(),
            Some(report.to_string()),
        )
        .await;
        Ok(report)
    }

    async fn apply_entry(
        &self,
        org: &OrgId,
        entry: PreparedEntry,
        mut current: Option<Integration>,
        report: &mut ProvisionReport,
    ) -> Result<(), DomainError> {
        for _ in 0..ATTEMPTS {
            let Some(existing) = current.take() else {
                match self.insert_managed(org, &entry).await? {
                    Some(()) => {
                        report.created += 1;
                        return Ok(());
                    }
                    // Another run created it meanwhile: compare with theirs.
                    None => {
                        current = self.find_managed(org, &entry.key).await?;
                        continue;
                    }
                }
            };
            if existing.kind != entry.kind {
                self.delete_managed(org, &existing.id).await?;
                report.deleted += 1;
                continue;
            }
            let desired = desired_config(&entry, Some(&existing), self);
            if existing.name == entry.name
                && existing.environment == entry.environment
                && existing.status == entry.status
                && existing.config.changed_keys(&desired).is_empty()
            {
                report.unchanged += 1;
                return Ok(());
            }
            let mut next = existing.clone();
            next.name = entry.name.clone();
            next.environment = entry.environment;
            next.status = entry.status;
            next.config = desired;
            next.updated_at = now();
            match self.store().update(&next, existing.version).await? {
                WriteOutcome::Done(saved) => {
                    self.record(
                        org,
                        &Actor::Provisioning,
                        AuditAction::Updated,
                        Some(&saved.id),
                        changed_fields(&existing, &saved),
                        None,
                    )
                    .await;
                    report.updated += 1;
                    return Ok(());
                }
                WriteOutcome::NotFound => current = None,
                WriteOutcome::VersionMismatch => {
                    current = self.store().get(org, &existing.id).await?;
                }
            }
        }
        Err(DomainError::Conflict(format!(
            "managed integration `{}` is being changed concurrently; run provisioning again",
            entry.key
        )))
    }

    /// Insert a new managed integration; `None` when one with this key
    /// already exists (a concurrent run won).
    async fn insert_managed(
        &self,
        org: &OrgId,
        entry: &PreparedEntry,
    ) -> Result<Option<()>, DomainError> {
        let at = now();
        let integration = Integration {
            id: IntegrationId::generate(),
            seq: 0,
            org_id: org.clone(),
            name: entry.name.clone(),
            kind: entry.kind,
            environment: entry.environment,
            status: entry.status,
            is_managed: true,
            managed_key: Some(entry.key.clone()),
            config: desired_config(entry, None, self),
            last_test: None,
            recorded_health: None,
            send_hold_until: None,
            version: 1,
            created_at: at,
            updated_at: at,
        };
        match self.store().insert(&integration).await {
            Ok(saved) => {
                self.record(
                    org,
                    &Actor::Provisioning,
                    AuditAction::Created,
                    Some(&saved.id),
                    created_fields(&saved),
                    None,
                )
                .await;
                Ok(Some(()))
            }
            Err(StoreError::Duplicate(_)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    async fn find_managed(
        &self,
        org: &OrgId,
        key: &str,
    ) -> Result<Option<Integration>, DomainError> {
        Ok(self
            .store()
            .list_managed(org)
            .await?
            .into_iter()
            .find(|i| i.managed_key.as_deref() == Some(key)))
    }

    /// Delete a managed integration; false when it was already gone.
    async fn delete_managed(&self, org: &OrgId, id: &IntegrationId) -> Result<bool, DomainError> {
        // A group's member stays until the group lets it go, as through the API.
        let groups = self.store().groups_using(org, id).await?;
        if !groups.is_empty() {
            return Err(DomainError::InUse(groups));
        }
        let deleted = match self.store().delete(org, id, None).await {
            Err(StoreError::Reference(_)) => {
                return Err(DomainError::InUse(
                    self.store().groups_using(org, id).await?,
                ));
            }
            other => other?,
        };
        match deleted {
            WriteOutcome::Done(()) => {
                self.record(
                    org,
                    &Actor::Provisioning,
                    AuditAction::Deleted,
                    Some(id),
                    Vec::new(),
                    None,
                )
                .await;
                Ok(true)
            }
            WriteOutcome::NotFound | WriteOutcome::VersionMismatch => Ok(false),
        }
    }
}

/// The config to store for an entry. A generated value (a webhook's signing
/// secret) is kept from the stored integration rather than generated again,
/// or every run would change it.
fn desired_config(
    entry: &PreparedEntry,
    current: Option<&Integration>,
    service: &IntegrationService,
) -> Config {
    let mut config = entry.config.clone();
    if entry.kind == IntegrationType::Webhook
        && !config.contains("signingSecret")
        && let Some(secret) = current.and_then(|c| c.config.secret("signingSecret"))
    {
        config.insert_secret("signingSecret", secret.clone());
    }
    service.fill_defaults(entry.kind, &mut config);
    config
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        assert!(valid_key("sendgrid-main"));
        assert!(valid_key("a.b_c-D9"));
        assert!(!valid_key(""));
        assert!(!valid_key("has space"));
        assert!(!valid_key(&"k".repeat(MAX_KEY_LEN + 1)));
    }

    #[test]
    fn debug_hides_config_values() {
        let mut config = Map::new();
        config.insert("apiKey".into(), Value::String("SG.CANARY".into()));
        let e = ManagedEntry {
            key: "k".into(),
            name: "n".into(),
            kind: IntegrationType::Sendgrid,
            environment: Environment::Stage,
            status: Status::Active,
            config,
        };
        let shown = format!("{e:?}");
        assert!(
            shown.contains("apiKey") && !shown.contains("CANARY"),
            "{shown}"
        );
    }
}
