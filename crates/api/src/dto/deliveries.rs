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
    /// Subject line: required for email; chat types put it before the text.
    #[serde(default, deserialize_with = "crate::body::non_null")]
    #[schema(nullable = false, max_length = 998)]
    pub subject: Option<String>,
    /// Plain text: the chat message, the email body (or `html`), the AI
    /// prompt.
    #[serde(default, deserialize_with = "crate::body::non_null")]
    #[schema(nullable = false, max_length = 40000)]
    pub text: Option<String>,
    /// HTML body (email).
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

/// Paging for an integration's deliveries, newest first.
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

/// Where a delivery is: `queued` (waiting for its next attempt), `sending`
/// (an attempt is under way), `delivered`, or `failed` (a permanent
/// outcome, or retries exhausted).
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryStatusDto {
    /// Waiting for its next attempt (the first, or a retry).
    Queued,
    /// An attempt is under way.
    Sending,
    /// The provider accepted the message.
    Delivered,
    /// Stopped: a permanent outcome, or retries exhausted.
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
    /// Which attempt this was, from 1.
    pub number: i64,
    /// When the send started.
    #[serde(serialize_with = "crate::dto::millis")]
    pub started_at: DateTime<Utc>,
    /// When the outcome was known.
    #[serde(serialize_with = "crate::dto::millis")]
    pub finished_at: DateTime<Utc>,
    /// `delivered`, `retryable` or `permanent`.
    #[schema(value_type = String, pattern = "^(delivered|retryable|permanent)$")]
    pub outcome: &'static str,
    /// `success`, `rate_limited`, `server_error`, `network`, `redirect`,
    /// `auth`, `gone`, `rejected` or `unsupported`.
    pub status_class: String,
    /// How long the send took, in milliseconds.
    pub latency_ms: i64,
    /// The provider's id for the delivered message, when it gave one.
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
    /// The integration it is sent through (`int_…`).
    pub integration_id: String,
    /// The integration's type.
    #[serde(rename = "type")]
    pub kind: IntegrationTypeSlug,
    /// Where the delivery is.
    pub status: DeliveryStatusDto,
    /// Attempts made so far.
    pub attempt_count: i64,
    /// The attempt budget: it fails after this many attempts.
    pub max_attempts: i64,
    /// When the next attempt is due, while queued.
    #[schema(required = true)]
    #[serde(serialize_with = "crate::dto::millis_opt")]
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// Why the last attempt did not deliver; `null` before the first attempt
    /// and after a delivery.
    #[schema(required = true)]
    pub last_error: Option<String>,
    /// The stable error code of the last attempt's permanent outcome (e.g.
    /// `integration_inactive`), when it had one.
    #[schema(required = true)]
    pub last_code: Option<String>,
    /// The provider's id for the delivered message, when it gave one.
    #[schema(required = true)]
    pub provider_message_id: Option<String>,
    /// The group send (`snd_…`) this delivery carries, if it was sent to
    /// an integration group.
    #[schema(required = true)]
    pub group_send_id: Option<String>,
    /// When the message was accepted.
    #[serde(serialize_with = "crate::dto::millis")]
    pub created_at: DateTime<Utc>,
    /// When the delivery last changed.
    #[serde(serialize_with = "crate::dto::millis")]
    pub updated_at: DateTime<Utc>,
    /// When it was delivered or failed; `null` while it can still be attempted.
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
    /// The delivery as accepted (or as the first attempt left it).
    #[serde(flatten)]
    pub delivery: DeliveryDto,
    /// The integration's health when the message was accepted.
    pub integration_health: HealthDto,
    /// The first attempt's outcome, when `?wait=true` saw it end.
    #[schema(required = true)]
    pub first_attempt: Option<AttemptDto>,
}

/// A delivery with every attempt.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryDetail {
    /// The delivery.
    #[serde(flatten)]
    pub delivery: DeliveryDto,
    /// Every attempt, in order.
    pub attempts: Vec<AttemptDto>,
}

/// A page of an integration's deliveries, newest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryList {
    /// The deliveries, newest first.
    pub data: Vec<DeliveryDto>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}
