//! CORS: preflights answered without an API key, allowed origins marked on
//! every answer (errors included) with the headers a browser client reads,
//! other origins given no CORS header at all.

use actix_web::test::TestRequest;
use patchbay_api::{ApiConfig, CorsOrigins};
use serde_json::json;

use crate::common::{Harness, call, call_as, json_body};

const ALLOWED: &str = "https://console.example.com";
const OTHER: &str = "https://elsewhere.example.net";

async fn harness(origins: &[&str]) -> Harness {
    Harness::with_config(ApiConfig {
        auth_failure_limit: 0,
        cors_origins: CorsOrigins::new(origins.iter().map(|o| o.to_string()).collect()),
        ..ApiConfig::default()
    })
    .await
}

fn preflight(origin: &str) -> TestRequest {
    TestRequest::default()
        .method(actix_web::http::Method::OPTIONS)
        .uri("/api/integrations")
        .insert_header(("Origin", origin))
        .insert_header(("Access-Control-Request-Method", "POST"))
        .insert_header((
            "Access-Control-Request-Headers",
            "authorization, content-type",
        ))
}

#[actix_web::test]
async fn a_preflight_from_an_allowed_origin_is_answered_without_a_key() {
    let h = harness(&[ALLOWED]).await;
    let app = h.service().await;
    let r = call(&app, preflight(ALLOWED)).await;
    assert_eq!(r.status, 204, "{}", r.text());
    assert_eq!(
        r.header("access-control-allow-origin").as_deref(),
        Some(ALLOWED)
    );
    let methods = r.header("access-control-allow-methods").unwrap();
    for m in ["GET", "POST", "PUT", "DELETE"] {
        assert!(methods.contains(m), "{methods}");
    }
    let headers = r
        .header("access-control-allow-headers")
        .unwrap()
        .to_ascii_lowercase();
    for h in [
        "authorization",
        "content-type",
        "if-match",
        "idempotency-key",
    ] {
        assert!(headers.contains(h), "{headers}");
    }
    assert!(r.header("x-request-id").is_some());
}

#[actix_web::test]
async fn a_preflight_from_another_origin_is_refused_without_cors_headers() {
    for configured in [&[ALLOWED][..], &[][..]] {
        let h = harness(configured).await;
        let app = h.service().await;
        let r = call(&app, preflight(OTHER)).await;
        r.problem(403);
        assert_eq!(r.header("access-control-allow-origin"), None);
    }
}

#[actix_web::test]
async fn answers_to_an_allowed_origin_expose_etag_location_retry_after_and_the_request_id() {
    let h = harness(&[ALLOWED]).await;
    let app = h.service().await;
    let body = json!({"name": "ops", "type": "slack",
        "config": {"webhookUrl": "https://hooks.slack.com/services/T000/B000/FAKEFAKE"}});
    let req = json_body(TestRequest::post().uri("/api/integrations"), &body)
        .insert_header(("Origin", ALLOWED));
    let r = call_as(&app, &h.admin, req).await;
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(
        r.header("access-control-allow-origin").as_deref(),
        Some(ALLOWED)
    );
    let exposed = r
        .header("access-control-expose-headers")
        .unwrap()
        .to_ascii_lowercase();
    for name in ["etag", "location", "retry-after", "x-request-id"] {
        assert!(exposed.contains(name), "{exposed}");
    }
    assert!(r.header("vary").is_some_and(|v| v.contains("Origin")));
    // An error too, so that the page can read the problem.
    let r = call(
        &app,
        TestRequest::get()
            .uri("/api/integrations")
            .insert_header(("Origin", ALLOWED)),
    )
    .await;
    r.problem(401);
    assert_eq!(
        r.header("access-control-allow-origin").as_deref(),
        Some(ALLOWED)
    );
}

#[actix_web::test]
async fn answers_to_another_origin_carry_no_cors_headers() {
    let h = harness(&[ALLOWED]).await;
    let app = h.service().await;
    let req = TestRequest::get()
        .uri("/api/integrations")
        .insert_header(("Origin", OTHER));
    let r = call_as(&app, &h.admin, req).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("access-control-allow-origin"), None);
    assert_eq!(r.header("access-control-expose-headers"), None);
}

#[actix_web::test]
async fn a_plain_options_request_still_needs_a_key() {
    // Not a preflight (no Access-Control-Request-Method): the API's own
    // answer, which for an unauthenticated request is 401.
    let h = harness(&[ALLOWED]).await;
    let app = h.service().await;
    let r = call(
        &app,
        TestRequest::default()
            .method(actix_web::http::Method::OPTIONS)
            .uri("/api/integrations")
            .insert_header(("Origin", ALLOWED)),
    )
    .await;
    r.problem(401);
}
