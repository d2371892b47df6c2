//! Integration groups and group sends: the records, their states and the
//! limits a group must keep.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::catalogue::IntegrationType;
use crate::ids::{DeliveryId, GroupId, GroupSendId, IntegrationId, OrgId};
use crate::provider::Message;

/// Most members of one group: a failover chain longer than this is a
/// configuration mistake, and a broadcast wider than this belongs in a
/// bulk send.
pub const MAX_MEMBERS: usize = 10;

/// How a group sends one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Strategy {
    /// One member delivers: the first usable one, then the next when it
    /// fails permanently or does not deliver within the group's bounds.
    Failover,
    /// Every member gets its own delivery.
    Broadcast,
}

impl Strategy {
    /// As stored and shown: `failover` or `broadcast`.
    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::Failover => "failover",
            Strategy::Broadcast => "broadcast",
        }
    }

    /// The strategy named `s`, if any.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "failover" => Some(Strategy::Failover),
            "broadcast" => Some(Strategy::Broadcast),
            _ => None,
        }
    }
}

/// When a failover group gives up on a member that has not delivered and
/// moves to the next one (a permanent failure moves on at once).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailoverBounds {
    /// Attempts through one member before moving on.
    pub attempts: u32,
    /// Time from handing the message to a member before moving on.
    pub after: Duration,
}

impl FailoverBounds {
    /// Most attempts a group may allow one member (the least is 1).
    pub const MAX_ATTEMPTS: u32 = 10;
    /// Shortest time a group may allow one member.
    pub const MIN_AFTER: Duration = Duration::from_secs(1);
    /// Longest time a group may allow one member.
    pub const MAX_AFTER: Duration = Duration::from_secs(3600);
}

impl Default for FailoverBounds {
    fn default() -> Self {
        Self {
            attempts: 2,
            after: Duration::from_secs(30),
        }
    }
}

/// A stored group.
#[derive(Debug, Clone, PartialEq)]
pub struct IntegrationGroup {
    /// Its id, `grp_` prefixed.
    pub id: GroupId,
    /// Creation order, assigned by the store (lists follow it).
    pub seq: i64,
    /// The organization that owns it.
    pub org_id: OrgId,
    /// Its name, for people (names need not be unique).
    pub name: String,
    /// How it sends a message.
    pub strategy: Strategy,
    /// In failover order; distinct, each an integration of the organization.
    pub members: Vec<IntegrationId>,
    /// Used by the failover strategy only.
    pub failover: FailoverBounds,
    /// Bumped on every change; the ETag and the compare-and-swap guard.
    pub version: i64,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// Where a group send is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GroupSendStatus {
    /// Some member's delivery is under way or waits to be tried.
    Sending,
    /// Failover: one member delivered. Broadcast: every member delivered.
    Delivered,
    /// Broadcast only: some members delivered, the others failed.
    PartiallyDelivered,
    /// No member delivered, and none is left to try.
    Failed,
}

impl GroupSendStatus {
    /// As stored and shown: `sending`, `delivered`, `partially_delivered` or
    /// `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            GroupSendStatus::Sending => "sending",
            GroupSendStatus::Delivered => "delivered",
            GroupSendStatus::PartiallyDelivered => "partially_delivered",
            GroupSendStatus::Failed => "failed",
        }
    }

    /// The status named `s`, if any.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "sending" => Some(GroupSendStatus::Sending),
            "delivered" => Some(GroupSendStatus::Delivered),
            "partially_delivered" => Some(GroupSendStatus::PartiallyDelivered),
            "failed" => Some(GroupSendStatus::Failed),
            _ => None,
        }
    }

    /// Whether the send is over (anything but `sending`).
    pub fn is_final(self) -> bool {
        self != GroupSendStatus::Sending
    }
}

/// Where one member is in a group send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StepState {
    /// Not tried yet (failover: a member after the current one, or one
    /// passed over for now).
    Waiting,
    /// Its delivery is queued or being attempted.
    Sending,
    /// Its delivery delivered the message.
    Delivered,
    /// Tried and failed, abandoned for the next member, or unusable
    /// (deleted, inactive): `reason` says which.
    Failed,
    /// Failover: another member delivered before this one was needed.
    Unused,
}

impl StepState {
    /// As stored and shown: `waiting`, `sending`, `delivered`, `failed` or
    /// `unused`.
    pub fn as_str(self) -> &'static str {
        match self {
            StepState::Waiting => "waiting",
            StepState::Sending => "sending",
            StepState::Delivered => "delivered",
            StepState::Failed => "failed",
            StepState::Unused => "unused",
        }
    }

    /// The state named `s`, if any.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "waiting" => Some(StepState::Waiting),
            "sending" => Some(StepState::Sending),
            "delivered" => Some(StepState::Delivered),
            "failed" => Some(StepState::Failed),
            "unused" => Some(StepState::Unused),
            _ => None,
        }
    }

    /// Still able to deliver the message.
    pub fn is_open(self) -> bool {
        matches!(self, StepState::Waiting | StepState::Sending)
    }
}

/// One member's part in a group send: the route taken, member by member.
#[derive(Debug, Clone, PartialEq)]
pub struct RouteStep {
    /// The member's place in the group's order (0-based).
    pub position: u32,
    /// The member integration.
    pub integration_id: IntegrationId,
    /// The member's type when the message was sent (`None`: it was
    /// already deleted).
    pub kind: Option<IntegrationType>,
    /// Where the member is in this send.
    pub state: StepState,
    /// Its delivery, once the message was handed to it.
    pub delivery_id: Option<DeliveryId>,
    /// When the message was handed to it.
    pub started_at: Option<DateTime<Utc>>,
    /// When its part ended (delivered, failed, abandoned, unused).
    pub ended_at: Option<DateTime<Utc>>,
    /// Why it was chosen, or passed over for now.
    pub note: Option<String>,
    /// Why its part ended as it did (failure, moving on).
    pub reason: Option<String>,
}

/// One message sent to a group.
#[derive(Debug, Clone)]
pub struct GroupSend {
    /// Its id, `snd_` prefixed.
    pub id: GroupSendId,
    /// The organization that sent it.
    pub org_id: OrgId,
    /// The group it was sent to (the group may since be deleted).
    pub group_id: GroupId,
    /// The group's strategy when the message was sent.
    pub strategy: Strategy,
    /// Where the send is, from its steps.
    pub status: GroupSendStatus,
    /// What was sent.
    pub message: Message,
    /// One step per member, in the group's order at send time.
    pub route: Vec<RouteStep>,
    /// When the message was accepted.
    pub created_at: DateTime<Utc>,
    /// When the send or its route last changed.
    pub updated_at: DateTime<Utc>,
    /// When the send became final; `None` while it is `sending`.
    pub completed_at: Option<DateTime<Utc>>,
}

impl GroupSend {
    /// Members delivered, failed and still open.
    pub fn counts(&self) -> StepCounts {
        StepCounts::of(&self.route)
    }
}

/// How many members are where, for a group send's summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StepCounts {
    /// Members whose delivery delivered.
    pub delivered: u32,
    /// Members that failed (tried, given up or unusable).
    pub failed: u32,
    /// Waiting or sending.
    pub pending: u32,
    /// Failover: members not needed because another delivered.
    pub unused: u32,
}

impl StepCounts {
    /// Counts the steps of `route` by state.
    pub fn of(route: &[RouteStep]) -> Self {
        let mut c = StepCounts::default();
        for s in route {
            match s.state {
                StepState::Delivered => c.delivered += 1,
                StepState::Failed => c.failed += 1,
                StepState::Waiting | StepState::Sending => c.pending += 1,
                StepState::Unused => c.unused += 1,
            }
        }
        c
    }
}

/// What ties a delivery to the group send it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupLink {
    /// The group send.
    pub send_id: GroupSendId,
    /// Failover only: when the group moves on from this member.
    pub handoff: Option<Handoff>,
}

/// A failover member's bounds, fixed when the message is handed to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Handoff {
    /// Move on after this many attempts without delivery.
    pub after_attempts: i64,
    /// Move on when not delivered by then.
    pub at: DateTime<Utc>,
}
