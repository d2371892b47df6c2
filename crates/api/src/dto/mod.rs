//! The wire shapes of the API (camelCase JSON), separate from the domain
//! types so that nothing reaches a client by accident: a response is built
//! field by field, and secret config values have no field to go in.
//!
//! Request bodies deny unknown fields: `id`, `isManaged`, `createdAt` or an
//! organization id in a body answer 422, never silently ignored or applied.
//! Request types derive no `Debug`, since their `config` may hold secrets.
//!
//! One file per resource: `integrations`, `deliveries`, `bulk`, `groups`,
//! `catalogue`, `auth`;
//! the enums and timestamp format they share are here.

use chrono::{DateTime, SecondsFormat, Utc};
use patchbay_domain::health::Health as DomainHealth;
use patchbay_domain::{Environment, IntegrationType, Status};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

mod auth;
mod bulk;
mod catalogue;
mod deliveries;
mod groups;
mod integrations;

pub use auth::*;
pub use bulk::*;
pub use catalogue::*;
pub use deliveries::*;
pub use groups::*;
pub use integrations::*;

/// An integration type's slug: a built-in type's or a registered one's.
/// On input, a slug of no type in the catalogue answers 422 with the slugs
/// that are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IntegrationTypeSlug(IntegrationType);

impl IntegrationTypeSlug {
    /// The type this slug names.
    pub fn kind(self) -> IntegrationType {
        self.0
    }

    /// The slug of this type.
    pub fn from_kind(kind: IntegrationType) -> Self {
        Self(kind)
    }
}

impl Serialize for IntegrationTypeSlug {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0.slug())
    }
}

impl<'de> Deserialize<'de> for IntegrationTypeSlug {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let slug = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        IntegrationType::from_slug(&slug).map(Self).ok_or_else(|| {
            // serde's own wording for an unknown variant, which the body
            // reader turns into "must be one of: ...".
            let expected: Vec<String> = IntegrationType::all()
                .iter()
                .map(|t| format!("`{}`", t.slug()))
                .collect();
            serde::de::Error::custom(format_args!(
                "unknown variant `{slug}`, expected one of {}",
                expected.join(", ")
            ))
        })
    }
}

impl utoipa::PartialSchema for IntegrationTypeSlug {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        let slugs: Vec<&str> = IntegrationType::all().iter().map(|t| t.slug()).collect();
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("An integration type's slug."))
            .enum_values(Some(slugs))
            .into()
    }
}

impl ToSchema for IntegrationTypeSlug {}

/// Where the integration is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum IntegrationEnvironment {
    Stage,
    Production,
}

impl From<IntegrationEnvironment> for Environment {
    fn from(e: IntegrationEnvironment) -> Self {
        match e {
            IntegrationEnvironment::Stage => Environment::Stage,
            IntegrationEnvironment::Production => Environment::Production,
        }
    }
}

impl From<Environment> for IntegrationEnvironment {
    fn from(e: Environment) -> Self {
        match e {
            Environment::Stage => IntegrationEnvironment::Stage,
            Environment::Production => IntegrationEnvironment::Production,
        }
    }
}

/// Whether the integration is in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum IntegrationStatus {
    Active,
    Inactive,
}

impl From<IntegrationStatus> for Status {
    fn from(s: IntegrationStatus) -> Self {
        match s {
            IntegrationStatus::Active => Status::Active,
            IntegrationStatus::Inactive => Status::Inactive,
        }
    }
}

impl From<Status> for IntegrationStatus {
    fn from(s: Status) -> Self {
        match s {
            Status::Active => IntegrationStatus::Active,
            Status::Inactive => IntegrationStatus::Inactive,
        }
    }
}

/// The verdict of a credential test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TestVerdict {
    Success,
    Error,
}

/// Every timestamp in an answer is RFC 3339 UTC with exactly three
/// fractional digits: chrono's default drops the fraction when it is zero,
/// so one timestamp in a thousand came out as `…:51Z`.
pub(crate) fn millis<S: serde::Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&t.to_rfc3339_opts(SecondsFormat::Millis, true))
}

pub(crate) fn millis_opt<S: serde::Serializer>(
    t: &Option<DateTime<Utc>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => millis(t, s),
        None => s.serialize_none(),
    }
}

/// An integration's health: set by credential tests, deliveries and the
/// scheduled re-test.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HealthDto {
    #[schema(value_type = String, pattern = "^(healthy|unhealthy|unknown)$")]
    pub status: &'static str,
    #[schema(required = true)]
    pub reason: Option<String>,
    #[schema(required = true)]
    #[serde(serialize_with = "crate::dto::millis_opt")]
    pub changed_at: Option<DateTime<Utc>>,
}

impl From<&DomainHealth> for HealthDto {
    fn from(h: &DomainHealth) -> Self {
        Self {
            status: h.state.as_str(),
            reason: h.reason.clone(),
            changed_at: h.changed_at,
        }
    }
}

/// A health check's answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_match_the_catalogue() {
        for kind in IntegrationType::all() {
            let slug = IntegrationTypeSlug::from_kind(kind);
            assert_eq!(slug.kind(), kind);
            assert_eq!(serde_json::to_value(slug).unwrap(), kind.slug());
        }
    }
}
