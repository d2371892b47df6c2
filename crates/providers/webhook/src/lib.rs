//! The generic webhook provider: a JSON event POSTed (or PUT/PATCHed) to a
//! user's endpoint, signed per Standard Webhooks, through the guarded
//! outbound client.
//!
//! - **validate**: refuses a URL whose literal host the SSRF guard forbids.
//! - **test**: delivers a signed `integration.test` event; any 2xx passes.
//! - **send**: delivers `{"type", "timestamp", "data"}`; 2xx delivered, 410
//!   gone, 429/5xx/timeouts/connection errors retryable (honouring
//!   `Retry-After`), 3xx and other 4xx permanent.
//!
//! Messages are ours: the receiver's body is never read into a result.

#![warn(missing_docs)]
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod signing;

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, Utc};
use patchbay_domain::validation::{RESERVED_HEADERS, ValidationErrors};
use patchbay_domain::{
    Config, IntegrationType, Message, PermanentKind, Provider, ProviderContext, SendOutcome,
    TestOutcome,
};
use patchbay_provider_kit::{
    Method, OutboundClient, OutboundError, OutboundRequest, Remote, StatusClass, Url,
    classify_status, config_json, config_text, config_url, refuse, status_text,
};
use serde_json::{Map, Value, json};

pub use signing::{SigningKey, SigningKeyError, new_message_id, sign};

/// Event type of the test delivery.
pub const TEST_EVENT_TYPE: &str = "integration.test";
/// Event type of a send whose message names none.
pub const DEFAULT_EVENT_TYPE: &str = "message";

const REMOTE: Remote<'static> = Remote {
    name: "the endpoint",
    url: "webhook URL",
    url_advice: "configure the final URL",
};

/// The webhook provider.
#[derive(Debug, Clone)]
pub struct WebhookProvider {
    client: OutboundClient,
}

impl WebhookProvider {
    /// Signed webhooks through the guarded client.
    pub fn new(client: OutboundClient) -> Self {
        Self { client }
    }
}

/// What a webhook config resolves to. Holds secrets: no `Debug`.
struct Target {
    url: Url,
    method: Method,
    headers: Vec<(String, String)>,
    key: Option<SigningKey>,
}

/// Read the config. The error is ours and names fields, never values.
fn target(config: &Config) -> Result<Target, String> {
    let raw = config_text(config, "url").ok_or("the webhook has no URL configured")?;
    let url = Url::parse(raw).map_err(|_| "the webhook URL is not a valid URL")?;
    let method = match config_text(config, "method")
        .map(str::to_ascii_uppercase)
        .as_deref()
    {
        None | Some("POST") => Method::POST,
        Some("PUT") => Method::PUT,
        Some("PATCH") => Method::PATCH,
        Some(_) => return Err("the webhook method must be POST, PUT or PATCH".into()),
    };
    let mut headers = Vec::new();
    match config_json(config, "headers") {
        None | Some(Value::Null) => {}
        Some(Value::Object(map)) => {
            for (name, value) in map {
                let Value::String(value) = value else {
                    return Err(format!(
                        "the extra header `{name}` must have a string value"
                    ));
                };
                // Patchbay sets these itself; validation refuses them too.
                if !RESERVED_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
                    headers.push((name, value));
                }
            }
        }
        Some(_) => return Err("the webhook's extra headers must be an object".into()),
    }
    let key = match config_text(config, "signingSecret") {
        None => None,
        Some(secret) => Some(SigningKey::from_secret(secret).map_err(|e| e.to_string())?),
    };
    Ok(Target {
        url,
        method,
        headers,
        key,
    })
}

/// The JSON body of an event, serialised once: these exact bytes are signed.
fn event_body(event_type: &str, at: DateTime<Utc>, data: Value) -> Vec<u8> {
    let body = json!({
        "type": event_type,
        "timestamp": at.to_rfc3339_opts(SecondsFormat::Millis, true),
        "data": data,
    });
    // Serialising a `Value` cannot fail.
    serde_json::to_vec(&body).unwrap_or_default()
}

/// The `data` of a sent event: the message's structured payload, or its
/// subject and text when it has none.
fn message_data(message: &Message) -> Value {
    if let Some(data) = &message.data {
        return data.clone();
    }
    let mut m = Map::new();
    if let Some(s) = &message.subject {
        m.insert("subject".into(), Value::String(s.clone()));
    }
    if let Some(t) = &message.text {
        m.insert("text".into(), Value::String(t.clone()));
    }
    if let Some(h) = &message.html {
        m.insert("html".into(), Value::String(h.clone()));
    }
    Value::Object(m)
}

/// How a delivery attempt ended, before mapping to a test or send result.
enum Attempt {
    /// The endpoint answered with this status (and `Retry-After` hint).
    Answered {
        status: u16,
        retry_after: Option<Duration>,
    },
    Failed(OutboundError),
}

impl WebhookProvider {
    /// Sign and deliver `body` to the target, once.
    async fn deliver(
        &self,
        target: &Target,
        msg_id: &str,
        body: Vec<u8>,
        at: DateTime<Utc>,
        label: &'static str,
    ) -> Attempt {
        let timestamp = at.timestamp();
        let mut req =
            OutboundRequest::new(target.method.clone(), target.url.clone()).log_target(label);
        for (name, value) in &target.headers {
            req = req.secret_header(name, value);
        }
        req = req
            .header("webhook-id", msg_id)
            .header("webhook-timestamp", &timestamp.to_string());
        if let Some(key) = &target.key {
            req = req.header(
                "webhook-signature",
                &sign(std::slice::from_ref(key), msg_id, timestamp, &body),
            );
        }
        req = req.body(body, "application/json");
        match self.client.exchange(req).await {
            Ok(resp) => Attempt::Answered {
                status: resp.status,
                retry_after: resp.retry_after(),
            },
            Err(e) => Attempt::Failed(e),
        }
    }

    /// Our message for a failure to get an answer: the kit's wording, except
    /// that an unsendable header can only be an extra header, and a broken
    /// connection is a failed delivery.
    fn failure_message(&self, e: &OutboundError) -> String {
        match e {
            OutboundError::InvalidRequest { reason } => {
                format!("the webhook request cannot be sent: {reason} (check the extra headers)")
            }
            OutboundError::Io { .. }
            | OutboundError::TooLarge { .. }
            | OutboundError::Decode
            | OutboundError::Setup { .. } => format!("the delivery failed: {e}"),
            _ => REMOTE.failure_message(e, self.client.config().total_timeout),
        }
    }
}

#[async_trait]
impl Provider for WebhookProvider {
    fn kind(&self) -> IntegrationType {
        IntegrationType::Webhook
    }

    fn validate(&self, config: &Config) -> Result<(), ValidationErrors> {
        self.client
            .validate_url("config.url", config_url(config, "url").as_ref())
    }

    async fn test(&self, ctx: &ProviderContext, config: &Config) -> TestOutcome {
        let target = match target(config) {
            Ok(t) => t,
            Err(message) => return TestOutcome::error(message).with_code("invalid_config"),
        };
        let at = Utc::now();
        let msg_id = ctx.message_id.clone().unwrap_or_else(new_message_id);
        let data = json!({
            "message": "Test event from Patchbay: this endpoint is configured to receive webhooks.",
            "integrationId": ctx.integration_id.as_ref().map(ToString::to_string),
            "environment": ctx.environment.as_str(),
        });
        let body = event_body(TEST_EVENT_TYPE, at, data);
        let signed = if target.key.is_some() {
            "signed"
        } else {
            "unsigned (no signing secret is configured)"
        };
        match self
            .deliver(&target, &msg_id, body, at, "webhook.test")
            .await
        {
            Attempt::Answered { status, .. } => match classify_status(status) {
                StatusClass::Success => TestOutcome::success(format!(
                    "the endpoint accepted a {signed} `{TEST_EVENT_TYPE}` event ({}, webhook-id {msg_id})",
                    status_text(status)
                )),
                StatusClass::RateLimited => TestOutcome::error(format!(
                    "the endpoint is rate limiting requests ({}); try again later",
                    status_text(status)
                ))
                .with_code("rate_limited"),
                StatusClass::ServerError => TestOutcome::error(format!(
                    "the endpoint failed with a server error ({})",
                    status_text(status)
                ))
                .with_code("server_error"),
                StatusClass::ClientError => {
                    let (hint, code) = match status {
                        401 | 403 => (
                            ": check the extra headers (authentication) and that the receiver verifies with this signing secret",
                            "unauthorized",
                        ),
                        404 => (": check the URL path", "not_found"),
                        405 => (": check the configured method", "method_not_allowed"),
                        410 => (
                            ": the endpoint says it is gone and will not accept deliveries",
                            "gone",
                        ),
                        _ => ("", "rejected"),
                    };
                    TestOutcome::error(format!(
                        "the endpoint refused the test event ({}){hint}",
                        status_text(status)
                    ))
                    .with_code(code)
                }
                StatusClass::Redirect => {
                    TestOutcome::error(self.failure_message(&OutboundError::Redirect { status }))
                        .with_code("redirect")
                }
                StatusClass::Unexpected => TestOutcome::error(format!(
                    "the endpoint answered with an unexpected status ({status})"
                ))
                .with_code("unexpected_status"),
            },
            Attempt::Failed(e) => e.test_outcome(self.failure_message(&e)),
        }
    }

    async fn send(&self, ctx: &ProviderContext, config: &Config, message: &Message) -> SendOutcome {
        let target = match target(config) {
            Ok(t) => t,
            Err(reason) => return refuse(PermanentKind::Credential, "invalid_config", reason),
        };
        let at = Utc::now();
        // The same id on every retry of one delivery, so receivers can
        // de-duplicate; a fresh timestamp (and so signature) per attempt.
        let msg_id = ctx.message_id.clone().unwrap_or_else(new_message_id);
        let event_type = message
            .event_type
            .as_deref()
            .filter(|t| !t.is_empty())
            .unwrap_or(DEFAULT_EVENT_TYPE);
        let body = event_body(event_type, at, message_data(message));
        match self
            .deliver(&target, &msg_id, body, at, "webhook.send")
            .await
        {
            Attempt::Answered {
                status,
                retry_after,
            } => {
                let st = status_text(status);
                match classify_status(status) {
                    StatusClass::Success => SendOutcome::Delivered {
                        provider_message_id: Some(msg_id),
                        hold_for: None,
                    },
                    StatusClass::RateLimited => SendOutcome::Retryable {
                        reason: format!("the endpoint is rate limiting deliveries ({st})"),
                        retry_after,
                    },
                    StatusClass::ServerError => SendOutcome::Retryable {
                        reason: format!("the endpoint failed with a server error ({st})"),
                        retry_after,
                    },
                    StatusClass::ClientError if status == 410 => SendOutcome::Permanent {
                        reason: format!(
                            "the endpoint is gone ({st}): it will not accept deliveries; \
                             disable or re-point the integration"
                        ),
                        kind: PermanentKind::Gone,
                        code: Some("gone".into()),
                    },
                    StatusClass::ClientError if status == 401 || status == 403 => {
                        SendOutcome::Permanent {
                            reason: format!(
                                "the endpoint refused the delivery ({st}): check the extra \
                                 headers (authentication) and the signing secret"
                            ),
                            kind: PermanentKind::Credential,
                            code: Some("unauthorized".into()),
                        }
                    }
                    StatusClass::ClientError => SendOutcome::Permanent {
                        reason: format!("the endpoint refused the delivery ({st})"),
                        kind: PermanentKind::Message,
                        code: Some("rejected".into()),
                    },
                    StatusClass::Redirect => SendOutcome::Permanent {
                        reason: self.failure_message(&OutboundError::Redirect { status }),
                        kind: PermanentKind::Gone,
                        code: Some("redirect".into()),
                    },
                    StatusClass::Unexpected => SendOutcome::Permanent {
                        reason: format!(
                            "the endpoint answered with an unexpected status ({status})"
                        ),
                        kind: PermanentKind::Message,
                        code: Some("unexpected_status".into()),
                    },
                }
            }
            Attempt::Failed(e) => e.send_outcome(self.failure_message(&e)),
        }
    }
}
