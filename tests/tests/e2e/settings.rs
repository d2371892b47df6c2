//! Settings reach the running server: the body limit and the lifetime of a
//! verified key's cache entry are what the configuration says, with keys
//! stored in either database. What a limit or a key answers is the api
//! crate's contract (`crates/api/tests/http/{errors,auth}.rs`).

use patchbay_domain::TenantStore;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestDatabase, on_both_backends};

on_both_backends!(the_configured_body_limit_and_key_cache_lifetime_apply);

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
