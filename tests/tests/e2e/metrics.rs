//! `/metrics` as a scraper sees it, on either database: request latency by
//! route template (the docs page under a readable label), the process's
//! CPU, memory and file descriptors, the build, and a queue depth of 0 for
//! every type that can send while nothing is queued.

use patchbay_domain::IntegrationType;
use reqwest::Method;

use crate::helpers::{TestApp, TestDatabase, on_both_backends};

on_both_backends!(metrics_describe_requests_the_process_the_build_and_an_idle_queue);

/// The value of the sample named exactly `series` (name and labels).
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|v| v.parse().ok())
}

async fn metrics_describe_requests_the_process_the_build_and_an_idle_queue(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    app.admin().list_integrations("").await.ok(200);
    let docs = app.anonymous().call(Method::GET, "/docs/", None).await;
    assert_eq!(docs.status, 200);

    let r = app.anonymous().metrics().await;
    assert_eq!(r.status, 200);
    let text = r.text();
    let expect =
        |series: &str| sample(&text, series).unwrap_or_else(|| panic!("no {series} in\n{text}"));

    // Latency by route template.
    assert!(text.contains("# TYPE patchbay_http_request_duration_seconds histogram"));
    let route = r#"method="GET",route="/api/integrations""#;
    assert_eq!(
        expect(&format!(
            "patchbay_http_request_duration_seconds_count{{{route}}}"
        )),
        1.0
    );
    assert_eq!(
        expect(&format!(
            "patchbay_http_request_duration_seconds_bucket{{{route},le=\"+Inf\"}}"
        )),
        1.0
    );
    // The docs page's files under one readable label.
    assert_eq!(
        expect(r#"patchbay_http_requests_total{method="GET",route="/docs/{file}",status="200"}"#),
        1.0
    );

    // The process.
    assert!(expect("process_cpu_seconds_total") >= 0.0);
    assert!(expect("process_resident_memory_bytes") > 0.0);
    assert!(expect("process_open_fds") >= 1.0);
    assert!(text.contains("# TYPE process_cpu_seconds_total counter"));

    // The build.
    assert_eq!(
        expect(&format!(
            "patchbay_build_info{{version=\"{}\"}}",
            env!("CARGO_PKG_VERSION")
        )),
        1.0
    );

    // Nothing queued: 0 for every type that can send, none for the others.
    for t in IntegrationType::all() {
        let series = format!("patchbay_delivery_queue_depth{{type=\"{}\"}}", t.slug());
        if t.spec().capabilities.send {
            assert_eq!(expect(&series), 0.0);
        } else {
            assert_eq!(sample(&text, &series), None, "{series}");
        }
    }
}
