//! An integration's health: what its last credential test and the
//! deliveries through it say about whether it works.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The outcome of the last credential test, kept on the integration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestResult {
    /// Whether the provider accepted the credentials.
    pub success: bool,
    /// What the test saw, worded for a person.
    pub message: String,
    /// How long the test took, in milliseconds.
    pub latency_ms: i64,
    /// When it ran.
    pub tested_at: DateTime<Utc>,
}

/// An integration's health as deliveries and scheduled re-tests see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HealthState {
    /// The last credential test succeeded, or a delivery since did.
    Healthy,
    /// The last credential test failed, or a delivery since failed
    /// permanently on a bad credential or a gone destination.
    Unhealthy,
    /// Not tested and nothing delivered yet.
    Unknown,
}

impl HealthState {
    /// As stored and shown: `healthy`, `unhealthy` or `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            HealthState::Healthy => "healthy",
            HealthState::Unhealthy => "unhealthy",
            HealthState::Unknown => "unknown",
        }
    }

    /// The state named `s`, if any.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "healthy" => Some(HealthState::Healthy),
            "unhealthy" => Some(HealthState::Unhealthy),
            "unknown" => Some(HealthState::Unknown),
            _ => None,
        }
    }
}

/// An integration's health: a state, why, and since when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Health {
    /// Healthy, unhealthy or unknown.
    pub state: HealthState,
    /// What made it so, worded for a person; `None` while unknown.
    pub reason: Option<String>,
    /// When it was last set; `None` while unknown.
    pub changed_at: Option<DateTime<Utc>>,
}

impl Health {
    /// Nothing known yet: never tested, nothing delivered.
    pub fn unknown() -> Self {
        Self {
            state: HealthState::Unknown,
            reason: None,
            changed_at: None,
        }
    }
}

/// An integration's health: the newer of its last credential test and the
/// last health event recorded by deliveries.
pub fn combine_health(last_test: Option<&TestResult>, recorded: Option<&Health>) -> Health {
    let from_test = last_test.map(|t| Health {
        state: if t.success {
            HealthState::Healthy
        } else {
            HealthState::Unhealthy
        },
        reason: Some(if t.success {
            "the last credential test succeeded".to_string()
        } else {
            format!("the last credential test failed: {}", t.message)
        }),
        changed_at: Some(t.tested_at),
    });
    match (from_test, recorded.cloned()) {
        (Some(t), Some(r)) => {
            if r.changed_at >= t.changed_at {
                r
            } else {
                t
            }
        }
        (Some(t), None) => t,
        (None, Some(r)) => r,
        (None, None) => Health::unknown(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    #[test]
    fn health_is_the_newer_of_test_and_deliveries() {
        let now = crate::service::now();
        let test = TestResult {
            success: true,
            message: "ok".into(),
            latency_ms: 1,
            tested_at: now,
        };
        let older = Health {
            state: HealthState::Unhealthy,
            reason: Some("gone".into()),
            changed_at: Some(now - TimeDelta::seconds(5)),
        };
        assert_eq!(
            combine_health(Some(&test), Some(&older)).state,
            HealthState::Healthy
        );
        let newer = Health {
            changed_at: Some(now + TimeDelta::seconds(5)),
            ..older
        };
        assert_eq!(
            combine_health(Some(&test), Some(&newer)).state,
            HealthState::Unhealthy
        );
        assert_eq!(combine_health(None, None).state, HealthState::Unknown);
    }
}
