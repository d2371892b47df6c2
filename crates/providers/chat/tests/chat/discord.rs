//! Discord incoming webhooks.

use std::time::Duration;

use patchbay_domain::{
    Config, IntegrationType, Message, PermanentKind, Provider, SecretValue, SendOutcome,
};
use patchbay_provider_chat::DiscordProvider;
use patchbay_provider_kit::OutboundClient;
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

const TOKEN: &str = "CANARY-discord-token_Zx9";
const HOOK_PATH: &str = "/api/webhooks/112233445566/CANARY-discord-token_Zx9";

fn hook_url(server: &MockServer) -> String {
    format!("{}{HOOK_PATH}", server.uri())
}

fn config(url: &str) -> Config {
    let mut c = Config::new();
    c.insert_secret("webhookUrl", SecretValue::from_json(&json!(url)));
    c
}

fn provider() -> DiscordProvider {
    DiscordProvider::new(client())
}

fn error_body(message: &str, code: i64) -> Value {
    json!({"message": format!("{message} {BODY_MARKER} {TOKEN}"), "code": code})
}

/// Run `test` against a webhook answering `response` to any request.
async fn test_against(response: ResponseTemplate) -> (patchbay_domain::TestOutcome, String) {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(response)
        .mount(&server)
        .await;
    let url = hook_url(&server);
    (provider().test(&ctx(), &config(&url)).await, url)
}

/// Run `send` of a plain text against a webhook answering `response`.
async fn send_against(response: ResponseTemplate) -> (SendOutcome, String) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(response)
        .mount(&server)
        .await;
    let url = hook_url(&server);
    (
        provider().send(&ctx(), &config(&url), &text("hello")).await,
        url,
    )
}

#[tokio::test]
async fn test_gets_the_webhook_and_names_it() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(HOOK_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "112233445566",
            "type": 1,
            "guild_id": "9988",
            "channel_id": "445566",
            "name": "Deploys",
            "token": TOKEN,
            "avatar": null,
        })))
        .expect(1)
        .mount(&server)
        .await;
    // `thread_id` matters only when executing; the test GETs the bare URL.
    let url = format!("{}?thread_id=77", hook_url(&server));
    let o = provider().test(&ctx(), &config(&url)).await;
    assert_test_success(&o, &[TOKEN, &url]);
    assert!(
        o.message.contains("\u{201c}Deploys\u{201d}"),
        "{}",
        o.message
    );
    assert!(o.message.contains("channel 445566"), "{}", o.message);
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].url.query(), None);
    assert!(reqs[0].body.is_empty());
    assert!(reqs[0].headers.get("authorization").is_none());
    server.verify().await;
}

#[tokio::test]
async fn test_maps_unknown_webhook_and_invalid_token() {
    let (o, url) = test_against(
        ResponseTemplate::new(404).set_body_json(error_body("Unknown Webhook", 10015)),
    )
    .await;
    assert_test_error(&o, "unknown_webhook", &[TOKEN, &url]);
    assert!(o.message.contains("404 Not Found"), "{}", o.message);
    assert!(o.message.contains("create a new webhook"), "{}", o.message);

    let (o, url) = test_against(
        ResponseTemplate::new(401).set_body_json(error_body("Invalid Webhook Token", 50027)),
    )
    .await;
    assert_test_error(&o, "invalid_token", &[TOKEN, &url]);
    assert!(o.message.contains("token"), "{}", o.message);

    // Without Discord's code the status decides.
    let (o, url) = test_against(ResponseTemplate::new(404).set_body_string(BODY_MARKER)).await;
    assert_test_error(&o, "unknown_webhook", &[TOKEN, &url]);
    let (o, url) = test_against(ResponseTemplate::new(403).set_body_string(BODY_MARKER)).await;
    assert_test_error(&o, "forbidden", &[TOKEN, &url]);
}

#[tokio::test]
async fn test_reports_rate_limits_server_errors_and_malformed_answers() {
    let (o, url) = test_against(ResponseTemplate::new(429).set_body_json(json!({
        "message": "You are being rate limited.", "retry_after": 3.5, "global": false
    })))
    .await;
    assert_test_error(&o, "rate_limited", &[TOKEN, &url]);
    assert!(o.message.contains("429 Too Many Requests"), "{}", o.message);
    assert!(o.message.contains("in 3.5 s"), "{}", o.message);

    let (o, url) = test_against(ResponseTemplate::new(503).set_body_string(BODY_MARKER)).await;
    assert_test_error(&o, "server_error", &[TOKEN, &url]);
    assert!(
        o.message.contains("503 Service Unavailable"),
        "{}",
        o.message
    );

    for body in [
        ResponseTemplate::new(200).set_body_string(format!("<html>{BODY_MARKER}</html>")),
        ResponseTemplate::new(200).set_body_json(json!({"message": BODY_MARKER})),
    ] {
        let (o, url) = test_against(body).await;
        assert_test_error(&o, "invalid_response", &[TOKEN, &url]);
        assert!(o.message.contains("webhook object"), "{}", o.message);
    }
}

#[tokio::test]
async fn send_posts_content_with_wait_true_and_returns_the_message_id() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(HOOK_PATH))
        .and(query_param("wait", "true"))
        .and(query_param("thread_id", "777"))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({
            "content": "Deploy finished\n\nv1.2.3 is live",
            "username": "Patchbay",
            "avatar_url": "https://cdn.example.com/a.png",
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "1100220033", "type": 0, "content": "Deploy finished\n\nv1.2.3 is live",
            "channel_id": "445566", "webhook_id": "112233445566",
        })))
        .expect(1)
        .mount(&server)
        .await;
    let url = format!("{}?thread_id=777", hook_url(&server));
    let mut c = config(&url);
    c.insert_plain("username", json!("Patchbay"));
    c.insert_plain("avatarUrl", json!("https://cdn.example.com/a.png"));
    let message = Message {
        subject: Some("Deploy finished".into()),
        text: Some("v1.2.3 is live".into()),
        ..Message::default()
    };
    let o = provider().send(&ctx(), &c, &message).await;
    assert_eq!(
        o,
        SendOutcome::Delivered {
            provider_message_id: Some("1100220033".into()),
            hold_for: None,
        }
    );
    let reqs = server.received_requests().await.unwrap();
    assert!(reqs[0].headers.get("authorization").is_none());
    server.verify().await;
}

#[tokio::test]
async fn an_emptied_bucket_on_success_holds_the_integration_until_its_reset() {
    async fn send_with(remaining: &str, reset_after: &str) -> SendOutcome {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path(HOOK_PATH))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("x-ratelimit-limit", "5")
                    .insert_header("x-ratelimit-remaining", remaining)
                    .insert_header("x-ratelimit-reset-after", reset_after)
                    .insert_header("x-ratelimit-bucket", "abcd1234")
                    .set_body_json(json!({"id": "1"})),
            )
            .expect(1)
            .mount(&server)
            .await;
        provider()
            .send(&ctx(), &config(&hook_url(&server)), &text("hi"))
            .await
    }
    let hold = |o: SendOutcome| match o {
        SendOutcome::Delivered { hold_for, .. } => hold_for,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        hold(send_with("0", "1.250").await),
        Some(Duration::from_millis(1250))
    );
    // Allowance left, or headers that do not parse: no hold.
    assert_eq!(hold(send_with("3", "1.250").await), None);
    assert_eq!(hold(send_with("0", "soon").await), None);
    assert_eq!(hold(send_with("0", "-1").await), None);
    // A wild reset is capped like any hint.
    assert_eq!(
        hold(send_with("0", "999999").await),
        Some(Duration::from_secs(3600))
    );
}

#[tokio::test]
async fn send_without_overrides_carries_only_content_and_204_is_delivered() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(HOOK_PATH))
        .and(query_param("wait", "true"))
        .and(body_json(json!({"content": "hello"})))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let o = provider()
        .send(&ctx(), &config(&hook_url(&server)), &text("hello"))
        .await;
    assert_eq!(
        o,
        SendOutcome::Delivered {
            provider_message_id: None,
            hold_for: None,
        }
    );
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs[0].url.query(), Some("wait=true"));
    server.verify().await;
}

#[tokio::test]
async fn send_refuses_empty_and_over_long_messages_without_a_request() {
    let max = IntegrationType::Discord
        .spec()
        .limits
        .max_text_chars
        .unwrap();
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(body_json(json!({"content": "é".repeat(max)})))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let c = config(&hook_url(&server));
    let p = provider();

    let o = p.send(&ctx(), &c, &text(&"é".repeat(max + 1))).await;
    let reason = assert_permanent(&o, PermanentKind::Message, "message_too_long", &[TOKEN]);
    assert!(reason.contains("2001 characters"), "{reason}");
    assert!(reason.contains("at most 2000"), "{reason}");

    for empty in [Message::default(), text("  \n ")] {
        let o = p.send(&ctx(), &c, &empty).await;
        let reason = assert_permanent(&o, PermanentKind::Message, "empty_message", &[TOKEN]);
        assert!(reason.contains("nothing to send"), "{reason}");
    }

    // Exactly 2000 characters (4000 bytes) is fine.
    let o = p.send(&ctx(), &c, &text(&"é".repeat(max))).await;
    assert!(matches!(o, SendOutcome::Delivered { .. }), "{o:?}");
    server.verify().await;
}

#[tokio::test]
async fn send_rate_limit_prefers_the_body_float_over_the_header() {
    let (o, url) = send_against(
        ResponseTemplate::new(429)
            .insert_header("retry-after", "65")
            .set_body_json(json!({
                "message": "You are being rate limited.", "retry_after": 64.57, "global": false
            })),
    )
    .await;
    let reason = assert_retryable(&o, Some(Duration::from_secs_f64(64.57)), &[TOKEN, &url]);
    assert!(reason.contains("429"), "{reason}");

    let (o, url) = send_against(
        ResponseTemplate::new(429)
            .insert_header("retry-after", "12")
            .set_body_string(BODY_MARKER),
    )
    .await;
    assert_retryable(&o, Some(Duration::from_secs(12)), &[TOKEN, &url]);

    let (o, _) = send_against(ResponseTemplate::new(429).set_body_json(json!({
        "message": "global", "retry_after": 0.25, "global": true
    })))
    .await;
    let reason = assert_retryable(&o, Some(Duration::from_millis(250)), &[TOKEN]);
    assert!(reason.contains("global"), "{reason}");
}

#[tokio::test]
async fn send_maps_bad_credentials_unknown_webhooks_and_invalid_bodies() {
    let cases = [
        (
            401,
            error_body("Invalid Webhook Token", 50027),
            PermanentKind::Credential,
            "invalid_token",
        ),
        (
            403,
            error_body("Missing Permissions", 50013),
            PermanentKind::Credential,
            "forbidden",
        ),
        (
            404,
            error_body("Unknown Webhook", 10015),
            PermanentKind::Gone,
            "unknown_webhook",
        ),
        (
            404,
            error_body("Unknown Channel", 10003),
            PermanentKind::Gone,
            "not_found",
        ),
        (
            400,
            error_body("Invalid Form Body", 50035),
            PermanentKind::Message,
            "invalid_form_body",
        ),
        (413, json!(BODY_MARKER), PermanentKind::Message, "rejected"),
    ];
    for (status, body, kind, code) in cases {
        let (o, url) = send_against(ResponseTemplate::new(status).set_body_json(body)).await;
        let reason = assert_permanent(&o, kind, code, &[TOKEN, &url]);
        assert!(reason.contains(&status.to_string()), "{reason}");
    }
}

#[tokio::test]
async fn send_server_errors_timeouts_and_refused_connections_are_retryable() {
    for status in [500, 502, 503, 504] {
        let (o, url) =
            send_against(ResponseTemplate::new(status).set_body_string(BODY_MARKER)).await;
        let reason = assert_retryable(&o, None, &[TOKEN, &url]);
        assert!(reason.contains(&status.to_string()), "{reason}");
    }
    let (o, _) = send_against(ResponseTemplate::new(503).insert_header("retry-after", "30")).await;
    assert_retryable(&o, Some(Duration::from_secs(30)), &[TOKEN]);

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(204).set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;
    let slow = DiscordProvider::new(impatient_client());
    let c = config(&hook_url(&server));
    let o = slow.send(&ctx(), &c, &text("hi")).await;
    let reason = assert_retryable(&o, None, &[TOKEN]);
    assert_eq!(reason, "Discord did not answer within 300 ms");
    let t = slow.test(&ctx(), &c).await;
    assert_test_error(&t, "timeout", &[TOKEN]);

    let url = format!("http://127.0.0.1:{}{HOOK_PATH}", closed_port());
    let o = provider().send(&ctx(), &config(&url), &text("hi")).await;
    let reason = assert_retryable(&o, None, &[TOKEN, &url]);
    assert!(reason.contains("connection refused"), "{reason}");
}

#[tokio::test]
async fn redirects_are_permanent_and_not_followed() {
    let elsewhere = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&elsewhere)
        .await;
    let moved = ResponseTemplate::new(301).insert_header("location", elsewhere.uri().as_str());
    let (o, url) = send_against(moved.clone()).await;
    assert_permanent(&o, PermanentKind::Gone, "redirect", &[TOKEN, &url]);
    let (t, url) = test_against(moved).await;
    assert_test_error(&t, "redirect", &[TOKEN, &url]);
    elsewhere.verify().await;
}

#[tokio::test]
async fn blocked_addresses_are_refused_at_validation_and_never_contacted() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(204))
        .expect(0)
        .mount(&server)
        .await;
    let guarded = DiscordProvider::new(guarded_client());
    assert_eq!(guarded.kind(), IntegrationType::Discord);
    let url = hook_url(&server);
    let c = config(&url);

    let errors = guarded.validate(&c).unwrap_err();
    assert_eq!(errors.0.len(), 1);
    assert_eq!(errors.0[0].field, "config.webhookUrl");
    assert!(
        errors.0[0].message.contains("loopback"),
        "{:?}",
        errors.0[0]
    );
    assert_clean(&errors.0[0].message, &[TOKEN, &url]);

    let t = guarded.test(&ctx(), &c).await;
    assert_test_error(&t, "blocked_address", &[TOKEN, &url]);
    let o = guarded.send(&ctx(), &c, &text("hi")).await;
    assert_permanent(
        &o,
        PermanentKind::Credential,
        "blocked_address",
        &[TOKEN, &url],
    );
    server.verify().await;

    for ok in [
        "https://discord.com/api/webhooks/1/abc",
        "https://canary.discord.com/api/webhooks/1/abc?thread_id=2",
    ] {
        assert!(guarded.validate(&config(ok)).is_ok(), "{ok}");
    }
    for bad in [
        "http://169.254.169.254/api/webhooks/1/abc",
        "http://[::1]/api/webhooks/1/abc",
        "http://0x7f000001/api/webhooks/1/abc",
    ] {
        let e = guarded.validate(&config(bad)).unwrap_err();
        assert_eq!(e.0[0].field, "config.webhookUrl");
    }
}

#[tokio::test]
async fn a_missing_webhook_url_is_reported_without_a_request() {
    let p = DiscordProvider::new(OutboundClient::new(client_config()).unwrap());
    let t = p.test(&ctx(), &Config::new()).await;
    assert_test_error(&t, "invalid_config", &[]);
    let o = p.send(&ctx(), &Config::new(), &text("hi")).await;
    assert_permanent(&o, PermanentKind::Credential, "invalid_config", &[]);
    assert!(p.validate(&Config::new()).is_ok());
}
