//! Sending messages and following their deliveries:
//! `POST /api/integrations/{id}/send`, `GET /api/deliveries/{id}`,
//! `GET /api/integrations/{id}/deliveries`, `POST /api/deliveries/{id}/retry`,
//! and the Prometheus metrics at `/metrics`.

use std::sync::Arc;

use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::web::{Data, Path, Query};
use actix_web::{HttpRequest, HttpResponse, get, post};
use chrono::{DateTime, Utc};
use patchbay_domain::delivery::{
    Attempt, Delivery, DeliveryMetrics, DeliveryService, DeliveryStatus,
};
use patchbay_domain::ids::DeliveryId;
use patchbay_domain::{IntegrationId, Message};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::ApiState;
use crate::auth::{Authorized, Read, Test};
use crate::body::JsonBody;
use crate::dto::{HealthDto, IntegrationTypeSlug};
use crate::metrics::HttpMetrics;
use crate::problem::{ApiError, Problem, ProblemKind};

/// What the delivery endpoints need besides the integration use cases.
#[derive(Clone)]
pub struct DeliveryApi {
    pub service: DeliveryService,
    /// The workers' metrics, shown at `/metrics`.
    pub metrics: Arc<DeliveryMetrics>,
    /// Requests answered, shown beside them.
    pub http: Arc<HttpMetrics>,
}

impl DeliveryApi {
    pub fn new(service: DeliveryService, metrics: Arc<DeliveryMetrics>) -> Self {
        Self {
            service,
            metrics,
            http: Arc::new(HttpMetrics::new()),
        }
    }
}

/// Idempotency keys: 1-255 visible ASCII characters.
const MAX_KEY_LEN: usize = 255;
const IDEMPOTENCY_KEY: &str = "Idempotency-Key";
const MAX_PAGE: u32 = 200;

// ---------------------------------------------------------------- wire shapes

/// A channel-neutral message; each type uses the parts it can carry (chat:
/// `subject` and `text`; email: `to`, `subject`, `text`/`html`; webhooks:
/// `data` (or the text parts) and `eventType`; AI gateways: `text` as the
/// prompt).
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SendMessageRequest {
    #[serde(default, deserialize_with = "crate::body::non_null")]
    #[schema(nullable = false, max_length = 998)]
    pub subject: Option<String>,
    #[serde(default, deserialize_with = "crate::body::non_null")]
    #[schema(nullable = false, max_length = 40000)]
    pub text: Option<String>,
    #[serde(default, deserialize_with = "crate::body::non_null")]
    #[schema(nullable = false)]
    pub html: Option<String>,
    /// Email recipients (`addr@example.com` or `Name <addr@example.com>`).
    #[serde(default, deserialize_with = "crate::body::non_null")]
    #[schema(nullable = false, max_items = 50)]
    pub to: Option<Vec<String>>,
    /// The webhook payload (`data` in the delivered body).
    #[serde(default, deserialize_with = "crate::body::non_null")]
    #[schema(nullable = false, value_type = Object)]
    pub data: Option<Value>,
    /// The webhook event type (`type` in the delivered body).
    #[serde(default, deserialize_with = "crate::body::non_null")]
    #[schema(
        nullable = false,
        min_length = 1,
        max_length = 200,
        pattern = "^[A-Za-z0-9._:/-]+$"
    )]
    pub event_type: Option<String>,
}

impl SendMessageRequest {
    fn into_message(self) -> Message {
        Message {
            subject: self.subject,
            text: self.text,
            html: self.html,
            to: self.to.unwrap_or_default(),
            data: self.data,
            event_type: self.event_type,
        }
    }
}

/// `?wait=true` waits (bounded) for the first attempt's outcome.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SendQuery {
    /// Answer after the first attempt ends (or the server's wait bound
    /// passes), rather than at once.
    pub wait: Option<bool>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListDeliveriesQuery {
    /// Page size, 1-200 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// `nextCursor` of the previous page.
    #[param(pattern = r"^dlv_[0-7][0-9a-hjkmnp-tv-z]{25}$")]
    pub cursor: Option<String>,
}

#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryStatusDto {
    Queued,
    Sending,
    Delivered,
    Failed,
}

impl From<DeliveryStatus> for DeliveryStatusDto {
    fn from(s: DeliveryStatus) -> Self {
        match s {
            DeliveryStatus::Queued => Self::Queued,
            DeliveryStatus::Sending => Self::Sending,
            DeliveryStatus::Delivered => Self::Delivered,
            DeliveryStatus::Failed => Self::Failed,
        }
    }
}

/// One attempt of a delivery.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttemptDto {
    pub number: i64,
    #[serde(serialize_with = "crate::dto::millis")]
    pub started_at: DateTime<Utc>,
    #[serde(serialize_with = "crate::dto::millis")]
    pub finished_at: DateTime<Utc>,
    /// `delivered`, `retryable` or `permanent`.
    #[schema(value_type = String, pattern = "^(delivered|retryable|permanent)$")]
    pub outcome: &'static str,
    /// `success`, `rate_limited`, `server_error`, `network`, `redirect`,
    /// `auth`, `gone`, `rejected` or `unsupported`.
    pub status_class: String,
    pub latency_ms: i64,
    #[schema(required = true)]
    pub provider_message_id: Option<String>,
    /// Our description of a failure (never the provider's raw answer).
    #[schema(required = true)]
    pub error: Option<String>,
    /// The provider's stable error code, where it has one.
    #[schema(required = true)]
    pub code: Option<String>,
    /// The provider's retry hint, in milliseconds.
    #[schema(required = true)]
    pub retry_after_ms: Option<i64>,
    /// When the next attempt was scheduled (after a retryable outcome).
    #[schema(required = true)]
    #[serde(serialize_with = "crate::dto::millis_opt")]
    pub retry_at: Option<DateTime<Utc>>,
}

impl From<&Attempt> for AttemptDto {
    fn from(a: &Attempt) -> Self {
        Self {
            number: a.number,
            started_at: a.started_at,
            finished_at: a.finished_at,
            outcome: a.outcome.as_str(),
            status_class: a.status_class.clone(),
            latency_ms: a.latency_ms,
            provider_message_id: a.provider_message_id.clone(),
            error: a.error.clone(),
            code: a.code.clone(),
            retry_after_ms: a.retry_after_ms,
            retry_at: a.retry_at,
        }
    }
}

/// A delivery: one message queued for one integration.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryDto {
    /// `dlv_…`; also the webhook `webhook-id` of every attempt.
    pub id: String,
    pub integration_id: String,
    #[serde(rename = "type")]
    pub kind: IntegrationTypeSlug,
    pub status: DeliveryStatusDto,
    /// Attempts made so far.
    pub attempt_count: i64,
    pub max_attempts: i64,
    /// When the next attempt is due, while queued.
    #[schema(required = true)]
    #[serde(serialize_with = "crate::dto::millis_opt")]
    pub next_attempt_at: Option<DateTime<Utc>>,
    #[schema(required = true)]
    pub last_error: Option<String>,
    #[schema(required = true)]
    pub last_code: Option<String>,
    #[schema(required = true)]
    pub provider_message_id: Option<String>,
    #[serde(serialize_with = "crate::dto::millis")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "crate::dto::millis")]
    pub updated_at: DateTime<Utc>,
    #[schema(required = true)]
    #[serde(serialize_with = "crate::dto::millis_opt")]
    pub completed_at: Option<DateTime<Utc>>,
}

impl From<&Delivery> for DeliveryDto {
    fn from(d: &Delivery) -> Self {
        Self {
            id: d.id.to_string(),
            integration_id: d.integration_id.to_string(),
            kind: IntegrationTypeSlug::from_kind(d.kind),
            status: d.status.into(),
            attempt_count: d.attempts,
            max_attempts: d.max_attempts,
            next_attempt_at: (d.status == DeliveryStatus::Queued).then_some(d.next_attempt_at),
            last_error: d.last_error.clone(),
            last_code: d.last_code.clone(),
            provider_message_id: d.provider_message_id.clone(),
            created_at: d.created_at,
            updated_at: d.updated_at,
            completed_at: d.completed_at,
        }
    }
}

/// The answer to a send: the delivery, and the integration's health (an
/// unhealthy integration still accepts sends, and says so here).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SendResponse {
    #[serde(flatten)]
    pub delivery: DeliveryDto,
    pub integration_health: HealthDto,
    /// The first attempt's outcome, when `?wait=true` saw it end.
    #[schema(required = true)]
    pub first_attempt: Option<AttemptDto>,
}

/// A delivery with every attempt.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryDetail {
    #[serde(flatten)]
    pub delivery: DeliveryDto,
    pub attempts: Vec<AttemptDto>,
}

/// A page of an integration's deliveries, newest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryList {
    pub data: Vec<DeliveryDto>,
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

// ---------------------------------------------------------------- helpers

fn api(state: &ApiState) -> Result<&DeliveryApi, ApiError> {
    state.delivery.as_ref().ok_or_else(|| {
        ApiError::new(
            ProblemKind::Unavailable,
            "Delivery is not enabled on this server.",
        )
    })
}

fn idempotency_key(req: &HttpRequest) -> Result<Option<String>, ApiError> {
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
    if key.is_empty() || key.len() > MAX_KEY_LEN || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(bad());
    }
    Ok(Some(key.to_string()))
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
        (status = 409, description = "The integration is inactive, or a request with this Idempotency-Key is still being processed.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over the size limit.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The type cannot send, the message does not fit the type, or the Idempotency-Key was used with another body.", body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "Internal error.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Delivery is not enabled on this server.", body = Problem, content_type = "application/problem+json"),
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
    let wait = query.wait.unwrap_or(false);
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
        (status = 503, description = "Delivery is not enabled on this server.", body = Problem, content_type = "application/problem+json"),
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
        (status = 422, description = "Invalid limit or cursor.", body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "Internal error.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Delivery is not enabled on this server.", body = Problem, content_type = "application/problem+json"),
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
    let limit = match q.limit.as_deref() {
        None => 50,
        Some(s) => match s.parse::<u32>() {
            Ok(n) if (1..=MAX_PAGE).contains(&n) => n,
            _ => {
                return Err(ApiError::field(
                    "limit",
                    format!("must be an integer between 1 and {MAX_PAGE}"),
                ));
            }
        },
    };
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
        (status = 409, description = "The delivery has not failed, or its integration is inactive.", body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "Internal error.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Delivery is not enabled on this server.", body = Problem, content_type = "application/problem+json"),
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

/// Prometheus metrics (text exposition format). Not under `/api`: no key,
/// like the health probes; expose it to the scraper only.
pub async fn metrics(state: Data<ApiState>) -> HttpResponse {
    let Some(delivery) = state.delivery.as_ref() else {
        return HttpResponse::NotFound().finish();
    };
    let depth = match delivery.service.store().queue_depth().await {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!(error = %e, "reading the queue depth failed");
            Vec::new()
        }
    };
    let mut text = delivery.metrics.render(&depth);
    delivery.http.render_into(&mut text);
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(text)
}
