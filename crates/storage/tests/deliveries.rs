//! The delivery outbox on both backends: claims are exclusive and carry a
//! lease, an expired lease is claimed again, attempts and the next state are
//! written together and only by the lease holder, idempotency keys answer
//! replays, mismatches and in-progress requests.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::TimeDelta;
use patchbay_domain::TenantStore;
use patchbay_domain::bulk::{BulkEntry, BulkOutcome, BulkStore};
use patchbay_domain::catalogue::IntegrationType;
use patchbay_domain::delivery::{
    Attempt, AttemptNext, AttemptOutcome, Delivery, DeliveryStatus, DeliveryStore, EnqueueOutcome,
    IdempotencyClaim, NewDelivery,
};
use patchbay_domain::ids::DeliveryId;
use patchbay_domain::service::now;
use patchbay_domain::{IntegrationId, Message, OrgId};
use patchbay_storage::SqlStore;
use patchbay_storage::testing::{TestDatabase, on_both_backends};

on_both_backends!(
    claims_are_exclusive_and_leases_expire,
    idempotency_outcomes,
    slots_holds_and_health,
    a_bulk_send_is_one_transaction,
    the_retention_purge_deletes_finished_deliveries_in_batches,
    a_claim_leaves_excluded_integrations_queued,
);

fn delivery(org: &OrgId, integration: &IntegrationId, n: i64) -> Delivery {
    let at = now();
    Delivery {
        id: DeliveryId::generate(),
        org_id: org.clone(),
        integration_id: integration.clone(),
        kind: IntegrationType::Webhook,
        message: Message {
            text: Some(format!("message {n}")),
            ..Message::default()
        },
        status: DeliveryStatus::Queued,
        attempts: 0,
        max_attempts: 3,
        next_attempt_at: at,
        deadline_at: at + TimeDelta::hours(1),
        last_error: None,
        last_code: None,
        provider_message_id: None,
        group: None,
        created_at: at,
        updated_at: at,
        completed_at: None,
    }
}

fn attempt(n: i64, outcome: AttemptOutcome) -> Attempt {
    let at = now();
    Attempt {
        number: n,
        started_at: at,
        finished_at: at,
        outcome,
        status_class: "success".into(),
        latency_ms: 3,
        provider_message_id: None,
        error: None,
        code: None,
        retry_after_ms: None,
        retry_at: None,
    }
}

async fn setup(tdb: &TestDatabase) -> (Arc<SqlStore>, OrgId, IntegrationId) {
    let store = Arc::new(common::store(tdb, common::keyring(&common::key_line("k1"))));
    let org = store
        .ensure_organization(&format!("org-{}", common::random_suffix()))
        .await
        .unwrap()
        .id;
    (store, org, IntegrationId::generate())
}

async fn enqueue(store: &SqlStore, d: Delivery) -> Delivery {
    match store
        .enqueue(&NewDelivery {
            delivery: d,
            idempotency: None,
        })
        .await
        .unwrap()
    {
        EnqueueOutcome::Created(d) => d,
        other => panic!("not created: {other:?}"),
    }
}

async fn claims_are_exclusive_and_leases_expire(tdb: TestDatabase) {
    let (store, org, integration) = setup(&tdb).await;
    let mut ids = BTreeSet::new();
    for n in 0..20 {
        ids.insert(enqueue(&store, delivery(&org, &integration, n)).await.id);
    }
    // Four claimants at once: every delivery goes to exactly one of them.
    let t = now();
    let lease = t + TimeDelta::seconds(30);
    let mut tasks = Vec::new();
    for w in 0..4 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .claim(&format!("w{w}"), t, lease, 8, &[])
                .await
                .unwrap()
        }));
    }
    let mut claimed = Vec::new();
    for task in tasks {
        claimed.extend(task.await.unwrap());
    }
    let got: BTreeSet<DeliveryId> = claimed.iter().map(|c| c.delivery.id.clone()).collect();
    assert_eq!(claimed.len(), got.len(), "a delivery was claimed twice");
    assert_eq!(got, ids);
    assert!(
        claimed
            .iter()
            .all(|c| c.delivery.status == DeliveryStatus::Sending)
    );
    // Nothing is due while the leases hold.
    assert!(
        store
            .claim("w9", t, lease, 50, &[])
            .await
            .unwrap()
            .is_empty()
    );
    // After the lease: claimed again (a crashed worker's deliveries).
    let later = t + TimeDelta::seconds(31);
    let again = store
        .claim("w9", later, later + TimeDelta::seconds(30), 50, &[])
        .await
        .unwrap();
    assert_eq!(again.len(), 20);

    // Only the lease holder writes the next state; the attempt is kept.
    let first = &again[0].delivery;
    let written = store
        .finish_attempt(
            first,
            "w0",
            &attempt(1, AttemptOutcome::Delivered),
            &AttemptNext::Delivered {
                provider_message_id: None,
            },
        )
        .await
        .unwrap();
    assert!(!written);
    let written = store
        .finish_attempt(
            first,
            "w9",
            &attempt(1, AttemptOutcome::Retryable),
            &AttemptNext::Retry {
                at: later + TimeDelta::seconds(5),
            },
        )
        .await
        .unwrap();
    assert!(written);
    let d = store.get(&org, &first.id).await.unwrap().unwrap();
    assert_eq!(d.status, DeliveryStatus::Queued);
    assert_eq!(d.attempts, 1);
    assert_eq!(store.attempts(&org, &first.id).await.unwrap().len(), 2);
    // Not due before its time; due after.
    let none = store
        .claim("w9", later + TimeDelta::seconds(4), later, 50, &[])
        .await
        .unwrap();
    assert!(none.iter().all(|c| c.delivery.id != first.id));
    // Another organization sees nothing.
    let other = OrgId::generate();
    assert!(store.get(&other, &first.id).await.unwrap().is_none());
    assert!(store.attempts(&other, &first.id).await.unwrap().is_empty());

    // Release on shutdown: queued again at once.
    let released = store.release_all("w9", later).await.unwrap();
    assert_eq!(released, 19);
}

async fn idempotency_outcomes(tdb: TestDatabase) {
    let (store, org, integration) = setup(&tdb).await;
    let t = now();
    let claim = |hash: &str, later: bool| IdempotencyClaim {
        key: "k-1".into(),
        request_hash: hash.into(),
        completes_later: later,
        in_progress_until: t + TimeDelta::seconds(30),
        expires_at: t + TimeDelta::hours(24),
    };
    let first = store
        .enqueue(&NewDelivery {
            delivery: delivery(&org, &integration, 1),
            idempotency: Some(claim("h1", true)),
        })
        .await
        .unwrap();
    let EnqueueOutcome::Created(first) = first else {
        panic!("{first:?}")
    };
    let again = store
        .enqueue(&NewDelivery {
            delivery: delivery(&org, &integration, 1),
            idempotency: Some(claim("h1", false)),
        })
        .await
        .unwrap();
    assert!(matches!(again, EnqueueOutcome::InProgress), "{again:?}");
    store.complete_idempotency(&org, "k-1").await.unwrap();
    let again = store
        .enqueue(&NewDelivery {
            delivery: delivery(&org, &integration, 1),
            idempotency: Some(claim("h1", false)),
        })
        .await
        .unwrap();
    assert!(
        matches!(&again, EnqueueOutcome::Replayed(d) if d.id == first.id),
        "{again:?}"
    );
    let other = store
        .enqueue(&NewDelivery {
            delivery: delivery(&org, &integration, 2),
            idempotency: Some(claim("h2", false)),
        })
        .await
        .unwrap();
    assert!(matches!(other, EnqueueOutcome::KeyReused), "{other:?}");
    // One delivery in all.
    let list = store
        .list(
            &org,
            &integration,
            &patchbay_domain::delivery::DeliveryListQuery {
                before: None,
                limit: 10,
            },
        )
        .await
        .unwrap();
    assert_eq!(list.len(), 1);
    // Expired keys are purged.
    assert_eq!(
        store
            .purge_idempotency(t + TimeDelta::hours(25))
            .await
            .unwrap(),
        1
    );
}

/// Send slots are shared through the database: consecutive reservations are
/// an interval apart whoever makes them, a far slot reserves nothing, holds
/// push slots back, and none of it (nor health) is a configuration change.
async fn slots_holds_and_health(tdb: TestDatabase) {
    use patchbay_domain::IntegrationStore;
    use patchbay_domain::delivery::SendSlot;
    use patchbay_domain::health::{Health, HealthState};
    use std::time::Duration;

    let (store, org, _) = setup(&tdb).await;
    let saved = store
        .insert(&common::slack(&org, "paced", "xoxb-not-a-real-token"))
        .await
        .unwrap();
    let id = saved.id.clone();
    let t0 = now();
    let sec = Duration::from_secs(1);
    let wait = Duration::from_secs(5);
    let slot = |s: SendSlot| match s {
        SendSlot::Reserved { at } => at,
        other => panic!("{other:?}"),
    };
    let near = |a: chrono::DateTime<chrono::Utc>, b: chrono::DateTime<chrono::Utc>| {
        (a - b).num_milliseconds().abs() <= 1
    };
    // Two stores on one database stand for two server instances.
    let other = Arc::new(common::store(
        &tdb,
        common::keyring(&common::key_line("k1")),
    ));
    let a = slot(store.reserve_send_slot(&id, t0, sec, wait).await.unwrap());
    let b = slot(other.reserve_send_slot(&id, t0, sec, wait).await.unwrap());
    let c = slot(store.reserve_send_slot(&id, t0, sec, wait).await.unwrap());
    assert!(near(a, t0), "{a} vs {t0}");
    assert!(near(b, t0 + TimeDelta::seconds(1)), "{b}");
    assert!(near(c, t0 + TimeDelta::seconds(2)), "{c}");
    // More than max_wait away: nothing reserved, the slot is named.
    let later = store
        .reserve_send_slot(&id, t0, sec, Duration::from_millis(2500))
        .await
        .unwrap();
    assert!(matches!(later, SendSlot::Later { at } if near(at, t0 + TimeDelta::seconds(3))));
    let d = slot(other.reserve_send_slot(&id, t0, sec, wait).await.unwrap());
    assert!(near(d, t0 + TimeDelta::seconds(3)), "{d}");
    // A hold beyond the reserved slots moves the next slot to its end, and
    // an earlier hold does not shorten it.
    let until = t0 + TimeDelta::seconds(10);
    store.hold_sends(&id, until).await.unwrap();
    other
        .hold_sends(&id, t0 + TimeDelta::seconds(2))
        .await
        .unwrap();
    let held = store.send_hold(&id).await.unwrap().unwrap();
    assert!(near(held, until), "{held}");
    let e = slot(
        store
            .reserve_send_slot(&id, t0, sec, Duration::from_secs(60))
            .await
            .unwrap(),
    );
    assert!(near(e, until), "{e}");
    // Concurrent reservations from both stores never share a slot.
    let fresh = store
        .insert(&common::slack(&org, "raced", "xoxb-not-a-real-token"))
        .await
        .unwrap()
        .id;
    let mut tasks = Vec::new();
    for i in 0..12 {
        let s = if i % 2 == 0 {
            store.clone()
        } else {
            other.clone()
        };
        let fresh = fresh.clone();
        tasks.push(tokio::spawn(async move {
            slot(
                s.reserve_send_slot(&fresh, t0, sec, Duration::from_secs(60))
                    .await
                    .unwrap(),
            )
        }));
    }
    let mut slots = Vec::new();
    for t in tasks {
        slots.push(t.await.unwrap());
    }
    slots.sort();
    for (i, s) in slots.iter().enumerate() {
        let expected = t0 + TimeDelta::seconds(i64::try_from(i).unwrap());
        assert!(near(*s, expected), "slot {i} at {s}, expected {expected}");
    }

    // Health is recorded on the integration, read back with it, and leaves
    // the configuration version alone.
    let health = Health {
        state: HealthState::Unhealthy,
        reason: Some("a delivery failed permanently: gone".into()),
        changed_at: Some(now()),
    };
    store.set_health(&org, &id, &health).await.unwrap();
    let got = IntegrationStore::get(store.as_ref(), &org, &id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.version, saved.version);
    assert_eq!(got.updated_at, saved.updated_at);
    let recorded = got.recorded_health.clone().unwrap();
    assert_eq!(recorded.state, HealthState::Unhealthy);
    assert_eq!(recorded.reason, health.reason);
    assert_eq!(got.health().state, HealthState::Unhealthy);
    // Another organization cannot set it.
    let stranger = store
        .ensure_organization(&format!("org-{}", common::random_suffix()))
        .await
        .unwrap()
        .id;
    let healthy = Health {
        state: HealthState::Healthy,
        reason: None,
        changed_at: Some(now()),
    };
    store.set_health(&stranger, &id, &healthy).await.unwrap();
    let got = IntegrationStore::get(store.as_ref(), &org, &id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.health().state, HealthState::Unhealthy);
}

/// A bulk send's entries are written together or not at all: one that
/// cannot be written (here a delivery id used twice) leaves neither the
/// others nor their keys behind.
async fn a_bulk_send_is_one_transaction(tdb: TestDatabase) {
    let (store, org, integration) = setup(&tdb).await;
    let t = now();
    let key = IdempotencyClaim {
        key: "bulk-key".into(),
        request_hash: "h1".into(),
        completes_later: false,
        in_progress_until: t,
        expires_at: t + TimeDelta::hours(24),
    };
    let keyed = NewDelivery {
        delivery: delivery(&org, &integration, 1),
        idempotency: Some(key.clone()),
    };
    let plain = delivery(&org, &integration, 2);
    let twice = NewDelivery {
        delivery: plain.clone(),
        idempotency: None,
    };
    let entries = [
        BulkEntry::Delivery(keyed.clone()),
        BulkEntry::Delivery(twice.clone()),
        BulkEntry::Delivery(twice),
    ];
    assert!(store.enqueue_bulk(&entries).await.is_err());
    for id in [&keyed.delivery.id, &plain.id] {
        assert!(store.get(&org, id).await.unwrap().is_none());
    }
    // The key was not kept either: the same entries without the clash go in.
    let entries = [
        BulkEntry::Delivery(keyed.clone()),
        BulkEntry::Delivery(NewDelivery {
            delivery: plain.clone(),
            idempotency: None,
        }),
    ];
    let outcomes = store.enqueue_bulk(&entries).await.unwrap();
    assert!(
        matches!(
            outcomes.as_slice(),
            [
                BulkOutcome::Delivery(EnqueueOutcome::Created(_)),
                BulkOutcome::Delivery(EnqueueOutcome::Created(_))
            ]
        ),
        "{outcomes:?}"
    );
    // Now the key answers its delivery.
    let again = store.enqueue_bulk(&entries[..1]).await.unwrap();
    match again.as_slice() {
        [BulkOutcome::Delivery(EnqueueOutcome::Replayed(d))] => {
            assert_eq!(d.id, keyed.delivery.id)
        }
        other => panic!("{other:?}"),
    }
    let claimed = store
        .claim("w", now(), now() + TimeDelta::seconds(30), 10, &[])
        .await
        .unwrap();
    assert_eq!(claimed.len(), 2);
}

/// The retention purge takes finished deliveries (and their attempts) that
/// ended before the cutoff, at most a batch at a time, oldest first; queued
/// ones and later ones stay.
async fn the_retention_purge_deletes_finished_deliveries_in_batches(tdb: TestDatabase) {
    let (store, org, integration) = setup(&tdb).await;
    let mut finished = Vec::new();
    for n in 0..3 {
        finished.push(enqueue(&store, delivery(&org, &integration, n)).await);
    }
    let lease = now() + TimeDelta::seconds(30);
    let claimed = store.claim("w", now(), lease, 10, &[]).await.unwrap();
    assert_eq!(claimed.len(), 3);
    for (n, c) in claimed.iter().enumerate() {
        let next = if n == 0 {
            AttemptNext::Failed
        } else {
            AttemptNext::Delivered {
                provider_message_id: None,
            }
        };
        assert!(
            store
                .finish_attempt(
                    &c.delivery,
                    "w",
                    &attempt(1, AttemptOutcome::Delivered),
                    &next
                )
                .await
                .unwrap()
        );
    }
    let waiting = enqueue(&store, delivery(&org, &integration, 9)).await;
    // Nothing finished before a cutoff in the past.
    let past = now() - TimeDelta::hours(1);
    assert_eq!(store.purge_finished(past, 10).await.unwrap(), 0);

    let cutoff = now() + TimeDelta::seconds(1);
    assert_eq!(store.purge_finished(cutoff, 2).await.unwrap(), 2);
    assert_eq!(store.purge_finished(cutoff, 2).await.unwrap(), 1);
    assert_eq!(store.purge_finished(cutoff, 2).await.unwrap(), 0);
    for d in &finished {
        assert!(store.get(&org, &d.id).await.unwrap().is_none());
        assert!(store.attempts(&org, &d.id).await.unwrap().is_empty());
        // Not only unreadable: the attempt rows are gone.
        let sql = format!(
            "DELETE FROM delivery_attempts WHERE delivery_id = '{}'",
            d.id
        );
        assert_eq!(tdb.execute(&sql), 0);
    }
    // The queued delivery is untouched, and still claimable.
    assert!(store.get(&org, &waiting.id).await.unwrap().is_some());
}

/// A claim leaves the rows of the integrations it excludes queued, due or
/// with an expired lease, for a later claim.
async fn a_claim_leaves_excluded_integrations_queued(tdb: TestDatabase) {
    let (store, org, busy) = setup(&tdb).await;
    let other = IntegrationId::generate();
    let mut busy_ids = BTreeSet::new();
    for n in 0..2 {
        busy_ids.insert(enqueue(&store, delivery(&org, &busy, n)).await.id);
    }
    let free = enqueue(&store, delivery(&org, &other, 9)).await.id;
    let t = now();
    let lease = t + TimeDelta::seconds(30);
    let claimed = store
        .claim("w", t, lease, 10, std::slice::from_ref(&busy))
        .await
        .unwrap();
    let ids: Vec<_> = claimed.iter().map(|c| c.delivery.id.clone()).collect();
    assert_eq!(ids, vec![free]);
    // Not excluded any more: claimed.
    let claimed = store.claim("w", t, lease, 10, &[]).await.unwrap();
    let ids: BTreeSet<_> = claimed.into_iter().map(|c| c.delivery.id).collect();
    assert_eq!(ids, busy_ids);
    // An expired lease of an excluded integration stays where it is too.
    let later = lease + TimeDelta::seconds(1);
    let expired = store
        .claim(
            "w2",
            later,
            later + TimeDelta::seconds(30),
            10,
            std::slice::from_ref(&busy),
        )
        .await
        .unwrap();
    assert_eq!(expired.len(), 1, "{expired:?}");
    assert_eq!(expired[0].delivery.integration_id, other);
}
