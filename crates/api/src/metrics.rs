//! HTTP metrics of this process (request counts and latency by route
//! template) and the build's identity, rendered as Prometheus text beside
//! the delivery and process metrics at `/metrics`.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use patchbay_domain::delivery::{Histogram, escape_label};

/// Upper bounds (seconds) of the request latency histogram.
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The methods counted by name; any other is counted as `other`, so a
/// client cannot add series by inventing methods.
const KNOWN_METHODS: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

#[derive(Debug, Default)]
struct Inner {
    answered: BTreeMap<(&'static str, String, u16), u64>,
    latency: BTreeMap<(&'static str, String), Histogram>,
}

/// Requests answered, by method, matched route template and status, and
/// their latency by method and route.
#[derive(Debug, Default)]
pub struct HttpMetrics {
    inner: Mutex<Inner>,
}

fn method_label(method: &str) -> &'static str {
    KNOWN_METHODS
        .into_iter()
        .find(|m| *m == method)
        .unwrap_or("other")
}

/// A route template as a label: `{name:regex}` segments lose their regex
/// (`/docs/{file:.*}` → `/docs/{file}`).
pub fn route_label(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let (mut in_segment, mut in_regex) = (false, false);
    for c in pattern.chars() {
        match c {
            '{' if !in_segment => {
                in_segment = true;
                out.push(c);
            }
            ':' if in_segment => in_regex = true,
            '}' if in_segment => {
                (in_segment, in_regex) = (false, false);
                out.push(c);
            }
            _ if in_regex => {}
            _ => out.push(c),
        }
    }
    out
}

impl HttpMetrics {
    /// Nothing counted yet.
    pub fn new() -> Self {
        Self::default()
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves counters usable.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// An HTTP request answered after `latency`: `route` is the matched
    /// route's label (never the raw path, which holds ids).
    pub fn request(&self, method: &str, route: &str, status: u16, latency: Duration) {
        let method = method_label(method);
        let mut inner = self.inner();
        *inner
            .answered
            .entry((method, route.to_string(), status))
            .or_default() += 1;
        inner
            .latency
            .entry((method, route.to_string()))
            .or_insert_with(|| Histogram::new(LATENCY_BUCKETS))
            .observe(latency);
    }

    /// Appends the Prometheus text of the request counts and latencies.
    pub fn render_into(&self, out: &mut String) {
        let inner = self.inner();
        let _ = writeln!(
            out,
            "# HELP patchbay_http_requests_total HTTP requests answered, by method, route and status.\n\
             # TYPE patchbay_http_requests_total counter"
        );
        for ((method, route, status), n) in &inner.answered {
            let _ = writeln!(
                out,
                "patchbay_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {n}",
                escape_label(route)
            );
        }
        let _ = writeln!(
            out,
            "# HELP patchbay_http_request_duration_seconds Time to answer HTTP requests, by method and route.\n\
             # TYPE patchbay_http_request_duration_seconds histogram"
        );
        for ((method, route), h) in &inner.latency {
            h.render_into(
                out,
                "patchbay_http_request_duration_seconds",
                &format!("method=\"{method}\",route=\"{}\"", escape_label(route)),
            );
        }
    }
}

/// Appends `patchbay_build_info`: always 1, labelled with the version.
pub fn render_build_info(out: &mut String) {
    let _ = writeln!(
        out,
        "# HELP patchbay_build_info The running build: always 1, labelled with its version.\n\
         # TYPE patchbay_build_info gauge\n\
         patchbay_build_info{{version=\"{}\"}} 1",
        escape_label(env!("CARGO_PKG_VERSION"))
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_request_counts_and_latency() {
        let m = HttpMetrics::new();
        let route = "/api/integrations/{integrationId}/send";
        m.request("POST", route, 202, Duration::from_millis(3));
        m.request("POST", route, 202, Duration::from_millis(30));
        let mut text = String::new();
        m.render_into(&mut text);
        assert!(text.contains(
            "patchbay_http_requests_total{method=\"POST\",route=\"/api/integrations/{integrationId}/send\",status=\"202\"} 2"
        ));
        assert!(text.contains("# TYPE patchbay_http_request_duration_seconds histogram"));
        assert!(text.contains(
            "patchbay_http_request_duration_seconds_bucket{method=\"POST\",route=\"/api/integrations/{integrationId}/send\",le=\"0.005\"} 1"
        ), "{text}");
        assert!(text.contains(
            "patchbay_http_request_duration_seconds_count{method=\"POST\",route=\"/api/integrations/{integrationId}/send\"} 2"
        ), "{text}");
    }

    #[test]
    fn invented_methods_share_one_label() {
        let m = HttpMetrics::new();
        for method in ["FOO", "BAR", "BAZ"] {
            m.request(method, "(unmatched)", 404, Duration::ZERO);
        }
        let mut text = String::new();
        m.render_into(&mut text);
        assert!(text.contains(
            "patchbay_http_requests_total{method=\"other\",route=\"(unmatched)\",status=\"404\"} 3"
        ), "{text}");
        assert!(!text.contains("FOO"));
    }

    #[test]
    fn route_labels_drop_segment_regexes() {
        assert_eq!(route_label("/docs/{file:.*}"), "/docs/{file}");
        assert_eq!(
            route_label("/api/integrations/{integrationId}"),
            "/api/integrations/{integrationId}"
        );
        assert_eq!(route_label("/a/{x:[0-9]+}/b/{y}"), "/a/{x}/b/{y}");
        assert_eq!(route_label("/docs"), "/docs");
    }

    #[test]
    fn build_info_names_the_version() {
        let mut text = String::new();
        render_build_info(&mut text);
        assert!(text.contains(&format!(
            "patchbay_build_info{{version=\"{}\"}} 1",
            env!("CARGO_PKG_VERSION")
        )));
    }
}
