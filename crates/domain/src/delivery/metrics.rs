//! The delivery metrics of this process, rendered as Prometheus text
//! (exposition format 0.0.4). Std only: counters and histograms keyed by
//! label values, behind one mutex (updates are a map lookup and an add).
//! Per process, as Prometheus expects of each scraped instance.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

use crate::catalogue::IntegrationType;

/// Upper bounds (seconds) of the attempt latency histogram.
const LATENCY_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 15.0,
];

/// A Prometheus histogram of durations: cumulative counts per upper bound.
#[derive(Debug, Clone)]
pub struct Histogram {
    bounds: &'static [f64],
    /// Observations at or below each bound.
    buckets: Vec<u64>,
    count: u64,
    sum: f64,
}

impl Histogram {
    /// A histogram with these upper bounds (seconds, ascending).
    pub fn new(bounds: &'static [f64]) -> Self {
        Self {
            bounds,
            buckets: vec![0; bounds.len()],
            count: 0,
            sum: 0.0,
        }
    }

    /// Counts one observation of `elapsed`.
    pub fn observe(&mut self, elapsed: Duration) {
        let secs = elapsed.as_secs_f64();
        for (bound, n) in self.bounds.iter().zip(self.buckets.iter_mut()) {
            if secs <= *bound {
                *n += 1;
            }
        }
        self.count += 1;
        self.sum += secs;
    }

    /// Appends the `_bucket`, `_sum` and `_count` samples of `name` with
    /// these labels (already escaped, `k="v",…`, without braces).
    pub fn render_into(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        for (bound, n) in self.bounds.iter().zip(&self.buckets) {
            let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"{bound}\"}} {n}");
        }
        let _ = writeln!(
            out,
            "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {count}\n\
             {name}_sum{{{labels}}} {sum}\n\
             {name}_count{{{labels}}} {count}",
            count = self.count,
            sum = self.sum,
        );
    }
}

#[derive(Debug, Default)]
struct Inner {
    deliveries: BTreeMap<(String, String), u64>,
    attempts: BTreeMap<(String, String), u64>,
    latency: BTreeMap<String, Histogram>,
    undecryptable: BTreeMap<String, u64>,
    failovers: BTreeMap<(String, String), u64>,
    purged: u64,
}

/// The delivery counters and attempt latencies of this process, shared by
/// its workers and rendered for `/metrics`.
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
    /// No observations yet.
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

    /// A failover group gave up on a member of type `kind` for the next
    /// one, for this cause (`permanent`, `attempts`, `time`).
    pub fn failover(&self, kind: &str, cause: &str) {
        self.with(|m| {
            *m.failovers
                .entry((kind.to_string(), cause.to_string()))
                .or_default() += 1
        });
    }

    /// The retention purge deleted `n` finished deliveries and group sends.
    pub fn record_purged(&self, n: u64) {
        self.with(|m| m.purged += n);
    }

    /// One attempt ended with this outcome after `latency`.
    pub fn attempt(&self, kind: &str, outcome: &str, latency: Duration) {
        self.with(|m| {
            *m.attempts
                .entry((kind.to_string(), outcome.to_string()))
                .or_default() += 1;
            m.latency
                .entry(kind.to_string())
                .or_insert_with(|| Histogram::new(LATENCY_BUCKETS))
                .observe(latency);
        });
    }

    /// The Prometheus text of the delivery metrics. `queue_depth` (type,
    /// count) is read from the database by the caller at scrape time: every
    /// type that can send is shown, at 0 when none of its deliveries is
    /// waiting (an absent series reads as "no data", not as an empty
    /// queue). `None` (the read failed) shows no depth at all rather than a
    /// false 0.
    pub fn render(&self, queue_depth: Option<&[(String, i64)]>) -> String {
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
                "# HELP patchbay_group_failovers_total Failover groups moving a message from one member to the next, by the given-up member's type and the cause (permanent, attempts, time).\n\
                 # TYPE patchbay_group_failovers_total counter"
            );
            for ((kind, cause), n) in &m.failovers {
                let _ = writeln!(
                    out,
                    "patchbay_group_failovers_total{{type=\"{}\",cause=\"{}\"}} {n}",
                    escape_label(kind),
                    escape_label(cause)
                );
            }
            let _ = writeln!(
                out,
                "# HELP patchbay_deliveries_purged_total Finished deliveries and group sends deleted by this process's retention purge.\n\
                 # TYPE patchbay_deliveries_purged_total counter\n\
                 patchbay_deliveries_purged_total {}",
                m.purged
            );
            let _ = writeln!(
                out,
                "# HELP patchbay_delivery_attempt_duration_seconds Latency of delivery attempts (the provider call).\n\
                 # TYPE patchbay_delivery_attempt_duration_seconds histogram"
            );
            for (kind, h) in &m.latency {
                h.render_into(
                    &mut out,
                    "patchbay_delivery_attempt_duration_seconds",
                    &format!("type=\"{}\"", escape_label(kind)),
                );
            }
        });
        let _ = writeln!(
            out,
            "# HELP patchbay_delivery_queue_depth Deliveries queued or being sent, by type.\n\
             # TYPE patchbay_delivery_queue_depth gauge"
        );
        if let Some(depth) = queue_depth {
            let mut by_type: BTreeMap<&str, i64> = IntegrationType::all()
                .iter()
                .filter(|t| t.spec().capabilities.send)
                .map(|t| (t.slug(), 0))
                .collect();
            for (kind, n) in depth {
                by_type.insert(kind, *n);
            }
            for (kind, n) in by_type {
                let _ = writeln!(
                    out,
                    "patchbay_delivery_queue_depth{{type=\"{}\"}} {n}",
                    escape_label(kind)
                );
            }
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
        m.failover("sendgrid", "permanent");
        let text = m.render(Some(&[("slack".into(), 3)]));
        assert!(
            text.contains(
                "patchbay_group_failovers_total{type=\"sendgrid\",cause=\"permanent\"} 1"
            )
        );
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

    #[test]
    fn an_empty_queue_shows_zero_for_every_type_that_can_send() {
        let text = DeliveryMetrics::new().render(Some(&[]));
        for t in IntegrationType::all() {
            let line = format!("patchbay_delivery_queue_depth{{type=\"{}\"}} 0", t.slug());
            assert_eq!(
                text.contains(&line),
                t.spec().capabilities.send,
                "{line}\n{text}"
            );
        }
        let text = DeliveryMetrics::new().render(Some(&[("webhook".into(), 2)]));
        assert!(text.contains("patchbay_delivery_queue_depth{type=\"webhook\"} 2"));
        assert!(text.contains("patchbay_delivery_queue_depth{type=\"slack\"} 0"));
    }

    #[test]
    fn an_unknown_queue_depth_is_not_shown_as_zero() {
        let text = DeliveryMetrics::new().render(None);
        assert!(text.contains("# TYPE patchbay_delivery_queue_depth gauge"));
        assert!(!text.contains("patchbay_delivery_queue_depth{"), "{text}");
    }

    #[test]
    fn histograms_are_cumulative() {
        let mut h = Histogram::new(&[0.1, 1.0]);
        h.observe(Duration::from_millis(50));
        h.observe(Duration::from_millis(500));
        let mut text = String::new();
        h.render_into(&mut text, "x_seconds", "a=\"b\"");
        assert!(
            text.contains("x_seconds_bucket{a=\"b\",le=\"0.1\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains("x_seconds_bucket{a=\"b\",le=\"1\"} 2\n"),
            "{text}"
        );
        assert!(
            text.contains("x_seconds_bucket{a=\"b\",le=\"+Inf\"} 2\n"),
            "{text}"
        );
        assert!(text.contains("x_seconds_count{a=\"b\"} 2"), "{text}");
    }
}
