//! Who may call what, against keys stored in either database: each scope's
//! routes, `403` naming the missing scope, `401` with the Bearer challenge
//! for every kind of bad credential (a revoked key included), and refused
//! requests changing nothing.

use patchbay_domain::TenantStore;
use reqwest::Method;
use serde_json::json;

use crate::helpers::{
    Reply, SLACK_URL, TestApp, TestDatabase, assert_verdict, etag, id_of, on_both_backends, reply,
};

on_both_backends!(
    missing_scopes_answer_403_problems,
    bad_credentials_answer_401_with_a_bearer_challenge,
);

#[track_caller]
fn forbidden(r: &Reply, scope: &str) {
    let p = r.problem(403, "forbidden");
    assert!(p["detail"].as_str().unwrap().contains(scope), "{p}");
    assert_eq!(
        r.header("www-authenticate"),
        Some(format!(
            "Bearer realm=\"patchbay\", error=\"insufficient_scope\", scope=\"{scope}\""
        ))
    );
}

async fn missing_scopes_answer_403_problems(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin();
    let created = admin
        .create_integration(
            &json!({"name": "s", "type": "slack", "config": {"webhookUrl": SLACK_URL}}),
        )
        .await
        .ok(201);
    let id = id_of(&created);
    let reader = app.with_key(&app.key_for("default", "read").await);
    let tester = app.with_key(&app.key_for("default", "test").await);
    let writer = app.with_key(&app.key_for("default", "write").await);
    let slack = json!({"name": "x", "type": "slack", "config": {"webhookUrl": SLACK_URL}});
    let unsaved = json!({"type": "slack", "config": {"webhookUrl": SLACK_URL}});
    let rename = json!({"name": "x"});

    // read: every GET, nothing else, even with a broken body.
    for p in [
        "/api/integrations".to_string(),
        format!("/api/integrations/{id}"),
        "/api/integration-types".to_string(),
        "/api/integration-types/slack".to_string(),
    ] {
        reader.call(Method::GET, &p, None).await.ok(200);
    }
    let broken_body = reply(
        reader
            .request(Method::POST, "/api/integrations")
            .header("content-type", "application/json")
            .body("{broken"),
    )
    .await;
    for (r, scope) in [
        (reader.create_integration(&slack).await, "write"),
        (broken_body, "write"),
        (reader.update_integration(&id, &rename).await, "write"),
        (reader.delete_integration(&id).await, "write"),
        (reader.test_integration(&id, None).await, "test"),
        (reader.test_unsaved(&unsaved).await, "test"),
    ] {
        forbidden(&r, scope);
    }

    // test: the two test endpoints only.
    let r = tester
        .test_unsaved(
            &json!({"type": "ai-gateway", "config": {"apiKey": "k", "baseUrl": "https://ai.invalid/v1"}}),
        )
        .await;
    assert_verdict(&r.ok(200));
    for (r, scope) in [
        (tester.create_integration(&slack).await, "write"),
        (tester.update_integration(&id, &rename).await, "write"),
        (tester.delete_integration(&id).await, "write"),
        (tester.list_integrations("").await, "read"),
        (tester.get_integration(&id).await, "read"),
    ] {
        forbidden(&r, scope);
    }

    // write: create, update, delete; no reading or testing.
    for (r, scope) in [
        (writer.list_integrations("").await, "read"),
        (writer.get_integration(&id).await, "read"),
        (
            writer
                .call(Method::GET, "/api/integration-types", None)
                .await,
            "read",
        ),
        (writer.test_integration(&id, None).await, "test"),
        (writer.test_unsaved(&unsaved).await, "test"),
    ] {
        forbidden(&r, scope);
    }
    let own = id_of(&writer.create_integration(&slack).await.ok(201));
    let r = writer.update_integration(&own, &json!({"name": "y"})).await;
    assert_eq!(r.ok(200)["name"], "y");
    assert_eq!(writer.delete_integration(&own).await.status, 204);

    // Nothing the refused requests asked for happened.
    let r = admin.get_integration(&id).await;
    assert_eq!(r.header("etag"), Some(etag(&id, 1)));
    assert_eq!(r.ok(200), created);
    let (all, _) = admin.walk_integrations("limit=10").await;
    assert_eq!(all, [id]);
}

async fn bad_credentials_answer_401_with_a_bearer_challenge(db: TestDatabase) {
    // No cache, so a revocation is seen on the next request.
    let app = TestApp::spawn_with(db, &[("PATCHBAY__API__AUTH_CACHE_TTL_SECS", "0")]).await;
    let admin = app.admin();
    let created = admin
        .create_integration(
            &json!({"name": "s", "type": "slack", "config": {"webhookUrl": SLACK_URL}}),
        )
        .await
        .ok(201);
    let id = id_of(&created);
    let (revoked_id, revoked) = app.key_with_id("default", "admin").await;
    app.with_key(&revoked).list_integrations("").await.ok(200);
    assert!(
        app.app_store
            .revoke_api_key(&revoked_id, patchbay_domain::service::now())
            .await
            .unwrap()
    );
    let unknown = patchbay_domain::auth::NewApiKey::generate();
    let unknown = secrecy::ExposeSecret::expose_secret(&unknown.plaintext).to_string();
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
            Some(app.admin_key.clone()),
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
            Some(format!("Bearer {}", &app.admin_key[..20])),
            invalid_token,
        ),
        (
            "unknown key",
            Some(format!("Bearer {unknown}")),
            invalid_token,
        ),
        (
            "revoked key",
            Some(format!("Bearer {revoked}")),
            invalid_token,
        ),
    ];
    let path = format!("/api/integrations/{id}");
    for (name, auth, challenge) in cases {
        let caller = match &auth {
            Some(a) => app.anonymous().header("authorization", a),
            None => app.anonymous(),
        };
        for (m, p) in [
            (Method::GET, "/api/integrations"),
            (Method::GET, path.as_str()),
            (Method::POST, "/api/integrations"),
            (Method::PUT, path.as_str()),
            (Method::DELETE, path.as_str()),
            (Method::POST, "/api/integrations/test"),
            (Method::GET, "/api/integration-types"),
            (Method::GET, "/api/no-such-route"),
        ] {
            let mut req = caller.request(m.clone(), p);
            if m != Method::GET && m != Method::DELETE {
                // Auth comes before the body: a stranger learns nothing from
                // body errors.
                req = req.header("content-type", "text/plain").body("{");
            }
            let r = reply(req).await;
            r.problem(401, "unauthorized");
            assert_eq!(
                r.header("www-authenticate").as_deref(),
                Some(challenge),
                "{name}: {m} {p}"
            );
        }
    }
    // The refused requests changed nothing.
    let r = admin.get_integration(&id).await;
    assert_eq!(r.header("etag"), Some(etag(&id, 1)));
    assert_eq!(r.ok(200), created);
    let (all, _) = admin.walk_integrations("limit=10").await;
    assert_eq!(all, [id]);
    // The documentation needs no key.
    let r = app.anonymous().openapi_document().await;
    assert_eq!(
        r.ok(200)["openapi"].as_str().map(|v| v.starts_with("3.")),
        Some(true)
    );
}
