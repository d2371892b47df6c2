//! Sending messages and following their deliveries:
//! `POST /api/integrations/{id}/send`, `GET /api/deliveries/{id}`,
//! `GET /api/integrations/{id}/deliveries`, `POST /api/deliveries/{id}/retry`
//! and `GET /api/integrations/{id}/health`.

use std::sync::Arc;

use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::web::{Data, Path, Query};
use actix_web::{HttpRequest, HttpResponse, get, post};
use patchbay_domain::IntegrationId;
use patchbay_domain::bulk::BulkService;
use patchbay_domain::delivery::{DeliveryMetrics, DeliveryService};
use patchbay_domain::group::GroupService;
use patchbay_domain::ids::DeliveryId;
use patchbay_domain::service::DEFAULT_PAGE_LIMIT;

use crate::ApiState;
use crate::auth::{Authorized, Read, Test};
use crate::body::JsonBody;
use crate::dto::{
    AttemptDto, DeliveryDetail, DeliveryDto, DeliveryList, HealthDto, ListDeliveriesQuery,
    SendMessageRequest, SendQuery, SendResponse,
};
use crate::metrics::HttpMetrics;
use crate::problem::{ApiError, Problem, ProblemKind};
use crate::routes::page_limit;

/// What the delivery endpoints need besides the integration use cases.
#[derive(Clone)]
pub struct DeliveryApi {
    pub service: DeliveryService,
    /// Integration groups; `None` answers their endpoints with 503.
    pub groups: Option<GroupService>,
    /// Bulk sends; `None` answers their endpoint with 503.
    pub bulk: Option<BulkService>,
    /// The workers' metrics, shown at `/metrics`.
    pub metrics: Arc<DeliveryMetrics>,
    /// Requests answered, shown beside them.
    pub http: Arc<HttpMetrics>,
}

impl DeliveryApi {
    pub fn new(service: DeliveryService, metrics: Arc<DeliveryMetrics>) -> Self {
        Self {
            service,
            groups: None,
            bulk: None,
            metrics,
            http: Arc::new(HttpMetrics::new()),
        }
    }

    /// Serve bulk sends through this service.
    pub fn with_bulk(mut self, bulk: BulkService) -> Self {
        self.bulk = Some(bulk);
        self
    }

    /// Serve integration groups through this service.
    pub fn with_groups(mut self, groups: GroupService) -> Self {
        self.groups = Some(groups);
        self
    }
}

/// Idempotency keys: 1-255 visible ASCII characters.
const MAX_KEY_LEN: usize = 255;
pub(crate) const IDEMPOTENCY_KEY: &str = "Idempotency-Key";

// ---------------------------------------------------------------- helpers

pub(crate) fn api(state: &ApiState) -> Result<&DeliveryApi, ApiError> {
    state.delivery.as_ref().ok_or_else(|| {
        ApiError::new(
            ProblemKind::Unavailable,
            "Delivery is not enabled on this server.",
        )
    })
}

pub(crate) fn idempotency_key(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let mut values = req.headers().get_all(IDEMPOTENCY_KEY);
    let Some(first) = values.next() else {
        return Ok(None);
    };
    let bad = || {
        ApiError::new(
            ProblemKind::BadRequest,
            format!(
                "{IDEMPOTENCY_KEY} must be given once, as 1-{MAX_KEY_LEN} visible ASCII characters."
            ),
        )
    };
    if values.next().is_some() {
        return Err(bad());
    }
    let key = first.to_str().map_err(|_| bad())?;
    if !valid_key(key) {
        return Err(bad());
    }
    Ok(Some(key.to_string()))
}

/// An idempotency key's shape: 1-255 visible ASCII characters.
pub(crate) fn valid_key(key: &str) -> bool {
    !key.is_empty() && key.len() <= MAX_KEY_LEN && key.bytes().all(|b| b.is_ascii_graphic())
}

fn location(id: &DeliveryId) -> String {
    format!("/api/deliveries/{id}")
}

// ---------------------------------------------------------------- handlers

/// Send a message through an integration
///
/// Queues the message and answers 202 with the delivery (its `Location` is
/// `/api/deliveries/{id}`); workers send it, retrying with backoff. With
/// `?wait=true` the answer waits (bounded) for the first attempt. A repeat
/// with the same `Idempotency-Key` and body answers the first delivery and
/// creates nothing.
#[utoipa::path(
    operation_id = "sendMessage",
    tag = "deliveries",
    params(
        ("integrationId" = String, Path, description = "The integration's id (`int_…`)."),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to repeat: a repeat with the same key and body within 24 h answers the first delivery.", min_length = 1, max_length = 255, pattern = "^[!-~]+$"),
        SendQuery,
    ),
    request_body(content = SendMessageRequest, content_type = "application/json"),
    security(("bearerAuth" = [])),
    responses(
        (status = 202, description = "Accepted: the delivery is queued (or, with `?wait=true`, its first attempt has ended).", body = SendResponse, headers(
            ("Location" = String, description = "`/api/deliveries/{id}`"),
        )),
        (status = 400, description = "Malformed JSON, query or Idempotency-Key.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing, malformed, unknown or revoked API key.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key lacks the `test` scope.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such integration.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`/problems/inactive`: the integration is inactive. `/problems/conflict`: a request with this Idempotency-Key is still being processed; repeat it after `Retry-After`.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over the size limit.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The type cannot send, the message does not fit the type, the Idempotency-Key was used with another body, or the query has an unknown parameter or a `wait` other than `true` or `false`.", body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "Internal error; `/problems/secrets-unreadable` when this integration's stored secrets cannot be decrypted with the server's keys.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Delivery is not enabled on this server, or the database is unavailable (then with `Retry-After`: repeat the request after that many seconds).", body = Problem, content_type = "application/problem+json", headers(
            ("Retry-After" = u32, description = "Seconds to wait before repeating the request (when the database is unavailable)."),
        )),
    )
)]
#[post("/api/integrations/{integrationId}/send")]
pub async fn send_message(
    auth: Authorized<Test>,
    state: Data<ApiState>,
    req: HttpRequest,
    path: Path<String>,
    query: Query<SendQuery>,
    body: JsonBody<SendMessageRequest>,
) -> Result<HttpResponse, ApiError> {
    let delivery = api(&state)?;
    let id: IntegrationId = path
        .into_inner()
        .parse()
        .map_err(|_| ApiError::not_found())?;
    let key = idempotency_key(&req)?;
    let wait = match query.wait.as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => return Err(ApiError::field("wait", "must be true or false")),
    };
    let accepted = delivery
        .service
        .send(auth.org(), &id, body.0.into_message(), key, wait)
        .await?;
    let current = &accepted.delivery;
    let mut res = HttpResponse::Accepted();
    res.insert_header((header::LOCATION, location(&current.id)))
        .insert_header((header::CACHE_CONTROL, "no-store"));
    if accepted.replayed {
        res.insert_header((
            HeaderName::from_static("idempotent-replayed"),
            HeaderValue::from_static("true"),
        ));
    }
    Ok(res.json(SendResponse {
        delivery: DeliveryDto::from(current),
        integration_health: HealthDto::from(&accepted.health),
        first_attempt: accepted.first_attempt.as_ref().map(AttemptDto::from),
    }))
}

/// Get a delivery and its attempts
#[utoipa::path(
    operation_id = "getDelivery",
    tag = "deliveries",
    params(("deliveryId" = String, Path, description = "The delivery's id (`dlv_…`).")),
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The delivery, with every attempt in order.", body = DeliveryDetail),
        (status = 401, description = "Missing, malformed, unknown or revoked API key.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key lacks the `read` scope.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such delivery.", body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "Internal error.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Delivery is not enabled on this server, or the database is unavailable (then with `Retry-After`: repeat the request after that many seconds).", body = Problem, content_type = "application/problem+json", headers(
            ("Retry-After" = u32, description = "Seconds to wait before repeating the request (when the database is unavailable)."),
        )),
    )
)]
#[get("/api/deliveries/{deliveryId}")]
pub async fn get_delivery(
    auth: Authorized<Read>,
    state: Data<ApiState>,
    path: Path<String>,
) -> Result<HttpResponse, ApiError> {
    let delivery = api(&state)?;
    let id: DeliveryId = path
        .into_inner()
        .parse()
        .map_err(|_| ApiError::delivery_not_found())?;
    let report = delivery.service.get(auth.org(), &id).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(DeliveryDetail {
            delivery: DeliveryDto::from(&report.delivery),
            attempts: report.attempts.iter().map(AttemptDto::from).collect(),
        }))
}

/// List an integration's deliveries
#[utoipa::path(
    operation_id = "listDeliveries",
    tag = "deliveries",
    params(
        ("integrationId" = String, Path, description = "The integration's id (`int_…`)."),
        ListDeliveriesQuery,
    ),
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "A page of deliveries, newest first.", body = DeliveryList),
        (status = 400, description = "Malformed query string.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing, malformed, unknown or revoked API key.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key lacks the `read` scope.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such integration.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An unknown parameter, or an invalid limit or cursor.", body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "Internal error.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Delivery is not enabled on this server, or the database is unavailable (then with `Retry-After`: repeat the request after that many seconds).", body = Problem, content_type = "application/problem+json", headers(
            ("Retry-After" = u32, description = "Seconds to wait before repeating the request (when the database is unavailable)."),
        )),
    )
)]
#[get("/api/integrations/{integrationId}/deliveries")]
pub async fn list_deliveries(
    auth: Authorized<Read>,
    state: Data<ApiState>,
    path: Path<String>,
    query: Query<ListDeliveriesQuery>,
) -> Result<HttpResponse, ApiError> {
    let delivery = api(&state)?;
    let id: IntegrationId = path
        .into_inner()
        .parse()
        .map_err(|_| ApiError::not_found())?;
    let q = query.into_inner();
    let mut errors = Vec::new();
    let limit = page_limit(q.limit.as_deref(), &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let limit = limit.unwrap_or(DEFAULT_PAGE_LIMIT);
    let before = match q.cursor.as_deref() {
        None => None,
        Some(c) => Some(
            c.parse::<DeliveryId>()
                .map_err(|_| ApiError::field("cursor", "is not a cursor this service issued"))?,
        ),
    };
    let (items, next) = delivery
        .service
        .list(auth.org(), &id, before, limit)
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(DeliveryList {
            data: items.iter().map(DeliveryDto::from).collect(),
            next_cursor: next,
        }))
}

/// Retry a failed delivery
///
/// Queues a failed delivery again with a fresh retry budget; its attempts so
/// far are kept.
#[utoipa::path(
    operation_id = "retryDelivery",
    tag = "deliveries",
    params(("deliveryId" = String, Path, description = "The delivery's id (`dlv_…`).")),
    security(("bearerAuth" = [])),
    responses(
        (status = 202, description = "Queued again.", body = DeliveryDto, headers(
            ("Location" = String, description = "`/api/deliveries/{id}`"),
        )),
        (status = 401, description = "Missing, malformed, unknown or revoked API key.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key lacks the `test` scope.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such delivery.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`/problems/not-retryable`: the delivery has not failed. `/problems/inactive`: its integration is inactive.", body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "Internal error.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Delivery is not enabled on this server, or the database is unavailable (then with `Retry-After`: repeat the request after that many seconds).", body = Problem, content_type = "application/problem+json", headers(
            ("Retry-After" = u32, description = "Seconds to wait before repeating the request (when the database is unavailable)."),
        )),
    )
)]
#[post("/api/deliveries/{deliveryId}/retry")]
pub async fn retry_delivery(
    auth: Authorized<Test>,
    state: Data<ApiState>,
    path: Path<String>,
) -> Result<HttpResponse, ApiError> {
    let delivery = api(&state)?;
    let id: DeliveryId = path
        .into_inner()
        .parse()
        .map_err(|_| ApiError::delivery_not_found())?;
    let d = delivery.service.retry(auth.org(), &id).await?;
    Ok(HttpResponse::Accepted()
        .insert_header((header::LOCATION, location(&d.id)))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(DeliveryDto::from(&d)))
}

/// Get an integration's health
///
/// `healthy`, `unhealthy` or `unknown`, with the reason and when it changed:
/// the newest of its last credential test, its deliveries (a success, or a
/// permanent credential or gone failure) and the scheduled re-test.
#[utoipa::path(
    operation_id = "getIntegrationHealth",
    tag = "deliveries",
    params(("integrationId" = String, Path, description = "The integration's id (`int_…`).")),
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The integration's health.", body = HealthDto),
        (status = 401, description = "Missing, malformed, unknown or revoked API key.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key lacks the `read` scope.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such integration.", body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "Internal error.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/integrations/{integrationId}/health")]
pub async fn get_integration_health(
    auth: Authorized<Read>,
    state: Data<ApiState>,
    path: Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id: IntegrationId = path
        .into_inner()
        .parse()
        .map_err(|_| ApiError::not_found())?;
    let health = state.integrations.get(auth.org(), &id).await?.health();
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(HealthDto::from(&health)))
}
