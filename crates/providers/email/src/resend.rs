//! Resend: `GET /domains` to test a key (a sending-only key answers 401
//! `restricted_api_key`, which proves it valid), `POST /emails` to deliver.
//! `stage` integrations may only send to Resend's test addresses
//! (`…@resend.dev`); anything else is refused before any request.

use async_trait::async_trait;
use patchbay_domain::{
    Config, Environment, IntegrationType, Message, PermanentKind, Provider, ProviderContext,
    SendOutcome, TestOutcome,
};
use patchbay_provider_kit::{
    JsonAnswer, OutboundClient, OutboundRequest, Remote, Url, config_text, join_path, refuse,
    status_text,
};
use serde_json::{Map, Value, json};

use crate::common::{parse_recipient, send, test_get, too_many_recipients};

/// Resend's API.
pub const RESEND_API_BASE: &str = "https://api.resend.com/";
/// Resend's limit on an `Idempotency-Key`; a longer message id is not sent.
pub const MAX_IDEMPOTENCY_KEY_LEN: usize = 256;
/// The domain of Resend's test addresses (`delivered@resend.dev`, …), the
/// only recipients a `stage` integration may send to.
pub const RESEND_TEST_DOMAIN: &str = "resend.dev";

const REMOTE: Remote<'static> = Remote {
    name: "Resend",
    url: "Resend API base URL",
    url_advice: "check the configured API base URL",
};

/// The Resend email provider.
#[derive(Debug, Clone)]
pub struct ResendProvider {
    client: OutboundClient,
    api_base: Url,
}

impl ResendProvider {
    /// `api_base` is normally [`RESEND_API_BASE`].
    pub fn new(client: OutboundClient, api_base: Url) -> Self {
        Self { client, api_base }
    }
}

/// True for a Resend test address (`anything@resend.dev`).
pub fn is_resend_test_address(recipient: &str) -> bool {
    parse_recipient(recipient)
        .and_then(|r| r.email.rsplit_once('@').map(|(_, d)| d.to_string()))
        .is_some_and(|d| d.eq_ignore_ascii_case(RESEND_TEST_DOMAIN))
}

/// Resend's error name (`{"statusCode", "message", "name"}`).
fn error_name(a: &JsonAnswer) -> Option<String> {
    a.code_at("/name")
}

/// The `Idempotency-Key` to send: the delivery's message id when Resend
/// can take it.
fn idempotency_key(ctx: &ProviderContext) -> Option<&str> {
    ctx.message_id.as_deref().filter(|id| {
        !id.is_empty()
            && id.len() <= MAX_IDEMPOTENCY_KEY_LEN
            && id.bytes().all(|b| b.is_ascii_graphic())
    })
}

#[async_trait]
impl Provider for ResendProvider {
    fn kind(&self) -> IntegrationType {
        IntegrationType::Resend
    }

    async fn test(&self, _ctx: &ProviderContext, config: &Config) -> TestOutcome {
        let Some(key) = config_text(config, "apiKey") else {
            return TestOutcome::error("no Resend API key is configured")
                .with_code("invalid_config");
        };
        let Some(url) = join_path(&self.api_base, "domains") else {
            return TestOutcome::error("the Resend API base URL cannot be used")
                .with_code("invalid_url");
        };
        let a = match test_get(&self.client, &REMOTE, url, "resend.domains", key).await {
            Ok(a) => a,
            Err(outcome) => return outcome,
        };
        let st = status_text(a.status);
        let name = error_name(&a);
        match (a.status, name.as_deref()) {
            (200..=299, _) => {
                if !a.body.is_object() {
                    return TestOutcome::error(format!(
                        "Resend answered {st} but not with the expected list of domains; \
                         check the API base URL"
                    ))
                    .with_code("invalid_response");
                }
                let domains = match a.body.get("data").and_then(Value::as_array) {
                    Some(d) => {
                        let verified = d
                            .iter()
                            .filter(|x| x.get("status").and_then(Value::as_str) == Some("verified"))
                            .count();
                        format!(
                            "; {} domain(s) on the account, {verified} verified",
                            d.len()
                        )
                    }
                    None => String::new(),
                };
                TestOutcome::success(format!("the API key is valid (full access{domains})"))
            }
            (401, Some("restricted_api_key")) => TestOutcome::success(
                "the API key is valid: it is a sending-only key, which is all Patchbay \
                 needs to send email (it cannot list domains, so they were not checked)",
            )
            .with_code("restricted_api_key"),
            (401, Some("missing_api_key")) => {
                TestOutcome::error(format!("Resend received no API key ({st})"))
                    .with_code("missing_api_key")
            }
            (401, other) => TestOutcome::error(format!(
                "Resend refused the API key ({st}): it is wrong or has been deleted"
            ))
            .with_code(other.unwrap_or("unauthorized")),
            (403, Some("invalid_api_key")) => TestOutcome::error(format!(
                "Resend says the API key is invalid ({st}): it is wrong or has been deleted"
            ))
            .with_code("invalid_api_key"),
            (403, other) => {
                TestOutcome::error(format!("Resend forbids requests with this API key ({st})"))
                    .with_code(other.unwrap_or("forbidden"))
            }
            (429, Some(quota @ ("daily_quota_exceeded" | "monthly_quota_exceeded"))) => {
                TestOutcome::error(format!(
                    "the API key is valid but the account's {} sending quota is used up ({st})",
                    if quota.starts_with("daily") {
                        "daily"
                    } else {
                        "monthly"
                    }
                ))
                .with_code(quota)
            }
            (429, other) => TestOutcome::error(format!(
                "Resend is rate limiting this key ({st}); try again shortly"
            ))
            .with_code(other.unwrap_or("rate_limited")),
            (500..=599, _) => {
                TestOutcome::error(format!("Resend failed with a server error ({st})"))
                    .with_code("server_error")
            }
            (_, other) => {
                TestOutcome::error(format!("Resend answered with an unexpected status ({st})"))
                    .with_code(other.unwrap_or("unexpected_status"))
            }
        }
    }

    async fn send(&self, ctx: &ProviderContext, config: &Config, message: &Message) -> SendOutcome {
        let Some(key) = config_text(config, "apiKey") else {
            return refuse(
                PermanentKind::Credential,
                "invalid_config",
                "no Resend API key is configured",
            );
        };
        let Some(from) = config_text(config, "from").or_else(|| config_text(config, "fromEmail"))
        else {
            return refuse(
                PermanentKind::Credential,
                "invalid_config",
                "no sender (from) is configured",
            );
        };
        if message.to.is_empty() {
            return refuse(
                PermanentKind::Message,
                "missing_recipient",
                "the message has no recipient (to)",
            );
        }
        if let Some(refusal) =
            too_many_recipients(IntegrationType::Resend, &REMOTE, message.to.len())
        {
            return refusal;
        }
        let mut to = Vec::with_capacity(message.to.len());
        for (i, raw) in message.to.iter().enumerate() {
            if parse_recipient(raw).is_none() {
                return refuse(
                    PermanentKind::Message,
                    "invalid_recipient",
                    format!("recipient {} is not a valid email address", i + 1),
                );
            }
            to.push(raw.trim());
        }
        if ctx.environment == Environment::Stage {
            let outside = message
                .to
                .iter()
                .filter(|r| !is_resend_test_address(r))
                .count();
            if outside > 0 {
                return refuse(
                    PermanentKind::Message,
                    "stage_recipient_not_allowed",
                    format!(
                        "this integration is in stage, where email goes only to Resend's \
                         test addresses (such as delivered@{RESEND_TEST_DOMAIN}); {outside} \
                         recipient(s) are not, so nothing was sent"
                    ),
                );
            }
        }
        let Some(subject) = message.subject.as_deref().filter(|s| !s.trim().is_empty()) else {
            return refuse(
                PermanentKind::Message,
                "missing_subject",
                "the message has no subject; Resend requires one",
            );
        };
        let html = message.html.as_deref().filter(|s| !s.is_empty());
        let plain = message.text.as_deref().filter(|s| !s.is_empty());
        if html.is_none() && plain.is_none() {
            return refuse(
                PermanentKind::Message,
                "missing_content",
                "the message has neither text nor html content",
            );
        }
        let mut body = Map::new();
        body.insert("from".into(), json!(from));
        body.insert("to".into(), json!(to));
        body.insert("subject".into(), json!(subject));
        if let Some(h) = html {
            body.insert("html".into(), json!(h));
        }
        if let Some(t) = plain {
            body.insert("text".into(), json!(t));
        }

        let Some(url) = join_path(&self.api_base, "emails") else {
            return refuse(
                PermanentKind::Credential,
                "invalid_url",
                "the Resend API base URL cannot be used",
            );
        };
        let mut req = OutboundRequest::post(url)
            .log_target("resend.send")
            .bearer_auth(key)
            .json(&Value::Object(body));
        if let Some(id) = idempotency_key(ctx) {
            req = req.header("idempotency-key", id);
        }
        let a = match send(&self.client, &REMOTE, req).await {
            Ok(a) => a,
            Err(outcome) => return outcome,
        };
        let st = status_text(a.status);
        let name = error_name(&a);
        let permanent = |kind, reason: String, code: &str| SendOutcome::Permanent {
            reason,
            kind,
            code: Some(name.clone().unwrap_or_else(|| code.to_string())),
        };
        let retry_after = || a.retry_after();
        match (a.status, name.as_deref()) {
            (200..=299, _) => SendOutcome::Delivered {
                provider_message_id: a.text_at("/id"),
                hold_for: None,
            },
            (429, Some(quota @ ("daily_quota_exceeded" | "monthly_quota_exceeded"))) => {
                SendOutcome::Permanent {
                    reason: format!(
                        "the Resend account's {} sending quota is used up ({st}); do not \
                         retry before it renews",
                        if quota.starts_with("daily") {
                            "daily"
                        } else {
                            "monthly"
                        }
                    ),
                    kind: PermanentKind::Credential,
                    code: Some(quota.into()),
                }
            }
            (429, _) => SendOutcome::Retryable {
                reason: format!("Resend is rate limiting this key ({st})"),
                retry_after: retry_after(),
            },
            (500..=599, _) => SendOutcome::Retryable {
                reason: format!("Resend failed with a server error ({st})"),
                retry_after: retry_after(),
            },
            // The same idempotency key is still being processed: the first
            // attempt's outcome is not known yet.
            (409, Some("concurrent_idempotent_requests")) => SendOutcome::Retryable {
                reason: format!(
                    "Resend is still processing an earlier attempt of this delivery ({st})"
                ),
                retry_after: retry_after(),
            },
            (401, _) => permanent(
                PermanentKind::Credential,
                format!("Resend refused the API key ({st}): it is missing, wrong or deleted"),
                "unauthorized",
            ),
            (403, Some("invalid_api_key")) => permanent(
                PermanentKind::Credential,
                format!(
                    "Resend says the API key is invalid ({st}): it is wrong or has been deleted"
                ),
                "invalid_api_key",
            ),
            (403, _) => permanent(
                PermanentKind::Message,
                format!(
                    "Resend refused to send from this sender ({st}): the from address's domain \
                     is probably not verified in Resend, or the recipient is not allowed for \
                     this account"
                ),
                "forbidden",
            ),
            (409, _) => permanent(
                PermanentKind::Message,
                format!(
                    "Resend refused the delivery as an idempotency conflict ({st}): this \
                     message id was already used for a different email"
                ),
                "idempotency_conflict",
            ),
            (400 | 422, _) => permanent(
                PermanentKind::Message,
                format!("Resend refused the message as invalid ({st})"),
                "validation_error",
            ),
            _ => permanent(
                PermanentKind::Message,
                format!("Resend refused the message ({st})"),
                "rejected",
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_addresses() {
        for a in [
            "delivered@resend.dev",
            "bounced@resend.dev",
            "delivered+signup@RESEND.dev",
            "QA <delivered@resend.dev>",
        ] {
            assert!(is_resend_test_address(a), "{a}");
        }
        for a in [
            "someone@example.com",
            "delivered@resend.dev.example.com",
            "delivered@notresend.dev",
            "resend.dev",
            "x@resend.dev@example.com",
        ] {
            assert!(!is_resend_test_address(a), "{a}");
        }
    }
}
