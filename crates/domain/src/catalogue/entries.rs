//! The catalogue's entries: one per integration type, with its stable id,
//! fields, limits and pacing, from the providers' documentation.

use std::sync::LazyLock;
use std::time::Duration;

use super::{
    Capabilities, Category, FieldKind, FieldSpec, IntegrationType, MessageLimits, TypeSpec,
};
use crate::field_rules::FieldRule;

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

pub(super) static CATALOGUE: LazyLock<Vec<TypeSpec>> = LazyLock::new(|| {
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
