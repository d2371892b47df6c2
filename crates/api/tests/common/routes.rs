//! One helper per route of `/api/integrations`, `/api/integration-types` and
//! the integer-id API at `/integrations`, each sending its request with a key
//! and answering the whole [`Reply`], so a test reads as what it does. Tests
//! that sweep many routes at once (auth, tenancy) build their requests with
//! the path helpers.

use std::fmt::Display;

use actix_web::http::header;
use actix_web::test::TestRequest;
use serde_json::{Value, json};

use super::{Key, Reply, TestApp, call_as, json_body};

/// A Slack webhook URL that passes validation; its hint is `…XXXX`.
pub const SLACK_URL: &str = "https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX";

/// An integration id that is well formed but names nothing.
pub const UNKNOWN_ID: &str = "int_01jf8k2m3n4p5q6r7s8t9v0w1x";

/// The body that creates a Slack integration posting to `url`.
pub fn slack(name: &str, url: &str) -> Value {
    json!({"name": name, "type": "slack", "config": {"webhookUrl": url}})
}

pub fn integration_path(id: &str) -> String {
    format!("/api/integrations/{id}")
}

pub fn integration_test_path(id: &str) -> String {
    format!("/api/integrations/{id}/test")
}

/// `path?query`, or `path` for an empty query.
fn with_query(path: &str, query: &str) -> String {
    if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{query}")
    }
}

/// `GET /api/integrations?{query}` (`query` may be empty).
pub async fn list_integrations(app: &TestApp, key: &Key, query: &str) -> Reply {
    let uri = with_query("/api/integrations", query);
    call_as(app, key, TestRequest::get().uri(&uri)).await
}

/// `POST /api/integrations`.
pub async fn create_integration(app: &TestApp, key: &Key, body: &Value) -> Reply {
    call_as(
        app,
        key,
        json_body(TestRequest::post().uri("/api/integrations"), body),
    )
    .await
}

/// Create a Slack integration, assert it was created, and return its id.
pub async fn create_slack(app: &TestApp, key: &Key, name: &str) -> String {
    let r = create_integration(app, key, &slack(name, SLACK_URL)).await;
    r.expect(201);
    r.id()
}

/// `GET /api/integrations/{id}`.
pub async fn get_integration(app: &TestApp, key: &Key, id: &str) -> Reply {
    call_as(app, key, TestRequest::get().uri(&integration_path(id))).await
}

/// `PUT /api/integrations/{id}`.
pub async fn update_integration(app: &TestApp, key: &Key, id: &str, body: &Value) -> Reply {
    call_as(
        app,
        key,
        json_body(TestRequest::put().uri(&integration_path(id)), body),
    )
    .await
}

/// `PUT /api/integrations/{id}` with `If-Match`.
pub async fn update_integration_if_match(
    app: &TestApp,
    key: &Key,
    id: &str,
    if_match: &str,
    body: &Value,
) -> Reply {
    let req = TestRequest::put()
        .uri(&integration_path(id))
        .insert_header((header::IF_MATCH, if_match));
    call_as(app, key, json_body(req, body)).await
}

/// `DELETE /api/integrations/{id}`.
pub async fn delete_integration(app: &TestApp, key: &Key, id: &str) -> Reply {
    call_as(app, key, TestRequest::delete().uri(&integration_path(id))).await
}

/// `DELETE /api/integrations/{id}` with `If-Match`.
pub async fn delete_integration_if_match(
    app: &TestApp,
    key: &Key,
    id: &str,
    if_match: &str,
) -> Reply {
    let req = TestRequest::delete()
        .uri(&integration_path(id))
        .insert_header((header::IF_MATCH, if_match));
    call_as(app, key, req).await
}

/// `POST /api/integrations/{id}/test`, with a JSON body or none at all.
pub async fn test_integration(app: &TestApp, key: &Key, id: &str, body: Option<&Value>) -> Reply {
    let req = TestRequest::post().uri(&integration_test_path(id));
    let req = match body {
        Some(body) => json_body(req, body),
        None => req,
    };
    call_as(app, key, req).await
}

/// `POST /api/integrations/test`: test a config without saving it.
pub async fn test_unsaved_integration(app: &TestApp, key: &Key, body: &Value) -> Reply {
    call_as(
        app,
        key,
        json_body(TestRequest::post().uri("/api/integrations/test"), body),
    )
    .await
}

/// `GET /api/integration-types`.
pub async fn list_integration_types(app: &TestApp, key: &Key) -> Reply {
    call_as(app, key, TestRequest::get().uri("/api/integration-types")).await
}

/// `GET /api/integration-types/{slug}`.
pub async fn get_integration_type(app: &TestApp, key: &Key, slug: &str) -> Reply {
    let uri = format!("/api/integration-types/{slug}");
    call_as(app, key, TestRequest::get().uri(&uri)).await
}

// ------------------------------------------------ /integrations
// Types by integer id, snake_case `data`, an integration by its integer id.

/// `/integrations/{id}`; `id` may be anything, a number or not.
pub fn integer_id_path(id: impl Display) -> String {
    format!("/integrations/{id}")
}

/// `/integrations/{id}/status`.
pub fn integer_id_status_path(id: impl Display) -> String {
    format!("/integrations/{id}/status")
}

/// `GET /integrations?{query}` (`query` may be empty).
pub async fn list_integer_id_integrations(app: &TestApp, key: &Key, query: &str) -> Reply {
    let uri = with_query("/integrations", query);
    call_as(app, key, TestRequest::get().uri(&uri)).await
}

/// `POST /integrations`.
pub async fn create_integer_id_integration(app: &TestApp, key: &Key, body: &Value) -> Reply {
    call_as(
        app,
        key,
        json_body(TestRequest::post().uri("/integrations"), body),
    )
    .await
}

/// `GET /integrations/{id}`.
pub async fn get_integer_id_integration(app: &TestApp, key: &Key, id: i64) -> Reply {
    call_as(app, key, TestRequest::get().uri(&integer_id_path(id))).await
}

/// `PUT /integrations/{id}`, with `If-Match` if one is given.
pub async fn update_integer_id_integration(
    app: &TestApp,
    key: &Key,
    id: i64,
    if_match: Option<&str>,
    body: &Value,
) -> Reply {
    let req = with_if_match(TestRequest::put().uri(&integer_id_path(id)), if_match);
    call_as(app, key, json_body(req, body)).await
}

/// `PATCH /integrations/{id}/status` to this status, with `If-Match` if one
/// is given.
pub async fn set_integer_id_integration_status(
    app: &TestApp,
    key: &Key,
    id: i64,
    if_match: Option<&str>,
    status: &str,
) -> Reply {
    let req = with_if_match(
        TestRequest::patch().uri(&integer_id_status_path(id)),
        if_match,
    );
    call_as(app, key, json_body(req, &json!({"status": status}))).await
}

/// `DELETE /integrations/{id}`, with `If-Match` if one is given.
pub async fn delete_integer_id_integration(
    app: &TestApp,
    key: &Key,
    id: i64,
    if_match: Option<&str>,
) -> Reply {
    let req = with_if_match(TestRequest::delete().uri(&integer_id_path(id)), if_match);
    call_as(app, key, req).await
}

fn with_if_match(req: TestRequest, if_match: Option<&str>) -> TestRequest {
    match if_match {
        Some(tag) => req.insert_header((header::IF_MATCH, tag)),
        None => req,
    }
}

/// The `int_…` id `/api/integrations` knows an integration by, from the
/// `ETag` of an answer of either API (`"{id}-v{version}"`).
pub fn id_in_etag(r: &Reply) -> String {
    let tag = r
        .header("etag")
        .unwrap_or_else(|| panic!("an ETag: {} {}", r.status, r.text()));
    let (id, _) = tag
        .trim_matches('"')
        .rsplit_once("-v")
        .unwrap_or_else(|| panic!("an id-vN tag: {tag}"));
    id.to_string()
}
