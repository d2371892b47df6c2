//! Health checks and the OpenAPI document: no API key needed.

use std::time::Duration;

use actix_web::http::header;
use actix_web::rt::time::timeout;
use actix_web::web::Data;
use actix_web::{HttpResponse, get};

use crate::ApiState;
use crate::dto::Health;
use crate::problem::{ApiError, Problem};

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

/// How long readiness waits for the database: a probe must get its answer
/// well within an orchestrator's usual probe timeout, database down or not.
pub const READINESS_TIMEOUT: Duration = Duration::from_secs(1);

/// Readiness: the database answers.
#[utoipa::path(
    operation_id = "readyz",
    tag = "health",
    responses(
        (status = 200, description = "Ready.", body = Health),
        (status = 503, description = "The database does not answer within a second.", body = Problem, content_type = "application/problem+json", headers(
            ("Retry-After" = u32, description = "Seconds to wait before asking again."),
        )),
    )
)]
#[get("/readyz")]
pub async fn readyz(state: Data<ApiState>) -> Result<HttpResponse, ApiError> {
    let not_ready = || ApiError::unavailable("The database is not reachable.");
    match timeout(READINESS_TIMEOUT, state.integrations.store().ping()).await {
        Ok(Ok(())) => Ok(HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(Health {
                status: "ok".into(),
            })),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness check failed");
            Err(not_ready())
        }
        Err(_) => {
            tracing::warn!("readiness check failed: the database did not answer in time");
            Err(not_ready())
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
