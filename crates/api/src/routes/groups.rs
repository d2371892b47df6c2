//! `/api/integration-groups`: groups of integrations that one message is
//! sent to (failover or broadcast), and the sends with the route each took.

use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::web::{Data, Path, Query};
use actix_web::{HttpRequest, HttpResponse, delete, get, post, put};
use patchbay_domain::group::{CreateGroup, GroupService, IntegrationGroup, UpdateGroup};
use patchbay_domain::ids::{GroupId, GroupSendId};

use crate::ApiState;
use crate::auth::{Authorized, Read, Test, Write};
use crate::body::JsonBody;
use crate::dto::{
    CreateGroupRequest, GroupDto, GroupList, GroupSendDto, ListGroupsQuery, SendMessageRequest,
    UpdateGroupRequest,
};
use crate::etag::{group_etag, if_match_version};
use crate::problem::{ApiError, Problem, ProblemKind};
use crate::routes::deliveries::idempotency_key;
use crate::routes::page_limit;

fn groups(state: &ApiState) -> Result<&GroupService, ApiError> {
    state
        .delivery
        .as_ref()
        .and_then(|d| d.groups.as_ref())
        .ok_or_else(ApiError::groups_disabled)
}

/// A malformed id is as unknown as a missing one.
fn parse_id(raw: &str) -> Result<GroupId, ApiError> {
    raw.parse().map_err(|_| ApiError::group_not_found())
}

fn group_response(mut res: actix_web::HttpResponseBuilder, g: &IntegrationGroup) -> HttpResponse {
    res.insert_header((header::ETAG, group_etag(g)))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(GroupDto::from(g))
}

fn send_location(group: &GroupId, send: &GroupSendId) -> String {
    format!("/api/integration-groups/{group}/sends/{send}")
}

/// List integration groups
///
/// In creation order; follow `nextCursor` until it is `null`.
#[utoipa::path(
    operation_id = "listIntegrationGroups",
    tag = "integration-groups",
    params(ListGroupsQuery),
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "A page of groups.", body = GroupList),
        (status = 400, description = "Malformed query string.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing, malformed, unknown or revoked API key.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key lacks the `read` scope.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An unknown parameter, or an invalid limit or cursor.", body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "Internal error.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/integration-groups")]
pub async fn list_groups(
    auth: Authorized<Read>,
    state: Data<ApiState>,
    query: Query<ListGroupsQuery>,
) -> Result<HttpResponse, ApiError> {
    let service = groups(&state)?;
    let q = query.into_inner();
    let mut errors = Vec::new();
    let limit = page_limit(q.limit.as_deref(), &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let page = service.list(auth.org(), q.cursor.as_deref(), limit).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(GroupList {
            data: page.items.iter().map(GroupDto::from).collect(),
            next_cursor: page.next_cursor,
        }))
}

/// Create an integration group
///
/// 1 to 10 distinct integrations of the organization, each of a type that
/// can send; their order is the failover order.
#[utoipa::path(
    operation_id = "createIntegrationGroup",
    tag = "integration-groups",
    request_body(content = CreateGroupRequest, content_type = "application/json"),
    security(("bearerAuth" = [])),
    responses(
        (status = 201, description = "Created.", body = GroupDto, headers(
            ("Location" = String, description = "`/api/integration-groups/{id}`"),
            ("ETag" = String, description = "The group's version, for `If-Match`."),
        )),
        (status = 400, description = "Malformed JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing, malformed, unknown or revoked API key.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key lacks the `write` scope.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over the size limit.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields: the name, an unknown or repeated integration, one that cannot send, bounds out of range or given to a broadcast group.", body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "Internal error.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/integration-groups")]
pub async fn create_group(
    auth: Authorized<Write>,
    state: Data<ApiState>,
    body: JsonBody<CreateGroupRequest>,
) -> Result<HttpResponse, ApiError> {
    let service = groups(&state)?;
    let body = body.0;
    let created = service
        .create(
            auth.org(),
            CreateGroup {
                name: body.name,
                strategy: body.strategy.into(),
                integration_ids: body.integration_ids,
                failover: body.failover.map(Into::into),
            },
        )
        .await?;
    let mut res = HttpResponse::Created();
    res.insert_header((
        header::LOCATION,
        format!("/api/integration-groups/{}", created.id),
    ));
    Ok(group_response(res, &created))
}

/// Get an integration group
#[utoipa::path(
    operation_id = "getIntegrationGroup",
    tag = "integration-groups",
    params(("groupId" = String, Path, description = "The group's id (`grp_…`).")),
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The group.", body = GroupDto, headers(
            ("ETag" = String, description = "The group's version, for `If-Match`."),
        )),
        (status = 401, description = "Missing, malformed, unknown or revoked API key.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key lacks the `read` scope.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such group in this organization.", body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "Internal error.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/integration-groups/{groupId}")]
pub async fn get_group(
    auth: Authorized<Read>,
    state: Data<ApiState>,
    path: Path<String>,
) -> Result<HttpResponse, ApiError> {
    let service = groups(&state)?;
    let id = parse_id(&path)?;
    let group = service.get(auth.org(), &id).await?;
    Ok(group_response(HttpResponse::Ok(), &group))
}

/// Update an integration group
///
/// Every member is optional; `integrationIds` replaces the whole list.
/// With `If-Match`, the update happens only if the group is still at that
/// version. Sends already made keep the route they had.
#[utoipa::path(
    operation_id = "updateIntegrationGroup",
    tag = "integration-groups",
    params(
        ("groupId" = String, Path, description = "The group's id (`grp_…`)."),
        ("If-Match" = String, Header, description = "An `ETag` from a previous response: update only if unchanged since."),
    ),
    request_body(content = UpdateGroupRequest, content_type = "application/json"),
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The updated group.", body = GroupDto, headers(
            ("ETag" = String, description = "The group's new version."),
        )),
        (status = 400, description = "Malformed JSON or a malformed `If-Match`.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing, malformed, unknown or revoked API key.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key lacks the `write` scope.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such group in this organization.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Too many concurrent changes.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` does not name the current version.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over the size limit.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields.", body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "Internal error.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/api/integration-groups/{groupId}")]
pub async fn update_group(
    auth: Authorized<Write>,
    state: Data<ApiState>,
    path: Path<String>,
    req: HttpRequest,
    body: JsonBody<UpdateGroupRequest>,
) -> Result<HttpResponse, ApiError> {
    let service = groups(&state)?;
    let id = parse_id(&path)?;
    let expected_version = if_match_version(&req, id.as_str())?;
    let body = body.0;
    let updated = service
        .update(
            auth.org(),
            &id,
            UpdateGroup {
                name: body.name,
                strategy: body.strategy.map(Into::into),
                integration_ids: body.integration_ids,
                failover: body.failover.map(Into::into),
                expected_version,
            },
        )
        .await?;
    Ok(group_response(HttpResponse::Ok(), &updated))
}

/// Delete an integration group
///
/// Its integrations stay; its sends and their deliveries stay readable.
#[utoipa::path(
    operation_id = "deleteIntegrationGroup",
    tag = "integration-groups",
    params(
        ("groupId" = String, Path, description = "The group's id (`grp_…`)."),
        ("If-Match" = String, Header, description = "An `ETag` from a previous response: delete only if unchanged since."),
    ),
    security(("bearerAuth" = [])),
    responses(
        (status = 204, description = "Deleted."),
        (status = 400, description = "A malformed `If-Match`.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing, malformed, unknown or revoked API key.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key lacks the `write` scope.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such group in this organization.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Too many concurrent changes.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` does not name the current version.", body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "Internal error.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/api/integration-groups/{groupId}")]
pub async fn delete_group(
    auth: Authorized<Write>,
    state: Data<ApiState>,
    path: Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let service = groups(&state)?;
    let id = parse_id(&path)?;
    let expected_version = if_match_version(&req, id.as_str())?;
    service.delete(auth.org(), &id, expected_version).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Send a message to an integration group
///
/// Every member that may carry the message is checked first (a problem
/// names the member); then the send, its route and its first deliveries
/// are written in one transaction and the answer is 202. Failover: the
/// first usable member gets it. Broadcast: every member does. A repeat
/// with the same `Idempotency-Key` and body answers the first send.
#[utoipa::path(
    operation_id = "sendToIntegrationGroup",
    tag = "integration-groups",
    params(
        ("groupId" = String, Path, description = "The group's id (`grp_…`)."),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to repeat: a repeat with the same key and body within 24 h answers the first send.", min_length = 1, max_length = 255, pattern = "^[!-~]+$"),
    ),
    request_body(content = SendMessageRequest, content_type = "application/json"),
    security(("bearerAuth" = [])),
    responses(
        (status = 202, description = "Accepted: the send and its first deliveries are queued.", body = GroupSendDto, headers(
            ("Location" = String, description = "`/api/integration-groups/{groupId}/sends/{sendId}`"),
        )),
        (status = 400, description = "Malformed JSON or Idempotency-Key.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing, malformed, unknown or revoked API key.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key lacks the `test` scope.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such group in this organization.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`/problems/inactive`: no member of the group can send. `/problems/conflict`: a request with this Idempotency-Key is still being processed; repeat it after `Retry-After`.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over the size limit.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A member cannot carry the message (the problem names the member and the field), or the Idempotency-Key was used with another body.", body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "Internal error.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/integration-groups/{groupId}/send")]
pub async fn send_to_group(
    auth: Authorized<Test>,
    state: Data<ApiState>,
    req: HttpRequest,
    path: Path<String>,
    body: JsonBody<SendMessageRequest>,
) -> Result<HttpResponse, ApiError> {
    let service = groups(&state)?;
    let id = parse_id(&path)?;
    let key = idempotency_key(&req)?;
    let accepted = service
        .send(auth.org(), &id, body.0.into_message(), key)
        .await?;
    let mut res = HttpResponse::Accepted();
    res.insert_header((header::LOCATION, send_location(&id, &accepted.send.id)))
        .insert_header((header::CACHE_CONTROL, "no-store"));
    if accepted.replayed {
        res.insert_header((
            HeaderName::from_static("idempotent-replayed"),
            HeaderValue::from_static("true"),
        ));
    }
    Ok(res.json(GroupSendDto::from(&accepted.send)))
}

/// Get a group send and the route it took
///
/// Which members were tried, when, how each ended and why the next was
/// chosen; each member's delivery is at `GET /api/deliveries/{id}`.
#[utoipa::path(
    operation_id = "getGroupSend",
    tag = "integration-groups",
    params(
        ("groupId" = String, Path, description = "The group's id (`grp_…`)."),
        ("sendId" = String, Path, description = "The send's id (`snd_…`)."),
    ),
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The send, with every member's step.", body = GroupSendDto),
        (status = 401, description = "Missing, malformed, unknown or revoked API key.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key lacks the `read` scope.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such send of this group.", body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "Internal error.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/integration-groups/{groupId}/sends/{sendId}")]
pub async fn get_group_send(
    auth: Authorized<Read>,
    state: Data<ApiState>,
    path: Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let service = groups(&state)?;
    let (group, send) = path.into_inner();
    let not_found = || ApiError::new(ProblemKind::NotFound, "No such group send.");
    let group: GroupId = group.parse().map_err(|_| not_found())?;
    let send: GroupSendId = send.parse().map_err(|_| not_found())?;
    let found = service.get_send(auth.org(), &group, &send).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(GroupSendDto::from(&found)))
}
