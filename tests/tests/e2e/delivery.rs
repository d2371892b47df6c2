//! Sending and delivery through the real app against local mock providers,
//! on both backends: the delivered path per type, retries (hints, backoff,
//! limits), permanent outcomes and health, redirects, idempotency, pacing,
//! the retry endpoint, listing and metrics.

use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::both;
use crate::helpers::{Backend, TestApp};

const TELEGRAM_TOKEN: &str = "123456789:AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQr";

/// Fast retries and polling; pacing off unless a test turns it on.
fn settings(mock: &MockServer, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let host = mock.address().to_string();
    let base = mock.uri();
    // Later entries win (extra overrides the defaults).
    [
        ("PATCHBAY__OUTBOUND__ALLOW_PRIVATE_NETWORKS", "127.0.0.0/8"),
        ("PATCHBAY__OUTBOUND__TOTAL_TIMEOUT_MS", "5000"),
        ("PATCHBAY__PROVIDERS__DISCORD__EXTRA_HOSTS", host.as_str()),
        ("PATCHBAY__PROVIDERS__SLACK__EXTRA_HOSTS", host.as_str()),
        (
            "PATCHBAY__PROVIDERS__SLACK__BASE_URL",
            format!("{base}/slack/api/").as_str(),
        ),
        (
            "PATCHBAY__PROVIDERS__TELEGRAM__BASE_URL",
            format!("{base}/tg/").as_str(),
        ),
        (
            "PATCHBAY__PROVIDERS__SENDGRID__BASE_URL",
            format!("{base}/sendgrid/").as_str(),
        ),
        (
            "PATCHBAY__PROVIDERS__SENDGRID__EU_BASE_URL",
            format!("{base}/sendgrid/").as_str(),
        ),
        (
            "PATCHBAY__PROVIDERS__RESEND__BASE_URL",
            format!("{base}/resend/").as_str(),
        ),
        ("PATCHBAY__DELIVERY__POLL_INTERVAL_MS", "50"),
        ("PATCHBAY__DELIVERY__RETRY_BASE_MS", "300"),
        ("PATCHBAY__DELIVERY__MAX_ATTEMPTS", "3"),
        ("PATCHBAY__DELIVERY__LEASE_MS", "10000"),
        ("PATCHBAY__DELIVERY__PACING", "false"),
        ("PATCHBAY__DELIVERY__RETEST_INTERVAL_SECS", "0"),
    ]
    .iter()
    .chain(extra)
    .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
    .collect()
}

fn borrowed(env: &[(String, String)]) -> Vec<(&str, &str)> {
    env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

async fn spawn(backend: Backend, mock: &MockServer, extra: &[(&str, &str)]) -> Option<TestApp> {
    TestApp::spawn_with(backend, &borrowed(&settings(mock, extra))).await
}

async fn create(app: &TestApp, kind: &str, config: Value) -> String {
    let res = app
        .admin(Method::POST, "/api/integrations")
        .json(&json!({"name": format!("{kind} delivery"), "type": kind, "config": config}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "{kind}: {}", res.text().await.unwrap());
    let body: Value = res.json().await.unwrap();
    body["id"].as_str().unwrap().to_string()
}

async fn send(app: &TestApp, id: &str, query: &str, body: Value) -> reqwest::Response {
    app.admin(Method::POST, &format!("/api/integrations/{id}/send{query}"))
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn get_delivery(app: &TestApp, id: &str) -> Value {
    let res = app
        .admin(Method::GET, &format!("/api/deliveries/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

/// Poll until the delivery is delivered or failed.
async fn wait_final(app: &TestApp, id: &str) -> Value {
    for _ in 0..400 {
        let d = get_delivery(app, id).await;
        if d["status"] == "delivered" || d["status"] == "failed" {
            return d;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "delivery {id} did not finish: {}",
        get_delivery(app, id).await
    );
}

fn at(v: &Value) -> DateTime<Utc> {
    v.as_str().unwrap().parse().unwrap()
}

async fn webhook(app: &TestApp, mock: &MockServer, route: &str) -> String {
    create(
        app,
        "webhook",
        json!({"url": format!("{}{route}", mock.uri())}),
    )
    .await
}

// ---------------------------------------------------------------- tests

async fn every_sendable_type_delivers(backend: Backend) {
    let mock = MockServer::start().await;
    let ok = |body: Value| ResponseTemplate::new(200).set_body_json(body);
    Mock::given(method("POST"))
        .and(path_regex(r"^/api/webhooks/123/[A-Za-z0-9_-]+$"))
        .respond_with(ok(json!({"id": "discord-msg-1", "channel_id": "42"})))
        .mount(&mock)
        .await;
    Mock::given(method("POST"))
        .and(path_regex(r"^/services/"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .mount(&mock)
        .await;
    Mock::given(method("POST"))
        .and(path("/slack/api/chat.postMessage"))
        .respond_with(ok(
            json!({"ok": true, "channel": "C0123456789", "ts": "1700000000.000100"}),
        ))
        .mount(&mock)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/tg/bot{TELEGRAM_TOKEN}/sendMessage")))
        .respond_with(ok(
            json!({"ok": true, "result": {"message_id": 77, "chat": {"id": -100123}}}),
        ))
        .mount(&mock)
        .await;
    Mock::given(method("POST"))
        .and(path("/sendgrid/v3/mail/send"))
        .respond_with(ResponseTemplate::new(202).insert_header("X-Message-Id", "sg-msg-1"))
        .mount(&mock)
        .await;
    Mock::given(method("POST"))
        .and(path("/resend/emails"))
        .respond_with(ok(json!({"id": "resend-msg-1"})))
        .mount(&mock)
        .await;
    Mock::given(method("POST"))
        .and(path("/hooks/ok"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&mock)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(ok(json!({
            "id": "cmpl-1",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}
        })))
        .mount(&mock)
        .await;
    let Some(app) = spawn(backend, &mock, &[]).await else {
        return;
    };
    let base = mock.uri();
    let text = json!({"subject": "Deploy", "text": "v1.2.3 is live"});
    let email = json!({"subject": "Deploy", "text": "v1.2.3 is live", "html": "<p>v1.2.3 is live</p>", "to": ["ops@example.com"]});
    let cases = vec![
        (
            "discord",
            json!({"webhookUrl": format!("{base}/api/webhooks/123/tok-discord")}),
            text.clone(),
        ),
        (
            "slack",
            json!({"webhookUrl": format!("{base}/services/T0/B0/x")}),
            text.clone(),
        ),
        (
            "slack",
            json!({"botToken": "xoxb-1-slack", "channel": "C0123456789"}),
            text.clone(),
        ),
        (
            "telegram",
            json!({"botToken": TELEGRAM_TOKEN, "chatId": -100123}),
            text.clone(),
        ),
        (
            "sendgrid",
            json!({"apiKey": "SG.key-sendgrid-0000000000", "fromEmail": "ops@example.com"}),
            email.clone(),
        ),
        (
            "resend",
            json!({"apiKey": "re_key_resend", "from": "Ops <ops@example.com>"}),
            email.clone(),
        ),
        (
            "webhook",
            json!({"url": format!("{base}/hooks/ok")}),
            json!({"eventType": "deploy.finished", "data": {"version": "1.2.3"}}),
        ),
        (
            "ai-gateway",
            json!({"apiKey": "ai-key", "baseUrl": format!("{base}/v1"), "defaultModel": "openai/gpt-4o-mini"}),
            json!({"text": "Say hi"}),
        ),
    ];
    for (kind, config, message) in cases {
        let id = create(&app, kind, config).await;
        let res = send(&app, &id, "?wait=true", message).await;
        assert_eq!(res.status(), 202, "{kind}");
        let location = res.headers()["location"].to_str().unwrap().to_string();
        let body: Value = res.json().await.unwrap();
        let delivery_id = body["id"].as_str().unwrap().to_string();
        assert!(delivery_id.starts_with("dlv_"), "{body}");
        assert_eq!(location, format!("/api/deliveries/{delivery_id}"));
        assert_eq!(body["integrationId"], id.as_str());
        assert_eq!(body["type"], kind);
        let d = wait_final(&app, &delivery_id).await;
        assert_eq!(d["status"], "delivered", "{kind}: {d}");
        assert_eq!(d["attemptCount"], 1, "{kind}: {d}");
        let attempts = d["attempts"].as_array().unwrap();
        assert_eq!(attempts.len(), 1);
        assert_eq!(attempts[0]["outcome"], "delivered");
        assert_eq!(attempts[0]["statusClass"], "success");
        assert!(attempts[0]["latencyMs"].as_i64().unwrap() >= 0);
        assert!(d["completedAt"].is_string(), "{d}");
        if kind != "slack" {
            assert!(d["providerMessageId"].is_string(), "{kind}: {d}");
        }
    }
    // Web3 cannot send; the answer says so before anything is queued.
    let id = create(
        &app,
        "web3",
        json!({"rpcUrl": format!("{base}/rpc"), "chainId": 1}),
    )
    .await;
    let res = send(&app, &id, "", json!({"text": "hi"})).await;
    assert_eq!(res.status(), 422);
    let problem: Value = res.json().await.unwrap();
    assert!(
        problem["detail"].as_str().unwrap().contains("web3"),
        "{problem}"
    );
}
both!(every_sendable_type_delivers);

async fn refusals_are_clear_problems(backend: Backend) {
    let mock = MockServer::start().await;
    let Some(app) = spawn(backend, &mock, &[]).await else {
        return;
    };
    // A message the type cannot carry: email without recipient or subject.
    let id = create(
        &app,
        "resend",
        json!({"apiKey": "re_key", "from": "ops@example.com"}),
    )
    .await;
    let res = send(&app, &id, "", json!({"text": "hi"})).await;
    assert_eq!(res.status(), 422);
    let problem: Value = res.json().await.unwrap();
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"to") && fields.contains(&"subject"),
        "{problem}"
    );
    // Unknown members are refused.
    let res = send(&app, &id, "", json!({"text": "hi", "cc": ["x"]})).await;
    assert_eq!(res.status(), 422);
    // Inactive integrations refuse sends.
    let hook = webhook(&app, &mock, "/hooks/ok").await;
    // Never tested, nothing delivered (and no scheduled re-test in tests).
    let health: Value = app
        .admin(Method::GET, &format!("/api/integrations/{hook}/health"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "unknown", "{health}");
    let res = app
        .admin(Method::PUT, &format!("/api/integrations/{hook}"))
        .json(&json!({"status": "inactive"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = send(&app, &hook, "", json!({"data": {"a": 1}})).await;
    assert_eq!(res.status(), 409);
    let problem: Value = res.json().await.unwrap();
    assert!(
        problem["detail"].as_str().unwrap().contains("inactive"),
        "{problem}"
    );
    // Unknown integration, unknown delivery, another organization's.
    let res = send(
        &app,
        "int_01jabcdefghjkmnpqrstvwxyz0",
        "",
        json!({"text": "hi"}),
    )
    .await;
    assert_eq!(res.status(), 404);
    let res = app
        .admin(
            Method::GET,
            "/api/deliveries/dlv_01jabcdefghjkmnpqrstvwxyz0",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let other = app.key_for("other-org", "read,test").await;
    let res = app
        .client
        .post(app.url(&format!("/api/integrations/{id}/send")))
        .bearer_auth(&other)
        .json(&json!({"text": "hi"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    // A read-only key may not send.
    let reader = app.key_for("default", "read").await;
    let res = app
        .client
        .post(app.url(&format!("/api/integrations/{hook}/send")))
        .bearer_auth(&reader)
        .json(&json!({"text": "hi"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
}
both!(refusals_are_clear_problems);

async fn rate_limit_hint_is_never_undercut(backend: Backend) {
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hooks/limited"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "2"))
        .up_to_n_times(1)
        .mount(&mock)
        .await;
    Mock::given(method("POST"))
        .and(path("/hooks/limited"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&mock)
        .await;
    let Some(app) = spawn(backend, &mock, &[]).await else {
        return;
    };
    let id = webhook(&app, &mock, "/hooks/limited").await;
    let res = send(&app, &id, "?wait=true", json!({"data": {"n": 1}})).await;
    assert_eq!(res.status(), 202);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["firstAttempt"]["outcome"], "retryable", "{body}");
    assert_eq!(body["firstAttempt"]["statusClass"], "rate_limited");
    assert_eq!(body["firstAttempt"]["retryAfterMs"], 2000);
    let scheduled = at(&body["firstAttempt"]["retryAt"]) - at(&body["firstAttempt"]["finishedAt"]);
    assert!(
        scheduled >= chrono::TimeDelta::milliseconds(2000),
        "scheduled {scheduled} after a 2 s hint"
    );
    assert_eq!(body["status"], "queued");
    let d = wait_final(&app, body["id"].as_str().unwrap()).await;
    assert_eq!(d["status"], "delivered", "{d}");
    let attempts = d["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 2);
    let gap = at(&attempts[1]["startedAt"]) - at(&attempts[0]["finishedAt"]);
    assert!(
        gap >= chrono::TimeDelta::milliseconds(2000),
        "the retry came {gap} after a 2 s hint"
    );
}
both!(rate_limit_hint_is_never_undercut);

async fn server_errors_back_off_then_fail_at_the_limit(backend: Backend) {
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hooks/broken"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&mock)
        .await;
    let Some(app) = spawn(backend, &mock, &[]).await else {
        return;
    };
    let id = webhook(&app, &mock, "/hooks/broken").await;
    let res = send(&app, &id, "", json!({"data": {"n": 1}})).await;
    assert_eq!(res.status(), 202);
    let body: Value = res.json().await.unwrap();
    let d = wait_final(&app, body["id"].as_str().unwrap()).await;
    assert_eq!(d["status"], "failed", "{d}");
    let attempts = d["attempts"].as_array().unwrap();
    // max_attempts = 3: three attempts, then failed.
    assert_eq!(attempts.len(), 3, "{d}");
    assert_eq!(d["attemptCount"], 3);
    for a in attempts {
        assert_eq!(a["outcome"], "retryable");
        assert_eq!(a["statusClass"], "server_error");
    }
    // Backoff 300 ms then 600 ms, each within 20 % jitter, as scheduled;
    // and no retry came before its schedule.
    let ms = chrono::TimeDelta::milliseconds;
    for (i, base_ms) in [(0usize, 300i64), (1, 600)] {
        let scheduled = at(&attempts[i]["retryAt"]) - at(&attempts[i]["finishedAt"]);
        assert!(
            scheduled >= ms(base_ms * 8 / 10 - 1) && scheduled <= ms(base_ms * 12 / 10 + 1),
            "retry {} was scheduled {scheduled} after a failure",
            i + 1
        );
        let gap = at(&attempts[i + 1]["startedAt"]) - at(&attempts[i]["retryAt"]);
        assert!(gap >= ms(-1), "retry {} came {gap} early", i + 1);
    }
    // The last failure scheduled nothing.
    assert!(attempts[2]["retryAt"].is_null(), "{d}");
    assert!(d["lastError"].as_str().unwrap().contains("500"), "{d}");
    assert_eq!(mock.received_requests().await.unwrap().len(), 3);
}
both!(server_errors_back_off_then_fail_at_the_limit);

async fn gone_stops_at_once_and_marks_unhealthy(backend: Backend) {
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hooks/gone"))
        .respond_with(ResponseTemplate::new(410))
        .up_to_n_times(1)
        .mount(&mock)
        .await;
    Mock::given(method("POST"))
        .and(path("/hooks/gone"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&mock)
        .await;
    let Some(app) = spawn(backend, &mock, &[]).await else {
        return;
    };
    let id = webhook(&app, &mock, "/hooks/gone").await;
    let res = send(&app, &id, "", json!({"data": {"n": 1}})).await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["integrationHealth"]["status"], "unknown", "{body}");
    let delivery = body["id"].as_str().unwrap().to_string();
    let d = wait_final(&app, &delivery).await;
    assert_eq!(d["status"], "failed", "{d}");
    assert_eq!(d["attempts"].as_array().unwrap().len(), 1);
    assert_eq!(d["attempts"][0]["outcome"], "permanent");
    assert_eq!(d["attempts"][0]["statusClass"], "gone");
    // Reading the integration says so too, and the configuration version
    // (ETag) did not move: health is not a change to the integration.
    let got = app
        .admin(Method::GET, &format!("/api/integrations/{id}"))
        .send()
        .await
        .unwrap();
    let etag = got.headers()["etag"].to_str().unwrap().to_string();
    assert!(etag.ends_with("-v1\""), "{etag}");
    let got: Value = got.json().await.unwrap();
    assert_eq!(got["health"]["status"], "unhealthy", "{got}");
    let unhealthy = got["health"].clone();
    // Still accepted, but the answer says the integration is unhealthy.
    let res = send(&app, &id, "", json!({"data": {"n": 2}})).await;
    assert_eq!(res.status(), 202);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["integrationHealth"], unhealthy, "{body}");
    assert!(
        body["integrationHealth"]["reason"]
            .as_str()
            .unwrap()
            .contains("gone"),
        "{body}"
    );
    let second = body["id"].as_str().unwrap().to_string();
    assert_eq!(wait_final(&app, &second).await["status"], "delivered");
    let got: Value = app
        .admin(Method::GET, &format!("/api/integrations/{id}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got["health"]["status"], "healthy", "{got}");
    assert_eq!(got["health"]["reason"], "a delivery succeeded", "{got}");

    // The failed one can be retried by hand; a delivered one cannot.
    let res = app
        .admin(Method::POST, &format!("/api/deliveries/{second}/retry"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    let res = app
        .admin(Method::POST, &format!("/api/deliveries/{delivery}/retry"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202, "{}", res.text().await.unwrap());
    let d = wait_final(&app, &delivery).await;
    assert_eq!(d["status"], "delivered", "{d}");
    assert_eq!(d["attempts"].as_array().unwrap().len(), 2);
    // A delivery afterwards shows the integration healthy again.
    let res = send(&app, &id, "", json!({"data": {"n": 3}})).await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["integrationHealth"]["status"], "healthy", "{body}");
}
both!(gone_stops_at_once_and_marks_unhealthy);

async fn a_redirect_is_a_failure(backend: Backend) {
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hooks/moved"))
        .respond_with(
            ResponseTemplate::new(302).insert_header("Location", "http://127.0.0.1:1/elsewhere"),
        )
        .mount(&mock)
        .await;
    let Some(app) = spawn(backend, &mock, &[]).await else {
        return;
    };
    let id = webhook(&app, &mock, "/hooks/moved").await;
    let res = send(&app, &id, "?wait=true", json!({"data": {"n": 1}})).await;
    let body: Value = res.json().await.unwrap();
    let d = wait_final(&app, body["id"].as_str().unwrap()).await;
    assert_eq!(d["status"], "failed", "{d}");
    assert_eq!(d["attempts"][0]["outcome"], "permanent");
    assert_eq!(d["attempts"][0]["statusClass"], "redirect");
    // Only the one request: the redirect was not followed.
    assert_eq!(mock.received_requests().await.unwrap().len(), 1);
}
both!(a_redirect_is_a_failure);

async fn webhook_retries_keep_the_id_and_re_sign(backend: Backend) {
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hooks/flaky"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&mock)
        .await;
    Mock::given(method("POST"))
        .and(path("/hooks/flaky"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&mock)
        .await;
    let Some(app) = spawn(backend, &mock, &[]).await else {
        return;
    };
    let id = create(
        &app,
        "webhook",
        json!({"url": format!("{}/hooks/flaky", mock.uri()), "signingSecret": "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"}),
    )
    .await;
    let res = send(&app, &id, "", json!({"data": {"n": 1}})).await;
    let body: Value = res.json().await.unwrap();
    let delivery = body["id"].as_str().unwrap().to_string();
    let d = wait_final(&app, &delivery).await;
    assert_eq!(d["status"], "delivered", "{d}");
    let received = mock.received_requests().await.unwrap();
    assert_eq!(received.len(), 2);
    for r in &received {
        assert_eq!(r.headers["webhook-id"].to_str().unwrap(), delivery);
        assert!(
            r.headers["webhook-signature"]
                .to_str()
                .unwrap()
                .starts_with("v1,")
        );
        assert!(r.headers.contains_key("webhook-timestamp"));
    }
    assert_eq!(d["providerMessageId"], delivery.as_str());
}
both!(webhook_retries_keep_the_id_and_re_sign);

async fn idempotency_keys(backend: Backend) {
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hooks/ok"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&mock)
        .await;
    let Some(app) = spawn(backend, &mock, &[]).await else {
        return;
    };
    let id = webhook(&app, &mock, "/hooks/ok").await;
    let body = json!({"eventType": "order.paid", "data": {"order": 42}});
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let req = app
            .admin(Method::POST, &format!("/api/integrations/{id}/send"))
            .header("Idempotency-Key", "order-42-paid")
            .json(&body);
        tasks.push(tokio::spawn(async move { req.send().await.unwrap() }));
    }
    let mut ids = std::collections::BTreeSet::new();
    let mut replayed = 0;
    for t in tasks {
        let res = t.await.unwrap();
        let status = res.status();
        assert!(
            status == StatusCode::ACCEPTED || status == StatusCode::CONFLICT,
            "{status}"
        );
        if status == StatusCode::ACCEPTED {
            if res.headers().contains_key("idempotent-replayed") {
                replayed += 1;
            }
            let b: Value = res.json().await.unwrap();
            ids.insert(b["id"].as_str().unwrap().to_string());
        }
    }
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert!(replayed >= 1);
    let list: Value = app
        .admin(Method::GET, &format!("/api/integrations/{id}/deliveries"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["data"].as_array().unwrap().len(), 1, "{list}");
    let only = ids.into_iter().next().unwrap();
    assert_eq!(wait_final(&app, &only).await["status"], "delivered");
    // Exactly one request reached the endpoint.
    assert_eq!(mock.received_requests().await.unwrap().len(), 1);

    // A repeat later answers the same delivery.
    let res = app
        .admin(Method::POST, &format!("/api/integrations/{id}/send"))
        .header("Idempotency-Key", "order-42-paid")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    let b: Value = res.json().await.unwrap();
    assert_eq!(b["id"], only.as_str());
    // Same key, another body: 422.
    let res = app
        .admin(Method::POST, &format!("/api/integrations/{id}/send"))
        .header("Idempotency-Key", "order-42-paid")
        .json(&json!({"data": {"order": 43}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    // Keys are scoped to the organization.
    let other = app.key_for("other-org", "write,test,read").await;
    let res = app
        .client
        .post(app.url("/api/integrations"))
        .bearer_auth(&other)
        .json(&json!({"name": "h", "type": "webhook", "config": {"url": format!("{}/hooks/ok", mock.uri())}}))
        .send()
        .await
        .unwrap();
    let other_id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let res = app
        .client
        .post(app.url(&format!("/api/integrations/{other_id}/send")))
        .bearer_auth(&other)
        .header("Idempotency-Key", "order-42-paid")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    assert!(!res.headers().contains_key("idempotent-replayed"));
    // A malformed key is a 400.
    let res = app
        .admin(Method::POST, &format!("/api/integrations/{id}/send"))
        .header("Idempotency-Key", "has space")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
}
both!(idempotency_keys);

async fn a_burst_is_paced_not_rejected(backend: Backend) {
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path_regex(r"^/services/"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .mount(&mock)
        .await;
    let Some(app) = spawn(backend, &mock, &[("PATCHBAY__DELIVERY__PACING", "true")]).await else {
        return;
    };
    let id = create(
        &app,
        "slack",
        json!({"webhookUrl": format!("{}/services/T0/B0/x", mock.uri())}),
    )
    .await;
    let deliveries = send_texts(&app, &id, 3).await;
    let starts = starts_of(&app, &deliveries).await;
    // Slack: about one message per second per channel.
    for w in starts.windows(2) {
        assert!(
            w[1] - w[0] >= chrono::TimeDelta::milliseconds(990),
            "sends {} apart",
            w[1] - w[0]
        );
    }
}
both!(a_burst_is_paced_not_rejected);

/// Send `n` text messages at once; their delivery ids.
async fn send_texts(app: &TestApp, id: &str, n: usize) -> Vec<String> {
    let mut deliveries = Vec::new();
    for n in 0..n {
        let res = send(app, id, "", json!({"text": format!("message {n}")})).await;
        assert_eq!(res.status(), 202);
        let body: Value = res.json().await.unwrap();
        deliveries.push(body["id"].as_str().unwrap().to_string());
    }
    deliveries
}

/// Attempt start times of finished deliveries, sorted.
async fn starts_of(app: &TestApp, deliveries: &[String]) -> Vec<DateTime<Utc>> {
    let mut starts = Vec::new();
    for d in deliveries {
        let d = wait_final(app, d).await;
        assert_eq!(d["status"], "delivered", "{d}");
        assert_eq!(d["attempts"].as_array().unwrap().len(), 1, "{d}");
        starts.push(at(&d["attempts"][0]["startedAt"]));
    }
    starts.sort();
    starts
}

async fn pacing_is_shared_by_every_instance(backend: Backend) {
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path_regex(r"^/services/"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .mount(&mock)
        .await;
    let env = settings(&mock, &[("PATCHBAY__DELIVERY__PACING", "true")]);
    let Some(app) = TestApp::spawn_with(backend, &borrowed(&env)).await else {
        return;
    };
    let peer = app.spawn_peer(&borrowed(&env)).await;
    let id = create(
        &app,
        "slack",
        json!({"webhookUrl": format!("{}/services/T0/B0/x", mock.uri())}),
    )
    .await;
    // Half the burst through each instance: each wakes its own workers, so
    // both send, and only the shared slots keep them a second apart.
    let mut deliveries = Vec::new();
    for n in 0..4 {
        let base = if n % 2 == 0 { &app.base } else { &peer.base };
        let res = app
            .client
            .post(format!("{base}/api/integrations/{id}/send"))
            .bearer_auth(&app.admin_key)
            .json(&json!({"text": format!("message {n}")}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 202);
        let body: Value = res.json().await.unwrap();
        deliveries.push(body["id"].as_str().unwrap().to_string());
    }
    let starts = starts_of(&app, &deliveries).await;
    // Slack: about one message per second per channel, across instances.
    // Without shared slots two sends start within milliseconds; the wide
    // margin is for two instances' timers waking apart on a loaded machine.
    for w in starts.windows(2) {
        assert!(
            w[1] - w[0] >= chrono::TimeDelta::milliseconds(700),
            "sends {} apart: {starts:?}",
            w[1] - w[0]
        );
    }
    assert_eq!(mock.received_requests().await.unwrap().len(), 4);
    drop(peer);
}
both!(pacing_is_shared_by_every_instance);

async fn an_emptied_discord_bucket_holds_the_next_send(backend: Backend) {
    let mock = MockServer::start().await;
    // Every answer says the bucket is now empty for 1.5 s.
    Mock::given(method("POST"))
        .and(path_regex(r"^/api/webhooks/123/[A-Za-z0-9_-]+$"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-ratelimit-limit", "5")
                .insert_header("x-ratelimit-remaining", "0")
                .insert_header("x-ratelimit-reset-after", "1.5")
                .set_body_json(json!({"id": "discord-msg", "channel_id": "42"})),
        )
        .mount(&mock)
        .await;
    let Some(app) = spawn(backend, &mock, &[("PATCHBAY__DELIVERY__PACING", "true")]).await else {
        return;
    };
    let id = create(
        &app,
        "discord",
        json!({"webhookUrl": format!("{}/api/webhooks/123/tok-not-real", mock.uri())}),
    )
    .await;
    let deliveries = send_texts(&app, &id, 2).await;
    let starts = starts_of(&app, &deliveries).await;
    // Discord's fixed spacing alone is 400 ms; the headers say 1.5 s. The
    // second send had already reserved its slot when the first's answer
    // came, so this also proves the hold is checked after waiting.
    assert!(
        starts[1] - starts[0] >= chrono::TimeDelta::milliseconds(1450),
        "sends {} apart",
        starts[1] - starts[0]
    );
    // Held, not rejected: no 429 was provoked and nothing was retried.
    assert_eq!(mock.received_requests().await.unwrap().len(), 2);
}
both!(an_emptied_discord_bucket_holds_the_next_send);

async fn listing_and_metrics(backend: Backend) {
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hooks/ok"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&mock)
        .await;
    let Some(app) = spawn(backend, &mock, &[]).await else {
        return;
    };
    let id = webhook(&app, &mock, "/hooks/ok").await;
    let mut sent = Vec::new();
    for n in 0..3 {
        let res = send(&app, &id, "?wait=true", json!({"data": {"n": n}})).await;
        sent.push(
            res.json::<Value>().await.unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let page: Value = app
        .admin(
            Method::GET,
            &format!("/api/integrations/{id}/deliveries?limit=2"),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let data = page["data"].as_array().unwrap();
    assert_eq!(data.len(), 2);
    // Newest first.
    assert_eq!(data[0]["id"], sent[2].as_str());
    let cursor = page["nextCursor"].as_str().unwrap();
    let page: Value = app
        .admin(
            Method::GET,
            &format!("/api/integrations/{id}/deliveries?limit=2&cursor={cursor}"),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["data"].as_array().unwrap().len(), 1);
    assert_eq!(page["data"][0]["id"], sent[0].as_str());
    assert!(page["nextCursor"].is_null());
    for d in &sent {
        wait_final(&app, d).await;
    }

    let res = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let text = res.text().await.unwrap();
    for needle in [
        "patchbay_deliveries_total{type=\"webhook\",outcome=\"delivered\"} 3",
        "patchbay_delivery_attempts_total{type=\"webhook\",outcome=\"delivered\"} 3",
        "patchbay_delivery_attempt_duration_seconds_count{type=\"webhook\"} 3",
        "# TYPE patchbay_delivery_queue_depth gauge",
        "patchbay_http_requests_total{method=\"POST\",route=\"/api/integrations/{integrationId}/send\",status=\"202\"} 3",
    ] {
        assert!(text.contains(needle), "missing {needle} in\n{text}");
    }
}
both!(listing_and_metrics);

async fn scheduled_retest_sets_health(backend: Backend) {
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hooks/ok"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&mock)
        .await;
    let Some(app) = spawn(
        backend,
        &mock,
        &[("PATCHBAY__DELIVERY__RETEST_INTERVAL_SECS", "1")],
    )
    .await
    else {
        return;
    };
    let id = webhook(&app, &mock, "/hooks/ok").await;
    let mut health = Value::Null;
    for _ in 0..100 {
        health = app
            .admin(Method::GET, &format!("/api/integrations/{id}/health"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if health["status"] == "healthy" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(health["status"], "healthy", "{health}");
    assert!(
        health["reason"]
            .as_str()
            .unwrap()
            .contains("credential test"),
        "{health}"
    );
    // The re-test really called the endpoint, with no send asked for.
    let received = mock.received_requests().await.unwrap();
    assert!(!received.is_empty());
}
both!(scheduled_retest_sets_health);

async fn a_repeat_while_the_first_is_answered_is_409(backend: Backend) {
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hooks/slow"))
        .respond_with(ResponseTemplate::new(204).set_delay(Duration::from_millis(1500)))
        .mount(&mock)
        .await;
    let Some(app) = spawn(backend, &mock, &[]).await else {
        return;
    };
    let id = webhook(&app, &mock, "/hooks/slow").await;
    let body = json!({"data": {"n": 1}});
    let first = app
        .admin(
            Method::POST,
            &format!("/api/integrations/{id}/send?wait=true"),
        )
        .header("Idempotency-Key", "wait-1")
        .json(&body)
        .send();
    let first = tokio::spawn(first);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let res = app
        .admin(Method::POST, &format!("/api/integrations/{id}/send"))
        .header("Idempotency-Key", "wait-1")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    assert_eq!(res.headers()["retry-after"], "1");
    let first = first.await.unwrap().unwrap();
    assert_eq!(first.status(), 202);
    let first: Value = first.json().await.unwrap();
    assert_eq!(first["status"], "delivered", "{first}");
    assert_eq!(first["firstAttempt"]["outcome"], "delivered", "{first}");
    // Answered: a repeat now replays it.
    let res = app
        .admin(Method::POST, &format!("/api/integrations/{id}/send"))
        .header("Idempotency-Key", "wait-1")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    assert_eq!(res.headers()["idempotent-replayed"], "true");
    let again: Value = res.json().await.unwrap();
    assert_eq!(again["id"], first["id"]);
    assert_eq!(mock.received_requests().await.unwrap().len(), 1);
}
both!(a_repeat_while_the_first_is_answered_is_409);
