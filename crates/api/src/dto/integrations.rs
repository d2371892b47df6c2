//! `/api/integrations`: integrations with their `int_…` ids, types by
//! slug, config in camelCase.

use chrono::{DateTime, Utc};
use patchbay_domain::service::TestReport;
use patchbay_domain::{Integration, TestResult, TestStatus};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};

use super::{
    HealthDto, IntegrationEnvironment, IntegrationStatus, IntegrationTypeSlug, TestVerdict,
};

/// An integration as listed: no configuration, but its last test and
/// health (already in the row), so that a list can show which ones work.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IntegrationSummary {
    /// `int_…`
    #[schema(example = "int_01jf8k2m3n4p5q6r7s8t9v0w1x")]
    pub id: String,
    /// Its name, for people.
    pub name: String,
    /// Its type; fixed for the integration's life.
    #[serde(rename = "type")]
    pub kind: IntegrationTypeSlug,
    /// Provisioned by the operator; cannot be changed or deleted through the API.
    pub is_managed: bool,
    /// Which environment its credentials are for.
    pub environment: IntegrationEnvironment,
    /// Whether it sends.
    pub status: IntegrationStatus,
    /// The last test of the stored credentials, or `null` if never tested.
    #[schema(required = true)]
    pub last_test: Option<LastTest>,
    /// Health from credential tests, deliveries and the scheduled re-test.
    pub health: HealthDto,
    /// When it was created.
    #[serde(serialize_with = "crate::dto::millis")]
    pub created_at: DateTime<Utc>,
    /// When its name, config, environment or status last changed.
    #[serde(serialize_with = "crate::dto::millis")]
    pub updated_at: DateTime<Utc>,
}

impl From<&Integration> for IntegrationSummary {
    fn from(i: &Integration) -> Self {
        Self {
            id: i.id.to_string(),
            name: i.name.clone(),
            kind: IntegrationTypeSlug::from_kind(i.kind),
            is_managed: i.is_managed,
            environment: i.environment.into(),
            status: i.status.into(),
            last_test: i.last_test.as_ref().map(LastTest::from),
            health: HealthDto::from(&i.health()),
            created_at: i.created_at,
            updated_at: i.updated_at,
        }
    }
}

/// A secret config field that holds a value. The value itself is never
/// returned.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SecretField {
    /// The config field, e.g. `webhookUrl`.
    pub field: String,
    /// The last four characters of a long string secret (`…abcd`); `null`
    /// for short or structured secrets.
    #[schema(required = true, example = "…f3Kq")]
    pub hint: Option<String>,
}

/// The last credential test of a saved integration (tests with
/// `configOverrides` are not recorded).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LastTest {
    /// Whether the provider accepted the credentials.
    pub status: TestVerdict,
    /// What the test saw, worded for a person.
    pub message: String,
    /// How long the test took, in milliseconds.
    pub latency_ms: i64,
    /// When it ran.
    #[serde(serialize_with = "crate::dto::millis")]
    pub tested_at: DateTime<Utc>,
}

impl From<&TestResult> for LastTest {
    fn from(t: &TestResult) -> Self {
        Self {
            status: if t.success {
                TestVerdict::Success
            } else {
                TestVerdict::Error
            },
            message: t.message.clone(),
            latency_ms: t.latency_ms,
            tested_at: t.tested_at,
        }
    }
}

/// An integration with its non-secret configuration. Secret fields are
/// absent from `config`; `secrets` names the ones that are set.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IntegrationDetail {
    /// `int_…`
    #[schema(example = "int_01jf8k2m3n4p5q6r7s8t9v0w1x")]
    pub id: String,
    /// Its name, for people.
    pub name: String,
    /// Its type; fixed for the integration's life.
    #[serde(rename = "type")]
    pub kind: IntegrationTypeSlug,
    /// Provisioned by the operator; cannot be changed or deleted through the API.
    pub is_managed: bool,
    /// Which environment its credentials are for.
    pub environment: IntegrationEnvironment,
    /// Whether it sends.
    pub status: IntegrationStatus,
    /// Non-secret config values, verbatim. Secret fields never appear here.
    #[schema(value_type = Object, example = json!({"username": "patchbay"}))]
    pub config: Map<String, Value>,
    /// The secret fields that hold a value, with a masked hint of each.
    pub secrets: Vec<SecretField>,
    /// The last test of the stored credentials, or `null` if never tested.
    #[schema(required = true)]
    pub last_test: Option<LastTest>,
    /// Health from credential tests, deliveries and the scheduled re-test.
    pub health: HealthDto,
    /// When it was created.
    #[serde(serialize_with = "crate::dto::millis")]
    pub created_at: DateTime<Utc>,
    /// When its name, config, environment or status last changed.
    #[serde(serialize_with = "crate::dto::millis")]
    pub updated_at: DateTime<Utc>,
}

impl From<&Integration> for IntegrationDetail {
    fn from(i: &Integration) -> Self {
        let secrets = i
            .config
            .secret_names()
            .into_iter()
            .map(|field| {
                let hint = i.config.secret(&field).and_then(|s| s.hint());
                SecretField { field, hint }
            })
            .collect();
        Self {
            id: i.id.to_string(),
            name: i.name.clone(),
            kind: IntegrationTypeSlug::from_kind(i.kind),
            is_managed: i.is_managed,
            environment: i.environment.into(),
            status: i.status.into(),
            config: i.config.plain_json(),
            secrets,
            last_test: i.last_test.as_ref().map(LastTest::from),
            health: HealthDto::from(&i.health()),
            created_at: i.created_at,
            updated_at: i.updated_at,
        }
    }
}

/// A page of integrations.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IntegrationList {
    /// The integrations, in creation order.
    pub data: Vec<IntegrationSummary>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// Filters and paging for `GET /api/integrations`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListIntegrationsQuery {
    /// Only integrations of this type.
    #[serde(rename = "type")]
    #[param(rename = "type", value_type = Option<IntegrationTypeSlug>)]
    pub kind: Option<String>,
    /// Only integrations with this status.
    #[param(value_type = Option<IntegrationStatus>)]
    pub status: Option<String>,
    /// Only integrations in this environment.
    #[param(value_type = Option<IntegrationEnvironment>)]
    pub environment: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// The `nextCursor` of the previous page.
    #[param(pattern = r"^int_[0-7][0-9a-hjkmnp-tv-z]{25}$")]
    pub cursor: Option<String>,
}

/// `POST /api/integrations`.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(example = json!({
    "name": "My Slack Integration",
    "type": "slack",
    "config": {"webhookUrl": "https://hooks.slack.com/services/T000/B000/XXXX"}
}))]
pub struct CreateIntegrationRequest {
    /// 1 to 200 characters, at least one visible; no control, text-direction
    /// control, invisible (zero-width space, byte-order mark, ...) or
    /// noncharacters.
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// A catalogue slug; fixed for the integration's life.
    #[serde(rename = "type")]
    pub kind: IntegrationTypeSlug,
    /// The type's config; its schema is `configSchema` of
    /// `GET /api/integration-types/{slug}`. Defaults to `{}`.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub config: Map<String, Value>,
    /// Default `production`.
    #[schema(nullable = false)]
    #[serde(default, deserialize_with = "crate::body::non_null")]
    pub environment: Option<IntegrationEnvironment>,
    /// Default `active`.
    #[schema(nullable = false)]
    #[serde(default, deserialize_with = "crate::body::non_null")]
    pub status: Option<IntegrationStatus>,
}

/// `PUT /api/integrations/{integrationId}`: every member optional.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(example = json!({"name": "Updated Name", "config": {"webhookUrl": "https://hooks.slack.com/services/T000/B000/YYYY"}}))]
pub struct UpdateIntegrationRequest {
    /// As on create: 1 to 200 characters, at least one visible, none of
    /// them control, text-direction control, invisible or noncharacters.
    #[schema(nullable = false, min_length = 1, max_length = 200)]
    #[serde(default, deserialize_with = "crate::body::non_null")]
    pub name: Option<String>,
    /// Merged key by key into the stored config: a key left out keeps its
    /// stored value (secrets included), a key given as `null` is removed.
    #[schema(value_type = Object, required = false)]
    #[serde(default, deserialize_with = "crate::body::non_null")]
    pub config: Option<Map<String, Value>>,
    /// A new environment.
    #[schema(nullable = false)]
    #[serde(default, deserialize_with = "crate::body::non_null")]
    pub environment: Option<IntegrationEnvironment>,
    /// A new status (`inactive` stops its sends).
    #[schema(nullable = false)]
    #[serde(default, deserialize_with = "crate::body::non_null")]
    pub status: Option<IntegrationStatus>,
    /// Config keys to remove.
    #[schema(nullable = false)]
    #[serde(default, deserialize_with = "crate::body::non_null")]
    pub cleared_config_keys: Option<Vec<String>>,
}

/// `POST /api/integrations/{integrationId}/test` (the body is optional).
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TestIntegrationRequest {
    /// Values merged over the stored config for this test only; never saved.
    #[schema(value_type = Object, required = false)]
    #[serde(default, deserialize_with = "crate::body::non_null")]
    pub config_overrides: Option<Map<String, Value>>,
}

/// `POST /api/integrations/test`: test a config that is not saved.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TestConfigRequest {
    /// The type whose credentials to test.
    #[serde(rename = "type")]
    pub kind: IntegrationTypeSlug,
    /// The config to test, as on create.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub config: Map<String, Value>,
    /// Default `production`.
    #[schema(nullable = false)]
    #[serde(default, deserialize_with = "crate::body::non_null")]
    pub environment: Option<IntegrationEnvironment>,
}

/// The outcome of a credential test. HTTP 200 either way: the test ran, and
/// its verdict is `status`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({
    "status": "success",
    "message": "Integration test successful",
    "latencyMs": 182,
    "testedAt": "2026-01-01T00:00:00.000Z"
}))]
pub struct TestResponse {
    /// Whether the provider accepted the credentials.
    pub status: TestVerdict,
    /// What the test saw, worded for a person (never the provider's raw
    /// answer).
    pub message: String,
    /// The provider's stable error code, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub code: Option<String>,
    /// How long the test took, in milliseconds.
    pub latency_ms: i64,
    /// When it ran.
    #[serde(serialize_with = "crate::dto::millis")]
    pub tested_at: DateTime<Utc>,
}

impl From<TestReport> for TestResponse {
    fn from(r: TestReport) -> Self {
        Self {
            status: match r.outcome.status {
                TestStatus::Success => TestVerdict::Success,
                TestStatus::Error => TestVerdict::Error,
            },
            message: r.outcome.message,
            code: r.outcome.code,
            latency_ms: r.latency_ms,
            tested_at: r.tested_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_always_carry_milliseconds() {
        let whole: DateTime<Utc> = "2026-11-23T20:49:51Z".parse().unwrap();
        let h = HealthDto {
            status: "healthy",
            reason: None,
            changed_at: Some(whole),
        };
        let v = serde_json::to_value(&h).unwrap();
        assert_eq!(v["changedAt"], "2026-11-23T20:49:51.000Z");
        let none = HealthDto {
            changed_at: None,
            ..h
        };
        assert!(serde_json::to_value(&none).unwrap()["changedAt"].is_null());
        let t = LastTest::from(&TestResult {
            success: true,
            message: "ok".into(),
            latency_ms: 1,
            tested_at: "2026-11-23T20:49:51.5Z".parse().unwrap(),
        });
        assert_eq!(
            serde_json::to_value(&t).unwrap()["testedAt"],
            "2026-11-23T20:49:51.500Z"
        );
    }
}
