//! The integration resource.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::catalogue::IntegrationType;
use crate::config::Config;
use crate::health::{Health, TestResult, combine_health};
use crate::ids::{ApiKeyId, IntegrationId, OrgId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    Stage,
    #[default]
    Production,
}

impl Environment {
    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Stage => "stage",
            Environment::Production => "production",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "stage" => Some(Environment::Stage),
            "production" => Some(Environment::Production),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    #[default]
    Active,
    Inactive,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Inactive => "inactive",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(Status::Active),
            "inactive" => Some(Status::Inactive),
            _ => None,
        }
    }
}

/// An integration as the domain sees it: config with secrets in memory
/// (redacted from `Debug`), never serialised directly to clients.
#[derive(Debug, Clone)]
pub struct Integration {
    pub id: IntegrationId,
    /// Stable integer id, assigned by the store at insert (the `id` of the integer-id API at `/integrations`).
    pub seq: i64,
    pub org_id: OrgId,
    pub name: String,
    pub kind: IntegrationType,
    pub environment: Environment,
    pub status: Status,
    pub is_managed: bool,
    /// The provisioning entry a managed integration comes from (unique per
    /// organization), so re-provisioning finds it; `None` for the others.
    pub managed_key: Option<String>,
    pub config: Config,
    pub last_test: Option<TestResult>,
    /// The last health event recorded by deliveries (tests are in
    /// `last_test`); see [`Integration::health`].
    pub recorded_health: Option<Health>,
    /// No send through it starts before this: the provider's own word on
    /// its rate limit (a 429's hint). Kept by the delivery workers; an
    /// integration group passes over a held member while another can send.
    pub send_hold_until: Option<DateTime<Utc>>,
    /// Bumped on every change to name, config, environment or status; the
    /// ETag and the compare-and-swap guard for concurrent updates.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Integration {
    /// Health: the newer of the last credential test and the last event
    /// recorded by deliveries.
    pub fn health(&self) -> Health {
        combine_health(self.last_test.as_ref(), self.recorded_health.as_ref())
    }
}

/// Who asked for a change: recorded in the audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Actor {
    /// A request authenticated with this API key.
    ApiKey(ApiKeyId),
    /// The operator's provisioning file.
    Provisioning,
    /// An operator command or an embedding service acting directly.
    Operator,
    /// A request the embedding service authenticated itself, as this
    /// subject (its own user or service id).
    Host(String),
}

impl Actor {
    /// As stored and listed: the key id, `provisioning`, `operator` or
    /// `host:<subject>`.
    pub fn as_label(&self) -> String {
        match self {
            Actor::ApiKey(id) => id.to_string(),
            Actor::Provisioning => "provisioning".into(),
            Actor::Operator => "operator".into(),
            Actor::Host(subject) => format!("host:{subject}"),
        }
    }
}
