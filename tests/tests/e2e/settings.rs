//! Settings reach the running server: the body limit, the lifetime of a
//! verified key's cache entry and the limit of refused keys per client
//! address are what the configuration says, with keys stored in either
//! database. What a limit or a key answers is the api
//! crate's contract (`crates/api/tests/http/{errors,auth}.rs`).

use patchbay_domain::TenantStore;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestDatabase, on_both_backends};

on_both_backends!(
    the_configured_body_limit_and_key_cache_lifetime_apply,
    refused_keys_past_the_configured_limit_answer_429,
);

async fn the_configured_body_limit_and_key_cache_lifetime_apply(db: TestDatabase) {
    let app = TestApp::spawn_with(
        db,
        &[
            ("PATCHBAY__HTTP__MAX_BODY_BYTES", "2048"),
            // No cache, so a revocation is seen on the next request.
            ("PATCHBAY__API__AUTH_CACHE_TTL_SECS", "0"),
        ],
    )
    .await;
    let admin = app.admin();
    let hook = |pad: usize| -> Value {
        json!({"name": "w", "type": "webhook",
               "config": {"url": "https://example.com/hook", "headers": {"X-Pad": "a".repeat(pad)}}})
    };
    assert!(serde_json::to_vec(&hook(1900)).unwrap().len() <= 2048);
    assert!(serde_json::to_vec(&hook(2100)).unwrap().len() > 2048);
    admin.create_integration(&hook(1900)).await.ok(201);
    let p = admin
        .create_integration(&hook(2100))
        .await
        .problem(413, "payload-too-large");
    assert!(p["detail"].as_str().unwrap().contains("2048"), "{p}");

    let (revoked_id, revoked) = app.key_with_id("default", "admin").await;
    let holder = app.with_key(&revoked);
    holder.list_integrations("").await.ok(200);
    assert!(
        app.app_store
            .revoke_api_key(&revoked_id, patchbay_domain::service::now())
            .await
            .unwrap()
    );
    holder
        .list_integrations("")
        .await
        .problem(401, "unauthorized");
}

async fn refused_keys_past_the_configured_limit_answer_429(db: TestDatabase) {
    let app = TestApp::spawn_with(
        db,
        &[
            ("PATCHBAY__API__AUTH_FAILURE_LIMIT", "2"),
            ("PATCHBAY__API__AUTH_FAILURE_WINDOW_SECS", "3600"),
        ],
    )
    .await;
    for _ in 0..2 {
        let unknown = patchbay_domain::auth::NewApiKey::generate();
        let unknown = secrecy::ExposeSecret::expose_secret(&unknown.plaintext).to_string();
        app.with_key(&unknown)
            .list_integrations("")
            .await
            .problem(401, "unauthorized");
    }
    // This client (127.0.0.1) is over its limit: even the admin key waits.
    let r = app.admin().list_integrations("").await;
    r.problem(429, "too-many-requests");
    let wait: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=3600).contains(&wait), "{wait}");
    // Unkeyed routes are not limited.
    app.anonymous().openapi_document().await.ok(200);
}
