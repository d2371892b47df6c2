//! `POST /api/deliveries/bulk`: up to 100 messages in one request, each to
//! an integration or a group, each answered on its own.

use actix_web::http::header;
use actix_web::web::Data;
use actix_web::{HttpRequest, HttpResponse, post};
use patchbay_domain::bulk::{BulkAccepted, BulkItem, BulkItemError, BulkTarget, MAX_BULK_ITEMS};
use patchbay_domain::delivery::DeliveryError;
use patchbay_domain::group::GroupError;

use crate::ApiState;
use crate::auth::{Authorized, Test};
use crate::body::JsonBody;
use crate::dto::{
    BulkSendItem, BulkSendRequest, BulkSendResponse, BulkSendResult, DeliveryDto, GroupSendDto,
};
use crate::problem::{ApiError, Problem, ProblemKind};
use crate::routes::deliveries::{IDEMPOTENCY_KEY, api, valid_key};

/// Send many messages at once
///
/// Up to 100 messages, each to an integration (`integrationId`) or an
/// integration group (`groupId`), each with its own optional
/// `idempotencyKey`. Every item is checked as its single send would be; a
/// refused item is answered with its problem and does not stop the others.
/// The accepted items are queued in one transaction: when the database
/// fails, none is (the answer is then a 503, and repeating the request
/// with the same keys is safe). The answer is 200 with one result per item.
#[utoipa::path(
    operation_id = "sendBulk",
    tag = "deliveries",
    request_body(content = BulkSendRequest, content_type = "application/json"),
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "Every item answered: 202 with its delivery or group send, or its problem.", body = BulkSendResponse),
        (status = 400, description = "Malformed JSON, or an `Idempotency-Key` header (keys are given per item).", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing, malformed, unknown or revoked API key.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key lacks the `test` scope.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over the size limit.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The body is not of the documented shape, or holds no item or more than 100.", body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "Internal error.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Delivery is not enabled on this server, or the database is unavailable (then with `Retry-After`; nothing was queued).", body = Problem, content_type = "application/problem+json", headers(
            ("Retry-After" = u32, description = "Seconds to wait before repeating the request (when the database is unavailable)."),
        )),
    )
)]
#[post("/api/deliveries/bulk")]
pub async fn send_bulk(
    auth: Authorized<Test>,
    state: Data<ApiState>,
    req: HttpRequest,
    body: JsonBody<BulkSendRequest>,
) -> Result<HttpResponse, ApiError> {
    let delivery = api(&state)?;
    let bulk = delivery.bulk.as_ref().ok_or_else(|| {
        ApiError::new(
            ProblemKind::Unavailable,
            "Bulk sends are not enabled on this server.",
        )
    })?;
    if req.headers().contains_key(IDEMPOTENCY_KEY) {
        return Err(ApiError::new(
            ProblemKind::BadRequest,
            format!(
                "A bulk send takes no {IDEMPOTENCY_KEY} header: give each item its own \
                 `idempotencyKey`."
            ),
        ));
    }
    let items = body.0.items;
    if items.is_empty() || items.len() > MAX_BULK_ITEMS {
        return Err(ApiError::field(
            "items",
            format!("must hold 1 to {MAX_BULK_ITEMS} items"),
        ));
    }
    let count = items.len();
    let mut results: Vec<Option<BulkSendResult>> = (0..count).map(|_| None).collect();
    let mut accepted_items = Vec::with_capacity(count);
    let mut places = Vec::with_capacity(count);
    for (index, item) in items.into_iter().enumerate() {
        match parse_item(item) {
            Ok(item) => {
                accepted_items.push(item);
                places.push(index);
            }
            Err(e) => results[index] = Some(refused(index, e)),
        }
    }
    let answers = bulk.send(auth.org(), accepted_items).await?;
    for (index, answer) in places.into_iter().zip(answers) {
        results[index] = Some(match answer {
            Ok(a) => accepted(index, a),
            Err(e) => refused(index, item_error(e)),
        });
    }
    let results: Vec<BulkSendResult> = results.into_iter().flatten().collect();
    let accepted_count = results.iter().filter(|r| r.status == 202).count();
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(BulkSendResponse {
            accepted: to_u32(accepted_count),
            rejected: to_u32(results.len() - accepted_count),
            results,
        }))
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The item's target and key, checked as the single send checks its path
/// and header: a malformed id is as missing as an unknown one.
fn parse_item(item: BulkSendItem) -> Result<BulkItem, ApiError> {
    let target = match (item.integration_id, item.group_id) {
        (Some(id), None) => BulkTarget::Integration(id.parse().map_err(|_| ApiError::not_found())?),
        (None, Some(id)) => BulkTarget::Group(id.parse().map_err(|_| ApiError::group_not_found())?),
        _ => {
            return Err(ApiError::field(
                "integrationId",
                "give exactly one of integrationId and groupId",
            ));
        }
    };
    if let Some(key) = &item.idempotency_key
        && !valid_key(key)
    {
        return Err(ApiError::field(
            "idempotencyKey",
            "must be 1-255 visible ASCII characters",
        ));
    }
    Ok(BulkItem {
        target,
        message: item.message.into_message(),
        idempotency_key: item.idempotency_key,
    })
}

/// The problem the item's single send would answer, with the message's
/// field paths under `message`.
fn item_error(e: BulkItemError) -> ApiError {
    let invalid = matches!(
        e,
        BulkItemError::Delivery(DeliveryError::Invalid(_))
            | BulkItemError::Group(GroupError::Invalid(_))
    );
    let mut error = ApiError::from(e);
    if invalid && let Some(errors) = error.problem.errors.as_mut() {
        for f in errors {
            f.field = format!("message.{}", f.field);
        }
    }
    error
}

fn refused(index: usize, e: ApiError) -> BulkSendResult {
    BulkSendResult {
        index: to_u32(index),
        status: e.problem.status,
        replayed: false,
        delivery: None,
        group_send: None,
        problem: Some(*e.problem),
    }
}

fn accepted(index: usize, a: BulkAccepted) -> BulkSendResult {
    let (replayed, delivery, group_send) = match a {
        BulkAccepted::Delivery { delivery, replayed } => {
            (replayed, Some(DeliveryDto::from(&delivery)), None)
        }
        BulkAccepted::Group(g) => (g.replayed, None, Some(GroupSendDto::from(&g.send))),
    };
    BulkSendResult {
        index: to_u32(index),
        status: 202,
        replayed,
        delivery,
        group_send,
        problem: None,
    }
}
