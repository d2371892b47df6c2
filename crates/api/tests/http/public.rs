//! What answers without a key: health, readiness, the OpenAPI document and
//! the docs page.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use actix_web::test::TestRequest;
use serde_json::json;

use crate::common::{Harness, call};
use crate::openapi::document;

#[actix_web::test]
async fn health_and_readiness_need_no_key() {
    let h = Harness::new().await;
    let app = h.service().await;
    let r = call(&app, TestRequest::get().uri("/healthz")).await;
    assert_eq!((r.status, r.json()), (200, json!({"status": "ok"})));
    let r = call(&app, TestRequest::get().uri("/readyz")).await;
    assert_eq!(r.status, 200);
}

#[actix_web::test]
async fn readiness_fails_with_the_store_without_naming_it() {
    let h = Harness::new().await;
    let app = h.service().await;
    h.store.down.store(true, Ordering::SeqCst);
    let r = call(&app, TestRequest::get().uri("/readyz")).await;
    let p = r.problem(503);
    assert_eq!(p["type"], "/problems/unavailable");
    assert_eq!(r.header("retry-after").as_deref(), Some("5"));
    assert!(!r.text().contains("db.internal"), "{p}");
    // Liveness does not depend on the database.
    let r = call(&app, TestRequest::get().uri("/healthz")).await;
    assert_eq!(r.status, 200);
}

#[actix_web::test]
async fn readiness_answers_within_a_second_when_the_database_hangs() {
    let h = Harness::new().await;
    let app = h.service().await;
    h.store.stalled.store(true, Ordering::SeqCst);
    let started = Instant::now();
    let r = actix_web::rt::time::timeout(
        Duration::from_secs(10),
        call(&app, TestRequest::get().uri("/readyz")),
    )
    .await
    .expect("readiness answers while the database hangs");
    let took = started.elapsed();
    assert_eq!(r.problem(503)["type"], "/problems/unavailable");
    // The bound is 1 s; generous for a loaded machine.
    assert!(took < Duration::from_secs(3), "{took:?}");
}

#[actix_web::test]
async fn the_document_and_the_docs_need_no_key() {
    let h = Harness::new().await;
    let app = h.service().await;
    let r = call(&app, TestRequest::get().uri("/api/openapi.json")).await;
    assert_eq!(r.expect(200), document());
    let r = call(&app, TestRequest::get().uri("/docs")).await;
    assert_eq!(r.status, 308);
    assert_eq!(r.header("location").as_deref(), Some("/docs/"));
    let r = call(&app, TestRequest::get().uri("/docs/")).await;
    assert_eq!(r.status, 200);
    assert!(r.text().contains("swagger"), "{}", r.text());
    let r = call(&app, TestRequest::get().uri("/docs/swagger-initializer.js")).await;
    assert_eq!(r.status, 200);
    assert!(r.text().contains("/api/openapi.json"));
}

/// Every URL a docs page or stylesheet makes the browser load: `src` and
/// `href` attributes, CSS `url(...)` and `@import`.
fn loaded_urls(text: &str) -> Vec<String> {
    let mut urls = Vec::new();
    for opener in ["src=\"", "href=\"", "url(", "@import "] {
        for (at, _) in text.match_indices(opener) {
            let rest = &text[at + opener.len()..];
            let end = rest.find(['"', ')', ';', ' ']).unwrap_or(rest.len());
            urls.push(rest[..end].trim_matches(['\'', '"']).to_string());
        }
    }
    urls
}

#[actix_web::test]
async fn the_docs_page_reaches_no_other_host() {
    let h = Harness::new().await;
    let app = h.service().await;
    let r = call(&app, TestRequest::get().uri("/docs/swagger-initializer.js")).await;
    assert_eq!(r.status, 200);
    // Swagger UI's default sends the document's URL to validator.swagger.io
    // from any host but localhost; "none" turns it off.
    assert!(
        r.text().contains("\"validatorUrl\": \"none\""),
        "{}",
        r.text()
    );
    assert!(!r.text().contains("http"), "{}", r.text());
    for asset in ["/docs/", "/docs/index.css", "/docs/swagger-ui.css"] {
        let r = call(&app, TestRequest::get().uri(asset)).await;
        assert_eq!(r.status, 200, "{asset}");
        let urls = loaded_urls(&r.text());
        if asset == "/docs/" {
            assert!(urls.iter().any(|u| u.ends_with(".js")), "{asset}: {urls:?}");
        }
        for url in urls {
            let outside = url.starts_with("//") || url.contains("://");
            assert!(!outside, "{asset} loads {url}");
        }
    }
}
