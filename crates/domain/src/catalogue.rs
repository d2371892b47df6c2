//! The compiled-in catalogue of integration types: stable ids, field specs
//! from the providers' documentation, JSON Schema for clients, and validation.

use std::sync::LazyLock;
use std::time::Duration;

use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::validation::{FieldRule, ValidationPolicy};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IntegrationType {
    Discord,
    Slack,
    Telegram,
    Sendgrid,
    Resend,
    Webhook,
    Web3,
    AiGateway,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    Chat,
    Email,
    Webhook,
    Web3,
    Ai,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Capabilities {
    pub test: bool,
    pub send: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum FieldKind {
    String,
    Integer,
    /// An integer, or a string of digits, or `@name` (Telegram chat ids).
    IntegerOrString,
    /// An object of string → string (extra HTTP headers).
    StringMap,
}

/// One config field of a type.
#[derive(Debug, Clone)]
pub struct FieldSpec {
    /// Canonical camelCase name, as `/api/integrations` and storage use it.
    pub name: &'static str,
    /// Other names accepted on input and rewritten to `name`.
    pub aliases: &'static [&'static str],
    pub kind: FieldKind,
    pub required: bool,
    pub secret: bool,
    pub description: &'static str,
    pub rule: FieldRule,
}

#[derive(Debug, Clone)]
pub struct TypeSpec {
    pub kind: IntegrationType,
    pub id: i32,
    pub slug: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub category: Category,
    pub capabilities: Capabilities,
    /// What one message through this type may carry; the domain's send
    /// checks and the provider's own checks both read it from here.
    pub limits: MessageLimits,
    /// The least time between two sends through one integration, within the
    /// provider's published rate, so a burst is queued rather than rejected.
    /// An integration targets one channel, chat or endpoint, so per
    /// integration is per channel. `None`: no pacing beyond what the
    /// provider answers.
    pub pacing: Option<Duration>,
    pub fields: Vec<FieldSpec>,
}

/// A provider's published limits on one message (Patchbay never truncates).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MessageLimits {
    /// Longest text, in characters, with the subject as it is sent.
    pub max_text_chars: Option<usize>,
    /// Most recipients of one email.
    pub max_recipients: Option<usize>,
}

const NO_LIMITS: MessageLimits = MessageLimits {
    max_text_chars: None,
    max_recipients: None,
};

const fn text_limit(chars: usize) -> MessageLimits {
    MessageLimits {
        max_text_chars: Some(chars),
        max_recipients: None,
    }
}

const fn recipient_limit(n: usize) -> MessageLimits {
    MessageLimits {
        max_text_chars: None,
        max_recipients: Some(n),
    }
}

const fn millis(ms: u64) -> Option<Duration> {
    Some(Duration::from_millis(ms))
}

const fn f(
    name: &'static str,
    kind: FieldKind,
    required: bool,
    secret: bool,
    description: &'static str,
    rule: FieldRule,
) -> FieldSpec {
    FieldSpec {
        name,
        aliases: &[],
        kind,
        required,
        secret,
        description,
        rule,
    }
}

use FieldKind as K;
use FieldRule as R;

static CATALOGUE: LazyLock<Vec<TypeSpec>> = LazyLock::new(|| {
    let both = Capabilities {
        test: true,
        send: true,
    };
    vec![
        TypeSpec {
            kind: IntegrationType::Discord,
            id: 1,
            slug: "discord",
            name: "Discord",
            description: "Discord webhook notifications",
            category: Category::Chat,
            capabilities: both,
            limits: text_limit(2000),
            // Webhooks allow 5 requests per 2 s per webhook; the 429 answer and
            // its `retry_after` govern beyond that.
            pacing: millis(400),
            fields: vec![
                f(
                    "webhookUrl",
                    K::String,
                    true,
                    true,
                    "Discord incoming webhook URL (https://discord.com/api/webhooks/{id}/{token}). The token is part of the URL, so it is stored as a secret.",
                    R::DiscordWebhookUrl,
                ),
                f(
                    "username",
                    K::String,
                    false,
                    false,
                    "Display name override for messages (at most 80 characters).",
                    R::MaxLen(80),
                ),
                f(
                    "avatarUrl",
                    K::String,
                    false,
                    false,
                    "Avatar image URL override for messages.",
                    R::HttpUrl,
                ),
            ],
        },
        TypeSpec {
            kind: IntegrationType::Slack,
            id: 2,
            slug: "slack",
            name: "Slack",
            description: "Slack workspace integration",
            category: Category::Chat,
            capabilities: both,
            limits: text_limit(40_000),
            // About one message per second per channel.
            pacing: millis(1000),
            fields: vec![
                f(
                    "webhookUrl",
                    K::String,
                    false,
                    true,
                    "Slack incoming webhook URL (https://hooks.slack.com/services/...). Give this or botToken.",
                    R::SlackWebhookUrl,
                ),
                f(
                    "botToken",
                    K::String,
                    false,
                    true,
                    "Slack bot (xoxb-) or user (xoxp-) token. Give this or webhookUrl.",
                    R::SlackToken,
                ),
                f(
                    "channel",
                    K::String,
                    false,
                    false,
                    "Channel id (C0123456789) or #name; required with botToken.",
                    R::SlackChannel,
                ),
            ],
        },
        TypeSpec {
            kind: IntegrationType::Telegram,
            id: 3,
            slug: "telegram",
            name: "Telegram",
            description: "Telegram bot messaging",
            category: Category::Chat,
            capabilities: both,
            limits: text_limit(4096),
            // About one message per second per chat.
            pacing: millis(1000),
            fields: vec![
                f(
                    "botToken",
                    K::String,
                    true,
                    true,
                    "Bot token from @BotFather (123456789:ABC...).",
                    R::TelegramToken,
                ),
                f(
                    "chatId",
                    K::IntegerOrString,
                    true,
                    false,
                    "Target chat: an integer id (groups are negative) or @channelusername.",
                    R::TelegramChatId,
                ),
                f(
                    "parseMode",
                    K::String,
                    false,
                    false,
                    "Message formatting: MarkdownV2 or HTML.",
                    R::OneOf(&["MarkdownV2", "HTML"]),
                ),
            ],
        },
        TypeSpec {
            kind: IntegrationType::Sendgrid,
            id: 4,
            slug: "sendgrid",
            name: "Sendgrid",
            description: "Email via SendGrid",
            category: Category::Email,
            capabilities: both,
            limits: recipient_limit(1000),
            pacing: None,
            fields: vec![
                FieldSpec {
                    aliases: &["api_key"],
                    ..f(
                        "apiKey",
                        K::String,
                        true,
                        true,
                        "SendGrid API key (SG.…); needs the mail.send scope.",
                        R::SendgridKey,
                    )
                },
                FieldSpec {
                    aliases: &["from_email"],
                    ..f(
                        "fromEmail",
                        K::String,
                        true,
                        false,
                        "Default sender address (a verified sender in SendGrid).",
                        R::Email,
                    )
                },
                FieldSpec {
                    aliases: &["from_name"],
                    ..f(
                        "fromName",
                        K::String,
                        false,
                        false,
                        "Display name of the sender.",
                        R::MaxLen(100),
                    )
                },
                f(
                    "region",
                    K::String,
                    false,
                    false,
                    "API region: global (default) or eu.",
                    R::OneOf(&["global", "eu"]),
                ),
            ],
        },
        TypeSpec {
            kind: IntegrationType::Resend,
            id: 5,
            slug: "resend",
            name: "Resend",
            description: "Email via Resend",
            category: Category::Email,
            capabilities: both,
            limits: recipient_limit(50),
            // Resend's default is 2 requests per second per team.
            pacing: millis(500),
            fields: vec![
                f(
                    "apiKey",
                    K::String,
                    true,
                    true,
                    "Resend API key (re_…); a sending-only key is accepted.",
                    R::Prefix("re_"),
                ),
                FieldSpec {
                    aliases: &["fromEmail"],
                    ..f(
                        "from",
                        K::String,
                        true,
                        false,
                        "Sender: addr@domain or Name <addr@domain>, on a domain verified in Resend.",
                        R::Mailbox,
                    )
                },
            ],
        },
        TypeSpec {
            kind: IntegrationType::Webhook,
            id: 6,
            slug: "webhook",
            name: "Webhook",
            description: "Custom HTTP webhooks",
            category: Category::Webhook,
            capabilities: both,
            limits: NO_LIMITS,
            pacing: None,
            fields: vec![
                f(
                    "url",
                    K::String,
                    true,
                    true,
                    "Endpoint URL (http or https). Stored as a secret because URLs often embed tokens.",
                    R::HttpUrl,
                ),
                f(
                    "method",
                    K::String,
                    false,
                    false,
                    "HTTP method: POST (default), PUT or PATCH.",
                    R::OneOf(&["POST", "PUT", "PATCH"]),
                ),
                f(
                    "headers",
                    K::StringMap,
                    false,
                    true,
                    "Extra request headers (may carry auth); stored as a secret.",
                    R::Headers,
                ),
                f(
                    "signingSecret",
                    K::String,
                    false,
                    true,
                    "Standard Webhooks signing secret (whsec_ + base64 of 24-64 bytes). Generated when not given.",
                    R::WebhookSecret,
                ),
            ],
        },
        TypeSpec {
            kind: IntegrationType::Web3,
            id: 7,
            slug: "web3",
            name: "Web3",
            description: "Web3 wallet connections",
            category: Category::Web3,
            capabilities: Capabilities {
                test: true,
                send: false,
            },
            limits: NO_LIMITS,
            pacing: None,
            fields: vec![
                f(
                    "rpcUrl",
                    K::String,
                    true,
                    true,
                    "JSON-RPC endpoint URL; stored as a secret because provider URLs embed API keys.",
                    R::HttpUrl,
                ),
                f(
                    "chainId",
                    K::Integer,
                    true,
                    false,
                    "Expected chain id (1 mainnet, 11155111 Sepolia, ...).",
                    R::PositiveInteger,
                ),
                f(
                    "walletAddress",
                    K::String,
                    false,
                    false,
                    "Wallet address (0x + 40 hex); mixed case must pass the EIP-55 checksum.",
                    R::EthAddress,
                ),
                f(
                    "signerRef",
                    K::String,
                    false,
                    false,
                    "Reference to a key held by a custody/KMS service. Raw private keys are refused.",
                    R::SignerRef,
                ),
            ],
        },
        TypeSpec {
            kind: IntegrationType::AiGateway,
            id: 8,
            slug: "ai-gateway",
            name: "AI Gateway",
            description: "AI service integrations",
            category: Category::Ai,
            capabilities: both,
            limits: NO_LIMITS,
            pacing: None,
            fields: vec![
                f(
                    "apiKey",
                    K::String,
                    true,
                    true,
                    "API key for the gateway.",
                    R::NonEmpty,
                ),
                f(
                    "baseUrl",
                    K::String,
                    false,
                    false,
                    "OpenAI-compatible base URL; default https://ai-gateway.vercel.sh/v1.",
                    R::HttpUrl,
                ),
                f(
                    "defaultModel",
                    K::String,
                    false,
                    false,
                    "Model used when a request names none, e.g. openai/gpt-4o-mini.",
                    R::MaxLen(200),
                ),
            ],
        },
    ]
});

impl IntegrationType {
    pub const ALL: [IntegrationType; 8] = [
        IntegrationType::Discord,
        IntegrationType::Slack,
        IntegrationType::Telegram,
        IntegrationType::Sendgrid,
        IntegrationType::Resend,
        IntegrationType::Webhook,
        IntegrationType::Web3,
        IntegrationType::AiGateway,
    ];

    pub fn spec(self) -> &'static TypeSpec {
        // The catalogue holds one entry per variant, in `ALL` order.
        &CATALOGUE[self as usize]
    }

    pub fn slug(self) -> &'static str {
        self.spec().slug
    }

    pub fn id(self) -> i32 {
        self.spec().id
    }

    pub fn from_slug(slug: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.slug() == slug)
    }

    pub fn from_id(id: i64) -> Option<Self> {
        Self::ALL.into_iter().find(|t| i64::from(t.id()) == id)
    }

    pub fn field(self, name: &str) -> Option<&'static FieldSpec> {
        self.spec().fields.iter().find(|f| f.name == name)
    }

    /// The canonical name for an input key (itself or an alias).
    pub fn canonical_field(self, name: &str) -> Option<&'static FieldSpec> {
        self.spec()
            .fields
            .iter()
            .find(|f| f.name == name || f.aliases.contains(&name))
    }
}

pub fn catalogue() -> &'static [TypeSpec] {
    &CATALOGUE
}

impl TypeSpec {
    /// JSON Schema (draft 2020-12) of this type's `config` object. Secret
    /// fields are `writeOnly` and carry `x-secret: true`.
    pub fn config_schema(&self, policy: &ValidationPolicy) -> Value {
        let mut props = Map::new();
        let mut required = Vec::new();
        for field in &self.fields {
            let mut p = match field.kind {
                FieldKind::String => json!({"type": "string"}),
                FieldKind::Integer => json!({"type": "integer"}),
                FieldKind::IntegerOrString => json!({"type": ["integer", "string"]}),
                FieldKind::StringMap => {
                    json!({"type": "object", "additionalProperties": {"type": "string"}})
                }
            };
            let obj = p.as_object_mut().expect("object literal");
            obj.insert("description".into(), json!(field.description));
            field.rule.describe(obj, policy);
            if field.secret {
                obj.insert("writeOnly".into(), json!(true));
                obj.insert("x-secret".into(), json!(true));
            }
            if !field.aliases.is_empty() {
                obj.insert("x-aliases".into(), json!(field.aliases));
            }
            props.insert(field.name.into(), p);
            if field.required {
                required.push(field.name);
            }
        }
        let mut schema = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "properties": props,
            "required": required,
            "additionalProperties": false,
        });
        if self.kind == IntegrationType::Slack {
            schema["oneOf"] = json!([
                {"required": ["webhookUrl"], "not": {"required": ["botToken"]}},
                {"required": ["botToken", "channel"], "not": {"required": ["webhookUrl"]}},
            ]);
        }
        schema
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_sendgrid_is_four() {
        let ids: Vec<(i32, &str)> = IntegrationType::ALL
            .iter()
            .map(|t| (t.id(), t.slug()))
            .collect();
        assert_eq!(
            ids,
            vec![
                (1, "discord"),
                (2, "slack"),
                (3, "telegram"),
                (4, "sendgrid"),
                (5, "resend"),
                (6, "webhook"),
                (7, "web3"),
                (8, "ai-gateway"),
            ]
        );
        for t in IntegrationType::ALL {
            assert_eq!(t.spec().kind, t);
            assert_eq!(IntegrationType::from_slug(t.slug()), Some(t));
            assert_eq!(IntegrationType::from_id(t.id().into()), Some(t));
        }
    }

    #[test]
    fn web3_cannot_send() {
        assert!(!IntegrationType::Web3.spec().capabilities.send);
        assert!(IntegrationType::Web3.spec().capabilities.test);
    }

    #[test]
    fn schema_marks_secrets_and_required() {
        let s = IntegrationType::Sendgrid
            .spec()
            .config_schema(&ValidationPolicy::default());
        assert_eq!(s["properties"]["apiKey"]["writeOnly"], json!(true));
        assert_eq!(s["properties"]["fromEmail"].get("writeOnly"), None);
        assert_eq!(s["required"], json!(["apiKey", "fromEmail"]));
        assert_eq!(s["additionalProperties"], json!(false));
    }
}
