//! `/api/integration-types`: the catalogue as clients read it.

use patchbay_domain::catalogue::{Category, TypeSpec};
use patchbay_domain::validation::ValidationPolicy;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::IntegrationTypeSlug;

/// A catalogue category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum IntegrationCategory {
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

impl From<Category> for IntegrationCategory {
    fn from(c: Category) -> Self {
        match c {
            Category::Chat => Self::Chat,
            Category::Email => Self::Email,
            Category::Webhook => Self::Webhook,
            Category::Web3 => Self::Web3,
            Category::Ai => Self::Ai,
        }
    }
}

/// What a type can do.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TypeCapabilities {
    /// A credential test makes a real request to the provider.
    pub test: bool,
    /// Messages can be sent through it.
    pub send: bool,
}

/// A catalogue entry.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IntegrationTypeInfo {
    /// Stable integer id.
    #[schema(example = 4)]
    pub id: i32,
    /// Its slug, as integrations name their type.
    pub slug: IntegrationTypeSlug,
    /// Its name, for people.
    pub name: String,
    /// One line on what it is for.
    pub description: String,
    /// Its category.
    pub category: IntegrationCategory,
    /// Media (logos, screenshots) for a UI; may be empty.
    pub media: Vec<String>,
    /// What it can do.
    pub capabilities: TypeCapabilities,
    /// JSON Schema (draft 2020-12) of the type's `config`. Secret fields are
    /// `writeOnly` with `x-secret: true`.
    #[schema(value_type = Object)]
    pub config_schema: Value,
}

impl IntegrationTypeInfo {
    /// The entry for `spec`, its config schema under `policy`.
    pub fn new(spec: &TypeSpec, policy: &ValidationPolicy) -> Self {
        Self {
            id: spec.id,
            slug: IntegrationTypeSlug::from_kind(spec.kind),
            name: spec.name.to_string(),
            description: spec.description.to_string(),
            category: spec.category.into(),
            media: Vec::new(),
            capabilities: TypeCapabilities {
                test: spec.capabilities.test,
                send: spec.capabilities.send,
            },
            config_schema: spec.config_schema(policy),
        }
    }
}

/// The catalogue.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IntegrationTypeList {
    /// Every type, built-in and registered.
    pub data: Vec<IntegrationTypeInfo>,
}
