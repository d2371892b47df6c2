//! A burst of store calls far beyond the pool waits for connections without
//! occupying a blocking thread each (otherwise 1,000 concurrent calls park
//! hundreds of blocking threads on the pool, and every other request queues
//! behind them). Its own test binary: it counts this process's threads.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use patchbay_domain::IntegrationStore;
use patchbay_storage::testing::TestDatabase;

fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").unwrap().count()
}

async fn burst(tdb: TestDatabase) {
    // The test database's pool has 4 connections.
    let store = Arc::new(common::store(
        &tdb,
        common::keyring(&common::key_line("k1")),
    ));
    store.ping().await.unwrap();
    let before = threads();
    let mut tasks = Vec::new();
    for _ in 0..CALLS {
        let store = store.clone();
        tasks.push(tokio::spawn(async move { store.ping().await }));
    }
    let mut peak = 0;
    for t in tasks {
        t.await.unwrap().unwrap();
        peak = peak.max(threads());
    }
    // Idle blocking threads linger for seconds, so the count afterwards
    // still shows how many the burst started.
    peak = peak.max(threads());
    // A thread per call is about 400. Without one, a handful serve the
    // pool's 4 connections, plus those a busy machine starts while finished
    // ones are still winding down (up to ~60 on a 2-core machine running
    // other work): a quarter of the calls separates the two.
    assert!(
        peak <= before + CALLS / 4,
        "{peak} threads for {CALLS} calls on a pool of 4 (from {before})"
    );
}

const CALLS: usize = 400;

// One test running both backends in turn: a second test running alongside
// would add its own threads to the count.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_does_not_take_a_thread_per_call() {
    burst(TestDatabase::sqlite()).await;
    if let Some(db) = TestDatabase::postgres() {
        burst(db).await;
    }
}
