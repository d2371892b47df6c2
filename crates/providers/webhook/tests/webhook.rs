//! The webhook provider against a wiremock receiver: the exact request, the
//! signature a receiver verifies, and the mapping of every answer.

#![allow(clippy::unwrap_used)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use patchbay_domain::{
    Config, Environment, IntegrationType, Message, PermanentKind, Provider, ProviderContext,
    SecretValue, SendOutcome, TestStatus,
};
use patchbay_provider_kit::testing::{client_config, closed_port, impatient_config};
use patchbay_provider_kit::{OutboundClient, OutboundConfig};
use patchbay_provider_webhook::WebhookProvider;
use serde_json::{Value, json};
use sha2::Sha256;
use wiremock::matchers::{header, header_exists, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

fn provider() -> WebhookProvider {
    WebhookProvider::new(OutboundClient::new(client_config()).unwrap())
}

fn provider_with(config: OutboundConfig) -> WebhookProvider {
    WebhookProvider::new(OutboundClient::new(config).unwrap())
}

fn webhook_config(url: &str) -> Config {
    let mut c = Config::new();
    c.insert_secret("url", SecretValue::from_json(&json!(url)));
    c.insert_secret("signingSecret", SecretValue::from_json(&json!(SECRET)));
    c
}

fn ctx(message_id: Option<&str>) -> ProviderContext {
    ProviderContext {
        environment: Environment::Production,
        integration_id: None,
        message_id: message_id.map(str::to_string),
    }
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Verify a received request's Standard Webhooks signature independently of
/// the crate's own code: HMAC-SHA256 keyed with the decoded secret bytes.
fn assert_signed(req: &Request, secret: &str) {
    let id = req.headers.get("webhook-id").unwrap().to_str().unwrap();
    let ts = req
        .headers
        .get("webhook-timestamp")
        .unwrap()
        .to_str()
        .unwrap();
    let sigs = req
        .headers
        .get("webhook-signature")
        .unwrap()
        .to_str()
        .unwrap();
    let ts_num: i64 = ts.parse().expect("integer unix seconds");
    assert!(
        (now_secs() - ts_num).abs() <= 5,
        "timestamp {ts} is not now"
    );
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{ts}.").as_bytes());
    mac.update(&req.body);
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    assert!(
        sigs.split(' ').any(|s| s == expected),
        "signature {sigs} does not verify (expected {expected})"
    );
}

fn body(req: &Request) -> Value {
    serde_json::from_slice(&req.body).unwrap()
}

fn assert_iso_timestamp(v: &Value) {
    let s = v.as_str().expect("timestamp is a string");
    let t = chrono::DateTime::parse_from_rfc3339(s).expect("ISO-8601 timestamp");
    assert!((now_secs() - t.timestamp()).abs() <= 5);
}

#[tokio::test]
async fn test_delivers_a_signed_integration_test_event() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hooks/in"))
        .and(header("content-type", "application/json"))
        .and(header("x-api-key", "key-1"))
        .and(header_exists("webhook-id"))
        .and(header_exists("webhook-timestamp"))
        .and(header_exists("webhook-signature"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let mut config = webhook_config(&format!("{}/hooks/in", server.uri()));
    config.insert_secret(
        "headers",
        SecretValue::from_json(&json!({"X-Api-Key": "key-1"})),
    );
    let outcome = provider().test(&ctx(None), &config).await;
    assert_eq!(outcome.status, TestStatus::Success, "{outcome:?}");
    assert!(outcome.message.contains("204"), "{}", outcome.message);

    let reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 1);
    let req = &reqs[0];
    assert_signed(req, SECRET);
    let id = req.headers.get("webhook-id").unwrap().to_str().unwrap();
    assert!(id.starts_with("msg_"), "{id}");
    let b = body(req);
    assert_eq!(b["type"], "integration.test");
    assert_iso_timestamp(&b["timestamp"]);
    assert!(b["data"].is_object());
    assert_eq!(b.as_object().unwrap().len(), 3);
    server.verify().await;
}

#[tokio::test]
async fn send_uses_the_configured_method_headers_and_body() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/orders/hook"))
        .and(header("content-type", "application/json"))
        .and(header("authorization", "Bearer receiver-token"))
        .and(header("x-tenant", "acme"))
        .and(header("webhook-id", "msg_delivery_1"))
        .respond_with(ResponseTemplate::new(200).set_body_string("thanks"))
        .expect(1)
        .mount(&server)
        .await;
    let mut config = webhook_config(&format!("{}/orders/hook?src=patchbay", server.uri()));
    config.insert_plain("method", json!("PUT"));
    config.insert_secret(
        "headers",
        SecretValue::from_json(
            &json!({"Authorization": "Bearer receiver-token", "X-Tenant": "acme"}),
        ),
    );
    let message = Message {
        event_type: Some("order.created".into()),
        data: Some(json!({"orderId": 42, "total": "9.99"})),
        text: Some("ignored when data is given".into()),
        ..Message::default()
    };
    let outcome = provider()
        .send(&ctx(Some("msg_delivery_1")), &config, &message)
        .await;
    assert_eq!(
        outcome,
        SendOutcome::Delivered {
            provider_message_id: Some("msg_delivery_1".into()),
            hold_for: None,
        }
    );
    let reqs = server.received_requests().await.unwrap();
    let req = &reqs[0];
    assert_eq!(req.url.query(), Some("src=patchbay"));
    assert_signed(req, SECRET);
    let b = body(req);
    assert_eq!(b["type"], "order.created");
    assert_eq!(b["data"], json!({"orderId": 42, "total": "9.99"}));
    assert_iso_timestamp(&b["timestamp"]);
    assert_eq!(b.as_object().unwrap().len(), 3);
    server.verify().await;
}

#[tokio::test]
async fn send_without_data_carries_subject_and_text_and_a_fresh_id() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(202))
        .mount(&server)
        .await;
    let config = webhook_config(&server.uri());
    let message = Message {
        subject: Some("Deploy finished".into()),
        text: Some("v1.2.3 is live".into()),
        ..Message::default()
    };
    let outcome = provider().send(&ctx(None), &config, &message).await;
    let SendOutcome::Delivered {
        provider_message_id: Some(id),
        hold_for: None,
    } = outcome
    else {
        panic!("{outcome:?}");
    };
    let reqs = server.received_requests().await.unwrap();
    let req = &reqs[0];
    assert_eq!(req.method.as_str(), "POST");
    assert_eq!(req.headers.get("webhook-id").unwrap().to_str().unwrap(), id);
    assert!(id.starts_with("msg_"));
    let b = body(req);
    assert_eq!(b["type"], "message");
    assert_eq!(
        b["data"],
        json!({"subject": "Deploy finished", "text": "v1.2.3 is live"})
    );
}

#[tokio::test]
async fn retries_of_one_delivery_keep_the_webhook_id() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let config = webhook_config(&server.uri());
    let p = provider();
    let c = ctx(Some("msg_same"));
    for _ in 0..2 {
        let o = p.send(&c, &config, &Message::default()).await;
        assert!(matches!(o, SendOutcome::Retryable { .. }), "{o:?}");
    }
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 2);
    for r in &reqs {
        assert_eq!(r.headers.get("webhook-id").unwrap(), "msg_same");
        assert_signed(r, SECRET);
    }
}

/// Send once against a receiver answering `response`.
async fn send_against(response: ResponseTemplate) -> SendOutcome {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(response)
        .mount(&server)
        .await;
    provider()
        .send(
            &ctx(Some("msg_x")),
            &webhook_config(&server.uri()),
            &Message::default(),
        )
        .await
}

#[tokio::test]
async fn every_2xx_is_delivered() {
    for status in [200, 201, 202, 204] {
        assert_eq!(
            send_against(ResponseTemplate::new(status)).await,
            SendOutcome::Delivered {
                provider_message_id: Some("msg_x".into()),
                hold_for: None,
            },
            "{status}"
        );
    }
}

#[tokio::test]
async fn gone_410_is_permanent() {
    let o = send_against(ResponseTemplate::new(410).set_body_string("SECRET-BODY")).await;
    let SendOutcome::Permanent { reason, kind, .. } = o else {
        panic!("{o:?}");
    };
    assert_eq!(kind, PermanentKind::Gone);
    assert!(reason.contains("410"));
    assert!(!reason.contains("SECRET-BODY"));
}

#[tokio::test]
async fn rate_limit_honours_retry_after_seconds() {
    let o = send_against(ResponseTemplate::new(429).insert_header("retry-after", "7")).await;
    let SendOutcome::Retryable {
        retry_after,
        reason,
    } = o
    else {
        panic!("{o:?}");
    };
    assert_eq!(retry_after, Some(Duration::from_secs(7)));
    assert!(reason.contains("429"));
}

#[tokio::test]
async fn rate_limit_honours_retry_after_http_date() {
    let at = chrono::Utc::now() + chrono::Duration::seconds(120);
    let date = at.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
    let o =
        send_against(ResponseTemplate::new(429).insert_header("retry-after", date.as_str())).await;
    let SendOutcome::Retryable {
        retry_after: Some(d),
        ..
    } = o
    else {
        panic!("{o:?}");
    };
    assert!(
        d > Duration::from_secs(110) && d <= Duration::from_secs(120),
        "{d:?}"
    );
}

#[tokio::test]
async fn server_errors_are_retryable() {
    for status in [500, 502, 503, 504] {
        let o = send_against(ResponseTemplate::new(status).set_body_string("SECRET-BODY")).await;
        let SendOutcome::Retryable {
            reason,
            retry_after,
        } = o
        else {
            panic!("{status}: {o:?}");
        };
        assert_eq!(retry_after, None);
        assert!(reason.contains(&status.to_string()));
        assert!(!reason.contains("SECRET-BODY"));
    }
    let o = send_against(ResponseTemplate::new(503).insert_header("retry-after", "30")).await;
    assert_eq!(
        o,
        SendOutcome::Retryable {
            reason: "the endpoint failed with a server error (503 Service Unavailable)".into(),
            retry_after: Some(Duration::from_secs(30)),
        }
    );
    // Junk hints are ignored.
    let o = send_against(ResponseTemplate::new(503).insert_header("retry-after", "soon")).await;
    assert!(matches!(
        o,
        SendOutcome::Retryable {
            retry_after: None,
            ..
        }
    ));
}

#[tokio::test]
async fn other_client_errors_are_permanent() {
    let o = send_against(ResponseTemplate::new(400)).await;
    assert!(matches!(
        o,
        SendOutcome::Permanent {
            kind: PermanentKind::Message,
            ..
        }
    ));
    for status in [401, 403] {
        let o = send_against(ResponseTemplate::new(status)).await;
        assert!(
            matches!(
                o,
                SendOutcome::Permanent {
                    kind: PermanentKind::Credential,
                    ..
                }
            ),
            "{o:?}"
        );
    }
}

#[tokio::test]
async fn redirect_is_a_permanent_failure_and_is_not_followed() {
    let target = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&target)
        .await;
    for status in [301, 302, 307, 308] {
        let o = send_against(
            ResponseTemplate::new(status)
                .insert_header("location", format!("{}/moved", target.uri()).as_str()),
        )
        .await;
        let SendOutcome::Permanent { reason, kind, code } = o else {
            panic!("{o:?}");
        };
        assert_eq!(kind, PermanentKind::Gone);
        assert_eq!(code.as_deref(), Some("redirect"));
        assert!(reason.contains("redirect"), "{reason}");
        assert!(!reason.contains("/moved"), "{reason}");
    }
    target.verify().await;
    assert!(target.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn timeout_is_retryable() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;
    let p = provider_with(impatient_config());
    let config = webhook_config(&server.uri());
    let o = p.send(&ctx(None), &config, &Message::default()).await;
    assert_eq!(
        o,
        SendOutcome::Retryable {
            reason: "the endpoint did not answer within 300 ms".into(),
            retry_after: None,
        }
    );
    let t = p.test(&ctx(None), &config).await;
    assert_eq!(t.status, TestStatus::Error);
    assert_eq!(t.message, "the endpoint did not answer within 300 ms");
    assert_eq!(t.code.as_deref(), Some("timeout"));
}

#[tokio::test]
async fn connection_refused_is_retryable() {
    let port = closed_port();
    let config = webhook_config(&format!("http://127.0.0.1:{port}/hook/SECRET-PATH"));
    let o = provider()
        .send(&ctx(None), &config, &Message::default())
        .await;
    let SendOutcome::Retryable { reason, .. } = o else {
        panic!("{o:?}");
    };
    assert!(reason.contains("connection refused"), "{reason}");
    assert!(!reason.contains("SECRET-PATH"));
}

#[tokio::test]
async fn oversized_answer_body_does_not_undo_a_delivery() {
    let small = OutboundConfig {
        max_response_bytes: 1024,
        ..client_config()
    };
    for (status, delivered) in [(200, true), (500, false)] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(status).set_body_bytes(vec![b'z'; 64 * 1024]))
            .mount(&server)
            .await;
        let o = provider_with(small.clone())
            .send(
                &ctx(Some("msg_big")),
                &webhook_config(&server.uri()),
                &Message::default(),
            )
            .await;
        if delivered {
            assert_eq!(
                o,
                SendOutcome::Delivered {
                    provider_message_id: Some("msg_big".into()),
                    hold_for: None,
                }
            );
        } else {
            assert!(matches!(o, SendOutcome::Retryable { .. }), "{o:?}");
        }
    }
}

/// Run the provider's test against a receiver answering `response`.
async fn test_against(response: ResponseTemplate) -> patchbay_domain::TestOutcome {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(response)
        .mount(&server)
        .await;
    provider()
        .test(&ctx(None), &webhook_config(&server.uri()))
        .await
}

#[tokio::test]
async fn test_failures_have_specific_messages_and_never_the_body() {
    let cases = [
        (404, "404 Not Found", "not_found"),
        (401, "401 Unauthorized", "unauthorized"),
        (410, "410 Gone", "gone"),
        (422, "422 Unprocessable Entity", "rejected"),
        (429, "429 Too Many Requests", "rate_limited"),
        (500, "500 Internal Server Error", "server_error"),
        (503, "503 Service Unavailable", "server_error"),
    ];
    for (status, text, code) in cases {
        let t = test_against(
            ResponseTemplate::new(status).set_body_string("SECRET-BODY internal stack trace"),
        )
        .await;
        assert_eq!(t.status, TestStatus::Error, "{status}");
        assert!(t.message.contains(text), "{status}: {}", t.message);
        assert_eq!(t.code.as_deref(), Some(code), "{status}");
        assert!(!t.message.contains("SECRET-BODY"));
    }
    let t = test_against(ResponseTemplate::new(301).insert_header("location", "http://x/")).await;
    assert_eq!(t.status, TestStatus::Error);
    assert_eq!(t.code.as_deref(), Some("redirect"));
    assert!(t.message.contains("301 Moved Permanently"), "{}", t.message);
}

#[tokio::test]
async fn blocked_address_is_refused_at_validation_and_at_delivery() {
    // The mock listens on loopback; without the allow-list nothing may reach it.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let guarded = WebhookProvider::new(OutboundClient::new(OutboundConfig::default()).unwrap());
    let config = webhook_config(&format!("{}/hook", server.uri()));

    let errors = guarded.validate(&config).unwrap_err();
    assert_eq!(errors.0.len(), 1);
    assert_eq!(errors.0[0].field, "config.url");
    assert!(errors.0[0].message.contains("loopback"));

    let t = guarded.test(&ctx(None), &config).await;
    assert_eq!(t.status, TestStatus::Error);
    assert_eq!(t.code.as_deref(), Some("blocked_address"));
    assert!(t.message.contains("may not call"), "{}", t.message);

    let o = guarded.send(&ctx(None), &config, &Message::default()).await;
    assert!(
        matches!(
            o,
            SendOutcome::Permanent {
                kind: PermanentKind::Credential,
                ..
            }
        ),
        "{o:?}"
    );
    server.verify().await;
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[test]
fn validate_judges_literal_hosts_in_every_spelling() {
    let guarded = WebhookProvider::new(OutboundClient::new(OutboundConfig::default()).unwrap());
    assert_eq!(guarded.kind(), IntegrationType::Webhook);
    for url in [
        "http://127.0.0.1/hook",
        "http://2130706433/hook",
        "http://0177.0.0.1/hook",
        "http://127.1/hook",
        "http://0x7f000001/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://10.0.0.8/hook",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://[64:ff9b::a9fe:a9fe]/hook",
        "http://[2002:7f00:1::]/hook",
        "http://localhost:8080/hook",
    ] {
        let e = guarded.validate(&webhook_config(url));
        assert!(
            e.as_ref()
                .is_err_and(|e| e.0.len() == 1 && e.0[0].field == "config.url"),
            "{url}: {e:?}"
        );
    }
    for url in [
        "https://example.com/hook",
        "https://hooks.example.org:8443/x?token=abc",
        "http://93.184.216.34/hook",
    ] {
        assert!(guarded.validate(&webhook_config(url)).is_ok(), "{url}");
    }
}

#[tokio::test]
async fn unsigned_when_no_secret_is_configured() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let mut config = Config::new();
    config.insert_secret("url", SecretValue::from_json(&json!(server.uri())));
    let t = provider().test(&ctx(None), &config).await;
    assert_eq!(t.status, TestStatus::Success);
    assert!(t.message.contains("unsigned"), "{}", t.message);
    let reqs = server.received_requests().await.unwrap();
    assert!(reqs[0].headers.get("webhook-signature").is_none());
    assert!(reqs[0].headers.get("webhook-id").is_some());
}

#[tokio::test]
async fn broken_config_is_reported_without_a_request() {
    let mut config = Config::new();
    config.insert_plain("method", json!("POST"));
    let t = provider().test(&ctx(None), &config).await;
    assert_eq!(t.status, TestStatus::Error);
    assert_eq!(t.code.as_deref(), Some("invalid_config"));
    let o = provider()
        .send(&ctx(None), &config, &Message::default())
        .await;
    assert!(matches!(
        o,
        SendOutcome::Permanent {
            kind: PermanentKind::Credential,
            ..
        }
    ));
}
