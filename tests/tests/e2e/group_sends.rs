//! Sending to integration groups with the real workers, on both databases:
//! failover moves on after server errors within the group's bounds and at
//! once after a permanent failure, passes over an unhealthy member, fails
//! only when every member failed (each with its reason); broadcast reaches
//! every member and counts them; idempotent repeats and concurrent sends;
//! the one case in which two members both deliver.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{Client, SENDGRID_KEY, TestApp, TestDatabase, id_of, on_both_backends};

on_both_backends!(
    failover_moves_on_after_server_errors_within_the_bound,
    a_revoked_or_gone_member_hands_over_at_once,
    an_unhealthy_member_is_passed_over,
    the_send_fails_only_when_every_member_failed,
    broadcast_counts_every_member,
    a_member_that_cannot_carry_the_message_is_named,
    a_repeat_with_the_same_key_is_the_same_send,
    concurrent_group_sends_each_deliver_once,
    a_timed_out_attempt_that_arrived_is_delivered_twice,
    the_retention_purge_takes_a_send_only_once_it_finished,
);

/// Webhook endpoints by behaviour, and SendGrid's send endpoint.
async fn endpoints() -> MockServer {
    let server = MockServer::start().await;
    let answers = [
        ("/hooks/ok-a", ResponseTemplate::new(204)),
        ("/hooks/ok-b", ResponseTemplate::new(204)),
        ("/hooks/broken", ResponseTemplate::new(500)),
        ("/hooks/revoked", ResponseTemplate::new(401)),
        ("/hooks/gone", ResponseTemplate::new(410)),
        (
            "/hooks/slow",
            ResponseTemplate::new(200).set_delay(Duration::from_millis(2500)),
        ),
        (
            "/sendgrid/v3/mail/send",
            ResponseTemplate::new(202).insert_header("X-Message-Id", "sg-msg-1"),
        ),
    ];
    for (route, answer) in answers {
        Mock::given(method("POST"))
            .and(path(route))
            .respond_with(answer)
            .mount(&server)
            .await;
    }
    server
}

/// Requests each path received.
async fn hits(mock: &MockServer) -> BTreeMap<String, usize> {
    let mut seen = BTreeMap::new();
    for r in mock.received_requests().await.unwrap_or_default() {
        *seen.entry(r.url.path().to_string()).or_default() += 1;
    }
    seen
}

async fn hits_of(mock: &MockServer, route: &str) -> usize {
    hits(mock).await.get(route).copied().unwrap_or(0)
}

/// The `data` members a path received, in order.
async fn data_at(mock: &MockServer, route: &str) -> Vec<Value> {
    mock.received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.url.path() == route)
        .map(|r| serde_json::from_slice::<Value>(&r.body).unwrap()["data"].clone())
        .collect()
}

async fn hook(admin: &Client, mock: &MockServer, route: &str) -> String {
    admin
        .create_integration_of(
            "webhook",
            json!({"url": format!("{}/hooks/{route}", mock.uri())}),
        )
        .await
}

fn at(v: &Value) -> DateTime<Utc> {
    v.as_str().unwrap().parse().unwrap()
}

/// The route's steps by integration id.
fn step<'a>(send: &'a Value, integration: &str) -> &'a Value {
    send["route"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["integrationId"] == integration)
        .unwrap_or_else(|| panic!("no step for {integration}: {send}"))
}

async fn send(admin: &Client, group: &str, message: Value) -> (String, Value) {
    let accepted = admin.send_to_group(group, &message).await;
    let body = accepted.ok(202);
    let id = id_of(&body);
    assert_eq!(
        accepted.header("location"),
        Some(format!("/api/integration-groups/{group}/sends/{id}"))
    );
    (id, body)
}

async fn failover_moves_on_after_server_errors_within_the_bound(db: TestDatabase) {
    let mock = endpoints().await;
    let app = TestApp::spawn_delivering_to(db, &mock, &[]).await;
    let admin = app.admin();
    let broken = hook(&admin, &mock, "broken").await;
    let ok = hook(&admin, &mock, "ok-a").await;
    let group = admin
        .create_group_of(
            "failover",
            &[&broken, &ok],
            json!({"attempts": 2, "afterSecs": 10}),
        )
        .await;
    let (id, accepted) = send(&admin, &group, json!({"data": {"n": 1}})).await;
    assert!(id.starts_with("snd_"), "{accepted}");
    assert_eq!(accepted["strategy"], "failover");
    assert_eq!(accepted["status"], "sending");
    assert_eq!(accepted["deliveries"].as_array().unwrap().len(), 1);
    assert_eq!(accepted["deliveries"][0]["integrationId"], broken);
    assert_eq!(accepted["route"][0]["integrationId"], broken);
    assert_eq!(accepted["route"][0]["state"], "sending");
    assert_eq!(accepted["route"][1]["state"], "waiting");

    let done = admin.wait_for_group_send(&group, &id).await;
    assert_eq!(done["status"], "delivered", "{done}");
    assert_eq!(
        done["counts"],
        json!({"delivered": 1, "failed": 1, "pending": 0, "unused": 0})
    );
    let first = step(&done, &broken);
    assert_eq!(first["state"], "failed");
    let reason = first["reason"].as_str().unwrap();
    assert!(
        reason.contains("not delivered after 2 attempts"),
        "{reason}"
    );
    assert!(
        reason.contains(&ok),
        "the reason names the next member: {reason}"
    );
    let second = step(&done, &ok);
    assert_eq!(second["state"], "delivered");
    assert!(
        second["note"].as_str().unwrap().contains(&broken),
        "{second}"
    );
    // Delivered within the group's bound of 10 s.
    let took = at(&done["completedAt"]) - at(&done["createdAt"]);
    assert!(took < chrono::TimeDelta::seconds(10), "took {took}");
    // Two attempts through the primary, then one through the secondary.
    assert_eq!(hits_of(&mock, "/hooks/broken").await, 2);
    assert_eq!(hits_of(&mock, "/hooks/ok-a").await, 1);

    // Each member's delivery stays readable, and says what became of it.
    let deliveries = done["deliveries"].as_array().unwrap();
    assert_eq!(deliveries.len(), 2);
    let given_up = admin
        .get_delivery(deliveries[0]["id"].as_str().unwrap())
        .await
        .ok(200);
    assert_eq!(given_up["integrationId"], broken);
    assert_eq!(given_up["status"], "failed");
    assert_eq!(given_up["lastCode"], "handed_off");
    assert_eq!(given_up["attemptCount"], 2);
    assert_eq!(given_up["groupSendId"], id);
    // Its remaining retries were cancelled: it is not retried by hand either.
    admin
        .retry_delivery(deliveries[0]["id"].as_str().unwrap())
        .await
        .problem(409, "not-retryable");
    let delivered = admin
        .get_delivery(deliveries[1]["id"].as_str().unwrap())
        .await
        .ok(200);
    assert_eq!(delivered["status"], "delivered");
    assert_eq!(delivered["groupSendId"], id);

    let metrics = admin.metrics().await.text();
    assert!(
        metrics.contains(r#"patchbay_group_failovers_total{type="webhook",cause="attempts"} 1"#),
        "{metrics}"
    );
}

async fn a_revoked_or_gone_member_hands_over_at_once(db: TestDatabase) {
    let mock = endpoints().await;
    let app = TestApp::spawn_delivering_to(db, &mock, &[]).await;
    let admin = app.admin();
    let revoked = hook(&admin, &mock, "revoked").await;
    let gone = hook(&admin, &mock, "gone").await;
    let ok = hook(&admin, &mock, "ok-a").await;
    let group = admin
        .create_group_of("failover", &[&revoked, &gone, &ok], json!({"attempts": 5}))
        .await;
    let (id, _) = send(&admin, &group, json!({"data": {"n": 1}})).await;
    let done = admin.wait_for_group_send(&group, &id).await;
    assert_eq!(done["status"], "delivered", "{done}");
    // One attempt each: a permanent failure does not wait for the bounds.
    assert_eq!(hits_of(&mock, "/hooks/revoked").await, 1);
    assert_eq!(hits_of(&mock, "/hooks/gone").await, 1);
    assert_eq!(hits_of(&mock, "/hooks/ok-a").await, 1);
    for member in [&revoked, &gone] {
        let s = step(&done, member);
        assert_eq!(s["state"], "failed");
        assert!(
            s["reason"]
                .as_str()
                .unwrap()
                .starts_with("failed permanently"),
            "{s}"
        );
    }
    // The tried order is the route's order.
    let order: Vec<&str> = done["route"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["integrationId"].as_str().unwrap())
        .collect();
    assert_eq!(order, [revoked.as_str(), gone.as_str(), ok.as_str()]);
    let metrics = admin.metrics().await.text();
    assert!(
        metrics.contains(r#"patchbay_group_failovers_total{type="webhook",cause="permanent"} 2"#),
        "{metrics}"
    );
}

async fn an_unhealthy_member_is_passed_over(db: TestDatabase) {
    let mock = endpoints().await;
    let app = TestApp::spawn_delivering_to(db, &mock, &[]).await;
    let admin = app.admin();
    let gone = hook(&admin, &mock, "gone").await;
    let ok = hook(&admin, &mock, "ok-a").await;
    // A delivery to a gone endpoint makes the integration unhealthy.
    let direct = admin
        .send(&gone, &json!({"data": {"n": 0}}))
        .await
        .expect(202);
    admin.wait_for_delivery(&id_of(&direct)).await;
    let health = admin.integration_health(&gone).await.ok(200);
    assert_eq!(health["status"], "unhealthy", "{health}");

    let group = admin
        .create_group_of("failover", &[&gone, &ok], Value::Null)
        .await;
    let (id, accepted) = send(&admin, &group, json!({"data": {"n": 1}})).await;
    assert_eq!(accepted["deliveries"][0]["integrationId"], ok, "{accepted}");
    let done = admin.wait_for_group_send(&group, &id).await;
    assert_eq!(done["status"], "delivered");
    let skipped = step(&done, &gone);
    assert_eq!(skipped["state"], "unused", "{done}");
    assert!(
        skipped["note"]
            .as_str()
            .unwrap()
            .starts_with("passed over for now: unhealthy"),
        "{skipped}"
    );
    assert_eq!(skipped["deliveryId"], Value::Null);
    assert_eq!(
        hits_of(&mock, "/hooks/gone").await,
        1,
        "only the direct send"
    );

    // When every member is unhealthy, the first is tried all the same.
    let alone = admin
        .create_group_of("failover", &[&gone], Value::Null)
        .await;
    let (id, accepted) = send(&admin, &alone, json!({"data": {"n": 2}})).await;
    assert!(
        accepted["route"][0]["note"]
            .as_str()
            .unwrap()
            .contains("every member left is unhealthy"),
        "{accepted}"
    );
    let done = admin.wait_for_group_send(&alone, &id).await;
    assert_eq!(done["status"], "failed");
    assert_eq!(hits_of(&mock, "/hooks/gone").await, 2);
}

async fn the_send_fails_only_when_every_member_failed(db: TestDatabase) {
    let mock = endpoints().await;
    let app = TestApp::spawn_delivering_to(db, &mock, &[]).await;
    let admin = app.admin();
    let gone = hook(&admin, &mock, "gone").await;
    let off = hook(&admin, &mock, "ok-b").await;
    let broken = hook(&admin, &mock, "broken").await;
    admin
        .update_integration(&off, &json!({"status": "inactive"}))
        .await
        .ok(200);
    let group = admin
        .create_group_of("failover", &[&gone, &off, &broken], json!({"attempts": 1}))
        .await;
    let (id, accepted) = send(&admin, &group, json!({"data": {"n": 1}})).await;
    // The inactive member cannot send: its step fails at once.
    assert_eq!(step(&accepted, &off)["state"], "failed", "{accepted}");
    let done = admin.wait_for_group_send(&group, &id).await;
    assert_eq!(done["status"], "failed", "{done}");
    assert_eq!(
        done["counts"],
        json!({"delivered": 0, "failed": 3, "pending": 0, "unused": 0})
    );
    assert!(done["completedAt"].is_string());
    let reason = |member: &str| step(&done, member)["reason"].as_str().unwrap().to_string();
    assert!(reason(&gone).starts_with("failed permanently"), "{done}");
    assert_eq!(reason(&off), "the integration is inactive");
    assert!(!reason(&broken).is_empty());
    // The last member left keeps its own retries (3 here), past the
    // group's bound of 1: nothing else could deliver the message.
    assert_eq!(hits_of(&mock, "/hooks/broken").await, 3);
    assert_eq!(hits_of(&mock, "/hooks/ok-b").await, 0);

    // A group none of whose members can send refuses the message.
    let idle = admin
        .create_group_of("broadcast", &[&off], Value::Null)
        .await;
    let p = admin
        .send_to_group(&idle, &json!({"data": {}}))
        .await
        .problem(409, "inactive");
    assert!(p["detail"].as_str().unwrap().contains(&off), "{p}");
}

async fn broadcast_counts_every_member(db: TestDatabase) {
    let mock = endpoints().await;
    let app = TestApp::spawn_delivering_to(db, &mock, &[]).await;
    let admin = app.admin();
    let a = hook(&admin, &mock, "ok-a").await;
    let gone = hook(&admin, &mock, "gone").await;
    let b = hook(&admin, &mock, "ok-b").await;
    let group = admin
        .create_group_of("broadcast", &[&a, &gone, &b], Value::Null)
        .await;
    let (id, accepted) = send(&admin, &group, json!({"data": {"n": 1}})).await;
    assert_eq!(accepted["deliveries"].as_array().unwrap().len(), 3);
    let done = admin.wait_for_group_send(&group, &id).await;
    assert_eq!(done["status"], "partially_delivered", "{done}");
    assert_eq!(
        done["counts"],
        json!({"delivered": 2, "failed": 1, "pending": 0, "unused": 0})
    );
    for (member, state) in [(&a, "delivered"), (&gone, "failed"), (&b, "delivered")] {
        let s = step(&done, member);
        assert_eq!(s["state"], state, "{s}");
        let d = admin
            .get_delivery(s["deliveryId"].as_str().unwrap())
            .await
            .ok(200);
        assert_eq!(d["status"], state);
    }
    for route in ["/hooks/ok-a", "/hooks/gone", "/hooks/ok-b"] {
        assert_eq!(hits_of(&mock, route).await, 1, "{route}");
    }

    // An email member and a webhook member: each uses the parts it can
    // carry, and `to` is no mistake for the webhook.
    let email = admin
        .create_integration_of(
            "sendgrid",
            json!({"apiKey": SENDGRID_KEY, "fromEmail": "alerts@example.com"}),
        )
        .await;
    let mixed = admin
        .create_group_of("broadcast", &[&email, &a], Value::Null)
        .await;
    let (id, _) = send(
        &admin,
        &mixed,
        json!({"to": ["ops@example.com"], "subject": "Disk", "text": "full", "data": {"n": 2}}),
    )
    .await;
    let done = admin.wait_for_group_send(&mixed, &id).await;
    assert_eq!(done["status"], "delivered", "{done}");
    assert_eq!(hits_of(&mock, "/sendgrid/v3/mail/send").await, 1);
}

async fn a_member_that_cannot_carry_the_message_is_named(db: TestDatabase) {
    let mock = endpoints().await;
    let app = TestApp::spawn_delivering_to(db, &mock, &[]).await;
    let admin = app.admin();
    let a = hook(&admin, &mock, "ok-a").await;
    let email = admin
        .create_integration_of(
            "sendgrid",
            json!({"apiKey": SENDGRID_KEY, "fromEmail": "alerts@example.com"}),
        )
        .await;
    let group = admin
        .create_group_of("failover", &[&a, &email], Value::Null)
        .await;
    let refused = admin.send_to_group(&group, &json!({"text": "hi"})).await;
    assert_eq!(refused.fields(), ["subject", "to"]);
    let text = refused.text();
    assert!(text.contains(&email) && text.contains("member 2"), "{text}");
    // Nothing was queued.
    let listed = admin.list_deliveries(&a, "").await.ok(200);
    assert_eq!(listed["data"], json!([]));
    assert_eq!(hits_of(&mock, "/hooks/ok-a").await, 0);
}

async fn a_repeat_with_the_same_key_is_the_same_send(db: TestDatabase) {
    let mock = endpoints().await;
    let app = TestApp::spawn_delivering_to(db, &mock, &[]).await;
    let admin = app.admin();
    let a = hook(&admin, &mock, "ok-a").await;
    let b = hook(&admin, &mock, "ok-b").await;
    let group = admin
        .create_group_of("broadcast", &[&a, &b], Value::Null)
        .await;
    let keyed = admin.idempotency_key("incident-7");
    let message = json!({"data": {"incident": 7}});
    let first = keyed.send_to_group(&group, &message).await;
    let first_id = id_of(&first.ok(202));
    assert_eq!(first.header("idempotent-replayed"), None);
    // Concurrent repeats all answer the first send.
    let mut repeats = Vec::new();
    for _ in 0..10 {
        let keyed = keyed.clone();
        let (group, message) = (group.clone(), message.clone());
        repeats.push(tokio::spawn(async move {
            keyed.send_to_group(&group, &message).await
        }));
    }
    for r in repeats {
        let again = r.await.unwrap();
        assert_eq!(id_of(&again.ok(202)), first_id);
        assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    }
    keyed
        .send_to_group(&group, &json!({"data": {"incident": 8}}))
        .await
        .problem(422, "validation");
    let done = admin.wait_for_group_send(&group, &first_id).await;
    assert_eq!(done["status"], "delivered");
    assert_eq!(hits_of(&mock, "/hooks/ok-a").await, 1);
    assert_eq!(hits_of(&mock, "/hooks/ok-b").await, 1);
    // The same key for an integration send is another request.
    keyed.send(&a, &message).await.problem(422, "validation");
}

async fn concurrent_group_sends_each_deliver_once(db: TestDatabase) {
    let mock = endpoints().await;
    let app = TestApp::spawn_delivering_to(db, &mock, &[]).await;
    let admin = app.admin();
    let a = hook(&admin, &mock, "ok-a").await;
    let b = hook(&admin, &mock, "ok-b").await;
    let broken = hook(&admin, &mock, "broken").await;
    let wide = admin
        .create_group_of("broadcast", &[&a, &b], Value::Null)
        .await;
    let chain = admin
        .create_group_of("failover", &[&broken, &a], json!({"attempts": 1}))
        .await;
    let n = 15;
    let mut tasks = Vec::new();
    for i in 0..n {
        for group in [&wide, &chain] {
            let (admin, group) = (admin.clone(), group.clone());
            tasks.push(tokio::spawn(async move {
                let (id, _) = send(&admin, &group, json!({"data": {"n": i, "group": group}})).await;
                (group, id)
            }));
        }
    }
    let mut sends = Vec::new();
    for t in tasks {
        sends.push(t.await.unwrap());
    }
    for (group, id) in &sends {
        let done = admin.wait_for_group_send(group, id).await;
        assert_eq!(done["status"], "delivered", "{done}");
    }
    // Every message once per member that delivered it.
    let at_a = data_at(&mock, "/hooks/ok-a").await;
    let at_b = data_at(&mock, "/hooks/ok-b").await;
    assert_eq!(at_a.len(), 2 * n, "broadcast and failover both reach ok-a");
    assert_eq!(at_b.len(), n);
    let distinct: BTreeSet<String> = at_a.iter().map(Value::to_string).collect();
    assert_eq!(distinct.len(), 2 * n, "no message twice");
    assert_eq!(hits_of(&mock, "/hooks/broken").await, n);
}

async fn a_timed_out_attempt_that_arrived_is_delivered_twice(db: TestDatabase) {
    let mock = endpoints().await;
    let app = TestApp::spawn_delivering_to(db, &mock, &[]).await;
    let admin = app.admin();
    let slow = hook(&admin, &mock, "slow").await;
    let ok = hook(&admin, &mock, "ok-a").await;
    let group = admin
        .create_group_of(
            "failover",
            &[&slow, &ok],
            json!({"attempts": 3, "afterSecs": 1}),
        )
        .await;
    let (id, _) = send(&admin, &group, json!({"data": {"n": 1}})).await;
    let done = admin.wait_for_group_send(&group, &id).await;
    assert_eq!(done["status"], "delivered", "{done}");
    let cut = step(&done, &slow);
    assert_eq!(cut["state"], "failed");
    let reason = cut["reason"].as_str().unwrap();
    assert!(reason.contains("in time"), "{reason}");
    // The cut-off attempt had reached the endpoint, which accepted it after
    // the group had moved on: both members delivered the message.
    assert_eq!(data_at(&mock, "/hooks/slow").await, [json!({"n": 1})]);
    assert_eq!(data_at(&mock, "/hooks/ok-a").await, [json!({"n": 1})]);
}

/// The retention purge deletes a finished group send with its members'
/// deliveries, but leaves an unfinished one whole, even its members that
/// have finished: a route never names a purged delivery.
async fn the_retention_purge_takes_a_send_only_once_it_finished(db: TestDatabase) {
    use patchbay_domain::delivery::DeliveryStore;

    let mock = endpoints().await;
    let app = TestApp::spawn_delivering_to(db, &mock, &[]).await;
    let admin = app.admin();
    let ok_a = hook(&admin, &mock, "ok-a").await;
    let ok_b = hook(&admin, &mock, "ok-b").await;
    let slow = hook(&admin, &mock, "slow").await;
    let done_group = admin
        .create_group_of("failover", &[&ok_a], Value::Null)
        .await;
    let open_group = admin
        .create_group_of("broadcast", &[&ok_b, &slow], Value::Null)
        .await;
    let (done_id, _) = send(&admin, &done_group, json!({"data": {"n": 1}})).await;
    let done = admin.wait_for_group_send(&done_group, &done_id).await;
    assert_eq!(done["status"], "delivered", "{done}");
    let (open_id, _) = send(&admin, &open_group, json!({"data": {"n": 2}})).await;
    // Wait until the fast member delivered while the slow one is in flight.
    let fast = loop {
        let s = admin.get_group_send(&open_group, &open_id).await.ok(200);
        if step(&s, &ok_b)["state"] == "delivered" {
            assert_ne!(s["status"], "delivered", "{s}");
            break step(&s, &ok_b)["deliveryId"].as_str().unwrap().to_string();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };

    let cutoff = Utc::now() + chrono::TimeDelta::seconds(1);
    let purged = app.app_store.purge_finished(cutoff, 100).await.unwrap();
    assert_eq!(purged, 2, "the finished send and its one delivery only");
    admin
        .get_group_send(&done_group, &done_id)
        .await
        .problem(404, "not-found");
    let member = done["deliveries"][0]["id"].as_str().unwrap();
    admin.get_delivery(member).await.problem(404, "not-found");
    admin.get_group_send(&open_group, &open_id).await.ok(200);
    admin.get_delivery(&fast).await.ok(200);
}
