//! Point reads (by id and by seq) are coalesced into shared queries under
//! concurrency (see `reads.rs`); on both backends every reader must still
//! get exactly its own answer: its organization's row, nothing for
//! another's, and a row that fails to open fails only its own readers.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use common::*;
use diesel::RunQueryDsl;
use patchbay_domain::{IntegrationId, IntegrationStore, OrgId, StoreError, TenantStore};
use patchbay_storage::establish;
use patchbay_storage::testing::{TestDatabase, on_both_backends};

on_both_backends!(concurrent_reads_each_get_their_own_answer);

#[derive(Debug, Clone)]
enum By {
    Id(IntegrationId),
    Seq(i64),
}

#[derive(Debug, Clone, PartialEq)]
enum Expect {
    Named(String),
    Nothing,
    Sealed,
}

async fn concurrent_reads_each_get_their_own_answer(tdb: TestDatabase) {
    let store = store(&tdb, keyring(&key_line("k1")));
    let org = |label: &str| {
        let store = store.clone();
        let name = format!("{label}-{}", random_suffix());
        async move { store.ensure_organization(&name).await.unwrap().id }
    };
    let (a, b) = (org("reads-a").await, org("reads-b").await);
    let mut rows = Vec::new();
    for n in 0..6 {
        let owner = if n % 3 == 2 { &b } else { &a };
        let name = format!("row {n}");
        let it = store
            .insert(&slack(owner, &name, &format!("xoxb-read-{n}")))
            .await
            .unwrap();
        rows.push((owner.clone(), it.id, it.seq, name));
    }
    // Row 0's envelope is swapped for row 1's: it must fail to open, alone.
    let mut conn = establish(tdb.url()).unwrap();
    diesel::sql_query(format!(
        "UPDATE integrations SET secrets = (SELECT s.secrets FROM integrations s \
         WHERE s.id = '{}') WHERE id = '{}'",
        rows[1].1, rows[0].1
    ))
    .execute(&mut conn)
    .unwrap();

    let mut asks: Vec<(OrgId, By, Expect)> = Vec::new();
    for (n, (owner, id, seq, name)) in rows.iter().enumerate() {
        let expect = if n == 0 {
            Expect::Sealed
        } else {
            Expect::Named(name.clone())
        };
        let stranger = if owner == &a { &b } else { &a };
        for by in [By::Id(id.clone()), By::Seq(*seq)] {
            asks.push((owner.clone(), by.clone(), expect.clone()));
            asks.push((stranger.clone(), by, Expect::Nothing));
        }
    }
    asks.push((
        a.clone(),
        By::Id(IntegrationId::generate()),
        Expect::Nothing,
    ));
    asks.push((a.clone(), By::Seq(i64::MAX), Expect::Nothing));

    // 400 reads at once on a pool of 4: most of them share a query, and the
    // same id is often asked for twice in one batch.
    let mut tasks = Vec::new();
    for i in 0..400 {
        let (org, by, expect) = asks[(i * 7) % asks.len()].clone();
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let read = match &by {
                By::Id(id) => store.get(&org, id).await,
                By::Seq(seq) => store.get_by_seq(&org, *seq).await,
            };
            let got = match read {
                Ok(Some(it)) => {
                    assert_eq!(it.org_id, org);
                    match &by {
                        By::Id(id) => assert_eq!(&it.id, id),
                        By::Seq(seq) => assert_eq!(it.seq, *seq),
                    }
                    Expect::Named(it.name)
                }
                Ok(None) => Expect::Nothing,
                Err(StoreError::Crypto(message)) => {
                    assert!(message.contains("int_"), "{message}");
                    Expect::Sealed
                }
                Err(e) => panic!("unexpected error: {e}"),
            };
            assert_eq!(got, expect, "{org} {by:?}");
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    // Secrets are opened as on any read.
    let (owner, id, _, _) = &rows[4];
    let it = store.get(owner, id).await.unwrap().unwrap();
    assert_eq!(
        it.config.secret("botToken").unwrap().expose(),
        "xoxb-read-4"
    );
}
