//! The entry point on both databases: a custom type through every use case,
//! rows of an unregistered type refused at start-up with their counts,
//! registration errors, the workers' start and shutdown, and the API
//! mounted under a prefix with API keys.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use patchbay_embed::domain::catalogue::{CatalogueError, Category, FieldKind, FieldSpec, TypeSpec};
use patchbay_embed::domain::delivery::DeliveryStatus;
use patchbay_embed::domain::field_rules::FieldRule;
use patchbay_embed::domain::service::{AuditListRequest, CreateIntegration, ListRequest};
use patchbay_embed::domain::{
    Config, DomainError, IntegrationType, Message, Provider, ProviderContext, SendOutcome,
    TestOutcome, auth::Scopes,
};
use patchbay_embed::{EmbedError, Keyring, Patchbay, PatchbayBuilder};
use patchbay_storage::testing::{TestDatabase, on_both_backends};
use secrecy::ExposeSecret;
use serde_json::{Map, Value, json};

on_both_backends!(
    a_custom_type_works_like_a_built_in_one,
    rows_of_an_unregistered_type_stop_the_start,
    workers_start_once_and_stop_within_their_bound,
    the_api_mounts_under_a_prefix_with_api_keys,
);

const FAKE_SECRET: &str = "pg_fake_secret_for_tests_only";

fn keyring() -> Keyring {
    Keyring::parse("test:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", None).unwrap()
}

fn pager(id: i32, slug: &'static str) -> TypeSpec {
    TypeSpec::custom(id, slug, "Pager", Category::Chat)
        .with_field(
            FieldSpec::new("channel", FieldKind::String, "Channel.")
                .required()
                .rule(FieldRule::MaxLen(20)),
        )
        .with_field(
            FieldSpec::new("secret", FieldKind::String, "Secret.")
                .required()
                .secret()
                .rule(FieldRule::Prefix("pg_")),
        )
}

/// A provider that records what it was given, and never calls out.
#[derive(Default)]
struct Recorder {
    tests: AtomicUsize,
    sends: AtomicUsize,
}

struct FakePager {
    kind: IntegrationType,
    seen: Arc<Recorder>,
}

#[async_trait]
impl Provider for FakePager {
    fn kind(&self) -> IntegrationType {
        self.kind
    }

    async fn test(&self, _: &ProviderContext, config: &Config) -> TestOutcome {
        self.seen.tests.fetch_add(1, Ordering::SeqCst);
        // The provider gets the secret opened.
        match patchbay_embed::provider_kit::config_text(config, "secret") {
            Some(FAKE_SECRET) => TestOutcome::success("accepted"),
            _ => TestOutcome::error("wrong secret"),
        }
    }

    async fn send(&self, _: &ProviderContext, _: &Config, _: &Message) -> SendOutcome {
        // The first attempt fails, the retry is delivered.
        if self.seen.sends.fetch_add(1, Ordering::SeqCst) == 0 {
            SendOutcome::Retryable {
                reason: "busy".into(),
                retry_after: Some(std::time::Duration::from_millis(50)),
            }
        } else {
            SendOutcome::Delivered {
                provider_message_id: Some("pm-1".into()),
                hold_for: None,
            }
        }
    }
}

fn builder(db: &TestDatabase, spec: TypeSpec, seen: Arc<Recorder>) -> PatchbayBuilder {
    let mut delivery = patchbay_embed::DeliveryOptions::default();
    delivery.service.retry.base = std::time::Duration::from_millis(20);
    delivery.service.retry.jitter = 0.0;
    delivery.worker.poll_interval = std::time::Duration::from_millis(20);
    Patchbay::builder()
        .database_url(db.url())
        .keyring(keyring())
        .delivery(delivery)
        .custom_type(spec, move |kind, _| FakePager {
            kind,
            seen: seen.clone(),
        })
}

fn object(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap()
}

fn create(kind: IntegrationType, config: Value) -> CreateIntegration {
    CreateIntegration {
        name: "Pager".into(),
        kind,
        config: object(config),
        environment: None,
        status: None,
        is_managed: false,
    }
}

async fn a_custom_type_works_like_a_built_in_one(db: TestDatabase) {
    let seen = Arc::new(Recorder::default());
    let patchbay = builder(&db, pager(2001, "embed-pager"), seen.clone())
        .build()
        .await
        .unwrap();
    patchbay.start_workers();
    let kind = IntegrationType::from_id(2001).unwrap();
    let acme = patchbay.organization("acme").await.unwrap();

    match acme
        .create(create(kind, json!({"channel": "x".repeat(21), "extra": 1})))
        .await
    {
        Err(DomainError::Validation(e)) => {
            let fields: Vec<&str> = e.0.iter().map(|e| e.field.as_str()).collect();
            assert!(fields.contains(&"config.channel"), "{fields:?}");
            assert!(fields.contains(&"config.secret"), "{fields:?}");
            assert!(fields.contains(&"config.extra"), "{fields:?}");
        }
        other => panic!("accepted: {:?}", other.map(|i| i.id)),
    }

    let created = acme
        .create(create(
            kind,
            json!({"channel": "ops", "secret": FAKE_SECRET}),
        ))
        .await
        .unwrap();
    // The secret is not in the plain config column; the channel is.
    let with = |text: &str| {
        db.execute(&format!(
            "UPDATE integrations SET name = name WHERE id = '{}' AND config LIKE '%{text}%'",
            created.id
        ))
    };
    assert_eq!(with("ops"), 1);
    assert_eq!(with(FAKE_SECRET), 0);

    let report = acme.test(&created.id, None).await.unwrap();
    assert!(report.outcome.is_success(), "{}", report.outcome.message);
    let unsaved = acme
        .test_unsaved(
            kind,
            &object(json!({"channel": "ops", "secret": "pg_other"})),
            patchbay_embed::domain::Environment::Production,
        )
        .await
        .unwrap();
    assert!(!unsaved.outcome.is_success());
    assert_eq!(seen.tests.load(Ordering::SeqCst), 2);

    let accepted = acme
        .send(
            &created.id,
            Message {
                text: Some("hello".into()),
                ..Message::default()
            },
            None,
            false,
        )
        .await
        .unwrap();
    let report = patchbay_storage::testing::eventually(
        "the retry delivered",
        std::time::Duration::from_secs(10),
        || async {
            let r = acme.delivery(&accepted.delivery.id).await.unwrap();
            if r.delivery.status == DeliveryStatus::Delivered {
                Ok(r)
            } else {
                Err(format!("{:?}", r.delivery.status))
            }
        },
    )
    .await;
    assert_eq!(report.attempts.len(), 2);

    let listed = acme
        .list(ListRequest {
            kind: Some(kind),
            ..ListRequest::default()
        })
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 1);
    let audit = acme.audit(AuditListRequest::default()).await.unwrap();
    assert!(audit.items.len() >= 2, "{:?}", audit.items);
    assert!(audit.items.iter().all(|e| e.event.actor == "operator"));

    // Another organization sees none of it.
    let other = patchbay.organization("globex").await.unwrap();
    assert!(matches!(
        other.get(&created.id).await,
        Err(DomainError::NotFound)
    ));
    assert!(patchbay.shutdown().await);

    // Restarted with the same type, the row reads back with its secret.
    let again = builder(&db, pager(2001, "embed-pager"), seen.clone())
        .build()
        .await
        .unwrap();
    let read = again
        .tenant(acme.org_id().clone())
        .get(&created.id)
        .await
        .unwrap();
    assert_eq!(read.kind, kind);
    assert_eq!(
        patchbay_embed::provider_kit::config_text(&read.config, "secret"),
        Some(FAKE_SECRET)
    );
}

async fn rows_of_an_unregistered_type_stop_the_start(db: TestDatabase) {
    let seen = Arc::new(Recorder::default());
    let patchbay = builder(&db, pager(2002, "embed-pager-two"), seen.clone())
        .build()
        .await
        .unwrap();
    let acme = patchbay.organization("acme").await.unwrap();
    let created = acme
        .create(create(
            IntegrationType::from_slug("embed-pager-two").unwrap(),
            json!({"channel": "ops", "secret": FAKE_SECRET}),
        ))
        .await
        .unwrap();
    // As if the service that registered this type were no longer the one
    // starting: the stored slug names no registered type.
    assert_eq!(
        db.execute("UPDATE integrations SET type_slug = 'embed-never-registered'"),
        1
    );
    // A read reports it (no panic) ...
    match acme.get(&created.id).await {
        Err(DomainError::Store(e)) => {
            assert!(e.to_string().contains("embed-never-registered"), "{e}")
        }
        other => panic!("read: {:?}", other.map(|i| i.id)),
    }
    // ... and a start refuses, naming the type and its rows.
    let err = builder(&db, pager(2002, "embed-pager-two"), seen)
        .build()
        .await
        .err()
        .unwrap();
    let EmbedError::UnknownTypes(unknown) = &err else {
        panic!("{err}");
    };
    assert_eq!(unknown[0].slug, "embed-never-registered");
    assert_eq!(unknown[0].integrations, 1);
    assert!(
        err.to_string()
            .contains("`embed-never-registered` (1 integrations")
    );
}

async fn workers_start_once_and_stop_within_their_bound(db: TestDatabase) {
    // Registration errors come before the database is touched.
    let refused = builder(&db, pager(4, "embed-low"), Arc::default())
        .build()
        .await
        .err()
        .unwrap();
    assert!(matches!(
        refused,
        EmbedError::Catalogue(CatalogueError::ReservedId { id: 4 })
    ));
    let wrong_kind = Patchbay::builder()
        .database_url(db.url())
        .keyring(keyring())
        .custom_type(pager(2003, "embed-pager-three"), |_, _| FakePager {
            kind: IntegrationType::Sendgrid,
            seen: Arc::default(),
        })
        .build()
        .await
        .err()
        .unwrap();
    assert!(
        matches!(wrong_kind, EmbedError::ProviderKind { .. }),
        "{wrong_kind}"
    );
    let missing = Patchbay::builder()
        .keyring(keyring())
        .build()
        .await
        .err()
        .unwrap();
    assert!(matches!(missing, EmbedError::Missing("database_url")));

    let patchbay = builder(&db, pager(2004, "embed-pager-four"), Arc::default())
        .build()
        .await
        .unwrap();
    assert!(patchbay.start_workers());
    assert!(!patchbay.start_workers());
    let started = std::time::Instant::now();
    assert!(patchbay.shutdown().await);
    assert!(started.elapsed() < patchbay.shutdown_bound());
}

async fn the_api_mounts_under_a_prefix_with_api_keys(db: TestDatabase) {
    use actix_web::test as t;
    let patchbay = builder(&db, pager(2005, "embed-pager-five"), Arc::default())
        .build()
        .await
        .unwrap();
    let acme = patchbay.organization("acme").await.unwrap();
    let (record, key) = acme.create_api_key("ci", Scopes::all()).await.unwrap();
    let api = patchbay.mount("/notify/");
    assert_eq!(api.prefix(), "/notify");
    let app = t::init_service(actix_web::App::new().service(api.scope())).await;

    let no_key = t::call_service(
        &app,
        t::TestRequest::get()
            .uri("/notify/api/integrations")
            .to_request(),
    )
    .await;
    assert_eq!(no_key.status(), 401);
    let bearer = format!("Bearer {}", key.expose_secret());
    let created = t::call_service(
        &app,
        t::TestRequest::post()
            .uri("/notify/api/integrations")
            .insert_header(("authorization", bearer.as_str()))
            .set_json(json!({
                "name": "Pager",
                "type": "embed-pager-five",
                "config": {"channel": "ops", "secret": FAKE_SECRET},
            }))
            .to_request(),
    )
    .await;
    assert_eq!(created.status(), 201);
    let location = created
        .headers()
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        location.starts_with("/notify/api/integrations/int_"),
        "{location}"
    );
    let body: Value = t::read_body_json(created).await;
    assert!(body["config"].get("secret").is_none(), "{body}");
    // Outside the prefix, nothing of the API.
    let outside = t::call_service(
        &app,
        t::TestRequest::get().uri("/api/integrations").to_request(),
    )
    .await;
    assert_eq!(outside.status(), 404);
    let docs = t::call_service(&app, t::TestRequest::get().uri("/notify/docs").to_request()).await;
    assert_eq!(docs.headers().get("location").unwrap(), "/notify/docs/");

    // Revoked through the handle, the key stops working once its cache ends.
    assert!(acme.revoke_api_key(&record.id).await.unwrap());
    assert!(!acme.revoke_api_key(&record.id).await.unwrap());
    let other = patchbay.organization("globex").await.unwrap();
    assert!(!other.revoke_api_key(&record.id).await.unwrap());
    assert_eq!(acme.api_keys().await.unwrap().len(), 1);
}
