//! What the framework refuses before a handler runs is a problem+json like
//! every other error: 413, 415, 400, 405 with `Allow`, 404; and a store
//! failure is an opaque 500.

use std::sync::atomic::Ordering;

use actix_web::http::header;
use actix_web::test::TestRequest;
use patchbay_api::ApiConfig;
use serde_json::json;

use crate::common::{
    Harness, SLACK_URL, UNKNOWN_ID, call, call_as, call_without, create_integration,
    get_integration, integration_path, integration_test_path, json_body, list_integrations, slack,
    test_integration, test_unsaved_integration, update_integration,
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
async fn a_body_over_the_limit_answers_413_on_every_route_that_takes_one() {
    let h = Harness::with_config(ApiConfig {
        max_body_bytes: 1024,
        ..ApiConfig::default()
    })
    .await;
    let app = h.service().await;
    let key = &h.admin;
    let hook = |pad: usize| {
        json!({"name": "w", "type": "webhook",
               "config": {"url": "https://example.com/hook", "headers": {"X-Pad": "a".repeat(pad)}}})
    };
    assert!(serde_json::to_vec(&hook(900)).unwrap().len() <= 1024);
    assert!(serde_json::to_vec(&hook(1100)).unwrap().len() > 1024);
    // Just under the limit is fine.
    let r = create_integration(&app, key, &hook(900)).await;
    let created = r.expect(201);
    let id = r.id();

    let big_config = hook(1100)["config"].clone();
    for r in [
        create_integration(&app, key, &hook(1100)).await,
        create_integration(&app, key, &hook(20_000)).await,
        update_integration(&app, key, &id, &json!({"config": big_config})).await,
        test_integration(
            &app,
            key,
            &id,
            Some(&json!({"configOverrides": big_config})),
        )
        .await,
        test_unsaved_integration(&app, key, &json!({"type": "webhook", "config": big_config}))
            .await,
    ] {
        let p = r.problem(413);
        assert!(p["detail"].as_str().unwrap().contains("1024"), "{p}");
    }

    // Without a Content-Length the limit holds while reading.
    let req = post_raw(
        Some("application/json"),
        serde_json::to_vec(&hook(4000)).unwrap(),
    )
    .insert_header(key.bearer());
    let r = call_without(&app, req, header::CONTENT_LENGTH).await;
    let p = r.problem(413);
    assert!(p["detail"].as_str().unwrap().contains("1024"), "{p}");
    // Authentication still comes first.
    let r = call(
        &app,
        json_body(TestRequest::post().uri("/api/integrations"), &hook(1100)),
    )
    .await;
    r.problem(401);

    let after = get_integration(&app, key, &id).await;
    assert_eq!(after.header("etag"), Some(format!("\"{id}-v1\"")));
    assert_eq!(after.expect(200), created);
    assert_eq!(h.store.count(), 1);
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
