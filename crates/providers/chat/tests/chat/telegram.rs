//! Telegram bots.

use std::time::Duration;

use patchbay_domain::{Config, IntegrationType, PermanentKind, Provider, SecretValue, SendOutcome};
use patchbay_provider_chat::{TELEGRAM_API_BASE, TelegramProvider};
use patchbay_provider_kit::Url;
use serde_json::{Value, json};
use wiremock::matchers::{any, body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

const TOKEN: &str = "123456789:CANARY_telegram-Token_abcdefghijklmn";
const TOKEN_PATH: &str = "/bot123456789:CANARY_telegram-Token_abcdefghijklmn";
const CHAT: i64 = -1001234567;

fn config(chat: Value) -> Config {
    let mut c = Config::new();
    c.insert_secret("botToken", SecretValue::from_json(&json!(TOKEN)));
    c.insert_plain("chatId", chat);
    c
}

fn api_base(server: &MockServer) -> Url {
    Url::parse(&format!("{}/", server.uri())).unwrap()
}

fn provider_for(server: &MockServer) -> TelegramProvider {
    TelegramProvider::new(client(), api_base(server))
}

fn ok(result: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"ok": true, "result": result}))
}

fn tg_error(status: u16, description: &str, parameters: Option<Value>) -> ResponseTemplate {
    let mut body = json!({
        "ok": false,
        "error_code": status,
        "description": format!("{description} {BODY_MARKER}"),
    });
    if let Some(p) = parameters {
        body["parameters"] = p;
    }
    ResponseTemplate::new(status).set_body_json(body)
}

fn get_me_ok() -> ResponseTemplate {
    ok(json!({"id": 123456789, "is_bot": true, "first_name": "Deploy", "username": "deploy_bot"}))
}

/// Run `test` with getMe and getChat answering as given.
async fn test_against(
    get_me: ResponseTemplate,
    get_chat: Option<ResponseTemplate>,
) -> patchbay_domain::TestOutcome {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{TOKEN_PATH}/getMe")))
        .respond_with(get_me)
        .expect(1)
        .mount(&server)
        .await;
    let chat_calls = u64::from(get_chat.is_some());
    Mock::given(method("GET"))
        .and(path(format!("{TOKEN_PATH}/getChat")))
        .respond_with(get_chat.unwrap_or_else(|| ResponseTemplate::new(500)))
        .expect(chat_calls)
        .mount(&server)
        .await;
    let o = provider_for(&server)
        .test(&ctx(), &config(json!(CHAT)))
        .await;
    server.verify().await;
    o
}

async fn send_against(response: ResponseTemplate) -> SendOutcome {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("{TOKEN_PATH}/sendMessage")))
        .respond_with(response)
        .expect(1)
        .mount(&server)
        .await;
    let o = provider_for(&server)
        .send(&ctx(), &config(json!(CHAT)), &text("hello"))
        .await;
    server.verify().await;
    o
}

#[tokio::test]
async fn test_calls_get_me_then_get_chat() {
    let server = MockServer::start().await;
    // A gateway base with a path prefix keeps it.
    let base = Url::parse(&format!("{}/tg/", server.uri())).unwrap();
    Mock::given(method("GET"))
        .and(path(format!("/tg{TOKEN_PATH}/getMe")))
        .respond_with(get_me_ok())
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/tg{TOKEN_PATH}/getChat")))
        .and(query_param("chat_id", CHAT.to_string().as_str()))
        .respond_with(ok(
            json!({"id": CHAT, "type": "supergroup", "title": "Ops room"}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let p = TelegramProvider::new(client(), base);
    let o = p.test(&ctx(), &config(json!(CHAT))).await;
    assert_test_success(&o, &[TOKEN]);
    assert!(o.message.contains("@deploy_bot"), "{}", o.message);
    assert!(
        o.message.contains("\u{201c}Ops room\u{201d}"),
        "{}",
        o.message
    );
    assert!(o.message.contains(&CHAT.to_string()), "{}", o.message);
    for r in server.received_requests().await.unwrap() {
        assert!(r.body.is_empty());
        assert!(r.headers.get("authorization").is_none());
    }
    server.verify().await;
}

#[tokio::test]
async fn test_checks_a_channel_username_chat() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{TOKEN_PATH}/getMe")))
        .respond_with(get_me_ok())
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{TOKEN_PATH}/getChat")))
        .and(query_param("chat_id", "@release_notes"))
        .respond_with(ok(
            json!({"id": -100999, "type": "channel", "title": "Releases"}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let o = provider_for(&server)
        .test(&ctx(), &config(json!("@release_notes")))
        .await;
    assert_test_success(&o, &[TOKEN]);
    assert!(o.message.contains("channel chat"), "{}", o.message);
    server.verify().await;
}

#[tokio::test]
async fn test_invalid_token_stops_before_the_chat_check() {
    let o = test_against(tg_error(401, "Unauthorized", None), None).await;
    assert_test_error(&o, "invalid_token", &[TOKEN]);
    assert!(o.message.contains("401 Unauthorized"), "{}", o.message);
    let o = test_against(tg_error(404, "Not Found", None), None).await;
    assert_test_error(&o, "invalid_token", &[TOKEN]);
}

#[tokio::test]
async fn test_chat_not_found_says_the_bot_cannot_see_the_chat() {
    let o = test_against(
        get_me_ok(),
        Some(tg_error(400, "Bad Request: chat not found", None)),
    )
    .await;
    assert_test_error(&o, "chat_not_found", &[TOKEN]);
    assert!(o.message.contains("@deploy_bot is valid"), "{}", o.message);
    assert!(o.message.contains("cannot see"), "{}", o.message);
    assert!(o.message.contains(&CHAT.to_string()), "{}", o.message);

    let o = test_against(
        get_me_ok(),
        Some(tg_error(
            403,
            "Forbidden: bot was kicked from the supergroup chat",
            None,
        )),
    )
    .await;
    assert_test_error(&o, "bot_kicked", &[TOKEN]);

    let o = test_against(
        get_me_ok(),
        Some(tg_error(
            400,
            "Bad Request: group chat was upgraded to a supergroup chat",
            Some(json!({"migrate_to_chat_id": -1009876543210_i64})),
        )),
    )
    .await;
    assert_test_error(&o, "chat_migrated", &[TOKEN]);
    assert!(o.message.contains("-1009876543210"), "{}", o.message);
}

#[tokio::test]
async fn test_reports_rate_limits_server_errors_and_malformed_bodies() {
    let o = test_against(
        tg_error(
            429,
            "Too Many Requests: retry after 5",
            Some(json!({"retry_after": 5})),
        ),
        None,
    )
    .await;
    assert_test_error(&o, "rate_limited", &[TOKEN]);
    assert!(o.message.contains("in 5 s"), "{}", o.message);

    let o = test_against(
        ResponseTemplate::new(502).set_body_string(BODY_MARKER),
        None,
    )
    .await;
    assert_test_error(&o, "server_error", &[TOKEN]);

    let o = test_against(
        ResponseTemplate::new(200).set_body_string(format!("<html>{BODY_MARKER}</html>")),
        None,
    )
    .await;
    assert_test_error(&o, "invalid_response", &[TOKEN]);
    assert!(o.message.contains("getMe"), "{}", o.message);

    let o = test_against(
        get_me_ok(),
        Some(ResponseTemplate::new(200).set_body_string(BODY_MARKER)),
    )
    .await;
    assert_test_error(&o, "invalid_response", &[TOKEN]);

    let o = test_against(get_me_ok(), Some(ResponseTemplate::new(500))).await;
    assert_test_error(&o, "server_error", &[TOKEN]);
    assert!(o.message.contains("@deploy_bot is valid"), "{}", o.message);
}

#[tokio::test]
async fn send_posts_send_message_with_the_token_path() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("{TOKEN_PATH}/sendMessage")))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({
            "chat_id": CHAT,
            "text": "<b>Deploy</b>\n\nv1 is live",
            "parse_mode": "HTML",
        })))
        .respond_with(ok(json!({
            "message_id": 4711, "date": 1700000000,
            "chat": {"id": CHAT, "type": "supergroup"}, "text": "Deploy\n\nv1 is live",
        })))
        .expect(1)
        .mount(&server)
        .await;
    let mut c = config(json!(CHAT));
    c.insert_plain("parseMode", json!("HTML"));
    let message = patchbay_domain::Message {
        subject: Some("<b>Deploy</b>".into()),
        text: Some("v1 is live".into()),
        ..Default::default()
    };
    let o = provider_for(&server).send(&ctx(), &c, &message).await;
    assert_eq!(
        o,
        SendOutcome::Delivered {
            provider_message_id: Some("4711".into()),
            hold_for: None,
        }
    );
    server.verify().await;
}

#[tokio::test]
async fn send_to_a_channel_username_without_parse_mode() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("{TOKEN_PATH}/sendMessage")))
        .and(body_json(
            json!({"chat_id": "@release_notes", "text": "hello"}),
        ))
        .respond_with(ok(json!({"message_id": 1})))
        .expect(1)
        .mount(&server)
        .await;
    let o = provider_for(&server)
        .send(&ctx(), &config(json!("@release_notes")), &text("hello"))
        .await;
    assert_eq!(
        o,
        SendOutcome::Delivered {
            provider_message_id: Some("1".into()),
            hold_for: None,
        }
    );
    server.verify().await;
}

#[tokio::test]
async fn send_rate_limit_uses_parameters_retry_after() {
    let o = send_against(tg_error(
        429,
        "Too Many Requests: retry after 23",
        Some(json!({"retry_after": 23})),
    ))
    .await;
    let reason = assert_retryable(&o, Some(Duration::from_secs(23)), &[TOKEN]);
    assert!(reason.contains("429"), "{reason}");
    // Without the body's hint, a header is still honoured.
    let o = send_against(
        ResponseTemplate::new(429)
            .insert_header("retry-after", "8")
            .set_body_string(BODY_MARKER),
    )
    .await;
    assert_retryable(&o, Some(Duration::from_secs(8)), &[TOKEN]);
}

#[tokio::test]
async fn send_maps_credential_chat_and_message_errors() {
    let cases = [
        (
            401,
            "Unauthorized",
            None,
            PermanentKind::Credential,
            "invalid_token",
        ),
        (
            403,
            "Forbidden: bot was blocked by the user",
            None,
            PermanentKind::Credential,
            "bot_blocked",
        ),
        (
            403,
            "Forbidden: bot is not a member of the channel chat",
            None,
            PermanentKind::Credential,
            "not_member",
        ),
        (
            400,
            "Bad Request: chat not found",
            None,
            PermanentKind::Gone,
            "chat_not_found",
        ),
        (
            400,
            "Bad Request: can't parse entities: Can't find end of the entity",
            None,
            PermanentKind::Message,
            "cannot_parse_entities",
        ),
        (
            400,
            "Bad Request: message is too long",
            None,
            PermanentKind::Message,
            "message_too_long",
        ),
        (
            400,
            "Bad Request: something new",
            None,
            PermanentKind::Message,
            "bad_request",
        ),
    ];
    for (status, description, params, kind, code) in cases {
        let o = send_against(tg_error(status, description, params)).await;
        let reason = assert_permanent(&o, kind, code, &[TOKEN]);
        assert!(reason.contains(&status.to_string()), "{reason}");
    }
}

#[tokio::test]
async fn send_to_a_migrated_group_names_the_new_chat_id() {
    let o = send_against(tg_error(
        400,
        "Bad Request: group chat was upgraded to a supergroup chat",
        Some(json!({"migrate_to_chat_id": -1009876543210_i64})),
    ))
    .await;
    let reason = assert_permanent(&o, PermanentKind::Gone, "chat_migrated", &[TOKEN]);
    assert!(reason.contains("supergroup"), "{reason}");
    assert!(reason.contains("-1009876543210"), "{reason}");
    assert!(reason.contains("chatId"), "{reason}");
}

#[tokio::test]
async fn send_server_errors_and_timeouts_are_retryable() {
    for status in [500, 502, 503] {
        let o = send_against(ResponseTemplate::new(status).set_body_string(BODY_MARKER)).await;
        let reason = assert_retryable(&o, None, &[TOKEN]);
        assert!(reason.contains(&status.to_string()), "{reason}");
    }
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(get_me_ok().set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;
    let slow = TelegramProvider::new(impatient_client(), api_base(&server));
    let o = slow.send(&ctx(), &config(json!(CHAT)), &text("hi")).await;
    let reason = assert_retryable(&o, None, &[TOKEN]);
    assert_eq!(reason, "Telegram did not answer within 300 ms");
    let t = slow.test(&ctx(), &config(json!(CHAT))).await;
    assert_test_error(&t, "timeout", &[TOKEN]);

    let base = Url::parse(&format!("http://127.0.0.1:{}/", closed_port())).unwrap();
    let o = TelegramProvider::new(client(), base)
        .send(&ctx(), &config(json!(CHAT)), &text("hi"))
        .await;
    let reason = assert_retryable(&o, None, &[TOKEN]);
    assert!(reason.contains("connection refused"), "{reason}");
}

#[tokio::test]
async fn send_malformed_body_is_a_clear_error() {
    for malformed in [
        ResponseTemplate::new(200).set_body_string(format!("<html>{BODY_MARKER}</html>")),
        ResponseTemplate::new(200).set_body_json(json!({"ok": true, "result": {"text": "x"}})),
        ResponseTemplate::new(200).set_body_json(json!({"ok": true})),
    ] {
        let o = send_against(malformed).await;
        let reason = assert_permanent(&o, PermanentKind::Message, "invalid_response", &[TOKEN]);
        assert!(reason.contains("may or may not"), "{reason}");
    }
    // An error status with a body that is not Telegram's still maps by status.
    let o = send_against(ResponseTemplate::new(403).set_body_string(BODY_MARKER)).await;
    assert_permanent(&o, PermanentKind::Credential, "forbidden", &[TOKEN]);
}

#[tokio::test]
async fn send_refuses_empty_and_over_long_texts_without_a_request() {
    let max = IntegrationType::Telegram
        .spec()
        .limits
        .max_text_chars
        .unwrap();
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    let p = provider_for(&server);
    let c = config(json!(CHAT));
    let o = p.send(&ctx(), &c, &text(&"ж".repeat(max + 1))).await;
    let reason = assert_permanent(&o, PermanentKind::Message, "message_too_long", &[TOKEN]);
    assert!(reason.contains("4097"), "{reason}");
    let o = p
        .send(&ctx(), &c, &patchbay_domain::Message::default())
        .await;
    assert_permanent(&o, PermanentKind::Message, "empty_message", &[TOKEN]);
    let t = p.test(&ctx(), &Config::new()).await;
    assert_test_error(&t, "invalid_config", &[TOKEN]);
    let mut no_chat = Config::new();
    no_chat.insert_secret("botToken", SecretValue::from_json(&json!(TOKEN)));
    let o = p.send(&ctx(), &no_chat, &text("hi")).await;
    assert_permanent(&o, PermanentKind::Credential, "invalid_config", &[TOKEN]);
    server.verify().await;
}

#[tokio::test]
async fn a_blocked_api_base_is_refused_without_a_connection() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(get_me_ok())
        .expect(0)
        .mount(&server)
        .await;
    let p = TelegramProvider::new(guarded_client(), api_base(&server));
    assert_eq!(p.kind(), IntegrationType::Telegram);
    assert!(p.validate(&config(json!(CHAT))).is_ok());
    let t = p.test(&ctx(), &config(json!(CHAT))).await;
    assert_test_error(&t, "blocked_address", &[TOKEN]);
    let o = p.send(&ctx(), &config(json!(CHAT)), &text("hi")).await;
    assert_permanent(&o, PermanentKind::Credential, "blocked_address", &[TOKEN]);
    server.verify().await;
    assert_eq!(
        Url::parse(TELEGRAM_API_BASE).unwrap().host_str(),
        Some("api.telegram.org")
    );
}
