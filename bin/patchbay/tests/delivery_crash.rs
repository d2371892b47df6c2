//! Delivery with the real binary: killed with SIGKILL while deliveries are
//! in flight, every accepted delivery is still delivered after a restart;
//! SIGTERM releases in-flight claims; two processes on one Postgres deliver
//! each message exactly once in the normal case.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::{
    Server, create_webhook, received_ids, send_many, slow_endpoint, status_of, wait_all_delivered,
    wait_for_a_request,
};
use patchbay_storage::testing::{TestDatabase, on_both_backends};

on_both_backends!(sigkill_loses_nothing, sigterm_releases_claims);

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
