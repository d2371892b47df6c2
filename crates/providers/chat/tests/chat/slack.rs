//! Slack: incoming webhooks and bot tokens.

use std::time::Duration;

use patchbay_domain::{Config, IntegrationType, PermanentKind, Provider, SecretValue, SendOutcome};
use patchbay_provider_chat::{SLACK_API_BASE, SlackProvider};
use patchbay_provider_kit::{OutboundClient, Url};
use serde_json::{Value, json};
use wiremock::matchers::{any, body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

const HOOK_SECRET: &str = "CANARYslackHookSecret42";
const HOOK_PATH: &str = "/services/T0001/B0002/CANARYslackHookSecret42";
const BOT_TOKEN: &str = "xoxb-1111-2222-CANARYslackBotToken";
const CHANNEL: &str = "C0123456789";

fn hook_config(server: &MockServer) -> (Config, String) {
    let url = format!("{}{HOOK_PATH}", server.uri());
    let mut c = Config::new();
    c.insert_secret("webhookUrl", SecretValue::from_json(&json!(url)));
    (c, url)
}

fn bot_config() -> Config {
    let mut c = Config::new();
    c.insert_secret("botToken", SecretValue::from_json(&json!(BOT_TOKEN)));
    c.insert_plain("channel", json!(CHANNEL));
    c
}

fn api_base(server: &MockServer) -> Url {
    Url::parse(&format!("{}/api/", server.uri())).unwrap()
}

fn provider_for(server: &MockServer) -> SlackProvider {
    SlackProvider::new(client(), api_base(server))
}

fn api_error(code: &str) -> Value {
    json!({"ok": false, "error": code, "warning": BODY_MARKER})
}

// ---------------------------------------------------------------------------
// Incoming webhook
// ---------------------------------------------------------------------------

async fn hook_test_against(response: ResponseTemplate) -> (patchbay_domain::TestOutcome, String) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(HOOK_PATH))
        .respond_with(response)
        .expect(1)
        .mount(&server)
        .await;
    let (c, url) = hook_config(&server);
    let o = provider_for(&server).test(&ctx(), &c).await;
    server.verify().await;
    (o, url)
}

async fn hook_send_against(response: ResponseTemplate) -> (SendOutcome, String) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(HOOK_PATH))
        .respond_with(response)
        .expect(1)
        .mount(&server)
        .await;
    let (c, url) = hook_config(&server);
    let o = provider_for(&server).send(&ctx(), &c, &text("hello")).await;
    server.verify().await;
    (o, url)
}

#[tokio::test]
async fn webhook_test_posts_a_malformed_probe_and_invalid_payload_means_live() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(HOOK_PATH))
        .and(header("content-type", "application/json"))
        .respond_with(ResponseTemplate::new(400).set_body_string("invalid_payload"))
        .expect(1)
        .mount(&server)
        .await;
    let (c, url) = hook_config(&server);
    let o = provider_for(&server).test(&ctx(), &c).await;
    assert_test_success(&o, &[HOOK_SECRET, &url]);
    assert!(o.message.contains("live"), "{}", o.message);
    assert!(o.message.contains("nothing was posted"), "{}", o.message);
    let reqs = server.received_requests().await.unwrap();
    assert!(!reqs[0].body.is_empty());
    assert!(
        serde_json::from_slice::<Value>(&reqs[0].body).is_err(),
        "the probe must not be valid JSON"
    );
    assert!(reqs[0].headers.get("authorization").is_none());
    server.verify().await;
}

#[tokio::test]
async fn webhook_test_maps_revoked_and_removed_hooks() {
    let cases = [
        (400, "invalid_token", "invalid_token", "revoked"),
        (403, "action_prohibited", "action_prohibited", "restricted"),
        (404, "no_service", "no_service", "removed"),
        (
            404,
            "channel_not_found",
            "channel_not_found",
            "no longer exists",
        ),
        (
            410,
            "channel_is_archived",
            "channel_is_archived",
            "archived",
        ),
        (404, "<html>RAW-BODY-MARKER</html>", "not_found", "removed"),
        (403, "RAW-BODY-MARKER", "forbidden", "invalid"),
    ];
    for (status, body, code, words) in cases {
        let (o, url) = hook_test_against(ResponseTemplate::new(status).set_body_string(body)).await;
        assert_test_error(&o, code, &[HOOK_SECRET, &url]);
        assert!(o.message.contains(words), "{status} {body}: {}", o.message);
        assert!(o.message.contains(&status.to_string()), "{}", o.message);
    }
}

#[tokio::test]
async fn webhook_test_says_when_slack_posted_the_probe() {
    let (o, url) = hook_test_against(ResponseTemplate::new(200).set_body_string("ok")).await;
    assert_test_success(&o, &[HOOK_SECRET, &url]);
    assert!(o.message.contains("may have posted"), "{}", o.message);
}

#[tokio::test]
async fn webhook_test_reports_rate_limits_and_server_errors() {
    let (o, url) = hook_test_against(
        ResponseTemplate::new(429)
            .insert_header("retry-after", "30")
            .set_body_string(BODY_MARKER),
    )
    .await;
    assert_test_error(&o, "rate_limited", &[HOOK_SECRET, &url]);
    assert!(o.message.contains("in 30 s"), "{}", o.message);
    let (o, url) =
        hook_test_against(ResponseTemplate::new(500).set_body_string("rollup_error")).await;
    assert_test_error(&o, "server_error", &[HOOK_SECRET, &url]);
}

#[tokio::test]
async fn webhook_send_posts_text_json() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(HOOK_PATH))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({"text": "Deploy finished\n\nv1 is live"})))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .expect(1)
        .mount(&server)
        .await;
    let (c, _) = hook_config(&server);
    let message = patchbay_domain::Message {
        subject: Some("Deploy finished".into()),
        text: Some("v1 is live".into()),
        ..Default::default()
    };
    let o = provider_for(&server).send(&ctx(), &c, &message).await;
    assert_eq!(
        o,
        SendOutcome::Delivered {
            provider_message_id: None,
            hold_for: None,
        }
    );
    let reqs = server.received_requests().await.unwrap();
    assert!(reqs[0].headers.get("authorization").is_none());
    server.verify().await;
}

#[tokio::test]
async fn webhook_send_maps_plain_text_errors() {
    let cases = [
        (
            400,
            "invalid_payload",
            PermanentKind::Message,
            "invalid_payload",
        ),
        (400, "no_text", PermanentKind::Message, "no_text"),
        (
            400,
            "invalid_token",
            PermanentKind::Credential,
            "invalid_token",
        ),
        (
            403,
            "action_prohibited",
            PermanentKind::Credential,
            "action_prohibited",
        ),
        (
            404,
            "channel_not_found",
            PermanentKind::Gone,
            "channel_not_found",
        ),
        (404, "no_service", PermanentKind::Gone, "no_service"),
        (
            410,
            "channel_is_archived",
            PermanentKind::Gone,
            "channel_is_archived",
        ),
        (
            400,
            "Bad things RAW-BODY-MARKER",
            PermanentKind::Message,
            "rejected",
        ),
    ];
    for (status, body, kind, code) in cases {
        let (o, url) = hook_send_against(ResponseTemplate::new(status).set_body_string(body)).await;
        let reason = assert_permanent(&o, kind, code, &[HOOK_SECRET, &url]);
        assert!(reason.contains(&status.to_string()), "{reason}");
    }
}

#[tokio::test]
async fn webhook_send_rate_limits_and_server_errors_are_retryable() {
    let (o, url) = hook_send_against(
        ResponseTemplate::new(429)
            .insert_header("retry-after", "17")
            .set_body_string("rate_limited"),
    )
    .await;
    assert_retryable(&o, Some(Duration::from_secs(17)), &[HOOK_SECRET, &url]);
    let (o, url) =
        hook_send_against(ResponseTemplate::new(500).set_body_string("rollup_error")).await;
    let reason = assert_retryable(&o, None, &[HOOK_SECRET, &url]);
    assert!(reason.contains("500"), "{reason}");
    let (o, _) =
        hook_send_against(ResponseTemplate::new(503).insert_header("retry-after", "5")).await;
    assert_retryable(&o, Some(Duration::from_secs(5)), &[HOOK_SECRET]);
}

// ---------------------------------------------------------------------------
// Bot token
// ---------------------------------------------------------------------------

async fn bot_test_against(response: ResponseTemplate) -> patchbay_domain::TestOutcome {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/auth.test"))
        .respond_with(response)
        .expect(1)
        .mount(&server)
        .await;
    let o = provider_for(&server).test(&ctx(), &bot_config()).await;
    server.verify().await;
    o
}

async fn bot_send_against(response: ResponseTemplate) -> SendOutcome {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/chat.postMessage"))
        .respond_with(response)
        .expect(1)
        .mount(&server)
        .await;
    let o = provider_for(&server)
        .send(&ctx(), &bot_config(), &text("hello"))
        .await;
    server.verify().await;
    o
}

#[tokio::test]
async fn bot_test_calls_auth_test_with_the_bearer_token_and_names_the_team() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/auth.test"))
        .and(header(
            "authorization",
            format!("Bearer {BOT_TOKEN}").as_str(),
        ))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-oauth-scopes", "chat:write,channels:read")
                .set_body_json(json!({
                    "ok": true, "url": "https://acme.slack.com/", "team": "Acme Corp",
                    "user": "patchbay", "team_id": "T0001", "user_id": "U0001", "bot_id": "B0001",
                })),
        )
        .expect(1)
        .mount(&server)
        .await;
    let o = provider_for(&server).test(&ctx(), &bot_config()).await;
    assert_test_success(&o, &[BOT_TOKEN]);
    assert!(
        o.message.contains("\u{201c}Acme Corp\u{201d}"),
        "{}",
        o.message
    );
    assert!(o.message.contains(CHANNEL), "{}", o.message);
    server.verify().await;

    // Without a scope list there is nothing to judge.
    let o = bot_test_against(
        ResponseTemplate::new(200).set_body_json(json!({"ok": true, "team": "Acme"})),
    )
    .await;
    assert_test_success(&o, &[BOT_TOKEN]);
}

#[tokio::test]
async fn bot_test_maps_slack_error_codes() {
    let cases = [
        ("invalid_auth", "mistyped"),
        ("not_authed", "no token"),
        ("account_inactive", "deactivated"),
        ("token_revoked", "revoked"),
        ("token_expired", "expired"),
    ];
    for (code, words) in cases {
        // Slack answers HTTP 200 even for bad tokens.
        let o = bot_test_against(ResponseTemplate::new(200).set_body_json(api_error(code))).await;
        assert_test_error(&o, code, &[BOT_TOKEN]);
        assert!(o.message.contains(words), "{code}: {}", o.message);
    }
    let o = bot_test_against(
        ResponseTemplate::new(200).set_body_json(api_error("Some free text RAW-BODY-MARKER")),
    )
    .await;
    assert_test_error(&o, "rejected", &[BOT_TOKEN]);
}

#[tokio::test]
async fn bot_test_reports_a_missing_chat_write_scope() {
    let o = bot_test_against(
        ResponseTemplate::new(200)
            .insert_header("x-oauth-scopes", "channels:read,users:read")
            .set_body_json(json!({"ok": true, "team": "Acme", "user": "bot"})),
    )
    .await;
    assert_test_error(&o, "missing_scope", &[BOT_TOKEN]);
    assert!(o.message.contains("chat:write"), "{}", o.message);
}

#[tokio::test]
async fn bot_test_reports_rate_limits_server_errors_and_malformed_bodies() {
    let o = bot_test_against(
        ResponseTemplate::new(429)
            .insert_header("retry-after", "20")
            .set_body_json(api_error("ratelimited")),
    )
    .await;
    assert_test_error(&o, "rate_limited", &[BOT_TOKEN]);
    assert!(o.message.contains("in 20 s"), "{}", o.message);
    let o = bot_test_against(ResponseTemplate::new(502).set_body_string(BODY_MARKER)).await;
    assert_test_error(&o, "server_error", &[BOT_TOKEN]);
    for malformed in [
        ResponseTemplate::new(200).set_body_string(format!("<html>{BODY_MARKER}</html>")),
        ResponseTemplate::new(200).set_body_json(json!({"team": BODY_MARKER})),
    ] {
        let o = bot_test_against(malformed).await;
        assert_test_error(&o, "invalid_response", &[BOT_TOKEN]);
        assert!(o.message.contains("auth.test"), "{}", o.message);
    }
}

#[tokio::test]
async fn bot_send_posts_to_chat_post_message_and_returns_ts() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/chat.postMessage"))
        .and(header(
            "authorization",
            format!("Bearer {BOT_TOKEN}").as_str(),
        ))
        .and(header("content-type", "application/json; charset=utf-8"))
        .and(body_json(json!({"channel": CHANNEL, "text": "hello"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "ok": true, "channel": CHANNEL, "ts": "1503435956.000247",
            "message": {"text": "hello"},
        })))
        .expect(1)
        .mount(&server)
        .await;
    let o = provider_for(&server)
        .send(&ctx(), &bot_config(), &text("hello"))
        .await;
    assert_eq!(
        o,
        SendOutcome::Delivered {
            provider_message_id: Some("1503435956.000247".into()),
            hold_for: None,
        }
    );
    server.verify().await;
}

#[tokio::test]
async fn bot_send_maps_ok_false_errors() {
    let cases = [
        ("invalid_auth", PermanentKind::Credential),
        ("token_revoked", PermanentKind::Credential),
        ("account_inactive", PermanentKind::Credential),
        ("missing_scope", PermanentKind::Credential),
        ("not_in_channel", PermanentKind::Credential),
        ("channel_not_found", PermanentKind::Gone),
        ("is_archived", PermanentKind::Gone),
        ("msg_too_long", PermanentKind::Message),
        ("invalid_blocks", PermanentKind::Message),
    ];
    for (code, kind) in cases {
        let o = bot_send_against(ResponseTemplate::new(200).set_body_json(api_error(code))).await;
        assert_permanent(&o, kind, code, &[BOT_TOKEN]);
    }
    let o = bot_send_against(ResponseTemplate::new(200).set_body_json(json!({
        "ok": false, "error": "missing_scope", "needed": "chat:write", "provided": "channels:read"
    })))
    .await;
    let reason = assert_permanent(&o, PermanentKind::Credential, "missing_scope", &[BOT_TOKEN]);
    assert!(reason.contains("chat:write"), "{reason}");
    let o = bot_send_against(ResponseTemplate::new(200).set_body_json(api_error("not_in_channel")))
        .await;
    let reason = assert_permanent(
        &o,
        PermanentKind::Credential,
        "not_in_channel",
        &[BOT_TOKEN],
    );
    assert!(reason.contains("invite"), "{reason}");
}

#[tokio::test]
async fn bot_send_rate_limits_and_server_errors_are_retryable() {
    // `ok: false, error: ratelimited` with a Retry-After header.
    let o = bot_send_against(
        ResponseTemplate::new(200)
            .insert_header("retry-after", "9")
            .set_body_json(api_error("ratelimited")),
    )
    .await;
    assert_retryable(&o, Some(Duration::from_secs(9)), &[BOT_TOKEN]);
    // HTTP 429 with Retry-After (Slack's usual answer).
    let o = bot_send_against(
        ResponseTemplate::new(429)
            .insert_header("retry-after", "4")
            .set_body_json(api_error("ratelimited")),
    )
    .await;
    assert_retryable(&o, Some(Duration::from_secs(4)), &[BOT_TOKEN]);
    let o = bot_send_against(ResponseTemplate::new(503).set_body_string(BODY_MARKER)).await;
    assert_retryable(&o, None, &[BOT_TOKEN]);
    let o = bot_send_against(ResponseTemplate::new(200).set_body_json(api_error("internal_error")))
        .await;
    assert_retryable(&o, None, &[BOT_TOKEN]);
}

#[tokio::test]
async fn bot_send_malformed_body_is_a_clear_error() {
    for malformed in [
        ResponseTemplate::new(200).set_body_string(format!("<html>{BODY_MARKER}</html>")),
        ResponseTemplate::new(200).set_body_string(""),
    ] {
        let o = bot_send_against(malformed).await;
        let reason = assert_permanent(&o, PermanentKind::Message, "invalid_response", &[BOT_TOKEN]);
        assert!(reason.contains("may or may not"), "{reason}");
    }
    let o = bot_send_against(ResponseTemplate::new(401).set_body_string(BODY_MARKER)).await;
    assert_permanent(&o, PermanentKind::Credential, "rejected", &[BOT_TOKEN]);
}

#[tokio::test]
async fn timeouts_are_retryable_for_both_modes() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"ok": true, "ts": "1.2"}))
                .set_delay(Duration::from_secs(3)),
        )
        .mount(&server)
        .await;
    let slow = SlackProvider::new(impatient_client(), api_base(&server));
    let (hook, url) = hook_config(&server);
    for c in [hook, bot_config()] {
        let o = slow.send(&ctx(), &c, &text("hi")).await;
        let reason = assert_retryable(&o, None, &[BOT_TOKEN, HOOK_SECRET, &url]);
        assert_eq!(reason, "Slack did not answer within 300 ms");
        let t = slow.test(&ctx(), &c).await;
        assert_test_error(&t, "timeout", &[BOT_TOKEN, HOOK_SECRET, &url]);
    }
}

#[tokio::test]
async fn validate_judges_webhook_hosts_and_config_errors_send_nothing() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .expect(0)
        .mount(&server)
        .await;
    let guarded = SlackProvider::new(guarded_client(), Url::parse(SLACK_API_BASE).unwrap());
    assert_eq!(guarded.kind(), IntegrationType::Slack);
    let (c, url) = hook_config(&server);
    let e = guarded.validate(&c).unwrap_err();
    assert_eq!(e.0.len(), 1);
    assert_eq!(e.0[0].field, "config.webhookUrl");
    assert_clean(&e.0[0].message, &[HOOK_SECRET, &url]);
    let t = guarded.test(&ctx(), &c).await;
    assert_test_error(&t, "blocked_address", &[HOOK_SECRET, &url]);
    let o = guarded.send(&ctx(), &c, &text("hi")).await;
    assert_permanent(
        &o,
        PermanentKind::Credential,
        "blocked_address",
        &[HOOK_SECRET, &url],
    );

    assert!(guarded.validate(&bot_config()).is_ok());
    let mut ok = Config::new();
    ok.insert_secret(
        "webhookUrl",
        SecretValue::from_json(&json!("https://hooks.slack.com/services/T0/B0/x")),
    );
    assert!(guarded.validate(&ok).is_ok());

    // Neither credential, or a bot token without a channel.
    let p = SlackProvider::new(
        OutboundClient::new(client_config()).unwrap(),
        api_base(&server),
    );
    let mut no_channel = Config::new();
    no_channel.insert_secret("botToken", SecretValue::from_json(&json!(BOT_TOKEN)));
    for c in [Config::new(), no_channel] {
        assert_test_error(&p.test(&ctx(), &c).await, "invalid_config", &[BOT_TOKEN]);
        let o = p.send(&ctx(), &c, &text("hi")).await;
        assert_permanent(
            &o,
            PermanentKind::Credential,
            "invalid_config",
            &[BOT_TOKEN],
        );
    }
    let o = p.send(&ctx(), &bot_config(), &text(" ")).await;
    assert_permanent(&o, PermanentKind::Message, "empty_message", &[BOT_TOKEN]);
    server.verify().await;
}
