//! What the delivery use cases and workers need from storage: the outbox
//! table behind a small API, and the signal that wakes the workers.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::model::{
    Attempt, AttemptNext, Claimed, Delivery, DeliveryListQuery, EnqueueOutcome, NewDelivery,
    SendSlot,
};
use crate::error::StoreError;
use crate::health::Health;
use crate::ids::{DeliveryId, IntegrationId, OrgId};

/// The outbox: deliveries, their attempts, idempotency keys, and the send
/// slots and holds that pace sends through an integration.
#[async_trait]
pub trait DeliveryStore: Send + Sync + 'static {
    /// Write the delivery (and its idempotency key) in one transaction.
    async fn enqueue(&self, new: &NewDelivery) -> Result<EnqueueOutcome, StoreError>;

    /// Mark an idempotency key's first request answered.
    async fn complete_idempotency(&self, org: &OrgId, key: &str) -> Result<(), StoreError>;

    /// A delivery of this organization, if it exists.
    async fn get(&self, org: &OrgId, id: &DeliveryId) -> Result<Option<Delivery>, StoreError>;

    /// A delivery's attempts, in attempt order.
    async fn attempts(&self, org: &OrgId, id: &DeliveryId) -> Result<Vec<Attempt>, StoreError>;

    /// A page of one integration's deliveries, newest first.
    async fn list(
        &self,
        org: &OrgId,
        integration: &IntegrationId,
        query: &DeliveryListQuery,
    ) -> Result<Vec<Delivery>, StoreError>;

    /// Claim up to `limit` due deliveries (queued and due, or sending with an
    /// expired lease) for `owner` until `lease_until`. Safe with several
    /// workers and processes: a row is claimed by one of them.
    /// Rows of the integrations in `exclude` are left queued (the claiming
    /// process has as many of their attempts in flight as it allows).
    async fn claim(
        &self,
        owner: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
        exclude: &[IntegrationId],
    ) -> Result<Vec<Claimed>, StoreError>;

    /// Record an attempt of `delivery` (as claimed) and write its next
    /// state, if `owner` still holds the lease (false otherwise: the attempt
    /// is recorded, the state is left to the new owner). A delivery that
    /// carries a group send settles its step of the route in the same
    /// transaction.
    async fn finish_attempt(
        &self,
        delivery: &Delivery,
        owner: &str,
        attempt: &Attempt,
        next: &AttemptNext,
    ) -> Result<bool, StoreError>;

    /// Put a claimed delivery back without an attempt (pacing, shutdown).
    async fn release(
        &self,
        id: &DeliveryId,
        owner: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Release every lease `owner` holds (graceful shutdown).
    async fn release_all(&self, owner: &str, at: DateTime<Utc>) -> Result<u64, StoreError>;

    /// A failed delivery queued again with a fresh retry budget.
    async fn retry_failed(
        &self,
        org: &OrgId,
        id: &DeliveryId,
        now: DateTime<Utc>,
        deadline_at: DateTime<Utc>,
        max_attempts: i64,
    ) -> Result<Option<Delivery>, StoreError>;

    /// Record an integration's health (read back on the integration as
    /// `recorded_health`); does not change its version.
    async fn set_health(
        &self,
        org: &OrgId,
        integration: &IntegrationId,
        health: &Health,
    ) -> Result<(), StoreError>;

    /// Reserve the integration's next send slot, shared by every worker on
    /// the database: the slot starts at the latest of `now`, the end of the
    /// previous slot and any hold, and the slot after it `interval` later.
    /// Nothing is reserved when the slot is more than `max_wait` away.
    async fn reserve_send_slot(
        &self,
        integration: &IntegrationId,
        now: DateTime<Utc>,
        interval: Duration,
        max_wait: Duration,
    ) -> Result<SendSlot, StoreError>;

    /// No send through the integration starts before `until` (a provider's
    /// rate-limit hint); an existing later hold stays.
    async fn hold_sends(
        &self,
        integration: &IntegrationId,
        until: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// The integration's current hold, if any (see [`Self::hold_sends`]).
    async fn send_hold(
        &self,
        integration: &IntegrationId,
    ) -> Result<Option<DateTime<Utc>>, StoreError>;

    /// Queued or sending deliveries, by type slug.
    async fn queue_depth(&self) -> Result<Vec<(String, i64)>, StoreError>;

    /// Delete idempotency keys that expired before `now`.
    async fn purge_idempotency(&self, now: DateTime<Utc>) -> Result<u64, StoreError>;

    /// Delete up to `limit` deliveries that finished before `before`, with
    /// their attempts, oldest first, in one short transaction; a group
    /// send's deliveries go only with the send, once it finished before
    /// `before` too (so a route never names a purged delivery). Answers how
    /// many deliveries and group sends were deleted: fewer than `limit`
    /// means none is left to purge.
    async fn purge_finished(&self, before: DateTime<Utc>, limit: u32) -> Result<u64, StoreError>;

    /// Active integrations whose last test is older than `tested_before`
    /// (or never ran), at most `limit`, oldest first.
    async fn due_for_retest(
        &self,
        tested_before: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<(OrgId, IntegrationId)>, StoreError>;
}

/// Wakes the workers when a delivery is enqueued, so the first attempt does
/// not wait for the next poll.
pub trait QueueSignal: Send + Sync {
    /// Called after a delivery is enqueued; must not block.
    fn notify(&self);
}

/// A signal that wakes nobody (workers poll).
pub struct NoSignal;

impl QueueSignal for NoSignal {
    fn notify(&self) {}
}
