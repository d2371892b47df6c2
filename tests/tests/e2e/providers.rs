//! Every type's credential test through the real app against a local mock
//! provider: saved (`/api/integrations/{id}/test`, with and without
//! `configOverrides`) and unsaved (`/api/integrations/test`).

use serde_json::{Value, json};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::mocks::TELEGRAM_TOKEN;
use crate::helpers::{TestApp, TestDatabase, id_of, on_both_backends};

on_both_backends!(
    every_type_tests_for_real_saved_and_unsaved,
    config_overrides_are_used_but_never_saved,
    blocked_addresses_are_refused_without_the_allow_list,
);

/// One mock server plays every provider; the app is pointed at it.
async fn mock_providers() -> MockServer {
    let server = MockServer::start().await;
    let ok = |body: Value| ResponseTemplate::new(200).set_body_json(body);
    Mock::given(method("GET"))
        .and(path_regex(r"^/api/webhooks/[0-9]+/[A-Za-z0-9_-]+$"))
        .respond_with(ok(json!({"id": "123", "type": 1, "name": "ops", "channel_id": "42", "guild_id": "7", "token": "x"})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path_regex(r"^/services/"))
        .respond_with(ResponseTemplate::new(400).set_body_string("invalid_payload"))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/slack/api/auth.test"))
        .respond_with(ok(json!({"ok": true, "team": "Acme", "user": "patchbay", "team_id": "T1", "user_id": "U1"})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/tg/bot{TELEGRAM_TOKEN}/getMe")))
        .respond_with(ok(json!({"ok": true, "result": {"id": 1, "is_bot": true, "first_name": "pb", "username": "pb_bot"}})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/tg/bot{TELEGRAM_TOKEN}/getChat")))
        .respond_with(ok(
            json!({"ok": true, "result": {"id": -100123, "type": "supergroup", "title": "ops"}}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/sendgrid/v3/scopes"))
        .respond_with(ok(json!({"scopes": ["mail.send", "alerts.read"]})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/resend/domains"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"statusCode": 401, "name": "restricted_api_key", "message": "This API key is restricted to only send emails"})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/hooks/ok"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/hooks/broken"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/rpc"))
        .respond_with(ok(json!({"jsonrpc": "2.0", "id": 1, "result": "0x1"})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/models"))
        .respond_with(ok(
            json!({"object": "list", "data": [{"id": "openai/gpt-4o-mini", "object": "model"}]}),
        ))
        .mount(&server)
        .await;
    server
}

/// (type, config) for every type, pointing at the mock.
fn configs(base: &str) -> Vec<(&'static str, Value)> {
    vec![
        (
            "discord",
            json!({"webhookUrl": format!("{base}/api/webhooks/123/tok-CANARY-discord")}),
        ),
        (
            "slack",
            json!({"webhookUrl": format!("{base}/services/T0/B0/CANARY-slack")}),
        ),
        (
            "slack",
            json!({"botToken": "xoxb-1-CANARY-slack", "channel": "C0123456789"}),
        ),
        (
            "telegram",
            json!({"botToken": TELEGRAM_TOKEN, "chatId": -100123}),
        ),
        (
            "sendgrid",
            json!({"apiKey": "SG.CANARY-sendgrid-0000000000", "fromEmail": "ops@example.com"}),
        ),
        (
            "resend",
            json!({"apiKey": "re_CANARY_resend", "from": "Ops <ops@example.com>"}),
        ),
        ("webhook", json!({"url": format!("{base}/hooks/ok")})),
        (
            "web3",
            json!({"rpcUrl": format!("{base}/rpc"), "chainId": 1}),
        ),
        (
            "ai-gateway",
            json!({"apiKey": "CANARY-ai", "baseUrl": format!("{base}/v1"), "defaultModel": "openai/gpt-4o-mini"}),
        ),
    ]
}

async fn every_type_tests_for_real_saved_and_unsaved(db: TestDatabase) {
    let mock = mock_providers().await;
    let app = TestApp::spawn_against(db, &mock, &[]).await;
    let admin = app.admin();
    for (kind, config) in configs(&mock.uri()) {
        // Unsaved.
        let r = admin
            .test_unsaved(&json!({"type": kind, "config": config}))
            .await;
        assert_eq!(r.status, 200, "{kind}");
        let body = r.json();
        assert_eq!(body["status"], "success", "{kind} unsaved: {body}");
        assert!(!body.to_string().contains("CANARY"), "{body}");

        // Saved, then its last result is recorded.
        let r = admin
            .create_integration(
                &json!({"name": format!("{kind} e2e"), "type": kind, "config": config}),
            )
            .await;
        assert_eq!(r.status, 201, "{kind}: {}", r.text());
        let id = id_of(&r.json());
        let r = admin.test_integration(&id, None).await;
        assert_eq!(r.status, 200);
        let body = r.json();
        assert_eq!(body["status"], "success", "{kind} saved: {body}");
        let got = admin.get_integration(&id).await.json();
        assert_eq!(got["lastTest"]["status"], "success", "{kind}: {got}");
        assert!(!got.to_string().contains("CANARY"), "{got}");
    }
    // Each provider was really called: nothing here answers without a request.
    let received = mock.received_requests().await.unwrap();
    for needle in [
        "/api/webhooks/123/",
        "/services/T0/",
        "/slack/api/auth.test",
        "/getMe",
        "/v3/scopes",
        "/resend/domains",
        "/hooks/ok",
        "/rpc",
        "/v1/models",
    ] {
        assert!(
            received.iter().any(|r| r.url.path().contains(needle)),
            "no request to {needle}"
        );
    }
}

async fn config_overrides_are_used_but_never_saved(db: TestDatabase) {
    let mock = mock_providers().await;
    let app = TestApp::spawn_against(db, &mock, &[]).await;
    let admin = app.admin();
    let base = mock.uri();
    let id = admin
        .create_integration_of("webhook", json!({"url": format!("{base}/hooks/ok")}))
        .await;
    let etag_before = admin.get_integration(&id).await.etag();

    // The override points at a failing endpoint: the test fails, the saved
    // URL is untouched, and the saved integration's last result is not the
    // override's.
    let body = admin
        .test_integration(
            &id,
            Some(&json!({"configOverrides": {"url": format!("{base}/hooks/broken")}})),
        )
        .await
        .json();
    assert_eq!(body["status"], "error", "{body}");
    let received = mock.received_requests().await.unwrap();
    assert!(received.iter().any(|r| r.url.path() == "/hooks/broken"));

    let body = admin.test_integration(&id, None).await.json();
    assert_eq!(
        body["status"], "success",
        "the stored URL is still the good one: {body}"
    );
    assert_eq!(
        admin.get_integration(&id).await.etag(),
        etag_before,
        "a test changes nothing in the configuration"
    );
}

async fn blocked_addresses_are_refused_without_the_allow_list(db: TestDatabase) {
    // No allow-list: the SSRF guard is on, as in production.
    let app = TestApp::spawn(db).await;
    let admin = app.admin();
    for url in [
        "http://127.0.0.1:9/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/x",
        "http://2130706433/",
    ] {
        let r = admin
            .create_integration(&json!({"name": "evil", "type": "webhook", "config": {"url": url}}))
            .await;
        assert_eq!(r.status, 422, "{url}");
        let body = r.json();
        assert_eq!(body["errors"][0]["field"], "config.url", "{body}");
    }
    // `localhost` is refused by name, before any lookup; names that merely
    // resolve to a forbidden address are refused at connect time (the kit's
    // resolver tests prove that path).
    let r = admin
        .test_unsaved(&json!({"type": "webhook", "config": {"url": "http://localhost:9/hook"}}))
        .await;
    assert_eq!(r.status, 422);
}
