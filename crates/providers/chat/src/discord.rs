//! Discord incoming webhooks. The webhook URL (`/api/webhooks/{id}/{token}`)
//! is the credential: it is never shown, and the kit logs only its host.
//!
//! - **test**: `GET {webhookUrl}` answers the webhook object; 401 (code
//!   50027) is a bad token, 404 (code 10015) an unknown webhook.
//! - **send**: `POST {webhookUrl}?wait=true` (any `thread_id` kept) with
//!   `{"content", "username"?, "avatar_url"?}`; 200 answers the message
//!   (its `id` is returned), 204 is delivered too. 429 carries a float
//!   `retry_after` in the body (preferred) and a `Retry-After` header.
//!   Discord asks that a webhook answering 404 is not used again: that, and
//!   401/403, are permanent.

use std::time::Duration;

use async_trait::async_trait;
use patchbay_domain::validation::ValidationErrors;
use patchbay_domain::{
    Config, IntegrationType, Message, PermanentKind, Provider, ProviderContext, SendOutcome,
    TestOutcome,
};
use patchbay_provider_kit::{
    OutboundClient, OutboundRequest, OutboundResponse, StatusClass, Url, classify_status,
    config_text, retry_after_from_secs_f64, status_text,
};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::common::{
    Remote, display_name, invalid_config_send, invalid_config_test, text_within_limit,
};

const REMOTE: Remote = Remote {
    service: "Discord",
    url_name: "webhook URL",
};

/// Discord error code: unknown webhook.
const UNKNOWN_WEBHOOK: i64 = 10015;
/// Discord error code: invalid webhook token.
const INVALID_WEBHOOK_TOKEN: i64 = 50027;
/// Discord error code: invalid form body.
const INVALID_FORM_BODY: i64 = 50035;

/// The Discord provider.
#[derive(Debug, Clone)]
pub struct DiscordProvider {
    client: OutboundClient,
}

impl DiscordProvider {
    /// Discord webhooks through the guarded client.
    pub fn new(client: OutboundClient) -> Self {
        Self { client }
    }
}

/// The webhook URL from the config. The error names the field, never the
/// value.
fn webhook_url(config: &Config) -> Result<Url, &'static str> {
    let raw = config_text(config, "webhookUrl")
        .ok_or("the Discord integration has no webhook URL configured")?;
    Url::parse(raw).map_err(|_| "the Discord webhook URL is not a valid URL")
}

/// The execute URL: the webhook URL with `wait=true` (so Discord answers the
/// message, with its id), keeping any `thread_id`.
fn execute_url(webhook: &Url) -> Url {
    let mut url = webhook.clone();
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != "wait")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    url.query_pairs_mut()
        .clear()
        .extend_pairs(kept)
        .append_pair("wait", "true");
    url
}

/// Discord's error body: `{"message", "code", "retry_after"?, "global"?}`.
/// Only the code and the hint are read; the message is Discord's text.
#[derive(Debug, Default, Deserialize)]
struct DiscordError {
    code: Option<i64>,
    retry_after: Option<f64>,
    #[serde(default)]
    global: bool,
}

fn error_body(resp: &OutboundResponse) -> DiscordError {
    resp.json().unwrap_or_default()
}

/// The retry hint of a 429: the body's float (more precise), else the
/// `Retry-After` header.
fn retry_after(resp: &OutboundResponse, err: &DiscordError) -> Option<Duration> {
    err.retry_after
        .and_then(retry_after_from_secs_f64)
        .or_else(|| resp.retry_after())
}

/// A refusal (a 4xx other than 429), classified.
struct Refusal {
    message: String,
    kind: PermanentKind,
    code: String,
}

fn refusal(status: u16, code: Option<i64>) -> Refusal {
    let st = status_text(status);
    match (code, status) {
        (Some(UNKNOWN_WEBHOOK), _) | (None, 404) => Refusal {
            message: format!(
                "Discord does not know this webhook ({st}, unknown webhook): it was deleted or \
                 the URL is wrong; create a new webhook and update the integration"
            ),
            kind: PermanentKind::Gone,
            code: "unknown_webhook".into(),
        },
        (Some(INVALID_WEBHOOK_TOKEN), _) | (None, 401) => Refusal {
            message: format!(
                "Discord rejected the webhook token ({st}, invalid webhook token): the URL's \
                 token is wrong or the webhook was reset; copy the webhook URL again"
            ),
            kind: PermanentKind::Credential,
            code: "invalid_token".into(),
        },
        (Some(c), 404) => Refusal {
            // e.g. 10003 unknown channel: a `thread_id` that no longer exists.
            message: format!(
                "Discord answered {st} (Discord error {c}): the webhook or its thread no longer \
                 exists; do not use this URL again"
            ),
            kind: PermanentKind::Gone,
            code: "not_found".into(),
        },
        (c, 401 | 403) => Refusal {
            message: format!(
                "Discord refused the webhook ({st}{}): it may not post to its channel any more",
                c.map(|c| format!(", Discord error {c}"))
                    .unwrap_or_default()
            ),
            kind: PermanentKind::Credential,
            code: "forbidden".into(),
        },
        (Some(INVALID_FORM_BODY), _) => Refusal {
            message: format!(
                "Discord refused the message as invalid ({st}, invalid form body): check the \
                 content and the username and avatar URL overrides"
            ),
            kind: PermanentKind::Message,
            code: "invalid_form_body".into(),
        },
        (c, _) => Refusal {
            message: format!(
                "Discord refused the request ({st}{})",
                c.map(|c| format!(", Discord error {c}"))
                    .unwrap_or_default()
            ),
            kind: PermanentKind::Message,
            code: "rejected".into(),
        },
    }
}

/// The webhook object a `GET` answers (only what the test reports).
#[derive(Debug, Deserialize)]
struct WebhookInfo {
    id: Value,
    name: Option<String>,
    channel_id: Option<String>,
}

/// The message object a `POST ?wait=true` answers.
#[derive(Debug, Deserialize)]
struct PostedMessage {
    id: Option<Value>,
}

fn id_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn test_answer(resp: &OutboundResponse) -> TestOutcome {
    let status = resp.status;
    match classify_status(status) {
        StatusClass::Success => {
            let Some(info) = resp.json::<WebhookInfo>().ok().filter(|i| !i.id.is_null()) else {
                return REMOTE.test_malformed(status, "a webhook object");
            };
            let name = info
                .name
                .as_deref()
                .map(|n| display_name(n, 80))
                .filter(|n| !n.is_empty());
            let channel = info
                .channel_id
                .as_deref()
                .filter(|c| c.bytes().all(|b| b.is_ascii_digit()) && !c.is_empty());
            let mut message = match name {
                Some(n) => format!("the Discord webhook \u{201c}{n}\u{201d} is valid"),
                None => "the Discord webhook is valid".to_string(),
            };
            if let Some(c) = channel {
                message.push_str(&format!(" and posts to channel {c}"));
            }
            TestOutcome::success(message)
        }
        StatusClass::RateLimited => {
            let err = error_body(resp);
            REMOTE.test_rate_limited(status, retry_after(resp, &err))
        }
        StatusClass::ServerError => REMOTE.test_server_error(status),
        StatusClass::ClientError => {
            let r = refusal(status, error_body(resp).code);
            TestOutcome::error(r.message).with_code(r.code)
        }
        StatusClass::Redirect | StatusClass::Unexpected => REMOTE.test_unexpected(status),
    }
}

/// Discord paces webhooks by per-bucket headers: when a success says the
/// bucket is empty, the next send must wait for the reset, or it earns a 429
/// (and too many of those an IP ban).
fn bucket_empty_for(resp: &OutboundResponse) -> Option<Duration> {
    let remaining: u64 = resp.header("x-ratelimit-remaining")?.trim().parse().ok()?;
    if remaining > 0 {
        return None;
    }
    let secs: f64 = resp
        .header("x-ratelimit-reset-after")?
        .trim()
        .parse()
        .ok()?;
    // Capped like any retry hint: a broken header must not park the
    // integration for days.
    retry_after_from_secs_f64(secs).filter(|d| !d.is_zero())
}

fn send_answer(resp: &OutboundResponse) -> SendOutcome {
    let status = resp.status;
    match classify_status(status) {
        StatusClass::Success => SendOutcome::Delivered {
            // 204 (no body) is delivered too; a body we cannot read does not
            // undo the delivery.
            provider_message_id: resp
                .json::<PostedMessage>()
                .ok()
                .and_then(|m| m.id)
                .as_ref()
                .and_then(id_string),
            hold_for: bucket_empty_for(resp),
        },
        StatusClass::RateLimited => {
            let err = error_body(resp);
            let scope = if err.global {
                "Discord's global rate limit was hit"
            } else {
                "Discord is rate limiting this webhook"
            };
            SendOutcome::Retryable {
                reason: format!("{scope} ({})", status_text(status)),
                retry_after: retry_after(resp, &err),
            }
        }
        StatusClass::ServerError => REMOTE.send_server_error(status, resp.retry_after()),
        StatusClass::ClientError => {
            let r = refusal(status, error_body(resp).code);
            SendOutcome::Permanent {
                reason: r.message,
                kind: r.kind,
                code: Some(r.code),
            }
        }
        StatusClass::Redirect | StatusClass::Unexpected => SendOutcome::Permanent {
            reason: format!(
                "Discord answered with an unexpected status ({})",
                status_text(status)
            ),
            kind: PermanentKind::Message,
            code: Some("unexpected_status".into()),
        },
    }
}

#[async_trait]
impl Provider for DiscordProvider {
    fn kind(&self) -> IntegrationType {
        IntegrationType::Discord
    }

    fn validate(&self, config: &Config) -> Result<(), ValidationErrors> {
        self.client
            .validate_url("config.webhookUrl", webhook_url(config).ok().as_ref())
    }

    async fn test(&self, _ctx: &ProviderContext, config: &Config) -> TestOutcome {
        let mut url = match webhook_url(config) {
            Ok(u) => u,
            Err(m) => return invalid_config_test(m),
        };
        // `thread_id` only matters when executing.
        url.set_query(None);
        let req = OutboundRequest::get(url).log_target("discord.test");
        match self.client.exchange(req).await {
            Ok(resp) => test_answer(&resp),
            Err(e) => REMOTE.test_failure(&self.client, &e),
        }
    }

    async fn send(
        &self,
        _ctx: &ProviderContext,
        config: &Config,
        message: &Message,
    ) -> SendOutcome {
        let url = match webhook_url(config) {
            Ok(u) => u,
            Err(m) => return invalid_config_send(m),
        };
        let content = match text_within_limit(IntegrationType::Discord, message) {
            Ok(t) => t,
            Err(refusal) => return refusal,
        };
        let mut body = Map::new();
        body.insert("content".into(), Value::String(content));
        if let Some(u) = config_text(config, "username") {
            body.insert("username".into(), Value::String(u.to_string()));
        }
        if let Some(a) = config_text(config, "avatarUrl") {
            body.insert("avatar_url".into(), Value::String(a.to_string()));
        }
        let req = OutboundRequest::post(execute_url(&url))
            .log_target("discord.send")
            .json(&Value::Object(body));
        match self.client.exchange(req).await {
            Ok(resp) => send_answer(&resp),
            Err(e) => REMOTE.send_failure(&self.client, &e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn execute_url_adds_wait_and_keeps_thread_id() {
        let u = Url::parse("https://discord.com/api/webhooks/1/tok").unwrap();
        assert_eq!(execute_url(&u).query(), Some("wait=true"));
        let u =
            Url::parse("https://discord.com/api/webhooks/1/tok?thread_id=42&wait=false").unwrap();
        assert_eq!(execute_url(&u).query(), Some("thread_id=42&wait=true"));
        assert_eq!(execute_url(&u).path(), "/api/webhooks/1/tok");
    }

    #[test]
    fn refusals_prefer_discord_codes_over_statuses() {
        let r = refusal(404, Some(UNKNOWN_WEBHOOK));
        assert_eq!(
            (r.kind, r.code.as_str()),
            (PermanentKind::Gone, "unknown_webhook")
        );
        let r = refusal(401, Some(INVALID_WEBHOOK_TOKEN));
        assert_eq!(
            (r.kind, r.code.as_str()),
            (PermanentKind::Credential, "invalid_token")
        );
        // The statuses are unverified: the codes decide wherever they come.
        let r = refusal(400, Some(UNKNOWN_WEBHOOK));
        assert_eq!(r.kind, PermanentKind::Gone);
        let r = refusal(404, Some(INVALID_WEBHOOK_TOKEN));
        assert_eq!(r.kind, PermanentKind::Credential);
        let r = refusal(404, Some(10003));
        assert_eq!(
            (r.kind, r.code.as_str()),
            (PermanentKind::Gone, "not_found")
        );
        let r = refusal(403, Some(50013));
        assert_eq!(
            (r.kind, r.code.as_str()),
            (PermanentKind::Credential, "forbidden")
        );
        let r = refusal(400, Some(INVALID_FORM_BODY));
        assert_eq!(
            (r.kind, r.code.as_str()),
            (PermanentKind::Message, "invalid_form_body")
        );
        let r = refusal(413, None);
        assert_eq!(
            (r.kind, r.code.as_str()),
            (PermanentKind::Message, "rejected")
        );
    }
}
