//! Field rules and config validation. Validation reports every problem it
//! finds, each with the path of the field (`config.webhookUrl`), never just
//! the first.

use base64::Engine;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::catalogue::{FieldKind, FieldSpec, IntegrationType};
use crate::config::{Config, SecretValue};
use crate::field_rules::HEADER_NAME;
pub use crate::field_rules::{
    FieldRule, MAX_NAME_LEN, MAX_STRING_LEN, RESERVED_HEADERS, ValidationPolicy,
};
pub use crate::names::check_name;

/// One problem with one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The field's path, as the request names it (`config.webhookUrl`,
    /// `to[0]`).
    pub field: String,
    /// What is wrong, worded for a person.
    pub message: String,
}

/// Every problem found, in the order found.
#[derive(Debug, Clone, PartialEq, Eq, Default, thiserror::Error)]
#[error("validation failed: {}", .0.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; "))]
pub struct ValidationErrors(pub Vec<FieldError>);

impl ValidationErrors {
    /// Adds a problem with `field`.
    pub fn push(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    /// Whether no problem was found.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok` when no problem was found, else these errors.
    pub fn into_result(self) -> Result<(), ValidationErrors> {
        if self.0.is_empty() { Ok(()) } else { Err(self) }
    }

    /// Adds every problem of `other`.
    pub fn extend(&mut self, other: ValidationErrors) {
        self.0.extend(other.0);
    }
}

/// Check one field's value against its kind and rule.
fn check_value(field: &FieldSpec, value: &Value, policy: &ValidationPolicy) -> Result<(), String> {
    match (field.kind, value) {
        (FieldKind::String, Value::String(s)) => {
            if s.len() > MAX_STRING_LEN {
                return Err(format!("must be at most {MAX_STRING_LEN} bytes"));
            }
            if s.contains('\0') {
                return Err("must not contain NUL characters".into());
            }
            field.rule.check_str(s, policy)
        }
        (FieldKind::String, _) => Err("must be a string".into()),
        (FieldKind::Integer, Value::Number(n)) => match n.as_i64() {
            Some(i) if matches!(field.rule, FieldRule::PositiveInteger) && i <= 0 => {
                Err("must be a positive integer".into())
            }
            Some(_) => Ok(()),
            None => Err("must be an integer".into()),
        },
        (FieldKind::Integer, _) => Err("must be an integer".into()),
        (FieldKind::IntegerOrString, Value::Number(n)) => match n.as_i64() {
            Some(0) => Err("must not be 0".into()),
            Some(_) => Ok(()),
            None => Err("must be an integer or a string".into()),
        },
        (FieldKind::IntegerOrString, Value::String(s)) => field.rule.check_str(s, policy),
        (FieldKind::IntegerOrString, _) => Err("must be an integer or a string".into()),
        (FieldKind::StringMap, Value::Object(m)) => {
            if m.len() > 32 {
                return Err("may hold at most 32 headers".into());
            }
            for (k, v) in m {
                if !HEADER_NAME.is_match(k) {
                    return Err(format!("header name `{k}` is not a valid HTTP header name"));
                }
                if RESERVED_HEADERS.contains(&k.to_ascii_lowercase().as_str()) {
                    return Err(format!(
                        "header `{k}` is set by Patchbay and cannot be overridden"
                    ));
                }
                match v {
                    Value::String(s)
                        if s.len() <= MAX_STRING_LEN && !s.contains(['\r', '\n', '\0']) => {}
                    Value::String(_) => return Err(format!("header `{k}` has an invalid value")),
                    _ => return Err(format!("header `{k}` must have a string value")),
                }
            }
            Ok(())
        }
        (FieldKind::StringMap, _) => {
            Err("must be an object of header names to string values".into())
        }
    }
}

/// The result of reading a config object (all or part of one).
pub struct ParsedFields {
    /// Values given, secret-ness applied, keys canonical.
    pub config: Config,
    /// Keys given as `null`: the caller removes them.
    pub nulls: Vec<String>,
}

/// Read a raw config object: unknown fields, aliases given twice, wrong types
/// and rule violations are all reported. Does not check completeness.
pub fn parse_fields(
    kind: IntegrationType,
    raw: &Map<String, Value>,
    policy: &ValidationPolicy,
    errors: &mut ValidationErrors,
) -> ParsedFields {
    let mut config = Config::new();
    let mut nulls = Vec::new();
    let mut seen: Vec<(&'static str, &str)> = Vec::new();
    for (key, value) in raw {
        let path = format!("config.{key}");
        let Some(field) = kind.canonical_field(key) else {
            errors.push(path, format!("is not a field of type `{}`", kind.slug()));
            continue;
        };
        if let Some((_, first)) = seen.iter().find(|(n, _)| *n == field.name) {
            errors.push(path, format!("is given twice (as `{first}` and `{key}`)"));
            continue;
        }
        seen.push((field.name, key));
        if value.is_null() {
            nulls.push(field.name.to_string());
            continue;
        }
        if let Err(message) = check_value(field, value, policy) {
            errors.push(path, message);
            continue;
        }
        if field.secret {
            config.insert_secret(field.name, SecretValue::from_json(value));
        } else {
            config.insert_plain(field.name, value.clone());
        }
    }
    ParsedFields { config, nulls }
}

/// Whole-config checks: required fields and rules that join fields.
pub fn check_complete(kind: IntegrationType, config: &Config, errors: &mut ValidationErrors) {
    for field in &kind.spec().fields {
        let empty = match config.get(field.name) {
            None => true,
            Some(crate::config::ConfigValue::Plain(Value::String(s))) => s.is_empty(),
            Some(crate::config::ConfigValue::Secret(s)) => s.expose().is_empty(),
            Some(_) => false,
        };
        let path = format!("config.{}", field.name);
        // A value given but refused is already reported under this path.
        if field.required && empty && !errors.0.iter().any(|e| e.field == path) {
            errors.push(path, "is required");
        }
    }
    if kind == IntegrationType::Slack {
        // A credential given but refused (a webhook URL on the wrong host)
        // counts as given: its own error says what to fix, and "give
        // either" on top would contradict it.
        let webhook = config.contains("webhookUrl") || refused(kind, errors, "webhookUrl");
        let bot = config.contains("botToken") || refused(kind, errors, "botToken");
        match (webhook, bot) {
            (false, false) => {
                errors.push("config.webhookUrl", "give either webhookUrl or botToken")
            }
            (true, true) => errors.push(
                "config.botToken",
                "give either webhookUrl or botToken, not both",
            ),
            (false, true) if !config.contains("channel") => {
                errors.push("config.channel", "is required with botToken")
            }
            _ => {}
        }
    }
}

/// Whether a value given for this field (under its name or an alias) was
/// already refused.
fn refused(kind: IntegrationType, errors: &ValidationErrors, field: &str) -> bool {
    errors.0.iter().any(|e| {
        e.field
            .strip_prefix("config.")
            .and_then(|key| kind.canonical_field(key))
            .is_some_and(|f| f.name == field)
    })
}

/// Validate a complete config for a type.
pub fn validate_config(
    kind: IntegrationType,
    raw: &Map<String, Value>,
    policy: &ValidationPolicy,
) -> Result<Config, ValidationErrors> {
    let mut errors = ValidationErrors::default();
    let parsed = parse_fields(kind, raw, policy, &mut errors);
    check_complete(kind, &parsed.config, &mut errors);
    errors.into_result().map(|()| parsed.config)
}

/// A fresh Standard Webhooks signing secret (`whsec_` + base64 of 32 bytes).
pub fn generate_webhook_secret() -> SecretValue {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let s = format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    );
    SecretValue::from_json(&Value::String(s))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    fn fields(r: Result<Config, ValidationErrors>) -> Vec<String> {
        match r {
            Ok(_) => vec![],
            Err(e) => e.0.into_iter().map(|e| e.field).collect(),
        }
    }

    fn p() -> ValidationPolicy {
        ValidationPolicy::default()
    }

    #[test]
    fn reports_every_error_with_its_path() {
        let r = validate_config(
            IntegrationType::Discord,
            &obj(
                json!({"webhookUrl": "http://evil.com/api/webhooks/1/x", "username": 5, "bogus": 1}),
            ),
            &p(),
        );
        let mut f = fields(r);
        f.sort();
        assert_eq!(
            f,
            vec!["config.bogus", "config.username", "config.webhookUrl"]
        );
    }

    #[test]
    fn missing_required_fields() {
        let f = fields(validate_config(
            IntegrationType::Sendgrid,
            &obj(json!({})),
            &p(),
        ));
        assert_eq!(f, vec!["config.apiKey", "config.fromEmail"]);
    }

    #[test]
    fn discord_host_is_parsed_not_substring_matched() {
        for bad in [
            "https://discord.com.evil.com/api/webhooks/1/abc",
            "https://evil.com/discord.com/api/webhooks/1/abc",
            "https://discord.com@evil.com/api/webhooks/1/abc",
            "https://evildiscord.com/api/webhooks/1/abc",
            "https://discord.com/api/webhooks/abc/def",
            "http://discord.com/api/webhooks/1/abc",
        ] {
            assert_eq!(
                fields(validate_config(
                    IntegrationType::Discord,
                    &obj(json!({"webhookUrl": bad})),
                    &p()
                )),
                vec!["config.webhookUrl"],
                "{bad}"
            );
        }
        for good in [
            "https://discord.com/api/webhooks/123/abc-DEF_9",
            "https://canary.discord.com/api/webhooks/123/abc",
            "https://discordapp.com/api/v10/webhooks/123/abc",
        ] {
            assert!(
                validate_config(
                    IntegrationType::Discord,
                    &obj(json!({"webhookUrl": good})),
                    &p()
                )
                .is_ok(),
                "{good}"
            );
        }
    }

    #[test]
    fn extra_hosts_allow_test_servers() {
        let policy = ValidationPolicy {
            extra_discord_hosts: vec!["127.0.0.1:9999".into()],
            ..Default::default()
        };
        let cfg = obj(json!({"webhookUrl": "http://127.0.0.1:9999/api/webhooks/1/abc"}));
        assert!(validate_config(IntegrationType::Discord, &cfg, &policy).is_ok());
        assert!(validate_config(IntegrationType::Discord, &cfg, &p()).is_err());
    }

    #[test]
    fn slack_needs_exactly_one_credential() {
        let t = IntegrationType::Slack;
        assert_eq!(
            fields(validate_config(t, &obj(json!({})), &p())),
            vec!["config.webhookUrl"]
        );
        assert_eq!(
            fields(validate_config(
                t,
                &obj(json!({"botToken": "xoxb-1-2"})),
                &p()
            )),
            vec!["config.channel"]
        );
        assert!(
            validate_config(
                t,
                &obj(json!({"botToken": "xoxb-1-2", "channel": "C0123456789"})),
                &p()
            )
            .is_ok()
        );
        assert!(
            validate_config(
                t,
                &obj(json!({"webhookUrl": "https://hooks.slack.com/services/T0/B0/x"})),
                &p()
            )
            .is_ok()
        );
        assert_eq!(
            fields(validate_config(
                t,
                &obj(
                    json!({"webhookUrl": "https://hooks.slack.com/services/T0/B0/x", "botToken": "xoxb-1"})
                ),
                &p()
            )),
            vec!["config.botToken"]
        );
    }

    #[test]
    fn a_refused_slack_credential_is_its_only_error() {
        let t = IntegrationType::Slack;
        for config in [
            json!({"webhookUrl": "https://hooks.example.com/services/T0/B0/x"}),
            json!({"webhookUrl": "https://hooks.example.com/services/T0/B0/x", "channel": "#a"}),
        ] {
            assert_eq!(
                fields(validate_config(t, &obj(config.clone()), &p())).len(),
                1,
                "{config}"
            );
        }
        let r = validate_config(
            t,
            &obj(json!({"webhookUrl": "https://hooks.example.com/services/T0/B0/x"})),
            &p(),
        );
        assert_eq!(fields(r), vec!["config.webhookUrl"]);
        // A refused token still means the bot way: its channel is needed
        // too, and no "give either" on webhookUrl.
        assert_eq!(
            fields(validate_config(t, &obj(json!({"botToken": "nope"})), &p())),
            vec!["config.botToken", "config.channel"]
        );
        // Both given, one refused: still told to give only one.
        let mut both = fields(validate_config(
            t,
            &obj(json!({"webhookUrl": "ftp://x", "botToken": "xoxb-1-2", "channel": "#alerts"})),
            &p(),
        ));
        both.sort();
        assert_eq!(both, vec!["config.botToken", "config.webhookUrl"]);
    }

    #[test]
    fn the_sendgrid_contract_example_and_aliases() {
        let c = validate_config(
            IntegrationType::Sendgrid,
            &obj(json!({"api_key": "SG.xxxxxxxxxxxxxxxxxxxx", "from_email": "notifications@yourcompany.com.br", "from_name": "Enspace Notifications"})),
            &p(),
        )
        .unwrap();
        assert_eq!(
            c.secret("apiKey").unwrap().expose(),
            "SG.xxxxxxxxxxxxxxxxxxxx"
        );
        assert_eq!(
            c.plain_str("fromEmail"),
            Some("notifications@yourcompany.com.br")
        );
        assert_eq!(c.secret_names(), vec!["apiKey"]);
        let twice = validate_config(
            IntegrationType::Sendgrid,
            &obj(
                json!({"api_key": "SG.xxxxxxxxxxxxxxxxxxxx", "apiKey": "SG.yyyyyyyyyyyyyyyyyyyy", "fromEmail": "a@b.co"}),
            ),
            &p(),
        );
        assert_eq!(fields(twice).len(), 1);
    }

    #[test]
    fn telegram_rules() {
        let t = IntegrationType::Telegram;
        assert!(validate_config(t, &obj(json!({"botToken": "123456789:AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQr", "chatId": -100123})), &p()).is_ok());
        assert!(
            validate_config(
                t,
                &obj(json!({"botToken": "123456789:AAbb", "chatId": "@mychannel"})),
                &p()
            )
            .is_ok()
        );
        assert_eq!(
            fields(validate_config(
                t,
                &obj(json!({"botToken": "nope", "chatId": true, "parseMode": "md"})),
                &p()
            ))
            .len(),
            3
        );
    }

    #[test]
    fn web3_rules() {
        let t = IntegrationType::Web3;
        let ok = json!({"rpcUrl": "https://rpc.example/v2/key", "chainId": 1, "walletAddress": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"});
        assert!(validate_config(t, &obj(ok), &p()).is_ok());
        let bad_checksum = json!({"rpcUrl": "https://rpc.example", "chainId": 1, "walletAddress": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"});
        assert_eq!(
            fields(validate_config(t, &obj(bad_checksum), &p())),
            vec!["config.walletAddress"]
        );
        let raw_key = json!({"rpcUrl": "https://rpc.example", "chainId": 0, "signerRef": format!("0x{}", "ab".repeat(32))});
        let mut f = fields(validate_config(t, &obj(raw_key), &p()));
        f.sort();
        assert_eq!(f, vec!["config.chainId", "config.signerRef"]);
    }

    #[test]
    fn webhook_headers_and_secret() {
        let t = IntegrationType::Webhook;
        let ok = json!({"url": "https://example.com/hook", "headers": {"Authorization": "Bearer x"}, "signingSecret": "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"});
        let c = validate_config(t, &obj(ok), &p()).unwrap();
        assert_eq!(c.secret_names(), vec!["headers", "signingSecret", "url"]);
        let bad =
            json!({"url": "ftp://x", "headers": {"Host": "x"}, "signingSecret": "whsec_c2hvcnQ="});
        assert_eq!(fields(validate_config(t, &obj(bad), &p())).len(), 3);
        let generated = generate_webhook_secret();
        assert!(
            FieldRule::WebhookSecret
                .check_str(generated.expose(), &p())
                .is_ok()
        );
    }

    #[test]
    fn email_and_mailbox() {
        assert!(FieldRule::Email.check_str("a@b.co", &p()).is_ok());
        assert!(FieldRule::Email.check_str("not-an-email", &p()).is_err());
        assert!(
            FieldRule::Mailbox
                .check_str("Acme <onboarding@acme.dev>", &p())
                .is_ok()
        );
        assert!(FieldRule::Mailbox.check_str("Acme <nope>", &p()).is_err());
    }
}
