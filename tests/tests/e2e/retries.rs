//! How a failed attempt is followed up, with the real workers on both
//! databases: a provider's rate-limit hint is never undercut, server errors
//! back off and fail at the attempt limit, a redirect is a permanent
//! failure, and a webhook retry keeps its id and is signed again.

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Value, json};
use wiremock::ResponseTemplate;

use crate::helpers::{TestApp, TestDatabase, id_of, mocks, on_both_backends};

on_both_backends!(
    rate_limit_hint_is_never_undercut,
    server_errors_back_off_then_fail_at_the_limit,
    a_redirect_is_a_failure,
    webhook_retries_keep_the_id_and_re_sign,
);

fn at(v: &Value) -> DateTime<Utc> {
    v.as_str().unwrap().parse().unwrap()
}

async fn rate_limit_hint_is_never_undercut(db: TestDatabase) {
    let mock = mocks::first_then(
        "/hooks/limited",
        ResponseTemplate::new(429).insert_header("Retry-After", "2"),
        ResponseTemplate::new(204),
    )
    .await;
    let app = TestApp::spawn_delivering_to(db, &mock, &[]).await;
    let admin = app.admin();
    let id = admin
        .create_integration_of(
            "webhook",
            json!({"url": format!("{}/hooks/limited", mock.uri())}),
        )
        .await;
    let body = admin
        .send_and_wait(&id, &json!({"data": {"n": 1}}))
        .await
        .expect(202);
    assert_eq!(body["firstAttempt"]["outcome"], "retryable", "{body}");
    assert_eq!(body["firstAttempt"]["statusClass"], "rate_limited");
    assert_eq!(body["firstAttempt"]["retryAfterMs"], 2000);
    let scheduled = at(&body["firstAttempt"]["retryAt"]) - at(&body["firstAttempt"]["finishedAt"]);
    assert!(
        scheduled >= TimeDelta::milliseconds(2000),
        "scheduled {scheduled} after a 2 s hint"
    );
    assert_eq!(body["status"], "queued");
    let d = admin.wait_for_delivery(&id_of(&body)).await;
    assert_eq!(d["status"], "delivered", "{d}");
    let attempts = d["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 2);
    let gap = at(&attempts[1]["startedAt"]) - at(&attempts[0]["finishedAt"]);
    assert!(
        gap >= TimeDelta::milliseconds(2000),
        "the retry came {gap} after a 2 s hint"
    );
}

async fn server_errors_back_off_then_fail_at_the_limit(db: TestDatabase) {
    let mock = mocks::endpoint("/hooks/broken", ResponseTemplate::new(500)).await;
    let app = TestApp::spawn_delivering_to(db, &mock, &[]).await;
    let admin = app.admin();
    let id = admin
        .create_integration_of(
            "webhook",
            json!({"url": format!("{}/hooks/broken", mock.uri())}),
        )
        .await;
    let body = admin
        .send(&id, &json!({"data": {"n": 1}}))
        .await
        .expect(202);
    let d = admin.wait_for_delivery(&id_of(&body)).await;
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
    let ms = TimeDelta::milliseconds;
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

async fn a_redirect_is_a_failure(db: TestDatabase) {
    let mock = mocks::endpoint(
        "/hooks/moved",
        ResponseTemplate::new(302).insert_header("Location", "http://127.0.0.1:1/elsewhere"),
    )
    .await;
    let app = TestApp::spawn_delivering_to(db, &mock, &[]).await;
    let admin = app.admin();
    let id = admin
        .create_integration_of(
            "webhook",
            json!({"url": format!("{}/hooks/moved", mock.uri())}),
        )
        .await;
    let body = admin
        .send_and_wait(&id, &json!({"data": {"n": 1}}))
        .await
        .json();
    let d = admin.wait_for_delivery(&id_of(&body)).await;
    assert_eq!(d["status"], "failed", "{d}");
    assert_eq!(d["attempts"][0]["outcome"], "permanent");
    assert_eq!(d["attempts"][0]["statusClass"], "redirect");
    // Only the one request: the redirect was not followed.
    assert_eq!(mock.received_requests().await.unwrap().len(), 1);
}

async fn webhook_retries_keep_the_id_and_re_sign(db: TestDatabase) {
    let mock = mocks::first_then(
        "/hooks/flaky",
        ResponseTemplate::new(503),
        ResponseTemplate::new(200),
    )
    .await;
    let app = TestApp::spawn_delivering_to(db, &mock, &[]).await;
    let admin = app.admin();
    let id = admin
        .create_integration_of(
            "webhook",
            json!({"url": format!("{}/hooks/flaky", mock.uri()), "signingSecret": "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"}),
        )
        .await;
    let body = admin.send(&id, &json!({"data": {"n": 1}})).await.json();
    let delivery = id_of(&body);
    let d = admin.wait_for_delivery(&delivery).await;
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
