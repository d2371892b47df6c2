//! The delivery metrics of this process, rendered as Prometheus text
//! (exposition format 0.0.4). Std only: counters and histograms keyed by
//! label values, behind one mutex (updates are a map lookup and an add).
//! Per process, as Prometheus expects of each scraped instance.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds (seconds) of the attempt latency histogram.
const LATENCY_BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 15.0,
];

#[derive(Debug, Default, Clone)]
struct Histogram {
    buckets: [u64; LATENCY_BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Debug, Default)]
struct Inner {
    deliveries: BTreeMap<(String, String), u64>,
    attempts: BTreeMap<(String, String), u64>,
    latency: BTreeMap<String, Histogram>,
    undecryptable: BTreeMap<String, u64>,
}

#[derive(Debug, Default)]
pub struct DeliveryMetrics {
    inner: Mutex<Inner>,
}

/// A Prometheus label value, escaped for the text format.
pub fn escape_label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

impl DeliveryMetrics {
    pub fn new() -> Self {
        Self::default()
    }

    fn with<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> R {
        let mut guard = match self.inner.lock() {
            Ok(g) => g,
            // A panic while holding the lock leaves counters usable.
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut guard)
    }

    /// A delivery reached a final state (`delivered` or `failed`).
    pub fn delivery_finished(&self, kind: &str, outcome: &str) {
        self.with(|m| {
            *m.deliveries
                .entry((kind.to_string(), outcome.to_string()))
                .or_default() += 1
        });
    }

    /// A delivery failed because this process's keys cannot decrypt its
    /// integration's secrets.
    pub fn secrets_undecryptable(&self, kind: &str) {
        self.with(|m| *m.undecryptable.entry(kind.to_string()).or_default() += 1);
    }

    /// One attempt ended with this outcome after `latency`.
    pub fn attempt(&self, kind: &str, outcome: &str, latency: Duration) {
        let secs = latency.as_secs_f64();
        self.with(|m| {
            *m.attempts
                .entry((kind.to_string(), outcome.to_string()))
                .or_default() += 1;
            let h = m.latency.entry(kind.to_string()).or_default();
            for (i, le) in LATENCY_BUCKETS.iter().enumerate() {
                if secs <= *le {
                    h.buckets[i] += 1;
                }
            }
            h.count += 1;
            h.sum += secs;
        });
    }

    /// The Prometheus text of the delivery metrics; `queue_depth` (type, count) is
    /// read from the database by the caller at scrape time.
    pub fn render(&self, queue_depth: &[(String, i64)]) -> String {
        let mut out = String::new();
        self.with(|m| {
            let _ = writeln!(
                out,
                "# HELP patchbay_deliveries_total Deliveries that reached a final state, by type and outcome.\n\
                 # TYPE patchbay_deliveries_total counter"
            );
            for ((kind, outcome), n) in &m.deliveries {
                let _ = writeln!(
                    out,
                    "patchbay_deliveries_total{{type=\"{}\",outcome=\"{}\"}} {n}",
                    escape_label(kind),
                    escape_label(outcome)
                );
            }
            let _ = writeln!(
                out,
                "# HELP patchbay_delivery_attempts_total Delivery attempts, by type and outcome.\n\
                 # TYPE patchbay_delivery_attempts_total counter"
            );
            for ((kind, outcome), n) in &m.attempts {
                let _ = writeln!(
                    out,
                    "patchbay_delivery_attempts_total{{type=\"{}\",outcome=\"{}\"}} {n}",
                    escape_label(kind),
                    escape_label(outcome)
                );
            }
            let _ = writeln!(
                out,
                "# HELP patchbay_delivery_secrets_undecryptable_total Deliveries failed because this process's encryption keys cannot decrypt their integration's secrets, by type.\n\
                 # TYPE patchbay_delivery_secrets_undecryptable_total counter"
            );
            for (kind, n) in &m.undecryptable {
                let _ = writeln!(
                    out,
                    "patchbay_delivery_secrets_undecryptable_total{{type=\"{}\"}} {n}",
                    escape_label(kind)
                );
            }
            let _ = writeln!(
                out,
                "# HELP patchbay_delivery_attempt_duration_seconds Latency of delivery attempts (the provider call).\n\
                 # TYPE patchbay_delivery_attempt_duration_seconds histogram"
            );
            for (kind, h) in &m.latency {
                let k = escape_label(kind);
                for (i, le) in LATENCY_BUCKETS.iter().enumerate() {
                    let _ = writeln!(
                        out,
                        "patchbay_delivery_attempt_duration_seconds_bucket{{type=\"{k}\",le=\"{le}\"}} {}",
                        h.buckets[i]
                    );
                }
                let _ = writeln!(
                    out,
                    "patchbay_delivery_attempt_duration_seconds_bucket{{type=\"{k}\",le=\"+Inf\"}} {}\n\
                     patchbay_delivery_attempt_duration_seconds_sum{{type=\"{k}\"}} {}\n\
                     patchbay_delivery_attempt_duration_seconds_count{{type=\"{k}\"}} {}",
                    h.count, h.sum, h.count
                );
            }
        });
        let _ = writeln!(
            out,
            "# HELP patchbay_delivery_queue_depth Deliveries queued or being sent, by type.\n\
             # TYPE patchbay_delivery_queue_depth gauge"
        );
        for (kind, n) in queue_depth {
            let _ = writeln!(
                out,
                "patchbay_delivery_queue_depth{{type=\"{}\"}} {n}",
                escape_label(kind)
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_prometheus_text() {
        let m = DeliveryMetrics::new();
        m.delivery_finished("slack", "delivered");
        m.attempt("slack", "delivered", Duration::from_millis(30));
        m.secrets_undecryptable("webhook");
        let text = m.render(&[("slack".into(), 3)]);
        assert!(text.contains("patchbay_delivery_secrets_undecryptable_total{type=\"webhook\"} 1"));
        assert!(text.contains("patchbay_deliveries_total{type=\"slack\",outcome=\"delivered\"} 1"));
        assert!(text.contains(
            "patchbay_delivery_attempt_duration_seconds_bucket{type=\"slack\",le=\"0.05\"} 1"
        ));
        assert!(text.contains(
            "patchbay_delivery_attempt_duration_seconds_bucket{type=\"slack\",le=\"0.025\"} 0"
        ));
        assert!(text.contains("patchbay_delivery_queue_depth{type=\"slack\"} 3"));
    }
}
