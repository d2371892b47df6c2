//! What a config field's value must look like beyond its JSON type (URLs
//! of the right host, token shapes, addresses, ...), how each rule reads in
//! JSON Schema, and the operator's knobs that widen or narrow them.

use std::sync::LazyLock;

use base64::Engine;
use regex::Regex;
use serde_json::{Map, Value, json};
use url::Url;

/// Operator-set knobs that change what validation accepts.
#[derive(Debug, Clone, Default)]
pub struct ValidationPolicy {
    /// Extra accepted Discord webhook hosts (`host` or `host:port`), e.g. a
    /// self-hosted relay or a test server; plain http is allowed for these.
    pub extra_discord_hosts: Vec<String>,
    /// Extra accepted Slack webhook hosts, as for Discord.
    pub extra_slack_hosts: Vec<String>,
    /// Refuse `http://` webhook and RPC URLs.
    pub require_https: bool,
}

/// The rule a field's value must follow beyond its JSON type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldRule {
    /// Nothing beyond the JSON type (and the length limit of every string).
    None,
    /// At most this many characters.
    MaxLen(usize),
    /// Not empty or only whitespace.
    NonEmpty,
    /// Starts with this prefix, with something after it and no whitespace.
    Prefix(&'static str),
    /// Exactly one of these values.
    OneOf(&'static [&'static str]),
    /// An http or https URL with a host and no fragment (https only when the
    /// policy requires it).
    HttpUrl,
    /// An email address.
    Email,
    /// `addr@domain` or `Name <addr@domain>`.
    Mailbox,
    /// A Discord webhook URL (`https://discord.com/api/webhooks/{id}/{token}`;
    /// the policy's extra hosts allowed).
    DiscordWebhookUrl,
    /// A Slack incoming webhook or workflow URL on `hooks.slack.com` (the
    /// policy's extra hosts allowed).
    SlackWebhookUrl,
    /// A Slack bot (`xoxb-…`) or user (`xoxp-…`) token.
    SlackToken,
    /// A Slack channel id (`C0123456789`) or `#channel-name`.
    SlackChannel,
    /// A Telegram bot token (`123456789:ABC…`).
    TelegramToken,
    /// A numeric Telegram chat id or an `@channelusername`.
    TelegramChatId,
    /// A SendGrid API key (`SG.…`).
    SendgridKey,
    /// A Standard Webhooks signing secret: `whsec_` and base64 of 24 to 64
    /// bytes.
    WebhookSecret,
    /// A map of HTTP headers (its field kind checks the names, the reserved
    /// headers and the values).
    Headers,
    /// An integer of at least 1.
    PositiveInteger,
    /// An Ethereum address, `0x` and 40 hex digits; a mixed-case one must pass
    /// its EIP-55 checksum.
    EthAddress,
    /// A reference to a signing key held elsewhere (1 to 500 characters), never
    /// a raw private key or a wallet's recovery phrase.
    SignerRef,
}

/// Longest string any field accepts.
pub const MAX_STRING_LEN: usize = 4096;
/// Longest integration name.
pub const MAX_NAME_LEN: usize = 200;

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("static regex")
}

static EMAIL: LazyLock<Regex> =
    LazyLock::new(|| re(r"^[^\s@<>()\[\],;:]+@[^\s@<>()\[\],;:]+\.[^\s@<>()\[\],;:]+$"));
static MAILBOX: LazyLock<Regex> = LazyLock::new(|| re(r"^[^<>]*<([^<>]+)>$"));
static DISCORD_PATH: LazyLock<Regex> =
    LazyLock::new(|| re(r"^/api/(v[0-9]+/)?webhooks/[0-9]+/[A-Za-z0-9_-]+/?$"));
static SLACK_TOKEN: LazyLock<Regex> = LazyLock::new(|| re(r"^xox[bp]-[A-Za-z0-9-]+$"));
static SLACK_CHANNEL: LazyLock<Regex> =
    LazyLock::new(|| re(r"^([CGD][A-Z0-9]{8,}|#[a-z0-9._-]{1,80})$"));
static TELEGRAM_TOKEN: LazyLock<Regex> =
    LazyLock::new(|| re(r"^[0-9]{1,20}:[A-Za-z0-9_-]{1,100}$"));
static TELEGRAM_CHAT: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(-?[0-9]{1,20}|@[A-Za-z][A-Za-z0-9_]{3,31})$"));
static SENDGRID_KEY: LazyLock<Regex> =
    LazyLock::new(|| re(r"^SG\.[A-Za-z0-9_-]{16,}(\.[A-Za-z0-9_-]{16,})?$"));
static ETH_ADDRESS: LazyLock<Regex> = LazyLock::new(|| re(r"^0x[0-9a-fA-F]{40}$"));
static HEX_PRIVATE_KEY: LazyLock<Regex> = LazyLock::new(|| re(r"^(0x)?[0-9a-fA-F]{64}$"));
pub(crate) static HEADER_NAME: LazyLock<Regex> =
    LazyLock::new(|| re(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$"));

/// Headers a user may not set on a webhook, lowercase: they are the
/// transport's or the signature's. The webhook provider skips them too, for
/// a config that reaches it without this validation.
pub const RESERVED_HEADERS: &[&str] = &[
    "host",
    "content-length",
    "content-type",
    "transfer-encoding",
    "connection",
    "upgrade",
    "te",
    "trailer",
    "keep-alive",
    "proxy-authorization",
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
];

fn host_port(url: &Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        _ => String::new(),
    }
}

fn is_extra_host(url: &Url, extra: &[String]) -> bool {
    let hp = host_port(url);
    let host = url.host_str().unwrap_or_default();
    extra
        .iter()
        .any(|e| e.eq_ignore_ascii_case(&hp) || e.eq_ignore_ascii_case(host))
}

fn parse_http_url(s: &str) -> Result<Url, String> {
    let url = Url::parse(s).map_err(|e| format!("is not a valid URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("must be an http or https URL".into());
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("must include a host".into());
    }
    if url.fragment().is_some() {
        return Err("must not contain a fragment".into());
    }
    Ok(url)
}

fn under_domain(host: &str, domains: &[&str]) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    domains
        .iter()
        .any(|d| host == *d || host.ends_with(&format!(".{d}")))
}

/// EIP-55 mixed-case checksum.
fn eip55_ok(addr: &str) -> bool {
    use sha3::{Digest, Keccak256};
    let hex = &addr[2..];
    let lower = hex.to_ascii_lowercase();
    let hash = Keccak256::digest(lower.as_bytes());
    hex.chars().enumerate().all(|(i, c)| {
        if !c.is_ascii_alphabetic() {
            return true;
        }
        let nibble = (hash[i / 2] >> (if i % 2 == 0 { 4 } else { 0 })) & 0x0f;
        if nibble >= 8 {
            c.is_ascii_uppercase()
        } else {
            c.is_ascii_lowercase()
        }
    })
}

/// What follows an http(s) URL's scheme: a host, then an optional path or
/// query of the characters a URI may hold (RFC 3986), no fragment.
const URL_REST: &str = r"[A-Za-z0-9.\[\]:@%_~-]+([/?][A-Za-z0-9._~:/?\[\]@!$&'()*+,;=%-]*)?";

/// A pattern's host alternatives widened by the operator's extra hosts
/// (plain http allowed for those, as validation does).
fn with_extra_hosts(hosts: &str, extra: &[String]) -> String {
    let mut alternatives = vec![hosts.to_string()];
    for e in extra {
        // A host without a port is accepted on any port.
        let port = if e.contains(':') { "" } else { "(:[0-9]+)?" };
        alternatives.push(format!("https?://{}{port}", regex::escape(e)));
    }
    alternatives.join("|")
}

impl FieldRule {
    /// Check a string value. `Err` carries the message for the field.
    pub(crate) fn check_str(self, s: &str, policy: &ValidationPolicy) -> Result<(), String> {
        match self {
            FieldRule::None | FieldRule::Headers | FieldRule::PositiveInteger => Ok(()),
            FieldRule::MaxLen(n) => {
                if s.chars().count() > n {
                    Err(format!("must be at most {n} characters"))
                } else {
                    Ok(())
                }
            }
            FieldRule::NonEmpty => {
                if s.trim().is_empty() {
                    Err("must not be empty".into())
                } else {
                    Ok(())
                }
            }
            FieldRule::Prefix(p) => {
                if s.len() > p.len() && s.starts_with(p) && !s.chars().any(char::is_whitespace) {
                    Ok(())
                } else {
                    Err(format!("must start with `{p}`"))
                }
            }
            FieldRule::OneOf(options) => {
                if options.contains(&s) {
                    Ok(())
                } else {
                    Err(format!("must be one of: {}", options.join(", ")))
                }
            }
            FieldRule::HttpUrl => {
                let url = parse_http_url(s)?;
                if policy.require_https && url.scheme() != "https" {
                    return Err("must be an https URL".into());
                }
                Ok(())
            }
            FieldRule::Email => {
                if s.len() <= 254 && EMAIL.is_match(s) {
                    Ok(())
                } else {
                    Err("must be an email address".into())
                }
            }
            FieldRule::Mailbox => {
                let addr = MAILBOX
                    .captures(s)
                    .and_then(|c| c.get(1))
                    .map_or(s, |m| m.as_str());
                if s.len() <= 320 && EMAIL.is_match(addr.trim()) {
                    Ok(())
                } else {
                    Err("must be an email address or `Name <address>`".into())
                }
            }
            FieldRule::DiscordWebhookUrl => {
                let url = parse_http_url(s)?;
                let extra = is_extra_host(&url, &policy.extra_discord_hosts);
                let host = url.host_str().unwrap_or_default();
                if !extra && !under_domain(host, &["discord.com", "discordapp.com"]) {
                    return Err(
                        "must be a Discord webhook URL (host discord.com or discordapp.com)".into(),
                    );
                }
                if !extra && url.scheme() != "https" {
                    return Err("must be an https URL".into());
                }
                if !DISCORD_PATH.is_match(url.path()) {
                    return Err(
                        "must have the form https://discord.com/api/webhooks/{id}/{token}".into(),
                    );
                }
                if url.query_pairs().any(|(k, _)| k != "thread_id") {
                    return Err("may carry only the `thread_id` query parameter".into());
                }
                Ok(())
            }
            FieldRule::SlackWebhookUrl => {
                let url = parse_http_url(s)?;
                let extra = is_extra_host(&url, &policy.extra_slack_hosts);
                let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
                if !extra && host != "hooks.slack.com" && host != "hooks.slack-gov.com" {
                    return Err(
                        "must be a Slack webhook URL (host hooks.slack.com or hooks.slack-gov.com)"
                            .into(),
                    );
                }
                if !extra && url.scheme() != "https" {
                    return Err("must be an https URL".into());
                }
                let path = url.path();
                if !["/services/", "/workflows/", "/triggers/"]
                    .iter()
                    .any(|p| path.starts_with(p))
                {
                    return Err(
                        "must be a /services/, /workflows/ or /triggers/ webhook URL".into(),
                    );
                }
                Ok(())
            }
            FieldRule::SlackToken => {
                if SLACK_TOKEN.is_match(s) {
                    Ok(())
                } else {
                    Err("must be a Slack bot (xoxb-…) or user (xoxp-…) token".into())
                }
            }
            FieldRule::SlackChannel => {
                if SLACK_CHANNEL.is_match(s) {
                    Ok(())
                } else {
                    Err("must be a channel id (C0123456789) or #channel-name".into())
                }
            }
            FieldRule::TelegramToken => {
                if TELEGRAM_TOKEN.is_match(s) {
                    Ok(())
                } else {
                    Err("must be a Telegram bot token (123456789:ABC…)".into())
                }
            }
            FieldRule::TelegramChatId => {
                if TELEGRAM_CHAT.is_match(s) {
                    Ok(())
                } else {
                    Err("must be a numeric chat id or @channelusername".into())
                }
            }
            FieldRule::SendgridKey => {
                if SENDGRID_KEY.is_match(s) {
                    Ok(())
                } else {
                    Err("must be a SendGrid API key (SG.…)".into())
                }
            }
            FieldRule::WebhookSecret => {
                let b64 = s
                    .strip_prefix("whsec_")
                    .ok_or_else(|| "must start with `whsec_`".to_string())?;
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(b64)
                    .map_err(|_| "must be `whsec_` followed by base64".to_string())?;
                if (24..=64).contains(&bytes.len()) {
                    Ok(())
                } else {
                    Err("must encode between 24 and 64 random bytes".into())
                }
            }
            FieldRule::EthAddress => {
                if !ETH_ADDRESS.is_match(s) {
                    return Err("must be 0x followed by 40 hex digits".into());
                }
                let hex = &s[2..];
                let mixed = hex.chars().any(|c| c.is_ascii_uppercase())
                    && hex.chars().any(|c| c.is_ascii_lowercase());
                if mixed && !eip55_ok(s) {
                    return Err("fails its EIP-55 checksum (a typo in the address?)".into());
                }
                Ok(())
            }
            FieldRule::SignerRef => {
                if HEX_PRIVATE_KEY.is_match(s.trim()) || s.split_whitespace().count() >= 12 {
                    return Err("looks like a raw private key or seed phrase; give a reference to a key held by a custody or KMS service instead".into());
                }
                if s.trim().is_empty() || s.chars().count() > 500 {
                    return Err("must be 1 to 500 characters".into());
                }
                Ok(())
            }
        }
    }

    /// Add JSON Schema keywords that express this rule.
    pub fn describe(self, obj: &mut Map<String, Value>, policy: &ValidationPolicy) {
        let mut put = |k: &str, v: Value| {
            obj.insert(k.into(), v);
        };
        match self {
            FieldRule::MaxLen(n) => put("maxLength", json!(n)),
            FieldRule::NonEmpty => put("minLength", json!(1)),
            FieldRule::Prefix(p) => put("pattern", json!(format!("^{}\\S+$", regex::escape(p)))),
            FieldRule::OneOf(o) => put("enum", json!(o)),
            FieldRule::HttpUrl => {
                put("format", json!("uri"));
                let scheme = if policy.require_https {
                    "https"
                } else {
                    "https?"
                };
                put("pattern", json!(format!("^{scheme}://{URL_REST}")));
            }
            FieldRule::DiscordWebhookUrl => {
                put("format", json!("uri"));
                let hosts = r"https://([A-Za-z0-9-]+\.)*(discord\.com|discordapp\.com)(:[0-9]+)?";
                let path = r"/api/(v[0-9]+/)?webhooks/[0-9]+/[A-Za-z0-9_-]+/?(\?thread_id=[0-9]*)?";
                let hosts = with_extra_hosts(hosts, &policy.extra_discord_hosts);
                put("pattern", json!(format!("^({hosts}){path}$")));
            }
            FieldRule::SlackWebhookUrl => {
                put("format", json!("uri"));
                let hosts = r"https://(hooks\.slack\.com|hooks\.slack-gov\.com)(:[0-9]+)?";
                let path = r"/(services|workflows|triggers)/[A-Za-z0-9._~:/?\[\]@!$&'()*+,;=%-]*";
                let hosts = with_extra_hosts(hosts, &policy.extra_slack_hosts);
                put("pattern", json!(format!("^({hosts}){path}$")));
            }
            FieldRule::Email => put("format", json!("email")),
            FieldRule::SlackToken => put("pattern", json!(SLACK_TOKEN.as_str())),
            FieldRule::SlackChannel => put("pattern", json!(SLACK_CHANNEL.as_str())),
            FieldRule::TelegramToken => put("pattern", json!(TELEGRAM_TOKEN.as_str())),
            FieldRule::SendgridKey => put("pattern", json!(SENDGRID_KEY.as_str())),
            FieldRule::WebhookSecret => put("pattern", json!("^whsec_[A-Za-z0-9+/=]+$")),
            FieldRule::EthAddress => put("pattern", json!(ETH_ADDRESS.as_str())),
            FieldRule::PositiveInteger => put("minimum", json!(1)),
            FieldRule::SignerRef => put("maxLength", json!(500)),
            FieldRule::None
            | FieldRule::Mailbox
            | FieldRule::TelegramChatId
            | FieldRule::Headers => {}
        }
        if !obj.contains_key("maxLength") && obj.get("type") == Some(&json!("string")) {
            obj.insert("maxLength".into(), json!(MAX_STRING_LEN));
        }
    }
}
