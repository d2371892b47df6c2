//! The audit trail: who did what to which integration, and when.
//!
//! The use cases record an event after every change they make (create,
//! update, delete, status change, saved test) and after every provisioning
//! run. An event names the changed fields, never a value, so nothing in the
//! trail can leak a secret. Events outlive their integration: a deleted
//! integration's history stays readable.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::error::StoreError;
use crate::ids::{IntegrationId, OrgId};

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditAction {
    /// An integration was created.
    Created,
    /// An integration was changed in more than its status (the changed
    /// fields say what).
    Updated,
    /// An integration was deleted.
    Deleted,
    /// An update that changed nothing but the status.
    StatusChanged,
    /// A test of the stored credentials (tests with overrides are not saved,
    /// and not audited).
    Tested,
    /// One run of operator provisioning for an organization.
    ProvisioningApplied,
}

impl AuditAction {
    /// Every action, in order.
    pub const ALL: [AuditAction; 6] = [
        AuditAction::Created,
        AuditAction::Updated,
        AuditAction::Deleted,
        AuditAction::StatusChanged,
        AuditAction::Tested,
        AuditAction::ProvisioningApplied,
    ];

    /// As stored and listed.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::Created => "integration.created",
            AuditAction::Updated => "integration.updated",
            AuditAction::Deleted => "integration.deleted",
            AuditAction::StatusChanged => "integration.status_changed",
            AuditAction::Tested => "integration.tested",
            AuditAction::ProvisioningApplied => "provisioning.applied",
        }
    }

    /// The action stored as `s`, if any.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// An event to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuditEvent {
    /// The organization the event belongs to.
    pub org_id: OrgId,
    /// `Actor::as_label()`: an API key id, `provisioning` or `operator`.
    pub actor: String,
    /// What happened.
    pub action: AuditAction,
    /// `None` for events about no single integration (a provisioning run).
    pub integration_id: Option<IntegrationId>,
    /// Names of what changed: `name`, `environment`, `status`, and
    /// `config.<field>` for each config field added, changed or removed.
    /// Never a value.
    pub changed_fields: Vec<String>,
    /// A short, value-free note: a test's verdict (`success` / `error`), a
    /// provisioning run's counts.
    pub detail: Option<String>,
    /// When it happened.
    pub at: DateTime<Utc>,
}

/// A recorded event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    /// Assigned by the store; increases with every event.
    pub id: i64,
    /// What was recorded.
    pub event: NewAuditEvent,
}

/// Filters and cursor for listing one organization's events, oldest first.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// Only events about this integration.
    pub integration_id: Option<IntegrationId>,
    /// The id of the last event of the previous page.
    pub after: Option<i64>,
    /// At most this many events.
    pub limit: u32,
}

/// Where events are kept.
#[async_trait]
pub trait AuditStore: Send + Sync + 'static {
    /// Record one event.
    async fn record(&self, event: &NewAuditEvent) -> Result<(), StoreError>;

    /// Up to `query.limit` events of this organization after the cursor, in
    /// id order.
    async fn list(&self, org: &OrgId, query: &AuditQuery) -> Result<Vec<AuditEvent>, StoreError>;
}

/// Keeps nothing: for embedders that need no trail, and tests.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoAudit;

#[async_trait]
impl AuditStore for NoAudit {
    async fn record(&self, _event: &NewAuditEvent) -> Result<(), StoreError> {
        Ok(())
    }

    async fn list(&self, _org: &OrgId, _query: &AuditQuery) -> Result<Vec<AuditEvent>, StoreError> {
        Ok(Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_round_trip() {
        for a in AuditAction::ALL {
            assert_eq!(AuditAction::parse(a.as_str()), Some(a));
        }
        assert_eq!(AuditAction::parse("integration.exploded"), None);
    }
}
