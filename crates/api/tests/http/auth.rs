//! API keys: 401 with a Bearer challenge naming the error before anything
//! else, each scope's routes and 403 naming the missing scope (checked
//! before the body is read), and the cache of verified keys.

use std::sync::atomic::Ordering;
use std::time::Duration;

use actix_web::http::header;
use actix_web::test::TestRequest;
use patchbay_api::ApiConfig;
use patchbay_domain::auth::Scope;
use serde_json::{Value, json};

use crate::common::{
    Harness, Reply, SLACK_URL, UNKNOWN_ID, call, call_as, create_integration, create_slack,
    delete_integration, get_integration, integration_path, list_integration_types,
    list_integrations, slack, test_integration, test_unsaved_integration, update_integration,
};
use crate::openapi::keyed_operations;

#[actix_web::test]
async fn bad_credentials_answer_401_with_the_challenge_naming_the_error() {
    let h = Harness::new().await;
    let app = h.service().await;
    let id = create_slack(&app, &h.admin, "s").await;
    let before = get_integration(&app, &h.admin, &id).await;
    let revoked = h.key("acme", &[Scope::Admin]).await;
    h.tenants.revoke_api_key_now(&revoked.id).await;
    let unknown = patchbay_domain::auth::NewApiKey::generate();
    let unknown = secrecy::ExposeSecret::expose_secret(&unknown.plaintext).to_string();
    let admin_key = &h.admin.plaintext;
    let no_error = "Bearer realm=\"patchbay\"";
    let invalid_request = "Bearer realm=\"patchbay\", error=\"invalid_request\"";
    let invalid_token = "Bearer realm=\"patchbay\", error=\"invalid_token\"";
    let cases: Vec<(&str, Option<String>, &str)> = vec![
        ("missing header", None, no_error),
        (
            "basic scheme",
            Some("Basic dXNlcjpwYXNz".into()),
            invalid_request,
        ),
        (
            "key without scheme",
            Some(admin_key.clone()),
            invalid_request,
        ),
        ("empty bearer", Some("Bearer ".into()), invalid_request),
        (
            "malformed key",
            Some("Bearer not-a-key".into()),
            invalid_token,
        ),
        (
            "truncated key",
            Some(format!("Bearer {}", &admin_key[..20])),
            invalid_token,
        ),
        (
            "unknown key",
            Some(format!("Bearer {unknown}")),
            invalid_token,
        ),
        (
            "revoked key",
            Some(format!("Bearer {}", revoked.plaintext)),
            invalid_token,
        ),
    ];
    // Auth comes before the body: a stranger learns nothing from a body
    // error (no 415 or 400 leaks).
    let broken = |req: TestRequest| {
        req.insert_header((header::CONTENT_TYPE, "text/plain"))
            .set_payload("{")
    };
    for (name, auth, challenge) in cases {
        for req in [
            TestRequest::get().uri("/api/integrations"),
            TestRequest::get().uri(&integration_path(&id)),
            broken(TestRequest::post().uri("/api/integrations")),
            broken(TestRequest::put().uri(&integration_path(&id))),
            TestRequest::delete().uri(&integration_path(&id)),
            broken(TestRequest::post().uri("/api/integrations/test")),
            TestRequest::get().uri("/api/integration-types"),
            TestRequest::get().uri("/api/no-such-route"),
        ] {
            let req = match &auth {
                Some(a) => req.insert_header((header::AUTHORIZATION, a.as_str())),
                None => req,
            };
            let r = call(&app, req).await;
            r.problem(401);
            assert_eq!(
                r.header("www-authenticate").as_deref(),
                Some(challenge),
                "{name}"
            );
        }
    }
    // The refused requests changed nothing.
    let after = get_integration(&app, &h.admin, &id).await;
    assert_eq!(after.header("etag"), Some(format!("\"{id}-v1\"")));
    assert_eq!(after.expect(200), before.expect(200));
    assert_eq!(h.store.count(), 1);
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

/// A 403 naming the missing scope, in the detail and in the challenge.
#[track_caller]
fn assert_forbidden(r: &Reply, scope: &str) {
    let p = r.problem(403);
    assert!(p["detail"].as_str().unwrap().contains(scope), "{p}");
    assert_eq!(
        r.header("www-authenticate"),
        Some(format!(
            "Bearer realm=\"patchbay\", error=\"insufficient_scope\", scope=\"{scope}\""
        ))
    );
}

#[actix_web::test]
async fn each_scope_allows_its_routes_and_answers_403_naming_the_missing_one() {
    let h = Harness::new().await;
    let app = h.service().await;
    let id = create_slack(&app, &h.admin, "s").await;
    let before = get_integration(&app, &h.admin, &id).await;
    let reader = h.key("acme", &[Scope::Read]).await;
    let tester = h.key("acme", &[Scope::Test]).await;
    let writer = h.key("acme", &[Scope::Write]).await;
    let new = slack("x", SLACK_URL);
    let rename = json!({"name": "x"});
    let unsaved = json!({"type": "slack", "config": {"webhookUrl": SLACK_URL}});

    // read: every GET, nothing else, even with a broken body (scopes are
    // checked before the body is read).
    for uri in [
        "/api/integrations".to_string(),
        integration_path(&id),
        "/api/integration-types".to_string(),
        "/api/integration-types/slack".to_string(),
    ] {
        let r = call_as(&app, &reader, TestRequest::get().uri(&uri)).await;
        assert_eq!(r.status, 200, "{uri}");
    }
    let broken_body = call_as(
        &app,
        &reader,
        TestRequest::post()
            .uri("/api/integrations")
            .insert_header((header::CONTENT_TYPE, "application/json"))
            .set_payload("{broken"),
    )
    .await;
    for (r, scope) in [
        (create_integration(&app, &reader, &new).await, "write"),
        (broken_body, "write"),
        (
            update_integration(&app, &reader, &id, &rename).await,
            "write",
        ),
        (delete_integration(&app, &reader, &id).await, "write"),
        (test_integration(&app, &reader, &id, None).await, "test"),
        (
            test_unsaved_integration(&app, &reader, &unsaved).await,
            "test",
        ),
    ] {
        assert_forbidden(&r, scope);
    }

    // test: the two test endpoints only.
    let r = test_integration(&app, &tester, &id, None).await;
    assert_eq!(r.expect(200)["status"], "success");
    let r = test_unsaved_integration(&app, &tester, &unsaved).await;
    assert_eq!(r.expect(200)["status"], "success");
    for (r, scope) in [
        (create_integration(&app, &tester, &new).await, "write"),
        (
            update_integration(&app, &tester, &id, &rename).await,
            "write",
        ),
        (delete_integration(&app, &tester, &id).await, "write"),
        (list_integrations(&app, &tester, "").await, "read"),
        (get_integration(&app, &tester, &id).await, "read"),
    ] {
        assert_forbidden(&r, scope);
    }

    // write: create, update, delete; no reading or testing.
    for (r, scope) in [
        (list_integrations(&app, &writer, "").await, "read"),
        (get_integration(&app, &writer, &id).await, "read"),
        (list_integration_types(&app, &writer).await, "read"),
        (test_integration(&app, &writer, &id, None).await, "test"),
        (
            test_unsaved_integration(&app, &writer, &unsaved).await,
            "test",
        ),
    ] {
        assert_forbidden(&r, scope);
    }
    let r = create_integration(&app, &writer, &new).await;
    r.expect(201);
    let own = r.id();
    let r = update_integration(&app, &writer, &own, &json!({"name": "y"})).await;
    assert_eq!(r.expect(200)["name"], "y");
    assert_eq!(delete_integration(&app, &writer, &own).await.status, 204);

    // Nothing the refused requests asked for happened: the tester's test
    // is the one change (its verdict and the health it sets), and a test is
    // not a new version.
    let after = get_integration(&app, &h.admin, &id).await;
    assert_eq!(after.header("etag"), before.header("etag"));
    let (mut before, mut after) = (before.expect(200), after.expect(200));
    assert_eq!(after["lastTest"]["status"], "success");
    for tested in ["lastTest", "health"] {
        before[tested] = Value::Null;
        after[tested] = Value::Null;
    }
    assert_eq!(after, before);
    assert_eq!(h.store.count(), 1);
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
