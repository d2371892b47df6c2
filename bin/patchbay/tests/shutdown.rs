//! SIGTERM with the real binary: the workers stop claiming at once, while
//! in-flight requests still drain, and the whole shutdown ends within its
//! bound even when a request and an attempt hang.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{
    Server, client, create_webhook, send_many, slow_endpoint, wait_all_delivered,
    wait_for_a_request,
};
use patchbay_storage::testing::{TestDatabase, eventually, on_both_backends};
use serde_json::{Value, json};

on_both_backends!(
    sigterm_stops_claiming_at_once,
    sigterm_exits_within_the_shutdown_bound,
);

/// Send through `integration` with `?wait=true`, in the background: the
/// request stays open until the first attempt ends or the wait runs out.
fn send_and_wait(s: &Server, key: &str, integration: &str) -> tokio::task::JoinHandle<()> {
    let request = client()
        .post(s.url(&format!("/api/integrations/{integration}/send?wait=true")))
        .bearer_auth(key)
        .json(&json!({"data": {"waiting": true}}));
    // Its answer does not matter; the server may close the connection.
    tokio::spawn(async move {
        let _ = request.send().await;
    })
}

/// The ids of an integration's deliveries, once there are `n`.
async fn delivery_ids(s: &Server, key: &str, integration: &str, n: usize) -> Vec<String> {
    let url = s.url(&format!("/api/integrations/{integration}/deliveries"));
    eventually(
        &format!("{n} deliveries stored"),
        Duration::from_secs(20),
        || {
            let request = client().get(&url).bearer_auth(key);
            async move {
                let page: Value = request.send().await.unwrap().json().await.unwrap();
                let ids: Vec<String> = page["data"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|d| d["id"].as_str().unwrap().to_string())
                    .collect();
                if ids.len() == n {
                    Ok(ids)
                } else {
                    Err(format!("{} stored", ids.len()))
                }
            }
        },
    )
    .await
}

async fn sigterm_stops_claiming_at_once(db: TestDatabase) {
    // Each attempt takes 2 s; one at a time.
    let mock = slow_endpoint(Duration::from_millis(2000)).await;
    let extra = [
        ("PATCHBAY__DELIVERY__CONCURRENCY", "1"),
        ("PATCHBAY__DELIVERY__LEASE_MS", "600000"),
        ("PATCHBAY__DELIVERY__SHUTDOWN_GRACE_MS", "5000"),
        ("PATCHBAY__DELIVERY__MAX_WAIT_MS", "4000"),
        ("PATCHBAY__HTTP__SHUTDOWN_TIMEOUT_SECS", "10"),
    ];
    let mut server = Server::start(&db, &extra);
    let key = server.bootstrap_key();
    let hook = create_webhook(&server, &key, format!("{}/hooks/slow", mock.uri())).await;
    send_many(&server, &key, &hook, 1).await;
    wait_for_a_request(&mock).await;
    // A second send waits for its first attempt: its request keeps the
    // HTTP drain going for up to 4 s, past the end of the first attempt.
    let waiting = send_and_wait(&server, &key, &hook);
    let ids = delivery_ids(&server, &key, &hook, 2).await;

    server.terminate();
    server.wait_for_exit(Duration::from_secs(30)).await;
    waiting.await.unwrap();
    // The attempt in flight at SIGTERM finished; the queued delivery was
    // not claimed while the request drained.
    assert_eq!(mock.received_requests().await.unwrap().len(), 1);

    // Nothing is lost: the next process sends it.
    let next = Server::start(&db, &extra);
    wait_all_delivered(&next, &key, &ids).await;
    assert_eq!(mock.received_requests().await.unwrap().len(), 2);
}

async fn sigterm_exits_within_the_shutdown_bound(db: TestDatabase) {
    // A provider that never answers in time, and a request waiting on it.
    let mock = slow_endpoint(Duration::from_secs(120)).await;
    let extra = [
        ("PATCHBAY__DELIVERY__CONCURRENCY", "1"),
        ("PATCHBAY__DELIVERY__LEASE_MS", "600000"),
        ("PATCHBAY__DELIVERY__SHUTDOWN_GRACE_MS", "1000"),
        ("PATCHBAY__DELIVERY__MAX_WAIT_MS", "60000"),
        ("PATCHBAY__OUTBOUND__TOTAL_TIMEOUT_MS", "120000"),
        ("PATCHBAY__HTTP__SHUTDOWN_TIMEOUT_SECS", "1"),
    ];
    let mut server = Server::start(&db, &extra);
    let key = server.bootstrap_key();
    let hook = create_webhook(&server, &key, format!("{}/hooks/slow", mock.uri())).await;
    let waiting = send_and_wait(&server, &key, &hook);
    wait_for_a_request(&mock).await;

    server.terminate();
    // The bound: the longer of the two graces (1 s) plus 5 s to release
    // claims; a little more for the process to start and end.
    let took = server.wait_for_exit(Duration::from_secs(30)).await;
    assert!(took < Duration::from_secs(8), "shutdown took {took:?}");
    waiting.await.unwrap();
}
