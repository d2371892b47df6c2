//! What the workers do besides deliveries: scheduled re-tests of active
//! integrations, and the purge of expired idempotency keys.

use std::time::{Duration, Instant};

use patchbay_domain::Actor;
use rand::Rng;
use tokio::sync::watch;

use crate::to_delta;
use crate::worker::Worker;

impl Worker {
    /// Scheduled re-tests of active integrations and the idempotency purge.
    pub(crate) async fn housekeeping(self, mut stop: watch::Receiver<bool>) {
        let tick = match self.config.retest_interval {
            // Spread: a few integrations per tick, ticks well inside the
            // interval, with jitter so instances do not align.
            Some(every) => (every / 10).clamp(Duration::from_millis(200), Duration::from_secs(60)),
            None => self.config.purge_interval,
        };
        let mut last_purge = Instant::now();
        loop {
            let jitter = rand::thread_rng().gen_range(0.8..1.2);
            tokio::select! {
                _ = tokio::time::sleep(tick.mul_f64(jitter)) => {}
                _ = stop.changed() => return,
            }
            if last_purge.elapsed() >= self.config.purge_interval {
                last_purge = Instant::now();
                if let Err(e) = self
                    .store
                    .purge_idempotency(patchbay_domain::service::now())
                    .await
                {
                    tracing::warn!(error = %e, "purging idempotency keys failed");
                }
            }
            if let Some(every) = self.config.retest_interval {
                self.retest(every).await;
            }
        }
    }

    async fn retest(&self, every: Duration) {
        let before = patchbay_domain::service::now() - to_delta(every);
        let due = match self
            .store
            .due_for_retest(before, self.config.retest_batch)
            .await
        {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!(error = %e, "listing integrations to re-test failed");
                return;
            }
        };
        for (org, id) in due {
            match self
                .service
                .test_saved(&org, &Actor::Operator, &id, None)
                .await
            {
                Ok(report) => tracing::debug!(
                    integration = %id,
                    success = report.outcome.is_success(),
                    "scheduled re-test"
                ),
                Err(e) => tracing::warn!(integration = %id, error = %e, "scheduled re-test failed"),
            }
        }
    }
}
