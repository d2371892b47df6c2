//! The Resend provider against a wiremock API: the exact requests of a test
//! and a send, stage's test-address rule, and the mapping of every
//! documented answer.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use patchbay_domain::{
    Config, Environment, IntegrationType, Message, PermanentKind, Provider, ProviderContext,
    SecretValue, SendOutcome, TestOutcome, TestStatus,
};
use patchbay_provider_email::{RESEND_API_BASE, ResendProvider};
use patchbay_provider_kit::testing::{client_config, impatient_config};
use patchbay_provider_kit::{OutboundClient, OutboundConfig, Url};
use serde_json::{Value, json};
use wiremock::matchers::{any, body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "re_CANARY_123456789_abcdefghijklmnop";
const BODY_CANARY: &str = "SECRET-BODY-TEXT";

fn provider_with(base: &str, config: OutboundConfig) -> ResendProvider {
    ResendProvider::new(
        OutboundClient::new(config).unwrap(),
        Url::parse(base).unwrap(),
    )
}

fn provider(server: &MockServer) -> ResendProvider {
    provider_with(&server.uri(), client_config())
}

fn config() -> Config {
    let mut c = Config::new();
    c.insert_secret("apiKey", SecretValue::from_json(&json!(KEY)));
    c.insert_plain("from", json!("Patchbay <alerts@mail.example.com>"));
    c
}

fn ctx(environment: Environment, message_id: Option<&str>) -> ProviderContext {
    ProviderContext {
        environment,
        integration_id: None,
        message_id: message_id.map(str::to_string),
    }
}

fn prod() -> ProviderContext {
    ctx(Environment::Production, Some("msg_01HZX"))
}

fn message() -> Message {
    Message {
        subject: Some("Deploy finished".into()),
        text: Some("v1.2.3 is live".into()),
        html: Some("<p>v1.2.3 is live</p>".into()),
        to: vec!["ann@example.com".into(), "Bob <bob@example.com>".into()],
        ..Message::default()
    }
}

fn assert_clean(text: &str) {
    assert!(!text.contains("CANARY"), "the key leaked: {text}");
    assert!(!text.contains(BODY_CANARY), "the body leaked: {text}");
    assert!(!text.contains("127.0.0.1"), "the URL leaked: {text}");
}

fn error_body(status: u16, name: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({
        "statusCode": status,
        "message": format!("{BODY_CANARY} {KEY}"),
        "name": name,
    }))
}

async fn test_against(response: ResponseTemplate) -> TestOutcome {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/domains"))
        .respond_with(response)
        .mount(&server)
        .await;
    let t = provider(&server).test(&prod(), &config()).await;
    assert_clean(&t.message);
    t
}

async fn send_against(response: ResponseTemplate) -> SendOutcome {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/emails"))
        .respond_with(response)
        .mount(&server)
        .await;
    let o = provider(&server).send(&prod(), &config(), &message()).await;
    match &o {
        SendOutcome::Delivered { .. } => {}
        SendOutcome::Retryable { reason, .. } | SendOutcome::Permanent { reason, .. } => {
            assert_clean(reason)
        }
    }
    o
}

fn permanent(o: &SendOutcome) -> (PermanentKind, &str) {
    match o {
        SendOutcome::Permanent {
            kind,
            code: Some(code),
            ..
        } => (*kind, code.as_str()),
        other => panic!("{other:?}"),
    }
}

#[test]
fn constant_and_kind() {
    assert_eq!(RESEND_API_BASE, "https://api.resend.com/");
    let p = provider_with(RESEND_API_BASE, OutboundConfig::default());
    assert_eq!(p.kind(), IntegrationType::Resend);
    assert!(p.validate(&config()).is_ok());
}

#[tokio::test]
async fn test_lists_domains_with_the_bearer_key() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/domains"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "object": "list",
            "data": [
                {"id": "d1", "name": "mail.example.com", "status": "verified"},
                {"id": "d2", "name": "other.example.com", "status": "pending"}
            ]
        })))
        .expect(1)
        .mount(&server)
        .await;
    let t = provider(&server).test(&prod(), &config()).await;
    assert_eq!(t.status, TestStatus::Success, "{t:?}");
    assert!(t.message.contains("full access"), "{}", t.message);
    assert!(t.message.contains("2 domain(s)"), "{}", t.message);
    assert!(t.message.contains("1 verified"), "{}", t.message);
    assert_clean(&t.message);
    server.verify().await;
}

#[tokio::test]
async fn a_sending_only_key_is_valid() {
    let t = test_against(error_body(401, "restricted_api_key")).await;
    assert_eq!(t.status, TestStatus::Success, "{t:?}");
    assert_eq!(t.code.as_deref(), Some("restricted_api_key"));
    assert!(t.message.contains("sending-only"), "{}", t.message);
}

#[tokio::test]
async fn test_maps_missing_and_invalid_keys() {
    let t = test_against(error_body(401, "missing_api_key")).await;
    assert_eq!(t.status, TestStatus::Error);
    assert_eq!(t.code.as_deref(), Some("missing_api_key"));

    let t = test_against(error_body(403, "invalid_api_key")).await;
    assert_eq!(t.status, TestStatus::Error);
    assert_eq!(t.code.as_deref(), Some("invalid_api_key"));
    assert!(t.message.contains("invalid"), "{}", t.message);

    // A 401 without a recognisable name is still a refused key.
    let t = test_against(ResponseTemplate::new(401).set_body_string(BODY_CANARY)).await;
    assert_eq!(t.status, TestStatus::Error);
    assert_eq!(t.code.as_deref(), Some("unauthorized"));
}

#[tokio::test]
async fn test_maps_limits_server_errors_and_malformed_answers() {
    let t = test_against(error_body(429, "rate_limit_exceeded")).await;
    assert_eq!(t.status, TestStatus::Error);
    assert_eq!(t.code.as_deref(), Some("rate_limit_exceeded"));
    let t = test_against(error_body(429, "daily_quota_exceeded")).await;
    assert_eq!(t.code.as_deref(), Some("daily_quota_exceeded"));
    assert!(t.message.contains("daily sending quota"), "{}", t.message);
    let t = test_against(ResponseTemplate::new(502).set_body_string(BODY_CANARY)).await;
    assert_eq!(t.code.as_deref(), Some("server_error"));
    for r in [
        ResponseTemplate::new(200).set_body_string(format!("<html>{BODY_CANARY}")),
        ResponseTemplate::new(200),
    ] {
        let t = test_against(r).await;
        assert_eq!(t.status, TestStatus::Error);
        assert_eq!(t.code.as_deref(), Some("invalid_response"));
    }
}

#[tokio::test]
async fn timeouts_are_clear_errors_and_retryable() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;
    let p = provider_with(&server.uri(), impatient_config());
    let t = p.test(&prod(), &config()).await;
    assert_eq!(t.status, TestStatus::Error);
    assert_eq!(t.code.as_deref(), Some("timeout"));
    assert_eq!(t.message, "Resend did not answer within 300 ms");
    let o = p.send(&prod(), &config(), &message()).await;
    assert_eq!(
        o,
        SendOutcome::Retryable {
            reason: "Resend did not answer within 300 ms".into(),
            retry_after: None
        }
    );
}

#[tokio::test]
async fn send_posts_the_documented_email_with_an_idempotency_key() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/emails"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .and(header("content-type", "application/json"))
        .and(header("idempotency-key", "msg_01HZX"))
        .and(body_json(json!({
            "from": "Patchbay <alerts@mail.example.com>",
            "to": ["ann@example.com", "Bob <bob@example.com>"],
            "subject": "Deploy finished",
            "html": "<p>v1.2.3 is live</p>",
            "text": "v1.2.3 is live"
        })))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"id": "49a3999c-0ce1-4ea6-ab68-afcd6dc2e794"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let o = provider(&server).send(&prod(), &config(), &message()).await;
    assert_eq!(
        o,
        SendOutcome::Delivered {
            provider_message_id: Some("49a3999c-0ce1-4ea6-ab68-afcd6dc2e794".into()),
            hold_for: None,
        }
    );
    server.verify().await;
}

#[tokio::test]
async fn no_idempotency_key_without_a_usable_message_id() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/emails"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "e1"})))
        .mount(&server)
        .await;
    let p = provider(&server);
    let long = "m".repeat(257);
    let exact = "k".repeat(256);
    for id in [None, Some(long.as_str()), Some(exact.as_str())] {
        let m = Message {
            text: None,
            ..message()
        };
        let o = p
            .send(&ctx(Environment::Production, id), &config(), &m)
            .await;
        assert!(matches!(o, SendOutcome::Delivered { .. }), "{o:?}");
    }
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 3);
    assert!(reqs[0].headers.get("idempotency-key").is_none());
    assert!(reqs[1].headers.get("idempotency-key").is_none());
    assert_eq!(
        reqs[2].headers.get("idempotency-key").unwrap(),
        exact.as_str()
    );
    let body: Value = serde_json::from_slice(&reqs[0].body).unwrap();
    assert!(body.get("text").is_none());
}

#[tokio::test]
async fn stage_refuses_real_recipients_without_a_request() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "e1"})))
        .expect(0)
        .mount(&server)
        .await;
    let m = Message {
        to: vec!["delivered@resend.dev".into(), "ceo@example.com".into()],
        ..message()
    };
    let o = provider(&server)
        .send(&ctx(Environment::Stage, Some("m1")), &config(), &m)
        .await;
    let SendOutcome::Permanent { reason, kind, code } = &o else {
        panic!("{o:?}");
    };
    assert_eq!(*kind, PermanentKind::Message);
    assert_eq!(code.as_deref(), Some("stage_recipient_not_allowed"));
    assert!(reason.contains("stage"), "{reason}");
    assert!(reason.contains("delivered@resend.dev"), "{reason}");
    assert!(reason.contains("nothing was sent"), "{reason}");
    server.verify().await;
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn stage_sends_to_resend_test_addresses() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/emails"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "e-stage"})))
        .expect(1)
        .mount(&server)
        .await;
    let m = Message {
        to: vec![
            "delivered@resend.dev".into(),
            "QA <bounced+run7@resend.dev>".into(),
        ],
        ..message()
    };
    let o = provider(&server)
        .send(&ctx(Environment::Stage, Some("m1")), &config(), &m)
        .await;
    assert_eq!(
        o,
        SendOutcome::Delivered {
            provider_message_id: Some("e-stage".into()),
            hold_for: None,
        }
    );
    server.verify().await;
}

#[tokio::test]
async fn send_refuses_incomplete_messages_without_a_request() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let p = provider(&server);
    let max = IntegrationType::Resend
        .spec()
        .limits
        .max_recipients
        .unwrap();
    let many: Vec<String> = (0..=max).map(|i| format!("u{i}@example.com")).collect();
    let cases = [
        (
            Message {
                to: vec![],
                ..message()
            },
            "missing_recipient",
        ),
        (
            Message {
                to: many,
                ..message()
            },
            "too_many_recipients",
        ),
        (
            Message {
                to: vec!["nobody".into()],
                ..message()
            },
            "invalid_recipient",
        ),
        (
            Message {
                subject: None,
                ..message()
            },
            "missing_subject",
        ),
        (
            Message {
                text: None,
                html: Some(String::new()),
                ..message()
            },
            "missing_content",
        ),
    ];
    for (m, code) in cases {
        let o = p.send(&prod(), &config(), &m).await;
        assert_eq!(permanent(&o), (PermanentKind::Message, code));
    }
    server.verify().await;
}

#[tokio::test]
async fn rate_limit_retries_after_the_hint_and_quota_stops() {
    let o = send_against(error_body(429, "rate_limit_exceeded").insert_header("retry-after", "12"))
        .await;
    let SendOutcome::Retryable {
        retry_after,
        reason,
    } = &o
    else {
        panic!("{o:?}");
    };
    assert_eq!(*retry_after, Some(Duration::from_secs(12)));
    assert!(reason.contains("429"), "{reason}");

    for quota in ["daily_quota_exceeded", "monthly_quota_exceeded"] {
        let o = send_against(error_body(429, quota).insert_header("retry-after", "1")).await;
        assert_eq!(permanent(&o), (PermanentKind::Credential, quota));
    }
}

#[tokio::test]
async fn refusals_are_permanent_with_the_provider_code() {
    let cases = [
        (
            error_body(403, "invalid_api_key"),
            PermanentKind::Credential,
            "invalid_api_key",
        ),
        (
            error_body(401, "missing_api_key"),
            PermanentKind::Credential,
            "missing_api_key",
        ),
        (
            error_body(403, "validation_error"),
            PermanentKind::Message,
            "validation_error",
        ),
        (
            error_body(400, "validation_error"),
            PermanentKind::Message,
            "validation_error",
        ),
        (
            error_body(422, "invalid_from_address"),
            PermanentKind::Message,
            "invalid_from_address",
        ),
        (
            error_body(422, "missing_required_field"),
            PermanentKind::Message,
            "missing_required_field",
        ),
        (
            error_body(409, "invalid_idempotent_request"),
            PermanentKind::Message,
            "invalid_idempotent_request",
        ),
        (
            ResponseTemplate::new(422).set_body_string(BODY_CANARY),
            PermanentKind::Message,
            "validation_error",
        ),
        (
            ResponseTemplate::new(409),
            PermanentKind::Message,
            "idempotency_conflict",
        ),
        (
            ResponseTemplate::new(403),
            PermanentKind::Message,
            "forbidden",
        ),
    ];
    for (response, kind, code) in cases {
        let o = send_against(response).await;
        assert_eq!(permanent(&o), (kind, code), "{o:?}");
    }
    let o = send_against(error_body(403, "validation_error")).await;
    assert!(
        matches!(&o, SendOutcome::Permanent { reason, .. } if reason.contains("not verified")),
        "{o:?}"
    );
}

#[tokio::test]
async fn server_errors_and_concurrent_attempts_are_retryable() {
    for status in [500, 502, 503] {
        let o = send_against(ResponseTemplate::new(status).set_body_string(BODY_CANARY)).await;
        assert!(
            matches!(&o, SendOutcome::Retryable { reason, retry_after: None } if reason.contains(&status.to_string())),
            "{o:?}"
        );
    }
    let o = send_against(error_body(409, "concurrent_idempotent_requests")).await;
    assert!(matches!(o, SendOutcome::Retryable { .. }), "{o:?}");
}

#[tokio::test]
async fn accepted_with_a_malformed_body_is_delivered_without_an_id() {
    for r in [
        ResponseTemplate::new(200).set_body_string("not json"),
        ResponseTemplate::new(200).set_body_json(json!({"id": 5})),
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
