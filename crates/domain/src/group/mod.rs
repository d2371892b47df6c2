//! Integration groups: an ordered list of integrations that one message is
//! sent to, by failover (one member delivers; the next takes over when the
//! current one fails permanently or does not deliver within the group's
//! bounds) or broadcast (every member gets its own delivery).
//!
//! A group send is a row with one route step per member; each member's
//! part is an ordinary delivery (retries, pacing, health), linked to the
//! send. Moving from one failover member to the next is one transaction
//! (the given-up delivery fails, the next one is queued), so a crash at any
//! point leaves either the old member's delivery or the new one queued:
//! the message is never lost. docs/delivery.md states when two members can
//! both deliver.

mod model;
pub mod routing;
mod service;
mod store;

pub use model::{
    FailoverBounds, GroupLink, GroupSend, GroupSendStatus, Handoff, IntegrationGroup, MAX_MEMBERS,
    RouteStep, StepCounts, StepState, Strategy,
};
pub use service::{
    AcceptedGroupSend, CreateGroup, FailoverInput, GroupError, GroupService, UpdateGroup,
    handoff_from,
};
pub use store::{GroupEnqueueOutcome, GroupStore, HANDED_OFF, HandOff, NewGroupSend};
