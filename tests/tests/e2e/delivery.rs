//! Sending through the real app and its delivery workers, on both
//! databases, against local mock providers: every sendable type is
//! delivered in one attempt, refusals are clear problems before anything is
//! queued, and deliveries are listed and counted in the metrics.

use serde_json::{Value, json};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::mocks::{self, TELEGRAM_TOKEN};
use crate::helpers::{TestApp, TestDatabase, id_of, on_both_backends};

on_both_backends!(
    every_sendable_type_delivers,
    refusals_are_clear_problems,
    deliveries_are_listed_newest_first_and_counted_in_metrics,
    a_slow_integration_holds_only_its_share_of_the_workers,
);

async fn every_sendable_type_delivers(db: TestDatabase) {
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
    let app = TestApp::spawn_delivering_to(db, &mock, &[]).await;
    let admin = app.admin();
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
        let id = admin.create_integration_of(kind, config).await;
        let r = admin.send_and_wait(&id, &message).await;
        assert_eq!(r.status, 202, "{kind}");
        let location = r.header("location").unwrap();
        let body = r.json();
        let delivery_id = id_of(&body);
        assert!(delivery_id.starts_with("dlv_"), "{body}");
        assert_eq!(location, format!("/api/deliveries/{delivery_id}"));
        assert_eq!(body["integrationId"], id.as_str());
        assert_eq!(body["type"], kind);
        let d = admin.wait_for_delivery(&delivery_id).await;
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
    let id = admin
        .create_integration_of(
            "web3",
            json!({"rpcUrl": format!("{base}/rpc"), "chainId": 1}),
        )
        .await;
    let problem = admin.send(&id, &json!({"text": "hi"})).await.expect(422);
    assert!(
        problem["detail"].as_str().unwrap().contains("web3"),
        "{problem}"
    );
}

async fn refusals_are_clear_problems(db: TestDatabase) {
    let mock = MockServer::start().await;
    let app = TestApp::spawn_delivering_to(db, &mock, &[]).await;
    let admin = app.admin();
    // A message the type cannot carry: email without recipient or subject.
    let id = admin
        .create_integration_of(
            "resend",
            json!({"apiKey": "re_key", "from": "ops@example.com"}),
        )
        .await;
    let r = admin.send(&id, &json!({"text": "hi"})).await;
    let fields = r.error_fields();
    assert!(
        fields.iter().any(|f| f == "to") && fields.iter().any(|f| f == "subject"),
        "{}",
        r.text()
    );
    // Unknown members are refused.
    let r = admin.send(&id, &json!({"text": "hi", "cc": ["x"]})).await;
    assert_eq!(r.status, 422);
    // Inactive integrations refuse sends.
    let hook = admin
        .create_integration_of(
            "webhook",
            json!({"url": format!("{}/hooks/ok", mock.uri())}),
        )
        .await;
    // Never tested, nothing delivered (and no scheduled re-test in tests).
    let health = admin.integration_health(&hook).await.json();
    assert_eq!(health["status"], "unknown", "{health}");
    let r = admin
        .update_integration(&hook, &json!({"status": "inactive"}))
        .await;
    assert_eq!(r.status, 200);
    let problem = admin
        .send(&hook, &json!({"data": {"a": 1}}))
        .await
        .problem(409, "inactive");
    assert!(
        problem["detail"].as_str().unwrap().contains("inactive"),
        "{problem}"
    );
    // Unknown integration, unknown delivery, another organization's.
    let r = admin
        .send("int_01jabcdefghjkmnpqrstvwxyz0", &json!({"text": "hi"}))
        .await;
    assert_eq!(r.status, 404);
    let r = admin.get_delivery("dlv_01jabcdefghjkmnpqrstvwxyz0").await;
    assert_eq!(r.status, 404);
    let other = app.with_key(&app.key_for("other-org", "read,test").await);
    assert_eq!(other.send(&id, &json!({"text": "hi"})).await.status, 404);
    // A read-only key may not send.
    let reader = app.with_key(&app.key_for("default", "read").await);
    assert_eq!(reader.send(&hook, &json!({"text": "hi"})).await.status, 403);
}

async fn deliveries_are_listed_newest_first_and_counted_in_metrics(db: TestDatabase) {
    let mock = mocks::endpoint("/hooks/ok", ResponseTemplate::new(204)).await;
    let app = TestApp::spawn_delivering_to(db, &mock, &[]).await;
    let admin = app.admin();
    let id = admin
        .create_integration_of(
            "webhook",
            json!({"url": format!("{}/hooks/ok", mock.uri())}),
        )
        .await;
    let mut sent = Vec::new();
    for n in 0..3 {
        let r = admin.send_and_wait(&id, &json!({"data": {"n": n}})).await;
        sent.push(id_of(&r.json()));
    }
    let page = admin.list_deliveries(&id, "limit=2").await.json();
    let data = page["data"].as_array().unwrap();
    assert_eq!(data.len(), 2);
    // Newest first.
    assert_eq!(data[0]["id"], sent[2].as_str());
    let cursor = page["nextCursor"].as_str().unwrap();
    let page = admin
        .list_deliveries(&id, &format!("limit=2&cursor={cursor}"))
        .await
        .json();
    assert_eq!(page["data"].as_array().unwrap().len(), 1);
    assert_eq!(page["data"][0]["id"], sent[0].as_str());
    assert!(page["nextCursor"].is_null());
    for d in &sent {
        admin.wait_for_delivery(d).await;
    }

    let r = app.anonymous().metrics().await;
    assert_eq!(r.status, 200);
    let text = r.text();
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

/// Postgres: a send accepted by an instance without workers wakes the
/// workers of another instance on the same database at once (LISTEN/NOTIFY),
/// not at their next poll. The poll here is ten minutes apart, so a
/// delivery within the wait below can only come from the notification; a
/// group send and a bulk send wake them as well.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_accepted_by_another_instance_wakes_the_workers() {
    let Some(db) = TestDatabase::postgres() else {
        return;
    };
    let mock = mocks::slack_and_webhooks().await;
    let slow_poll = [("PATCHBAY__DELIVERY__POLL_INTERVAL_MS", "600000")];
    let app = TestApp::spawn_delivering_to(db, &mock, &slow_poll).await;
    let api_only = mocks::delivery_settings(
        &mock,
        &[
            ("PATCHBAY__DELIVERY__POLL_INTERVAL_MS", "600000"),
            ("PATCHBAY__DELIVERY__WORKERS_ENABLED", "false"),
        ],
    );
    let peer = app.spawn_peer(&mocks::borrowed(&api_only)).await;
    let admin = app.admin();
    let hook = admin
        .create_integration_of(
            "webhook",
            json!({"url": format!("{}/hooks/ok", mock.uri())}),
        )
        .await;
    let group = admin
        .create_group_of("broadcast", &[&hook], Value::Null)
        .await;
    // Let the workers' first claim (at start) pass, so that only a wake-up
    // can make them claim again.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let through_peer = peer.with_key(&app.admin_key);
    let single = id_of(
        &through_peer
            .send(&hook, &json!({"data": {"n": 1}}))
            .await
            .ok(202),
    );
    let send = id_of(
        &through_peer
            .send_to_group(&group, &json!({"data": {"n": 2}}))
            .await
            .ok(202),
    );
    let bulk = through_peer
        .send_bulk(json!([{"integrationId": hook, "message": {"data": {"n": 3}}}]))
        .await
        .ok(200);
    let bulk = bulk["results"][0]["delivery"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let bound = std::time::Duration::from_secs(20);
    let started = std::time::Instant::now();
    for id in [&single, &bulk] {
        let done = admin.wait_for_delivery(id).await;
        assert_eq!(done["status"], "delivered", "{done}");
    }
    let done = admin.wait_for_group_send(&group, &send).await;
    assert_eq!(done["status"], "delivered", "{done}");
    assert!(
        started.elapsed() < bound,
        "delivered only after {:?}: the workers were not woken",
        started.elapsed()
    );
}

/// A slow endpoint holds at most `integration_concurrency` of the workers'
/// slots: with twelve messages waiting for an endpoint that answers after
/// 2 s, three go out at a time, and a message to another integration is
/// delivered at once instead of after the slow ones.
async fn a_slow_integration_holds_only_its_share_of_the_workers(db: TestDatabase) {
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hooks/slow"))
        .respond_with(ResponseTemplate::new(204).set_delay(std::time::Duration::from_secs(2)))
        .mount(&mock)
        .await;
    Mock::given(method("POST"))
        .and(path("/hooks/ok"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&mock)
        .await;
    let app = TestApp::spawn_delivering_to(
        db,
        &mock,
        &[("PATCHBAY__DELIVERY__INTEGRATION_CONCURRENCY", "3")],
    )
    .await;
    let admin = app.admin();
    let hook = |route: &'static str| {
        let admin = admin.clone();
        let url = format!("{}/hooks/{route}", mock.uri());
        async move {
            admin
                .create_integration_of("webhook", json!({"url": url}))
                .await
        }
    };
    let slow = hook("slow").await;
    let ok = hook("ok").await;
    let messages: Vec<Value> = (0..12).map(|n| json!({"data": {"n": n}})).collect();
    let slow_ids = admin.send_all(&slow, &messages).await;
    let fast = id_of(&admin.send(&ok, &json!({"data": {"n": 99}})).await.ok(202));
    let fast = admin.wait_for_delivery(&fast).await;
    assert_eq!(fast["status"], "delivered", "{fast}");
    let slow_hits = |requests: Vec<wiremock::Request>| {
        requests
            .iter()
            .filter(|r| r.url.path() == "/hooks/slow")
            .count()
    };
    let so_far = slow_hits(mock.received_requests().await.unwrap_or_default());
    assert!(so_far <= 3, "{so_far} slow attempts in flight at once");

    let mut first_slow_done: Option<String> = None;
    for id in &slow_ids {
        let d = admin.wait_for_delivery(id).await;
        assert_eq!(d["status"], "delivered", "{d}");
        let done = d["completedAt"].as_str().unwrap().to_string();
        if first_slow_done.as_ref().is_none_or(|f| &done < f) {
            first_slow_done = Some(done);
        }
    }
    let fast_done = fast["completedAt"].as_str().unwrap();
    assert!(
        fast_done < first_slow_done.unwrap().as_str(),
        "the fast integration waited for the slow one"
    );
    // Each slow message once: the ones put back were not sent twice.
    assert_eq!(
        slow_hits(mock.received_requests().await.unwrap_or_default()),
        12
    );
}
