//! `/api/integration-types`: the compiled-in catalogue, with each type's
//! JSON Schema for its config, so a UI can render forms and an SDK can
//! validate before sending.

use actix_web::web::{Data, Path};
use actix_web::{HttpResponse, get};
use patchbay_domain::IntegrationType;
use patchbay_domain::catalogue::catalogue;

use crate::ApiState;
use crate::auth::{Authorized, Read};
use crate::dto::{IntegrationTypeInfo, IntegrationTypeList};
use crate::problem::{ApiError, Problem, ProblemKind};

/// List the integration types.
#[utoipa::path(
    operation_id = "listIntegrationTypes",
    tag = "integration-types",
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "Every type this service knows.", body = IntegrationTypeList),
        (status = 401, description = "Missing, malformed, unknown or revoked API key.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key lacks the `read` scope.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/integration-types")]
pub async fn list_integration_types(
    _auth: Authorized<Read>,
    state: Data<ApiState>,
) -> HttpResponse {
    let policy = state.integrations.policy();
    HttpResponse::Ok().json(IntegrationTypeList {
        data: catalogue()
            .iter()
            .map(|spec| IntegrationTypeInfo::new(spec, policy))
            .collect(),
    })
}

/// Get one integration type.
#[utoipa::path(
    operation_id = "getIntegrationType",
    tag = "integration-types",
    params(("slug" = String, Path, description = "The type's slug, e.g. `slack`.")),
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The type.", body = IntegrationTypeInfo),
        (status = 401, description = "Missing, malformed, unknown or revoked API key.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key lacks the `read` scope.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such type.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/integration-types/{slug}")]
pub async fn get_integration_type(
    _auth: Authorized<Read>,
    state: Data<ApiState>,
    slug: Path<String>,
) -> Result<HttpResponse, ApiError> {
    let kind = IntegrationType::from_slug(&slug)
        .ok_or_else(|| ApiError::new(ProblemKind::NotFound, "No such integration type."))?;
    Ok(HttpResponse::Ok().json(IntegrationTypeInfo::new(
        kind.spec(),
        state.integrations.policy(),
    )))
}
