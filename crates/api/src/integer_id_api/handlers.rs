//! The integer-id API's handlers: each reads its shape, calls the same use
//! case as `/api/integrations`, and answers in its shape.

use actix_web::http::header;
use actix_web::web::{Data, Path, Query};
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put};
use patchbay_domain::Integration;
use patchbay_domain::service::{CreateIntegration, UpdateIntegration};

use super::convert::{domain_error, kind_from_id, list_request, parse_seq, read_data};
use super::shapes::{
    IntegerIdCreateRequest, IntegerIdIntegration, IntegerIdIntegrationList, IntegerIdListQuery,
    IntegerIdStatusRequest, IntegerIdUpdateRequest,
};
use crate::ApiState;
use crate::auth::{Authorized, Read, Write};
use crate::body::JsonBody;
use crate::etag::{etag, if_match_version};
use crate::problem::{ApiError, Problem, ProblemFieldError};

fn resource(mut res: actix_web::HttpResponseBuilder, i: &Integration) -> HttpResponse {
    res.insert_header((header::ETAG, etag(i)))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(IntegerIdIntegration::from(i))
}

/// List integrations (integer-id API).
///
/// Rows come in creation order, each with its non-secret config; follow
/// `next_cursor` until it is `null` to see every row once.
#[utoipa::path(
    operation_id = "listIntegerIdIntegrations",
    tag = "integer-id-integrations",
    params(IntegerIdListQuery),
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "A page of integrations.", body = IntegerIdIntegrationList),
        (status = 400, description = "Malformed query string.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing, malformed, unknown or revoked API key.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key lacks the `read` scope.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An unknown parameter, or an invalid filter, limit or cursor.", body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "Internal error.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/integrations")]
pub async fn list_integer_id_integrations(
    auth: Authorized<Read>,
    state: Data<ApiState>,
    query: Query<IntegerIdListQuery>,
) -> Result<HttpResponse, ApiError> {
    let request = list_request(query.into_inner())?;
    let page = state.integrations.list(auth.org(), request).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(IntegerIdIntegrationList {
            data: page.items.iter().map(IntegerIdIntegration::from).collect(),
            next_cursor: page.next_cursor,
        }))
}

/// Create an integration (integer-id API).
///
/// `integration` is the type's integer id; `data` holds `environment` and
/// the type's config fields in snake_case. Secret fields (such as
/// `api_key`) are stored encrypted and never returned. The integration is
/// named after its type.
#[utoipa::path(
    operation_id = "createIntegerIdIntegration",
    tag = "integer-id-integrations",
    request_body(content = IntegerIdCreateRequest, content_type = "application/json"),
    security(("bearerAuth" = [])),
    responses(
        (status = 201, description = "Created.", body = IntegerIdIntegration, headers(
            ("Location" = String, description = "`/integrations/{id}`"),
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
#[post("/integrations")]
pub async fn create_integer_id_integration(
    auth: Authorized<Write>,
    state: Data<ApiState>,
    body: JsonBody<IntegerIdCreateRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let kind = kind_from_id(body.integration)?;
    let data = read_data(kind, body.data)?;
    let created = state
        .integrations
        .create(
            auth.org(),
            &auth.actor(),
            CreateIntegration {
                name: kind.spec().name.to_string(),
                kind,
                config: data.config,
                environment: data.environment,
                status: None,
                is_managed: false,
            },
        )
        .await
        .map_err(|e| domain_error(kind, e))?;
    let mut res = HttpResponse::Created();
    res.insert_header((header::LOCATION, format!("/integrations/{}", created.seq)));
    Ok(resource(res, &created))
}

/// Get an integration (integer-id API).
#[utoipa::path(
    operation_id = "getIntegerIdIntegration",
    tag = "integer-id-integrations",
    params(("id" = i64, Path, minimum = 1, description = "The integration's integer id.")),
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The integration.", body = IntegerIdIntegration, headers(
            ("ETag" = String, description = "The integration's version, for `If-Match`."),
        )),
        (status = 401, description = "Missing, malformed, unknown or revoked API key.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key lacks the `read` scope.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such integration in this organization.", body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "Internal error; `/problems/secrets-unreadable` when this integration's stored secrets cannot be decrypted with the server's keys.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/integrations/{id}")]
pub async fn get_integer_id_integration(
    auth: Authorized<Read>,
    state: Data<ApiState>,
    path: Path<String>,
) -> Result<HttpResponse, ApiError> {
    let seq = parse_seq(&path)?;
    let integration = state.integrations.get_by_seq(auth.org(), seq).await?;
    Ok(resource(HttpResponse::Ok(), &integration))
}

/// Update an integration (integer-id API).
///
/// Non-secret fields in `data` are merged key by key. Secret fields are
/// accepted only with `data.changeKeys: true`, and then the secrets sent
/// replace the whole stored set (a secret not sent is removed; the config
/// must still be complete). Without `changeKeys` the stored secrets are
/// kept. With `If-Match`, the update happens only at that version.
#[utoipa::path(
    operation_id = "updateIntegerIdIntegration",
    tag = "integer-id-integrations",
    params(
        ("id" = i64, Path, minimum = 1, description = "The integration's integer id."),
        ("If-Match" = String, Header, description = "An `ETag` from a previous response: update only if unchanged since."),
    ),
    request_body(content = IntegerIdUpdateRequest, content_type = "application/json"),
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The updated integration.", body = IntegerIdIntegration, headers(
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
        (status = 422, description = "Invalid fields, unknown fields, or secret fields without `changeKeys: true`.", body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "Internal error; `/problems/secrets-unreadable` when this integration's stored secrets cannot be decrypted with the server's keys.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/integrations/{id}")]
pub async fn update_integer_id_integration(
    auth: Authorized<Write>,
    state: Data<ApiState>,
    path: Path<String>,
    req: HttpRequest,
    body: JsonBody<IntegerIdUpdateRequest>,
) -> Result<HttpResponse, ApiError> {
    let seq = parse_seq(&path)?;
    let current = state.integrations.get_by_seq(auth.org(), seq).await?;
    let expected_version = if_match_version(&req, current.id.as_str())?;
    let body = body.0;
    let kind = current.kind;
    if let Some(id) = body.integration
        && id != i64::from(kind.id())
    {
        return Err(ApiError::field(
            "integration",
            format!(
                "must be this integration's type ({}, {}): the type of an integration cannot change",
                kind.id(),
                kind.slug()
            ),
        ));
    }
    let data = match body.data {
        Some(d) => Some(read_data(kind, d)?),
        None => None,
    };
    let (config, environment, replace_secrets) = match data {
        Some(d) => {
            if !d.change_keys && !d.secrets_sent.is_empty() {
                return Err(ApiError::validation(
                    d.secrets_sent
                        .into_iter()
                        .map(|name| ProblemFieldError {
                            field: format!("data.{name}"),
                            message: "is a secret: send secret fields only with \
                                      `data.changeKeys: true`, which replaces the stored \
                                      secrets with the ones sent"
                                .into(),
                        })
                        .collect(),
                ));
            }
            (Some(d.config), d.environment, d.change_keys)
        }
        None => (None, None, false),
    };
    let updated = state
        .integrations
        .update(
            auth.org(),
            &auth.actor(),
            &current.id,
            UpdateIntegration {
                name: None,
                config,
                environment,
                status: body.status.map(Into::into),
                cleared_config_keys: Vec::new(),
                expected_version,
                allow_managed: false,
                replace_secrets,
            },
        )
        .await
        .map_err(|e| domain_error(kind, e))?;
    Ok(resource(HttpResponse::Ok(), &updated))
}

/// Set an integration's status (integer-id API).
///
/// An `inactive` integration can still be read and tested, but is not used
/// to send. With `If-Match`, the change happens only at that version.
#[utoipa::path(
    operation_id = "setIntegerIdIntegrationStatus",
    tag = "integer-id-integrations",
    params(
        ("id" = i64, Path, minimum = 1, description = "The integration's integer id."),
        ("If-Match" = String, Header, description = "An `ETag` from a previous response: change only if unchanged since."),
    ),
    request_body(content = IntegerIdStatusRequest, content_type = "application/json"),
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The integration with its new status.", body = IntegerIdIntegration, headers(
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
        (status = 422, description = "Not a status.", body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "Internal error; `/problems/secrets-unreadable` when this integration's stored secrets cannot be decrypted with the server's keys.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/integrations/{id}/status")]
pub async fn set_integer_id_integration_status(
    auth: Authorized<Write>,
    state: Data<ApiState>,
    path: Path<String>,
    req: HttpRequest,
    body: JsonBody<IntegerIdStatusRequest>,
) -> Result<HttpResponse, ApiError> {
    let seq = parse_seq(&path)?;
    let current = state.integrations.get_by_seq(auth.org(), seq).await?;
    let expected_version = if_match_version(&req, current.id.as_str())?;
    let updated = state
        .integrations
        .update(
            auth.org(),
            &auth.actor(),
            &current.id,
            UpdateIntegration {
                status: Some(body.0.status.into()),
                expected_version,
                ..Default::default()
            },
        )
        .await?;
    Ok(resource(HttpResponse::Ok(), &updated))
}

/// Delete an integration and its secrets (integer-id API).
#[utoipa::path(
    operation_id = "deleteIntegerIdIntegration",
    tag = "integer-id-integrations",
    params(
        ("id" = i64, Path, minimum = 1, description = "The integration's integer id."),
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
#[delete("/integrations/{id}")]
pub async fn delete_integer_id_integration(
    auth: Authorized<Write>,
    state: Data<ApiState>,
    path: Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let seq = parse_seq(&path)?;
    let current = state.integrations.get_by_seq(auth.org(), seq).await?;
    let expected_version = if_match_version(&req, current.id.as_str())?;
    state
        .integrations
        .delete(
            auth.org(),
            &auth.actor(),
            &current.id,
            expected_version,
            false,
        )
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
