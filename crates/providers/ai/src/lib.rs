//! The AI gateway provider: any OpenAI-compatible API (by default the Vercel
//! AI Gateway), through the guarded outbound client.
//!
//! - **validate**: refuses a `baseUrl` whose literal host the SSRF guard
//!   forbids.
//! - **test**: on the Vercel AI Gateway, `GET {base}/credits` (it needs the
//!   key) and reports the balance; elsewhere `GET {base}/models`. With a
//!   `defaultModel`, reports whether the API lists it (`model_not_found`
//!   when not).
//! - **send**: `POST {base}/chat/completions` with the message text as the
//!   user's prompt and `defaultModel` as the model; delivered with the
//!   completion's `id`.
//!
//! Messages are ours: an error body is read only for its stable
//! `error.code` / `error.type`, never returned or logged; nor is the key.

#![warn(missing_docs)]
#![cfg_attr(test, allow(clippy::unwrap_used))]

use async_trait::async_trait;
use patchbay_domain::validation::ValidationErrors;
use patchbay_domain::{
    Config, IntegrationType, Message, PermanentKind, Provider, ProviderContext, SendOutcome,
    TestOutcome,
};
use patchbay_provider_kit::{
    JsonAnswer, OutboundClient, OutboundError, OutboundRequest, Remote, Url, config_text,
    config_url, join_path, refuse, safe_code, status_text,
};
use serde_json::{Value, json};

/// The base URL used when the config names none.
pub const DEFAULT_AI_BASE_URL: &str = "https://ai-gateway.vercel.sh/v1";
/// The Vercel AI Gateway's host: its `/credits` endpoint proves a key.
pub const VERCEL_AI_GATEWAY_HOST: &str = "ai-gateway.vercel.sh";

const NAME: &str = "the AI API";
const REMOTE: Remote<'static> = Remote {
    name: NAME,
    url: "base URL",
    url_advice: "check the base URL",
};

/// The AI gateway provider.
#[derive(Debug, Clone)]
pub struct AiGatewayProvider {
    client: OutboundClient,
}

impl AiGatewayProvider {
    /// OpenAI-compatible gateways through the guarded client.
    pub fn new(client: OutboundClient) -> Self {
        Self { client }
    }
}

/// The configured base URL, or the default.
fn base_url(config: &Config) -> Option<Url> {
    Url::parse(config_text(config, "baseUrl").unwrap_or(DEFAULT_AI_BASE_URL)).ok()
}

/// True when `base` is the Vercel AI Gateway.
pub fn is_vercel_gateway(base: &Url) -> bool {
    base.host_str()
        .is_some_and(|h| h.eq_ignore_ascii_case(VERCEL_AI_GATEWAY_HOST))
}

/// The stable code of an OpenAI-style error body
/// (`{"error": {"message", "type", "param", "code"}}`): `code`, else `type`.
fn error_code(body: &Value) -> Option<String> {
    let e = body.get("error")?;
    e.get("code")
        .and_then(safe_code)
        .or_else(|| e.get("type").and_then(safe_code))
}

/// The text of a chat completion's first choice, whether `content` is a
/// string or an array of `{"type": "text", "text"}` parts. Only its length
/// is ever logged.
pub fn completion_text(body: &Value) -> Option<String> {
    let content = body.pointer("/choices/0/message/content")?;
    match content {
        Value::String(s) => Some(s.clone()),
        Value::Array(parts) => {
            let joined: String = parts
                .iter()
                .filter_map(|p| match p {
                    Value::String(s) => Some(s.as_str()),
                    Value::Object(_) => p.get("text").and_then(Value::as_str),
                    _ => None,
                })
                .collect();
            Some(joined)
        }
        _ => None,
    }
}

/// A balance as reported (`"95.50"` or `95.5`), if it looks like a number.
fn shown_number(v: &Value) -> Option<String> {
    let s = match v {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.trim().to_string(),
        _ => return None,
    };
    let ok = !s.is_empty()
        && s.len() <= 32
        && s.bytes().any(|b| b.is_ascii_digit())
        && s.bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-'));
    ok.then_some(s)
}

impl AiGatewayProvider {
    /// Our message for a request that got no usable answer: the kit's
    /// wording, except that an unsendable header can only be the API key.
    fn failure_message(&self, e: &OutboundError) -> String {
        match e {
            OutboundError::InvalidRequest { .. } => "the request could not be built: the API \
                 key holds characters that cannot be sent in a header"
                .to_string(),
            _ => REMOTE.failure_message(e, self.client.config().total_timeout),
        }
    }

    async fn get(
        &self,
        url: Url,
        key: &str,
        label: &'static str,
    ) -> Result<JsonAnswer, TestOutcome> {
        let req = OutboundRequest::get(url)
            .log_target(label)
            .header("accept", "application/json")
            .bearer_auth(key);
        self.client
            .exchange(req)
            .await
            .map(JsonAnswer::from)
            .map_err(|e| e.test_outcome(self.failure_message(&e)))
    }

    /// Our test failure for a non-2xx answer to `GET {base}/{what}`.
    fn refused(a: &JsonAnswer, what: &str) -> TestOutcome {
        let st = status_text(a.status);
        let code = error_code(&a.body);
        let (message, fallback) = match a.status {
            401 => (
                format!("{NAME} refused the API key ({st}): it is wrong, revoked or expired"),
                "invalid_api_key",
            ),
            402 => (
                format!("{NAME} accepted the key but the account has no credit left ({st})"),
                "insufficient_credits",
            ),
            403 => (
                format!("{NAME} forbids this API key from reading /{what} ({st})"),
                "forbidden",
            ),
            404 => (
                format!(
                    "the base URL does not serve an OpenAI-compatible /{what} endpoint ({st}); \
                     check that it ends with the API version (e.g. /v1)"
                ),
                "not_found",
            ),
            429 => (
                format!("{NAME} is rate limiting this key ({st}); try again shortly"),
                "rate_limited",
            ),
            500..=599 => (
                format!("{NAME} failed with a server error ({st})"),
                "server_error",
            ),
            _ => (
                format!("{NAME} answered /{what} with an unexpected status ({st})"),
                "unexpected_status",
            ),
        };
        TestOutcome::error(message).with_code(code.unwrap_or_else(|| fallback.to_string()))
    }

    /// `GET {base}/models`: the listed model ids, or a test failure.
    async fn list_models(&self, base: &Url, key: &str) -> Result<Vec<String>, TestOutcome> {
        let Some(url) = join_path(base, "models") else {
            return Err(TestOutcome::error("the base URL cannot be used").with_code("invalid_url"));
        };
        let a = self.get(url, key, "ai.models").await?;
        if !(200..300).contains(&a.status) {
            return Err(Self::refused(&a, "models"));
        }
        let Some(data) = a.body.get("data").and_then(Value::as_array) else {
            return Err(TestOutcome::error(format!(
                "{NAME} answered /models ({}) but not with the expected model list; check the \
                 base URL",
                status_text(a.status)
            ))
            .with_code("invalid_response"));
        };
        Ok(data
            .iter()
            .filter_map(|m| m.get("id").and_then(Value::as_str).map(str::to_string))
            .collect())
    }
}

#[async_trait]
impl Provider for AiGatewayProvider {
    fn kind(&self) -> IntegrationType {
        IntegrationType::AiGateway
    }

    fn validate(&self, config: &Config) -> Result<(), ValidationErrors> {
        self.client
            .validate_url("config.baseUrl", config_url(config, "baseUrl").as_ref())
    }

    async fn test(&self, _ctx: &ProviderContext, config: &Config) -> TestOutcome {
        let Some(key) = config_text(config, "apiKey") else {
            return TestOutcome::error("no API key is configured").with_code("invalid_config");
        };
        let Some(base) = base_url(config) else {
            return TestOutcome::error("the base URL is not a valid URL")
                .with_code("invalid_config");
        };
        let model = config_text(config, "defaultModel");

        let mut summary = if is_vercel_gateway(&base) {
            let Some(url) = join_path(&base, "credits") else {
                return TestOutcome::error("the base URL cannot be used").with_code("invalid_url");
            };
            let a = match self.get(url, key, "ai.credits").await {
                Ok(a) => a,
                Err(outcome) => return outcome,
            };
            if !(200..300).contains(&a.status) {
                return Self::refused(&a, "credits");
            }
            if !a.body.is_object() {
                return TestOutcome::error(format!(
                    "the AI Gateway answered /credits ({}) but not with the expected balance",
                    status_text(a.status)
                ))
                .with_code("invalid_response");
            }
            match a.body.get("balance").and_then(shown_number) {
                Some(balance) => {
                    format!("the API key is valid; AI Gateway credit balance: {balance}")
                }
                None => "the API key is valid (the AI Gateway reported no balance)".to_string(),
            }
        } else {
            match model {
                // The model check below lists the models: one request.
                Some(_) => String::new(),
                None => match self.list_models(&base, key).await {
                    Ok(models) => {
                        format!("the API key is valid; {} model(s) available", models.len())
                    }
                    Err(outcome) => return outcome,
                },
            }
        };

        if let Some(model) = model {
            let models = match self.list_models(&base, key).await {
                Ok(m) => m,
                Err(outcome) if summary.is_empty() => return outcome,
                Err(outcome) => {
                    return TestOutcome {
                        message: format!(
                            "{summary}, but the model list could not be read: {}",
                            outcome.message
                        ),
                        ..outcome
                    };
                }
            };
            if summary.is_empty() {
                summary = format!("the API key is valid; {} model(s) available", models.len());
            }
            if models.iter().any(|m| m == model) {
                summary.push_str(&format!("; the default model {model} is available"));
            } else {
                return TestOutcome::error(format!(
                    "{summary}, but the default model {model} is not among them; check its \
                     name (on the AI Gateway: provider/model, e.g. openai/gpt-4o-mini)"
                ))
                .with_code("model_not_found");
            }
        }
        TestOutcome::success(summary)
    }

    async fn send(
        &self,
        _ctx: &ProviderContext,
        config: &Config,
        message: &Message,
    ) -> SendOutcome {
        let Some(key) = config_text(config, "apiKey") else {
            return refuse(
                PermanentKind::Credential,
                "invalid_config",
                "no API key is configured",
            );
        };
        let Some(base) = base_url(config) else {
            return refuse(
                PermanentKind::Credential,
                "invalid_config",
                "the base URL is not a valid URL",
            );
        };
        let Some(model) = config_text(config, "defaultModel") else {
            return refuse(
                PermanentKind::Message,
                "missing_model",
                "no model to send to: set the integration's defaultModel",
            );
        };
        let Some(prompt) = message.text.as_deref().filter(|t| !t.trim().is_empty()) else {
            return refuse(
                PermanentKind::Message,
                "missing_content",
                "the message has no text to send as the prompt",
            );
        };
        let Some(url) = join_path(&base, "chat/completions") else {
            return refuse(
                PermanentKind::Credential,
                "invalid_url",
                "the base URL cannot be used",
            );
        };
        let body = json!({
            "model": model,
            "messages": [{"role": "user", "content": prompt}],
        });
        let req = OutboundRequest::post(url)
            .log_target("ai.chat_completions")
            .bearer_auth(key)
            .json(&body);
        let a = match self.client.exchange(req).await {
            Ok(resp) => JsonAnswer::from(resp),
            Err(e) => return e.send_outcome(self.failure_message(&e)),
        };
        let st = status_text(a.status);
        let code = error_code(&a.body);
        let retry_after = a.retry_after();
        let permanent = |kind, reason: String, fallback: &str| SendOutcome::Permanent {
            reason,
            kind,
            code: Some(code.clone().unwrap_or_else(|| fallback.to_string())),
        };
        match a.status {
            200..=299 => {
                let reply = completion_text(&a.body);
                tracing::debug!(
                    target: "patchbay::provider::ai",
                    reply_chars = reply.as_ref().map(|r| r.chars().count()),
                    "chat completion delivered"
                );
                SendOutcome::Delivered {
                    provider_message_id: a.text_at("/id"),
                    hold_for: None,
                }
            }
            // OpenAI answers 429 `insufficient_quota` for an account out of
            // credit: retrying soon cannot help.
            429 if code.as_deref() == Some("insufficient_quota") => permanent(
                PermanentKind::Credential,
                format!("the AI account has no quota left ({st})"),
                "insufficient_quota",
            ),
            429 => SendOutcome::Retryable {
                reason: format!("{NAME} is rate limiting this key ({st})"),
                retry_after,
            },
            500..=599 => SendOutcome::Retryable {
                reason: format!("{NAME} failed with a server error ({st})"),
                retry_after,
            },
            401 | 403 => permanent(
                PermanentKind::Credential,
                format!("{NAME} refused the API key ({st}): it is wrong, revoked or not allowed"),
                if a.status == 401 {
                    "invalid_api_key"
                } else {
                    "forbidden"
                },
            ),
            402 => permanent(
                PermanentKind::Credential,
                format!("the AI account has no credit left ({st})"),
                "insufficient_credits",
            ),
            404 => permanent(
                PermanentKind::Message,
                format!(
                    "{NAME} refused the request as not found ({st}): the model {model} may not \
                     exist, or the base URL is wrong"
                ),
                "not_found",
            ),
            400 => permanent(
                PermanentKind::Message,
                format!("{NAME} refused the request as invalid ({st})"),
                "invalid_request",
            ),
            _ => permanent(
                PermanentKind::Message,
                format!("{NAME} refused the request ({st})"),
                "rejected",
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_keep_the_version_path() {
        let base = Url::parse(DEFAULT_AI_BASE_URL).unwrap();
        assert!(is_vercel_gateway(&base));
        assert_eq!(
            join_path(&base, "credits").unwrap().as_str(),
            "https://ai-gateway.vercel.sh/v1/credits"
        );
        assert_eq!(
            join_path(&base, "chat/completions").unwrap().as_str(),
            "https://ai-gateway.vercel.sh/v1/chat/completions"
        );
        let other = Url::parse("https://api.openai.com/v1/").unwrap();
        assert!(!is_vercel_gateway(&other));
        assert_eq!(
            join_path(&other, "models").unwrap().as_str(),
            "https://api.openai.com/v1/models"
        );
        let lookalike = Url::parse("https://ai-gateway.vercel.sh.evil.example/v1").unwrap();
        assert!(!is_vercel_gateway(&lookalike));
    }

    #[test]
    fn completion_text_takes_strings_and_parts() {
        let s = json!({"choices": [{"message": {"role": "assistant", "content": "hi"}}]});
        assert_eq!(completion_text(&s).as_deref(), Some("hi"));
        let parts = json!({"choices": [{"message": {"content": [
            {"type": "text", "text": "a"}, {"type": "image_url"}, "b", 5
        ]}}]});
        assert_eq!(completion_text(&parts).as_deref(), Some("ab"));
        for odd in [
            json!({}),
            json!({"choices": []}),
            json!({"choices": [{"message": {"content": null}}]}),
            json!("x"),
        ] {
            assert_eq!(completion_text(&odd), None, "{odd}");
        }
    }

    #[test]
    fn error_codes_and_numbers() {
        let body = json!({"error": {"message": "SECRET", "type": "invalid_request_error", "code": "model_not_found"}});
        assert_eq!(error_code(&body).as_deref(), Some("model_not_found"));
        let body =
            json!({"error": {"message": "SECRET", "type": "authentication_error", "code": null}});
        assert_eq!(error_code(&body).as_deref(), Some("authentication_error"));
        assert_eq!(error_code(&json!({"error": "SECRET prose here"})), None);
        assert_eq!(shown_number(&json!("95.50")).as_deref(), Some("95.50"));
        assert_eq!(shown_number(&json!(12.5)).as_deref(), Some("12.5"));
        assert_eq!(shown_number(&json!("lots")), None);
    }
}
