//! The integration resource.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::catalogue::IntegrationType;
use crate::config::Config;
use crate::health::{Health, TestResult, combine_health};
use crate::ids::{ApiKeyId, IntegrationId, OrgId};

/// Which environment an integration's credentials are for. Providers may
/// act on it (e.g. email sends from stage are sandboxed or restricted to
/// test recipients).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    /// Testing and staging credentials.
    Stage,
    /// Live credentials (the default).
    #[default]
    Production,
}

impl Environment {
    /// As stored and shown: `stage` or `production`.
    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Stage => "stage",
            Environment::Production => "production",
        }
    }

    /// The environment named `s`, if any.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "stage" => Some(Environment::Stage),
            "production" => Some(Environment::Production),
            _ => None,
        }
    }
}

/// Whether an integration sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// It sends (the default).
    #[default]
    Active,
    /// It sends nothing: new sends are refused, queued deliveries fail, and
    /// scheduled re-tests skip it.
    Inactive,
}

impl Status {
    /// As stored and shown: `active` or `inactive`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Inactive => "inactive",
        }
    }

    /// The status named `s`, if any.
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
    /// Its public id, `int_` prefixed.
    pub id: IntegrationId,
    /// Stable integer id, assigned by the store at insert (the `id` of the integer-id API at `/integrations`).
    pub seq: i64,
    /// The organization that owns it.
    pub org_id: OrgId,
    /// Its name, for people (1 to 200 characters).
    pub name: String,
    /// Its type: which catalogue entry and provider it uses.
    pub kind: IntegrationType,
    /// Which environment its credentials are for.
    pub environment: Environment,
    /// Whether it sends.
    pub status: Status,
    /// Provisioned by the operator: the API cannot change or delete it.
    pub is_managed: bool,
    /// The provisioning entry a managed integration comes from (unique per
    /// organization), so re-provisioning finds it; `None` for the others.
    pub managed_key: Option<String>,
    /// Plain and secret config values, checked against its type's schema.
    pub config: Config,
    /// The last test of its stored credentials; `None` until one ran.
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
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed (tests and health records do not count).
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
