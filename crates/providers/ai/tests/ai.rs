//! The AI gateway provider against a wiremock OpenAI-compatible API: the
//! exact requests, the Vercel AI Gateway's credits check (its host scripted
//! to the mock), the default-model check and every answer's mapping.

#![allow(clippy::unwrap_used)]

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::Duration;

use patchbay_domain::{
    Config, Environment, IntegrationType, Message, PermanentKind, Provider, ProviderContext,
    SecretValue, SendOutcome, TestOutcome, TestStatus,
};
use patchbay_provider_ai::{AiGatewayProvider, DEFAULT_AI_BASE_URL};
use patchbay_provider_kit::testing::{client_config, impatient_config};
use patchbay_provider_kit::{OutboundClient, OutboundConfig};
use serde_json::json;
use wiremock::matchers::{any, body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "vck_CANARY_0123456789abcdef";
const BODY_CANARY: &str = "SECRET-BODY-TEXT";

fn provider() -> AiGatewayProvider {
    AiGatewayProvider::new(OutboundClient::new(client_config()).unwrap())
}

/// A provider whose resolver sends the AI Gateway's host to the mock.
fn gateway_provider() -> AiGatewayProvider {
    let lookup = |host: String| async move {
        if host == "ai-gateway.vercel.sh" {
            Ok(vec![IpAddr::V4(Ipv4Addr::LOCALHOST)])
        } else {
            Err(std::io::Error::other("unknown host"))
        }
    };
    AiGatewayProvider::new(OutboundClient::with_lookup(client_config(), Arc::new(lookup)).unwrap())
}

fn config(base: &str, model: Option<&str>) -> Config {
    let mut c = Config::new();
    c.insert_secret("apiKey", SecretValue::from_json(&json!(KEY)));
    c.insert_plain("baseUrl", json!(base));
    if let Some(m) = model {
        c.insert_plain("defaultModel", json!(m));
    }
    c
}

fn base(server: &MockServer) -> String {
    format!("{}/v1", server.uri())
}

fn gateway_base(server: &MockServer) -> String {
    format!("http://ai-gateway.vercel.sh:{}/v1", server.address().port())
}

fn ctx() -> ProviderContext {
    ProviderContext {
        environment: Environment::Production,
        integration_id: None,
        message_id: Some("msg_1".into()),
    }
}

fn message() -> Message {
    Message {
        subject: Some("ignored".into()),
        text: Some("Summarise today's deploys".into()),
        ..Message::default()
    }
}

fn models() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "object": "list",
        "data": [
            {"id": "openai/gpt-4o-mini", "object": "model", "owned_by": "openai"},
            {"id": "anthropic/claude-sonnet-4", "object": "model", "owned_by": "anthropic"}
        ]
    }))
}

fn openai_error(status: u16, kind: &str, code: Option<&str>) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({"error": {
        "message": format!("{BODY_CANARY} {KEY}"),
        "type": kind,
        "param": null,
        "code": code,
    }}))
}

fn assert_clean(text: &str) {
    assert!(!text.contains("CANARY"), "the key leaked: {text}");
    assert!(!text.contains(BODY_CANARY), "the body leaked: {text}");
}

fn assert_send_clean(o: &SendOutcome) {
    match o {
        SendOutcome::Delivered { .. } => {}
        SendOutcome::Retryable { reason, .. } | SendOutcome::Permanent { reason, .. } => {
            assert_clean(reason)
        }
    }
}

async fn test_against(response: ResponseTemplate, model: Option<&str>) -> TestOutcome {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/models"))
        .respond_with(response)
        .mount(&server)
        .await;
    let t = provider()
        .test(&ctx(), &config(&base(&server), model))
        .await;
    assert_clean(&t.message);
    t
}

async fn send_against(response: ResponseTemplate) -> SendOutcome {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(response)
        .mount(&server)
        .await;
    let o = provider()
        .send(
            &ctx(),
            &config(&base(&server), Some("openai/gpt-4o-mini")),
            &message(),
        )
        .await;
    assert_send_clean(&o);
    o
}

#[test]
fn default_base_and_kind() {
    assert_eq!(DEFAULT_AI_BASE_URL, "https://ai-gateway.vercel.sh/v1");
    let p = AiGatewayProvider::new(OutboundClient::new(OutboundConfig::default()).unwrap());
    assert_eq!(p.kind(), IntegrationType::AiGateway);
    let mut c = Config::new();
    c.insert_secret("apiKey", SecretValue::from_json(&json!(KEY)));
    assert!(p.validate(&c).is_ok());
}

#[tokio::test]
async fn test_lists_models_with_the_bearer_key() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/models"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .respond_with(models())
        .expect(1)
        .mount(&server)
        .await;
    let t = provider().test(&ctx(), &config(&base(&server), None)).await;
    assert_eq!(t.status, TestStatus::Success, "{t:?}");
    assert_eq!(t.message, "the API key is valid; 2 model(s) available");
    server.verify().await;
}

#[tokio::test]
async fn test_reports_whether_the_default_model_is_listed() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/models"))
        .respond_with(models())
        .expect(1)
        .mount(&server)
        .await;
    let t = provider()
        .test(&ctx(), &config(&base(&server), Some("openai/gpt-4o-mini")))
        .await;
    assert_eq!(t.status, TestStatus::Success, "{t:?}");
    assert!(
        t.message
            .contains("the default model openai/gpt-4o-mini is available"),
        "{}",
        t.message
    );
    server.verify().await;

    let t = test_against(models(), Some("openai/gpt-5-imaginary")).await;
    assert_eq!(t.status, TestStatus::Error);
    assert_eq!(t.code.as_deref(), Some("model_not_found"));
    assert!(
        t.message
            .contains("openai/gpt-5-imaginary is not among them"),
        "{}",
        t.message
    );
}

#[tokio::test]
async fn on_the_ai_gateway_test_reads_credits() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/credits"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"balance": "95.50", "total_used": "4.50"})),
        )
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/models"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .respond_with(models())
        .expect(1)
        .mount(&server)
        .await;
    let p = gateway_provider();
    let t = p.test(&ctx(), &config(&gateway_base(&server), None)).await;
    assert_eq!(t.status, TestStatus::Success, "{t:?}");
    assert_eq!(
        t.message,
        "the API key is valid; AI Gateway credit balance: 95.50"
    );
    // With a default model, the model list is checked too.
    let t = p
        .test(
            &ctx(),
            &config(&gateway_base(&server), Some("anthropic/claude-sonnet-4")),
        )
        .await;
    assert_eq!(t.status, TestStatus::Success, "{t:?}");
    assert_eq!(
        t.message,
        "the API key is valid; AI Gateway credit balance: 95.50; the default model anthropic/claude-sonnet-4 is available"
    );
    server.verify().await;
}

#[tokio::test]
async fn on_the_ai_gateway_a_bad_key_fails_the_credits_check() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/credits"))
        .respond_with(openai_error(401, "authentication_error", None))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/models"))
        .respond_with(models())
        .expect(0)
        .mount(&server)
        .await;
    let t = gateway_provider()
        .test(
            &ctx(),
            &config(&gateway_base(&server), Some("openai/gpt-4o-mini")),
        )
        .await;
    assert_eq!(t.status, TestStatus::Error);
    assert_eq!(t.code.as_deref(), Some("authentication_error"));
    assert!(t.message.contains("401 Unauthorized"), "{}", t.message);
    assert_clean(&t.message);
    server.verify().await;
}

#[tokio::test]
async fn test_maps_every_failure() {
    let cases = [
        (
            openai_error(401, "invalid_request_error", Some("invalid_api_key")),
            "invalid_api_key",
            "401 Unauthorized",
        ),
        (
            ResponseTemplate::new(401).set_body_string(BODY_CANARY),
            "invalid_api_key",
            "refused the API key",
        ),
        (ResponseTemplate::new(403), "forbidden", "403 Forbidden"),
        (
            openai_error(429, "rate_limit_error", Some("rate_limit_exceeded")),
            "rate_limit_exceeded",
            "rate limiting",
        ),
        (
            ResponseTemplate::new(429).insert_header("retry-after", "5"),
            "rate_limited",
            "429 Too Many Requests",
        ),
        (ResponseTemplate::new(404), "not_found", "/v1"),
        (
            ResponseTemplate::new(500).set_body_string(BODY_CANARY),
            "server_error",
            "500 Internal Server Error",
        ),
        (
            ResponseTemplate::new(200).set_body_string(format!("<html>{BODY_CANARY}</html>")),
            "invalid_response",
            "expected model list",
        ),
        (
            ResponseTemplate::new(200).set_body_json(json!({"data": "x"})),
            "invalid_response",
            "expected model list",
        ),
    ];
    for (response, code, text) in cases {
        let t = test_against(response, None).await;
        assert_eq!(t.status, TestStatus::Error);
        assert_eq!(t.code.as_deref(), Some(code), "{}", t.message);
        assert!(t.message.contains(text), "{code}: {}", t.message);
    }
}

#[tokio::test]
async fn timeouts_are_clear_errors_and_retryable() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(models().set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;
    let p = AiGatewayProvider::new(OutboundClient::new(impatient_config()).unwrap());
    let c = config(&base(&server), Some("openai/gpt-4o-mini"));
    let t = p.test(&ctx(), &c).await;
    assert_eq!(t.status, TestStatus::Error);
    assert_eq!(t.code.as_deref(), Some("timeout"));
    assert_eq!(t.message, "the AI API did not answer within 300 ms");
    let o = p.send(&ctx(), &c, &message()).await;
    assert_eq!(
        o,
        SendOutcome::Retryable {
            reason: "the AI API did not answer within 300 ms".into(),
            retry_after: None
        }
    );
}

#[tokio::test]
async fn send_posts_a_chat_completion() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({
            "model": "openai/gpt-4o-mini",
            "messages": [{"role": "user", "content": "Summarise today's deploys"}]
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "chatcmpl-123",
            "object": "chat.completion",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "Two deploys."}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8}
        })))
        .expect(1)
        .mount(&server)
        .await;
    let o = provider()
        .send(
            &ctx(),
            &config(&base(&server), Some("openai/gpt-4o-mini")),
            &message(),
        )
        .await;
    assert_eq!(
        o,
        SendOutcome::Delivered {
            provider_message_id: Some("chatcmpl-123".into()),
            hold_for: None,
        }
    );
    server.verify().await;
}

#[tokio::test]
async fn send_tolerates_content_parts_and_odd_bodies() {
    let o = send_against(ResponseTemplate::new(200).set_body_json(json!({
        "id": "gen-9",
        "choices": [{"message": {"role": "assistant", "content": [{"type": "text", "text": "ok"}]}}]
    })))
    .await;
    assert_eq!(
        o,
        SendOutcome::Delivered {
            provider_message_id: Some("gen-9".into()),
            hold_for: None,
        }
    );
    for r in [
        ResponseTemplate::new(200).set_body_string("not json"),
        ResponseTemplate::new(200)
            .set_body_json(json!({"choices": [{"message": {"content": null}}]})),
        ResponseTemplate::new(200).set_body_json(json!([1, 2])),
    ] {
        assert_eq!(
            send_against(r).await,
            SendOutcome::Delivered {
                provider_message_id: None,
                hold_for: None,
            }
        );
    }
}

#[tokio::test]
async fn send_needs_a_model_and_text_and_makes_no_request_without() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let o = provider()
        .send(&ctx(), &config(&base(&server), None), &message())
        .await;
    assert!(
        matches!(&o, SendOutcome::Permanent { kind: PermanentKind::Message, code: Some(c), reason } if c == "missing_model" && reason.contains("defaultModel")),
        "{o:?}"
    );
    let o = provider()
        .send(
            &ctx(),
            &config(&base(&server), Some("openai/gpt-4o-mini")),
            &Message {
                text: Some("  ".into()),
                ..message()
            },
        )
        .await;
    assert!(
        matches!(&o, SendOutcome::Permanent { kind: PermanentKind::Message, code: Some(c), .. } if c == "missing_content"),
        "{o:?}"
    );
    server.verify().await;
}

#[tokio::test]
async fn send_maps_every_answer() {
    // 429: retry after the hint.
    let o = send_against(
        openai_error(429, "rate_limit_error", Some("rate_limit_exceeded"))
            .insert_header("retry-after", "20")
            .insert_header("x-ratelimit-remaining-requests", "0"),
    )
    .await;
    assert!(
        matches!(&o, SendOutcome::Retryable { retry_after: Some(d), reason } if *d == Duration::from_secs(20) && reason.contains("429")),
        "{o:?}"
    );
    // 429 for an exhausted account is not worth retrying.
    let o = send_against(openai_error(
        429,
        "insufficient_quota",
        Some("insufficient_quota"),
    ))
    .await;
    assert!(
        matches!(&o, SendOutcome::Permanent { kind: PermanentKind::Credential, code: Some(c), .. } if c == "insufficient_quota"),
        "{o:?}"
    );
    for status in [500, 502, 503] {
        let o = send_against(ResponseTemplate::new(status).set_body_string(BODY_CANARY)).await;
        assert!(
            matches!(
                &o,
                SendOutcome::Retryable {
                    retry_after: None,
                    ..
                }
            ),
            "{o:?}"
        );
    }
    let cases = [
        (
            openai_error(401, "invalid_request_error", Some("invalid_api_key")),
            PermanentKind::Credential,
            "invalid_api_key",
        ),
        (
            ResponseTemplate::new(401),
            PermanentKind::Credential,
            "invalid_api_key",
        ),
        (
            ResponseTemplate::new(403),
            PermanentKind::Credential,
            "forbidden",
        ),
        (
            ResponseTemplate::new(402),
            PermanentKind::Credential,
            "insufficient_credits",
        ),
        (
            openai_error(404, "invalid_request_error", Some("model_not_found")),
            PermanentKind::Message,
            "model_not_found",
        ),
        (
            ResponseTemplate::new(404),
            PermanentKind::Message,
            "not_found",
        ),
        (
            openai_error(
                400,
                "invalid_request_error",
                Some("context_length_exceeded"),
            ),
            PermanentKind::Message,
            "context_length_exceeded",
        ),
        (
            ResponseTemplate::new(400).set_body_string(BODY_CANARY),
            PermanentKind::Message,
            "invalid_request",
        ),
        (
            ResponseTemplate::new(422),
            PermanentKind::Message,
            "rejected",
        ),
    ];
    for (response, kind, code) in cases {
        let o = send_against(response).await;
        match &o {
            SendOutcome::Permanent {
                kind: k,
                code: Some(c),
                ..
            } => {
                assert_eq!((*k, c.as_str()), (kind, code), "{o:?}");
            }
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn forbidden_base_urls_are_refused() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(models())
        .expect(0)
        .mount(&server)
        .await;
    let guarded = AiGatewayProvider::new(OutboundClient::new(OutboundConfig::default()).unwrap());
    let c = config(&base(&server), Some("openai/gpt-4o-mini"));
    let errors = guarded.validate(&c).unwrap_err();
    assert_eq!(errors.0.len(), 1);
    assert_eq!(errors.0[0].field, "config.baseUrl");
    let t = guarded.test(&ctx(), &c).await;
    assert_eq!(t.code.as_deref(), Some("blocked_address"));
    let o = guarded.send(&ctx(), &c, &message()).await;
    assert!(
        matches!(&o, SendOutcome::Permanent { code: Some(code), .. } if code == "blocked_address"),
        "{o:?}"
    );
    server.verify().await;
    for url in [
        "http://169.254.169.254/v1",
        "http://[::1]/v1",
        "http://10.0.0.2:8080/v1",
    ] {
        assert!(guarded.validate(&config(url, None)).is_err(), "{url}");
    }
    assert!(
        guarded
            .validate(&config("https://api.openai.com/v1", None))
            .is_ok()
    );
}
