//! The request and response shapes of the integer-id API, as its contract
//! documents them.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};

use crate::dto::{IntegrationEnvironment, IntegrationStatus, IntegrationTypeSlug};

/// The catalogue's fixed timestamp: types are compiled in, so their
/// `created_at` and `updated_at` never change.
pub const CATALOGUE_TIMESTAMP: &str = "2025-06-17T15:40:10.419Z";

/// The integration type, as the integer-id API nests it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 4,
    "name": "Sendgrid",
    "description": "integrations.sendgrid.description",
    "category": "integrations.sendgrid.category",
    "slug": "sendgrid",
    "created_at": "2025-06-17T15:40:10.419Z",
    "updated_at": "2025-06-17T15:40:10.419Z",
    "media": []
}))]
pub struct IntegerIdIntegrationType {
    /// The type's stable integer id (as `integration` in requests).
    pub id: i32,
    /// The type's name, for people.
    pub name: String,
    /// A translation key: `integrations.<slug>.description`.
    pub description: String,
    /// A translation key: `integrations.<slug>.category`.
    pub category: String,
    /// The type's slug.
    pub slug: IntegrationTypeSlug,
    /// Fixed: the catalogue is compiled in.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: &'static str,
    /// Fixed: the catalogue is compiled in.
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: &'static str,
    /// Logos and screenshots for a UI; may be empty.
    pub media: Vec<String>,
}

/// The applied configuration: `changeKeys` (always `false` in a response),
/// `environment`, and the type's non-secret config fields in snake_case.
/// Secret fields (such as `api_key`) are never returned.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"changeKeys": false, "environment": "stage", "from_email": "notifications@yourcompany.com.br", "from_name": "Enspace Notifications"}))]
pub struct IntegerIdData {
    /// Always `false` in a response: a request's `changeKeys` is not kept.
    #[serde(rename = "changeKeys")]
    pub change_keys: bool,
    /// Which environment its credentials are for.
    pub environment: IntegrationEnvironment,
    /// The non-secret config fields, snake_case.
    #[serde(flatten)]
    pub fields: BTreeMap<String, Value>,
}

/// An integration as the integer-id API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 105,
    "data": {"changeKeys": false, "environment": "stage"},
    "integration": {
        "id": 4,
        "name": "Sendgrid",
        "description": "integrations.sendgrid.description",
        "category": "integrations.sendgrid.category",
        "slug": "sendgrid",
        "created_at": "2025-06-17T15:40:10.419Z",
        "updated_at": "2025-06-17T15:40:10.419Z",
        "media": []
    },
    "status": "active",
    "created_at": "2026-03-12T20:55:53.111Z",
    "updated_at": "2026-03-12T20:55:53.132Z"
}))]
pub struct IntegerIdIntegration {
    /// The integration's stable integer id.
    #[schema(minimum = 1, example = 105)]
    pub id: i64,
    /// Its configuration: `changeKeys`, `environment` and the non-secret
    /// config fields, snake_case.
    pub data: IntegerIdData,
    /// Its type.
    pub integration: IntegerIdIntegrationType,
    /// Whether it sends.
    pub status: IntegrationStatus,
    /// When it was created.
    #[serde(serialize_with = "crate::dto::millis")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
    /// When its name, config, environment or status last changed.
    #[serde(serialize_with = "crate::dto::millis")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: DateTime<Utc>,
}

/// A page of integrations.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IntegerIdIntegrationList {
    /// The integrations, in creation order.
    pub data: Vec<IntegerIdIntegration>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// `data` of a request: `environment`, `changeKeys`, and the type's config
/// fields in snake_case (each type's fields are the `configSchema`
/// properties of `GET /api/integration-types/{slug}`, snake_cased). Any
/// other member is refused.
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)] // documents the shape; requests are read field by field
pub struct IntegerIdRequestData {
    /// Default `production`.
    #[schema(nullable = false)]
    environment: Option<IntegrationEnvironment>,
    /// On update: `true` replaces the stored secrets with the ones sent
    /// (secret fields are refused without it). Ignored on create.
    #[serde(rename = "changeKeys")]
    #[schema(nullable = false)]
    change_keys: Option<bool>,
    /// The type's config fields, snake_case.
    #[serde(flatten)]
    fields: HashMap<String, Value>,
}

/// `POST /integrations`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "integration": 4,
    "data": {
        "environment": "stage",
        "api_key": "SG.xxxxxxxxxxxxxxxxxxxx",
        "from_email": "notifications@yourcompany.com.br",
        "from_name": "Enspace Notifications"
    }
}))]
pub struct IntegerIdCreateRequest {
    /// The integer id of the type to configure (`GET /api/integration-types`).
    // The catalogue's ids are 1 to 8 (a unit test keeps this in step).
    #[schema(minimum = 1, maximum = 8)]
    pub integration: i64,
    /// `environment`, and the type's config fields in snake_case.
    #[schema(value_type = IntegerIdRequestData)]
    pub data: Map<String, Value>,
}

/// `PUT /integrations/{id}`: every member optional.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"integration": 4, "data": {"changeKeys": true, "api_key": "SG.yyyyyyyyyyyyyyyyyyyy", "from_name": "Ops"}}))]
pub struct IntegerIdUpdateRequest {
    /// When given, must be the integration's type: a type never changes.
    #[schema(nullable = false, minimum = 1, maximum = 8)]
    #[serde(default, deserialize_with = "crate::body::non_null")]
    pub integration: Option<i64>,
    /// Merged key by key into the stored config (`null` removes a
    /// non-secret field). Secret fields need `changeKeys: true`.
    #[schema(value_type = IntegerIdRequestData, required = false)]
    #[serde(default, deserialize_with = "crate::body::non_null")]
    pub data: Option<Map<String, Value>>,
    /// A new status.
    #[schema(nullable = false)]
    #[serde(default, deserialize_with = "crate::body::non_null")]
    pub status: Option<IntegrationStatus>,
}

/// `PATCH /integrations/{id}/status`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "inactive"}))]
pub struct IntegerIdStatusRequest {
    /// The new status.
    pub status: IntegrationStatus,
}

/// Filters and paging for `GET /integrations`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct IntegerIdListQuery {
    /// Only integrations of this type (its integer id).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 8)]
    pub integration: Option<String>,
    /// Only integrations with this status.
    #[param(value_type = Option<IntegrationStatus>)]
    pub status: Option<String>,
    /// Only integrations in this environment.
    #[param(value_type = Option<IntegrationEnvironment>)]
    pub environment: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// The `next_cursor` of the previous page.
    #[param(pattern = r"^int_[0-7][0-9a-hjkmnp-tv-z]{25}$")]
    pub cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use patchbay_domain::IntegrationType;

    use super::*;

    #[test]
    fn documented_type_ids_are_the_catalogue() {
        let ids: Vec<i64> = IntegrationType::all()
            .iter()
            .map(|t| i64::from(t.id()))
            .collect();
        assert_eq!(ids, (1..=8).collect::<Vec<i64>>(), "update `maximum = 8`");
    }

    #[test]
    fn timestamps_have_milliseconds_and_z() {
        #[derive(Serialize)]
        struct T(#[serde(serialize_with = "crate::dto::millis")] DateTime<Utc>);
        let t = DateTime::parse_from_rfc3339("2026-03-12T20:55:53Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            serde_json::to_value(T(t)).unwrap(),
            "2026-03-12T20:55:53.000Z"
        );
    }
}
