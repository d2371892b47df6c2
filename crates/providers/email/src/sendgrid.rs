//! SendGrid: `GET /v3/scopes` to test a key (and that it may send mail),
//! `POST /v3/mail/send` to deliver. `stage` integrations send in sandbox
//! mode: SendGrid validates the request but delivers nothing.

use std::collections::BTreeSet;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use patchbay_domain::{
    Config, Environment, IntegrationType, Message, PermanentKind, Provider, ProviderContext,
    SendOutcome, TestOutcome,
};
use patchbay_provider_kit::{
    JsonAnswer, MAX_RETRY_AFTER, OutboundClient, OutboundRequest, Remote, Url, config_text,
    join_path, parse_retry_after, refuse, status_text,
};
use serde_json::{Map, Value, json};

use crate::common::{parse_recipient, send, test_get, too_many_recipients};

/// SendGrid's global API.
pub const SENDGRID_GLOBAL_BASE: &str = "https://api.sendgrid.com/";
/// SendGrid's EU API (for EU-pinned subusers).
pub const SENDGRID_EU_BASE: &str = "https://api.eu.sendgrid.com/";
/// The scope a key needs to send mail.
pub const MAIL_SEND_SCOPE: &str = "mail.send";

const REMOTE: Remote<'static> = Remote {
    name: "SendGrid",
    url: "SendGrid API base URL",
    url_advice: "check the configured API base URL",
};

/// The SendGrid email provider.
#[derive(Debug, Clone)]
pub struct SendgridProvider {
    client: OutboundClient,
    global_base: Url,
    eu_base: Url,
}

impl SendgridProvider {
    /// `global_base` / `eu_base` are normally [`SENDGRID_GLOBAL_BASE`] and
    /// [`SENDGRID_EU_BASE`]; the config's `region` picks one.
    pub fn new(client: OutboundClient, global_base: Url, eu_base: Url) -> Self {
        Self {
            client,
            global_base,
            eu_base,
        }
    }

    /// The API base for this config, and the region's name for messages.
    fn base(&self, config: &Config) -> (&Url, &'static str) {
        match config.plain_str("region").map(str::trim) {
            Some(r) if r.eq_ignore_ascii_case("eu") => (&self.eu_base, "EU"),
            _ => (&self.global_base, "global"),
        }
    }
}

/// The field names of a SendGrid error body (`{"errors": [{"field"}]}`),
/// for our message; SendGrid's own prose is never passed on.
fn error_fields(a: &JsonAnswer) -> Vec<String> {
    let mut fields = BTreeSet::new();
    if let Some(errors) = a.body.get("errors").and_then(Value::as_array) {
        for e in errors {
            if let Some(f) = e.get("field").and_then(Value::as_str) {
                let f = f.trim();
                let safe = !f.is_empty()
                    && f.len() <= 80
                    && f.bytes().all(|b| {
                        b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'[' | b']')
                    });
                if safe {
                    fields.insert(f.to_string());
                }
            }
        }
    }
    fields.into_iter().take(8).collect()
}

/// When SendGrid's rate limit resets: `X-RateLimit-Reset` is a Unix time in
/// seconds (a small value is taken as delta-seconds, to be tolerant); a
/// `Retry-After` is honoured if SendGrid ever sends one. Capped at
/// [`MAX_RETRY_AFTER`]; a reset in the past means "now".
pub fn rate_limit_reset(
    reset: Option<&str>,
    retry_after: Option<&str>,
    now: SystemTime,
) -> Option<Duration> {
    if let Some(secs) = reset.and_then(|v| v.trim().parse::<u64>().ok()) {
        let wait = if secs < 1_000_000_000 {
            Duration::from_secs(secs)
        } else {
            (UNIX_EPOCH + Duration::from_secs(secs))
                .duration_since(now)
                .unwrap_or(Duration::ZERO)
        };
        return Some(wait.min(MAX_RETRY_AFTER));
    }
    retry_after.and_then(|v| parse_retry_after(v, now))
}

fn wait_hint(a: &JsonAnswer) -> Option<Duration> {
    rate_limit_reset(
        a.header("x-ratelimit-reset"),
        a.header("retry-after"),
        SystemTime::now(),
    )
}

#[async_trait]
impl Provider for SendgridProvider {
    fn kind(&self) -> IntegrationType {
        IntegrationType::Sendgrid
    }

    async fn test(&self, _ctx: &ProviderContext, config: &Config) -> TestOutcome {
        let Some(key) = config_text(config, "apiKey") else {
            return TestOutcome::error("no SendGrid API key is configured")
                .with_code("invalid_config");
        };
        let (base, region) = self.base(config);
        let Some(url) = join_path(base, "v3/scopes") else {
            return TestOutcome::error("the SendGrid API base URL cannot be used")
                .with_code("invalid_url");
        };
        let a = match test_get(&self.client, &REMOTE, url, "sendgrid.scopes", key).await {
            Ok(a) => a,
            Err(outcome) => return outcome,
        };
        let st = status_text(a.status);
        match a.status {
            200..=299 => {
                let Some(scopes) = a.body.get("scopes").and_then(Value::as_array) else {
                    return TestOutcome::error(format!(
                        "SendGrid answered {st} but not with the expected list of scopes; \
                         check the API base URL"
                    ))
                    .with_code("invalid_response");
                };
                if scopes.iter().any(|s| s.as_str() == Some(MAIL_SEND_SCOPE)) {
                    TestOutcome::success(format!(
                        "the API key is valid and has the {MAIL_SEND_SCOPE} scope \
                         ({region} region)"
                    ))
                } else {
                    TestOutcome::error(format!(
                        "the API key is valid but lacks the {MAIL_SEND_SCOPE} scope, so it \
                         cannot send email; give it Mail Send access in SendGrid \
                         (Settings → API Keys)"
                    ))
                    .with_code("missing_scope")
                }
            }
            401 => TestOutcome::error(format!(
                "SendGrid refused the API key ({st}): it is wrong, revoked or deleted, or it \
                 belongs to the other region (this integration uses the {region} API)"
            ))
            .with_code("invalid_api_key"),
            403 => TestOutcome::error(format!(
                "SendGrid forbids requests with this API key ({st}): the account may be \
                 restricted, or IP Access Management may block Patchbay"
            ))
            .with_code("forbidden"),
            429 => {
                let when = wait_hint(&a)
                    .map(|d| format!("; the limit resets in {} s", d.as_secs()))
                    .unwrap_or_default();
                TestOutcome::error(format!("SendGrid is rate limiting this key ({st}){when}"))
                    .with_code("rate_limited")
            }
            500..=599 => TestOutcome::error(format!("SendGrid failed with a server error ({st})"))
                .with_code("server_error"),
            _ => TestOutcome::error(format!(
                "SendGrid answered with an unexpected status ({st})"
            ))
            .with_code("unexpected_status"),
        }
    }

    async fn send(&self, ctx: &ProviderContext, config: &Config, message: &Message) -> SendOutcome {
        let Some(key) = config_text(config, "apiKey") else {
            return refuse(
                PermanentKind::Credential,
                "invalid_config",
                "no SendGrid API key is configured",
            );
        };
        let Some(from_email) = config_text(config, "fromEmail") else {
            return refuse(
                PermanentKind::Credential,
                "invalid_config",
                "no sender address (fromEmail) is configured",
            );
        };
        if message.to.is_empty() {
            return refuse(
                PermanentKind::Message,
                "missing_recipient",
                "the message has no recipient (to)",
            );
        }
        let mut seen = BTreeSet::new();
        let mut to = Vec::new();
        for (i, raw) in message.to.iter().enumerate() {
            let Some(r) = parse_recipient(raw) else {
                return refuse(
                    PermanentKind::Message,
                    "invalid_recipient",
                    format!("recipient {} is not a valid email address", i + 1),
                );
            };
            // SendGrid refuses a personalization naming an address twice.
            if !seen.insert(r.email.to_ascii_lowercase()) {
                continue;
            }
            let mut o = Map::new();
            o.insert("email".into(), json!(r.email));
            if let Some(name) = r.name {
                o.insert("name".into(), json!(name));
            }
            to.push(Value::Object(o));
        }
        if let Some(refusal) = too_many_recipients(IntegrationType::Sendgrid, &REMOTE, to.len()) {
            return refusal;
        }
        let Some(subject) = message.subject.as_deref().filter(|s| !s.trim().is_empty()) else {
            return refuse(
                PermanentKind::Message,
                "missing_subject",
                "the message has no subject; SendGrid requires one",
            );
        };
        // SendGrid wants text/plain before text/html.
        let mut content = Vec::new();
        if let Some(t) = message.text.as_deref().filter(|s| !s.is_empty()) {
            content.push(json!({"type": "text/plain", "value": t}));
        }
        if let Some(h) = message.html.as_deref().filter(|s| !s.is_empty()) {
            content.push(json!({"type": "text/html", "value": h}));
        }
        if content.is_empty() {
            return refuse(
                PermanentKind::Message,
                "missing_content",
                "the message has neither text nor html content",
            );
        }
        let mut from = Map::new();
        from.insert("email".into(), json!(from_email));
        if let Some(name) = config_text(config, "fromName") {
            from.insert("name".into(), json!(name));
        }
        let mut body = json!({
            "personalizations": [{"to": to, "subject": subject}],
            "from": from,
            "subject": subject,
            "content": content,
        });
        if ctx.environment == Environment::Stage {
            // Stage: SendGrid validates the request and delivers nothing.
            body["mail_settings"] = json!({"sandbox_mode": {"enable": true}});
        }

        let (base, _) = self.base(config);
        let Some(url) = join_path(base, "v3/mail/send") else {
            return refuse(
                PermanentKind::Credential,
                "invalid_url",
                "the SendGrid API base URL cannot be used",
            );
        };
        let req = OutboundRequest::post(url)
            .log_target("sendgrid.send")
            .bearer_auth(key)
            .json(&body);
        let a = match send(&self.client, &REMOTE, req).await {
            Ok(a) => a,
            Err(outcome) => return outcome,
        };
        let st = status_text(a.status);
        match a.status {
            // 202 when sent, 200 in sandbox mode.
            200..=299 => SendOutcome::Delivered {
                provider_message_id: a
                    .header("x-message-id")
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string),
                hold_for: None,
            },
            429 => SendOutcome::Retryable {
                reason: format!("SendGrid is rate limiting this key ({st})"),
                retry_after: wait_hint(&a),
            },
            500..=599 => SendOutcome::Retryable {
                reason: format!("SendGrid failed with a server error ({st})"),
                retry_after: a.retry_after(),
            },
            401 => SendOutcome::Permanent {
                reason: format!(
                    "SendGrid refused the API key ({st}): it is wrong, revoked or deleted"
                ),
                kind: PermanentKind::Credential,
                code: Some("invalid_api_key".into()),
            },
            403 => {
                let fields = error_fields(&a);
                let reason = if fields.iter().any(|f| f == "from" || f.starts_with("from.")) {
                    format!(
                        "SendGrid refused the sender ({st}): the fromEmail address is not a \
                         verified Sender Identity on this account"
                    )
                } else {
                    format!(
                        "SendGrid forbids this API key from sending ({st}): check that it has \
                         the {MAIL_SEND_SCOPE} scope and the account is in good standing"
                    )
                };
                SendOutcome::Permanent {
                    reason,
                    kind: PermanentKind::Credential,
                    code: Some("forbidden".into()),
                }
            }
            400 => {
                let fields = error_fields(&a);
                let reason = if fields.is_empty() {
                    format!("SendGrid refused the message as invalid ({st})")
                } else {
                    format!(
                        "SendGrid refused the message as invalid ({st}); fields in error: {}",
                        fields.join(", ")
                    )
                };
                SendOutcome::Permanent {
                    reason,
                    kind: PermanentKind::Message,
                    code: Some("invalid_message".into()),
                }
            }
            413 => SendOutcome::Permanent {
                reason: format!("SendGrid refused the message as too large ({st})"),
                kind: PermanentKind::Message,
                code: Some("message_too_large".into()),
            },
            _ => SendOutcome::Permanent {
                reason: format!("SendGrid refused the message ({st})"),
                kind: PermanentKind::Message,
                code: Some("rejected".into()),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reset_is_an_epoch_capped_and_never_negative() {
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(
            rate_limit_reset(Some("1700000042"), None, now),
            Some(Duration::from_secs(42))
        );
        assert_eq!(
            rate_limit_reset(Some("1699999000"), None, now),
            Some(Duration::ZERO)
        );
        assert_eq!(
            rate_limit_reset(Some("1800000000"), None, now),
            Some(MAX_RETRY_AFTER)
        );
        // Tolerated: a delta in seconds.
        assert_eq!(
            rate_limit_reset(Some("30"), None, now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            rate_limit_reset(Some("soon"), Some("7"), now),
            Some(Duration::from_secs(7))
        );
        assert_eq!(rate_limit_reset(None, None, now), None);
        assert_eq!(rate_limit_reset(Some("-5"), Some("junk"), now), None);
    }
}
