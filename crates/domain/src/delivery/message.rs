//! Whether a message fits the integration it is sent through (checked
//! before anything is queued), and its fingerprint for idempotency.

use sha2::{Digest, Sha256};

use crate::catalogue::{Category, IntegrationType};
use crate::provider::Message;
use crate::validation::ValidationErrors;

/// Whether `kind` can carry `message`: field paths as the send request
/// names them. A part the type does not use (`to` for chat) is refused:
/// the client meant something this integration cannot do.
pub fn check_message(kind: IntegrationType, message: &Message) -> Result<(), ValidationErrors> {
    check(kind, message, true)
}

/// As [`check_message`] for one member of an integration group: parts the
/// member does not use are for the other members, not a mistake.
pub fn check_member_message(
    kind: IntegrationType,
    message: &Message,
) -> Result<(), ValidationErrors> {
    check(kind, message, false)
}

fn check(
    kind: IntegrationType,
    message: &Message,
    refuse_unused: bool,
) -> Result<(), ValidationErrors> {
    let mut errors = ValidationErrors::default();
    let present = |s: &Option<String>| s.as_deref().is_some_and(|v| !v.trim().is_empty());
    let chat_text_len = || {
        let s = message.subject.as_deref().unwrap_or("").trim();
        let t = message.text.as_deref().unwrap_or("");
        match (s.is_empty(), t.trim().is_empty()) {
            (false, false) => s.chars().count() + 2 + t.chars().count(),
            (false, true) => s.chars().count(),
            (true, _) => t.chars().count(),
        }
    };
    let spec = kind.spec();
    match spec.category {
        Category::Chat => {
            if !present(&message.text) && !present(&message.subject) {
                errors.push("text", format!("is required for `{}`", kind.slug()));
            } else {
                let len = chat_text_len();
                if let Some(max) = spec.limits.max_text_chars
                    && len > max
                {
                    errors.push(
                        "text",
                        format!(
                            "is {len} characters with the subject; `{}` accepts at most {max}",
                            kind.slug()
                        ),
                    );
                }
            }
            if refuse_unused && !message.to.is_empty() {
                errors.push("to", format!("is not used by `{}`", kind.slug()));
            }
        }
        Category::Email => {
            if message.to.is_empty() {
                errors.push("to", "is required for email: at least one recipient");
            } else if let Some(max) = spec.limits.max_recipients
                && message.to.len() > max
            {
                errors.push("to", format!("has more than {max} recipients"));
            }
            for (i, to) in message.to.iter().enumerate() {
                if !looks_like_email(to) {
                    errors.push(format!("to[{i}]"), "is not an email address");
                }
            }
            if !present(&message.subject) {
                errors.push("subject", "is required for email");
            }
            if !present(&message.text) && !present(&message.html) {
                errors.push("text", "or `html` is required for email");
            }
        }
        Category::Webhook => {
            if message.data.is_none()
                && !present(&message.text)
                && !present(&message.subject)
                && !present(&message.html)
            {
                errors.push("data", "is required for webhooks (or give `text`)");
            }
            if refuse_unused && !message.to.is_empty() {
                errors.push("to", "is not used by webhooks");
            }
        }
        Category::Ai => {
            if !present(&message.text) {
                errors.push("text", "is required: it is the prompt");
            }
        }
        Category::Web3 => {}
    }
    if let Some(t) = &message.event_type
        && (t.is_empty()
            || t.len() > 200
            || !t
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-:/".contains(c)))
    {
        errors.push(
            "eventType",
            "must be 1-200 characters of letters, digits and . _ - : /",
        );
    }
    errors.into_result()
}

/// `addr@domain` or `Name <addr@domain>`: a shape check; the provider has
/// the last word.
fn looks_like_email(s: &str) -> bool {
    let s = s.trim();
    let addr = match (s.rfind('<'), s.ends_with('>')) {
        (Some(i), true) => &s[i + 1..s.len() - 1],
        _ => s,
    };
    match addr.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !addr
                    .chars()
                    .any(|c| c.is_whitespace() || c == '<' || c == '>')
        }
        None => false,
    }
}

/// The fingerprint of a send request, for idempotency: the same target (an
/// integration's or a group's id) and the same message give the same hash.
pub fn request_hash(target: &str, message: &Message) -> String {
    let mut h = Sha256::new();
    h.update(target.as_bytes());
    h.update([0]);
    h.update(serde_json::to_vec(message).unwrap_or_default());
    hex::encode(h.finalize())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::ids::IntegrationId;

    #[test]
    fn messages_are_checked_per_type() {
        let text = Message {
            text: Some("hi".into()),
            ..Message::default()
        };
        assert!(check_message(IntegrationType::Slack, &text).is_ok());
        assert!(check_message(IntegrationType::Webhook, &text).is_ok());
        assert!(check_message(IntegrationType::AiGateway, &text).is_ok());
        let err = check_message(IntegrationType::Sendgrid, &text).unwrap_err();
        let fields: Vec<&str> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["to", "subject"]);
        let email = Message {
            subject: Some("s".into()),
            text: Some("t".into()),
            to: vec!["a@example.com".into(), "Bob <b@example.com>".into()],
            ..Message::default()
        };
        assert!(check_message(IntegrationType::Resend, &email).is_ok());
        let bad = Message {
            to: vec!["nope".into()],
            ..email.clone()
        };
        assert!(check_message(IntegrationType::Resend, &bad).is_err());
        assert!(check_message(IntegrationType::Discord, &Message::default()).is_err());
        let long = Message {
            text: Some("x".repeat(2001)),
            ..Message::default()
        };
        assert!(check_message(IntegrationType::Discord, &long).is_err());
        assert!(check_message(IntegrationType::Telegram, &long).is_ok());
        // A group member ignores the parts meant for the others.
        assert!(check_message(IntegrationType::Slack, &email).is_err());
        assert!(check_member_message(IntegrationType::Slack, &email).is_ok());
        assert!(check_member_message(IntegrationType::Webhook, &email).is_ok());
        assert!(check_member_message(IntegrationType::Discord, &long).is_err());
    }
    #[test]
    fn request_hash_depends_on_integration_and_message() {
        let a = IntegrationId::generate();
        let b = IntegrationId::generate();
        let m = Message {
            text: Some("hi".into()),
            ..Message::default()
        };
        assert_eq!(request_hash(a.as_str(), &m), request_hash(a.as_str(), &m));
        assert_ne!(request_hash(a.as_str(), &m), request_hash(b.as_str(), &m));
        let m2 = Message {
            text: Some("ho".into()),
            ..Message::default()
        };
        assert_ne!(request_hash(a.as_str(), &m), request_hash(a.as_str(), &m2));
    }
}
