//! A secret never leaves the service: not in a response body or header,
//! not in a log line, whatever the request (reads, updates, every kind of
//! refusal, saved and unsaved tests against a provider that echoes the
//! secret back).

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::helpers::{
    Reply, TestApp, TestDatabase, assert_verdict, eventually, id_of, mocks, on_both_backends,
};

on_both_backends!(secret_canary_never_appears_in_responses_or_logs);

/// The captured output of the process's `tracing` subscriber, installed once
/// for this test binary at debug level (as `log.level = "debug"` would).
fn captured_logs() -> Arc<Mutex<Vec<u8>>> {
    #[derive(Clone)]
    struct Capture(Arc<Mutex<Vec<u8>>>);
    impl Write for Capture {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let writer = Capture(buffer.clone());
        // The mock provider is the test's, not the app's: what it logs of the
        // requests it receives is left out.
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("debug,wiremock=off"))
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .try_init()
            .expect("the only global subscriber of this test binary");
        buffer
    })
    .clone()
}

/// Alphanumeric (so it fits every secret's format) and unique.
const CANARY: &str = "CANARYq7X9zP2lK5vB8n";

async fn secret_canary_never_appears_in_responses_or_logs(db: TestDatabase) {
    let logs = captured_logs();
    let mock = mocks::slack_and_webhooks().await;
    // An endpoint that echoes the secret back in its error, as some do.
    Mock::given(method("POST"))
        .and(path("/hooks/echo"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_string(format!("bad token Bearer {CANARY}"))
                .insert_header("x-echo", CANARY),
        )
        .mount(&mock)
        .await;
    let app = TestApp::spawn_against(db, &mock, &[]).await;
    let admin = app.admin();
    let c = CANARY;
    let base = mock.uri();
    let discord =
        json!({"webhookUrl": format!("{base}/api/webhooks/123456/{c}"), "username": "bot"});
    let sendgrid = json!({"apiKey": format!("SG.{c}_sendgrid"), "fromEmail": "ops@example.com"});
    let webhook = json!({
        "url": format!("{base}/hooks/echo?token={c}"),
        "headers": {"Authorization": format!("Bearer {c}"), "X-Api-Key": c},
        // whsec_ and the base64 of 30 bytes.
        "signingSecret": format!("whsec_{c}AAAAAAAAAAAAAAAAAAAA"),
    });
    // Every response this test gets, with what it answered.
    let mut replies: Vec<(String, Reply)> = Vec::new();
    macro_rules! record {
        ($what:expr, $reply:expr) => {{
            let r = $reply.await;
            replies.push(($what.to_string(), r));
            &replies.last().unwrap().1
        }};
    }

    let mut ids = HashMap::new();
    for (kind, config) in [
        ("discord", &discord),
        ("sendgrid", &sendgrid),
        ("webhook", &webhook),
    ] {
        let r = record!(
            format!("create {kind}"),
            admin.create_integration(&json!({"name": kind, "type": kind, "config": config}))
        );
        ids.insert(kind, id_of(&r.ok(201)));
    }
    let (d, s, w) = (&ids["discord"], &ids["sendgrid"], &ids["webhook"]);
    let got = record!("get webhook", admin.get_integration(w)).ok(200);
    assert_eq!(got["config"], json!({}));
    assert_eq!(
        got["secrets"],
        json!([{"field": "headers", "hint": null},
               {"field": "signingSecret", "hint": "…AAAA"},
               {"field": "url", "hint": "…vB8n"}])
    );
    for id in [d, s] {
        record!("get", admin.get_integration(id)).ok(200);
    }
    for q in ["", "type=webhook", "type=sendgrid&limit=1"] {
        record!(format!("list?{q}"), admin.list_integrations(q)).ok(200);
    }

    // Updates: a rename keeps the secret, a new secret replaces it.
    let r = record!(
        "rename",
        admin.update_integration(d, &json!({"name": "renamed"}))
    );
    assert_eq!(r.ok(200)["secrets"][0]["field"], "webhookUrl");
    let r = record!(
        "new secret",
        admin.update_integration(
            s,
            &json!({"config": {"apiKey": format!("SG.{c}_rotated0")}})
        )
    );
    assert_eq!(
        r.ok(200)["secrets"],
        json!([{"field": "apiKey", "hint": "…ted0"}])
    );

    // Errors around the secret: misplaced, malformed, refused.
    for (id, body) in [
        (
            d,
            json!({"config": {"webhookUrl": format!("https://evil.example/api/webhooks/1/{c}")}}),
        ),
        (d, json!({"config": c})),
        (d, json!({"environment": c})),
        (d, json!({"name": "x", "bogus": c})),
        (s, json!({"config": {"apiKey": format!("nope-{c}")}})),
        (s, json!({"config": {"fromEmail": c}})),
        (w, json!({"config": {"headers": {"Host": c}}})),
        (w, json!({"config": {"headers": c}})),
        (w, json!({"config": {"signingSecret": c}})),
        (w, json!({"config": {"url": format!("ftp://{c}")}})),
        (w, json!({"clearedConfigKeys": [c]})),
    ] {
        let r = record!(
            format!("bad update {body}"),
            admin.update_integration(id, &body)
        );
        r.problem(422, "validation");
    }
    for body in [
        json!({"name": "x", "type": "discord", "config": {"webhookUrl": format!("http://evil.example/{c}")}}),
        json!({"name": "x", "type": c, "config": {}}),
        json!({"name": "x", "type": "sendgrid", "config": {"apiKey": c, "fromEmail": c}}),
        json!({"name": "x", "type": "webhook", "config": webhook, "isManaged": c}),
    ] {
        let r = record!(
            format!("bad create {body}"),
            admin.create_integration(&body)
        );
        r.problem(422, "validation");
    }
    let r = record!(
        "malformed JSON",
        crate::helpers::reply(
            admin
                .request(reqwest::Method::POST, "/api/integrations")
                .header("content-type", "application/json")
                .body(format!(
                    "{{\"name\": \"x\", \"type\": \"discord\", \"config\": {{\"webhookUrl\": \"{c}"
                ))
        )
    );
    r.problem(400, "bad-request");
    let r = record!(
        "too large",
        admin.create_integration(&json!({
            "name": "big", "type": "webhook",
            "config": {"url": "https://example.com/", "headers": {"X-Pad": format!("{}{c}", "a".repeat(70_000))}}
        }))
    );
    r.problem(413, "payload-too-large");
    let r = record!("canary as a key", app.with_key(c).list_integrations(""));
    r.problem(401, "unauthorized");

    // Tests, saved and unsaved, with and without overrides; the endpoint
    // echoes the secret back in its refusal.
    let t = record!("test webhook", admin.test_integration(w, None)).ok(200);
    assert_eq!(
        (&t["status"], &t["code"]),
        (&json!("error"), &json!("unauthorized")),
        "{t}"
    );
    let r = record!(
        "test webhook overrides",
        admin.test_integration(
            w,
            Some(
                &json!({"configOverrides": {"headers": {"Authorization": format!("Bearer {c}-2")}}})
            )
        )
    );
    assert_eq!(r.ok(200)["status"], "error");
    for id in [d, s] {
        let r = record!("test", admin.test_integration(id, None));
        assert_verdict(&r.ok(200));
    }
    let r = record!(
        "test discord overrides",
        admin.test_integration(
            d,
            Some(
                &json!({"configOverrides": {"webhookUrl": format!("{base}/api/webhooks/99/{c}x")}})
            )
        )
    );
    assert_verdict(&r.ok(200));
    for (kind, config) in [
        ("discord", &discord),
        ("sendgrid", &sendgrid),
        ("webhook", &webhook),
    ] {
        let r = record!(
            format!("unsaved test {kind}"),
            admin.test_unsaved(&json!({"type": kind, "config": config}))
        );
        assert_verdict(&r.ok(200));
    }
    for id in [d, s, w] {
        let r = record!("get after tests", admin.get_integration(id));
        assert_verdict(&r.ok(200)["lastTest"]);
    }
    let r = record!("delete", admin.delete_integration(w));
    assert_eq!(r.status, 204);

    for (what, r) in &replies {
        assert!(
            !r.text().contains(c),
            "the secret is in the {} response to {what}: {}",
            r.status,
            r.text()
        );
        for (name, value) in &r.headers {
            assert!(
                !String::from_utf8_lossy(value.as_bytes()).contains(c),
                "the secret is in header {name} of the response to {what}"
            );
        }
    }

    // The capture works: lines this test caused are in it. A request's line
    // is written before its response is sent, so this wait is short; it
    // polls rather than guessing a time.
    let logged = eventually(
        "the request lines in the captured log",
        Duration::from_secs(5),
        || {
            let logged = String::from_utf8_lossy(&logs.lock().unwrap()).into_owned();
            let missing: Vec<&str> = [
                "path=/api/integrations/{integrationId}/test",
                "path=/api/integrations/test",
                "status=413",
                "status=422",
                "method=DELETE path=/api/integrations/{integrationId} status=204",
            ]
            .into_iter()
            .filter(|line| !logged.contains(line))
            .collect();
            std::future::ready(if missing.is_empty() {
                Ok(logged)
            } else {
                Err(format!("not logged: {missing:?}"))
            })
        },
    )
    .await;
    let leaks: Vec<&str> = logged.lines().filter(|l| l.contains(c)).collect();
    assert!(leaks.is_empty(), "a secret was logged: {leaks:#?}");
    assert!(!logged.contains(&app.admin_key), "an API key was logged");
}
