//! What the framework refuses before a handler runs is a problem+json like
//! every other error: 413, 415, 400, 405 with `Allow`, 404; and a store
//! failure is an opaque 500.

use std::sync::atomic::Ordering;

use actix_web::http::header;
use actix_web::test::TestRequest;
use patchbay_api::ApiConfig;
use serde_json::json;

use crate::common::{
    Harness, SLACK_URL, UNKNOWN_ID, call_as, call_without, create_integration, integration_path,
    integration_test_path, list_integrations, slack,
};

/// `POST /api/integrations` with this payload and content type.
fn post_raw(content_type: Option<&str>, payload: impl Into<actix_web::web::Bytes>) -> TestRequest {
    let req = TestRequest::post()
        .uri("/api/integrations")
        .set_payload(payload);
    match content_type {
        Some(ct) => req.insert_header((header::CONTENT_TYPE, ct)),
        None => req,
    }
}

#[actix_web::test]
async fn a_body_over_the_limit_answers_413() {
    let h = Harness::with_config(ApiConfig {
        max_body_bytes: 1024,
        ..ApiConfig::default()
    })
    .await;
    let app = h.service().await;
    let big = json!({"name": "x".repeat(2000), "type": "slack", "config": {}});

    let p = create_integration(&app, &h.admin, &big).await.problem(413);
    assert!(p["detail"].as_str().unwrap().contains("1024"));

    // Without a Content-Length the limit holds while reading.
    let req = post_raw(Some("application/json"), serde_json::to_vec(&big).unwrap())
        .insert_header(h.admin.bearer());
    let r = call_without(&app, req, header::CONTENT_LENGTH).await;
    let p = r.problem(413);
    assert!(p["detail"].as_str().unwrap().contains("1024"));
    assert_eq!(h.store.count(), 0);
}

#[actix_web::test]
async fn a_body_that_is_not_json_answers_415() {
    let h = Harness::new().await;
    let app = h.service().await;
    let body = serde_json::to_vec(&slack("x", SLACK_URL)).unwrap();
    for ct in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        None,
    ] {
        call_as(&app, &h.admin, post_raw(ct, body.clone()))
            .await
            .problem(415);
    }
    assert_eq!(h.store.count(), 0);
    // ...but a JSON type with parameters, or +json, is fine.
    for ct in [
        "application/json; charset=utf-8",
        "application/merge-patch+json",
    ] {
        let r = call_as(&app, &h.admin, post_raw(Some(ct), body.clone())).await;
        assert_eq!(r.status, 201, "{ct}: {}", r.text());
    }
}

#[actix_web::test]
async fn malformed_json_answers_400() {
    let h = Harness::new().await;
    let app = h.service().await;
    for payload in ["{", "[1,", "{\"name\": \"x\"} {}", ""] {
        call_as(&app, &h.admin, post_raw(Some("application/json"), payload))
            .await
            .problem(400);
    }
}

#[actix_web::test]
async fn a_method_a_route_does_not_take_answers_405_with_allow() {
    let h = Harness::new().await;
    let app = h.service().await;
    for (req, allow) in [
        (TestRequest::patch().uri("/api/integrations"), "GET, POST"),
        (TestRequest::delete().uri("/api/integrations"), "GET, POST"),
        (TestRequest::post().uri("/api/integration-types"), "GET"),
        (
            TestRequest::patch().uri(&integration_path(UNKNOWN_ID)),
            "GET, PUT, DELETE",
        ),
        (
            TestRequest::get().uri(&integration_test_path(UNKNOWN_ID)),
            "POST",
        ),
        (TestRequest::post().uri("/healthz"), "GET"),
        (TestRequest::get().uri("/api/integrations/test"), "POST"),
        (TestRequest::delete().uri("/api/integrations/test"), "POST"),
    ] {
        let r = call_as(&app, &h.admin, req).await;
        r.problem(405);
        assert_eq!(r.header("allow").as_deref(), Some(allow));
    }
}

#[actix_web::test]
async fn unknown_routes_answer_404_inside_and_outside_the_api() {
    let h = Harness::new().await;
    let app = h.service().await;
    for uri in ["/api/nope", "/nope", "/api/integrations/a/b/c"] {
        call_as(&app, &h.admin, TestRequest::get().uri(uri))
            .await
            .problem(404);
    }
}

#[actix_web::test]
async fn a_store_failure_is_an_opaque_500() {
    let h = Harness::new().await;
    let app = h.service().await;
    h.store.broken.store(true, Ordering::SeqCst);
    let r = list_integrations(&app, &h.admin, "").await;
    assert_eq!(r.problem(500)["type"], "/problems/internal");
    assert!(!r.text().contains("db.internal"), "{}", r.text());
    assert_eq!(r.header("retry-after"), None);
}

#[actix_web::test]
async fn an_unavailable_database_is_503_with_retry_after() {
    let h = Harness::new().await;
    let app = h.service().await;
    h.store.down.store(true, Ordering::SeqCst);
    let r = list_integrations(&app, &h.admin, "").await;
    assert_eq!(r.problem(503)["type"], "/problems/unavailable");
    assert_eq!(r.header("retry-after").as_deref(), Some("5"));
    assert!(!r.text().contains("db.internal"), "{}", r.text());
}

#[actix_web::test]
async fn an_api_key_that_cannot_be_looked_up_is_503_not_401() {
    let h = Harness::new().await;
    let app = h.service().await;
    h.tenants.down.store(true, Ordering::SeqCst);
    let r = list_integrations(&app, &h.admin, "").await;
    assert_eq!(r.problem(503)["type"], "/problems/unavailable");
    assert_eq!(r.header("retry-after").as_deref(), Some("5"));
    assert_eq!(r.header("www-authenticate"), None);
}
