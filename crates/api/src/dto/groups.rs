//! Integration groups and group sends: what a client writes and reads back.

use chrono::{DateTime, Utc};
use patchbay_domain::group::{
    FailoverInput, GroupSend, GroupSendStatus, IntegrationGroup, RouteStep, StepState, Strategy,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::IntegrationTypeSlug;

/// How a group sends one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum GroupStrategy {
    /// One member delivers: the first usable one in order, then the next
    /// when it fails permanently or does not deliver within the bounds.
    Failover,
    /// Every member gets its own delivery.
    Broadcast,
}

impl From<GroupStrategy> for Strategy {
    fn from(s: GroupStrategy) -> Self {
        match s {
            GroupStrategy::Failover => Strategy::Failover,
            GroupStrategy::Broadcast => Strategy::Broadcast,
        }
    }
}

impl From<Strategy> for GroupStrategy {
    fn from(s: Strategy) -> Self {
        match s {
            Strategy::Failover => GroupStrategy::Failover,
            Strategy::Broadcast => GroupStrategy::Broadcast,
        }
    }
}

/// When a failover group moves on from a member that has not delivered (a
/// permanent failure moves on at once). Only for `failover`; a member left
/// out keeps its value (default 2 attempts, 30 s).
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FailoverRequest {
    /// Attempts through one member before moving on, 1-10.
    #[serde(default, deserialize_with = "crate::body::non_null")]
    #[schema(nullable = false, minimum = 1, maximum = 10)]
    pub attempts: Option<u32>,
    /// Seconds from handing the message to a member before moving on, 1-3600.
    #[serde(default, deserialize_with = "crate::body::non_null")]
    #[schema(nullable = false, minimum = 1, maximum = 3600)]
    pub after_secs: Option<u64>,
}

impl From<FailoverRequest> for FailoverInput {
    fn from(f: FailoverRequest) -> Self {
        FailoverInput {
            attempts: f.attempts,
            after_secs: f.after_secs,
        }
    }
}

/// A group to create.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateGroupRequest {
    /// Its name, for people (names need not be unique).
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// How it sends a message.
    pub strategy: GroupStrategy,
    /// 1-10 distinct integrations of the organization that can send; the
    /// order is the failover order.
    #[schema(min_items = 1, max_items = 10)]
    pub integration_ids: Vec<String>,
    /// Failover bounds (`failover` only); left out, the defaults.
    #[serde(default, deserialize_with = "crate::body::non_null")]
    #[schema(nullable = false)]
    pub failover: Option<FailoverRequest>,
}

/// Every member is optional; what is left out stays.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateGroupRequest {
    /// A new name.
    #[serde(default, deserialize_with = "crate::body::non_null")]
    #[schema(nullable = false, min_length = 1, max_length = 200)]
    pub name: Option<String>,
    /// A new strategy.
    #[serde(default, deserialize_with = "crate::body::non_null")]
    #[schema(nullable = false)]
    pub strategy: Option<GroupStrategy>,
    /// The new members, in failover order; they replace the old list.
    #[serde(default, deserialize_with = "crate::body::non_null")]
    #[schema(nullable = false, min_items = 1, max_items = 10)]
    pub integration_ids: Option<Vec<String>>,
    /// New failover bounds (`failover` only); what they leave out stays.
    #[serde(default, deserialize_with = "crate::body::non_null")]
    #[schema(nullable = false)]
    pub failover: Option<FailoverRequest>,
}

/// A failover group's bounds.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FailoverDto {
    /// Attempts through one member before moving on.
    pub attempts: u32,
    /// Seconds from handing the message to a member before moving on.
    pub after_secs: u64,
}

/// An integration group: integrations sent to as one.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GroupDto {
    /// `grp_…`
    pub id: String,
    /// Its name, for people.
    pub name: String,
    /// How it sends a message.
    pub strategy: GroupStrategy,
    /// In failover order.
    pub integration_ids: Vec<String>,
    /// The bounds of a failover group; `null` for broadcast.
    #[schema(required = true)]
    pub failover: Option<FailoverDto>,
    /// When it was created.
    #[serde(serialize_with = "crate::dto::millis")]
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    #[serde(serialize_with = "crate::dto::millis")]
    pub updated_at: DateTime<Utc>,
}

impl From<&IntegrationGroup> for GroupDto {
    fn from(g: &IntegrationGroup) -> Self {
        Self {
            id: g.id.to_string(),
            name: g.name.clone(),
            strategy: g.strategy.into(),
            integration_ids: g.members.iter().map(ToString::to_string).collect(),
            failover: (g.strategy == Strategy::Failover).then_some(FailoverDto {
                attempts: g.failover.attempts,
                after_secs: g.failover.after.as_secs(),
            }),
            created_at: g.created_at,
            updated_at: g.updated_at,
        }
    }
}

/// A page of groups, in creation order.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GroupList {
    /// The groups, in creation order.
    pub data: Vec<GroupDto>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// Paging for the organization's groups, in creation order.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListGroupsQuery {
    /// Page size, 1-200 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// `nextCursor` of the previous page.
    #[param(pattern = r"^grp_[0-7][0-9a-hjkmnp-tv-z]{25}$")]
    pub cursor: Option<String>,
}

/// Where a group send is.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GroupSendStatusDto {
    /// A member's delivery is under way or waits to be tried.
    Sending,
    /// Failover: one member delivered. Broadcast: every member delivered.
    Delivered,
    /// Broadcast: some members delivered, the others failed.
    PartiallyDelivered,
    /// No member delivered and none is left to try.
    Failed,
}

impl From<GroupSendStatus> for GroupSendStatusDto {
    fn from(s: GroupSendStatus) -> Self {
        match s {
            GroupSendStatus::Sending => Self::Sending,
            GroupSendStatus::Delivered => Self::Delivered,
            GroupSendStatus::PartiallyDelivered => Self::PartiallyDelivered,
            GroupSendStatus::Failed => Self::Failed,
        }
    }
}

/// Where one member is in a group send.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum StepStateDto {
    /// Not tried yet.
    Waiting,
    /// Its delivery is queued or being attempted.
    Sending,
    /// Its delivery delivered the message.
    Delivered,
    /// Tried and failed, given up for the next member, or unusable
    /// (deleted, inactive): `reason` says which.
    Failed,
    /// Failover: another member delivered first.
    Unused,
}

impl From<StepState> for StepStateDto {
    fn from(s: StepState) -> Self {
        match s {
            StepState::Waiting => Self::Waiting,
            StepState::Sending => Self::Sending,
            StepState::Delivered => Self::Delivered,
            StepState::Failed => Self::Failed,
            StepState::Unused => Self::Unused,
        }
    }
}

/// One member's part in a group send.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RouteStepDto {
    /// The member's place in the group's order (0-based).
    pub position: u32,
    /// The member integration (`int_…`).
    pub integration_id: String,
    /// The member's type (`null`: deleted before the message was sent).
    #[serde(rename = "type")]
    #[schema(required = true)]
    pub kind: Option<IntegrationTypeSlug>,
    /// Where the member is in this send.
    pub state: StepStateDto,
    /// Its delivery (`GET /api/deliveries/{id}`), once it was given the message.
    #[schema(required = true)]
    pub delivery_id: Option<String>,
    /// When it was given the message.
    #[schema(required = true)]
    #[serde(serialize_with = "crate::dto::millis_opt")]
    pub started_at: Option<DateTime<Utc>>,
    /// When its part ended (delivered, failed, given up, unused).
    #[schema(required = true)]
    #[serde(serialize_with = "crate::dto::millis_opt")]
    pub ended_at: Option<DateTime<Utc>>,
    /// Why it was chosen, or passed over for now.
    #[schema(required = true)]
    pub note: Option<String>,
    /// Why its part ended as it did.
    #[schema(required = true)]
    pub reason: Option<String>,
}

impl From<&RouteStep> for RouteStepDto {
    fn from(s: &RouteStep) -> Self {
        Self {
            position: s.position,
            integration_id: s.integration_id.to_string(),
            kind: s.kind.map(IntegrationTypeSlug::from_kind),
            state: s.state.into(),
            delivery_id: s.delivery_id.as_ref().map(ToString::to_string),
            started_at: s.started_at,
            ended_at: s.ended_at,
            note: s.note.clone(),
            reason: s.reason.clone(),
        }
    }
}

/// How many members are where.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StepCountsDto {
    /// Members whose delivery delivered.
    pub delivered: u32,
    /// Members that failed (tried, given up or unusable).
    pub failed: u32,
    /// Waiting or sending.
    pub pending: u32,
    /// Failover: members not needed.
    pub unused: u32,
}

/// A member's delivery in a group send.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GroupDeliveryDto {
    /// `dlv_…`, readable at `GET /api/deliveries/{id}`.
    pub id: String,
    /// The member integration (`int_…`).
    pub integration_id: String,
}

/// One message sent to a group, and the route it took.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GroupSendDto {
    /// `snd_…`
    pub id: String,
    /// The group it was sent to (`grp_…`; the group may since be deleted).
    pub group_id: String,
    /// The group's strategy when the message was sent.
    pub strategy: GroupStrategy,
    /// Where the send is.
    pub status: GroupSendStatusDto,
    /// How many members are where.
    pub counts: StepCountsDto,
    /// The members' deliveries so far, in the order they were made.
    pub deliveries: Vec<GroupDeliveryDto>,
    /// Every member: tried ones in the order they were tried, then the
    /// others in the group's order.
    pub route: Vec<RouteStepDto>,
    /// When the message was accepted.
    #[serde(serialize_with = "crate::dto::millis")]
    pub created_at: DateTime<Utc>,
    /// When the send or its route last changed.
    #[serde(serialize_with = "crate::dto::millis")]
    pub updated_at: DateTime<Utc>,
    /// When the send became final; `null` while it is `sending`.
    #[schema(required = true)]
    #[serde(serialize_with = "crate::dto::millis_opt")]
    pub completed_at: Option<DateTime<Utc>>,
}

impl From<&GroupSend> for GroupSendDto {
    fn from(s: &GroupSend) -> Self {
        let mut route: Vec<&RouteStep> = s.route.iter().collect();
        // Tried members by when they got the message; the rest after them.
        route.sort_by_key(|r| (r.started_at.is_none(), r.started_at, r.position));
        let counts = s.counts();
        Self {
            id: s.id.to_string(),
            group_id: s.group_id.to_string(),
            strategy: s.strategy.into(),
            status: s.status.into(),
            counts: StepCountsDto {
                delivered: counts.delivered,
                failed: counts.failed,
                pending: counts.pending,
                unused: counts.unused,
            },
            deliveries: route
                .iter()
                .filter_map(|r| {
                    r.delivery_id.as_ref().map(|d| GroupDeliveryDto {
                        id: d.to_string(),
                        integration_id: r.integration_id.to_string(),
                    })
                })
                .collect(),
            route: route.into_iter().map(RouteStepDto::from).collect(),
            created_at: s.created_at,
            updated_at: s.updated_at,
            completed_at: s.completed_at,
        }
    }
}
