//! The use cases the API (and embedding services) call. Every one is scoped
//! to an organization.

use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use serde_json::{Map, Value};
use tokio::sync::Semaphore;

use crate::audit::{AuditAction, AuditEvent, AuditQuery, AuditStore, NewAuditEvent, NoAudit};
use crate::catalogue::IntegrationType;
use crate::config::Config;
use crate::error::DomainError;
use crate::ids::{IntegrationId, OrgId};
use crate::model::{Actor, Environment, Integration, Status, TestResult};
use crate::provider::{ProviderContext, ProviderRegistry, TestOutcome};
use crate::store::{IntegrationStore, ListQuery, WriteOutcome};
use crate::validation::{
    ValidationErrors, ValidationPolicy, check_complete, check_name, generate_webhook_secret,
    parse_fields,
};

pub const DEFAULT_PAGE_LIMIT: u32 = 50;
pub const MAX_PAGE_LIMIT: u32 = 200;
/// How often an update re-reads and re-merges when a concurrent writer won.
/// Each lost attempt means another writer's change landed, so a burst of up
/// to this many concurrent writers to one integration all succeed; only a
/// sustained stream of changes makes a writer give up (409, retry).
const UPDATE_ATTEMPTS: usize = 32;

/// Timestamps at millisecond precision, so both backends return exactly what
/// was written.
pub fn now() -> DateTime<Utc> {
    let t = Utc::now();
    t.duration_trunc(TimeDelta::milliseconds(1)).unwrap_or(t)
}

/// A page size, `DEFAULT_PAGE_LIMIT` when absent; out of range is reported
/// on `limit`.
fn page_limit(limit: Option<u32>, errors: &mut ValidationErrors) -> u32 {
    let limit = limit.unwrap_or(DEFAULT_PAGE_LIMIT);
    if limit == 0 || limit > MAX_PAGE_LIMIT {
        errors.push("limit", format!("must be between 1 and {MAX_PAGE_LIMIT}"));
    }
    limit
}

#[derive(Debug, Clone)]
pub struct CreateIntegration {
    pub name: String,
    pub kind: IntegrationType,
    pub config: Map<String, Value>,
    pub environment: Option<Environment>,
    pub status: Option<Status>,
    /// Only operator provisioning sets this.
    pub is_managed: bool,
}

#[derive(Debug, Clone, Default)]
pub struct UpdateIntegration {
    pub name: Option<String>,
    /// Merged key by key; a key given as `null` is removed.
    pub config: Option<Map<String, Value>>,
    pub environment: Option<Environment>,
    pub status: Option<Status>,
    /// Keys removed from the stored config.
    pub cleared_config_keys: Vec<String>,
    /// From `If-Match`: refuse unless the stored version is this one.
    pub expected_version: Option<i64>,
    /// Operator provisioning may change managed integrations; the API may not.
    pub allow_managed: bool,
    /// The secret fields in `config` replace the whole stored set of secrets
    /// (a secret not sent is removed) instead of being merged into it. The
    /// integer-id API's `changeKeys: true`.
    pub replace_secrets: bool,
}

#[derive(Debug, Clone)]
pub struct ListRequest {
    pub kind: Option<IntegrationType>,
    pub status: Option<Status>,
    pub environment: Option<Environment>,
    pub cursor: Option<String>,
    pub limit: Option<u32>,
}

#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` for the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// Filters and paging for the audit trail.
#[derive(Debug, Clone, Default)]
pub struct AuditListRequest {
    pub integration_id: Option<IntegrationId>,
    pub cursor: Option<String>,
    pub limit: Option<u32>,
}

#[derive(Debug, Clone)]
pub struct TestReport {
    pub outcome: TestOutcome,
    pub latency_ms: i64,
    pub tested_at: DateTime<Utc>,
}

#[derive(Clone)]
pub struct IntegrationService {
    store: Arc<dyn IntegrationStore>,
    providers: ProviderRegistry,
    policy: ValidationPolicy,
    audit: Arc<dyn AuditStore>,
    /// The integration store writes create and test events itself, in the
    /// change's own transaction.
    audit_in_store: bool,
    /// Store calls of saved tests in flight at once (their provider calls
    /// are not bounded): a burst of tests must not queue every other
    /// request behind its reads and writes for the connection pool.
    test_store_calls: Arc<Semaphore>,
}

/// Default for [`IntegrationService::with_test_store_concurrency`].
pub const DEFAULT_TEST_STORE_CONCURRENCY: usize = 4;

impl IntegrationService {
    /// Without an audit trail; add one with [`IntegrationService::with_audit`].
    pub fn new(
        store: Arc<dyn IntegrationStore>,
        providers: ProviderRegistry,
        policy: ValidationPolicy,
    ) -> Self {
        Self {
            store,
            providers,
            policy,
            audit: Arc::new(NoAudit),
            audit_in_store: false,
            test_store_calls: Arc::new(Semaphore::new(DEFAULT_TEST_STORE_CONCURRENCY)),
        }
    }

    /// How many store calls of saved tests may run at once (at least 1);
    /// a fraction of the connection pool leaves the rest to other requests.
    pub fn with_test_store_concurrency(mut self, permits: usize) -> Self {
        self.test_store_calls = Arc::new(Semaphore::new(permits.max(1)));
        self
    }

    /// Record every change in this audit store.
    pub fn with_audit(mut self, audit: Arc<dyn AuditStore>) -> Self {
        self.audit = audit;
        self
    }

    /// The integration store is also the audit store (as with the SQL
    /// store): creates and saved tests are written together with their
    /// event in one transaction (`IntegrationStore::insert_audited`), so the
    /// record cannot be lost between two commits, and it costs one.
    pub fn audit_in_store(mut self) -> Self {
        self.audit_in_store = true;
        self
    }

    pub fn policy(&self) -> &ValidationPolicy {
        &self.policy
    }

    pub fn store(&self) -> &Arc<dyn IntegrationStore> {
        &self.store
    }

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

    pub async fn get(&self, org: &OrgId, id: &IntegrationId) -> Result<Integration, DomainError> {
        self.store.get(org, id).await?.ok_or(DomainError::NotFound)
    }

    pub async fn get_by_seq(&self, org: &OrgId, seq: i64) -> Result<Integration, DomainError> {
        self.store
            .get_by_seq(org, seq)
            .await?
            .ok_or(DomainError::NotFound)
    }

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
            match self.store.delete(org, id, Some(current.version)).await? {
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

    /// Test a saved integration, with `overrides` merged over its stored
    /// config for this call only. The result is recorded on the integration
    /// only when no overrides were given: the last result describes the
    /// stored credentials, and an override test says nothing about them.
    pub async fn test_saved(
        &self,
        org: &OrgId,
        actor: &Actor,
        id: &IntegrationId,
        overrides: Option<Map<String, Value>>,
    ) -> Result<TestReport, DomainError> {
        // The semaphore is never closed, so acquiring cannot fail.
        let permit = self.test_store_calls.acquire().await.ok();
        let current = self.get(org, id).await?;
        drop(permit);
        let has_overrides = overrides.as_ref().is_some_and(|o| !o.is_empty());
        let config = match &overrides {
            Some(o) if !o.is_empty() => {
                let mut errors = ValidationErrors::default();
                let parsed = parse_fields(current.kind, o, &self.policy, &mut errors);
                let mut config = current.config.clone();
                for key in &parsed.nulls {
                    config.remove(key);
                }
                for (key, value) in parsed.config.iter() {
                    match value {
                        crate::config::ConfigValue::Plain(v) => config.insert_plain(key, v.clone()),
                        crate::config::ConfigValue::Secret(s) => {
                            config.insert_secret(key, s.clone())
                        }
                    }
                }
                check_complete(current.kind, &config, &mut errors);
                if errors.is_empty() {
                    self.provider_validate(current.kind, &config, &mut errors);
                }
                errors.into_result()?;
                config
            }
            _ => current.config.clone(),
        };
        let ctx = ProviderContext {
            environment: current.environment,
            integration_id: Some(current.id.clone()),
            message_id: None,
        };
        let report = self.run_test(current.kind, &ctx, &config).await;
        if !has_overrides {
            let result = TestResult {
                success: report.outcome.is_success(),
                message: report.outcome.message.clone(),
                latency_ms: report.latency_ms,
                tested_at: report.tested_at,
            };
            let verdict = if result.success { "success" } else { "error" };
            let event = self.event(
                org,
                actor,
                AuditAction::Tested,
                Some(id),
                Vec::new(),
                Some(verdict.to_string()),
            );
            let _permit = self.test_store_calls.acquire().await.ok();
            if self.audit_in_store {
                self.store
                    .record_test_audited(org, id, &result, &event)
                    .await?;
            } else {
                self.store.record_test(org, id, &result).await?;
                self.record_event(event).await;
            }
        }
        Ok(report)
    }

    /// Test a config that is not saved.
    pub async fn test_unsaved(
        &self,
        kind: IntegrationType,
        config: &Map<String, Value>,
        environment: Environment,
    ) -> Result<TestReport, DomainError> {
        let mut errors = ValidationErrors::default();
        let parsed = parse_fields(kind, config, &self.policy, &mut errors);
        let mut config = parsed.config;
        self.fill_defaults(kind, &mut config);
        check_complete(kind, &config, &mut errors);
        if errors.is_empty() {
            self.provider_validate(kind, &config, &mut errors);
        }
        errors.into_result()?;
        let ctx = ProviderContext {
            environment,
            integration_id: None,
            message_id: None,
        };
        Ok(self.run_test(kind, &ctx, &config).await)
    }

    async fn run_test(
        &self,
        kind: IntegrationType,
        ctx: &ProviderContext,
        config: &Config,
    ) -> TestReport {
        let started = Instant::now();
        let tested_at = now();
        let outcome = match self.providers.get(kind) {
            Some(p) => p.test(ctx, config).await,
            None => TestOutcome::error(format!(
                "no provider for type `{}` is available in this build, so the credentials were not tested",
                kind.slug()
            ))
            .with_code("provider_unavailable"),
        };
        TestReport {
            outcome,
            latency_ms: i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX),
            tested_at,
        }
    }

    /// One organization's audit events, oldest first, a page at a time.
    pub async fn list_audit_events(
        &self,
        org: &OrgId,
        req: AuditListRequest,
    ) -> Result<Page<AuditEvent>, DomainError> {
        let mut errors = ValidationErrors::default();
        let limit = page_limit(req.limit, &mut errors);
        let after = match req.cursor.as_deref() {
            None => None,
            Some(c) => match c.parse::<i64>() {
                Ok(n) if n >= 0 && c.bytes().all(|b| b.is_ascii_digit()) => Some(n),
                _ => {
                    errors.push("cursor", "is not a cursor this service issued");
                    None
                }
            },
        };
        errors.into_result()?;
        let query = AuditQuery {
            integration_id: req.integration_id,
            after,
            limit: limit + 1,
        };
        let mut items = self.audit.list(org, &query).await?;
        let next_cursor = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(|e| e.id.to_string())
        } else {
            None
        };
        Ok(Page { items, next_cursor })
    }

    /// Record an audit event. The change it describes is already made, so a
    /// failure to record is logged (with the event's metadata, which holds
    /// no value) rather than reported to a caller who would retry it.
    pub(crate) async fn record(
        &self,
        org: &OrgId,
        actor: &Actor,
        action: AuditAction,
        integration_id: Option<&IntegrationId>,
        changed_fields: Vec<String>,
        detail: Option<String>,
    ) {
        let event = self.event(org, actor, action, integration_id, changed_fields, detail);
        self.record_event(event).await;
    }

    fn event(
        &self,
        org: &OrgId,
        actor: &Actor,
        action: AuditAction,
        integration_id: Option<&IntegrationId>,
        changed_fields: Vec<String>,
        detail: Option<String>,
    ) -> NewAuditEvent {
        NewAuditEvent {
            org_id: org.clone(),
            actor: actor.as_label(),
            action,
            integration_id: integration_id.cloned(),
            changed_fields,
            detail,
            at: now(),
        }
    }

    async fn record_event(&self, event: NewAuditEvent) {
        let action = event.action;
        if let Err(e) = self.audit.record(&event).await {
            tracing::error!(
                error = %e,
                org = %event.org_id,
                actor = %event.actor,
                action = action.as_str(),
                integration = ?event.integration_id.as_ref().map(IntegrationId::as_str),
                changed_fields = ?event.changed_fields,
                "recording an audit event failed; the change itself was made"
            );
        }
    }

    pub(crate) fn fill_defaults(&self, kind: IntegrationType, config: &mut Config) {
        // A webhook always has a signing secret: receivers can verify from the
        // first delivery, and the secret never has to travel back to them
        // through this API (they set their own, or rotate by clearing it).
        if kind == IntegrationType::Webhook && !config.contains("signingSecret") {
            config.insert_secret("signingSecret", generate_webhook_secret());
        }
    }

    pub(crate) fn provider_validate(
        &self,
        kind: IntegrationType,
        config: &Config,
        errors: &mut ValidationErrors,
    ) {
        if let Some(p) = self.providers.get(kind)
            && let Err(e) = p.validate(config)
        {
            errors.extend(e);
        }
    }
}

/// The audit names of a new integration's config fields.
pub(crate) fn created_fields(i: &Integration) -> Vec<String> {
    i.config.keys().map(|k| format!("config.{k}")).collect()
}

/// What differs between two versions of an integration, by name only:
/// `name`, `environment`, `status`, `config.<field>`.
pub(crate) fn changed_fields(before: &Integration, after: &Integration) -> Vec<String> {
    let mut fields = Vec::new();
    if before.name != after.name {
        fields.push("name".to_string());
    }
    if before.environment != after.environment {
        fields.push("environment".to_string());
    }
    if before.status != after.status {
        fields.push("status".to_string());
    }
    fields.extend(
        before
            .config
            .changed_keys(&after.config)
            .into_iter()
            .map(|k| format!("config.{k}")),
    );
    fields
}
