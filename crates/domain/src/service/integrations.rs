//! Creating, reading, listing, updating and deleting integrations.

use crate::audit::AuditAction;
use crate::error::{DomainError, StoreError};
use crate::ids::{IntegrationId, OrgId};
use crate::model::{Actor, Integration};
use crate::store::{ListQuery, WriteOutcome};
use crate::validation::{ValidationErrors, check_complete, check_name, parse_fields};

use super::audit_trail::{changed_fields, created_fields};
use super::{
    CreateIntegration, IntegrationService, ListRequest, Page, UpdateIntegration, now, page_limit,
};

/// How often an update re-reads and re-merges when a concurrent writer won.
/// Each lost attempt means another writer's change landed, so a burst of up
/// to this many concurrent writers to one integration all succeed; only a
/// sustained stream of changes makes a writer give up (409, retry).
const UPDATE_ATTEMPTS: usize = 32;

impl IntegrationService {
    /// Validate and store a new integration.
    pub async fn create(
        &self,
        org: &OrgId,
        actor: &Actor,
        input: CreateIntegration,
    ) -> Result<Integration, DomainError> {
        let mut errors = ValidationErrors::default();
        check_name(&input.name, &mut errors);
        let parsed = parse_fields(input.kind, &input.config, &self.policy, &mut errors);
        let mut config = parsed.config;
        self.fill_defaults(input.kind, &mut config);
        check_complete(input.kind, &config, &mut errors);
        if errors.is_empty() {
            self.provider_validate(input.kind, &config, &mut errors);
        }
        errors.into_result()?;
        let at = now();
        let integration = Integration {
            id: IntegrationId::generate(),
            seq: 0,
            org_id: org.clone(),
            name: input.name.trim().to_string(),
            kind: input.kind,
            environment: input.environment.unwrap_or_default(),
            status: input.status.unwrap_or_default(),
            is_managed: input.is_managed,
            managed_key: None,
            config,
            last_test: None,
            recorded_health: None,
            send_hold_until: None,
            version: 1,
            created_at: at,
            updated_at: at,
        };
        let event = self.event(
            org,
            actor,
            AuditAction::Created,
            Some(&integration.id),
            created_fields(&integration),
            None,
        );
        if self.audit_in_store {
            return Ok(self.store.insert_audited(&integration, &event).await?);
        }
        let saved = self.store.insert(&integration).await?;
        self.record_event(event).await;
        Ok(saved)
    }

    /// An integration of this organization.
    pub async fn get(&self, org: &OrgId, id: &IntegrationId) -> Result<Integration, DomainError> {
        self.store.get(org, id).await?.ok_or(DomainError::NotFound)
    }

    /// An integration of this organization by its integer id (the integer-id
    /// API's `id`).
    pub async fn get_by_seq(&self, org: &OrgId, seq: i64) -> Result<Integration, DomainError> {
        self.store
            .get_by_seq(org, seq)
            .await?
            .ok_or(DomainError::NotFound)
    }

    /// A page of this organization's integrations in creation order, filtered;
    /// the cursor is the last integration id.
    pub async fn list(
        &self,
        org: &OrgId,
        req: ListRequest,
    ) -> Result<Page<Integration>, DomainError> {
        let mut errors = ValidationErrors::default();
        let limit = page_limit(req.limit, &mut errors);
        let after = match req.cursor.as_deref() {
            None => None,
            Some(c) => match c.parse::<IntegrationId>() {
                Ok(id) => Some(id),
                Err(_) => {
                    errors.push("cursor", "is not a cursor this service issued");
                    None
                }
            },
        };
        errors.into_result()?;
        let query = ListQuery {
            kind: req.kind,
            status: req.status,
            environment: req.environment,
            after,
            // One extra row tells whether another page exists.
            limit: limit + 1,
        };
        let mut items = self.store.list(org, &query).await?;
        let next_cursor = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(|i| i.id.to_string())
        } else {
            None
        };
        Ok(Page { items, next_cursor })
    }

    /// Merge the changes into the stored integration. Concurrent writers are
    /// serialised by the version guard: a losing writer re-reads and
    /// re-merges, so no change is lost and no half-merged config is stored.
    /// An update that changes nothing writes nothing: the version,
    /// `updated_at` and every client's ETag stay, and no event is recorded.
    pub async fn update(
        &self,
        org: &OrgId,
        actor: &Actor,
        id: &IntegrationId,
        input: UpdateIntegration,
    ) -> Result<Integration, DomainError> {
        for _ in 0..UPDATE_ATTEMPTS {
            let current = self.get(org, id).await?;
            if current.is_managed && !input.allow_managed {
                return Err(DomainError::Managed);
            }
            // A bad request is a 422 whatever the precondition says: the
            // client must fix the body either way.
            let next = self.apply_update(&current, &input)?;
            if input.expected_version.is_some_and(|v| v != current.version) {
                return Err(DomainError::PreconditionFailed);
            }
            if changed_fields(&current, &next).is_empty() {
                return Ok(current);
            }
            match self.store.update(&next, current.version).await? {
                WriteOutcome::Done(saved) => {
                    let fields = changed_fields(&current, &saved);
                    let action = if fields == ["status"] {
                        AuditAction::StatusChanged
                    } else {
                        AuditAction::Updated
                    };
                    self.record(org, actor, action, Some(&saved.id), fields, None)
                        .await;
                    return Ok(saved);
                }
                WriteOutcome::NotFound => return Err(DomainError::NotFound),
                WriteOutcome::VersionMismatch if input.expected_version.is_some() => {
                    return Err(DomainError::PreconditionFailed);
                }
                WriteOutcome::VersionMismatch => continue,
            }
        }
        Err(DomainError::Conflict(
            "the integration is being changed by other requests; try again".into(),
        ))
    }

    fn apply_update(
        &self,
        current: &Integration,
        input: &UpdateIntegration,
    ) -> Result<Integration, DomainError> {
        let kind = current.kind;
        let mut errors = ValidationErrors::default();
        let mut next = current.clone();
        if let Some(name) = &input.name {
            check_name(name, &mut errors);
            next.name = name.trim().to_string();
        }
        let mut cleared: Vec<String> = Vec::new();
        for (i, key) in input.cleared_config_keys.iter().enumerate() {
            match kind.canonical_field(key) {
                Some(f) => cleared.push(f.name.to_string()),
                None => errors.push(
                    format!("clearedConfigKeys[{i}]"),
                    format!("is not a field of type `{}`", kind.slug()),
                ),
            }
        }
        let mut config = current.config.clone();
        for key in &cleared {
            config.remove(key);
        }
        if input.replace_secrets {
            for key in current.config.secret_names() {
                config.remove(&key);
            }
        }
        if let Some(patch) = &input.config {
            let parsed = parse_fields(kind, patch, &self.policy, &mut errors);
            for key in parsed.config.keys() {
                if cleared.iter().any(|c| c == key) {
                    errors.push(
                        format!("config.{key}"),
                        "is both set and listed in clearedConfigKeys",
                    );
                }
            }
            for key in &parsed.nulls {
                config.remove(key);
            }
            for (key, value) in parsed.config.iter() {
                match value {
                    crate::config::ConfigValue::Plain(v) => config.insert_plain(key, v.clone()),
                    crate::config::ConfigValue::Secret(s) => config.insert_secret(key, s.clone()),
                }
            }
        }
        self.fill_defaults(kind, &mut config);
        check_complete(kind, &config, &mut errors);
        if errors.is_empty() {
            self.provider_validate(kind, &config, &mut errors);
        }
        errors.into_result()?;
        next.config = config;
        if let Some(env) = input.environment {
            next.environment = env;
        }
        if let Some(status) = input.status {
            next.status = status;
        }
        next.updated_at = now();
        Ok(next)
    }

    /// Delete an integration, optionally only at `expected_version`. A managed
    /// one needs `allow_managed`; one that integration groups list answers
    /// [`DomainError::InUse`].
    pub async fn delete(
        &self,
        org: &OrgId,
        actor: &Actor,
        id: &IntegrationId,
        expected_version: Option<i64>,
        allow_managed: bool,
    ) -> Result<(), DomainError> {
        for _ in 0..UPDATE_ATTEMPTS {
            let current = self.get(org, id).await?;
            if current.is_managed && !allow_managed {
                return Err(DomainError::Managed);
            }
            if expected_version.is_some_and(|v| v != current.version) {
                return Err(DomainError::PreconditionFailed);
            }
            let groups = self.store.groups_using(org, id).await?;
            if !groups.is_empty() {
                return Err(DomainError::InUse(groups));
            }
            let deleted = match self.store.delete(org, id, Some(current.version)).await {
                // A group took it as a member after the check above.
                Err(StoreError::Reference(_)) => {
                    return Err(DomainError::InUse(self.store.groups_using(org, id).await?));
                }
                other => other?,
            };
            match deleted {
                WriteOutcome::Done(()) => {
                    self.record(org, actor, AuditAction::Deleted, Some(id), Vec::new(), None)
                        .await;
                    return Ok(());
                }
                WriteOutcome::NotFound => return Err(DomainError::NotFound),
                WriteOutcome::VersionMismatch if expected_version.is_some() => {
                    return Err(DomainError::PreconditionFailed);
                }
                WriteOutcome::VersionMismatch => continue,
            }
        }
        Err(DomainError::Conflict(
            "the integration is being changed by other requests; try again".into(),
        ))
    }
}
