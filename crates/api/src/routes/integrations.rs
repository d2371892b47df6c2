//! `/api/integrations`: integrations by their `int_…` ids, types by slug,
//! config in camelCase.

use actix_web::http::header;
use actix_web::web::{Data, Path, Query};
use actix_web::{HttpRequest, HttpResponse, delete, get, post, put};
use patchbay_domain::service::{CreateIntegration, ListRequest, UpdateIntegration};
use patchbay_domain::{Integration, IntegrationId, IntegrationType};

use crate::ApiState;
use crate::auth::{Authorized, Read, Test, Write};
use crate::body::{JsonBody, OptionalJsonBody};
use crate::dto::{
    CreateIntegrationRequest, IntegrationDetail, IntegrationList, IntegrationSummary,
    ListIntegrationsQuery, TestConfigRequest, TestIntegrationRequest, TestResponse,
    UpdateIntegrationRequest,
};
use crate::etag::{etag, if_match_version};
use crate::problem::{ApiError, Problem, ProblemFieldError};
use crate::routes::{integration_list, invalid};

/// A malformed id is as unknown as a missing one.
fn parse_id(raw: &str) -> Result<IntegrationId, ApiError> {
    raw.parse().map_err(|_| ApiError::not_found())
}

fn detail_response(mut res: actix_web::HttpResponseBuilder, i: &Integration) -> HttpResponse {
    res.insert_header((header::ETAG, etag(i)))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(IntegrationDetail::from(i))
}

fn list_request(q: ListIntegrationsQuery) -> Result<ListRequest, ApiError> {
    let mut errors: Vec<ProblemFieldError> = Vec::new();
    let kind = q.kind.as_deref().and_then(|s| {
        let t = IntegrationType::from_slug(s);
        if t.is_none() {
            let slugs: Vec<&str> = IntegrationType::all().iter().map(|t| t.slug()).collect();
            invalid(
                &mut errors,
                "type",
                format!("must be one of: {}", slugs.join(", ")),
            );
        }
        t
    });
    integration_list(
        kind,
        q.status.as_deref(),
        q.environment.as_deref(),
        q.limit.as_deref(),
        q.cursor,
        errors,
    )
}

/// List integrations.
///
/// Configuration is excluded from list responses. Rows come in creation
/// order; follow `nextCursor` until it is `null` to see every row once.
#[utoipa::path(
    operation_id = "listIntegrations",
    tag = "integrations",
    params(ListIntegrationsQuery),
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "A page of integrations, without config.", body = IntegrationList),
        (status = 400, description = "Malformed query string.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing, malformed, unknown or revoked API key.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key lacks the `read` scope.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An unknown parameter, or an invalid filter, limit or cursor.", body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "Internal error.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/integrations")]
pub async fn list_integrations(
    auth: Authorized<Read>,
    state: Data<ApiState>,
    query: Query<ListIntegrationsQuery>,
) -> Result<HttpResponse, ApiError> {
    let request = list_request(query.into_inner())?;
    let page = state.integrations.list(auth.org(), request).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(IntegrationList {
            data: page.items.iter().map(IntegrationSummary::from).collect(),
            next_cursor: page.next_cursor,
        }))
}

/// Create an integration.
///
/// `config` is validated against the type's schema; every invalid field is
/// reported with its path. Secret values are stored encrypted and never
/// returned.
#[utoipa::path(
    operation_id = "createIntegration",
    tag = "integrations",
    request_body(content = CreateIntegrationRequest, content_type = "application/json"),
    security(("bearerAuth" = [])),
    responses(
        (status = 201, description = "Created.", body = IntegrationDetail, headers(
            ("Location" = String, description = "`/api/integrations/{id}`"),
            ("ETag" = String, description = "The integration's version, for `If-Match`."),
        )),
        (status = 400, description = "Malformed JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing, malformed, unknown or revoked API key.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key lacks the `write` scope.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over the size limit.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, unknown fields included.", body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "Internal error.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/integrations")]
pub async fn create_integration(
    auth: Authorized<Write>,
    state: Data<ApiState>,
    body: JsonBody<CreateIntegrationRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let created = state
        .integrations
        .create(
            auth.org(),
            &auth.actor(),
            CreateIntegration {
                name: body.name,
                kind: body.kind.kind(),
                config: body.config,
                environment: body.environment.map(Into::into),
                status: body.status.map(Into::into),
                is_managed: false,
            },
        )
        .await?;
    let mut res = HttpResponse::Created();
    res.insert_header((
        header::LOCATION,
        format!("/api/integrations/{}", created.id),
    ));
    Ok(detail_response(res, &created))
}

/// Get an integration.
///
/// Non-secret config values are returned verbatim; secret fields are absent
/// from `config` and listed in `secrets` with a masked hint.
#[utoipa::path(
    operation_id = "getIntegration",
    tag = "integrations",
    params(("integrationId" = String, Path, description = "The integration's id (`int_…`).")),
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The integration.", body = IntegrationDetail, headers(
            ("ETag" = String, description = "The integration's version, for `If-Match`."),
        )),
        (status = 401, description = "Missing, malformed, unknown or revoked API key.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key lacks the `read` scope.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such integration in this organization.", body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "Internal error; `/problems/secrets-unreadable` when this integration's stored secrets cannot be decrypted with the server's keys.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/integrations/{integrationId}")]
pub async fn get_integration(
    auth: Authorized<Read>,
    state: Data<ApiState>,
    path: Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path)?;
    let integration = state.integrations.get(auth.org(), &id).await?;
    Ok(detail_response(HttpResponse::Ok(), &integration))
}

/// Update an integration.
///
/// Every member is optional. `config` is merged key by key: a secret left
/// out keeps its stored value, a key given as `null` or named in
/// `clearedConfigKeys` is removed. With `If-Match`, the update happens only
/// if the integration is still at that version.
#[utoipa::path(
    operation_id = "updateIntegration",
    tag = "integrations",
    params(
        ("integrationId" = String, Path, description = "The integration's id (`int_…`)."),
        ("If-Match" = String, Header, description = "An `ETag` from a previous response: update only if unchanged since."),
    ),
    request_body(content = UpdateIntegrationRequest, content_type = "application/json"),
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The updated integration.", body = IntegrationDetail, headers(
            ("ETag" = String, description = "The integration's new version."),
        )),
        (status = 400, description = "Malformed JSON or a malformed `If-Match`.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing, malformed, unknown or revoked API key.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key lacks the `write` scope.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such integration in this organization.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A managed integration, or too many concurrent changes.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` does not name the current version.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over the size limit.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, unknown fields included.", body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "Internal error; `/problems/secrets-unreadable` when this integration's stored secrets cannot be decrypted with the server's keys.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/api/integrations/{integrationId}")]
pub async fn update_integration(
    auth: Authorized<Write>,
    state: Data<ApiState>,
    path: Path<String>,
    req: HttpRequest,
    body: JsonBody<UpdateIntegrationRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path)?;
    let expected_version = if_match_version(&req, id.as_str())?;
    let body = body.0;
    let updated = state
        .integrations
        .update(
            auth.org(),
            &auth.actor(),
            &id,
            UpdateIntegration {
                name: body.name,
                config: body.config,
                environment: body.environment.map(Into::into),
                status: body.status.map(Into::into),
                cleared_config_keys: body.cleared_config_keys.unwrap_or_default(),
                expected_version,
                allow_managed: false,
                replace_secrets: false,
            },
        )
        .await?;
    Ok(detail_response(HttpResponse::Ok(), &updated))
}

/// Delete an integration and its secrets.
#[utoipa::path(
    operation_id = "deleteIntegration",
    tag = "integrations",
    params(
        ("integrationId" = String, Path, description = "The integration's id (`int_…`)."),
        ("If-Match" = String, Header, description = "An `ETag` from a previous response: delete only if unchanged since."),
    ),
    security(("bearerAuth" = [])),
    responses(
        (status = 204, description = "Deleted."),
        (status = 400, description = "A malformed `If-Match`.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing, malformed, unknown or revoked API key.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key lacks the `write` scope.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such integration in this organization.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`/problems/managed`: a managed integration. `/problems/in-use`: a member of integration groups (the detail names them). `/problems/conflict`: too many concurrent changes.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` does not name the current version.", body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "Internal error; `/problems/secrets-unreadable` when this integration's stored secrets cannot be decrypted with the server's keys.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/api/integrations/{integrationId}")]
pub async fn delete_integration(
    auth: Authorized<Write>,
    state: Data<ApiState>,
    path: Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path)?;
    let expected_version = if_match_version(&req, id.as_str())?;
    state
        .integrations
        .delete(auth.org(), &auth.actor(), &id, expected_version, false)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Test an integration's credentials and connectivity.
///
/// `configOverrides` are merged over the stored config for this test only
/// and never saved. The body is optional. The answer is 200 whatever the
/// verdict: the test ran, and `status` says how it went. A test without
/// overrides is recorded as the integration's `lastTest`.
#[utoipa::path(
    operation_id = "testIntegration",
    tag = "integrations",
    params(("integrationId" = String, Path, description = "The integration's id (`int_…`).")),
    request_body(content = TestIntegrationRequest, content_type = "application/json", description = "Optional: an absent or empty body tests the stored config."),
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The test ran; its verdict is `status`.", body = TestResponse),
        (status = 400, description = "Malformed JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing, malformed, unknown or revoked API key.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key lacks the `test` scope.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such integration in this organization.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over the size limit.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid overrides.", body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "Internal error; `/problems/secrets-unreadable` when this integration's stored secrets cannot be decrypted with the server's keys.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/integrations/{integrationId}/test")]
pub async fn test_integration(
    auth: Authorized<Test>,
    state: Data<ApiState>,
    path: Path<String>,
    body: OptionalJsonBody<TestIntegrationRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path)?;
    let overrides = body.0.and_then(|b| b.config_overrides);
    let report = state
        .integrations
        .test_saved(auth.org(), &auth.actor(), &id, overrides)
        .await?;
    Ok(HttpResponse::Ok().json(TestResponse::from(report)))
}

/// Test a configuration that is not saved.
///
/// The config is validated as for create, then tested; nothing is stored.
#[utoipa::path(
    operation_id = "testIntegrationConfig",
    tag = "integrations",
    request_body(content = TestConfigRequest, content_type = "application/json"),
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The test ran; its verdict is `status`.", body = TestResponse),
        (status = 400, description = "Malformed JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing, malformed, unknown or revoked API key.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key lacks the `test` scope.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over the size limit.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields.", body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "Internal error.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/integrations/test")]
pub async fn test_integration_config(
    _auth: Authorized<Test>,
    state: Data<ApiState>,
    body: JsonBody<TestConfigRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let environment = body.environment.map(Into::into).unwrap_or_default();
    let report = state
        .integrations
        .test_unsaved(body.kind.kind(), &body.config, environment)
        .await?;
    Ok(HttpResponse::Ok().json(TestResponse::from(report)))
}
