//! Bulk sends on both databases, with the real workers: every item is
//! answered on its own and in order (accepted with its delivery or group
//! send, or refused with the problem its single send would answer), the
//! accepted ones are delivered, per-item keys replay, and the request's own
//! limits and scopes.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{Client, SENDGRID_KEY, TestApp, TestDatabase, on_both_backends};

on_both_backends!(
    each_item_is_answered_in_order_and_the_accepted_are_delivered,
    item_keys_replay_within_and_across_requests,
    the_request_is_bounded_and_scoped,
);

async fn endpoints() -> MockServer {
    let server = MockServer::start().await;
    for route in ["/hooks/a", "/hooks/b", "/hooks/c"] {
        Mock::given(method("POST"))
            .and(path(route))
            .respond_with(ResponseTemplate::new(204))
            .mount(&server)
            .await;
    }
    server
}

async fn hook(admin: &Client, mock: &MockServer, route: &str) -> String {
    admin
        .create_integration_of(
            "webhook",
            json!({"url": format!("{}/hooks/{route}", mock.uri())}),
        )
        .await
}

/// The `data.n` each path received.
async fn received(mock: &MockServer) -> BTreeMap<String, Vec<i64>> {
    let mut seen: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for r in mock.received_requests().await.unwrap_or_default() {
        let body: Value = serde_json::from_slice(&r.body).unwrap();
        if let Some(n) = body["data"]["n"].as_i64() {
            seen.entry(r.url.path().to_string()).or_default().push(n);
        }
    }
    for ns in seen.values_mut() {
        ns.sort_unstable();
    }
    seen
}

fn result(body: &Value, index: usize) -> &Value {
    let r = &body["results"][index];
    assert_eq!(r["index"], index, "{body}");
    r
}

async fn each_item_is_answered_in_order_and_the_accepted_are_delivered(db: TestDatabase) {
    let mock = endpoints().await;
    let app = TestApp::spawn_delivering_to(db, &mock, &[]).await;
    let admin = app.admin();
    let a = hook(&admin, &mock, "a").await;
    let b = hook(&admin, &mock, "b").await;
    let c = hook(&admin, &mock, "c").await;
    let group = admin
        .create_group_of("broadcast", &[&b, &c], Value::Null)
        .await;
    let email = admin
        .create_integration_of(
            "sendgrid",
            json!({"apiKey": SENDGRID_KEY, "fromEmail": "alerts@example.com"}),
        )
        .await;
    let paused = hook(&admin, &mock, "a").await;
    admin
        .update_integration(&paused, &json!({"status": "inactive"}))
        .await
        .ok(200);

    let reply = admin
        .send_bulk(json!([
            {"integrationId": a, "message": {"data": {"n": 1}}},
            {"integrationId": "int_00000000000000000000000000", "message": {"data": {"n": 2}}},
            {"integrationId": a, "message": {"data": {"n": 3}}, "idempotencyKey": "bulk-a-3"},
            {"groupId": group, "message": {"data": {"n": 4}}},
            {"integrationId": email, "message": {"text": "no subject, no recipient"}},
            {"integrationId": paused, "message": {"data": {"n": 6}}},
            {"integrationId": a, "groupId": group, "message": {"data": {"n": 7}}},
            {"integrationId": b, "message": {"data": {"n": 8}}},
        ]))
        .await;
    assert_eq!(reply.header("cache-control").as_deref(), Some("no-store"));
    let body = reply.ok(200);
    assert_eq!(body["accepted"], 4, "{body}");
    assert_eq!(body["rejected"], 4, "{body}");
    assert_eq!(body["results"].as_array().unwrap().len(), 8);

    let mut deliveries = Vec::new();
    for (index, integration) in [(0, &a), (2, &a), (7, &b)] {
        let r = result(&body, index);
        assert_eq!(r["status"], 202, "{r}");
        assert!(r.get("replayed").is_none(), "{r}");
        assert!(r.get("problem").is_none(), "{r}");
        assert_eq!(r["delivery"]["integrationId"], *integration, "{r}");
        assert_eq!(r["delivery"]["status"], "queued", "{r}");
        deliveries.push(r["delivery"]["id"].as_str().unwrap().to_string());
    }
    let sent = result(&body, 3);
    assert_eq!(sent["status"], 202, "{sent}");
    assert!(sent.get("delivery").is_none(), "{sent}");
    let send = &sent["groupSend"];
    assert_eq!(send["strategy"], "broadcast", "{sent}");
    assert_eq!(send["deliveries"].as_array().unwrap().len(), 2, "{sent}");

    // Each refusal is its single send's problem, with the item's own paths.
    let missing = result(&body, 1);
    assert_eq!(missing["status"], 404, "{missing}");
    assert_eq!(missing["problem"]["type"], "/problems/not-found");
    let unfit = result(&body, 4);
    assert_eq!(unfit["status"], 422, "{unfit}");
    let fields: Vec<&str> = unfit["problem"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"message.to"), "{unfit}");
    assert!(fields.contains(&"message.subject"), "{unfit}");
    let inactive = result(&body, 5);
    assert_eq!(inactive["status"], 409, "{inactive}");
    assert_eq!(inactive["problem"]["type"], "/problems/inactive");
    let both = result(&body, 6);
    assert_eq!(both["status"], 422, "{both}");
    assert_eq!(both["problem"]["errors"][0]["field"], "integrationId");

    for id in &deliveries {
        let done = admin.wait_for_delivery(id).await;
        assert_eq!(done["status"], "delivered", "{done}");
    }
    let done = admin
        .wait_for_group_send(&group, send["id"].as_str().unwrap())
        .await;
    assert_eq!(done["status"], "delivered", "{done}");
    // Exactly the accepted messages arrived, each once.
    assert_eq!(
        received(&mock).await,
        BTreeMap::from([
            ("/hooks/a".to_string(), vec![1, 3]),
            ("/hooks/b".to_string(), vec![4, 8]),
            ("/hooks/c".to_string(), vec![4]),
        ])
    );
}

async fn item_keys_replay_within_and_across_requests(db: TestDatabase) {
    let mock = endpoints().await;
    let app = TestApp::spawn_delivering_to(db, &mock, &[]).await;
    let admin = app.admin();
    let a = hook(&admin, &mock, "a").await;
    let b = hook(&admin, &mock, "b").await;
    let group = admin
        .create_group_of("failover", &[&b, &a], Value::Null)
        .await;
    let items = json!([
        {"integrationId": a, "message": {"data": {"n": 1}}, "idempotencyKey": "k-1"},
        {"groupId": group, "message": {"data": {"n": 2}}, "idempotencyKey": "k-2"},
        // The same key and message again in the same request: the first's.
        {"integrationId": a, "message": {"data": {"n": 1}}, "idempotencyKey": "k-1"},
        // The same key with another message: refused, as a single send is.
        {"integrationId": a, "message": {"data": {"n": 9}}, "idempotencyKey": "k-2"},
    ]);
    let first = admin.send_bulk(items.clone()).await.ok(200);
    assert_eq!(first["accepted"], 3, "{first}");
    let delivery = result(&first, 0)["delivery"]["id"].clone();
    let send = result(&first, 1)["groupSend"]["id"].clone();
    assert!(result(&first, 0).get("replayed").is_none());
    let twin = result(&first, 2);
    assert_eq!(twin["status"], 202, "{twin}");
    assert_eq!(twin["replayed"], true, "{twin}");
    assert_eq!(twin["delivery"]["id"], delivery, "{twin}");
    let reused = result(&first, 3);
    assert_eq!(reused["status"], 422, "{reused}");
    assert!(
        reused["problem"]["detail"]
            .as_str()
            .unwrap()
            .contains("Idempotency-Key"),
        "{reused}"
    );

    // The whole request repeated: nothing new, every keyed item its first.
    let again = admin.send_bulk(items).await.ok(200);
    assert_eq!(again["accepted"], 3, "{again}");
    assert_eq!(result(&again, 0)["replayed"], true);
    assert_eq!(result(&again, 0)["delivery"]["id"], delivery);
    assert_eq!(result(&again, 1)["replayed"], true);
    assert_eq!(result(&again, 1)["groupSend"]["id"], send);
    assert_eq!(result(&again, 3)["status"], 422);
    // A single send with a bulk item's key is the same request.
    let single = admin
        .idempotency_key("k-1")
        .send(&a, &json!({"data": {"n": 1}}))
        .await;
    assert_eq!(single.ok(202)["id"], delivery);

    admin.wait_for_delivery(delivery.as_str().unwrap()).await;
    admin
        .wait_for_group_send(&group, send.as_str().unwrap())
        .await;
    assert_eq!(
        received(&mock).await,
        BTreeMap::from([
            ("/hooks/a".to_string(), vec![1]),
            ("/hooks/b".to_string(), vec![2]),
        ])
    );
}

async fn the_request_is_bounded_and_scoped(db: TestDatabase) {
    let mock = endpoints().await;
    let app = TestApp::spawn_delivering_to(db, &mock, &[]).await;
    let admin = app.admin();
    let a = hook(&admin, &mock, "a").await;
    let one = json!([{"integrationId": a, "message": {"data": {"n": 1}}}]);

    let empty = admin.send_bulk(json!([])).await;
    empty.problem(422, "validation");
    assert_eq!(empty.fields(), vec!["items"]);
    let many: Vec<Value> = (0..101)
        .map(|n| json!({"integrationId": a, "message": {"data": {"n": n}}}))
        .collect();
    let over = admin.send_bulk(Value::Array(many)).await;
    over.problem(422, "validation");
    assert_eq!(over.fields(), vec!["items"]);
    admin
        .idempotency_key("whole-request")
        .send_bulk(one.clone())
        .await
        .problem(400, "bad-request");
    let bad_key = admin
        .send_bulk(json!([{"integrationId": a, "message": {}, "idempotencyKey": "has space"}]))
        .await
        .ok(200);
    assert_eq!(result(&bad_key, 0)["status"], 422);
    assert_eq!(
        result(&bad_key, 0)["problem"]["errors"][0]["field"],
        "idempotencyKey"
    );

    let reader = app.with_key(&app.key_for("default", "read").await);
    reader
        .send_bulk(one.clone())
        .await
        .problem(403, "forbidden");
    // Another organization's integration is as missing as an unknown one.
    let stranger = app.with_key(&app.key_for("other-org", "read,test").await);
    let theirs = stranger.send_bulk(one).await.ok(200);
    assert_eq!(theirs["accepted"], 0);
    assert_eq!(result(&theirs, 0)["status"], 404);
    // Nothing was queued by the refused requests.
    assert!(
        mock.received_requests()
            .await
            .unwrap_or_default()
            .is_empty()
    );
    // `bulk` is not a delivery id.
    admin
        .call(reqwest::Method::GET, "/api/deliveries/bulk", None)
        .await
        .problem(405, "method-not-allowed");
}
