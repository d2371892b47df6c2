//! `GET /api/me`: what the presented API key may do, so that a client (the
//! console) offers only the actions its key allows. Never the key itself.

use actix_web::web::Data;
use actix_web::{HttpResponse, get};

use crate::ApiState;
use crate::auth::Authenticated;
use crate::dto::{ApiScope, CurrentKey, OrganizationRef};
use crate::problem::{ApiError, Problem};

/// Describe the presented API key.
#[utoipa::path(
    operation_id = "getCurrentKey",
    tag = "auth",
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The key's organization, id and scopes.", body = CurrentKey),
        (status = 401, description = "Missing, malformed, unknown or revoked API key.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/me")]
pub async fn get_current_key(
    auth: Authenticated,
    state: Data<ApiState>,
) -> Result<HttpResponse, ApiError> {
    let principal = auth.0;
    let organization = state
        .tenants
        .get_organization(&principal.org_id)
        .await?
        .ok_or_else(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(CurrentKey {
            key_id: principal.key_id().map(ToString::to_string),
            actor: principal.actor.as_label(),
            organization: OrganizationRef {
                id: organization.id.to_string(),
                name: organization.name,
            },
            scopes: principal.scopes.iter().map(ApiScope::from).collect(),
        }))
}
