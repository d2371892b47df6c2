//! Health checks and the OpenAPI document: no API key needed.

use actix_web::http::header;
use actix_web::web::Data;
use actix_web::{HttpResponse, get};

use crate::ApiState;
use crate::dto::Health;
use crate::problem::{ApiError, Problem, ProblemKind};

/// The serialised OpenAPI document, built once per worker.
pub(crate) struct OpenApiJson(pub String);

/// Liveness: the process is up and serving.
#[utoipa::path(
    operation_id = "healthz",
    tag = "health",
    responses((status = 200, description = "Up.", body = Health))
)]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(Health {
            status: "ok".into(),
        })
}

/// Readiness: the database answers.
#[utoipa::path(
    operation_id = "readyz",
    tag = "health",
    responses(
        (status = 200, description = "Ready.", body = Health),
        (status = 503, description = "The database does not answer.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/readyz")]
pub async fn readyz(state: Data<ApiState>) -> Result<HttpResponse, ApiError> {
    match state.integrations.store().ping().await {
        Ok(()) => Ok(HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(Health {
                status: "ok".into(),
            })),
        Err(e) => {
            tracing::error!(error = %e, "readiness check failed");
            Err(ApiError::new(
                ProblemKind::Unavailable,
                "The database is not reachable.",
            ))
        }
    }
}

/// This API's OpenAPI 3.1 document.
#[utoipa::path(
    operation_id = "getOpenApiDocument",
    tag = "meta",
    responses((status = 200, description = "The OpenAPI document.", body = std::collections::HashMap<String, serde_json::Value>))
)]
#[get("/api/openapi.json")]
pub async fn openapi_json(doc: Data<OpenApiJson>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(doc.0.clone())
}
