//! Delivery with the real binary: killed with SIGKILL while deliveries are
//! in flight (or a failover group is moving a message between members),
//! every accepted message is still delivered after a restart; SIGTERM
//! releases in-flight claims; two processes on one Postgres deliver each
//! message exactly once in the normal case.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::{
    Server, client, create_webhook, received_ids, send_many, slow_endpoint, status_of,
    wait_all_delivered, wait_for_a_request,
};
use patchbay_storage::testing::{TestDatabase, eventually, on_both_backends};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

on_both_backends!(
    sigkill_loses_nothing,
    sigkill_mid_failover_loses_nothing,
    sigterm_releases_claims
);

async fn sigkill_loses_nothing(db: TestDatabase) {
    let mock = slow_endpoint(Duration::from_millis(1500)).await;
    let first = Server::start(&db, &[("PATCHBAY__DELIVERY__CONCURRENCY", "4")]);
    let key = first.bootstrap_key();
    let hook = create_webhook(&first, &key, format!("{}/hooks/slow", mock.uri())).await;
    let ids = send_many(&first, &key, &hook, 12).await;
    // Wait until attempts are in flight, then kill the process outright.
    wait_for_a_request(&mock).await;
    let mut first = first;
    first.child.kill().unwrap(); // SIGKILL
    first.child.wait().unwrap();

    let second = Server::start(&db, &[("PATCHBAY__DELIVERY__CONCURRENCY", "4")]);
    wait_all_delivered(&second, &key, &ids).await;
    let seen = received_ids(&mock).await;
    for id in &ids {
        assert!(seen.contains_key(id), "{id} never reached the endpoint");
    }
}

async fn sigkill_mid_failover_loses_nothing(db: TestDatabase) {
    // The primary answers 500 slowly, so attempts and hand-offs are under
    // way when the process dies; the secondary accepts.
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hooks/failing"))
        .respond_with(ResponseTemplate::new(500).set_delay(Duration::from_millis(700)))
        .mount(&mock)
        .await;
    Mock::given(method("POST"))
        .and(path("/hooks/ok"))
        .respond_with(ResponseTemplate::new(204).set_delay(Duration::from_millis(300)))
        .mount(&mock)
        .await;
    // One attempt at a time, one attempt per member, sends 300 ms apart:
    // primaries and secondaries interleave over about 8 s, so the kill
    // lands with some messages handed over and others still on the primary.
    let extra = [("PATCHBAY__DELIVERY__CONCURRENCY", "1")];
    let first = Server::start(&db, &extra);
    let key = first.bootstrap_key();
    let primary = create_webhook(&first, &key, format!("{}/hooks/failing", mock.uri())).await;
    let secondary = create_webhook(&first, &key, format!("{}/hooks/ok", mock.uri())).await;
    let http = client();
    let group: Value = http
        .post(first.url("/api/integration-groups"))
        .bearer_auth(&key)
        .json(&json!({
            "name": "crash chain",
            "strategy": "failover",
            "integrationIds": [primary, secondary],
            "failover": {"attempts": 1, "afterSecs": 60},
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let group = group["id"].as_str().unwrap().to_string();
    let mut sends = Vec::new();
    for n in 0..8 {
        let res = http
            .post(first.url(&format!("/api/integration-groups/{group}/send")))
            .bearer_auth(&key)
            .json(&json!({"data": {"n": n}}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 202);
        let body: Value = res.json().await.unwrap();
        sends.push(body["id"].as_str().unwrap().to_string());
        // Spacing the sends is what interleaves the members (see above).
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    // Kill it once a first message has moved on to the secondary.
    let at_secondary = || async {
        let reqs = mock.received_requests().await.unwrap();
        reqs.iter().filter(|r| r.url.path() == "/hooks/ok").count()
    };
    eventually("a first failover", Duration::from_secs(30), || async {
        match at_secondary().await {
            0 => Err("none at the secondary".to_string()),
            _ => Ok(()),
        }
    })
    .await;
    let mut first = first;
    first.child.kill().unwrap(); // SIGKILL
    first.child.wait().unwrap();
    let moved = at_secondary().await;
    assert!(moved < 8, "the kill came after every failover ({moved})");

    let second = Server::start(&db, &extra);
    let url = |send: &str| second.url(&format!("/api/integration-groups/{group}/sends/{send}"));
    eventually(
        "every group send delivered",
        Duration::from_secs(90),
        || {
            let (http, key, sends) = (&http, &key, &sends);
            let url = &url;
            async move {
                let mut pending = Vec::new();
                for send in sends {
                    let s: Value = http
                        .get(url(send))
                        .bearer_auth(key)
                        .send()
                        .await
                        .unwrap()
                        .json()
                        .await
                        .unwrap();
                    if s["status"] != "delivered" {
                        pending.push(format!("{send}: {}", s["status"]));
                    }
                }
                if pending.is_empty() {
                    Ok(())
                } else {
                    Err(format!("{pending:?}"))
                }
            }
        },
    )
    .await;
    // Every message reached the secondary (a crash may repeat one; none is
    // lost).
    let mut seen = BTreeSet::new();
    for r in mock.received_requests().await.unwrap() {
        if r.url.path() == "/hooks/ok" {
            let body: Value = serde_json::from_slice(&r.body).unwrap();
            seen.insert(body["data"]["n"].as_i64().unwrap());
        }
    }
    assert_eq!(seen, (0..8).collect::<BTreeSet<i64>>());
}

async fn sigterm_releases_claims(db: TestDatabase) {
    let mock = slow_endpoint(Duration::from_millis(3000)).await;
    // A long lease: only a release (not expiry) lets the restart resend soon.
    let extra = [
        ("PATCHBAY__DELIVERY__CONCURRENCY", "2"),
        ("PATCHBAY__DELIVERY__LEASE_MS", "600000"),
    ];
    let first = Server::start(&db, &extra);
    let key = first.bootstrap_key();
    let hook = create_webhook(&first, &key, format!("{}/hooks/slow", mock.uri())).await;
    let ids = send_many(&first, &key, &hook, 4).await;
    wait_for_a_request(&mock).await;
    let mut first = first;
    first.terminate();
    first.wait_for_exit(Duration::from_secs(40)).await;
    let second = Server::start(&db, &extra);
    // With a 10-minute lease, only a release on shutdown lets the second
    // process send the interrupted deliveries within the minute allowed.
    wait_all_delivered(&second, &key, &ids).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_share_one_postgres_queue() {
    let Some(db) = TestDatabase::postgres() else {
        return;
    };
    let mock = slow_endpoint(Duration::from_millis(50)).await;
    let extra = [("PATCHBAY__DELIVERY__CONCURRENCY", "4")];
    let a = Server::start(&db, &extra);
    let key = a.bootstrap_key();
    let b = Server::start(&db, &extra);
    let hook = create_webhook(&a, &key, format!("{}/hooks/slow", mock.uri())).await;
    // Half the sends through each process.
    let mut ids = send_many(&a, &key, &hook, 20).await;
    ids.extend(send_many(&b, &key, &hook, 20).await);
    wait_all_delivered(&a, &key, &ids).await;
    let seen = received_ids(&mock).await;
    let expected: BTreeSet<&String> = ids.iter().collect();
    assert_eq!(seen.keys().collect::<BTreeSet<_>>(), expected);
    let dupes: Vec<_> = seen.iter().filter(|(_, n)| **n != 1).collect();
    assert!(dupes.is_empty(), "delivered more than once: {dupes:?}");
    // Every delivery took exactly one attempt.
    for id in &ids {
        let d = status_of(&b, &key, id).await;
        assert_eq!(d["attemptCount"], 1, "{d}");
    }
}
