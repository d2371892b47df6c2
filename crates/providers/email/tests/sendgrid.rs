//! The SendGrid provider against a wiremock API: the exact requests of a
//! test and a send, and the mapping of every documented answer.

#![allow(clippy::unwrap_used)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use patchbay_domain::{
    Config, Environment, IntegrationType, Message, PermanentKind, Provider, ProviderContext,
    SecretValue, SendOutcome, TestOutcome, TestStatus,
};
use patchbay_provider_email::{
    MAX_IDEMPOTENCY_KEY_LEN, SENDGRID_EU_BASE, SENDGRID_GLOBAL_BASE, SendgridProvider,
};
use patchbay_provider_kit::testing::{client_config, closed_port, impatient_config};
use patchbay_provider_kit::{MAX_RETRY_AFTER, OutboundClient, OutboundConfig, Url};
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A key that must never appear in an outcome.
const KEY: &str = "SG.CANARYkey0123456789abcd.CANARYsecret0123456789abcdefghijklmnopqrstu";
const BODY_CANARY: &str = "SECRET-BODY-TEXT";

fn provider_at(global: &str, eu: &str, config: OutboundConfig) -> SendgridProvider {
    SendgridProvider::new(
        OutboundClient::new(config).unwrap(),
        Url::parse(global).unwrap(),
        Url::parse(eu).unwrap(),
    )
}

fn provider(server: &MockServer) -> SendgridProvider {
    provider_at(&server.uri(), SENDGRID_EU_BASE, client_config())
}

fn config() -> Config {
    let mut c = Config::new();
    c.insert_secret("apiKey", SecretValue::from_json(&json!(KEY)));
    c.insert_plain("fromEmail", json!("alerts@example.com"));
    c.insert_plain("fromName", json!("Patchbay Alerts"));
    c
}

fn ctx(environment: Environment) -> ProviderContext {
    ProviderContext {
        environment,
        integration_id: None,
        message_id: Some("msg_1".into()),
    }
}

fn message() -> Message {
    Message {
        subject: Some("Deploy finished".into()),
        text: Some("v1.2.3 is live".into()),
        html: Some("<p>v1.2.3 is live</p>".into()),
        to: vec!["Ann Lee <ann@example.com>".into(), "bob@example.com".into()],
        ..Message::default()
    }
}

fn assert_clean(text: &str) {
    assert!(!text.contains("CANARY"), "the key leaked: {text}");
    assert!(!text.contains(BODY_CANARY), "the body leaked: {text}");
    assert!(!text.contains("127.0.0.1"), "the URL leaked: {text}");
}

fn assert_test_clean(t: &TestOutcome) {
    assert_clean(&t.message);
}

fn assert_send_clean(o: &SendOutcome) {
    match o {
        SendOutcome::Delivered { .. } => {}
        SendOutcome::Retryable { reason, .. } | SendOutcome::Permanent { reason, .. } => {
            assert_clean(reason)
        }
    }
}

async fn test_against(response: ResponseTemplate) -> TestOutcome {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v3/scopes"))
        .respond_with(response)
        .mount(&server)
        .await;
    let t = provider(&server)
        .test(&ctx(Environment::Production), &config())
        .await;
    assert_test_clean(&t);
    t
}

async fn send_against(response: ResponseTemplate) -> SendOutcome {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v3/mail/send"))
        .respond_with(response)
        .mount(&server)
        .await;
    let o = provider(&server)
        .send(&ctx(Environment::Production), &config(), &message())
        .await;
    assert_send_clean(&o);
    o
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[test]
fn constants_and_kind() {
    assert_eq!(SENDGRID_GLOBAL_BASE, "https://api.sendgrid.com/");
    assert_eq!(SENDGRID_EU_BASE, "https://api.eu.sendgrid.com/");
    assert_eq!(MAX_IDEMPOTENCY_KEY_LEN, 256);
    let p = provider_at(
        SENDGRID_GLOBAL_BASE,
        SENDGRID_EU_BASE,
        OutboundConfig::default(),
    );
    assert_eq!(p.kind(), IntegrationType::Sendgrid);
    assert!(p.validate(&config()).is_ok());
}

#[tokio::test]
async fn test_reads_scopes_with_the_bearer_key() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v3/scopes"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!({"scopes": ["alerts.read", "mail.send", "user.profile.read"]}),
            ),
        )
        .expect(1)
        .mount(&server)
        .await;
    let t = provider(&server)
        .test(&ctx(Environment::Production), &config())
        .await;
    assert_eq!(t.status, TestStatus::Success, "{t:?}");
    assert!(t.message.contains("mail.send"), "{}", t.message);
    assert_eq!(t.code, None);
    assert_test_clean(&t);
    let reqs = server.received_requests().await.unwrap();
    assert!(reqs[0].body.is_empty());
    server.verify().await;
}

#[tokio::test]
async fn test_reports_a_key_without_mail_send() {
    let t = test_against(
        ResponseTemplate::new(200).set_body_json(json!({"scopes": ["alerts.read", "stats.read"]})),
    )
    .await;
    assert_eq!(t.status, TestStatus::Error);
    assert_eq!(t.code.as_deref(), Some("missing_scope"));
    assert!(
        t.message.contains("lacks the mail.send scope"),
        "{}",
        t.message
    );
}

#[tokio::test]
async fn test_maps_bad_and_forbidden_keys() {
    let t = test_against(ResponseTemplate::new(401).set_body_json(
        json!({"errors": [{"message": format!("authorization required {BODY_CANARY}")}]}),
    ))
    .await;
    assert_eq!(t.status, TestStatus::Error);
    assert_eq!(t.code.as_deref(), Some("invalid_api_key"));
    assert!(t.message.contains("401 Unauthorized"), "{}", t.message);
    assert!(t.message.contains("revoked"), "{}", t.message);

    let t = test_against(ResponseTemplate::new(403).set_body_string(BODY_CANARY)).await;
    assert_eq!(t.status, TestStatus::Error);
    assert_eq!(t.code.as_deref(), Some("forbidden"));
    assert!(t.message.contains("403 Forbidden"), "{}", t.message);
}

#[tokio::test]
async fn test_maps_rate_limits_and_server_errors() {
    let reset = now_secs() + 20;
    let t = test_against(
        ResponseTemplate::new(429).insert_header("x-ratelimit-reset", reset.to_string().as_str()),
    )
    .await;
    assert_eq!(t.code.as_deref(), Some("rate_limited"));
    assert!(t.message.contains("resets in"), "{}", t.message);
    for status in [500, 503] {
        let t = test_against(ResponseTemplate::new(status).set_body_string(BODY_CANARY)).await;
        assert_eq!(t.status, TestStatus::Error);
        assert_eq!(t.code.as_deref(), Some("server_error"));
        assert!(t.message.contains(&status.to_string()));
    }
}

#[tokio::test]
async fn test_survives_a_malformed_answer() {
    for body in [
        ResponseTemplate::new(200).set_body_string(format!("<html>{BODY_CANARY}</html>")),
        ResponseTemplate::new(200).set_body_json(json!({"scopes": "mail.send"})),
        ResponseTemplate::new(200),
    ] {
        let t = test_against(body).await;
        assert_eq!(t.status, TestStatus::Error);
        assert_eq!(t.code.as_deref(), Some("invalid_response"));
        assert!(
            t.message.contains("expected list of scopes"),
            "{}",
            t.message
        );
    }
}

#[tokio::test]
async fn test_times_out_clearly() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(202).set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;
    let p = provider_at(&server.uri(), SENDGRID_EU_BASE, impatient_config());
    let t = p.test(&ctx(Environment::Production), &config()).await;
    assert_eq!(t.status, TestStatus::Error);
    assert_eq!(t.code.as_deref(), Some("timeout"));
    assert_eq!(t.message, "SendGrid did not answer within 300 ms");
    let o = p
        .send(&ctx(Environment::Production), &config(), &message())
        .await;
    assert_eq!(
        o,
        SendOutcome::Retryable {
            reason: "SendGrid did not answer within 300 ms".into(),
            retry_after: None
        }
    );
}

#[tokio::test]
async fn region_eu_uses_the_eu_base() {
    let global = MockServer::start().await;
    let eu = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"scopes": ["mail.send"]})))
        .expect(0)
        .mount(&global)
        .await;
    Mock::given(method("GET"))
        .and(path("/v3/scopes"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"scopes": ["mail.send"]})))
        .expect(1)
        .mount(&eu)
        .await;
    let p = provider_at(&global.uri(), &eu.uri(), client_config());
    let mut c = config();
    c.insert_plain("region", json!("eu"));
    let t = p.test(&ctx(Environment::Production), &c).await;
    assert_eq!(t.status, TestStatus::Success, "{t:?}");
    assert!(t.message.contains("EU region"), "{}", t.message);
    global.verify().await;
    eu.verify().await;
}

#[tokio::test]
async fn send_posts_the_documented_mail_in_production() {
    let server = MockServer::start().await;
    let expected = json!({
        "personalizations": [{
            "to": [
                {"email": "ann@example.com", "name": "Ann Lee"},
                {"email": "bob@example.com"}
            ],
            "subject": "Deploy finished"
        }],
        "from": {"email": "alerts@example.com", "name": "Patchbay Alerts"},
        "subject": "Deploy finished",
        "content": [
            {"type": "text/plain", "value": "v1.2.3 is live"},
            {"type": "text/html", "value": "<p>v1.2.3 is live</p>"}
        ]
    });
    Mock::given(method("POST"))
        .and(path("/v3/mail/send"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .and(header("content-type", "application/json"))
        .and(body_json(&expected))
        .respond_with(ResponseTemplate::new(202).insert_header("x-message-id", "sg-msg-42"))
        .expect(1)
        .mount(&server)
        .await;
    let o = provider(&server)
        .send(&ctx(Environment::Production), &config(), &message())
        .await;
    assert_eq!(
        o,
        SendOutcome::Delivered {
            provider_message_id: Some("sg-msg-42".into()),
            hold_for: None,
        }
    );
    let reqs = server.received_requests().await.unwrap();
    let body: Value = serde_json::from_slice(&reqs[0].body).unwrap();
    assert!(body.get("mail_settings").is_none());
    server.verify().await;
}

#[tokio::test]
async fn send_in_stage_uses_sandbox_mode() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v3/mail/send"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let m = Message {
        html: None,
        to: vec!["ann@example.com".into(), "ANN@example.com".into()],
        ..message()
    };
    let o = provider(&server)
        .send(&ctx(Environment::Stage), &config(), &m)
        .await;
    assert_eq!(
        o,
        SendOutcome::Delivered {
            provider_message_id: None,
            hold_for: None,
        }
    );
    let reqs = server.received_requests().await.unwrap();
    let body: Value = serde_json::from_slice(&reqs[0].body).unwrap();
    assert_eq!(body["mail_settings"]["sandbox_mode"]["enable"], json!(true));
    // text only; the duplicate address is sent once.
    assert_eq!(
        body["content"],
        json!([{"type": "text/plain", "value": "v1.2.3 is live"}])
    );
    assert_eq!(
        body["personalizations"][0]["to"],
        json!([{"email": "ann@example.com"}])
    );
    server.verify().await;
}

#[tokio::test]
async fn send_refuses_incomplete_messages_without_a_request() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(202))
        .expect(0)
        .mount(&server)
        .await;
    let p = provider(&server);
    let max = IntegrationType::Sendgrid
        .spec()
        .limits
        .max_recipients
        .unwrap();
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
                to: (0..=max).map(|i| format!("u{i}@example.com")).collect(),
                ..message()
            },
            "too_many_recipients",
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
                subject: Some("  ".into()),
                ..message()
            },
            "missing_subject",
        ),
        (
            Message {
                text: None,
                html: None,
                ..message()
            },
            "missing_content",
        ),
        (
            Message {
                to: vec!["not an address".into()],
                ..message()
            },
            "invalid_recipient",
        ),
    ];
    for (m, code) in cases {
        let o = p.send(&ctx(Environment::Production), &config(), &m).await;
        let SendOutcome::Permanent {
            kind,
            code: Some(c),
            ..
        } = &o
        else {
            panic!("{o:?}");
        };
        assert_eq!(*kind, PermanentKind::Message);
        assert_eq!(c, code);
    }
    server.verify().await;
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn rate_limit_waits_until_the_reset_epoch() {
    let reset = now_secs() + 30;
    let o = send_against(
        ResponseTemplate::new(429)
            .insert_header("x-ratelimit-limit", "600")
            .insert_header("x-ratelimit-remaining", "0")
            .insert_header("x-ratelimit-reset", reset.to_string().as_str())
            .set_body_json(json!({"errors": [{"message": "too many requests"}]})),
    )
    .await;
    let SendOutcome::Retryable {
        retry_after: Some(d),
        reason,
    } = o
    else {
        panic!("{o:?}");
    };
    assert!(
        d >= Duration::from_secs(29) && d <= Duration::from_secs(31),
        "{d:?}"
    );
    assert!(reason.contains("429"), "{reason}");

    // A reset far away is capped.
    let far = now_secs() + 10 * 24 * 3600;
    let o = send_against(
        ResponseTemplate::new(429).insert_header("x-ratelimit-reset", far.to_string().as_str()),
    )
    .await;
    assert!(matches!(
        o,
        SendOutcome::Retryable {
            retry_after: Some(d),
            ..
        } if d == MAX_RETRY_AFTER
    ));
    // No hint at all: retryable, no time.
    let o = send_against(ResponseTemplate::new(429)).await;
    assert!(matches!(
        o,
        SendOutcome::Retryable {
            retry_after: None,
            ..
        }
    ));
}

#[tokio::test]
async fn credential_failures_are_permanent() {
    let o = send_against(ResponseTemplate::new(401).set_body_json(
        json!({"errors": [{"message": format!("authorization required {BODY_CANARY}")}]}),
    ))
    .await;
    assert!(
        matches!(&o, SendOutcome::Permanent { kind: PermanentKind::Credential, code: Some(c), .. } if c == "invalid_api_key"),
        "{o:?}"
    );
    let o = send_against(ResponseTemplate::new(403).set_body_json(json!({"errors": [{
        "message": format!("The from address does not match a verified Sender Identity {BODY_CANARY}"),
        "field": "from",
        "help": "https://sendgrid.com/docs/for-developers/sending-email/sender-identity/"
    }]})))
    .await;
    let SendOutcome::Permanent { reason, kind, code } = o else {
        panic!("{o:?}");
    };
    assert_eq!(kind, PermanentKind::Credential);
    assert_eq!(code.as_deref(), Some("forbidden"));
    assert!(reason.contains("verified Sender Identity"), "{reason}");
    let o = send_against(ResponseTemplate::new(403)).await;
    assert!(matches!(
        o,
        SendOutcome::Permanent {
            kind: PermanentKind::Credential,
            ..
        }
    ));
}

#[tokio::test]
async fn bad_request_names_the_fields_never_the_body() {
    let o = send_against(ResponseTemplate::new(400).set_body_json(json!({"errors": [
        {"message": format!("Does not contain a valid address {BODY_CANARY}"), "field": "personalizations.0.to.0.email", "help": null},
        {"message": BODY_CANARY, "field": "from.email"},
        {"message": BODY_CANARY, "field": format!("weird field {BODY_CANARY}")}
    ]})))
    .await;
    let SendOutcome::Permanent { reason, kind, code } = o else {
        panic!("{o:?}");
    };
    assert_eq!(kind, PermanentKind::Message);
    assert_eq!(code.as_deref(), Some("invalid_message"));
    assert!(reason.contains("400 Bad Request"), "{reason}");
    assert!(reason.contains("personalizations.0.to.0.email"), "{reason}");
    assert!(reason.contains("from.email"), "{reason}");

    // Malformed error bodies: still a clear permanent failure.
    for r in [
        ResponseTemplate::new(400).set_body_string(BODY_CANARY),
        ResponseTemplate::new(400).set_body_json(json!({"errors": "nope"})),
        ResponseTemplate::new(413),
    ] {
        let o = send_against(r).await;
        assert!(
            matches!(
                o,
                SendOutcome::Permanent {
                    kind: PermanentKind::Message,
                    ..
                }
            ),
            "{o:?}"
        );
    }
}

#[tokio::test]
async fn server_errors_are_retryable() {
    for status in [500, 502, 503, 504] {
        let o = send_against(ResponseTemplate::new(status).set_body_string(BODY_CANARY)).await;
        let SendOutcome::Retryable {
            reason,
            retry_after,
        } = o
        else {
            panic!("{status}: {o:?}");
        };
        assert_eq!(retry_after, None);
        assert!(reason.contains(&status.to_string()), "{reason}");
    }
    let o = send_against(ResponseTemplate::new(503).insert_header("retry-after", "9")).await;
    assert!(matches!(
        o,
        SendOutcome::Retryable {
            retry_after: Some(d),
            ..
        } if d == Duration::from_secs(9)
    ));
}

#[tokio::test]
async fn accepted_with_a_garbage_body_is_still_delivered() {
    let o = send_against(
        ResponseTemplate::new(202)
            .insert_header("x-message-id", "id-1")
            .set_body_string("{not json"),
    )
    .await;
    assert_eq!(
        o,
        SendOutcome::Delivered {
            provider_message_id: Some("id-1".into()),
            hold_for: None,
        }
    );
}

#[tokio::test]
async fn transport_failures() {
    // Connection refused: retryable.
    let port = closed_port();
    let p = provider_at(
        &format!("http://127.0.0.1:{port}/"),
        SENDGRID_EU_BASE,
        client_config(),
    );
    let o = p
        .send(&ctx(Environment::Production), &config(), &message())
        .await;
    assert_send_clean(&o);
    assert!(
        matches!(&o, SendOutcome::Retryable { reason, .. } if reason.contains("connection refused")),
        "{o:?}"
    );
    let t = p.test(&ctx(Environment::Production), &config()).await;
    assert_eq!(t.code.as_deref(), Some("connect_failed"));
    assert_test_clean(&t);

    // A redirect is not followed.
    let o = send_against(
        ResponseTemplate::new(302).insert_header("location", "http://127.0.0.1:1/elsewhere"),
    )
    .await;
    assert!(
        matches!(&o, SendOutcome::Permanent { code: Some(c), .. } if c == "redirect"),
        "{o:?}"
    );

    // The guard: without the allow-list, loopback is refused.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(202))
        .expect(0)
        .mount(&server)
        .await;
    let guarded = provider_at(&server.uri(), SENDGRID_EU_BASE, OutboundConfig::default());
    let o = guarded
        .send(&ctx(Environment::Production), &config(), &message())
        .await;
    assert!(
        matches!(&o, SendOutcome::Permanent { code: Some(c), .. } if c == "blocked_address"),
        "{o:?}"
    );
    server.verify().await;
}
