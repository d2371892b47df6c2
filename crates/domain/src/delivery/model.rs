//! The outbox's records: a delivery, its attempts, and what the store
//! answers about them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::catalogue::IntegrationType;
use crate::group::GroupLink;
use crate::ids::{DeliveryId, IntegrationId, OrgId};
use crate::provider::{Message, PermanentKind, SendOutcome};

/// Where a delivery is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryStatus {
    /// Waiting for its next attempt (the first, or a retry).
    Queued,
    /// Claimed by a worker: an attempt is under way (under a lease).
    Sending,
    Delivered,
    /// Stopped: a permanent outcome, or retries exhausted.
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Queued => "queued",
            DeliveryStatus::Sending => "sending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "queued" => Some(DeliveryStatus::Queued),
            "sending" => Some(DeliveryStatus::Sending),
            "delivered" => Some(DeliveryStatus::Delivered),
            "failed" => Some(DeliveryStatus::Failed),
            _ => None,
        }
    }

    pub fn is_final(self) -> bool {
        matches!(self, DeliveryStatus::Delivered | DeliveryStatus::Failed)
    }
}

/// How one attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AttemptOutcome {
    Delivered,
    Retryable,
    Permanent,
}

impl AttemptOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            AttemptOutcome::Delivered => "delivered",
            AttemptOutcome::Retryable => "retryable",
            AttemptOutcome::Permanent => "permanent",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "delivered" => Some(AttemptOutcome::Delivered),
            "retryable" => Some(AttemptOutcome::Retryable),
            "permanent" => Some(AttemptOutcome::Permanent),
            _ => None,
        }
    }
}

/// One queued message and its state.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub id: DeliveryId,
    pub org_id: OrgId,
    pub integration_id: IntegrationId,
    pub kind: IntegrationType,
    pub message: Message,
    pub status: DeliveryStatus,
    /// Attempts made so far.
    pub attempts: i64,
    pub max_attempts: i64,
    /// When the next attempt is due (meaningful while queued).
    pub next_attempt_at: DateTime<Utc>,
    /// No retry is scheduled after this time.
    pub deadline_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub last_code: Option<String>,
    pub provider_message_id: Option<String>,
    /// Set when the delivery carries a message sent to an integration group.
    pub group: Option<GroupLink>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
}

/// One recorded attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    pub number: i64,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub outcome: AttemptOutcome,
    /// `success`, `rate_limited`, `server_error`, `network`, `redirect`,
    /// `auth`, `gone`, `rejected`, `unsupported`: see [`status_class`].
    pub status_class: String,
    pub latency_ms: i64,
    pub provider_message_id: Option<String>,
    pub error: Option<String>,
    pub code: Option<String>,
    /// The provider's hint, when it gave one.
    pub retry_after_ms: Option<i64>,
    /// When the next attempt was scheduled, after a retryable outcome.
    pub retry_at: Option<DateTime<Utc>>,
}

/// The provider status class of an outcome: a coarse, provider-neutral
/// category (the providers map HTTP statuses and API error codes to
/// outcomes; this keeps what an operator needs to tell them apart).
pub fn status_class(outcome: &SendOutcome) -> &'static str {
    match outcome {
        SendOutcome::Delivered { .. } => "success",
        SendOutcome::Retryable {
            retry_after,
            reason,
        } => {
            let r = reason.to_ascii_lowercase();
            if retry_after.is_some() || r.contains("rate limit") || r.contains("429") {
                "rate_limited"
            } else if r.contains("server error") {
                "server_error"
            } else {
                "network"
            }
        }
        SendOutcome::Permanent { kind, code, .. } => {
            if code.as_deref() == Some("redirect") {
                return "redirect";
            }
            match kind {
                PermanentKind::Credential => "auth",
                PermanentKind::Gone => "gone",
                PermanentKind::Message => "rejected",
                PermanentKind::Unsupported => "unsupported",
            }
        }
    }
}

/// What a new delivery is made of.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    pub delivery: Delivery,
    pub idempotency: Option<IdempotencyClaim>,
}

/// An `Idempotency-Key` as stored: scoped to the organization.
#[derive(Debug, Clone)]
pub struct IdempotencyClaim {
    pub key: String,
    /// SHA-256 (hex) of what the request asked for.
    pub request_hash: String,
    /// The request is answered when its first attempt ends (`?wait=true`):
    /// until then a repeat is told the first is still in progress.
    pub completes_later: bool,
    /// A repeat is "in progress" no longer than this after the first.
    pub in_progress_until: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// The answer of [`DeliveryStore::enqueue`](crate::delivery::DeliveryStore::enqueue).
#[derive(Debug, Clone)]
pub enum EnqueueOutcome {
    Created(Delivery),
    /// The key was used before with the same request: its delivery.
    Replayed(Delivery),
    /// The key was used before with another request.
    KeyReused,
    /// The first request with this key has not been answered yet.
    InProgress,
}

/// A delivery a worker holds under a lease.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub delivery: Delivery,
    pub lease_until: DateTime<Utc>,
}

/// The answer to a send-slot reservation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendSlot {
    /// Reserved: send at `at` (now or soon).
    Reserved { at: DateTime<Utc> },
    /// The next free slot is at `at`, too far to wait for: nothing reserved.
    Later { at: DateTime<Utc> },
}

/// What to write after an attempt.
#[derive(Debug, Clone)]
pub enum AttemptNext {
    Delivered { provider_message_id: Option<String> },
    Retry { at: DateTime<Utc> },
    Failed,
}

/// A page of one integration's deliveries, newest first.
#[derive(Debug, Clone, Default)]
pub struct DeliveryListQuery {
    /// The last id of the previous page.
    pub before: Option<DeliveryId>,
    pub limit: u32,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn status_classes() {
        assert_eq!(
            status_class(&SendOutcome::Retryable {
                reason: "r".into(),
                retry_after: Some(Duration::from_secs(1))
            }),
            "rate_limited"
        );
        assert_eq!(
            status_class(&SendOutcome::Permanent {
                reason: "r".into(),
                kind: PermanentKind::Gone,
                code: Some("redirect".into())
            }),
            "redirect"
        );
    }
}
