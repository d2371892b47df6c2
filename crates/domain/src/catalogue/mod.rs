//! The compiled-in catalogue of integration types: stable ids, field specs
//! from the providers' documentation, JSON Schema for clients, and validation.
//!
//! The entries themselves are in [`entries`] (one per type, from the
//! providers' documentation); [`schema`] renders a type's JSON Schema.

use std::time::Duration;

use serde::Serialize;

use crate::field_rules::FieldRule;

mod entries;
mod schema;

use entries::CATALOGUE;

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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::field_rules::ValidationPolicy;

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
