//! A database that does not answer is `StoreError::Unavailable` within the
//! pool's checkout bound (2 s by default), not after a long wait or as an
//! opaque error: a stopped Postgres, and SQLite's write lock held past the
//! bound. The pool is back by itself once the database is.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use patchbay_domain::{IntegrationId, IntegrationStore, StoreError, TenantStore};
use patchbay_storage::testing::{TestDatabase, eventually};

/// The default bound is 2 s: far below this even on a loaded 2-core machine.
const WITHIN: Duration = Duration::from_secs(5);

#[track_caller]
fn assert_unavailable_within<T: std::fmt::Debug>(
    what: &str,
    result: Result<T, StoreError>,
    started: Instant,
) {
    let took = started.elapsed();
    match result {
        Err(StoreError::Unavailable(_)) => {}
        other => panic!("{what}: expected Unavailable, got {other:?}"),
    }
    assert!(took < WITHIN, "{what} took {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_postgres_is_unavailable_within_the_bound() {
    let Some(tdb) = TestDatabase::own_postgres_server() else {
        return;
    };
    // A pool of 4 with the default bound.
    let store = Arc::new(common::store(
        &tdb,
        common::keyring(&common::key_line("k1")),
    ));
    let org = store.ensure_organization("acme").await.unwrap().id;
    let kept = store
        .insert(&common::slack(&org, "kept", "xoxb-kept"))
        .await
        .unwrap();
    let server = tdb.own_server().unwrap();
    server.stop();

    // The first calls may meet pooled connections the server closed; the
    // later ones wait for a new connection that is refused.
    for n in 0..4 {
        let started = Instant::now();
        let result = store.ping().await;
        assert_unavailable_within(&format!("call {n}"), result, started);
    }
    // A burst beyond the pool, queued for connections, is refused in time
    // too.
    let started = Instant::now();
    let calls: Vec<_> = (0..12)
        .map(|_| {
            let store = store.clone();
            let org = org.clone();
            tokio::spawn(async move { store.get(&org, &IntegrationId::generate()).await })
        })
        .collect();
    for call in calls {
        assert_unavailable_within("a call of the burst", call.await.unwrap(), started);
    }

    server.resume().unwrap();
    let store = &store;
    eventually(
        "the pool to reconnect",
        Duration::from_secs(30),
        || async move { store.ping().await.map_err(|e| e.to_string()) },
    )
    .await;
    let got = store.get(&org, &kept.id).await.unwrap().unwrap();
    assert_eq!(common::snapshot(&got), common::snapshot(&kept));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_write_lock_held_past_the_bound_is_unavailable() {
    let tdb = TestDatabase::sqlite();
    let store = common::store(&tdb, common::keyring(&common::key_line("k1")));
    let org = store.ensure_organization("acme").await.unwrap().id;
    let kept = store
        .insert(&common::slack(&org, "kept", "xoxb-kept"))
        .await
        .unwrap();

    let lock = tdb.hold_write_lock();
    // Readers do not wait for the writer (WAL).
    assert!(store.get(&org, &kept.id).await.unwrap().is_some());
    let started = Instant::now();
    let result = store
        .insert(&common::slack(&org, "blocked", "xoxb-blocked"))
        .await;
    assert_unavailable_within("a write behind the lock", result, started);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "a write waits for the lock before giving up"
    );

    drop(lock);
    store
        .insert(&common::slack(&org, "after", "xoxb-after"))
        .await
        .unwrap();
}
