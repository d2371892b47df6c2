//! Pacing, shared through the database: a burst to one Slack channel is
//! sent a second apart rather than rejected, by every server instance on
//! the database together, and an emptied Discord bucket holds the next send
//! for as long as its headers say.
//!
//! The gaps asserted here are the behaviour under test, so these tests take
//! a few seconds each.

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Value, json};
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::mocks::{borrowed, delivery_settings};
use crate::helpers::{Client, TestApp, TestDatabase, id_of, on_both_backends};

on_both_backends!(
    a_burst_is_paced_not_rejected,
    pacing_is_shared_by_every_instance,
    an_emptied_discord_bucket_holds_the_next_send,
);

const PACING_ON: [(&str, &str); 1] = [("PATCHBAY__DELIVERY__PACING", "true")];

/// `n` text messages.
fn texts(n: usize) -> Vec<Value> {
    (0..n)
        .map(|n| json!({"text": format!("message {n}")}))
        .collect()
}

/// Attempt start times of the deliveries, once each is delivered in one
/// attempt; sorted.
async fn starts_of(admin: &Client, deliveries: &[String]) -> Vec<DateTime<Utc>> {
    let mut starts = Vec::new();
    for d in deliveries {
        let d = admin.wait_for_delivery(d).await;
        assert_eq!(d["status"], "delivered", "{d}");
        assert_eq!(d["attempts"].as_array().unwrap().len(), 1, "{d}");
        starts.push(
            d["attempts"][0]["startedAt"]
                .as_str()
                .unwrap()
                .parse()
                .unwrap(),
        );
    }
    starts.sort();
    starts
}

/// A Slack webhook that accepts every message.
async fn slack_webhook() -> MockServer {
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path_regex(r"^/services/"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .mount(&mock)
        .await;
    mock
}

async fn a_burst_is_paced_not_rejected(db: TestDatabase) {
    let mock = slack_webhook().await;
    let app = TestApp::spawn_delivering_to(db, &mock, &PACING_ON).await;
    let admin = app.admin();
    let id = admin
        .create_integration_of(
            "slack",
            json!({"webhookUrl": format!("{}/services/T0/B0/x", mock.uri())}),
        )
        .await;
    let deliveries = admin.send_all(&id, &texts(3)).await;
    let starts = starts_of(&admin, &deliveries).await;
    // Slack: about one message per second per channel.
    for w in starts.windows(2) {
        assert!(
            w[1] - w[0] >= TimeDelta::milliseconds(990),
            "sends {} apart",
            w[1] - w[0]
        );
    }
}

async fn pacing_is_shared_by_every_instance(db: TestDatabase) {
    let mock = slack_webhook().await;
    let env = delivery_settings(&mock, &PACING_ON);
    let app = TestApp::spawn_with(db, &borrowed(&env)).await;
    let peer = app.spawn_peer(&borrowed(&env)).await;
    let admin = app.admin();
    let id = admin
        .create_integration_of(
            "slack",
            json!({"webhookUrl": format!("{}/services/T0/B0/x", mock.uri())}),
        )
        .await;
    // Half the burst through each instance: each wakes its own workers, so
    // both send, and only the shared slots keep them a second apart.
    let through_peer = peer.with_key(&app.admin_key);
    let mut deliveries = Vec::new();
    for (n, message) in texts(4).iter().enumerate() {
        let instance = if n % 2 == 0 { &admin } else { &through_peer };
        let accepted = instance.send(&id, message).await.expect(202);
        deliveries.push(id_of(&accepted));
    }
    let starts = starts_of(&admin, &deliveries).await;
    // Slack: about one message per second per channel, across instances.
    // Without shared slots two sends start within milliseconds; the wide
    // margin is for two instances' timers waking apart on a loaded machine.
    for w in starts.windows(2) {
        assert!(
            w[1] - w[0] >= TimeDelta::milliseconds(700),
            "sends {} apart: {starts:?}",
            w[1] - w[0]
        );
    }
    assert_eq!(mock.received_requests().await.unwrap().len(), 4);
    drop(peer);
}

async fn an_emptied_discord_bucket_holds_the_next_send(db: TestDatabase) {
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
    let app = TestApp::spawn_delivering_to(db, &mock, &PACING_ON).await;
    let admin = app.admin();
    let id = admin
        .create_integration_of(
            "discord",
            json!({"webhookUrl": format!("{}/api/webhooks/123/tok-not-real", mock.uri())}),
        )
        .await;
    let deliveries = admin.send_all(&id, &texts(2)).await;
    let starts = starts_of(&admin, &deliveries).await;
    // Discord's fixed spacing alone is 400 ms; the headers say 1.5 s. The
    // second send had already reserved its slot when the first's answer
    // came, so this also proves the hold is checked after waiting.
    assert!(
        starts[1] - starts[0] >= TimeDelta::milliseconds(1450),
        "sends {} apart",
        starts[1] - starts[0]
    );
    // Held, not rejected: no 429 was provoked and nothing was retried.
    assert_eq!(mock.received_requests().await.unwrap().len(), 2);
}
