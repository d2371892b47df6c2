//! HTTP request counts of this process, rendered as Prometheus text beside
//! the delivery metrics at `/metrics`.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;

use patchbay_domain::delivery::escape_label;

/// Requests answered, by method, matched route template and status.
#[derive(Debug, Default)]
pub struct HttpMetrics {
    answered: Mutex<BTreeMap<(String, String, u16), u64>>,
}

impl HttpMetrics {
    pub fn new() -> Self {
        Self::default()
    }

    /// An HTTP request answered: `route` is the matched route template
    /// (never the raw path, which holds ids).
    pub fn request(&self, method: &str, route: &str, status: u16) {
        let mut answered = match self.answered.lock() {
            Ok(g) => g,
            // A panic while holding the lock leaves counters usable.
            Err(poisoned) => poisoned.into_inner(),
        };
        *answered
            .entry((method.to_string(), route.to_string(), status))
            .or_default() += 1;
    }

    /// Appends the Prometheus text of the request counts to `out`.
    pub fn render_into(&self, out: &mut String) {
        let answered = match self.answered.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        let _ = writeln!(
            out,
            "# HELP patchbay_http_requests_total HTTP requests answered, by method, route and status.\n\
             # TYPE patchbay_http_requests_total counter"
        );
        for ((method, route, status), n) in answered.iter() {
            let _ = writeln!(
                out,
                "patchbay_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{status}\"}} {n}",
                escape_label(method),
                escape_label(route)
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_request_counts() {
        let m = HttpMetrics::new();
        m.request("POST", "/api/integrations/{integrationId}/send", 202);
        m.request("POST", "/api/integrations/{integrationId}/send", 202);
        let mut text = String::new();
        m.render_into(&mut text);
        assert!(text.contains(
            "patchbay_http_requests_total{method=\"POST\",route=\"/api/integrations/{integrationId}/send\",status=\"202\"} 2"
        ));
    }
}
