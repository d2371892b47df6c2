//! The failover rules, as pure functions over a group send's route and its
//! members as they stand: which member carries the message next, when the
//! current one is given up, and what the send's status is.
//!
//! - The message goes to the first waiting member, in the group's order,
//!   that is active, not known unhealthy and not held by its provider's
//!   rate limit. Members that are unhealthy or held are passed over while
//!   another can send, and tried last (in order) when none can.
//! - A deleted or inactive member cannot send: its step fails with that
//!   reason, and the route moves past it.
//! - The current member is given up when it fails permanently, or when it
//!   has not delivered after the group's number of attempts or time. The
//!   last member left keeps its own retries (nothing else could deliver).

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::model::{GroupSendStatus, Handoff, RouteStep, StepState, Strategy};
use crate::delivery::AttemptNext;
use crate::health::HealthState;
use crate::ids::IntegrationId;
use crate::model::{Integration, Status};
use crate::provider::SendOutcome;

/// Why a member cannot carry the message at all, or `None` if it can.
pub fn unusable(integration: Option<&Integration>) -> Option<String> {
    match integration {
        None => Some("the integration was deleted".into()),
        Some(i) if i.status != Status::Active => Some("the integration is inactive".into()),
        Some(i) if !i.kind.spec().capabilities.send => Some(format!(
            "integrations of type `{}` cannot send",
            i.kind.slug()
        )),
        Some(_) => None,
    }
}

/// Why a usable member is passed over while another can send, or `None`.
pub fn passed_over(integration: &Integration, now: DateTime<Utc>) -> Option<String> {
    if let Some(until) = integration.send_hold_until
        && until > now
    {
        return Some(format!(
            "held by the provider's rate limit until {}",
            until.format("%Y-%m-%dT%H:%M:%S%.3fZ")
        ));
    }
    let health = integration.health();
    if health.state == HealthState::Unhealthy {
        return Some(match health.reason {
            Some(r) => format!("unhealthy: {r}"),
            None => "unhealthy".into(),
        });
    }
    None
}

/// The next member to carry a failover send, from the waiting steps.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Choice {
    /// The chosen step's position and why it was chosen.
    pub chosen: Option<(u32, String)>,
    /// Waiting steps that cannot send: fail them with this reason.
    pub unusable: Vec<(u32, String)>,
    /// Waiting steps passed over for now, with why (they stay waiting).
    pub passed_over: Vec<(u32, String)>,
}

/// Choose among the waiting steps of `route`; `members` holds the members'
/// integrations as they stand (a deleted one is absent).
pub fn choose(
    route: &[RouteStep],
    members: &HashMap<IntegrationId, Integration>,
    now: DateTime<Utc>,
) -> Choice {
    let mut choice = Choice::default();
    let mut fallback: Option<u32> = None;
    for step in route.iter().filter(|s| s.state == StepState::Waiting) {
        let integration = members.get(&step.integration_id);
        if let Some(reason) = unusable(integration) {
            choice.unusable.push((step.position, reason));
            continue;
        }
        let Some(integration) = integration else {
            continue;
        };
        match passed_over(integration, now) {
            Some(why) => {
                fallback.get_or_insert(step.position);
                choice.passed_over.push((step.position, why));
            }
            None if choice.chosen.is_none() => {
                let note = if choice.passed_over.is_empty() {
                    "the first usable member in the group's order".to_string()
                } else {
                    "the first member in the group's order that is healthy and not held".to_string()
                };
                choice.chosen = Some((step.position, note));
            }
            None => {}
        }
    }
    if choice.chosen.is_none()
        && let Some(position) = fallback
    {
        let why = choice
            .passed_over
            .iter()
            .find(|(p, _)| *p == position)
            .map(|(_, w)| w.clone())
            .unwrap_or_default();
        choice.passed_over.retain(|(p, _)| *p != position);
        choice.chosen = Some((
            position,
            format!("every member left is unhealthy or held, so the first of them ({why})"),
        ));
    }
    choice
}

/// What made a failover group give a member up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GiveUpCause {
    /// It failed permanently (bad credential, gone, rejected).
    Permanent,
    /// It did not deliver after the group's number of attempts (or ran out
    /// of its own retries).
    Attempts,
    /// It did not deliver within the group's time.
    Time,
}

impl GiveUpCause {
    /// As metrics and logs label it: `permanent`, `attempts` or `time`.
    pub fn as_str(self) -> &'static str {
        match self {
            GiveUpCause::Permanent => "permanent",
            GiveUpCause::Attempts => "attempts",
            GiveUpCause::Time => "time",
        }
    }
}

/// A member given up: the cause, and the reason as the route shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GiveUp {
    /// What made the group give the member up.
    pub cause: GiveUpCause,
    /// Why, as the member's step and delivery show it.
    pub reason: String,
}

/// Whether a failover member is given up after this attempt, and why.
/// `next` is what the delivery's own retry policy would do.
pub fn give_up(
    handoff: &Handoff,
    outcome: &SendOutcome,
    attempt_number: i64,
    next: &AttemptNext,
) -> Option<GiveUp> {
    let (cause, reason) = match (outcome, next) {
        (SendOutcome::Delivered { .. }, _) | (_, AttemptNext::Delivered { .. }) => return None,
        (SendOutcome::Permanent { reason, .. }, _) => (
            GiveUpCause::Permanent,
            format!("failed permanently: {reason}"),
        ),
        (SendOutcome::Retryable { reason, .. }, _) if attempt_number >= handoff.after_attempts => (
            GiveUpCause::Attempts,
            format!(
                "not delivered after {attempt_number} attempt{} (last: {reason})",
                if attempt_number == 1 { "" } else { "s" }
            ),
        ),
        (SendOutcome::Retryable { reason, .. }, AttemptNext::Retry { at }) if *at > handoff.at => (
            GiveUpCause::Time,
            format!(
                "would not be delivered in time: its next attempt falls after the group's bound \
                 (last: {reason})"
            ),
        ),
        (SendOutcome::Retryable { reason, .. }, AttemptNext::Failed) => (
            GiveUpCause::Attempts,
            format!("out of retries (last: {reason})"),
        ),
        (SendOutcome::Retryable { .. }, AttemptNext::Retry { .. }) => return None,
    };
    Some(GiveUp { cause, reason })
}

/// Whether a failover member whose time ran out while it waited in the
/// queue is given up before another attempt; `None` while it has time (or
/// has not been attempted at all: every member gets one attempt).
pub fn out_of_time(handoff: &Handoff, attempts: i64, now: DateTime<Utc>) -> Option<GiveUp> {
    (attempts >= 1 && now >= handoff.at).then(|| GiveUp {
        cause: GiveUpCause::Time,
        reason: format!(
            "not delivered within the group's time bound ({attempts} attempt{} made)",
            if attempts == 1 { "" } else { "s" }
        ),
    })
}

/// A group send's status, from its steps.
pub fn status_of(strategy: Strategy, route: &[RouteStep]) -> GroupSendStatus {
    let open = route.iter().any(|s| s.state.is_open());
    let delivered = route
        .iter()
        .filter(|s| s.state == StepState::Delivered)
        .count();
    match strategy {
        Strategy::Failover if delivered > 0 => GroupSendStatus::Delivered,
        Strategy::Failover if open => GroupSendStatus::Sending,
        Strategy::Failover => GroupSendStatus::Failed,
        Strategy::Broadcast if open => GroupSendStatus::Sending,
        Strategy::Broadcast if delivered == route.len() => GroupSendStatus::Delivered,
        Strategy::Broadcast if delivered == 0 => GroupSendStatus::Failed,
        Strategy::Broadcast => GroupSendStatus::PartiallyDelivered,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use chrono::TimeDelta;

    use super::*;
    use crate::catalogue::IntegrationType;
    use crate::config::Config;
    use crate::health::Health;
    use crate::ids::OrgId;
    use crate::model::Environment;

    fn integration(kind: IntegrationType) -> Integration {
        let at = Utc::now();
        Integration {
            id: IntegrationId::generate(),
            seq: 1,
            org_id: OrgId::generate(),
            name: "n".into(),
            kind,
            environment: Environment::Production,
            status: Status::Active,
            is_managed: false,
            managed_key: None,
            config: Config::default(),
            last_test: None,
            recorded_health: None,
            send_hold_until: None,
            version: 1,
            created_at: at,
            updated_at: at,
        }
    }

    fn step(position: u32, i: &Integration) -> RouteStep {
        RouteStep {
            position,
            integration_id: i.id.clone(),
            kind: Some(i.kind),
            state: StepState::Waiting,
            delivery_id: None,
            started_at: None,
            ended_at: None,
            note: None,
            reason: None,
        }
    }

    fn unhealthy(mut i: Integration) -> Integration {
        i.recorded_health = Some(Health {
            state: HealthState::Unhealthy,
            reason: Some("a delivery failed permanently: revoked".into()),
            changed_at: Some(Utc::now()),
        });
        i
    }

    #[test]
    fn the_first_usable_member_is_chosen_and_the_unusable_fail() {
        let now = Utc::now();
        let mut gone = integration(IntegrationType::Slack);
        let mut off = integration(IntegrationType::Slack);
        off.status = Status::Inactive;
        let sick = unhealthy(integration(IntegrationType::Slack));
        let mut held = integration(IntegrationType::Slack);
        held.send_hold_until = Some(now + TimeDelta::seconds(30));
        let good = integration(IntegrationType::Discord);
        let route: Vec<RouteStep> = [&gone, &off, &sick, &held, &good]
            .iter()
            .enumerate()
            .map(|(p, i)| step(p as u32, i))
            .collect();
        gone.id = IntegrationId::generate(); // not among the members any more
        let members: HashMap<_, _> = [off, sick, held, good]
            .into_iter()
            .map(|i| (i.id.clone(), i))
            .collect();
        let c = choose(&route, &members, now);
        assert_eq!(c.chosen.as_ref().unwrap().0, 4, "{c:?}");
        assert_eq!(
            c.unusable,
            vec![
                (0, "the integration was deleted".to_string()),
                (1, "the integration is inactive".to_string())
            ]
        );
        let passed: Vec<u32> = c.passed_over.iter().map(|(p, _)| *p).collect();
        assert_eq!(passed, [2, 3]);
        assert!(c.passed_over[0].1.starts_with("unhealthy: "), "{c:?}");
        assert!(c.passed_over[1].1.contains("rate limit"), "{c:?}");
    }

    #[test]
    fn when_every_member_left_is_unhealthy_the_first_is_tried() {
        let a = unhealthy(integration(IntegrationType::Slack));
        let b = unhealthy(integration(IntegrationType::Slack));
        let route = vec![step(0, &a), step(1, &b)];
        let members: HashMap<_, _> = [a, b].into_iter().map(|i| (i.id.clone(), i)).collect();
        let c = choose(&route, &members, Utc::now());
        let (position, note) = c.chosen.unwrap();
        assert_eq!(position, 0);
        assert!(note.contains("unhealthy"), "{note}");
        assert_eq!(c.passed_over.len(), 1);
        let nothing = choose(&[], &members, Utc::now());
        assert_eq!(nothing, Choice::default());
    }

    #[test]
    fn members_are_given_up_on_permanent_failures_and_bounds() {
        let now = Utc::now();
        let h = Handoff {
            after_attempts: 2,
            at: now + TimeDelta::seconds(30),
        };
        let retry = |reason: &str| SendOutcome::Retryable {
            reason: reason.into(),
            retry_after: None,
        };
        let soon = AttemptNext::Retry {
            at: now + TimeDelta::seconds(5),
        };
        assert_eq!(give_up(&h, &retry("500"), 1, &soon), None);
        let g = give_up(&h, &retry("500"), 2, &soon).unwrap();
        assert_eq!(g.cause, GiveUpCause::Attempts);
        assert!(g.reason.contains("2 attempts"), "{g:?}");
        let late = AttemptNext::Retry {
            at: now + TimeDelta::seconds(60),
        };
        let g = give_up(&h, &retry("429"), 1, &late).unwrap();
        assert_eq!(g.cause, GiveUpCause::Time);
        assert!(g.reason.contains("in time"), "{g:?}");
        assert!(give_up(&h, &retry("x"), 1, &AttemptNext::Failed).is_some());
        let revoked = SendOutcome::Permanent {
            reason: "revoked".into(),
            kind: crate::provider::PermanentKind::Credential,
            code: None,
        };
        let g = give_up(&h, &revoked, 1, &AttemptNext::Failed).unwrap();
        assert_eq!(g.cause, GiveUpCause::Permanent);
        assert!(g.reason.contains("permanently: revoked"), "{g:?}");
        let delivered = SendOutcome::Delivered {
            provider_message_id: None,
            hold_for: None,
        };
        let done = AttemptNext::Delivered {
            provider_message_id: None,
        };
        assert_eq!(give_up(&h, &delivered, 5, &done), None);
        assert_eq!(out_of_time(&h, 0, now + TimeDelta::seconds(40)), None);
        assert_eq!(out_of_time(&h, 1, now), None);
        assert_eq!(
            out_of_time(&h, 1, now + TimeDelta::seconds(40))
                .unwrap()
                .cause,
            GiveUpCause::Time
        );
    }

    #[test]
    fn statuses_follow_the_steps() {
        let i = integration(IntegrationType::Slack);
        let with = |states: &[StepState]| -> Vec<RouteStep> {
            states
                .iter()
                .enumerate()
                .map(|(p, s)| RouteStep {
                    state: *s,
                    ..step(p as u32, &i)
                })
                .collect()
        };
        use StepState::*;
        let f = Strategy::Failover;
        let b = Strategy::Broadcast;
        assert_eq!(
            status_of(f, &with(&[Failed, Sending, Waiting])),
            GroupSendStatus::Sending
        );
        assert_eq!(
            status_of(f, &with(&[Failed, Delivered, Unused])),
            GroupSendStatus::Delivered
        );
        assert_eq!(
            status_of(f, &with(&[Failed, Failed])),
            GroupSendStatus::Failed
        );
        assert_eq!(
            status_of(b, &with(&[Delivered, Sending])),
            GroupSendStatus::Sending
        );
        assert_eq!(
            status_of(b, &with(&[Delivered, Delivered])),
            GroupSendStatus::Delivered
        );
        assert_eq!(
            status_of(b, &with(&[Delivered, Failed, Delivered])),
            GroupSendStatus::PartiallyDelivered
        );
        assert_eq!(
            status_of(b, &with(&[Failed, Failed])),
            GroupSendStatus::Failed
        );
    }
}
