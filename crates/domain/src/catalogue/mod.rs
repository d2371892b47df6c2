//! The compiled-in catalogue of integration types: stable ids, field specs
//! from the providers' documentation, JSON Schema for clients, and validation.
//!
//! The entries themselves are in `entries.rs` (one per type, from the
//! providers' documentation); `schema.rs` renders a type's JSON Schema.

use std::time::Duration;

use serde::Serialize;

use crate::field_rules::FieldRule;

mod custom;
mod entries;
mod schema;

pub use custom::{CUSTOM_ID_MIN, CatalogueError, register};

use entries::CATALOGUE;

/// An integration type: one of the eight built into Patchbay, or one that
/// an embedding service registered ([`register`]). A small copyable handle
/// (the type's catalogue id); [`IntegrationType::spec`] is its entry.
///
/// A value exists only for a type in the catalogue: [`IntegrationType::from_slug`]
/// and [`IntegrationType::from_id`] answer `None` for any other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IntegrationType(i32);

/// What family a type belongs to (the catalogue groups types by it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// Chat messages (Discord, Slack, Telegram).
    Chat,
    /// Email (SendGrid, Resend).
    Email,
    /// Signed HTTP callbacks.
    Webhook,
    /// Blockchain RPC connections and wallets.
    Web3,
    /// AI model gateways.
    Ai,
}

/// What a type's integrations can do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Capabilities {
    /// A credential test makes a real request.
    pub test: bool,
    /// Messages can be sent through it.
    pub send: bool,
}

/// The JSON type of a config field's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum FieldKind {
    /// A string.
    String,
    /// An integer.
    Integer,
    /// An integer, or a string of digits, or `@name` (Telegram chat ids).
    IntegerOrString,
    /// An object of string → string (extra HTTP headers).
    StringMap,
}

/// One config field of a type.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldSpec {
    /// Canonical camelCase name, as `/api/integrations` and storage use it.
    pub name: &'static str,
    /// Other names accepted on input and rewritten to `name`.
    pub aliases: &'static [&'static str],
    /// The value's JSON type.
    pub kind: FieldKind,
    /// A config without it is refused (422 with its path).
    pub required: bool,
    /// Encrypted at rest, never returned, logged or put in an error.
    pub secret: bool,
    /// What the field is, for forms and the JSON Schema.
    pub description: &'static str,
    /// What the value must look like beyond its JSON type.
    pub rule: FieldRule,
}

/// A type's catalogue entry: identity, fields, capabilities and limits.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeSpec {
    /// The handle of this entry (set from `id` on registration).
    pub kind: IntegrationType,
    /// The stable integer id (the integer-id API names types by it).
    pub id: i32,
    /// The stable slug (`type` in `/api/integrations`, and in storage).
    pub slug: &'static str,
    /// Display name.
    pub name: &'static str,
    /// One line on what the type is for.
    pub description: &'static str,
    /// The family the type belongs to.
    pub category: Category,
    /// Whether it can be tested and sent through.
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
    /// The config fields, in display order.
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

// The built-in types keep the names they had as enum variants, so code
// and patterns read `IntegrationType::Sendgrid` whether a type is built
// in or not.
#[allow(non_upper_case_globals)]
impl IntegrationType {
    /// Discord webhooks (id 1).
    pub const Discord: Self = Self(1);
    /// Slack webhooks and bot tokens (id 2).
    pub const Slack: Self = Self(2);
    /// Telegram bots (id 3).
    pub const Telegram: Self = Self(3);
    /// SendGrid email (id 4).
    pub const Sendgrid: Self = Self(4);
    /// Resend email (id 5).
    pub const Resend: Self = Self(5);
    /// Signed generic webhooks (id 6).
    pub const Webhook: Self = Self(6);
    /// Web3 JSON-RPC connections (id 7).
    pub const Web3: Self = Self(7);
    /// OpenAI-compatible AI gateways (id 8).
    pub const AiGateway: Self = Self(8);

    /// The types built into Patchbay, in id order. Their ids never change.
    pub const BUILT_IN: [IntegrationType; 8] = [
        IntegrationType::Discord,
        IntegrationType::Slack,
        IntegrationType::Telegram,
        IntegrationType::Sendgrid,
        IntegrationType::Resend,
        IntegrationType::Webhook,
        IntegrationType::Web3,
        IntegrationType::AiGateway,
    ];

    /// Every type in the catalogue: the built-in ones, then the registered
    /// ones, in id order.
    pub fn all() -> Vec<IntegrationType> {
        let mut all = Self::BUILT_IN.to_vec();
        all.extend(custom::registered().into_iter().map(|s| s.kind));
        all
    }

    /// This type's catalogue entry.
    pub fn spec(self) -> &'static TypeSpec {
        if self.is_built_in() {
            // The built-in entries are in id order, from 1.
            return &CATALOGUE[(self.0 - 1) as usize];
        }
        custom::spec_of(self.0)
    }

    /// Whether Patchbay itself defines this type.
    pub fn is_built_in(self) -> bool {
        (1..=Self::BUILT_IN.len() as i32).contains(&self.0)
    }

    /// The stable slug.
    pub fn slug(self) -> &'static str {
        self.spec().slug
    }

    /// The stable integer id.
    pub fn id(self) -> i32 {
        self.0
    }

    /// The type with this slug, built in or registered.
    pub fn from_slug(slug: &str) -> Option<Self> {
        Self::BUILT_IN
            .into_iter()
            .find(|t| t.slug() == slug)
            .or_else(|| custom::by_slug(slug).map(|s| s.kind))
    }

    /// The type with this integer id, built in or registered.
    pub fn from_id(id: i64) -> Option<Self> {
        let id = i32::try_from(id).ok()?;
        let t = Self(id);
        (t.is_built_in() || custom::by_id(id).is_some()).then_some(t)
    }

    /// The field with this canonical name.
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

impl std::fmt::Display for IntegrationType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.slug())
    }
}

impl TypeSpec {
    /// The start of a custom type's entry, for [`register`]: both
    /// capabilities, no fields, no limits, no pacing. `id` must be at least
    /// [`CUSTOM_ID_MIN`].
    pub fn custom(id: i32, slug: &'static str, name: &'static str, category: Category) -> Self {
        Self {
            kind: IntegrationType(id),
            id,
            slug,
            name,
            description: "",
            category,
            capabilities: Capabilities {
                test: true,
                send: true,
            },
            limits: MessageLimits::default(),
            pacing: None,
            fields: Vec::new(),
        }
    }

    /// With this description.
    pub fn with_description(mut self, description: &'static str) -> Self {
        self.description = description;
        self
    }

    /// With this field added after the others.
    pub fn with_field(mut self, field: FieldSpec) -> Self {
        self.fields.push(field);
        self
    }

    /// With these capabilities.
    pub fn with_capabilities(mut self, capabilities: Capabilities) -> Self {
        self.capabilities = capabilities;
        self
    }

    /// With these limits on one message.
    pub fn with_limits(mut self, limits: MessageLimits) -> Self {
        self.limits = limits;
        self
    }

    /// With at least this long between two sends through one integration.
    pub fn with_pacing(mut self, pacing: Duration) -> Self {
        self.pacing = Some(pacing);
        self
    }
}

impl FieldSpec {
    /// An optional, non-secret field with no rule beyond its JSON type.
    pub fn new(name: &'static str, kind: FieldKind, description: &'static str) -> Self {
        Self {
            name,
            aliases: &[],
            kind,
            required: false,
            secret: false,
            description,
            rule: FieldRule::None,
        }
    }

    /// Required: a config without it answers 422.
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    /// Secret: encrypted at rest and never returned.
    pub fn secret(mut self) -> Self {
        self.secret = true;
        self
    }

    /// With this rule on its value.
    pub fn rule(mut self, rule: FieldRule) -> Self {
        self.rule = rule;
        self
    }

    /// Also accepted under these names on input.
    pub fn aliases(mut self, aliases: &'static [&'static str]) -> Self {
        self.aliases = aliases;
        self
    }
}

/// Every entry of the catalogue, built-in then registered, in id order.
pub fn catalogue() -> Vec<&'static TypeSpec> {
    IntegrationType::all()
        .into_iter()
        .map(IntegrationType::spec)
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::field_rules::ValidationPolicy;

    #[test]
    fn ids_are_stable_and_sendgrid_is_four() {
        let ids: Vec<(i32, &str)> = IntegrationType::BUILT_IN
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
        for t in IntegrationType::BUILT_IN {
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
