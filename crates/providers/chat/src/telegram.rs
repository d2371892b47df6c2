//! Telegram bots. The token is part of every request's path
//! (`{api_base}bot{token}/method`): it is never shown, and the kit logs only
//! the host.
//!
//! - **test**: `GET bot{token}/getMe` (401: invalid token), then
//!   `GET getChat?chat_id=...` to prove the bot can see the chat.
//! - **send**: `POST bot{token}/sendMessage` `{"chat_id", "text",
//!   "parse_mode"?}`; the answer's `result.message_id` is the message id.
//!   Errors are `{"ok": false, "error_code", "description", "parameters"?:
//!   {"retry_after"?, "migrate_to_chat_id"?}}`; the description is
//!   Telegram's text and is only matched, never shown.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use patchbay_domain::{
    Config, ConfigValue, IntegrationType, Message, PermanentKind, Provider, ProviderContext,
    SendOutcome, TestOutcome,
};
use patchbay_provider_kit::{
    OutboundClient, OutboundRequest, OutboundResponse, StatusClass, Url, classify_status,
    config_text, retry_after_from_secs_f64, status_text,
};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::common::{
    Remote, display_name, endpoint, invalid_config_send, invalid_config_test, text_within_limit,
};

/// Telegram's Bot API base; calls go to `{base}bot{token}/{method}`.
pub const TELEGRAM_API_BASE: &str = "https://api.telegram.org/";

const REMOTE: Remote = Remote {
    service: "Telegram",
    url_name: "API base URL",
};

/// The Telegram provider.
#[derive(Debug, Clone)]
pub struct TelegramProvider {
    client: OutboundClient,
    api_base: Url,
}

impl TelegramProvider {
    /// Telegram bots through the guarded client; `api_base` is the Bot API
    /// ([`TELEGRAM_API_BASE`] in production).
    pub fn new(client: OutboundClient, api_base: Url) -> Self {
        Self { client, api_base }
    }
}

/// A chat id as configured: an integer (groups are negative) or a string
/// (`@channelusername`, or digits given as text). Sent as given.
enum ChatId {
    Int(i64),
    Text(String),
}

impl ChatId {
    fn json(&self) -> Value {
        match self {
            ChatId::Int(i) => Value::from(*i),
            ChatId::Text(s) => Value::String(s.clone()),
        }
    }
}

impl fmt::Display for ChatId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChatId::Int(i) => write!(f, "{i}"),
            ChatId::Text(s) => f.write_str(s),
        }
    }
}

/// What a Telegram config resolves to. Holds the token: no `Debug`.
struct Target<'a> {
    token: &'a str,
    chat: ChatId,
    parse_mode: Option<&'a str>,
}

fn target(config: &Config) -> Result<Target<'_>, &'static str> {
    let token = config_text(config, "botToken")
        .ok_or("the Telegram integration has no bot token configured")?;
    let chat = match config.get("chatId") {
        Some(ConfigValue::Plain(Value::Number(n))) => {
            ChatId::Int(n.as_i64().ok_or("the Telegram chat id is not an integer")?)
        }
        _ => ChatId::Text(
            config_text(config, "chatId")
                .ok_or("the Telegram integration has no chat id configured")?
                .to_string(),
        ),
    };
    Ok(Target {
        token,
        chat,
        parse_mode: config_text(config, "parseMode"),
    })
}

/// A Bot API answer.
#[derive(Debug, Deserialize)]
struct Answer<T> {
    ok: bool,
    result: Option<T>,
    error_code: Option<i64>,
    /// Telegram's text: matched against known phrases, never shown.
    description: Option<String>,
    parameters: Option<Parameters>,
}

#[derive(Debug, Default, Deserialize)]
struct Parameters {
    retry_after: Option<f64>,
    migrate_to_chat_id: Option<i64>,
}

#[derive(Debug, Deserialize)]
struct Bot {
    username: Option<String>,
    first_name: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Chat {
    #[serde(rename = "type")]
    kind: Option<String>,
    title: Option<String>,
    username: Option<String>,
}

#[derive(Debug, Deserialize)]
struct SentMessage {
    message_id: Value,
}

/// An error answer: the status (Telegram's `error_code` when the HTTP
/// status says 200), what the description matched and the parameters.
struct Failure {
    status: u16,
    problem: Problem,
    params: Parameters,
}

/// The stable meaning of an error answer's description.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Problem {
    ChatNotFound,
    Migrated,
    BotBlocked,
    BotKicked,
    NotMember,
    UserDeactivated,
    NoRights,
    CannotParseEntities,
    TooLong,
    EmptyText,
    Other,
}

fn problem(description: &str, params: &Parameters) -> Problem {
    let d = description.to_ascii_lowercase();
    if params.migrate_to_chat_id.is_some() || d.contains("upgraded to a supergroup") {
        Problem::Migrated
    } else if d.contains("chat not found") {
        Problem::ChatNotFound
    } else if d.contains("bot was blocked") {
        Problem::BotBlocked
    } else if d.contains("bot was kicked") {
        Problem::BotKicked
    } else if d.contains("not a member") {
        Problem::NotMember
    } else if d.contains("user is deactivated") {
        Problem::UserDeactivated
    } else if d.contains("not enough rights") || d.contains("have no rights") {
        Problem::NoRights
    } else if d.contains("can't parse entities") || d.contains("can not parse entities") {
        Problem::CannotParseEntities
    } else if d.contains("too long") {
        Problem::TooLong
    } else if d.contains("text is empty") {
        Problem::EmptyText
    } else {
        Problem::Other
    }
}

fn failure<T>(http_status: u16, answer: Option<Answer<T>>) -> Failure {
    let (code, description, params) = match answer {
        Some(a) => (
            a.error_code,
            a.description,
            a.parameters.unwrap_or_default(),
        ),
        None => (None, None, Parameters::default()),
    };
    let status = if (200..300).contains(&http_status) {
        code.and_then(|c| u16::try_from(c).ok()).unwrap_or(400)
    } else {
        http_status
    };
    let problem = problem(description.as_deref().unwrap_or_default(), &params);
    Failure {
        status,
        problem,
        params,
    }
}

/// How an error answer is classified.
enum Verdict {
    Retry {
        reason: String,
        retry_after: Option<Duration>,
    },
    Refused {
        reason: String,
        kind: PermanentKind,
        code: &'static str,
    },
}

fn verdict(f: &Failure, chat: &ChatId, retry_header: Option<Duration>) -> Verdict {
    let st = status_text(f.status);
    let refused = |reason: String, kind, code| Verdict::Refused { reason, kind, code };
    match (f.status, f.problem) {
        (429, _) => Verdict::Retry {
            reason: format!("Telegram is rate limiting the bot ({st})"),
            retry_after: f
                .params
                .retry_after
                .and_then(retry_after_from_secs_f64)
                .or(retry_header),
        },
        (500..=599, _) => Verdict::Retry {
            reason: format!("Telegram failed with a server error ({st})"),
            retry_after: retry_header,
        },
        (401 | 404, _) => refused(
            format!(
                "Telegram rejected the bot token ({st}): it is mistyped or was revoked; get the \
                 current token from @BotFather"
            ),
            PermanentKind::Credential,
            "invalid_token",
        ),
        (_, Problem::Migrated) => {
            let new_id = f
                .params
                .migrate_to_chat_id
                .map(|id| format!(" Its new chat id is {id}: set chatId to it."))
                .unwrap_or_default();
            refused(
                format!(
                    "the group {chat} was upgraded to a supergroup and has a new chat id \
                     ({st}).{new_id}"
                ),
                PermanentKind::Gone,
                "chat_migrated",
            )
        }
        (_, Problem::ChatNotFound) => refused(
            format!(
                "Telegram says chat {chat} was not found ({st}): the bot cannot see that chat; \
                 add the bot to it (for a channel, as an administrator) or check the chat id"
            ),
            PermanentKind::Gone,
            "chat_not_found",
        ),
        (_, Problem::BotBlocked) => refused(
            format!("the user blocked the bot ({st}): it cannot message chat {chat}"),
            PermanentKind::Credential,
            "bot_blocked",
        ),
        (_, Problem::BotKicked) => refused(
            format!("the bot was removed from chat {chat} ({st}): add it again"),
            PermanentKind::Credential,
            "bot_kicked",
        ),
        (_, Problem::NotMember) => refused(
            format!("the bot is not a member of chat {chat} ({st}): add it to the chat"),
            PermanentKind::Credential,
            "not_member",
        ),
        (_, Problem::UserDeactivated) => refused(
            format!("the user of chat {chat} has deleted their account ({st})"),
            PermanentKind::Gone,
            "user_deactivated",
        ),
        (_, Problem::NoRights) => refused(
            format!(
                "the bot may not post in chat {chat} ({st}): give it the right to send messages"
            ),
            PermanentKind::Credential,
            "no_rights",
        ),
        (403, _) => refused(
            format!("Telegram does not let the bot message chat {chat} ({st})"),
            PermanentKind::Credential,
            "forbidden",
        ),
        (_, Problem::CannotParseEntities) => refused(
            format!(
                "Telegram could not parse the message's formatting ({st}): check the text \
                 against the parseMode (MarkdownV2 needs special characters escaped)"
            ),
            PermanentKind::Message,
            "cannot_parse_entities",
        ),
        (_, Problem::TooLong) => refused(
            format!("Telegram refused the message as too long ({st})"),
            PermanentKind::Message,
            "message_too_long",
        ),
        (_, Problem::EmptyText) => refused(
            format!("Telegram refused the message as empty ({st})"),
            PermanentKind::Message,
            "empty_text",
        ),
        _ => refused(
            format!("Telegram refused the request ({st})"),
            PermanentKind::Message,
            "bad_request",
        ),
    }
}

/// Read an answer: `Ok(result)` on success, `Err(Some(failure))` on an
/// error answer, `Err(None)` when the body is not the documented JSON.
fn read<T: DeserializeOwned>(resp: &OutboundResponse) -> Result<T, Option<Failure>> {
    let answer = resp.json::<Answer<T>>().ok();
    let success = classify_status(resp.status) == StatusClass::Success;
    match answer {
        Some(a) if success && a.ok => a.result.ok_or(None),
        Some(a) => Err(Some(failure(resp.status, Some(a)))),
        None if success => Err(None),
        None => Err(Some(failure::<T>(resp.status, None))),
    }
}

impl TelegramProvider {
    fn method_url(&self, token: &str, method: &str) -> Option<Url> {
        endpoint(&self.api_base, &[&format!("bot{token}"), method])
    }

    fn bad_api_base() -> &'static str {
        "the Telegram API base URL cannot be used (it cannot carry a path)"
    }

    async fn check_chat(&self, t: &Target<'_>, bot: &str) -> TestOutcome {
        let Some(mut url) = self.method_url(t.token, "getChat") else {
            return invalid_config_test(Self::bad_api_base());
        };
        url.query_pairs_mut()
            .append_pair("chat_id", &t.chat.to_string());
        let req = OutboundRequest::get(url).log_target("telegram.getChat");
        let resp = match self.client.exchange(req).await {
            Ok(r) => r,
            Err(e) => {
                let o = REMOTE.test_failure(&self.client, &e);
                return TestOutcome {
                    message: format!(
                        "the bot {bot} is valid, but checking the chat failed: {}",
                        o.message
                    ),
                    ..o
                };
            }
        };
        match read::<Chat>(&resp) {
            Ok(chat) => {
                let name = chat
                    .title
                    .as_deref()
                    .or(chat.username.as_deref())
                    .map(|n| display_name(n, 100))
                    .filter(|n| !n.is_empty());
                let kind = chat
                    .kind
                    .as_deref()
                    .filter(|k| k.bytes().all(|b| b.is_ascii_lowercase()) && k.len() <= 20);
                let what = match (name, kind) {
                    (Some(n), Some(k)) => format!("{k} chat \u{201c}{n}\u{201d} ({})", t.chat),
                    (Some(n), None) => format!("chat \u{201c}{n}\u{201d} ({})", t.chat),
                    (None, Some(k)) => format!("{k} chat {}", t.chat),
                    (None, None) => format!("chat {}", t.chat),
                };
                TestOutcome::success(format!("the bot {bot} is valid and can see {what}"))
            }
            Err(None) => REMOTE.test_malformed(resp.status, "the expected getChat JSON"),
            Err(Some(f)) => match verdict(&f, &t.chat, resp.retry_after()) {
                Verdict::Retry { .. } if f.status == 429 => {
                    let hint = f.params.retry_after.and_then(retry_after_from_secs_f64);
                    let o = REMOTE.test_rate_limited(429, hint.or(resp.retry_after()));
                    TestOutcome {
                        message: format!("the bot {bot} is valid, but {}", o.message),
                        ..o
                    }
                }
                Verdict::Retry { .. } => {
                    let o = REMOTE.test_server_error(f.status);
                    TestOutcome {
                        message: format!(
                            "the bot {bot} is valid, but checking the chat failed: {}",
                            o.message
                        ),
                        ..o
                    }
                }
                Verdict::Refused { reason, code, .. } => {
                    TestOutcome::error(format!("the bot {bot} is valid, but {reason}"))
                        .with_code(code)
                }
            },
        }
    }
}

#[async_trait]
impl Provider for TelegramProvider {
    fn kind(&self) -> IntegrationType {
        IntegrationType::Telegram
    }

    async fn test(&self, _ctx: &ProviderContext, config: &Config) -> TestOutcome {
        let t = match target(config) {
            Ok(t) => t,
            Err(m) => return invalid_config_test(m),
        };
        let Some(url) = self.method_url(t.token, "getMe") else {
            return invalid_config_test(Self::bad_api_base());
        };
        let req = OutboundRequest::get(url).log_target("telegram.getMe");
        let resp = match self.client.exchange(req).await {
            Ok(r) => r,
            Err(e) => return REMOTE.test_failure(&self.client, &e),
        };
        let bot = match read::<Bot>(&resp) {
            Ok(bot) => bot,
            Err(None) => return REMOTE.test_malformed(resp.status, "the expected getMe JSON"),
            Err(Some(f)) => {
                return match verdict(&f, &t.chat, resp.retry_after()) {
                    Verdict::Retry { retry_after, .. } if f.status == 429 => {
                        REMOTE.test_rate_limited(429, retry_after)
                    }
                    Verdict::Retry { .. } => REMOTE.test_server_error(f.status),
                    Verdict::Refused { reason, code, .. } => {
                        TestOutcome::error(reason).with_code(code)
                    }
                };
            }
        };
        let name = bot
            .username
            .as_deref()
            .map(|u| format!("@{}", display_name(u, 64)))
            .or_else(|| {
                bot.first_name
                    .as_deref()
                    .map(|n| format!("\u{201c}{}\u{201d}", display_name(n, 64)))
            })
            .unwrap_or_else(|| "token".to_string());
        self.check_chat(&t, &name).await
    }

    async fn send(
        &self,
        _ctx: &ProviderContext,
        config: &Config,
        message: &Message,
    ) -> SendOutcome {
        let t = match target(config) {
            Ok(t) => t,
            Err(m) => return invalid_config_send(m),
        };
        let text = match text_within_limit(IntegrationType::Telegram, message) {
            Ok(t) => t,
            Err(refusal) => return refusal,
        };
        let Some(url) = self.method_url(t.token, "sendMessage") else {
            return invalid_config_send(Self::bad_api_base());
        };
        let mut body = Map::new();
        body.insert("chat_id".into(), t.chat.json());
        body.insert("text".into(), Value::String(text));
        if let Some(mode) = t.parse_mode {
            body.insert("parse_mode".into(), Value::String(mode.to_string()));
        }
        let req = OutboundRequest::post(url)
            .log_target("telegram.sendMessage")
            .json(&Value::Object(body));
        let resp = match self.client.exchange(req).await {
            Ok(r) => r,
            Err(e) => return REMOTE.send_failure(&self.client, &e),
        };
        match read::<SentMessage>(&resp) {
            Ok(sent) => SendOutcome::Delivered {
                provider_message_id: match sent.message_id {
                    Value::Number(n) => Some(n.to_string()),
                    Value::String(s) if !s.is_empty() => Some(s),
                    _ => None,
                },
                hold_for: None,
            },
            // Whether the message went out is unknown; retrying could send
            // it twice, so stop here with a clear reason.
            Err(None) => SendOutcome::Permanent {
                reason: format!(
                    "Telegram answered {} with a body that is not the expected sendMessage \
                     JSON; the message may or may not have been sent",
                    status_text(resp.status)
                ),
                kind: PermanentKind::Message,
                code: Some("invalid_response".into()),
            },
            Err(Some(f)) => match verdict(&f, &t.chat, resp.retry_after()) {
                Verdict::Retry {
                    reason,
                    retry_after,
                } => SendOutcome::Retryable {
                    reason,
                    retry_after,
                },
                Verdict::Refused { reason, kind, code } => SendOutcome::Permanent {
                    reason,
                    kind,
                    code: Some(code.into()),
                },
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(status: u16, description: &str, params: Parameters) -> Failure {
        Failure {
            status,
            problem: problem(description, &params),
            params,
        }
    }

    fn refused(v: Verdict) -> (PermanentKind, &'static str) {
        match v {
            Verdict::Refused { kind, code, .. } => (kind, code),
            Verdict::Retry { .. } => panic!("retry"),
        }
    }

    #[test]
    fn descriptions_map_to_stable_codes() {
        let chat = ChatId::Int(-42);
        let none = Parameters::default;
        let cases = [
            (
                400,
                "Bad Request: chat not found",
                PermanentKind::Gone,
                "chat_not_found",
            ),
            (
                403,
                "Forbidden: bot was blocked by the user",
                PermanentKind::Credential,
                "bot_blocked",
            ),
            (
                403,
                "Forbidden: bot was kicked from the group chat",
                PermanentKind::Credential,
                "bot_kicked",
            ),
            (
                403,
                "Forbidden: bot is not a member of the channel chat",
                PermanentKind::Credential,
                "not_member",
            ),
            (
                403,
                "Forbidden: user is deactivated",
                PermanentKind::Gone,
                "user_deactivated",
            ),
            (
                403,
                "Forbidden: something new",
                PermanentKind::Credential,
                "forbidden",
            ),
            (
                400,
                "Bad Request: not enough rights to send text messages to the chat",
                PermanentKind::Credential,
                "no_rights",
            ),
            (
                400,
                "Bad Request: can't parse entities: Character '.' is reserved",
                PermanentKind::Message,
                "cannot_parse_entities",
            ),
            (
                400,
                "Bad Request: message is too long",
                PermanentKind::Message,
                "message_too_long",
            ),
            (
                400,
                "Bad Request: message text is empty",
                PermanentKind::Message,
                "empty_text",
            ),
            (
                400,
                "Bad Request: something else",
                PermanentKind::Message,
                "bad_request",
            ),
            (
                401,
                "Unauthorized",
                PermanentKind::Credential,
                "invalid_token",
            ),
            (404, "Not Found", PermanentKind::Credential, "invalid_token"),
        ];
        for (status, d, kind, code) in cases {
            assert_eq!(
                refused(verdict(&f(status, d, none()), &chat, None)),
                (kind, code),
                "{d}"
            );
        }
        let migrated = f(
            400,
            "Bad Request: group chat was upgraded to a supergroup chat",
            Parameters {
                migrate_to_chat_id: Some(-1001234567890),
                ..none()
            },
        );
        let Verdict::Refused { reason, kind, code } = verdict(&migrated, &chat, None) else {
            panic!()
        };
        assert_eq!((kind, code), (PermanentKind::Gone, "chat_migrated"));
        assert!(reason.contains("-1001234567890"), "{reason}");
        assert!(reason.contains("supergroup"), "{reason}");
    }

    #[test]
    fn a_200_error_answer_uses_its_error_code() {
        let a: Answer<Value> = serde_json::from_str(
            r#"{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 7","parameters":{"retry_after":7}}"#,
        )
        .unwrap();
        let fl = failure(200, Some(a));
        assert_eq!(fl.status, 429);
        let Verdict::Retry { retry_after, .. } = verdict(&fl, &ChatId::Int(1), None) else {
            panic!()
        };
        assert_eq!(retry_after, Some(Duration::from_secs(7)));
    }
}
