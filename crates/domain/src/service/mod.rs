//! The use cases the API (and embedding services) call. Every one is scoped
//! to an organization.

use std::sync::Arc;

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use serde_json::{Map, Value};
use tokio::sync::Semaphore;

use crate::audit::{AuditStore, NoAudit};
use crate::catalogue::IntegrationType;
use crate::config::Config;
use crate::ids::IntegrationId;
use crate::model::{Environment, Status};
use crate::provider::{ProviderRegistry, TestOutcome};
use crate::store::IntegrationStore;
use crate::validation::{ValidationErrors, ValidationPolicy, generate_webhook_secret};

mod audit_trail;
mod credential_tests;
mod integrations;

pub(crate) use audit_trail::{changed_fields, created_fields};

/// The page size when a request names none.
pub const DEFAULT_PAGE_LIMIT: u32 = 50;
/// The largest page size a request may ask for.
pub const MAX_PAGE_LIMIT: u32 = 200;

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

/// An integration to create, as the request gives it.
#[derive(Debug, Clone)]
pub struct CreateIntegration {
    /// Its name (1 to 200 characters; trimmed).
    pub name: String,
    /// Its type.
    pub kind: IntegrationType,
    /// Config values as the type's schema names them; defaults fill what is
    /// left out.
    pub config: Map<String, Value>,
    /// Its environment; `None` is `production`.
    pub environment: Option<Environment>,
    /// Its status; `None` is `active`.
    pub status: Option<Status>,
    /// Only operator provisioning sets this.
    pub is_managed: bool,
}

/// Changes to an integration: `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UpdateIntegration {
    /// A new name.
    pub name: Option<String>,
    /// Merged key by key; a key given as `null` is removed.
    pub config: Option<Map<String, Value>>,
    /// A new environment.
    pub environment: Option<Environment>,
    /// A new status.
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

/// Filters and paging for listing one organization's integrations.
#[derive(Debug, Clone, Default)]
pub struct ListRequest {
    /// Only integrations of this type.
    pub kind: Option<IntegrationType>,
    /// Only integrations with this status.
    pub status: Option<Status>,
    /// Only integrations in this environment.
    pub environment: Option<Environment>,
    /// The previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// Page size; `None` is [`DEFAULT_PAGE_LIMIT`], at most [`MAX_PAGE_LIMIT`].
    pub limit: Option<u32>,
}

/// One page of a list, and where the next one starts.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The items, in list order.
    pub items: Vec<T>,
    /// Pass as `cursor` for the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// Filters and paging for the audit trail.
#[derive(Debug, Clone, Default)]
pub struct AuditListRequest {
    /// Only events about this integration.
    pub integration_id: Option<IntegrationId>,
    /// The previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// Page size; `None` is [`DEFAULT_PAGE_LIMIT`], at most [`MAX_PAGE_LIMIT`].
    pub limit: Option<u32>,
}

/// What a credential test saw, saved or not.
#[derive(Debug, Clone)]
pub struct TestReport {
    /// The provider's verdict.
    pub outcome: TestOutcome,
    /// How long the test took, in milliseconds.
    pub latency_ms: i64,
    /// When it ran.
    pub tested_at: DateTime<Utc>,
}

/// The integration use cases: create, read, list, update, delete and test,
/// each scoped to an organization and recorded in the audit trail.
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

    /// The validation policy configs are checked under.
    pub fn policy(&self) -> &ValidationPolicy {
        &self.policy
    }

    /// The integration store.
    pub fn store(&self) -> &Arc<dyn IntegrationStore> {
        &self.store
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
