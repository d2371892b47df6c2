//! Secrets at rest, on both backends: the database never holds a plaintext
//! secret, envelopes are bound to their row, and keys rotate without losing
//! a row.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use std::sync::{Arc, Mutex};

use common::*;
use diesel::RunQueryDsl;
use diesel::sql_types::Text;
use patchbay_domain::{Integration, IntegrationStore, ListQuery, StoreError, TenantStore};
use patchbay_storage::testing::{TestDatabase, on_both_backends};
use patchbay_storage::{Backend, SqlStore, establish};
use serde_json::json;

on_both_backends!(
    canary_never_reaches_the_database,
    rotation_keeps_every_row_readable,
    missing_key_is_named,
    copied_envelope_fails_loudly,
    a_row_that_cannot_be_opened_is_listed_and_fails_only_its_own_reads,
);

fn find(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

async fn canary_never_reaches_the_database(tdb: TestDatabase) {
    let store = store(&tdb, keyring(&key_line("k1")));
    let org = store
        .ensure_organization(&format!("canary-{}", random_suffix()))
        .await
        .unwrap()
        .id;
    let canary = format!("CANARY-{}", random_suffix());
    let structured_canary = format!("CANARY-HDR-{}", random_suffix());
    // A plain value stored the same way proves the scan can see stored text.
    let visible = format!("VISIBLE-{}", random_suffix());
    let mut row = slack(&org, "canary", &canary);
    row.config = config(
        json!({"channel": visible}),
        json!({"botToken": canary, "headers": {"Authorization": structured_canary}}),
    );
    let row = store.insert(&row).await.unwrap();
    // Updates write the secrets again; they must not leak either.
    let mut renamed = row.clone();
    renamed.name = "canary renamed".into();
    store.update(&renamed, row.version).await.unwrap();
    let fetched = store.get(&org, &row.id).await.unwrap().unwrap();
    assert_eq!(fetched.config.secret("botToken").unwrap().expose(), canary);

    let secrets = [canary.as_bytes(), structured_canary.as_bytes()];
    match tdb.backend() {
        Backend::Sqlite => {
            let path = tdb.sqlite_path().unwrap().to_owned();
            let files = || {
                let mut bytes = std::fs::read(&path).unwrap();
                for suffix in ["-wal", "-journal"] {
                    let mut side = path.clone().into_os_string();
                    side.push(suffix);
                    if let Ok(more) = std::fs::read(&side) {
                        bytes.extend(more);
                    }
                }
                bytes
            };
            // Before a checkpoint the rows live in the WAL; after it, in the
            // main file. Check both states.
            let before = files();
            let mut conn = establish(tdb.url()).unwrap();
            diesel::sql_query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&mut conn)
                .unwrap();
            let after = files();
            for bytes in [&before, &after] {
                assert!(find(bytes, visible.as_bytes()), "scan saw no stored text");
                for secret in secrets {
                    assert!(!find(bytes, secret), "a plaintext secret is in the file");
                }
            }
        }
        Backend::Postgres => {
            #[derive(diesel::QueryableByName)]
            struct RowText {
                #[diesel(sql_type = Text)]
                row_text: String,
                #[diesel(sql_type = Text)]
                config: String,
                #[diesel(sql_type = Text)]
                secrets_text: String,
            }
            let mut conn = establish(tdb.url()).unwrap();
            // `t::text` renders every column; bytea renders as hex there, so
            // the envelope is also rendered byte-for-byte with `escape`.
            let rows: Vec<RowText> = diesel::sql_query(
                "SELECT t::text AS row_text, t.config AS config, \
                 COALESCE(encode(t.secrets, 'escape'), '') AS secrets_text \
                 FROM integrations t",
            )
            .load(&mut conn)
            .unwrap();
            assert!(!rows.is_empty());
            assert!(
                rows.iter().any(|r| r.row_text.contains(&visible)),
                "scan saw no stored text"
            );
            for r in &rows {
                for secret in [&canary, &structured_canary] {
                    let hex: String = secret.bytes().map(|b| format!("{b:02x}")).collect();
                    assert!(!r.row_text.contains(secret.as_str()), "secret in a column");
                    assert!(!r.row_text.contains(&hex), "secret in a binary column");
                    assert!(!r.config.contains(secret.as_str()), "secret in config");
                    assert!(!r.secrets_text.contains(secret.as_str()), "secret in clear");
                }
            }
        }
    }
}

async fn insert_rows(store: &SqlStore, count: usize) -> Vec<Integration> {
    let mut rows = Vec::new();
    for org_label in ["rot-a", "rot-b"] {
        let org = store
            .ensure_organization(&format!("{org_label}-{}", random_suffix()))
            .await
            .unwrap()
            .id;
        for n in 0..count {
            let row = if n % 4 == 3 {
                // Some rows hold no secrets at all: nothing to rotate.
                let mut row = slack(&org, &format!("plain {n}"), "unused");
                row.config = config(json!({"channel": "#plain"}), json!({}));
                row
            } else {
                slack(&org, &format!("{org_label} {n}"), &format!("xoxb-{n}"))
            };
            rows.push(store.insert(&row).await.unwrap());
        }
    }
    rows
}

async fn assert_all_readable(store: &SqlStore, rows: &[Integration]) {
    for row in rows {
        let fetched = store
            .get(&row.org_id, &row.id)
            .await
            .unwrap_or_else(|e| panic!("{} unreadable: {e}", row.id))
            .unwrap();
        assert_eq!(
            fetched.config.expose_secrets_for_encryption(),
            row.config.expose_secrets_for_encryption()
        );
    }
}

async fn rotation_keeps_every_row_readable(tdb: TestDatabase) {
    let (k1, k2) = (key_line("k1"), key_line("k2"));
    let old = store(&tdb, keyring(&k1));
    let mut rows = insert_rows(&old, 8).await; // 16 rows, 12 with secrets

    // k2 appended: active, and the k1 rows still read.
    let both = store(&tdb, keyring(&format!("{k1}\n{k2}")));
    assert_eq!(both.keyring().active_key_id(), "k2");
    both.verify_keyring().await.unwrap();
    assert_all_readable(&both, &rows).await;

    // An update moves its row to the active key on the way.
    let moved = rows[0].clone();
    let mut renamed = moved.clone();
    renamed.name = "moved by an update".into();
    let patchbay_domain::WriteOutcome::Done(updated) =
        both.update(&renamed, moved.version).await.unwrap()
    else {
        panic!("update failed");
    };
    rows[0] = updated;
    // New rows are sealed with k2.
    rows.push(
        both.insert(&slack(&rows[0].org_id, "new", "xoxb-new"))
            .await
            .unwrap(),
    );

    let calls = Arc::new(Mutex::new(Vec::new()));
    let seen = calls.clone();
    let resealed = both
        .rotate(5, move |done, total| {
            seen.lock().unwrap().push((done, total))
        })
        .await
        .unwrap();
    assert_eq!(
        resealed, 11,
        "12 rows under k1, one already moved by the update"
    );
    let calls = calls.lock().unwrap().clone();
    assert_eq!(calls.first(), Some(&(0, 11)));
    assert_eq!(calls.last(), Some(&(11, 11)));
    assert!(calls.windows(2).all(|w| w[0].0 <= w[1].0), "{calls:?}");
    assert_eq!(calls.len(), 1 + 3, "batches of 5 over 11 rows: {calls:?}");

    // k1 removed: every row still reads, and the start-up check passes.
    let only_k2 = store(&tdb, keyring(&k2));
    only_k2.verify_keyring().await.unwrap();
    assert_all_readable(&only_k2, &rows).await;

    // Running again finds nothing to do.
    let calls = Arc::new(Mutex::new(Vec::new()));
    let seen = calls.clone();
    let again = only_k2
        .rotate(5, move |done, total| {
            seen.lock().unwrap().push((done, total))
        })
        .await
        .unwrap();
    assert_eq!(again, 0);
    assert_eq!(calls.lock().unwrap().clone(), vec![(0, 0)]);
}

async fn missing_key_is_named(tdb: TestDatabase) {
    let (k1, k2, k3) = (key_line("k1"), key_line("k2"), key_line("k3"));
    let first = store(&tdb, keyring(&k1));
    let rows = insert_rows(&first, 2).await;
    let second = store(&tdb, keyring(&format!("{k1},{k2}")));
    second
        .insert(&slack(&rows[0].org_id, "under k2", "xoxb-k2"))
        .await
        .unwrap();

    // Start-up check: names every missing key id.
    let only_k3 = store(&tdb, keyring(&k3));
    let err = only_k3.verify_keyring().await.unwrap_err();
    let StoreError::Crypto(message) = &err else {
        panic!("expected a crypto error, got {err:?}");
    };
    assert!(
        message.contains("`k1`") && message.contains("`k2`"),
        "{message}"
    );
    assert!(!message.contains("xoxb"), "{message}");

    let only_k2 = store(&tdb, keyring(&k2));
    let err = only_k2.verify_keyring().await.unwrap_err().to_string();
    assert!(
        err.contains("secrets were sealed with key `k1`, which is not in the configured keyring"),
        "{err}"
    );

    // Reads of a k1 row say the same.
    let err = only_k2.get(&rows[0].org_id, &rows[0].id).await.unwrap_err();
    let StoreError::Crypto(message) = &err else {
        panic!("expected a crypto error, got {err:?}");
    };
    assert!(message.contains("`k1`"), "{message}");
    assert!(!message.contains("xoxb"), "{message}");

    // An id configured with the wrong bytes is caught at start-up too.
    let wrong_k1 = key_line("k1");
    let wrong = store(&tdb, keyring(&format!("{wrong_k1},{k2}")));
    let err = wrong.verify_keyring().await.unwrap_err().to_string();
    assert!(err.contains("`k1`"), "{err}");

    // Rotation cannot proceed without the old key, and says which.
    let err = only_k2.rotate(10, |_, _| {}).await.unwrap_err().to_string();
    assert!(err.contains("`k1`"), "{err}");
}

async fn copied_envelope_fails_loudly(tdb: TestDatabase) {
    let store = store(&tdb, keyring(&key_line("k1")));
    let org = store
        .ensure_organization(&format!("copy-{}", random_suffix()))
        .await
        .unwrap()
        .id;
    let other_org = store
        .ensure_organization(&format!("copy-other-{}", random_suffix()))
        .await
        .unwrap()
        .id;
    let source = store
        .insert(&slack(&org, "source", "xoxb-source"))
        .await
        .unwrap();
    let same_org = store
        .insert(&slack(&org, "target", "xoxb-target"))
        .await
        .unwrap();
    let cross_org = store
        .insert(&slack(&other_org, "target", "xoxb-other"))
        .await
        .unwrap();

    let mut conn = establish(tdb.url()).unwrap();
    for target in [&same_org, &cross_org] {
        // Ids are generated ([a-z0-9_] only), so inlining them is safe.
        diesel::sql_query(format!(
            "UPDATE integrations SET secrets = (SELECT s.secrets FROM integrations s \
             WHERE s.id = '{}') WHERE id = '{}'",
            source.id, target.id
        ))
        .execute(&mut conn)
        .unwrap();
        let err = store.get(&target.org_id, &target.id).await.unwrap_err();
        let StoreError::Crypto(message) = &err else {
            panic!("expected a crypto error, got {err:?}");
        };
        assert!(message.contains(target.id.as_str()), "{message}");
        assert!(!message.contains("xoxb"), "{message}");
    }
    // The source row itself is untouched.
    let fetched = store.get(&org, &source.id).await.unwrap().unwrap();
    assert_eq!(
        fetched.config.secret("botToken").unwrap().expose(),
        "xoxb-source"
    );
}

/// Listing opens no secret: a row whose envelope no longer opens is listed
/// with the others (non-secret config included), reading it fails with an
/// error that names it, and every other row reads as before.
async fn a_row_that_cannot_be_opened_is_listed_and_fails_only_its_own_reads(tdb: TestDatabase) {
    let store = store(&tdb, keyring(&key_line("k1")));
    let org = store
        .ensure_organization(&format!("damaged-{}", random_suffix()))
        .await
        .unwrap()
        .id;
    let mut rows = Vec::new();
    for n in 0..3 {
        let mut row = slack(&org, &format!("r{n}"), &format!("xoxb-r{n}"));
        row.config = config(
            json!({"channel": format!("#c{n}")}),
            json!({"botToken": format!("xoxb-r{n}")}),
        );
        rows.push(store.insert(&row).await.unwrap());
    }
    let damaged = &rows[1];
    // Another row's envelope: bound to that row, so it fails to open here.
    let mut conn = establish(tdb.url()).unwrap();
    diesel::sql_query(format!(
        "UPDATE integrations SET secrets = (SELECT s.secrets FROM integrations s \
         WHERE s.id = '{}') WHERE id = '{}'",
        rows[0].id, damaged.id
    ))
    .execute(&mut conn)
    .unwrap();

    let listed = store
        .list(
            &org,
            &ListQuery {
                limit: 100,
                ..ListQuery::default()
            },
        )
        .await
        .unwrap();
    let names: Vec<&str> = listed.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, ["r0", "r1", "r2"]);
    assert_eq!(listed[1].config.plain_str("channel"), Some("#c1"));

    let err = store.get(&org, &damaged.id).await.unwrap_err();
    let StoreError::Crypto(message) = &err else {
        panic!("expected a crypto error, got {err:?}");
    };
    assert!(message.contains(damaged.id.as_str()), "{message}");
    assert!(message.contains("`k1`"), "{message}");
    assert!(!message.contains("xoxb"), "{message}");
    assert!(matches!(
        store.get_by_seq(&org, damaged.seq).await,
        Err(StoreError::Crypto(_))
    ));
    for row in [&rows[0], &rows[2]] {
        let fetched = store.get(&org, &row.id).await.unwrap().unwrap();
        assert_eq!(
            fetched.config.secret("botToken").unwrap().expose(),
            format!("xoxb-{}", row.name)
        );
    }
}
