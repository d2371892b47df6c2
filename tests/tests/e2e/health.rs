//! An integration's health, recorded in either database by the delivery
//! workers: a permanent failure stops at once and marks it unhealthy (not a
//! configuration change), a delivery or a scheduled credential test marks
//! it healthy, and a failed delivery can be retried by hand.

use std::time::Duration;

use serde_json::json;
use wiremock::ResponseTemplate;

use crate::helpers::{TestApp, TestDatabase, eventually, id_of, mocks, on_both_backends};

on_both_backends!(
    gone_stops_at_once_and_marks_unhealthy,
    scheduled_retest_sets_health,
);

async fn gone_stops_at_once_and_marks_unhealthy(db: TestDatabase) {
    let mock = mocks::first_then(
        "/hooks/gone",
        ResponseTemplate::new(410),
        ResponseTemplate::new(204),
    )
    .await;
    let app = TestApp::spawn_delivering_to(db, &mock, &[]).await;
    let admin = app.admin();
    let id = admin
        .create_integration_of(
            "webhook",
            json!({"url": format!("{}/hooks/gone", mock.uri())}),
        )
        .await;
    let body = admin.send(&id, &json!({"data": {"n": 1}})).await.json();
    assert_eq!(body["integrationHealth"]["status"], "unknown", "{body}");
    let delivery = id_of(&body);
    let d = admin.wait_for_delivery(&delivery).await;
    assert_eq!(d["status"], "failed", "{d}");
    assert_eq!(d["attempts"].as_array().unwrap().len(), 1);
    assert_eq!(d["attempts"][0]["outcome"], "permanent");
    assert_eq!(d["attempts"][0]["statusClass"], "gone");
    // Reading the integration says so too, and the configuration version
    // (ETag) did not move: health is not a change to the integration.
    let r = admin.get_integration(&id).await;
    let etag = r.etag();
    assert!(etag.ends_with("-v1\""), "{etag}");
    let got = r.json();
    assert_eq!(got["health"]["status"], "unhealthy", "{got}");
    let unhealthy = got["health"].clone();
    // Still accepted, but the answer says the integration is unhealthy.
    let body = admin
        .send(&id, &json!({"data": {"n": 2}}))
        .await
        .expect(202);
    assert_eq!(body["integrationHealth"], unhealthy, "{body}");
    assert!(
        body["integrationHealth"]["reason"]
            .as_str()
            .unwrap()
            .contains("gone"),
        "{body}"
    );
    let second = id_of(&body);
    assert_eq!(
        admin.wait_for_delivery(&second).await["status"],
        "delivered"
    );
    let got = admin.get_integration(&id).await.json();
    assert_eq!(got["health"]["status"], "healthy", "{got}");
    assert_eq!(got["health"]["reason"], "a delivery succeeded", "{got}");

    // The failed one can be retried by hand; a delivered one cannot.
    let p = admin
        .retry_delivery(&second)
        .await
        .problem(409, "not-retryable");
    assert!(p["detail"].as_str().unwrap().contains("delivered"), "{p}");
    let r = admin.retry_delivery(&delivery).await;
    assert_eq!(r.status, 202, "{}", r.text());
    let d = admin.wait_for_delivery(&delivery).await;
    assert_eq!(d["status"], "delivered", "{d}");
    assert_eq!(d["attempts"].as_array().unwrap().len(), 2);
    // A delivery afterwards shows the integration healthy again.
    let body = admin.send(&id, &json!({"data": {"n": 3}})).await.json();
    assert_eq!(body["integrationHealth"]["status"], "healthy", "{body}");
}

async fn scheduled_retest_sets_health(db: TestDatabase) {
    let mock = mocks::endpoint("/hooks/ok", ResponseTemplate::new(204)).await;
    let app = TestApp::spawn_delivering_to(
        db,
        &mock,
        &[("PATCHBAY__DELIVERY__RETEST_INTERVAL_SECS", "1")],
    )
    .await;
    let admin = app.admin();
    let id = admin
        .create_integration_of(
            "webhook",
            json!({"url": format!("{}/hooks/ok", mock.uri())}),
        )
        .await;
    let (admin, id) = (&admin, &id);
    let health = eventually(
        "a scheduled re-test to mark the integration healthy",
        Duration::from_secs(10),
        || async move {
            let health = admin.integration_health(id).await.json();
            if health["status"] == "healthy" {
                Ok(health)
            } else {
                Err(health.to_string())
            }
        },
    )
    .await;
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
