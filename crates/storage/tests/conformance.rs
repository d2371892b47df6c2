//! One conformance suite for the store contracts, run against both backends:
//! whatever passes on SQLite must pass on Postgres and the reverse.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use std::collections::BTreeSet;

use common::*;
use patchbay_domain::auth::{ApiKeyRecord, Scope, Scopes};
use patchbay_domain::catalogue::IntegrationType;
use patchbay_domain::service::now;
use patchbay_domain::{
    ApiKeyId, Environment, IntegrationId, IntegrationStore, ListQuery, OrgId, Status, StoreError,
    TenantStore, TestResult, WriteOutcome,
};
use patchbay_storage::SqlStore;
use patchbay_storage::testing::{TestDatabase, on_both_backends};
use serde_json::json;

on_both_backends!(conformance);

async fn conformance(tdb: TestDatabase) {
    let store = store(&tdb, keyring(&key_line("k1")));
    store.ping().await.unwrap();
    crud(&store).await;
    filters(&store).await;
    pagination(&store).await;
    lists_in_creation_order(&store).await;
    org_isolation(&store).await;
    compare_and_swap(&store).await;
    record_test_keeps_version(&store).await;
    seq_is_unique_increasing_and_never_reused(&store).await;
    organizations(&store).await;
    api_keys(&store).await;
    audited_writes_commit_together(&store).await;
    get_many_keeps_to_each_organization(&store).await;
}

async fn get_many_keeps_to_each_organization(store: &SqlStore) {
    let (a, b) = (
        new_org(store, "many-a").await,
        new_org(store, "many-b").await,
    );
    let a1 = store.insert(&slack(&a, "a1", "xoxb-a1")).await.unwrap();
    let a2 = store.insert(&slack(&a, "a2", "xoxb-a2")).await.unwrap();
    let b1 = store.insert(&slack(&b, "b1", "xoxb-b1")).await.unwrap();
    assert!(store.get_many(&[]).await.unwrap().is_empty());
    let got = store
        .get_many(&[
            (a.clone(), a1.id.clone()),
            (b.clone(), b1.id.clone()),
            (a.clone(), a2.id.clone()),
            // Another organization's id asked for as A's: not returned.
            (a.clone(), b1.id.clone()),
            (a.clone(), IntegrationId::generate()),
        ])
        .await
        .unwrap();
    let mut names: Vec<(String, String)> = got
        .iter()
        .map(|i| (i.org_id.to_string(), i.name.clone()))
        .collect();
    names.sort();
    let mut expected = vec![
        (a.to_string(), "a1".to_string()),
        (a.to_string(), "a2".to_string()),
        (b.to_string(), "b1".to_string()),
    ];
    expected.sort();
    assert_eq!(names, expected);
    // Secrets are opened like any read.
    let a1_again = got.iter().find(|i| i.id == a1.id).unwrap();
    assert!(a1_again.config.secret("botToken").is_some());
    let only_b: Vec<_> = store.get_many(&[(b.clone(), a1.id.clone())]).await.unwrap();
    assert!(only_b.is_empty());
}

/// A create or a saved test and its audit event commit together, or not at
/// all.
async fn audited_writes_commit_together(store: &SqlStore) {
    use patchbay_domain::audit::{AuditAction, AuditQuery, AuditStore, NewAuditEvent};

    let org = new_org(store, "audited").await;
    let event = |org: &OrgId, id: &IntegrationId, action, detail: Option<&str>| NewAuditEvent {
        org_id: org.clone(),
        actor: "operator".into(),
        action,
        integration_id: Some(id.clone()),
        changed_fields: vec!["name".into(), "config.botToken".into()],
        detail: detail.map(str::to_string),
        at: now(),
    };
    let events = |org: OrgId| async move {
        let query = AuditQuery {
            limit: 100,
            ..AuditQuery::default()
        };
        AuditStore::list(store, &org, &query).await.unwrap()
    };

    let it = slack(&org, "audited", "xoxb-audited");
    let saved = store
        .insert_audited(&it, &event(&org, &it.id, AuditAction::Created, None))
        .await
        .unwrap();
    assert!(saved.seq > 0);
    let got = store.get(&org, &it.id).await.unwrap().unwrap();
    assert_eq!(got.name, "audited");
    let trail = events(org.clone()).await;
    assert_eq!(trail.len(), 1);
    assert_eq!(trail[0].event.action, AuditAction::Created);
    assert_eq!(trail[0].event.changed_fields, ["name", "config.botToken"]);

    // The event cannot be written (its organization does not exist): the
    // integration is not written either.
    let ghost = OrgId::generate();
    let lost = slack(&org, "never", "xoxb-never");
    assert!(
        store
            .insert_audited(&lost, &event(&ghost, &lost.id, AuditAction::Created, None))
            .await
            .is_err()
    );
    assert!(store.get(&org, &lost.id).await.unwrap().is_none());

    // A saved test and its event, together.
    let result = TestResult {
        success: true,
        message: "ok".into(),
        latency_ms: 7,
        tested_at: now(),
    };
    let tested = event(&org, &it.id, AuditAction::Tested, Some("success"));
    assert!(
        store
            .record_test_audited(&org, &it.id, &result, &tested)
            .await
            .unwrap()
    );
    let got = store.get(&org, &it.id).await.unwrap().unwrap();
    assert_eq!(got.last_test.as_ref().unwrap().latency_ms, 7);
    assert_eq!(got.version, saved.version);
    let trail = events(org.clone()).await;
    assert_eq!(trail.len(), 2);
    assert_eq!(trail[1].event.detail.as_deref(), Some("success"));
    // Nothing to test: no event either.
    let missing = IntegrationId::generate();
    assert!(
        !store
            .record_test_audited(
                &org,
                &missing,
                &result,
                &event(&org, &missing, AuditAction::Tested, None)
            )
            .await
            .unwrap()
    );
    assert_eq!(events(org.clone()).await.len(), 2);
    // The event fails: the result is rolled back with it.
    let later = TestResult {
        latency_ms: 99,
        ..result
    };
    assert!(
        store
            .record_test_audited(
                &org,
                &it.id,
                &later,
                &event(&ghost, &it.id, AuditAction::Tested, None)
            )
            .await
            .is_err()
    );
    let got = store.get(&org, &it.id).await.unwrap().unwrap();
    assert_eq!(got.last_test.unwrap().latency_ms, 7);
}

async fn new_org(store: &SqlStore, label: &str) -> OrgId {
    store
        .ensure_organization(&format!("{label}-{}", random_suffix()))
        .await
        .unwrap()
        .id
}

async fn crud(store: &SqlStore) {
    let org = new_org(store, "crud").await;
    let mut created = slack(&org, "Ops alerts", "xoxb-crud-1");
    created.is_managed = true;
    let inserted = store.insert(&created).await.unwrap();
    assert!(inserted.seq > 0);
    created.seq = inserted.seq;
    assert_eq!(snapshot(&inserted), snapshot(&created));

    let fetched = store.get(&org, &created.id).await.unwrap().unwrap();
    assert_eq!(snapshot(&fetched), snapshot(&created));
    assert_eq!(
        fetched.config.secret("botToken").unwrap().expose(),
        "xoxb-crud-1"
    );

    // Update: rename, re-point, new secret.
    let mut next = fetched.clone();
    next.name = "Ops alerts (EU)".into();
    next.environment = Environment::Stage;
    next.status = Status::Inactive;
    next.config = config(
        json!({"channel": "#ops-eu", "extra": {"nested": [1, 2]}}),
        json!({"botToken": "xoxb-crud-2", "signingSecret": {"a": "b"}}),
    );
    next.updated_at = now();
    let WriteOutcome::Done(updated) = store.update(&next, 1).await.unwrap() else {
        panic!("update at the current version must succeed");
    };
    assert_eq!(updated.version, 2);
    let mut expected = next.clone();
    expected.version = 2;
    assert_eq!(snapshot(&updated), snapshot(&expected));
    let fetched = store.get(&org, &created.id).await.unwrap().unwrap();
    assert_eq!(snapshot(&fetched), snapshot(&expected));
    // Type and managed flag are not changed by an update.
    assert_eq!(fetched.kind, IntegrationType::Slack);
    assert!(fetched.is_managed);

    // Removing every secret leaves none behind.
    let mut plain_only = fetched.clone();
    plain_only.config = config(json!({"channel": "#quiet"}), json!({}));
    let WriteOutcome::Done(updated) = store.update(&plain_only, 2).await.unwrap() else {
        panic!("second update must succeed");
    };
    assert!(!updated.config.has_secrets());
    let fetched = store.get(&org, &created.id).await.unwrap().unwrap();
    assert!(!fetched.config.has_secrets());
    assert_eq!(fetched.config.plain_str("channel"), Some("#quiet"));

    // Same id twice is a duplicate.
    let err = store.insert(&created).await.unwrap_err();
    assert!(matches!(err, StoreError::Duplicate(_)), "{err:?}");

    // Delete without a version, then it is gone.
    assert!(matches!(
        store.delete(&org, &created.id, None).await.unwrap(),
        WriteOutcome::Done(())
    ));
    assert!(store.get(&org, &created.id).await.unwrap().is_none());
    assert!(matches!(
        store.delete(&org, &created.id, None).await.unwrap(),
        WriteOutcome::NotFound
    ));
    assert!(
        store
            .get(&org, &IntegrationId::generate())
            .await
            .unwrap()
            .is_none()
    );

    // Delete at a version: stale is refused and keeps the row.
    let other = store
        .insert(&slack(&org, "To delete", "xoxb-del"))
        .await
        .unwrap();
    assert!(matches!(
        store.delete(&org, &other.id, Some(7)).await.unwrap(),
        WriteOutcome::VersionMismatch
    ));
    assert!(store.get(&org, &other.id).await.unwrap().is_some());
    assert!(matches!(
        store.delete(&org, &other.id, Some(1)).await.unwrap(),
        WriteOutcome::Done(())
    ));
    assert!(matches!(
        store.delete(&org, &other.id, Some(1)).await.unwrap(),
        WriteOutcome::NotFound
    ));
}

async fn filters(store: &SqlStore) {
    let org = new_org(store, "filters").await;
    let combos = [
        (
            IntegrationType::Slack,
            Environment::Production,
            Status::Active,
        ),
        (IntegrationType::Slack, Environment::Stage, Status::Inactive),
        (
            IntegrationType::Discord,
            Environment::Production,
            Status::Inactive,
        ),
        (IntegrationType::Discord, Environment::Stage, Status::Active),
        (
            IntegrationType::Webhook,
            Environment::Production,
            Status::Active,
        ),
        (
            IntegrationType::Sendgrid,
            Environment::Stage,
            Status::Active,
        ),
    ];
    let mut all = Vec::new();
    for (n, (kind, environment, status)) in combos.into_iter().enumerate() {
        let i = integration(
            &org,
            &format!("f{n}"),
            kind,
            environment,
            status,
            config(json!({"n": n}), json!({"token": format!("t{n}")})),
        );
        all.push(store.insert(&i).await.unwrap());
    }
    let ids = |pred: &dyn Fn(&patchbay_domain::Integration) -> bool| -> Vec<String> {
        let mut v: Vec<String> = all
            .iter()
            .filter(|i| pred(i))
            .map(|i| i.id.to_string())
            .collect();
        v.sort();
        v
    };
    let org_ref = &org;
    let listed = |q: ListQuery| async move {
        store
            .list(org_ref, &q)
            .await
            .unwrap()
            .into_iter()
            .map(|i| i.id.to_string())
            .collect::<Vec<_>>()
    };
    let q = |kind, status, environment| ListQuery {
        kind,
        status,
        environment,
        after: None,
        limit: 100,
    };

    assert_eq!(listed(q(None, None, None)).await, ids(&|_| true));
    assert_eq!(
        listed(q(Some(IntegrationType::Slack), None, None)).await,
        ids(&|i| i.kind == IntegrationType::Slack)
    );
    assert_eq!(
        listed(q(Some(IntegrationType::Telegram), None, None)).await,
        Vec::<String>::new()
    );
    assert_eq!(
        listed(q(None, Some(Status::Inactive), None)).await,
        ids(&|i| i.status == Status::Inactive)
    );
    assert_eq!(
        listed(q(None, None, Some(Environment::Stage))).await,
        ids(&|i| i.environment == Environment::Stage)
    );
    assert_eq!(
        listed(q(
            Some(IntegrationType::Discord),
            Some(Status::Active),
            Some(Environment::Stage)
        ))
        .await,
        ids(&|i| i.kind == IntegrationType::Discord
            && i.status == Status::Active
            && i.environment == Environment::Stage)
    );
    // Listed rows carry their non-secret config; no secret is opened.
    let first = store
        .list(&org, &q(Some(IntegrationType::Webhook), None, None))
        .await
        .unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].config.plain("n"), Some(&json!(4)));
    assert!(!first[0].config.has_secrets());
    // Limit zero answers nothing rather than everything.
    let mut zero = q(None, None, None);
    zero.limit = 0;
    assert!(store.list(&org, &zero).await.unwrap().is_empty());
}

async fn pagination(store: &SqlStore) {
    let org = new_org(store, "pages").await;
    let mut inserted = Vec::new();
    for n in 0..25 {
        let kind = if n % 3 == 0 {
            IntegrationType::Discord
        } else {
            IntegrationType::Slack
        };
        let i = integration(
            &org,
            &format!("p{n}"),
            kind,
            Environment::Production,
            Status::Active,
            config(json!({}), json!({"token": format!("t{n}")})),
        );
        inserted.push(store.insert(&i).await.unwrap().id.to_string());
    }
    let mut seen: Vec<String> = Vec::new();
    let mut page_sizes = Vec::new();
    let mut after: Option<IntegrationId> = None;
    loop {
        let page = store
            .list(
                &org,
                &ListQuery {
                    after: after.clone(),
                    limit: 7,
                    ..ListQuery::default()
                },
            )
            .await
            .unwrap();
        if page.is_empty() {
            break;
        }
        page_sizes.push(page.len());
        after = page.last().map(|i| i.id.clone());
        seen.extend(page.into_iter().map(|i| i.id.to_string()));
        assert!(page_sizes.len() <= 5, "pagination does not terminate");
    }
    assert_eq!(page_sizes, vec![7, 7, 7, 4]);
    assert_eq!(seen, inserted, "pages must walk the rows in creation order");

    // The cursor composes with a filter.
    let mut discord = Vec::new();
    let mut after: Option<IntegrationId> = None;
    loop {
        let page = store
            .list(
                &org,
                &ListQuery {
                    kind: Some(IntegrationType::Discord),
                    after: after.clone(),
                    limit: 2,
                    ..ListQuery::default()
                },
            )
            .await
            .unwrap();
        let Some(last) = page.last() else { break };
        after = Some(last.id.clone());
        assert!(page.iter().all(|i| i.kind == IntegrationType::Discord));
        discord.extend(page.into_iter().map(|i| i.id.to_string()));
    }
    assert_eq!(discord.len(), 9);
    let expected: Vec<String> = inserted.iter().step_by(3).cloned().collect();
    assert_eq!(discord, expected);
}

/// Lists follow the order rows were stored in, not the order of their ids:
/// ids made in the same millisecond by two processes, or stored by
/// concurrent requests, need not sort in creation order.
async fn lists_in_creation_order(store: &SqlStore) {
    let org = new_org(store, "order").await;
    let ids_then_rows: Vec<_> = (0..6)
        .map(|n| slack(&org, &format!("o{n}"), "xoxb-o"))
        .collect();
    // Stored newest id first: id order is the reverse of creation order.
    let mut created = Vec::new();
    for row in ids_then_rows.iter().rev() {
        created.push(store.insert(row).await.unwrap().id);
    }
    assert!(created.windows(2).all(|w| w[0] > w[1]));
    let page = |after: Option<IntegrationId>, limit: u32| {
        let query = ListQuery {
            after,
            limit,
            ..ListQuery::default()
        };
        let org = org.clone();
        async move {
            store
                .list(&org, &query)
                .await
                .unwrap()
                .into_iter()
                .map(|i| i.id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(page(None, 100).await, created);
    for limit in [1, 2, 4] {
        let (mut seen, mut after) = (Vec::new(), None);
        loop {
            let rows = page(after.clone(), limit).await;
            let Some(last) = rows.last() else { break };
            after = Some(last.clone());
            seen.extend(rows);
            assert!(seen.len() <= created.len(), "pages repeat rows");
        }
        assert_eq!(seen, created, "pages of {limit}");
    }

    // The last row of a page, deleted before the next page is read: that
    // page starts right after where the row stood.
    let org = new_org(store, "order-deleted").await;
    let mut created = Vec::new();
    for n in 0..5 {
        let row = slack(&org, &format!("d{n}"), "xoxb-d");
        created.push(store.insert(&row).await.unwrap().id);
    }
    let first = store
        .list(
            &org,
            &ListQuery {
                limit: 2,
                ..ListQuery::default()
            },
        )
        .await
        .unwrap();
    let cursor = first[1].id.clone();
    store.delete(&org, &cursor, None).await.unwrap();
    let next: Vec<_> = store
        .list(
            &org,
            &ListQuery {
                after: Some(cursor),
                limit: 100,
                ..ListQuery::default()
            },
        )
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.id)
        .collect();
    assert_eq!(next, created[2..]);
}

async fn org_isolation(store: &SqlStore) {
    let org_a = new_org(store, "iso-a").await;
    let org_b = new_org(store, "iso-b").await;
    let a = store.insert(&slack(&org_a, "A's", "xoxb-a")).await.unwrap();
    let before = snapshot(&store.get(&org_a, &a.id).await.unwrap().unwrap());

    assert!(store.get(&org_b, &a.id).await.unwrap().is_none());
    assert!(store.get_by_seq(&org_b, a.seq).await.unwrap().is_none());
    let listed = store
        .list(
            &org_b,
            &ListQuery {
                limit: 100,
                ..ListQuery::default()
            },
        )
        .await
        .unwrap();
    assert!(listed.iter().all(|i| i.id != a.id));

    // An update carrying org B's id, at A's current version, must not land.
    let mut hijack = a.clone();
    hijack.org_id = org_b.clone();
    hijack.name = "stolen".into();
    assert!(matches!(
        store.update(&hijack, a.version).await.unwrap(),
        WriteOutcome::NotFound
    ));
    assert!(matches!(
        store.delete(&org_b, &a.id, None).await.unwrap(),
        WriteOutcome::NotFound
    ));
    assert!(matches!(
        store.delete(&org_b, &a.id, Some(a.version)).await.unwrap(),
        WriteOutcome::NotFound
    ));
    let result = TestResult {
        success: false,
        message: "from B".into(),
        latency_ms: 1,
        tested_at: now(),
    };
    assert!(!store.record_test(&org_b, &a.id, &result).await.unwrap());

    let after = snapshot(&store.get(&org_a, &a.id).await.unwrap().unwrap());
    assert_eq!(before, after, "org B changed org A's row");
}

async fn compare_and_swap(store: &SqlStore) {
    let org = new_org(store, "cas").await;
    let row = store.insert(&slack(&org, "v1", "xoxb-v1")).await.unwrap();

    let mut first = row.clone();
    first.name = "v2 by first writer".into();
    let WriteOutcome::Done(v2) = store.update(&first, 1).await.unwrap() else {
        panic!("first writer must win");
    };
    assert_eq!(v2.version, 2);
    let stored = snapshot(&store.get(&org, &row.id).await.unwrap().unwrap());

    let mut second = row.clone();
    second.name = "v2 by second writer".into();
    second.config = config(json!({"channel": "#x"}), json!({"botToken": "xoxb-lost"}));
    assert!(matches!(
        store.update(&second, 1).await.unwrap(),
        WriteOutcome::VersionMismatch
    ));
    assert!(matches!(
        store.update(&second, 5).await.unwrap(),
        WriteOutcome::VersionMismatch
    ));
    assert_eq!(
        snapshot(&store.get(&org, &row.id).await.unwrap().unwrap()),
        stored,
        "a stale update changed the row"
    );

    // Racing writers at the same version: exactly one wins, the rest are told
    // so (never a lock error, never a lost update).
    let tasks: Vec<_> = (0..8)
        .map(|n| {
            let store = store.clone();
            let mut racer = v2.clone();
            racer.name = format!("racer {n}");
            tokio::spawn(async move { store.update(&racer, 2).await })
        })
        .collect();
    let mut winners = Vec::new();
    for task in tasks {
        match task.await.unwrap().unwrap() {
            WriteOutcome::Done(row) => winners.push(row.name),
            WriteOutcome::VersionMismatch => {}
            WriteOutcome::NotFound => panic!("racing update lost the row"),
        }
    }
    assert_eq!(winners.len(), 1, "{winners:?}");
    let stored = store.get(&org, &row.id).await.unwrap().unwrap();
    assert_eq!(stored.version, 3);
    assert_eq!(stored.name, winners[0]);

    let mut missing = row.clone();
    missing.id = IntegrationId::generate();
    assert!(matches!(
        store.update(&missing, 1).await.unwrap(),
        WriteOutcome::NotFound
    ));
}

async fn record_test_keeps_version(store: &SqlStore) {
    let org = new_org(store, "test-result").await;
    let row = store.insert(&slack(&org, "t", "xoxb-t")).await.unwrap();
    let result = TestResult {
        success: true,
        message: "Connected to workspace".into(),
        latency_ms: 123,
        tested_at: now(),
    };
    assert!(store.record_test(&org, &row.id, &result).await.unwrap());
    let fetched = store.get(&org, &row.id).await.unwrap().unwrap();
    assert_eq!(fetched.last_test.as_ref(), Some(&result));
    assert_eq!(fetched.version, row.version);
    assert_eq!(fetched.updated_at, row.updated_at);

    let failed = TestResult {
        success: false,
        message: "invalid_auth".into(),
        latency_ms: 7,
        tested_at: now(),
    };
    assert!(store.record_test(&org, &row.id, &failed).await.unwrap());
    let fetched = store.get(&org, &row.id).await.unwrap().unwrap();
    assert_eq!(fetched.last_test.as_ref(), Some(&failed));
    assert_eq!(fetched.version, row.version);
    // The ETag a client holds stays valid across tests.
    let mut renamed = fetched.clone();
    renamed.name = "renamed".into();
    assert!(matches!(
        store.update(&renamed, row.version).await.unwrap(),
        WriteOutcome::Done(_)
    ));
    assert!(
        !store
            .record_test(&org, &IntegrationId::generate(), &failed)
            .await
            .unwrap()
    );
}

async fn seq_is_unique_increasing_and_never_reused(store: &SqlStore) {
    let org = new_org(store, "seq").await;
    let mut seqs = Vec::new();
    let mut last = None;
    for n in 0..5 {
        let row = store
            .insert(&slack(&org, &format!("s{n}"), "xoxb-s"))
            .await
            .unwrap();
        let by_seq = store.get_by_seq(&org, row.seq).await.unwrap().unwrap();
        assert_eq!(snapshot(&by_seq), snapshot(&row));
        seqs.push(row.seq);
        last = Some(row);
    }
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    assert!(
        store
            .get_by_seq(&org, seqs[4] + 1_000_000)
            .await
            .unwrap()
            .is_none()
    );

    // The highest seq, deleted, is not handed out again: the `/integrations`
    // API (integer type ids) exposes seq as the integration's id.
    let last = last.unwrap();
    store.delete(&org, &last.id, None).await.unwrap();
    let next = store.insert(&slack(&org, "s5", "xoxb-s")).await.unwrap();
    assert!(next.seq > last.seq, "{} <= {}", next.seq, last.seq);
    assert!(store.get_by_seq(&org, last.seq).await.unwrap().is_none());
}

async fn organizations(store: &SqlStore) {
    let name = format!("acme-{}", random_suffix());
    let first = store.ensure_organization(&name).await.unwrap();
    let again = store.ensure_organization(&name).await.unwrap();
    assert_eq!(first, again);
    assert_eq!(first.name, name);
    assert_eq!(
        store.get_organization(&first.id).await.unwrap(),
        Some(first.clone())
    );
    assert_eq!(
        store.get_organization(&OrgId::generate()).await.unwrap(),
        None
    );

    // Racing creators all get the one organization.
    let racing = format!("race-{}", random_suffix());
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let store = store.clone();
            let racing = racing.clone();
            tokio::spawn(async move { store.ensure_organization(&racing).await })
        })
        .collect();
    let mut ids = BTreeSet::new();
    for task in tasks {
        ids.insert(task.await.unwrap().unwrap().id);
    }
    assert_eq!(ids.len(), 1, "{ids:?}");
}

async fn api_keys(store: &SqlStore) {
    let org = store
        .ensure_organization(&format!("keys-{}", random_suffix()))
        .await
        .unwrap();
    let other_org = new_org(store, "keys-other").await;
    let count_before = store.count_api_keys().await.unwrap();
    let record = |org: &OrgId, name: &str| ApiKeyRecord {
        id: ApiKeyId::generate(),
        org_id: org.clone(),
        name: name.into(),
        display_prefix: "pbk_abcdef".into(),
        scopes: Scopes::new(vec![Scope::Read, Scope::Write]),
        created_at: now(),
        revoked_at: None,
    };
    let hash = format!("{:0>64}", random_suffix());
    let key = record(&org.id, "ci");
    store.insert_api_key(&key, &hash).await.unwrap();
    let other_hash = format!("{:1>64}", random_suffix());
    let other_key = record(&other_org, "other");
    store.insert_api_key(&other_key, &other_hash).await.unwrap();

    assert_eq!(store.find_api_key(&hash).await.unwrap(), Some(key.clone()));
    assert_eq!(store.find_api_key(&"f".repeat(64)).await.unwrap(), None);
    assert_eq!(store.count_api_keys().await.unwrap(), count_before + 2);

    let listed = store.list_api_keys(Some(&org.id)).await.unwrap();
    assert_eq!(listed, vec![key.clone()]);
    let everyone = store.list_api_keys(None).await.unwrap();
    assert!(everyone.contains(&key) && everyone.contains(&other_key));

    // The same hash twice is refused, whatever the record.
    let err = store
        .insert_api_key(&record(&org.id, "dup"), &hash)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Duplicate(_)), "{err:?}");

    let at = now();
    assert!(store.revoke_api_key(&key.id, at).await.unwrap());
    assert_eq!(store.find_api_key(&hash).await.unwrap(), None);
    assert!(!store.revoke_api_key(&key.id, now()).await.unwrap());
    assert!(
        !store
            .revoke_api_key(&ApiKeyId::generate(), now())
            .await
            .unwrap()
    );
    let listed = store.list_api_keys(Some(&org.id)).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].revoked_at, Some(at));
    // Revoked keys still count: a fresh bootstrap key must not reappear.
    assert_eq!(store.count_api_keys().await.unwrap(), count_before + 2);
    // The other organization's key is untouched.
    assert_eq!(
        store.find_api_key(&other_hash).await.unwrap(),
        Some(other_key)
    );
}
