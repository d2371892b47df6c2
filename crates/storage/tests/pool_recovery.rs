//! The pool does not ping on checkout, so a connection the server dropped
//! must still be noticed and replaced after the call that met it.

#![allow(clippy::unwrap_used)]

mod common;

use diesel::RunQueryDsl;
use diesel::connection::SimpleConnection;
use patchbay_domain::{IntegrationStore, OrgId};
use patchbay_storage::testing::TestDatabase;
use patchbay_storage::{Database, SqlStore};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_killed_by_the_server_is_replaced() {
    let Some(tdb) = TestDatabase::postgres() else {
        return;
    };
    tdb.connect().run_migrations().unwrap();
    // One connection, so the next call must reuse the one that was killed.
    let db = Database::connect(tdb.url(), 1).unwrap();
    let store = SqlStore::new(db, common::keyring(&common::key_line("k1")));
    let org = OrgId::generate();
    store.ping().await.unwrap();

    // Terminate every other session on this database from outside the pool.
    let mut admin = patchbay_storage::establish(tdb.url()).unwrap();
    let patchbay_storage::DbConnection::Pg(pg) = &mut admin else {
        panic!("postgres")
    };
    pg.batch_execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .unwrap();
    // A terminated backend leaves pg_stat_activity a moment later.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let alive = loop {
        let alive: i64 = diesel::sql_query(
            "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        .load::<Count>(pg)
        .unwrap()[0]
            .n;
        if alive == 0 || std::time::Instant::now() > deadline {
            break alive;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert_eq!(alive, 0, "the pooled connection is gone");

    // The first call may meet the dead connection; after it the pool must
    // hand out a live one, so the following calls all work.
    let first = store
        .get(&org, &patchbay_domain::IntegrationId::generate())
        .await;
    // The database's fault, not the request's: a client may repeat it.
    assert!(
        matches!(first, Err(patchbay_domain::StoreError::Unavailable(_))),
        "the call that meets the dead connection fails as unavailable: {first:?}"
    );
    for _ in 0..3 {
        store
            .ping()
            .await
            .expect("a fresh connection replaced the dead one");
        assert!(
            store
                .get(&org, &patchbay_domain::IntegrationId::generate())
                .await
                .unwrap()
                .is_none()
        );
    }
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}
