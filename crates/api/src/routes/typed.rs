//! `/integrations`: the second seed's API over the same integrations as
//! `/api/integrations`.
//!
//! - A type is named by its catalogue integer id (`integration: 4` is
//!   SendGrid); config fields are the catalogue's, in snake_case
//!   (`fromEmail` → `from_email`), derived by rule, never listed twice.
//! - `id` is the integration's `seq`: a positive integer assigned at
//!   creation, never changed and never reused, unique across the
//!   installation. The same integration has an `int_…` id in the first API;
//!   both name one row, and its `ETag` (which carries the `int_…` id) is the
//!   same in both.
//! - Secret fields are never returned. On `PUT`, a secret field is accepted
//!   only with `data.changeKeys: true`, and then the secrets sent replace
//!   the whole stored set; without it the stored secrets are kept.

use std::collections::{BTreeMap, HashMap};

use actix_web::http::header;
use actix_web::web::{Data, Path, Query};
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put};
use chrono::{DateTime, Utc};
use patchbay_domain::catalogue::FieldSpec;
use patchbay_domain::service::{CreateIntegration, ListRequest, UpdateIntegration};
use patchbay_domain::{DomainError, Environment, Integration, IntegrationType};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};

use crate::ApiState;
use crate::auth::{Authorized, Read, Write};
use crate::body::JsonBody;
use crate::dto::{IntegrationEnvironment, IntegrationStatus, IntegrationTypeSlug};
use crate::etag::{etag, if_match_version};
use crate::problem::{ApiError, Problem, ProblemFieldError};
use crate::routes::{environment_filter, page_limit, status_filter};

/// The catalogue's fixed timestamp: types are compiled in, so their
/// `created_at` and `updated_at` never change.
pub const CATALOGUE_TIMESTAMP: &str = "2025-06-17T15:40:10.419Z";

/// `fromEmail` → `from_email`.
pub fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The config field with this snake_case name.
fn field_by_snake(kind: IntegrationType, snake: &str) -> Option<&'static FieldSpec> {
    kind.spec()
        .fields
        .iter()
        .find(|f| snake_case(f.name) == snake)
}

// ---------------------------------------------------------------- shapes

/// The integration type, as the second API nests it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 4,
    "name": "Sendgrid",
    "description": "integrations.sendgrid.description",
    "category": "integrations.sendgrid.category",
    "slug": "sendgrid",
    "created_at": "2025-06-17T15:40:10.419Z",
    "updated_at": "2025-06-17T15:40:10.419Z",
    "media": []
}))]
pub struct TypedIntegrationType {
    /// The type's stable integer id (as `integration` in requests).
    pub id: i32,
    pub name: String,
    /// A translation key: `integrations.<slug>.description`.
    pub description: String,
    /// A translation key: `integrations.<slug>.category`.
    pub category: String,
    pub slug: IntegrationTypeSlug,
    /// Fixed: the catalogue is compiled in.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: &'static str,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: &'static str,
    /// Logos and screenshots for a UI; may be empty.
    pub media: Vec<String>,
}

impl TypedIntegrationType {
    pub fn new(kind: IntegrationType) -> Self {
        let spec = kind.spec();
        Self {
            id: spec.id,
            name: spec.name.to_string(),
            description: format!("integrations.{}.description", spec.slug),
            category: format!("integrations.{}.category", spec.slug),
            slug: IntegrationTypeSlug::from_kind(kind),
            created_at: CATALOGUE_TIMESTAMP,
            updated_at: CATALOGUE_TIMESTAMP,
            media: Vec::new(),
        }
    }
}

/// The applied configuration: `changeKeys` (always `false` in a response),
/// `environment`, and the type's non-secret config fields in snake_case.
/// Secret fields (such as `api_key`) are never returned.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"changeKeys": false, "environment": "stage", "from_email": "notifications@yourcompany.com.br", "from_name": "Enspace Notifications"}))]
pub struct TypedData {
    #[serde(rename = "changeKeys")]
    pub change_keys: bool,
    pub environment: IntegrationEnvironment,
    /// The non-secret config fields, snake_case.
    #[serde(flatten)]
    pub fields: BTreeMap<String, Value>,
}

/// An integration as the second API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 105,
    "data": {"changeKeys": false, "environment": "stage"},
    "integration": {
        "id": 4,
        "name": "Sendgrid",
        "description": "integrations.sendgrid.description",
        "category": "integrations.sendgrid.category",
        "slug": "sendgrid",
        "created_at": "2025-06-17T15:40:10.419Z",
        "updated_at": "2025-06-17T15:40:10.419Z",
        "media": []
    },
    "status": "active",
    "created_at": "2026-03-12T20:55:53.111Z",
    "updated_at": "2026-03-12T20:55:53.132Z"
}))]
pub struct TypedIntegration {
    /// The integration's stable integer id.
    #[schema(minimum = 1, example = 105)]
    pub id: i64,
    pub data: TypedData,
    pub integration: TypedIntegrationType,
    pub status: IntegrationStatus,
    #[serde(serialize_with = "crate::dto::millis")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "crate::dto::millis")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: DateTime<Utc>,
}

impl From<&Integration> for TypedIntegration {
    fn from(i: &Integration) -> Self {
        let fields = i
            .config
            .plain_json()
            .into_iter()
            .map(|(k, v)| (snake_case(&k), v))
            .collect();
        Self {
            id: i.seq,
            data: TypedData {
                change_keys: false,
                environment: i.environment.into(),
                fields,
            },
            integration: TypedIntegrationType::new(i.kind),
            status: i.status.into(),
            created_at: i.created_at,
            updated_at: i.updated_at,
        }
    }
}

/// A page of integrations.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TypedIntegrationList {
    pub data: Vec<TypedIntegration>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// `data` of a request: `environment`, `changeKeys`, and the type's config
/// fields in snake_case (each type's fields are the `configSchema`
/// properties of `GET /api/integration-types/{slug}`, snake_cased). Any
/// other member is refused.
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)] // documents the shape; requests are read field by field
pub struct TypedRequestData {
    /// Default `production`.
    #[schema(nullable = false)]
    environment: Option<IntegrationEnvironment>,
    /// On update: `true` replaces the stored secrets with the ones sent
    /// (secret fields are refused without it). Ignored on create.
    #[serde(rename = "changeKeys")]
    #[schema(nullable = false)]
    change_keys: Option<bool>,
    /// The type's config fields, snake_case.
    #[serde(flatten)]
    fields: HashMap<String, Value>,
}

/// `POST /integrations`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "integration": 4,
    "data": {
        "environment": "stage",
        "api_key": "SG.xxxxxxxxxxxxxxxxxxxx",
        "from_email": "notifications@yourcompany.com.br",
        "from_name": "Enspace Notifications"
    }
}))]
pub struct TypedCreateRequest {
    /// The integer id of the type to configure (`GET /api/integration-types`).
    // The catalogue's ids are 1 to 8 (a unit test keeps this in step).
    #[schema(minimum = 1, maximum = 8)]
    pub integration: i64,
    #[schema(value_type = TypedRequestData)]
    pub data: Map<String, Value>,
}

/// `PUT /integrations/{id}`: every member optional.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"integration": 4, "data": {"changeKeys": true, "api_key": "SG.yyyyyyyyyyyyyyyyyyyy", "from_name": "Ops"}}))]
pub struct TypedUpdateRequest {
    /// When given, must be the integration's type: a type never changes.
    #[schema(nullable = false, minimum = 1, maximum = 8)]
    #[serde(default, deserialize_with = "non_null")]
    pub integration: Option<i64>,
    /// Merged key by key into the stored config (`null` removes a
    /// non-secret field). Secret fields need `changeKeys: true`.
    #[schema(value_type = TypedRequestData, required = false)]
    #[serde(default, deserialize_with = "non_null")]
    pub data: Option<Map<String, Value>>,
    #[schema(nullable = false)]
    #[serde(default, deserialize_with = "non_null")]
    pub status: Option<IntegrationStatus>,
}

/// `PATCH /integrations/{id}/status`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "inactive"}))]
pub struct TypedStatusRequest {
    pub status: IntegrationStatus,
}

fn non_null<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(d).map(Some)
}

/// Filters and paging for `GET /integrations`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TypedListQuery {
    /// Only integrations of this type (its integer id).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 8)]
    pub integration: Option<String>,
    /// Only integrations with this status.
    #[param(value_type = Option<IntegrationStatus>)]
    pub status: Option<String>,
    /// Only integrations in this environment.
    #[param(value_type = Option<IntegrationEnvironment>)]
    pub environment: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// The `next_cursor` of the previous page.
    #[param(pattern = r"^int_[0-7][0-9a-hjkmnp-tv-z]{25}$")]
    pub cursor: Option<String>,
}

// ---------------------------------------------------------------- mapping

/// A request's `data`, read against the type.
struct ReadData {
    environment: Option<Environment>,
    change_keys: bool,
    /// Canonical (camelCase) config keys.
    config: Map<String, Value>,
    /// The snake_case names of the secret fields sent.
    secrets_sent: Vec<String>,
}

fn type_ids() -> String {
    IntegrationType::ALL
        .iter()
        .map(|t| format!("{} ({})", t.id(), t.slug()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn kind_from_id(id: i64) -> Result<IntegrationType, ApiError> {
    IntegrationType::from_id(id).ok_or_else(|| {
        ApiError::field(
            "integration",
            format!("must be the id of a catalogue type: {}", type_ids()),
        )
    })
}

fn read_data(kind: IntegrationType, data: Map<String, Value>) -> Result<ReadData, ApiError> {
    let mut errors: Vec<ProblemFieldError> = Vec::new();
    let mut invalid =
        |field: String, message: String| errors.push(ProblemFieldError { field, message });
    let mut read = ReadData {
        environment: None,
        change_keys: false,
        config: Map::new(),
        secrets_sent: Vec::new(),
    };
    for (key, value) in data {
        match key.as_str() {
            "environment" => match value.as_str().and_then(Environment::parse) {
                Some(e) => read.environment = Some(e),
                None => invalid(
                    "data.environment".into(),
                    "must be one of: stage, production".into(),
                ),
            },
            "changeKeys" => match value {
                Value::Bool(b) => read.change_keys = b,
                _ => invalid("data.changeKeys".into(), "must be a boolean".into()),
            },
            _ => match field_by_snake(kind, &key) {
                Some(field) => {
                    if field.secret {
                        read.secrets_sent.push(key.clone());
                    }
                    read.config.insert(field.name.to_string(), value);
                }
                None => {
                    let expected: Vec<String> = ["environment".to_string(), "changeKeys".into()]
                        .into_iter()
                        .chain(kind.spec().fields.iter().map(|f| snake_case(f.name)))
                        .collect();
                    invalid(
                        format!("data.{key}"),
                        format!(
                            "is not a field of type `{}` (expected one of: {})",
                            kind.slug(),
                            expected.join(", ")
                        ),
                    );
                }
            },
        }
    }
    if errors.is_empty() {
        Ok(read)
    } else {
        Err(ApiError::validation(errors))
    }
}

/// Domain paths (`config.fromEmail`) as this API names them
/// (`data.from_email`).
fn typed_error(kind: IntegrationType, e: DomainError) -> ApiError {
    let DomainError::Validation(errors) = e else {
        return e.into();
    };
    let fields = errors
        .0
        .into_iter()
        .map(|fe| {
            let field = match fe.field.strip_prefix("config.") {
                Some(rest) => {
                    let (name, tail) = match rest.find(['.', '[']) {
                        Some(i) => rest.split_at(i),
                        None => (rest, ""),
                    };
                    let name = kind
                        .canonical_field(name)
                        .map_or_else(|| name.to_string(), |f| snake_case(f.name));
                    format!("data.{name}{tail}")
                }
                None => fe.field,
            };
            ProblemFieldError {
                field,
                message: fe.message,
            }
        })
        .collect();
    ApiError::validation(fields)
}

/// A malformed, unknown or another organization's id: one answer.
fn parse_seq(raw: &str) -> Result<i64, ApiError> {
    match raw.parse::<i64>() {
        Ok(n) if n > 0 && raw.bytes().all(|b| b.is_ascii_digit()) => Ok(n),
        _ => Err(ApiError::not_found()),
    }
}

fn resource(mut res: actix_web::HttpResponseBuilder, i: &Integration) -> HttpResponse {
    res.insert_header((header::ETAG, etag(i)))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(TypedIntegration::from(i))
}

fn list_request(q: TypedListQuery) -> Result<ListRequest, ApiError> {
    let mut errors: Vec<ProblemFieldError> = Vec::new();
    let mut invalid = |field: &str, message: String| {
        errors.push(ProblemFieldError {
            field: field.to_string(),
            message,
        })
    };
    let kind = q.integration.as_deref().and_then(|s| {
        let t = s.parse::<i64>().ok().and_then(IntegrationType::from_id);
        if t.is_none() {
            invalid(
                "integration",
                format!("must be the id of a catalogue type: {}", type_ids()),
            );
        }
        t
    });
    let status = status_filter(q.status.as_deref(), &mut errors);
    let environment = environment_filter(q.environment.as_deref(), &mut errors);
    let limit = page_limit(q.limit.as_deref(), &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    Ok(ListRequest {
        kind,
        status,
        environment,
        cursor: q.cursor,
        limit,
    })
}

// ---------------------------------------------------------------- handlers

/// List integrations (second API).
///
/// Rows come in creation order, each with its non-secret config; follow
/// `next_cursor` until it is `null` to see every row once.
#[utoipa::path(
    operation_id = "listTypedIntegrations",
    tag = "typed-integrations",
    params(TypedListQuery),
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "A page of integrations.", body = TypedIntegrationList),
        (status = 400, description = "Malformed query string.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing, malformed, unknown or revoked API key.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key lacks the `read` scope.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid filter, limit or cursor.", body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "Internal error.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/integrations")]
pub async fn list_typed_integrations(
    auth: Authorized<Read>,
    state: Data<ApiState>,
    query: Query<TypedListQuery>,
) -> Result<HttpResponse, ApiError> {
    let request = list_request(query.into_inner())?;
    let page = state.integrations.list(auth.org(), request).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(TypedIntegrationList {
            data: page.items.iter().map(TypedIntegration::from).collect(),
            next_cursor: page.next_cursor,
        }))
}

/// Create an integration (second API).
///
/// `integration` is the type's integer id; `data` holds `environment` and
/// the type's config fields in snake_case. Secret fields (such as
/// `api_key`) are stored encrypted and never returned. The integration is
/// named after its type.
#[utoipa::path(
    operation_id = "createTypedIntegration",
    tag = "typed-integrations",
    request_body(content = TypedCreateRequest, content_type = "application/json"),
    security(("bearerAuth" = [])),
    responses(
        (status = 201, description = "Created.", body = TypedIntegration, headers(
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
pub async fn create_typed_integration(
    auth: Authorized<Write>,
    state: Data<ApiState>,
    body: JsonBody<TypedCreateRequest>,
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
        .map_err(|e| typed_error(kind, e))?;
    let mut res = HttpResponse::Created();
    res.insert_header((header::LOCATION, format!("/integrations/{}", created.seq)));
    Ok(resource(res, &created))
}

/// Get an integration (second API).
#[utoipa::path(
    operation_id = "getTypedIntegration",
    tag = "typed-integrations",
    params(("id" = i64, Path, minimum = 1, description = "The integration's integer id.")),
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The integration.", body = TypedIntegration, headers(
            ("ETag" = String, description = "The integration's version, for `If-Match`."),
        )),
        (status = 401, description = "Missing, malformed, unknown or revoked API key.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key lacks the `read` scope.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such integration in this organization.", body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "Internal error.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/integrations/{id}")]
pub async fn get_typed_integration(
    auth: Authorized<Read>,
    state: Data<ApiState>,
    path: Path<String>,
) -> Result<HttpResponse, ApiError> {
    let seq = parse_seq(&path)?;
    let integration = state.integrations.get_by_seq(auth.org(), seq).await?;
    Ok(resource(HttpResponse::Ok(), &integration))
}

/// Update an integration (second API).
///
/// Non-secret fields in `data` are merged key by key. Secret fields are
/// accepted only with `data.changeKeys: true`, and then the secrets sent
/// replace the whole stored set (a secret not sent is removed; the config
/// must still be complete). Without `changeKeys` the stored secrets are
/// kept. With `If-Match`, the update happens only at that version.
#[utoipa::path(
    operation_id = "updateTypedIntegration",
    tag = "typed-integrations",
    params(
        ("id" = i64, Path, minimum = 1, description = "The integration's integer id."),
        ("If-Match" = String, Header, description = "An `ETag` from a previous response: update only if unchanged since."),
    ),
    request_body(content = TypedUpdateRequest, content_type = "application/json"),
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The updated integration.", body = TypedIntegration, headers(
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
        (status = 500, description = "Internal error.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/integrations/{id}")]
pub async fn update_typed_integration(
    auth: Authorized<Write>,
    state: Data<ApiState>,
    path: Path<String>,
    req: HttpRequest,
    body: JsonBody<TypedUpdateRequest>,
) -> Result<HttpResponse, ApiError> {
    let seq = parse_seq(&path)?;
    let current = state.integrations.get_by_seq(auth.org(), seq).await?;
    let expected_version = if_match_version(&req, &current.id)?;
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
        .map_err(|e| typed_error(kind, e))?;
    Ok(resource(HttpResponse::Ok(), &updated))
}

/// Set an integration's status (second API).
///
/// An `inactive` integration can still be read and tested, but is not used
/// to send. With `If-Match`, the change happens only at that version.
#[utoipa::path(
    operation_id = "setTypedIntegrationStatus",
    tag = "typed-integrations",
    params(
        ("id" = i64, Path, minimum = 1, description = "The integration's integer id."),
        ("If-Match" = String, Header, description = "An `ETag` from a previous response: change only if unchanged since."),
    ),
    request_body(content = TypedStatusRequest, content_type = "application/json"),
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The integration with its new status.", body = TypedIntegration, headers(
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
        (status = 500, description = "Internal error.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/integrations/{id}/status")]
pub async fn set_typed_integration_status(
    auth: Authorized<Write>,
    state: Data<ApiState>,
    path: Path<String>,
    req: HttpRequest,
    body: JsonBody<TypedStatusRequest>,
) -> Result<HttpResponse, ApiError> {
    let seq = parse_seq(&path)?;
    let current = state.integrations.get_by_seq(auth.org(), seq).await?;
    let expected_version = if_match_version(&req, &current.id)?;
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

/// Delete an integration and its secrets (second API).
#[utoipa::path(
    operation_id = "deleteTypedIntegration",
    tag = "typed-integrations",
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
        (status = 409, description = "A managed integration, or too many concurrent changes.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` does not name the current version.", body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "Internal error.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/integrations/{id}")]
pub async fn delete_typed_integration(
    auth: Authorized<Write>,
    state: Data<ApiState>,
    path: Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let seq = parse_seq(&path)?;
    let current = state.integrations.get_by_seq(auth.org(), seq).await?;
    let expected_version = if_match_version(&req, &current.id)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_names_are_unique_per_type_and_round_trip() {
        for kind in IntegrationType::ALL {
            let mut seen = std::collections::BTreeSet::new();
            for f in &kind.spec().fields {
                let snake = snake_case(f.name);
                assert!(seen.insert(snake.clone()), "{snake} twice in {kind:?}");
                assert_ne!(snake, "environment");
                assert_ne!(snake, "changeKeys");
                assert_eq!(field_by_snake(kind, &snake).map(|x| x.name), Some(f.name));
            }
        }
        assert_eq!(snake_case("fromEmail"), "from_email");
        assert_eq!(snake_case("apiKey"), "api_key");
    }

    #[test]
    fn documented_type_ids_are_the_catalogue() {
        let ids: Vec<i64> = IntegrationType::ALL
            .iter()
            .map(|t| i64::from(t.id()))
            .collect();
        assert_eq!(ids, (1..=8).collect::<Vec<i64>>(), "update `maximum = 8`");
    }

    #[test]
    fn timestamps_have_milliseconds_and_z() {
        #[derive(Serialize)]
        struct T(#[serde(serialize_with = "crate::dto::millis")] DateTime<Utc>);
        let t = DateTime::parse_from_rfc3339("2026-03-12T20:55:53Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            serde_json::to_value(T(t)).unwrap(),
            "2026-03-12T20:55:53.000Z"
        );
    }

    #[test]
    fn secrets_sent_are_named_and_unknown_fields_refused() {
        let data =
            serde_json::json!({"environment": "stage", "api_key": "SG.x", "from_email": "a@b.co"});
        let read = read_data(IntegrationType::Sendgrid, data.as_object().unwrap().clone())
            .ok()
            .unwrap();
        assert_eq!(read.secrets_sent, vec!["api_key"]);
        assert!(read.config.contains_key("apiKey") && read.config.contains_key("fromEmail"));
        let bad = serde_json::json!({"apiKey": "SG.x", "environment": "moon"});
        let err = read_data(IntegrationType::Sendgrid, bad.as_object().unwrap().clone())
            .err()
            .unwrap();
        let fields: Vec<String> = err
            .problem
            .errors
            .unwrap()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, vec!["data.apiKey", "data.environment"]);
    }

    #[test]
    fn domain_paths_become_snake_case() {
        let mut v = patchbay_domain::validation::ValidationErrors::default();
        v.push("config.fromEmail", "must be an email address");
        let e = typed_error(IntegrationType::Sendgrid, DomainError::Validation(v));
        assert_eq!(e.problem.errors.unwrap()[0].field, "data.from_email");
        assert_eq!(parse_seq("12").ok(), Some(12));
        for bad in ["0", "-1", "+1", "x", "99999999999999999999", " 1"] {
            assert!(parse_seq(bad).is_err(), "{bad}");
        }
    }
}
