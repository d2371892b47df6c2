//! What the group use cases and the delivery workers need from storage.

use async_trait::async_trait;

use super::model::{GroupSend, IntegrationGroup};
use crate::delivery::{Attempt, Delivery, IdempotencyClaim};
use crate::error::StoreError;
use crate::ids::{DeliveryId, GroupId, GroupSendId, OrgId};
use crate::store::WriteOutcome;

/// A group send to write: the send with its route, the deliveries it
/// starts with, and its idempotency key, in one transaction.
#[derive(Debug, Clone)]
pub struct NewGroupSend {
    /// The send, with its route.
    pub send: GroupSend,
    /// The deliveries the route starts with (failover: the first usable
    /// member; broadcast: every usable member).
    pub deliveries: Vec<Delivery>,
    /// The request's `Idempotency-Key`, when it carried one.
    pub idempotency: Option<IdempotencyClaim>,
}

/// The answer of [`GroupStore::enqueue_group_send`].
#[derive(Debug, Clone)]
pub enum GroupEnqueueOutcome {
    /// A new group send was written.
    Created(GroupSend),
    /// The key was used before with the same request: its group send.
    Replayed(GroupSend),
    /// The key was used before with another request.
    KeyReused,
    /// The first request with this key has not been answered yet.
    InProgress,
}

/// A failover member given up, and the next member the message goes to,
/// written in one transaction.
#[derive(Debug, Clone)]
pub struct HandOff {
    /// The group send.
    pub send_id: GroupSendId,
    /// The given-up member's delivery, and the worker holding its lease:
    /// nothing is written unless that worker still holds it.
    pub delivery_id: DeliveryId,
    /// The worker that holds the given-up delivery's lease.
    pub owner: String,
    /// The attempt that ended, if the member was given up after one (not
    /// when its time ran out while it waited in the queue).
    pub attempt: Option<Attempt>,
    /// Why the member was given up: its delivery fails with this, code
    /// [`HANDED_OFF`], and its step with the same reason.
    pub reason: String,
    /// Waiting members that cannot send: their steps fail with the reason.
    pub unusable: Vec<(u32, String)>,
    /// Waiting members passed over for now: their steps' notes.
    pub passed_over: Vec<(u32, String)>,
    /// The next member's position, why it was chosen, and its delivery.
    pub next_position: u32,
    /// Why the next member was chosen, for its step.
    pub next_note: String,
    /// The next member's delivery, to enqueue.
    pub next: Delivery,
}

/// The code of a failover member's delivery that was given up for the
/// next member (its remaining retries are cancelled).
pub const HANDED_OFF: &str = "handed_off";

/// Integration groups and group sends, with the hand-offs of failover
/// routes.
#[async_trait]
pub trait GroupStore: Send + Sync + 'static {
    /// Insert; returns the group with its assigned `seq`. A member that no
    /// longer exists answers [`StoreError::Reference`].
    async fn insert_group(&self, group: &IntegrationGroup) -> Result<IntegrationGroup, StoreError>;

    /// A group of this organization, if it exists.
    async fn get_group(
        &self,
        org: &OrgId,
        id: &GroupId,
    ) -> Result<Option<IntegrationGroup>, StoreError>;

    /// Up to `limit` groups after `after`, in creation order.
    async fn list_groups(
        &self,
        org: &OrgId,
        after: Option<&GroupId>,
        limit: u32,
    ) -> Result<Vec<IntegrationGroup>, StoreError>;

    /// Write name, strategy, members, bounds, `updated_at` and
    /// `version = expected_version + 1`, only at `expected_version`.
    async fn update_group(
        &self,
        group: &IntegrationGroup,
        expected_version: i64,
    ) -> Result<WriteOutcome<IntegrationGroup>, StoreError>;

    /// Delete, optionally only at the given version. Its sends stay.
    async fn delete_group(
        &self,
        org: &OrgId,
        id: &GroupId,
        expected_version: Option<i64>,
    ) -> Result<WriteOutcome<()>, StoreError>;

    /// Write the send, its route and its first deliveries (and the
    /// idempotency key) in one transaction.
    async fn enqueue_group_send(
        &self,
        new: &NewGroupSend,
    ) -> Result<GroupEnqueueOutcome, StoreError>;

    /// A group send of this organization, with its route, if it exists.
    async fn get_group_send(
        &self,
        org: &OrgId,
        id: &GroupSendId,
    ) -> Result<Option<GroupSend>, StoreError>;

    /// Give a failover member up for the next one (see [`HandOff`]); false
    /// when the worker no longer holds the given-up delivery's lease
    /// (nothing is written then).
    async fn hand_off(&self, handoff: &HandOff) -> Result<bool, StoreError>;

    /// Fail waiting steps that cannot send, with their reasons (when no
    /// member is left to hand the message to).
    async fn fail_steps(
        &self,
        send_id: &GroupSendId,
        steps: &[(u32, String)],
    ) -> Result<(), StoreError>;
}
