//! One attempt of one claimed delivery: pace, send through the provider,
//! record the outcome, schedule what follows and update health.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use patchbay_domain::delivery::{
    Attempt, AttemptNext, AttemptOutcome, Claimed, SendSlot, pacing_interval, status_class,
};
use patchbay_domain::group::routing;
use patchbay_domain::health::{Health, HealthState};
use patchbay_domain::{Integration, PermanentKind, ProviderContext, SendOutcome, Status};
use rand::Rng;

use crate::failover::Handed;
use crate::worker::{LoadFailure, Worker};

/// The shortest attempt a failover member near its time bound is given.
const MIN_MEMBER_ATTEMPT: Duration = Duration::from_secs(1);

/// The code of an attempt that failed because this process's keyring
/// cannot open the integration's secrets.
pub const SECRETS_UNDECRYPTABLE: &str = "secrets_undecryptable";
use crate::{to_delta, utc_now};

impl Worker {
    /// One claimed delivery: pace, send, record, schedule. `integration` is
    /// its integration as loaded with the batch (`None`: deleted).
    pub(crate) async fn process(
        &self,
        claimed: Claimed,
        integration: Result<Option<Arc<Integration>>, LoadFailure>,
    ) {
        let d = claimed.delivery;
        let kind = d.kind.slug();
        // What is left of the lease: a claimed batch waits for free slots,
        // so a delivery may start well after its claim. Too little left
        // for an attempt: give it back for the next claim.
        let lease_left = (claimed.lease_until - utc_now())
            .to_std()
            .unwrap_or_default()
            .min(self.config.lease);
        if lease_left < self.config.lease / 4 {
            self.back_off(&d, Duration::ZERO).await;
            return;
        }
        let integration = match integration {
            Ok(Some(i)) => i,
            Ok(None) => {
                let outcome = SendOutcome::Permanent {
                    reason: "the integration was deleted".into(),
                    kind: PermanentKind::Gone,
                    code: Some("integration_deleted".into()),
                };
                self.record(&d, utc_now(), Duration::ZERO, outcome, None)
                    .await;
                return;
            }
            // Retrying cannot help until the keys change: fail it once,
            // loudly, and leave it for `POST /api/deliveries/{id}/retry`.
            Err(LoadFailure::Undecryptable(cause)) => {
                tracing::error!(
                    delivery = %d.id,
                    integration = %d.integration_id,
                    error = %cause,
                    "this process's encryption keys cannot decrypt the integration's secrets: \
                     the delivery is marked failed; retry it once the keys are fixed"
                );
                self.metrics.secrets_undecryptable(kind);
                let outcome = SendOutcome::Permanent {
                    reason: "the integration's secrets cannot be decrypted with this process's \
                             encryption keys"
                        .into(),
                    kind: PermanentKind::Unsupported,
                    code: Some(SECRETS_UNDECRYPTABLE.into()),
                };
                self.record(&d, utc_now(), Duration::ZERO, outcome, None)
                    .await;
                return;
            }
            Err(LoadFailure::Unavailable(e)) => {
                tracing::warn!(delivery = %d.id, error = %e, "loading the integration failed");
                self.back_off(&d, Duration::from_secs(1)).await;
                return;
            }
        };
        if integration.status != Status::Active {
            let outcome = SendOutcome::Permanent {
                reason: "the integration is inactive".into(),
                kind: PermanentKind::Unsupported,
                code: Some("integration_inactive".into()),
            };
            self.record(&d, utc_now(), Duration::ZERO, outcome, None)
                .await;
            return;
        }
        let Some(provider) = self.providers.get(d.kind).cloned() else {
            let outcome = SendOutcome::Permanent {
                reason: format!("no provider for type `{kind}` is available in this build"),
                kind: PermanentKind::Unsupported,
                code: Some("provider_unavailable".into()),
            };
            self.record(&d, utc_now(), Duration::ZERO, outcome, None)
                .await;
            return;
        };
        // A failover member whose time ran out while it waited in the queue
        // hands the message on before trying again.
        if let Some(handoff) = d.group.as_ref().and_then(|g| g.handoff)
            && let Some(give_up) = routing::out_of_time(&handoff, d.attempts, utc_now())
            && let Handed::Done = self.hand_off(&d, None, give_up).await
        {
            return;
        }
        // Pacing: wait for this integration's slot when it is near, or put
        // the delivery back for later (a burst is queued, not rejected). The
        // slot is reserved in the database, so every instance shares it.
        let paced = if self.config.pacing {
            pacing_interval(d.kind)
        } else {
            None
        };
        if let Some(interval) = paced {
            let max_wait = lease_left / 4;
            match self
                .store
                .reserve_send_slot(&d.integration_id, utc_now(), interval, max_wait)
                .await
            {
                Ok(SendSlot::Reserved { at }) => {
                    if let Ok(wait) = (at - utc_now()).to_std()
                        && !wait.is_zero()
                    {
                        tokio::time::sleep(wait).await;
                        // A hold can arrive while waiting (the previous
                        // send's answer emptied the provider's bucket).
                        match self.store.send_hold(&d.integration_id).await {
                            Ok(Some(until)) if until > utc_now() => {
                                self.back_off_until(&d, until).await;
                                return;
                            }
                            Ok(_) => {}
                            Err(e) => {
                                tracing::warn!(delivery = %d.id, error = %e, "reading a send hold failed");
                                self.back_off(&d, Duration::from_secs(1)).await;
                                return;
                            }
                        }
                    }
                }
                Ok(SendSlot::Later { at }) => {
                    self.back_off_until(&d, at).await;
                    return;
                }
                Err(e) => {
                    tracing::warn!(delivery = %d.id, error = %e, "reserving a send slot failed");
                    self.back_off(&d, Duration::from_secs(1)).await;
                    return;
                }
            }
        }
        let ctx = ProviderContext {
            environment: integration.environment,
            integration_id: Some(integration.id.clone()),
            // The same on every attempt: a webhook's `webhook-id`.
            message_id: Some(d.id.to_string()),
        };
        // The slot was reserved before waiting; sends that waited for
        // neighbouring slots may still wake close together, so each start
        // is checked against the integration's last actual start too.
        let started_at = match paced {
            None => utc_now(),
            Some(interval) => loop {
                // (The guard must not live across the sleep: take an Option.)
                let start = self.pacer.lock().ok().map(|mut p| {
                    p.prune(Instant::now());
                    p.start(&d.integration_id, interval, Instant::now())
                        .map(|()| utc_now())
                });
                match start {
                    Some(Ok(at)) => break at,
                    Some(Err(wait)) => tokio::time::sleep(wait).await,
                    None => break utc_now(),
                }
            },
        };
        let started = Instant::now();
        // Cut the attempt off well before the lease ends (pacing waited at
        // most a quarter of what was left of it), so no other worker takes
        // the delivery while this one still sends it.
        let mut cutoff = lease_left.mul_f64(0.7);
        // A failover member is cut off at the group's time bound, so the
        // next member is not kept waiting by a hanging provider (the one
        // case in which two members can both deliver: docs/delivery.md).
        if let Some(handoff) = d.group.as_ref().and_then(|g| g.handoff)
            && let Ok(left) = (handoff.at - utc_now()).to_std()
        {
            cutoff = cutoff.min(left.max(MIN_MEMBER_ATTEMPT));
        }
        let outcome = match tokio::time::timeout(
            cutoff,
            provider.send(&ctx, &integration.config, &d.message),
        )
        .await
        {
            Ok(o) => o,
            Err(_) => SendOutcome::Retryable {
                reason: format!(
                    "the attempt did not finish within {} ms",
                    cutoff.as_millis()
                ),
                retry_after: None,
            },
        };
        let latency = started.elapsed();
        // The provider's word on its limit holds back this integration's
        // other queued messages too (paced types: the others retry alone).
        let hold = match &outcome {
            SendOutcome::Retryable { retry_after, .. } => *retry_after,
            SendOutcome::Delivered { hold_for, .. } => *hold_for,
            SendOutcome::Permanent { .. } => None,
        };
        if let (Some(_), Some(hold)) = (paced, hold)
            && let Err(e) = self
                .store
                .hold_sends(&d.integration_id, utc_now() + to_delta(hold))
                .await
        {
            tracing::warn!(integration = %d.integration_id, error = %e, "recording a rate-limit hold failed");
        }
        self.record(&d, started_at, latency, outcome, Some(&integration))
            .await;
    }

    /// Put a delivery back without an attempt.
    pub(crate) async fn back_off(&self, d: &patchbay_domain::delivery::Delivery, wait: Duration) {
        self.back_off_until(d, utc_now() + to_delta(wait)).await;
    }

    async fn back_off_until(&self, d: &patchbay_domain::delivery::Delivery, at: DateTime<Utc>) {
        if let Err(e) = self.store.release(&d.id, &self.owner, at).await {
            tracing::warn!(delivery = %d.id, error = %e, "releasing a delivery failed");
        }
    }

    async fn record(
        &self,
        d: &patchbay_domain::delivery::Delivery,
        started_at: DateTime<Utc>,
        latency: Duration,
        outcome: SendOutcome,
        // The integration the provider was called for; `None` when the
        // attempt ended before a call.
        called: Option<&Integration>,
    ) {
        let kind = d.kind.slug();
        let number = d.attempts + 1;
        let finished_at = utc_now();
        let unit: f64 = rand::thread_rng().r#gen();
        let next = self
            .policy
            .next(&outcome, number, finished_at, d.deadline_at, unit);
        let (attempt_outcome, error, code, hint, pmid) = match &outcome {
            SendOutcome::Delivered {
                provider_message_id,
                ..
            } => (
                AttemptOutcome::Delivered,
                None,
                None,
                None,
                provider_message_id.clone(),
            ),
            SendOutcome::Retryable {
                reason,
                retry_after,
            } => (
                AttemptOutcome::Retryable,
                Some(reason.clone()),
                None,
                retry_after.map(|h| i64::try_from(h.as_millis()).unwrap_or(i64::MAX)),
                None,
            ),
            SendOutcome::Permanent { reason, code, .. } => (
                AttemptOutcome::Permanent,
                Some(reason.clone()),
                code.clone(),
                None,
                None,
            ),
        };
        let attempt = Attempt {
            number,
            started_at,
            finished_at,
            outcome: attempt_outcome,
            status_class: status_class(&outcome).to_string(),
            latency_ms: i64::try_from(latency.as_millis()).unwrap_or(i64::MAX),
            provider_message_id: pmid,
            error,
            code,
            retry_after_ms: hint,
            retry_at: match &next {
                AttemptNext::Retry { at } => Some(*at),
                _ => None,
            },
        };
        if called.is_some() {
            self.metrics
                .attempt(kind, attempt_outcome.as_str(), latency);
        }
        // Health first: whoever sees the delivery finished sees its effect
        // on the integration's health too.
        if let Some(integration) = called {
            self.update_health(integration, &outcome).await;
        }
        if let Some(handoff) = d.group.as_ref().and_then(|g| g.handoff)
            && let Some(give_up) = routing::give_up(&handoff, &outcome, number, &next)
            && let Handed::Done = self.hand_off(d, Some(&attempt), give_up).await
        {
            return;
        }
        match self
            .store
            .finish_attempt(d, &self.owner, &attempt, &next)
            .await
        {
            Ok(true) => {}
            Ok(false) => tracing::warn!(
                delivery = %d.id,
                "the lease was lost before the attempt was recorded; another worker owns the delivery"
            ),
            Err(e) => {
                // The lease will expire and the delivery be attempted again:
                // at least once, never lost.
                tracing::error!(delivery = %d.id, error = %e, "recording an attempt failed");
                return;
            }
        }
        match &next {
            AttemptNext::Delivered { .. } => self.metrics.delivery_finished(kind, "delivered"),
            AttemptNext::Failed => self.metrics.delivery_finished(kind, "failed"),
            AttemptNext::Retry { .. } => {}
        }
        tracing::info!(
            delivery = %d.id,
            integration = %d.integration_id,
            r#type = kind,
            attempt = number,
            outcome = attempt_outcome.as_str(),
            latency_ms = attempt.latency_ms,
            "delivery attempt"
        );
    }

    async fn update_health(&self, integration: &Integration, outcome: &SendOutcome) {
        let health = match outcome {
            SendOutcome::Permanent {
                kind: PermanentKind::Credential | PermanentKind::Gone,
                reason,
                ..
            } => Health {
                state: HealthState::Unhealthy,
                reason: Some(format!("a delivery failed permanently: {reason}")),
                changed_at: Some(utc_now()),
            },
            // Healthy already (as loaded for this attempt): no write.
            SendOutcome::Delivered { .. } if integration.health().state == HealthState::Healthy => {
                return;
            }
            SendOutcome::Delivered { .. } => Health {
                state: HealthState::Healthy,
                reason: Some("a delivery succeeded".into()),
                changed_at: Some(utc_now()),
            },
            _ => return,
        };
        if let Err(e) = self
            .store
            .set_health(&integration.org_id, &integration.id, &health)
            .await
        {
            tracing::warn!(integration = %integration.id, error = %e, "recording health failed");
        }
    }
}
