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
    /// The provider accepted the message.
    Delivered,
    /// Stopped: a permanent outcome, or retries exhausted.
    Failed,
}

impl DeliveryStatus {
    /// As stored and shown: `queued`, `sending`, `delivered` or `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Queued => "queued",
            DeliveryStatus::Sending => "sending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Failed => "failed",
        }
    }

    /// The status named `s`, if any.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "queued" => Some(DeliveryStatus::Queued),
            "sending" => Some(DeliveryStatus::Sending),
            "delivered" => Some(DeliveryStatus::Delivered),
            "failed" => Some(DeliveryStatus::Failed),
            _ => None,
        }
    }

    /// Whether no further attempt will be made (delivered or failed).
    pub fn is_final(self) -> bool {
        matches!(self, DeliveryStatus::Delivered | DeliveryStatus::Failed)
    }
}

/// How one attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AttemptOutcome {
    /// The provider accepted the message.
    Delivered,
    /// It did not, and a later attempt may succeed (a retry is scheduled while
    /// the budget and deadline allow).
    Retryable,
    /// It did not, and no retry can help: the delivery fails.
    Permanent,
}

impl AttemptOutcome {
    /// As stored and shown: `delivered`, `retryable` or `permanent`.
    pub fn as_str(self) -> &'static str {
        match self {
            AttemptOutcome::Delivered => "delivered",
            AttemptOutcome::Retryable => "retryable",
            AttemptOutcome::Permanent => "permanent",
        }
    }

    /// The outcome named `s`, if any.
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
    /// Its id, `dlv_` prefixed.
    pub id: DeliveryId,
    /// The organization that sent it.
    pub org_id: OrgId,
    /// The integration it is sent through.
    pub integration_id: IntegrationId,
    /// That integration's type, as it was when the message was accepted.
    pub kind: IntegrationType,
    /// What to send.
    pub message: Message,
    /// Where it is in its life.
    pub status: DeliveryStatus,
    /// Attempts made so far.
    pub attempts: i64,
    /// The attempt budget: it fails after this many attempts.
    pub max_attempts: i64,
    /// When the next attempt is due (meaningful while queued).
    pub next_attempt_at: DateTime<Utc>,
    /// No retry is scheduled after this time.
    pub deadline_at: DateTime<Utc>,
    /// Why the last attempt did not deliver; `None` before the first attempt
    /// and after a delivery.
    pub last_error: Option<String>,
    /// The machine-readable code of the last attempt's permanent outcome (e.g.
    /// `integration_inactive`), when it had one.
    pub last_code: Option<String>,
    /// The provider's id for the delivered message, when it gives one.
    pub provider_message_id: Option<String>,
    /// Set when the delivery carries a message sent to an integration group.
    pub group: Option<GroupLink>,
    /// When it was accepted.
    pub created_at: DateTime<Utc>,
    /// When its row last changed.
    pub updated_at: DateTime<Utc>,
    /// When it was delivered or failed; `None` while it can still be attempted.
    pub completed_at: Option<DateTime<Utc>>,
}

/// One recorded attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    /// Which attempt of its delivery this was, from 1.
    pub number: i64,
    /// When the send started (after any pacing wait).
    pub started_at: DateTime<Utc>,
    /// When the outcome was known.
    pub finished_at: DateTime<Utc>,
    /// How it ended.
    pub outcome: AttemptOutcome,
    /// `success`, `rate_limited`, `server_error`, `network`, `redirect`,
    /// `auth`, `gone`, `rejected`, `unsupported`: see [`status_class`].
    pub status_class: String,
    /// How long the send took, in milliseconds.
    pub latency_ms: i64,
    /// The provider's id for the delivered message, when it gave one.
    pub provider_message_id: Option<String>,
    /// Why it did not deliver; `None` when it did.
    pub error: Option<String>,
    /// The machine-readable code of a permanent outcome, when there is one.
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
    /// The delivery to write, as it starts: queued and due.
    pub delivery: Delivery,
    /// The request's `Idempotency-Key`, when it carried one.
    pub idempotency: Option<IdempotencyClaim>,
}

/// An `Idempotency-Key` as stored: scoped to the organization.
#[derive(Debug, Clone)]
pub struct IdempotencyClaim {
    /// The key as the client sent it.
    pub key: String,
    /// SHA-256 (hex) of what the request asked for.
    pub request_hash: String,
    /// The request is answered when its first attempt ends (`?wait=true`):
    /// until then a repeat is told the first is still in progress.
    pub completes_later: bool,
    /// A repeat is "in progress" no longer than this after the first.
    pub in_progress_until: DateTime<Utc>,
    /// When the key is forgotten: a repeat after this is a new request.
    pub expires_at: DateTime<Utc>,
}

/// The answer of [`DeliveryStore::enqueue`](crate::delivery::DeliveryStore::enqueue).
#[derive(Debug, Clone)]
pub enum EnqueueOutcome {
    /// A new delivery was written.
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
    /// The delivery as claimed (status `sending`).
    pub delivery: Delivery,
    /// When the lease ends; the delivery is due again for any worker after it.
    pub lease_until: DateTime<Utc>,
}

/// The answer to a send-slot reservation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendSlot {
    /// Reserved: send at `at` (now or soon).
    Reserved {
        /// When the reserved slot starts.
        at: DateTime<Utc>,
    },
    /// The next free slot is at `at`, too far to wait for: nothing reserved.
    Later {
        /// When the next free slot starts.
        at: DateTime<Utc>,
    },
}

/// What to write after an attempt.
#[derive(Debug, Clone)]
pub enum AttemptNext {
    /// Delivered: the delivery is final.
    Delivered {
        /// The provider's id for the message, when it gave one.
        provider_message_id: Option<String>,
    },
    /// Retryable and within budget: queued again.
    Retry {
        /// When the next attempt is due.
        at: DateTime<Utc>,
    },
    /// Permanent or out of budget: the delivery is final.
    Failed,
}

/// A page of one integration's deliveries, newest first.
#[derive(Debug, Clone, Default)]
pub struct DeliveryListQuery {
    /// The last id of the previous page.
    pub before: Option<DeliveryId>,
    /// At most this many deliveries.
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
