//! Secrets are write-only: a response names a secret field and a hint of its
//! last characters, never the value, and updates keep secrets not resent.

use actix_web::http::header;
use actix_web::test::TestRequest;
use serde_json::json;

use crate::common::{
    Harness, Reply, call_as, create_integration, get_integration, integration_test_path,
    list_integrations, slack, test_unsaved_integration, update_integration,
};

/// A unique secret sent in every secret field must never come back in any
/// response (`logs.rs` checks the log lines).
#[actix_web::test]
async fn a_secret_never_appears_in_a_response() {
    let h = Harness::new().await;
    let app = h.service().await;
    let key = &h.admin;
    let canary = "CanaryQ7x9Zp2Lk5Vb8N";
    let slack_url = format!("https://hooks.slack.com/services/T000/B000/{canary}");
    let mut replies: Vec<Reply> = Vec::new();

    let r = create_integration(&app, key, &slack("canary", &slack_url)).await;
    r.expect(201);
    let id = r.id();
    replies.push(r);

    let webhook = json!({"name": "hook", "type": "webhook", "config": {
        "url": format!("https://example.com/hook?token={canary}"),
        "headers": {"Authorization": format!("Bearer {canary}")},
    }});
    let r = create_integration(&app, key, &webhook).await;
    let hook = r.expect(201);
    let hook_id = r.id();
    let mut secret_fields: Vec<&str> = hook["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["field"].as_str().unwrap())
        .collect();
    secret_fields.sort_unstable();
    assert_eq!(secret_fields, ["headers", "signingSecret", "url"]);
    assert_eq!(hook["config"], json!({}));
    replies.push(r);

    replies.push(get_integration(&app, key, &id).await);
    replies.push(get_integration(&app, key, &hook_id).await);
    replies.push(list_integrations(&app, key, "").await);
    // Updates that keep, and that try to misplace, the secret.
    replies.push(update_integration(&app, key, &id, &json!({"name": "renamed"})).await);
    for bad in [
        json!({"config": {"channel": canary}}),
        json!({"config": canary}),
        json!({"environment": canary}),
        json!({"name": "x", "bogus": canary}),
        json!({"config": {"webhookUrl": format!("ftp://{canary}")}}),
    ] {
        let r = update_integration(&app, key, &id, &bad).await;
        assert_eq!(r.status, 422, "{}", r.text());
        replies.push(r);
    }
    // Malformed JSON around a secret.
    let r = call_as(
        &app,
        key,
        TestRequest::post()
            .uri(&integration_test_path(&id))
            .insert_header((header::CONTENT_TYPE, "application/json"))
            .set_payload(format!(
                "{{\"configOverrides\": {{\"webhookUrl\": \"{canary}"
            )),
    )
    .await;
    assert_eq!(r.status, 400);
    replies.push(r);
    replies.push(
        test_unsaved_integration(
            &app,
            key,
            &json!({"type": "slack", "config": {"webhookUrl": slack_url}}),
        )
        .await,
    );

    for r in &replies {
        assert!(
            !r.contains(canary),
            "canary in a {} response: {} {:?}",
            r.status,
            r.text(),
            r.headers
        );
    }
}

#[actix_web::test]
async fn a_webhook_without_a_signing_secret_gets_one_generated() {
    let h = Harness::new().await;
    let app = h.service().await;
    let r = create_integration(
        &app,
        &h.admin,
        &json!({"name": "hook", "type": "webhook",
               "config": {"url": "https://example.com/hooks/broken"}}),
    )
    .await;
    let hook = r.expect(201);
    assert_eq!(hook["config"], json!({}));
    let secrets = hook["secrets"].as_array().unwrap();
    assert_eq!(secrets.len(), 2, "{hook}");
    assert_eq!(secrets[0]["field"], "signingSecret", "{hook}");
    assert!(
        secrets[0]["hint"]
            .as_str()
            .is_some_and(|h| h.starts_with('…') && h.chars().count() == 5),
        "a generated signing secret is set: {hook}"
    );
    assert_eq!(secrets[1], json!({"field": "url", "hint": "…oken"}));
}

#[actix_web::test]
async fn an_update_merges_config_and_keeps_the_secrets_not_resent() {
    let h = Harness::new().await;
    let app = h.service().await;
    let r = create_integration(
        &app,
        &h.admin,
        &json!({"name": "bot", "type": "slack",
               "config": {"botToken": "xoxb-1111-2222-abcdefghijkl", "channel": "C0123456789"}}),
    )
    .await;
    r.expect(201);
    let id = r.id();
    let u = update_integration(
        &app,
        &h.admin,
        &id,
        &json!({"config": {"channel": "#alerts"}, "environment": "stage", "status": "inactive"}),
    )
    .await
    .expect(200);
    assert_eq!(u["config"], json!({"channel": "#alerts"}));
    assert_eq!(
        u["secrets"],
        json!([{"field": "botToken", "hint": "…ijkl"}])
    );
    assert_eq!(u["environment"], "stage");
    assert_eq!(u["status"], "inactive");
}
