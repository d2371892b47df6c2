//! Delivery settings (`[delivery]`) and their translation into the worker's
//! and the use cases' knobs.

use std::time::Duration;

use anyhow::bail;
use patchbay_delivery::WorkerConfig;
use patchbay_domain::delivery::{DeliverySettings, RetryPolicy};
use serde::Deserialize;

/// The least an idempotency key is kept: the API promises 24 hours.
const MIN_IDEMPOTENCY_TTL_SECS: u64 = 24 * 3600;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DeliveryConfig {
    /// Run delivery workers in this process (the API accepts sends either
    /// way; another process may deliver them).
    pub workers_enabled: bool,
    /// Attempts in flight at once in this process.
    pub concurrency: usize,
    /// Attempts in flight at once in this process through one integration.
    pub integration_concurrency: usize,
    pub poll_interval_ms: u64,
    /// How long a claim holds a delivery; after a crash, in-flight
    /// deliveries are attempted again once their lease expires.
    pub lease_ms: u64,
    pub batch: u32,
    /// Space sends per integration within each provider's published rate.
    pub pacing: bool,
    pub shutdown_grace_ms: u64,
    /// Delay before the first retry; doubles (`retry_factor`) each time.
    pub retry_base_ms: u64,
    pub retry_factor: f64,
    pub retry_max_delay_ms: u64,
    /// Attempts in all, the first included.
    pub max_attempts: i64,
    /// No retry is scheduled later than this after the send was accepted.
    pub retry_window_secs: u64,
    /// Each delay is multiplied by a random factor in [1 - j, 1 + j].
    pub retry_jitter: f64,
    pub idempotency_ttl_secs: u64,
    /// The longest a `?wait=true` send waits for the first attempt.
    pub max_wait_ms: u64,
    /// Re-test active integrations whose last test is older than this;
    /// 0 turns the scheduled re-test off.
    pub retest_interval_secs: u64,
    pub retest_batch: u32,
    /// Days finished deliveries (with their attempts) and group sends are
    /// kept; 0 keeps them forever. At least the idempotency TTL, so a
    /// repeated request still finds what its key made.
    pub retention_days: u64,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        Self {
            workers_enabled: true,
            concurrency: 16,
            integration_concurrency: 8,
            poll_interval_ms: 500,
            lease_ms: 60_000,
            batch: 16,
            pacing: true,
            shutdown_grace_ms: 20_000,
            retry_base_ms: 5_000,
            retry_factor: 2.0,
            retry_max_delay_ms: 3_600_000,
            max_attempts: 12,
            retry_window_secs: 24 * 3600,
            retry_jitter: 0.2,
            idempotency_ttl_secs: MIN_IDEMPOTENCY_TTL_SECS,
            max_wait_ms: 10_000,
            retest_interval_secs: 3600,
            retest_batch: 10,
            retention_days: 30,
        }
    }
}

impl DeliveryConfig {
    pub fn validate(&self) -> anyhow::Result<()> {
        if self.concurrency == 0 || self.batch == 0 || self.integration_concurrency == 0 {
            bail!(
                "delivery.concurrency, delivery.integration_concurrency and delivery.batch must be \
                 at least 1"
            );
        }
        if self.lease_ms < 500 {
            bail!("delivery.lease_ms must be at least 500");
        }
        if self.max_attempts < 1 {
            bail!("delivery.max_attempts must be at least 1");
        }
        if !(1.0..=10.0).contains(&self.retry_factor) {
            bail!("delivery.retry_factor must be between 1 and 10");
        }
        if !(0.0..=1.0).contains(&self.retry_jitter) {
            bail!("delivery.retry_jitter must be between 0 and 1");
        }
        if self.idempotency_ttl_secs < MIN_IDEMPOTENCY_TTL_SECS {
            bail!("delivery.idempotency_ttl_secs must be at least 86400 (24 hours)");
        }
        if self.retention_days > 0
            && self.retention_days.saturating_mul(86_400) < self.idempotency_ttl_secs
        {
            bail!(
                "delivery.retention_days must cover delivery.idempotency_ttl_secs (or be 0 to keep \
                 deliveries forever)"
            );
        }
        if self.max_wait_ms > 60_000 {
            bail!("delivery.max_wait_ms must be at most 60000");
        }
        Ok(())
    }

    pub fn retry_policy(&self) -> RetryPolicy {
        RetryPolicy {
            base: Duration::from_millis(self.retry_base_ms),
            factor: self.retry_factor,
            max_delay: Duration::from_millis(self.retry_max_delay_ms),
            max_attempts: self.max_attempts,
            window: Duration::from_secs(self.retry_window_secs),
            jitter: self.retry_jitter,
        }
    }

    pub fn service_settings(&self) -> DeliverySettings {
        DeliverySettings {
            retry: self.retry_policy(),
            idempotency_ttl: Duration::from_secs(self.idempotency_ttl_secs),
            max_wait: Duration::from_millis(self.max_wait_ms),
        }
    }

    pub fn worker_config(&self) -> WorkerConfig {
        WorkerConfig {
            concurrency: self.concurrency,
            integration_concurrency: self.integration_concurrency,
            poll_interval: Duration::from_millis(self.poll_interval_ms.max(10)),
            lease: Duration::from_millis(self.lease_ms),
            batch: self.batch,
            pacing: self.pacing,
            shutdown_grace: Duration::from_millis(self.shutdown_grace_ms),
            retest_interval: (self.retest_interval_secs > 0)
                .then(|| Duration::from_secs(self.retest_interval_secs)),
            retest_batch: self.retest_batch.max(1),
            purge_interval: Duration::from_secs(300),
            retention: (self.retention_days > 0)
                .then(|| Duration::from_secs(self.retention_days.saturating_mul(86_400))),
            purge_batch: 500,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::HashMap;

    use crate::settings::Settings;

    fn load(pairs: &[(&str, &str)]) -> anyhow::Result<Settings> {
        let env: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::load_from(None, Some(env))
    }

    #[test]
    fn defaults_are_valid_and_env_overrides_them() {
        let s = load(&[]).unwrap();
        assert!(s.delivery.workers_enabled);
        assert_eq!(s.delivery.idempotency_ttl_secs, 86_400);
        let w = s.delivery.worker_config();
        assert_eq!(
            w.retest_interval,
            Some(std::time::Duration::from_secs(3600))
        );
        let s = load(&[
            ("PATCHBAY__DELIVERY__RETRY_BASE_MS", "250"),
            ("PATCHBAY__DELIVERY__RETEST_INTERVAL_SECS", "0"),
        ])
        .unwrap();
        assert_eq!(
            s.delivery.retry_policy().base,
            std::time::Duration::from_millis(250)
        );
        assert_eq!(s.delivery.worker_config().retest_interval, None);
    }

    #[test]
    fn retention_is_a_month_by_default_and_covers_the_idempotency_ttl() {
        let day = std::time::Duration::from_secs(86_400);
        let w = load(&[]).unwrap().delivery.worker_config();
        assert_eq!(w.retention, Some(day * 30));
        let s = load(&[("PATCHBAY__DELIVERY__RETENTION_DAYS", "0")]).unwrap();
        assert_eq!(s.delivery.worker_config().retention, None);
        let s = load(&[("PATCHBAY__DELIVERY__RETENTION_DAYS", "2")]).unwrap();
        assert_eq!(s.delivery.worker_config().retention, Some(day * 2));
        // A key kept for three days must still find what it made.
        assert!(
            load(&[
                ("PATCHBAY__DELIVERY__RETENTION_DAYS", "2"),
                ("PATCHBAY__DELIVERY__IDEMPOTENCY_TTL_SECS", "259200"),
            ])
            .is_err()
        );
    }

    #[test]
    fn bad_values_are_refused() {
        for (k, v) in [
            ("PATCHBAY__DELIVERY__IDEMPOTENCY_TTL_SECS", "3600"),
            ("PATCHBAY__DELIVERY__MAX_ATTEMPTS", "0"),
            ("PATCHBAY__DELIVERY__RETRY_JITTER", "1.5"),
            ("PATCHBAY__DELIVERY__LEASE_MS", "10"),
            ("PATCHBAY__DELIVERY__CONCURENCY", "4"),
        ] {
            assert!(load(&[(k, v)]).is_err(), "{k}={v} was accepted");
        }
    }
}
