//! Moving a failover group's message from a given-up member to the next:
//! choose the member by the group's rules (`patchbay_domain::group::routing`)
//! and write the hand-off in one transaction.

use std::collections::HashMap;

use chrono::TimeDelta;
use patchbay_domain::delivery::{Attempt, Delivery, DeliverySettings, QueueSignal};
use patchbay_domain::group::routing::{GiveUp, choose};
use patchbay_domain::group::{GroupLink, HandOff, Handoff, StepState};
use patchbay_domain::{Integration, IntegrationId, OrgId};

use crate::utc_now;
use crate::worker::Worker;

/// What became of a given-up member.
pub(crate) enum Handed {
    /// The next member has the message, or another worker owns the
    /// delivery now, or the database failed and the lease will make the
    /// member due again: the caller records nothing more.
    Done,
    /// No member is left to take it: the current one keeps its own retries.
    Stays,
}

impl Worker {
    /// Give `d`'s member up (after `attempt`, if one ended) and hand its
    /// group send to the next member, if there is one.
    pub(crate) async fn hand_off(
        &self,
        d: &Delivery,
        attempt: Option<&Attempt>,
        give_up: GiveUp,
    ) -> Handed {
        let (Some(groups), Some(link)) = (&self.groups, &d.group) else {
            return Handed::Stays;
        };
        let Some(bounds) = link.handoff else {
            return Handed::Stays;
        };
        let send = match groups.get_group_send(&d.org_id, &link.send_id).await {
            Ok(Some(send)) => send,
            Ok(None) => return Handed::Stays,
            // Deciding now could fail the whole send for a passing fault:
            // leave it to the lease, which makes the member due again.
            Err(e) => {
                tracing::warn!(delivery = %d.id, error = %e, "reading a group send failed");
                return Handed::Done;
            }
        };
        let waiting: Vec<(OrgId, IntegrationId)> = send
            .route
            .iter()
            .filter(|s| s.state == StepState::Waiting)
            .map(|s| (d.org_id.clone(), s.integration_id.clone()))
            .collect();
        if waiting.is_empty() {
            return Handed::Stays;
        }
        let members: HashMap<IntegrationId, Integration> =
            match self.integrations.get_many(&waiting).await {
                Ok(found) => found.into_iter().map(|i| (i.id.clone(), i)).collect(),
                Err(e) => {
                    tracing::warn!(delivery = %d.id, error = %e, "loading group members failed");
                    return Handed::Done;
                }
            };
        let now = utc_now();
        let choice = choose(&send.route, &members, now);
        let Some((position, why)) = choice.chosen else {
            if let Err(e) = groups.fail_steps(&send.id, &choice.unusable).await {
                tracing::warn!(send = %send.id, error = %e, "recording unusable group members failed");
            }
            return Handed::Stays;
        };
        let Some(integration) = send
            .route
            .iter()
            .find(|s| s.position == position)
            .and_then(|s| members.get(&s.integration_id))
        else {
            return Handed::Stays;
        };
        let settings = DeliverySettings {
            retry: self.policy.clone(),
            ..DeliverySettings::default()
        };
        let mut next = settings.new_delivery(integration, d.message.clone(), now);
        // The member's time bound, as the group gave it to this member.
        let bound = (bounds.at - d.created_at).max(TimeDelta::seconds(1));
        next.group = Some(GroupLink {
            send_id: send.id.clone(),
            handoff: Some(Handoff {
                after_attempts: bounds.after_attempts,
                at: now + bound,
            }),
        });
        let next_id = next.id.clone();
        let handoff = HandOff {
            send_id: send.id.clone(),
            delivery_id: d.id.clone(),
            owner: self.owner.to_string(),
            attempt: attempt.cloned(),
            reason: format!(
                "{}; the message moved on to {}",
                give_up.reason, integration.id
            ),
            unusable: choice.unusable,
            passed_over: choice.passed_over,
            next_position: position,
            next_note: format!(
                "took over from {} ({}): {why}",
                d.integration_id,
                give_up.cause.as_str()
            ),
            next,
        };
        match groups.hand_off(&handoff).await {
            Ok(true) => {
                self.metrics.failover(d.kind.slug(), give_up.cause.as_str());
                tracing::info!(
                    send = %send.id,
                    from = %d.integration_id,
                    to = %integration.id,
                    delivery = %next_id,
                    cause = give_up.cause.as_str(),
                    "failover: the message moved to the next member"
                );
                self.signal.notify();
            }
            Ok(false) => tracing::warn!(
                delivery = %d.id,
                "the lease was lost before the failover was recorded; another worker owns the delivery"
            ),
            // The lease expires and the member is attempted again: the
            // message is not lost.
            Err(e) => tracing::error!(delivery = %d.id, error = %e, "recording a failover failed"),
        }
        Handed::Done
    }
}
