//! API keys: 401 with a Bearer challenge before anything else, scopes
//! checked before the body is read, and the cache of verified keys.

use std::sync::atomic::Ordering;
use std::time::Duration;

use actix_web::http::header;
use actix_web::test::TestRequest;
use patchbay_api::ApiConfig;
use patchbay_domain::auth::Scope;
use serde_json::json;

use crate::common::{
    Harness, UNKNOWN_ID, call, call_as, create_slack, integration_path, integration_test_path,
    json_body, list_integrations,
};
use crate::openapi::keyed_operations;

#[actix_web::test]
async fn bad_credentials_answer_401_with_a_bearer_challenge() {
    let h = Harness::new().await;
    let app = h.service().await;
    let revoked = h.key("acme", &[Scope::Admin]).await;
    h.tenants.revoke_api_key_now(&revoked.id).await;
    let unknown = patchbay_domain::auth::NewApiKey::generate();
    let unknown = secrecy::ExposeSecret::expose_secret(&unknown.plaintext).to_string();
    let cases: Vec<(&str, Option<String>)> = vec![
        ("missing", None),
        ("basic", Some("Basic dXNlcjpwYXNz".into())),
        ("empty bearer", Some("Bearer ".into())),
        ("junk", Some("Bearer not-a-key".into())),
        ("unknown", Some(format!("Bearer {unknown}"))),
        ("revoked", Some(format!("Bearer {}", revoked.plaintext))),
    ];
    for (name, auth) in cases {
        for req in [
            TestRequest::get().uri("/api/integrations"),
            TestRequest::get().uri("/api/integration-types"),
            // Auth comes before the body: no 415/400 leaks to a stranger.
            TestRequest::post()
                .uri("/api/integrations")
                .insert_header((header::CONTENT_TYPE, "text/plain"))
                .set_payload("{"),
            TestRequest::get().uri("/api/no-such-route"),
        ] {
            let req = match &auth {
                Some(a) => req.insert_header((header::AUTHORIZATION, a.as_str())),
                None => req,
            };
            let r = call(&app, req).await;
            r.problem(401);
            let challenge = r.header("www-authenticate").expect(name);
            assert!(challenge.starts_with("Bearer"), "{name}: {challenge}");
        }
    }
}

/// Every documented operation under /api and /integrations, the document
/// itself aside, is refused without a key.
#[actix_web::test]
async fn every_documented_api_operation_requires_a_key() {
    let h = Harness::new().await;
    let app = h.service().await;
    let operations = keyed_operations();
    for (method, path, _) in &operations {
        let uri = path
            .replace("{integrationId}", UNKNOWN_ID)
            .replace("{slug}", "slack")
            .replace("{id}", "1");
        let req = TestRequest::default()
            .method(method.to_uppercase().parse().unwrap())
            .uri(&uri);
        let r = call(&app, req).await;
        r.problem(401);
        assert!(r.header("www-authenticate").is_some(), "{method} {path}");
    }
    // The 9 operations of /api/integrations and /api/integration-types, the
    // 6 of /integrations and the audit trail's 1, at least (other resources
    // add theirs).
    assert!(operations.len() >= 16, "{}", operations.len());
}

#[actix_web::test]
async fn missing_scopes_answer_403_before_the_body_is_read() {
    let h = Harness::new().await;
    let app = h.service().await;
    let id = create_slack(&app, &h.admin, "s").await;
    let reader = h.key("acme", &[Scope::Read]).await;
    let tester = h.key("acme", &[Scope::Test]).await;

    // Read may read.
    for uri in [
        "/api/integrations".to_string(),
        integration_path(&id),
        "/api/integration-types".to_string(),
        "/api/integration-types/slack".to_string(),
    ] {
        let r = call_as(&app, &reader, TestRequest::get().uri(&uri)).await;
        assert_eq!(r.status, 200, "{uri}");
    }
    // ...and nothing else, even with a broken body.
    for req in [
        TestRequest::post()
            .uri("/api/integrations")
            .insert_header((header::CONTENT_TYPE, "application/json"))
            .set_payload("{broken"),
        json_body(
            TestRequest::put().uri(&integration_path(&id)),
            &json!({"name": "x"}),
        ),
        TestRequest::delete().uri(&integration_path(&id)),
        TestRequest::post().uri(&integration_test_path(&id)),
        json_body(
            TestRequest::post().uri("/api/integrations/test"),
            &json!({"type": "slack", "config": {}}),
        ),
    ] {
        let p = call_as(&app, &reader, req).await.problem(403);
        assert!(p["detail"].as_str().unwrap().contains("scope"));
    }
    // Test may test, not read or write.
    let r = call_as(
        &app,
        &tester,
        TestRequest::post().uri(&integration_test_path(&id)),
    )
    .await;
    assert_eq!(r.status, 200);
    for req in [
        TestRequest::get().uri("/api/integrations"),
        TestRequest::delete().uri(&integration_path(&id)),
    ] {
        call_as(&app, &tester, req).await.problem(403);
    }
}

#[actix_web::test]
async fn a_verified_key_is_looked_up_once_within_the_ttl() {
    let h = Harness::new().await;
    let app = h.service().await;
    let before = h.tenants.lookups.load(Ordering::SeqCst);
    for _ in 0..5 {
        list_integrations(&app, &h.admin, "").await.expect(200);
    }
    assert_eq!(h.tenants.lookups.load(Ordering::SeqCst) - before, 1);
}

#[actix_web::test]
async fn a_revoked_key_works_until_its_cached_verification_expires() {
    // Within the TTL (ten seconds by default) the cached verification
    // answers.
    let h = Harness::new().await;
    let app = h.service().await;
    list_integrations(&app, &h.admin, "").await.expect(200);
    h.tenants.revoke_api_key_now(&h.admin.id).await;
    list_integrations(&app, &h.admin, "").await.expect(200);

    // Past the TTL it is gone.
    let ttl = Duration::from_millis(50);
    let h = Harness::with_config(ApiConfig {
        auth_cache_ttl: ttl,
        ..ApiConfig::default()
    })
    .await;
    let app = h.service().await;
    list_integrations(&app, &h.admin, "").await.expect(200);
    h.tenants.revoke_api_key_now(&h.admin.id).await;
    // The wait is the behaviour under test: the TTL running out. It is not
    // a condition to poll for; no request can end the cache entry sooner.
    actix_web::rt::time::sleep(ttl).await;
    list_integrations(&app, &h.admin, "").await.problem(401);
}

#[actix_web::test]
async fn without_the_cache_revocation_takes_effect_on_the_next_request() {
    let h = Harness::with_config(ApiConfig {
        auth_cache_ttl: Duration::ZERO,
        ..ApiConfig::default()
    })
    .await;
    let app = h.service().await;
    list_integrations(&app, &h.admin, "").await.expect(200);
    h.tenants.revoke_api_key_now(&h.admin.id).await;
    list_integrations(&app, &h.admin, "").await.problem(401);
}
