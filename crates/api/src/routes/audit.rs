//! `/api/audit-events`: the organization's audit trail (admin scope).

use actix_web::http::header;
use actix_web::web::{Data, Query};
use actix_web::{HttpResponse, get};
use chrono::{DateTime, Utc};
use patchbay_domain::IntegrationId;
use patchbay_domain::audit::AuditEvent;
use patchbay_domain::service::AuditListRequest;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::ApiState;
use crate::auth::{Admin, Authorized};
use crate::problem::{ApiError, Problem, ProblemFieldError};

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub enum AuditActionName {
    /// An integration was created.
    #[serde(rename = "integration.created")]
    Created,
    /// An integration was changed in more than its status.
    #[serde(rename = "integration.updated")]
    Updated,
    /// An integration was deleted.
    #[serde(rename = "integration.deleted")]
    Deleted,
    /// An update changed nothing but the status.
    #[serde(rename = "integration.status_changed")]
    StatusChanged,
    /// The stored credentials were tested.
    #[serde(rename = "integration.tested")]
    Tested,
    /// Operator provisioning ran for the organization.
    #[serde(rename = "provisioning.applied")]
    ProvisioningApplied,
}

impl From<patchbay_domain::audit::AuditAction> for AuditActionName {
    fn from(a: patchbay_domain::audit::AuditAction) -> Self {
        use patchbay_domain::audit::AuditAction as A;
        match a {
            A::Created => Self::Created,
            A::Updated => Self::Updated,
            A::Deleted => Self::Deleted,
            A::StatusChanged => Self::StatusChanged,
            A::Tested => Self::Tested,
            A::ProvisioningApplied => Self::ProvisioningApplied,
        }
    }
}

/// One audit event. It names what changed, never a value.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({
    "id": 42,
    "actor": "key_01jf8k2m3n4p5q6r7s8t9v0w1x",
    "action": "integration.updated",
    "integrationId": "int_01jf8k2m3n4p5q6r7s8t9v0w1x",
    "changedFields": ["config.apiKey", "name"],
    "detail": null,
    "createdAt": "2026-01-01T12:00:00.000Z"
}))]
pub struct AuditEventView {
    /// Increases with every event; the cursor of the next page.
    pub id: i64,
    /// The API key id (`key_…`) that made the change, `provisioning` for
    /// operator provisioning, or `operator` for an operator command.
    pub actor: String,
    /// What happened.
    pub action: AuditActionName,
    /// The integration concerned (it may have been deleted since); `null`
    /// for a provisioning run.
    #[schema(required = true)]
    pub integration_id: Option<String>,
    /// What changed, by name: `name`, `environment`, `status`,
    /// `config.<field>`. For a creation, the config fields set.
    pub changed_fields: Vec<String>,
    /// A value-free note: a test's verdict (`success`, `error`), a
    /// provisioning run's counts.
    #[schema(required = true)]
    pub detail: Option<String>,
    /// When it happened.
    #[serde(serialize_with = "crate::dto::millis")]
    pub created_at: DateTime<Utc>,
}

impl From<AuditEvent> for AuditEventView {
    fn from(e: AuditEvent) -> Self {
        let ev = e.event;
        Self {
            id: e.id,
            actor: ev.actor,
            action: ev.action.into(),
            integration_id: ev.integration_id.map(String::from),
            changed_fields: ev.changed_fields,
            detail: ev.detail,
            created_at: ev.at,
        }
    }
}

/// A page of audit events, oldest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditEventList {
    /// The events, oldest first.
    pub data: Vec<AuditEventView>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// Filters and paging for `GET /api/audit-events`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AuditEventsQuery {
    /// Only events about this integration (`int_…`), deleted ones included.
    #[param(pattern = r"^int_[0-7][0-9a-hjkmnp-tv-z]{25}$")]
    pub integration_id: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// The `nextCursor` of the previous page.
    #[param(pattern = r"^[0-9]{1,18}$")]
    pub cursor: Option<String>,
}

/// List the audit trail.
///
/// Every create, update, delete, status change and saved test of an
/// integration, and every provisioning run, oldest first. Events are kept
/// after their integration is deleted. Follow `nextCursor` until it is
/// `null` to see every event once. Needs the `admin` scope.
#[utoipa::path(
    operation_id = "listAuditEvents",
    tag = "audit",
    params(AuditEventsQuery),
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "A page of audit events.", body = AuditEventList),
        (status = 400, description = "Malformed query string.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing, malformed, unknown or revoked API key.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key lacks the `admin` scope.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An unknown parameter, or an invalid filter, limit or cursor.", body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "Internal error.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/audit-events")]
pub async fn list_audit_events(
    auth: Authorized<Admin>,
    state: Data<ApiState>,
    query: Query<AuditEventsQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let mut errors: Vec<ProblemFieldError> = Vec::new();
    let integration_id = q.integration_id.as_deref().and_then(|s| {
        let id = s.parse::<IntegrationId>().ok();
        if id.is_none() {
            errors.push(ProblemFieldError {
                field: "integrationId".into(),
                message: "must be an integration id (int_…)".into(),
            });
        }
        id
    });
    let limit = crate::routes::page_limit(q.limit.as_deref(), &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let page = state
        .integrations
        .list_audit_events(
            auth.org(),
            AuditListRequest {
                integration_id,
                cursor: q.cursor,
                limit,
            },
        )
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(AuditEventList {
            data: page.items.into_iter().map(AuditEventView::from).collect(),
            next_cursor: page.next_cursor,
        }))
}
