//! The integrations API driven through the real app (middleware included)
//! over in-memory stores: the seed's examples, tenancy, auth, errors.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use actix_web::http::header;
use actix_web::test::TestRequest;
use common::{Harness, Reply, TestApp, call, json_body};
use patchbay_api::ApiConfig;
use patchbay_domain::auth::Scope;
use serde_json::{Value, json};

const SLACK_URL: &str = "https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX";

fn create_slack(name: &str, url: &str) -> Value {
    json!({"name": name, "type": "slack", "config": {"webhookUrl": url}})
}

/// Create an integration as the harness's admin and return its JSON.
async fn create(app: &TestApp, h: &Harness, body: Value) -> Value {
    let r = call(
        app,
        json_body(
            TestRequest::post()
                .uri("/api/integrations")
                .insert_header(h.admin.bearer()),
            &body,
        ),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()
}

#[actix_web::test]
async fn seed_examples_work_as_documented() {
    let h = Harness::new().await;
    let app = h.service().await;

    // Create: the seed's body.
    let r = call(
        &app,
        json_body(
            TestRequest::post()
                .uri("/api/integrations")
                .insert_header(h.admin.bearer()),
            &json!({
                "name": "My Slack Integration",
                "type": "slack",
                "config": {"webhookUrl": SLACK_URL}
            }),
        ),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let created = r.json();
    let id = created["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("int_"));
    assert_eq!(
        r.header("location").as_deref(),
        Some(format!("/api/integrations/{id}").as_str())
    );
    assert_eq!(
        r.header("etag").as_deref(),
        Some(format!("\"{id}-v1\"").as_str())
    );
    assert_eq!(created["name"], "My Slack Integration");
    assert_eq!(created["type"], "slack");
    assert_eq!(created["isManaged"], false);
    assert_eq!(created["environment"], "production");
    assert_eq!(created["status"], "active");
    assert_eq!(created["config"], json!({}));
    assert_eq!(
        created["secrets"],
        json!([{"field": "webhookUrl", "hint": "…XXXX"}])
    );
    assert_eq!(created["lastTest"], Value::Null);
    assert!(created["createdAt"].is_string() && created["updatedAt"].is_string());

    // Another type, to see the filter work.
    create(
        &app,
        &h,
        json!({"name": "My Discord", "type": "discord",
               "config": {"webhookUrl": "https://discord.com/api/webhooks/123/abcdefghijklmnop", "username": "patchbay"}}),
    )
    .await;

    // List with ?type=.
    let r = call(
        &app,
        TestRequest::get()
            .uri("/api/integrations?type=slack")
            .insert_header(h.admin.bearer()),
    )
    .await;
    assert_eq!(r.status, 200);
    let list = r.json();
    let data = list["data"].as_array().unwrap();
    assert_eq!(data.len(), 1);
    assert_eq!(data[0]["id"], id.as_str());
    assert_eq!(list["nextCursor"], Value::Null);
    let mut keys: Vec<&str> = data[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "createdAt",
            "environment",
            "id",
            "isManaged",
            "name",
            "status",
            "type",
            "updatedAt"
        ]
    );

    // Get.
    let r = call(
        &app,
        TestRequest::get()
            .uri(&format!("/api/integrations/{id}"))
            .insert_header(h.admin.bearer()),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), created);
    assert_eq!(
        r.header("etag").as_deref(),
        Some(format!("\"{id}-v1\"").as_str())
    );

    // Update: the seed's body.
    let new_url = "https://hooks.slack.com/services/T000/B000/YYYYYYYYYYYYNEW1";
    let r = call(
        &app,
        json_body(
            TestRequest::put()
                .uri(&format!("/api/integrations/{id}"))
                .insert_header(h.admin.bearer()),
            &json!({"name": "Updated Name", "config": {"webhookUrl": new_url}}),
        ),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let updated = r.json();
    assert_eq!(updated["name"], "Updated Name");
    assert_eq!(updated["secrets"][0]["hint"], "…NEW1");
    assert_eq!(
        r.header("etag").as_deref(),
        Some(format!("\"{id}-v2\"").as_str())
    );

    // Test, with the seed's optional body.
    let r = call(
        &app,
        json_body(
            TestRequest::post()
                .uri(&format!("/api/integrations/{id}/test"))
                .insert_header(h.admin.bearer()),
            &json!({"configOverrides": {"webhookUrl": "https://hooks.slack.com/services/T000/B000/ZZZZ"}}),
        ),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let t = r.json();
    assert_eq!(t["status"], "success");
    assert_eq!(t["message"], "Integration test successful");
    assert!(t["latencyMs"].is_i64());
    assert!(t["testedAt"].is_string());

    // A test without overrides, and with no body at all, is recorded.
    let r = call(
        &app,
        TestRequest::post()
            .uri(&format!("/api/integrations/{id}/test"))
            .insert_header(h.admin.bearer()),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let r = call(
        &app,
        TestRequest::get()
            .uri(&format!("/api/integrations/{id}"))
            .insert_header(h.admin.bearer()),
    )
    .await;
    assert_eq!(r.json()["lastTest"]["status"], "success");

    // Delete, then every verb answers 404.
    let r = call(
        &app,
        TestRequest::delete()
            .uri(&format!("/api/integrations/{id}"))
            .insert_header(h.admin.bearer()),
    )
    .await;
    assert_eq!(r.status, 204);
    assert!(r.body.is_empty());
    for req in [
        TestRequest::get().uri(&format!("/api/integrations/{id}")),
        json_body(
            TestRequest::put().uri(&format!("/api/integrations/{id}")),
            &json!({"name": "x"}),
        ),
        TestRequest::delete().uri(&format!("/api/integrations/{id}")),
        TestRequest::post().uri(&format!("/api/integrations/{id}/test")),
    ] {
        call(&app, req.insert_header(h.admin.bearer()))
            .await
            .problem(404);
    }
}

#[actix_web::test]
async fn list_filters_validates_and_paginates_every_row_once() {
    let h = Harness::new().await;
    let app = h.service().await;
    let mut ids = Vec::new();
    for i in 0..7 {
        let env = if i % 2 == 0 { "stage" } else { "production" };
        let body = json!({"name": format!("n{i}"), "type": "slack", "environment": env,
                          "config": {"webhookUrl": SLACK_URL}});
        ids.push(
            create(&app, &h, body).await["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    // Another organization's rows never show.
    call(
        &app,
        json_body(
            TestRequest::post()
                .uri("/api/integrations")
                .insert_header(h.other_admin.bearer()),
            &create_slack("theirs", SLACK_URL),
        ),
    )
    .await;

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let uri = match &cursor {
            Some(c) => format!("/api/integrations?limit=3&cursor={c}"),
            None => "/api/integrations?limit=3".to_string(),
        };
        let r = call(
            &app,
            TestRequest::get().uri(&uri).insert_header(h.admin.bearer()),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.text());
        let page = r.json();
        pages += 1;
        for item in page["data"].as_array().unwrap() {
            assert!(item.get("config").is_none());
            seen.push(item["id"].as_str().unwrap().to_string());
        }
        match page["nextCursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(seen, expected);

    let r = call(
        &app,
        TestRequest::get()
            .uri("/api/integrations?environment=stage&status=active")
            .insert_header(h.admin.bearer()),
    )
    .await;
    assert_eq!(r.json()["data"].as_array().unwrap().len(), 4);

    let r = call(
        &app,
        TestRequest::get()
            .uri("/api/integrations?type=nope&limit=0&status=on&environment=prod")
            .insert_header(h.admin.bearer()),
    )
    .await;
    let mut fields = r.fields();
    fields.sort();
    assert_eq!(fields, ["environment", "limit", "status", "type"]);

    for bad in ["limit=201", "limit=abc", "cursor=not-a-cursor"] {
        let r = call(
            &app,
            TestRequest::get()
                .uri(&format!("/api/integrations?{bad}"))
                .insert_header(h.admin.bearer()),
        )
        .await;
        assert_eq!(r.fields().len(), 1, "{bad}");
    }
    let r = call(
        &app,
        TestRequest::get()
            .uri("/api/integrations?type=slack&type=discord")
            .insert_header(h.admin.bearer()),
    )
    .await;
    r.problem(400);
}

/// A unique secret sent in every secret field must never come back in any
/// response (`logs.rs` checks the log lines).
#[actix_web::test]
async fn secret_canary_never_appears_in_responses() {
    let h = Harness::new().await;
    let app = h.service().await;
    let canary = "CanaryQ7x9Zp2Lk5Vb8N";
    let slack = format!("https://hooks.slack.com/services/T000/B000/{canary}");
    let mut bodies: Vec<Reply> = Vec::new();

    let r = call(
        &app,
        json_body(
            TestRequest::post()
                .uri("/api/integrations")
                .insert_header(h.admin.bearer()),
            &create_slack("canary", &slack),
        ),
    )
    .await;
    assert_eq!(r.status, 201);
    let id = r.json()["id"].as_str().unwrap().to_string();
    bodies.push(r);

    let webhook = json!({"name": "hook", "type": "webhook", "config": {
        "url": format!("https://example.com/hook?token={canary}"),
        "headers": {"Authorization": format!("Bearer {canary}")},
    }});
    let r = call(
        &app,
        json_body(
            TestRequest::post()
                .uri("/api/integrations")
                .insert_header(h.admin.bearer()),
            &webhook,
        ),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let hook = r.json();
    let hook_id = hook["id"].as_str().unwrap().to_string();
    let mut secret_fields: Vec<&str> = hook["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["field"].as_str().unwrap())
        .collect();
    secret_fields.sort_unstable();
    assert_eq!(secret_fields, ["headers", "signingSecret", "url"]);
    assert_eq!(hook["config"], json!({}));
    bodies.push(r);

    for uri in [
        format!("/api/integrations/{id}"),
        format!("/api/integrations/{hook_id}"),
        "/api/integrations".to_string(),
    ] {
        bodies.push(
            call(
                &app,
                TestRequest::get().uri(&uri).insert_header(h.admin.bearer()),
            )
            .await,
        );
    }
    // Updates that keep, and that try to misplace, the secret.
    bodies.push(
        call(
            &app,
            json_body(
                TestRequest::put()
                    .uri(&format!("/api/integrations/{id}"))
                    .insert_header(h.admin.bearer()),
                &json!({"name": "renamed"}),
            ),
        )
        .await,
    );
    for bad in [
        json!({"config": {"channel": canary}}),
        json!({"config": canary}),
        json!({"environment": canary}),
        json!({"name": "x", "bogus": canary}),
        json!({"config": {"webhookUrl": format!("ftp://{canary}")}}),
    ] {
        let r = call(
            &app,
            json_body(
                TestRequest::put()
                    .uri(&format!("/api/integrations/{id}"))
                    .insert_header(h.admin.bearer()),
                &bad,
            ),
        )
        .await;
        assert_eq!(r.status, 422, "{}", r.text());
        bodies.push(r);
    }
    let r = call(
        &app,
        TestRequest::post()
            .uri(&format!("/api/integrations/{id}/test"))
            .insert_header(h.admin.bearer())
            .insert_header((header::CONTENT_TYPE, "application/json"))
            .set_payload(format!(
                "{{\"configOverrides\": {{\"webhookUrl\": \"{canary}"
            )),
    )
    .await;
    assert_eq!(r.status, 400);
    bodies.push(r);
    bodies.push(
        call(
            &app,
            json_body(
                TestRequest::post()
                    .uri("/api/integrations/test")
                    .insert_header(h.admin.bearer()),
                &json!({"type": "slack", "config": {"webhookUrl": slack}}),
            ),
        )
        .await,
    );

    for r in &bodies {
        assert!(
            !r.text().contains(canary),
            "canary in a {} response: {}",
            r.status,
            r.text()
        );
        for (name, value) in &r.headers {
            assert!(
                !value.to_str().unwrap_or_default().contains(canary),
                "canary in header {name}"
            );
        }
    }
}

/// Another organization's integration is indistinguishable from one that
/// never existed, on every verb.
#[actix_web::test]
async fn other_organizations_integrations_answer_the_same_404() {
    let h = Harness::new().await;
    let app = h.service().await;
    let theirs = create(&app, &h, create_slack("acme's", SLACK_URL)).await;
    let theirs = theirs["id"].as_str().unwrap().to_string();
    let never = patchbay_domain::IntegrationId::generate().to_string();
    let malformed = "int_nope".to_string();

    let requests = |id: &str| {
        vec![
            TestRequest::get().uri(&format!("/api/integrations/{id}")),
            json_body(
                TestRequest::put().uri(&format!("/api/integrations/{id}")),
                &json!({"name": "stolen"}),
            ),
            json_body(
                TestRequest::put()
                    .uri(&format!("/api/integrations/{id}"))
                    .insert_header((header::IF_MATCH, format!("\"{id}-v1\""))),
                &json!({"name": "stolen"}),
            ),
            TestRequest::delete().uri(&format!("/api/integrations/{id}")),
            TestRequest::post().uri(&format!("/api/integrations/{id}/test")),
            json_body(
                TestRequest::post().uri(&format!("/api/integrations/{id}/test")),
                &json!({"configOverrides": {"webhookUrl": SLACK_URL}}),
            ),
        ]
    };
    type Answer = (u16, Vec<u8>, Option<String>);
    let mut answers: Vec<Vec<Answer>> = Vec::new();
    for id in [&theirs, &never, &malformed] {
        let mut row = Vec::new();
        for req in requests(id) {
            let r = call(&app, req.insert_header(h.other_admin.bearer())).await;
            r.problem(404);
            row.push((r.status, r.body.clone(), r.header("content-type")));
        }
        answers.push(row);
    }
    assert_eq!(answers[0], answers[1], "cross-org differs from missing");
    assert_eq!(answers[0], answers[2], "cross-org differs from malformed");

    // Acme's integration is untouched.
    let r = call(
        &app,
        TestRequest::get()
            .uri(&format!("/api/integrations/{theirs}"))
            .insert_header(h.admin.bearer()),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["name"], "acme's");
    assert!(r.json()["lastTest"].is_null());
}

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

#[actix_web::test]
async fn missing_scopes_answer_403_before_the_body_is_read() {
    let h = Harness::new().await;
    let app = h.service().await;
    let id = create(&app, &h, create_slack("s", SLACK_URL)).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let reader = h.key("acme", &[Scope::Read]).await;
    let tester = h.key("acme", &[Scope::Test]).await;

    // Read may read.
    for uri in [
        "/api/integrations".to_string(),
        format!("/api/integrations/{id}"),
        "/api/integration-types".to_string(),
        "/api/integration-types/slack".to_string(),
    ] {
        let r = call(
            &app,
            TestRequest::get().uri(&uri).insert_header(reader.bearer()),
        )
        .await;
        assert_eq!(r.status, 200, "{uri}");
    }
    // ...and nothing else, even with a broken body.
    for req in [
        TestRequest::post()
            .uri("/api/integrations")
            .insert_header((header::CONTENT_TYPE, "application/json"))
            .set_payload("{broken"),
        json_body(
            TestRequest::put().uri(&format!("/api/integrations/{id}")),
            &json!({"name": "x"}),
        ),
        TestRequest::delete().uri(&format!("/api/integrations/{id}")),
        TestRequest::post().uri(&format!("/api/integrations/{id}/test")),
        json_body(
            TestRequest::post().uri("/api/integrations/test"),
            &json!({"type": "slack", "config": {}}),
        ),
    ] {
        let r = call(&app, req.insert_header(reader.bearer())).await;
        let p = r.problem(403);
        assert!(p["detail"].as_str().unwrap().contains("scope"));
    }
    // Test may test, not read or write.
    let r = call(
        &app,
        TestRequest::post()
            .uri(&format!("/api/integrations/{id}/test"))
            .insert_header(tester.bearer()),
    )
    .await;
    assert_eq!(r.status, 200);
    for req in [
        TestRequest::get().uri("/api/integrations"),
        TestRequest::delete().uri(&format!("/api/integrations/{id}")),
    ] {
        call(&app, req.insert_header(tester.bearer()))
            .await
            .problem(403);
    }
}

#[actix_web::test]
async fn invalid_bodies_answer_422_naming_the_fields() {
    let h = Harness::new().await;
    let app = h.service().await;
    let post = |body: Value| {
        json_body(
            TestRequest::post()
                .uri("/api/integrations")
                .insert_header(h.admin.bearer()),
            &body,
        )
    };
    for (field, value) in [
        ("id", json!("int_01jf8k2m3n4p5q6r7s8t9v0w1x")),
        ("isManaged", json!(true)),
        ("createdAt", json!("2024-01-01T00:00:00Z")),
        ("orgId", json!("org_01jf8k2m3n4p5q6r7s8t9v0w1x")),
        ("organizationId", json!("x")),
    ] {
        let mut body = create_slack("x", SLACK_URL);
        body[field] = value;
        let r = call(&app, post(body)).await;
        assert_eq!(r.fields(), [field]);
    }
    assert_eq!(h.store.count(), 0, "a refused body created something");

    let r = call(
        &app,
        post(json!({"name": "x", "type": "smoke-signals", "config": {}})),
    )
    .await;
    assert_eq!(r.fields(), ["type"]);
    let r = call(&app, post(json!({"type": "slack", "config": {}}))).await;
    assert_eq!(r.fields(), ["name"]);
    let r = call(
        &app,
        post(json!({"name": "d", "type": "discord", "config": {
            "webhookUrl": "https://evil.example/api/webhooks/1/x", "username": 5, "bogus": true}})),
    )
    .await;
    let mut fields = r.fields();
    fields.sort();
    assert_eq!(
        fields,
        ["config.bogus", "config.username", "config.webhookUrl"]
    );

    // Update: unknown members and bad keys are refused, nothing changes.
    let id = create(&app, &h, create_slack("s", SLACK_URL)).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let put = |body: Value| {
        json_body(
            TestRequest::put()
                .uri(&format!("/api/integrations/{id}"))
                .insert_header(h.admin.bearer()),
            &body,
        )
    };
    let r = call(&app, put(json!({"type": "discord"}))).await;
    assert_eq!(r.fields(), ["type"]);
    let r = call(&app, put(json!({"clearedConfigKeys": ["nope"]}))).await;
    assert_eq!(r.fields(), ["clearedConfigKeys[0]"]);
    let r = call(&app, put(json!({"name": ""}))).await;
    assert_eq!(r.fields(), ["name"]);
    // Optional members may be left out, not sent as null.
    for member in [
        "name",
        "config",
        "environment",
        "status",
        "clearedConfigKeys",
    ] {
        let r = call(&app, put(json!({member: null}))).await;
        assert_eq!(r.fields(), [member]);
    }
    let r = call(&app, put(json!({"clearedConfigKeys": ["webhookUrl"]}))).await;
    assert_eq!(r.fields(), ["config.webhookUrl"]);

    // Unsaved test of an invalid config.
    let r = call(
        &app,
        json_body(
            TestRequest::post()
                .uri("/api/integrations/test")
                .insert_header(h.admin.bearer()),
            &json!({"type": "telegram", "config": {"botToken": "nope"}}),
        ),
    )
    .await;
    let mut fields = r.fields();
    fields.sort();
    assert_eq!(fields, ["config.botToken", "config.chatId"]);
    let r = call(
        &app,
        json_body(
            TestRequest::post()
                .uri(&format!("/api/integrations/{id}/test"))
                .insert_header(h.admin.bearer()),
            &json!({"overrides": {}}),
        ),
    )
    .await;
    assert_eq!(r.fields(), ["overrides"]);
}

#[actix_web::test]
async fn update_merges_config_and_keeps_secrets() {
    let h = Harness::new().await;
    let app = h.service().await;
    let created = create(
        &app,
        &h,
        json!({"name": "bot", "type": "slack",
               "config": {"botToken": "xoxb-1111-2222-abcdefghijkl", "channel": "C0123456789"}}),
    )
    .await;
    let id = created["id"].as_str().unwrap();
    let r = call(
        &app,
        json_body(
            TestRequest::put()
                .uri(&format!("/api/integrations/{id}"))
                .insert_header(h.admin.bearer()),
            &json!({"config": {"channel": "#alerts"}, "environment": "stage", "status": "inactive"}),
        ),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let u = r.json();
    assert_eq!(u["config"], json!({"channel": "#alerts"}));
    assert_eq!(
        u["secrets"],
        json!([{"field": "botToken", "hint": "…ijkl"}])
    );
    assert_eq!(u["environment"], "stage");
    assert_eq!(u["status"], "inactive");
}

#[actix_web::test]
async fn if_match_guards_updates_and_deletes() {
    let h = Harness::new().await;
    let app = h.service().await;
    let id = create(&app, &h, create_slack("v", SLACK_URL)).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let put = |if_match: &str, name: &str| {
        json_body(
            TestRequest::put()
                .uri(&format!("/api/integrations/{id}"))
                .insert_header(h.admin.bearer())
                .insert_header((header::IF_MATCH, if_match.to_string())),
            &json!({"name": name}),
        )
    };
    let v1 = format!("\"{id}-v1\"");
    let r = call(&app, put(&v1, "second")).await;
    assert_eq!(r.status, 200);
    let v2 = r.header("etag").unwrap();
    assert_eq!(v2, format!("\"{id}-v2\""));

    // Stale, weak and another resource's tags fail the precondition; a
    // header that is not a list of entity tags is a malformed request.
    let other = patchbay_domain::IntegrationId::generate();
    for stale in [v1.clone(), format!("W/{v2}"), format!("\"{other}-v2\"")] {
        call(&app, put(&stale, "lost")).await.problem(412);
    }
    for malformed in ["garbage", "", "\"unterminated"] {
        call(&app, put(malformed, "lost")).await.problem(400);
    }
    let r = call(&app, put("*", "third")).await;
    assert_eq!(r.status, 200);
    let v3 = r.header("etag").unwrap();

    let r = call(
        &app,
        TestRequest::delete()
            .uri(&format!("/api/integrations/{id}"))
            .insert_header(h.admin.bearer())
            .insert_header((header::IF_MATCH, v2)),
    )
    .await;
    r.problem(412);
    let r = call(
        &app,
        TestRequest::delete()
            .uri(&format!("/api/integrations/{id}"))
            .insert_header(h.admin.bearer())
            .insert_header((header::IF_MATCH, v3)),
    )
    .await;
    assert_eq!(r.status, 204);
}

#[actix_web::test]
async fn managed_integrations_cannot_be_changed() {
    let h = Harness::new().await;
    let app = h.service().await;
    let managed = h
        .state
        .integrations
        .create(
            &h.admin.org,
            &patchbay_domain::Actor::Provisioning,
            patchbay_domain::service::CreateIntegration {
                name: "ops".into(),
                kind: patchbay_domain::IntegrationType::Slack,
                config: json!({"webhookUrl": SLACK_URL})
                    .as_object()
                    .unwrap()
                    .clone(),
                environment: None,
                status: None,
                is_managed: true,
            },
        )
        .await
        .unwrap();
    let uri = format!("/api/integrations/{}", managed.id);
    let r = call(
        &app,
        TestRequest::get().uri(&uri).insert_header(h.admin.bearer()),
    )
    .await;
    assert_eq!(r.json()["isManaged"], true);
    call(
        &app,
        json_body(
            TestRequest::put().uri(&uri).insert_header(h.admin.bearer()),
            &json!({"name": "mine now"}),
        ),
    )
    .await
    .problem(409);
    call(
        &app,
        TestRequest::delete()
            .uri(&uri)
            .insert_header(h.admin.bearer()),
    )
    .await
    .problem(409);
}

#[actix_web::test]
async fn framework_errors_are_problems_too() {
    let h = Harness::with_config(ApiConfig {
        max_body_bytes: 1024,
        ..ApiConfig::default()
    })
    .await;
    let app = h.service().await;

    // 413 over the limit, with or without a Content-Length.
    let big = json!({"name": "x".repeat(2000), "type": "slack", "config": {}});
    let r = call(
        &app,
        json_body(
            TestRequest::post()
                .uri("/api/integrations")
                .insert_header(h.admin.bearer()),
            &big,
        ),
    )
    .await;
    let p = r.problem(413);
    assert!(p["detail"].as_str().unwrap().contains("1024"));

    // 415 for a body that is not JSON, or has no content type.
    for ct in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        None,
    ] {
        let mut req = TestRequest::post()
            .uri("/api/integrations")
            .insert_header(h.admin.bearer())
            .set_payload(serde_json::to_vec(&create_slack("x", SLACK_URL)).unwrap());
        if let Some(ct) = ct {
            req = req.insert_header((header::CONTENT_TYPE, ct));
        }
        call(&app, req).await.problem(415);
    }
    // ...but a JSON type with parameters, or +json, is fine.
    for ct in [
        "application/json; charset=utf-8",
        "application/merge-patch+json",
    ] {
        let r = call(
            &app,
            TestRequest::post()
                .uri("/api/integrations")
                .insert_header(h.admin.bearer())
                .insert_header((header::CONTENT_TYPE, ct))
                .set_payload(serde_json::to_vec(&create_slack("x", SLACK_URL)).unwrap()),
        )
        .await;
        assert_eq!(r.status, 201, "{ct}: {}", r.text());
    }

    // 400 for malformed JSON.
    for payload in ["{", "[1,", "{\"name\": \"x\"} {}", ""] {
        let r = call(
            &app,
            TestRequest::post()
                .uri("/api/integrations")
                .insert_header(h.admin.bearer())
                .insert_header((header::CONTENT_TYPE, "application/json"))
                .set_payload(payload),
        )
        .await;
        r.problem(400);
    }

    // 405 with Allow.
    for (req, allow) in [
        (TestRequest::patch().uri("/api/integrations"), "GET, POST"),
        (TestRequest::delete().uri("/api/integrations"), "GET, POST"),
        (TestRequest::post().uri("/api/integration-types"), "GET"),
        (
            TestRequest::patch().uri("/api/integrations/int_01jf8k2m3n4p5q6r7s8t9v0w1x"),
            "GET, PUT, DELETE",
        ),
        (
            TestRequest::get().uri("/api/integrations/int_01jf8k2m3n4p5q6r7s8t9v0w1x/test"),
            "POST",
        ),
        (TestRequest::post().uri("/healthz"), "GET"),
        (TestRequest::get().uri("/api/integrations/test"), "POST"),
        (TestRequest::delete().uri("/api/integrations/test"), "POST"),
    ] {
        let r = call(&app, req.insert_header(h.admin.bearer())).await;
        r.problem(405);
        assert_eq!(r.header("allow").as_deref(), Some(allow));
    }

    // 404 for unknown routes, inside and outside /api.
    for uri in ["/api/nope", "/nope", "/api/integrations/a/b/c"] {
        call(
            &app,
            TestRequest::get().uri(uri).insert_header(h.admin.bearer()),
        )
        .await
        .problem(404);
    }
    call(
        &app,
        TestRequest::get()
            .uri("/api/integration-types/smoke-signals")
            .insert_header(h.admin.bearer()),
    )
    .await
    .problem(404);
}

#[actix_web::test]
async fn test_endpoints_answer_the_verdict_with_200() {
    let h = Harness::new().await;
    let app = h.service().await;
    let id = create(&app, &h, create_slack("s", SLACK_URL)).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    // An empty body with a JSON content type is "no body".
    let r = call(
        &app,
        TestRequest::post()
            .uri(&format!("/api/integrations/{id}/test"))
            .insert_header(h.admin.bearer())
            .insert_header((header::CONTENT_TYPE, "application/json")),
    )
    .await;
    assert_eq!(r.json()["status"], "success");
    // A non-empty body must be JSON.
    call(
        &app,
        TestRequest::post()
            .uri(&format!("/api/integrations/{id}/test"))
            .insert_header(h.admin.bearer())
            .insert_header((header::CONTENT_TYPE, "text/plain"))
            .set_payload("configOverrides"),
    )
    .await
    .problem(415);

    // A type without a provider in this build: an honest error, still 200.
    let r = call(
        &app,
        json_body(
            TestRequest::post()
                .uri("/api/integrations/test")
                .insert_header(h.admin.bearer()),
            &json!({"type": "discord", "environment": "stage",
                    "config": {"webhookUrl": "https://discord.com/api/webhooks/1/abc"}}),
        ),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let t = r.json();
    assert_eq!(t["status"], "error");
    assert_eq!(t["code"], "provider_unavailable");
    assert_eq!(h.store.count(), 1, "an unsaved test saved something");
}

#[actix_web::test]
async fn health_docs_and_the_document_need_no_key() {
    let h = Harness::new().await;
    let app = h.service().await;
    let r = call(&app, TestRequest::get().uri("/healthz")).await;
    assert_eq!((r.status, r.json()), (200, json!({"status": "ok"})));
    let r = call(&app, TestRequest::get().uri("/readyz")).await;
    assert_eq!(r.status, 200);
    h.store.down.store(true, Ordering::SeqCst);
    let r = call(&app, TestRequest::get().uri("/readyz")).await;
    let p = r.problem(503);
    assert!(!r.text().contains("db.internal"), "{p}");
    // A store failure behind the API is an opaque 500.
    let r = call(
        &app,
        TestRequest::get()
            .uri("/api/integrations")
            .insert_header(h.admin.bearer()),
    )
    .await;
    r.problem(500);
    assert!(!r.text().contains("db.internal"));
    h.store.down.store(false, Ordering::SeqCst);

    let r = call(&app, TestRequest::get().uri("/api/openapi.json")).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json(),
        serde_json::to_value(patchbay_api::openapi()).unwrap()
    );
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

#[actix_web::test]
async fn integration_types_serve_the_catalogue_with_schemas() {
    let h = Harness::new().await;
    let app = h.service().await;
    let r = call(
        &app,
        TestRequest::get()
            .uri("/api/integration-types")
            .insert_header(h.admin.bearer()),
    )
    .await;
    assert_eq!(r.status, 200);
    let data = r.json()["data"].as_array().unwrap().clone();
    let slugs: Vec<&str> = data.iter().map(|t| t["slug"].as_str().unwrap()).collect();
    assert_eq!(
        slugs,
        [
            "discord",
            "slack",
            "telegram",
            "sendgrid",
            "resend",
            "webhook",
            "web3",
            "ai-gateway"
        ]
    );
    let sendgrid = &data[3];
    assert_eq!(sendgrid["id"], 4);
    assert_eq!(sendgrid["category"], "email");
    assert_eq!(sendgrid["media"], json!([]));
    assert_eq!(
        sendgrid["configSchema"]["properties"]["apiKey"]["writeOnly"],
        true
    );
    let r = call(
        &app,
        TestRequest::get()
            .uri("/api/integration-types/sendgrid")
            .insert_header(h.admin.bearer()),
    )
    .await;
    assert_eq!(&r.json(), sendgrid);
}

#[actix_web::test]
async fn verified_keys_are_cached_for_the_ttl_only() {
    let h = Harness::new().await;
    let app = h.service().await;
    let before = h.tenants.lookups.load(Ordering::SeqCst);
    for _ in 0..5 {
        let r = call(
            &app,
            TestRequest::get()
                .uri("/api/integrations")
                .insert_header(h.admin.bearer()),
        )
        .await;
        assert_eq!(r.status, 200);
    }
    assert_eq!(h.tenants.lookups.load(Ordering::SeqCst) - before, 1);

    // Without the cache, revocation takes effect on the next request.
    let h = Harness::with_config(ApiConfig {
        auth_cache_ttl: Duration::ZERO,
        ..ApiConfig::default()
    })
    .await;
    let app = h.service().await;
    let get = || {
        TestRequest::get()
            .uri("/api/integrations")
            .insert_header(h.admin.bearer())
    };
    assert_eq!(call(&app, get()).await.status, 200);
    h.tenants.revoke_api_key_now(&h.admin.id).await;
    call(&app, get()).await.problem(401);
}

/// Every documented operation under /api and /integrations (the second
/// API), the document itself aside, is refused without a key; every operation has an id, a tag and problem
/// responses.
#[actix_web::test]
async fn every_documented_api_operation_requires_a_key() {
    let h = Harness::new().await;
    let app = h.service().await;
    let doc = serde_json::to_value(patchbay_api::openapi()).unwrap();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            assert!(op["operationId"].is_string(), "{method} {path}");
            assert!(op["tags"][0].is_string(), "{method} {path}");
            let keyed = path.starts_with("/api/") || path.starts_with("/integrations");
            let public = !keyed || path == "/api/openapi.json";
            if public {
                assert!(op.get("security").is_none(), "{method} {path}");
                continue;
            }
            assert_eq!(
                op["security"],
                json!([{"bearerAuth": []}]),
                "{method} {path}"
            );
            let problem =
                &op["responses"]["401"]["content"]["application/problem+json"]["schema"]["$ref"];
            assert_eq!(problem, "#/components/schemas/Problem", "{method} {path}");
            let uri = path
                .replace("{integrationId}", "int_01jf8k2m3n4p5q6r7s8t9v0w1x")
                .replace("{slug}", "slack")
                .replace("{id}", "1");
            let req = TestRequest::default()
                .method(method.to_uppercase().parse().unwrap())
                .uri(&uri);
            call(&app, req).await.problem(401);
            checked += 1;
        }
    }
    // The first API's 9, the second API's 6 and the audit trail's 1, at
    // least (other resources add theirs).
    assert!(checked >= 16, "{checked}");
}
