//! Idempotency keys, stored in either database: fifty concurrent sends with
//! one key are one delivery and one request to the provider, a repeat is
//! answered with the same delivery, and a repeat while the first is still
//! being answered is a 409 to retry.

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::json;
use wiremock::ResponseTemplate;

use crate::helpers::{TestApp, TestDatabase, eventually, id_of, mocks, on_both_backends};

on_both_backends!(
    one_idempotency_key_is_one_delivery,
    a_repeat_while_the_first_is_answered_is_409,
);

async fn one_idempotency_key_is_one_delivery(db: TestDatabase) {
    let mock = mocks::endpoint("/hooks/ok", ResponseTemplate::new(204)).await;
    let app = TestApp::spawn_delivering_to(db, &mock, &[]).await;
    let admin = app.admin();
    let hook = json!({"url": format!("{}/hooks/ok", mock.uri())});
    let id = admin.create_integration_of("webhook", hook.clone()).await;
    let body = json!({"eventType": "order.paid", "data": {"order": 42}});
    let keyed = admin.idempotency_key("order-42-paid");
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let (keyed, id, body) = (keyed.clone(), id.clone(), body.clone());
        tasks.push(tokio::spawn(async move { keyed.send(&id, &body).await }));
    }
    let mut ids = BTreeSet::new();
    let mut replayed = 0;
    for t in tasks {
        let r = t.await.unwrap();
        assert!(r.status == 202 || r.status == 409, "{}", r.status);
        if r.status == 202 {
            if r.header("idempotent-replayed").is_some() {
                replayed += 1;
            }
            ids.insert(id_of(&r.json()));
        }
    }
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert!(replayed >= 1);
    let list = admin.list_deliveries(&id, "").await.json();
    assert_eq!(list["data"].as_array().unwrap().len(), 1, "{list}");
    let only = ids.into_iter().next().unwrap();
    assert_eq!(admin.wait_for_delivery(&only).await["status"], "delivered");
    // Exactly one request reached the endpoint.
    assert_eq!(mock.received_requests().await.unwrap().len(), 1);

    // A repeat later answers the same delivery.
    let b = keyed.send(&id, &body).await.expect(202);
    assert_eq!(b["id"], only.as_str());
    // Same key, another body: 422.
    let r = keyed.send(&id, &json!({"data": {"order": 43}})).await;
    assert_eq!(r.status, 422);
    // Keys are scoped to the organization.
    let other = app.with_key(&app.key_for("other-org", "write,test,read").await);
    let other_id = other.create_integration_of("webhook", hook).await;
    let r = other
        .idempotency_key("order-42-paid")
        .send(&other_id, &body)
        .await;
    assert_eq!(r.status, 202);
    assert!(r.header("idempotent-replayed").is_none());
    // A malformed key is a 400.
    let r = admin.idempotency_key("has space").send(&id, &body).await;
    assert_eq!(r.status, 400);
}

async fn a_repeat_while_the_first_is_answered_is_409(db: TestDatabase) {
    let mock = mocks::endpoint(
        "/hooks/slow",
        ResponseTemplate::new(204).set_delay(Duration::from_millis(1500)),
    )
    .await;
    let app = TestApp::spawn_delivering_to(db, &mock, &[]).await;
    let admin = app.admin();
    let id = admin
        .create_integration_of(
            "webhook",
            json!({"url": format!("{}/hooks/slow", mock.uri())}),
        )
        .await;
    let body = json!({"data": {"n": 1}});
    let keyed = admin.idempotency_key("wait-1");
    let first = {
        let (keyed, id, body) = (keyed.clone(), id.clone(), body.clone());
        tokio::spawn(async move { keyed.send_and_wait(&id, &body).await })
    };
    // The first is being answered once its attempt reached the endpoint
    // (which takes 1.5 s to answer).
    let endpoint = &mock;
    eventually(
        "the first send's attempt at the endpoint",
        Duration::from_secs(10),
        || async move {
            match endpoint.received_requests().await.unwrap().len() {
                0 => Err("no request yet".to_string()),
                _ => Ok(()),
            }
        },
    )
    .await;
    let r = keyed.send(&id, &body).await;
    assert_eq!(r.status, 409);
    assert_eq!(r.header("retry-after").as_deref(), Some("1"));
    let first = first.await.unwrap().expect(202);
    assert_eq!(first["status"], "delivered", "{first}");
    assert_eq!(first["firstAttempt"]["outcome"], "delivered", "{first}");
    // Answered: a repeat now replays it.
    let r = keyed.send(&id, &body).await;
    assert_eq!(r.status, 202);
    assert_eq!(r.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(r.json()["id"], first["id"]);
    assert_eq!(mock.received_requests().await.unwrap().len(), 1);
}
