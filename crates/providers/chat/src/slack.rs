//! Slack, through an incoming webhook or a bot (or user) token.
//!
//! Incoming webhook (the URL is the credential):
//! - **test**: there is no read endpoint, so a deliberately malformed body
//!   (not JSON) is POSTed: `400 invalid_payload` proves the URL is live and
//!   posts nothing; `400 invalid_token` is a revoked hook; 403/404/410 an
//!   invalid or removed one. A 2xx means Slack posted it: reported, not
//!   hidden.
//! - **send**: `POST {webhookUrl}` `{"text"}`; `200 ok`. Errors are plain
//!   text codes.
//!
//! Bot token:
//! - **test**: `POST {api_base}auth.test` with the Bearer token. Slack
//!   answers HTTP 200 with `ok: false` for bad tokens. When Slack lists the
//!   token's scopes (`X-OAuth-Scopes`), a missing `chat:write` is reported.
//! - **send**: `POST {api_base}chat.postMessage` `{"channel", "text"}`; the
//!   message id is the answer's `ts`.

use std::time::Duration;

use async_trait::async_trait;
use patchbay_domain::validation::ValidationErrors;
use patchbay_domain::{
    Config, IntegrationType, Message, PermanentKind, Provider, ProviderContext, SendOutcome,
    TestOutcome,
};
use patchbay_provider_kit::{
    OutboundClient, OutboundRequest, OutboundResponse, StatusClass, Url, classify_status,
    config_text, status_text,
};
use serde::Deserialize;
use serde_json::json;

use crate::common::{
    Remote, display_name, endpoint, invalid_config_send, invalid_config_test, message_text,
    nothing_to_send, stable_code,
};

/// Slack's Web API base; bot calls go to `{base}auth.test` and
/// `{base}chat.postMessage`.
pub const SLACK_API_BASE: &str = "https://slack.com/api/";

const WEBHOOK: Remote = Remote {
    service: "Slack",
    url_name: "webhook URL",
};
const API: Remote = Remote {
    service: "Slack",
    url_name: "API base URL",
};

/// The body of the webhook test probe: deliberately not JSON, so Slack
/// refuses it with `invalid_payload` instead of posting it.
const PROBE_BODY: &[u8] = b"{patchbay connection test: deliberately not JSON";

/// The Slack provider.
#[derive(Debug, Clone)]
pub struct SlackProvider {
    client: OutboundClient,
    api_base: Url,
}

impl SlackProvider {
    /// Slack through the guarded client; `api_base` is the Web API
    /// ([`SLACK_API_BASE`] in production).
    pub fn new(client: OutboundClient, api_base: Url) -> Self {
        Self { client, api_base }
    }
}

/// How a Slack config posts. Holds secrets: no `Debug`.
enum Mode<'a> {
    Webhook(Url),
    Bot { token: &'a str, channel: &'a str },
}

fn mode(config: &Config) -> Result<Mode<'_>, &'static str> {
    if let Some(raw) = config_text(config, "webhookUrl") {
        let url = Url::parse(raw).map_err(|_| "the Slack webhook URL is not a valid URL")?;
        return Ok(Mode::Webhook(url));
    }
    let token = config_text(config, "botToken")
        .ok_or("the Slack integration has neither a webhook URL nor a bot token configured")?;
    let channel = config_text(config, "channel")
        .ok_or("the Slack integration has a bot token but no channel configured")?;
    Ok(Mode::Bot { token, channel })
}

// ---------------------------------------------------------------------------
// Incoming webhooks
// ---------------------------------------------------------------------------

/// The plain-text error code of a webhook answer, if it is one.
fn webhook_code(resp: &OutboundResponse) -> Option<String> {
    stable_code(&resp.text_lossy()).map(str::to_string)
}

/// A webhook refusal (a 4xx other than 429), classified.
struct Refusal {
    message: String,
    kind: PermanentKind,
    code: String,
}

fn webhook_refusal(status: u16, code: Option<&str>) -> Refusal {
    let st = status_text(status);
    let (message, kind) = match (code, status) {
        (Some("invalid_token"), _) => (
            format!(
                "Slack says the webhook's token is revoked or invalid ({st}, invalid_token): \
                 create a new incoming webhook"
            ),
            PermanentKind::Credential,
        ),
        (Some("action_prohibited"), _) => (
            format!(
                "Slack refused the webhook ({st}, action_prohibited): an admin has restricted \
                 posting to its channel"
            ),
            PermanentKind::Credential,
        ),
        (Some("channel_not_found"), _) => (
            format!("the webhook's channel no longer exists ({st}, channel_not_found)"),
            PermanentKind::Gone,
        ),
        (Some("channel_is_archived"), _) => (
            format!("the webhook's channel is archived ({st}, channel_is_archived)"),
            PermanentKind::Gone,
        ),
        (Some(c @ ("no_service" | "no_team" | "no_active_hooks")), _) => (
            format!(
                "Slack does not know this webhook or has disabled it ({st}, {c}): the app was \
                 removed or the URL is wrong"
            ),
            PermanentKind::Gone,
        ),
        (c, 401 | 403) => (
            format!(
                "Slack refused the webhook ({st}{}): it is invalid or its app was removed",
                c.map(|c| format!(", {c}")).unwrap_or_default()
            ),
            PermanentKind::Credential,
        ),
        (c, 404 | 410) => (
            format!(
                "Slack does not know this webhook ({st}{}): it is invalid or its app was removed",
                c.map(|c| format!(", {c}")).unwrap_or_default()
            ),
            PermanentKind::Gone,
        ),
        (c, _) => (
            format!(
                "Slack refused the message as invalid ({st}{})",
                c.map(|c| format!(", {c}")).unwrap_or_default()
            ),
            PermanentKind::Message,
        ),
    };
    let code = code.map(str::to_string).unwrap_or_else(|| match status {
        401 | 403 => "forbidden".into(),
        404 | 410 => "not_found".into(),
        _ => "rejected".into(),
    });
    Refusal {
        message,
        kind,
        code,
    }
}

/// Codes of a 400 that show the hook is live: Slack read the request and
/// refused only its content.
fn live_hook_code(code: &str) -> bool {
    matches!(
        code,
        "invalid_payload" | "no_text" | "missing_text_or_fallback_or_attachments"
    )
}

fn webhook_test_answer(resp: &OutboundResponse) -> TestOutcome {
    let status = resp.status;
    let code = webhook_code(resp);
    match classify_status(status) {
        StatusClass::Success => TestOutcome::success(format!(
            "the Slack webhook URL is live, but Slack accepted the malformed test probe ({}) \
             and may have posted it to the channel",
            status_text(status)
        )),
        StatusClass::ClientError
            if status == 400 && code.as_deref().is_some_and(live_hook_code) =>
        {
            TestOutcome::success(
                "the Slack webhook URL is live: Slack refused a deliberately malformed probe, \
                 so nothing was posted",
            )
        }
        StatusClass::ClientError => {
            let r = webhook_refusal(status, code.as_deref());
            TestOutcome::error(r.message).with_code(r.code)
        }
        StatusClass::RateLimited => WEBHOOK.test_rate_limited(status, resp.retry_after()),
        StatusClass::ServerError => WEBHOOK.test_server_error(status),
        StatusClass::Redirect | StatusClass::Unexpected => WEBHOOK.test_unexpected(status),
    }
}

fn webhook_send_answer(resp: &OutboundResponse) -> SendOutcome {
    let status = resp.status;
    match classify_status(status) {
        // The body is `ok`; any 2xx means Slack took the message.
        StatusClass::Success => SendOutcome::Delivered {
            provider_message_id: None,
            hold_for: None,
        },
        StatusClass::RateLimited => SendOutcome::Retryable {
            reason: format!(
                "Slack is rate limiting this webhook ({})",
                status_text(status)
            ),
            retry_after: resp.retry_after(),
        },
        StatusClass::ServerError => WEBHOOK.send_server_error(status, resp.retry_after()),
        StatusClass::ClientError => {
            let r = webhook_refusal(status, webhook_code(resp).as_deref());
            SendOutcome::Permanent {
                reason: r.message,
                kind: r.kind,
                code: Some(r.code),
            }
        }
        StatusClass::Redirect | StatusClass::Unexpected => unexpected_send(status),
    }
}

fn unexpected_send(status: u16) -> SendOutcome {
    SendOutcome::Permanent {
        reason: format!(
            "Slack answered with an unexpected status ({})",
            status_text(status)
        ),
        kind: PermanentKind::Message,
        code: Some("unexpected_status".into()),
    }
}

// ---------------------------------------------------------------------------
// Web API (bot token)
// ---------------------------------------------------------------------------

/// A Web API answer: `ok` is required, the rest depends on the method.
#[derive(Debug, Deserialize)]
struct ApiAnswer {
    ok: bool,
    error: Option<String>,
    /// `missing_scope`: the scope the method needs.
    needed: Option<String>,
    team: Option<String>,
    user: Option<String>,
    ts: Option<String>,
}

/// A Slack scope list (`chat:write,channels:read`), if it looks like one.
fn scope_list(s: &str) -> Option<&str> {
    let s = s.trim();
    let ok = !s.is_empty()
        && s.len() <= 200
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_:.,- ".contains(&b));
    ok.then_some(s)
}

/// Whether a token with these scopes may call `chat.postMessage`.
fn can_post(scopes: &str) -> bool {
    scopes.split(',').map(str::trim).any(|s| {
        // `chat:write:bot` / `chat:write:user` are the classic apps' forms.
        s == "chat:write" || s.starts_with("chat:write:")
    })
}

fn auth_refusal(code: Option<&str>) -> TestOutcome {
    let message = match code {
        Some("invalid_auth") => {
            "Slack rejected the bot token (invalid_auth): it is mistyped or not a valid token"
                .to_string()
        }
        Some("not_authed") => "Slack received no token (not_authed)".to_string(),
        Some("account_inactive") => "the bot token belongs to a deactivated user or an \
             uninstalled app (account_inactive)"
            .to_string(),
        Some("token_revoked") => "the bot token has been revoked (token_revoked): reinstall \
             the app or issue a new token"
            .to_string(),
        Some("token_expired") => {
            "the bot token has expired (token_expired): issue a new token".to_string()
        }
        Some(c) => format!("Slack refused the bot token ({c})"),
        None => "Slack refused the bot token".to_string(),
    };
    TestOutcome::error(message).with_code(code.unwrap_or("rejected"))
}

fn bot_test_answer(resp: &OutboundResponse, channel: &str) -> TestOutcome {
    let status = resp.status;
    match classify_status(status) {
        StatusClass::Success => {}
        StatusClass::RateLimited => return API.test_rate_limited(status, resp.retry_after()),
        StatusClass::ServerError => return API.test_server_error(status),
        StatusClass::ClientError if status == 401 || status == 403 => {
            return auth_refusal(None);
        }
        _ => return API.test_unexpected(status),
    }
    let Ok(answer) = resp.json::<ApiAnswer>() else {
        return API.test_malformed(status, "the expected auth.test JSON");
    };
    if !answer.ok {
        let code = answer.error.as_deref().and_then(stable_code);
        if code == Some("ratelimited") {
            return API.test_rate_limited(429, resp.retry_after());
        }
        return auth_refusal(code);
    }
    let team = answer
        .team
        .as_deref()
        .map(|t| display_name(t, 80))
        .filter(|t| !t.is_empty());
    let user = answer
        .user
        .as_deref()
        .map(|u| display_name(u, 80))
        .filter(|u| !u.is_empty());
    let who = match (&team, &user) {
        (Some(t), Some(u)) => format!(" for workspace \u{201c}{t}\u{201d} as {u}"),
        (Some(t), None) => format!(" for workspace \u{201c}{t}\u{201d}"),
        _ => String::new(),
    };
    // Slack lists a token's scopes in `X-OAuth-Scopes`; judge only when it
    // does.
    if let Some(scopes) = resp.header("x-oauth-scopes").and_then(scope_list) {
        if !can_post(scopes) {
            return TestOutcome::error(format!(
                "the Slack token is valid{who} but lacks the chat:write scope, so it cannot \
                 post messages: add the scope and reinstall the app"
            ))
            .with_code("missing_scope");
        }
    }
    TestOutcome::success(format!(
        "the Slack bot token is valid{who}; messages will go to {}",
        display_name(channel, 81)
    ))
}

/// A `chat.postMessage` error code, classified.
fn post_error(
    code: Option<&str>,
    needed: Option<&str>,
    retry_after: Option<Duration>,
) -> SendOutcome {
    let permanent = |reason: String, kind: PermanentKind| SendOutcome::Permanent {
        reason,
        kind,
        code: Some(code.unwrap_or("rejected").to_string()),
    };
    match code {
        Some("ratelimited" | "rate_limited") => SendOutcome::Retryable {
            reason: "Slack is rate limiting messages to this channel (ratelimited)".into(),
            retry_after,
        },
        Some(
            c @ ("internal_error" | "fatal_error" | "service_unavailable" | "request_timeout"),
        ) => SendOutcome::Retryable {
            reason: format!("Slack failed to post the message ({c})"),
            retry_after,
        },
        Some(
            c @ ("invalid_auth"
            | "not_authed"
            | "token_revoked"
            | "token_expired"
            | "account_inactive"
            | "no_permission"
            | "not_allowed_token_type"),
        ) => permanent(
            format!("Slack rejected the bot token ({c}): check or replace the token"),
            PermanentKind::Credential,
        ),
        Some("missing_scope") => permanent(
            format!(
                "the bot token lacks the scope {} (missing_scope): add it and reinstall the app",
                needed.and_then(scope_list).unwrap_or("chat:write")
            ),
            PermanentKind::Credential,
        ),
        Some("not_in_channel") => permanent(
            "the bot is not a member of the channel (not_in_channel): invite it to the \
             channel, or grant chat:write.public"
                .into(),
            PermanentKind::Credential,
        ),
        Some(
            c @ ("restricted_action"
            | "restricted_action_read_only_channel"
            | "restricted_action_thread_only_channel"
            | "restricted_action_non_threadable_channel"
            | "ekm_access_denied"
            | "team_access_not_granted"),
        ) => permanent(
            format!("Slack does not let the bot post to this channel ({c})"),
            PermanentKind::Credential,
        ),
        Some("channel_not_found") => permanent(
            "the channel does not exist or the bot cannot see it (channel_not_found): check \
             the channel id"
                .into(),
            PermanentKind::Gone,
        ),
        Some("is_archived") => permanent(
            "the channel is archived (is_archived)".into(),
            PermanentKind::Gone,
        ),
        Some("msg_too_long") => permanent(
            "Slack refused the message as too long (msg_too_long)".into(),
            PermanentKind::Message,
        ),
        Some(c) => permanent(
            format!("Slack refused the message ({c})"),
            PermanentKind::Message,
        ),
        None => permanent(
            "Slack refused the message without an error code".into(),
            PermanentKind::Message,
        ),
    }
}

fn bot_send_answer(resp: &OutboundResponse) -> SendOutcome {
    let status = resp.status;
    match classify_status(status) {
        StatusClass::Success => {}
        StatusClass::RateLimited => {
            return SendOutcome::Retryable {
                reason: format!("Slack is rate limiting messages ({})", status_text(status)),
                retry_after: resp.retry_after(),
            };
        }
        StatusClass::ServerError => return API.send_server_error(status, resp.retry_after()),
        StatusClass::ClientError => {
            // Slack answers errors as HTTP 200; read a body if one came.
            if let Some(a) = resp.json::<ApiAnswer>().ok().filter(|a| !a.ok) {
                return post_error(
                    a.error.as_deref().and_then(stable_code),
                    a.needed.as_deref(),
                    resp.retry_after(),
                );
            }
            let kind = if status == 401 || status == 403 {
                PermanentKind::Credential
            } else {
                PermanentKind::Message
            };
            return SendOutcome::Permanent {
                reason: format!("Slack refused the request ({})", status_text(status)),
                kind,
                code: Some("rejected".into()),
            };
        }
        StatusClass::Redirect | StatusClass::Unexpected => return unexpected_send(status),
    }
    let Ok(answer) = resp.json::<ApiAnswer>() else {
        // Whether the message was posted is unknown; retrying could post it
        // twice, so stop here with a clear reason.
        return SendOutcome::Permanent {
            reason: format!(
                "Slack answered {} with a body that is not the expected chat.postMessage JSON; \
                 the message may or may not have been posted",
                status_text(status)
            ),
            kind: PermanentKind::Message,
            code: Some("invalid_response".into()),
        };
    };
    if answer.ok {
        return SendOutcome::Delivered {
            provider_message_id: answer.ts.filter(|t| !t.is_empty()),
            hold_for: None,
        };
    }
    post_error(
        answer.error.as_deref().and_then(stable_code),
        answer.needed.as_deref(),
        resp.retry_after(),
    )
}

impl SlackProvider {
    fn api_url(&self, method: &str) -> Option<Url> {
        endpoint(&self.api_base, &[method])
    }

    fn bad_api_base() -> &'static str {
        "the Slack API base URL cannot be used (it cannot carry a path)"
    }

    async fn test_webhook(&self, url: Url) -> TestOutcome {
        let req = OutboundRequest::post(url)
            .log_target("slack.webhook.test")
            .body(PROBE_BODY, "application/json");
        match self.client.exchange(req).await {
            Ok(resp) => webhook_test_answer(&resp),
            Err(e) => WEBHOOK.test_failure(&self.client, &e),
        }
    }

    async fn test_bot(&self, token: &str, channel: &str) -> TestOutcome {
        let Some(url) = self.api_url("auth.test") else {
            return invalid_config_test(Self::bad_api_base());
        };
        let req = OutboundRequest::post(url)
            .log_target("slack.auth.test")
            .bearer_auth(token);
        match self.client.exchange(req).await {
            Ok(resp) => bot_test_answer(&resp, channel),
            Err(e) => API.test_failure(&self.client, &e),
        }
    }
}

#[async_trait]
impl Provider for SlackProvider {
    fn kind(&self) -> IntegrationType {
        IntegrationType::Slack
    }

    fn validate(&self, config: &Config) -> Result<(), ValidationErrors> {
        let url = match mode(config) {
            Ok(Mode::Webhook(url)) => Some(url),
            _ => None,
        };
        self.client.validate_url("config.webhookUrl", url.as_ref())
    }

    async fn test(&self, _ctx: &ProviderContext, config: &Config) -> TestOutcome {
        match mode(config) {
            Ok(Mode::Webhook(url)) => self.test_webhook(url).await,
            Ok(Mode::Bot { token, channel }) => self.test_bot(token, channel).await,
            Err(m) => invalid_config_test(m),
        }
    }

    async fn send(
        &self,
        _ctx: &ProviderContext,
        config: &Config,
        message: &Message,
    ) -> SendOutcome {
        let mode = match mode(config) {
            Ok(m) => m,
            Err(m) => return invalid_config_send(m),
        };
        let Some(text) = message_text(message) else {
            return nothing_to_send();
        };
        match mode {
            Mode::Webhook(url) => {
                let req = OutboundRequest::post(url)
                    .log_target("slack.webhook.send")
                    .json(&json!({ "text": text }));
                match self.client.exchange(req).await {
                    Ok(resp) => webhook_send_answer(&resp),
                    Err(e) => WEBHOOK.send_failure(&self.client, &e),
                }
            }
            Mode::Bot { token, channel } => {
                let Some(url) = self.api_url("chat.postMessage") else {
                    return invalid_config_send(Self::bad_api_base());
                };
                let body = json!({ "channel": channel, "text": text });
                let req = OutboundRequest::post(url)
                    .log_target("slack.chat.postMessage")
                    .bearer_auth(token)
                    .body(body.to_string(), "application/json; charset=utf-8");
                match self.client.exchange(req).await {
                    Ok(resp) => bot_send_answer(&resp),
                    Err(e) => API.send_failure(&self.client, &e),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_that_may_post() {
        assert!(can_post("chat:write"));
        assert!(can_post("channels:read, chat:write ,users:read"));
        assert!(can_post("chat:write:bot"));
        assert!(!can_post("chat:write.public"));
        assert!(!can_post("channels:read,incoming-webhook"));
        assert_eq!(
            scope_list(" chat:write,channels:read "),
            Some("chat:write,channels:read")
        );
        assert_eq!(scope_list("<b>x</b>"), None);
    }

    #[test]
    fn webhook_refusals() {
        let r = webhook_refusal(400, Some("invalid_token"));
        assert_eq!(
            (r.kind, r.code.as_str()),
            (PermanentKind::Credential, "invalid_token")
        );
        let r = webhook_refusal(403, Some("action_prohibited"));
        assert_eq!(r.kind, PermanentKind::Credential);
        let r = webhook_refusal(404, Some("no_service"));
        assert_eq!(
            (r.kind, r.code.as_str()),
            (PermanentKind::Gone, "no_service")
        );
        let r = webhook_refusal(404, None);
        assert_eq!(
            (r.kind, r.code.as_str()),
            (PermanentKind::Gone, "not_found")
        );
        let r = webhook_refusal(410, Some("channel_is_archived"));
        assert_eq!(r.kind, PermanentKind::Gone);
        let r = webhook_refusal(400, Some("invalid_payload"));
        assert_eq!(
            (r.kind, r.code.as_str()),
            (PermanentKind::Message, "invalid_payload")
        );
        let r = webhook_refusal(400, None);
        assert_eq!(
            (r.kind, r.code.as_str()),
            (PermanentKind::Message, "rejected")
        );
    }

    #[test]
    fn probe_body_is_not_json() {
        assert!(serde_json::from_slice::<serde_json::Value>(PROBE_BODY).is_err());
    }
}
