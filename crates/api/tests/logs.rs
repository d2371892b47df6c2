//! What the service logs: one line per request with the path template, the
//! causes of internal errors, the request id on every line, and never a
//! secret. The only test in its
//! binary, so it can capture this thread's `tracing` output reliably.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use actix_web::http::header;
use actix_web::test::TestRequest;
use common::{
    Harness, call, call_as, create_integration, get_integration, slack, test_integration,
    update_integration,
};
use serde_json::json;

#[derive(Clone)]
struct Writer(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Writer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[actix_web::test]
async fn logs_name_templates_and_causes_but_never_secrets() {
    let buffer = Arc::new(Mutex::new(Vec::new()));
    let writer = Writer(buffer.clone());
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let h = Harness::new().await;
    let app = h.service().await;
    let key = &h.admin;
    let canary = "LogCanaryH4s8Wq1Mz6";
    let url = format!("https://hooks.slack.com/services/T000/B000/{canary}");
    let r = create_integration(&app, key, &slack("n", &url)).await;
    r.expect(201);
    let id = r.id();
    get_integration(&app, key, &id).await.expect(200);
    let bad_url = json!({"config": {"webhookUrl": format!("ftp://{canary}")}});
    update_integration(&app, key, &id, &bad_url)
        .await
        .problem(422);
    test_integration(&app, key, &id, None).await.expect(200);
    call_as(&app, key, TestRequest::get().uri("/api/nope"))
        .await
        .problem(404);
    let canary_key = (header::AUTHORIZATION, format!("Bearer {canary}"));
    call(
        &app,
        TestRequest::get()
            .uri("/api/integrations")
            .insert_header(canary_key),
    )
    .await
    .problem(401);
    // A row whose secrets cannot be opened: its own problem type for the
    // client, its id and key in the log for the operator; it still lists.
    let r = create_integration(&app, key, &slack("sealed", &url)).await;
    let sealed = r.id();
    h.store
        .unreadable
        .lock()
        .unwrap()
        .push(sealed.parse().unwrap());
    let r = get_integration(&app, key, &sealed).await;
    assert_eq!(r.problem(500)["type"], "/problems/secrets-unreadable");
    assert!(!r.text().contains("k-retired") && !r.text().contains(&sealed));
    let listed = call_as(&app, key, TestRequest::get().uri("/api/integrations")).await;
    assert_eq!(listed.expect(200)["data"].as_array().unwrap().len(), 2);
    h.store.broken.store(true, Ordering::SeqCst);
    let r = call_as(
        &app,
        key,
        TestRequest::get()
            .uri(&format!("/api/integrations/{id}"))
            .insert_header(("X-Request-Id", "trace-me-1")),
    )
    .await;
    r.problem(500);
    assert!(!r.text().contains("db.internal"));

    let logged = String::from_utf8_lossy(&buffer.lock().unwrap()).into_owned();
    let request_lines: Vec<&str> = logged
        .lines()
        .filter(|l| l.contains("request") && l.contains("latency_ms"))
        .collect();
    assert_eq!(request_lines.len(), 10, "{logged}");
    assert!(
        request_lines[1].contains("method=GET")
            && request_lines[1].contains("path=/api/integrations/{integrationId}")
            && request_lines[1].contains("status=200"),
        "{logged}"
    );
    assert!(request_lines[2].contains("status=422"), "{logged}");
    assert!(
        request_lines[3].contains("path=/api/integrations/{integrationId}/test"),
        "{logged}"
    );
    assert!(request_lines[4].contains("path=(unmatched)"), "{logged}");
    // The cause of a 500 is logged for operators, under the request's id.
    let cause = logged.lines().find(|l| l.contains("db.internal"));
    assert!(
        cause.is_some_and(|l| l.contains("request{request_id=trace-me-1}")),
        "{logged}"
    );
    assert!(
        request_lines.last().is_some_and(
            |l| l.contains("request{request_id=trace-me-1}") && l.contains("status=500")
        ),
        "{logged}"
    );
    // Every line was written while some request was handled: each names it.
    for line in logged.lines() {
        assert!(line.contains("request{request_id="), "{line}");
    }
    let unreadable = logged
        .lines()
        .find(|l| l.contains("stored secrets cannot be opened"))
        .unwrap_or_else(|| panic!("no line for the unreadable row: {logged}"));
    assert!(
        unreadable.contains(&sealed) && unreadable.contains("`k-retired`"),
        "{unreadable}"
    );
    assert!(!logged.contains(canary), "a secret was logged: {logged}");
    assert!(!logged.contains(&id), "a raw path was logged: {logged}");
    assert!(
        !logged.contains(&h.admin.plaintext),
        "an API key was logged: {logged}"
    );
}
