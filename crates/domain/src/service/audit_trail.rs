//! The audit trail: recording who changed what (field names, never
//! values) and reading it back a page at a time.

use crate::audit::{AuditAction, AuditEvent, AuditQuery, NewAuditEvent};
use crate::error::DomainError;
use crate::ids::{IntegrationId, OrgId};
use crate::model::{Actor, Integration};
use crate::validation::ValidationErrors;

use super::{AuditListRequest, IntegrationService, Page, now, page_limit};

impl IntegrationService {
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

    pub(super) fn event(
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

    pub(super) async fn record_event(&self, event: NewAuditEvent) {
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
