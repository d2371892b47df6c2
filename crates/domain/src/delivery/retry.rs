//! When a failed attempt is tried again: exponential backoff with jitter,
//! bounded by attempts and a window, never sooner than a provider's hint.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use super::model::AttemptNext;
use crate::provider::SendOutcome;

/// Exponential backoff with jitter, bounded by attempts and a window.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Delay before the second attempt (before jitter).
    pub base: Duration,
    /// Each further retry waits this many times longer.
    pub factor: f64,
    /// Largest computed delay (a provider's hint may exceed it).
    pub max_delay: Duration,
    /// Attempts in all, the first included.
    pub max_attempts: i64,
    /// No retry is scheduled later than this after acceptance.
    pub window: Duration,
    /// Each delay is multiplied by a random factor in `[1 - jitter, 1 + jitter]`.
    pub jitter: f64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            base: Duration::from_secs(5),
            factor: 2.0,
            max_delay: Duration::from_secs(3600),
            max_attempts: 12,
            window: Duration::from_secs(24 * 3600),
            jitter: 0.2,
        }
    }
}

impl RetryPolicy {
    /// The delay after attempt `n` (1-based) failed, before jitter.
    pub fn backoff(&self, n: i64) -> Duration {
        let exp = i32::try_from(n.saturating_sub(1).clamp(0, 60)).unwrap_or(60);
        let secs = self.base.as_secs_f64() * self.factor.max(1.0).powi(exp);
        let capped = secs.min(self.max_delay.as_secs_f64());
        Duration::from_secs_f64(capped.max(0.0))
    }

    /// The delay after attempt `n` failed, jittered by `unit` (a random
    /// number in `[0, 1)`), and never shorter than the provider's hint.
    pub fn delay(&self, n: i64, unit: f64, hint: Option<Duration>) -> Duration {
        let j = self.jitter.clamp(0.0, 1.0);
        let factor = 1.0 + j * (2.0 * unit.clamp(0.0, 1.0) - 1.0);
        let jittered = Duration::from_secs_f64((self.backoff(n).as_secs_f64() * factor).max(0.0));
        match hint {
            Some(h) if h > jittered => h,
            _ => jittered,
        }
    }

    /// Decide what follows attempt number `n` of a delivery whose retry
    /// window ends at `deadline`.
    pub fn next(
        &self,
        outcome: &SendOutcome,
        n: i64,
        now: DateTime<Utc>,
        deadline: DateTime<Utc>,
        unit: f64,
    ) -> AttemptNext {
        match outcome {
            SendOutcome::Delivered {
                provider_message_id,
                ..
            } => AttemptNext::Delivered {
                provider_message_id: provider_message_id.clone(),
            },
            SendOutcome::Permanent { .. } => AttemptNext::Failed,
            SendOutcome::Retryable { retry_after, .. } => {
                if n >= self.max_attempts {
                    return AttemptNext::Failed;
                }
                let delay = self.delay(n, unit, *retry_after);
                let at = now + TimeDelta::from_std(delay).unwrap_or(TimeDelta::MAX);
                // A hint is never undercut: if honouring it leaves the
                // window, the delivery fails rather than retrying early.
                if at > deadline {
                    AttemptNext::Failed
                } else {
                    AttemptNext::Retry { at }
                }
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::provider::PermanentKind;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            base: Duration::from_secs(2),
            factor: 2.0,
            max_delay: Duration::from_secs(60),
            max_attempts: 5,
            window: Duration::from_secs(3600),
            jitter: 0.2,
        }
    }
    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let p = policy();
        assert_eq!(p.backoff(1), Duration::from_secs(2));
        assert_eq!(p.backoff(2), Duration::from_secs(4));
        assert_eq!(p.backoff(3), Duration::from_secs(8));
        assert_eq!(p.backoff(10), Duration::from_secs(60));
        assert_eq!(p.backoff(1000), Duration::from_secs(60));
    }
    #[test]
    fn jitter_stays_within_bounds() {
        let p = policy();
        for unit in [0.0, 0.25, 0.5, 0.999] {
            let d = p.delay(2, unit, None).as_secs_f64();
            assert!((3.2..=4.8).contains(&d), "{d}");
        }
    }
    #[test]
    fn a_hint_is_never_undercut() {
        let p = policy();
        let d = p.delay(1, 0.0, Some(Duration::from_secs(30)));
        assert_eq!(d, Duration::from_secs(30));
        // A shorter hint does not shorten the backoff.
        let d = p.delay(3, 0.5, Some(Duration::from_secs(1)));
        assert_eq!(d, Duration::from_secs(8));
    }
    #[test]
    fn outcomes_decide_the_next_step() {
        let p = policy();
        let now = crate::service::now();
        let deadline = now + TimeDelta::hours(1);
        let retry = SendOutcome::Retryable {
            reason: "x".into(),
            retry_after: None,
        };
        assert!(matches!(
            p.next(&retry, 1, now, deadline, 0.5),
            AttemptNext::Retry { at } if at == now + TimeDelta::seconds(2)
        ));
        assert!(matches!(
            p.next(&retry, 5, now, deadline, 0.5),
            AttemptNext::Failed
        ));
        let permanent = SendOutcome::Permanent {
            reason: "gone".into(),
            kind: PermanentKind::Gone,
            code: None,
        };
        assert!(matches!(
            p.next(&permanent, 1, now, deadline, 0.5),
            AttemptNext::Failed
        ));
        // A hint beyond the window fails rather than retrying early.
        let hinted = SendOutcome::Retryable {
            reason: "x".into(),
            retry_after: Some(Duration::from_secs(7200)),
        };
        assert!(matches!(
            p.next(&hinted, 1, now, deadline, 0.5),
            AttemptNext::Failed
        ));
        let ok = SendOutcome::Delivered {
            provider_message_id: Some("m1".into()),
            hold_for: None,
        };
        assert!(matches!(
            p.next(&ok, 1, now, deadline, 0.5),
            AttemptNext::Delivered { provider_message_id: Some(m) } if m == "m1"
        ));
    }
}
