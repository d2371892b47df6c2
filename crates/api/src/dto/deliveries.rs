//! Sending and deliveries: the message a client sends, and the deliveries
//! and attempts it reads back.

use chrono::{DateTime, Utc};
use patchbay_domain::Message;
use patchbay_domain::delivery::{Attempt, Delivery, DeliveryStatus};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::{HealthDto, IntegrationTypeSlug};

/// A channel-neutral message; each type uses the parts it can carry (chat:
/// `subject` and `text`; email: `to`, `subject`, `text`/`html`; webhooks:
/// `data` (or the text parts) and `eventType`; AI gateways: `text` as the
/// prompt).
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SendMessageRequest {
    #[serde(default, deserialize_with = "crate::body::non_null")]
    #[schema(nullable = false, max_length = 998)]
    pub subject: Option<String>,
    #[serde(default, deserialize_with = "crate::body::non_null")]
    #[schema(nullable = false, max_length = 40000)]
    pub text: Option<String>,
    #[serde(default, deserialize_with = "crate::body::non_null")]
    #[schema(nullable = false)]
    pub html: Option<String>,
    /// Email recipients (`addr@example.com` or `Name <addr@example.com>`).
    #[serde(default, deserialize_with = "crate::body::non_null")]
    #[schema(nullable = false, max_items = 50)]
    pub to: Option<Vec<String>>,
    /// The webhook payload (`data` in the delivered body).
    #[serde(default, deserialize_with = "crate::body::non_null")]
    #[schema(nullable = false, value_type = Object)]
    pub data: Option<Value>,
    /// The webhook event type (`type` in the delivered body).
    #[serde(default, deserialize_with = "crate::body::non_null")]
    #[schema(
        nullable = false,
        min_length = 1,
        max_length = 200,
        pattern = "^[A-Za-z0-9._:/-]+$"
    )]
    pub event_type: Option<String>,
}

impl SendMessageRequest {
    pub(crate) fn into_message(self) -> Message {
        Message {
            subject: self.subject,
            text: self.text,
            html: self.html,
            to: self.to.unwrap_or_default(),
            data: self.data,
            event_type: self.event_type,
        }
    }
}

/// `?wait=true` waits (bounded) for the first attempt's outcome.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SendQuery {
    /// Answer after the first attempt ends (or the server's wait bound
    /// passes), rather than at once.
    // Read as text, so that a value other than true or false is a 422
    // naming `wait` (the query deserializer's own error names no field).
    #[param(value_type = Option<bool>)]
    pub wait: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListDeliveriesQuery {
    /// Page size, 1-200 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// `nextCursor` of the previous page.
    #[param(pattern = r"^dlv_[0-7][0-9a-hjkmnp-tv-z]{25}$")]
    pub cursor: Option<String>,
}

#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryStatusDto {
    Queued,
    Sending,
    Delivered,
    Failed,
}

impl From<DeliveryStatus> for DeliveryStatusDto {
    fn from(s: DeliveryStatus) -> Self {
        match s {
            DeliveryStatus::Queued => Self::Queued,
            DeliveryStatus::Sending => Self::Sending,
            DeliveryStatus::Delivered => Self::Delivered,
            DeliveryStatus::Failed => Self::Failed,
        }
    }
}

/// One attempt of a delivery.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttemptDto {
    pub number: i64,
    #[serde(serialize_with = "crate::dto::millis")]
    pub started_at: DateTime<Utc>,
    #[serde(serialize_with = "crate::dto::millis")]
    pub finished_at: DateTime<Utc>,
    /// `delivered`, `retryable` or `permanent`.
    #[schema(value_type = String, pattern = "^(delivered|retryable|permanent)$")]
    pub outcome: &'static str,
    /// `success`, `rate_limited`, `server_error`, `network`, `redirect`,
    /// `auth`, `gone`, `rejected` or `unsupported`.
    pub status_class: String,
    pub latency_ms: i64,
    #[schema(required = true)]
    pub provider_message_id: Option<String>,
    /// Our description of a failure (never the provider's raw answer).
    #[schema(required = true)]
    pub error: Option<String>,
    /// The provider's stable error code, where it has one.
    #[schema(required = true)]
    pub code: Option<String>,
    /// The provider's retry hint, in milliseconds.
    #[schema(required = true)]
    pub retry_after_ms: Option<i64>,
    /// When the next attempt was scheduled (after a retryable outcome).
    #[schema(required = true)]
    #[serde(serialize_with = "crate::dto::millis_opt")]
    pub retry_at: Option<DateTime<Utc>>,
}

impl From<&Attempt> for AttemptDto {
    fn from(a: &Attempt) -> Self {
        Self {
            number: a.number,
            started_at: a.started_at,
            finished_at: a.finished_at,
            outcome: a.outcome.as_str(),
            status_class: a.status_class.clone(),
            latency_ms: a.latency_ms,
            provider_message_id: a.provider_message_id.clone(),
            error: a.error.clone(),
            code: a.code.clone(),
            retry_after_ms: a.retry_after_ms,
            retry_at: a.retry_at,
        }
    }
}

/// A delivery: one message queued for one integration.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryDto {
    /// `dlv_…`; also the webhook `webhook-id` of every attempt.
    pub id: String,
    pub integration_id: String,
    #[serde(rename = "type")]
    pub kind: IntegrationTypeSlug,
    pub status: DeliveryStatusDto,
    /// Attempts made so far.
    pub attempt_count: i64,
    pub max_attempts: i64,
    /// When the next attempt is due, while queued.
    #[schema(required = true)]
    #[serde(serialize_with = "crate::dto::millis_opt")]
    pub next_attempt_at: Option<DateTime<Utc>>,
    #[schema(required = true)]
    pub last_error: Option<String>,
    #[schema(required = true)]
    pub last_code: Option<String>,
    #[schema(required = true)]
    pub provider_message_id: Option<String>,
    /// The group send (`snd_…`) this delivery carries, if it was sent to
    /// an integration group.
    #[schema(required = true)]
    pub group_send_id: Option<String>,
    #[serde(serialize_with = "crate::dto::millis")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "crate::dto::millis")]
    pub updated_at: DateTime<Utc>,
    #[schema(required = true)]
    #[serde(serialize_with = "crate::dto::millis_opt")]
    pub completed_at: Option<DateTime<Utc>>,
}

impl From<&Delivery> for DeliveryDto {
    fn from(d: &Delivery) -> Self {
        Self {
            id: d.id.to_string(),
            integration_id: d.integration_id.to_string(),
            kind: IntegrationTypeSlug::from_kind(d.kind),
            status: d.status.into(),
            attempt_count: d.attempts,
            max_attempts: d.max_attempts,
            next_attempt_at: (d.status == DeliveryStatus::Queued).then_some(d.next_attempt_at),
            last_error: d.last_error.clone(),
            last_code: d.last_code.clone(),
            provider_message_id: d.provider_message_id.clone(),
            group_send_id: d.group.as_ref().map(|g| g.send_id.to_string()),
            created_at: d.created_at,
            updated_at: d.updated_at,
            completed_at: d.completed_at,
        }
    }
}

/// The answer to a send: the delivery, and the integration's health (an
/// unhealthy integration still accepts sends, and says so here).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SendResponse {
    #[serde(flatten)]
    pub delivery: DeliveryDto,
    pub integration_health: HealthDto,
    /// The first attempt's outcome, when `?wait=true` saw it end.
    #[schema(required = true)]
    pub first_attempt: Option<AttemptDto>,
}

/// A delivery with every attempt.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryDetail {
    #[serde(flatten)]
    pub delivery: DeliveryDto,
    pub attempts: Vec<AttemptDto>,
}

/// A page of an integration's deliveries, newest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryList {
    pub data: Vec<DeliveryDto>,
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}
